package jsonptr

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// ErrInvalid is wrapped by the errors for a document that is not valid JSON,
// a malformed pointer, a value for [Set] that is not one JSON value, and a
// [Remove] of the whole document.
var ErrInvalid = errors.New("jsonptr: invalid input")

// maxDepth is the deepest nesting of arrays and objects accepted, the same
// limit encoding/json applies.
const maxDepth = 10000

// Parse checks a pointer and returns its reference tokens, with "~1" and
// "~0" decoded to "/" and "~". The empty pointer, which names the whole
// document, gives no tokens; any other pointer must start with "/". A "~"
// followed by anything but "0" or "1", and a pointer that is not valid
// UTF-8, give an error wrapping [ErrInvalid].
func Parse(ptr string) ([]string, error) {
	if ptr == "" {
		return []string{}, nil
	}
	if ptr[0] != '/' {
		return nil, pointerErr(ptr, "does not start with \"/\"")
	}
	if !utf8.ValidString(ptr) {
		return nil, pointerErr(ptr, "is not valid UTF-8")
	}
	toks := strings.Split(ptr[1:], "/")
	for i, t := range toks {
		if strings.IndexByte(t, '~') < 0 {
			continue
		}
		var b strings.Builder
		for j := 0; j < len(t); j++ {
			if t[j] != '~' {
				b.WriteByte(t[j])
				continue
			}
			if j+1 == len(t) || (t[j+1] != '0' && t[j+1] != '1') {
				return nil, pointerErr(ptr, "has a \"~\" not followed by \"0\" or \"1\"")
			}
			if t[j+1] == '0' {
				b.WriteByte('~')
			} else {
				b.WriteByte('/')
			}
			j++
		}
		toks[i] = b.String()
	}
	return toks, nil
}

// Get returns the raw JSON text of the value at ptr, without surrounding
// whitespace: `"abc"` with its quotes and escapes as written, `12`, or a
// whole object. It returns ok=false and no error when the document has no
// such value, including when ptr indexes past the end of an array, uses "-",
// or goes through a string, number, boolean or null. The result shares
// memory with doc and has no spare capacity, so appending to it copies.
func Get(doc []byte, ptr string) (raw []byte, ok bool, err error) {
	toks, err := Parse(ptr)
	if err != nil {
		return nil, false, err
	}
	f, err := scan(doc, "document", toks, false)
	if err != nil {
		return nil, false, err
	}
	if len(f.path) <= len(toks) {
		return nil, false, nil
	}
	v := f.path[len(toks)]
	end := skip(doc, v)
	return doc[v:end:end], true, nil
}

// Remove returns doc without the object member or array element at ptr. It
// returns doc itself when there is no such value. Otherwise the result is a
// new slice: the member goes together with one separating comma, the other
// members keep their whitespace, and a container left empty becomes {} or
// []. Every occurrence of a duplicated member is removed. Removing the whole
// document (the empty pointer) is an error wrapping [ErrInvalid].
func Remove(doc []byte, ptr string) ([]byte, error) {
	toks, err := Parse(ptr)
	if err != nil {
		return nil, err
	}
	f, err := scan(doc, "document", toks, true)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("%w: cannot remove the whole document", ErrInvalid)
	}
	if len(f.path) <= len(toks) || f.parent == nil {
		return doc, nil
	}
	return splice(doc, f.parent.cut(f.parent.hits)), nil
}

// Set returns doc with the value at ptr replaced by raw, which must be
// exactly one JSON value (whitespace around it is dropped). When the parent
// is an object without the member, the member is added after the object's
// last member. When ptr names a duplicated member, the last occurrence is
// replaced and the others are removed. The empty pointer replaces the
// top-level value, keeping the whitespace around it. Set never adds array
// elements: a parent that does not exist or is not an object or array, and
// an array index (or "-") that is not an existing element, give an error
// that does not wrap [ErrInvalid]. An invalid document, pointer or raw value
// gives one that does. The result is always a new slice.
func Set(doc []byte, ptr string, raw []byte) ([]byte, error) {
	toks, err := Parse(ptr)
	if err != nil {
		return nil, err
	}
	f, err := scan(doc, "document", toks, true)
	if err != nil {
		return nil, err
	}
	v, err := scan(raw, "value", nil, false)
	if err != nil {
		return nil, err
	}
	raw = raw[v.start:v.end]
	if len(toks) == 0 {
		return splice(doc, []edit{{f.start, f.end, raw}}), nil
	}
	parentPtr := ptr[:strings.LastIndexByte(ptr, '/')]
	if len(f.path) < len(toks) {
		return nil, fmt.Errorf("jsonptr: set %q: parent %q does not exist", ptr, parentPtr)
	}
	c := f.parent
	if c == nil {
		return nil, fmt.Errorf("jsonptr: set %q: parent %q is not an object or array", ptr, parentPtr)
	}
	tok := toks[len(toks)-1]
	hits := c.hits
	if len(hits) == 0 {
		if !c.object {
			return nil, fmt.Errorf("jsonptr: set %q: array %q has no element %q", ptr, parentPtr, tok)
		}
		return splice(doc, []edit{c.add(doc, tok, raw)}), nil
	}
	last := c.items[hits[len(hits)-1]]
	edits := append(c.cut(hits[:len(hits)-1]), edit{last.val, last.end, raw})
	return splice(doc, edits), nil
}

// Text returns the string a version value stands for: the decoded contents
// of a JSON string (`"abc"` gives abc, `"a\"b"` gives a"b), or the text of a
// number as written (`12` gives 12, `1.50` gives 1.50). Whitespace around
// raw is ignored. Objects, arrays, booleans, null and anything that is not
// one valid JSON value give ok=false.
func Text(raw []byte) (s string, ok bool) {
	v, err := scan(raw, "value", nil, false)
	if err != nil {
		return "", false
	}
	switch c := raw[v.start]; {
	case c == '"':
		return unquote(raw[v.start+1 : v.end-1]), true
	case c == '-' || isDigit(c):
		return string(raw[v.start:v.end]), true
	}
	return "", false
}

func pointerErr(ptr, msg string) error {
	return fmt.Errorf("%w: pointer %q %s", ErrInvalid, ptr, msg)
}

// item is one object member or array element of a valid document.
type item struct {
	start  int // the key's opening quote, or the element's first byte
	keyEnd int // just past the key's closing quote; start for elements
	val    int // the value's first byte
	end    int // just past the value
}

// container is an object or array of a valid document.
type container struct {
	object bool
	open   int    // offset of '{' or '['
	close  int    // offset of '}' or ']'
	items  []item // in document order
	hits   []int  // indexes of the items a token names, in order
}

// cut returns the edits that take the items at the sorted indexes gone out
// of c. Each removed item goes with the separator up to its next neighbour;
// a run of removed items at the end goes with the separator after the last
// kept item. When nothing is kept the container's insides are cleared.
func (c *container) cut(gone []int) []edit {
	if len(gone) == 0 {
		return nil
	}
	if len(gone) == len(c.items) {
		return []edit{{c.open + 1, c.close, nil}}
	}
	kept := len(c.items) - 1
	for g := len(gone) - 1; g >= 0 && gone[g] == kept; g-- {
		kept--
	}
	var edits []edit
	for _, i := range gone {
		if i > kept {
			edits = append(edits, edit{c.items[kept].end, c.items[len(c.items)-1].end, nil})
			break
		}
		edits = append(edits, edit{c.items[i].start, c.items[i+1].start, nil})
	}
	return edits
}

// add returns the edit that appends the member name:raw to the object c,
// spaced like the object's existing members.
func (c *container) add(doc []byte, name string, raw []byte) edit {
	if len(c.items) == 0 {
		text := append(quote(nil, name), ':')
		return edit{c.open + 1, c.open + 1, append(text, raw...)}
	}
	last := c.items[len(c.items)-1]
	var text []byte
	if len(c.items) > 1 {
		text = append(text, doc[c.items[len(c.items)-2].end:last.start]...)
	} else {
		text = append(append(text, ','), doc[c.open+1:last.start]...)
	}
	text = quote(text, name)
	text = append(text, doc[last.keyEnd:last.val]...)
	text = append(text, raw...)
	return edit{last.end, last.end, text}
}

// edit replaces doc[from:to] with text.
type edit struct {
	from, to int
	text     []byte
}

// splice returns a new slice holding doc with the edits made; the edits must
// not overlap.
func splice(doc []byte, edits []edit) []byte {
	slices.SortFunc(edits, func(a, b edit) int { return a.from - b.from })
	n := len(doc)
	for _, e := range edits {
		n += len(e.text) - (e.to - e.from)
	}
	out := make([]byte, 0, n)
	at := 0
	for _, e := range edits {
		out = append(out, doc[at:e.from]...)
		out = append(out, e.text...)
		at = e.to
	}
	return append(out, doc[at:]...)
}

// index reads an array index token: "0" or a decimal number without
// leading zeros that fits an int.
func index(tok string) (int, bool) {
	if tok == "" || (tok[0] == '0' && len(tok) > 1) {
		return 0, false
	}
	for i := 0; i < len(tok); i++ {
		if !isDigit(tok[i]) {
			return 0, false
		}
	}
	n, err := strconv.Atoi(tok)
	return n, err == nil
}

// nameIs reports whether the JSON string body s (between the quotes, as
// written) decodes to tok, which is valid UTF-8.
func nameIs(s []byte, tok string) bool {
	if bytes.IndexByte(s, '\\') < 0 {
		if string(s) == tok {
			return true
		}
		if utf8.Valid(s) {
			return false
		}
	}
	return unquote(s) == tok
}

// unquote decodes the body of a valid JSON string the way encoding/json
// does: invalid UTF-8 bytes and unpaired surrogate escapes become U+FFFD.
func unquote(s []byte) string {
	if bytes.IndexByte(s, '\\') < 0 && utf8.Valid(s) {
		return string(s)
	}
	b := make([]byte, 0, len(s)+utf8.UTFMax)
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			e := s[i+1]
			i += 2
			switch e {
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r := hex4(s[i : i+4])
				i += 4
				if utf16.IsSurrogate(r) {
					if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
						if d := utf16.DecodeRune(r, hex4(s[i+2:i+6])); d != utf8.RuneError {
							b = utf8.AppendRune(b, d)
							i += 6
							break
						}
					}
					r = utf8.RuneError
				}
				b = utf8.AppendRune(b, r)
			default: // '"', '\\', '/'
				b = append(b, e)
			}
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = utf8.AppendRune(b, utf8.RuneError)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
		}
	}
	return string(b)
}

// hex4 reads four hexadecimal digits, or returns -1.
func hex4(s []byte) rune {
	var r rune
	for _, c := range s {
		switch {
		case isDigit(c):
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// quote appends name to b as a JSON string, escaping only what JSON
// requires: quotation marks, backslashes and control characters.
func quote(b []byte, name string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// The functions below move over a document already known to be valid.

// ws returns the offset of the first non-whitespace byte at or after i.
func ws(doc []byte, i int) int {
	for i < len(doc) && isSpace(doc[i]) {
		i++
	}
	return i
}

// skip returns the offset just past the value starting at doc[i].
func skip(doc []byte, i int) int {
	switch doc[i] {
	case '"':
		return skipString(doc, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(doc); j++ {
			switch doc[j] {
			case '"':
				j = skipString(doc, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(doc)
	}
	j := i
	for j < len(doc) && !isSpace(doc[j]) && doc[j] != ',' && doc[j] != ']' && doc[j] != '}' {
		j++
	}
	return j
}

// skipString returns the offset just past the string starting at doc[i].
func skipString(doc []byte, i int) int {
	j := i + 1
	for {
		k := bytes.IndexByte(doc[j:], '"')
		if k < 0 {
			return len(doc)
		}
		j += k
		n := 0
		for doc[j-1-n] == '\\' {
			n++
		}
		j++
		if n%2 == 0 {
			return j
		}
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// found is what scan learns about a value and a pointer's tokens.
type found struct {
	start, end int // the top-level value, without the whitespace around it

	// path[0] is the start of the top-level value and path[k] the start of
	// the value that toks[k-1] names in the value at path[k-1], for as many
	// levels as exist. A token that names a duplicated member follows its
	// last occurrence.
	path []int

	// parent lists the items of the value at path[len(toks)-1], with hits
	// for the last token, when that value is an object or array and scan
	// was asked for it.
	parent *container
}

// scan checks that b is one JSON value with optional whitespace around it
// and follows toks through it, in one pass, listing the parent's items when
// parent is true. The error wraps [ErrInvalid] and calls b what.
func scan(b []byte, what string, toks []string, parent bool) (found, error) {
	start := ws(b, 0)
	v := validator{b: b, toks: toks, path: make([]int, 1, len(toks)+1), collect: parent}
	v.path[0] = start
	end := v.value(start, 0, 0)
	if end >= 0 && ws(b, end) != len(b) {
		end = v.fail(ws(b, end), "after the top-level value")
	}
	if end < 0 {
		return found{}, fmt.Errorf("%w: %s: %s at offset %d", ErrInvalid, what, v.msg, v.off)
	}
	return found{start: start, end: end, path: v.path, parent: v.parent}, nil
}

// validator checks JSON syntax and follows a pointer's tokens. Its methods
// return the offset just past what they read, or -1 after recording the
// first error. Their level argument is k when the value they read is the
// current candidate for path[k], and -1 otherwise. A later candidate for
// path[k] (a duplicated member) replaces the earlier one and the levels
// below it, and parent is reset whenever path[len(toks)-1] changes, so
// parent always describes the final path[len(toks)-1].
type validator struct {
	b       []byte
	toks    []string
	path    []int
	collect bool // whether to fill parent
	parent  *container
	off     int    // where the error is
	msg     string // what it is
}

// fail records an unexpected byte at off, or the end of the input, seen
// where context says.
func (v *validator) fail(off int, context string) int {
	if off >= len(v.b) {
		return v.bad(len(v.b), "unexpected end of input")
	}
	return v.bad(off, fmt.Sprintf("unexpected %s %s", printable(v.b[off]), context))
}

// bad records the error msg at off.
func (v *validator) bad(off int, msg string) int {
	v.off, v.msg = off, msg
	return -1
}

// printable describes a byte for an error message.
func printable(c byte) string {
	if c < 0x20 || c >= 0x7f {
		return fmt.Sprintf("byte 0x%02x", c)
	}
	return strconv.QuoteRune(rune(c))
}

func (v *validator) value(i, depth, level int) int {
	if i >= len(v.b) {
		return v.fail(i, "looking for a value")
	}
	switch c := v.b[i]; {
	case c == '{' || c == '[':
		if depth >= maxDepth {
			return v.bad(i, fmt.Sprintf("nesting deeper than %d", maxDepth))
		}
		return v.container(i, depth+1, level)
	case c == '"':
		return v.str(i)
	case c == '-' || isDigit(c):
		return v.number(i)
	case c == 't':
		return v.literal(i, "true")
	case c == 'f':
		return v.literal(i, "false")
	case c == 'n':
		return v.literal(i, "null")
	}
	return v.fail(i, "looking for a value")
}

func (v *validator) container(i, depth, level int) int {
	object := v.b[i] == '{'
	closing := byte(']')
	if object {
		closing = '}'
	}
	onPath := level >= 0 && level < len(v.toks)
	var tok string
	want := -1 // the element on the path
	var c *container
	if onPath {
		tok = v.toks[level]
		if n, ok := index(tok); ok && !object {
			want = n
		}
		if v.collect && level == len(v.toks)-1 {
			c = &container{object: object, open: i}
			v.parent = c
		}
	}
	j := ws(v.b, i+1)
	if j < len(v.b) && v.b[j] == closing {
		if c != nil {
			c.close = j
		}
		return j + 1
	}
	for n := 0; ; n++ {
		it := item{start: j, keyEnd: j}
		hit := onPath && n == want
		if object {
			if j >= len(v.b) || v.b[j] != '"' {
				return v.fail(j, "looking for a member name")
			}
			if j = v.str(j); j < 0 {
				return -1
			}
			it.keyEnd = j
			hit = onPath && nameIs(v.b[it.start+1:j-1], tok)
			j = ws(v.b, j)
			if j >= len(v.b) || v.b[j] != ':' {
				return v.fail(j, "after a member name")
			}
			j = ws(v.b, j+1)
		}
		it.val = j
		child := -1
		if hit {
			child = level + 1
			v.path = append(v.path[:child], j)
			if child == len(v.toks)-1 {
				v.parent = nil
			}
		}
		if j = v.value(j, depth, child); j < 0 {
			return -1
		}
		if c != nil {
			it.end = j
			if hit {
				c.hits = append(c.hits, len(c.items))
			}
			c.items = append(c.items, it)
		}
		j = ws(v.b, j)
		switch {
		case j >= len(v.b):
			return v.fail(j, "after a value")
		case v.b[j] == closing:
			if c != nil {
				c.close = j
			}
			return j + 1
		case v.b[j] != ',':
			return v.fail(j, "after a value")
		}
		j = ws(v.b, j+1)
	}
}

func (v *validator) str(i int) int {
	for j := i + 1; j < len(v.b); j++ {
		switch c := v.b[j]; {
		case c == '"':
			return j + 1
		case c < 0x20:
			return v.bad(j, "control character in a string")
		case c == '\\':
			j++
			if j >= len(v.b) {
				return v.fail(j, "in a string")
			}
			switch v.b[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(v.b) {
					return v.fail(len(v.b), "in a string")
				}
				if hex4(v.b[j+1:j+5]) < 0 {
					return v.bad(j-1, "invalid \\u escape")
				}
				j += 4
			default:
				return v.bad(j-1, "invalid escape")
			}
		}
	}
	return v.fail(len(v.b), "in a string")
}

func (v *validator) number(i int) int {
	j := i
	if v.b[j] == '-' {
		j++
	}
	switch {
	case j >= len(v.b):
		return v.fail(j, "in a number")
	case v.b[j] == '0':
		j++
	case isDigit(v.b[j]):
		j = v.digits(j)
	default:
		return v.fail(j, "in a number")
	}
	if j < len(v.b) && v.b[j] == '.' {
		j++
		if j >= len(v.b) || !isDigit(v.b[j]) {
			return v.fail(j, "in a number")
		}
		j = v.digits(j)
	}
	if j < len(v.b) && (v.b[j] == 'e' || v.b[j] == 'E') {
		j++
		if j < len(v.b) && (v.b[j] == '+' || v.b[j] == '-') {
			j++
		}
		if j >= len(v.b) || !isDigit(v.b[j]) {
			return v.fail(j, "in a number")
		}
		j = v.digits(j)
	}
	return j
}

func (v *validator) digits(j int) int {
	for j < len(v.b) && isDigit(v.b[j]) {
		j++
	}
	return j
}

func (v *validator) literal(i int, lit string) int {
	for k := 0; k < len(lit); k++ {
		if i+k >= len(v.b) || v.b[i+k] != lit[k] {
			return v.fail(i+k, "in a literal")
		}
	}
	return i + len(lit)
}
