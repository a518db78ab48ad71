package client

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/ifmatch/ifmatch/merge"
)

// Observer sees what a client does, event by event: each operation's start
// and end, each exchange with the server, and each decision of the write
// loop. Options.Observer takes one; Options.Logger is another (each of its
// debug lines is one event), so hooks, metrics, traces and logs tell the
// same story.
//
// Observe is called synchronously by the goroutine doing the work and must
// return quickly; it may be called from several goroutines at once. Its
// ctx is the context of the work: the caller's for Start, Join and Done
// (Join: the context of the write, see below), the write's for the events
// of a write. A write that the pipeline made of several callers' edits (see
// "One writer per document inside a client") runs under a context that
// carries the values of its first caller's. Events must not be kept beyond
// the call unless copied: Report is shared.
type Observer interface {
	Observe(ctx context.Context, e Event)
}

// ObserverFunc is a function that is an Observer.
type ObserverFunc func(ctx context.Context, e Event)

// Observe calls f(ctx, e).
func (f ObserverFunc) Observe(ctx context.Context, e Event) { f(ctx, e) }

// EventKind says what an Event reports.
type EventKind int

// The kinds of event, in the order they occur in an operation.
const (
	// EventStart: an operation (Op) begins.
	EventStart EventKind = iota + 1
	// EventJoin: an Update or Save (OpID) rides in a write (Write) with
	// Callers callers in all; the write's own events follow under Write.
	EventJoin
	// EventExchange: one request (Method, URL, IfMatch, IfNoneMatch) and
	// its answer (Status, ETag), or its failure (Err); Duration is the
	// request's, transport retries included.
	EventExchange
	// EventLost: a conditional write lost to another writer (Status); the
	// document is read again.
	EventLost
	// EventMerge: a Save merged its change onto the version another
	// writer made (Report: the default merge's decisions; nil for a
	// caller's merge function).
	EventMerge
	// EventWait: the loop waits Duration, after a lost write or as the
	// server asked (Status 429 or 503).
	EventWait
	// EventDecision: a read settled the fate of a write whose answer was
	// lost: Decision is "applied", "not applied" or "undecided".
	EventDecision
	// EventUnknown: a write ended without its outcome known (Err).
	EventUnknown
	// EventNote: something else worth a log line (Message): a document
	// deleted during the write, an acknowledged write found missing, a
	// weak ETag read again, a version that could not be confirmed.
	EventNote
	// EventDone: an operation ended: Err is nil on success; Outcome and
	// ETag describe a successful write, Attempts the writes sent (on
	// failure too); Duration is the operation's.
	EventDone
)

// String returns the kind's name in lower case, such as "exchange".
func (k EventKind) String() string {
	switch k {
	case EventStart:
		return "start"
	case EventJoin:
		return "join"
	case EventExchange:
		return "exchange"
	case EventLost:
		return "lost"
	case EventMerge:
		return "merge"
	case EventWait:
		return "wait"
	case EventDecision:
		return "decision"
	case EventUnknown:
		return "unknown"
	case EventNote:
		return "note"
	case EventDone:
		return "done"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is one thing a client did. Fields that do not apply to its Kind
// are zero. URLs and resources carry no credentials.
type Event struct {
	Kind EventKind
	// Time is when the event happened; for an exchange, when the request
	// was sent (Duration later, its answer arrived).
	Time time.Time
	// Op is the operation: "get", "update", "save", "create", "delete",
	// "list" or "probe".
	Op string
	// Resource names the document, as in errors.
	Resource string
	// OpID identifies one call of an operation, from Start to Done; ids
	// are unique within the process, so one Observer may serve several
	// clients.
	OpID uint64
	// Write identifies the write an event belongs to; callers whose edits
	// went together share one (see EventJoin). 0 outside writes.
	Write uint64
	// Callers is the number of callers in the write (EventJoin).
	Callers int
	// Attempt counts the conditional writes the write has sent so far.
	Attempt int

	Method      string
	URL         string
	IfMatch     string // the precondition sent, if any
	IfNoneMatch string
	Status      int
	// ETag is the answer's ETag (EventExchange) or the version the
	// operation left (EventDone).
	ETag     string
	Duration time.Duration

	Report   *merge.Report
	Decision string
	Outcome  Outcome
	Attempts int
	Message  string
	Err      error
}

// observers sends a client's events to its Logger and Observer. A client
// with neither makes no events at all.
type observers struct {
	list []Observer
}

// eventIDs numbers operations and writes across the process.
var eventIDs atomic.Uint64

func newObservers(s settings) *observers {
	o := &observers{}
	if s.logger != nil {
		o.list = append(o.list, logObserver{s.logger})
	}
	if s.observer != nil {
		o.list = append(o.list, s.observer)
	}
	return o
}

// on reports whether anyone listens.
func (o *observers) on() bool { return len(o.list) > 0 }

// scope is what the events of a piece of work share, carried in its
// context.
type scope struct {
	op, resource string
	opID, write  uint64
	attempt      *int // the write's attempts so far
}

type scopeKey struct{}

func scopeOf(ctx context.Context) *scope {
	sc, _ := ctx.Value(scopeKey{}).(*scope)
	return sc
}

// start begins operation op on resource: it returns the context its
// events are made under and the function that ends it, to be deferred as
// done(Event{...}, recover()): a panic ends the operation with an error,
// and goes on.
func (o *observers) start(ctx context.Context, op, resource string) (context.Context, func(done Event, panicked any)) {
	if !o.on() {
		return ctx, func(_ Event, panicked any) {
			if panicked != nil {
				panic(panicked)
			}
		}
	}
	sc := &scope{op: op, resource: resource, opID: eventIDs.Add(1)}
	ctx = context.WithValue(ctx, scopeKey{}, sc)
	began := time.Now()
	o.emit(ctx, Event{Kind: EventStart})
	return ctx, func(done Event, panicked any) {
		if panicked != nil {
			defer panic(panicked)
			done = Event{Err: fmt.Errorf("ifmatch: the %s of %s panicked: %v", op, resource, panicked)}
		}
		done.Kind, done.Duration = EventDone, time.Since(began)
		var we *WriteError
		if done.Err != nil && errors.As(done.Err, &we) {
			done.Attempts = we.Attempts
		}
		o.emit(ctx, done)
	}
}

// write gives a write its own scope under ctx, with its id.
func (o *observers) write(ctx context.Context, op, resource string, attempts *int) (context.Context, uint64) {
	if !o.on() {
		return ctx, 0
	}
	sc := &scope{op: op, resource: resource, write: eventIDs.Add(1), attempt: attempts}
	if caller := scopeOf(ctx); caller != nil {
		sc.opID = caller.opID
	}
	return context.WithValue(ctx, scopeKey{}, sc), sc.write
}

// emit fills e from ctx's scope and hands it to every observer.
func (o *observers) emit(ctx context.Context, e Event) {
	if !o.on() {
		return
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	if sc := scopeOf(ctx); sc != nil {
		if e.Op == "" {
			e.Op = sc.op
		}
		if e.Resource == "" {
			e.Resource = sc.resource
		}
		if e.OpID == 0 {
			e.OpID = sc.opID
		}
		if e.Write == 0 {
			e.Write = sc.write
		}
		if sc.attempt != nil && e.Attempt == 0 {
			e.Attempt = *sc.attempt
		}
	}
	for _, ob := range o.list {
		ob.Observe(ctx, e)
	}
}

// logObserver writes each event as one debug record.
type logObserver struct{ l *slog.Logger }

func (lo logObserver) Observe(ctx context.Context, e Event) {
	if !lo.l.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := make([]slog.Attr, 0, 12)
	add := func(a slog.Attr) { attrs = append(attrs, a) }
	add(slog.String("event", e.Kind.String()))
	if e.Op != "" {
		add(slog.String("op", e.Op))
	}
	if e.Resource != "" {
		add(slog.String("resource", e.Resource))
	}
	if e.OpID != 0 {
		add(slog.Uint64("op_id", e.OpID))
	}
	if e.Write != 0 {
		add(slog.Uint64("write", e.Write))
	}
	if e.Attempt != 0 {
		add(slog.Int("attempt", e.Attempt))
	}
	if e.Method != "" {
		add(slog.String("method", e.Method))
		add(slog.String("url", e.URL))
		add(slog.String("if_match", e.IfMatch))
		add(slog.String("if_none_match", e.IfNoneMatch))
	}
	if e.Status != 0 {
		add(slog.Int("status", e.Status))
	}
	if e.ETag != "" {
		add(slog.String("etag", e.ETag))
	}
	if e.Duration != 0 {
		add(slog.Duration("duration", e.Duration))
	}
	switch e.Kind {
	case EventJoin:
		add(slog.Int("callers", e.Callers))
	case EventMerge:
		if e.Report != nil {
			add(slog.Int("decisions", len(e.Report.Decisions)))
		}
	case EventDecision:
		add(slog.String("decision", e.Decision))
	case EventDone:
		if e.Err == nil && (e.Op == "update" || e.Op == "save" || e.Op == "create") {
			add(slog.String("outcome", e.Outcome.String()))
			add(slog.Int("attempts", e.Attempts))
		}
	}
	if e.Err != nil {
		add(slog.String("error", e.Err.Error()))
	}
	msg := "ifmatch: " + e.Kind.String()
	if e.Message != "" {
		msg = "ifmatch: " + e.Message
	}
	lo.l.LogAttrs(ctx, slog.LevelDebug, msg, attrs...)
}
