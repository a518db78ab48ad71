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
// LRS. T is any JSON-serialisable type, or []byte for raw documents of any
// content type. A StateClient is safe for concurrent use. Make one with
// NewStateClient; the zero value is not usable.
//
// A typed client never drops what T does not declare: it writes the
// difference between T as read and T as changed onto the raw document, so
// members written by other applications survive.
type StateClient[T any] struct {
	endpoint string // <lrs>/activities/state
	eng      *engine
	codec    codec[T]
}

// NewStateClient returns a client of the LRS at endpoint, the xAPI base URL
// (for example "https://lrs.example.com/xapi"). opts may be nil.
func NewStateClient[T any](endpoint string, opts *Options) (*StateClient[T], error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("ifmatch: endpoint %q is not an absolute http(s) URL", redact(endpoint))
	}
	u.RawQuery, u.Fragment = "", ""
	s := resolve(opts)
	if !statedoc.Accepts(statedoc.Version103, s.version) && !statedoc.Accepts(statedoc.Version200, s.version) {
		return nil, fmt.Errorf("ifmatch: xAPI version %q is neither 1.0.x nor 2.0.x", s.version)
	}
	header := http.Header{}
	header.Set(statedoc.HeaderVersion, s.version)
	return &StateClient[T]{
		endpoint: strings.TrimSuffix(u.String(), "/") + "/activities/state",
		eng:      &engine{tr: newTransport(s, header), s: s},
		codec:    newCodec[T](s),
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
// the zero value). When another writer wins first (409, 412 or 428), Update
// reads the new version and replays edit on it, so edit must compute its
// change from its argument alone and may run several times. An edit that
// leaves the document as it was sends nothing (Outcome Unchanged). An error
// from edit stops Update and is returned inside a *WriteError.
func (c *StateClient[T]) Update(ctx context.Context, key statedoc.Key, edit func(T) (T, error)) (Result[T], error) {
	u, err := c.keyURL(key)
	if err != nil {
		return Result[T]{}, err
	}
	step := func(cur snapshot) ([]byte, string, error) {
		var (
			v    T
			from []byte
		)
		if cur.exists {
			var err error
			if v, err = c.codec.decode(cur.body); err != nil {
				return nil, "", err
			}
			// Encoded before edit runs: edit may change maps and slices in place.
			if from, err = c.codec.encode(v); err != nil {
				return nil, "", err
			}
		}
		nv, err := edit(v)
		if err != nil {
			return nil, "", err
		}
		to, err := c.codec.encode(nv)
		if err != nil {
			return nil, "", err
		}
		body, err := c.codec.apply(from, to, cur)
		return body, c.codec.contentType(cur), err
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
// returns base as an Unchanged result. A nil m is the default field union (merge.JSON with
// zero Options: changes of both sides kept, ours winning a field both
// changed); use merge.LastWriteWins to overwrite on purpose. A merge error
// stops Save, and nothing is written.
//
// For a typed client, members of the stored document that T does not
// declare survive every merge, last-write-wins included.
func (c *StateClient[T]) Save(ctx context.Context, key statedoc.Key, base Doc[T], ours T, m merge.Func[T]) (Result[T], error) {
	u, err := c.keyURL(key)
	if err != nil {
		return Result[T]{}, err
	}
	b := snapshot{exists: base.Exists, etag: base.ETag, contentType: base.ContentType, lastModified: base.LastModified}
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
	oursBody, err := c.codec.apply(from, to, b)
	if err != nil {
		return Result[T]{}, err
	}
	o := snapshot{exists: true, body: oursBody, contentType: c.codec.contentType(b)}

	var report *merge.Report
	step := func(cur snapshot) ([]byte, string, error) {
		switch {
		case sameVersion(cur, b):
			// Ours was made on this very version.
			return o.body, o.contentType, nil
		case !cur.exists:
			// The document was deleted: ours recreates it, without what
			// it only carried over from the deleted version.
			body, err := c.codec.recreate(b, o)
			if err != nil {
				return nil, "", err
			}
			b = cur
			o = snapshot{exists: true, body: body, contentType: o.contentType}
			return o.body, o.contentType, nil
		}
		merged, rep, err := c.merge(b, o, cur, m)
		if err != nil {
			return nil, "", err
		}
		if rep != nil {
			if report == nil {
				report = &merge.Report{}
			}
			report.Decisions = append(report.Decisions, rep.Decisions...)
		}
		b = cur
		o = snapshot{exists: true, body: merged, contentType: c.codec.contentType(cur)}
		return o.body, o.contentType, nil
	}
	w, err := c.eng.write(ctx, plan{op: "save", url: u, resource: key.String(), start: &b, step: step, same: c.codec.same})
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
// A stale etag gives an error matching ErrPreconditionFailed; an empty one
// ErrPreconditionRequired, and a weak one ErrWeakETag, without a request.
func (c *StateClient[T]) Delete(ctx context.Context, key statedoc.Key, etagValue string) error {
	u, err := c.keyURL(key)
	if err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(etagValue) == "":
		return fmt.Errorf("%w: Delete of %s needs an ETag (or \"*\")", ErrPreconditionRequired, key)
	case etag.IsWeak(etagValue):
		return fmt.Errorf("%w: Delete of %s with %s", ErrWeakETag, key, etagValue)
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
		return nil, newHTTPError(http.MethodGet, redact(u), resp.status, resp.body)
	}
	var ids []string
	if err := json.Unmarshal(resp.body, &ids); err != nil {
		return nil, fmt.Errorf("%w: stateId list: %v", ErrInvalidDocument, err)
	}
	return ids, nil
}
