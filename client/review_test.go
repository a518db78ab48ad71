package client_test

import (
	"context"
	"net/http"
	"net/http/httptest"
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

// TestVersionFieldIsNoChange: an edit that sets what is already there, on
// a document whose version is in its body, changes nothing and sends
// nothing.
func TestVersionFieldIsNoChange(t *testing.T) {
	srv := newDocServer(t, &etagtest.Options{VersionField: "/_rev", RequireVersionField: true, ETag: etagtest.NoETag})
	u := srv.URL + "/settings/1"
	type settings struct {
		Rev   string `json:"_rev,omitempty"`
		Theme string `json:"theme"`
	}
	c := newDocClient[settings](t, srv, &client.DocumentOptions{VersionField: "/_rev", SendVersionField: true})
	_, err := c.Update(context.Background(), u, func(s settings) (settings, error) { s.Theme = "dark"; return s, nil })
	require.NoError(t, err)
	puts := func() int {
		n := 0
		for _, e := range srv.Log() {
			if e.Method == http.MethodPut {
				n++
			}
		}
		return n
	}
	before := puts()
	res, err := c.Update(context.Background(), u, func(settings) (settings, error) { return settings{Theme: "dark"}, nil })
	require.NoError(t, err)
	assert.Equal(t, client.Unchanged, res.Outcome)
	assert.Equal(t, before, puts(), "nothing sent")
}

// TestResultIsTheDocumentWritten: a Result's Value is decoded from what was
// written, not the value the edit returned.
func TestResultIsTheDocumentWritten(t *testing.T) {
	srv := newServer(t, nil)
	type doc struct {
		Note string         `json:"-"`
		Tags map[string]int `json:"tags"`
	}
	c := newClient[doc](t, srv, nil)
	shared := map[string]int{"a": 1}
	res, err := c.Update(context.Background(), key, func(d doc) (doc, error) {
		d.Note, d.Tags = "never written", shared
		return d, nil
	})
	require.NoError(t, err)
	shared["a"] = 99
	assert.Empty(t, res.Value.Note)
	assert.Equal(t, map[string]int{"a": 1}, res.Value.Tags)
}

// TestPanicEndsTheOperation: an edit that panics ends its operation with
// an error event, and the panic reaches the caller.
func TestPanicEndsTheOperation(t *testing.T) {
	srv := newServer(t, nil)
	rec := &recorder{}
	c := newClient[progress](t, srv, &client.Options{Observer: rec})
	got := func() (r any) {
		defer func() { r = recover() }()
		_, _ = c.Update(context.Background(), key, func(progress) (progress, error) { panic("boom") })
		return nil
	}()
	assert.Equal(t, "boom", got)
	events := rec.all()
	last := events[len(events)-1]
	require.Equal(t, client.EventDone, last.Kind)
	require.Error(t, last.Err)
	assert.Contains(t, last.Err.Error(), "boom")
}

// TestBatchPanicReachesTheCaller: a panic in a batch's edit is raised on
// the caller's goroutine, where it can be recovered.
func TestBatchPanicReachesTheCaller(t *testing.T) {
	srv := newServer(t, nil)
	c := newClient[tally](t, srv, nil)
	keys := learnerKeys(8)
	got := func() (r any) {
		defer func() { r = recover() }()
		c.UpdateAll(context.Background(), keys, func(k statedoc.Key, d tally) (tally, error) {
			if k == keys[3] {
				panic("edit bug")
			}
			return countEdit(k, d)
		}, &client.BatchOptions{Concurrency: 2})
		return nil
	}()
	assert.Equal(t, "edit bug", got)
}

// TestNegotiationWaitersKeepTheirDeadlines: a caller waiting for another's
// slow /about leaves at its own deadline.
func TestNegotiationWaitersKeepTheirDeadlines(t *testing.T) {
	srv := newServer(t, &statedoctest.Options{Version: statedoc.Version200})
	release := make(chan struct{})
	var abouts atomic.Int32
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/xapi/about" && abouts.Add(1) == 1 {
			<-release
		}
		srv.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	t.Cleanup(func() { close(release) })
	c, err := client.NewStateClient[progress](front.URL+"/xapi", &client.LRSOptions{Options: *fast(nil), NegotiateVersion: true})
	require.NoError(t, err)
	go func() { _, _ = c.Get(context.Background(), key) }()
	require.Eventually(t, func() bool { return abouts.Load() == 1 }, waitLimit, waitTick)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	began := time.Now()
	_, err = c.Get(ctx, key)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorIs(t, err, client.ErrNotSent)
	assert.Less(t, time.Since(began), time.Second)
}

// TestPauseHoldsRetriesAndLongerPauses: a re-send of the transport waits
// for the pause another answer asked of the whole client, and a pause made
// longer while a request waits holds it longer.
func TestPauseHoldsRetriesAndLongerPauses(t *testing.T) {
	srv := newServer(t, nil)
	var mu sync.Mutex
	var began time.Time
	arrivals := map[string][]time.Duration{}
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who := r.URL.Query().Get("stateId")
		mu.Lock()
		at := time.Since(began)
		arrivals[who] = append(arrivals[who], at)
		n := len(arrivals[who])
		mu.Unlock()
		switch {
		case who == "a" && n == 1:
			w.Header().Set("Retry-After", "1") // a is re-sent by the transport
			w.WriteHeader(http.StatusTooManyRequests)
			return
		case who == "b" && n == 1:
			time.Sleep(200 * time.Millisecond)
			w.Header().Set("Retry-After", "2") // the whole client waits until about 2.2 s
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		srv.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	c, err := client.NewStateClient[progress](front.URL+"/xapi", lrs(&client.Options{TransportWaitMax: 3 * time.Second}))
	require.NoError(t, err)
	began = time.Now()
	var wg sync.WaitGroup
	for _, id := range []string{"a", "b"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := key
			k.StateID = id
			_, err := c.Get(context.Background(), k)
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, arrivals["a"], 2)
	assert.GreaterOrEqual(t, arrivals["a"][1], 2*time.Second, "a's re-send waited for the pause b's answer asked")
	require.Len(t, arrivals["b"], 2)
	assert.GreaterOrEqual(t, arrivals["b"][1], 2*time.Second)
}

// TestReadOverlappingAWriteLeavesTheCache: a Get whose answer arrives after
// a whole write of the same client leaves the cache with the write's
// version.
func TestReadOverlappingAWriteLeavesTheCache(t *testing.T) {
	srv := newServer(t, nil)
	srv.SetDocument(key, "application/json", []byte(`{"page":1}`))
	var hold atomic.Bool
	held, release := make(chan struct{}), make(chan struct{})
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, r)
		if r.Method == http.MethodGet && hold.CompareAndSwap(true, false) {
			close(held)
			<-release // the answer as it was, sent late
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(front.Close)
	c, err := client.NewStateClient[progress](front.URL+"/xapi", lrs(&client.Options{Cache: client.CacheOptions{Size: 10}}))
	require.NoError(t, err)
	hold.Store(true)
	got := make(chan error, 1)
	go func() { _, err := c.Get(context.Background(), key); got <- err }()
	<-held
	_, err = c.Update(context.Background(), key, turnPage)
	require.NoError(t, err)
	close(release)
	require.NoError(t, <-got)
	srv.ResetLog()
	_, err = c.Update(context.Background(), key, turnPage)
	require.NoError(t, err)
	assert.Equal(t, []string{"PUT If-Match -> 204"}, exchanges(srv), "one write, against the version the last write left")
}
