package typeview

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
)

// IsRaw reports whether values of t are JSON-free documents of bytes: t is
// json.RawMessage, or a slice of bytes (such as []byte or type Blob []byte)
// that neither it nor its pointer gives its own JSON or text encoding. For
// such a type the bytes are the document; for any other type the document
// is the value's JSON encoding.
func IsRaw(t reflect.Type) bool {
	if t == reflect.TypeFor[json.RawMessage]() {
		return true
	}
	return t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 && !encodesItself(t)
}

var (
	jsonMarshaler   = reflect.TypeFor[json.Marshaler]()
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textMarshaler   = reflect.TypeFor[encoding.TextMarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// encodesItself reports whether t or *t has a JSON or text method of its
// own, so that encoding/json leaves its shape to that method.
func encodesItself(t reflect.Type) bool {
	for _, x := range []reflect.Type{t, reflect.PointerTo(t)} {
		if x.Implements(jsonMarshaler) || x.Implements(jsonUnmarshaler) ||
			x.Implements(textMarshaler) || x.Implements(textUnmarshaler) {
			return true
		}
	}
	return false
}

// decodesItself reports whether encoding/json hands the decoding of a
// value of t to a method of *t.
func decodesItself(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return p.Implements(jsonUnmarshaler) || p.Implements(textUnmarshaler)
}

// shape is what a View expects at one place of a document.
type shape uint8

const (
	// anything: the type takes the value as it is (a scalar, an
	// interface, a type with its own decoding); nothing below is filtered.
	anything shape = iota
	// object: a struct; members not named in fields are removed.
	object
	// mapping: a map; every member is kept, each viewed as elem.
	mapping
	// sequence: a slice or array; every element is viewed as elem.
	sequence
)

// View is what a Go type sees of a JSON document. Make one with New; a
// View is immutable and safe for concurrent use.
type View struct {
	shape  shape
	fields map[string]*View
	elem   *View
	// plain reports that nothing below this place is ever filtered.
	plain bool
}

// New returns the View of documents decoded into values of t.
func New(t reflect.Type) *View {
	b := builder{seen: map[reflect.Type]*View{}}
	v := b.view(t)
	b.settle()
	return v
}

type builder struct {
	seen map[reflect.Type]*View
	all  []*View
}

func (b *builder) view(t reflect.Type) *View {
	for t.Kind() == reflect.Pointer && !decodesItself(t) {
		t = t.Elem()
	}
	if v, ok := b.seen[t]; ok {
		return v
	}
	v := &View{}
	b.seen[t] = v
	b.all = append(b.all, v)
	if decodesItself(t) {
		return v
	}
	switch t.Kind() {
	case reflect.Struct:
		v.shape = object
		v.fields = map[string]*View{}
		b.fields(t, v.fields)
	case reflect.Map:
		v.shape = mapping
		v.elem = b.view(t.Elem())
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 && !decodesItself(t.Elem()) {
			return v // []byte is a base64 string
		}
		v.shape = sequence
		v.elem = b.view(t.Elem())
	case reflect.Array:
		v.shape = sequence
		v.elem = b.view(t.Elem())
	}
	return v
}

// field is a JSON name a struct declares, found depth levels down its
// embedded structs.
type field struct {
	name   string
	depth  int
	tagged bool
	typ    reflect.Type
	quoted bool // the ",string" option: a scalar inside a JSON string
}

// fields adds the JSON names of struct t's fields to names, with the fields
// that embedded structs promote, and resolves clashes as encoding/json
// does: the shallowest field wins, then the one named by a tag; a name
// still ambiguous names no field, and members with it are not decoded.
func (b *builder) fields(t reflect.Type, names map[string]*View) {
	var all []field
	collect(t, 0, map[reflect.Type]bool{}, &all)
	best := map[string][]field{}
	for _, f := range all {
		cur := best[f.name]
		switch {
		case len(cur) == 0 || f.depth < cur[0].depth:
			best[f.name] = []field{f}
		case f.depth == cur[0].depth:
			best[f.name] = append(cur, f)
		}
	}
	for name, fs := range best {
		if len(fs) > 1 {
			var tagged []field
			for _, f := range fs {
				if f.tagged {
					tagged = append(tagged, f)
				}
			}
			if len(tagged) != 1 {
				continue // ambiguous: encoding/json decodes none of them
			}
			fs = tagged
		}
		if fs[0].quoted {
			names[name] = &View{plain: true}
			continue
		}
		names[name] = b.view(fs[0].typ)
	}
}

// collect lists the JSON fields of struct t at the given depth, descending
// into embedded structs without a tag name; visited stops cycles of
// embedded pointers.
func collect(t reflect.Type, depth int, visited map[reflect.Type]bool, out *[]field) {
	if visited[t] {
		return
	}
	visited[t] = true
	defer delete(visited, t)
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct && !decodesItself(et) {
				collect(et, depth+1, visited, out)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		tagged := name != ""
		if !tagged {
			name = f.Name
		}
		*out = append(*out, field{name: name, depth: depth, tagged: tagged, typ: f.Type, quoted: hasOption(opts, "string")})
	}
}

func hasOption(opts, want string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == want {
			return true
		}
	}
	return false
}

// settle marks the views below which nothing is filtered, so that Filter
// can copy such values without looking inside.
func (b *builder) settle() {
	// A view is plain when it has no struct below it. Start from "plain
	// unless a struct", then spread impurity upwards until nothing moves.
	for _, v := range b.all {
		v.plain = v.shape != object
	}
	for changed := true; changed; {
		changed = false
		for _, v := range b.all {
			if v.plain && v.elem != nil && !v.elem.plain {
				v.plain, changed = false, true
			}
		}
	}
}

// ErrSyntax is returned by Filter for a document that is not JSON.
var ErrSyntax = errors.New("typeview: invalid JSON")

// Filter returns doc without the object members the view's type does not
// declare by their exact name, at every place the type holds a struct. It
// returns doc itself when nothing is removed; otherwise compact JSON. A
// document that is not JSON gives an error matching ErrSyntax.
func (v *View) Filter(doc []byte) ([]byte, error) {
	if v.plain {
		return doc, nil
	}
	f := filter{data: doc}
	f.space()
	out := f.value(v, make([]byte, 0, len(doc)))
	f.space()
	if f.err != nil || f.pos != len(doc) {
		return nil, ErrSyntax
	}
	if !f.dropped {
		return doc, nil
	}
	return out, nil
}

// filter copies a document, dropping undeclared members.
type filter struct {
	data    []byte
	pos     int
	depth   int
	dropped bool
	err     error
}

func (f *filter) fail() {
	if f.err == nil {
		f.err = ErrSyntax
	}
}

func (f *filter) space() {
	for f.pos < len(f.data) {
		switch f.data[f.pos] {
		case ' ', '\t', '\n', '\r':
			f.pos++
		default:
			return
		}
	}
}

// value appends the value at pos, as v sees it, to out.
func (f *filter) value(v *View, out []byte) []byte {
	if f.err != nil || f.pos >= len(f.data) {
		f.fail()
		return out
	}
	if v == nil || v.plain {
		start := f.pos
		f.skip()
		return append(out, f.data[start:f.pos]...)
	}
	f.depth++
	defer func() { f.depth-- }()
	if f.depth > 10000 {
		f.fail()
		return out
	}
	switch f.data[f.pos] {
	case '{':
		return f.object(v, out)
	case '[':
		return f.array(v, out)
	}
	start := f.pos
	f.skip()
	return append(out, f.data[start:f.pos]...)
}

func (f *filter) object(v *View, out []byte) []byte {
	f.pos++ // '{'
	out = append(out, '{')
	first := true
	f.space()
	if f.pos < len(f.data) && f.data[f.pos] == '}' {
		f.pos++
		return append(out, '}')
	}
	for f.err == nil {
		f.space()
		nameStart := f.pos
		name, ok := f.name()
		if !ok {
			f.fail()
			return out
		}
		nameEnd := f.pos
		f.space()
		if f.pos >= len(f.data) || f.data[f.pos] != ':' {
			f.fail()
			return out
		}
		f.pos++
		f.space()
		var child *View
		keep := true
		switch v.shape {
		case object:
			child, keep = v.fields[string(name)]
		case mapping, sequence:
			child = v.elem
		}
		if keep {
			if !first {
				out = append(out, ',')
			}
			first = false
			out = append(out, f.data[nameStart:nameEnd]...)
			out = append(out, ':')
			out = f.value(child, out)
		} else {
			f.dropped = true
			f.skip()
		}
		if !f.separator('}') {
			return append(out, '}')
		}
	}
	return out
}

func (f *filter) array(v *View, out []byte) []byte {
	f.pos++ // '['
	out = append(out, '[')
	f.space()
	if f.pos < len(f.data) && f.data[f.pos] == ']' {
		f.pos++
		return append(out, ']')
	}
	elem := v.elem
	if v.shape != sequence {
		elem = nil
	}
	for i := 0; f.err == nil; i++ {
		f.space()
		if i > 0 {
			out = append(out, ',')
		}
		out = f.value(elem, out)
		if !f.separator(']') {
			return append(out, ']')
		}
	}
	return out
}

// separator reads what follows a member or element: a comma (true: more
// follow) or the container's end (false). Anything else is a syntax error
// (false, with f.err set).
func (f *filter) separator(end byte) bool {
	f.space()
	if f.pos < len(f.data) {
		switch f.data[f.pos] {
		case ',':
			f.pos++
			return true
		case end:
			f.pos++
			return false
		}
	}
	f.fail()
	return false
}

// name reads a member name and returns it decoded, as bytes that may
// point into the document (a lookup with string(name) copies nothing).
func (f *filter) name() ([]byte, bool) {
	start := f.pos
	if !f.str() {
		return nil, false
	}
	raw := f.data[start:f.pos]
	if bytes.IndexByte(raw, '\\') < 0 {
		return raw[1 : len(raw)-1], true
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, false
	}
	return []byte(s), true
}

// str skips a string; it reports false if there is none.
func (f *filter) str() bool {
	if f.pos >= len(f.data) || f.data[f.pos] != '"' {
		return false
	}
	for i := f.pos + 1; i < len(f.data); i++ {
		switch f.data[i] {
		case '\\':
			i++
		case '"':
			f.pos = i + 1
			return true
		}
	}
	return false
}

// skip moves past one value without looking at its meaning; syntax is
// checked only as far as finding its end needs. json.Unmarshal checks the
// rest when the filtered document is decoded.
func (f *filter) skip() {
	if f.pos >= len(f.data) {
		f.fail()
		return
	}
	switch f.data[f.pos] {
	case '"':
		if !f.str() {
			f.fail()
		}
		return
	case '{', '[':
		depth := 0
		for f.pos < len(f.data) {
			switch f.data[f.pos] {
			case '"':
				if !f.str() {
					f.fail()
					return
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					f.pos++
					return
				}
			}
			f.pos++
		}
		f.fail()
		return
	}
	// A number or a literal: up to the next delimiter.
	start := f.pos
	for f.pos < len(f.data) {
		switch f.data[f.pos] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			if f.pos == start {
				f.fail()
			}
			return
		}
		f.pos++
	}
	if f.pos == start {
		f.fail()
	}
}

// Canonical reports whether encoding/json writes every value of t in one
// way only, so that two different encodings of values of t are two
// different JSON documents: no type inside t marshals itself, and none is
// json.Number (whose text is the caller's) or an interface (which may hold
// any of those). Float text is canonical; a map's members are sorted.
func Canonical(t reflect.Type) bool {
	return canonical(t, map[reflect.Type]bool{})
}

func canonical(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return true
	}
	seen[t] = true
	if t == reflect.TypeFor[json.Number]() || encodesItself(t) {
		return false
	}
	switch t.Kind() {
	case reflect.Interface, reflect.Func, reflect.Chan, reflect.UnsafePointer, reflect.Complex64, reflect.Complex128:
		return false
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return canonical(t.Elem(), seen)
	case reflect.Map:
		return canonical(t.Key(), seen) && canonical(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() || f.Anonymous {
				if !canonical(f.Type, seen) {
					return false
				}
			}
		}
	}
	return true
}
