package client

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/ifmatch/ifmatch/internal/etag"
	"github.com/ifmatch/ifmatch/internal/jsonptr"
	"github.com/ifmatch/ifmatch/merge"
)

// shape is how an API's requests look: where a document's version is read,
// which header sends it back, and how a change is written. The engine
// builds every request from it; the State client uses the plain HTTP shape
// (ETag header, If-Match, PUT).
type shape struct {
	write        WriteMethod
	precondition string // the header that carries the version on a write
	field        string // JSON Pointer to a version kept in the body; "" if none
	sendField    bool   // writes carry the field, set to their base version
	versionFunc  func(http.Header, []byte) (string, error)
	onAbsent     AbsentPolicy
}

// httpShape is the shape of plain HTTP: the ETag header, If-Match, PUT.
var httpShape = &shape{precondition: "If-Match"}

// inHeader reports whether the version is the ETag header, which has weak
// and strong forms.
func (sh *shape) inHeader() bool { return sh.field == "" && sh.versionFunc == nil }

// where names the version's place, for errors.
func (sh *shape) where() string {
	switch {
	case sh.versionFunc != nil:
		return "the version function"
	case sh.field != "":
		return "the body field " + sh.field
	}
	return "the ETag header"
}

// noun is what the shape calls a version, for errors.
func (sh *shape) noun() string {
	if sh.inHeader() {
		return "ETag"
	}
	return "version"
}

// version reads the version an answer carries. For a version kept in the
// body it also returns the body without the field, and the field's JSON
// text; otherwise body is returned as it is. An answer without a version
// gives "".
func (sh *shape) version(header http.Header, body []byte) (v string, rest, raw []byte, err error) {
	switch {
	case sh.versionFunc != nil:
		v, err = sh.versionFunc(header, body)
		if err != nil {
			return "", nil, nil, fmt.Errorf("%w: version: %w", ErrInvalidDocument, err)
		}
	case sh.field != "":
		var ok bool
		raw, ok, err = jsonptr.Get(body, sh.field)
		if err != nil {
			return "", nil, nil, fmt.Errorf("%w: %v", ErrInvalidDocument, err)
		}
		if !ok {
			return "", body, nil, nil
		}
		if v, ok = jsonptr.Text(raw); !ok {
			return "", nil, nil, fmt.Errorf("%w: the version field %s holds %s, not a string or a number", ErrInvalidDocument, sh.field, raw)
		}
		if rest, err = jsonptr.Remove(body, sh.field); err != nil {
			return "", nil, nil, fmt.Errorf("%w: %v", ErrInvalidDocument, err)
		}
		body = rest
	default:
		if len(header.Values("ETag")) > 1 {
			return "", nil, nil, fmt.Errorf("%w: the server sent %d ETag fields, which a proxy may join into a list", ErrInvalidETag, len(header.Values("ETag")))
		}
		v = header.Get("ETag")
		if etag.Classify(v) == etag.Invalid {
			return "", nil, nil, fmt.Errorf("%w: the server sent %q, which cannot be sent back in If-Match", ErrInvalidETag, v)
		}
		return v, body, nil, nil
	}
	if v != "" && !headerSafe(v) {
		return "", nil, nil, fmt.Errorf("%w: %s gave %q, which cannot be sent as a header value", ErrInvalidETag, sh.where(), v)
	}
	if v == "*" || strings.Contains(v, ",") {
		// "*" matches any version, and a comma makes a list of them.
		return "", nil, nil, fmt.Errorf("%w: %s gave %q, which a precondition would read as more than one version", ErrInvalidETag, sh.where(), v)
	}
	return v, body, raw, nil
}

// usable reports whether v can be sent back as the precondition of a
// write: a strong ETag, or any version read from the body or a function.
func (sh *shape) usable(v string) bool {
	if sh.inHeader() {
		return etag.Usable(v)
	}
	return v != ""
}

// sameVersion reports whether a and b are known to be the same version:
// both absent, or both carrying the same usable version.
func (sh *shape) sameVersion(a, b snapshot) bool {
	if !a.exists || !b.exists {
		return !a.exists && !b.exists
	}
	return sh.usable(a.etag) && a.etag == b.etag
}

// strip removes the version field from a document about to be written:
// the field is never data.
func (sh *shape) strip(body []byte) ([]byte, error) {
	if sh.field == "" {
		return body, nil
	}
	out, err := jsonptr.Remove(body, sh.field)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidDocument, err)
	}
	return out, nil
}

// full returns a document with the version field put back when the shape
// keeps one (and without the write log): what a value is decoded from.
func (sh *shape) full(s snapshot) []byte {
	if sh.field == "" || s.versionRaw == nil {
		return s.body
	}
	out, err := jsonptr.Set(s.body, sh.field, s.versionRaw)
	if err != nil {
		return s.body
	}
	return out
}

// request builds the method, headers and body of a write of next onto
// cur.
func (sh *shape) request(cur snapshot, next *draft) (method string, header http.Header, body []byte, kind request, err error) {
	method, body, ct := http.MethodPut, next.body, next.contentType
	header = http.Header{}
	if !cur.exists {
		header.Set("If-None-Match", "*")
		header.Set("Content-Type", ct)
		return method, header, body, createRequest, nil
	}
	header.Set(sh.precondition, cur.etag)
	switch {
	case sh.write != WritePut:
		method = http.MethodPatch
		if body, ct, err = patch(sh.write, cur.body, next.body); err != nil {
			return "", nil, nil, 0, err
		}
	case sh.field != "" && sh.sendField && cur.versionRaw != nil:
		if body, err = jsonptr.Set(body, sh.field, cur.versionRaw); err != nil {
			return "", nil, nil, 0, fmt.Errorf("%w: %v", ErrInvalidDocument, err)
		}
	}
	header.Set("Content-Type", ct)
	return method, header, body, matchRequest, nil
}

// Media types of the PATCH bodies.
const (
	mergePatchType = "application/merge-patch+json"
	jsonPatchType  = "application/json-patch+json"
)

// patch returns the PATCH body that turns from into to, and its media
// type. A merge patch that cannot express the change (a value set to
// null) becomes a JSON Patch.
func patch(m WriteMethod, from, to []byte) ([]byte, string, error) {
	if m == WriteMergePatch {
		p, err := merge.MergePatch(from, to)
		if err == nil {
			return p, mergePatchType, nil
		}
		if !errors.Is(err, merge.ErrNotRepresentable) {
			return nil, "", fmt.Errorf("%w: %v", ErrInvalidDocument, err)
		}
	}
	p, err := merge.JSONPatch(from, to)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %v", ErrInvalidDocument, err)
	}
	return p, jsonPatchType, nil
}

// split separates a document as the server holds it (a Doc's Raw) into the
// body the engine works on and the JSON text of its version field.
func (sh *shape) split(doc []byte) (body, versionRaw []byte, err error) {
	if sh.field == "" {
		return doc, nil, nil
	}
	_, body, versionRaw, err = sh.version(nil, doc)
	return body, versionRaw, err
}
