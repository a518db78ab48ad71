package etagtest

import (
	"net/http"
	"strings"
	"time"
)

// gzipSuffix is what Gzip appends to the version of a compressed
// representation's ETag.
const gzipSuffix = "-gzip"

// tag is one element of an If-Match or If-None-Match list.
type tag struct {
	weak   bool   // it had the W/ prefix
	quoted bool   // its opaque part was quoted
	opaque string // without quotes
}

// parseTags parses If-Match or If-None-Match header lines. star reports a
// line that is exactly "*". Elements are entity-tags, quoted ("v7",
// W/"v7") or not (v7, W/v7), separated by commas; a quoted one may hold
// commas. Parsing a line stops at an opening quote that is never closed.
func parseTags(lines []string) (star bool, tags []tag) {
	for _, line := range lines {
		line = strings.TrimSpace(line)
		if line == "*" {
			star = true
			continue
		}
		for {
			line = strings.TrimLeft(line, " \t,")
			if line == "" {
				break
			}
			var t tag
			if rest, ok := strings.CutPrefix(line, "W/"); ok {
				t.weak, line = true, rest
			}
			if strings.HasPrefix(line, `"`) {
				end := strings.IndexByte(line[1:], '"')
				if end < 0 {
					break
				}
				t.quoted, t.opaque, line = true, line[1:end+1], line[end+2:]
				tags = append(tags, t)
				continue
			}
			token, rest, _ := strings.Cut(line, ",")
			t.opaque, line = strings.TrimSpace(token), rest
			if t.opaque != "" {
				tags = append(tags, t)
			}
		}
	}
	return star, tags
}

// target is what preconditions see of a request's target.
type target struct {
	exists  bool
	version string // the bare version; "" when absent
	strong  bool   // its current ETag is strong, so If-Match can match it
}

// tagRules says how a request's tags name a version.
type tagRules struct {
	bare bool // a tag without quotes names the version too (Unquoted, NoETag)
	gzip bool // under weak comparison, the "-gzip" variant names it too
}

// names reports whether t names version. It ignores t.weak: the caller
// decides what a weak tag may match.
func (r tagRules) names(t tag, version string) bool {
	if !t.quoted && !r.bare {
		return false
	}
	return t.opaque == version
}

// strongMatch applies If-Match's strong comparison (RFC 9110 §8.8.3.2):
// "*" matches any current representation; otherwise a listed strong tag
// must name the version of a target whose ETag is strong.
func (r tagRules) strongMatch(lines []string, t target) bool {
	star, tags := parseTags(lines)
	if star {
		return true
	}
	if !t.strong {
		return false
	}
	for _, tg := range tags {
		if !tg.weak && r.names(tg, t.version) {
			return true
		}
	}
	return false
}

// weakMatch applies If-None-Match's weak comparison to a tag list (the
// caller handles "*").
func (r tagRules) weakMatch(tags []tag, t target) bool {
	for _, tg := range tags {
		if r.names(tg, t.version) || r.gzip && r.names(tg, t.version+gzipSuffix) {
			return true
		}
	}
	return false
}

// failure is which precondition failed, if any.
type failure int

const (
	passed      failure = iota
	missing             // If-Match on a target with no current representation
	stale               // If-Match named no current version
	starExists          // If-None-Match "*" on an existing target
	tagMatches          // If-None-Match listed the current version
	bodyMissing         // RequireVersionField: a PUT onto an existing target without a body version
	bodyStale           // RequireVersionField: a body version that is not the current one
)

// evaluate evaluates If-Match and If-None-Match against t in the order of
// RFC 9110 §13.2.2 and returns the first that fails. The date
// preconditions are not evaluated.
func evaluate(h http.Header, t target, r tagRules) failure {
	if lines := h.Values("If-Match"); len(lines) > 0 {
		if !t.exists {
			return missing
		}
		if !r.strongMatch(lines, t) {
			return stale
		}
	}
	if lines := h.Values("If-None-Match"); len(lines) > 0 && t.exists {
		star, tags := parseTags(lines)
		if star {
			return starExists
		}
		if r.weakMatch(tags, t) {
			return tagMatches
		}
	}
	return passed
}

// evaluateBodyVersion is the precondition of a PUT under
// RequireVersionField: the version the body carries (present reports
// whether it carries one) must be the target's, and a missing target
// takes none.
func evaluateBodyVersion(sent string, present bool, t target) failure {
	switch {
	case !t.exists && present:
		return bodyStale
	case !t.exists:
		return passed
	case !present:
		return bodyMissing
	case sent != t.version:
		return bodyStale
	}
	return passed
}

// writeStatus is the status that answers a write whose precondition failed
// with f.
func (o *Options) writeStatus(f failure) int {
	switch f {
	case missing:
		return o.MissingStatus
	case stale, bodyMissing, bodyStale:
		return o.ConflictStatus
	case starExists:
		return o.ExistsStatus
	}
	return http.StatusPreconditionFailed
}

// failureText explains f in an error body.
func failureText(f failure) string {
	switch f {
	case missing:
		return "precondition failed: If-Match given but nothing is stored here"
	case stale:
		return "precondition failed: If-Match names no current version"
	case starExists:
		return "precondition failed: If-None-Match * but a document is stored here"
	case tagMatches:
		return "precondition failed: If-None-Match names the current version"
	case bodyMissing:
		return "conflict: the body must carry the current version at the version field"
	case bodyStale:
		return "conflict: the body's version is not the current one"
	}
	return ""
}

// rules returns the server's tag rules.
func (s *Server) rules() tagRules {
	return tagRules{bare: s.opts.ETag == Unquoted || s.opts.ETag == NoETag, gzip: s.opts.Gzip}
}

// targetOf returns what preconditions see of d (nil when absent) at the
// time now.
func (s *Server) targetOf(d *document, now time.Time) target {
	if d == nil {
		return target{}
	}
	return target{exists: true, version: d.version, strong: !s.weakNow(d, now)}
}

// write is one change to one path. The Preconditions modes run its steps
// — check, decide, commit — in their own ways (perform).
type write struct {
	method string
	path   string
	header http.Header
	// bodyVersion and hasBodyVersion are the version a PUT carried in its
	// body, for RequireVersionField.
	bodyVersion    string
	hasBodyVersion bool
	// decide computes the change from the current document (nil when
	// absent), or an answer that ends the write; s.mu is held.
	decide func(cur *document) change
}

// change is what a write does once decided: answer alone (resp), store a
// document (doc) or remove the stored one (remove), answering status.
type change struct {
	resp    *response
	doc     *document
	remove  bool
	status  int
	headers http.Header // extra response headers, such as Location
}

// perform runs w under the server's Preconditions mode.
func (s *Server) perform(w *write) *response {
	switch s.opts.Preconditions {
	case Ignore:
		return s.atomically(w, false)
	case CheckThenWrite:
		return s.checkThenWrite(w)
	}
	return s.atomically(w, true)
}

// atomically checks (when check is set), decides and commits w under one
// hold of the lock.
func (s *Server) atomically(w *write, check bool) *response {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.decide(w, check)
	if c.resp != nil {
		return c.resp
	}
	return s.commit(w.path, c)
}

// checkThenWrite checks and decides w under the lock, releases it for the
// race window and commits under the lock again, without checking anew.
func (s *Server) checkThenWrite(w *write) *response {
	s.mu.Lock()
	c := s.decide(w, true)
	s.mu.Unlock()
	if c.resp != nil {
		return c.resp
	}
	time.Sleep(s.opts.RaceWindow)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commit(w.path, c)
}

// decide applies RequirePrecondition, then (when check is set) the
// preconditions, then w.decide; s.mu must be held.
func (s *Server) decide(w *write, check bool) change {
	cur := s.docs[w.path]
	if resp := s.requirePrecondition(w, cur); resp != nil {
		return change{resp: resp}
	}
	if check {
		if f := s.check(w, cur); f != passed {
			return change{resp: textResponse(s.opts.writeStatus(f), "%s", failureText(f))}
		}
	}
	return w.decide(cur)
}

// requirePrecondition returns the 428 answer to a write onto an existing
// document without If-Match or If-None-Match, when the server requires
// one; s.mu must be held.
func (s *Server) requirePrecondition(w *write, cur *document) *response {
	if !s.opts.RequirePrecondition || cur == nil || s.bodyCarriesPrecondition(w) {
		return nil
	}
	if len(w.header.Values("If-Match")) > 0 || len(w.header.Values("If-None-Match")) > 0 {
		return nil
	}
	return textResponse(http.StatusPreconditionRequired, "precondition required: a %s of an existing document needs If-Match (or If-None-Match)", w.method)
}

// bodyCarriesPrecondition reports whether w's precondition is the version
// in its body rather than its header fields.
func (s *Server) bodyCarriesPrecondition(w *write) bool {
	return s.opts.RequireVersionField && w.method == http.MethodPut
}

// check evaluates w's precondition against cur; s.mu must be held.
func (s *Server) check(w *write, cur *document) failure {
	t := s.targetOf(cur, s.opts.Now())
	if s.bodyCarriesPrecondition(w) {
		return evaluateBodyVersion(w.bodyVersion, w.hasBodyVersion, t)
	}
	return evaluate(w.header, t, s.rules())
}

// commit performs a decided change and returns its answer; s.mu must be
// held.
func (s *Server) commit(path string, c change) *response {
	resp := newResponse(c.status)
	for name, values := range c.headers {
		resp.header[name] = values
	}
	switch {
	case c.remove:
		delete(s.docs, path)
	case c.doc != nil:
		s.commitStore(path, c.doc)
		if tag := s.etagOf(c.doc, c.doc.updated, false); tag != "" && !s.opts.OmitWriteETag {
			resp.header.Set("ETag", tag)
		}
	}
	return resp
}
