package otelifmatch

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/ifmatch/ifmatch/client"
)

// ScopeName is the instrumentation scope of the tracer and the meter an
// Observer uses.
const ScopeName = "github.com/ifmatch/ifmatch/client/otelifmatch"

// The attribute keys of spans, span events and metrics.
const (
	AttrOp       = attribute.Key("ifmatch.op")
	AttrResource = attribute.Key("ifmatch.resource")
	AttrResult   = attribute.Key("ifmatch.result")
	AttrOutcome  = attribute.Key("ifmatch.outcome")
	AttrAttempts = attribute.Key("ifmatch.attempts")
	AttrAttempt  = attribute.Key("ifmatch.attempt")
	AttrETag     = attribute.Key("ifmatch.etag")
	AttrOpID     = attribute.Key("ifmatch.op_id")
	AttrWrite    = attribute.Key("ifmatch.write")
	AttrCallers  = attribute.Key("ifmatch.callers")
	AttrIfMatch  = attribute.Key("ifmatch.if_match")
	AttrIfNone   = attribute.Key("ifmatch.if_none_match")
	AttrDuration = attribute.Key("ifmatch.duration_ms")
	AttrDecision = attribute.Key("ifmatch.decision")
	AttrMerged   = attribute.Key("ifmatch.merge.decisions")
	AttrMessage  = attribute.Key("ifmatch.message")
	AttrError    = attribute.Key("ifmatch.error")
	AttrMethod   = attribute.Key("http.request.method")
	AttrURL      = attribute.Key("url.full")
	AttrStatus   = attribute.Key("http.response.status_code")
	AttrServer   = attribute.Key("server.address")
)

// Option configures an Observer.
type Option func(*config)

type config struct {
	tp    trace.TracerProvider
	mp    metric.MeterProvider
	attrs []attribute.KeyValue
}

// WithTracerProvider makes the Observer's spans with tp. The default is
// the global provider, otel.GetTracerProvider(), at the time of New.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) { c.tp = tp }
}

// WithMeterProvider makes the Observer's instruments with mp. The default
// is the global provider, otel.GetMeterProvider(), at the time of New.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) { c.mp = mp }
}

// WithAttributes adds attrs to every span and every measurement the
// Observer makes, such as a name for the client or the service it talks to.
func WithAttributes(attrs ...attribute.KeyValue) Option {
	return func(c *config) { c.attrs = append(c.attrs, attrs...) }
}

// Observer is a client.Observer that makes OpenTelemetry spans and
// metrics of a client's events (see the package documentation). It serves
// one client. Its methods are safe for concurrent use.
type Observer struct {
	tracer trace.Tracer
	attrs  []attribute.KeyValue

	attempts   metric.Int64Counter
	conflicts  metric.Int64Counter
	merges     metric.Int64Counter
	unknowns   metric.Int64Counter
	operations metric.Int64Counter
	duration   metric.Float64Histogram

	mu     sync.Mutex
	ops    map[uint64]*operation // by OpID, from Start to Done
	writes map[uint64]*write     // writes of several callers, by Write id
}

// operation is a running operation.
type operation struct {
	span     trace.Span
	op       string
	server   string   // the host of its last request
	attempts int      // the most attempts its write reported
	shared   []uint64 // the writes of several callers it joined
}

// write is a running write of several callers.
type write struct {
	span     trace.Span
	server   string
	attempts int
	pending  int // callers not yet done
}

var _ client.Observer = (*Observer)(nil)

// New returns an Observer. Without options it uses the global tracer and
// meter providers, as they are when New is called.
func New(opts ...Option) *Observer {
	var c config
	for _, o := range opts {
		o(&c)
	}
	if c.tp == nil {
		c.tp = otel.GetTracerProvider()
	}
	if c.mp == nil {
		c.mp = otel.GetMeterProvider()
	}
	o := &Observer{
		tracer: c.tp.Tracer(ScopeName),
		attrs:  c.attrs,
		ops:    map[uint64]*operation{},
		writes: map[uint64]*write{},
	}
	m := c.mp.Meter(ScopeName)
	counter := func(name, unit, desc string) metric.Int64Counter {
		ins, err := m.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		if err != nil {
			otel.Handle(err)
		}
		return ins
	}
	o.attempts = counter("ifmatch.client.attempts", "{write}", "Conditional writes sent.")
	o.conflicts = counter("ifmatch.client.conflicts", "{write}", "Writes lost to another writer (409, 412 or 428).")
	o.merges = counter("ifmatch.client.merges", "{merge}", "Changes merged onto the version another writer made.")
	o.unknowns = counter("ifmatch.client.unknown_outcomes", "{write}", "Writes that ended with their outcome unknown.")
	o.operations = counter("ifmatch.client.operations", "{operation}", "Operations ended, by operation and result.")
	var err error
	o.duration, err = m.Float64Histogram("ifmatch.client.operation.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of operations, by operation and result."))
	if err != nil {
		otel.Handle(err)
	}
	return o
}

// Observe records e. It is the client.Observer method.
func (o *Observer) Observe(ctx context.Context, e client.Event) {
	switch e.Kind {
	case client.EventStart:
		o.start(ctx, e)
	case client.EventJoin:
		o.join(ctx, e)
	case client.EventDone:
		o.done(ctx, e)
	default:
		o.step(ctx, e)
	}
}

func (o *Observer) start(ctx context.Context, e client.Event) {
	attrs := append([]attribute.KeyValue{
		AttrOp.String(e.Op),
		AttrResource.String(e.Resource),
		AttrOpID.Int64(int64(e.OpID)),
	}, o.attrs...)
	_, span := o.tracer.Start(ctx, "ifmatch."+e.Op,
		trace.WithSpanKind(trace.SpanKindInternal), trace.WithAttributes(attrs...))
	o.mu.Lock()
	o.ops[e.OpID] = &operation{span: span, op: e.Op}
	o.mu.Unlock()
}

func (o *Observer) join(ctx context.Context, e client.Event) {
	o.mu.Lock()
	op := o.ops[e.OpID]
	if op == nil {
		o.mu.Unlock()
		return
	}
	if e.Callers <= 1 {
		o.mu.Unlock()
		op.span.AddEvent("join", trace.WithAttributes(AttrWrite.Int64(int64(e.Write)), AttrCallers.Int(e.Callers)))
		return
	}
	w := o.writes[e.Write]
	if w == nil {
		// The first caller to join: the write's span is its child.
		_, span := o.tracer.Start(trace.ContextWithSpan(ctx, op.span), "ifmatch.write",
			trace.WithSpanKind(trace.SpanKindInternal),
			trace.WithAttributes(append([]attribute.KeyValue{
				AttrOp.String(e.Op),
				AttrResource.String(e.Resource),
				AttrWrite.Int64(int64(e.Write)),
				AttrCallers.Int(e.Callers),
			}, o.attrs...)...))
		w = &write{span: span}
		o.writes[e.Write] = w
	}
	w.pending++
	op.shared = append(op.shared, e.Write)
	o.mu.Unlock()

	op.span.AddEvent("join", trace.WithAttributes(AttrWrite.Int64(int64(e.Write)), AttrCallers.Int(e.Callers)))
	op.span.AddLink(trace.Link{SpanContext: w.span.SpanContext(),
		Attributes: []attribute.KeyValue{AttrWrite.Int64(int64(e.Write))}})
	w.span.AddLink(trace.Link{SpanContext: op.span.SpanContext(),
		Attributes: []attribute.KeyValue{AttrOpID.Int64(int64(e.OpID))}})
}

// step records an event of an operation or of a write: on the span of the
// write of several callers it belongs to, else on its operation's span.
func (o *Observer) step(ctx context.Context, e client.Event) {
	var (
		span   trace.Span
		server string
	)
	o.mu.Lock()
	if w := o.writes[e.Write]; e.Write != 0 && w != nil {
		span = w.span
		if e.URL != "" {
			w.server = host(e.URL)
		}
		w.attempts = max(w.attempts, e.Attempt)
		server = w.server
	} else if op := o.ops[e.OpID]; e.OpID != 0 && op != nil {
		span = op.span
		if e.URL != "" {
			op.server = host(e.URL)
		}
		op.attempts = max(op.attempts, e.Attempt)
		server = op.server
	}
	o.mu.Unlock()

	measured := o.measured(e.Op, server)
	switch e.Kind {
	case client.EventExchange:
		if e.Write != 0 && isWrite(e.Method) {
			o.attempts.Add(ctx, 1, measured)
		}
	case client.EventLost:
		o.conflicts.Add(ctx, 1, measured)
	case client.EventMerge:
		o.merges.Add(ctx, 1, measured)
	case client.EventUnknown:
		o.unknowns.Add(ctx, 1, measured)
	}
	if span != nil {
		span.AddEvent(e.Kind.String(), trace.WithAttributes(eventAttrs(e)...))
	}
}

func (o *Observer) done(ctx context.Context, e client.Event) {
	o.mu.Lock()
	op := o.ops[e.OpID]
	delete(o.ops, e.OpID)
	attempts, server := 0, ""
	if op != nil {
		attempts, server = op.attempts, op.server
		for _, id := range op.shared {
			w := o.writes[id]
			if w == nil {
				continue
			}
			attempts = max(attempts, w.attempts)
			if server == "" {
				server = w.server
			}
		}
	}
	o.mu.Unlock()
	// The shared writes this operation rode in end once their last caller
	// has ended: its span first, then theirs.
	var ended []*write
	defer func() {
		if op == nil {
			return
		}
		o.mu.Lock()
		for _, id := range op.shared {
			if w := o.writes[id]; w != nil {
				if w.pending--; w.pending <= 0 {
					delete(o.writes, id)
					ended = append(ended, w)
				}
			}
		}
		o.mu.Unlock()
		for _, w := range ended {
			w.span.SetAttributes(AttrAttempts.Int(w.attempts))
			w.span.End()
		}
	}()

	if e.Err == nil && e.Attempts != 0 {
		attempts = e.Attempts
	} else if we := (*client.WriteError)(nil); errors.As(e.Err, &we) && we.Attempts != 0 {
		attempts = we.Attempts
	}
	result := resultOf(e)
	measured := o.measured(e.Op, server, AttrResult.String(result))
	o.operations.Add(ctx, 1, measured)
	o.duration.Record(ctx, e.Duration.Seconds(), measured)

	if op != nil {
		attrs := []attribute.KeyValue{AttrResult.String(result)}
		if isWriteOp(e.Op) {
			attrs = append(attrs, AttrAttempts.Int(attempts))
			if e.Err == nil {
				attrs = append(attrs, AttrOutcome.String(e.Outcome.String()))
			}
		}
		if e.ETag != "" {
			attrs = append(attrs, AttrETag.String(e.ETag))
		}
		op.span.SetAttributes(attrs...)
		if e.Err != nil {
			op.span.RecordError(e.Err)
			op.span.SetStatus(codes.Error, e.Err.Error())
		}
		op.span.End()
	}
}

// measured is the attribute set of a measurement of op.
func (o *Observer) measured(op, server string, more ...attribute.KeyValue) metric.MeasurementOption {
	attrs := make([]attribute.KeyValue, 0, 3+len(o.attrs)+len(more))
	attrs = append(attrs, AttrOp.String(op))
	if server != "" {
		attrs = append(attrs, AttrServer.String(server))
	}
	attrs = append(attrs, more...)
	attrs = append(attrs, o.attrs...)
	return metric.WithAttributeSet(attribute.NewSet(attrs...))
}

// eventAttrs are the attributes of the span event of e.
func eventAttrs(e client.Event) []attribute.KeyValue {
	var a []attribute.KeyValue
	if e.Write != 0 {
		a = append(a, AttrWrite.Int64(int64(e.Write)))
	}
	if e.Attempt != 0 {
		a = append(a, AttrAttempt.Int(e.Attempt))
	}
	if e.Method != "" {
		a = append(a, AttrMethod.String(e.Method), AttrURL.String(e.URL))
	}
	if e.IfMatch != "" {
		a = append(a, AttrIfMatch.String(e.IfMatch))
	}
	if e.IfNoneMatch != "" {
		a = append(a, AttrIfNone.String(e.IfNoneMatch))
	}
	if e.Status != 0 {
		a = append(a, AttrStatus.Int(e.Status))
	}
	if e.ETag != "" {
		a = append(a, AttrETag.String(e.ETag))
	}
	if e.Duration != 0 {
		a = append(a, AttrDuration.Float64(float64(e.Duration)/float64(time.Millisecond)))
	}
	if e.Kind == client.EventMerge && e.Report != nil {
		a = append(a, AttrMerged.Int(len(e.Report.Decisions)))
	}
	if e.Decision != "" {
		a = append(a, AttrDecision.String(e.Decision))
	}
	if e.Message != "" {
		a = append(a, AttrMessage.String(e.Message))
	}
	if e.Err != nil {
		a = append(a, AttrError.String(e.Err.Error()))
	}
	return a
}

// resultOf classifies how the operation of Done event e ended.
func resultOf(e client.Event) string {
	switch err := e.Err; {
	case err == nil && isWriteOp(e.Op):
		return e.Outcome.String()
	case err == nil:
		return "ok"
	case errors.Is(err, client.ErrConflict):
		return "conflict"
	case errors.Is(err, client.ErrOutcomeUnknown):
		return "outcome_unknown"
	case errors.Is(err, client.ErrNotFound):
		return "not_found"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline_exceeded"
	}
	return "error"
}

func isWriteOp(op string) bool { return op == "update" || op == "save" || op == "create" }

func isWrite(method string) bool {
	return method == http.MethodPut || method == http.MethodPost || method == http.MethodPatch
}

// host is the host of URL u, "" when it has none.
func host(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return p.Hostname()
}
