package client

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ifmatch/ifmatch/internal/jsonptr"
)

// fuzzKinds are the request kinds checkResponse is called with.
var fuzzKinds = []request{readRequest, matchRequest, createRequest, listRequest, plainRequest}

var fuzzMethods = []string{http.MethodGet, http.MethodHead, http.MethodPut, http.MethodPatch, http.MethodPost, http.MethodDelete}

// fuzzURL carries user information that no error may repeat.
const fuzzURL = "https://fz-user:fz-pass-3141@lrs.example.com/xapi/activities/state?stateId=a%26b"

// sendable reports whether v can be sent as a header value as it is: no
// control character but horizontal tab (net/http refuses CR, LF and NUL,
// and the others have no place in a field value).
func sendable(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// FuzzCheckResponse checks the one function that turns every answer into
// an outcome: it never panics; it returns nil exactly for done and absent;
// any error is an *HTTPError with the answer's status and method and a
// redacted URL — wrapped in ErrOutcomeUnknown exactly when a write got a
// 5xx the server did not disown —; a read is never unknown nor a lost
// race; and a lost race is only ever a conditional write's 409, 412, or
// (If-Match) 404 and 428.
func FuzzCheckResponse(f *testing.F) {
	for _, s := range []int{200, 201, 204, 299, 301, 302, 304, 399, 400, 401, 404, 409, 412, 418, 428, 429, 500, 501, 503, 599, 600, 999} {
		for k := range fuzzKinds {
			for m := range fuzzMethods {
				f.Add(uint8(k), uint8(m), "", s, `"v1"`, "", "", []byte("body"))
			}
		}
	}
	f.Add(uint8(1), uint8(2), "", 307, `W/"x"`, "http://user:pw@sso.example.com/login?next=%2F", "", []byte("<html>"))
	f.Add(uint8(1), uint8(2), "", 503, "", "", "120", []byte{0xff, 0xfe, 'a', 0xff})
	f.Add(uint8(2), uint8(255), "BREW", 418, "*", "::", "soon", []byte(strings.Repeat("é", 400)))
	f.Add(uint8(3), uint8(0), "", 302, "", "/relative\r\nX: y", "", []byte(strings.Repeat("\xffa", 600)))

	f.Fuzz(func(t *testing.T, k, m uint8, rawMethod string, status int, etag, location, retryAfter string, body []byte) {
		kind := fuzzKinds[int(k)%len(fuzzKinds)]
		method := rawMethod
		if int(m) < len(fuzzMethods) {
			method = fuzzMethods[m]
		}
		if status < 0 {
			status = -(status + 1)
		}
		status = 100 + status%900 // a three-digit status, as net/http reads them
		header := http.Header{}
		if etag != "" {
			header["Etag"] = []string{etag}
		}
		if location != "" {
			header["Location"] = []string{location}
		}
		if retryAfter != "" {
			header["Retry-After"] = []string{retryAfter}
		}
		resp := &response{status: status, header: header, body: body}

		a, err := checkResponse(kind, method, fuzzURL, resp)

		isRead := kind == readRequest || kind == listRequest || method == http.MethodGet || method == http.MethodHead
		switch a {
		case done:
			if kind == readRequest || kind == listRequest {
				if status != http.StatusOK {
					t.Fatalf("%v %s %d: done for a read that is not 200", kind, method, status)
				}
			} else if status < 200 || status > 299 {
				t.Fatalf("%v %s %d: done for a write that is not 2xx", kind, method, status)
			}
		case absent:
			if kind != readRequest || status != http.StatusNotFound {
				t.Fatalf("%v %s %d: absent for what is not a 404 to a read", kind, method, status)
			}
		case lostRace:
			if isRead || (kind != matchRequest && kind != createRequest) {
				t.Fatalf("%v %s %d: a lost race for a request that is not a conditional write", kind, method, status)
			}
			switch status {
			case http.StatusConflict, http.StatusPreconditionFailed:
			case http.StatusNotFound, http.StatusPreconditionRequired:
				if kind != matchRequest {
					t.Fatalf("%v %s %d: a lost race for a create", kind, method, status)
				}
			default:
				t.Fatalf("%v %s %d: a lost race for a status that says nothing of a race", kind, method, status)
			}
		case unknown:
			if isRead {
				t.Fatalf("%v %s %d: a read with an unknown outcome", kind, method, status)
			}
			if status < 500 {
				t.Fatalf("%v %s %d: unknown for a status below 500", kind, method, status)
			}
		case refused:
		default:
			t.Fatalf("%v %s %d: answer %d is none of the known answers", kind, method, status, a)
		}

		if (err == nil) != (a == done || a == absent) {
			t.Fatalf("%v %s %d: answer %d with error %v: nil exactly for done and absent", kind, method, status, a, err)
		}
		if err == nil {
			return
		}
		if !strings.HasPrefix(err.Error(), "ifmatch: ") {
			t.Fatalf("error text %q does not start with the package prefix", err)
		}
		if got := errors.Is(err, ErrOutcomeUnknown); got != (a == unknown) {
			t.Fatalf("%v %s %d: answer %d, but errors.Is(ErrOutcomeUnknown) = %v", kind, method, status, a, got)
		}
		if a != unknown {
			if _, ok := err.(*HTTPError); !ok {
				t.Fatalf("%v %s %d: error %T is not an *HTTPError", kind, method, status, err)
			}
		}
		var he *HTTPError
		if !errors.As(err, &he) {
			t.Fatalf("%v %s %d: error %T holds no *HTTPError", kind, method, status, err)
		}
		if he.StatusCode != status || he.Method != method {
			t.Fatalf("HTTPError says %s %d, the answer was to %s with %d", he.Method, he.StatusCode, method, status)
		}
		if strings.Contains(he.URL, "fz-pass") || strings.Contains(err.Error(), "fz-pass") {
			t.Fatalf("the URL's password is in the error: %q", err)
		}
		if status >= 300 && status < 400 {
			if !errors.Is(err, ErrRedirect) {
				t.Fatalf("%d does not match ErrRedirect", status)
			}
			if location != "" {
				if p, perr := url.Parse(he.Location); perr == nil && p.User != nil {
					t.Fatalf("the Location %q keeps its user information", he.Location)
				}
			}
		} else if he.Location != "" {
			t.Fatalf("Location %q kept for a %d", he.Location, status)
		}
		if !utf8.ValidString(he.Body) {
			t.Fatalf("the body excerpt %q is not UTF-8", he.Body)
		}
		// HTTPError.Body promises at most maxExcerpt bytes; an invalid byte
		// becomes a 3-byte U+FFFD, so the bound that holds is three times
		// that (see TestHTTPErrorBodyAtMost512Bytes).
		if len(he.Body) > 3*maxExcerpt {
			t.Fatalf("the body excerpt has %d bytes, unbounded", len(he.Body))
		}
	})
}

// TestHTTPErrorBodyAtMost512Bytes checks the bound HTTPError.Body
// documents ("at most 512 bytes") on bodies whose excerpt holds bytes that
// are not UTF-8.
func TestHTTPErrorBodyAtMost512Bytes(t *testing.T) {
	for _, body := range []string{strings.Repeat("\xffa", 600), strings.Repeat("\xff", 600), strings.Repeat("é", 600) + "\xff", "a\xff" + strings.Repeat("€", 300)} {
		e := newHTTPError(http.MethodGet, fuzzURL, &response{status: http.StatusBadRequest, body: []byte(body)})
		if !utf8.ValidString(e.Body) {
			t.Errorf("excerpt %q is not UTF-8", e.Body)
		}
		if len(e.Body) > maxExcerpt {
			t.Fatalf("excerpt (client/errors.go) cuts the body to 512 bytes and then replaces each invalid byte "+
				"with a 3-byte U+FFFD, so HTTPError.Body can hold up to 1536 bytes: %d bytes from %q...", len(e.Body), body[:8])
		}
	}
}

// fuzzShapes are the shapes FuzzShapeVersion reads versions with: the ETag
// header, body fields at the top and deeper, and a version function that
// returns a header's value as it is.
func fuzzShapes() []*shape {
	return []*shape{
		httpShape,
		{precondition: "If-Match", field: "/eTag"},
		{precondition: "If-Match", field: "/meta/_rev"},
		{precondition: "If-Match", field: "/a~1b/0"},
		{precondition: "X-Version", versionFunc: func(h http.Header, _ []byte) (string, error) {
			return h.Get("X-Version"), nil
		}},
	}
}

// FuzzShapeVersion reads versions from random answers with each shape: it
// never panics, an error is ErrInvalidETag or ErrInvalidDocument, and a
// version returned can always be sent back as a header value; for a body
// field, the body returned no longer holds the field.
func FuzzShapeVersion(f *testing.F) {
	seeds := []struct {
		etag string
		body string
	}{
		{`"v1"`, `{"eTag":"v1","page":1}`},
		{`W/"v1"`, `{"eTag":7,"meta":{"_rev":"1-abc"}}`},
		{`"a", "b"`, `{"eTag":"a\r\nX-Injected: 1"}`},
		{`*`, `{"eTag":"*"}`},
		{"\"a\x00b\"", `{"eTag":"a,b"}`},
		{"  \"v\"\t", `{"eTag":"\u0000"}`},
		{`W/`, `{"eTag":null}`},
		{`"abc`, `{"eTag":{"x":1}}`},
		{"", `{"a/b":["v9"]}`},
		{"", `not json`},
		{"", `{"eTag":"v1","eTag":"v2"}`},
		{"", `{"meta":{"_rev":"\u007f"}}`},
		{"", `{"eTag":"ok"} trailing`},
		{"", `{"eTag":1e400}`},
	}
	for _, s := range seeds {
		for i := range fuzzShapes() {
			f.Add(uint8(i), s.etag, []byte(s.body))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, hv string, body []byte) {
		shapes := fuzzShapes()
		sh := shapes[int(which)%len(shapes)]
		header := http.Header{}
		if hv != "" {
			header["Etag"] = []string{hv}
			header["X-Version"] = []string{hv}
		}
		v, rest, raw, err := sh.version(header, body)
		if err != nil {
			if sh.inHeader() && !errors.Is(err, ErrInvalidETag) {
				t.Fatalf("%s: error %v is not ErrInvalidETag", sh.where(), err)
			}
			if !errors.Is(err, ErrInvalidETag) && !errors.Is(err, ErrInvalidDocument) {
				t.Fatalf("%s: error %v is neither ErrInvalidETag nor ErrInvalidDocument", sh.where(), err)
			}
			return
		}
		if !sendable(v) {
			t.Fatalf("%s gave %q, which cannot be sent as a header value", sh.where(), v)
		}
		if sh.usable(v) && !headerSafe(v) {
			t.Fatalf("%s gave %q: usable, yet the transport would refuse to send it", sh.where(), v)
		}
		if sh.field == "" {
			if string(rest) != string(body) {
				t.Fatalf("%s: the body changed without a version field", sh.where())
			}
			return
		}
		if raw == nil {
			if v != "" || string(rest) != string(body) {
				t.Fatalf("%s: no field, yet version %q or a changed body", sh.where(), v)
			}
			return
		}
		if !json.Valid(raw) {
			t.Fatalf("%s: the field's text %q is not JSON", sh.where(), raw)
		}
		if _, ok, gerr := jsonptr.Get(rest, sh.field); gerr != nil || ok {
			t.Fatalf("%s: the body returned still holds the field (or is broken: %v): %q", sh.where(), gerr, rest)
		}
	})
}
