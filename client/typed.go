package client

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"reflect"
	"time"

	"github.com/ifmatch/ifmatch/internal/jsonptr"
	"github.com/ifmatch/ifmatch/internal/typeview"
	"github.com/ifmatch/ifmatch/merge"
)

// Doc is one version of a document as read from the server.
type Doc[T any] struct {
	// Value is the document decoded as T (the zero value when absent).
	Value T
	// ETag is the document's version exactly as the server gave it: the
	// ETag header, or for a DocumentClient with DocumentOptions.VersionField
	// or VersionFunc the version read there ("" if none).
	ETag string
	// Exists is false when the server has no such document.
	Exists bool
	// ContentType is the document's Content-Type.
	ContentType string
	// LastModified is the server's Last-Modified time, zero if not given.
	// HTTP dates have whole-second precision: the stored time may be up to
	// a second later (see StateClient.List for "changed since").
	LastModified time.Time
	// Raw is the document's bytes as read (for a Result: as written, with
	// its version field and write log). For a typed client it holds
	// members T does not declare; Save uses it so that they survive.
	Raw []byte
}

// Outcome says what a successful write did.
type Outcome int

const (
	// Unchanged means the change left the document as it was: nothing was sent.
	Unchanged Outcome = iota
	// Created means the document did not exist and was created.
	Created
	// Updated means an existing document was replaced.
	Updated
)

// String returns "unchanged", "created" or "updated".
func (o Outcome) String() string {
	switch o {
	case Unchanged:
		return "unchanged"
	case Created:
		return "created"
	case Updated:
		return "updated"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// Result is what a successful Update or Save leaves. Calls that fail return
// the zero Result, which carries no meaning.
type Result[T any] struct {
	// Doc is the document as written, at the version the write made (a
	// server that sets fields of its own, such as a modification time, is
	// not asked for them: read again to see them). Its ETag is empty
	// when the server's answer carried none and a read-back found the
	// document already changed by someone else. It can be the base of a
	// later Save.
	Doc[T]
	// Attempts counts the conditional writes sent. It is 0 for an Unchanged
	// result found at once, and more when writes were lost first — even
	// with Outcome Unchanged, when the version that beat ours already held
	// our change.
	Attempts int
	// Outcome says whether the write created, updated or changed nothing.
	Outcome Outcome
	// Report lists the decisions of the default merge when Save merged with
	// it, the rounds in order (a later round may decide a path again); nil
	// otherwise.
	Report *merge.Report
}

// typed is the layer that every front door shares: it turns values of T
// into documents and back (codec), builds the engine's plans for Get,
// Update, Save and Create on a URL, and makes results. A front door only
// says which URL a document has and what its requests look like (shape).
type typed[T any] struct {
	eng   *engine
	codec codec[T]
	shape *shape
	// plain says that two different encodings of T are two different
	// documents as written: T encodes its values in one way only (no
	// marshalling of its own, no raw or number text, no interfaces), and
	// writes carry no version field or write log beside it.
	plain bool
}

// target is a document's URL and its name in errors and logs.
type target struct {
	url, resource string
}

func newTyped[T any](s settings, header http.Header, sh *shape) (*typed[T], error) {
	if s.writeLog != "" {
		if _, err := jsonptr.Parse(s.writeLog); err != nil || s.writeLog == "" {
			return nil, fmt.Errorf("ifmatch: WriteLog %q is not a JSON Pointer to a member: %v", s.writeLog, err)
		}
		if s.writeLog == sh.field {
			return nil, fmt.Errorf("ifmatch: WriteLog and VersionField are both %q", s.writeLog)
		}
	}
	if s.verify && s.writeLog == "" {
		return nil, fmt.Errorf("ifmatch: VerifyWrites needs a WriteLog")
	}
	cd, err := newCodec[T](s)
	if err != nil {
		return nil, err
	}
	plain := sh.field == "" && s.writeLog == "" && !typeview.IsRaw(reflect.TypeFor[T]()) && typeview.Canonical(reflect.TypeFor[T]())
	return &typed[T]{eng: newEngine(s, header), codec: cd, shape: sh, plain: plain}, nil
}

// plan is the engine's plan of a write to tg.
func (c *typed[T]) plan(op string, tg target, start *snapshot, step func(snapshot) (*draft, error)) plan {
	return plan{op: op, url: tg.url, resource: tg.resource, shape: c.shape, start: start, step: step, same: c.codec.same,
		settles: op == "save" || c.eng.s.idempotentEdits}
}

// get reads the document at tg.
func (c *typed[T]) get(ctx context.Context, tg target) (d Doc[T], err error) {
	ctx, done := c.eng.obs.start(ctx, "get", tg.resource)
	defer func() { done(Event{Err: err, ETag: d.ETag}, recover()) }()
	before, idleBefore := c.eng.lanes.quiet(tg.url)
	snap, err := c.eng.read(ctx, tg.url, c.shape)
	if err != nil {
		return Doc[T]{}, err
	}
	// A read that overlaps a write of this client may be older than what
	// the write leaves: the write's result goes in the cache instead.
	if after, idle := c.eng.lanes.quiet(tg.url); idleBefore && idle && after == before {
		if snap.exists && c.shape.usable(snap.etag) {
			c.eng.cache.put(tg.url, snap)
		} else {
			c.eng.cache.drop(tg.url)
		}
	}
	return c.doc(snap)
}

// doc decodes a snapshot. A version kept in the body is put back, so that
// Raw is the document as the server holds it and Value sees its version.
func (c *typed[T]) doc(s snapshot) (Doc[T], error) {
	d := Doc[T]{ETag: s.etag, Exists: s.exists, ContentType: s.contentType, LastModified: s.lastModified}
	if !s.exists {
		return d, nil
	}
	d.Raw = c.eng.whole(c.shape, s)
	v, err := c.codec.decode(c.shape.full(s))
	if err != nil {
		return d, err
	}
	d.Value = v
	return d, nil
}

// create POSTs v as a new document to the collection at tg.
func (c *typed[T]) create(ctx context.Context, tg target, v T) (r Result[T], u string, err error) {
	ctx, done := c.eng.obs.start(ctx, "create", tg.resource)
	defer func() { done(Event{Err: err, ETag: r.ETag, Outcome: r.Outcome, Attempts: r.Attempts}, recover()) }()
	if err := c.eng.guard(); err != nil {
		return Result[T]{}, "", &WriteError{Op: "create", Resource: tg.resource, Err: err}
	}
	body, err := c.codec.encode(v)
	if err != nil {
		return Result[T]{}, "", err
	}
	w, err := c.eng.create(ctx, c.plan("create", tg, nil, nil), &draft{body: body, contentType: c.codec.contentType(snapshot{})})
	if err != nil {
		return Result[T]{}, "", err
	}
	r, err = c.result(w, nil)
	return r, w.url, err
}

// update runs an Update (see StateClient.Update) of the document at tg.
func (c *typed[T]) update(ctx context.Context, tg target, edit func(T) (T, error)) (r Result[T], err error) {
	ctx, done := c.eng.obs.start(ctx, "update", tg.resource)
	defer func() { done(Event{Err: err, ETag: r.ETag, Outcome: r.Outcome, Attempts: r.Attempts}, recover()) }()
	step := func(cur snapshot) (*draft, error) {
		var (
			v    T
			from []byte
		)
		if cur.exists {
			var err error
			if v, err = c.codec.decode(c.shape.full(cur)); err != nil {
				return nil, err
			}
			// Encoded before edit runs: edit may change maps and slices in place.
			if from, err = c.codec.encode(v); err != nil {
				return nil, err
			}
		}
		nv, err := edit(v)
		if err != nil {
			return nil, err
		}
		to, err := c.codec.encode(nv)
		if err != nil {
			return nil, err
		}
		if !cur.exists && c.codec.empty(to) {
			return nil, nil
		}
		if cur.exists && bytes.Equal(from, to) {
			return nil, nil // the edit changed nothing T sees
		}
		body, err := c.codec.apply(from, to, cur)
		if err != nil {
			return nil, err
		}
		// The edit changed what T sees (to is not from): for a plain T
		// whose documents carry nothing but T, the document made differs
		// from cur, and need not be compared with it.
		return &draft{body: body, contentType: c.codec.contentType(cur), differs: c.plain}, nil
	}
	w, err := c.eng.submit(ctx, c.plan("update", tg, nil, step))
	if err != nil {
		return Result[T]{}, err
	}
	return c.result(w, nil)
}

// save runs a Save (see StateClient.Save) of the document at tg.
func (c *typed[T]) save(ctx context.Context, tg target, base Doc[T], ours T, m merge.Func[T]) (r Result[T], err error) {
	ctx, done := c.eng.obs.start(ctx, "save", tg.resource)
	defer func() { done(Event{Err: err, ETag: r.ETag, Outcome: r.Outcome, Attempts: r.Attempts}, recover()) }()
	b := snapshot{exists: base.Exists, etag: base.ETag, contentType: base.ContentType, lastModified: base.LastModified}
	hasRaw := !base.Exists || base.Raw != nil
	var from []byte
	if base.Exists {
		// The change is measured from the bytes as read, not from base.Value,
		// which may share maps and slices with ours.
		if base.Raw != nil {
			if b.body, b.versionRaw, err = c.shape.split(base.Raw); err != nil {
				return Result[T]{}, err
			}
			b.body, b.log = c.eng.log.split(b.body)
			v, err := c.codec.decode(c.shape.full(b))
			if err != nil {
				return Result[T]{}, err
			}
			from, err = c.codec.encode(v)
			if err != nil {
				return Result[T]{}, err
			}
		} else {
			if from, err = c.codec.encode(base.Value); err != nil {
				return Result[T]{}, err
			}
			b.body = from
		}
	}
	to, err := c.codec.encode(ours)
	if err != nil {
		return Result[T]{}, err
	}
	if !base.Exists && c.codec.empty(to) {
		return Result[T]{Doc: Doc[T]{ETag: base.ETag, ContentType: base.ContentType, LastModified: base.LastModified}, Outcome: Unchanged}, nil
	}
	oursBody, err := c.codec.apply(from, to, b)
	if err != nil {
		return Result[T]{}, err
	}
	o := snapshot{exists: true, body: oursBody, contentType: c.codec.contentType(b)}

	var report *merge.Report
	// advance brings ours onto srv, a version read from the server: it
	// returns the next round's base and ours, and the report of a merge,
	// leaving the step's state as it is until the write is sent.
	advance := func(srv snapshot) (nb, no snapshot, nh bool, rep *merge.Report, merged bool, err error) {
		nb, no, nh = b, o, hasRaw
		switch {
		case c.shape.sameVersion(srv, b):
			// Ours was made on this very version. Without base.Raw, b's
			// body is only T's view of it: make the change on the stored
			// bytes just read, so that what T does not declare survives.
			if !hasRaw {
				body, err := c.codec.apply(from, to, srv)
				if err != nil {
					return nb, no, nh, nil, false, err
				}
				nb, nh = srv, true
				no = snapshot{exists: true, body: body, contentType: c.codec.contentType(srv)}
			}
			return nb, no, nh, nil, false, nil
		case !srv.exists:
			// The document was deleted: ours recreates it, without what
			// it only carried over from the deleted version.
			body, err := c.codec.recreate(b, o)
			if err != nil {
				return nb, no, nh, nil, false, err
			}
			return srv, snapshot{exists: true, body: body, contentType: o.contentType}, nh, nil, false, nil
		}
		body, rep, err := c.merge(b, o, srv, m)
		if err != nil {
			return nb, no, nh, nil, false, err
		}
		return srv, snapshot{exists: true, body: body, contentType: c.codec.contentType(srv)}, nh, rep, true, nil
	}
	step := func(cur snapshot) (*draft, error) {
		srv := cur
		if cur.under != nil {
			srv = *cur.under
		}
		nb, no, nh, rep, merged, err := advance(srv)
		if err != nil {
			return nil, err
		}
		var reps []*merge.Report
		if merged {
			reps = append(reps, rep)
		}
		body := no.body
		if cur.under != nil {
			// Edits of other callers that go in the same write were
			// applied before this one: bring ours onto what they made.
			mb, rep, err := c.merge(nb, no, cur, m)
			if err != nil {
				return nil, err
			}
			body, reps = mb, append(reps, rep)
		}
		commit := func() {
			b, o, hasRaw = nb, no, nh
			for _, r := range reps {
				if r == nil {
					continue
				}
				if report == nil {
					report = &merge.Report{}
				}
				report.Decisions = append(report.Decisions, r.Decisions...)
				report.Omitted += r.Omitted
			}
		}
		return &draft{body: body, contentType: no.contentType, merges: reps, commit: commit}, nil
	}
	start := &b
	if !hasRaw {
		start = nil // read the stored bytes first
	}
	w, err := c.eng.submit(ctx, c.plan("save", tg, start, step))
	if err != nil {
		return Result[T]{}, err
	}
	return c.result(w, report)
}

// merge merges base, ours and theirs into the next document to write.
func (c *typed[T]) merge(base, ours, theirs snapshot, m merge.Func[T]) ([]byte, *merge.Report, error) {
	if m == nil {
		return c.codec.merge(base, ours, theirs)
	}
	var bv T
	if base.exists {
		v, err := c.codec.decode(c.shape.full(base))
		if err != nil {
			return nil, nil, err
		}
		bv = v
	}
	ov, err := c.codec.decode(ours.body)
	if err != nil {
		return nil, nil, err
	}
	tv, err := c.codec.decode(c.shape.full(theirs))
	if err != nil {
		return nil, nil, err
	}
	from, err := c.codec.encode(tv) // before m runs: m may change tv in place
	if err != nil {
		return nil, nil, err
	}
	mv, err := m(bv, ov, tv)
	if err != nil {
		return nil, nil, err
	}
	to, err := c.codec.encode(mv)
	if err != nil {
		return nil, nil, err
	}
	out, err := c.codec.apply(from, to, theirs)
	return out, nil, err
}

func (c *typed[T]) result(w written, report *merge.Report) (Result[T], error) {
	d, err := c.doc(w.snapshot)
	if err != nil {
		return Result[T]{}, err
	}
	return Result[T]{Doc: d, Attempts: w.attempts, Outcome: w.outcome, Report: report}, nil
}
