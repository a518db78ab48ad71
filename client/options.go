package client

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/ifmatch/ifmatch/internal/backoff"
)

// Options configures what every client shares: the HTTP client, credentials,
// the bounds of the loop and the transport's retries. The zero value of every field means the default
// written beside it, so a nil *Options or an empty Options is a working setup.
type Options struct {
	// HTTPClient sends the requests. Nil means http.DefaultClient. Its timeouts
	// apply per request; the context given to each call bounds the whole call.
	// Reads follow redirects as its CheckRedirect says; writes and deletes
	// never do (a 3xx answer is an error matching ErrRedirect).
	HTTPClient *http.Client

	// Username and Password are sent as HTTP Basic credentials when Username is
	// not empty. Empty means the user information of the endpoint URL, if
	// any. They never appear in errors or logs.
	Username string
	Password string

	// MaxAttempts bounds the conditional writes of one Update or Save. A
	// write is lost, and the document read again for another attempt, when
	// it is answered 409 or 412; an If-Match write also when answered 428
	// (the server wants a fresher precondition) or 404 (taken as "deleted"
	// when the read finds no document, as a lost write when it finds
	// another version; when it finds the very version the write was based
	// on, the call fails with the 404). A
	// create (If-None-Match: *) answered 428 fails at once: reading again
	// cannot mend it. When the bound is reached the call fails with
	// ErrConflict. Zero or a negative value means 16.
	MaxAttempts int

	// ConflictBackoff gives the wait after the n-th lost write (n counts from 1)
	// before the document is read again; it also spaces the re-reads made for a
	// strong ETag. Nil means equal jitter from 50 ms, capped at 500 ms
	// (EqualJitter(50*time.Millisecond, 500*time.Millisecond)): after the
	// n-th lost write a wait in [d/2, d], d = min(500 ms, 50 ms·2^(n-1)).
	// Under contention it keeps writers from giving up and costs about
	// three requests per commit (see internal/bench); a lone conflict costs
	// 25 to 50 ms.
	ConflictBackoff Backoff

	// WeakETagRereads bounds the reads made to obtain a strong ETag when the
	// server answers with a weak one or none (neither can be sent in If-Match).
	// After that many extra reads the call fails with ErrWeakETag.
	// Zero means 3; a negative value means no extra read.
	WeakETagRereads int

	// OnDeleted says what a write does when the document it was changing is
	// deleted by someone else in the middle of the loop. The zero value,
	// RecreateDeleted, creates it again from the change; FailDeleted returns
	// ErrDeleted.
	OnDeleted DeletedPolicy

	// TransportRetries bounds the re-sends of a request that the network or the
	// server failed before processing it: reads are retried on connection
	// errors, 429 and 5xx (except 501); writes only on 429 and on connection
	// failures that happened before anything was sent, since the outcome of a
	// write that reached the server is unknown (ErrOutcomeUnknown).
	// Retry-After is honoured; an answer asking for a longer wait than
	// TransportWaitMax is returned to the caller instead of re-sent early.
	// A 429, or a 503 with Retry-After, slows the whole client: no request
	// of it is sent before the wait asked (at most TransportWaitMax) is
	// over, so that goroutines and batches sharing a client slow down
	// together.
	// Zero means 3; a negative value means none.
	TransportRetries int

	// TransportWaitMin and TransportWaitMax bound the wait between transport
	// retries. Zero or negative means 100 ms and 5 s; a maximum below the
	// minimum is raised to it.
	TransportWaitMin time.Duration
	TransportWaitMax time.Duration

	// ContentType is the Content-Type of documents written by a client of a
	// raw type (StateClient[[]byte], json.RawMessage, type Blob []byte)
	// when no existing document gives one. Empty means "application/json"
	// for json.RawMessage and "application/octet-stream" for the others —
	// even when the bytes happen to be JSON, so that Save's default merge,
	// which needs JSON on both sides, refuses them with ErrNoMerge; set
	// "application/json" (or use json.RawMessage) for raw JSON documents.
	// JSON clients always send "application/json".
	ContentType string

	// Logger receives one debug record per event (see Observer): each
	// operation's start and end, each request and each decision of the
	// loop. Nil means silent.
	Logger *slog.Logger

	// Observer receives the same events as Logger, as values (see
	// Observer), for metrics and traces. Nil means none.
	Observer Observer

	// IdempotentEdits declares that every edit passed to Update sets values
	// rather than building on them (applying it twice gives what applying
	// it once gives: "tick box 3", not "add one"). After a lost answer, a
	// document holding exactly what the write sent then proves the write
	// was applied. The zero value, false, makes no such claim: two writers
	// can turn 5 into 6 alike, so the same bytes prove nothing and the call
	// fails with an *OutcomeError. Save never needs it: the state it writes
	// is the caller's intent.
	IdempotentEdits bool

	// WriteLog, when not empty, is a JSON Pointer (such as "/_writes") to a
	// member where the client keeps the ids of the document's recent writes:
	// every write adds its own random id and drops the oldest beyond
	// WriteLogSize. After a lost answer, the id's presence says whether the
	// write was applied, so every outcome is decided while the server can
	// be read — unless more than WriteLogSize writes happened since the
	// write was made, which fails with ErrUndecidable. The member is not
	// data: it is left out of merges and comparisons, and T never sees it
	// changed. It costs about 19 bytes per id in every document (some 300
	// bytes at the default size), and documents must be JSON objects.
	// Every client that writes the document should set the same WriteLog. The
	// zero value keeps no log.
	WriteLog string

	// WriteLogSize bounds the ids kept in WriteLog. Zero or negative means
	// 16.
	WriteLogSize int

	// VerifyWrites, with WriteLog, reads the document back after every
	// acknowledged write and, when its log lacks the write's id (and has not
	// rolled over), brings the change onto the version found and writes
	// again. It narrows, and cannot close, the window of a server that
	// checks the precondition and writes in two steps without a lock (a
	// Racy probe verdict): another write can still replace ours between the
	// write and the read. It costs one read per write. The zero value does
	// not read back.
	VerifyWrites bool

	// Protection is the verdict of an earlier Probe of the server. The zero
	// value, Unprobed, changes nothing. Any other verdict but Enforcing makes
	// every write and delete fail at once, before any request, with an error
	// matching ErrUnprotected: for callers who would rather fail than risk a
	// lost update on a server that does not enforce preconditions.
	Protection Protection

	// Cache keeps the last version of each document the client read or
	// wrote, so that Update and Save can write against it without reading
	// first. The zero value keeps nothing.
	Cache CacheOptions
}

// CacheOptions bounds the cache of last versions (Options.Cache). Turn it
// on when one process owns the documents it writes (a backend that alone
// writes a learner's state): an update then costs one request, the
// conditional write, instead of a read and a write. When another writer
// changed the document since, the write is answered 412 and the loop reads
// the new version as it always does, so a stale entry costs one wasted
// write, never a lost update. An edit that changes nothing on a cached
// version is checked against a fresh read before the call reports
// Unchanged. The version a write leaves is remembered as the document the
// client sent: on a server that adds members of its own to what it stores
// without changing the ETag it answers, leave the cache off.
type CacheOptions struct {
	// Size is the most documents kept, the least recently used dropped
	// first. Zero or negative turns the cache off.
	Size int
	// TTL is how long a version is used after it was seen. Zero or
	// negative means 30 seconds.
	TTL time.Duration
}

// LRSOptions configures the clients of a Learning Record Store's resources
// (StateClient): the shared Options and what belongs to xAPI alone.
type LRSOptions struct {
	Options

	// Version is the X-Experience-API-Version header sent on every request
	// to the LRS. Empty means statedoc.Version103.
	Version string

	// NegotiateVersion, when true, makes the client read the LRS's About
	// Resource (<endpoint>/about) before its first request and send the
	// highest version listed there that it speaks (1.0.x or 2.0.x), once
	// per client; Version is then not used. When no version is in common,
	// or /about cannot be read, every call fails with an error matching
	// ErrVersion (and the next call asks again). The zero value sends
	// Version without asking.
	NegotiateVersion bool

	// LMS says the client acts for a cmi5 LMS, which owns the
	// LMS.LaunchData state document. The zero value, for a course (an
	// assignable unit) or any other application, refuses to write or
	// delete that document (ErrLMSOwned), and DeleteContext refuses a
	// scope that holds it.
	LMS bool
}

// DocumentOptions configures a DocumentClient: the shared Options and the
// shape of the API's requests. The zero value speaks plain HTTP: the
// version is the ETag header, sent back in If-Match, and writes are PUTs of
// the whole document.
type DocumentOptions struct {
	Options

	// VersionField is a JSON Pointer (RFC 6901) to the member of the
	// document that holds its version, for APIs that keep it in the body
	// (for example "/eTag", or "/_rev"). Empty means the version is the
	// ETag header. The field is not data: it is left out of every merge and
	// comparison, Doc.ETag holds its value (a string's text, a number's
	// digits), and a decoded Value sees the version of the document it was
	// decoded from. A document without the field cannot be written
	// conditionally (ErrNoVersion).
	VersionField string

	// SendVersionField says whether writes carry VersionField, set to the
	// version the write is based on (as APIs that check a revision in the
	// body need, CouchDB's "_rev" among them). False, the zero value, strips
	// it from every write, for APIs where it is read-only. PATCH bodies never
	// carry it.
	SendVersionField bool

	// VersionFunc reads the version from an answer to a GET (or to a
	// write, for the version it created) when neither the ETag header nor a
	// body field holds it as is. It returns "" when the answer carries none.
	// Nil means VersionField, or the ETag header.
	VersionFunc func(header http.Header, body []byte) (string, error)

	// PreconditionHeader names the request header that carries the version
	// on a conditional write. Empty means "If-Match". A create always sends
	// If-None-Match: *.
	PreconditionHeader string

	// Write is how a change is sent. The zero value, WritePut, PUTs the
	// whole document.
	Write WriteMethod

	// OnAbsent says what a PATCH write (Write is WriteMergePatch or
	// WriteJSONPatch) does when the document does not exist: the zero
	// value, PutAbsent, creates it with a PUT of the whole document and
	// If-None-Match: *; FailAbsent fails with ErrNotFound, for APIs that
	// create by POST to a collection (DocumentClient.Create). A PUT write
	// always creates with If-None-Match: *.
	OnAbsent AbsentPolicy
}

// WriteMethod is how a DocumentClient sends a change.
type WriteMethod int

const (
	// WritePut PUTs the whole document.
	WritePut WriteMethod = iota
	// WriteMergePatch PATCHes an RFC 7386 merge patch
	// (application/merge-patch+json) of the document as read to the
	// document to write; on a retry, of the new version to the merged
	// result. A change that sets a value to null, which a merge patch
	// cannot express, is sent as an RFC 6902 JSON Patch instead.
	WriteMergePatch
	// WriteJSONPatch PATCHes an RFC 6902 JSON Patch
	// (application/json-patch+json) made by merge.JSONPatch.
	WriteJSONPatch
)

// String returns "PUT", "merge patch" or "JSON patch".
func (m WriteMethod) String() string {
	switch m {
	case WritePut:
		return "PUT"
	case WriteMergePatch:
		return "merge patch"
	case WriteJSONPatch:
		return "JSON patch"
	}
	return "WriteMethod(?)"
}

// AbsentPolicy is what a PATCH write does when its document is absent.
type AbsentPolicy int

const (
	// PutAbsent creates the document with a PUT and If-None-Match: *.
	PutAbsent AbsentPolicy = iota
	// FailAbsent fails the write with an error matching ErrNotFound.
	FailAbsent
)

// Backoff returns how long to wait before the next attempt, given the number
// of attempts that have failed so far (1 for the first).
type Backoff func(attempt int) time.Duration

// FullJitter returns a Backoff that waits a uniformly random time in
// [0, min(limit, base·2^(attempt-1))].
func FullJitter(base, limit time.Duration) Backoff {
	return func(attempt int) time.Duration { return backoff.FullJitter(attempt, base, limit) }
}

// EqualJitter returns a Backoff that waits a uniformly random time in
// [d/2, d], d = min(limit, base·2^(attempt-1)): the default.
func EqualJitter(base, limit time.Duration) Backoff {
	return func(attempt int) time.Duration { return backoff.EqualJitter(attempt, base, limit) }
}

// DeletedPolicy is what a write does when its document disappears mid-loop.
type DeletedPolicy int

const (
	// RecreateDeleted creates the document again, with If-None-Match: *,
	// from the change: Update replays its edit on the zero value; Save
	// writes what ours changed or added (members it only carried over from
	// the deleted version stay deleted).
	RecreateDeleted DeletedPolicy = iota
	// FailDeleted stops the write with ErrDeleted.
	FailDeleted
)

// String returns the policy's name.
func (p DeletedPolicy) String() string {
	switch p {
	case RecreateDeleted:
		return "recreate"
	case FailDeleted:
		return "fail"
	}
	return "DeletedPolicy(?)"
}

// settings are Options with every default filled in.
type settings struct {
	httpClient       *http.Client
	username         string
	password         string
	maxAttempts      int
	conflictBackoff  Backoff
	weakRereads      int
	onDeleted        DeletedPolicy
	transportRetries int
	waitMin, waitMax time.Duration
	contentType      string
	logger           *slog.Logger
	observer         Observer
	protection       Protection
	idempotentEdits  bool
	writeLog         string
	writeLogSize     int
	verify           bool
	cacheSize        int
	cacheTTL         time.Duration
}

func resolve(o *Options) settings {
	var s settings
	if o != nil {
		s = settings{
			httpClient: o.HTTPClient, username: o.Username, password: o.Password,
			maxAttempts: o.MaxAttempts, conflictBackoff: o.ConflictBackoff, weakRereads: o.WeakETagRereads,
			onDeleted: o.OnDeleted, transportRetries: o.TransportRetries, waitMin: o.TransportWaitMin,
			waitMax: o.TransportWaitMax, contentType: o.ContentType, logger: o.Logger, observer: o.Observer,
			protection: o.Protection, idempotentEdits: o.IdempotentEdits, writeLog: o.WriteLog,
			writeLogSize: o.WriteLogSize, verify: o.VerifyWrites,
			cacheSize: o.Cache.Size, cacheTTL: o.Cache.TTL,
		}
	}
	if s.httpClient == nil {
		s.httpClient = http.DefaultClient
	}
	if s.maxAttempts <= 0 {
		s.maxAttempts = 16
	}
	if s.conflictBackoff == nil {
		s.conflictBackoff = EqualJitter(50*time.Millisecond, 500*time.Millisecond)
	}
	switch {
	case s.weakRereads == 0:
		s.weakRereads = 3
	case s.weakRereads < 0:
		s.weakRereads = 0
	}
	switch {
	case s.transportRetries == 0:
		s.transportRetries = 3
	case s.transportRetries < 0:
		s.transportRetries = 0
	}
	if s.waitMin <= 0 {
		s.waitMin = 100 * time.Millisecond
	}
	if s.waitMax <= 0 {
		s.waitMax = 5 * time.Second
	}
	if s.waitMax < s.waitMin {
		s.waitMax = s.waitMin
	}
	if s.writeLogSize <= 0 {
		s.writeLogSize = 16
	}
	if s.cacheTTL <= 0 {
		s.cacheTTL = 30 * time.Second
	}
	return s
}
