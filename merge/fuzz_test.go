package merge

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mergeSeeds are (base, ours, theirs) triples for the merge fuzzers.
var mergeSeeds = [][3]string{
	{`{"a":1,"b":2}`, `{"a":3,"b":2}`, `{"a":1,"b":4}`},
	{`{"a":1}`, `{"a":2}`, `{"a":3}`},
	{`{"a":{"x":1,"y":[1,2]},"n":null}`, `{"a":{"x":2,"y":[1,2]},"n":null,"o":true}`, `{"a":{"x":1,"y":[2]},"t":"s"}`},
	{`{"s":1,"mx":1,"mn":5,"u":[1,2],"t":"the cat sat"}`, `{"s":3,"mx":4,"mn":2,"u":[1,3],"t":"the black cat sat"}`, `{"s":2,"mx":7,"mn":3,"u":[2,4],"t":"the cat sat down"}`},
	{`{"s":1.10,"mx":12345678901234567890}`, `{"s":2.5,"mx":12345678901234567891}`, `{"s":1e1,"mx":1.2e19}`},
	{`[1,2,3]`, `[1,2]`, `[1,2,3,4]`},
	{`"text"`, `"text!"`, `"Text"`},
	{`null`, `{"a":1}`, `{"b":2}`},
	{`{"a":{"b":{"c":{"d":1}}}}`, `{"a":{"b":{"c":{"d":2}}}}`, `{"a":{"b":{"c":{"e":3}}}}`},
	{`{"u":[{"k":1},{"k":2}]}`, `{"u":[{"k":1},{"k":3}]}`, `{"u":[{"k":2},{"k":4}]}`},
	{`{"t":"one two three. four five."}`, `{"t":"one 2 three. four five."}`, `{"t":"one two three. four 5."}`},
	{`{"a":"\u00e9\n","b":1}`, `{"b":1,"a":"\u00e9\n"}`, `{"a":"é\n","b":1.0}`},
	{`{}`, `{"a":null}`, `{"a":false}`},
	{`{"a":1}`, `{`, `{}`},
	{`1`, `2`, `2`},
	{`{"ticked":[]}`, `{"ticked":["q1"]}`, `{"ticked":["q2"]}`},
	{`[1,2,3]`, `[1,3,4]`, `[0,1,2,3,5]`},
	{`{"a":[{"id":1,"v":1},{"id":2,"v":1}]}`, `{"a":[{"id":1,"v":2},{"id":2,"v":1}]}`, `{"a":[{"id":1,"v":1},{"id":2,"v":3},{"id":3}]}`},
	{`[[1],[2,3]]`, `[[1,4],[3]]`, `[[0,1],[2,3],[5]]`},
	{`{"a":[1,2,3]}`, `{"a":[1,4,5,3]}`, `{"a":[1,6,3]}`},
	{`{"a":[1,1,1]}`, `{"a":[1,1]}`, `{"a":[1,1,1,1]}`},
	{`{"a":null,"b":[1]}`, `{"a":["x","y"],"b":[]}`, `{"a":["y","z"],"b":[1,2]}`},
	{`[1,2]`, `[]`, `[2,1]`},
	{`{"u":["a"],"s":[1]}`, `{"u":["a","b"],"s":[2]}`, `{"u":["c"],"s":[3]}`},
	{`{"l":[{"id":"a","v":1},{"id":"b"}]}`, `{"l":[{"id":"n"},{"id":"a","v":2}]}`, `{"l":[{"id":"b","w":1},{"id":"a","v":1,"x":0},{"id":"m"}]}`},
	{`[{"id":"a"},{"id":"b"},{"id":"c"}]`, `[{"id":"c"},{"id":"a"}]`, `[{"id":"b"},{"id":"a","n":1},{"id":"c"}]`},
}

func addMergeSeeds(f *testing.F) {
	for _, s := range mergeSeeds {
		f.Add([]byte(s[0]), []byte(s[1]), []byte(s[2]))
	}
}

// assertSame checks that got is the same JSON value as want.
func assertSame(t *testing.T, want, got []byte, msg string) {
	t.Helper()
	eq, err := Equal(want, got)
	require.NoError(t, err, msg)
	assert.True(t, eq, "%s: want %s, got %s", msg, want, got)
}

func validAll(inputs ...[]byte) bool {
	for _, in := range inputs {
		if _, serr := parse(in); serr != nil {
			return false
		}
	}
	return true
}

func FuzzJSON(f *testing.F) {
	addMergeSeeds(f)
	f.Fuzz(func(t *testing.T, base, ours, theirs []byte) {
		got, rep, err := JSON(base, ours, theirs, nil)
		if !validAll(base, ours, theirs) {
			require.ErrorIs(t, err, ErrInvalidJSON)
			assert.Nil(t, got)
			return
		}
		require.NoError(t, err)
		require.NotNil(t, rep)
		require.True(t, json.Valid(got), "result is JSON: %s", got)
		assert.True(t, utf8.Valid(got))
		if len(rep.Decisions) == 0 {
			assertSame(t, theirs, got, "no decisions: result is theirs")
		}
		checkKeyOrder(t, got, ours, theirs)
		for _, d := range rep.Decisions {
			for _, v := range [][]byte{d.Base, d.Ours, d.Theirs, d.Result} {
				if v != nil {
					assert.True(t, json.Valid(v), "decision value %s", v)
				}
			}
		}

		r, _, err := JSON(base, base, theirs, nil)
		require.NoError(t, err)
		assertSame(t, theirs, r, "merge(b, b, t) = t")
		r, _, err = JSON(base, ours, base, nil)
		require.NoError(t, err)
		assertSame(t, ours, r, "merge(b, o, b) = o")
		r, _, err = JSON(base, ours, ours, &Options{Policy: Fail})
		require.NoError(t, err)
		assertSame(t, ours, r, "merge(b, o, o) = o")

		// Ours and Theirs are mirror images (with the mirror order where
		// both sides inserted elements at one point of an array).
		swapped, _, err := mirrorJSON(t, base, ours, theirs, &Options{Policy: Theirs})
		require.NoError(t, err)
		assertSame(t, got, swapped, "merge(b, o, t, Ours) = merge(b, t, o, Theirs)")

		// Fail is symmetric.
		r1, _, err1 := JSON(base, ours, theirs, &Options{Policy: Fail})
		r2, _, err2 := mirrorJSON(t, base, ours, theirs, &Options{Policy: Fail})
		checkSymmetric(t, r1, r2, err1, err2, nil)

		checkOneSidedArrays(t, base, ours, theirs, got)
		if err1 == nil {
			checkKeyOrder(t, r1, ours, theirs)
			checkOneSidedArrays(t, base, ours, theirs, r1)
		}
		checkAppends(t, base, ours, theirs)
		if err1 == nil && noArraysOrNulls(base, ours, theirs) {
			// Without conflicts, arrays and nulls, the result is theirs
			// patched with the RFC 7386 diff from base to ours.
			patch, err := jsonpatch.CreateMergePatch(base, ours)
			require.NoError(t, err)
			want, err := jsonpatch.MergePatch(theirs, patch)
			require.NoError(t, err)
			assertSame(t, want, r1, "agrees with json-patch")
		}
	})
}

// mirrorJSON merges with ours and theirs swapped and, where both sides
// inserted elements at one point of an array, ours' first: the mirror
// image of JSON(base, ours, theirs, opts) with the roles of the policies
// Ours and Theirs swapped.
func mirrorJSON(t *testing.T, base, ours, theirs []byte, opts *Options) ([]byte, *Report, error) {
	t.Helper()
	m, err := newMerger(opts)
	require.NoError(t, err)
	m.insertOursFirst = true
	return m.merge(base, theirs, ours)
}

// checkOneSidedArrays checks that wherever base, ours and theirs hold
// arrays at one path reached through objects, and only one side changed
// the array, the merged document holds that side's array there.
func checkOneSidedArrays(t *testing.T, base, ours, theirs, result []byte) {
	t.Helper()
	var walk func(b, o, th, r *node, path string)
	walk = func(b, o, th, r *node, path string) {
		if b.isArray() && o.isArray() && th.isArray() {
			oursChanged, theirsChanged := !equal(b, o), !equal(b, th)
			if oursChanged != theirsChanged {
				want := th
				if oursChanged {
					want = o
				}
				assert.True(t, equal(want, r), "array at %q changed by one side: want %s, got %s", path, rawOf(want), rawOf(r))
			}
			return
		}
		if !b.isObject() || !o.isObject() || !th.isObject() || !r.isObject() {
			return
		}
		for i, k := range r.keys {
			walk(b.member(k), o.member(k), th.member(k), r.kids[i], path+"/"+escapeSegment(k))
		}
	}
	walk(mustParse(t, base), mustParse(t, ours), mustParse(t, theirs), mustParse(t, result), "")
}

// checkAppends builds an array from base (its elements, or base itself
// when it is not an array), lets ours append the elements of ours and
// theirs those of theirs, and checks that when no element one side appends
// equals one the other appends, the merge keeps every element of the three
// without a conflict, and keeps the order of each.
func checkAppends(t *testing.T, base, ours, theirs []byte) {
	t.Helper()
	elems := func(data []byte) []*node {
		n := mustParse(t, data)
		if n.kind == kindArray {
			return n.kids
		}
		return []*node{n}
	}
	b, o, th := elems(base), elems(ours), elems(theirs)
	for _, x := range o {
		for _, y := range th {
			if equal(x, y) {
				return
			}
		}
	}
	arr := func(parts ...[]*node) []byte {
		return encode(nil, &node{kind: kindObject, keys: []string{"l"}, kids: []*node{{kind: kindArray, kids: slices.Concat(parts...)}}})
	}
	got, _, err := JSON(arr(b), arr(b, o), arr(b, th), &Options{Policy: Fail})
	work := 1 << 30
	k, keyed := identity(&work, b, slices.Concat(b, o), slices.Concat(b, th))
	if keyed && err != nil {
		// Elements both sides appended with one identity are one element,
		// and may conflict.
		shared := false
		for _, x := range o {
			for _, y := range th {
				shared = shared || keyOf(x, k) == keyOf(y, k)
			}
		}
		require.True(t, shared, "appends to one array: %v", err)
		require.ErrorIs(t, err, ErrConflict)
		return
	}
	require.NoError(t, err, "appends to one array")
	r := mustParse(t, got).member("l")
	require.True(t, r.isArray(), "%s", got)
	if keyed {
		// Elements are named by k: each identity appears once, in the
		// order of every side.
		ids := func(es []*node) []string {
			out := make([]string, len(es))
			for i, e := range es {
				out[i] = keyOf(e, k)
			}
			return out
		}
		seen := map[string]bool{}
		for _, id := range ids(r.kids) {
			assert.False(t, seen[id], "identity %q once in %s", id, got)
			seen[id] = true
		}
		for _, part := range [][]*node{b, o, th} {
			for _, id := range ids(part) {
				assert.True(t, seen[id], "identity %q kept in %s", id, got)
			}
			assert.True(t, isSubsequenceOf(ids(part), ids(r.kids)), "order kept: %s", got)
		}
		return
	}
	count := map[string]int{}
	for _, part := range [][]*node{b, o, th} {
		for _, e := range part {
			count[string(appendCanonical(nil, e))]++
		}
	}
	for _, e := range r.kids {
		count[string(appendCanonical(nil, e))]--
	}
	for k, c := range count {
		assert.Zero(t, c, "element %s: %d more expected in %s", k, c, got)
	}
	for _, part := range [][]*node{b, o, th} {
		assert.True(t, isSubsequence(part, r.kids), "order kept: %s", got)
	}
}

// isSubsequenceOf reports whether the strings of sub appear in seq in order.
func isSubsequenceOf(sub, seq []string) bool {
	i := 0
	for _, s := range seq {
		if i < len(sub) && sub[i] == s {
			i++
		}
	}
	return i == len(sub)
}

// isSubsequence reports whether the elements of sub appear in seq in order.
func isSubsequence(sub, seq []*node) bool {
	i := 0
	for _, e := range seq {
		if i < len(sub) && equal(sub[i], e) {
			i++
		}
	}
	return i == len(sub)
}

// checkKeyOrder checks the member order of a merged document: wherever
// ours, theirs and the result all hold objects, the result has theirs'
// members in theirs' order, then members only ours has in ours' order.
func checkKeyOrder(t *testing.T, result, ours, theirs []byte) {
	t.Helper()
	r, serr := parse(result)
	require.Nil(t, serr)
	o, serr := parse(ours)
	require.Nil(t, serr)
	th, serr := parse(theirs)
	require.Nil(t, serr)
	var walk func(r, o, th *node, path string)
	walk = func(r, o, th *node, path string) {
		if !r.isObject() || !o.isObject() || !th.isObject() {
			return
		}
		var want []string
		for _, k := range th.keys {
			if r.has(k) {
				want = append(want, k)
			}
		}
		for _, k := range o.keys {
			if r.has(k) && !th.has(k) {
				want = append(want, k)
			}
		}
		require.Equal(t, want, r.keys, "member order at %q", path)
		for i, k := range r.keys {
			walk(r.kids[i], o.member(k), th.member(k), path+"/"+escapeSegment(k))
		}
	}
	walk(r, o, th, "")
}

// checkSymmetric checks two merges with ours and theirs swapped: both fail
// with the same conflicting paths, or both succeed with the same value
// (arrays at the paths in sets compared as sets).
func checkSymmetric(t *testing.T, r1, r2 []byte, err1, err2 error, sets map[string]bool) {
	t.Helper()
	if err1 != nil || err2 != nil {
		var c1, c2 *ConflictError
		require.ErrorAs(t, err1, &c1, "swapped merge failed: %v", err2)
		require.ErrorAs(t, err2, &c2, "merge failed: %v", err1)
		assert.Equal(t, c1.Paths, c2.Paths)
		return
	}
	n1, serr := parse(r1)
	require.Nil(t, serr)
	n2, serr := parse(r2)
	require.Nil(t, serr)
	assert.Equal(t, string(canonicalSets(n1, "", sets)), string(canonicalSets(n2, "", sets)), "%s vs %s", r1, r2)
}

// canonicalSets is appendCanonical with the arrays at the given paths
// sorted and deduplicated.
func canonicalSets(n *node, path string, sets map[string]bool) []byte {
	switch n.kind {
	case kindObject:
		keys := slices.Clone(n.keys)
		slices.Sort(keys)
		var b bytes.Buffer
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			b.Write(appendString(nil, k))
			b.WriteByte(':')
			b.Write(canonicalSets(n.member(k), path+"/"+escapeSegment(k), sets))
		}
		b.WriteByte('}')
		return b.Bytes()
	case kindArray:
		var elems []string
		for _, k := range n.kids {
			elems = append(elems, string(appendCanonical(nil, k)))
		}
		if sets[path] {
			slices.Sort(elems)
			elems = slices.Compact(elems)
		}
		return []byte("[" + strings.Join(elems, ",") + "]")
	default:
		return encode(nil, n)
	}
}

func noArraysOrNulls(docs ...[]byte) bool {
	var walk func(n *node) bool
	walk = func(n *node) bool {
		switch n.kind {
		case kindArray, kindNull:
			return false
		case kindObject:
			for _, k := range n.kids {
				if !walk(k) {
					return false
				}
			}
		}
		return true
	}
	for _, d := range docs {
		n, serr := parse(d)
		if serr != nil || n.kind != kindObject || !walk(n) {
			return false
		}
	}
	return true
}

func FuzzResolvers(f *testing.F) {
	addMergeSeeds(f)
	opts := &Options{
		Policy: Fail,
		Resolvers: map[string]Resolver{
			"/s":   Sum(),
			"/mx":  Max(),
			"/mn":  Min(),
			"/u":   SetUnion(),
			"/t":   Text(Fail),
			"/a":   Atomic(Fail),
			"/*/s": Sum(),
			"/*/u": SetUnion(),
		},
	}
	sets := map[string]bool{"/u": true}
	f.Fuzz(func(t *testing.T, base, ours, theirs []byte) {
		got, rep, err := JSON(base, ours, theirs, opts)
		if !validAll(base, ours, theirs) {
			require.ErrorIs(t, err, ErrInvalidJSON)
			return
		}
		if err != nil {
			require.ErrorIs(t, err, ErrConflict)
			require.NotNil(t, rep)
		} else {
			require.True(t, json.Valid(got), "result is JSON: %s", got)
		}

		r, _, err := JSON(base, base, theirs, opts)
		require.NoError(t, err)
		assertSame(t, theirs, r, "merge(b, b, t) = t")
		r, _, err = JSON(base, ours, base, opts)
		require.NoError(t, err)
		assertSame(t, ours, r, "merge(b, o, b) = o")
		// Sum counts a change both sides made to a number twice: this
		// identity holds except at those paths.
		counted := countedPaths(t, opts, base, ours)
		r, _, err = JSON(base, ours, ours, opts)
		if err != nil {
			var ce *ConflictError
			require.ErrorAs(t, err, &ce)
			for _, p := range ce.Paths {
				assert.True(t, counted[p], "merge(b, o, o) conflicts at %q", p)
			}
		} else {
			assert.Equal(t, string(maskPaths(mustParse(t, ours), "", counted)), string(maskPaths(mustParse(t, r), "", counted)), "merge(b, o, o) = o")
		}

		// Sum, Max, Min, SetUnion (as a set), Text and Fail do not care
		// which side is ours. Nested "/x/u" arrays keep their order, so
		// they are compared as sets too.
		r1, _, err1 := JSON(base, ours, theirs, opts)
		r2, _, err2 := mirrorJSON(t, base, ours, theirs, opts)
		nested := map[string]bool{}
		if err1 == nil && err2 == nil {
			for _, r := range [][]byte{r1, r2} {
				n, _ := parse(r)
				for i, kid := range n.kids {
					if kid.kind != kindObject {
						continue
					}
					if n.kind == kindObject {
						nested["/"+escapeSegment(n.keys[i])+"/u"] = true
					} else {
						nested["/"+strconv.Itoa(i)+"/u"] = true // an element of an array
					}
				}
			}
		}
		for k := range sets {
			nested[k] = true
		}
		checkSymmetric(t, r1, r2, err1, err2, nested)
	})
}

// countedPaths returns the paths where merge(base, ours, ours, opts) may
// count a change twice: Sum paths, not under an Atomic one, where ours holds
// a number and base a number, null or nothing.
func countedPaths(t *testing.T, opts *Options, base, ours []byte) map[string]bool {
	t.Helper()
	m, err := newMerger(opts)
	require.NoError(t, err)
	b, o := mustParse(t, base), mustParse(t, ours)
	out := map[string]bool{}
	var walk func(b, o *node)
	walk = func(b, o *node) {
		if r, ok := m.resolver(); ok && r.deltas && countable(b, o) && !equal(b, o) {
			out[string(m.ptr)] = true
		}
		if !o.isObject() || m.atomicHere() {
			return
		}
		for i, k := range o.keys {
			var bk *node
			if b.isObject() {
				bk = b.member(k)
			}
			n := m.enter(k)
			walk(bk, o.kids[i])
			m.leave(n)
		}
	}
	walk(b, o)
	return out
}

func mustParse(t *testing.T, data []byte) *node {
	t.Helper()
	n, serr := parse(data)
	require.Nil(t, serr, "%s", data)
	return n
}

// maskPaths is appendCanonical with the values at the given paths written
// as "#".
func maskPaths(n *node, path string, masked map[string]bool) []byte {
	if masked[path] {
		return []byte("#")
	}
	if n.kind != kindObject {
		return appendCanonical(nil, n)
	}
	keys := slices.Clone(n.keys)
	slices.Sort(keys)
	b := []byte{'{'}
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = append(b, maskPaths(n.member(k), path+"/"+escapeSegment(k), masked)...)
	}
	return append(b, '}')
}

func FuzzText(f *testing.F) {
	seeds := [][3]string{
		{"The cat sat. The dog ran.", "The black cat sat. The dog ran.", "The cat sat. The dog ran away."},
		{"a b c", "a x c", "a y c"},
		{"", "x", "y"},
		{"one two three", "one two three", "one 2 three"},
		{"héllo wörld", "héllo, wörld", "hello wörld!"},
		{"l1\nl2\nl3\n", "l1\nl2 x\nl3\n", "l0\nl1\nl2\nl3\n"},
		{"a a a a", "a a", "a a a a a a"},
		{"\xff\xfe", "\xff", "x\xfe"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, base, ours, theirs string) {
		if len(base)+len(ours)+len(theirs) > 4096 {
			// Long texts only make each run slow; TestMergeTextLargeUnrelated
			// and TestLCSBudget cover them.
			return
		}
		got, ok := MergeText(base, ours, theirs)
		if ok {
			assert.True(t, utf8.ValidString(got))
		} else {
			assert.Empty(t, got)
		}
		valid := func(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

		r, ok2 := MergeText(base, base, theirs)
		assert.True(t, ok2)
		assert.Equal(t, valid(theirs), r, "merge(b, b, t) = t")
		r, ok2 = MergeText(base, ours, base)
		assert.True(t, ok2)
		assert.Equal(t, valid(ours), r, "merge(b, o, b) = o")
		r, ok2 = MergeText(base, ours, ours)
		assert.True(t, ok2)
		assert.Equal(t, valid(ours), r, "merge(b, o, o) = o")

		sw, okSw := MergeText(base, theirs, ours)
		assert.Equal(t, ok, okSw, "symmetric")
		assert.Equal(t, got, sw, "symmetric")

		// Different words inserted at one point conflict, with or without
		// an unrelated edit elsewhere.
		vb := valid(base)
		at, edit := len(ours), len(theirs)
		for _, e := range []int{-1, edit} {
			for _, before := range []bool{false, true} {
				sep := []string{" ", ",", "\n"}[(at+edit)%3]
				if o, th, fits := sameInsertPoint(vb, at, e, sep, before); fits {
					m, ok := MergeText(vb, o, th)
					assert.False(t, ok, "same insertion point: ours %q theirs %q merged to %q", o, th, m)
				}
			}
		}

		// The diff under the merge finds a longest common subsequence.
		for _, pair := range [][2]string{{base, ours}, {base, theirs}} {
			ids := map[string]int32{}
			conv := func(s string) []int32 {
				var out []int32
				for _, tok := range tokenStrings(valid(s)) {
					if _, ok := ids[tok]; !ok {
						ids[tok] = int32(len(ids))
					}
					out = append(out, ids[tok])
				}
				return out
			}
			a, b := conv(pair[0]), conv(pair[1])
			if len(a)*len(b) > 250_000 {
				continue
			}
			match, ok := testLCS(a, b)
			require.True(t, ok)
			require.Equal(t, lcsLength(a, b), checkMatching(t, a, b, match))
		}
	})
}

func FuzzDecode(f *testing.F) {
	for _, s := range mergeSeeds {
		for _, d := range s {
			f.Add([]byte(d))
		}
	}
	for _, d := range []string{`"\ud83d\ude00"`, `"\ud800"`, `[1e5,-0.0,{"":[]}]`, `{"a":1,"a":2}`, ` [ ] `, "\"\xff\""} {
		f.Add([]byte(d))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, serr := parse(data)
		if serr != nil {
			assert.Nil(t, n)
			assert.LessOrEqual(t, serr.offset, len(data))
			if json.Valid(data) {
				ok := strings.Contains(serr.reason, "duplicate") ||
					strings.Contains(serr.reason, "UTF-8") ||
					strings.Contains(serr.reason, "nesting")
				assert.True(t, ok, "encoding/json accepts %q but: %s", data, serr.reason)
			}
			return
		}
		require.True(t, json.Valid(data), "accepted only what encoding/json accepts: %q", data)
		out := encode(nil, n)
		require.True(t, json.Valid(out))
		require.True(t, utf8.Valid(out))
		n2, serr := parse(out)
		require.Nil(t, serr, "re-parse %q", out)
		assert.True(t, equal(n, n2))
		assert.Equal(t, string(out), string(encode(nil, n2)), "encoding is stable")
		assert.Equal(t, string(appendCanonical(nil, n)), string(appendCanonical(nil, n2)))
		// encoding/json decodes both to the same thing.
		assert.Equal(t, decodeStd(t, data), decodeStd(t, out))
	})
}

func decodeStd(t *testing.T, data []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v))
	return v
}
