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
// key to member position; smaller objects are searched linearly, which
// costs less than a map's memory for the objects of most documents.
const indexThreshold = 32

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

// position returns the position of the member whose name has the bytes
// name, and whether there is one.
func (n *node) position(name []byte) (int, bool) {
	if n.index != nil {
		i, ok := n.index[string(name)]
		return i, ok
	}
	for i, k := range n.keys {
		if k == string(name) {
			return i, true
		}
	}
	return 0, false
}

// memberNear returns the value of the member named key, looked for first
// at position i, where versions of one object most often hold it; nil when
// there is none.
func (n *node) memberNear(key string, i int) *node {
	if i < len(n.keys) && n.keys[i] == key {
		return n.kids[i]
	}
	return n.member(key)
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
	// strs holds the copies of the texts of strings and numbers, block by
	// block (see sub); names maps member names to one copy each.
	strs    strings.Builder
	names   map[string]string
	pos     int
	depth   int
	deepest int
	slab    []node
	// block bounds the number of nodes of the next slab (see alloc).
	block int
	err   *syntaxError
	// like reports that values may be taken from a tree decoded before
	// (see decodeLike): likeDepth is that tree's deepest nesting, and
	// shareWork the bytes still to spend comparing its texts with data.
	like      bool
	likeDepth int
	shareWork int
	// keyStack and valStack collect the members of the containers being
	// decoded; each container copies its own out at its end, so that
	// member slices are allocated once, at their final size.
	keyStack []string
	valStack []*node
}

// parse decodes one JSON text. It rejects empty input, trailing data,
// duplicate member names, invalid UTF-8 and nesting deeper than maxDepth.
func parse(data []byte) (*node, *syntaxError) {
	n, _, err := decodeLike(data, nil, 0)
	return n, err
}

// decodeLike decodes one JSON text as parse does and also returns its
// deepest nesting. When like is not nil it is a tree decoded before, of
// deepest nesting likeDepth, that holds values data is expected to repeat
// (another version of the same document): where a value of data has,
// byte for byte, the text of the value at the same place in like (the
// member of the same name, an element at or near the same index), that
// value of like is taken instead of a new one, without decoding the text
// again. Such a value is valid JSON, ends where its text ends and nests no
// deeper than likeDepth, so the result is the tree parse would build, but
// for sharing subtrees with like. The comparisons are bounded by a budget
// proportional to the size of data.
func decodeLike(data []byte, like *node, likeDepth int) (*node, int, *syntaxError) {
	d := decoder{data: data}
	if like != nil {
		d.like, d.likeDepth = true, likeDepth
		d.shareWork = 2*len(data) + 1<<16
		d.block = 16
	}
	d.skipSpace()
	n := d.value(like)
	if d.err != nil {
		return nil, 0, d.err
	}
	d.skipSpace()
	if d.pos < len(d.data) {
		return nil, 0, &syntaxError{offset: d.pos, reason: "data after the top-level value"}
	}
	return n, d.deepest, nil
}

// parseInput decodes one JSON text and names the input in the error.
func parseInput(data []byte, input string) (*node, error) {
	n, serr := parse(data)
	if serr != nil {
		return nil, inputError(input, serr)
	}
	return n, nil
}

// inputError names the input in a syntax error.
func inputError(input string, serr *syntaxError) error {
	return &InvalidJSONError{Input: input, Offset: serr.offset, Reason: serr.reason}
}

func (d *decoder) fail(reason string) {
	if d.err == nil {
		d.err = &syntaxError{offset: d.pos, reason: reason}
	}
}

// alloc returns a fresh node from a slab, saving one allocation per value.
// Slabs are sized from the input left to decode, at about one value per
// sixteen bytes; a decoder that reuses another tree's values starts with
// small slabs and doubles them, since it builds few nodes when the
// versions are alike.
func (d *decoder) alloc() *node {
	if len(d.slab) == 0 {
		left := (len(d.data)-d.pos)/16 + 4
		if d.like {
			left = min(left, d.block)
			d.block = min(2*d.block, 1<<16)
		}
		d.slab = make([]node, left)
	}
	n := &d.slab[0]
	d.slab = d.slab[1:]
	return n
}

// sub returns a copy of data[a:b] as a string. Copies are made into
// blocks, one allocation for many strings, and only of the strings and
// numbers themselves: not of the space, punctuation and repeated member
// names around them. A block holds up to half of the input left, at most
// 64 KiB (all that is left of a small input); a decoder that reuses another tree's values copies little, so
// its blocks start at 64 bytes and double.
func (d *decoder) sub(a, b int) string {
	n := b - a
	if d.strs.Cap()-d.strs.Len() < n {
		size := min((len(d.data)-a)/2, 1<<16)
		if len(d.data) < smallInput {
			size = len(d.data) - a
		}
		if d.like {
			size = min(size, max(64, 2*d.strs.Cap()))
		}
		d.strs = strings.Builder{}
		d.strs.Grow(max(n, size))
	}
	start := d.strs.Len()
	d.strs.Write(d.data[a:b])
	return d.strs.String()[start:]
}

// smallInput is the size of input below which member names are copied
// like other strings, which costs less than a map of them.
const smallInput = 16 << 10

// name returns data[a:b], a member name, as a string: in inputs of at
// least smallInput bytes, the same string for every member of that name,
// up to a few thousand names.
func (d *decoder) name(a, b int) string {
	if len(d.data) < smallInput {
		return d.sub(a, b)
	}
	if s, ok := d.names[string(d.data[a:b])]; ok {
		return s
	}
	s := d.sub(a, b)
	if d.names == nil {
		d.names = make(map[string]string, 16)
	}
	if len(d.names) < 4096 {
		d.names[s] = s
	}
	return s
}

// share returns h when data holds, at the current position, the text h was
// decoded from, and moves past it; otherwise it returns nil.
func (d *decoder) share(h *node) *node {
	raw := h.raw
	rest := d.data[d.pos:]
	if raw == nil || len(rest) < len(raw) || d.shareWork <= 0 || d.depth+d.likeDepth > maxDepth {
		return nil
	}
	// Compare in blocks, so that a difference costs the budget about as
	// much as the comparison took.
	for off := 0; off < len(raw); {
		n := min(len(raw)-off, 256)
		d.shareWork -= n
		if string(rest[off:off+n]) != string(raw[off:off+n]) {
			return nil
		}
		off += n
	}
	if h.kind == kindNumber && len(rest) > len(raw) {
		// The number in data may go on: 1 against 12 or 1.5.
		if c := rest[len(raw)]; isDigit(c) || c == '.' || c == 'e' || c == 'E' {
			return nil
		}
	}
	d.pos += len(raw)
	return h
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

// value decodes the value at the current position; hint, when not nil, is
// the value at the same place in the tree being shared (see decodeLike).
func (d *decoder) value(hint *node) *node {
	if hint != nil {
		if n := d.share(hint); n != nil {
			return n
		}
	}
	return d.newValue(hint)
}

// newValue decodes the value at the current position into new nodes,
// sharing the values below it that match those of hint.
func (d *decoder) newValue(hint *node) *node {
	if d.pos >= len(d.data) {
		d.fail("unexpected end of input")
		return nil
	}
	start := d.pos
	switch c := d.data[d.pos]; {
	case c == '{':
		if hint != nil && hint.kind != kindObject {
			hint = nil
		}
		return d.object(hint)
	case c == '[':
		if hint != nil && hint.kind != kindArray {
			hint = nil
		}
		return d.array(hint)
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
		*n = node{kind: kindNumber, str: d.sub(start, d.pos), raw: raw, canon: true}
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
	d.deepest = max(d.deepest, d.depth)
	if d.depth > maxDepth {
		d.fail("nesting deeper than " + strconv.Itoa(maxDepth))
		return false
	}
	return true
}

func (d *decoder) object(hint *node) *node {
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
			count := len(d.keyStack) - first
			var key string
			var kcanon, ok bool
			var hv *node
			key, hv, kcanon, ok = d.memberName(hint, count)
			if !ok {
				return nil
			}
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
			v := d.value(hv)
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

func (d *decoder) array(hint *node) *node {
	start := d.pos
	if !d.enter() {
		return nil
	}
	d.pos++ // '['
	canon := !d.skipSpace()
	first := len(d.valStack)
	defer func() { d.valStack = d.valStack[:first] }()
	// Elements are compared with those of hint near the same index: at
	// next, the index after the last one taken, or the two after it (one
	// side removed elements), or just before it (an element was added).
	var hs []*node
	if hint != nil {
		hs = hint.kids
	}
	next, last := 0, -1
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
	} else {
		for {
			var v *node
			if len(hs) > 0 {
				for _, k := range [...]int{next, next + 1, next + 2, next - 1} {
					if k > last && k < len(hs) {
						if v = d.share(hs[k]); v != nil {
							next, last = k+1, k
							break
						}
					}
				}
				if v == nil {
					var h *node
					if next < len(hs) {
						h = hs[next]
					}
					// Most often an element changed in place.
					v = d.newValue(h)
					next++
				}
			} else {
				v = d.value(nil)
			}
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
			return d.sub(start, p), true, true
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

// memberName scans a member name, as string does, of the count-th member
// of an object whose version in the tree being shared is hint (nil when
// there is none). A name hint has too is taken from hint, without a copy;
// hv is hint's value for it.
func (d *decoder) memberName(hint *node, count int) (key string, hv *node, canon, ok bool) {
	start := d.pos + 1
	end := start
	for end < len(d.data) && d.data[end] != '"' && d.data[end] != '\\' && d.data[end] >= 0x20 && d.data[end] < utf8.RuneSelf {
		end++
	}
	if end < len(d.data) && d.data[end] == '"' {
		// Plain ASCII: the text is the name.
		name := d.data[start:end]
		d.pos = end + 1
		if hint == nil {
			return d.name(start, end), nil, true, true
		}
		if count < len(hint.keys) && hint.keys[count] == string(name) {
			return hint.keys[count], hint.kids[count], true, true
		}
		if i, found := hint.position(name); found {
			return hint.keys[i], hint.kids[i], true, true
		}
		return d.name(start, end), nil, true, true
	}
	key, canon, ok = d.string()
	if ok && hint != nil {
		hv = hint.member(key)
	}
	return key, hv, canon, ok
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

// compactLen returns the length of the compact text of n, which is also
// that of its canonical text (see appendCanonical).
func compactLen(n *node) int {
	if n.canon {
		return len(n.raw)
	}
	switch n.kind {
	case kindNull:
		return len("null")
	case kindBool, kindNumber:
		return len(n.str)
	case kindString:
		return stringLen(n.str)
	case kindArray:
		l := 2 + max(len(n.kids)-1, 0)
		for _, k := range n.kids {
			l += compactLen(k)
		}
		return l
	default:
		l := 2 + max(len(n.keys)-1, 0)
		for i, k := range n.keys {
			l += stringLen(k) + 1 + compactLen(n.kids[i])
		}
		return l
	}
}

// stringLen returns the length of s written as a JSON string by
// appendString.
func stringLen(s string) int {
	l := len(s) + 2
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f':
			l++
		case c < 0x20:
			l += 5
		}
	}
	return l
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
