package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"

	"github.com/ifmatch/ifmatch/merge"
)

// codec turns documents into values of T and back. Two exist: JSON, for any
// JSON-serialisable T, and raw, for T = []byte (the bytes are the document).
type codec[T any] interface {
	// decode reads an existing document.
	decode(body []byte) (T, error)
	// encode writes v as the codec sees it (for JSON: its marshalling).
	encode(v T) ([]byte, error)
	// apply returns the document that results from making the change from →
	// to (two encodings of T) on top of the current document cur. For JSON it
	// keeps every member of cur that T does not declare.
	apply(from, to []byte, cur snapshot) ([]byte, error)
	// same reports whether two bodies are the same document.
	same(a, b []byte) bool
	// contentType is the Content-Type of a write onto cur.
	contentType(cur snapshot) string
	// merge is the default three-way merge of whole documents.
	merge(base, ours, theirs snapshot) ([]byte, *merge.Report, error)
	// recreate returns the document that recreates ours after someone deleted
	// the document it was made on (base): what ours changed survives, what
	// it merely carried over from base stays deleted.
	recreate(base, ours snapshot) ([]byte, error)
}

func newCodec[T any](s settings) codec[T] {
	var zero T
	if _, ok := any(zero).([]byte); ok {
		return any(rawCodec{contentTypeDefault: s.contentType}).(codec[T])
	}
	return jsonCodec[T]{}
}

// jsonCodec is the codec of JSON-serialisable values.
type jsonCodec[T any] struct{}

func (jsonCodec[T]) decode(body []byte) (T, error) {
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		return v, fmt.Errorf("%w: decode %T: %v", ErrInvalidDocument, v, err)
	}
	return v, nil
}

func (jsonCodec[T]) encode(v T) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("%w: encode %T: %v", ErrInvalidDocument, v, err)
	}
	return data, nil
}

// apply merges the change from → to onto cur with ours winning every member
// the change touched: members of cur that T does not declare, or that the
// change left alone, stay as they are on the server.
func (jsonCodec[T]) apply(from, to []byte, cur snapshot) ([]byte, error) {
	if !cur.exists {
		return to, nil
	}
	if bytes.Equal(from, to) {
		return cur.body, nil
	}
	out, _, err := merge.JSON(from, to, cur.body, &merge.Options{Policy: merge.Ours})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidDocument, err)
	}
	return out, nil
}

func (jsonCodec[T]) same(a, b []byte) bool {
	eq, err := merge.Equal(a, b)
	return err == nil && eq
}

func (jsonCodec[T]) contentType(snapshot) string { return "application/json" }

// merge field-unions the three documents. An absent base (two concurrent
// creations) counts as the zero T, so that members ours left at their zero
// value do not override what theirs set.
func (c jsonCodec[T]) merge(base, ours, theirs snapshot) ([]byte, *merge.Report, error) {
	if !base.exists {
		var zero T
		b, err := c.encode(zero)
		if err != nil {
			return nil, nil, err
		}
		base = snapshot{exists: true, body: b}
	}
	return mergeJSON(base, ours, theirs)
}

func (jsonCodec[T]) recreate(base, ours snapshot) ([]byte, error) {
	return recreateJSON(base, ours)
}

// recreateJSON merges ours with the deletion of base: theirs is the empty
// object, so members ours left alone are removed and members it changed or
// added are kept.
func recreateJSON(base, ours snapshot) ([]byte, error) {
	if !base.exists {
		return ours.body, nil
	}
	out, _, err := merge.JSON(base.body, ours.body, []byte("{}"), &merge.Options{Policy: merge.Ours})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidDocument, err)
	}
	return out, nil
}

// mergeJSON is the default field union of three JSON documents. An absent
// base counts as the empty object.
func mergeJSON(base, ours, theirs snapshot) ([]byte, *merge.Report, error) {
	b := base.body
	if !base.exists {
		b = []byte("{}")
	}
	out, rep, err := merge.JSON(b, ours.body, theirs.body, nil)
	if err != nil && errors.Is(err, merge.ErrInvalidJSON) {
		return nil, nil, fmt.Errorf("%w: %v", ErrInvalidDocument, err)
	}
	return out, rep, err
}

// rawCodec is the codec of T = []byte: the bytes are the document itself,
// with a content type, never JSON-encoded.
type rawCodec struct {
	contentTypeDefault string
}

func (rawCodec) decode(body []byte) ([]byte, error) { return bytes.Clone(body), nil }
func (rawCodec) encode(v []byte) ([]byte, error)    { return v, nil }

func (rawCodec) apply(_, to []byte, _ snapshot) ([]byte, error) { return to, nil }

func (rawCodec) same(a, b []byte) bool { return bytes.Equal(a, b) }

func (c rawCodec) contentType(cur snapshot) string {
	if cur.exists && cur.contentType != "" {
		return cur.contentType
	}
	return c.contentTypeDefault
}

// merge field-unions JSON documents and refuses anything else: bytes of an
// unknown format have no safe default merge.
func (c rawCodec) merge(base, ours, theirs snapshot) ([]byte, *merge.Report, error) {
	if !isJSON(ours.contentType) || !isJSON(theirs.contentType) {
		return nil, nil, fmt.Errorf("%w: %q onto %q; pass a merge.Func",
			ErrNoMerge, ours.contentType, theirs.contentType)
	}
	return mergeJSON(base, ours, theirs)
}

// recreate merges JSON like the JSON codec and writes other bytes as they are.
func (rawCodec) recreate(base, ours snapshot) ([]byte, error) {
	if base.exists && isJSON(base.contentType) && isJSON(ours.contentType) {
		return recreateJSON(base, ours)
	}
	return ours.body, nil
}

// isJSON reports whether a Content-Type names JSON (parameters ignored).
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/json"
}
