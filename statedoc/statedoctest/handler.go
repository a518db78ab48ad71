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

// params holds a validated State Resource query.
type params struct {
	scope    scope
	hasReg   bool // the request gave a registration
	stateID  string
	hasState bool
	since    time.Time
	hasSince bool
}

// paramsByMethod lists the parameters each method takes.
var paramsByMethod = map[string][]string{
	http.MethodGet:    {"activityId", "agent", "registration", "stateId", "since"},
	http.MethodHead:   {"activityId", "agent", "registration", "stateId", "since"},
	http.MethodPut:    {"activityId", "agent", "registration", "stateId"},
	http.MethodPost:   {"activityId", "agent", "registration", "stateId"},
	http.MethodDelete: {"activityId", "agent", "registration", "stateId"},
}

// handle answers a request that no script answered. The request body has
// already been read into ex.RequestBody; bodyErr reports a failed read and
// tooLarge a body over the size limit. When the store decides the request,
// handle numbers the decision in ex.StoreOrder.
func (s *Server) handle(r *http.Request, q url.Values, qerr error, ex *Exchange, bodyErr error, tooLarge bool) *response {
	if r.URL.Path != basePath+StatePath {
		return serverkit.TextResponse(http.StatusNotFound, "no resource at %s; the State Resource is %s", r.URL.Path, basePath+StatePath)
	}
	allowed, ok := paramsByMethod[r.Method]
	if !ok {
		resp := serverkit.TextResponse(http.StatusMethodNotAllowed, "method %s is not allowed on the State Resource", r.Method)
		resp.Header.Set("Allow", "GET, HEAD, PUT, POST, DELETE")
		return resp
	}
	if s.user != "" {
		u, p, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(u), []byte(s.user)) != 1 || subtle.ConstantTimeCompare([]byte(p), []byte(s.pass)) != 1 {
			resp := serverkit.TextResponse(http.StatusUnauthorized, "authentication required")
			resp.Header.Set("WWW-Authenticate", `Basic realm="xAPI"`)
			return resp
		}
	}
	switch v := r.Header.Values(statedoc.HeaderVersion); {
	case len(v) == 0:
		return serverkit.TextResponse(http.StatusBadRequest, "missing %s header", statedoc.HeaderVersion)
	case len(v) > 1 || !statedoc.Accepts(s.version, v[0]):
		return serverkit.TextResponse(http.StatusBadRequest, "unsupported %s %q: this LRS speaks %s", statedoc.HeaderVersion, strings.Join(v, ", "), s.version)
	}
	if qerr != nil {
		return serverkit.TextResponse(http.StatusBadRequest, "malformed query string: %v", qerr)
	}
	p, resp := s.parseParams(r.Method, q, allowed)
	if resp != nil {
		return resp
	}
	if bodyErr != nil {
		return serverkit.TextResponse(http.StatusBadRequest, "cannot read the request body: %v", bodyErr)
	}

	if (r.Method == http.MethodPut || r.Method == http.MethodPost) && tooLarge {
		return serverkit.TextResponse(http.StatusRequestEntityTooLarge, "document larger than the %d-byte limit", s.max)
	}

	// Check and write under one lock, numbering the decision; in
	// CheckThenWrite mode, release the lock between the two.
	s.mu.Lock()
	defer s.mu.Unlock()
	var apply write
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if p.hasState {
			resp = s.getOne(r.Method, r.Header, p)
		} else {
			resp = s.list(r.Method, r.Header, p)
		}
	case http.MethodPut:
		resp, apply = s.put(r.Header, p, ex.RequestBody)
	case http.MethodPost:
		resp, apply = s.post(r.Header, p, ex.RequestBody)
	default: // DELETE
		if p.hasState {
			resp, apply = s.deleteOne(r.Header, p)
		} else {
			resp, apply = s.deleteAll(r.Header, p)
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

// parseParams validates the query of a request with the given method.
func (s *Server) parseParams(method string, q url.Values, allowed []string) (params, *response) {
	var p params
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
			return p, serverkit.TextResponse(http.StatusBadRequest, "unknown parameter %q (parameter names are case-sensitive: activityId, agent, registration, stateId, since)", name)
		}
	}
	activity, agentJSON := q.Get("activityId"), q.Get("agent")
	if _, ok := q["activityId"]; !ok {
		return p, serverkit.TextResponse(http.StatusBadRequest, "missing required parameter activityId")
	}
	if _, ok := q["agent"]; !ok {
		return p, serverkit.TextResponse(http.StatusBadRequest, "missing required parameter agent")
	}
	agent, err := statedoc.ParseAgent(agentJSON)
	if err != nil {
		return p, serverkit.TextResponse(http.StatusBadRequest, "%v", err)
	}
	c := statedoc.Context{ActivityID: activity, Agent: agent, Registration: q.Get("registration")}
	if _, p.hasReg = q["registration"]; p.hasReg && c.Registration == "" {
		return p, serverkit.TextResponse(http.StatusBadRequest, "%v", &statedoc.ValidationError{Field: "registration", Reason: "must be a UUID"})
	}
	if err := c.Validate(); err != nil {
		return p, serverkit.TextResponse(http.StatusBadRequest, "%v", err)
	}
	if p.scope, err = scopeOf(c.ActivityID, c.Agent, c.Registration); err != nil {
		return p, serverkit.TextResponse(http.StatusBadRequest, "%v", err)
	}
	_, p.hasState = q["stateId"]
	p.stateID = q.Get("stateId")
	if p.hasState && p.stateID == "" {
		return p, serverkit.TextResponse(http.StatusBadRequest, "parameter stateId must not be empty")
	}
	if !p.hasState && (method == http.MethodPut || method == http.MethodPost) {
		return p, serverkit.TextResponse(http.StatusBadRequest, "missing required parameter stateId")
	}
	if _, ok := q["since"]; ok {
		if p.hasState {
			if s.version == statedoc.Version200 {
				return p, serverkit.TextResponse(http.StatusBadRequest, "parameter since is not allowed together with stateId")
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
	return docKey{p.scope.activity, p.scope.agent, p.scope.registration, p.stateID}
}

// covers reports whether the context-wide request p (list or delete all)
// reaches the document stored under k: the same activity and agent and,
// when p gives a registration, the same registration. Without one it
// reaches every registration's documents (xAPI 1.0.3 §2.3).
func (p params) covers(k docKey) bool {
	return k.activity == p.scope.activity && k.agent == p.scope.agent &&
		(!p.hasReg || k.registration == p.scope.registration)
}

// The store operations below run with s.mu held.

func (s *Server) getOne(method string, h http.Header, p params) *response {
	d, ok := s.docs[p.key()]
	if !ok {
		return serverkit.TextResponse(http.StatusNotFound, "no state document %q in this context", p.stateID)
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
		entries = append(entries, [3]string{k.registration, k.stateID, d.ETag})
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

func (s *Server) put(h http.Header, p params, body []byte) (*response, write) {
	k := p.key()
	d := s.docs[k]
	// The 409 does not depend on any precondition's value, so it comes
	// first (RFC 9110 §13.2.1); If-Unmodified-Since alone does not make
	// the PUT conditional in xAPI's sense. A server that ignores the
	// fields cannot tell whether they were sent.
	if d != nil && s.version == statedoc.Version200 && s.mode != Ignore && len(h.Values("If-Match")) == 0 && len(h.Values("If-None-Match")) == 0 {
		return serverkit.TextResponse(http.StatusConflict, "state document %q exists: a PUT that replaces it needs If-Match (or If-None-Match); read it and retry with its ETag", p.stateID), nil
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
