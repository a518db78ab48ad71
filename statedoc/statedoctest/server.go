package statedoctest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ifmatch/ifmatch/internal/fault"
	"github.com/ifmatch/ifmatch/internal/redact"
	"github.com/ifmatch/ifmatch/internal/serverkit"
	"github.com/ifmatch/ifmatch/statedoc"
)

// StatePath is the path of the State Resource below the server's URL.
const StatePath = "/activities/state"

// basePath is the path of the LRS endpoint on the test server.
const basePath = "/xapi"

// DefaultMaxDocumentSize is the document size limit used when
// Options.MaxDocumentSize is 0.
const DefaultMaxDocumentSize = 1 << 20

// DefaultRaceWindow is CheckThenWrite's pause between the check and the
// write when Options.RaceWindow is 0.
const DefaultRaceWindow = 2 * time.Millisecond

// Options configures a Server. The zero value gives a 1.0.3 server that
// enforces preconditions, without authentication or rate limit, with a
// 1 MiB size limit, ETags on write responses and the system clock.
type Options struct {
	// Version is the xAPI version the server speaks: statedoc.Version103
	// (the default when empty) or statedoc.Version200. In 2.0.0 mode a
	// PUT without If-Match or If-None-Match onto an existing state
	// document answers 409, as it does on the profiles in both modes
	// (unless Preconditions is Ignore); "since" is rejected together
	// with a document's id; and the alternate request syntax is not
	// taken.
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
	// RateLimit, when set, caps how many requests the server handles;
	// the rest get 429. The zero value means no limit.
	RateLimit RateLimit
	// Now is the server's clock, used for Last-Modified (the times of
	// writes and deletions), "since" and the rate limit. Nil means
	// time.Now.
	//
	// Now is called with the server's lock held, so it must not call the
	// Server's methods (they would deadlock); a test that wants to
	// inspect the server from its clock must do so from another
	// goroutine or outside the call.
	Now func() time.Time
	// ETag computes the entity tag of stored content. It must return a
	// quoted strong tag (such as `"abc"`) and should return a different
	// tag whenever the content differs. Nil means statedoc.SHA1ETag, the
	// 1.0.3 rule, in both modes.
	//
	// Like Now, ETag is called with the server's lock held and must not
	// call the Server's methods.
	ETag func(content []byte) string
	// Preconditions is how the server treats the preconditions of
	// writes: Enforce (the zero value) checks and applies them under one
	// lock; Ignore and CheckThenWrite behave like LRSs that lose updates.
	// See Preconditions.
	Preconditions Preconditions
	// RaceWindow is how long a CheckThenWrite server pauses, without its
	// lock, between checking a write's preconditions and applying the
	// write. 0 means DefaultRaceWindow; a negative value means no pause
	// (the lock is still released and taken again). Other modes do not
	// use it.
	RaceWindow time.Duration
	// Faults are the faults the server injects into the requests it
	// receives from the start: dropped connections, 5xx and 429 answers,
	// pauses, forced 412s and rewritten ETags (see Faults in the package
	// documentation). AddFault adds more. The zero value injects none.
	Faults FaultPlan
	// AboutVersions is the "version" list GET /about answers. Nil means
	// the version the server speaks: ["1.0.3"] or ["2.0.0"]. A non-nil
	// list, even an empty one, is answered as given, so that a test can
	// present an LRS that claims other versions, or none, without
	// changing what the server speaks.
	AboutVersions []string
	// CORS, when it allows some origins, lets browser scripts of those
	// origins call the server: see CORS. The zero value sends no CORS
	// header, and an OPTIONS request answers 405.
	CORS CORS
}

// Preconditions selects how a Server treats the preconditions (If-Match,
// If-None-Match, If-Unmodified-Since, If-Modified-Since) of writes: PUT,
// POST and DELETE. Reads (GET and HEAD) evaluate theirs the same way in
// every mode. The zero value is Enforce.
type Preconditions int

const (
	// Enforce evaluates a write's preconditions and applies the write
	// under one lock, so two writes carrying the same current ETag never
	// both succeed. A PUT onto an existing profile document (or, in
	// 2.0.0 mode, state document) without If-Match or If-None-Match
	// answers 409.
	Enforce Preconditions = iota
	// Ignore performs every write as if it carried no precondition, like
	// an LRS that does not look at the fields: a
	// stale If-Match, an If-None-Match "*" over an existing document and
	// a passed If-Unmodified-Since all succeed. Since the fields are not
	// looked at, the 409 rule does not apply either: a PUT onto an
	// existing document without them replaces it (204, not 409). GET and
	// HEAD still answer 304 to their conditional requests, and ETags and
	// Last-Modified are sent as in Enforce mode.
	Ignore
	// CheckThenWrite evaluates a write's preconditions (and the 409
	// rule) under the lock, releases it, pauses for
	// Options.RaceWindow, then takes the lock again and applies the write
	// without evaluating them again, like an LRS that checks and then
	// writes in two steps. One request at a time it answers exactly as
	// Enforce does; concurrent writes that pass the check together all
	// succeed, each replacing the previous one's result: two PUTs with
	// the same current If-Match, or two creates with If-None-Match "*",
	// can both answer 204. A POST merges into the document as it was when
	// checked (fetch, merge, save), so it also overwrites a write that
	// landed during its pause, even one from a POST without
	// preconditions. A DELETE removes what exists when it is applied.
	CheckThenWrite
)

// String returns the mode's name, such as "CheckThenWrite", or
// "Preconditions(N)" for a value that names no mode.
func (p Preconditions) String() string { return serverkit.Mode(p).String() }

// RateLimit caps the requests a Server handles: at most Requests in any
// window of length Per, by the server's clock (Options.Now), counted over
// the whole server (every path, every client). A request over the limit is
// not handled: it gets 429 Too Many Requests with a Retry-After header
// giving the seconds, rounded up, until a request would be admitted, and a
// short text body; it is logged like any other and does not count against
// the limit. A request answered by a Script with a Status is neither
// limited nor counted. The zero value (or either field 0) means no limit.
type RateLimit struct {
	// Requests is the most requests handled in any window of length Per.
	Requests int
	// Per is the length of the window.
	Per time.Duration
}

func (l RateLimit) enabled() bool { return l.Requests > 0 && l.Per > 0 }

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

// Script gives the next request(s) matching Method, Path and the document
// id (StateID or ProfileID) special
// treatment. Scripts form a FIFO queue; each request takes the first
// script that matches it when it arrives, in arrival order.
//
// A script with a Status answers before authentication, the rate limit
// and every other check. Any other script applies only to a request that
// the rate limit admits: a request refused with 429 consumes no script.
type Script struct {
	// Method is the HTTP method to match; "" matches any.
	Method string
	// Path is the resource to match, below URL: StatePath (the default
	// when empty), ActivityProfilePath or AgentProfilePath. Other paths
	// never consume a script.
	Path string
	// StateID is the stateId parameter to match on the State Resource;
	// "" matches any request, with or without one.
	StateID string
	// ProfileID is the profileId parameter to match on a profile
	// resource; "" matches any request, with or without one.
	ProfileID string
	// Times is how many matching requests the script applies to; 0 (or
	// less) means 1.
	Times int
	// Before, if set, runs before the request is handled and without the
	// server's lock held, so it may call SetDocument, DeleteDocument and
	// the other methods — for example to change a document between a
	// client's read and its write.
	Before func()
	// Status, if not zero, is answered with Header and Body instead of
	// handling the request; the store is left untouched. It must be in
	// 200–599: any other value is a broken script, answered with 500 and
	// a body that says so (Header and Body are then not used). For 204
	// and 304 no body is sent (nor logged), as HTTP requires. A Body sent
	// without a Content-Type in Header is labelled
	// "text/plain; charset=utf-8".
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
	// ProfileID is the profileId parameter of a profile resource request,
	// "" when absent.
	ProfileID string
	// Alternate reports that the request came in the alternate request
	// syntax of xAPI 1.0.3 §1.3: a POST whose query named the method and
	// whose form carried the rest. Method, StateID, ProfileID, Query,
	// RequestHeader and RequestBody are then those of the request it
	// carried — its method, its parameters, the header as the form
	// completed it (credentials redacted) and its content — once the form
	// is understood; the form itself is not kept, since it may hold
	// credentials.
	Alternate bool
	// Query is the parsed query string.
	Query url.Values
	// RequestHeader is a copy of the request header; the credentials of
	// an Authorization header are replaced by "[redacted]".
	RequestHeader http.Header
	// RequestBody is the request body as read: at most
	// MaxDocumentSize+1 bytes, so a body over the limit is cut short.
	RequestBody []byte
	// Status is the response status code the client received; 0 when a
	// fault (CommitThenDrop, DropBefore) closed the connection without an
	// answer.
	Status int
	// ResponseHeader is a copy of the response header as sent, Content-Type
	// and Content-Length included; only the Date header net/http adds is
	// missing.
	ResponseHeader http.Header
	// ResponseBody is the response body as sent: empty for HEAD and for
	// 204 and 304 answers.
	ResponseBody []byte
	// Scripted reports whether a Script with a Status produced the
	// response.
	Scripted bool
	// Arrival numbers the requests in the order the server took them in,
	// from 1 for the first request since NewServer (ResetLog does not
	// restart it).
	Arrival uint64
	// StoreOrder numbers the requests whose outcome the store decided —
	// reads, writes and failed preconditions alike — in the order it
	// decided them under its lock, from 1 for the first since NewServer.
	// It is 0 for a request answered before reaching the store (by a
	// script, the rate limit, authentication or validation). Under
	// concurrency it can differ from Arrival: it is the order in which
	// the writes took effect. A CheckThenWrite write that passed its
	// check is numbered when it is applied, after the pause.
	StoreOrder uint64
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

// String returns a one-line summary such as `PUT progress 204`, or
// `PUT progress 0 [CommitThenDrop]` for an exchange with a fault.
func (e Exchange) String() string {
	s := e.Method
	if e.StateID != "" {
		s += " " + e.StateID
	}
	if e.ProfileID != "" {
		s += " " + e.ProfileID
	}
	s += " " + strconv.Itoa(e.Status)
	if e.Fault != NoFault {
		s += " [" + e.Fault.String() + "]"
	}
	return s
}

// Server is an in-memory LRS with the State, Activity Profile, Agent
// Profile and About Resources, listening on 127.0.0.1.
// Its methods are safe for concurrent use, except Start (see
// NewUnstartedServer).
type Server struct {
	// URL is the LRS endpoint, "http://127.0.0.1:PORT/xapi", without a
	// trailing slash. The resources are below it: URL +
	// "/activities/state" (StateURL), and so on. It is empty until the
	// server is started.
	URL string

	ts      *httptest.Server // nil until Start
	handler http.Handler     // serveHTTP behind the faults
	version string
	user    string
	pass    string
	max     int64
	omitTag bool
	now     func() time.Time
	etag    func([]byte) string
	limit   RateLimit
	mode    Preconditions
	window  time.Duration // CheckThenWrite's pause; 0 for none
	faults  *fault.Injector
	cors    CORS

	aboutVersions []string // the version list of GET /about

	mu       sync.Mutex
	docs     map[docKey]*Document
	removed  map[docKey]removal // deleted documents, for the lists' Last-Modified
	scripts  []*Script
	seq      uint64      // requests taken, for Exchange.Arrival
	decided  uint64      // store decisions, for Exchange.StoreOrder
	admitted []time.Time // times of the requests admitted in the rate limit window
	log      []Exchange  // in arrival order
}

// docKey identifies a document: its resource, the activity ("" for an
// agent profile), the canonical agent ("" for an activity profile), the
// normalised registration ("" for none, and for profiles) and the stateId
// or profileId.
type docKey struct {
	res                               resource
	activity, agent, registration, id string
}

// removal records a deleted document: when it was deleted and when it had
// last been written. A list of ids that showed the document changed when
// it was deleted, so its Last-Modified must not fall back to an older
// write.
type removal struct {
	at, updated time.Time
}

// scope is the canonical form of a request's activity, agent and
// registration ("" for none).
type scope struct {
	activity, agent, registration string
}

// NewServer starts and returns a Server configured by opts (nil means the
// defaults). It panics if opts.Version is neither empty, "1.0.3" nor
// "2.0.0", if opts.Preconditions names no mode, or if a fault of
// opts.Faults is invalid (see Fault). The caller must Close it.
func NewServer(opts *Options) *Server {
	s := NewUnstartedServer(opts)
	s.Start()
	return s
}

// NewUnstartedServer returns a Server configured by opts, as NewServer
// does and with the same panics, but not listening. The caller either
// starts it with Start (and then must Close it) or serves its Handler on a
// listener of its own, such as an http.Server on a chosen address; the
// store, Log, scripts and faults are the same either way.
func NewUnstartedServer(opts *Options) *Server {
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
		limit:   o.RateLimit,
		now:     o.Now,
		etag:    o.ETag,
		mode:    o.Preconditions,
		window:  o.RaceWindow,
		docs:    make(map[docKey]*Document),
		removed: make(map[docKey]removal),
	}
	switch s.version {
	case "":
		s.version = statedoc.Version103
	case statedoc.Version103, statedoc.Version200:
	default:
		panic(fmt.Sprintf("statedoctest: unsupported xAPI version %q (want %q or %q)", o.Version, statedoc.Version103, statedoc.Version200))
	}
	if !serverkit.Mode(s.mode).Valid() {
		panic(fmt.Sprintf("statedoctest: unknown Preconditions mode %v", o.Preconditions))
	}
	switch {
	case s.window == 0:
		s.window = DefaultRaceWindow
	case s.window < 0:
		s.window = 0
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
	inj, err := fault.New(o.Faults)
	if err != nil {
		panic("statedoctest: Faults: " + err.Error())
	}
	s.faults = inj
	s.cors = CORS{AllowedOrigins: slices.Clone(o.CORS.AllowedOrigins)}
	s.aboutVersions = []string{s.version}
	if o.AboutVersions != nil {
		s.aboutVersions = slices.Clone(o.AboutVersions)
	}
	s.handler = s.withCORS(s.faults.WrapSkipped(http.HandlerFunc(s.serveHTTP), s.recordSkipped))
	return s
}

// Start starts a server from NewUnstartedServer on 127.0.0.1, on a port
// the system picks, and sets URL. It panics if the server is already
// started. It must not be called concurrently with other methods.
func (s *Server) Start() {
	if s.ts != nil {
		panic("statedoctest: Server already started")
	}
	s.ts = httptest.NewServer(s.handler)
	s.URL = s.ts.URL + basePath
}

// Handler returns the handler that serves the endpoint: the resources
// below "/xapi" (StatePath, ActivityProfilePath, AgentProfilePath and
// AboutPath), behind the server's faults and, with CORS, the answers to
// preflights, with every request it receives in the Log. Other paths
// answer 404. A started server serves it too; a program that serves it on
// an address of its own uses NewUnstartedServer.
//
// CommitThenDrop and DropBefore close the connection by hijacking it, so
// the handler's ResponseWriter should support http.Hijacker, as those of
// an HTTP/1 http.Server do; otherwise they abort the handler with
// http.ErrAbortHandler.
func (s *Server) Handler() http.Handler { return s.handler }

// Client returns an HTTP client configured for the server: for a server
// never started, a new client with a transport of its own.
func (s *Server) Client() *http.Client {
	if s.ts == nil {
		return &http.Client{Transport: &http.Transport{}}
	}
	return s.ts.Client()
}

// Close shuts the server down and blocks until its requests are done,
// paused CheckThenWrite writes included. On a server never started it
// does nothing: requests served through Handler are the caller's server's.
func (s *Server) Close() {
	if s.ts != nil {
		s.ts.Close()
	}
}

// Version returns the xAPI version the server speaks.
func (s *Server) Version() string { return s.version }

// Preconditions returns how the server treats the preconditions of writes.
func (s *Server) Preconditions() Preconditions { return s.mode }

// StateURL returns the State Resource's URL, URL + "/activities/state".
func (s *Server) StateURL() string { return s.URL + StatePath }

// ActivityProfileURL returns the Activity Profile Resource's URL,
// URL + "/activities/profile".
func (s *Server) ActivityProfileURL() string { return s.URL + ActivityProfilePath }

// AgentProfileURL returns the Agent Profile Resource's URL,
// URL + "/agents/profile".
func (s *Server) AgentProfileURL() string { return s.URL + AgentProfilePath }

// AboutURL returns the About Resource's URL, URL + "/about".
func (s *Server) AboutURL() string { return s.URL + AboutPath }

// AboutVersions returns the "version" list GET /about answers.
func (s *Server) AboutVersions() []string { return slices.Clone(s.aboutVersions) }

// Script queues sc. A request to a document resource consumes one use of
// the first queued script whose Method, Path and StateID or ProfileID
// match it.
func (s *Server) Script(sc Script) {
	if sc.Times <= 0 {
		sc.Times = 1
	}
	if sc.Header != nil {
		h := make(http.Header, len(sc.Header))
		for name, values := range sc.Header {
			h[http.CanonicalHeaderKey(name)] = slices.Clone(values)
		}
		sc.Header = h
	}
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
	return docKey{stateResource, sc.activity, sc.agent, sc.registration, key.StateID}, true
}

// scopeOf returns the canonical scope: the agent as Agent.QueryValue
// encodes it (so the case of an mbox_sha1sum does not matter) and the
// registration in lowercase.
func scopeOf(activity string, agent statedoc.Agent, registration string) (scope, error) {
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
	return s.setDoc(k, contentType, body)
}

// setDoc stores a document directly and returns its ETag.
func (s *Server) setDoc(k docKey, contentType string, body []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store(k, contentType, bytes.Clone(body))
}

// doc returns a copy of the stored document k.
func (s *Server) doc(k docKey) (Document, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.docs[k]
	if !ok {
		return Document{}, false
	}
	return d.clone(), true
}

// deleteDoc removes the stored document k, if it exists.
func (s *Server) deleteDoc(k docKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.docs[k]; ok {
		s.remove(k, s.now())
	}
}

// activityProfileKeyOf returns the document identity of key, or false if
// key is invalid.
func activityProfileKeyOf(key statedoc.ActivityProfileKey) (docKey, bool) {
	if key.Validate() != nil {
		return docKey{}, false
	}
	return docKey{res: activityProfileResource, activity: key.ActivityID, id: key.ProfileID}, true
}

// agentProfileKeyOf returns the document identity of key, or false if key
// is invalid.
func agentProfileKeyOf(key statedoc.AgentProfileKey) (docKey, bool) {
	agent, err := key.Agent.QueryValue()
	if err != nil || key.Validate() != nil {
		return docKey{}, false
	}
	return docKey{res: agentProfileResource, agent: agent, id: key.ProfileID}, true
}

// SetActivityProfile stores an activity profile document directly, as
// another client's write would, with a new ETag and Updated set to the
// server's clock, and returns the ETag. It stores nothing and returns ""
// if key is invalid.
func (s *Server) SetActivityProfile(key statedoc.ActivityProfileKey, contentType string, body []byte) (etag string) {
	k, ok := activityProfileKeyOf(key)
	if !ok {
		return ""
	}
	return s.setDoc(k, contentType, body)
}

// ActivityProfile returns a copy of the activity profile document key
// addresses, if it exists.
func (s *Server) ActivityProfile(key statedoc.ActivityProfileKey) (Document, bool) {
	k, ok := activityProfileKeyOf(key)
	if !ok {
		return Document{}, false
	}
	return s.doc(k)
}

// DeleteActivityProfile removes the activity profile document key
// addresses, if it exists.
func (s *Server) DeleteActivityProfile(key statedoc.ActivityProfileKey) {
	if k, ok := activityProfileKeyOf(key); ok {
		s.deleteDoc(k)
	}
}

// SetAgentProfile stores an agent profile document directly, as another
// client's write would, with a new ETag and Updated set to the server's
// clock, and returns the ETag. It stores nothing and returns "" if key is
// invalid.
func (s *Server) SetAgentProfile(key statedoc.AgentProfileKey, contentType string, body []byte) (etag string) {
	k, ok := agentProfileKeyOf(key)
	if !ok {
		return ""
	}
	return s.setDoc(k, contentType, body)
}

// AgentProfile returns a copy of the agent profile document key
// addresses, if it exists.
func (s *Server) AgentProfile(key statedoc.AgentProfileKey) (Document, bool) {
	k, ok := agentProfileKeyOf(key)
	if !ok {
		return Document{}, false
	}
	return s.doc(k)
}

// DeleteAgentProfile removes the agent profile document key addresses, if
// it exists.
func (s *Server) DeleteAgentProfile(key statedoc.AgentProfileKey) {
	if k, ok := agentProfileKeyOf(key); ok {
		s.deleteDoc(k)
	}
}

// Document returns a copy of the document key addresses, if it exists.
func (s *Server) Document(key statedoc.Key) (Document, bool) {
	k, ok := keyOf(key)
	if !ok {
		return Document{}, false
	}
	return s.doc(k)
}

// DeleteDocument removes the document key addresses, if it exists.
func (s *Server) DeleteDocument(key statedoc.Key) {
	if k, ok := keyOf(key); ok {
		s.deleteDoc(k)
	}
}

// Log returns a copy of the exchanges recorded so far, in arrival order:
// the order in which the server took the requests in (Exchange.Arrival),
// which is also the order in which they consumed scripts. Concurrent
// requests may have been decided by the store in another order; see
// Exchange.StoreOrder. An exchange is recorded before its response is
// sent. The copy is deep: changing it does not change the server's record.
func (s *Server) Log() []Exchange {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Exchange, len(s.log))
	for i, e := range s.log {
		out[i] = e.clone()
	}
	return out
}

// clone returns a deep copy of e.
func (e Exchange) clone() Exchange {
	c := e
	if e.Query != nil {
		c.Query = make(url.Values, len(e.Query))
		for name, values := range e.Query {
			c.Query[name] = slices.Clone(values)
		}
	}
	c.RequestHeader = e.RequestHeader.Clone()
	c.ResponseHeader = e.ResponseHeader.Clone()
	c.RequestBody = bytes.Clone(e.RequestBody)
	c.ResponseBody = bytes.Clone(e.ResponseBody)
	return c
}

// TakeLog returns the exchanges recorded so far, as Log does, and forgets
// them, in one step: successive calls return each exchange once, so a
// long-running server can report its exchanges without its log growing.
// An exchange recorded after a later arrival (a concurrent request that
// took longer) is returned by a later call.
func (s *Server) TakeLog() []Exchange {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.log
	s.log = nil
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
	if rm, ok := s.removed[k]; ok && !rm.at.After(d.Updated) {
		delete(s.removed, k) // the new write is at least as recent
	}
	return d.ETag
}

// remove deletes the stored document k at the time now, remembering the
// removal; s.mu must be held.
func (s *Server) remove(k docKey, now time.Time) {
	s.removed[k] = removal{at: now, updated: s.docs[k].Updated}
	delete(s.docs, k)
}

// record adds an exchange to the log at its arrival position.
func (s *Server) record(ex Exchange) {
	ex = ex.clone()
	s.mu.Lock()
	defer s.mu.Unlock()
	i := sort.Search(len(s.log), func(i int) bool { return s.log[i].Arrival > ex.Arrival })
	s.log = slices.Insert(s.log, i, ex)
}

// findScript returns the index of the first script matching the request,
// or -1; s.mu must be held.
func (s *Server) findScript(method, path, id string) int {
	res, ok := resourceAt(path)
	if !ok {
		return -1
	}
	for i, sc := range s.scripts {
		scriptPath := sc.Path
		if scriptPath == "" {
			scriptPath = StatePath
		}
		if basePath+scriptPath != path || sc.Method != "" && sc.Method != method {
			continue
		}
		want := sc.StateID
		if res != stateResource {
			want = sc.ProfileID
		}
		if want == "" || want == id {
			return i
		}
	}
	return -1
}

// useScript consumes one use of script i; s.mu must be held.
func (s *Server) useScript(i int) Script {
	sc := s.scripts[i]
	sc.Times--
	if sc.Times <= 0 {
		s.scripts = append(s.scripts[:i], s.scripts[i+1:]...)
	}
	return *sc
}

// admit applies the rate limit to a request arriving now, recording it
// when admitted; it returns the 429 answer otherwise. s.mu must be held.
func (s *Server) admit() *response {
	if !s.limit.enabled() {
		return nil
	}
	now := s.now()
	keep := s.admitted[:0]
	for _, t := range s.admitted {
		if t.Add(s.limit.Per).After(now) {
			keep = append(keep, t)
		}
	}
	s.admitted = keep
	if len(s.admitted) < s.limit.Requests {
		s.admitted = append(s.admitted, now)
		return nil
	}
	wait := s.admitted[0].Add(s.limit.Per).Sub(now)
	secs := int64((wait + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	resp := serverkit.TextResponse(http.StatusTooManyRequests, "rate limit: at most %d requests per %v; retry after %d s", s.limit.Requests, s.limit.Per, secs)
	resp.Header.Set("Retry-After", strconv.FormatInt(secs, 10))
	return resp
}

// response is an answer built before it is logged and written.
type response = serverkit.Response

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	q, qerr := url.ParseQuery(r.URL.RawQuery)
	in := &inbound{method: r.Method, path: r.URL.Path, header: r.Header, query: q, qerr: qerr}
	// The alternate request syntax carries the real request in the form:
	// read it first, so that scripts match the request it carries.
	var refused *response
	if s.alternateCandidate(r.Method, q) {
		refused = s.readAlternate(in, r.Body)
	}
	ex := newExchange(in)

	// Arrival, script and rate limit are decided together, so the log's
	// order is the order in which scripts were consumed.
	var (
		script  Script
		found   bool
		limited *response
	)
	s.mu.Lock()
	s.seq++
	ex.Arrival = s.seq
	i := -1
	if refused == nil {
		i = s.findScript(in.method, in.path, idOf(in.path, in.query))
	}
	if i < 0 || s.scripts[i].Status == 0 {
		limited = s.admit()
	}
	if i >= 0 && limited == nil {
		script, found = s.useScript(i), true
	}
	s.mu.Unlock()

	if found && script.Before != nil {
		script.Before()
	}
	if !in.alternate {
		body, err := io.ReadAll(io.LimitReader(r.Body, s.max+1))
		in.body, in.bodyErr, in.tooLarge = body, err, int64(len(body)) > s.max
	}
	ex.RequestBody = in.body

	var resp *response
	applyScript := found
	switch {
	case limited != nil:
		resp = limited
	case found && script.Status != 0:
		ex.Scripted = true
		if script.Status < 200 || script.Status > 599 {
			resp = serverkit.TextResponse(http.StatusInternalServerError, "statedoctest: broken Script: Status %d is not a final HTTP status (200-599); answering 500 instead", script.Status)
			applyScript = false
			break
		}
		resp = serverkit.NewResponse(script.Status)
		resp.Body = bytes.Clone(script.Body)
	case refused != nil:
		resp = refused
	default:
		resp = s.handle(in, &ex)
	}
	resp.Header.Set(statedoc.HeaderVersion, s.version)
	s.setCORS(r.Header, resp.Header)
	if applyScript {
		for name, values := range script.Header {
			delete(resp.Header, name)
			if len(values) > 0 {
				resp.Header[name] = slices.Clone(values)
			}
		}
		if _, given := script.Header["Content-Type"]; ex.Scripted && !given && len(resp.Body) > 0 && serverkit.BodyAllowed(resp.Status) {
			resp.Header.Set("Content-Type", "text/plain; charset=utf-8")
		}
	}

	// Record what goes on the wire: no body (nor the headers net/http
	// drops) where HTTP allows none, and an explicit Content-Length. The
	// method on the wire decides (POST for the alternate syntax, which
	// never carries HEAD).
	out := resp.Body
	switch {
	case !serverkit.BodyAllowed(resp.Status):
		out = nil
		resp.Header.Del("Content-Length")
		resp.Header.Del("Transfer-Encoding")
		if resp.Status == http.StatusNotModified {
			resp.Header.Del("Content-Type")
		}
	case r.Method == http.MethodHead:
		if resp.Header.Get("Content-Length") == "" && len(out) > 0 {
			resp.Header.Set("Content-Length", strconv.Itoa(len(out)))
		}
		out = nil
	case resp.Header.Get("Content-Length") == "":
		resp.Header.Set("Content-Length", strconv.Itoa(len(out)))
	}
	ex.Status = resp.Status
	ex.ResponseHeader = resp.Header
	ex.ResponseBody = out
	applyFault(r, &ex)
	s.record(ex)

	resp.Send(w, out)
}

// newExchange starts the log entry of the request in.
func newExchange(in *inbound) Exchange {
	ex := Exchange{
		Method:        in.method,
		Path:          in.path,
		Query:         in.query,
		RequestHeader: redact.Header(in.header),
		Alternate:     in.alternate,
	}
	if res, ok := resourceAt(in.path); ok && res != stateResource {
		ex.ProfileID = idOf(in.path, in.query)
	} else if v := in.query["stateId"]; len(v) > 0 {
		ex.StateID = v[0]
	}
	return ex
}
