package merge

import "strconv"

// jsonPatchBudget bounds the array diffs of one JSONPatch call. Work is
// counted as in the array merges: bytes of the canonical text of the
// elements compared plus the steps of the diffs. Once it is spent, the
// arrays left are compared position by position, which gives a patch as
// correct, only longer.
const jsonPatchBudget = 20_000_000

// JSONPatch returns an RFC 6902 JSON Patch that turns base into ours, for
// servers that accept PATCH with Content-Type application/json-patch+json.
// The patch is a compact JSON array of "add", "remove" and "replace"
// operations, applied in order; each path is an RFC 6901 JSON Pointer, with
// "~" and "/" in member names written "~0" and "~1". Documents that are
// Equal give "[]".
//
// Objects are compared member by member: members ours lacks are removed,
// new members are added and members both hold are compared in turn. Unlike
// a merge patch (see MergePatch), the patch can set a member to null.
// Arrays are aligned along a longest common subsequence of their elements,
// compared as JSON values, so one element inserted into or removed from a
// long array costs one operation (past a bound on the work of these diffs,
// arrays are compared position by position: the patch stays correct, only
// longer). In a run of changed elements, the
// elements of base and ours are paired in order and compared in turn; the
// rest of the run is removed, or added. Each index is valid when its
// operation is applied, after the operations before it; elements added at
// the end of an array have the index "-". Values whose kinds differ, and
// scalars that differ, are replaced whole; a root whose kind changed is
// replaced by one operation with the path "". A member named "" that holds
// differing objects or arrays is also replaced whole, so that no path
// passes through an empty segment, which some implementations misread.
//
// Values in the patch are ours's: numbers keep their exact text (1.0 stays
// 1.0, 1e3 stays 1e3) and strings are written as UTF-8 with only the
// escapes JSON requires. Array indices are only valid against base itself,
// so the patch is meant to be sent with If-Match naming base's ETag.
// Inputs that are not JSON give an *InvalidJSONError naming "base" or
// "ours".
func JSONPatch(base, ours []byte) ([]byte, error) {
	b, err := parseInput(base, "base")
	if err != nil {
		return nil, err
	}
	o, err := parseInput(ours, "ours")
	if err != nil {
		return nil, err
	}
	return jsonPatch(b, o, jsonPatchBudget), nil
}

// jsonPatch returns the patch that turns base into ours, spending at most
// about budget on the diffs of arrays.
func jsonPatch(base, ours *node, budget int) []byte {
	w := patchWriter{buf: []byte{'['}, budget: budget}
	w.diff(base, ours)
	return append(w.buf, ']')
}

// patchWriter writes the operations of a JSON Patch as it compares two
// trees.
type patchWriter struct {
	// buf holds the patch so far, from its opening bracket.
	buf []byte
	// path is the JSON Pointer of the values being compared.
	path []byte
	// budget is the diff work left (see jsonPatchBudget).
	budget int
	// canon is scratch space for the canonical texts of elements.
	canon []byte
}

// diff writes the operations that turn a into b, at w.path.
func (w *patchWriter) diff(a, b *node) {
	if a.raw != nil && b.raw != nil && string(a.raw) == string(b.raw) {
		return
	}
	if a.kind != b.kind {
		w.op("replace", b)
		return
	}
	switch a.kind {
	case kindObject:
		w.object(a, b)
	case kindArray:
		w.array(a, b)
	case kindNull:
	default:
		if a.str != b.str {
			w.op("replace", b)
		}
	}
}

// object writes the operations that turn object a into object b.
func (w *patchWriter) object(a, b *node) {
	mark := len(w.path)
	for i, k := range a.keys {
		w.path = appendSegment(append(w.path[:mark], '/'), k)
		av, bv := a.kids[i], b.member(k)
		switch {
		case bv == nil:
			w.op("remove", nil)
		case k == "" && av.kind == bv.kind && (av.kind == kindObject || av.kind == kindArray):
			if !equal(av, bv) {
				w.op("replace", bv)
			}
		default:
			w.diff(av, bv)
		}
	}
	for i, k := range b.keys {
		if !a.has(k) {
			w.path = appendSegment(append(w.path[:mark], '/'), k)
			w.op("add", b.kids[i])
		}
	}
	w.path = w.path[:mark]
}

// array writes the operations that turn array a into array b. Before each
// hunk, the array being patched holds b's elements up to the hunk's start
// in b, then a's elements from the hunk's start in a, so b's indices
// address it.
func (w *patchWriter) array(a, b *node) {
	as, bs := a.kids, b.kids
	var hs []hunk
	if match, ok := w.match(as, bs); ok {
		hs = hunks(match, len(as), len(bs))
	} else {
		hs = []hunk{{bs: 0, be: len(as), ss: 0, se: len(bs)}}
	}
	mark := len(w.path)
	at := func(i int) {
		w.path = strconv.AppendInt(append(w.path[:mark], '/'), int64(i), 10)
	}
	for _, h := range hs {
		na, nb := h.be-h.bs, h.se-h.ss
		paired := min(na, nb)
		for t := range paired {
			at(h.ss + t)
			w.diff(as[h.bs+t], bs[h.ss+t])
		}
		for range na - paired {
			at(h.ss + paired)
			w.op("remove", nil)
		}
		for t := paired; t < nb; t++ {
			if h.be == len(as) {
				w.path = append(w.path[:mark], "/-"...)
			} else {
				at(h.ss + t)
			}
			w.op("add", bs[h.ss+t])
		}
	}
	w.path = w.path[:mark]
}

// match returns, for each element of a, the index of the element of b it
// is matched with in a longest common subsequence of the two, or -1. It
// reports false when the budget runs out. Elements of the common prefix
// and suffix with the same text are matched without being interned, and
// what is left is only diffed when both sides have elements and one has
// more than one: otherwise the elements left are paired in place anyway.
func (w *patchWriter) match(a, b []*node) ([]int32, bool) {
	if w.budget <= 0 {
		return nil, false
	}
	same := func(x, y *node) bool {
		w.budget--
		if x.raw != nil && y.raw != nil && string(x.raw) == string(y.raw) {
			w.budget -= len(x.raw)
			return true
		}
		return false
	}
	pre := 0
	for pre < len(a) && pre < len(b) && same(a[pre], b[pre]) {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && same(a[len(a)-1-suf], b[len(b)-1-suf]) {
		suf++
	}
	match := make([]int32, len(a))
	for i := range pre {
		match[i] = int32(i)
	}
	for i := pre; i < len(a)-suf; i++ {
		match[i] = -1
	}
	for i := range suf {
		match[len(a)-1-i] = int32(len(b) - 1 - i)
	}
	am, bm := a[pre:len(a)-suf], b[pre:len(b)-suf]
	if len(am) == 0 || len(bm) == 0 || len(am)+len(bm) == 2 {
		return match, true
	}
	in := interner{ids: make(map[string]int32, len(am)+len(bm)), buf: w.canon}
	ai, ok := in.intern(am, &w.budget)
	if !ok {
		return nil, false
	}
	bi, ok := in.intern(bm, &w.budget)
	if !ok {
		return nil, false
	}
	w.canon = in.buf
	mid, ok := lcs(ai, bi, &w.budget)
	if !ok {
		return nil, false
	}
	for i, j := range mid {
		if j >= 0 {
			match[pre+i] = j + int32(pre)
		}
	}
	return match, true
}

// op appends one operation at w.path; v is its value, or nil for
// "remove".
func (w *patchWriter) op(name string, v *node) {
	if len(w.buf) > 1 {
		w.buf = append(w.buf, ',')
	}
	w.buf = append(w.buf, `{"op":"`...)
	w.buf = append(w.buf, name...)
	w.buf = append(w.buf, `","path":`...)
	w.buf = appendString(w.buf, string(w.path))
	if v != nil {
		w.buf = append(w.buf, `,"value":`...)
		w.buf = encode(w.buf, v)
	}
	w.buf = append(w.buf, '}')
}
