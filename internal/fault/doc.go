// Package fault makes HTTP writes fail the way networks and servers fail,
// for tests, test servers and torture programs.
//
// An Injector holds an ordered list of Rules and wraps an http.Handler
// (Wrap). For each request it looks for the first rule that fires — its
// method matches, its Count is not used up and, when it has a
// Probability, the Injector's random source says yes — and injects that
// rule's fault; a request no rule fires on goes to the handler untouched.
// The kinds of fault:
//
//   - CommitThenDrop: the handler runs, so the write is applied, and then
//     the connection is closed without an answer. The client sees a
//     connection error for a write that took effect: the lost response
//     behind retries that come back 412 or apply a change twice.
//   - DropBefore: the connection is closed before the handler runs; the
//     write is not applied.
//   - ServerError: a 5xx answer, after applying the write (Rule.Apply) or
//     without, optionally with Retry-After.
//   - TooManyRequests: 429 with Retry-After, not applied.
//   - Latency: a pause before the handler runs.
//   - Conflict: 412 (or another 4xx) without applying: "the next N
//     writes fail their precondition".
//   - WeakETag, StripETag, StripWriteETag: the handler's answer with its
//     ETag made weak, removed, or removed from successful answers only.
//
// The Injector works outside the wrapped handler: its pauses and drops hold
// none of the handler's locks, and the handler does not need to know about
// faults. A handler that wants to (a test server that logs what the client
// saw, for instance) finds the fault injected into the request it is
// serving with FromContext, and is told about the requests it never sees
// through WrapSkipped.
//
// Probabilities draw from a random source seeded by Plan.Seed: the same
// plan and the same sequence of requests give the same faults. Concurrent
// requests draw in the order they reach the Injector.
//
// An Injector is safe for concurrent use. It never panics, except that a
// drop on a connection that cannot be hijacked (HTTP/2) aborts the handler
// with http.ErrAbortHandler, the value net/http recovers from to reset the
// stream.
package fault
