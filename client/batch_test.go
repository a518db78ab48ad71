package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/client"
	"github.com/ifmatch/ifmatch/statedoc"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

// front is an httptest server before a test LRS that records when each
// request arrived and how many were in flight at most, and can answer a
// request itself (answer returns true when it did).
type front struct {
	*httptest.Server
	mu          sync.Mutex
	arrivals    []time.Time
	inFlight    int
	maxInFlight int
}

func newFront(t *testing.T, srv *statedoctest.Server, delay time.Duration, answer func(w http.ResponseWriter, r *http.Request) bool) *front {
	t.Helper()
	f := &front{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.arrivals = append(f.arrivals, time.Now())
		f.inFlight++
		f.maxInFlight = max(f.maxInFlight, f.inFlight)
		f.mu.Unlock()
		defer func() {
			f.mu.Lock()
			f.inFlight--
			f.mu.Unlock()
		}()
		if answer != nil && answer(w, r) {
			return
		}
		time.Sleep(delay)
		srv.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(f.Server.Close)
	return f
}

func learnerKeys(n int) []statedoc.Key {
	keys := make([]statedoc.Key, n)
	for i := range keys {
		keys[i] = statedoc.Key{ActivityID: "https://example.com/courses/1",
			Agent: statedoc.Agent{Mbox: fmt.Sprintf("mailto:learner%d@example.com", i)}, StateID: "progress"}
	}
	return keys
}

func countEdit(_ statedoc.Key, d tally) (tally, error) { d.Count++; return d, nil }

// TestUpdateAllBoundsConcurrency: at most Concurrency documents are written
// at once; every document gets its result, in order, and Progress counts
// each one.
func TestUpdateAllBoundsConcurrency(t *testing.T) {
	srv := newServer(t, nil)
	f := newFront(t, srv, 2*time.Millisecond, nil)
	c, err := client.NewStateClient[tally](f.URL+"/xapi", lrs(nil))
	require.NoError(t, err)
	keys := learnerKeys(40)
	var seen []client.BatchProgress
	res := c.UpdateAll(context.Background(), keys, countEdit, &client.BatchOptions{Concurrency: 3,
		Progress: func(p client.BatchProgress) { seen = append(seen, p) }})

	require.Len(t, res, len(keys))
	for i, r := range res {
		require.NoError(t, r.Err)
		assert.Equal(t, keys[i], r.Key)
		assert.Equal(t, client.Created, r.Result.Outcome)
		d, ok := srv.Document(keys[i])
		require.True(t, ok)
		assert.JSONEq(t, `{"seen":null,"count":1}`, string(d.Body))
	}
	assert.LessOrEqual(t, f.maxInFlight, 3)
	assert.Equal(t, 3, f.maxInFlight, "the bound is used")
	require.Len(t, seen, len(keys))
	for i, p := range seen {
		assert.Equal(t, client.BatchProgress{Total: len(keys), Done: i + 1}, p)
	}
}

// TestBatchSlowsDownTogether: a 429, or a 503, with Retry-After to one
// worker holds every worker of the batch for the time asked.
func TestBatchSlowsDownTogether(t *testing.T) {
	for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			srv := newServer(t, nil)
			var told atomic.Bool
			var toldAt time.Time
			f := newFront(t, srv, 10*time.Millisecond, func(w http.ResponseWriter, r *http.Request) bool {
				if r.Method == http.MethodPut && told.CompareAndSwap(false, true) {
					toldAt = time.Now()
					w.Header().Set("Retry-After", "1")
					w.WriteHeader(status)
					return true
				}
				return false
			})
			c, err := client.NewStateClient[tally](f.URL+"/xapi", lrs(&client.Options{TransportWaitMax: 3 * time.Second}))
			require.NoError(t, err)
			keys := learnerKeys(60)
			res := c.UpdateAll(context.Background(), keys, countEdit, &client.BatchOptions{Concurrency: 4})
			for _, r := range res {
				require.NoError(t, r.Err)
			}
			require.True(t, told.Load())
			f.mu.Lock()
			defer f.mu.Unlock()
			quiet := 0
			for _, at := range f.arrivals {
				// Requests already on their way when the 429 was sent may arrive
				// just after it; none may start later within the second asked.
				if d := at.Sub(toldAt); d > 50*time.Millisecond && d < 900*time.Millisecond {
					t.Errorf("a request arrived %v after the %d", d, status)
				}
				if at.After(toldAt.Add(900 * time.Millisecond)) {
					quiet++
				}
			}
			assert.Positive(t, quiet, "the batch went on after the wait")
		})
	}
}

// TestUpdateAllStopsWithItsContext: when the context ends, documents not
// begun are not begun (ErrNotSent, context.Canceled), and those begun end
// as their Update does.
func TestUpdateAllStopsWithItsContext(t *testing.T) {
	srv := newServer(t, nil)
	f := newFront(t, srv, 2*time.Millisecond, nil)
	c, err := client.NewStateClient[tally](f.URL+"/xapi", lrs(nil))
	require.NoError(t, err)
	keys := learnerKeys(30)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var last client.BatchProgress
	res := c.UpdateAll(ctx, keys, countEdit, &client.BatchOptions{Concurrency: 2, Progress: func(p client.BatchProgress) {
		last = p
		if p.Done == 5 {
			cancel()
		}
	}})
	require.Len(t, res, len(keys))
	written, stopped := 0, 0
	for _, r := range res {
		_, stored := srv.Document(r.Key)
		switch {
		case r.Err == nil:
			written++
			assert.True(t, stored)
		case errors.Is(r.Err, client.ErrNotSent):
			stopped++
			require.ErrorIs(t, r.Err, context.Canceled)
			assert.False(t, stored, "a document not begun is not written")
		default:
			// Begun when the context ended: its own outcome.
			assert.ErrorIs(t, r.Err, context.Canceled)
		}
	}
	assert.GreaterOrEqual(t, written, 5)
	assert.Positive(t, stopped)
	assert.Equal(t, client.BatchProgress{Total: 30, Done: 30, Failed: 30 - written}, last)
	var we *client.WriteError
	require.ErrorAs(t, res[len(res)-1].Err, &we)
	assert.Equal(t, keys[len(keys)-1].String(), we.Resource)
}

// TestBatchFailuresStayTheirOwn: one document's failure is its own result.
func TestBatchFailuresStayTheirOwn(t *testing.T) {
	srv := newServer(t, nil)
	c := newClient[tally](t, srv, nil)
	keys := learnerKeys(6)
	bad := errors.New("no")
	res := c.UpdateAll(context.Background(), keys, func(k statedoc.Key, d tally) (tally, error) {
		if k == keys[2] {
			return d, bad
		}
		return countEdit(k, d)
	}, nil)
	for i, r := range res {
		if i == 2 {
			require.ErrorIs(t, r.Err, bad)
			continue
		}
		require.NoError(t, r.Err)
	}

	// SaveAll, with bases read first.
	items := make([]client.SaveItem[statedoc.Key, tally], len(keys))
	for i, k := range keys {
		base, err := c.Get(context.Background(), k)
		require.NoError(t, err)
		ours := base.Value
		ours.Seen = append(ours.Seen, "saved")
		items[i] = client.SaveItem[statedoc.Key, tally]{Key: k, Base: base, Ours: ours}
	}
	saved := c.SaveAll(context.Background(), items, nil, nil)
	for i, r := range saved {
		require.NoError(t, r.Err)
		assert.Equal(t, keys[i], r.Key)
		assert.Equal(t, []string{"saved"}, r.Result.Value.Seen)
	}
}

// TestDocumentClientUpdateAll: the document client's batch, by URL.
func TestDocumentClientUpdateAll(t *testing.T) {
	srv := newDocServer(t, nil)
	c := newDocClient[article](t, srv, nil)
	urls := make([]string, 12)
	for i := range urls {
		urls[i] = fmt.Sprintf("%s/articles/%d", srv.URL, i)
	}
	res := c.UpdateAll(context.Background(), urls, func(u string, a article) (article, error) {
		a.Title = u[len(srv.URL):]
		return a, nil
	}, &client.BatchOptions{Concurrency: 5})
	for i, r := range res {
		require.NoError(t, r.Err)
		assert.Equal(t, urls[i], r.Key)
		assert.Equal(t, fmt.Sprintf("/articles/%d", i), r.Result.Value.Title)
	}
}
