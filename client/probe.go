package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ifmatch/ifmatch/internal/etag"
)

// Protection is a probe's verdict on how a server treats preconditions.
type Protection int

const (
	// Unprobed is the zero value: no verdict.
	Unprobed Protection = iota
	// Enforcing means the server refused every stale write the probe sent
	// (a stale If-Match, If-None-Match: * over an existing document) and
	// never let two writes sent at once with the same version both
	// succeed. It can only mean that no race was seen in the tries made
	// (ProbeOptions.Races): a server that checks and writes without a lock
	// may still lose a race the probe did not hit.
	Enforcing
	// Racy means stale writes fail one at a time, but two concurrent writes
	// carrying the same version both succeeded: the server checks, then
	// writes, without a lock. Concurrent writers can lose updates whatever
	// the client does.
	Racy
	// Ignoring means a stale write succeeded: the server (or a proxy in
	// front of it) ignores preconditions, and concurrent writers lose
	// updates whatever the client does.
	Ignoring
	// NoETag means the server gave no version that can be sent as a
	// precondition (no ETag, or only weak ones), even after waiting for one:
	// conditional writes cannot be made at all.
	NoETag
)

// String returns the verdict's name.
func (p Protection) String() string {
	switch p {
	case Unprobed:
		return "unprobed"
	case Enforcing:
		return "enforcing"
	case Racy:
		return "racy"
	case Ignoring:
		return "ignoring"
	case NoETag:
		return "no ETag"
	}
	return fmt.Sprintf("Protection(%d)", int(p))
}

// ProbeOptions tunes a probe. The zero value of every field means the
// default written beside it; a nil *ProbeOptions is the defaults.
type ProbeOptions struct {
	// Races is how many times writes carrying the same version (four) are
	// sent at once. Zero or negative means 20.
	Races int
	// WaitStrong bounds the wait for a version that can be sent as a
	// precondition after each write (Apache httpd's default ETags are weak
	// for about a second after a write). Zero or negative means 2.5 s.
	WaitStrong time.Duration
	// Collection, for a DocumentClient of an API that creates documents by
	// POST, is the collection the scratch document is created in. Empty
	// means the scratch document is created with a PUT.
	Collection string
}

// ProbeReport is what a probe saw, and its verdict.
type ProbeReport struct {
	// Protection is the verdict.
	Protection Protection
	// ETag is the first version read from the scratch document, exactly as
	// sent (for the ETag header: quoted or not, weak or strong).
	ETag string
	// StrongAfter is how long after a write the version first became one
	// that can be sent as a precondition (0 when at once).
	StrongAfter time.Duration
	// WriteETag reports whether the answer to the creating write carried a
	// usable version.
	WriteETag bool
	// Stale is the status of a write carrying an outdated version; 0 when
	// the probe stopped before sending it.
	Stale int
	// Exists is the status of a PUT with If-None-Match: * onto the existing
	// scratch document; 0 when not sent.
	Exists int
	// Missing is the status of a write carrying a version onto the deleted
	// scratch document; 0 when not sent.
	Missing int
	// Races counts the rounds of simultaneous writes with the same version
	// (four per round), and RacesLost those in which more than one
	// succeeded: an update lost.
	Races, RacesLost int
	// Notes says what decided the verdict, in words.
	Notes []string
}

// refusal reports whether status refuses a write for its precondition.
func refusal(status int) bool {
	return status == http.StatusPreconditionFailed || status == http.StatusConflict || status == http.StatusPreconditionRequired
}

// unprobe removes the scratch document at u unless the probe's own delete
// already did: only if it still holds a probe document, and with the
// version read as precondition where there is one, so that a document
// someone else wrote there is left alone.
func (e *engine) unprobe(ctx context.Context, u string, sh *shape, removed bool) {
	if removed {
		return
	}
	// Even when ctx has ended.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	snap, err := e.read(ctx, u, sh)
	if err != nil || !snap.exists {
		return
	}
	var doc map[string]json.RawMessage
	if json.Unmarshal(snap.body, &doc) != nil || doc["ifmatch-probe"] == nil {
		e.obs.emit(ctx, Event{Kind: EventNote, Message: "probe: the scratch document holds someone else's data; left alone", URL: redact(u)})
		return
	}
	var header http.Header
	if sh.usable(snap.etag) {
		header = http.Header{sh.precondition: {snap.etag}}
	}
	if resp, err := e.tr.do(ctx, http.MethodDelete, u, header, nil, false); err != nil || resp.status >= 300 {
		e.obs.emit(ctx, Event{Kind: EventNote, Message: "probe: scratch document not removed", URL: redact(u), Err: err})
	}
}

// racers is how many writes with the same version a probe sends at once.
const racers = 4

// ErrProbe means a probe could not run to a verdict: the scratch document
// already existed, or the server refused a write the probe needed.
var ErrProbe = errors.New("ifmatch: probe failed")

// probe runs the precondition probe on the scratch document at u, which
// create makes (a PUT with If-None-Match: * when create is nil), and
// removes it at the end.
func (e *engine) probe(ctx context.Context, sh *shape, u string, create func(context.Context, []byte) (string, error), opts *ProbeOptions) (_ *ProbeReport, err error) {
	ctx, finish := e.obs.start(ctx, "probe", redact(u))
	defer func() { finish(Event{Err: err}, recover()) }()
	races, wait := 20, 2500*time.Millisecond
	if opts != nil {
		if opts.Races > 0 {
			races = opts.Races
		}
		if opts.WaitStrong > 0 {
			wait = opts.WaitStrong
		}
	}
	rep := &ProbeReport{}
	n := 0
	// body returns a scratch document whose length differs from every
	// earlier one: some servers derive ETags from size and time in seconds.
	body := func() []byte {
		n++
		return []byte(`{"ifmatch-probe":"` + strings.Repeat("x", n) + `"}`)
	}
	draftOf := func(b []byte) *draft { return &draft{body: b, contentType: "application/json"} }
	// send writes b onto cur as the shape says, and returns the answer and
	// the method used.
	send := func(cur snapshot, b []byte) (*response, string, error) {
		m, header, payload, _, err := sh.request(cur, draftOf(b))
		if err != nil {
			return nil, "", err
		}
		resp, err := e.tr.do(ctx, m, u, header, payload, false)
		return resp, m, err
	}

	// Create the scratch document. Whatever happens next, the deferred
	// cleanup removes a probe document found at u, and nothing else.
	first := body()
	removed := false // the probe's own delete removed it, and nothing since recreated it
	if create == nil {
		snap, err := e.read(ctx, u, sh)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrProbe, err)
		}
		if snap.exists {
			return nil, fmt.Errorf("%w: the scratch document %s exists; the probe writes only a document it creates", ErrProbe, redact(u))
		}
		defer func() { e.unprobe(ctx, u, sh, removed) }()
		resp, method, err := send(snapshot{}, first)
		if err != nil {
			return nil, fmt.Errorf("%w: create the scratch document: %w", ErrProbe, err)
		}
		if _, err := checkResponse(createRequest, method, u, resp); err != nil {
			return nil, fmt.Errorf("%w: create the scratch document: %w", ErrProbe, err)
		}
		v, _, _, _ := sh.version(resp.header, resp.body)
		rep.WriteETag = sh.usable(v)
	} else {
		loc, err := create(ctx, first)
		if err != nil {
			return nil, fmt.Errorf("%w: create the scratch document: %w", ErrProbe, err)
		}
		u = loc
		defer func() { e.unprobe(ctx, u, sh, removed) }()
	}

	// current waits for a version that can be sent as a precondition.
	current := func() (snapshot, time.Duration, error) {
		start := time.Now()
		for {
			snap, err := e.read(ctx, u, sh)
			if err != nil {
				return snapshot{}, 0, fmt.Errorf("%w: %w", ErrProbe, err)
			}
			if !snap.exists {
				return snapshot{}, 0, fmt.Errorf("%w: the scratch document %s vanished", ErrProbe, redact(u))
			}
			if rep.ETag == "" {
				rep.ETag = snap.etag
			}
			took := time.Since(start)
			if sh.usable(snap.etag) {
				return snap, took, nil
			}
			if took >= wait {
				return snap, took, nil
			}
			select {
			case <-ctx.Done():
				return snapshot{}, 0, ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	v1, took, err := current()
	if err != nil {
		return nil, err
	}
	rep.StrongAfter = took
	if !sh.usable(v1.etag) {
		rep.Protection = NoETag
		note := "no version to send as a precondition after " + took.Round(time.Millisecond).String()
		if etag.IsWeak(v1.etag) {
			note += " (only the weak ETag " + v1.etag + "; for Apache httpd set FileETag Digest)"
		}
		rep.Notes = append(rep.Notes, note)
		return rep, nil
	}

	// A write with the current version must succeed.
	resp, method, err := send(v1, body())
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProbe, err)
	}
	if a, err := checkResponse(matchRequest, method, u, resp); a != done {
		return nil, fmt.Errorf("%w: a write with the current version was refused: %w", ErrProbe, err)
	}
	v2, took, err := current()
	if err != nil {
		return nil, err
	}
	rep.StrongAfter = max(rep.StrongAfter, took)
	if !sh.usable(v2.etag) {
		rep.Protection = NoETag
		rep.Notes = append(rep.Notes, "no usable version after a write: "+v2.etag)
		return rep, nil
	}
	if v2.etag == v1.etag {
		rep.Protection = Ignoring
		rep.Notes = append(rep.Notes, "the version did not change when the document did ("+v1.etag+")")
		return rep, nil
	}

	// A write with the outdated version must fail.
	if resp, _, err = send(v1, body()); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProbe, err)
	}
	rep.Stale = resp.status
	ignoring := false
	switch {
	case resp.status >= 200 && resp.status < 300:
		ignoring = true
		rep.Notes = append(rep.Notes, fmt.Sprintf("a write with the outdated version %s succeeded (%d)", v1.etag, resp.status))
	case !refusal(resp.status):
		return nil, fmt.Errorf("%w: a write with an outdated version was answered %d, which says nothing of preconditions", ErrProbe, resp.status)
	}
	// A create over the existing document must fail. An API that does not
	// take PUT (405, 501) leaves this check out.
	if resp, _, err = send(snapshot{}, body()); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProbe, err)
	}
	rep.Exists = resp.status
	switch {
	case resp.status >= 200 && resp.status < 300:
		ignoring = true
		rep.Notes = append(rep.Notes, fmt.Sprintf("If-None-Match: * over the existing document succeeded (%d)", resp.status))
	case !refusal(resp.status):
		rep.Notes = append(rep.Notes, fmt.Sprintf("If-None-Match: * over the existing document was answered %d: not counted", resp.status))
	}

	// Writes sent at once with the same version: at most one may succeed.
	// A round in which no write succeeded (the server refused them all, say
	// with 429 or 5xx) proves nothing and is not counted; the rounds tried
	// are bounded all the same.
	for tries := 0; rep.Races < races && tries < 3*races && rep.RacesLost == 0 && !ignoring; tries++ {
		cur, _, err := current()
		if err != nil {
			return nil, err
		}
		if !sh.usable(cur.etag) {
			continue
		}
		var (
			wg       sync.WaitGroup
			start    = make(chan struct{})
			statuses [racers]int
		)
		for j := range racers {
			payload := body()
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if resp, _, err := send(cur, payload); err == nil {
					statuses[j] = resp.status
				}
			}()
		}
		close(start)
		wg.Wait()
		won := 0
		for _, st := range statuses {
			if st >= 200 && st < 300 {
				won++
			}
		}
		if won == 0 {
			continue
		}
		rep.Races++
		if won > 1 {
			rep.RacesLost++
		}
	}
	if !ignoring && rep.Races == 0 {
		return nil, fmt.Errorf("%w: no round of simultaneous writes had a winner", ErrProbe)
	}

	// A write carrying a version onto a deleted document.
	if last, _, err := current(); err == nil && sh.usable(last.etag) {
		if resp, err := e.tr.do(ctx, http.MethodDelete, u, http.Header{sh.precondition: {last.etag}}, nil, false); err == nil && resp.status < 300 {
			removed = true
			if resp, _, err := send(last, body()); err == nil {
				rep.Missing = resp.status
				if resp.status < 300 {
					removed = false // written anyway: the probe's to remove
				}
			} else {
				removed = false // may have been written
			}
		}
	}

	switch {
	case ignoring:
		rep.Protection = Ignoring
		return rep, nil
	case rep.RacesLost > 0:
		rep.Protection = Racy
		rep.Notes = append(rep.Notes, fmt.Sprintf("of writes sent at once with the same version, more than one succeeded in %d of %d rounds", rep.RacesLost, rep.Races))
		return rep, nil
	}
	rep.Protection = Enforcing
	rep.Notes = append(rep.Notes, fmt.Sprintf("stale writes refused (%d, %d); no race lost in %d rounds", rep.Stale, rep.Exists, rep.Races))
	return rep, nil
}
