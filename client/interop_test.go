//go:build unix

package client_test

import (
	"context"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/client"
	"github.com/ifmatch/ifmatch/internal/interop"
	"github.com/ifmatch/ifmatch/merge"
)

// interopClient is a document client for a real server: plain ETags and
// PUT, with waits long enough for Apache's default ETags, which stay weak
// for about a second after a write.
func interopClient(t *testing.T) *client.DocumentClient[article] {
	t.Helper()
	c, err := client.NewDocumentClient[article](&client.DocumentOptions{Options: client.Options{
		HTTPClient: &http.Client{Timeout: 10 * time.Second},
		// Fixed waits, so that the re-reads for a strong ETag span 3 s
		// whatever the draw: Apache's weak window has been seen to last 2 s
		// on a busy machine.
		ConflictBackoff: func(int) time.Duration { return 250 * time.Millisecond },
		WeakETagRereads: 12,
		MaxAttempts:     50,
	}})
	require.NoError(t, err)
	return c
}

// interopServers starts each real server the tests know.
func interopServers(t *testing.T) []*interop.Server {
	return []*interop.Server{
		interop.Apache(t, interop.ApacheOptions{}),
		interop.Apache(t, interop.ApacheOptions{Digest: true}),
		interop.Nginx(t),
	}
}

// TestInteropProbe probes real Apache httpd (mod_dav), with default and
// digest ETags, and nginx (dav module). Apache enforces preconditions one
// request at a time; whether it also holds under concurrent writes is what
// the probe finds out and the test records. nginx ignores them.
func TestInteropProbe(t *testing.T) {
	for _, srv := range interopServers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			c := interopClient(t)
			rep, err := c.Probe(context.Background(), srv.URL+"probe.json", nil)
			require.NoError(t, err, srv.ErrorLog())
			t.Logf("%s: verdict %s; ETag %s, strong after %s, ETag on write %v, stale If-Match %d, If-None-Match * on existing %d, If-Match on missing %d, races %d (lost %d); %v",
				srv.Name, rep.Protection, rep.ETag, rep.StrongAfter.Round(time.Millisecond), rep.WriteETag,
				rep.Stale, rep.Exists, rep.Missing, rep.Races, rep.RacesLost, rep.Notes)
			if srv.Name == "nginx" {
				assert.Equal(t, client.Ignoring, rep.Protection)
			} else {
				assert.Contains(t, []client.Protection{client.Enforcing, client.Racy}, rep.Protection)
				assert.Equal(t, http.StatusPreconditionFailed, rep.Stale)
				assert.Equal(t, http.StatusPreconditionFailed, rep.Exists)
			}
			_, err = os.Stat(srv.Path("probe.json"))
			assert.True(t, os.IsNotExist(err), "the scratch document is removed")
		})
	}
}

// TestInteropSeed001 replays seed 001 on each real server: two editors
// read the article, A fixes the typo, B adds a sentence from the old
// version. Apache refuses B's stale write and the client merges both
// edits; nginx accepts it and A's fix is lost, as its probe verdict
// predicts.
func TestInteropSeed001(t *testing.T) {
	for _, srv := range interopServers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			ctx := context.Background()
			u := srv.URL + "article.json"
			a, b := interopClient(t), interopClient(t)
			_, err := a.Update(ctx, u, func(x article) (article, error) {
				x.Title = "Conditional requests"
				x.Body = "Teh ETag protects the article."
				return x, nil
			})
			require.NoError(t, err, srv.ErrorLog())
			baseA, err := a.Get(ctx, u)
			require.NoError(t, err)
			baseB, err := b.Get(ctx, u)
			require.NoError(t, err)

			fixed := baseA.Value
			fixed.Body = "The ETag protects the article."
			_, err = a.Save(ctx, u, baseA, fixed, nil)
			require.NoError(t, err)

			longer := baseB.Value
			longer.Body = "Teh ETag protects the article. A 412 tells the second writer."
			m := merge.FieldUnion[article](&merge.Options{Resolvers: map[string]merge.Resolver{"/body": merge.Text(merge.Ours)}})
			res, err := b.Save(ctx, u, baseB, longer, m)
			require.NoError(t, err)

			final, err := a.Get(ctx, u)
			require.NoError(t, err)
			if srv.Name == "nginx" {
				assert.Equal(t, 1, res.Attempts, "nginx accepts the stale write")
				assert.Equal(t, "Teh ETag protects the article. A 412 tells the second writer.", final.Value.Body, "A's fix is lost")
				return
			}
			if etagIsWeak(baseB.ETag) {
				// Apache's default ETag is weak for a second after a write:
				// no write can be based on it, so the client reads a strong
				// one first, finds A's version and merges before writing.
				assert.Equal(t, 1, res.Attempts, "merged before the first write")
			} else {
				assert.Equal(t, 2, res.Attempts, "the stale write is refused once, then merged")
			}
			assert.Equal(t, "The ETag protects the article. A 412 tells the second writer.", final.Value.Body, "both edits survive")
		})
	}
}

func etagIsWeak(v string) bool { return len(v) > 2 && v[:2] == "W/" }

// TestInteropConcurrentWriters: writers sharing nothing increment one
// counter on Apache with digest ETags. The client applies each increment
// once; the server may still lose some when it lets two writes with the
// same If-Match through, which only a racy server does: the test reports
// what it saw, and when updates were lost it checks that a long probe
// finds the race. (A probe's Enforcing only means no race was seen in the
// rounds it tried.)
func TestInteropConcurrentWriters(t *testing.T) {
	srv := interop.Apache(t, interop.ApacheOptions{Digest: true})
	ctx := context.Background()
	rep, err := interopClient(t).Probe(ctx, srv.URL+"probe.json", &client.ProbeOptions{Races: 10})
	require.NoError(t, err, srv.ErrorLog())

	u := srv.URL + "counter.json"
	const writers, each = 4, 5
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failed []error
	for range writers {
		c := interopClient(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				if _, err := c.Update(ctx, u, func(a article) (article, error) { a.Views++; return a, nil }); err != nil {
					mu.Lock()
					failed = append(failed, err)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	require.Empty(t, failed)
	final, err := interopClient(t).Get(ctx, u)
	require.NoError(t, err)
	t.Logf("apache-digest (probe: %s): %d of %d acknowledged increments stored", rep.Protection, final.Value.Views, writers*each)
	assert.LessOrEqual(t, final.Value.Views, writers*each, "no increment is applied twice")
	if final.Value.Views < writers*each {
		// Every increment was acknowledged, so the server let two writes
		// with the same If-Match through: a long probe must see it race.
		again, err := interopClient(t).Probe(ctx, srv.URL+"probe.json", &client.ProbeOptions{Races: 200})
		require.NoError(t, err)
		assert.Equal(t, client.Racy, again.Protection, "updates were lost, so the server must be racy")
	}
}
