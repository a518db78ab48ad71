// Package client reads, changes and writes documents of HTTP stores that use
// ETags, so that no update is ever lost to a concurrent writer.
//
// Every write is conditional: If-Match with the ETag of the version the change
// was made on, or If-None-Match: * to create. When another writer wins first
// (409 or 412; see Options.MaxAttempts for 428 and 404), the client reads the
// new version, brings its change onto it and tries again, with jittered
// backoff and a bound on the attempts. A change comes in one of two forms:
//
//   - Update takes it as a function of the current value (increment a counter,
//     tick a box) and replays the function on each new version.
//   - Save takes it as a finished document made from a base version (an
//     authoring tool that edited offline) and three-way merges base, ours and
//     theirs with a merge.Func; nil means the default merge of package merge
//     (member by member, arrays element by element).
//
// The clients share one engine, one typed layer, the same options, errors
// and merges:
//
//   - StateClient speaks the xAPI State Resource of a Learning Record Store
//     (package statedoc gives the key of a document; LRSOptions adds the
//     xAPI version, negotiated through /about when asked, and whether the
//     client acts for a cmi5 LMS). ActivityProfileClient and
//     AgentProfileClient speak the two other document resources the same
//     way.
//   - DocumentClient speaks any HTTP API that versions its documents,
//     addressed by URL (DocumentOptions): the version in the ETag header,
//     quoted or not, in a field of the JSON body (the field is never merged
//     as data) or read by the caller's function; sent back in If-Match or
//     another header; changes PUT whole or PATCHed as an RFC 7386 merge
//     patch (an RFC 6902 JSON Patch when a value becomes null) or as a JSON
//     Patch; documents created by POST to a collection (Create).
//
// A client of a JSON type T reads only the members T declares, by their
// exact names, and applies the changes made to a T onto the stored JSON
// document (merge.Apply), so members written by other applications and
// unknown to T survive every write, at any depth, inside array elements too
// (elements are aligned by an id, or by the members they share; see
// merge.Apply for elements that nothing tells apart). Raw types ([]byte,
// json.RawMessage, type Blob []byte) handle documents of any content type
// as bytes.
//
// # What the guarantee rests on
//
// No update is lost as long as the server checks the precondition and
// writes atomically: two writes carrying the same If-Match must not both
// succeed. A server (or a proxy in front of it) that ignores or strips
// If-Match lets concurrent writers overwrite each other whatever the client
// does, and so does a server that checks and then writes without a lock.
// Probe (on either client) tells which kind a server is, with harmless
// requests on a scratch document: Enforcing, Racy, Ignoring or NoETag.
// Options.Protection takes the verdict and makes every write refuse to run
// (ErrUnprotected) unless it was Enforcing.
//
// # The loop
//
// Each round reads the document (404 means absent; the read asks for the
// identity encoding, since a compressed answer may carry an ETag no write
// matches), computes the new document, skips the write if nothing changed,
// and writes it with the version exactly as received. A weak ETag cannot match If-Match, so the client reads
// again a bounded number of times for a strong one and otherwise fails with
// ErrWeakETag; an ETag that could not be sent back as a header value is
// refused when read (ErrInvalidETag). A 2xx answer without an ETag is
// followed by a read-back that keeps the ETag only if the stored bytes are
// those written. If the document is deleted mid-loop, Options.OnDeleted
// decides: recreate it, or fail with ErrDeleted. A change that leaves the
// document as it was, or leaves an absent document at T's zero value, sends
// nothing.
//
// Only the server's answer makes a write done: writes and deletes never
// follow redirects (ErrRedirect), and a 404 to an If-Match write counts as
// "deleted" only when a read agrees.
//
// Transport failures are kept apart from conflicts: reads are re-sent after
// network errors, 429 and 5xx, and writes after 429 and 503 with
// Retry-After (the server says it did nothing). A conditional write whose
// answer is lost (a dropped connection, a timeout, another 5xx) is never
// re-sent blindly: the client reads the document. The version the write was
// based on still there means it was not applied, and it is sent again;
// exactly the document written settles a Save, or an Update declared
// idempotent (Options.IdempotentEdits) — the same bytes could be another
// writer's identical change; anything else fails with an *OutcomeError
// (matching ErrOutcomeUnknown) that carries the document found. With
// Options.WriteLog every write leaves its id in the document, and the id
// decides every outcome while the server can be read (ErrUndecidable if
// the log rolled over first). A 412 to a write sent again is settled the
// same way, since the first attempt may have been applied late. A create
// by POST (DocumentClient.Create) is never sent twice. A request that
// never left the process fails with ErrNotSent.
//
// # One writer per document inside a client
//
// A client never races itself. Its writes to one document go one at a
// time: a caller that finds the document idle writes on its own goroutine;
// while a write is in flight, later Updates and Saves of that document
// wait, and when it returns they all go as one conditional write (on a
// goroutine of the client's, which ends when the document is idle again),
// their edits applied in the order they arrived to the version just
// written (with the ETag its answer carried, or a fresh read). So goroutines
// sharing a client, or a UI that saves while the user types, send few
// writes and get no 412 from their own earlier writes, with the server's
// check left whole. Each caller still gets its own result: the version
// that holds its edit, or its own error — an edit that fails (or panics,
// in its caller's goroutine) leaves the others to be written. Documents
// are independent, and nothing is kept for a document once its writes are
// over. An edit must not call Update or Save on its own document through
// the same client: that call would wait for the edit. The version a write
// leaves is taken to be the document as sent, at the version its answer
// names; a server that changes documents as it stores them (a member of
// its own) should be read again to see that change.
//
// A caller whose context ends while its edit waits, or while it is in no
// write in flight (its last write was refused), has its edit removed and
// gets the context's error. Once its edit is in a write that has been
// sent, a cancelled caller waits for that write and gets its real
// outcome, or ErrOutcomeUnknown; a caller whose deadline passes gets
// ErrOutcomeUnknown (with context.DeadlineExceeded) at its deadline. When
// the server refuses the document that several edits made together (400,
// 413, 422), each edit is written again alone, so that only the edit the
// server refuses fails. The write runs under a context that no single
// caller's cancellation ends: its deadline is the latest of its callers'
// deadlines (none if one of them has none), it keeps the attempt bound,
// and it stops when every caller has left before anything was sent.
//
// Options.Observer sees every step (see Observer); UpdateAll and SaveAll
// write many documents with bounded concurrency and progress.
//
// Options.Cache, off by default, keeps the last version of each document
// the client read or wrote, so an update can write without reading first
// (see CacheOptions for when to turn it on).
//
// # Credentials
//
// Basic credentials come from Options or from the endpoint URL
// ("https://key:secret@lrs/xapi"); they are stripped from every URL the
// client builds and appear in no error and no log line.
//
// # Errors
//
// Match errors with errors.Is and errors.As: sentinels (ErrConflict,
// ErrNotFound, ErrPreconditionFailed, ...) for conditions, *HTTPError for an
// answer the client could not use (method, URL, status, Location of a
// redirect, body excerpt; never credentials), and *WriteError for a write
// that stopped (the document, attempts made, the status that stopped it,
// cause). Invalid keys give errors matching statedoc.ErrInvalid; merge
// conflicts under a failing policy match merge.ErrConflict.
package client
