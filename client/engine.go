package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/ifmatch/ifmatch/internal/backoff"
	"github.com/ifmatch/ifmatch/internal/etag"
)

// snapshot is one version of a document as the server gave it.
type snapshot struct {
	exists       bool
	body         []byte
	contentType  string
	etag         string
	lastModified time.Time
}

// sameVersion reports whether a and b are known to be the same version: both
// absent, or both carrying the same strong ETag.
func sameVersion(a, b snapshot) bool {
	if !a.exists || !b.exists {
		return !a.exists && !b.exists
	}
	return etag.StrongMatch(a.etag, b.etag)
}

// plan is one write, as a typed layer hands it to the engine.
type plan struct {
	op       string // "update" or "save", for errors and logs
	url      string
	resource string // the document in a form fit for errors and logs
	// start is a version already in hand (Save's base). Nil: read first.
	start *snapshot
	// step computes the document to write onto cur, the current version; a
	// nil draft means there is nothing to write.
	step func(cur snapshot) (*draft, error)
	// same reports whether two document bodies are the same document, so that
	// a write that changes nothing is skipped.
	same func(a, b []byte) bool
}

// draft is a document to write.
type draft struct {
	body        []byte
	contentType string
}

// written is what a completed write leaves.
type written struct {
	snapshot
	attempts int
	outcome  Outcome
}

// engine runs the read–merge–write loop over bytes and ETags. It knows how to
// address a document only through plan.url and nothing of what the document
// means.
type engine struct {
	tr *transport
	s  settings
}

// read GETs u. A 404 is an absent document, not an error. An ETag that
// could never be sent back in If-Match is refused here, with
// ErrInvalidETag, rather than when a write would carry it.
func (e *engine) read(ctx context.Context, u string) (snapshot, error) {
	resp, err := e.tr.do(ctx, http.MethodGet, u, nil, nil, true)
	if err != nil {
		return snapshot{}, err
	}
	switch {
	case resp.status == http.StatusNotFound:
		return snapshot{}, nil
	case resp.status == http.StatusOK:
		snap := snapshot{exists: true, body: resp.body, contentType: resp.header.Get("Content-Type"), etag: resp.etag()}
		if etag.Classify(snap.etag) == etag.Invalid {
			return snapshot{}, fmt.Errorf("%w: the server sent %q, which cannot be sent back in If-Match", ErrInvalidETag, snap.etag)
		}
		if lm := resp.header.Get("Last-Modified"); lm != "" {
			if t, err := http.ParseTime(lm); err == nil {
				snap.lastModified = t
			}
		}
		return snap, nil
	}
	return snapshot{}, newHTTPError(http.MethodGet, u, resp)
}

// readStrong reads u until an existing document comes with an ETag that can
// be sent in If-Match, at most 1+weakRereads times.
func (e *engine) readStrong(ctx context.Context, u string) (snapshot, error) {
	for i := 0; ; i++ {
		snap, err := e.read(ctx, u)
		if err != nil || !snap.exists || etag.Usable(snap.etag) {
			return snap, err
		}
		e.s.logger.DebugContext(ctx, "ifmatch: no strong ETag, reading again", "url", redact(u), "etag", snap.etag)
		if i >= e.s.weakRereads {
			return snapshot{}, ErrWeakETag
		}
		if err := backoff.Sleep(ctx, e.s.conflictBackoff(i+1)); err != nil {
			return snapshot{}, err
		}
	}
}

// write runs the read–merge–write loop for p: read (unless a version is
// in hand), compute the document, skip the write if nothing changed, write
// conditionally, and on a lost write back off and go round again, up to
// the attempt bound.
func (e *engine) write(ctx context.Context, p plan) (written, error) {
	var (
		cur      snapshot
		have     bool
		seen     bool // the document existed at some point of this write
		attempts int
		status   int // status of the answer that stopped the call
	)
	fail := func(err error) (written, error) {
		return written{}, &WriteError{Op: p.op, Resource: p.resource, Attempts: attempts, Status: status, Err: err}
	}
	if p.start != nil {
		seen = p.start.exists
		if !p.start.exists || etag.Usable(p.start.etag) {
			cur, have = *p.start, true
		}
	}
	// reread reads the current version after a lost write and applies the
	// deletion policy.
	reread := func() error {
		snap, err := e.readStrong(ctx, p.url)
		if err != nil {
			status = statusOf(err)
			return err
		}
		if seen && !snap.exists {
			e.s.logger.DebugContext(ctx, "ifmatch: document deleted during the write", "url", redact(p.url), "policy", e.s.onDeleted.String())
			if e.s.onDeleted == FailDeleted {
				return ErrDeleted
			}
		}
		cur, have, status = snap, true, 0
		return nil
	}
	for {
		if !have {
			if err := reread(); err != nil {
				return fail(err)
			}
		}
		seen = seen || cur.exists

		next, err := p.step(cur)
		if err != nil {
			return fail(err)
		}
		if next == nil || (cur.exists && p.same(next.body, cur.body)) {
			return written{snapshot: cur, attempts: attempts, outcome: Unchanged}, nil
		}

		header := http.Header{"Content-Type": {next.contentType}}
		if cur.exists {
			header.Set("If-Match", cur.etag)
		} else {
			header.Set("If-None-Match", "*")
		}
		if err := ctx.Err(); err != nil {
			return fail(err) // nothing sent
		}
		attempts++
		resp, err := e.tr.do(ctx, http.MethodPut, p.url, header, next.body, false)
		if err != nil {
			if errors.Is(err, ErrNotSent) {
				attempts--
			}
			return fail(unknownOutcome(err))
		}
		status = resp.status
		switch {
		case resp.status >= 200 && resp.status < 300:
			out := written{
				snapshot: snapshot{exists: true, body: next.body, contentType: next.contentType, etag: resp.etag()},
				attempts: attempts, outcome: Updated,
			}
			if !cur.exists {
				out.outcome = Created
			}
			if !etag.Usable(out.etag) {
				out.etag = e.confirm(ctx, p.url, next.body)
			}
			return out, nil
		case lost(resp.status, cur.exists):
			e.s.logger.DebugContext(ctx, "ifmatch: write lost, reading again", "url", redact(p.url), "status", resp.status, "attempt", attempts)
			if resp.status == http.StatusNotFound {
				// Gone only if a read agrees: a 404 from a proxy or a
				// router that sends writes elsewhere is an error.
				was := cur
				if err := reread(); err != nil {
					return fail(err)
				}
				if sameVersion(was, cur) {
					status = http.StatusNotFound
					return fail(annotate(newHTTPError(http.MethodPut, p.url, resp),
						"yet a read finds the document unchanged at ETag "+cur.etag))
				}
			}
		case resp.status >= 500:
			return fail(unknownOutcome(newHTTPError(http.MethodPut, p.url, resp)))
		default:
			return fail(newHTTPError(http.MethodPut, p.url, resp))
		}
		if attempts >= e.s.maxAttempts {
			status = resp.status
			return fail(ErrConflict)
		}
		if err := backoff.Sleep(ctx, e.s.conflictBackoff(attempts)); err != nil {
			status = 0
			return fail(err)
		}
		if resp.status != http.StatusNotFound {
			have = false
		}
	}
}

// statusOf returns the status of the answer an error reports, or 0.
func statusOf(err error) int {
	var he *HTTPError
	if errors.As(err, &he) {
		return he.StatusCode
	}
	return 0
}

// lost reports whether status answers a conditional write that lost to
// another writer, so the document must be read again: 409 and 412; for an
// If-Match write also 428 (the server wants a fresher precondition) and 404
// (its way of saying the document is gone, taken as such only when a read
// agrees). A 428 to a create that already sent If-None-Match: * cannot be
// mended by reading again.
func lost(status int, ifMatch bool) bool {
	switch status {
	case http.StatusConflict, http.StatusPreconditionFailed:
		return true
	case http.StatusPreconditionRequired, http.StatusNotFound:
		return ifMatch
	}
	return false
}

// unknownOutcome marks the failure of a write that may have reached the
// server and been applied: the client cannot tell, so it does not re-send.
// A request that never left the process keeps its ErrNotSent.
func unknownOutcome(err error) error {
	if errors.Is(err, ErrNotSent) {
		return err
	}
	return wrap(ErrOutcomeUnknown, err)
}

// confirm finds the ETag of a write whose answer carried none (or a weak
// one): it reads the document back and takes the ETag only if the body is
// exactly what was written. Otherwise someone wrote after us, and the ETag of
// our version is unknown (""); the write itself succeeded either way.
func (e *engine) confirm(ctx context.Context, u string, body []byte) string {
	snap, err := e.read(ctx, u)
	if err != nil || !snap.exists || !etag.Usable(snap.etag) || string(snap.body) != string(body) {
		e.s.logger.DebugContext(ctx, "ifmatch: ETag of the written version unknown", "url", redact(u), "error", errString(err))
		return ""
	}
	return snap.etag
}

// remove DELETEs u with the given If-Match value ("" sends none).
func (e *engine) remove(ctx context.Context, u, ifMatch string) error {
	var header http.Header
	if ifMatch != "" {
		header = http.Header{"If-Match": {ifMatch}}
	}
	if err := ctx.Err(); err != nil {
		return err // nothing sent
	}
	resp, err := e.tr.do(ctx, http.MethodDelete, u, header, nil, false)
	if err != nil {
		return unknownOutcome(err)
	}
	switch {
	case resp.status >= 200 && resp.status < 300:
		return nil
	case resp.status >= 500:
		return unknownOutcome(newHTTPError(http.MethodDelete, u, resp))
	}
	return newHTTPError(http.MethodDelete, u, resp)
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
