package client

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/ifmatch/ifmatch/merge"
	"github.com/ifmatch/ifmatch/statedoc"
)

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
	r *resource[T]
}

// NewStateClient returns a client of the LRS at endpoint, the xAPI base URL
// (for example "https://lrs.example.com/xapi"). opts may be nil.
//
// Credentials written into the endpoint ("https://key:secret@lrs/xapi", as
// many LRSs print it) are sent as HTTP Basic credentials unless
// opts.Username is set, and are removed from every URL the client builds,
// so that they appear in no error and no log.
func NewStateClient[T any](endpoint string, opts *LRSOptions) (*StateClient[T], error) {
	r, err := newResource[T](endpoint, "activities/state", opts)
	if err != nil {
		return nil, err
	}
	return &StateClient[T]{r: r}, nil
}

// Version returns the X-Experience-API-Version the client sends, after
// negotiating it with the LRS when LRSOptions.NegotiateVersion asks for it.
func (c *StateClient[T]) Version(ctx context.Context) (string, error) { return c.r.lrs.version(ctx) }

// Get reads the document at key. An absent document is not an error: the
// Doc has Exists false and can be the base of a Save that creates it.
func (c *StateClient[T]) Get(ctx context.Context, key statedoc.Key) (Doc[T], error) {
	return c.r.get(ctx, key)
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
//
// Updates and Saves of one document through one client never race each
// other: they wait for the write in flight and go together in the next
// (see "One writer per document inside a client" in the package
// documentation, which also says what cancelling ctx does).
func (c *StateClient[T]) Update(ctx context.Context, key statedoc.Key, edit func(T) (T, error)) (Result[T], error) {
	if err := c.owned("update", key); err != nil {
		return Result[T]{}, err
	}
	return c.r.update(ctx, key, edit)
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
	if err := c.owned("save", key); err != nil {
		return Result[T]{}, err
	}
	return c.r.save(ctx, key, base, ours, m)
}

// Delete deletes the document at key if its current ETag is etag, as
// returned by Get or a write. etag "*" deletes whatever version exists.
// A stale etag gives an error matching ErrPreconditionFailed, and an absent
// document one matching ErrNotFound (or ErrPreconditionFailed, as the
// server decides). Without a request, an empty etag gives
// ErrPreconditionRequired, a weak one ErrWeakETag and one that cannot be
// sent as a header value ErrInvalidETag.
func (c *StateClient[T]) Delete(ctx context.Context, key statedoc.Key, etagValue string) error {
	if err := c.owned("delete", key); err != nil {
		return err
	}
	return c.r.delete(ctx, key, etagValue)
}

// Probe tells how the LRS treats preconditions on the State Resource, as
// DocumentClient.Probe does, on a scratch document with a random stateId
// in scope, which it removes at the end.
func (c *StateClient[T]) Probe(ctx context.Context, scope statedoc.Context, opts *ProbeOptions) (*ProbeReport, error) {
	var id [8]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, err
	}
	tg, err := c.r.target(ctx, statedoc.Key{ActivityID: scope.ActivityID, Agent: scope.Agent, Registration: scope.Registration, StateID: "ifmatch-probe-" + hex.EncodeToString(id[:])})
	if err != nil {
		return nil, err
	}
	return c.r.t.eng.probe(ctx, httpShape, tg.url, nil, opts)
}

// DeleteContext deletes every state document of the activity and agent in
// scope — all of them, whatever their stateId. With a Registration it is
// limited to that registration; without one it removes the documents of
// every registration too (xAPI §2.3). It is a separate call so that wiping
// a context is never an accident.
//
// Without LRSOptions.LMS it first lists the scope and refuses (ErrLMSOwned)
// when cmi5's LMS.LaunchData is there; an LMS that writes that document
// between the list and the delete sees it deleted too.
func (c *StateClient[T]) DeleteContext(ctx context.Context, scope statedoc.Context) error {
	tg, err := c.r.target(ctx, scope)
	if err != nil {
		return err
	}
	if !c.r.lrs.lms {
		// The scope may hold the LMS's LMS.LaunchData, which only the
		// LMS may delete.
		ids, err := c.List(ctx, scope, time.Time{})
		if err != nil {
			return err
		}
		if slices.Contains(ids, statedoc.LaunchDataStateID) {
			return annotate(ErrLMSOwned, fmt.Sprintf("%s holds %s; delete the other documents one by one", scope, statedoc.LaunchDataStateID))
		}
	}
	return c.r.t.eng.remove(ctx, tg, httpShape, "")
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
	return c.r.list(ctx, scope, since, "stateId")
}

// owned refuses a write or delete of LMS.LaunchData unless the client
// acts for the LMS (LRSOptions.LMS).
func (c *StateClient[T]) owned(op string, key statedoc.Key) error {
	if key.StateID != statedoc.LaunchDataStateID || c.r.lrs.lms {
		return nil
	}
	return &WriteError{Op: op, Resource: key.String(), Err: annotate(ErrLMSOwned,
		"cmi5 lets only the LMS write or delete it; set LRSOptions.LMS in the LMS's client")}
}
