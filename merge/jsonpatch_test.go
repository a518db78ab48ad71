package merge

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJSONPatch(t *testing.T) {
	tests := []struct {
		name       string
		base, ours string
		// want is the exact patch, when the case pins it down.
		want string
	}{
		{name: "equal", base: `{"a":1,"b":[1,2]}`, ours: `{"a":1,"b":[1,2]}`, want: `[]`},
		{name: "equal in another order and spacing", base: `{"a":1, "b":{"c":[1, {"d":2,"e":3}]}}`, ours: `{"b":{"c":[1,{"e":3,"d":2}]},"a":1}`, want: `[]`},
		{name: "equal strings written differently", base: `{"s":"\u00e9\/"}`, ours: `{"s":"é/"}`, want: `[]`},
		{name: "equal scalar root", base: `"x"`, ours: ` "x" `, want: `[]`},
		{name: "equal empty object", base: `{}`, ours: `{}`, want: `[]`},
		{name: "equal empty array", base: `[]`, ours: `[ ]`, want: `[]`},

		{name: "nested objects", base: `{"a":{"b":{"c":1,"d":2},"e":3},"f":4}`, ours: `{"a":{"b":{"c":5,"g":6},"e":3},"f":4}`,
			want: `[{"op":"replace","path":"/a/b/c","value":5},{"op":"remove","path":"/a/b/d"},{"op":"add","path":"/a/b/g","value":6}]`},
		{name: "member added and removed", base: `{"a":1,"b":2}`, ours: `{"b":2,"c":{"d":[1]}}`,
			want: `[{"op":"remove","path":"/a"},{"op":"add","path":"/c","value":{"d":[1]}}]`},
		{name: "names with slash and tilde", base: `{"a/b":{"c~d":1},"~1":2,"/":3}`, ours: `{"a/b":{"c~d":2},"~1":3,"/":3,"~/~/":4}`,
			want: `[{"op":"replace","path":"/a~1b/c~0d","value":2},{"op":"replace","path":"/~01","value":3},{"op":"add","path":"/~0~1~0~1","value":4}]`},
		{name: "names that need escapes in JSON", base: `{"q\"":1,"t\t":{"n\n":1}}`, ours: `{"q\"":2,"t\t":{"n\n":2}}`,
			want: `[{"op":"replace","path":"/q\"","value":2},{"op":"replace","path":"/t\t/n\n","value":2}]`},
		{name: "names that look like indices", base: `{"0":{"-":1},"01":2}`, ours: `{"0":{"-":2},"01":3}`,
			want: `[{"op":"replace","path":"/0/-","value":2},{"op":"replace","path":"/01","value":3}]`},
		{name: "empty member name", base: `{"":{"a":1},"b":{"":2}}`, ours: `{"":{"a":2},"b":{"":3}}`,
			want: `[{"op":"replace","path":"/","value":{"a":2}},{"op":"replace","path":"/b/","value":3}]`},
		{name: "empty member name with equal value", base: `{"":{"a":1,"b":2},"c":1}`, ours: `{"":{"b":2,"a":1},"c":2}`,
			want: `[{"op":"replace","path":"/c","value":2}]`},

		{name: "member set to null", base: `{"a":1,"b":2}`, ours: `{"a":null,"b":2}`, want: `[{"op":"replace","path":"/a","value":null}]`},
		{name: "new null member", base: `{"a":1}`, ours: `{"a":1,"b":null}`, want: `[{"op":"add","path":"/b","value":null}]`},
		{name: "nested null", base: `{"a":{"b":{"c":1}}}`, ours: `{"a":{"b":{"c":null}}}`, want: `[{"op":"replace","path":"/a/b/c","value":null}]`},
		{name: "null to object", base: `{"a":null}`, ours: `{"a":{"b":null}}`, want: `[{"op":"replace","path":"/a","value":{"b":null}}]`},
		{name: "null element", base: `[1,2,3]`, ours: `[1,null,3]`, want: `[{"op":"replace","path":"/1","value":null}]`},

		{name: "insert in the middle", base: `[1,2,3,4,5]`, ours: `[1,2,9,3,4,5]`, want: `[{"op":"add","path":"/2","value":9}]`},
		{name: "remove in the middle", base: `[1,2,3,4,5]`, ours: `[1,2,4,5]`, want: `[{"op":"remove","path":"/2"}]`},
		{name: "change in the middle", base: `[1,2,3,4,5]`, ours: `[1,2,7,4,5]`, want: `[{"op":"replace","path":"/2","value":7}]`},
		{name: "append", base: `{"a":[1,2]}`, ours: `{"a":[1,2,3,4]}`, want: `[{"op":"add","path":"/a/-","value":3},{"op":"add","path":"/a/-","value":4}]`},
		{name: "prepend", base: `[1,2]`, ours: `[-1,0,1,2]`, want: `[{"op":"add","path":"/0","value":-1},{"op":"add","path":"/1","value":0}]`},
		{name: "remove a run", base: `[1,2,3,4,5,6]`, ours: `[1,5,6]`, want: `[{"op":"remove","path":"/1"},{"op":"remove","path":"/1"},{"op":"remove","path":"/1"}]`},
		{name: "remove the tail", base: `[1,2,3]`, ours: `[1]`, want: `[{"op":"remove","path":"/1"},{"op":"remove","path":"/1"}]`},
		{name: "several changes shift indices", base: `[1,2,3,4,5,6,7,8]`, ours: `[0,1,3,4,"x",6,7,8,9]`},
		{name: "runs of different lengths", base: `["a","b","c","d","e"]`, ours: `["a","x","y","z","e"]`},
		{name: "replace shorter run", base: `["a","b","c","d","e"]`, ours: `["a","x","e"]`,
			want: `[{"op":"replace","path":"/1","value":"x"},{"op":"remove","path":"/2"},{"op":"remove","path":"/2"}]`},
		{name: "repeated elements", base: `[1,1,2,1,1]`, ours: `[1,2,1,1,1,1]`},
		{name: "reversed", base: `[1,2,3,4]`, ours: `[4,3,2,1]`},
		{name: "all new", base: `[1,2,3]`, ours: `["a"]`},
		{name: "arrays of arrays", base: `[[1,2],[3,4],[5]]`, ours: `[[1,2],[3,9,4],[5],[]]`,
			want: `[{"op":"add","path":"/1/1","value":9},{"op":"add","path":"/-","value":[]}]`},
		{name: "arrays of arrays removed", base: `[[1],[2,[3,[4]]],[5]]`, ours: `[[1],[2,[3,[]]]]`},
		{name: "arrays of objects change a member", base: `[{"id":1,"v":"a"},{"id":2,"v":"b"},{"id":3,"v":"c"}]`, ours: `[{"id":1,"v":"a"},{"id":2,"v":"B"},{"id":3,"v":"c"}]`,
			want: `[{"op":"replace","path":"/1/v","value":"B"}]`},
		{name: "arrays of objects insert", base: `{"l":[{"id":1},{"id":3}]}`, ours: `{"l":[{"id":1},{"id":2,"n":null},{"id":3}]}`,
			want: `[{"op":"add","path":"/l/1","value":{"id":2,"n":null}}]`},
		{name: "arrays of objects mixed", base: `[{"a":1},{"b":2},{"c":3},{"d":4}]`, ours: `[{"b":2},{"c":3,"x":[1]},{"e":5},{"d":4}]`},
		{name: "element kind changes", base: `[1,{"a":1},[2],"s"]`, ours: `[[1],{"a":[1]},{"0":2},null]`},

		{name: "root object to array", base: `{"a":1}`, ours: `[1]`, want: `[{"op":"replace","path":"","value":[1]}]`},
		{name: "root array to object", base: `[1]`, ours: `{"a":[1]}`, want: `[{"op":"replace","path":"","value":{"a":[1]}}]`},
		{name: "root object to scalar", base: `{"a":1}`, ours: `"s"`, want: `[{"op":"replace","path":"","value":"s"}]`},
		{name: "root scalar to scalar", base: `1`, ours: `true`, want: `[{"op":"replace","path":"","value":true}]`},
		{name: "root null to object", base: `null`, ours: `{"a":null}`, want: `[{"op":"replace","path":"","value":{"a":null}}]`},
		{name: "root string changed", base: `"a"`, ours: `"b"`, want: `[{"op":"replace","path":"","value":"b"}]`},

		{name: "empty to full object", base: `{}`, ours: `{"a":{},"b":[]}`, want: `[{"op":"add","path":"/a","value":{}},{"op":"add","path":"/b","value":[]}]`},
		{name: "full to empty object", base: `{"a":1,"b":2}`, ours: `{}`, want: `[{"op":"remove","path":"/a"},{"op":"remove","path":"/b"}]`},
		{name: "empty array to object", base: `{"a":[]}`, ours: `{"a":{}}`, want: `[{"op":"replace","path":"/a","value":{}}]`},
		{name: "empty to full array", base: `{"a":[]}`, ours: `{"a":[{}]}`, want: `[{"op":"add","path":"/a/-","value":{}}]`},
		{name: "full to empty array", base: `{"a":[[],{}]}`, ours: `{"a":[]}`, want: `[{"op":"remove","path":"/a/0"},{"op":"remove","path":"/a/0"}]`},

		{name: "unicode strings", base: `{"s":"é","名前":"太郎","e":["😀"]}`, ours: `{"s":"日本語","名前":"花子","e":["😀","\u00e9"]}`,
			want: `[{"op":"replace","path":"/s","value":"日本語"},{"op":"replace","path":"/名前","value":"花子"},{"op":"add","path":"/e/-","value":"é"}]`},
		{name: "strings with escapes", base: `{"s":"a"}`, ours: `{"s":"line\nbreak \"quoted\" \\ \u0001"}`,
			want: `[{"op":"replace","path":"/s","value":"line\nbreak \"quoted\" \\ \u0001"}]`},
		{name: "no html escaping", base: `{}`, ours: `{"h":"<a&b>"}`, want: `[{"op":"add","path":"/h","value":"<a&b>"}]`},
		{name: "lone surrogate", base: `{"s":"a"}`, ours: `{"s":"\ud800"}`},

		{name: "number text kept", base: `{"a":1,"b":1000,"c":[1]}`, ours: `{"a":1.0,"b":1e3,"c":[1.0]}`,
			want: `[{"op":"replace","path":"/a","value":1.0},{"op":"replace","path":"/b","value":1e3},{"op":"replace","path":"/c/0","value":1.0}]`},
		{name: "same number text", base: `{"a":1.0,"b":1e3}`, ours: `{"a":1.0,"b":1e3,"c":-0.10}`, want: `[{"op":"add","path":"/c","value":-0.10}]`},
		{name: "big numbers", base: `[12345678901234567890]`, ours: `[12345678901234567891,1E400]`,
			want: `[{"op":"replace","path":"/0","value":12345678901234567891},{"op":"add","path":"/-","value":1E400}]`},

		{name: "deep nesting", base: strings.Repeat(`{"a":[`, 200) + `1` + strings.Repeat(`]}`, 200), ours: strings.Repeat(`{"a":[`, 200) + `2` + strings.Repeat(`]}`, 200),
			want: `[{"op":"replace","path":"` + strings.Repeat(`/a/0`, 200) + `","value":2}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := JSONPatch([]byte(tt.base), []byte(tt.ours))
			require.NoError(t, err)
			if tt.want != "" {
				assert.Equal(t, tt.want, string(got))
			}
			checkJSONPatch(t, []byte(tt.base), []byte(tt.ours), got)
		})
	}
}

// checkJSONPatch checks that patch is compact JSON that turns base into
// ours, both by a strict applier of add, remove and replace and, when both
// roots are objects or arrays, by json-patch/v5 with its default options.
func checkJSONPatch(t *testing.T, base, ours, patch []byte) {
	t.Helper()
	var compact bytes.Buffer
	require.NoError(t, json.Compact(&compact, patch), "patch %s", patch)
	assert.Equal(t, string(compact.Bytes()), string(patch), "patch not compact")

	b, o := mustParse(t, base), mustParse(t, ours)
	got, err := strictApply(b, patch)
	require.NoError(t, err, "patch %s", patch)
	assert.True(t, equal(got, o), "strict apply of %s to %s gave %s, want %s", patch, base, rawOf(got), ours)

	// json-patch/v5 only patches a document whose root is an object or
	// an array, only replaces the root with one, and takes a document
	// that starts with whitespace for an object.
	if !b.isObject() && !b.isArray() || !o.isObject() && !o.isArray() {
		return
	}
	p, err := jsonpatch.DecodePatch(patch)
	require.NoError(t, err, "patch %s", patch)
	res, err := p.ApplyWithOptions(bytes.TrimLeft(base, " \t\r\n"), jsonpatch.NewApplyOptions())
	require.NoError(t, err, "json-patch apply of %s to %s", patch, base)
	eq, err := Equal(res, ours)
	require.NoError(t, err)
	assert.True(t, eq, "json-patch apply of %s to %s gave %s, want %s", patch, base, res, ours)
}

// strictApply applies an RFC 6902 patch of add, remove and replace
// operations to doc. It is stricter than the RFC, so that it checks what
// JSONPatch writes: an operation must have exactly the members its kind
// needs, "add" may not name an existing member, and array indices are
// decimal without leading zeros.
func strictApply(doc *node, patch []byte) (*node, error) {
	p, serr := parse(patch)
	if serr != nil {
		return nil, fmt.Errorf("patch is not JSON: %s", serr.reason)
	}
	if p.kind != kindArray {
		return nil, errors.New("patch is not an array")
	}
	for i, op := range p.kids {
		if op.kind != kindObject {
			return nil, fmt.Errorf("operation %d is not an object", i)
		}
		name, path, value := op.member("op"), op.member("path"), op.member("value")
		if name == nil || name.kind != kindString || path == nil || path.kind != kindString {
			return nil, fmt.Errorf("operation %d lacks a string op or path", i)
		}
		switch want := 3; name.str {
		case "remove":
			want = 2
			fallthrough
		case "add", "replace":
			if len(op.keys) != want || (want == 3) != (value != nil) {
				return nil, fmt.Errorf("operation %d has members %q", i, op.keys)
			}
		default:
			return nil, fmt.Errorf("operation %d is %q", i, name.str)
		}
		segs, err := splitPointer(path.str)
		if err != nil {
			return nil, fmt.Errorf("operation %d: %w", i, err)
		}
		if doc, err = strictOp(doc, name.str, segs, value); err != nil {
			return nil, fmt.Errorf("operation %d (%s %q): %w", i, name.str, path.str, err)
		}
	}
	return doc, nil
}

// strictOp returns n with one operation applied at the path segs, without
// changing n.
func strictOp(n *node, op string, segs []string, v *node) (*node, error) {
	if len(segs) == 0 {
		if op != "replace" {
			return nil, errors.New("only replace may name the root")
		}
		return v, nil
	}
	seg, last := segs[0], len(segs) == 1
	switch n.kind {
	case kindObject:
		i := slices.Index(n.keys, seg)
		keys, kids := slices.Clone(n.keys), slices.Clone(n.kids)
		switch {
		case !last && i >= 0:
			kid, err := strictOp(n.kids[i], op, segs[1:], v)
			if err != nil {
				return nil, err
			}
			kids[i] = kid
		case !last || (op == "add") == (i >= 0):
			return nil, fmt.Errorf("member %q missing or present", seg)
		case op == "add":
			keys, kids = append(keys, seg), append(kids, v)
		case op == "replace":
			kids[i] = v
		default:
			keys, kids = slices.Delete(keys, i, i+1), slices.Delete(kids, i, i+1)
		}
		return newObject(keys, kids), nil
	case kindArray:
		i := len(n.kids)
		if seg != "-" || !last || op != "add" {
			var err error
			if i, err = strconv.Atoi(seg); err != nil || i < 0 || strconv.Itoa(i) != seg {
				return nil, fmt.Errorf("bad index %q", seg)
			}
		}
		if i > len(n.kids) || (i == len(n.kids) && !(last && op == "add")) {
			return nil, fmt.Errorf("index %d out of range for %d elements", i, len(n.kids))
		}
		kids := slices.Clone(n.kids)
		switch {
		case !last:
			kid, err := strictOp(n.kids[i], op, segs[1:], v)
			if err != nil {
				return nil, err
			}
			kids[i] = kid
		case op == "add":
			kids = slices.Insert(kids, i, v)
		case op == "replace":
			kids[i] = v
		default:
			kids = slices.Delete(kids, i, i+1)
		}
		return &node{kind: kindArray, kids: kids}, nil
	}
	return nil, fmt.Errorf("segment %q inside a scalar", seg)
}

// TestJSONPatchRandom checks the patches between random documents and
// random edits of them.
func TestJSONPatchRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 3000 {
		base := randomJSON(r, 4)
		ours := base
		for range 1 + r.IntN(4) {
			ours = randomEdit(r, ours)
		}
		b, o := encode(nil, base), encode(nil, ours)
		patch, err := JSONPatch(b, o)
		require.NoError(t, err, "case %d", i)
		checkJSONPatch(t, b, o, patch)
		if t.Failed() {
			t.Fatalf("case %d: base %s ours %s patch %s", i, b, o, patch)
		}
	}
}

// randomKeys are the member names of random documents, with the
// characters a JSON Pointer escapes and names that look like indices.
var randomKeys = []string{"a", "b", "c", "", "/", "~", "~1", "0", "-", "é"}

// randomJSON returns a random value nested at most depth deep.
func randomJSON(r *rand.Rand, depth int) *node {
	k := r.IntN(8)
	if depth == 0 {
		k %= 5
	}
	var text string
	switch k {
	case 0:
		text = "null"
	case 1:
		text = [...]string{"true", "false"}[r.IntN(2)]
	case 2:
		text = [...]string{"0", "1", "1.0", "1e3", "-2.5"}[r.IntN(5)]
	case 3, 4:
		text = strconv.Quote([...]string{"", "x", "y", "é", "<&>"}[r.IntN(5)])
	case 5, 6:
		n := &node{kind: kindArray}
		for range r.IntN(7) {
			n.kids = append(n.kids, randomJSON(r, depth-1))
		}
		return n
	default:
		var keys []string
		var vals []*node
		for _, key := range randomKeys {
			if r.IntN(3) == 0 {
				keys, vals = append(keys, key), append(vals, randomJSON(r, depth-1))
			}
		}
		return newObject(keys, vals)
	}
	n, serr := parse([]byte(text))
	if serr != nil {
		panic(serr.reason)
	}
	return n
}

// randomEdit returns n with one random change somewhere inside it.
func randomEdit(r *rand.Rand, n *node) *node {
	switch {
	case n.kind == kindArray && r.IntN(4) > 0:
		kids := slices.Clone(n.kids)
		i := r.IntN(len(kids) + 1)
		switch op := r.IntN(4); {
		case op == 0 || i == len(kids):
			kids = slices.Insert(kids, i, randomJSON(r, 2))
		case op == 1:
			kids = slices.Delete(kids, i, i+1)
		case op == 2:
			kids[i] = randomJSON(r, 2)
		default:
			kids[i] = randomEdit(r, kids[i])
		}
		return &node{kind: kindArray, kids: kids}
	case n.kind == kindObject && r.IntN(4) > 0:
		keys, vals := slices.Clone(n.keys), slices.Clone(n.kids)
		key := randomKeys[r.IntN(len(randomKeys))]
		i := slices.Index(keys, key)
		switch op := r.IntN(3); {
		case i < 0:
			keys, vals = append(keys, key), append(vals, randomJSON(r, 2))
		case op == 0:
			keys, vals = slices.Delete(keys, i, i+1), slices.Delete(vals, i, i+1)
		case op == 1:
			vals[i] = randomJSON(r, 2)
		default:
			vals[i] = randomEdit(r, vals[i])
		}
		return newObject(keys, vals)
	}
	return randomJSON(r, 2)
}

func TestJSONPatchInvalid(t *testing.T) {
	tests := []struct {
		name, base, ours, input string
	}{
		{name: "base", base: `{"a":`, ours: `{}`, input: "base"},
		{name: "ours", base: `{}`, ours: `[1,]`, input: "ours"},
		{name: "both", base: ``, ours: `x`, input: "base"},
		{name: "duplicate member", base: `{}`, ours: `{"a":1,"a":2}`, input: "ours"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := JSONPatch([]byte(tt.base), []byte(tt.ours))
			assert.Nil(t, got)
			require.ErrorIs(t, err, ErrInvalidJSON)
			var ie *InvalidJSONError
			require.ErrorAs(t, err, &ie)
			assert.Equal(t, tt.input, ie.Input)
		})
	}
}

// TestJSONPatchLongArray checks that one change to a long array gives one
// operation, whatever its kind.
func TestJSONPatchLongArray(t *testing.T) {
	elems := make([]string, 1000)
	for i := range elems {
		elems[i] = fmt.Sprintf(`{"id":%d,"v":"item %d"}`, i, i%7)
	}
	doc := func(es []string) []byte { return []byte(`{"items":[` + strings.Join(es, ",") + `]}`) }
	base := doc(elems)
	tests := []struct {
		name string
		ours []string
		want string
	}{
		{name: "insert", ours: slices.Insert(slices.Clone(elems), 500, `{"id":-1}`), want: `[{"op":"add","path":"/items/500","value":{"id":-1}}]`},
		{name: "insert first", ours: slices.Insert(slices.Clone(elems), 0, `7`), want: `[{"op":"add","path":"/items/0","value":7}]`},
		{name: "remove", ours: slices.Delete(slices.Clone(elems), 500, 501), want: `[{"op":"remove","path":"/items/500"}]`},
		{name: "remove last", ours: elems[:999], want: `[{"op":"remove","path":"/items/999"}]`},
		{name: "change member", ours: slices.Replace(slices.Clone(elems), 500, 501, `{"id":500,"v":null}`), want: `[{"op":"replace","path":"/items/500/v","value":null}]`},
		{name: "append", ours: append(slices.Clone(elems), `[]`), want: `[{"op":"add","path":"/items/-","value":[]}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ours := doc(tt.ours)
			got, err := JSONPatch(base, ours)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
			checkJSONPatch(t, base, ours, got)
		})
	}
}

// TestJSONPatchNoBudget checks the patches written once the diff budget is
// spent: arrays are compared position by position, and still patched
// right.
func TestJSONPatchNoBudget(t *testing.T) {
	tests := []struct {
		name, base, ours, want string
	}{
		{name: "insert", base: `[1,2,3]`, ours: `[0,1,2,3]`,
			want: `[{"op":"replace","path":"/0","value":0},{"op":"replace","path":"/1","value":1},{"op":"replace","path":"/2","value":2},{"op":"add","path":"/-","value":3}]`},
		{name: "remove", base: `[1,2,3]`, ours: `[2,3]`,
			want: `[{"op":"replace","path":"/0","value":2},{"op":"replace","path":"/1","value":3},{"op":"remove","path":"/2"}]`},
		{name: "nested", base: `{"a":[[1,2],{"b":[1]}]}`, ours: `{"a":[[1,2,3],{"b":[]}]}`,
			want: `[{"op":"add","path":"/a/0/-","value":3},{"op":"remove","path":"/a/1/b/0"}]`},
		{name: "equal", base: `[1,[2],{"a":3}]`, ours: `[1,[2],{"a":3}]`, want: `[]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := jsonPatch(mustParse(t, []byte(tt.base)), mustParse(t, []byte(tt.ours)), 0)
			assert.Equal(t, tt.want, string(got))
			checkJSONPatch(t, []byte(tt.base), []byte(tt.ours), got)
		})
	}
}

func ExampleJSONPatch() {
	base := []byte(`{"title":"Draft","tags":["a","b","c"],"owner":"kim"}`)
	ours := []byte(`{"title":"Final","tags":["a","x","b","c"],"owner":null}`)
	patch, err := JSONPatch(base, ours)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(patch))
	// Output:
	// [{"op":"replace","path":"/title","value":"Final"},{"op":"add","path":"/tags/1","value":"x"},{"op":"replace","path":"/owner","value":null}]
}

func FuzzJSONPatch(f *testing.F) {
	for _, s := range [][2]string{
		{`{"a":1,"b":{"c":[1,2,3]}}`, `{"a":null,"b":{"c":[1,5,2,3,4]},"d":"x"}`},
		{`{"a/b":{"~":1},"":{"x":[1]}}`, `{"a/b":{"~":2},"":{"x":[2]},"~1":null}`},
		{`[1,2,3,4,5,6]`, `[0,1,3,"x",5,6,7]`},
		{`[[1,2],[3,[4,5]],[]]`, `[[1],[3,[4,6,5]],[{}],[]]`},
		{`[{"id":1,"v":"a"},{"id":2,"v":"b"}]`, `[{"id":2,"v":"B"},{"id":3},{"id":1,"v":"a"}]`},
		{`{"a":[1,2]}`, `[{"a":[1,2]}]`},
		{`1`, `"one"`},
		{`null`, `{"a":null}`},
		{`{}`, `{"a":{},"b":[],"c":""}`},
		{`{"s":"é","n":1,"m":1000}`, `{"s":"\u65e5\ud83d\ude00","n":1.0,"m":1e3}`},
		{`[1,1,2,1,2,2]`, `[2,1,1,2,2,1,1]`},
		{` {"deep":[[[[{"x":[true]}]]]]} `, `{"deep":[[[[{"x":[false,true]}],[]]]]}`},
		{`{"0":[0],"-":[1]}`, `{"0":[],"-":[1,2],"01":0}`},
	} {
		f.Add([]byte(s[0]), []byte(s[1]))
	}
	f.Fuzz(func(t *testing.T, base, ours []byte) {
		if _, serr := parse(base); serr != nil {
			t.Skip()
		}
		if _, serr := parse(ours); serr != nil {
			t.Skip()
		}
		patch, err := JSONPatch(base, ours)
		require.NoError(t, err)
		checkJSONPatch(t, base, ours, patch)
	})
}

// jsonPatchBenchDoc returns an indented document of about size bytes: an
// object with metadata and a list of item objects.
func jsonPatchBenchDoc(size int) map[string]any {
	type item = map[string]any
	var items []any
	doc := map[string]any{"title": "inventory", "owner": "kim", "version": 1}
	for n := 0; n*180 < size; n++ {
		items = append(items, item{
			"id":    fmt.Sprintf("item-%04d", n),
			"count": n % 17,
			"price": fmt.Sprintf("%d.%02d", n%50, n%100),
			"tags":  []any{"t" + strconv.Itoa(n%5), "t" + strconv.Itoa(n%3)},
			"note":  strings.Repeat("lorem ipsum ", n%6+1),
		})
	}
	doc["items"] = items
	return doc
}

func BenchmarkJSONPatch(b *testing.B) {
	doc := jsonPatchBenchDoc(100_000)
	base, err := json.MarshalIndent(doc, "", "  ")
	require.NoError(b, err)
	items := doc["items"].([]any)
	items[10].(map[string]any)["count"] = 1000
	items[200].(map[string]any)["note"] = nil
	items[300].(map[string]any)["tags"] = []any{"t0", "new", "t1"}
	items = slices.Insert(items, 250, any(map[string]any{"id": "item-new"}))
	items = slices.Delete(items, 400, 401)
	doc["items"] = items
	doc["version"] = 2
	ours, err := json.MarshalIndent(doc, "", "  ")
	require.NoError(b, err)

	patch, err := JSONPatch(base, ours)
	require.NoError(b, err)
	var ops []json.RawMessage
	require.NoError(b, json.Unmarshal(patch, &ops))
	b.SetBytes(int64(len(base)))
	for b.Loop() {
		if _, err := JSONPatch(base, ours); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(ops)), "ops")
	b.ReportMetric(float64(len(patch)), "patch-bytes")
}
