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
	// ErrConflict means every allowed attempt lost to another writer
	// (409, 412 or 428 each time).
	ErrConflict = errors.New("ifmatch: conflict: attempts exhausted")
	// ErrNotFound means the document does not exist (404).
	ErrNotFound = errors.New("ifmatch: not found")
	// ErrPreconditionFailed means the server refused a conditional request
	// because the document changed (412).
	ErrPreconditionFailed = errors.New("ifmatch: precondition failed")
	// ErrPreconditionRequired means the server wants a conditional request (428).
	ErrPreconditionRequired = errors.New("ifmatch: precondition required")
	// ErrBadRequest means the server rejected the request as malformed (400).
	ErrBadRequest = errors.New("ifmatch: bad request")
	// ErrUnauthorized means the credentials were missing or wrong (401).
	ErrUnauthorized = errors.New("ifmatch: unauthorized")
	// ErrForbidden means the credentials do not allow the request (403).
	ErrForbidden = errors.New("ifmatch: forbidden")
	// ErrTooLarge means the server refused the document's size (413).
	ErrTooLarge = errors.New("ifmatch: document too large")
	// ErrWeakETag means the server gave no strong ETag for the document after
	// the allowed re-reads, so no conditional write could be made safely.
	ErrWeakETag = errors.New("ifmatch: no strong ETag to send in If-Match")
	// ErrDeleted means the document was deleted while a write was in progress
	// and the DeletedPolicy is Fail.
	ErrDeleted = errors.New("ifmatch: document deleted during the write")
	// ErrOutcomeUnknown means a write may or may not have been applied: the
	// connection failed after the request was sent, or the server answered
	// 5xx. The client does not re-send such a write; read the document to
	// learn what happened.
	ErrOutcomeUnknown = errors.New("ifmatch: outcome of the write unknown")
	// ErrNoMerge means Save needed the default merge for documents that have
	// none (raw bytes that are not JSON): pass a merge.Func.
	ErrNoMerge = errors.New("ifmatch: no default merge for this content type")
	// ErrInvalidDocument means a document could not be decoded or encoded
	// (for example, the server holds text that is not JSON for a JSON client).
	ErrInvalidDocument = errors.New("ifmatch: invalid document")
)

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
}

func newHTTPError(method, rawURL string, status int, body []byte) *HTTPError {
	return &HTTPError{Method: method, URL: rawURL, StatusCode: status, Body: excerpt(body)}
}

// Error describes the exchange: method, URL, status and the body excerpt.
func (e *HTTPError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ifmatch: %s %s: %d %s", e.Method, e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Body != "" {
		fmt.Fprintf(&b, ": %q", e.Body)
	}
	return b.String()
}

// Is maps the status code to the matching sentinel, so that
// errors.Is(err, ErrNotFound) holds for a 404.
func (e *HTTPError) Is(target error) bool {
	return statusSentinel(e.StatusCode) == target && target != nil
}

func statusSentinel(code int) error {
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
	}
	return nil
}

func excerpt(body []byte) string {
	if len(body) > maxExcerpt {
		body = body[:maxExcerpt]
		// Drop a character cut in two at the end.
		start := len(body) - 1
		for start > 0 && len(body)-start < utf8.UTFMax && !utf8.RuneStart(body[start]) {
			start--
		}
		if !utf8.FullRune(body[start:]) {
			body = body[:start]
		}
	}
	return strings.TrimSpace(strings.ToValidUTF8(string(body), "\uFFFD"))
}

// WriteError reports a write (Update, Save) that did not complete: what it was
// writing, how many conditional writes it sent, the status of the last answer,
// and why it stopped. Err is one of ErrConflict, ErrDeleted, ErrWeakETag, the
// context's error, ErrOutcomeUnknown, a merge or edit error, or an *HTTPError.
type WriteError struct {
	Op         string // "update" or "save"
	Resource   string // the document, in a form fit for logs
	Attempts   int    // conditional writes sent
	LastStatus int    // status of the last answer to a write; 0 if none came
	Err        error
}

// Error says what stopped the write, after how many attempts, and the last status.
func (e *WriteError) Error() string {
	status := "none"
	if e.LastStatus != 0 {
		status = fmt.Sprintf("%d", e.LastStatus)
	}
	return fmt.Sprintf("ifmatch: %s %s: stopped after %d attempt(s), last status %s: %v",
		e.Op, e.Resource, e.Attempts, status, e.Err)
}

// Unwrap returns the cause.
func (e *WriteError) Unwrap() error { return e.Err }
