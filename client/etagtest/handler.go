package etagtest

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	jsonpatch "github.com/evanphx/json-patch/v5"

	"github.com/ifmatch/ifmatch/internal/redact"
	"github.com/ifmatch/ifmatch/internal/serverkit"
)

// The media types of the two patch formats PATCH accepts.
const (
	mergePatchType = "application/merge-patch+json" // RFC 7386
	jsonPatchType  = "application/json-patch+json"  // RFC 6902
)

// response is an answer built before it is logged and written.
type response = serverkit.Response

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	ex := Exchange{
		Method:  r.Method,
		Path:    r.URL.Path,
		Header:  redact.Header(r.Header),
		Arrival: s.arrive(),
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, s.opts.MaxBodySize+1))
	ex.Body = body
	var resp *response
	if err != nil {
		resp = serverkit.TextResponse(http.StatusBadRequest, "cannot read the request body: %v", err)
	} else {
		resp = s.handle(r, body)
	}

	// Record what goes on the wire: no body where HTTP allows none, none
	// for HEAD, and an explicit Content-Length.
	out := resp.Body
	switch {
	case !serverkit.BodyAllowed(resp.Status):
		out = nil
		resp.Header.Del("Content-Length")
		resp.Header.Del("Content-Type")
	case r.Method == http.MethodHead:
		if resp.Header.Get("Content-Length") == "" {
			resp.Header.Set("Content-Length", strconv.Itoa(len(out)))
		}
		out = nil
	default:
		resp.Header.Set("Content-Length", strconv.Itoa(len(out)))
	}
	ex.Status = resp.Status
	ex.ResponseHeader = resp.Header
	ex.ResponseBody = out
	applyFault(r, &ex)
	s.record(ex)

	resp.Send(w, out)
}

// handle answers a request whose body has been read.
func (s *Server) handle(r *http.Request, body []byte) *response {
	path := r.URL.Path
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		return s.read(path, r.Header)
	case http.MethodDelete:
		return s.delete(path, r.Header)
	case http.MethodPut, http.MethodPatch:
	case http.MethodPost:
		if !s.isCollection(path) {
			return s.notAllowed(path, r.Method)
		}
	default:
		return s.notAllowed(path, r.Method)
	}
	if int64(len(body)) > s.opts.MaxBodySize {
		return serverkit.TextResponse(http.StatusRequestEntityTooLarge, "body larger than the %d-byte limit", s.opts.MaxBodySize)
	}
	switch r.Method {
	case http.MethodPut:
		return s.put(path, r.Header, body)
	case http.MethodPatch:
		return s.patch(path, r.Header, body)
	}
	return s.post(path, r.Header, body)
}

// notAllowed answers 405 with the methods path allows.
func (s *Server) notAllowed(path, method string) *response {
	allow := "GET, HEAD, PUT, PATCH, DELETE"
	if s.isCollection(path) {
		allow += ", POST"
	}
	resp := serverkit.TextResponse(http.StatusMethodNotAllowed, "method %s is not allowed on %s", method, path)
	resp.Header.Set("Allow", allow)
	return resp
}

// read answers GET and HEAD.
func (s *Server) read(path string, h http.Header) *response {
	gz := s.opts.Gzip && acceptsGzip(h.Values("Accept-Encoding"))
	s.mu.Lock()
	d := s.docs[path]
	if d == nil {
		s.mu.Unlock()
		return serverkit.TextResponse(http.StatusNotFound, "nothing is stored at %s", path)
	}
	now := s.opts.Now()
	f := evaluate(h, s.targetOf(d, now), s.rules())
	etag := s.etagOf(d, now, gz)
	body, contentType, updated := bytes.Clone(d.body), d.contentType, d.updated
	s.mu.Unlock()

	lastModified := updated.UTC().Format(http.TimeFormat)
	var resp *response
	switch f {
	case passed:
		resp = serverkit.NewResponse(http.StatusOK)
		resp.Header.Set("Content-Type", contentType)
		resp.Header.Set("Last-Modified", lastModified)
		if gz {
			resp.Header.Set("Content-Encoding", "gzip")
			body = compress(body)
		}
		resp.Body = body
	case starExists, tagMatches:
		// A 304 carries the ETag, or Last-Modified when there is none
		// (RFC 9110 §15.4.5).
		resp = serverkit.NewResponse(http.StatusNotModified)
		if etag == "" {
			resp.Header.Set("Last-Modified", lastModified)
		}
	default:
		return serverkit.TextResponse(http.StatusPreconditionFailed, "%s", failureText(f))
	}
	if etag != "" {
		resp.Header.Set("ETag", etag)
	}
	if s.opts.Gzip {
		resp.Header.Set("Vary", "Accept-Encoding")
	}
	return resp
}

// acceptsGzip reports whether Accept-Encoding lines accept gzip: gzip,
// x-gzip or "*" listed with a quality other than 0.
func acceptsGzip(lines []string) bool {
	for _, line := range lines {
		for _, item := range strings.Split(line, ",") {
			coding, params, _ := strings.Cut(item, ";")
			coding = strings.ToLower(strings.TrimSpace(coding))
			if coding != "gzip" && coding != "x-gzip" && coding != "*" {
				continue
			}
			q := 1.0
			if name, value, ok := strings.Cut(params, "="); ok && strings.EqualFold(strings.TrimSpace(name), "q") {
				if v, err := strconv.ParseFloat(strings.TrimSpace(value), 64); err == nil {
					q = v
				}
			}
			if q > 0 {
				return true
			}
		}
	}
	return false
}

// compress returns body compressed with gzip.
func compress(body []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(body) // writes to a bytes.Buffer do not fail
	_ = zw.Close()
	return buf.Bytes()
}

// contentTypeOf returns the request's Content-Type, or
// application/octet-stream when it has none (RFC 9110 §8.3).
func contentTypeOf(h http.Header) string {
	if ct := h.Get("Content-Type"); ct != "" {
		return ct
	}
	return "application/octet-stream"
}

// put answers PUT: 201 when it creates, 204 when it replaces.
func (s *Server) put(path string, h http.Header, body []byte) *response {
	w := &write{method: http.MethodPut, path: path, header: h}
	if s.opts.VersionField != "" {
		if _, err := s.withVersion(body, ""); err != nil {
			return serverkit.TextResponse(http.StatusBadRequest, "%v", err)
		}
		w.bodyVersion, w.hasBodyVersion = versionIn(body, s.opts.VersionField)
	}
	contentType := contentTypeOf(h)
	w.decide = func(cur *document) change {
		return s.storeChange(cur, body, contentType, http.StatusBadRequest)
	}
	return s.perform(w)
}

// storeChange decides to store body under a new version: 201 when cur is
// nil, 204 otherwise. failStatus answers a body that cannot hold the
// version field; s.mu must be held.
func (s *Server) storeChange(cur *document, body []byte, contentType string, failStatus int) change {
	d := s.newDocument(nil, contentType)
	with, err := s.withVersion(body, d.version)
	if err != nil {
		return change{resp: serverkit.TextResponse(failStatus, "%v", err)}
	}
	d.body = with
	status := http.StatusNoContent
	if cur == nil {
		status = http.StatusCreated
	}
	return change{doc: d, status: status}
}

// patch answers PATCH with a JSON merge patch or a JSON Patch: 204 when it
// applies, 415 for another media type, 400 for a malformed patch, 404 when
// nothing is stored, 409 when a JSON Patch "test" fails, 422 when the patch
// cannot be applied otherwise.
func (s *Server) patch(path string, h http.Header, body []byte) *response {
	mediaType, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mediaType != mergePatchType && mediaType != jsonPatchType {
		resp := serverkit.TextResponse(http.StatusUnsupportedMediaType, "PATCH takes %s or %s, not %q", mergePatchType, jsonPatchType, h.Get("Content-Type"))
		resp.Header.Set("Accept-Patch", mergePatchType+", "+jsonPatchType)
		return resp
	}
	var apply func(doc []byte) ([]byte, error)
	if mediaType == mergePatchType {
		if !jsonValid(body) {
			return serverkit.TextResponse(http.StatusBadRequest, "the merge patch is not JSON")
		}
		apply = func(doc []byte) ([]byte, error) { return jsonpatch.MergePatch(doc, body) }
	} else {
		p, err := decodePatch(body)
		if err != nil {
			return serverkit.TextResponse(http.StatusBadRequest, "the JSON Patch is malformed: %v", err)
		}
		opts := jsonpatch.NewApplyOptions()
		opts.EscapeHTML = false
		// Each copy can double the document: bound what copies add.
		opts.AccumulatedCopySizeLimit = s.opts.MaxBodySize
		apply = func(doc []byte) ([]byte, error) { return p.ApplyWithOptions(doc, opts) }
	}
	w := &write{method: http.MethodPatch, path: path, header: h}
	w.decide = func(cur *document) change {
		if cur == nil {
			return change{resp: serverkit.TextResponse(http.StatusNotFound, "nothing is stored at %s", path)}
		}
		if !jsonValid(cur.body) {
			return change{resp: serverkit.TextResponse(http.StatusUnprocessableEntity, "the stored document is not JSON")}
		}
		next, err := safely(func() ([]byte, error) { return apply(cur.body) })
		switch {
		case errors.Is(err, jsonpatch.ErrTestFailed):
			return change{resp: serverkit.TextResponse(http.StatusConflict, "the patch does not apply: %v", err)}
		case err != nil:
			return change{resp: serverkit.TextResponse(http.StatusUnprocessableEntity, "the patch does not apply: %v", err)}
		}
		return s.storeChange(cur, next, cur.contentType, http.StatusUnprocessableEntity)
	}
	return s.perform(w)
}

// decodePatch decodes an RFC 6902 patch.
func decodePatch(body []byte) (jsonpatch.Patch, error) {
	var p jsonpatch.Patch
	_, err := safely(func() ([]byte, error) {
		var err error
		p, err = jsonpatch.DecodePatch(body)
		return nil, err
	})
	return p, err
}

// safely runs f, turning a panic inside the JSON library into an error, so
// that no request can crash the server.
func safely(f func() ([]byte, error)) (out []byte, err error) {
	defer func() {
		if v := recover(); v != nil {
			out, err = nil, fmt.Errorf("internal error in the JSON library: %v", v)
		}
	}()
	return f()
}

// delete answers DELETE: 204, or 404 when nothing is stored.
func (s *Server) delete(path string, h http.Header) *response {
	w := &write{method: http.MethodDelete, path: path, header: h}
	w.decide = func(cur *document) change {
		if cur == nil {
			return change{resp: serverkit.TextResponse(http.StatusNotFound, "nothing is stored at %s", path)}
		}
		return change{remove: true, status: http.StatusNoContent}
	}
	return s.perform(w)
}

// post answers POST on a collection: it stores the body at the
// collection's next free member path and answers 201 with its Location.
// POST evaluates no preconditions.
func (s *Server) post(path string, h http.Header, body []byte) *response {
	if s.opts.VersionField != "" {
		if _, err := s.withVersion(body, ""); err != nil {
			return serverkit.TextResponse(http.StatusBadRequest, "%v", err)
		}
	}
	collection := strings.TrimRight(path, "/")
	s.mu.Lock()
	defer s.mu.Unlock()
	var member string
	for {
		s.members[collection]++
		member = collection + "/" + strconv.FormatUint(s.members[collection], 10)
		if s.docs[member] == nil {
			break
		}
	}
	c := s.storeChange(nil, body, contentTypeOf(h), http.StatusBadRequest)
	if c.resp != nil {
		return c.resp
	}
	location := member
	if s.opts.AbsoluteLocation {
		location = s.URL + member
	}
	c.headers = http.Header{"Location": {location}}
	return s.commit(member, c)
}
