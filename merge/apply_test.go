package merge

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestApply(t *testing.T) {
	tests := []struct {
		name           string
		from, to, doc  string
		want           string
		sameBytesAsDoc bool
	}{
		{
			name: "no change returns doc itself",
			from: `{"a":[{"v":1}]}`, to: `{"a":[{"v":1}]}`,
			doc:            `{"a":[{"v":1.0,"x":"keep"}], "other":12345678901234567890}`,
			want:           `{"a":[{"v":1.0,"x":"keep"}], "other":12345678901234567890}`,
			sameBytesAsDoc: true,
		},
		{
			name: "member changed, undeclared members kept",
			from: `{"page":1}`, to: `{"page":2}`,
			doc:  `{"page":1,"other":{"n":1.10}}`,
			want: `{"page":2,"other":{"n":1.10}}`,
		},
		{
			name: "element changed in place keeps its undeclared members and number texts",
			from: `{"items":[{"id":"a","done":false},{"id":"b","done":false}]}`,
			to:   `{"items":[{"id":"a","done":false},{"id":"b","done":true}]}`,
			doc:  `{"items":[{"id":"a","done":false,"x":1},{"id":"b","done":false,"x":12345678901234567890,"w":1.10}]}`,
			want: `{"items":[{"id":"a","done":false,"x":1},{"id":"b","done":true,"x":12345678901234567890,"w":1.10}]}`,
		},
		{
			name: "element inserted at the front carries nothing and shifts nothing",
			from: `[{"id":"a"},{"id":"b"}]`,
			to:   `[{"id":"new"},{"id":"a"},{"id":"b"}]`,
			doc:  `[{"id":"a","x":"A"},{"id":"b","x":"B"}]`,
			want: `[{"id":"new"},{"id":"a","x":"A"},{"id":"b","x":"B"}]`,
		},
		{
			name: "element removed from the middle",
			from: `[{"id":"a"},{"id":"b"},{"id":"c"}]`,
			to:   `[{"id":"a"},{"id":"c"}]`,
			doc:  `[{"id":"a","x":"A"},{"id":"b","x":"B"},{"id":"c","x":"C"}]`,
			want: `[{"id":"a","x":"A"},{"id":"c","x":"C"}]`,
		},
		{
			name: "repeated projections: removing one keeps the earliest",
			from: `[{"v":1},{"v":1}]`,
			to:   `[{"v":1}]`,
			doc:  `[{"v":1,"x":"first"},{"v":1,"x":"second"}]`,
			want: `[{"v":1,"x":"first"}]`,
		},
		{
			name: "repeated projections: changing the first in place",
			from: `[{"v":1},{"v":1}]`,
			to:   `[{"v":2},{"v":1}]`,
			doc:  `[{"v":1,"x":"first"},{"v":1,"x":"second"}]`,
			want: `[{"v":2,"x":"first"},{"v":1,"x":"second"}]`,
		},
		{
			name: "number text of untouched elements of a touched array",
			from: `{"n":[1.1,1e+20,3]}`,
			to:   `{"n":[1.1,1e+20,4]}`,
			doc:  `{"n":[1.10,100000000000000000000,3]}`,
			want: `{"n":[1.10,100000000000000000000,4]}`,
		},
		{
			name: "member removed by the change",
			from: `{"a":1,"b":2}`, to: `{"a":1}`,
			doc:  `{"a":1,"b":2,"c":3}`,
			want: `{"a":1,"c":3}`,
		},
		{
			name: "member added by the change",
			from: `{"a":1}`, to: `{"a":1,"b":[1]}`,
			doc:  `{"x":0,"a":1}`,
			want: `{"x":0,"a":1,"b":[1]}`,
		},
		{
			name: "doc longer than the view keeps its tail",
			from: `[1,2]`, to: `[1,5]`,
			doc:  `[1,2,3]`,
			want: `[1,5,3]`,
		},
		{
			name: "kind changed takes to",
			from: `{"a":[1]}`, to: `{"a":{"b":1}}`,
			doc:  `{"a":[1,{"x":1}]}`,
			want: `{"a":{"b":1}}`,
		},
		{
			name: "nested arrays",
			from: `{"g":[[{"v":1}],[{"v":2}]]}`,
			to:   `{"g":[[{"v":0}],[{"v":1}],[{"v":2},{"v":3}]]}`,
			doc:  `{"g":[[{"v":1,"x":1}],[{"v":2,"x":2}]]}`,
			want: `{"g":[[{"v":0}],[{"v":1,"x":1}],[{"v":2,"x":2},{"v":3}]]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Apply([]byte(tt.from), []byte(tt.to), []byte(tt.doc))
			require.NoError(t, err)
			if tt.sameBytesAsDoc {
				assert.Equal(t, tt.doc, string(got))
				return
			}
			// Exact number texts: compare the compact forms byte for byte,
			// with keys in the order Apply keeps.
			assert.Equal(t, compact(t, tt.want), string(got))
		})
	}
}

func compact(t *testing.T, s string) string {
	t.Helper()
	n, err := parseInput([]byte(s), "want")
	require.NoError(t, err)
	return string(encode(nil, n))
}

func TestApplyInvalid(t *testing.T) {
	for i, in := range [][3]string{{`{`, `{}`, `{}`}, {`{}`, `[`, `{}`}, {`{}`, `{}`, `{"a":1,"a":2}`}} {
		_, err := Apply([]byte(in[0]), []byte(in[1]), []byte(in[2]))
		var ij *InvalidJSONError
		require.ErrorAs(t, err, &ij, "case %d", i)
		assert.Equal(t, []string{"from", "to", "doc"}[i], ij.Input)
	}
}

func TestApplyOutOfBudget(t *testing.T) {
	// Long arrays that share nothing but their ends exhaust the budget;
	// the ends still align and the middle pairs in order.
	var from, to, doc strings.Builder
	n := 6000
	from.WriteString(`[{"v":"start"}`)
	to.WriteString(`[{"v":"start"}`)
	doc.WriteString(`[{"v":"start","x":"s"}`)
	for i := range n {
		fmt.Fprintf(&from, `,{"v":%d}`, i)
		fmt.Fprintf(&to, `,{"v":%d}`, -i-1)
		fmt.Fprintf(&doc, `,{"v":%d,"x":%d}`, i, i)
	}
	from.WriteString(`,{"v":"end"}]`)
	to.WriteString(`,{"v":"end"}]`)
	doc.WriteString(`,{"v":"end","x":"e"}]`)
	got, err := Apply([]byte(from.String()), []byte(to.String()), []byte(doc.String()))
	require.NoError(t, err)
	var out []map[string]any
	require.NoError(t, json.Unmarshal(got, &out))
	require.Len(t, out, n+2)
	assert.Equal(t, "s", out[0]["x"])
	assert.Equal(t, "e", out[n+1]["x"])
	assert.EqualValues(t, 7, out[8]["x"], "paired in order: element 8 keeps doc's member")
	assert.EqualValues(t, -8, out[8]["v"])
}

// viewOf drops, recursively, every member whose name starts with "x",
// shows a member "zero" that every object has in the view (a field's zero
// value) and rewrites numbers through float64, as a typed value would see
// doc.
func viewOf(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{"zero": 0.0}
		for k, e := range v {
			if !strings.HasPrefix(k, "x") {
				out[k] = viewOf(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = viewOf(e)
		}
		return out
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			return v
		}
		return f
	}
	return v
}

// editLeaves changes scalar leaves of the view and the document alike: a
// leaf picked by r gets a value no other leaf has. It returns the edited
// copies.
func editLeaves(view, doc any, r *rand.Rand, fresh *int) (any, any) {
	switch v := view.(type) {
	case map[string]any:
		d := doc.(map[string]any)
		nv, nd := map[string]any{}, map[string]any{}
		for k, e := range d {
			nd[k] = e
		}
		for k, e := range v {
			if dv, ok := d[k]; ok {
				nv[k], nd[k] = editLeaves(e, dv, r, fresh)
				continue
			}
			// Shown by the view only: the stored document gains it
			// when the edit sets it.
			nv[k] = e
			if r.IntN(3) == 0 {
				*fresh++
				nv[k] = fmt.Sprintf("fresh-%d", *fresh)
				nd[k] = nv[k]
			}
		}
		return nv, nd
	case []any:
		d := doc.([]any)
		nv, nd := make([]any, len(v)), make([]any, len(d))
		copy(nd, d)
		for i, e := range v {
			nv[i], nd[i] = editLeaves(e, d[i], r, fresh)
		}
		return nv, nd
	}
	if r.IntN(3) == 0 {
		*fresh++
		s := fmt.Sprintf("fresh-%d", *fresh)
		return s, s
	}
	return view, doc
}

func decodeNumbers(t *testing.T, data []byte) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v))
	return v
}

// FuzzApply checks Apply against a view that hides members and rewrites
// numbers: the identity change returns the document's own bytes, and a
// change of visible leaves yields the document with exactly those leaves
// changed, every hidden member and untouched number text kept.
func FuzzApply(f *testing.F) {
	for _, s := range []string{
		`{"a":1,"xa":2}`,
		`{"items":[{"id":1,"xid":"keep"},{"id":2,"x":1.10}],"xn":12345678901234567890}`,
		`[[{"v":1,"x":1}],[{"v":1,"x":2}],3,1.10]`,
		`{"a":{"b":{"c":[1,2,{"d":true,"xd":null}]}}}`,
	} {
		f.Add([]byte(s), uint64(1))
	}
	f.Fuzz(func(t *testing.T, doc []byte, seed uint64) {
		if _, serr := parse(doc); serr != nil || !json.Valid(doc) {
			return
		}
		stored := decodeNumbers(t, doc)
		view := viewOf(stored)
		from, err := json.Marshal(view)
		require.NoError(t, err)

		got, err := Apply(from, from, doc)
		require.NoError(t, err)
		assert.Equal(t, string(doc), string(got), "identity change")

		fresh := 0
		edited, want := editLeaves(view, stored, rand.New(rand.NewPCG(seed, 7)), &fresh)
		to, err := json.Marshal(edited)
		require.NoError(t, err)
		got, err = Apply(from, to, doc)
		require.NoError(t, err)
		wantJSON, err := json.Marshal(want)
		require.NoError(t, err)
		assertSame(t, wantJSON, got, "leaf edit")
	})
}

func TestApplyAlignsByIdentity(t *testing.T) {
	doc := `{"items":[{"id":"a","done":false,"note":"for a"},{"id":"b","done":false,"note":"for b"}]}`
	tests := []struct {
		name, from, to, want string
	}{
		{
			name: "insert at the front and change in place",
			from: `{"items":[{"id":"a","done":false},{"id":"b","done":false}]}`,
			to:   `{"items":[{"id":"new","done":false},{"id":"a","done":true},{"id":"b","done":false}]}`,
			want: `{"items":[{"id":"new","done":false},{"id":"a","done":true,"note":"for a"},{"id":"b","done":false,"note":"for b"}]}`,
		},
		{
			name: "remove one and change the next",
			from: `{"items":[{"id":"a","done":false},{"id":"b","done":false}]}`,
			to:   `{"items":[{"id":"b","done":true}]}`,
			want: `{"items":[{"id":"b","done":true,"note":"for b"}]}`,
		},
		{
			name: "swap and change",
			from: `{"items":[{"id":"a","done":false},{"id":"b","done":false}]}`,
			to:   `{"items":[{"id":"b","done":true},{"id":"a","done":false}]}`,
			want: `{"items":[{"id":"b","done":true,"note":"for b"},{"id":"a","done":false,"note":"for a"}]}`,
		},
		{
			name: "remove one and add another",
			from: `{"items":[{"id":"a","done":false},{"id":"b","done":false}]}`,
			to:   `{"items":[{"id":"b","done":false},{"id":"c","done":false}]}`,
			want: `{"items":[{"id":"b","done":false,"note":"for b"},{"id":"c","done":false}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Apply([]byte(tt.from), []byte(tt.to), []byte(doc))
			require.NoError(t, err)
			assert.Equal(t, compact(t, tt.want), string(got))
		})
	}
}

func TestIdentity(t *testing.T) {
	tests := []struct {
		name   string
		arrays []string
		want   string
	}{
		{"id shared", []string{`[{"id":"a","v":1},{"id":"b"}]`, `[{"id":"b"}]`}, "id"},
		{"objects that are only their key", []string{`[{"id":"a"},{"id":"b"}]`, `[{"id":"b"}]`}, ""},
		{"most shared wins", []string{`[{"t":"x","id":"a"},{"t":"y","id":"b"}]`, `[{"t":"z","id":"a"},{"t":"w","id":"b"}]`}, "id"},
		{"no shared value: no evidence", []string{`[{"v":"x"}]`, `[{"v":"y"}]`}, ""},
		{"numbers do not identify", []string{`[{"n":1},{"n":2}]`, `[{"n":1}]`}, ""},
		{"repeated values do not identify", []string{`[{"id":"a"},{"id":"a"}]`, `[{"id":"a"}]`}, ""},
		{"missing in one element", []string{`[{"id":"a"},{"x":"b"}]`, `[{"id":"a"}]`}, ""},
		{"not objects", []string{`["a"]`, `["a"]`}, ""},
		{"one array only", []string{`[{"id":"a"}]`, `[]`}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var arrays [][]*node
			for _, s := range tt.arrays {
				n, err := parseInput([]byte(s), "test")
				require.NoError(t, err)
				arrays = append(arrays, n.kids)
			}
			work := 1000
			got, ok := identity(&work, arrays...)
			assert.Equal(t, tt.want != "", ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestApplyKeyedEdits is a property test: arrays of objects with an "id",
// random inserts, removals, moves and in-place changes made on the view;
// every element that keeps its id keeps the members the view hides.
func TestApplyKeyedEdits(t *testing.T) {
	for _, idFormat := range []string{`%q`, `%s`} {
		t.Run(idFormat, func(t *testing.T) { testApplyKeyedEdits(t, idFormat) })
	}
}

// testApplyKeyedEdits runs the property with ids written by idFormat from
// strings "e<n>" or "new<n>": quoted (an identifying member) or bare digits
// (numbers, which never identify: elements are paired by likeness).
func testApplyKeyedEdits(t *testing.T, idFormat string) {
	idText := func(id string) string {
		if idFormat == `%q` {
			return fmt.Sprintf(`%q`, id)
		}
		if strings.HasPrefix(id, "new") {
			return "9" + strings.TrimPrefix(id, "new") + "9"
		}
		return "1" + strings.TrimPrefix(id, "e")
	}
	for seed := range uint64(500) {
		r := rand.New(rand.NewPCG(seed, 3))
		n := 1 + r.IntN(6)
		type elem struct {
			id     string
			done   bool
			hidden string
		}
		stored := make([]elem, n)
		for i := range stored {
			stored[i] = elem{id: fmt.Sprintf("e%d", i), done: r.IntN(2) == 0, hidden: fmt.Sprintf("h%d", i)}
		}
		view := func(es []elem, withHidden bool) string {
			var b strings.Builder
			b.WriteByte('[')
			for i, e := range es {
				if i > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, `{"id":%s,"done":%t`, idText(e.id), e.done)
				if withHidden && e.hidden != "" {
					fmt.Fprintf(&b, `,"x":%q`, e.hidden)
				}
				b.WriteByte('}')
			}
			b.WriteByte(']')
			return b.String()
		}
		edited := slices.Clone(stored)
		for op := range 1 + r.IntN(4) {
			switch kind := r.IntN(4); {
			case kind == 0: // insert a new element
				at := r.IntN(len(edited) + 1)
				edited = slices.Insert(edited, at, elem{id: fmt.Sprintf("new%d", op)})
			case kind == 1 && len(edited) > 1: // remove one
				at := r.IntN(len(edited))
				edited = slices.Delete(edited, at, at+1)
			case kind == 2 && len(edited) > 1 && idFormat == `%q`: // move one (numbers do not identify: a move is a removal and an insertion)
				i, j := r.IntN(len(edited)), r.IntN(len(edited))
				edited[i], edited[j] = edited[j], edited[i]
			default: // change one in place
				if len(edited) > 0 {
					i := r.IntN(len(edited))
					edited[i].done = !edited[i].done
				}
			}
		}
		// Without one id in common, nothing tells a changed element from
		// a replaced one; Apply then pairs changed runs in order, as its
		// documentation says, which this property does not model.
		if !slices.ContainsFunc(edited, func(e elem) bool { return strings.HasPrefix(e.id, "e") }) {
			continue
		}
		from, to, doc := view(stored, false), view(edited, false), view(stored, true)
		got, err := Apply([]byte(from), []byte(to), []byte(doc))
		require.NoError(t, err)
		msg := fmt.Sprintf("seed %d: %s -> %s on %s", seed, from, to, doc)
		// The view of the result is the edited view; every element that
		// kept its id keeps its hidden member; a new element carries none,
		// or that of an element the edit dropped (a replacement in place
		// looks like an id edited in place).
		var out []map[string]any
		require.NoError(t, json.Unmarshal(got, &out), msg)
		require.Len(t, out, len(edited), msg)
		kept := map[string]bool{}
		for _, e := range edited {
			kept[e.id] = true
		}
		for i, e := range edited {
			var wantID any = e.id
			if idFormat != `%q` {
				n, err := strconv.Atoi(idText(e.id))
				require.NoError(t, err)
				wantID = float64(n)
			}
			assert.Equal(t, wantID, out[i]["id"], msg)
			assert.Equal(t, e.done, out[i]["done"], msg)
			x, _ := out[i]["x"].(string)
			if strings.HasPrefix(e.id, "e") {
				assert.Equal(t, e.hidden, x, msg)
				continue
			}
			if x != "" {
				assert.False(t, kept["e"+strings.TrimPrefix(x, "h")], "%s: a kept element's member moved", msg)
			}
		}
	}
}

func TestApplyReviewCases(t *testing.T) {
	tests := []struct {
		name, from, to, doc, want string
	}{
		{
			name: "a replacement where an element was removed carries nothing",
			from: `[{"id":"a","title":"Buy milk"},{"id":"b","title":"x"}]`,
			to:   `[{"id":"c","title":"Pay rent"},{"id":"b","title":"x"}]`,
			doc:  `[{"id":"a","title":"Buy milk","assignee":"bob"},{"id":"b","title":"x","assignee":"eve"}]`,
			want: `[{"id":"c","title":"Pay rent"},{"id":"b","title":"x","assignee":"eve"}]`,
		},
		{
			name: "an identity edited in place, nothing else, keeps the element's members",
			from: `[{"id":"a","title":"t"},{"id":"b","title":"x"}]`,
			to:   `[{"id":"a2","title":"t"},{"id":"b","title":"x"}]`,
			doc:  `[{"id":"a","title":"t","assignee":"bob"},{"id":"b","title":"x","assignee":"eve"}]`,
			want: `[{"id":"a2","title":"t","assignee":"bob"},{"id":"b","title":"x","assignee":"eve"}]`,
		},
		{
			name: "two members tie and neither reads as an identifier: aligned by value",
			from: `[{"label":"gold","user":"u1"},{"label":"silver","user":"u2"}]`,
			to:   `[{"label":"silver","user":"u1"},{"label":"gold","user":"u2"}]`,
			doc:  `[{"label":"gold","user":"u1","secret":"S1"},{"label":"silver","user":"u2","secret":"S2"}]`,
			want: `[{"label":"silver","user":"u1","secret":"S1"},{"label":"gold","user":"u2","secret":"S2"}]`,
		},
		{
			name: "a tie broken by an identifier's name",
			from: `[{"label":"gold","userId":"u1"},{"label":"silver","userId":"u2"}]`,
			to:   `[{"label":"silver","userId":"u2"},{"label":"gold","userId":"u1"}]`,
			doc:  `[{"label":"gold","userId":"u1","secret":"S1"},{"label":"silver","userId":"u2","secret":"S2"}]`,
			want: `[{"label":"silver","userId":"u2","secret":"S2"},{"label":"gold","userId":"u1","secret":"S1"}]`,
		},
		{
			name: "a fixed-size view pads nothing onto a shorter doc",
			from: `[{"v":1},{"v":0},{"v":0}]`,
			to:   `[{"v":2},{"v":0},{"v":0}]`,
			doc:  `[{"v":1,"x":"keep"}]`,
			want: `[{"v":2,"x":"keep"}]`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Apply([]byte(tt.from), []byte(tt.to), []byte(tt.doc))
			require.NoError(t, err)
			assert.Equal(t, compact(t, tt.want), string(got))
		})
	}
}

// TestApplyDeepNesting runs Apply on documents nested nearly as deep as
// the parser allows, with one leaf changed: objects, arrays, and arrays of
// identified objects.
func TestApplyDeepNesting(t *testing.T) {
	const depth = 9990
	nest := func(levels int, open, close, leaf string) []byte {
		return []byte(strings.Repeat(open, levels) + leaf + strings.Repeat(close, levels))
	}
	tests := []struct {
		name          string
		levels        int
		from, to, doc []byte
	}{
		{"objects", depth, nest(depth, `{"a":`, `}`, `1`), nest(depth, `{"a":`, `}`, `2`), nest(depth, `{"x":0,"a":`, `}`, `1`)},
		{"arrays", depth, nest(depth, `[`, `]`, `1`), nest(depth, `[`, `]`, `2`), nest(depth, `[`, `]`, `1`)},
		{"identified", depth / 2, nest(depth/2, `[{"id":"k","a":`, `}]`, `1`), nest(depth/2, `[{"id":"k","a":`, `}]`, `2`), nest(depth/2, `[{"id":"k","x":0,"a":`, `}]`, `1`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Apply(tt.from, tt.to, tt.doc)
			require.NoError(t, err)
			assert.Contains(t, string(got), "2")
			assert.NotContains(t, string(got), "1")
			if tt.name != "arrays" {
				assert.Equal(t, tt.levels, strings.Count(string(got), `"x":0`), "hidden members kept at every level")
			}
		})
	}
}

// TestIdentityWideFirstElement: a first element with many members followed
// by many elements that hold none of them costs little to rule out.
func TestIdentityWideFirstElement(t *testing.T) {
	var b strings.Builder
	b.WriteString(`[{`)
	for i := range 4000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"k%d":"v"`, i)
	}
	b.WriteString(`}`)
	b.WriteString(strings.Repeat(`,{}`, 200_000))
	base := b.String() + `]`
	ours := b.String() + `,{"o":1}]`
	theirs := b.String() + `,{"t":1}]`
	work := 1 << 30
	n, err := parseInput([]byte(base), "base")
	require.NoError(t, err)
	_, ok := identity(&work, n.kids, n.kids)
	assert.False(t, ok)
	assert.Greater(t, work, 1<<30-100_000, "each member is ruled out at the first element without it")

	got, _, err := JSON([]byte(base), []byte(ours), []byte(theirs), nil)
	require.NoError(t, err)
	assert.True(t, strings.HasSuffix(string(got), `{"t":1},{"o":1}]`))
	_, err = Apply([]byte(base), []byte(ours), []byte(base))
	require.NoError(t, err)
}

func TestApplyPairsRunsByLikeness(t *testing.T) {
	tests := []struct {
		name, from, to, doc, want string
	}{
		{
			name: "numeric ids: drop one and edit the next",
			from: `[{"id":1,"done":false},{"id":2,"done":false}]`,
			to:   `[{"id":2,"done":true}]`,
			doc:  `[{"id":1,"done":false,"note":"one"},{"id":2,"done":false,"note":"two"}]`,
			want: `[{"id":2,"done":true,"note":"two"}]`,
		},
		{
			name: "numeric ids: insert at the front and edit the first",
			from: `[{"id":1,"done":false},{"id":2,"done":false}]`,
			to:   `[{"id":9,"done":false},{"id":1,"done":true},{"id":2,"done":false}]`,
			doc:  `[{"id":1,"done":false,"note":"one"},{"id":2,"done":false,"note":"two"}]`,
			want: `[{"id":9,"done":false},{"id":1,"done":true,"note":"one"},{"id":2,"done":false,"note":"two"}]`,
		},
		{
			name: "nothing in common and runs of different lengths: no member moves",
			from: `[{"text":"a"},{"text":"b"},{"text":"c"}]`,
			to:   `[{"text":"B"},{"text":"c"}]`,
			doc:  `[{"text":"a","by":"app-a"},{"text":"b","by":"app-b"},{"text":"c","by":"app-c"}]`,
			want: `[{"text":"B"},{"text":"c","by":"app-c"}]`,
		},
		{
			name: "nothing in common and runs of one length: changed in place",
			from: `[{"text":"a"},{"text":"b"}]`,
			to:   `[{"text":"A"},{"text":"b"}]`,
			doc:  `[{"text":"a","by":"app-a"},{"text":"b","by":"app-b"}]`,
			want: `[{"text":"A","by":"app-a"},{"text":"b","by":"app-b"}]`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Apply([]byte(tt.from), []byte(tt.to), []byte(tt.doc))
			require.NoError(t, err)
			assert.Equal(t, compact(t, tt.want), string(got))
		})
	}
}
