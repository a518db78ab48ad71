package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/client"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

// recorder is an Observer that keeps every event.
type recorder struct {
	mu     sync.Mutex
	events []client.Event
}

func (r *recorder) Observe(_ context.Context, e client.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) all() []client.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]client.Event(nil), r.events...)
}

// brief is an event in a few words: kind, method, status, outcome.
func brief(e client.Event) string {
	var b strings.Builder
	b.WriteString(e.Kind.String())
	switch e.Kind {
	case client.EventStart:
		b.WriteString(" " + e.Op)
	case client.EventExchange:
		fmt.Fprintf(&b, " %s", e.Method)
		if e.IfMatch != "" {
			b.WriteString(" If-Match")
		}
		if e.IfNoneMatch != "" {
			b.WriteString(" If-None-Match")
		}
		fmt.Fprintf(&b, " -> %d", e.Status)
	case client.EventLost:
		fmt.Fprintf(&b, " %d", e.Status)
	case client.EventMerge:
		fmt.Fprintf(&b, " (%d decisions)", len(e.Report.Decisions))
	case client.EventDone:
		fmt.Fprintf(&b, " %s", e.Op)
		if e.Err != nil {
			b.WriteString(" error")
		} else if e.Op == "update" || e.Op == "save" {
			fmt.Fprintf(&b, " %s after %d", e.Outcome, e.Attempts)
		}
	}
	return b.String()
}

// TestObserverSeesTheLoop: every step of a Save that loses once, merges and
// writes again is an event, in order, with its operation and attempt.
func TestObserverSeesTheLoop(t *testing.T) {
	srv := newServer(t, nil)
	srv.SetDocument(key, "application/json", []byte(`{"page":1}`))
	rec := &recorder{}
	c := newClient[progress](t, srv, &client.Options{Observer: rec})
	other := newClient[progress](t, srv, nil)

	base, err := c.Get(context.Background(), key)
	require.NoError(t, err)
	_, err = other.Update(context.Background(), key, turnPage)
	require.NoError(t, err)
	_, err = c.Save(context.Background(), key, base, progress{Page: 1, Checked: map[string]bool{"a": true}}, nil)
	require.NoError(t, err)

	var got []string
	for _, e := range rec.all() {
		got = append(got, brief(e))
		assert.NotZero(t, e.OpID)
		assert.Equal(t, key.String(), e.Resource)
	}
	assert.Equal(t, []string{
		"start get", "exchange GET -> 200", "done get",
		"start save", "join", "exchange PUT If-Match -> 412", "lost 412", "wait",
		"exchange GET -> 200", "merge (2 decisions)", "exchange PUT If-Match -> 204", "done save updated after 2",
	}, got)
	events := rec.all()
	assert.Equal(t, 2, events[len(events)-2].Attempt, "the second write is attempt 2")
	assert.NotZero(t, events[4].Write, "the join names the write")
	for _, e := range events[4 : len(events)-1] {
		assert.Equal(t, events[4].Write, e.Write, "%s belongs to the write", brief(e))
	}
}

// TestObserverSeesCoalescedWrites: callers whose edits went together each
// join the same write, which names no single caller.
func TestObserverSeesCoalescedWrites(t *testing.T) {
	srv := newServer(t, nil)
	g := gate(t, srv, nil)
	rec := &recorder{}
	c := gatedClient[tally](t, g, &client.Options{Observer: rec})
	first := goUpdate(c, context.Background(), addToken("first"))
	waitFor(t, g.arrived, "the first PUT")
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Update(context.Background(), key, addToken(fmt.Sprint(i)))
			assert.NoError(t, err)
		}()
	}
	queued(t, c, 3)
	g.release <- struct{}{}
	waitFor(t, g.arrived, "the batch's PUT")
	g.release <- struct{}{}
	wg.Wait()
	require.NoError(t, <-first)

	joins := map[uint64][]uint64{} // write: callers
	for _, e := range rec.all() {
		if e.Kind == client.EventJoin {
			joins[e.Write] = append(joins[e.Write], e.OpID)
			assert.Contains(t, []int{1, 3}, e.Callers)
		}
	}
	require.Len(t, joins, 2, "two writes: the first caller's, then the three together")
	var shared uint64
	for w, ops := range joins {
		if len(ops) == 3 {
			shared = w
		}
	}
	require.NotZero(t, shared)
	for _, e := range rec.all() {
		if e.Write == shared && e.Kind == client.EventExchange {
			assert.Zero(t, e.OpID, "a write of several callers is no one caller's")
		}
	}
}

// TestLogLinesAreTheEvents: the Logger writes one debug record per event,
// so that hooks and logs cannot tell different stories.
func TestLogLinesAreTheEvents(t *testing.T) {
	srv := newServer(t, nil)
	srv.Script(statedoctest.Script{Method: http.MethodPut, Status: http.StatusPreconditionFailed})
	var logs bytes.Buffer
	rec := &recorder{}
	c := newClient[progress](t, srv, &client.Options{Observer: rec,
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	_, err := c.Update(context.Background(), key, turnPage)
	require.NoError(t, err)

	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	events := rec.all()
	require.Len(t, lines, len(events))
	for i, line := range lines {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec))
		assert.Equal(t, events[i].Kind.String(), rec["event"], "line %d", i)
		assert.Equal(t, "DEBUG", rec["level"])
	}
}

// TestNoObserverNoEvents: a client with neither Logger nor Observer makes
// no events (nothing to pay for).
func TestNoObserverNoEvents(t *testing.T) {
	srv := newServer(t, nil)
	c := newClient[progress](t, srv, nil)
	allocs := testing.AllocsPerRun(20, func() {
		_, _ = c.Get(context.Background(), key)
	})
	rec := &recorder{}
	o := newClient[progress](t, srv, &client.Options{Observer: rec})
	observed := testing.AllocsPerRun(20, func() {
		_, _ = o.Get(context.Background(), key)
	})
	assert.Less(t, allocs, observed, "observing costs allocations that a silent client does not make")
	assert.NotEmpty(t, rec.all())
}

const (
	waitLimit = 10 * time.Second
	waitTick  = time.Millisecond
)
