package client

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Sentinel errors. Match them with errors.Is; the errors returned carry more
// detail (*HTTPError, *WriteError) for errors.As.
var (
	// ErrConflict means every allowed attempt of a write failed without
	// being applied: each lost to another writer (an answer that asks for a
	// fresh read; see Options.MaxAttempts for which answers those are), or
	// lost its answer and a read showed it not applied (the error then also
	// wraps the last failure).
	ErrConflict = errors.New("ifmatch: conflict: attempts exhausted")
	// ErrNotFound matches an *HTTPError with status 404: a 404 answer the
	// call could not take as "absent". Get, Update and Save take a 404 to
	// a read as an absent document and never return it for that; a write
	// answered 404 although a re-read still finds the version it was based
	// on returns it (a proxy or router that sends writes elsewhere), and
	// Delete, DeleteContext and List return it when the server answers 404.
	ErrNotFound = errors.New("ifmatch: not found")
	// ErrPreconditionFailed means the server refused a conditional request
	// because the document changed (412). Update and Save handle it
	// themselves; Delete returns it for a stale ETag.
	ErrPreconditionFailed = errors.New("ifmatch: precondition failed")
	// ErrPreconditionRequired means the server wants a conditional request
	// (428), or that Delete was called without an ETag.
	ErrPreconditionRequired = errors.New("ifmatch: precondition required")
	// ErrBadRequest means the server rejected the request as malformed (400).
	ErrBadRequest = errors.New("ifmatch: bad request")
	// ErrUnauthorized means the credentials were missing or wrong (401).
	ErrUnauthorized = errors.New("ifmatch: unauthorized")
	// ErrForbidden means the credentials do not allow the request (403).
	ErrForbidden = errors.New("ifmatch: forbidden")
	// ErrTooLarge means the server refused the document's size (413).
	ErrTooLarge = errors.New("ifmatch: document too large")
	// ErrUnavailable matches an *HTTPError with status 429 or 503: the
	// server asked to be called later (the transport waits and re-sends
	// up to Options.TransportRetries, and returns the answer when
	// Retry-After asks for longer than TransportWaitMax). A 429, or a 503
	// with Retry-After, says the request was not processed; a write
	// answered 503 without Retry-After also matches ErrOutcomeUnknown.
	ErrUnavailable = errors.New("ifmatch: server unavailable")
	// ErrRedirect matches an *HTTPError with a 3xx status. Writes and
	// deletes never follow redirects, so a write answered by one wrote
	// nothing; the *HTTPError carries the status and the Location. A read
	// returns it when the HTTP client did not follow the redirect.
	ErrRedirect = errors.New("ifmatch: redirected")
	// ErrWeakETag means the server gave no strong ETag for the document after
	// the allowed re-reads, so no conditional write could be made safely.
	ErrWeakETag = errors.New("ifmatch: no strong ETag to send in If-Match")
	// ErrInvalidETag means the server sent an ETag that is not one entity
	// tag by the RFC 9110 grammar (a list, "*", a lowercase "w/", spaces
	// inside, unbalanced quotes), so it cannot be sent back in If-Match
	// with any meaning: the document is refused when it is read.
	ErrInvalidETag = errors.New("ifmatch: invalid ETag")
	// ErrNoVersion means an existing document came without the version a
	// conditional write needs, from a client whose version is kept in the
	// body (DocumentOptions.VersionField) or read by a function.
	ErrNoVersion = errors.New("ifmatch: no version to send as a precondition")
	// ErrNoLocation means a Create was answered with success but without a
	// Location header that says where the new document is: the document
	// exists, and the client cannot address it.
	ErrNoLocation = errors.New("ifmatch: created, but no Location says where")
	// ErrUnprotected means a write or delete was refused before any request
	// because Options.Protection holds a probe verdict other than
	// Enforcing: the server could lose the update whatever the client does.
	ErrUnprotected = errors.New("ifmatch: the server does not enforce preconditions")
	// ErrDeleted means the document was deleted while a write was in progress
	// and Options.OnDeleted is FailDeleted.
	ErrDeleted = errors.New("ifmatch: document deleted during the write")
	// ErrOutcomeUnknown means a write may or may not have been applied: its
	// answer was lost (the connection failed after the request was sent, or
	// the server answered 5xx) and a read of the document could not settle
	// it (an *OutcomeError carries what the read found), or no read could
	// be made. Options.WriteLog makes such outcomes decidable.
	ErrOutcomeUnknown = errors.New("ifmatch: outcome of the write unknown")
	// ErrUndecidable means the answer to a write was lost and its id could
	// not be looked up: the document's write log (Options.WriteLog) rolled
	// over before the client could read it. The write may or may not have
	// been applied.
	ErrUndecidable = errors.New("ifmatch: outcome undecidable")
	// ErrNotSent means a request never left the process: it could not be
	// built (a header value with control characters, an invalid URL) or
	// the connection could not be opened. Nothing reached the server.
	ErrNotSent = errors.New("ifmatch: request not sent")
	// ErrNoMerge means Save needed the default merge for documents that have
	// none (raw bytes that are not JSON): pass a merge.Func.
	ErrNoMerge = errors.New("ifmatch: no default merge for this content type")
	// ErrInvalidDocument means a document could not be decoded or encoded
	// (for example, the server holds text that is not JSON for a JSON client).
	ErrInvalidDocument = errors.New("ifmatch: invalid document")
	// ErrVersion means the client could not agree on an xAPI version with
	// the LRS (LRSOptions.NegotiateVersion): its About Resource could not
	// be read, or lists no version the client speaks.
	ErrVersion = errors.New("ifmatch: no xAPI version agreed with the LRS")
	// ErrLMSOwned means a write or delete of cmi5's LMS.LaunchData state
	// document, which belongs to the LMS, by a client that does not act
	// for the LMS (LRSOptions.LMS); nothing was sent.
	ErrLMSOwned = errors.New("ifmatch: the document belongs to the cmi5 LMS")
	// ErrPreferencesForbidden means the LMS answered 403 to a request on
	// the cmi5LearnerPreferences agent profile. cmi5 allows an LMS to
	// refuse access to the learner's preferences: a course is to go on
	// with its own defaults, not fail. It also matches ErrForbidden.
	ErrPreferencesForbidden = errors.New("ifmatch: the LMS does not share the learner's preferences")
)

// prefix starts the text of every error of this package.
const prefix = "ifmatch: "

// brief returns err's text without the package prefix, for an error that
// wraps it and says the prefix once. Errors of this package that have a
// shorter form inside another (HTTPError: without its URL) give that.
func brief(err error) string {
	if b, ok := err.(interface{ brief() string }); ok {
		return b.brief()
	}
	return strings.TrimPrefix(err.Error(), prefix)
}

// wrapped is a condition (a sentinel) with its cause: it matches both, and
// its text says the package prefix once.
type wrapped struct {
	kind, err error
}

func wrap(kind, err error) error { return &wrapped{kind: kind, err: err} }

func (w *wrapped) Error() string   { return prefix + w.brief() }
func (w *wrapped) brief() string   { return brief(w.kind) + ": " + brief(w.err) }
func (w *wrapped) Unwrap() []error { return []error{w.kind, w.err} }

// annotated is an error with a note that explains it.
type annotated struct {
	err  error
	note string
}

func annotate(err error, note string) error { return &annotated{err: err, note: note} }

func (a *annotated) Error() string { return prefix + a.brief() }
func (a *annotated) brief() string { return brief(a.err) + " (" + a.note + ")" }
func (a *annotated) Unwrap() error { return a.err }

// maxExcerpt bounds the body text kept in an HTTPError.
const maxExcerpt = 512

// HTTPError is an answer from the server that the call could not use.
// It never holds credentials: URL has its user information removed and no
// request header is kept.
type HTTPError struct {
	// Method is the request's method.
	Method string
	// URL is the request's URL without user information.
	URL string
	// StatusCode is the answer's status.
	StatusCode int
	// Body is the start of the response body, at most 512 bytes, cut on a
	// character boundary.
	Body string
	// Location is the Location header of a redirect (3xx), without user
	// information; empty otherwise.
	Location string
}

func newHTTPError(method, rawURL string, resp *response) *HTTPError {
	e := &HTTPError{Method: method, URL: redact(rawURL), StatusCode: resp.status, Body: excerpt(resp.body)}
	if resp.status >= 300 && resp.status < 400 {
		e.Location = redact(resp.header.Get("Location"))
	}
	return e
}

// Error describes the exchange: method, URL, status, the Location of a
// redirect and the body excerpt.
func (e *HTTPError) Error() string {
	return prefix + e.Method + " " + e.URL + ": " + e.outcome()
}

// brief is Error without the prefix and the URL, for a WriteError that
// names the document itself.
func (e *HTTPError) brief() string { return e.Method + ": " + e.outcome() }

func (e *HTTPError) outcome() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.Location != "" {
		fmt.Fprintf(&b, " to %s", e.Location)
	}
	if e.Body != "" {
		fmt.Fprintf(&b, ": %q", e.Body)
	}
	return b.String()
}

// Is maps the status code to the matching sentinel, so that
// errors.Is(err, ErrNotFound) holds for a 404 and errors.Is(err,
// ErrRedirect) for a 3xx.
func (e *HTTPError) Is(target error) bool {
	return statusSentinel(e.StatusCode) == target && target != nil
}

func statusSentinel(code int) error {
	if code >= 300 && code < 400 {
		return ErrRedirect
	}
	switch code {
	case http.StatusBadRequest:
		return ErrBadRequest
	case http.StatusUnauthorized:
		return ErrUnauthorized
	case http.StatusForbidden:
		return ErrForbidden
	case http.StatusNotFound:
		return ErrNotFound
	case http.StatusPreconditionFailed:
		return ErrPreconditionFailed
	case http.StatusRequestEntityTooLarge:
		return ErrTooLarge
	case http.StatusPreconditionRequired:
		return ErrPreconditionRequired
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return ErrUnavailable
	}
	return nil
}

func excerpt(body []byte) string {
	if len(body) > 4*maxExcerpt {
		body = body[:4*maxExcerpt] // enough for the excerpt, whatever it holds
	}
	text := strings.ToValidUTF8(string(body), "\uFFFD")
	if len(text) > maxExcerpt {
		// Cut on a character boundary.
		end := maxExcerpt
		for end > 0 && !utf8.RuneStart(text[end]) {
			end--
		}
		text = text[:end]
	}
	return strings.TrimSpace(text)
}

// WriteError reports a write (Update, Save, Create) that did not complete: what it
// was writing, how many conditional writes it sent, the status of the answer
// that stopped it, and why it stopped. Err is one of ErrConflict, ErrDeleted,
// ErrWeakETag, ErrInvalidETag, ErrInvalidDocument, ErrNoMerge, ErrNotSent,
// ErrOutcomeUnknown (wrapping the cause), the context's error, a merge or
// edit error, an *HTTPError, or the network error of a read (it wraps the
// *url.Error; a read changes nothing, so the call may simply be made again).
type WriteError struct {
	// Op is "update", "save" or "create".
	Op string
	// Resource names the document, in a form fit for logs.
	Resource string
	// Attempts counts the conditional writes sent (a request that never
	// left the process is not counted).
	Attempts int
	// Status is the status of the answer that stopped the call: the last
	// lost write's for ErrConflict, the refusing answer's for an
	// *HTTPError, a 5xx for ErrOutcomeUnknown. It is 0 when no answer
	// stopped it: a network failure, an edit or merge error, the context.
	Status int
	// Err is why the write stopped.
	Err error
}

// Error names the document once and says why the write stopped, after how
// many attempts, with the status that stopped it.
func (e *WriteError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s%s %s: stopped after %d attempt(s)", prefix, e.Op, e.Resource, e.Attempts)
	if e.Status != 0 {
		fmt.Fprintf(&b, ", status %d", e.Status)
	}
	b.WriteString(": ")
	if e.Err != nil {
		b.WriteString(brief(e.Err))
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *WriteError) Unwrap() error { return e.Err }
