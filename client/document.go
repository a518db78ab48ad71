package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/ifmatch/ifmatch/internal/etag"
	"github.com/ifmatch/ifmatch/internal/jsonptr"
	"github.com/ifmatch/ifmatch/merge"
)

// DocumentClient reads and writes documents of any HTTP API that versions
// them, each addressed by its URL: an article, a shipment, a profile. It
// runs the same loop as StateClient, with the same options, errors and
// merges; DocumentOptions says where the API keeps a document's version
// (the ETag header, quoted or not; a field of the JSON body; or the
// caller's function), which header sends it back, and whether changes are
// PUT whole or PATCHed. A DocumentClient is safe for concurrent use. Make
// one with NewDocumentClient; the zero value is not usable.
//
// T is a raw type or a JSON type, as for StateClient: a JSON client reads
// only the members T declares and writes its changes onto the stored
// document, so members T does not declare survive.
type DocumentClient[T any] struct {
	t *typed[T]
}

// NewDocumentClient returns a document client. opts may be nil: the
// version is then the ETag header, sent back in If-Match, and writes PUT
// the whole document.
func NewDocumentClient[T any](opts *DocumentOptions) (*DocumentClient[T], error) {
	var o DocumentOptions
	if opts != nil {
		o = *opts
	}
	sh := &shape{
		write: o.Write, precondition: o.PreconditionHeader, field: o.VersionField,
		sendField: o.SendVersionField, versionFunc: o.VersionFunc, onAbsent: o.OnAbsent,
	}
	if sh.precondition == "" {
		sh.precondition = "If-Match"
	}
	if http.CanonicalHeaderKey(sh.precondition) == "If-None-Match" || !validHeaderName(sh.precondition) {
		return nil, fmt.Errorf("ifmatch: PreconditionHeader %q cannot carry a version", o.PreconditionHeader)
	}
	if o.VersionField != "" {
		if o.VersionFunc != nil {
			return nil, fmt.Errorf("ifmatch: VersionField and VersionFunc are both set; choose one")
		}
		if _, err := jsonptr.Parse(o.VersionField); err != nil || o.VersionField == "" {
			return nil, fmt.Errorf("ifmatch: VersionField %q is not a JSON Pointer to a member: %v", o.VersionField, err)
		}
	}
	if o.Write < WritePut || o.Write > WriteJSONPatch {
		return nil, fmt.Errorf("ifmatch: unknown write method %d", int(o.Write))
	}
	if o.OnAbsent < PutAbsent || o.OnAbsent > FailAbsent {
		return nil, fmt.Errorf("ifmatch: unknown absent policy %d", int(o.OnAbsent))
	}
	t, err := newTyped[T](resolve(&o.Options), nil, sh)
	if err != nil {
		return nil, err
	}
	return &DocumentClient[T]{t: t}, nil
}

// validHeaderName reports whether s is an HTTP field name (an RFC 9110
// token).
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// target checks that u is an absolute http(s) URL.
func (c *DocumentClient[T]) target(u string) (target, error) {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return target{}, fmt.Errorf("ifmatch: %q is not an absolute http(s) URL", redactEndpoint(u))
	}
	return target{url: u, resource: redact(u)}, nil
}

// Get reads the document at u. An absent document (404) is not an error:
// the Doc has Exists false and can be the base of a Save that creates it.
// The read asks for the identity encoding, so that the version is the one
// a write will be compared with.
func (c *DocumentClient[T]) Get(ctx context.Context, u string) (Doc[T], error) {
	tg, err := c.target(u)
	if err != nil {
		return Doc[T]{}, err
	}
	return c.t.get(ctx, tg)
}

// Update applies edit to the document at u and writes it back with its
// version as the precondition (If-None-Match: * when it does not exist
// yet; with a PATCH write, see DocumentOptions.OnAbsent), reading and
// replaying edit when another writer wins first, as StateClient.Update
// does. With a PATCH write, the patch sent is that of the version read to
// the document edit made of it; after a lost write, of the new version to
// edit's result on it. Updates and Saves of one URL through one client go
// one write at a time, as StateClient's do.
func (c *DocumentClient[T]) Update(ctx context.Context, u string, edit func(T) (T, error)) (Result[T], error) {
	tg, err := c.target(u)
	if err != nil {
		return Result[T]{}, err
	}
	return c.t.update(ctx, tg, edit)
}

// Save writes ours, a document made from base, with base's version as the
// precondition, and three-way merges base, ours and theirs with m when
// another writer got there first, as StateClient.Save does. With a PATCH
// write, the first patch is that of base to ours; after a lost write, of
// the new version to the merged result.
func (c *DocumentClient[T]) Save(ctx context.Context, u string, base Doc[T], ours T, m merge.Func[T]) (Result[T], error) {
	tg, err := c.target(u)
	if err != nil {
		return Result[T]{}, err
	}
	return c.t.save(ctx, tg, base, ours, m)
}

// Create POSTs v to the collection at collection, for APIs that create a
// document there and name it in the answer's Location header, and returns
// the new document and its URL (Location resolved against collection).
// The POST carries no precondition, so it is sent once: after an unknown
// outcome (ErrOutcomeUnknown) it is never re-sent, since that could create
// a second document. A success without Location gives ErrNoLocation.
func (c *DocumentClient[T]) Create(ctx context.Context, collection string, v T) (Result[T], string, error) {
	tg, err := c.target(collection)
	if err != nil {
		return Result[T]{}, "", err
	}
	return c.t.create(ctx, tg, v)
}

// Delete deletes the document at u if its current version is version, as
// returned by Get or a write; "*" deletes whatever version exists. A stale
// version gives an error matching ErrPreconditionFailed (or an *HTTPError
// with the server's 409), an absent document one matching ErrNotFound (or
// ErrPreconditionFailed, as the server decides). Without a request, an
// empty version gives ErrPreconditionRequired, a weak ETag ErrWeakETag and
// one that cannot be sent as a header value ErrInvalidETag.
func (c *DocumentClient[T]) Delete(ctx context.Context, u, version string) error {
	tg, err := c.target(u)
	if err != nil {
		return err
	}
	if err := checkDeleteVersion(c.t.shape, version, tg.resource); err != nil {
		return err
	}
	return c.t.eng.remove(ctx, tg, c.t.shape, version)
}

// checkDeleteVersion refuses, before any request, a version a Delete
// cannot send.
func checkDeleteVersion(sh *shape, v, resource string) error {
	switch {
	case strings.TrimSpace(v) == "":
		return fmt.Errorf("%w: Delete of %s needs a version (or \"*\")", ErrPreconditionRequired, resource)
	case v == "*":
	case sh.inHeader() && etag.IsWeak(v):
		return fmt.Errorf("%w: Delete of %s with %s", ErrWeakETag, resource, v)
	case !headerSafe(v) || (sh.inHeader() && !etag.Usable(v)):
		return fmt.Errorf("%w: Delete of %s with %q", ErrInvalidETag, resource, v)
	}
	return nil
}

// Probe tells how the server treats preconditions, with harmless requests
// on a scratch document at scratch, which must not exist: the probe creates
// it (PUT with If-None-Match: *), sends a write with the current version,
// one with an outdated version, a create over it, opts.Races pairs of
// simultaneous writes with the same version, then deletes it and sends a
// write with a version onto the deleted document, and deletes anything
// left. For APIs that create by POST, give the collection in
// ProbeOptions.Collection: scratch is then ignored and the document is
// the one the POST creates.
//
// Pass the verdict to Options.Protection of the clients that write to the
// server to make them refuse to write unless it is Enforcing.
func (c *DocumentClient[T]) Probe(ctx context.Context, scratch string, opts *ProbeOptions) (*ProbeReport, error) {
	var create func(context.Context, []byte) (string, error)
	if opts != nil && opts.Collection != "" {
		tg, err := c.target(opts.Collection)
		if err != nil {
			return nil, err
		}
		create = func(ctx context.Context, body []byte) (string, error) {
			w, err := c.t.eng.create(ctx, plan{op: "create", url: tg.url, resource: tg.resource, shape: c.t.shape, same: func(a, b []byte) bool { return string(a) == string(b) }},
				&draft{body: body, contentType: "application/json"})
			return w.url, err
		}
		scratch = tg.url
	}
	tg, err := c.target(scratch)
	if err != nil {
		return nil, err
	}
	return c.t.eng.probe(ctx, c.t.shape, tg.url, create, opts)
}
