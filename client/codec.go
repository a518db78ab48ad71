package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"reflect"

	"github.com/ifmatch/ifmatch/internal/typeview"
	"github.com/ifmatch/ifmatch/merge"
)

// codec turns documents into values of T and back. Two exist: JSON, for any
// JSON-serialisable T, and raw, for types whose values are the document's
// bytes themselves (see typeview.IsRaw).
type codec[T any] interface {
	// decode reads an existing document.
	decode(body []byte) (T, error)
	// encode writes v as the codec sees it (for JSON: its marshalling).
	encode(v T) ([]byte, error)
	// empty reports whether an encoding is the zero value's: a change to
	// an absent document that leaves it so creates nothing.
	empty(enc []byte) bool
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

func newCodec[T any](s settings) (codec[T], error) {
	t := reflect.TypeFor[T]()
	if typeview.IsRaw(t) {
		ct := s.contentType
		if ct == "" {
			ct = "application/octet-stream"
			if t == reflect.TypeFor[json.RawMessage]() {
				ct = "application/json"
			}
		}
		return rawCodec[T]{contentTypeDefault: ct}, nil
	}
	var zero T
	z, err := json.Marshal(zero)
	if err != nil {
		return nil, fmt.Errorf("%w: %T cannot be encoded as JSON: %v", ErrInvalidDocument, zero, err)
	}
	return jsonCodec[T]{view: typeview.New(t), zero: z}, nil
}

// jsonCodec is the codec of JSON-serialisable values. It decodes only the
// members T declares by their exact names (encoding/json alone would fill a
// field "counter" from another application's "Counter").
type jsonCodec[T any] struct {
	view *typeview.View
	zero []byte // the encoding of T's zero value
}

func (c jsonCodec[T]) decode(body []byte) (T, error) {
	var v T
	own, err := c.view.Filter(body)
	if err != nil {
		// Not JSON: json.Unmarshal says where, if it can.
		if uerr := json.Unmarshal(body, new(any)); uerr != nil {
			err = uerr
		}
		return v, fmt.Errorf("%w: decode %T: %v", ErrInvalidDocument, v, err)
	}
	if err := json.Unmarshal(own, &v); err != nil {
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

func (c jsonCodec[T]) empty(enc []byte) bool { return bytes.Equal(enc, c.zero) }

// apply makes the change from → to on cur with merge.Apply: members and
// elements of cur that T does not declare, and values the change left
// alone, stay exactly as they are on the server.
func (jsonCodec[T]) apply(from, to []byte, cur snapshot) ([]byte, error) {
	if !cur.exists {
		return to, nil
	}
	if bytes.Equal(from, to) {
		return cur.body, nil
	}
	if bytes.Equal(from, cur.body) {
		// The stored document is exactly T's encoding: nothing foreign to
		// keep, no number text of its own; the change is to itself.
		return to, nil
	}
	out, err := merge.Apply(from, to, cur.body)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidDocument, err)
	}
	return out, nil
}

func (jsonCodec[T]) same(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
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

// rawCodec is the codec of types whose values are the document's bytes
// ([]byte, json.RawMessage, type Blob []byte): never JSON-encoded, written
// with a content type.
type rawCodec[T any] struct {
	contentTypeDefault string
}

func (rawCodec[T]) decode(body []byte) (T, error) {
	var v T
	reflect.ValueOf(&v).Elem().SetBytes(bytes.Clone(body))
	return v, nil
}

func (rawCodec[T]) encode(v T) ([]byte, error) {
	return reflect.ValueOf(&v).Elem().Bytes(), nil
}

func (rawCodec[T]) empty(enc []byte) bool { return len(enc) == 0 }

func (rawCodec[T]) apply(_, to []byte, _ snapshot) ([]byte, error) { return to, nil }

func (rawCodec[T]) same(a, b []byte) bool { return bytes.Equal(a, b) }

func (c rawCodec[T]) contentType(cur snapshot) string {
	if cur.exists && cur.contentType != "" {
		return cur.contentType
	}
	return c.contentTypeDefault
}

// merge field-unions JSON documents and refuses anything else: bytes of an
// unknown format have no safe default merge.
func (c rawCodec[T]) merge(base, ours, theirs snapshot) ([]byte, *merge.Report, error) {
	if !isJSON(ours.contentType) || !isJSON(theirs.contentType) {
		return nil, nil, fmt.Errorf("%w: %q onto %q; pass a merge.Func",
			ErrNoMerge, ours.contentType, theirs.contentType)
	}
	return mergeJSON(base, ours, theirs)
}

// recreate merges JSON like the JSON codec and writes other bytes as they are.
func (rawCodec[T]) recreate(base, ours snapshot) ([]byte, error) {
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
