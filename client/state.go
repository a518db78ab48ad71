package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ifmatch/ifmatch/internal/etag"
	"github.com/ifmatch/ifmatch/merge"
	"github.com/ifmatch/ifmatch/statedoc"
)

// Doc is one version of a document as read from the server.
type Doc[T any] struct {
	// Value is the document decoded as T (the zero value when absent).
	Value T
	// ETag is the entity tag exactly as the server sent it ("" if none).
	ETag string
	// Exists is false when the server has no such document.
	Exists bool
	// ContentType is the document's Content-Type.
	ContentType string
	// LastModified is the server's Last-Modified time, zero if not given.
	// HTTP dates have whole-second precision: the stored time may be up to
	// a second later (see StateClient.List for "changed since").
	LastModified time.Time
	// Raw is the document's bytes as read. For a typed client it holds
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
	// Doc is the document as it now stands on the server. Its ETag is empty
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

// StateClient reads and writes documents of the xAPI State Resource of one
// LRS. A StateClient is safe for concurrent use. Make one with
// NewStateClient; the zero value is not usable.
//
// T is either a raw type or a JSON type. Raw types are those whose values
// are the document's bytes: []byte, json.RawMessage, and any other slice of
// bytes (type Blob []byte) that has no JSON or text encoding of its own;
// they handle documents of any content type (see Options.ContentType), and
// package merge treats them the same way. Every other T is encoded as JSON.
//
// A JSON client never drops what T does not declare: it reads only the
// members T declares, by their exact names (unlike encoding/json, which
// ignores case), and writes the difference between T as read and T as
// changed onto the stored document with merge.Apply, element by element
// inside arrays. Members written by other applications, at any depth, and
// the exact text of numbers the change did not touch survive (see
// merge.Apply for array elements that neither an id nor a shared member
// tells apart).
type StateClient[T any] struct {
	endpoint string // <lrs>/activities/state
	eng      *engine
	codec    codec[T]
}

// NewStateClient returns a client of the LRS at endpoint, the xAPI base URL
// (for example "https://lrs.example.com/xapi"). opts may be nil.
//
// Credentials written into the endpoint ("https://key:secret@lrs/xapi", as
// many LRSs print it) are sent as HTTP Basic credentials unless
// opts.Username is set, and are removed from every URL the client builds,
// so that they appear in no error and no log.
func NewStateClient[T any](endpoint string, opts *Options) (*StateClient[T], error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("ifmatch: endpoint %q is not an absolute http(s) URL", redactEndpoint(endpoint))
	}
	u.RawQuery, u.Fragment, u.ForceQuery = "", "", false
	s := resolve(opts)
	if u.User != nil {
		if s.username == "" {
			s.username = u.User.Username()
			s.password, _ = u.User.Password()
		}
		u.User = nil
	}
	if !statedoc.Accepts(statedoc.Version103, s.version) && !statedoc.Accepts(statedoc.Version200, s.version) {
		return nil, fmt.Errorf("ifmatch: xAPI version %q is neither 1.0.x nor 2.0.x", s.version)
	}
	cd, err := newCodec[T](s)
	if err != nil {
		return nil, err
	}
	header := http.Header{}
	header.Set(statedoc.HeaderVersion, s.version)
	return &StateClient[T]{
		endpoint: strings.TrimSuffix(u.String(), "/") + "/activities/state",
		eng:      &engine{tr: newTransport(s, header), s: s},
		codec:    cd,
	}, nil
}

func (c *StateClient[T]) url(q url.Values) string {
	return c.endpoint + "?" + q.Encode()
}

func (c *StateClient[T]) keyURL(key statedoc.Key) (string, error) {
	q, err := key.Query()
	if err != nil {
		return "", err
	}
	return c.url(q), nil
}

// Get reads the document at key. An absent document is not an error: the
// Doc has Exists false and can be the base of a Save that creates it.
func (c *StateClient[T]) Get(ctx context.Context, key statedoc.Key) (Doc[T], error) {
	u, err := c.keyURL(key)
	if err != nil {
		return Doc[T]{}, err
	}
	snap, err := c.eng.read(ctx, u)
	if err != nil {
		return Doc[T]{}, err
	}
	return c.doc(snap)
}

// doc decodes a snapshot.
func (c *StateClient[T]) doc(s snapshot) (Doc[T], error) {
	d := Doc[T]{ETag: s.etag, Exists: s.exists, ContentType: s.contentType, LastModified: s.lastModified, Raw: s.body}
	if !s.exists {
		return d, nil
	}
	v, err := c.codec.decode(s.body)
	if err != nil {
		return d, err
	}
	d.Value = v
	return d, nil
}

// Update applies edit to the document at key and writes it back with
// If-Match (If-None-Match: * when it does not exist yet; edit then receives
// the zero value). When another writer wins first (an answer that asks for
// a fresh read: see Options.MaxAttempts), Update reads the new version and
// replays edit on it, so edit must compute its change from its argument
// alone and may run several times. An edit that leaves the document as it
// was sends nothing (Outcome Unchanged); so does an edit that returns the
// zero value for an absent document, which stays absent (Exists false). An
// error from edit stops Update and is returned inside a *WriteError.
func (c *StateClient[T]) Update(ctx context.Context, key statedoc.Key, edit func(T) (T, error)) (Result[T], error) {
	u, err := c.keyURL(key)
	if err != nil {
		return Result[T]{}, err
	}
	step := func(cur snapshot) (*draft, error) {
		var (
			v    T
			from []byte
		)
		if cur.exists {
			var err error
			if v, err = c.codec.decode(cur.body); err != nil {
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
		body, err := c.codec.apply(from, to, cur)
		if err != nil {
			return nil, err
		}
		return &draft{body: body, contentType: c.codec.contentType(cur)}, nil
	}
	w, err := c.eng.write(ctx, plan{op: "update", url: u, resource: key.String(), step: step, same: c.codec.same})
	if err != nil {
		return Result[T]{}, err
	}
	return c.result(w, nil)
}

// Save writes ours, a document made from base (as returned by Get or by an
// earlier Save), with If-Match: base.ETag. When another writer got there
// first, Save reads their version (theirs), merges with m(base, ours,
// theirs) and tries again conditionally; the next round's base is the
// version it merged onto. When ours equals base, Save sends nothing and
// returns base as an Unchanged result; so it does when base is absent and
// ours is the zero value (the document stays absent). A nil m is the
// default merge (merge.JSON with zero Options: changes of both sides kept,
// arrays merged element by element, ours winning a value both changed
// differently); use merge.LastWriteWins to overwrite on purpose. A merge
// error stops Save, and nothing is written.
//
// For a typed client, members of the stored document that T does not
// declare survive every merge, last-write-wins included. They come from
// base.Raw; a base without Raw (built from a stored Value and ETag) makes
// Save read the document first and make the change on what it holds.
//
// To create a document that holds the zero value on purpose, write its
// bytes with a raw client (StateClient[json.RawMessage]): only an empty
// byte slice counts as "nothing" there.
func (c *StateClient[T]) Save(ctx context.Context, key statedoc.Key, base Doc[T], ours T, m merge.Func[T]) (Result[T], error) {
	u, err := c.keyURL(key)
	if err != nil {
		return Result[T]{}, err
	}
	b := snapshot{exists: base.Exists, etag: base.ETag, contentType: base.ContentType, lastModified: base.LastModified}
	hasRaw := !base.Exists || base.Raw != nil
	var from []byte
	if base.Exists {
		// The change is measured from the bytes as read, not from base.Value,
		// which may share maps and slices with ours.
		if base.Raw != nil {
			v, err := c.codec.decode(base.Raw)
			if err != nil {
				return Result[T]{}, err
			}
			b.body = base.Raw
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
	step := func(cur snapshot) (*draft, error) {
		switch {
		case sameVersion(cur, b):
			// Ours was made on this very version. Without base.Raw, b's
			// body is only T's view of it: make the change on the stored
			// bytes just read, so that what T does not declare survives.
			if !hasRaw {
				body, err := c.codec.apply(from, to, cur)
				if err != nil {
					return nil, err
				}
				b, hasRaw = cur, true
				o = snapshot{exists: true, body: body, contentType: c.codec.contentType(cur)}
			}
			return &draft{body: o.body, contentType: o.contentType}, nil
		case !cur.exists:
			// The document was deleted: ours recreates it, without what
			// it only carried over from the deleted version.
			body, err := c.codec.recreate(b, o)
			if err != nil {
				return nil, err
			}
			b = cur
			o = snapshot{exists: true, body: body, contentType: o.contentType}
			return &draft{body: o.body, contentType: o.contentType}, nil
		}
		merged, rep, err := c.merge(b, o, cur, m)
		if err != nil {
			return nil, err
		}
		if rep != nil {
			if report == nil {
				report = &merge.Report{}
			}
			report.Decisions = append(report.Decisions, rep.Decisions...)
			report.Omitted += rep.Omitted
		}
		b = cur
		o = snapshot{exists: true, body: merged, contentType: c.codec.contentType(cur)}
		return &draft{body: o.body, contentType: o.contentType}, nil
	}
	start := &b
	if !hasRaw {
		start = nil // read the stored bytes first
	}
	w, err := c.eng.write(ctx, plan{op: "save", url: u, resource: key.String(), start: start, step: step, same: c.codec.same})
	if err != nil {
		return Result[T]{}, err
	}
	return c.result(w, report)
}

// merge merges base, ours and theirs into the next document to write.
func (c *StateClient[T]) merge(base, ours, theirs snapshot, m merge.Func[T]) ([]byte, *merge.Report, error) {
	if m == nil {
		return c.codec.merge(base, ours, theirs)
	}
	var bv T
	if base.exists {
		v, err := c.codec.decode(base.body)
		if err != nil {
			return nil, nil, err
		}
		bv = v
	}
	ov, err := c.codec.decode(ours.body)
	if err != nil {
		return nil, nil, err
	}
	tv, err := c.codec.decode(theirs.body)
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

func (c *StateClient[T]) result(w written, report *merge.Report) (Result[T], error) {
	d, err := c.doc(w.snapshot)
	if err != nil {
		return Result[T]{}, err
	}
	return Result[T]{Doc: d, Attempts: w.attempts, Outcome: w.outcome, Report: report}, nil
}

// Delete deletes the document at key if its current ETag is etag, as
// returned by Get or a write. etag "*" deletes whatever version exists.
// A stale etag gives an error matching ErrPreconditionFailed, and an absent
// document one matching ErrNotFound (or ErrPreconditionFailed, as the
// server decides). Without a request, an empty etag gives
// ErrPreconditionRequired, a weak one ErrWeakETag and one that cannot be
// sent as a header value ErrInvalidETag.
func (c *StateClient[T]) Delete(ctx context.Context, key statedoc.Key, etagValue string) error {
	u, err := c.keyURL(key)
	if err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(etagValue) == "":
		return fmt.Errorf("%w: Delete of %s needs an ETag (or \"*\")", ErrPreconditionRequired, key)
	case etagValue == "*":
	case etag.IsWeak(etagValue):
		return fmt.Errorf("%w: Delete of %s with %s", ErrWeakETag, key, etagValue)
	case !etag.Usable(etagValue):
		return fmt.Errorf("%w: Delete of %s with %q", ErrInvalidETag, key, etagValue)
	}
	return c.eng.remove(ctx, u, etagValue)
}

// DeleteContext deletes every state document of the activity and agent in
// scope — all of them, whatever their stateId. With a Registration it is
// limited to that registration; without one it removes the documents of
// every registration too (xAPI §2.3). It is a separate call so that wiping
// a context is never an accident.
func (c *StateClient[T]) DeleteContext(ctx context.Context, scope statedoc.Context) error {
	q, err := scope.Query()
	if err != nil {
		return err
	}
	return c.eng.remove(ctx, c.url(q), "")
}

// List returns the stateIds stored in scope (without a Registration: of
// every registration). A non-zero since keeps only the documents stored
// strictly after it.
//
// To find the documents changed since a read, pass that read's
// Doc.LastModified minus one second. HTTP dates have whole-second
// precision: on a server that keeps finer times, Doc.LastModified itself
// misses nothing written after the read, but a server that keeps whole
// seconds stores a write made within the second of the read at exactly
// that time, which "strictly after" leaves out. The document read, and
// others stored in that second, may be listed too.
func (c *StateClient[T]) List(ctx context.Context, scope statedoc.Context, since time.Time) ([]string, error) {
	q, err := scope.Query()
	if err != nil {
		return nil, err
	}
	if !since.IsZero() {
		q.Set("since", since.UTC().Format(time.RFC3339Nano))
	}
	u := c.url(q)
	resp, err := c.eng.tr.do(ctx, http.MethodGet, u, nil, nil, true)
	if err != nil {
		return nil, err
	}
	if resp.status != http.StatusOK {
		return nil, newHTTPError(http.MethodGet, u, resp)
	}
	var ids []string
	if err := json.Unmarshal(resp.body, &ids); err != nil {
		return nil, fmt.Errorf("%w: stateId list: %v", ErrInvalidDocument, err)
	}
	return ids, nil
}
