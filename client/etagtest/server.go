package etagtest

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ifmatch/ifmatch/internal/fault"
	"github.com/ifmatch/ifmatch/internal/serverkit"
)

// Defaults used when the matching Options field is zero.
const (
	// DefaultWeakFor is how long an ETag stays weak after a write under
	// WeakAfterWrite.
	DefaultWeakFor = time.Second
	// DefaultRaceWindow is the pause between check and write under
	// CheckThenWrite.
	DefaultRaceWindow = 2 * time.Millisecond
	// DefaultMaxBodySize is the largest request body a Server accepts.
	DefaultMaxBodySize = 1 << 20
)

// ETagForm is how a Server writes the ETag header field. Whatever the form,
// the version behind the tag is the same: "v" and a number (see the package
// documentation).
type ETagForm int

const (
	// Quoted sends a strong, quoted tag: "v7". It is the zero value.
	Quoted ETagForm = iota
	// Unquoted sends the bare version, v7, with no quotes, as some APIs
	// do. If-Match and If-None-Match then name the version with or
	// without quotes.
	Unquoted
	// Weak always sends a weak tag, W/"v7", which never matches If-Match
	// (RFC 9110 strong comparison): only If-Match "*" can pass.
	Weak
	// WeakAfterWrite sends W/"v7" for Options.WeakFor after each write
	// and "v7" after that, like Apache httpd's default ETags. While the
	// tag is weak, no tag matches If-Match.
	WeakAfterWrite
	// NoETag never sends an ETag header field. Versions still exist:
	// they can be read from the body (Options.VersionField) or with
	// Server.Version, and If-Match names them with or without quotes.
	NoETag
)

// String returns the form's Go name, such as "WeakAfterWrite".
func (f ETagForm) String() string {
	switch f {
	case Quoted:
		return "Quoted"
	case Unquoted:
		return "Unquoted"
	case Weak:
		return "Weak"
	case WeakAfterWrite:
		return "WeakAfterWrite"
	case NoETag:
		return "NoETag"
	}
	return "ETagForm(" + strconv.Itoa(int(f)) + ")"
}

// Preconditions is how a Server treats the If-Match and If-None-Match of
// writes (PUT, PATCH and DELETE). Reads (GET and HEAD) always evaluate
// them.
type Preconditions int

const (
	// Enforce checks a write's preconditions and performs it under one
	// lock, as RFC 9110 requires. It is the zero value.
	Enforce Preconditions = iota
	// Ignore never evaluates a write's If-Match and If-None-Match (nor,
	// under RequireVersionField, the version in a PUT's body): every
	// write goes through, as on nginx's dav module, json-server and some
	// LRSs.
	Ignore
	// CheckThenWrite checks a write's preconditions under the lock,
	// releases it, pauses for Options.RaceWindow and then writes under
	// the lock again without checking anew: two concurrent writes with
	// the same If-Match can both succeed, the second overwriting the
	// first, as on LRSs that check and write in two steps.
	CheckThenWrite
)

// String returns the mode's Go name, such as "CheckThenWrite".
func (p Preconditions) String() string { return serverkit.Mode(p).String() }

// Options configures a Server. The zero value gives a server that sends
// strong quoted ETags, on reads and on write answers, enforces If-Match and
// If-None-Match atomically with 412 for every failed precondition, keeps
// no version in the body, accepts no POST and limits bodies to 1 MiB.
//
// The status options take 0 (the default) or a status from 400 to 599.
type Options struct {
	// ETag is the form of the ETag header field. The zero value is
	// Quoted.
	ETag ETagForm
	// WeakFor is how long a tag stays weak after a write under
	// WeakAfterWrite. 0 means DefaultWeakFor (1 s).
	WeakFor time.Duration

	// VersionField, when not empty, is a JSON Pointer (RFC 6901) such as
	// "/eTag" or "/_rev": every stored document is then a JSON object
	// that holds its version, as a JSON string, at that pointer. The
	// server writes it there on every write, whatever the client sent
	// (missing parent objects are created), so a GET returns it; the ETag
	// header carries the same version unless ETag is NoETag. A write whose
	// body is not a JSON object that can hold the field answers 400 (422
	// for a PATCH whose result cannot). The zero value keeps bodies as
	// they are sent.
	VersionField string
	// RequireVersionField makes a PUT carry the version it replaces in
	// its body, at VersionField, CouchDB-style, instead of in If-Match:
	// If-Match and If-None-Match are ignored on PUT; a PUT onto an
	// existing document whose body lacks the current version, and a PUT
	// onto a missing one whose body carries a version, answer
	// ConflictStatus. PATCH and DELETE still use If-Match. It needs
	// VersionField. The zero value (false) reads the precondition from
	// the header fields only.
	RequireVersionField bool

	// ConflictStatus answers a write whose If-Match names no current
	// version (stale), and under RequireVersionField a PUT with a stale
	// body version. 0 means 412; CouchDB answers 409.
	ConflictStatus int
	// ExistsStatus answers a write with If-None-Match "*" onto an
	// existing document. 0 means 412; Azurite answers 409. A write whose
	// If-None-Match lists the current tag answers 412 whatever this is.
	ExistsStatus int
	// MissingStatus answers a write with If-Match onto a missing
	// document. 0 means 412; S3-compatible stores answer 404.
	MissingStatus int

	// OmitWriteETag, when true, sends no ETag on write answers (201 and
	// 204), as Apache httpd and many LRSs do: the client must read again
	// to learn the new version. The zero value sends it.
	OmitWriteETag bool

	// Preconditions is how writes treat If-Match and If-None-Match. The
	// zero value is Enforce.
	Preconditions Preconditions
	// RaceWindow is CheckThenWrite's pause between check and write. 0
	// means DefaultRaceWindow (2 ms).
	RaceWindow time.Duration
	// RequirePrecondition, when true, answers 428 Precondition Required
	// (RFC 6585) to a PUT, PATCH or DELETE onto an existing document that
	// carries neither If-Match nor If-None-Match, in every Preconditions
	// mode (a PUT under RequireVersionField excepted: its body carries
	// the precondition). The zero value lets such writes through.
	RequirePrecondition bool

	// Collections lists the paths that accept POST to create a member,
	// such as "/articles": a POST there stores its body at the next free
	// path "/articles/1", "/articles/2", ... and answers 201 Created with
	// a Location header and, unless OmitWriteETag or NoETag, an ETag. A
	// trailing slash is ignored, in the option and in the request path.
	// The zero value accepts POST nowhere (405).
	Collections []string
	// AbsoluteLocation, when true, makes Location an absolute URL
	// (URL + path). The zero value sends the path alone, such as
	// "/articles/1", a reference the client resolves against the request
	// URL.
	AbsoluteLocation bool

	// Gzip, when true, compresses the body of a GET answer when the
	// request accepts gzip (Accept-Encoding) and then suffixes the version
	// in its ETag with "-gzip", as Apache's mod_deflate does: "v7-gzip",
	// a tag that never matches If-Match. Go's http.Transport asks for gzip
	// on its own unless the request sets Accept-Encoding (identity avoids
	// it) and hides the compression, but not the suffix. If-None-Match
	// matches both tags. The zero value never compresses.
	Gzip bool

	// MaxBodySize is the largest PUT, PATCH or POST body, in bytes; a
	// larger one answers 413 and changes nothing. 0 means
	// DefaultMaxBodySize (1 MiB).
	MaxBodySize int64

	// Now is the server's clock, used for Last-Modified and for
	// WeakAfterWrite. Nil means time.Now. It is called with the server's
	// lock held and must not call the Server's methods.
	Now func() time.Time

	// Faults are the faults the server injects into the requests it
	// receives from the start: dropped connections, 5xx and 429 answers,
	// pauses, forced 412s and rewritten ETags (see Faults in the package
	// documentation). AddFault adds more. The zero value injects none.
	Faults FaultPlan
}

// Exchange records one request and the response the server sent.
type Exchange struct {
	// Method is the request method.
	Method string
	// Path is the request path, decoded, without the query.
	Path string
	// Header is a copy of the request header (If-Match, If-None-Match,
	// Content-Type, Accept-Encoding and the rest); the credentials of an
	// Authorization header are replaced by "[redacted]".
	Header http.Header
	// Body is the request body as read: at most MaxBodySize+1 bytes.
	Body []byte
	// Status is the response status code the client received; 0 when a
	// fault (CommitThenDrop, DropBefore) closed the connection without an
	// answer.
	Status int
	// ResponseHeader is a copy of the response header as sent (ETag,
	// Location, Content-Encoding, Content-Type, Content-Length, ...);
	// only the Date header net/http adds is missing.
	ResponseHeader http.Header
	// ResponseBody is the response body as sent (compressed when
	// Content-Encoding says so): empty for HEAD and for 204 and 304.
	ResponseBody []byte
	// Arrival numbers the requests in the order the server took them in,
	// from 1 for the first since NewServer (ResetLog does not restart
	// it).
	Arrival uint64
	// Fault is the kind of fault injected into the exchange (see Faults
	// in the package documentation); NoFault, the zero value, for none.
	// Status, ResponseHeader and ResponseBody then record what the client
	// received: nothing (status 0, no header) for a dropped connection,
	// the injected answer, or the server's answer with its ETag
	// rewritten.
	Fault FaultKind
	// HandlerStatus is, when a fault was injected and the server handled
	// the request all the same, the status the server answered before
	// the fault replaced or dropped that answer: 204 for a write that
	// CommitThenDrop applied and dropped, 412 for one whose precondition
	// failed before the drop. It is 0 for an exchange without fault and
	// for a request a fault answered or dropped before the server took
	// it in (DropBefore, TooManyRequests, Conflict, ServerError without
	// Apply).
	HandlerStatus int
}

// String returns a one-line summary such as "PUT /doc 204", or
// "PUT /doc 0 [CommitThenDrop]" for an exchange with a fault.
func (e Exchange) String() string {
	s := e.Method + " " + e.Path + " " + strconv.Itoa(e.Status)
	if e.Fault != NoFault {
		s += " [" + e.Fault.String() + "]"
	}
	return s
}

// clone returns a deep copy of e.
func (e Exchange) clone() Exchange {
	c := e
	c.Header = e.Header.Clone()
	c.ResponseHeader = e.ResponseHeader.Clone()
	c.Body = bytes.Clone(e.Body)
	c.ResponseBody = bytes.Clone(e.ResponseBody)
	return c
}

// Server is an in-memory ETag document server listening on 127.0.0.1.
// Its methods are safe for concurrent use.
type Server struct {
	// URL is the server's base URL, "http://127.0.0.1:PORT", without a
	// trailing slash. Every path below it is a resource.
	URL string

	ts          *httptest.Server
	opts        Options // with the defaults filled in
	collections []string
	faults      *fault.Injector

	mu      sync.Mutex
	docs    map[string]*document
	counter uint64            // the last version number handed out
	members map[string]uint64 // per collection, the last member number tried
	seq     uint64            // requests taken, for Exchange.Arrival
	log     []Exchange        // in arrival order
}

// document is a stored resource.
type document struct {
	body        []byte
	contentType string
	version     string    // "v" and a number, without quotes
	updated     time.Time // the time of its last write
}

// NewServer starts and returns a Server configured by opts (nil means the
// defaults). The caller must Close it. It panics if opts is invalid — an
// unknown ETag form or Preconditions mode, a status outside 400–599, a
// negative duration or size, a VersionField that is not a JSON Pointer,
// RequireVersionField without VersionField, a collection path that does
// not start with "/", or an invalid fault (see Fault) — as
// httptest.NewServer panics when it cannot listen.
func NewServer(opts *Options) *Server {
	var o Options
	if opts != nil {
		o = *opts
		o.Collections = slices.Clone(opts.Collections)
	}
	if err := o.normalize(); err != nil {
		panic("etagtest: " + err.Error())
	}
	inj, err := fault.New(o.Faults)
	if err != nil {
		panic("etagtest: Faults: " + err.Error())
	}
	s := &Server{
		opts:    o,
		docs:    make(map[string]*document),
		members: make(map[string]uint64),
		faults:  inj,
	}
	for _, c := range o.Collections {
		s.collections = append(s.collections, strings.TrimRight(c, "/"))
	}
	// The URL is known before the first request can arrive: POST's
	// absolute Location reads it.
	s.ts = httptest.NewUnstartedServer(s.faults.WrapSkipped(http.HandlerFunc(s.serveHTTP), s.recordSkipped))
	s.URL = "http://" + s.ts.Listener.Addr().String()
	s.ts.Start()
	return s
}

// normalize checks o and fills in its defaults.
func (o *Options) normalize() error {
	if o.ETag < Quoted || o.ETag > NoETag {
		return fmt.Errorf("unknown ETag form %d", int(o.ETag))
	}
	if !serverkit.Mode(o.Preconditions).Valid() {
		return fmt.Errorf("unknown Preconditions mode %d", int(o.Preconditions))
	}
	for _, st := range []struct {
		name string
		p    *int
	}{{"ConflictStatus", &o.ConflictStatus}, {"ExistsStatus", &o.ExistsStatus}, {"MissingStatus", &o.MissingStatus}} {
		switch {
		case *st.p == 0:
			*st.p = http.StatusPreconditionFailed
		case *st.p < 400 || *st.p > 599:
			return fmt.Errorf("%s %d is not a status from 400 to 599", st.name, *st.p)
		}
	}
	if o.WeakFor < 0 || o.RaceWindow < 0 || o.MaxBodySize < 0 {
		return fmt.Errorf("WeakFor, RaceWindow and MaxBodySize must not be negative")
	}
	if o.WeakFor == 0 {
		o.WeakFor = DefaultWeakFor
	}
	if o.RaceWindow == 0 {
		o.RaceWindow = DefaultRaceWindow
	}
	if o.MaxBodySize == 0 {
		o.MaxBodySize = DefaultMaxBodySize
	}
	if o.VersionField != "" && !strings.HasPrefix(o.VersionField, "/") {
		return fmt.Errorf("VersionField %q is not a JSON Pointer (it must start with /)", o.VersionField)
	}
	if o.RequireVersionField && o.VersionField == "" {
		return fmt.Errorf("RequireVersionField needs a VersionField")
	}
	for _, c := range o.Collections {
		if !strings.HasPrefix(c, "/") {
			return fmt.Errorf("collection %q does not start with /", c)
		}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return nil
}

// Client returns an HTTP client configured for the server.
func (s *Server) Client() *http.Client { return s.ts.Client() }

// Close shuts the server down and blocks until its requests are done.
func (s *Server) Close() { s.ts.Close() }

// cleanPath returns path with a leading slash.
func cleanPath(path string) string {
	if !strings.HasPrefix(path, "/") {
		return "/" + path
	}
	return path
}

// Put stores body at path directly, as another client's write would, with
// Content-Type application/json and a new version, and returns the ETag a
// GET would carry right after ("" under NoETag; weak under Weak and, for
// WeakFor, WeakAfterWrite). With VersionField the version is written into
// body; a body that cannot hold it is stored as it is. A path without a
// leading slash gets one.
func (s *Server) Put(path string, body []byte) (etag string) {
	path = cleanPath(path)
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.newDocument(bytes.Clone(body), "application/json")
	if with, err := s.withVersion(d.body, d.version); err == nil {
		d.body = with
	}
	s.commitStore(path, d)
	return s.etagOf(d, d.updated, false)
}

// Get returns a copy of the body stored at path and the ETag a GET without
// compression would carry now ("" under NoETag), or ok false when nothing
// is stored there.
func (s *Server) Get(path string) (body []byte, etag string, ok bool) {
	path = cleanPath(path)
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.docs[path]
	if !ok {
		return nil, "", false
	}
	return bytes.Clone(d.body), s.etagOf(d, s.opts.Now(), false), true
}

// Version returns the bare version of the document stored at path, such as
// "v7" — the value VersionField holds and the ETag quotes — or ok false
// when nothing is stored there.
func (s *Server) Version(path string) (version string, ok bool) {
	path = cleanPath(path)
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.docs[path]
	if !ok {
		return "", false
	}
	return d.version, true
}

// Remove deletes the document stored at path, if any.
func (s *Server) Remove(path string) {
	path = cleanPath(path)
	s.mu.Lock()
	delete(s.docs, path)
	s.mu.Unlock()
}

// Log returns a copy of the exchanges recorded so far, in arrival order
// (Exchange.Arrival). An exchange is recorded before its response is sent.
// Changing the copy does not change the server's record.
func (s *Server) Log() []Exchange {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Exchange, len(s.log))
	for i, e := range s.log {
		out[i] = e.clone()
	}
	return out
}

// ResetLog forgets the exchanges recorded so far.
func (s *Server) ResetLog() {
	s.mu.Lock()
	s.log = nil
	s.mu.Unlock()
}

// arrive numbers a request as it is taken in.
func (s *Server) arrive() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return s.seq
}

// record adds an exchange to the log at its arrival position.
func (s *Server) record(ex Exchange) {
	ex = ex.clone()
	s.mu.Lock()
	defer s.mu.Unlock()
	i := sort.Search(len(s.log), func(i int) bool { return s.log[i].Arrival > ex.Arrival })
	s.log = slices.Insert(s.log, i, ex)
}

// newDocument returns a document holding body under a new version, its
// version field not yet written; s.mu must be held.
func (s *Server) newDocument(body []byte, contentType string) *document {
	s.counter++
	return &document{body: body, contentType: contentType, version: "v" + strconv.FormatUint(s.counter, 10)}
}

// commitStore stores d at path, stamped with the time of the write; s.mu
// must be held.
func (s *Server) commitStore(path string, d *document) {
	d.updated = s.opts.Now()
	s.docs[path] = d
}

// weakNow reports whether d's ETag is weak at the time now.
func (s *Server) weakNow(d *document, now time.Time) bool {
	switch s.opts.ETag {
	case Weak:
		return true
	case WeakAfterWrite:
		return now.Sub(d.updated) < s.opts.WeakFor
	}
	return false
}

// etagOf returns the ETag header value of d at the time now, for a
// compressed representation when gz is set; "" under NoETag.
func (s *Server) etagOf(d *document, now time.Time, gz bool) string {
	v := d.version
	if gz {
		v += gzipSuffix
	}
	switch {
	case s.opts.ETag == NoETag:
		return ""
	case s.opts.ETag == Unquoted:
		return v
	case s.weakNow(d, now):
		return `W/"` + v + `"`
	}
	return `"` + v + `"`
}

// isCollection reports whether POST creates members at path.
func (s *Server) isCollection(path string) bool {
	return slices.Contains(s.collections, strings.TrimRight(path, "/"))
}
