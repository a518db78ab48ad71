package statedoctest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ifmatch/ifmatch/statedoc"
)

// StatePath is the path of the State Resource below the server's URL.
const StatePath = "/activities/state"

// basePath is the path of the LRS endpoint on the test server.
const basePath = "/xapi"

// DefaultMaxDocumentSize is the document size limit used when
// Options.MaxDocumentSize is 0.
const DefaultMaxDocumentSize = 1 << 20

// Options configures a Server. The zero value gives a 1.0.3 server without
// authentication, a 1 MiB size limit, ETags on write responses and the
// system clock.
type Options struct {
	// Version is the xAPI version the server speaks: statedoc.Version103
	// (the default when empty) or statedoc.Version200. In 2.0.0 mode a
	// PUT without If-Match or If-None-Match onto an existing document
	// answers 409, and "since" is rejected together with "stateId".
	Version string
	// Username and Password, when Username is not empty, are the HTTP
	// Basic credentials every request must carry; otherwise the server
	// answers 401 with a WWW-Authenticate challenge.
	Username, Password string
	// MaxDocumentSize is the largest request body, in bytes, the server
	// stores; larger bodies get 413 and change nothing. 0 means
	// DefaultMaxDocumentSize.
	MaxDocumentSize int64
	// OmitWriteETag, when true, makes 204 answers to PUT and POST carry no
	// ETag header, as many LRSs do. By default they carry the new ETag.
	OmitWriteETag bool
	// Now is the server's clock, used for Last-Modified and "since".
	// Nil means time.Now.
	Now func() time.Time
	// ETag computes the entity tag of stored content. It must return a
	// quoted strong tag (such as `"abc"`) and should return a different
	// tag whenever the content differs. Nil means statedoc.SHA1ETag, the
	// 1.0.3 rule, in both modes.
	ETag func(content []byte) string
}

// Document is a stored state document.
type Document struct {
	// Body is the stored content.
	Body []byte
	// ContentType is the Content-Type it was stored with.
	ContentType string
	// ETag is its quoted entity tag.
	ETag string
	// Updated is when it was last written, by the server's clock.
	Updated time.Time
}

func (d *Document) clone() Document {
	c := *d
	c.Body = bytes.Clone(d.Body)
	return c
}

// Script gives the next request(s) matching Method and StateID special
// treatment. Scripts form a FIFO queue; each request consumes one use of
// the first script that matches it, before authentication and any other
// check.
type Script struct {
	// Method is the HTTP method to match; "" matches any.
	Method string
	// StateID is the stateId parameter to match; "" matches any request,
	// with or without one.
	StateID string
	// Times is how many matching requests the script applies to; 0 (or
	// less) means 1.
	Times int
	// Before, if set, runs before the request is handled and without the
	// server's lock held, so it may call SetDocument, DeleteDocument and
	// the other methods — for example to change a document between a
	// client's read and its write.
	Before func()
	// Status, if not zero, is answered with Header and Body instead of
	// handling the request; the store is left untouched.
	Status int
	// Header is applied to the response, scripted or normally handled:
	// a key with values replaces that header; a key present with an empty
	// or nil slice removes it (for example "ETag": nil sends no ETag).
	Header http.Header
	// Body is the body of a scripted (Status != 0) response.
	Body []byte
}

// Exchange records one request and the response the server sent.
type Exchange struct {
	// Method is the request method.
	Method string
	// Path is the request path.
	Path string
	// StateID is the stateId parameter, "" when absent.
	StateID string
	// Query is the parsed query string.
	Query url.Values
	// RequestHeader is a copy of the request header; the credentials of
	// an Authorization header are replaced by "[redacted]".
	RequestHeader http.Header
	// RequestBody is the request body as read: at most
	// MaxDocumentSize+1 bytes, so a body over the limit is cut short.
	RequestBody []byte
	// Status is the response status code.
	Status int
	// ResponseHeader is a copy of the response header.
	ResponseHeader http.Header
	// ResponseBody is the response body (empty for HEAD).
	ResponseBody []byte
	// Scripted reports whether a Script with a Status produced the
	// response.
	Scripted bool
}

// IfMatch returns the request's If-Match header ("" when absent), its
// lines joined with ", ".
func (e Exchange) IfMatch() string { return strings.Join(e.RequestHeader.Values("If-Match"), ", ") }

// IfNoneMatch returns the request's If-None-Match header ("" when absent),
// its lines joined with ", ".
func (e Exchange) IfNoneMatch() string {
	return strings.Join(e.RequestHeader.Values("If-None-Match"), ", ")
}

// ETag returns the response's ETag header, "" when absent.
func (e Exchange) ETag() string { return e.ResponseHeader.Get("ETag") }

// String returns a one-line summary such as `PUT progress 204`.
func (e Exchange) String() string {
	s := e.Method
	if e.StateID != "" {
		s += " " + e.StateID
	}
	return s + " " + strconv.Itoa(e.Status)
}

// Server is an in-memory State Resource endpoint listening on 127.0.0.1.
// Its methods are safe for concurrent use.
type Server struct {
	// URL is the LRS endpoint, "http://127.0.0.1:PORT/xapi", without a
	// trailing slash. The State Resource is URL + "/activities/state".
	URL string

	ts      *httptest.Server
	version string
	user    string
	pass    string
	max     int64
	omitTag bool
	now     func() time.Time
	etag    func([]byte) string

	mu      sync.Mutex
	docs    map[docKey]*Document
	scripts []*Script
	seq     uint64
	log     []logEntry
}

type logEntry struct {
	seq uint64
	ex  Exchange
}

// docKey identifies a document: the activity, the canonical agent, the
// normalised registration and the stateId.
type docKey struct {
	activity, agent, registration, stateID string
}

type scope struct {
	activity, agent, registration string
}

func (k docKey) scope() scope { return scope{k.activity, k.agent, k.registration} }

// NewServer starts and returns a Server configured by opts (nil means the
// defaults). It panics if opts.Version is neither empty, "1.0.3" nor
// "2.0.0". The caller must Close it.
func NewServer(opts *Options) *Server {
	var o Options
	if opts != nil {
		o = *opts
	}
	s := &Server{
		version: o.Version,
		user:    o.Username,
		pass:    o.Password,
		max:     o.MaxDocumentSize,
		omitTag: o.OmitWriteETag,
		now:     o.Now,
		etag:    o.ETag,
		docs:    make(map[docKey]*Document),
	}
	switch s.version {
	case "":
		s.version = statedoc.Version103
	case statedoc.Version103, statedoc.Version200:
	default:
		panic(fmt.Sprintf("statedoctest: unsupported xAPI version %q (want %q or %q)", o.Version, statedoc.Version103, statedoc.Version200))
	}
	if s.max <= 0 {
		s.max = DefaultMaxDocumentSize
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.etag == nil {
		s.etag = statedoc.SHA1ETag
	}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.ts.URL + basePath
	return s
}

// Client returns an HTTP client configured for the server.
func (s *Server) Client() *http.Client { return s.ts.Client() }

// Close shuts the server down and blocks until its requests are done.
func (s *Server) Close() { s.ts.Close() }

// Version returns the xAPI version the server speaks.
func (s *Server) Version() string { return s.version }

// StateURL returns the State Resource's URL, URL + "/activities/state".
func (s *Server) StateURL() string { return s.URL + StatePath }

// Script queues sc. A request consumes one use of the first queued script
// whose Method and StateID match it.
func (s *Server) Script(sc Script) {
	if sc.Times <= 0 {
		sc.Times = 1
	}
	sc.Header = sc.Header.Clone()
	sc.Body = bytes.Clone(sc.Body)
	s.mu.Lock()
	s.scripts = append(s.scripts, &sc)
	s.mu.Unlock()
}

// PendingScripts returns how many uses of queued scripts remain.
func (s *Server) PendingScripts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, sc := range s.scripts {
		n += sc.Times
	}
	return n
}

// keyOf returns the document identity of key, or false if key is invalid.
func keyOf(key statedoc.Key) (docKey, bool) {
	if key.Validate() != nil {
		return docKey{}, false
	}
	sc, err := scopeOf(key.ActivityID, key.Agent, key.Registration)
	if err != nil {
		return docKey{}, false
	}
	return docKey{sc.activity, sc.agent, sc.registration, key.StateID}, true
}

func scopeOf(activity string, agent statedoc.Agent, registration string) (scope, error) {
	// Two spellings of the same mbox_sha1sum name the same agent.
	agent.MboxSHA1Sum = strings.ToLower(agent.MboxSHA1Sum)
	qv, err := agent.QueryValue()
	if err != nil {
		return scope{}, err
	}
	return scope{activity, qv, strings.ToLower(registration)}, nil
}

// SetDocument stores a document directly, as another client's write would,
// with a new ETag and Updated set to the server's clock, and returns the
// ETag. It stores nothing and returns "" if key is invalid.
func (s *Server) SetDocument(key statedoc.Key, contentType string, body []byte) (etag string) {
	k, ok := keyOf(key)
	if !ok {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store(k, contentType, bytes.Clone(body))
}

// Document returns a copy of the document key addresses, if it exists.
func (s *Server) Document(key statedoc.Key) (Document, bool) {
	k, ok := keyOf(key)
	if !ok {
		return Document{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.docs[k]
	if !ok {
		return Document{}, false
	}
	return d.clone(), true
}

// DeleteDocument removes the document key addresses, if it exists.
func (s *Server) DeleteDocument(key statedoc.Key) {
	k, ok := keyOf(key)
	if !ok {
		return
	}
	s.mu.Lock()
	delete(s.docs, k)
	s.mu.Unlock()
}

// Log returns a copy of the exchanges recorded so far, in the order the
// requests arrived. An exchange is recorded before its response is sent.
func (s *Server) Log() []Exchange {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Exchange, len(s.log))
	for i, e := range s.log {
		out[i] = e.ex
	}
	return out
}

// ResetLog forgets the exchanges recorded so far.
func (s *Server) ResetLog() {
	s.mu.Lock()
	s.log = nil
	s.mu.Unlock()
}

// store writes a document; s.mu must be held.
func (s *Server) store(k docKey, contentType string, body []byte) string {
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	d := &Document{Body: body, ContentType: contentType, ETag: s.etag(body), Updated: s.now()}
	s.docs[k] = d
	return d.ETag
}

// record adds an exchange to the log at its arrival position.
func (s *Server) record(seq uint64, ex Exchange) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := sort.Search(len(s.log), func(i int) bool { return s.log[i].seq > seq })
	s.log = append(s.log, logEntry{})
	copy(s.log[i+1:], s.log[i:])
	s.log[i] = logEntry{seq: seq, ex: ex}
}

// takeScript consumes one use of the first script matching the request.
func (s *Server) takeScript(method, stateID string) (Script, bool) {
	for i, sc := range s.scripts {
		if (sc.Method == "" || sc.Method == method) && (sc.StateID == "" || sc.StateID == stateID) {
			sc.Times--
			if sc.Times <= 0 {
				s.scripts = append(s.scripts[:i], s.scripts[i+1:]...)
			}
			return *sc, true
		}
	}
	return Script{}, false
}

// response is an answer built before it is logged and written.
type response struct {
	status int
	header http.Header
	body   []byte
}

func newResponse(status int) *response {
	return &response{status: status, header: http.Header{}}
}

func textResponse(status int, format string, args ...any) *response {
	r := newResponse(status)
	r.header.Set("Content-Type", "text/plain; charset=utf-8")
	r.body = []byte(fmt.Sprintf(format, args...) + "\n")
	return r
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.seq++
	seq := s.seq
	s.mu.Unlock()

	q, qerr := url.ParseQuery(r.URL.RawQuery)
	stateID := ""
	if v := q["stateId"]; len(v) > 0 {
		stateID = v[0]
	}
	ex := Exchange{
		Method:        r.Method,
		Path:          r.URL.Path,
		StateID:       stateID,
		Query:         q,
		RequestHeader: redact(r.Header),
	}

	var (
		resp   *response
		script Script
		found  bool
	)
	if r.URL.Path == basePath+StatePath {
		s.mu.Lock()
		script, found = s.takeScript(r.Method, stateID)
		s.mu.Unlock()
	}
	if found && script.Before != nil {
		script.Before()
	}
	body, bodyErr := io.ReadAll(io.LimitReader(r.Body, s.max+1))
	tooLarge := int64(len(body)) > s.max
	ex.RequestBody = body
	switch {
	case found && script.Status != 0:
		ex.Scripted = true
		resp = newResponse(script.Status)
		resp.body = bytes.Clone(script.Body)
	default:
		resp = s.handle(r, q, qerr, &ex, bodyErr, tooLarge)
	}
	resp.header.Set(statedoc.HeaderVersion, s.version)
	if found {
		for name, values := range script.Header {
			resp.header.Del(name)
			delete(resp.header, name)
			if len(values) > 0 {
				resp.header[http.CanonicalHeaderKey(name)] = append([]string(nil), values...)
			}
		}
	}

	out := resp.body
	if r.Method == http.MethodHead {
		if resp.header.Get("Content-Length") == "" && len(out) > 0 {
			resp.header.Set("Content-Length", strconv.Itoa(len(out)))
		}
		out = nil
	}
	ex.Status = resp.status
	ex.ResponseHeader = resp.header.Clone()
	ex.ResponseBody = bytes.Clone(out)
	s.record(seq, ex)

	h := w.Header()
	for name, values := range resp.header {
		h[name] = values
	}
	w.WriteHeader(resp.status)
	if len(out) > 0 {
		_, _ = w.Write(out)
	}
}

func redact(h http.Header) http.Header {
	c := h.Clone()
	if c == nil {
		return http.Header{}
	}
	if v := c.Get("Authorization"); v != "" {
		scheme, _, _ := strings.Cut(v, " ")
		c.Set("Authorization", scheme+" [redacted]")
	}
	return c
}
