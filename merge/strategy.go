package merge

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/ifmatch/ifmatch/internal/typeview"
)

// Func merges three versions of a document: base (the version both edits
// started from), ours, theirs. Any function of this type is a merge
// strategy; LastWriteWins and FieldUnion are the built-in ones.
type Func[T any] func(base, ours, theirs T) (T, error)

// LastWriteWins returns the strategy that keeps ours whole: our document
// replaces theirs, and their changes are dropped. It is the explicit choice
// to overwrite.
func LastWriteWins[T any]() Func[T] {
	return func(_, ours, _ T) (T, error) { return ours, nil }
}

// FieldUnion returns the strategy that merges member by member with JSON,
// keeping the changes of both sides and deciding conflicts with opts
// (nil: the zero Options, where ours wins each conflicting field).
//
// Values travel as JSON: each input is marshalled with encoding/json, the
// merged document is unmarshalled into a new T. When T is json.RawMessage
// or a slice of bytes ([]byte, or a type such as type Doc []byte) that has
// no JSON or text encoding of its own (MarshalJSON, UnmarshalJSON,
// MarshalText, UnmarshalText), the bytes are the JSON document itself, and
// nil or empty bytes stand for null; package client treats the same types
// as raw documents. Use such byte
// slices, or types that hold numbers as json.Number, to keep numbers
// exact; float64 fields and interface values unmarshal numbers as float64.
func FieldUnion[T any](opts *Options) Func[T] {
	return func(base, ours, theirs T) (T, error) {
		var zero T
		b, err := toJSON(base, "base")
		if err != nil {
			return zero, err
		}
		o, err := toJSON(ours, "ours")
		if err != nil {
			return zero, err
		}
		t, err := toJSON(theirs, "theirs")
		if err != nil {
			return zero, err
		}
		merged, _, err := JSON(b, o, t, opts)
		if err != nil {
			return zero, err
		}
		return fromJSON[T](merged)
	}
}

// toJSON returns the JSON document for a typed value.
func toJSON[T any](v T, input string) ([]byte, error) {
	if rv := reflect.ValueOf(&v).Elem(); isDocument(rv.Type()) {
		return nullIfEmpty(rv.Bytes()), nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("merge: encoding %s: %w", input, err)
	}
	return data, nil
}

// isDocument reports whether values of type t are JSON documents
// themselves. It is the rule package client uses for raw types:
// json.RawMessage, and slices of bytes (such as []byte or type Doc []byte)
// with no JSON or text encoding of their own.
func isDocument(t reflect.Type) bool { return typeview.IsRaw(t) }

func nullIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return []byte("null")
	}
	return b
}

// fromJSON decodes a merged document into a T.
func fromJSON[T any](data []byte) (T, error) {
	var out T
	if rv := reflect.ValueOf(&out).Elem(); isDocument(rv.Type()) {
		rv.SetBytes(data)
		return out, nil
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return out, fmt.Errorf("merge: decoding the merged document: %w", err)
	}
	return out, nil
}
