package etagtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	jsonpatch "github.com/evanphx/json-patch/v5"
)

// jsonValid reports whether b is one JSON value.
func jsonValid(b []byte) bool { return json.Valid(b) }

// decodeValue decodes one JSON value, numbers as json.Number (so that no
// number is out of range).
func decodeValue(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON value")
	}
	return v, nil
}

// pointerSegments splits a JSON Pointer into its decoded reference tokens
// (RFC 6901 §4: "~1" is "/", "~0" is "~").
func pointerSegments(ptr string) []string {
	raw := strings.Split(strings.TrimPrefix(ptr, "/"), "/")
	segs := make([]string, len(raw))
	for i, r := range raw {
		segs[i] = strings.ReplaceAll(strings.ReplaceAll(r, "~1", "/"), "~0", "~")
	}
	return segs
}

// escapeSegment encodes a reference token for a JSON Pointer.
func escapeSegment(seg string) string {
	return strings.ReplaceAll(strings.ReplaceAll(seg, "~", "~0"), "/", "~1")
}

// errNotObject explains a body that cannot hold the version field.
var errNotObject = errors.New("the body must be a JSON object")

// withVersion returns body with version written at Options.VersionField,
// creating missing parent objects; body itself when there is no
// VersionField. It fails when body is not a JSON object, or when a parent
// on the way is not an object. Members keep their order and numbers their
// text; the result is compact.
func (s *Server) withVersion(body []byte, version string) ([]byte, error) {
	ptr := s.opts.VersionField
	if ptr == "" {
		return body, nil
	}
	root, err := decodeValue(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errNotObject, err)
	}
	type op struct {
		Op    string `json:"op"`
		Path  string `json:"path"`
		Value any    `json:"value"`
	}
	var ops []op
	node, prefix := root, ""
	segs := pointerSegments(ptr)
	for i, seg := range segs {
		obj, ok := node.(map[string]any)
		if !ok {
			if i == 0 {
				return nil, errNotObject
			}
			return nil, fmt.Errorf("the body cannot hold the version at %s: %s is not an object", ptr, prefix)
		}
		prefix += "/" + escapeSegment(seg)
		if i == len(segs)-1 {
			ops = append(ops, op{Op: "add", Path: prefix, Value: version})
			break
		}
		child, exists := obj[seg]
		if !exists {
			ops = append(ops, op{Op: "add", Path: prefix, Value: map[string]any{}})
			child = map[string]any{}
		}
		node = child
	}
	encoded, err := json.Marshal(ops)
	if err != nil {
		return nil, err
	}
	return safely(func() ([]byte, error) {
		p, err := jsonpatch.DecodePatch(encoded)
		if err != nil {
			return nil, err
		}
		opts := jsonpatch.NewApplyOptions()
		opts.EscapeHTML = false
		return p.ApplyWithOptions(body, opts)
	})
}

// versionIn returns the version a JSON body carries at ptr: a string, or
// the text of another non-null value (which names no version). present is
// false when the body is not JSON or holds nothing (or null) there.
func versionIn(body []byte, ptr string) (version string, present bool) {
	node, err := decodeValue(body)
	if err != nil {
		return "", false
	}
	for _, seg := range pointerSegments(ptr) {
		obj, ok := node.(map[string]any)
		if !ok {
			return "", false
		}
		if node, ok = obj[seg]; !ok {
			return "", false
		}
	}
	switch v := node.(type) {
	case nil:
		return "", false
	case string:
		return v, true
	default:
		return fmt.Sprint(v), true
	}
}
