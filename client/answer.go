package client

import "net/http"

// request says what a request is, for checkResponse.
type request int

const (
	// readRequest is a GET of a document: 404 means absent.
	readRequest request = iota
	// matchRequest is a write or delete carrying a version (If-Match).
	matchRequest
	// createRequest is a write carrying If-None-Match: *.
	createRequest
	// listRequest is a GET of a listing: only 200 is a success.
	listRequest
	// plainRequest is a request without precondition (a POST that creates,
	// a DELETE of many documents, a listing): 409 and 412 are refusals.
	plainRequest
)

// answer is what an answer means to the caller that sent the request.
type answer int

const (
	// done is a success (200 for a read, any 2xx otherwise).
	done answer = iota
	// absent is a 404 to a read: no such document.
	absent
	// lostRace is a conditional write that lost to another writer: read
	// again and retry (see lost).
	lostRace
	// unknown is a write the server may have applied (5xx, but a 503 with
	// Retry-After, which says it was not).
	unknown
	// refused is any other answer.
	refused
)

// checkResponse is the one place where an answer becomes an outcome or an
// error: every request of the package goes through it. It returns nil for
// done and absent; otherwise an *HTTPError (its URL redacted by
// newHTTPError), wrapped in ErrOutcomeUnknown for unknown.
func checkResponse(kind request, method, u string, resp *response) (answer, error) {
	s := resp.status
	switch {
	case kind == readRequest && s == http.StatusOK:
		return done, nil
	case kind == readRequest && s == http.StatusNotFound:
		return absent, nil
	case kind == listRequest && s == http.StatusOK:
		return done, nil
	case kind != readRequest && kind != listRequest && s >= 200 && s < 300:
		return done, nil
	}
	err := newHTTPError(method, u, resp)
	switch {
	case kind == readRequest || kind == listRequest || method == http.MethodGet || method == http.MethodHead:
		return refused, err // a read changed nothing: nothing is unknown
	case s >= 500 && !notProcessed(s, resp.header):
		return unknown, wrap(ErrOutcomeUnknown, err)
	case kind != plainRequest && lost(s, kind == matchRequest):
		return lostRace, err
	}
	return refused, err
}

// lost reports whether status answers a conditional write that lost to
// another writer, so the document must be read again: 409 and 412; for an
// If-Match write also 428 (the server wants a fresher precondition) and 404
// (its way of saying the document is gone, taken as such only when a read
// agrees). A 428 to a create that already sent If-None-Match: * cannot be
// mended by reading again.
func lost(status int, ifMatch bool) bool {
	switch status {
	case http.StatusConflict, http.StatusPreconditionFailed:
		return true
	case http.StatusPreconditionRequired, http.StatusNotFound:
		return ifMatch
	}
	return false
}
