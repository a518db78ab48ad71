package etagtest

import (
	"net/http"
	"time"

	"github.com/ifmatch/ifmatch/internal/serverkit"
)

// gzipSuffix is what Gzip appends to the version of a compressed
// representation's ETag.
const gzipSuffix = "-gzip"

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

// names reports whether t names version. It ignores t.Weak: the caller
// decides what a weak tag may match.
func (r tagRules) names(t serverkit.Tag, version string) bool {
	if !t.Quoted && !r.bare {
		return false
	}
	return t.Opaque == version
}

// strongMatch applies If-Match's strong comparison (RFC 9110 §8.8.3.2):
// "*" matches any current representation; otherwise a listed strong tag
// must name the version of a target whose ETag is strong. Tags are
// parsed quoted or not (serverkit.ParseTags).
func (r tagRules) strongMatch(lines []string, t target) bool {
	return serverkit.StrongMatch(lines, true, t.strong, func(tg serverkit.Tag) bool { return r.names(tg, t.version) })
}

// weakMatch applies If-None-Match's weak comparison to a tag list (the
// caller handles "*").
func (r tagRules) weakMatch(tags []serverkit.Tag, t target) bool {
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
		star, tags := serverkit.ParseTags(lines, true)
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

// perform runs w under the server's Preconditions mode: it decides w
// under the lock, checking its preconditions unless the mode is Ignore,
// and commits it under the lock too, which CheckThenWrite releases for
// the race window in between (serverkit.Mode.Pause).
func (s *Server) perform(w *write) *response {
	mode := serverkit.Mode(s.opts.Preconditions)
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.decide(w, mode != serverkit.Ignore)
	if c.resp != nil {
		return c.resp
	}
	mode.Pause(&s.mu, s.opts.RaceWindow)
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
			return change{resp: serverkit.TextResponse(s.opts.writeStatus(f), "%s", failureText(f))}
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
	return serverkit.TextResponse(http.StatusPreconditionRequired, "precondition required: a %s of an existing document needs If-Match (or If-None-Match)", w.method)
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
	resp := serverkit.NewResponse(c.status)
	for name, values := range c.headers {
		resp.Header[name] = values
	}
	switch {
	case c.remove:
		delete(s.docs, path)
	case c.doc != nil:
		s.commitStore(path, c.doc)
		if tag := s.etagOf(c.doc, c.doc.updated, false); tag != "" && !s.opts.OmitWriteETag {
			resp.Header.Set("ETag", tag)
		}
	}
	return resp
}
