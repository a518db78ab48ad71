package serverkit

import (
	"fmt"
	"net/http"
)

// Response is an answer built before it is logged and written.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// NewResponse returns an answer with status, an empty header and no body.
func NewResponse(status int) *Response {
	return &Response{Status: status, Header: http.Header{}}
}

// TextResponse returns an answer with status whose body is the formatted
// text and a newline, labelled "text/plain; charset=utf-8".
func TextResponse(status int, format string, args ...any) *Response {
	r := NewResponse(status)
	r.Header.Set("Content-Type", "text/plain; charset=utf-8")
	r.Body = []byte(fmt.Sprintf(format, args...) + "\n")
	return r
}

// BodyAllowed reports whether a response with status may carry a body
// (RFC 9110 §15: not 1xx, 204 or 304).
func BodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// Send writes r's status and header to w, then out, the body as it goes
// on the wire (nil for HEAD and where HTTP allows none). A body sent
// without a Content-Type in r's header goes without one: net/http does
// not sniff a type, so the wire matches what the server logged.
func (r *Response) Send(w http.ResponseWriter, out []byte) {
	h := w.Header()
	for name, values := range r.Header {
		h[name] = values
	}
	if _, ok := r.Header["Content-Type"]; !ok && len(out) > 0 {
		h["Content-Type"] = nil
	}
	w.WriteHeader(r.Status)
	if len(out) > 0 {
		_, _ = w.Write(out)
	}
}
