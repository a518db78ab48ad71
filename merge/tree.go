package merge

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth is the deepest nesting of arrays and objects the decoder accepts.
const maxDepth = 10000

// indexThreshold is the member count above which an object keeps a map from
// key to member position; smaller objects are searched linearly.
const indexThreshold = 8

// kind is the type of a JSON value.
type kind uint8

const (
	kindNull kind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

// node is one JSON value in an ordered tree. Nodes are never modified after
// they are built, so trees may share subtrees.
type node struct {
	kind kind
	// canon reports that raw is exactly what the encoder would write.
	canon bool
	// str holds the exact text of a number, the decoded value of a string,
	// and "true" or "false" for a boolean.
	str string
	// keys holds the member names of an object, in document order; kids
	// holds the member values of an object or the elements of an array.
	keys []string
	kids []*node
	// index maps a member name to its position, for large objects only.
	index map[string]int
	// raw is the value's text in the input it was decoded from (nil for
	// nodes built by a merge). Equal raw text means an equal value.
	raw []byte
}

// member returns the value of the member named key, or nil.
func (n *node) member(key string) *node {
	if n.index != nil {
		if i, ok := n.index[key]; ok {
			return n.kids[i]
		}
		return nil
	}
	for i, k := range n.keys {
		if k == key {
			return n.kids[i]
		}
	}
	return nil
}

// has reports whether an object has a member named key.
func (n *node) has(key string) bool {
	if n.index != nil {
		_, ok := n.index[key]
		return ok
	}
	return slices.Contains(n.keys, key)
}

// isObject reports whether n is present and an object.
func (n *node) isObject() bool { return n != nil && n.kind == kindObject }

// isArray reports whether n is present and an array.
func (n *node) isArray() bool { return n != nil && n.kind == kindArray }

// newObject builds an object node from parallel key and value slices. It
// builds no index: merged objects are written out, not searched.
func newObject(keys []string, vals []*node) *node {
	return &node{kind: kindObject, keys: keys, kids: vals}
}

// syntaxError describes why a text is not JSON.
type syntaxError struct {
	offset int
	reason string
}

// decoder is a recursive-descent JSON parser that keeps member order and
// the exact text of numbers.
type decoder struct {
	data []byte
	// text is a copy of data as a string: strings without escapes, member
	// names and numbers are substrings of it, which saves an allocation
	// for each of them.
	text  string
	pos   int
	depth int
	slab  []node
	err   *syntaxError
	// keyStack and valStack collect the members of the containers being
	// decoded; each container copies its own out at its end, so that
	// member slices are allocated once, at their final size.
	keyStack []string
	valStack []*node
}

// parse decodes one JSON text. It rejects empty input, trailing data,
// duplicate member names, invalid UTF-8 and nesting deeper than maxDepth.
func parse(data []byte) (*node, *syntaxError) {
	d := decoder{data: data, text: string(data)}
	d.skipSpace()
	n := d.value()
	if d.err != nil {
		return nil, d.err
	}
	d.skipSpace()
	if d.pos < len(d.data) {
		return nil, &syntaxError{offset: d.pos, reason: "data after the top-level value"}
	}
	return n, nil
}

// parseInput decodes one JSON text and names the input in the error.
func parseInput(data []byte, input string) (*node, error) {
	n, serr := parse(data)
	if serr != nil {
		return nil, &InvalidJSONError{Input: input, Offset: serr.offset, Reason: serr.reason}
	}
	return n, nil
}

func (d *decoder) fail(reason string) {
	if d.err == nil {
		d.err = &syntaxError{offset: d.pos, reason: reason}
	}
}

// alloc returns a fresh node from a block, saving one allocation per value.
func (d *decoder) alloc() *node {
	if len(d.slab) == 0 {
		// About one value per sixteen bytes of input.
		d.slab = make([]node, min(max(len(d.data)/16, 4), 1024))
	}
	n := &d.slab[0]
	d.slab = d.slab[1:]
	return n
}

// separator reads what follows a member or element of a container that
// end closes: the container's end (more is false) or a comma (more is
// true). spaced reports whitespace around it; ok is false after a syntax
// error.
func (d *decoder) separator(end byte, container string) (more, spaced, ok bool) {
	spaced = d.skipSpace()
	if d.pos >= len(d.data) {
		d.fail("unexpected end of input in an " + container)
		return false, spaced, false
	}
	switch d.data[d.pos] {
	case end:
		d.pos++
		return false, spaced, true
	case ',':
		d.pos++
		return true, d.skipSpace() || spaced, true
	}
	d.fail(fmt.Sprintf("expected ',' or '%c' in an %s", end, container))
	return false, spaced, false
}

// skipSpace skips JSON whitespace and reports whether there was any.
func (d *decoder) skipSpace() bool {
	start := d.pos
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return d.pos != start
		}
	}
	return d.pos != start
}

func (d *decoder) value() *node {
	if d.pos >= len(d.data) {
		d.fail("unexpected end of input")
		return nil
	}
	start := d.pos
	switch c := d.data[d.pos]; {
	case c == '{':
		return d.object()
	case c == '[':
		return d.array()
	case c == '"':
		s, canon, ok := d.string()
		if !ok {
			return nil
		}
		n := d.alloc()
		*n = node{kind: kindString, str: s, raw: d.data[start:d.pos], canon: canon}
		return n
	case c == '-' || (c >= '0' && c <= '9'):
		if !d.number() {
			return nil
		}
		raw := d.data[start:d.pos]
		n := d.alloc()
		*n = node{kind: kindNumber, str: d.text[start:d.pos], raw: raw, canon: true}
		return n
	default:
		for _, lit := range [...]string{"true", "false", "null"} {
			if len(d.data)-d.pos >= len(lit) && string(d.data[d.pos:d.pos+len(lit)]) == lit {
				d.pos += len(lit)
				n := d.alloc()
				*n = node{raw: d.data[start:d.pos], canon: true}
				if lit == "null" {
					n.kind = kindNull
				} else {
					n.kind, n.str = kindBool, lit
				}
				return n
			}
		}
		d.fail(fmt.Sprintf("unexpected character %q", rune(c)))
		return nil
	}
}

func (d *decoder) enter() bool {
	d.depth++
	if d.depth > maxDepth {
		d.fail("nesting deeper than " + strconv.Itoa(maxDepth))
		return false
	}
	return true
}

func (d *decoder) object() *node {
	start := d.pos
	if !d.enter() {
		return nil
	}
	d.pos++ // '{'
	canon := !d.skipSpace()
	first, firstVal := len(d.keyStack), len(d.valStack)
	defer func() {
		d.keyStack = d.keyStack[:first]
		d.valStack = d.valStack[:firstVal]
	}()
	var index map[string]int
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
	} else {
		for {
			if d.pos >= len(d.data) || d.data[d.pos] != '"' {
				d.fail("expected a member name")
				return nil
			}
			keyPos := d.pos
			key, kcanon, ok := d.string()
			if !ok {
				return nil
			}
			count := len(d.keyStack) - first
			dup := false
			if count < indexThreshold {
				dup = slices.Contains(d.keyStack[first:], key)
			} else {
				if index == nil {
					index = make(map[string]int, 2*count)
					for i, k := range d.keyStack[first:] {
						index[k] = i
					}
				}
				_, dup = index[key]
				index[key] = count
			}
			if dup {
				d.pos = keyPos
				d.fail(fmt.Sprintf("duplicate member name %q", key))
				return nil
			}
			if d.skipSpace() {
				canon = false
			}
			if d.pos >= len(d.data) || d.data[d.pos] != ':' {
				d.fail("expected ':' after a member name")
				return nil
			}
			d.pos++
			if d.skipSpace() {
				canon = false
			}
			v := d.value()
			if v == nil {
				return nil
			}
			canon = canon && kcanon && v.canon
			d.keyStack = append(d.keyStack, key)
			d.valStack = append(d.valStack, v)
			more, spaced, ok := d.separator('}', "object")
			if spaced {
				canon = false
			}
			if !ok {
				return nil
			}
			if !more {
				break
			}
		}
	}
	d.depth--
	n := d.alloc()
	*n = node{kind: kindObject, index: index, raw: d.data[start:d.pos], canon: canon}
	if len(d.keyStack) > first {
		n.keys = slices.Clone(d.keyStack[first:])
		n.kids = slices.Clone(d.valStack[firstVal:])
	}
	return n
}

func (d *decoder) array() *node {
	start := d.pos
	if !d.enter() {
		return nil
	}
	d.pos++ // '['
	canon := !d.skipSpace()
	first := len(d.valStack)
	defer func() { d.valStack = d.valStack[:first] }()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
	} else {
		for {
			v := d.value()
			if v == nil {
				return nil
			}
			canon = canon && v.canon
			d.valStack = append(d.valStack, v)
			more, spaced, ok := d.separator(']', "array")
			if spaced {
				canon = false
			}
			if !ok {
				return nil
			}
			if !more {
				break
			}
		}
	}
	d.depth--
	n := d.alloc()
	*n = node{kind: kindArray, raw: d.data[start:d.pos], canon: canon}
	if len(d.valStack) > first {
		n.kids = slices.Clone(d.valStack[first:])
	}
	return n
}

// number scans a number as RFC 8259 defines it.
func (d *decoder) number() bool {
	p := d.pos
	data := d.data
	if p < len(data) && data[p] == '-' {
		p++
	}
	switch {
	case p < len(data) && data[p] == '0':
		p++
	case p < len(data) && data[p] >= '1' && data[p] <= '9':
		for p < len(data) && isDigit(data[p]) {
			p++
		}
	default:
		d.pos = p
		d.fail("invalid number")
		return false
	}
	if p < len(data) && data[p] == '.' {
		p++
		if p >= len(data) || !isDigit(data[p]) {
			d.pos = p
			d.fail("invalid number: no digits after '.'")
			return false
		}
		for p < len(data) && isDigit(data[p]) {
			p++
		}
	}
	if p < len(data) && (data[p] == 'e' || data[p] == 'E') {
		p++
		if p < len(data) && (data[p] == '+' || data[p] == '-') {
			p++
		}
		if p >= len(data) || !isDigit(data[p]) {
			d.pos = p
			d.fail("invalid number: no digits in the exponent")
			return false
		}
		for p < len(data) && isDigit(data[p]) {
			p++
		}
	}
	d.pos = p
	return true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// string scans a string starting at its opening quote. It returns the
// decoded value and whether the text is exactly what the encoder would
// write. A lone UTF-16 surrogate escape decodes to U+FFFD.
func (d *decoder) string() (string, bool, bool) {
	d.pos++ // opening quote
	start := d.pos
	data := d.data
	// Fast path: no escapes, only ASCII or valid UTF-8.
	p := start
	for p < len(data) {
		c := data[p]
		if c == '"' {
			d.pos = p + 1
			return d.text[start:p], true, true
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			d.pos = p
			d.fail("control character in a string")
			return "", false, false
		}
		if c < utf8.RuneSelf {
			p++
			continue
		}
		r, size := utf8.DecodeRune(data[p:])
		if r == utf8.RuneError && size == 1 {
			d.pos = p
			d.fail("invalid UTF-8 in a string")
			return "", false, false
		}
		p += size
	}
	if p >= len(data) {
		d.pos = p
		d.fail("unterminated string")
		return "", false, false
	}
	buf := make([]byte, 0, p-start+16)
	buf = append(buf, data[start:p]...)
	for p < len(data) {
		c := data[p]
		switch {
		case c == '"':
			d.pos = p + 1
			return string(buf), false, true
		case c == '\\':
			if p+1 >= len(data) {
				d.pos = p
				d.fail("unterminated string")
				return "", false, false
			}
			switch e := data[p+1]; e {
			case '"', '\\', '/':
				buf = append(buf, e)
				p += 2
			case 'b':
				buf = append(buf, '\b')
				p += 2
			case 'f':
				buf = append(buf, '\f')
				p += 2
			case 'n':
				buf = append(buf, '\n')
				p += 2
			case 'r':
				buf = append(buf, '\r')
				p += 2
			case 't':
				buf = append(buf, '\t')
				p += 2
			case 'u':
				r, ok := hex4(data, p+2)
				if !ok {
					d.pos = p
					d.fail("invalid \\u escape")
					return "", false, false
				}
				p += 6
				if utf16.IsSurrogate(r) {
					r2, ok2 := rune(0), false
					if p+1 < len(data) && data[p] == '\\' && data[p+1] == 'u' {
						r2, ok2 = hex4(data, p+2)
					}
					if dec := utf16.DecodeRune(r, r2); ok2 && dec != utf8.RuneError {
						r = dec
						p += 6
					} else {
						r = utf8.RuneError
					}
				}
				buf = utf8.AppendRune(buf, r)
			default:
				d.pos = p
				d.fail("invalid escape in a string")
				return "", false, false
			}
		case c < 0x20:
			d.pos = p
			d.fail("control character in a string")
			return "", false, false
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			p++
		default:
			r, size := utf8.DecodeRune(data[p:])
			if r == utf8.RuneError && size == 1 {
				d.pos = p
				d.fail("invalid UTF-8 in a string")
				return "", false, false
			}
			buf = append(buf, data[p:p+size]...)
			p += size
		}
	}
	d.pos = p
	d.fail("unterminated string")
	return "", false, false
}

// hex4 reads four hexadecimal digits at data[p:].
func hex4(data []byte, p int) (rune, bool) {
	if p+4 > len(data) {
		return 0, false
	}
	var r rune
	for _, c := range data[p : p+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}

// encode appends the compact text of n to buf. Strings are written as
// UTF-8 with only the escapes JSON requires (no HTML escaping).
func encode(buf []byte, n *node) []byte {
	if n.canon {
		return append(buf, n.raw...)
	}
	switch n.kind {
	case kindNull:
		return append(buf, "null"...)
	case kindBool, kindNumber:
		return append(buf, n.str...)
	case kindString:
		return appendString(buf, n.str)
	case kindArray:
		buf = append(buf, '[')
		for i, k := range n.kids {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = encode(buf, k)
		}
		return append(buf, ']')
	default:
		buf = append(buf, '{')
		for i, k := range n.keys {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendString(buf, k)
			buf = append(buf, ':')
			buf = encode(buf, n.kids[i])
		}
		return append(buf, '}')
	}
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string.
func appendString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		buf = append(buf, s[start:i]...)
		switch c {
		case '"', '\\':
			buf = append(buf, '\\', c)
		case '\n':
			buf = append(buf, '\\', 'n')
		case '\r':
			buf = append(buf, '\\', 'r')
		case '\t':
			buf = append(buf, '\\', 't')
		case '\b':
			buf = append(buf, '\\', 'b')
		case '\f':
			buf = append(buf, '\\', 'f')
		default:
			buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}

// rawOf returns the compact text of n in a new slice, or nil when n is
// absent.
func rawOf(n *node) []byte {
	if n == nil {
		return nil
	}
	return encode(nil, n)
}

// equal reports whether a and b are the same JSON value: objects with the
// same members in any order, arrays with equal elements in order, numbers
// with the same text. Two absent values are equal.
func equal(a, b *node) bool {
	if a == b {
		return true
	}
	if a == nil || b == nil || a.kind != b.kind {
		return false
	}
	if a.raw != nil && b.raw != nil && string(a.raw) == string(b.raw) {
		return true
	}
	switch a.kind {
	case kindNull:
		return true
	case kindBool, kindNumber, kindString:
		return a.str == b.str
	case kindArray:
		if len(a.kids) != len(b.kids) {
			return false
		}
		for i := range a.kids {
			if !equal(a.kids[i], b.kids[i]) {
				return false
			}
		}
		return true
	default:
		if len(a.keys) != len(b.keys) {
			return false
		}
		for i, k := range a.keys {
			if !equal(a.kids[i], b.member(k)) {
				return false
			}
		}
		return true
	}
}

// appendCanonical appends a text of n that is the same for all equal values:
// object members sorted by name.
func appendCanonical(buf []byte, n *node) []byte {
	switch n.kind {
	case kindArray:
		buf = append(buf, '[')
		for i, k := range n.kids {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendCanonical(buf, k)
		}
		return append(buf, ']')
	case kindObject:
		order := make([]int, len(n.keys))
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(x, y int) int { return strings.Compare(n.keys[x], n.keys[y]) })
		buf = append(buf, '{')
		for i, j := range order {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendString(buf, n.keys[j])
			buf = append(buf, ':')
			buf = appendCanonical(buf, n.kids[j])
		}
		return append(buf, '}')
	default:
		return encode(buf, n)
	}
}
