// Package statedoctest provides an in-memory xAPI LRS with the three
// document resources — State, Activity Profile and Agent Profile — and the
// About Resource, for tests, shaped like httptest.Server.
//
// NewServer starts a server on 127.0.0.1 that implements, below its URL
// ("http://127.0.0.1:PORT/xapi"):
//
//   - the State Resource, "/activities/state" (xAPI 1.0.3 §2.3; 2.0
//     §4.1.6.2): PUT, POST, GET, HEAD and DELETE of a document named by
//     activityId, agent, an optional registration and stateId; GET of the
//     stateIds of a context and DELETE of all its documents;
//   - the Activity Profile Resource, "/activities/profile" (1.0.3 §2.7;
//     2.0 §4.1.6.6): the same methods on a document named by activityId
//     and profileId, and GET of an activity's profileIds;
//   - the Agent Profile Resource, "/agents/profile" (1.0.3 §2.6; 2.0
//     §4.1.6.5): the same on a document named by agent and profileId, and
//     GET of an agent's profileIds;
//   - the About Resource, "/about" (1.0.3 §2.8; 2.0 §4.1.6.7).
//
// It does so the way the xAPI specification describes, in either 1.0.3 or
// 2.0.0 mode: version header checks, exact-case parameter validation,
// canonical agent identity, JSON merge on POST, SHA-1 ETags, the
// preconditions of RFC 9110 (If-Match, If-None-Match, If-Unmodified-Since
// and If-Modified-Since) checked and applied under one lock (or, on
// request, ignored or checked without holding the lock until the write;
// see Precondition modes), optional HTTP Basic authentication, a document
// size limit (413) and an optional rate limit (429 with Retry-After). In
// 1.0.3 mode it also takes the alternate request syntax; as an option it
// answers browsers of other origins (CORS).
//
// NewUnstartedServer returns the same server without starting it, as
// httptest.NewUnstartedServer does: Start starts it on 127.0.0.1, and
// Handler returns the endpoint as an http.Handler to serve on a listener
// of the caller's choosing, such as an http.Server on a fixed address.
//
// Tests can script the next matching requests (Script) to return canned
// answers, alter response headers, or run a hook between two client
// requests; they can read and write documents directly (Document,
// SetDocument and DeleteDocument for State; ActivityProfile,
// SetActivityProfile, DeleteActivityProfile and their Agent equivalents
// for the profiles) and assert on the exact sequence of requests and
// responses (Log), which is kept in arrival order; a long-running server
// takes it as it goes (TakeLog). Faults (Options.Faults, AddFault) make
// requests fail the way networks and servers fail: connections dropped
// after or before the write, 5xx and 429 answers, pauses, forced 412s and
// rewritten ETags.
//
// # The three document resources
//
// The resources share one store and one implementation: what this
// documentation says of documents, lists of ids, POST merge, preconditions,
// modes, scripts and faults holds for each of them, with these
// differences.
//
//   - Parameters (1.0.3 §2.3, §2.6, §2.7): the State Resource takes
//     activityId, agent, registration, stateId and, on GET and HEAD,
//     since; the Activity Profile Resource activityId, profileId and
//     since; the Agent Profile Resource agent, profileId and since. Any
//     other parameter, or one of these in another case, answers 400
//     (1.0.3 §3.2; 2.0 §4.1.5). The agent is an Agent with one IFI,
//     never a Group (1.0.3 §2.6, note).
//   - Without its id parameter a GET answers the JSON array of the ids
//     of the context — the activity and agent (and registration, for
//     State) or, for the profiles, the activity or the agent — stored or
//     changed after since when it is given (exclusive). Only the State
//     Resource deletes a whole context: a profile DELETE, PUT or POST
//     without profileId answers 400 (1.0.3 §2.6–2.7; 2.0 §4.1.6.5–6 define
//     DELETE of a single profile document only).
//   - A PUT without If-Match or If-None-Match onto an existing profile
//     document answers 409 with a body that says to read the document
//     and send its ETag in If-Match, and changes nothing, in both modes
//     (1.0.3 §3.1: "If a PUT request is received without either header
//     for a resource that already exists"; 2.0 §4.1.4). The State
//     Resource does so in 2.0.0 mode only: 1.0.3 §3.1 lets clients write
//     State without concurrency headers. Onto an absent document such a
//     PUT creates it, in both modes and on every resource.
//   - POST and DELETE of a profile document need no precondition; when
//     they carry one it is evaluated as on a PUT, and a failed one
//     answers 412 and changes nothing (1.0.3 §3.1, SHOULD*; 2.0 §4.1.4,
//     shall).
//   - "since" together with a document's id is ignored in 1.0.3 mode and
//     answers 400 in 2.0.0 mode (2.0 §4.1.6.2: "If the stateId parameter
//     is included, Not Allowed"), on all three resources.
//   - A state document, an activity profile and an agent profile never
//     share an identity, whatever their ids: each resource has its own
//     documents.
//
// Script.Path chooses the resource a script applies to (the State
// Resource by default) and Script.ProfileID the profile document;
// Exchange.ProfileID records a profile request's profileId.
//
// # The About Resource
//
// GET and HEAD of "/about" answer 200 with {"version": [...]}: by default
// the version the server speaks, ["1.0.3"] or ["2.0.0"] ("the latest minor
// and patch version the LRS conforms to, for each major version", 1.0.3
// §2.8; 2.0 §4.1.6.7); Options.AboutVersions replaces the list, to
// present an LRS that claims other versions or none. The answer needs no
// credentials (1.0.3 §2.8: an LRS SHOULD allow unauthenticated access;
// 2.0 leaves authentication to the LRS, §4.1.8, and the server makes the
// same choice) and does not depend on the version header, which may be
// absent or any value (1.0.3 §2.8; 2.0 §4.1.6.7). Other methods answer
// 405, parameters 400.
//
// # The alternate request syntax
//
// In 1.0.3 mode the server takes the alternate request syntax of xAPI
// 1.0.3 §1.3, which browsers that cannot send other methods or headers
// use (Appendix C): a POST whose query has the single parameter "method"
// (GET, PUT, POST or DELETE, in any case) and whose body is a form
// (application/x-www-form-urlencoded, or without a Content-Type, or
// text/plain as Internet Explorer's XDomainRequest sends it). The server
// handles the request the form carries on every resource, exactly as if
// it had come in the standard syntax:
//
//   - the form fields Authorization, X-Experience-API-Version,
//     Content-Type, Content-Length, If-Match and If-None-Match, named in
//     any case, are header fields; each replaces the HTTP header's field
//     of that name, which stays in effect when the form does not give it
//     (1.0.3 §1.3.s3.b6–b7); the HTTP header's own Content-Type and
//     Content-Length describe the form and are not used. Content-Length
//     is taken as given and not checked against the content;
//   - the form field "content" is the document, read as UTF-8 text (§1.3
//     .s3.b4–b5): required on PUT and POST, not allowed on GET and DELETE;
//     content that is not UTF-8 answers 400, since the syntax cannot
//     carry binary documents;
//   - every other form field is a query parameter (§1.3.s3.b14), validated
//     as usual: Content-Transfer-Encoding, which §1.3.s3.b6 excludes from
//     the header fields, is an unknown parameter.
//
// A query with any other parameter than "method" answers 400 (§1.3.s3.b3:
// the client MUST NOT include any; the conformance suite expects 400), as
// do a second "method", another method, HEAD (a POST's answer carries a
// body), a body of another type, a malformed form, and a field given twice.
// A form larger than three times the size limit plus 64 KiB answers 413;
// content over the size limit answers 413 as usual. The log records the
// carried request (Exchange.Alternate). Faults choose requests by the
// method on the wire, POST: a fault for writes also hits a GET sent in the
// alternate syntax.
//
// xAPI 2.0 removed the syntax. In 2.0.0 mode "method" is the unknown
// parameter it is there, and such a request answers 400 as the 2.0
// conformance suite expects.
//
// # CORS
//
// Options.CORS lists the origins whose browser scripts may call the
// server ("*" for all, "null" included). For an allowed origin, answers —
// errors and injected faults included — name the origin in
// Access-Control-Allow-Origin, allow credentials, and expose ETag,
// Last-Modified, Retry-After, X-Experience-API-Version and
// X-Experience-API-Consistent-Through to scripts; every answer of a server
// with CORS carries Vary: Origin. A preflight (OPTIONS with Origin and
// Access-Control-Request-Method) from an allowed origin answers 204 with
// the methods GET, HEAD, PUT, POST and DELETE and the request header
// fields Authorization, Content-Type, If-Match, If-None-Match,
// If-Modified-Since, If-Unmodified-Since and X-Experience-API-Version,
// valid for 10 minutes; from another origin it answers 403 without CORS
// fields. A preflight needs no credentials, meets no script, rate limit or
// fault, and is logged. Without CORS, OPTIONS answers 405 and no answer
// has CORS fields.
//
// Rules chosen where the specification leaves room:
//   - a request without stateId (listing the ids, deleting all) and
//     without registration covers the documents of every registration as
//     well as those stored without one ("Activity + Agent [+ registration
//     if specified]", xAPI 1.0.3 §2.3); with a registration, only that
//     registration's; a single-document request is exact: without
//     registration it addresses only the document stored without one;
//   - "since" takes ISO 8601 timestamps with seconds and a zone: RFC 3339
//     (Z or +01:00) and the basic (+0100) and hour (+01) offsets, with an
//     optional fraction; anything else answers 400;
//   - deleting an absent single document answers 204;
//   - registrations and mbox_sha1sum values compare without case;
//   - the list of ids (a GET without stateId) is a resource of its own
//     that always has a current representation, even when it is empty;
//     see the conditional requests below.
//
// # Conditional requests
//
// By default (Options.Preconditions Enforce) preconditions are evaluated
// under the store's lock, just before the method would be performed, in
// the order of RFC 9110 §13.2.2:
//
//  1. If-Match (§13.1.1), strong comparison: false when the target has
//     no current representation, or when no listed tag equals its ETag
//     ("*" matches any current representation; a weak tag never
//     matches). False: 412.
//  2. Only when If-Match is absent, If-Unmodified-Since (§13.1.4), on any
//     method: false when the target's modification date is later than
//     the given date. False: 412.
//  3. If-None-Match (§13.1.2), weak comparison: false when the target has
//     a current representation and the field is "*" or lists a tag that
//     matches its ETag. False: 304 on GET and HEAD, 412 on the others.
//  4. Only when If-None-Match is absent, and only on GET and HEAD,
//     If-Modified-Since (§13.1.3): false when the target's modification
//     date is not later than the given date. False: 304.
//
// The first condition that is false decides; the method is performed when
// none is. A 412 explains itself in a text body and changes nothing. A 304
// has no body and carries the target's ETag (§15.4.5), or its
// Last-Modified when it has no ETag. If-Range is not evaluated: the server
// does not serve ranges.
//
// Dates are HTTP-dates in any of the three forms http.ParseTime accepts. A
// date field is ignored when it is not exactly one valid HTTP-date (a
// field given twice, or a list of dates, is not) and when the target has no
// modification date, such as an absent document (§13.1.3, §13.1.4).
// Modification dates are compared at whole seconds, the resolution of an
// HTTP-date: the stored time is truncated to the second, so a client that
// echoes the Last-Modified it received matches however finely the server's
// clock measured the write. A change within the same second as the given
// date is not seen by a date; ETags see it.
//
// Answers that do not depend on the preconditions come first (§13.2.1): a
// GET or HEAD of an absent document answers 404 whatever its
// preconditions; an invalid request answers 400, 401 or 413.
//
// The targets and their validators:
//   - a single document (a request with stateId) has a current
//     representation when it is stored; its ETag is the stored one
//     (Options.ETag) and its modification date the time of its last write,
//     sent as Last-Modified;
//   - the list of ids (GET or HEAD without stateId) always has a current
//     representation, the JSON array the GET returns, even an empty one:
//     If-None-Match "*" on it answers 304, If-Match "*" passes. Its ETag
//     is the quoted hex SHA-1 of the listed documents' registrations,
//     stateIds and ETags, so it changes whenever a listed document is
//     created, rewritten with other content or deleted, and two lists of
//     the same documents have the same ETag. Its modification date,
//     sent as Last-Modified, is the latest write of a listed document or
//     deletion of a document the list showed (so a deletion never moves
//     it back); a list that never showed a document has none. A GET with
//     "since" is its own resource: the list it returns, with the
//     validators of that list;
//   - a DELETE without stateId is evaluated against the list of ids a GET
//     of the same URL returns: If-Match with that list's ETag deletes only
//     when no document of the context was created, changed or deleted
//     since it was listed; If-Match "*" always passes; If-None-Match "*"
//     always fails (412); If-Unmodified-Since compares with the list's
//     modification date.
//
// A PUT onto an existing document without If-Match or If-None-Match
// answers 409 on the profile resources, and in 2.0.0 mode on the State
// Resource too (xAPI 1.0.3 §3.1; 2.0 §4.1.4; see The three document
// resources) — "the 409 rule" below —, with or without
// If-Unmodified-Since: the xAPI concurrency rules (1.0.3 §3.1; 2.0
// §4.1.4) name only the entity-tag fields. The 409 does not depend on the
// date's value, so it comes before the date is evaluated (RFC 9110
// §13.2.1). Such a PUT onto an absent document creates it: the document
// has no modification date, so the date is ignored.
//
// # Precondition modes
//
// Some LRSs do not enforce preconditions on some resources: they
// ignore the fields, or they evaluate them and then write in a separate
// step without a lock, so concurrent writes that carry the same current
// ETag all succeed and all but one update are lost. Options.Preconditions
// makes the server behave like them, so that a client's precondition
// probe can be tested against every verdict:
//
//   - Enforce, the zero value, is the behaviour described above.
//   - Ignore performs every PUT, POST and DELETE as if it carried no
//     precondition: a stale If-Match, an If-None-Match "*" over an
//     existing document or a passed If-Unmodified-Since does not stop
//     it, and the server never answers 412. The 409 rule above does
//     not apply either, since the server does not look at the fields: a
//     PUT onto an existing document without them replaces it. GET and
//     HEAD still evaluate their preconditions (and answer 304), as a web
//     framework in front of such an LRS often does, and ETags and
//     Last-Modified are sent as usual.
//   - CheckThenWrite evaluates a write's preconditions, and the 409
//     rule, under the lock exactly as Enforce does, then releases the
//     lock, pauses for Options.RaceWindow (2 ms by default), takes the
//     lock again and applies the write without evaluating them again.
//     One request at a time it cannot be told from Enforce; two
//     concurrent PUTs with the same current If-Match, or two creates with
//     If-None-Match "*", can both answer 204, the later write replacing
//     the earlier. A POST merges into the document as it was when
//     checked, so its result also replaces whatever was written during
//     the pause. A DELETE removes the documents that exist when it is
//     applied.
//
// In every mode scripts, the rate limit, authentication, validation, the
// size limit and the log behave the same, and an answer that does not
// depend on the preconditions (400, 401, 404, 413) comes first.
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
//   - Conflict: 412 (or Fault.Status, 400–499), not handled.
//   - WeakETag, StripETag, StripWriteETag: the server's answer with its
//     ETag made weak (W/"..."), removed, or removed from 2xx answers only
//     ("204 without ETag").
//
// The faults sit in front of the server and hold none of its locks. A
// request a fault answers or drops without handling it (DropBefore,
// ServerError without Apply, TooManyRequests, Conflict) consumes no
// script, does not count against the rate limit and is neither
// authenticated nor validated; its answer is a short text/plain body
// without the version header. The other requests are handled as usual,
// scripts and rate limit included, and the fault then drops, replaces or
// rewrites the answer.
//
// Every request a fault touched is in the Log, in arrival order like the
// rest, with Exchange.Fault naming the kind. Status, ResponseHeader and
// ResponseBody are what the client received: status 0, no header and no
// body for a dropped connection; the injected answer; or the server's
// answer with its ETag rewritten. Exchange.HandlerStatus is the status the
// server answered when it handled the request (204 for a write
// CommitThenDrop applied), 0 when it did not; StoreOrder is set as usual
// when the store decided the request. A Latency request is numbered
// (Arrival) when the pause ends.
//
// Go's http.Transport sends a request again after a drop on a reused
// connection when the request is replayable: a GET, HEAD, OPTIONS or
// TRACE, or a request with an Idempotency-Key or X-Idempotency-Key header,
// whose body can be sent again. Each attempt meets the faults anew and is
// logged. Tests that count attempts can use a client with
// DisableKeepAlives, which never retries, and count them in the Log.
package statedoctest
