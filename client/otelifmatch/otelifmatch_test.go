package otelifmatch

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
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/ifmatch/ifmatch/client"
	"github.com/ifmatch/ifmatch/statedoc"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

type progress struct {
	Page    int             `json:"page"`
	Checked map[string]bool `json:"checked,omitempty"`
}

type tally struct {
	Seen  []string `json:"seen"`
	Count int      `json:"count"`
}

var key = statedoc.Key{
	ActivityID: "https://example.com/courses/1",
	Agent:      statedoc.Agent{Mbox: "mailto:ada@example.com"},
	StateID:    "progress",
}

// telemetry is an Observer with in-memory exporters behind it.
type telemetry struct {
	obs    *Observer
	spans  *tracetest.SpanRecorder
	reader *sdkmetric.ManualReader
	tp     *sdktrace.TracerProvider
}

func newTelemetry(t *testing.T) *telemetry {
	t.Helper()
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() {
		_ = tp.Shutdown(context.Background())
		_ = mp.Shutdown(context.Background())
	})
	return &telemetry{obs: New(WithTracerProvider(tp), WithMeterProvider(mp)), spans: spans, reader: reader, tp: tp}
}

// ended returns the ended spans named name.
func (tm *telemetry) ended(name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range tm.spans.Ended() {
		if s.Name() == name {
			out = append(out, s)
		}
	}
	return out
}

// count sums the data points of the counter named name whose attributes
// include every one of match.
func (tm *telemetry) count(t *testing.T, name string, match ...attribute.KeyValue) int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, tm.reader.Collect(context.Background(), &rm))
	var n int64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			sum, ok := m.Data.(metricdata.Sum[int64])
			require.True(t, ok, "%s is a sum of int64", name)
			for _, dp := range sum.DataPoints {
				if hasAll(dp.Attributes, match) {
					n += dp.Value
				}
			}
		}
	}
	return n
}

// histogramCount is the number of values recorded by the histogram named
// name with attributes including every one of match.
func (tm *telemetry) histogramCount(t *testing.T, name string, match ...attribute.KeyValue) uint64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, tm.reader.Collect(context.Background(), &rm))
	var n uint64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			h, ok := m.Data.(metricdata.Histogram[float64])
			require.True(t, ok, "%s is a histogram of float64", name)
			for _, dp := range h.DataPoints {
				if hasAll(dp.Attributes, match) {
					n += dp.Count
				}
			}
		}
	}
	return n
}

func hasAll(set attribute.Set, match []attribute.KeyValue) bool {
	for _, kv := range match {
		v, ok := set.Value(kv.Key)
		if !ok || v != kv.Value {
			return false
		}
	}
	return true
}

// idle reports whether the Observer holds no running operation or write.
func (o *Observer) idle() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.ops) == 0 && len(o.writes) == 0
}

func eventNames(s sdktrace.ReadOnlySpan) []string {
	var out []string
	for _, e := range s.Events() {
		out = append(out, e.Name)
	}
	return out
}

func attr(attrs []attribute.KeyValue, k attribute.Key) attribute.Value {
	for _, kv := range attrs {
		if kv.Key == k {
			return kv.Value
		}
	}
	return attribute.Value{}
}

// exchanges lists the exchange events of s as "METHOD status".
func exchanges(s sdktrace.ReadOnlySpan) []string {
	var out []string
	for _, e := range s.Events() {
		if e.Name == "exchange" {
			out = append(out, fmt.Sprintf("%s %d", attr(e.Attributes, AttrMethod).AsString(), attr(e.Attributes, AttrStatus).AsInt64()))
		}
	}
	return out
}

func newServer(t *testing.T, opts *statedoctest.Options) *statedoctest.Server {
	t.Helper()
	srv := statedoctest.NewServer(opts)
	t.Cleanup(srv.Close)
	return srv
}

// newClient returns a client of endpoint (srv.URL when ""), with negligible
// waits between attempts.
func newClient[T any](t *testing.T, srv *statedoctest.Server, endpoint string, o client.Options) *client.StateClient[T] {
	t.Helper()
	if endpoint == "" {
		endpoint = srv.URL
	}
	if o.HTTPClient == nil {
		o.HTTPClient = srv.Client()
	}
	o.ConflictBackoff = client.FullJitter(time.Microsecond, time.Millisecond)
	o.TransportWaitMin, o.TransportWaitMax = time.Millisecond, 5*time.Millisecond
	c, err := client.NewStateClient[T](endpoint, &client.LRSOptions{Options: o})
	require.NoError(t, err)
	return c
}

// TestUpdateThatLosesOnce: an Update whose first write loses to another
// writer is one span with the read, the refused write, the wait and the
// second round as events; it ends with two attempts, and the conflict is
// counted.
func TestUpdateThatLosesOnce(t *testing.T) {
	srv := newServer(t, nil)
	srv.SetDocument(key, "application/json", []byte(`{"page":1}`))
	tm := newTelemetry(t)
	c := newClient[progress](t, srv, "", client.Options{Observer: tm.obs})
	other := newClient[progress](t, srv, "", client.Options{})

	tracer := tm.tp.Tracer("test")
	ctx, parent := tracer.Start(context.Background(), "caller")
	first := true
	res, err := c.Update(ctx, key, func(p progress) (progress, error) {
		if first {
			// Another writer wins while this edit is being made.
			first = false
			_, err := other.Update(context.Background(), key, func(p progress) (progress, error) {
				p.Checked = map[string]bool{"intro": true}
				return p, nil
			})
			require.NoError(t, err)
		}
		p.Page++
		return p, nil
	})
	parent.End()
	require.NoError(t, err)
	require.Equal(t, 2, res.Attempts)

	spans := tm.ended("ifmatch.update")
	require.Len(t, spans, 1)
	s := spans[0]
	assert.Equal(t, parent.SpanContext().SpanID(), s.Parent().SpanID(), "the caller's span is the parent")
	assert.Equal(t, trace.SpanKindInternal, s.SpanKind())
	assert.Equal(t, []string{"join", "exchange", "exchange", "lost", "wait", "exchange", "exchange"}, eventNames(s))
	assert.Equal(t, []string{"GET 200", "PUT 412", "GET 200", "PUT 204"}, exchanges(s))
	put := s.Events()[2]
	assert.NotEmpty(t, attr(put.Attributes, AttrIfMatch).AsString(), "the write's precondition")
	assert.Equal(t, int64(1), attr(put.Attributes, AttrAttempt).AsInt64())
	assert.Equal(t, int64(412), attr(s.Events()[3].Attributes, AttrStatus).AsInt64())

	a := s.Attributes()
	assert.Equal(t, "update", attr(a, AttrOp).AsString())
	assert.Equal(t, key.String(), attr(a, AttrResource).AsString())
	assert.Equal(t, "updated", attr(a, AttrOutcome).AsString())
	assert.Equal(t, "updated", attr(a, AttrResult).AsString())
	assert.Equal(t, int64(2), attr(a, AttrAttempts).AsInt64())
	assert.Equal(t, res.ETag, attr(a, AttrETag).AsString())
	assert.Equal(t, codes.Unset, s.Status().Code)

	update := AttrOp.String("update")
	assert.Equal(t, int64(2), tm.count(t, "ifmatch.client.attempts", update))
	assert.Equal(t, int64(1), tm.count(t, "ifmatch.client.conflicts", update, AttrServer.String("127.0.0.1")))
	assert.Zero(t, tm.count(t, "ifmatch.client.merges"))
	assert.Zero(t, tm.count(t, "ifmatch.client.unknown_outcomes"))
	assert.Equal(t, int64(1), tm.count(t, "ifmatch.client.operations", update, AttrResult.String("updated")))
	assert.Equal(t, uint64(1), tm.histogramCount(t, "ifmatch.client.operation.duration", update))
	assert.True(t, tm.obs.idle())
}

// TestSaveThatMerges: a Save made on a version another writer has since
// replaced merges onto it; the merge is an event and is counted, and the
// Get before it is a span of its own.
func TestSaveThatMerges(t *testing.T) {
	srv := newServer(t, nil)
	srv.SetDocument(key, "application/json", []byte(`{"page":1}`))
	tm := newTelemetry(t)
	c := newClient[progress](t, srv, "", client.Options{Observer: tm.obs})
	other := newClient[progress](t, srv, "", client.Options{})
	ctx := context.Background()

	base, err := c.Get(ctx, key)
	require.NoError(t, err)
	_, err = other.Update(ctx, key, func(p progress) (progress, error) { p.Page = 7; return p, nil })
	require.NoError(t, err)
	res, err := c.Save(ctx, key, base, progress{Page: 1, Checked: map[string]bool{"a": true}}, nil)
	require.NoError(t, err)
	require.Equal(t, 2, res.Attempts)

	gets := tm.ended("ifmatch.get")
	require.Len(t, gets, 1)
	assert.Equal(t, []string{"GET 200"}, exchanges(gets[0]))
	assert.Equal(t, "ok", attr(gets[0].Attributes(), AttrResult).AsString())
	assert.Equal(t, base.ETag, attr(gets[0].Attributes(), AttrETag).AsString())

	saves := tm.ended("ifmatch.save")
	require.Len(t, saves, 1)
	s := saves[0]
	assert.Equal(t, []string{"join", "exchange", "lost", "wait", "exchange", "merge", "exchange"}, eventNames(s))
	merge := s.Events()[5]
	assert.Equal(t, int64(2), attr(merge.Attributes, AttrMerged).AsInt64(), "the default merge's decisions")
	assert.Equal(t, int64(2), attr(s.Attributes(), AttrAttempts).AsInt64())

	save := AttrOp.String("save")
	assert.Equal(t, int64(1), tm.count(t, "ifmatch.client.merges", save))
	assert.Equal(t, int64(1), tm.count(t, "ifmatch.client.conflicts", save))
	assert.Equal(t, int64(2), tm.count(t, "ifmatch.client.attempts", save))
	assert.Equal(t, int64(1), tm.count(t, "ifmatch.client.operations", AttrOp.String("get"), AttrResult.String("ok")))
	assert.Equal(t, int64(1), tm.count(t, "ifmatch.client.operations", save, AttrResult.String("updated")))
	assert.True(t, tm.obs.idle())
}

// TestUnknownOutcome: a write that the server applied but whose answer it
// dropped. An Update that adds one cannot tell its own write from another
// writer's identical one: the call fails with ErrOutcomeUnknown, its span
// has status Error and the unknown outcome is counted. A Save, whose state
// is its intent, is settled by the read as applied.
func TestUnknownOutcome(t *testing.T) {
	drop := statedoctest.Options{Faults: statedoctest.FaultPlan{Rules: []statedoctest.Fault{
		{Kind: statedoctest.CommitThenDrop, Methods: []string{http.MethodPut}, Count: 1},
	}}}

	t.Run("update", func(t *testing.T) {
		srv := newServer(t, &drop)
		srv.SetDocument(key, "application/json", []byte(`{"page":1}`))
		tm := newTelemetry(t)
		c := newClient[progress](t, srv, "", client.Options{Observer: tm.obs, TransportRetries: -1})
		_, err := c.Update(context.Background(), key, func(p progress) (progress, error) { p.Page++; return p, nil })
		require.ErrorIs(t, err, client.ErrOutcomeUnknown)

		spans := tm.ended("ifmatch.update")
		require.Len(t, spans, 1)
		s := spans[0]
		assert.Equal(t, []string{"join", "exchange", "exchange", "exchange", "decision", "unknown", "exception"}, eventNames(s))
		assert.Equal(t, []string{"GET 200", "PUT 0", "GET 200"}, exchanges(s))
		assert.NotEmpty(t, attr(s.Events()[2].Attributes, AttrError).AsString(), "the dropped answer's error")
		assert.Equal(t, "undecided", attr(s.Events()[4].Attributes, AttrDecision).AsString())
		assert.Equal(t, codes.Error, s.Status().Code)
		assert.Equal(t, err.Error(), s.Status().Description)
		assert.Equal(t, "outcome_unknown", attr(s.Attributes(), AttrResult).AsString())
		assert.Equal(t, int64(1), attr(s.Attributes(), AttrAttempts).AsInt64())

		update := AttrOp.String("update")
		assert.Equal(t, int64(1), tm.count(t, "ifmatch.client.unknown_outcomes", update))
		assert.Equal(t, int64(1), tm.count(t, "ifmatch.client.attempts", update))
		assert.Equal(t, int64(1), tm.count(t, "ifmatch.client.operations", update, AttrResult.String("outcome_unknown")))
		assert.True(t, tm.obs.idle())
	})

	t.Run("save", func(t *testing.T) {
		srv := newServer(t, &drop)
		srv.SetDocument(key, "application/json", []byte(`{"page":1}`))
		tm := newTelemetry(t)
		c := newClient[progress](t, srv, "", client.Options{Observer: tm.obs, TransportRetries: -1})
		base, err := c.Get(context.Background(), key)
		require.NoError(t, err)
		res, err := c.Save(context.Background(), key, base, progress{Page: 2}, nil)
		require.NoError(t, err)
		assert.Equal(t, client.Updated, res.Outcome)

		spans := tm.ended("ifmatch.save")
		require.Len(t, spans, 1)
		s := spans[0]
		assert.Equal(t, []string{"PUT 0", "GET 200"}, exchanges(s))
		var decisions []string
		for _, e := range s.Events() {
			if e.Name == "decision" {
				decisions = append(decisions, attr(e.Attributes, AttrDecision).AsString())
			}
		}
		assert.Equal(t, []string{"applied"}, decisions)
		assert.Equal(t, codes.Unset, s.Status().Code)
		assert.Zero(t, tm.count(t, "ifmatch.client.unknown_outcomes"))
		assert.Equal(t, int64(1), tm.count(t, "ifmatch.client.operations", AttrOp.String("save"), AttrResult.String("updated")))
	})
}

// gated is a front before a test server that holds each PUT until the test
// lets it go: every PUT announces itself on arrived, then waits on release.
type gated struct {
	*httptest.Server
	arrived chan struct{}
	release chan struct{}
}

func gate(t *testing.T, srv *statedoctest.Server) *gated {
	t.Helper()
	g := &gated{arrived: make(chan struct{}, 100), release: make(chan struct{}, 100)}
	var puts atomic.Int32
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The first two PUTs wait for the test; any later one goes on, so
		// that a test whose callers did not coalesce fails rather than hangs.
		if r.Method == http.MethodPut && puts.Add(1) <= 2 {
			g.arrived <- struct{}{}
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

func waitFor(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// counting is an Observer that counts the operations started before
// passing each event on.
type counting struct {
	client.Observer
	mu      sync.Mutex
	started int
}

func (c *counting) Observe(ctx context.Context, e client.Event) {
	if e.Kind == client.EventStart {
		c.mu.Lock()
		c.started++
		c.mu.Unlock()
	}
	c.Observer.Observe(ctx, e)
}

func (c *counting) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.started
}

// TestCoalescedWriters: three Updates that queue behind a write in flight
// go as one write. Each caller's operation has its own span, linked to the
// one span of the shared write, which holds the write's events and ends
// with the last of them.
func TestCoalescedWriters(t *testing.T) {
	srv := newServer(t, nil)
	g := gate(t, srv)
	tm := newTelemetry(t)
	obs := &counting{Observer: tm.obs}
	c := newClient[tally](t, srv, g.URL+"/xapi", client.Options{Observer: obs, HTTPClient: g.Client()})
	add := func(tok string) func(tally) (tally, error) {
		return func(d tally) (tally, error) { d.Seen = append(d.Seen, tok); d.Count++; return d, nil }
	}

	first := make(chan error, 1)
	go func() { _, err := c.Update(context.Background(), key, add("first")); first <- err }()
	waitFor(t, g.arrived, "the first PUT")
	tracer := tm.tp.Tracer("test")
	var wg sync.WaitGroup
	parents := make([]trace.SpanContext, 3)
	for i := range 3 {
		ctx, parent := tracer.Start(context.Background(), fmt.Sprint("caller ", i))
		parents[i] = parent.SpanContext()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer parent.End()
			_, err := c.Update(ctx, key, add(fmt.Sprint(i)))
			assert.NoError(t, err)
		}()
	}
	require.Eventually(t, func() bool { return obs.count() == 4 }, 10*time.Second, time.Millisecond)
	// Started is not yet queued: give the callers time to queue behind the
	// write in flight.
	time.Sleep(200 * time.Millisecond)
	g.release <- struct{}{}
	waitFor(t, g.arrived, "the shared write's PUT")
	g.release <- struct{}{}
	wg.Wait()
	require.NoError(t, <-first)

	writes := tm.ended("ifmatch.write")
	require.Len(t, writes, 1, "one span for the shared write")
	w := writes[0]
	assert.Equal(t, int64(3), attr(w.Attributes(), AttrCallers).AsInt64())
	assert.Equal(t, []string{"PUT 204"}, exchanges(w), "the write's request is on its span (the version is the first write's)")
	assert.Len(t, w.Links(), 3, "the write links to its callers")

	updates := tm.ended("ifmatch.update")
	require.Len(t, updates, 4)
	var linked []sdktrace.ReadOnlySpan
	for _, s := range updates {
		if len(s.Links()) == 0 {
			// The first caller's write was its own: its events are on its span.
			assert.Equal(t, []string{"join", "exchange", "exchange"}, eventNames(s))
			continue
		}
		linked = append(linked, s)
		require.Len(t, s.Links(), 1)
		assert.Equal(t, w.SpanContext(), s.Links()[0].SpanContext, "the caller's span links to the write's")
		assert.Equal(t, []string{"join"}, eventNames(s), "the shared write's events are not the caller's")
		assert.Equal(t, "updated", attr(s.Attributes(), AttrOutcome).AsString())
		assert.Contains(t, parents, s.Parent(), "each caller's span is a child of its own context's span")
		assert.False(t, w.EndTime().Before(s.EndTime()), "the write's span ends with its last caller")
	}
	require.Len(t, linked, 3)
	childOf := 0
	for _, s := range linked {
		if w.Parent().SpanID() == s.SpanContext().SpanID() {
			childOf++
		}
	}
	assert.Equal(t, 1, childOf, "the write's span is a child of its first caller's")

	assert.Equal(t, int64(2), tm.count(t, "ifmatch.client.attempts"), "two writes for four callers")
	assert.Equal(t, int64(1), tm.count(t, "ifmatch.client.operations", AttrOp.String("update"), AttrResult.String("created")))
	assert.Equal(t, int64(3), tm.count(t, "ifmatch.client.operations", AttrOp.String("update"), AttrResult.String("updated")))
	assert.True(t, tm.obs.idle(), "nothing is kept once every operation is done")
}

// TestFailedGet: an operation that fails has status Error and its error
// recorded; the failure is counted by class.
func TestFailedGet(t *testing.T) {
	srv := newServer(t, &statedoctest.Options{Username: "u", Password: "p"})
	tm := newTelemetry(t)
	c := newClient[progress](t, srv, "", client.Options{Observer: tm.obs, Username: "u", Password: "wrong"})
	_, err := c.Get(context.Background(), key)
	require.Error(t, err)

	spans := tm.ended("ifmatch.get")
	require.Len(t, spans, 1)
	assert.Equal(t, codes.Error, spans[0].Status().Code)
	assert.Equal(t, []string{"GET 401"}, exchanges(spans[0]))
	assert.Equal(t, "error", attr(spans[0].Attributes(), AttrResult).AsString())
	assert.Equal(t, int64(1), tm.count(t, "ifmatch.client.operations", AttrOp.String("get"), AttrResult.String("error")))
	assert.True(t, tm.obs.idle())
}

// TestWithAttributes: the attributes given to New are on every span and
// every measurement.
func TestWithAttributes(t *testing.T) {
	srv := newServer(t, nil)
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	lrs := attribute.String("lrs", "primary")
	tm := &telemetry{obs: New(WithTracerProvider(tp), WithMeterProvider(mp), WithAttributes(lrs)),
		spans: spans, reader: reader, tp: tp}
	c := newClient[progress](t, srv, "", client.Options{Observer: tm.obs})
	_, err := c.Update(context.Background(), key, func(p progress) (progress, error) { p.Page++; return p, nil })
	require.NoError(t, err)

	s := tm.ended("ifmatch.update")
	require.Len(t, s, 1)
	assert.Equal(t, "primary", attr(s[0].Attributes(), "lrs").AsString())
	assert.Equal(t, int64(1), tm.count(t, "ifmatch.client.operations", lrs, AttrResult.String("created")))
	assert.Equal(t, int64(1), tm.count(t, "ifmatch.client.attempts", lrs))
}

// TestResultOf: how each ending of an operation is classified.
func TestResultOf(t *testing.T) {
	tests := []struct {
		name string
		e    client.Event
		want string
	}{
		{"get", client.Event{Op: "get"}, "ok"},
		{"created", client.Event{Op: "create", Outcome: client.Created}, "created"},
		{"unchanged", client.Event{Op: "update", Outcome: client.Unchanged}, "unchanged"},
		{"conflict", client.Event{Op: "save", Err: &client.WriteError{Err: client.ErrConflict}}, "conflict"},
		{"unknown", client.Event{Op: "update", Err: &client.WriteError{Err: &client.OutcomeError{Err: errors.New("eof")}}}, "outcome_unknown"},
		{"not found", client.Event{Op: "delete", Err: client.ErrNotFound}, "not_found"},
		{"canceled", client.Event{Op: "get", Err: fmt.Errorf("get: %w", context.Canceled)}, "canceled"},
		{"deadline", client.Event{Op: "get", Err: context.DeadlineExceeded}, "deadline_exceeded"},
		{"other", client.Event{Op: "list", Err: errors.New("boom")}, "error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, resultOf(tt.e))
		})
	}
}
