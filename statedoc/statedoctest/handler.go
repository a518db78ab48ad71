package statedoctest

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ifmatch/ifmatch/internal/serverkit"
	"github.com/ifmatch/ifmatch/statedoc"
)

// params holds a validated query of a document resource.
type params struct {
	res      resource
	scope    scope
	hasReg   bool // the request gave a registration
	id       string
	hasID    bool // the request named one document
	since    time.Time
	hasSince bool
}

// inbound is the request the server handles: the one it received or, in
// the alternate request syntax, the one that request's form carries.
type inbound struct {
	method    string
	path      string
	header    http.Header
	query     url.Values
	qerr      error  // from parsing the query string
	body      []byte // the content, read in full up to the size limit
	bodyErr   error  // from reading the body
	tooLarge  bool   // the content is over the size limit
	alternate bool   // it came in the alternate request syntax
}

// authorized reports whether h carries the server's Basic credentials,
// or whether the server needs none.
func (s *Server) authorized(h http.Header) bool {
	if s.user == "" {
		return true
	}
	u, p, ok := (&http.Request{Header: h}).BasicAuth()
	return ok && subtle.ConstantTimeCompare([]byte(u), []byte(s.user)) == 1 && subtle.ConstantTimeCompare([]byte(p), []byte(s.pass)) == 1
}

// handle answers a request that no script answered. When the store
// decides the request, handle numbers the decision in ex.StoreOrder.
func (s *Server) handle(in *inbound, ex *Exchange) *response {
	if in.path == basePath+AboutPath {
		return s.about(in)
	}
	res, ok := resourceAt(in.path)
	if !ok {
		return serverkit.TextResponse(http.StatusNotFound, "no resource at %s; this LRS serves %s, %s, %s and %s", in.path,
			basePath+StatePath, basePath+ActivityProfilePath, basePath+AgentProfilePath, basePath+AboutPath)
	}
	sp := resources[res]
	allowed, ok := sp.params(in.method)
	if !ok {
		resp := serverkit.TextResponse(http.StatusMethodNotAllowed, "method %s is not allowed on %s", in.method, sp.name)
		resp.Header.Set("Allow", "GET, HEAD, PUT, POST, DELETE")
		return resp
	}
	if !s.authorized(in.header) {
		resp := serverkit.TextResponse(http.StatusUnauthorized, "authentication required")
		resp.Header.Set("WWW-Authenticate", `Basic realm="xAPI"`)
		return resp
	}
	switch v := in.header.Values(statedoc.HeaderVersion); {
	case len(v) == 0:
		return serverkit.TextResponse(http.StatusBadRequest, "missing %s header", statedoc.HeaderVersion)
	case len(v) > 1 || !statedoc.Accepts(s.version, v[0]):
		return serverkit.TextResponse(http.StatusBadRequest, "unsupported %s %q: this LRS speaks %s", statedoc.HeaderVersion, strings.Join(v, ", "), s.version)
	}
	if in.qerr != nil {
		return serverkit.TextResponse(http.StatusBadRequest, "malformed query string: %v", in.qerr)
	}
	p, resp := s.parseParams(res, in.method, in.query, allowed)
	if resp != nil {
		return resp
	}
	if in.bodyErr != nil {
		return serverkit.TextResponse(http.StatusBadRequest, "cannot read the request body: %v", in.bodyErr)
	}

	if (in.method == http.MethodPut || in.method == http.MethodPost) && in.tooLarge {
		return serverkit.TextResponse(http.StatusRequestEntityTooLarge, "document larger than the %d-byte limit", s.max)
	}

	// Check and write under one lock, numbering the decision; in
	// CheckThenWrite mode, release the lock between the two.
	s.mu.Lock()
	defer s.mu.Unlock()
	var apply write
	switch in.method {
	case http.MethodGet, http.MethodHead:
		if p.hasID {
			resp = s.getOne(in.method, in.header, p)
		} else {
			resp = s.list(in.method, in.header, p)
		}
	case http.MethodPut:
		resp, apply = s.put(in.header, p, in.body)
	case http.MethodPost:
		resp, apply = s.post(in.header, p, in.body)
	default: // DELETE
		if p.hasID {
			resp, apply = s.deleteOne(in.header, p)
		} else {
			resp, apply = s.deleteAll(in.header, p)
		}
	}
	if apply != nil {
		serverkit.Mode(s.mode).Pause(&s.mu, s.window)
		resp = apply()
	}
	s.decided++
	ex.StoreOrder = s.decided
	return resp
}

// about answers the About Resource: the versions the server speaks, to
// GET and HEAD, without authentication and whatever the version header
// (xAPI 1.0.3 §2.8; 2.0 §4.1.6.7).
func (s *Server) about(in *inbound) *response {
	if in.method != http.MethodGet && in.method != http.MethodHead {
		resp := serverkit.TextResponse(http.StatusMethodNotAllowed, "method %s is not allowed on the About Resource", in.method)
		resp.Header.Set("Allow", "GET, HEAD")
		return resp
	}
	if in.qerr != nil {
		return serverkit.TextResponse(http.StatusBadRequest, "malformed query string: %v", in.qerr)
	}
	for name := range in.query {
		return serverkit.TextResponse(http.StatusBadRequest, "unknown parameter %q: the About Resource takes none", name)
	}
	body, _ := json.Marshal(struct {
		Version []string `json:"version"`
	}{s.aboutVersions}) // a []string always encodes
	resp := serverkit.NewResponse(http.StatusOK)
	resp.Header.Set("Content-Type", "application/json")
	resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	resp.Body = body
	return resp
}

// parseParams validates the query of a request with the given method to
// resource res, which takes the allowed parameters.
func (s *Server) parseParams(res resource, method string, q url.Values, allowed []string) (params, *response) {
	sp := resources[res]
	p := params{res: res}
	for name, values := range q {
		known := false
		for _, a := range allowed {
			known = known || a == name
		}
		switch {
		case known && len(values) > 1:
			return p, serverkit.TextResponse(http.StatusBadRequest, "parameter %s given %d times", name, len(values))
		case known:
		case name == "since":
			return p, serverkit.TextResponse(http.StatusBadRequest, "parameter since is not allowed on %s", method)
		default:
			all, _ := sp.params(http.MethodGet)
			return p, serverkit.TextResponse(http.StatusBadRequest, "unknown parameter %q (parameter names are case-sensitive: %s)", name, strings.Join(all, ", "))
		}
	}
	for _, name := range []string{"activityId", "agent"} {
		if _, ok := q[name]; !ok && (name == "activityId" && sp.activity || name == "agent" && sp.agent) {
			return p, serverkit.TextResponse(http.StatusBadRequest, "missing required parameter %s", name)
		}
	}
	var agent statedoc.Agent
	if sp.agent {
		var err error
		if agent, err = statedoc.ParseAgent(q.Get("agent")); err != nil {
			return p, serverkit.TextResponse(http.StatusBadRequest, "%v", err)
		}
	}
	registration := q.Get("registration")
	if _, p.hasReg = q["registration"]; p.hasReg && registration == "" {
		return p, serverkit.TextResponse(http.StatusBadRequest, "%v", &statedoc.ValidationError{Field: "registration", Reason: "must be a UUID"})
	}
	if sp.activity {
		if err := (statedoc.ActivityProfileList{ActivityID: q.Get("activityId")}).Validate(); err != nil {
			return p, serverkit.TextResponse(http.StatusBadRequest, "%v", err)
		}
	}
	if registration != "" && !statedoc.IsUUID(registration) {
		return p, serverkit.TextResponse(http.StatusBadRequest, "%v", &statedoc.ValidationError{Field: "registration", Value: registration, Reason: "must be a UUID"})
	}
	p.scope = scope{activity: q.Get("activityId"), registration: strings.ToLower(registration)}
	if sp.agent {
		var err error
		if p.scope.agent, err = agent.QueryValue(); err != nil {
			return p, serverkit.TextResponse(http.StatusBadRequest, "%v", err)
		}
	}
	_, p.hasID = q[sp.idParam]
	p.id = q.Get(sp.idParam)
	if p.hasID && p.id == "" {
		return p, serverkit.TextResponse(http.StatusBadRequest, "parameter %s must not be empty", sp.idParam)
	}
	if !p.hasID && (method == http.MethodPut || method == http.MethodPost || method == http.MethodDelete && !sp.registration) {
		return p, serverkit.TextResponse(http.StatusBadRequest, "missing required parameter %s", sp.idParam)
	}
	if _, ok := q["since"]; ok {
		if p.hasID {
			if s.version == statedoc.Version200 {
				return p, serverkit.TextResponse(http.StatusBadRequest, "parameter since is not allowed together with %s", sp.idParam)
			}
			// 1.0.3 defines since for the list of ids only; a single
			// document ignores it.
			return p, nil
		}
		t, ok := parseTimestamp(q.Get("since"))
		if !ok {
			hint := ""
			if strings.Contains(q.Get("since"), " ") {
				hint = ` (a "+" in a query must be sent as %2B)`
			}
			return p, serverkit.TextResponse(http.StatusBadRequest, "parameter since must be an ISO 8601 timestamp with a time zone, such as 2024-01-02T03:04:05Z (RFC 3339) or 2024-01-02T03:04:05.5+0000, got %q%s", q.Get("since"), hint)
		}
		p.since, p.hasSince = t, true
	}
	return p, nil
}

// timestampLayouts are the ISO 8601 forms "since" accepts. Each takes an
// optional fraction of a second (with a point or a comma) and needs a zone:
// "Z", an extended offset (+01:00, RFC 3339), a basic one (+0100) or hours
// only (+01).
var timestampLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999Z07",
}

// parseTimestamp parses an xAPI timestamp as timestampLayouts describe.
func parseTimestamp(v string) (time.Time, bool) {
	for _, layout := range timestampLayouts {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func (p params) key() docKey {
	return docKey{p.res, p.scope.activity, p.scope.agent, p.scope.registration, p.id}
}

// covers reports whether the request p for many documents (list or
// delete all) reaches the document stored under k: the same resource,
// activity and agent and, when p gives a registration, the same
// registration. Without one it reaches every registration's documents
// (xAPI 1.0.3 §2.3).
func (p params) covers(k docKey) bool {
	return k.res == p.res && k.activity == p.scope.activity && k.agent == p.scope.agent &&
		(!p.hasReg || k.registration == p.scope.registration)
}

// The store operations below run with s.mu held.

func (s *Server) getOne(method string, h http.Header, p params) *response {
	d, ok := s.docs[p.key()]
	if !ok {
		return serverkit.TextResponse(http.StatusNotFound, "no %s %q in this context", resources[p.res].noun, p.id)
	}
	v := documentValidators(d)
	if resp := evaluatePreconditions(method, h, v); resp != nil {
		return resp
	}
	resp := serverkit.NewResponse(http.StatusOK)
	resp.Header.Set("Content-Type", d.ContentType)
	v.set(resp.Header)
	resp.Header.Set("Content-Length", strconv.Itoa(len(d.Body)))
	resp.Body = bytes.Clone(d.Body)
	return resp
}

func (s *Server) list(method string, h http.Header, p params) *response {
	ids, v := s.listing(p)
	if resp := evaluatePreconditions(method, h, v); resp != nil {
		return resp
	}
	body, _ := json.Marshal(ids) // a []string always encodes
	resp := serverkit.NewResponse(http.StatusOK)
	resp.Header.Set("Content-Type", "application/json")
	resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	v.set(resp.Header)
	resp.Body = body
	return resp
}

// listing returns the stateIds the context-wide request p addresses, in
// order and without repeats, and the validators of that list: its ETag is
// the SHA-1 of the listed documents' registrations, stateIds and ETags,
// and its modification date the latest write of a listed document or
// removal of a document the list showed.
func (s *Server) listing(p params) ([]string, validators) {
	var (
		entries [][3]string // registration, stateId, ETag
		newest  time.Time
	)
	for k, d := range s.docs {
		if !p.covers(k) || p.hasSince && !d.Updated.After(p.since) {
			continue
		}
		entries = append(entries, [3]string{k.registration, k.id, d.ETag})
		if d.Updated.After(newest) {
			newest = d.Updated
		}
	}
	for k, rm := range s.removed {
		if !p.covers(k) || p.hasSince && !rm.updated.After(p.since) {
			continue
		}
		if rm.at.After(newest) {
			newest = rm.at
		}
	}
	sort.Slice(entries, func(i, j int) bool {
		if entries[i][1] != entries[j][1] {
			return entries[i][1] < entries[j][1]
		}
		return entries[i][0] < entries[j][0]
	})
	ids := []string{}
	for _, e := range entries {
		if len(ids) == 0 || ids[len(ids)-1] != e[1] { // the same stateId under several registrations
			ids = append(ids, e[1])
		}
	}
	// Each field is written with its length, so that distinct lists
	// never share an encoding, whatever bytes their stateIds hold.
	var canonical bytes.Buffer
	for _, e := range entries {
		for _, field := range e {
			canonical.WriteString(strconv.Itoa(len(field)) + ":" + field)
		}
	}
	return ids, validators{exists: true, etag: statedoc.SHA1ETag(canonical.Bytes()), modified: newest}
}

func (s *Server) written(etag string) *response {
	resp := serverkit.NewResponse(http.StatusNoContent)
	if !s.omitTag {
		resp.Header.Set("ETag", etag)
	}
	return resp
}

// write applies a write whose preconditions passed and returns its answer;
// s.mu must be held. The write operations below return either the answer
// of a refused request or the write to apply: at once, under the lock they
// were checked under, or after a pause in CheckThenWrite mode.
type write func() *response

// writePreconditions evaluates the preconditions of a write (PUT, POST or
// DELETE) against its target, unless the server ignores them.
func (s *Server) writePreconditions(method string, h http.Header, v validators) *response {
	if s.mode == Ignore {
		return nil
	}
	return evaluatePreconditions(method, h, v)
}

// conflictsWithout reports whether a PUT onto an existing document of res
// without If-Match or If-None-Match answers 409: always on the profile
// resources (xAPI 1.0.3 §3.1; 2.0 §4.1.4), and on the State Resource only
// in 2.0.0 mode (1.0.3 §3.1 lets State be written without them).
func (s *Server) conflictsWithout(res resource) bool {
	return res != stateResource || s.version == statedoc.Version200
}

func (s *Server) put(h http.Header, p params, body []byte) (*response, write) {
	k := p.key()
	d := s.docs[k]
	// The 409 does not depend on any precondition's value, so it comes
	// first (RFC 9110 §13.2.1); If-Unmodified-Since alone does not make
	// the PUT conditional in xAPI's sense. A server that ignores the
	// fields cannot tell whether they were sent.
	if d != nil && s.conflictsWithout(p.res) && s.mode != Ignore && len(h.Values("If-Match")) == 0 && len(h.Values("If-None-Match")) == 0 {
		return serverkit.TextResponse(http.StatusConflict, "%s %q exists: a PUT that replaces it needs If-Match (or If-None-Match); read it and retry with its ETag", resources[p.res].noun, p.id), nil
	}
	if resp := s.writePreconditions(http.MethodPut, h, documentValidators(d)); resp != nil {
		return resp, nil
	}
	contentType, content := h.Get("Content-Type"), bytes.Clone(body)
	return nil, func() *response { return s.written(s.store(k, contentType, content)) }
}

// post merges into the document as it is when the preconditions are
// evaluated: in CheckThenWrite mode the merged content replaces whatever
// was written during the pause.
func (s *Server) post(h http.Header, p params, body []byte) (*response, write) {
	k := p.key()
	d := s.docs[k]
	if resp := s.writePreconditions(http.MethodPost, h, documentValidators(d)); resp != nil {
		return resp, nil
	}
	contentType, content := h.Get("Content-Type"), bytes.Clone(body)
	if d != nil {
		if !isJSONType(contentType) {
			return serverkit.TextResponse(http.StatusBadRequest, "POST merges only application/json into application/json; the request's Content-Type is %q", contentType), nil
		}
		if !isJSONType(d.ContentType) {
			return serverkit.TextResponse(http.StatusBadRequest, "POST merges only into an application/json document; the stored one is %q", d.ContentType), nil
		}
		posted, err := objectMembers(body)
		if err != nil {
			return serverkit.TextResponse(http.StatusBadRequest, "posted document: %v", err), nil
		}
		stored, err := objectMembers(d.Body)
		if err != nil {
			return serverkit.TextResponse(http.StatusBadRequest, "stored document: %v", err), nil
		}
		contentType, content = d.ContentType, mergeMembers(stored, posted)
	}
	return nil, func() *response { return s.written(s.store(k, contentType, content)) }
}

func (s *Server) deleteOne(h http.Header, p params) (*response, write) {
	k := p.key()
	if resp := s.writePreconditions(http.MethodDelete, h, documentValidators(s.docs[k])); resp != nil {
		return resp, nil
	}
	return nil, func() *response {
		if _, ok := s.docs[k]; ok {
			s.remove(k, s.now())
		}
		return serverkit.NewResponse(http.StatusNoContent)
	}
}

// deleteAll deletes the documents of a context: those stored when the
// write is applied. Its preconditions are evaluated against the list of
// ids a GET of the same URL returns.
func (s *Server) deleteAll(h http.Header, p params) (*response, write) {
	_, v := s.listing(p)
	if resp := s.writePreconditions(http.MethodDelete, h, v); resp != nil {
		return resp, nil
	}
	return nil, func() *response {
		var now time.Time
		for k := range s.docs {
			if p.covers(k) {
				if now.IsZero() {
					now = s.now()
				}
				s.remove(k, now)
			}
		}
		return serverkit.NewResponse(http.StatusNoContent)
	}
}

// validators describes the current representation of a request's target
// for evaluating its preconditions.
type validators struct {
	exists   bool      // the target has a current representation
	etag     string    // its entity tag; "" for none
	modified time.Time // its modification date; zero for none
}

// documentValidators returns the validators of d, which is nil when the
// document is absent.
func documentValidators(d *Document) validators {
	if d == nil {
		return validators{}
	}
	return validators{exists: true, etag: d.ETag, modified: d.Updated}
}

// lastModified returns the modification date at the resolution of an
// HTTP-date: whole seconds.
func (v validators) lastModified() time.Time { return v.modified.Truncate(time.Second) }

// set adds the ETag and Last-Modified header fields of a 200 response.
func (v validators) set(h http.Header) {
	if v.etag != "" {
		h.Set("ETag", v.etag)
	}
	if !v.modified.IsZero() {
		h.Set("Last-Modified", v.modified.UTC().Format(http.TimeFormat))
	}
}

// notModified returns a 304 answer. It carries the ETag, or the
// Last-Modified when there is no ETag (RFC 9110 §15.4.5).
func (v validators) notModified() *response {
	resp := serverkit.NewResponse(http.StatusNotModified)
	switch {
	case v.etag != "":
		resp.Header.Set("ETag", v.etag)
	case !v.modified.IsZero():
		resp.Header.Set("Last-Modified", v.modified.UTC().Format(http.TimeFormat))
	}
	return resp
}

// evaluatePreconditions evaluates the preconditions of a request with the
// given method and header against its target, in the order of RFC 9110
// §13.2.2, and returns the 304 or 412 answer of the first that fails, or
// nil when the method is to be performed.
func evaluatePreconditions(method string, h http.Header, v validators) *response {
	read := method == http.MethodGet || method == http.MethodHead
	if values := h.Values("If-Match"); len(values) > 0 {
		if !v.exists {
			return serverkit.TextResponse(http.StatusPreconditionFailed, "precondition failed: If-Match given but the document does not exist")
		}
		if !matchStrong(values, v.etag) {
			return serverkit.TextResponse(http.StatusPreconditionFailed, "precondition failed: If-Match does not match the current ETag")
		}
	} else if date, ok := headerDate(h, "If-Unmodified-Since"); ok && !v.modified.IsZero() && v.lastModified().After(date) {
		return serverkit.TextResponse(http.StatusPreconditionFailed, "precondition failed: modified at %s, after If-Unmodified-Since %s", v.modified.UTC().Format(http.TimeFormat), date.UTC().Format(http.TimeFormat))
	}
	if values := h.Values("If-None-Match"); len(values) > 0 {
		if v.exists && matchWeak(values, v.etag) {
			if read {
				return v.notModified()
			}
			return serverkit.TextResponse(http.StatusPreconditionFailed, "precondition failed: If-None-Match matches the current representation")
		}
	} else if date, ok := headerDate(h, "If-Modified-Since"); ok && read && !v.modified.IsZero() && !v.lastModified().After(date) {
		return v.notModified()
	}
	return nil
}

// headerDate returns the HTTP-date of the header field name. It reports
// false when the field is absent, appears more than once or is not one
// valid HTTP-date, in any of the three forms http.ParseTime accepts; RFC
// 9110 §13.1.3 and §13.1.4 say such a field is ignored.
func headerDate(h http.Header, name string) (time.Time, bool) {
	values := h.Values(name)
	if len(values) != 1 {
		return time.Time{}, false
	}
	t, err := http.ParseTime(values[0])
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// matchStrong applies If-Match's strong comparison: "*" matches any
// document; otherwise a listed strong tag must equal current exactly, and
// a weak tag never matches. Parsing a line stops at its first malformed
// element (serverkit.ParseTags without unquoted tags): an unquoted or
// otherwise malformed tag matches nothing.
func matchStrong(values []string, current string) bool {
	return serverkit.StrongMatch(values, false, !strings.HasPrefix(current, "W/"), func(t serverkit.Tag) bool {
		return quote(t) == current
	})
}

// matchWeak applies If-None-Match's weak comparison.
func matchWeak(values []string, current string) bool {
	star, tags := serverkit.ParseTags(values, false)
	if star {
		return true
	}
	current = strings.TrimPrefix(current, "W/")
	for _, t := range tags {
		if quote(t) == current {
			return true
		}
	}
	return false
}

// quote returns the opaque part of t with its quotes, as an ETag writes
// it.
func quote(t serverkit.Tag) string { return `"` + t.Opaque + `"` }

func isJSONType(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/json"
}

// member is one top-level property of a JSON object: its decoded name,
// the name's text as written (quotes and escapes included) and its value,
// compacted.
type member struct {
	name    string
	rawName []byte
	value   []byte
}

// objectMembers returns the top-level members of a JSON object in order,
// rejecting anything else and duplicated names.
func objectMembers(data []byte) ([]member, error) {
	errNotObject := errors.New("not a JSON object")
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errNotObject
	}
	var out []member
	seen := map[string]bool{}
	for dec.More() {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil, errNotObject
		}
		name, ok := tok.(string)
		if !ok {
			return nil, errNotObject
		}
		// Between the previous token and the end of the name lie only
		// white space, a comma and the quoted name.
		rawName := bytes.TrimLeft(data[start:dec.InputOffset()], " \t\r\n,")
		if seen[name] {
			return nil, fmt.Errorf("member %q appears more than once", name)
		}
		seen[name] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, errNotObject
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return nil, errNotObject
		}
		out = append(out, member{name, rawName, buf.Bytes()})
	}
	if _, err := dec.Token(); err != nil {
		return nil, errNotObject
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errNotObject
	}
	return out, nil
}

// mergeMembers overlays posted onto stored: a posted member replaces the
// stored one in place, new members follow in posted order. Names and
// values keep their text as written (no HTML or other re-escaping),
// numbers included; a replaced member keeps its stored name's text.
func mergeMembers(stored, posted []member) []byte {
	index := make(map[string]int, len(stored))
	merged := append([]member(nil), stored...)
	for i, m := range merged {
		index[m.name] = i
	}
	for _, m := range posted {
		if i, ok := index[m.name]; ok {
			merged[i].value = m.value
			continue
		}
		index[m.name] = len(merged)
		merged = append(merged, m)
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range merged {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(m.rawName)
		b.WriteByte(':')
		b.Write(m.value)
	}
	b.WriteByte('}')
	return b.Bytes()
}
