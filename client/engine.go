package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/ifmatch/ifmatch/internal/backoff"
	"github.com/ifmatch/ifmatch/internal/etag"
	"github.com/ifmatch/ifmatch/merge"
)

// snapshot is one version of a document as the server gave it.
type snapshot struct {
	exists      bool
	body        []byte // without a version field kept in the body
	contentType string
	etag        string // the version, exactly as read
	versionRaw  []byte // the JSON text of a version field, nil otherwise
	whole       []byte // the document with its version field, as read; nil if not read
	// under is, for a version the pipeline composed from callers' edits,
	// the version read from the server that it was made on; nil otherwise.
	under        *snapshot
	log          []string // the ids of the write log (Options.WriteLog), nil if none
	lastModified time.Time
}

// plan is one write, as a typed layer hands it to the engine.
type plan struct {
	op       string // "update", "save" or "create", for errors and logs
	url      string
	resource string // the document in a form fit for errors and logs
	shape    *shape // how the requests look
	// start is a version already in hand (Save's base). Nil: read first.
	start *snapshot
	// hint says that start is a version seen earlier (the lane's last
	// write, the cache), not one the caller based its change on: it is not
	// proof that the document existed, and a change that leaves it as it
	// is must be checked against a fresh read.
	hint bool
	// step computes the document to write onto cur, the current version; a
	// nil draft means there is nothing to write.
	step func(cur snapshot) (*draft, error)
	// same reports whether two document bodies are the same document, so that
	// a write that changes nothing is skipped.
	same func(a, b []byte) bool
	// settles says whether finding the document written proves the write
	// was applied after its answer was lost: true for a state-based write
	// (Save) and an idempotent edit, false for an edit that another writer
	// could have made identically.
	settles bool
	// sending, when not nil, is called just before each write is sent; when
	// it reports false the draft is computed again on the same version.
	sending func() bool
	// lost and unsure, when not nil, are told that the write just sent
	// was certainly not applied, or that its outcome is unknown.
	lost, unsure func()
	// began, when not nil, is called when the write begins, with its
	// context and its id for observers (0 when no one observes).
	began func(ctx context.Context, write uint64)
}

// draft is a document to write.
type draft struct {
	body        []byte
	contentType string
	// merges are the reports of the merges that made it (nil for a
	// caller's merge function), one per merge.
	merges []*merge.Report
	// differs says the step knows body differs from the version it was
	// made on, so that the comparison can be skipped.
	differs bool
	// commit, when not nil, is called when the draft is about to be
	// sent: a step that keeps state between rounds (Save's base and ours)
	// advances it only for a draft that was sent.
	commit func()
}

// written is what a completed write leaves.
type written struct {
	snapshot
	url      string // where the document is (Create: from Location)
	attempts int
	outcome  Outcome
}

// engine runs the read–merge–write loop over bytes and versions. It knows
// how to address a document only through plan.url, how its requests look
// only through plan.shape, and nothing of what the document means.
type engine struct {
	tr    *transport
	s     settings
	log   *writeLog // nil unless Options.WriteLog is set
	lanes lanes     // the pipeline of each document being written
	cache *versions // nil unless Options.Cache is set
	obs   *observers
}

func newEngine(s settings, header http.Header) *engine {
	obs := newObservers(s)
	e := &engine{tr: newTransport(s, header, obs), s: s, cache: newVersions(s.cacheSize, s.cacheTTL), obs: obs}
	if s.writeLog != "" {
		e.log = &writeLog{ptr: s.writeLog, size: s.writeLogSize}
	}
	return e
}

// whole returns a version as the server holds it (a Doc's Raw): the
// bytes read when it was read, or else its body with the version field
// and the write log put back.
func (e *engine) whole(sh *shape, s snapshot) []byte {
	if s.whole != nil {
		return s.whole
	}
	body := sh.full(s)
	if e.log != nil && s.log != nil {
		if out, err := e.log.with(body, s.log); err == nil {
			return out
		}
	}
	return body
}

// guard refuses every write and delete when the caller said the server
// was probed and found not to enforce preconditions.
func (e *engine) guard() error {
	if p := e.s.protection; p != Unprobed && p != Enforcing {
		return fmt.Errorf("%w: the server was probed as %s", ErrUnprotected, p)
	}
	return nil
}

// read GETs u. A 404 is an absent document, not an error. A version that
// could never be sent back as a precondition is refused here, with
// ErrInvalidETag, rather than when a write would carry it. The read asks
// for the identity encoding: a compressed answer may carry another ETag
// (Apache's mod_deflate adds "-gzip"), which a write would never match.
func (e *engine) read(ctx context.Context, u string, sh *shape) (snapshot, error) {
	resp, err := e.tr.do(ctx, http.MethodGet, u, http.Header{"Accept-Encoding": {"identity"}}, nil, true)
	if err != nil {
		return snapshot{}, err
	}
	if a, err := checkResponse(readRequest, http.MethodGet, u, resp); a == absent || err != nil {
		return snapshot{}, err
	}
	v, body, raw, err := sh.version(resp.header, resp.body)
	if err != nil {
		return snapshot{}, err
	}
	snap := snapshot{exists: true, body: body, contentType: resp.header.Get("Content-Type"), etag: v, versionRaw: raw}
	snap.body, snap.log = e.log.split(snap.body)
	if raw != nil || snap.log != nil {
		snap.whole = resp.body
	}
	if lm := resp.header.Get("Last-Modified"); lm != "" {
		if t, err := http.ParseTime(lm); err == nil {
			snap.lastModified = t
		}
	}
	return snap, nil
}

// readStrong reads u until an existing document comes with a version that
// can be sent as a precondition: for the ETag header, at most
// 1+weakRereads times (a server may make its ETags strong a little after
// a write); a version kept in the body or read by a function is there or
// not, so a document without one fails at once with ErrNoVersion.
func (e *engine) readStrong(ctx context.Context, u string, sh *shape) (snapshot, error) {
	for i := 0; ; i++ {
		snap, err := e.read(ctx, u, sh)
		if err != nil || !snap.exists || sh.usable(snap.etag) {
			return snap, err
		}
		if !sh.inHeader() {
			return snapshot{}, fmt.Errorf("%w: %s gave none", ErrNoVersion, sh.where())
		}
		e.obs.emit(ctx, Event{Kind: EventNote, Message: "no strong ETag, reading again", ETag: snap.etag})
		if i >= e.s.weakRereads {
			return snapshot{}, weakETag(snap.etag, i+1)
		}
		if err := backoff.Sleep(ctx, e.s.conflictBackoff(i+1)); err != nil {
			return snapshot{}, err
		}
	}
}

// weakETag is ErrWeakETag with what the server sent and how to mend it.
func weakETag(last string, reads int) error {
	if etag.IsWeak(last) {
		return annotate(ErrWeakETag, fmt.Sprintf("the server sent the weak ETag %s on %d reads; "+
			"Apache httpd makes its ETags weak for a second after a write unless FileETag Digest is set", last, reads))
	}
	return annotate(ErrWeakETag, fmt.Sprintf("the server sent no ETag on %d reads", reads))
}

// write runs the read–merge–write loop for p: read (unless a version is
// in hand), compute the document, skip the write if nothing changed, write
// conditionally, and on a lost write back off and go round again, up to
// the attempt bound.
func (e *engine) write(ctx context.Context, p plan) (written, error) {
	var (
		sh       = p.shape
		cur      snapshot
		have     bool
		seen     bool // the document existed at some point of this write
		attempts int
		status   int      // status of the answer that stopped the call
		resent   bool     // the write about to be answered re-sends one not applied
		sent     []string // the write ids of the attempts sent (Options.WriteLog)
		waits    int      // answers that asked to come back later
		// lostBefore is the failure of the last write whose lost answer a
		// read settled as "not applied".
		lostBefore error
		// pending is a write whose fate a read has not settled yet: a
		// write sent again after a lost answer, then told to come back
		// later; the first attempt may still land.
		pending *pendingWrite
		created bool // the first attempt sent was a create
	)
	ctx, write := e.obs.write(ctx, p.op, p.resource, &attempts)
	if p.began != nil {
		p.began(ctx, write)
	}
	fail := func(err error) (written, error) {
		if errors.Is(err, ErrOutcomeUnknown) {
			e.obs.emit(ctx, Event{Kind: EventUnknown, Status: status, Err: err})
		}
		return written{}, &WriteError{Op: p.op, Resource: p.resource, Attempts: attempts, Status: status, Err: err}
	}
	// succeed ends the call at version s; create says whether the write
	// that made it created the document.
	succeed := func(s snapshot, create bool) (written, error) {
		out := written{snapshot: s, url: p.url, attempts: attempts, outcome: Updated}
		if create {
			out.outcome = Created
		}
		return out, nil
	}
	if err := e.guard(); err != nil {
		return fail(err)
	}
	hinted := false // cur is p.start, a hint not yet confirmed by a read
	if p.start != nil {
		seen = p.start.exists && !p.hint
		if !p.start.exists || sh.usable(p.start.etag) {
			cur, have, hinted = *p.start, true, p.hint
		}
	}
	doubt := false // a write of this call had an unknown outcome
	lost := func() {
		if p.lost != nil && !doubt {
			p.lost()
		}
	}
	// reread reads the current version after a lost write and applies the
	// deletion policy.
	reread := func() error {
		snap, err := e.readStrong(ctx, p.url, sh)
		if err != nil {
			status = statusOf(err)
			return err
		}
		if seen && !snap.exists {
			e.obs.emit(ctx, Event{Kind: EventNote, Message: "document deleted during the write; policy " + e.s.onDeleted.String()})
			if e.s.onDeleted == FailDeleted {
				return ErrDeleted
			}
		}
		cur, have, status, hinted = snap, true, 0, false
		return nil
	}
	for {
		if !have {
			if err := reread(); err != nil {
				return fail(err)
			}
		}
		seen = seen || (cur.exists && !hinted)
		if e.log != nil && cur.exists && e.log.holdsAny(cur.log, sent) {
			// An earlier attempt is in this version after all (applied
			// though its answer said otherwise, or built on by another
			// writer): the change is there, and must not be made twice.
			return succeed(cur, created)
		}

		if pw := pending; pw != nil {
			pending = nil
			st, derr := e.decide(p, pw.base, cur, pw.body, sent, pw.id, pw.err)
			e.obs.emit(ctx, Event{Kind: EventDecision, Decision: st.String()})
			switch st {
			case applied:
				return succeed(cur, created)
			case unsettled:
				return fail(derr)
			}
		}

		next, err := p.step(cur)
		if err != nil {
			return fail(err)
		}
		if next != nil {
			for _, r := range next.merges {
				e.obs.emit(ctx, Event{Kind: EventMerge, Report: r})
			}
		}
		if next != nil {
			if next.body, err = sh.strip(next.body); err != nil {
				return fail(err)
			}
			next.body, _ = e.log.split(next.body)
		}
		if next == nil || (cur.exists && !next.differs && p.same(next.body, cur.body)) {
			if hinted {
				// Unchanged on a version seen earlier proves nothing about
				// the document now: read it and compute again.
				have = false
				continue
			}
			return written{snapshot: cur, url: p.url, attempts: attempts, outcome: Unchanged}, nil
		}
		if !cur.exists && sh.write != WritePut && sh.onAbsent == FailAbsent {
			return fail(annotate(ErrNotFound, "a PATCH cannot create the document; create it with Create"))
		}
		// The write, with its id in the document's log when the aid is on.
		id, reqCur, reqNext := "", cur, next
		if e.log != nil {
			id = newWriteID()
			if reqCur.exists && sh.write != WritePut && cur.log != nil {
				// A patch is made from the version as stored, log and all
				// (a document without a log yet gets one added).
				if reqCur.body, err = e.log.with(cur.body, cur.log); err != nil {
					return fail(err)
				}
			}
			body, err := e.log.with(next.body, e.log.next(cur.log, id))
			if err != nil {
				return fail(err)
			}
			reqNext = &draft{body: body, contentType: next.contentType}
		}
		method, header, body, kind, err := sh.request(reqCur, reqNext)
		if err != nil {
			return fail(err)
		}
		if err := ctx.Err(); err != nil {
			return fail(err) // nothing sent
		}
		if p.sending != nil && !p.sending() {
			continue // a caller left: compute the draft again without it
		}
		if next.commit != nil {
			next.commit()
		}
		attempts++
		if attempts == 1 {
			created = !cur.exists
		}
		resp, err := e.tr.do(callerWaits(ctx), method, p.url, header, body, false)
		var a answer
		switch {
		case err != nil && errors.Is(err, ErrNotSent):
			attempts--
			return fail(err)
		case err != nil:
			status = 0 // no answer
			a, err = unknown, unknownOutcome(err)
		default:
			status = resp.status
			a, err = checkResponse(kind, method, p.url, resp)
			if a == lostRace && resent {
				// The write lost to a version that may be its own first
				// attempt, applied late: as unknown as a lost answer.
				a = unknown
			}
		}
		wasResent := resent
		resent = false
		if a == unknown {
			doubt = true
			if p.unsure != nil {
				p.unsure()
			}
		}
		if id != "" {
			sent = append(sent, id)
		}
		if a == refused && notProcessed(resp.status, resp.header) {
			// Not processed: wait as the server asks, then read again and
			// write on the version found.
			waits++
			ra, ok := retryAfter(resp.header.Get("Retry-After"), time.Now())
			if waits > e.s.transportRetries || ok && ra > e.s.waitMax || attempts >= e.s.maxAttempts {
				return fail(err)
			}
			if !wasResent {
				lost() // not processed: callers may leave during the wait
			}
			d := waitFor(e.s.waitMin, e.s.waitMax, waits, resp.status, resp.header)
			e.obs.emit(ctx, Event{Kind: EventWait, Message: "write not processed, waiting", Status: resp.status, Duration: d})
			if err := backoff.Sleep(ctx, d); err != nil {
				status = 0
				return fail(err)
			}
			if wasResent && pending == nil && e.log == nil {
				// (With a write log, a first attempt that lands late leaves
				// its id, which the check at the top of the loop finds.)
				pending = &pendingWrite{base: cur, body: next.body, id: id, err: settled(lostBefore)}
			}
			have = false
			continue
		}
		switch a {
		case done:
			if now, lost := e.verify(ctx, p, cur, sent, id); lost {
				// Acknowledged, yet not there: a server that checks and
				// writes without a lock let another write replace it.
				e.obs.emit(ctx, Event{Kind: EventNote, Message: "acknowledged write missing, writing again"})
				doubt = true // acknowledged once: its callers stay to the end
				if p.unsure != nil {
					p.unsure()
				}
				cur, have, seen, hinted = now, true, true, false
				if attempts >= e.s.maxAttempts {
					return fail(ErrConflict)
				}
				continue
			}
			return succeed(e.after(ctx, p, resp, next, e.log.next(cur.log, id)), !cur.exists)
		case unknown:
			st, now, serr := e.settle(ctx, p, cur, next.body, sent, id, err)
			e.obs.emit(ctx, Event{Kind: EventDecision, Decision: st.String(), Err: err})
			switch st {
			case applied:
				return succeed(now, !cur.exists)
			case notApplied:
				lostBefore = err
				e.obs.emit(ctx, Event{Kind: EventNote, Message: "write not applied, sending it again"})
				cur, have, resent, hinted = now, true, true, false
				seen = seen || now.exists
				if attempts >= e.s.maxAttempts {
					return fail(wrap(ErrConflict, settled(err)))
				}
				continue
			}
			return fail(serr)
		case lostRace:
			lost()
			e.obs.emit(ctx, Event{Kind: EventLost, Message: "write lost, reading again", Status: resp.status})
			if resp.status == http.StatusNotFound {
				// Gone only if a read agrees: a 404 from a proxy or a
				// router that sends writes elsewhere is an error.
				was := cur
				if rerr := reread(); rerr != nil {
					return fail(rerr)
				}
				if sh.sameVersion(was, cur) {
					status = http.StatusNotFound
					return fail(annotate(err, "yet a read finds the document unchanged at "+sh.noun()+" "+cur.etag))
				}
			}
		default:
			return fail(err)
		}
		if attempts >= e.s.maxAttempts {
			status = resp.status
			return fail(ErrConflict)
		}
		wait := e.s.conflictBackoff(attempts)
		e.obs.emit(ctx, Event{Kind: EventWait, Message: "backing off after a lost write", Duration: wait})
		if err := backoff.Sleep(ctx, wait); err != nil {
			status = 0
			return fail(err)
		}
		if resp.status != http.StatusNotFound {
			have = false
		}
	}
}

// verify reads the document back after an acknowledged write with id
// (Options.VerifyWrites) and reports whether the write is missing from a
// version made after base, as a server that checks and writes without a
// lock allows; it returns the version read.
func (e *engine) verify(ctx context.Context, p plan, base snapshot, ids []string, id string) (snapshot, bool) {
	if !e.s.verify || id == "" {
		return snapshot{}, false
	}
	now, err := e.readStrong(ctx, p.url, p.shape)
	if err != nil || !now.exists {
		return snapshot{}, false
	}
	yes, decided := e.log.holds(base.log, now.log, ids, id)
	return now, !yes && decided
}

// after is the version a successful write of next left: its body is what
// was sent (an answer's body is never taken for the document: many APIs
// answer with a status object, or with the version alone), its version the
// one the answer carries. An answer without a usable version is followed
// by a read-back (confirm).
func (e *engine) after(ctx context.Context, p plan, resp *response, next *draft, log []string) snapshot {
	out := snapshot{exists: true, body: next.body, contentType: next.contentType, log: log}
	if v, _, raw, err := p.shape.version(resp.header, resp.body); err == nil && p.shape.usable(v) {
		out.etag, out.versionRaw = v, raw
		return out
	}
	if snap, ok := e.confirm(ctx, p, next.body, log); ok {
		out.etag, out.versionRaw, out.lastModified = snap.etag, snap.versionRaw, snap.lastModified
	}
	return out
}

// statusOf returns the status of the answer an error reports, or 0.
func statusOf(err error) int {
	var he *HTTPError
	if errors.As(err, &he) {
		return he.StatusCode
	}
	return 0
}

// settled returns the failure behind an unknown outcome that a read has
// since settled: the error without its ErrOutcomeUnknown mark.
func settled(err error) error {
	if w, ok := err.(*wrapped); ok && w.kind == ErrOutcomeUnknown {
		return w.err
	}
	return err
}

// unknownOutcome marks the failure of a write that may have reached the
// server and been applied: the client cannot tell, so it does not re-send.
// A request that never left the process keeps its ErrNotSent.
func unknownOutcome(err error) error {
	if errors.Is(err, ErrNotSent) || errors.Is(err, ErrOutcomeUnknown) {
		return err
	}
	return wrap(ErrOutcomeUnknown, err)
}

// confirm finds the version of a write whose answer carried none (or a
// weak ETag): it reads the document back and takes the version only if the
// body is the document that was written (with the write log, only if the
// log is the one written too: equal bodies can be other writers' work). Otherwise someone wrote after us,
// and the version of ours is unknown; the write itself succeeded either
// way.
func (e *engine) confirm(ctx context.Context, p plan, body []byte, log []string) (snapshot, bool) {
	snap, err := e.read(ctx, p.url, p.shape)
	if err != nil || !snap.exists || !p.shape.usable(snap.etag) || !p.same(snap.body, body) ||
		e.log != nil && !slices.Equal(snap.log, log) {
		e.obs.emit(ctx, Event{Kind: EventNote, Message: "version of the written document unknown", Err: err})
		return snapshot{}, false
	}
	return snap, true
}

// create POSTs a new document to the collection p.url, without
// precondition, and returns it at the URL the answer's Location gives,
// which must be on the collection's origin. A create is never re-sent
// after an unknown outcome: it would create a second document.
func (e *engine) create(ctx context.Context, p plan, next *draft) (written, error) {
	attempts, status := 0, 0
	fail := func(err error) (written, error) {
		return written{}, &WriteError{Op: p.op, Resource: p.resource, Attempts: attempts, Status: status, Err: err}
	}
	body, err := p.shape.strip(next.body)
	if err != nil {
		return fail(err)
	}
	next = &draft{body: body, contentType: next.contentType}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	attempts = 1
	resp, err := e.tr.do(ctx, http.MethodPost, p.url, http.Header{"Content-Type": {next.contentType}}, next.body, false)
	if err != nil {
		if errors.Is(err, ErrNotSent) {
			attempts = 0
		}
		return fail(unknownOutcome(err))
	}
	status = resp.status
	if _, err := checkResponse(plainRequest, http.MethodPost, p.url, resp); err != nil {
		return fail(err)
	}
	loc := resp.header.Get("Location")
	if loc == "" {
		return fail(annotate(ErrNoLocation, fmt.Sprintf("status %d", resp.status)))
	}
	base, err := url.Parse(p.url)
	if err != nil {
		return fail(err)
	}
	ref, err := base.Parse(loc)
	if err != nil || (ref.Scheme != "http" && ref.Scheme != "https") {
		return fail(annotate(ErrNoLocation, fmt.Sprintf("Location %q is not a URL", redact(loc))))
	}
	if ref.Scheme != base.Scheme || ref.Host != base.Host {
		// The client's credentials are for the collection's origin only.
		return fail(annotate(ErrNoLocation, fmt.Sprintf("Location %s names another origin than the collection", redact(loc))))
	}
	ref.User = nil
	created := p
	created.url = ref.String()
	return written{url: created.url, attempts: 1, outcome: Created, snapshot: e.after(ctx, created, resp, next, nil)}, nil
}

// remove DELETEs tg with the given precondition value ("" sends none).
func (e *engine) remove(ctx context.Context, tg target, sh *shape, ifMatch string) (err error) {
	ctx, done := e.obs.start(ctx, "delete", tg.resource)
	defer func() { done(Event{Err: err}, recover()) }()
	u := tg.url
	if err := e.guard(); err != nil {
		return err
	}
	e.cache.drop(u)
	var header http.Header
	kind := plainRequest
	if ifMatch != "" {
		header, kind = http.Header{sh.precondition: {ifMatch}}, matchRequest
	}
	if err := ctx.Err(); err != nil {
		return err // nothing sent
	}
	resp, err := e.tr.do(ctx, http.MethodDelete, u, header, nil, false)
	e.cache.drop(u) // again: a write may have put a version back meanwhile
	if err != nil {
		return unknownOutcome(err)
	}
	_, err = checkResponse(kind, http.MethodDelete, u, resp)
	return err
}
