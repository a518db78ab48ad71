// Package client reads, changes and writes documents of HTTP stores that use
// ETags, so that no update is ever lost to a concurrent writer.
//
// Every write is conditional: If-Match with the ETag of the version the change
// was made on, or If-None-Match: * to create. When another writer wins first
// (409, 412 or 428), the client reads the new version, brings its change onto
// it and tries again, with full-jitter backoff and a bound on the attempts.
// A change comes in one of two forms:
//
//   - Update takes it as a function of the current value (increment a counter,
//     tick a box) and replays the function on each new version.
//   - Save takes it as a finished document made from a base version (an
//     authoring tool that edited offline) and three-way merges base, ours and
//     theirs with a merge.Func; nil means the default field union of package merge.
//
// StateClient speaks the xAPI State Resource of a Learning Record Store
// (package statedoc gives the key of a document). A typed StateClient[T]
// applies the changes made to a T onto the raw JSON document, so members
// written by other applications and unknown to T survive every write.
// StateClient[[]byte] handles documents of any content type as raw bytes.
//
// # The loop
//
// Each round reads the document (404 means absent), computes the new
// document, skips the write if nothing changed, and PUTs it with the ETag
// exactly as received. A weak ETag cannot match If-Match, so the client reads
// again a bounded number of times for a strong one and otherwise fails with
// ErrWeakETag. A 2xx answer without an ETag is followed by a read-back that
// keeps the ETag only if the stored bytes are those written. If the document
// is deleted mid-loop, Options.OnDeleted decides: recreate it, or fail with
// ErrDeleted.
//
// Transport failures are kept apart from conflicts: reads are re-sent after
// network errors, 429 and 5xx, but a conditional write whose outcome is
// unknown (a dropped connection, a 5xx) is never re-sent blindly; it fails
// with the error, and the caller decides.
//
// # Errors
//
// Match errors with errors.Is and errors.As: sentinels (ErrConflict,
// ErrNotFound, ErrPreconditionFailed, ...) for conditions, *HTTPError for an
// answer the client could not use (method, URL, status, body excerpt; never
// credentials), and *WriteError for a write that stopped (attempts made, last
// status, cause). Invalid keys give errors matching statedoc.ErrInvalid;
// merge conflicts under a failing policy match merge.ErrConflict.
package client
