package statedoctest

import (
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/ifmatch/ifmatch/internal/serverkit"
	"github.com/ifmatch/ifmatch/statedoc"
)

// alternateHeaders are the header fields the form of an alternate-syntax
// request may carry (xAPI 1.0.3 §1.3), by canonical name.
var alternateHeaders = map[string]bool{
	"Authorization": true,
	http.CanonicalHeaderKey(statedoc.HeaderVersion): true,
	"Content-Type":   true,
	"Content-Length": true,
	"If-Match":       true,
	"If-None-Match":  true,
}

// alternateCandidate reports whether a request with the given method and
// query is in the alternate request syntax: a POST whose query has a
// "method" parameter, to a server in 1.0.3 mode. A 2.0.0 server treats
// "method" as the unknown parameter it is there.
func (s *Server) alternateCandidate(method string, q url.Values) bool {
	_, ok := q["method"]
	return ok && method == http.MethodPost && s.version == statedoc.Version103
}

// formLimit is the largest form the server reads: room for content of the
// size limit percent-encoded (three bytes for each), and for the other
// fields.
func (s *Server) formLimit() int64 {
	const fields = 64 << 10
	if s.max > (math.MaxInt64-fields-1)/3 {
		return math.MaxInt64 - 1
	}
	return 3*s.max + fields
}

// readAlternate reads the form of an alternate-syntax request from body
// and turns in into the request it carries (see parseAlternate). It
// returns the answer to a request it cannot turn: 400, or 413 for a form
// over formLimit.
func (s *Server) readAlternate(in *inbound, body io.Reader) *response {
	in.alternate = true
	form, err := io.ReadAll(io.LimitReader(body, s.formLimit()+1))
	if err != nil {
		return serverkit.TextResponse(http.StatusBadRequest, "cannot read the request body: %v", err)
	}
	if int64(len(form)) > s.formLimit() {
		return serverkit.TextResponse(http.StatusRequestEntityTooLarge, "form larger than the %d-byte limit", s.formLimit())
	}
	return s.parseAlternate(in, form)
}

// parseAlternate turns in, an alternate-syntax request whose form is form,
// into the request it carries (xAPI 1.0.3 §1.3): the method named by the
// query's only parameter, "method"; the header completed by the form's
// header fields (Authorization, X-Experience-API-Version, Content-Type,
// Content-Length, If-Match, If-None-Match, named in any case), which
// replace those of the HTTP header; the content of the form field
// "content"; and the other form fields as the query. It returns the 400
// answer of a request it cannot turn, leaving in unchanged.
func (s *Server) parseAlternate(in *inbound, form []byte) *response {
	bad := func(format string, a ...any) *response {
		return serverkit.TextResponse(http.StatusBadRequest, "alternate request syntax (xAPI 1.0.3 §1.3): "+format, a...)
	}
	if in.qerr != nil {
		return bad("malformed query string: %v", in.qerr)
	}
	if len(in.query) != 1 || len(in.query["method"]) != 1 {
		var names []string
		for name := range in.query {
			if name != "method" {
				names = append(names, name)
			}
		}
		if len(names) == 0 {
			return bad("parameter method given %d times", len(in.query["method"]))
		}
		slices.Sort(names)
		return bad("the query must hold only the method; send %s as form fields", strings.Join(names, ", "))
	}
	method := strings.ToUpper(in.query.Get("method"))
	switch method {
	case http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete:
	default:
		return bad("method=%q: the syntax carries GET, PUT, POST or DELETE", in.query.Get("method"))
	}
	if ct := in.header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/x-www-form-urlencoded" && mt != "text/plain" {
			return bad("the body must be an application/x-www-form-urlencoded form, not %q", ct)
		}
	}
	if !utf8.Valid(form) {
		return bad("the form is not UTF-8")
	}
	fields, err := url.ParseQuery(string(form))
	if err != nil {
		return bad("malformed form: %v", err)
	}
	header := in.header.Clone()
	if header == nil {
		header = http.Header{}
	}
	// The HTTP header's Content-Type and Content-Length describe the form.
	header.Del("Content-Type")
	header.Del("Content-Length")
	query := url.Values{}
	var (
		content    []byte
		hasContent bool
	)
	for name, values := range fields {
		canonical := http.CanonicalHeaderKey(name)
		switch {
		case name == "content":
			if len(values) > 1 {
				return bad("form field content given %d times", len(values))
			}
			content, hasContent = []byte(values[0]), true
		case alternateHeaders[canonical]:
			if fieldGivenTwice(fields, canonical) {
				return bad("header field %s given more than once in the form", canonical)
			}
			header[canonical] = []string{values[0]}
		default:
			query[name] = values
		}
	}
	if hasContent && !utf8.Valid(content) {
		return bad("the content is not UTF-8 text; the syntax cannot carry binary documents")
	}
	switch {
	case (method == http.MethodPut || method == http.MethodPost) && !hasContent:
		return bad("a %s needs its document in the form field content", method)
	case (method == http.MethodGet || method == http.MethodDelete) && hasContent:
		return bad("a %s takes no content", method)
	}
	in.method, in.header, in.query, in.qerr = method, header, query, nil
	in.body, in.bodyErr, in.tooLarge = content, nil, int64(len(content)) > s.max
	return nil
}

// fieldGivenTwice reports whether the form names the header field
// canonical under more than one spelling, such as "If-Match" and
// "if-match".
func fieldGivenTwice(fields url.Values, canonical string) bool {
	n := 0
	for name, values := range fields {
		if http.CanonicalHeaderKey(name) == canonical {
			n += len(values)
		}
	}
	return n > 1
}
