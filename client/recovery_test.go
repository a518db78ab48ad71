package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/client"
	"github.com/ifmatch/ifmatch/client/etagtest"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

// stored returns the document at key.
func stored(t *testing.T, srv *statedoctest.Server) statedoctest.Document {
	t.Helper()
	d, ok := srv.Document(key)
	require.True(t, ok, "nothing stored")
	return d
}

// put limits a fault to the next n PUTs.
func put(kind statedoctest.FaultKind, n int) statedoctest.Fault {
	return statedoctest.Fault{Kind: kind, Methods: []string{http.MethodPut}, Count: n}
}

// TestRecoveryAfterLostAnswer: a write whose answer is lost is read back;
// the read decides whether it is sent again, settled, or reported with
// the document found.
func TestRecoveryAfterLostAnswer(t *testing.T) {
	logged := client.Options{WriteLog: "/_writes"}
	cases := []struct {
		name     string
		faults   []statedoctest.Fault
		opts     client.Options
		save     bool
		wantErr  error
		final    int // the page stored at the end; 0 means 2
		attempts int
		log      []string
	}{
		{
			name: "dropped before it was applied: sent again", faults: []statedoctest.Fault{put(statedoctest.DropBefore, 1)},
			attempts: 2, log: []string{"GET -> 200", "PUT If-Match -> 0", "GET -> 200", "PUT If-Match -> 204"},
		},
		{
			name: "500 without applying: sent again", faults: []statedoctest.Fault{{Kind: statedoctest.ServerError, Status: 500, Methods: []string{"PUT"}, Count: 1}},
			attempts: 2, log: []string{"GET -> 200", "PUT If-Match -> 500", "GET -> 200", "PUT If-Match -> 204"},
		},
		{
			name: "503 with Retry-After: not processed; after the wait, read again and write", faults: []statedoctest.Fault{{Kind: statedoctest.ServerError, RetryAfter: time.Second, Methods: []string{"PUT"}, Count: 1}},
			opts:     client.Options{TransportWaitMax: 2 * time.Second},
			attempts: 2, log: []string{"GET -> 200", "PUT If-Match -> 503", "GET -> 200", "PUT If-Match -> 204"},
		},
		{
			name: "503 asking for a longer wait than allowed: not processed, not unknown", faults: []statedoctest.Fault{{Kind: statedoctest.ServerError, RetryAfter: time.Second, Methods: []string{"PUT"}, Count: 1}},
			wantErr: client.ErrUnavailable, final: 1, attempts: 1, log: []string{"GET -> 200", "PUT If-Match -> 503"},
		},
		{
			name: "applied, then dropped: an edit cannot tell", faults: []statedoctest.Fault{put(statedoctest.CommitThenDrop, 1)},
			wantErr: client.ErrOutcomeUnknown, attempts: 1, log: []string{"GET -> 200", "PUT If-Match -> 0", "GET -> 200"},
		},
		{
			name: "applied, then 500: an edit cannot tell", faults: []statedoctest.Fault{{Kind: statedoctest.ServerError, Status: 500, Apply: true, Methods: []string{"PUT"}, Count: 1}},
			wantErr: client.ErrOutcomeUnknown, attempts: 1, log: []string{"GET -> 200", "PUT If-Match -> 500", "GET -> 200"},
		},
		{
			name: "applied, then dropped: an idempotent edit is settled", faults: []statedoctest.Fault{put(statedoctest.CommitThenDrop, 1)},
			opts: client.Options{IdempotentEdits: true}, attempts: 1, log: []string{"GET -> 200", "PUT If-Match -> 0", "GET -> 200"},
		},
		{
			name: "applied, then dropped: a Save is settled", faults: []statedoctest.Fault{put(statedoctest.CommitThenDrop, 1)},
			save: true, attempts: 1, log: []string{"GET -> 200", "PUT If-Match -> 0", "GET -> 200"},
		},
		{
			name: "write log: applied, then dropped, is settled", faults: []statedoctest.Fault{put(statedoctest.CommitThenDrop, 1)},
			opts: logged, attempts: 1, log: []string{"GET -> 200", "PUT If-Match -> 0", "GET -> 200"},
		},
		{
			name: "write log: dropped before, sent again", faults: []statedoctest.Fault{put(statedoctest.DropBefore, 1)},
			opts: logged, attempts: 2, log: []string{"GET -> 200", "PUT If-Match -> 0", "GET -> 200", "PUT If-Match -> 204"},
		},
		{
			name: "a 412 to a write sent again is settled by a read too", faults: []statedoctest.Fault{put(statedoctest.DropBefore, 1), put(statedoctest.Conflict, 1)},
			attempts: 3, log: []string{"GET -> 200", "PUT If-Match -> 0", "GET -> 200", "PUT If-Match -> 412", "GET -> 200", "PUT If-Match -> 204"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, nil)
			srv.SetDocument(key, "application/json", []byte(`{"page":1}`))
			for _, f := range tc.faults {
				srv.AddFault(f)
			}
			opts := tc.opts
			c := newClient[progress](t, srv, &opts)
			srv.ResetLog()
			var (
				res client.Result[progress]
				err error
			)
			if tc.save {
				base, gerr := c.Get(context.Background(), key)
				require.NoError(t, gerr)
				srv.ResetLog()
				res, err = c.Save(context.Background(), key, base, progress{Page: 2}, nil)
				tc.log = tc.log[1:] // no read before the write: the base is in hand
			} else {
				res, err = c.Update(context.Background(), key, turnPage)
			}
			var page struct {
				Page int `json:"page"`
			}
			require.NoError(t, json.Unmarshal(stored(t, srv).Body, &page))
			if tc.final == 0 {
				tc.final = 2
			}
			assert.Equal(t, tc.final, page.Page, "applied exactly once, or not at all")
			assert.Equal(t, tc.log, exchanges(srv))
			if tc.wantErr == client.ErrUnavailable {
				require.ErrorIs(t, err, tc.wantErr)
				assert.NotErrorIs(t, err, client.ErrOutcomeUnknown)
				return
			}
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				var oe *client.OutcomeError
				require.ErrorAs(t, err, &oe)
				assert.True(t, oe.Exists)
				assert.Equal(t, stored(t, srv).ETag, oe.ETag, "the error carries the document found")
				assert.JSONEq(t, `{"page":2}`, string(oe.Raw))
				var we *client.WriteError
				require.ErrorAs(t, err, &we)
				assert.Equal(t, tc.attempts, we.Attempts)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.attempts, res.Attempts)
			assert.Equal(t, client.Updated, res.Outcome)
			assert.Equal(t, 2, res.Value.Page)
			assert.Equal(t, stored(t, srv).ETag, res.ETag)
		})
	}
}

// TestWriteLogDecidesAfterOtherWriters: between a lost answer and the read
// that follows it, another writer writes. Without a log the client cannot
// tell whether its write is in the version it finds; with one it can —
// unless the log rolled over.
func TestWriteLogDecidesAfterOtherWriters(t *testing.T) {
	cases := []struct {
		name    string
		opts    client.Options
		others  int
		wantErr error
	}{
		{"no log", client.Options{}, 1, client.ErrOutcomeUnknown},
		{"log", client.Options{WriteLog: "/_writes"}, 1, nil},
		{"log of 2, 3 writes since", client.Options{WriteLog: "/_writes", WriteLogSize: 2}, 3, client.ErrUndecidable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, nil)
			opts := tc.opts
			c := newClient[progress](t, srv, &opts)
			other := newClient[progress](t, srv, &client.Options{WriteLog: tc.opts.WriteLog, WriteLogSize: tc.opts.WriteLogSize})
			_, err := c.Update(context.Background(), key, turnPage)
			require.NoError(t, err)
			srv.AddFault(put(statedoctest.CommitThenDrop, 1))
			// The read that follows the lost answer comes after the others'
			// writes: the first GET passes, the second runs them first.
			srv.Script(statedoctest.Script{Method: http.MethodGet})
			srv.Script(statedoctest.Script{Method: http.MethodGet, Before: func() {
				for range tc.others {
					_, err := other.Update(context.Background(), key, turnPage)
					assert.NoError(t, err)
				}
			}})
			res, err := c.Update(context.Background(), key, turnPage)
			var page struct {
				Page int `json:"page"`
			}
			require.NoError(t, json.Unmarshal(stored(t, srv).Body, &page))
			assert.Equal(t, 2+tc.others, page.Page, "ours and theirs, each once")
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, 1, res.Attempts)
		})
	}
}

// TestFaultsNeverLoseOrDouble: writers sharing one counter through a
// server that drops answers, before and after applying writes, and fails
// with 5xx. With the write log every increment is applied exactly once and
// every outcome is known; without it, every increment reported applied is
// there once, and only the unknown ones may or may not be.
func TestFaultsNeverLoseOrDouble(t *testing.T) {
	for _, withLog := range []bool{false, true} {
		t.Run(fmt.Sprint("log=", withLog), func(t *testing.T) {
			srv := newServer(t, &statedoctest.Options{Faults: statedoctest.FaultPlan{Seed: 7, Rules: []statedoctest.Fault{
				{Kind: statedoctest.CommitThenDrop, Methods: []string{"PUT"}, Probability: 0.1},
				{Kind: statedoctest.DropBefore, Methods: []string{"PUT"}, Probability: 0.1},
				{Kind: statedoctest.ServerError, Status: 500, Apply: true, Methods: []string{"PUT"}, Probability: 0.05},
				{Kind: statedoctest.ServerError, Status: 502, Methods: []string{"PUT"}, Probability: 0.05},
			}}})
			opts := client.Options{MaxAttempts: 50}
			if withLog {
				opts.WriteLog = "/_writes"
			}
			const writers, each = 5, 12
			var (
				wg               sync.WaitGroup
				mu               sync.Mutex
				applied, unknown int
				undecidable      int
				failures         []error
			)
			for range writers {
				o := opts
				c := newClient[progress](t, srv, &o)
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range each {
						_, err := c.Update(context.Background(), key, turnPage)
						mu.Lock()
						switch {
						case err == nil:
							applied++
						case errors.Is(err, client.ErrOutcomeUnknown):
							unknown++
						case errors.Is(err, client.ErrUndecidable):
							undecidable++ // the log rolled over: counted apart
						default:
							failures = append(failures, err)
						}
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			require.Empty(t, failures)
			var page struct {
				Page int `json:"page"`
			}
			require.NoError(t, json.Unmarshal(stored(t, srv).Body, &page))
			counts := srv.FaultCounts()
			t.Logf("log=%v: applied %d, unknown %d, undecidable %d, stored %d, faults %v", withLog, applied, unknown, undecidable, page.Page, counts)
			assert.Positive(t, counts[statedoctest.CommitThenDrop]+counts[statedoctest.DropBefore], "faults were injected")
			assert.GreaterOrEqual(t, page.Page, applied, "none lost")
			assert.LessOrEqual(t, page.Page, applied+unknown+undecidable, "none doubled")
			if withLog {
				assert.Zero(t, unknown, "the log decides every outcome it has not lost")
			} else {
				assert.Zero(t, undecidable, "no log, nothing to roll over")
			}
		})
	}
}

// TestVerifyWrites: a server that checks and writes without a lock lets
// another write, made on the same version, replace ours after it was
// acknowledged. With VerifyWrites the client reads back, misses its write
// id, and brings its change onto what it finds.
func TestVerifyWrites(t *testing.T) {
	for _, verify := range []bool{false, true} {
		t.Run(fmt.Sprint("verify=", verify), func(t *testing.T) {
			srv := newServer(t, nil)
			c := newClient[progress](t, srv, &client.Options{WriteLog: "/_writes", VerifyWrites: verify})
			_, err := c.Update(context.Background(), key, turnPage)
			require.NoError(t, err)
			before := stored(t, srv)
			var theirs map[string]any
			require.NoError(t, json.Unmarshal(before.Body, &theirs))
			theirs["theme"] = "dark" // made on the same version as ours

			// The first GET is the update's read; the second, if any, the
			// read-back, which finds ours replaced by theirs.
			srv.Script(statedoctest.Script{Method: http.MethodGet})
			clobber := func() {
				b, _ := json.Marshal(theirs)
				srv.SetDocument(key, "application/json", b)
			}
			if verify {
				srv.Script(statedoctest.Script{Method: http.MethodGet, Before: clobber})
			}
			res, err := c.Update(context.Background(), key, turnPage)
			require.NoError(t, err)
			if !verify {
				clobber()
			}
			var now map[string]any
			require.NoError(t, json.Unmarshal(stored(t, srv).Body, &now))
			if verify {
				assert.Equal(t, 2, res.Attempts, "written again")
				assert.Equal(t, 2.0, now["page"], "ours is back")
				assert.Equal(t, "dark", now["theme"], "theirs kept")
			} else {
				assert.Equal(t, 1, res.Attempts)
				assert.Equal(t, 1.0, now["page"], "without verification ours is lost")
			}
		})
	}
}

// TestWriteLogStaysOutOfTheData: the log member is not data: a merge never
// conflicts on it, T never sees it, and it holds at most WriteLogSize ids.
func TestWriteLogStaysOutOfTheData(t *testing.T) {
	srv := newServer(t, nil)
	c := newClient[map[string]any](t, srv, &client.Options{WriteLog: "/_writes", WriteLogSize: 3})
	ctx := context.Background()
	for range 5 {
		_, err := c.Update(ctx, key, func(m map[string]any) (map[string]any, error) {
			if m == nil {
				m = map[string]any{}
			}
			_, seen := m["_writes"]
			assert.False(t, seen, "the edit never sees the log")
			n, _ := m["n"].(float64)
			m["n"] = n + 1
			return m, nil
		})
		require.NoError(t, err)
	}
	var doc struct {
		N      int      `json:"n"`
		Writes []string `json:"_writes"`
	}
	require.NoError(t, json.Unmarshal(stored(t, srv).Body, &doc))
	assert.Equal(t, 5, doc.N)
	assert.Len(t, doc.Writes, 3)

	// Two Saves from one base: the second merges, and the logs of both
	// sides never count as a conflict.
	base, err := c.Get(ctx, key)
	require.NoError(t, err)
	_, seen := base.Value["_writes"]
	assert.False(t, seen)
	a, b := map[string]any{"n": 5.0, "a": true}, map[string]any{"n": 5.0, "b": true}
	_, err = c.Save(ctx, key, base, a, nil)
	require.NoError(t, err)
	res, err := c.Save(ctx, key, base, b, nil)
	require.NoError(t, err)
	assert.Equal(t, 2, res.Attempts)
	for _, d := range res.Report.Decisions {
		assert.NotContains(t, d.Path, "_writes")
	}
	require.NoError(t, json.Unmarshal(stored(t, srv).Body, &doc))
	assert.Len(t, doc.Writes, 3)
}

// TestDocumentRecovery: the document client recovers through the same
// engine, with the same fault kit: PATCH writes with the version in the
// body, the answer lost after the write was applied.
func TestDocumentRecovery(t *testing.T) {
	type shipment struct {
		Status string `json:"status"`
		Count  int    `json:"count"`
	}
	cases := []struct {
		name    string
		opts    client.Options
		save    bool
		wantErr error
	}{
		{"an edit cannot tell", client.Options{}, false, client.ErrOutcomeUnknown},
		{"a Save is settled: the patched document is what it meant", client.Options{}, true, nil},
		{"the write log settles an edit", client.Options{WriteLog: "/_writes"}, false, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newDocServer(t, &etagtest.Options{ETag: etagtest.NoETag, VersionField: "/eTag"})
			srv.Put("/s/1", []byte(`{"status":"new","count":1,"carrier":"ups"}`))
			c := newDocClient[shipment](t, srv, &client.DocumentOptions{Options: tc.opts, VersionField: "/eTag", Write: client.WriteMergePatch})
			u := srv.URL + "/s/1"
			ctx := context.Background()
			base, err := c.Get(ctx, u)
			require.NoError(t, err)
			srv.AddFault(etagtest.Fault{Kind: etagtest.CommitThenDrop, Methods: []string{http.MethodPatch}, Count: 1})
			var res client.Result[shipment]
			if tc.save {
				ours := base.Value
				ours.Status, ours.Count = "packed", 2
				res, err = c.Save(ctx, u, base, ours, nil)
			} else {
				res, err = c.Update(ctx, u, func(s shipment) (shipment, error) { s.Status = "packed"; s.Count++; return s, nil })
			}
			body, _, _ := srv.Get("/s/1")
			var now map[string]any
			require.NoError(t, json.Unmarshal(body, &now))
			assert.Equal(t, 2.0, now["count"], "applied once")
			assert.Equal(t, "ups", now["carrier"])
			patches := 0
			for _, e := range srv.Log() {
				if e.Method == http.MethodPatch {
					patches++
				}
			}
			assert.Equal(t, 1, patches, "never sent twice")
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				var oe *client.OutcomeError
				require.ErrorAs(t, err, &oe)
				v, _ := srv.Version("/s/1")
				assert.Equal(t, v, oe.ETag)
				return
			}
			require.NoError(t, err)
			v, _ := srv.Version("/s/1")
			assert.Equal(t, v, res.ETag)
			assert.Equal(t, shipment{Status: "packed", Count: 2}, res.Value)
		})
	}
}

// TestEarlierAttemptFound: a write is applied, then replaced on a racy
// server; the client writes again and loses to a version built on its
// first attempt. That version holds the change already: the call ends
// there, and the edit is not made twice.
func TestEarlierAttemptFound(t *testing.T) {
	srv := newServer(t, nil)
	c := newClient[map[string]any](t, srv, &client.Options{WriteLog: "/_writes", VerifyWrites: true})
	ctx := context.Background()
	_, err := c.Update(ctx, key, func(m map[string]any) (map[string]any, error) { return map[string]any{"page": 1.0}, nil })
	require.NoError(t, err)

	// theirs is a write another writer made on the same version as ours,
	// with a write log of its own.
	var base map[string]any
	require.NoError(t, json.Unmarshal(stored(t, srv).Body, &base))
	base["theme"] = "dark"
	base["_writes"] = append(base["_writes"].([]any), "their-write")
	theirs, err := json.Marshal(base)
	require.NoError(t, err)

	var withOurs []byte
	srv.Script(statedoctest.Script{Method: http.MethodGet}) // the update's read
	srv.Script(statedoctest.Script{Method: http.MethodPut}) // its first attempt, applied
	srv.Script(statedoctest.Script{Method: http.MethodGet, Before: func() {
		// The read-back: theirs replaced ours, as a server that checks
		// and writes without a lock lets it.
		withOurs = stored(t, srv).Body
		srv.SetDocument(key, "application/json", theirs)
	}})
	srv.Script(statedoctest.Script{Method: http.MethodPut, Before: func() {
		// Before the second attempt lands, a third writer, who had read
		// our first attempt's version, writes on it.
		var m map[string]any
		require.NoError(t, json.Unmarshal(withOurs, &m))
		m["theme"] = "light"
		b, _ := json.Marshal(m)
		srv.SetDocument(key, "application/json", b)
	}})
	res, err := c.Update(ctx, key, func(m map[string]any) (map[string]any, error) {
		m["page"] = m["page"].(float64) + 1
		return m, nil
	})
	require.NoError(t, err)
	assert.Equal(t, 2, res.Attempts)
	var now map[string]any
	require.NoError(t, json.Unmarshal(stored(t, srv).Body, &now))
	assert.Equal(t, 2.0, now["page"], "the increment is applied once")
	assert.Equal(t, "light", now["theme"])
}

// TestResentWriteToldToWait: a write sent again after a lost answer (the
// read found it not applied) is told to come back later; meanwhile its
// first attempt lands. The read after the wait finds a version that may be
// that first attempt: without a write log, that is an unknown outcome,
// never a second increment.
func TestResentWriteToldToWait(t *testing.T) {
	for _, with429 := range []bool{false, true} {
		t.Run(map[bool]string{false: "412 to the write sent again", true: "429 to the write sent again"}[with429], func(t *testing.T) {
			srv := newServer(t, nil)
			srv.SetDocument(key, "application/json", []byte(`{"page":1}`))
			lateApply := func() { srv.SetDocument(key, "application/json", []byte(`{"page":2}`)) }
			c := newClient[progress](t, srv, nil)
			srv.AddFault(put(statedoctest.DropBefore, 1))
			srv.Script(statedoctest.Script{Method: http.MethodGet}) // the update's read
			srv.Script(statedoctest.Script{Method: http.MethodGet}) // the read after the lost answer: not applied
			if with429 {
				srv.AddFault(statedoctest.Fault{Kind: statedoctest.TooManyRequests, Methods: []string{"PUT"}, Count: 1})
				srv.Script(statedoctest.Script{Method: http.MethodGet, Before: lateApply}) // the read after the wait
			} else {
				srv.Script(statedoctest.Script{Method: http.MethodPut, Before: lateApply}) // the write sent again: 412
			}
			_, err := c.Update(context.Background(), key, turnPage)
			require.ErrorIs(t, err, client.ErrOutcomeUnknown)
			var p struct {
				Page int `json:"page"`
			}
			require.NoError(t, json.Unmarshal(stored(t, srv).Body, &p))
			assert.Equal(t, 2, p.Page, "the increment is not applied twice")
		})
	}
}

// TestConfirmNeedsOwnLog: a write answered without an ETag is confirmed by
// a read; with a write log, a version whose body equals ours but whose log
// holds other writers' ids is not ours, and its ETag is not taken: a Save
// based on the result would otherwise drop their ids, and a writer whose
// answer was lost would apply its change twice.
func TestConfirmNeedsOwnLog(t *testing.T) {
	srv := newServer(t, nil)
	srv.SetDocument(key, "application/json", []byte(`{"n":0,"x":0}`))
	opts := func() *client.Options { return &client.Options{WriteLog: "/_writes"} }
	a := newClient[map[string]any](t, srv, opts())
	b := newClient[map[string]any](t, srv, opts())
	c := newClient[map[string]any](t, srv, opts())
	ctx := context.Background()
	srv.AddFault(statedoctest.Fault{Kind: statedoctest.StripWriteETag, Methods: []string{"PUT"}, Count: 1}) // A's write
	srv.AddFault(put(statedoctest.CommitThenDrop, 1))                                                       // B's write
	bSettling, release, bDone := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	srv.Script(statedoctest.Script{Method: http.MethodGet})                 // A's read
	srv.Script(statedoctest.Script{Method: http.MethodGet, Before: func() { // A's confirming read
		go func() {
			_, err := b.Update(ctx, key, func(m map[string]any) (map[string]any, error) { m["n"] = m["n"].(float64) + 1; return m, nil })
			bDone <- err
		}()
		<-bSettling
		_, err := c.Update(ctx, key, func(m map[string]any) (map[string]any, error) { m["n"] = 0.0; return m, nil }) // a reset
		assert.NoError(t, err)
	}})
	srv.Script(statedoctest.Script{Method: http.MethodGet})                                                 // B's read
	srv.Script(statedoctest.Script{Method: http.MethodGet, Before: func() { close(bSettling); <-release }}) // B's read after its lost answer
	res, err := a.Update(ctx, key, func(m map[string]any) (map[string]any, error) { m["x"] = 1.0; return m, nil })
	require.NoError(t, err)
	if now := stored(t, srv); res.ETag == now.ETag {
		assert.JSONEq(t, string(now.Body), string(res.Raw), "a result's ETag and Raw are one version")
	}
	_, err = a.Save(ctx, key, res.Doc, map[string]any{"n": 0.0, "x": 2.0}, nil)
	require.NoError(t, err)
	close(release)
	require.NoError(t, <-bDone)
	var m map[string]any
	require.NoError(t, json.Unmarshal(stored(t, srv).Body, &m))
	assert.Equal(t, 0.0, m["n"], "B's increment, reset by C, does not come back")
	assert.Equal(t, 2.0, m["x"])
}
