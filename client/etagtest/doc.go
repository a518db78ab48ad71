// Package etagtest provides an in-memory HTTP document server with ETags,
// for tests of clients that write with If-Match, shaped like
// httptest.Server.
//
// NewServer starts a server on 127.0.0.1 on which every path is a resource:
// a document stored with PUT (or POST to a collection, or Server.Put) and
// read with GET. Its Options make it behave like the servers a client meets
// in the field — strong, unquoted, weak or missing ETags, the version kept
// in the JSON body, 409 or 404 instead of 412, preconditions ignored, or
// checked and applied in two steps so that concurrent writes race — and
// Profiles lists ready-made Options for the common kinds. Tests can read
// and write documents directly (Put, Get, Version, Remove) and assert on
// the exact sequence of requests and responses (Log). Faults
// (Options.Faults, AddFault) make writes fail the way networks and servers
// fail: connections dropped after or before the write, 5xx and 429
// answers, pauses, forced 412s and rewritten ETags.
//
// # Versions and ETags
//
// Each write gives the document a new version: "v" and the next number of
// a counter the server keeps for all its paths ("v1", "v2", ...), so a
// version is never reused, even for the same content. The ETag header
// carries it in the form Options.ETag chooses: "v7" (Quoted, the
// default), v7 (Unquoted), W/"v7" (Weak; and WeakAfterWrite for WeakFor
// after the write), or nothing (NoETag). With Options.VersionField the
// version is also written into the stored JSON object at that JSON
// Pointer, as a string, on every write.
//
// # Methods
//
//   - GET and HEAD answer 200 with the stored body, its Content-Type,
//     ETag and Last-Modified, or 404 when nothing is stored. With
//     Options.Gzip and a request that accepts gzip, the body is compressed
//     and the ETag's version gets the suffix "-gzip".
//   - PUT stores the body with its Content-Type
//     (application/octet-stream when it has none) and answers 201 when it
//     creates the document, 204 when it replaces it.
//   - PATCH takes application/merge-patch+json (RFC 7386) or
//     application/json-patch+json (RFC 6902) and answers 204. Another
//     media type answers 415 with an Accept-Patch header; a patch that is
//     not JSON, or not a valid JSON Patch, 400; a missing document 404; a
//     JSON Patch whose "test" operation fails 409 (the state of the
//     resource does not allow it, RFC 5789 §2.2); any other patch that
//     cannot be applied — a missing path, a stored document that is not
//     JSON, a result that cannot hold the version field, JSON Patch copies
//     adding more than MaxBodySize in all — 422. The patched document is
//     stored re-encoded compactly (member order and number text kept; a
//     merge patch's result has <, > and & escaped as \u003c and so on)
//     and keeps its Content-Type. Write answers (201 and 204 to PUT and
//     PATCH, 201 to POST) carry the new ETag unless OmitWriteETag is set;
//     DELETE answers carry none.
//   - DELETE removes the document and answers 204, or 404 when nothing is
//     stored.
//   - POST is allowed only on Options.Collections; elsewhere, and for any
//     other method, the answer is 405 with an Allow header. On a
//     collection it stores the body at the next free member path and
//     answers 201 with a Location header holding that path (or, with
//     AbsoluteLocation, the absolute URL).
//
// The query string plays no part: a resource is named by its path alone.
// A PUT, PATCH or POST body over Options.MaxBodySize answers 413. With
// VersionField, a PUT or POST body that is not a JSON object answers 400.
// Error answers carry a short text/plain explanation. No input makes the
// server panic.
//
// # Conditional requests
//
// If-Match and If-None-Match are evaluated in the order of RFC 9110
// §13.2.2; the date preconditions (If-Modified-Since, If-Unmodified-Since)
// and If-Range are not evaluated.
//
//  1. If-Match, strong comparison: "*" passes when a document is stored;
//     otherwise one listed tag, not weak, must name the current version
//     while the current ETag is strong. A weak ETag (Weak, or
//     WeakAfterWrite just after a write) therefore matches no tag, as on
//     Apache. Under Unquoted and NoETag a tag names the version with or
//     without quotes (v7 or "v7"); otherwise only quoted. Gzip's "-gzip"
//     tags never match. It fails with MissingStatus (default 412) when
//     nothing is stored and ConflictStatus (default 412) otherwise.
//  2. If-None-Match, weak comparison: it fails when a document is stored
//     and the field is "*" or lists a tag, weak or not, that names the
//     current version (or its "-gzip" variant). On GET and HEAD that
//     answers 304 with the ETag (Last-Modified under NoETag); on a write,
//     ExistsStatus (default 412) for "*" and 412 for a listed tag.
//
// Answers that do not depend on the preconditions come first: 405, 413,
// 415 and 400; a GET or HEAD of a missing document answers 404, and a GET
// whose If-Match fails 412, whatever the status options. A PATCH or DELETE
// of a missing document answers 404 unless If-Match is present, which
// fails first with MissingStatus. With RequirePrecondition, a PUT, PATCH
// or DELETE onto an existing document without If-Match or If-None-Match
// answers 428 before the preconditions are evaluated, whatever the mode.
//
// Options.RequireVersionField moves a PUT's precondition into its body,
// CouchDB-style: the body must carry the current version at VersionField
// (a stale or missing one answers ConflictStatus), a PUT that creates must
// carry none, and the PUT's If-Match and If-None-Match are ignored.
//
// Options.Preconditions decides how writes run:
//
//   - Enforce (the default) evaluates the preconditions and performs the
//     write under one lock, so of two writes with the same If-Match
//     exactly one succeeds.
//   - Ignore performs every write without evaluating If-Match,
//     If-None-Match or a RequireVersionField body version.
//   - CheckThenWrite evaluates them under the lock, releases it for
//     RaceWindow and performs the write under the lock again, as it was
//     decided: concurrent writes with the same If-Match can all succeed
//     and overwrite each other. One request at a time, it behaves like
//     Enforce.
//
// Reads evaluate their preconditions in every mode. One mutex guards the
// documents, the version counter and the log; a request's preconditions
// and its write are decided under one hold of it, except across
// CheckThenWrite's pause.
//
// # Log
//
// Every request is recorded in the Log, in the order the server took the
// requests in (Exchange.Arrival), with its header and body and the status,
// header and body of the answer as sent.
//
// # Faults
//
// Options.Faults lists the faults the server injects from the start;
// AddFault adds more while it runs, FaultCounts tells how many of each
// kind were injected and ResetFaults removes them all. A Fault applies to
// the writes (PUT, POST, PATCH and DELETE) unless it lists Methods —
// WeakETag and StripETag apply to every method — and fires on every such
// request, on the next Count of them, or on each with a Probability drawn
// from a random source seeded by FaultPlan.Seed. Each request gets the
// fault of the first Fault that fires, or none. The kinds:
//
//   - CommitThenDrop: the server handles the request, so a write is
//     applied (or refused, if its precondition fails), and the connection
//     is then closed without an answer. The client gets a connection
//     error, never a partial answer.
//   - DropBefore: the connection is closed before the server takes the
//     request in; nothing is applied.
//   - ServerError: 503 (or Fault.Status, 500–599), after handling the
//     request when Fault.Apply is set, without handling it otherwise;
//     Retry-After when Fault.RetryAfter is positive.
//   - TooManyRequests: 429 with Retry-After (Fault.RetryAfter in seconds,
//     rounded up; "0" by default), not handled.
//   - Latency: the server takes the request in after a pause of
//     Fault.Delay (100 ms by default), whether or not the client is
//     still waiting.
//   - Conflict: 412 (or Fault.Status, 400–499, such as CouchDB's 409),
//     not handled.
//   - WeakETag, StripETag, StripWriteETag: the server's answer with its
//     ETag made weak (W/"..."), removed, or removed from 2xx answers only
//     ("204 without ETag"). An answer that has no ETag (under NoETag,
//     for instance) is sent as it is.
//
// The faults sit in front of the server and hold none of its locks. A
// request a fault answers or drops without handling it (DropBefore,
// ServerError without Apply, TooManyRequests, Conflict) changes nothing
// and gets a short text/plain answer. The other requests are handled as
// usual, and the fault then drops, replaces or rewrites the answer.
//
// Every request a fault touched is in the Log, in arrival order like the
// rest, with Exchange.Fault naming the kind. Status, ResponseHeader and
// ResponseBody are what the client received: status 0, no header and no
// body for a dropped connection; the injected answer; or the server's
// answer with its ETag rewritten. Exchange.HandlerStatus is the status the
// server answered when it handled the request (204 for a write
// CommitThenDrop applied), 0 when it did not. A Latency request is
// numbered (Arrival) when the pause ends.
//
// Go's http.Transport sends a request again after a drop on a reused
// connection when the request is replayable: a GET, HEAD, OPTIONS or
// TRACE, or a request with an Idempotency-Key or X-Idempotency-Key header,
// whose body can be sent again. Each attempt meets the faults anew and is
// logged. Tests that count attempts can use a client with
// DisableKeepAlives, which never retries, and count them in the Log.
package etagtest
