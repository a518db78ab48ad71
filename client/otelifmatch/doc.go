// Package otelifmatch reports what an ifmatch client does to OpenTelemetry:
// a span per operation with an event per step of the write loop, and
// counters of attempts, conflicts, merges and unknown outcomes.
//
// An Observer is a client.Observer: give one to a client through
// client.Options.Observer.
//
//	obs := otelifmatch.New() // the global TracerProvider and MeterProvider
//	c, err := client.NewStateClient[Progress](lrsURL, &client.LRSOptions{
//		Options: client.Options{Observer: obs},
//	})
//
// # Spans
//
// Each operation (Get, Update, Save, Create, Delete, List, Probe) is a span
// named "ifmatch.<op>", such as "ifmatch.update", started as a child of the
// span in the caller's context and ended when the operation returns. Its
// attributes are ifmatch.op, ifmatch.resource and, when it ends,
// ifmatch.result, ifmatch.outcome, ifmatch.attempts and ifmatch.etag; a
// failed operation records its error and has status Error.
//
// Each step is an event on the span: "exchange" (a request and its answer:
// http.request.method, url.full, ifmatch.if_match, ifmatch.if_none_match,
// http.response.status_code, ifmatch.etag, ifmatch.duration_ms), "lost" (a
// write refused because another writer won), "wait", "merge", "decision",
// "unknown", "note", and "join" when the operation's edit rides in a write.
//
// A client serializes the writes to one document and may send the edits of
// several callers that waited as one conditional write. Such a write is no
// one caller's: it gets a span of its own, "ifmatch.write", a child of the
// operation span of the first caller that joined it, and its steps are
// events on that span. Every caller's operation span is linked to it, and
// it is linked to each of them; it ends when the last of its callers'
// operations ends. A write of a single caller has no span of its own: its
// steps are events on the caller's operation span.
//
// The client cannot give the observer a context to pass on, so spans made
// under the requests themselves (an instrumented http.Client's) are
// children of the caller's span, not of the operation span.
//
// # Metrics
//
// All instruments come from the meter named by ScopeName:
//
//	ifmatch.client.attempts             conditional writes sent
//	ifmatch.client.conflicts            writes lost to another writer (409, 412, 428)
//	ifmatch.client.merges               changes merged onto another writer's version
//	ifmatch.client.unknown_outcomes     writes that ended with their outcome unknown
//	ifmatch.client.operations           operations ended, by ifmatch.op and ifmatch.result
//	ifmatch.client.operation.duration   operation durations in seconds, by ifmatch.op and ifmatch.result
//
// Every count carries ifmatch.op, and server.address (the host written to)
// when a request of the operation has named it. ifmatch.result is the
// outcome of a successful write ("created", "updated", "unchanged"), "ok"
// for another successful operation, or a class of error: "conflict"
// (client.ErrConflict), "outcome_unknown" (client.ErrOutcomeUnknown),
// "not_found", "canceled", "deadline_exceeded" or "error". Resources are
// not metric attributes: there is one per document.
//
// # One Observer per client
//
// A client numbers its operations and writes itself, from 1, so an Observer
// must not be shared by two clients: give each its own. Observers made with
// the same providers share their instruments, so the counts add up; use
// WithAttributes to tell the clients apart.
package otelifmatch
