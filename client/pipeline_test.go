package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/client"
	"github.com/ifmatch/ifmatch/client/etagtest"
	"github.com/ifmatch/ifmatch/statedoc"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

// tally is a document many edits add to: each edit adds its own token.
type tally struct {
	Seen  []string `json:"seen"`
	Count int      `json:"count"`
}

func addToken(tok string) func(tally) (tally, error) {
	return func(d tally) (tally, error) {
		d.Seen = append(d.Seen, tok)
		d.Count++
		return d, nil
	}
}

// slowServer is a test LRS that answers every request after delay.
func slowServer(t *testing.T, delay time.Duration) *statedoctest.Server {
	t.Helper()
	all := []string{http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete}
	return newServer(t, &statedoctest.Options{Faults: statedoctest.FaultPlan{
		Rules: []statedoctest.Fault{{Kind: statedoctest.Latency, Methods: all, Delay: delay}},
	}})
}

// gated puts a front before srv that holds each PUT until the test lets it
// go: every PUT announces itself on arrived, then waits for a value on
// release.
type gated struct {
	*httptest.Server
	arrived chan *http.Request
	release chan struct{}
}

func gate(t *testing.T, srv *statedoctest.Server, hold func(*http.Request) bool) *gated {
	t.Helper()
	g := &gated{arrived: make(chan *http.Request, 100), release: make(chan struct{}, 100)}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && (hold == nil || hold(r)) {
			g.arrived <- r
			<-g.release
		}
		srv.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		close(g.release)
		g.Server.Close()
	})
	return g
}

func gatedClient[T any](t *testing.T, g *gated, opts *client.Options) *client.StateClient[T] {
	t.Helper()
	c, err := client.NewStateClient[T](g.URL+"/xapi", lrs(opts))
	require.NoError(t, err)
	return c
}

func waitFor[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
	panic("unreachable")
}

func storedTally(t *testing.T, srv *statedoctest.Server, k statedoc.Key) tally {
	t.Helper()
	d, ok := srv.Document(k)
	require.True(t, ok, "document should exist")
	var out tally
	require.NoError(t, json.Unmarshal(d.Body, &out))
	return out
}

// TestBurstOfEditsFromOneClient: 100 edits issued at once through one client
// to one document, on a server that answers each request after 1 ms, go in
// a few writes, none refused, and every edit is there once.
func TestBurstOfEditsFromOneClient(t *testing.T) {
	srv := slowServer(t, time.Millisecond)
	c := newClient[tally](t, srv, nil)
	const n = 100
	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		results = make([]client.Result[tally], n)
		errs    = make([]error, n)
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i], errs[i] = c.Update(context.Background(), key, addToken(fmt.Sprint(i)))
		}()
	}
	close(start)
	wg.Wait()

	for i := range n {
		require.NoError(t, errs[i], "edit %d", i)
		assert.Contains(t, results[i].Value.Seen, fmt.Sprint(i), "each caller's result holds its own edit")
		assert.NotEqual(t, client.Unchanged, results[i].Outcome)
	}
	got := storedTally(t, srv, key)
	assert.Equal(t, n, got.Count)
	want := make([]string, n)
	for i := range n {
		want[i] = fmt.Sprint(i)
	}
	assert.ElementsMatch(t, want, got.Seen, "every edit present, once")
	assert.Zero(t, countStatus(srv, http.MethodPut, http.StatusPreconditionFailed), "no write lost to the client's own")
	puts := countMethod(srv, http.MethodPut)
	assert.LessOrEqual(t, puts, 10)
	t.Logf("100 edits: %d PUTs, %d GETs", puts, countMethod(srv, http.MethodGet))
}

// TestSharedClientCountsExactly: N goroutines × M increments through one
// client end at exactly N×M, and no write is ever refused.
func TestSharedClientCountsExactly(t *testing.T) {
	srv := slowServer(t, 200*time.Microsecond)
	c := newClient[tally](t, srv, nil)
	const goroutines, each = 16, 10
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				if _, err := c.Update(context.Background(), key, func(d tally) (tally, error) { d.Count++; return d, nil }); err != nil {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	require.Zero(t, failed.Load())
	assert.Equal(t, goroutines*each, storedTally(t, srv, key).Count)
	assert.Zero(t, countStatus(srv, http.MethodPut, http.StatusPreconditionFailed))
	t.Logf("%d increments: %d PUTs", goroutines*each, countMethod(srv, http.MethodPut))
}

// TestCancelBeforeSendRemovesTheEdit: a caller whose edit waits behind a
// write in flight and cancels gets its context's error at once, and its
// edit is never written.
func TestCancelBeforeSendRemovesTheEdit(t *testing.T) {
	srv := newServer(t, nil)
	g := gate(t, srv, nil)
	c := gatedClient[tally](t, g, nil)

	first := goUpdate(c, context.Background(), addToken("first"))
	waitFor(t, g.arrived, "the first PUT")

	ctx, cancel := context.WithCancel(context.Background())
	second := goUpdate(c, ctx, addToken("second"))
	queued(t, c, 1)
	cancel()
	err := waitFor(t, second, "the cancelled caller")
	require.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, client.ErrOutcomeUnknown, "its edit was never sent")

	g.release <- struct{}{}
	require.NoError(t, waitFor(t, first, "the first caller"))
	assert.Equal(t, []string{"first"}, storedTally(t, srv, key).Seen)
	assert.Equal(t, 1, countMethod(srv, http.MethodPut), "nothing is written for the removed edit")
}

// TestCancelAfterSendGetsTheRealOutcome: once a caller's edit is in a write
// in flight, cancelling does not remove it: the caller waits for the
// write and gets its outcome.
func TestCancelAfterSendGetsTheRealOutcome(t *testing.T) {
	srv := newServer(t, nil)
	g := gate(t, srv, nil)
	c := gatedClient[tally](t, g, nil)

	ctx, cancel := context.WithCancel(context.Background())
	type outcome struct {
		res client.Result[tally]
		err error
	}
	done := make(chan outcome, 1)
	go func() { r, err := c.Update(ctx, key, addToken("mine")); done <- outcome{r, err} }()
	waitFor(t, g.arrived, "the PUT")
	cancel()
	select {
	case <-done:
		t.Fatal("the caller left while its write was in flight")
	case <-time.After(50 * time.Millisecond):
	}
	g.release <- struct{}{}
	o := waitFor(t, done, "the caller")
	require.NoError(t, o.err)
	assert.Equal(t, client.Created, o.res.Outcome)
	assert.Equal(t, []string{"mine"}, storedTally(t, srv, key).Seen)
}

// TestCancelAfterSendWithLostAnswer: a caller that cancels while its
// write is in flight, and whose write's answer is then lost, gets the
// unknown-outcome error, not "removed".
func TestCancelAfterSendWithLostAnswer(t *testing.T) {
	srv := newServer(t, &statedoctest.Options{Faults: statedoctest.FaultPlan{Rules: []statedoctest.Fault{
		{Kind: statedoctest.CommitThenDrop, Methods: []string{http.MethodPut}, Count: 1},
	}}})
	g := gate(t, srv, nil)
	c := gatedClient[tally](t, g, &client.Options{TransportRetries: -1})
	ctx, cancel := context.WithCancel(context.Background())
	done := goUpdate(c, ctx, addToken("mine"))
	waitFor(t, g.arrived, "the PUT")
	cancel()
	g.release <- struct{}{}
	err := waitFor(t, done, "the caller")
	require.ErrorIs(t, err, client.ErrOutcomeUnknown)
	assert.Equal(t, []string{"mine"}, storedTally(t, srv, key).Seen, "the write was applied")
}

// TestCancelledAfterLostRaceLeaves: an edit whose write was refused (412)
// is in no write in flight while the loop backs off: its caller can leave,
// and nothing more is sent for it.
func TestCancelledAfterLostRaceLeaves(t *testing.T) {
	srv := newServer(t, nil)
	srv.SetDocument(key, "application/json", []byte(`{"seen":[],"count":0}`))
	srv.Script(statedoctest.Script{Method: http.MethodPut, Status: http.StatusPreconditionFailed, Times: 1})
	ctx, cancel := context.WithCancel(context.Background())
	backingOff := make(chan struct{})
	c := newClient[tally](t, srv, &client.Options{ConflictBackoff: func(int) time.Duration {
		close(backingOff)
		return time.Hour
	}})
	done := goUpdate(c, ctx, addToken("mine"))
	waitFor(t, backingOff, "the backoff")
	cancel()
	err := waitFor(t, done, "the caller")
	require.ErrorIs(t, err, context.Canceled)
	var we *client.WriteError
	require.ErrorAs(t, err, &we)
	assert.Equal(t, 1, we.Attempts)
	assert.Equal(t, 1, countMethod(srv, http.MethodPut))
	assert.Empty(t, storedTally(t, srv, key).Seen)
}

// TestBatchEditErrorsStayTheirOwn: in one batch, an edit that fails ends its
// own call with its error; the others are written.
func TestBatchEditErrorsStayTheirOwn(t *testing.T) {
	srv := newServer(t, nil)
	g := gate(t, srv, nil)
	c := gatedClient[tally](t, g, nil)
	errRefused := errors.New("refused by the edit")

	first := goUpdate(c, context.Background(), addToken("first"))
	waitFor(t, g.arrived, "the first PUT")

	edits := []func(tally) (tally, error){
		addToken("a"),
		func(tally) (tally, error) { return tally{}, errRefused },
		addToken("c"),
		func(d tally) (tally, error) { return d, nil }, // changes nothing
	}
	errs := make([]error, len(edits))
	results := make([]client.Result[tally], len(edits))
	var wg sync.WaitGroup
	for i, edit := range edits {
		wg.Add(1)
		go func() { defer wg.Done(); results[i], errs[i] = c.Update(context.Background(), key, edit) }()
		queued(t, c, i+1)
	}
	g.release <- struct{}{} // the first write
	waitFor(t, g.arrived, "the batch's PUT")
	g.release <- struct{}{}
	wg.Wait()
	require.NoError(t, <-first)

	require.NoError(t, errs[0])
	require.ErrorIs(t, errs[1], errRefused)
	var we *client.WriteError
	require.ErrorAs(t, errs[1], &we)
	assert.Equal(t, "update", we.Op)
	require.NoError(t, errs[2])
	require.NoError(t, errs[3])
	assert.Equal(t, client.Updated, results[0].Outcome)
	assert.Equal(t, client.Updated, results[2].Outcome)
	assert.Equal(t, client.Unchanged, results[3].Outcome, "its own edit changed nothing")
	assert.Equal(t, results[0].ETag, results[2].ETag, "one write")
	assert.Equal(t, []string{"first", "a", "c"}, storedTally(t, srv, key).Seen)
	assert.Equal(t, 2, countMethod(srv, http.MethodPut))
}

// TestBatchSaveMergesAsAlone: a Save that waits behind other writes is
// merged onto what they made, as it would be if it had lost a race to
// them.
func TestBatchSaveMergesAsAlone(t *testing.T) {
	srv := newServer(t, nil)
	srv.SetDocument(key, "application/json", []byte(`{"page":1,"checked":{"a":true}}`))
	g := gate(t, srv, nil)
	c := gatedClient[progress](t, g, nil)
	base, err := c.Get(context.Background(), key)
	require.NoError(t, err)

	first := goUpdate(c, context.Background(), func(p progress) (progress, error) { p.Page = 7; return p, nil })
	waitFor(t, g.arrived, "the first PUT")

	ours := progress{Page: 1, Checked: map[string]bool{"a": true, "b": true}}
	saved := make(chan error, 1)
	go func() { _, err := c.Save(context.Background(), key, base, ours, nil); saved <- err }()
	queued(t, c, 1)
	bumped := goUpdate(c, context.Background(), func(p progress) (progress, error) { p.Checked["c"] = true; return p, nil })
	queued(t, c, 2)
	g.release <- struct{}{}
	waitFor(t, g.arrived, "the batch's PUT")
	g.release <- struct{}{}
	require.NoError(t, waitFor(t, first, "first"))
	require.NoError(t, waitFor(t, saved, "save"))
	require.NoError(t, waitFor(t, bumped, "update"))
	assert.JSONEq(t, `{"page":7,"checked":{"a":true,"b":true,"c":true}}`, storedJSON(t, srv),
		"the Save kept page 7, which it did not change, and added b")
	assert.Zero(t, countStatus(srv, http.MethodPut, http.StatusPreconditionFailed))
}

// TestKeysProgressIndependently: a write held up on one document does not
// delay writes to another.
func TestKeysProgressIndependently(t *testing.T) {
	srv := newServer(t, nil)
	slowKey := key
	slowKey.StateID = "slow"
	g := gate(t, srv, func(r *http.Request) bool { return r.URL.Query().Get("stateId") == "slow" })
	c := gatedClient[tally](t, g, nil)

	slow := make(chan error, 1)
	go func() { _, err := c.Update(context.Background(), slowKey, addToken("s")); slow <- err }()
	waitFor(t, g.arrived, "the slow PUT")
	for i := range 5 {
		_, err := c.Update(context.Background(), key, addToken(fmt.Sprint(i)))
		require.NoError(t, err)
	}
	assert.Equal(t, 5, storedTally(t, srv, key).Count)
	select {
	case <-slow:
		t.Fatal("the slow write ended before its release")
	default:
	}
	g.release <- struct{}{}
	require.NoError(t, waitFor(t, slow, "the slow write"))
}

// TestPanickingEditPanicsInItsCaller: an edit that panics panics in its
// own caller's goroutine; the other edits of its batch are written.
func TestPanickingEditPanicsInItsCaller(t *testing.T) {
	srv := newServer(t, nil)
	g := gate(t, srv, nil)
	c := gatedClient[tally](t, g, nil)
	first := goUpdate(c, context.Background(), addToken("first"))
	waitFor(t, g.arrived, "the first PUT")

	recovered := make(chan any, 1)
	go func() {
		defer func() { recovered <- recover() }()
		_, _ = c.Update(context.Background(), key, func(tally) (tally, error) { panic("edit bug") })
	}()
	queued(t, c, 1)
	other := goUpdate(c, context.Background(), addToken("other"))
	queued(t, c, 2)
	g.release <- struct{}{}
	waitFor(t, g.arrived, "the batch's PUT")
	g.release <- struct{}{}
	assert.Equal(t, "edit bug", waitFor(t, recovered, "the panic"))
	require.NoError(t, waitFor(t, other, "the other edit"))
	require.NoError(t, waitFor(t, first, "the first edit"))
	assert.Equal(t, []string{"first", "other"}, storedTally(t, srv, key).Seen)
}

// TestPipelineInterleavings is the pipeline's invariant under random
// interleavings: goroutines of one client add tokens while another client
// (another process) adds its own, some callers cancel at random moments,
// and the server answers after random delays. At the end the document
// holds exactly the tokens whose callers were told they were written,
// plus those whose outcome was unknown or that were in a write in flight
// when their caller left — never a removed one, never one twice.
//
// With faults that lose answers (the write applied or not), callers may
// also get ErrOutcomeUnknown; with a write log every outcome is decided.
func TestPipelineInterleavings(t *testing.T) {
	latency := statedoctest.Fault{Kind: statedoctest.Latency, Methods: []string{http.MethodGet, http.MethodPut}, Probability: 0.5, Delay: time.Millisecond}
	dropped := []statedoctest.Fault{
		{Kind: statedoctest.CommitThenDrop, Methods: []string{http.MethodPut}, Probability: 0.1},
		{Kind: statedoctest.DropBefore, Methods: []string{http.MethodPut}, Probability: 0.1},
		latency,
	}
	for _, tc := range []struct {
		name     string
		faults   []statedoctest.Fault
		writeLog string
	}{
		{"latency", []statedoctest.Fault{latency}, ""},
		{"lost answers", dropped, ""},
		{"lost answers with a write log", dropped, "/_writes"},
	} {
		for seed := int64(1); seed <= 4; seed++ {
			t.Run(fmt.Sprint(tc.name, " seed ", seed), func(t *testing.T) {
				interleave(t, seed, tc.faults, tc.writeLog)
			})
		}
	}
}

func interleave(t *testing.T, seed int64, faults []statedoctest.Fault, writeLog string) {
	rng := rand.New(rand.NewSource(seed))
	srv := newServer(t, &statedoctest.Options{Faults: statedoctest.FaultPlan{Seed: seed, Rules: faults}})
	opts := func() *client.Options { return &client.Options{WriteLog: writeLog, TransportRetries: -1} }
	shared := newClient[tally](t, srv, opts())
	other := newClient[tally](t, srv, opts())
	const callers = 60
	type call struct {
		tok    string
		err    error
		cancel time.Duration // 0: never
	}
	calls := make([]*call, callers)
	for i := range calls {
		calls[i] = &call{tok: fmt.Sprint("t", i)}
		if rng.Intn(3) == 0 {
			calls[i].cancel = time.Duration(rng.Intn(4000)) * time.Microsecond
		}
	}
	var wg sync.WaitGroup
	for i, cl := range calls {
		wg.Add(1)
		c := shared
		if i%10 == 9 {
			c = other
		}
		pause := time.Duration(rng.Intn(3000)) * time.Microsecond
		go func() {
			defer wg.Done()
			time.Sleep(pause)
			ctx := context.Background()
			if cl.cancel > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithCancel(ctx)
				t := time.AfterFunc(cl.cancel, cancel)
				defer t.Stop()
			}
			_, cl.err = c.Update(ctx, key, addToken(cl.tok))
		}()
	}
	wg.Wait()

	got := storedTally(t, srv, key)
	assert.Equal(t, len(got.Seen), got.Count, "each edit applied whole")
	stored := map[string]int{}
	for _, tok := range got.Seen {
		stored[tok]++
	}
	removed, unknown := 0, 0
	for _, cl := range calls {
		assert.LessOrEqual(t, stored[cl.tok], 1, "%s written twice", cl.tok)
		switch {
		case cl.err == nil:
			assert.Equal(t, 1, stored[cl.tok], "%s reported written", cl.tok)
		case errors.Is(cl.err, client.ErrOutcomeUnknown):
			unknown++
			assert.Empty(t, writeLog, "%s: a write log decides every outcome: %v", cl.tok, cl.err)
		case errors.Is(cl.err, context.Canceled):
			removed++
			assert.Zero(t, stored[cl.tok], "%s reported removed", cl.tok)
		default:
			t.Errorf("%s: unexpected error %v", cl.tok, cl.err)
		}
	}
	t.Logf("%d tokens stored, %d removed, %d unknown, %d PUTs, %d answered 412", len(got.Seen), removed, unknown,
		countMethod(srv, http.MethodPut), countStatus(srv, http.MethodPut, http.StatusPreconditionFailed))
}

// TestCacheSkipsTheRead: with the cache on, a client that alone writes a
// document sends one request per update.
func TestCacheSkipsTheRead(t *testing.T) {
	srv := newServer(t, nil)
	c := newClient[tally](t, srv, &client.Options{Cache: client.CacheOptions{Size: 10}})
	for i := range 10 {
		_, err := c.Update(context.Background(), key, addToken(fmt.Sprint(i)))
		require.NoError(t, err)
	}
	assert.Equal(t, 10, storedTally(t, srv, key).Count)
	assert.Equal(t, 1, countMethod(srv, http.MethodGet), "one read, before the first write")
	assert.Equal(t, 10, countMethod(srv, http.MethodPut))

	plain := newServer(t, nil)
	uncached := newClient[tally](t, plain, nil)
	for i := range 10 {
		_, err := uncached.Update(context.Background(), key, addToken(fmt.Sprint(i)))
		require.NoError(t, err)
	}
	assert.Equal(t, 10, countMethod(plain, http.MethodGet), "without the cache, each update reads first")
}

// TestCacheStaleVersionIsCorrected: a cached version that another writer
// made stale costs one refused write and loses nothing.
func TestCacheStaleVersionIsCorrected(t *testing.T) {
	srv := newServer(t, nil)
	c := newClient[tally](t, srv, &client.Options{Cache: client.CacheOptions{Size: 10}})
	other := newClient[tally](t, srv, nil)
	_, err := c.Update(context.Background(), key, addToken("mine 1"))
	require.NoError(t, err)
	_, err = other.Update(context.Background(), key, addToken("theirs"))
	require.NoError(t, err)
	res, err := c.Update(context.Background(), key, addToken("mine 2"))
	require.NoError(t, err)
	assert.Equal(t, 2, res.Attempts)
	assert.Equal(t, []string{"mine 1", "theirs", "mine 2"}, storedTally(t, srv, key).Seen)
	assert.Equal(t, 1, countStatus(srv, http.MethodPut, http.StatusPreconditionFailed))
}

// TestCacheNoChangeIsCheckedAgainstTheServer: an edit that changes nothing
// on a cached version is not reported Unchanged until a read confirms it:
// another writer may have changed what the edit sets.
func TestCacheNoChangeIsCheckedAgainstTheServer(t *testing.T) {
	srv := newServer(t, nil)
	c := newClient[progress](t, srv, &client.Options{Cache: client.CacheOptions{Size: 10}})
	other := newClient[progress](t, srv, nil)
	setPage := func(n int) func(progress) (progress, error) {
		return func(p progress) (progress, error) { p.Page = n; return p, nil }
	}
	_, err := c.Update(context.Background(), key, setPage(1))
	require.NoError(t, err)
	_, err = other.Update(context.Background(), key, setPage(2))
	require.NoError(t, err)
	res, err := c.Update(context.Background(), key, setPage(1))
	require.NoError(t, err)
	assert.Equal(t, client.Updated, res.Outcome)
	assert.JSONEq(t, `{"page":1}`, storedJSON(t, srv))

	res, err = c.Update(context.Background(), key, setPage(1))
	require.NoError(t, err)
	assert.Equal(t, client.Unchanged, res.Outcome, "confirmed by a read")
}

// TestCacheForgetsDeletedDocuments: a Delete through the client drops its
// cached version, so the next update creates the document.
func TestCacheForgetsDeletedDocuments(t *testing.T) {
	srv := newServer(t, nil)
	c := newClient[tally](t, srv, &client.Options{Cache: client.CacheOptions{Size: 10}})
	res, err := c.Update(context.Background(), key, addToken("a"))
	require.NoError(t, err)
	require.NoError(t, c.Delete(context.Background(), key, res.ETag))
	res, err = c.Update(context.Background(), key, addToken("b"))
	require.NoError(t, err)
	assert.Equal(t, client.Created, res.Outcome)
	assert.Equal(t, 1, res.Attempts, "no write against the deleted version")
	assert.Equal(t, []string{"b"}, storedTally(t, srv, key).Seen)
}

// TestDocumentClientCoalesces: the document client's writes go through the
// same pipeline.
func TestDocumentClientCoalesces(t *testing.T) {
	srv := newDocServer(t, &etagtest.Options{Faults: etagtest.FaultPlan{Rules: []etagtest.Fault{
		{Kind: etagtest.Latency, Methods: []string{http.MethodGet, http.MethodPut}, Delay: time.Millisecond},
	}}})
	c := newDocClient[article](t, srv, nil)
	u := srv.URL + "/articles/1"
	const n = 50
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = c.Update(context.Background(), u, func(a article) (article, error) { a.Views++; return a, nil })
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	d, err := c.Get(context.Background(), u)
	require.NoError(t, err)
	assert.Equal(t, n, d.Value.Views)
	puts := 0
	for _, e := range srv.Log() {
		if e.Method == http.MethodPut {
			puts++
			assert.NotEqual(t, http.StatusPreconditionFailed, e.Status)
		}
	}
	assert.LessOrEqual(t, puts, 5)
}

// TestCachedVersionIsNoProofOfExistence: a document deleted before the
// call, whose version the client still holds, is created again, not
// reported as deleted during the write.
func TestCachedVersionIsNoProofOfExistence(t *testing.T) {
	srv := newServer(t, nil)
	c := newClient[tally](t, srv, &client.Options{Cache: client.CacheOptions{Size: 10}, OnDeleted: client.FailDeleted})
	_, err := c.Update(context.Background(), key, addToken("a"))
	require.NoError(t, err)
	srv.DeleteDocument(key) // another process, before the call
	res, err := c.Update(context.Background(), key, addToken("b"))
	require.NoError(t, err)
	assert.Equal(t, client.Created, res.Outcome)
	assert.Equal(t, []string{"b"}, storedTally(t, srv, key).Seen)
}

// TestLeavingCallersEditDoesNotRun: a caller that leaves while an edit
// before its own runs gets its context's error, and its edit never runs.
func TestLeavingCallersEditDoesNotRun(t *testing.T) {
	srv := newServer(t, nil)
	g := gate(t, srv, nil)
	c := gatedClient[tally](t, g, nil)
	first := goUpdate(c, context.Background(), addToken("first"))
	waitFor(t, g.arrived, "the first PUT")

	edit, slowStarted := slowly(100*time.Millisecond, func(d tally) (tally, error) { d.Count++; return d, nil })
	slow := goUpdate(c, context.Background(), edit)
	queued(t, c, 1)
	ctx, cancel := context.WithCancel(context.Background())
	var ran atomic.Bool
	leaving := goUpdate(c, ctx, func(d tally) (tally, error) { ran.Store(true); return d, nil })
	queued(t, c, 2)
	g.release <- struct{}{}
	waitFor(t, slowStarted, "the slow edit")
	cancel()
	require.ErrorIs(t, waitFor(t, leaving, "the leaving caller"), context.Canceled)
	waitFor(t, g.arrived, "the batch's PUT")
	g.release <- struct{}{}
	require.NoError(t, waitFor(t, slow, "the slow edit's caller"))
	require.NoError(t, waitFor(t, first, "the first caller"))
	assert.False(t, ran.Load(), "the edit of a caller that left never runs")
}

// TestPanicInOptionsReachesTheCaller: a panic in the caller's code that
// runs inside the write (here a backoff function) panics in the caller's
// goroutine, where it can be recovered, and the client goes on working.
func TestPanicInOptionsReachesTheCaller(t *testing.T) {
	srv := newServer(t, nil)
	srv.SetDocument(key, "application/json", []byte(`{"seen":[],"count":0}`))
	srv.Script(statedoctest.Script{Method: http.MethodPut, Status: http.StatusPreconditionFailed, Times: 1})
	c := newClient[tally](t, srv, &client.Options{ConflictBackoff: func(int) time.Duration { panic("backoff bug") }})
	recovered := func() (r any) {
		defer func() { r = recover() }()
		_, _ = c.Update(context.Background(), key, addToken("x"))
		return nil
	}()
	assert.Equal(t, "backoff bug", recovered)
	_, err := c.Update(context.Background(), key, addToken("y"))
	require.NoError(t, err, "the document's lane still works")
	assert.Equal(t, []string{"y"}, storedTally(t, srv, key).Seen)
}

// TestCancelDuringRetryAfterWait: a write answered 429 was not processed;
// its caller may leave during the wait the server asked for.
func TestCancelDuringRetryAfterWait(t *testing.T) {
	srv := newServer(t, nil)
	srv.Script(statedoctest.Script{Method: http.MethodPut, Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"3"}}})
	c := newClient[tally](t, srv, &client.Options{TransportWaitMax: 5 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	done := goUpdate(c, ctx, addToken("mine"))
	require.Eventually(t, func() bool { return countStatus(srv, http.MethodPut, http.StatusTooManyRequests) == 1 }, waitLimit, waitTick)
	cancel()
	began := time.Now()
	err := waitFor(t, done, "the caller")
	require.ErrorIs(t, err, context.Canceled)
	assert.Less(t, time.Since(began), time.Second, "not held for the 3 s the server asked")
	_, ok := srv.Document(key)
	assert.False(t, ok)
}

// TestBatchedSaveSurvivesARemovedEdit: a Save that went with an edit whose
// caller then left keeps its own change.
func TestBatchedSaveSurvivesARemovedEdit(t *testing.T) {
	srv := newServer(t, nil)
	srv.SetDocument(key, "application/json", []byte(`{"page":1}`))
	g := gate(t, srv, nil)
	c := gatedClient[progress](t, g, nil)
	base, err := c.Get(context.Background(), key)
	require.NoError(t, err)
	first := goUpdate(c, context.Background(), func(p progress) (progress, error) { p.Checked = map[string]bool{"x": true}; return p, nil })
	waitFor(t, g.arrived, "the first PUT")

	xctx, cancelX := context.WithCancel(context.Background())
	xDone := goUpdate(c, xctx, func(p progress) (progress, error) { p.Page = 5; return p, nil })
	queued(t, c, 1)
	// Theirs wins unless only ours changed a value.
	theirsFirst := func(b, o, th progress) (progress, error) {
		if th.Page == b.Page {
			th.Page = o.Page
		}
		return th, nil
	}
	saved := make(chan error, 1)
	go func() {
		_, err := c.Save(context.Background(), key, base, progress{Page: 9}, theirsFirst)
		saved <- err
	}()
	queued(t, c, 2)
	edit, slowStarted := slowly(50*time.Millisecond, func(d progress) (progress, error) { return d, nil })
	slow := goUpdate(c, context.Background(), edit)
	queued(t, c, 3)
	g.release <- struct{}{}
	waitFor(t, slowStarted, "the slow edit")
	cancelX()
	require.ErrorIs(t, waitFor(t, xDone, "X"), context.Canceled)
	waitFor(t, g.arrived, "the batch's PUT")
	g.release <- struct{}{}
	require.NoError(t, waitFor(t, saved, "the Save"))
	require.NoError(t, waitFor(t, slow, "the slow edit"))
	require.NoError(t, waitFor(t, first, "the first edit"))
	assert.JSONEq(t, `{"page":9,"checked":{"x":true}}`, storedJSON(t, srv), "as the Save alone would have written")
}

// TestDeadlineWhileInFlight: a caller whose deadline passes while its edit
// is in a write in flight gets ErrOutcomeUnknown at its deadline.
func TestDeadlineWhileInFlight(t *testing.T) {
	srv := newServer(t, nil)
	g := gate(t, srv, nil)
	c := gatedClient[tally](t, g, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	done := goUpdate(c, ctx, addToken("mine"))
	waitFor(t, g.arrived, "the PUT")
	err := waitFor(t, done, "the caller")
	require.ErrorIs(t, err, client.ErrOutcomeUnknown)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	var we *client.WriteError
	require.ErrorAs(t, err, &we)
	assert.Equal(t, 1, we.Attempts)
	g.release <- struct{}{}
}

// TestRefusedBatchGoesAgainOneByOne: when the server refuses the document
// that several edits made together (here: too large), each edit is
// written alone, and only the one that cannot be written fails.
func TestRefusedBatchGoesAgainOneByOne(t *testing.T) {
	srv := newServer(t, &statedoctest.Options{MaxDocumentSize: 260})
	g := gate(t, srv, func(r *http.Request) bool { return countMethod(srv, http.MethodPut) == 0 })
	c := gatedClient[tally](t, g, nil)
	first := goUpdate(c, context.Background(), addToken("first"))
	waitFor(t, g.arrived, "the first PUT")
	edits := []string{strings.Repeat("a", 60), strings.Repeat("b", 60), strings.Repeat("c", 300)}
	errs := make([]error, len(edits))
	var wg sync.WaitGroup
	for i, tok := range edits {
		wg.Add(1)
		go func() { defer wg.Done(); _, errs[i] = c.Update(context.Background(), key, addToken(tok)) }()
		queued(t, c, i+1)
	}
	g.release <- struct{}{}
	wg.Wait()
	require.NoError(t, <-first)
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	require.ErrorIs(t, errs[2], client.ErrTooLarge)
	assert.Equal(t, []string{"first", edits[0], edits[1]}, storedTally(t, srv, key).Seen)
}

// queued waits until n callers wait in the lane of key's document.
func queued[T any](t *testing.T, c *client.StateClient[T], n int) {
	t.Helper()
	require.Eventually(t, func() bool { return client.Queued(c, key) == n }, waitLimit, waitTick, "%d callers queued", n)
}

// goUpdate starts an Update of key through c and returns where its error
// arrives.
func goUpdate[T any](c *client.StateClient[T], ctx context.Context, edit func(T) (T, error)) <-chan error {
	done := make(chan error, 1)
	go func() { _, err := c.Update(ctx, key, edit); done <- err }()
	return done
}

// slowly is edit made to take d, with a channel closed when it first runs.
func slowly[T any](d time.Duration, edit func(T) (T, error)) (func(T) (T, error), <-chan struct{}) {
	started := make(chan struct{})
	var once sync.Once
	return func(v T) (T, error) {
		once.Do(func() { close(started) })
		time.Sleep(d)
		return edit(v)
	}, started
}
