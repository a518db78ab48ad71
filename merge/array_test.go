package merge

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// decisionList writes decisions as "path rule" lines, for short
// expectations.
func decisionList(ds []Decision) []string {
	out := make([]string, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.Path+" "+d.Rule)
	}
	return out
}

// tdoc wraps a value as member "t" of an object; "" makes an empty object.
func tdoc(v string) []byte {
	if v == "" {
		return []byte(`{}`)
	}
	return []byte(`{"t":` + v + `}`)
}

func TestJSONArrays(t *testing.T) {
	tests := []struct {
		name               string
		base, ours, theirs string // values of member "t"; "" = absent
		opts               Options
		want               string   // value of "t"
		wantDecisions      []string // "path rule", in order
		wantConflicts      []string // paths of a ConflictError
	}{
		{
			name: "both append different elements", base: `[]`, ours: `["q1"]`, theirs: `["q2"]`,
			want: `["q2","q1"]`, wantDecisions: []string{"/t/0 theirs-only", "/t/1 ours-only"},
		},
		{
			name: "both append the same element", base: `["x"]`, ours: `["x","a","b"]`, theirs: `["x","a"]`,
			want: `["x","a","b"]`, wantDecisions: []string{"/t/1 same", "/t/2 ours-only"},
		},
		{
			name: "both append the same elements only", base: `["x"]`, ours: `["x","a"]`, theirs: `["x","a"]`,
			want: `["x","a"]`, wantDecisions: []string{"/t same"},
		},
		{
			name: "an element both inserted counts once for each copy", base: `[0]`, ours: `[0,"x","x"]`, theirs: `[0,"x","y"]`,
			want: `[0,"x","y","x"]`, wantDecisions: []string{"/t/1 same", "/t/2 theirs-only", "/t/3 ours-only"},
		},
		{
			name: "both insert objects at one point", base: `[{"id":1}]`, ours: `[{"id":2},{"id":1}]`, theirs: `[{"id":3},{"id":1}]`,
			want: `[{"id":3},{"id":2},{"id":1}]`, wantDecisions: []string{"/t/0 theirs-only", "/t/1 ours-only"},
		},
		{
			name: "one removes, the other appends", base: `[1,2,3]`, ours: `[1,3]`, theirs: `[1,2,3,4]`,
			want: `[1,3,4]`, wantDecisions: []string{"/t/1 ours-only", "/t/2 theirs-only"},
		},
		{
			name: "one removes the last, the other appends after it", base: `[1,2]`, ours: `[1,2,3]`, theirs: `[1]`,
			want: `[1,3]`, wantDecisions: []string{"/t/1 theirs-only", "/t/1 ours-only"},
		},
		{
			name: "one changes the last, the other appends after it", base: `[1,2]`, ours: `[1,2,3]`, theirs: `[1,5]`,
			want: `[1,5,3]`, wantDecisions: []string{"/t/1 theirs-only", "/t/2 ours-only"},
		},
		{
			name: "one inserts before what the other changes", base: `[1,2]`, ours: `[0,1,2]`, theirs: `[7,2]`,
			want: `[0,7,2]`, wantDecisions: []string{"/t/0 ours-only", "/t/1 theirs-only"},
		},
		{
			name: "both edit different elements", base: `[1,2,3]`, ours: `[9,2,3]`, theirs: `[1,2,8]`,
			want: `[9,2,8]`, wantDecisions: []string{"/t/0 ours-only", "/t/2 theirs-only"},
		},
		{
			name: "both edit different members of one object element", base: `[{"id":1,"a":1,"b":1},{"id":2}]`,
			ours: `[{"id":1,"a":2,"b":1},{"id":2}]`, theirs: `[{"id":1,"a":1,"b":2},{"id":2}]`,
			want: `[{"id":1,"a":2,"b":2},{"id":2}]`, wantDecisions: []string{"/t/0/a ours-only", "/t/0/b theirs-only"},
		},
		{
			name: "scalar element changed differently, ours", base: `[1,2,3]`, ours: `[1,5,3]`, theirs: `[1,6,3]`,
			want: `[1,5,3]`, wantDecisions: []string{"/t/1 policy:ours"},
		},
		{
			name: "scalar element changed differently, theirs", base: `[1,2,3]`, ours: `[1,5,3]`, theirs: `[1,6,3]`, opts: Options{Policy: Theirs},
			want: `[1,6,3]`, wantDecisions: []string{"/t/1 policy:theirs"},
		},
		{
			name: "scalar element changed differently, fail", base: `[1,2,3]`, ours: `[1,5,3]`, theirs: `[1,6,3]`, opts: Options{Policy: Fail},
			wantDecisions: []string{"/t/1 policy:fail"}, wantConflicts: []string{"/t/1"},
		},
		{
			name: "insertion at the front shifts the paths", base: `[1,2,3]`, ours: `[0,1,5,3]`, theirs: `[1,6,3]`,
			want: `[0,1,5,3]`, wantDecisions: []string{"/t/0 ours-only", "/t/2 policy:ours"},
		},
		{
			name: "insertion at the front shifts the paths, fail", base: `[1,2,3]`, ours: `[1,5,3]`, theirs: `["a","b",1,6,3]`, opts: Options{Policy: Fail},
			wantDecisions: []string{"/t/0 theirs-only", "/t/1 theirs-only", "/t/3 policy:fail"}, wantConflicts: []string{"/t/3"},
		},
		{
			name: "removed against changed, ours", base: `[1,2,3]`, ours: `[1,3]`, theirs: `[1,7,3]`,
			want: `[1,3]`, wantDecisions: []string{"/t/1 policy:ours"},
		},
		{
			name: "removed against changed, theirs", base: `[1,2,3]`, ours: `[1,3]`, theirs: `[1,7,3]`, opts: Options{Policy: Theirs},
			want: `[1,7,3]`, wantDecisions: []string{"/t/1 policy:theirs"},
		},
		{
			name: "removed against changed, fail counts base for later paths", base: `[1,2,3,4]`, ours: `[1,3,5]`, theirs: `[1,7,3,6]`, opts: Options{Policy: Fail},
			wantDecisions: []string{"/t/1 policy:fail", "/t/3 policy:fail"}, wantConflicts: []string{"/t/1", "/t/3"},
		},
		{
			name: "unequal runs, ours", base: `[1,2,3]`, ours: `[1,4,5,3]`, theirs: `[1,6,3]`,
			want: `[1,4,5,3]`, wantDecisions: []string{"/t/1 policy:ours"},
		},
		{
			name: "unequal runs, theirs", base: `[1,2,3]`, ours: `[1,4,5,3]`, theirs: `[1,6,3]`, opts: Options{Policy: Theirs},
			want: `[1,6,3]`, wantDecisions: []string{"/t/1 policy:theirs"},
		},
		{
			name: "unequal runs, fail", base: `[1,2,3]`, ours: `[1,4,5,3]`, theirs: `[1,6,3]`, opts: Options{Policy: Fail},
			wantDecisions: []string{"/t/1 policy:fail"}, wantConflicts: []string{"/t/1"},
		},
		{
			name: "unequal runs, element resolver's policy", base: `[1,2,3]`, ours: `[1,4,5,3]`, theirs: `[1,6,3]`,
			opts: Options{Policy: Fail, Resolvers: map[string]Resolver{"/t/*": Use(Theirs)}},
			want: `[1,6,3]`, wantDecisions: []string{"/t/1 resolver:theirs"},
		},
		{
			name: "unequal runs, element resolver's fallback", base: `[1,2,3]`, ours: `[1,4,5,3]`, theirs: `[1,6,3]`,
			opts: Options{Policy: Fail, Resolvers: map[string]Resolver{"/t/*": Max().Fallback(Ours)}},
			want: `[1,4,5,3]`, wantDecisions: []string{"/t/1 resolver:max/fallback:ours"},
		},
		{
			name: "one side's deletion overlaps the other's insertion", base: `[1,2,3]`, ours: `[]`, theirs: `[1,9,2,3]`, opts: Options{Policy: Theirs},
			want: `[1,9,2,3]`, wantDecisions: []string{"/t/0 policy:theirs"},
		},
		{
			name: "set union at the array's path", base: `[1,2]`, ours: `[2,1]`, theirs: `[1,2,3]`,
			opts: Options{Resolvers: map[string]Resolver{"/t": SetUnion()}},
			want: `[1,2,3]`, wantDecisions: []string{"/t resolver:set-union"},
		},
		{
			name: "atomic at the array's path", base: `[1,2]`, ours: `[1,2,3]`, theirs: `[0,1,2]`,
			opts: Options{Resolvers: map[string]Resolver{"/t": Atomic(Ours)}},
			want: `[1,2,3]`, wantDecisions: []string{"/t resolver:atomic:ours"},
		},
		{
			name: "atomic fail at the array's path", base: `[1,2]`, ours: `[1,2,3]`, theirs: `[0,1,2]`,
			opts:          Options{Resolvers: map[string]Resolver{"/t": Atomic(Fail)}},
			wantDecisions: []string{"/t resolver:atomic:fail"}, wantConflicts: []string{"/t"},
		},
		{
			name: "wildcard resolver matching the array's path", base: `[1,2]`, ours: `[1,2,3]`, theirs: `[0,1,2]`,
			opts: Options{Policy: Theirs, Resolvers: map[string]Resolver{"/*": Max()}},
			want: `[0,1,2]`, wantDecisions: []string{"/t resolver:max/fallback:theirs"},
		},
		{
			name: "element resolver decides element conflicts", base: `[1,2]`, ours: `[5,2,9]`, theirs: `[3,2]`,
			opts: Options{Policy: Fail, Resolvers: map[string]Resolver{"/t/*": Max()}},
			want: `[5,2,9]`, wantDecisions: []string{"/t/0 resolver:max", "/t/2 ours-only"},
		},
		{
			name: "base absent, both create arrays", base: ``, ours: `["a"]`, theirs: `["b"]`, opts: Options{Policy: Fail},
			want: `["b","a"]`, wantDecisions: []string{"/t/0 theirs-only", "/t/1 ours-only"},
		},
		{
			name: "base null, both create arrays", base: `null`, ours: `["a","c"]`, theirs: `["b","c"]`, opts: Options{Policy: Fail},
			want: `["b","c","a"]`, wantDecisions: []string{"/t/0 theirs-only", "/t/1 same", "/t/2 ours-only"},
		},
		{
			name: "base a scalar, both make arrays", base: `"s"`, ours: `["a"]`, theirs: `["b"]`,
			want: `["a"]`, wantDecisions: []string{"/t policy:ours"},
		},
		{
			name: "nested arrays of arrays", base: `[[1,2],[3]]`, ours: `[[1,2,4],[3]]`, theirs: `[[0,1,2],[3],[5]]`,
			want: `[[0,1,2,4],[3],[5]]`, wantDecisions: []string{"/t/0/0 theirs-only", "/t/0/3 ours-only", "/t/2 theirs-only"},
		},
		{
			name: "element resolver keeps inner arrays whole", base: `[[1,2],[3]]`, ours: `[[1,2,4],[3]]`, theirs: `[[0,1,2],[3],[5]]`,
			opts: Options{Resolvers: map[string]Resolver{"/t/*": Use(Theirs)}},
			want: `[[0,1,2],[3],[5]]`, wantDecisions: []string{"/t/0 resolver:theirs", "/t/2 theirs-only"},
		},
		{
			name: "array in an object in an array", base: `[{"id":1,"tags":[]},{"id":2}]`, ours: `[{"id":1,"tags":["a"]},{"id":2}]`, theirs: `[{"id":1,"tags":["b"]},{"id":2},{"id":3}]`,
			want: `[{"id":1,"tags":["b","a"]},{"id":2},{"id":3}]`, wantDecisions: []string{"/t/0/tags/0 theirs-only", "/t/0/tags/1 ours-only", "/t/2 theirs-only"},
		},
		{
			// Without an element both kept between them, theirs' change and
			// addition form one run longer than base's.
			name: "both change the last element, one also appends", base: `[{"id":1,"tags":[]}]`, ours: `[{"id":1,"tags":["a"]}]`, theirs: `[{"id":1,"tags":["b"]},{"id":2}]`,
			want: `[{"id":1,"tags":["a"]}]`, wantDecisions: []string{"/t/0 policy:ours"},
		},
		{
			name: "numbers by their text", base: `[1]`, ours: `[1,2]`, theirs: `[1,2.0]`,
			want: `[1,2.0,2]`, wantDecisions: []string{"/t/1 theirs-only", "/t/2 ours-only"},
		},
		{
			name: "objects equal in any member order", base: `[]`, ours: `[{"a":1,"b":2}]`, theirs: `[{"b":2,"a":1},{"c":3}]`,
			want: `[{"b":2,"a":1},{"c":3}]`, wantDecisions: []string{"/t/0/b same", "/t/0/a same", "/t/1 theirs-only"},
		},
		{
			name: "both remove the same element, one appends", base: `[1,2,3]`, ours: `[1,3,4]`, theirs: `[1,3]`,
			want: `[1,3,4]`, wantDecisions: []string{"/t/1 same", "/t/2 ours-only"},
		},
		{
			name: "both remove the same element and append differently", base: `[1,2,3]`, ours: `[1,3,4]`, theirs: `[1,3,5]`,
			want: `[1,3,5,4]`, wantDecisions: []string{"/t/1 same", "/t/2 theirs-only", "/t/3 ours-only"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, rep, err := JSON(tdoc(tt.base), tdoc(tt.ours), tdoc(tt.theirs), &tt.opts)
			if tt.wantConflicts != nil {
				var ce *ConflictError
				require.ErrorAs(t, err, &ce)
				assert.Equal(t, tt.wantConflicts, ce.Paths)
				require.NotNil(t, rep)
				assert.Equal(t, tt.wantDecisions, decisionList(rep.Decisions))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, string(tdoc(tt.want)), string(got))
			assert.Equal(t, tt.wantDecisions, decisionList(rep.Decisions))
		})
	}
}

// TestJSONArrayDecisions checks the values reported for insertions,
// removals and conflicts of runs.
func TestJSONArrayDecisions(t *testing.T) {
	tests := []struct {
		name               string
		base, ours, theirs string
		policy             Policy
		want               []Decision
	}{
		{
			name: "insertions and a removal", base: `{"t":[1,2,3]}`, ours: `{"t":[1,3,"o"]}`, theirs: `{"t":[0,1,2,3]}`,
			want: []Decision{
				{Path: "/t/0", Theirs: raw(`0`), Result: raw(`0`), Rule: RuleTheirsOnly},
				{Path: "/t/2", Base: raw(`2`), Theirs: raw(`2`), Rule: RuleOursOnly},
				{Path: "/t/3", Ours: raw(`"o"`), Result: raw(`"o"`), Rule: RuleOursOnly},
			},
		},
		{
			name: "element conflict", base: `{"t":["a",1]}`, ours: `{"t":["a",2]}`, theirs: `{"t":["b","a",3]}`, policy: Theirs,
			want: []Decision{
				{Path: "/t/0", Theirs: raw(`"b"`), Result: raw(`"b"`), Rule: RuleTheirsOnly},
				{Path: "/t/2", Base: raw(`1`), Ours: raw(`2`), Theirs: raw(`3`), Result: raw(`3`), Rule: "policy:theirs"},
			},
		},
		{
			name: "run conflict", base: `{"t":[0,1,2,3]}`, ours: `{"t":[0,4,5,3]}`, theirs: `{"t":[0,6,3]}`,
			want: []Decision{
				{Path: "/t/1", Base: raw(`[1,2]`), Ours: raw(`[4,5]`), Theirs: raw(`[6]`), Result: raw(`[4,5]`), Rule: "policy:ours"},
			},
		},
		{
			name: "run conflict with a removal", base: `{"t":[0,1,2,3]}`, ours: `{"t":[0,3]}`, theirs: `{"t":[0,6,3]}`,
			want: []Decision{
				{Path: "/t/1", Base: raw(`[1,2]`), Ours: raw(`[]`), Theirs: raw(`[6]`), Result: raw(`[]`), Rule: "policy:ours"},
			},
		},
		{
			name: "run conflict, fail", base: `{"t":[0,1,2,3]}`, ours: `{"t":[0,4,5,3]}`, theirs: `{"t":[0,6,3]}`, policy: Fail,
			want: []Decision{
				{Path: "/t/1", Base: raw(`[1,2]`), Ours: raw(`[4,5]`), Theirs: raw(`[6]`), Rule: "policy:fail"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, rep, err := JSON([]byte(tt.base), []byte(tt.ours), []byte(tt.theirs), &Options{Policy: tt.policy})
			if tt.policy == Fail {
				var ce *ConflictError
				require.ErrorAs(t, err, &ce)
				assert.Equal(t, tt.want, ce.Decisions)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tt.want, rep.Decisions)
		})
	}
}

// TestJSONArrayElementResolverFunc checks that a resolver for the elements
// of an array gets the path of the element in the result.
func TestJSONArrayElementResolverFunc(t *testing.T) {
	var calls []string
	longer := ResolverFunc(func(path string, base, ours, theirs json.RawMessage) (json.RawMessage, error) {
		calls = append(calls, fmt.Sprintf("%s %s %s %s", path, base, ours, theirs))
		if len(ours) >= len(theirs) {
			return ours, nil
		}
		return theirs, nil
	})
	base := `{"answers":["a","b","c"]}`
	ours := `{"answers":["new","a","bb","c"]}`
	theirs := `{"answers":["a","bbb","c","d"]}`
	got, rep, err := JSON([]byte(base), []byte(ours), []byte(theirs), &Options{Policy: Fail, Resolvers: map[string]Resolver{"/answers/*": longer}})
	require.NoError(t, err)
	assert.Equal(t, `{"answers":["new","a","bbb","c","d"]}`, string(got))
	assert.Equal(t, []string{`/answers/2 "b" "bb" "bbb"`}, calls)
	assert.Equal(t, []string{"/answers/0 ours-only", "/answers/2 resolver:custom", "/answers/4 theirs-only"}, decisionList(rep.Decisions))
}

// TestJSONArrayBudget checks that arrays fall back to one value when the
// work budget of the element-wise merges is spent.
func TestJSONArrayBudget(t *testing.T) {
	base := []byte(`{"a":[1,2,3],"b":[1,2,3]}`)
	ours := []byte(`{"a":[1,2,3,4],"b":[0,1,2,3]}`)
	theirs := []byte(`{"a":[1,2,3,5],"b":[1,2,3,9]}`)

	tests := []struct {
		name          string
		budget        int
		want          string
		wantDecisions []string
	}{
		{name: "enough", budget: arrayBudget, want: `{"a":[1,2,3,5,4],"b":[0,1,2,3,9]}`,
			wantDecisions: []string{"/a/3 theirs-only", "/a/4 ours-only", "/b/0 ours-only", "/b/4 theirs-only"}},
		{name: "spent by the first array", budget: 30, want: `{"a":[1,2,3,5,4],"b":[0,1,2,3]}`,
			wantDecisions: []string{"/a/3 theirs-only", "/a/4 ours-only", "/b policy:ours"}},
		{name: "none", budget: 0, want: `{"a":[1,2,3,4],"b":[0,1,2,3]}`,
			wantDecisions: []string{"/a policy:ours", "/b policy:ours"}},
		{name: "spent while interning", budget: 5, want: `{"a":[1,2,3,4],"b":[0,1,2,3]}`,
			wantDecisions: []string{"/a policy:ours", "/b policy:ours"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := newMerger(nil)
			require.NoError(t, err)
			m.arrayBudget = tt.budget
			got, rep, err := m.merge(base, ours, theirs)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
			assert.Equal(t, tt.wantDecisions, decisionList(rep.Decisions))
		})
	}
}

// TestJSONArrayLargeUnrelated merges long arrays both sides rewrote
// entirely: the diffs run out of budget and the arrays conflict as whole
// values, without stalling.
func TestJSONArrayLargeUnrelated(t *testing.T) {
	const n = 50_000
	mk := func(prefix string) []byte {
		var b strings.Builder
		b.WriteString(`{"t":[`)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"%s%d"`, prefix, i)
		}
		b.WriteString(`]}`)
		return []byte(b.String())
	}
	base, ours, theirs := mk("b"), mk("o"), mk("t")
	got, rep, err := JSON(base, ours, theirs, &Options{Policy: Theirs})
	require.NoError(t, err)
	assert.Equal(t, string(theirs), string(got))
	assert.Equal(t, []string{"/t policy:theirs"}, decisionList(rep.Decisions))

	// Appends at both ends of a long array are cheap: the common part of
	// the diffs costs only the canonical text of the elements.
	ours2 := append(append([]byte(nil), base[:len(base)-2]...), `,"o"]}`...)
	theirs2 := append([]byte(`{"t":["t",`), base[len(`{"t":[`):]...)
	got, rep, err = JSON(base, ours2, theirs2, nil)
	require.NoError(t, err)
	assert.Equal(t, `{"t":["t",`+string(base[len(`{"t":[`):len(base)-2])+`,"o"]}`, string(got))
	assert.Equal(t, []string{"/t/0 theirs-only", fmt.Sprintf("/t/%d ours-only", n+1)}, decisionList(rep.Decisions))
}

// TestJSONArrayDeepNesting merges arrays nested thousands deep, changed at
// the bottom on both sides: the work stays bounded.
func TestJSONArrayDeepNesting(t *testing.T) {
	deep := func(leaf string) []byte {
		return []byte(strings.Repeat("[", maxDepth-1) + leaf + strings.Repeat("]", maxDepth-1))
	}
	tests := []struct {
		name               string
		base, ours, theirs string
		policy             Policy
	}{
		{name: "insertions", base: "1", ours: "1,2", theirs: "0,1"},
		{name: "insertions, fail", base: "1", ours: "1,2", theirs: "0,1", policy: Fail},
		{name: "texts of one length", base: "1", ours: "2", theirs: "3"},
		{name: "texts of one length, fail", base: "1", ours: "2", theirs: "3", policy: Fail},
	}
	for _, tt := range tests {
		p := tt.policy
		var err error
		var rep *Report
		require.NotPanics(t, func() { _, rep, err = JSON(deep(tt.base), deep(tt.ours), deep(tt.theirs), &Options{Policy: p}) })
		if p == Fail {
			require.ErrorIs(t, err, ErrConflict)
		} else {
			require.NoError(t, err)
		}
		require.NotNil(t, rep)
		require.NotEmpty(t, rep.Decisions)
	}
}

// TestJSONArrayInsertOursFirst checks the mirror order used to compare a
// merge with the one that swaps ours and theirs.
func TestJSONArrayInsertOursFirst(t *testing.T) {
	base, ours, theirs := []byte(`["x"]`), []byte(`["x","a","b","a"]`), []byte(`["x","c","a"]`)
	got, _, err := JSON(base, ours, theirs, nil)
	require.NoError(t, err)
	assert.Equal(t, `["x","c","a","b","a"]`, string(got))
	m, err := newMerger(nil)
	require.NoError(t, err)
	m.insertOursFirst = true
	mirror, _, err := m.merge(base, theirs, ours)
	require.NoError(t, err)
	assert.Equal(t, string(got), string(mirror))
}

func TestHunks(t *testing.T) {
	tests := []struct {
		name   string
		match  []int32
		nb, ns int
		want   []hunk
	}{
		{name: "same", match: []int32{0, 1}, nb: 2, ns: 2},
		{name: "empty", nb: 0, ns: 0},
		{name: "all inserted", nb: 0, ns: 2, want: []hunk{{0, 0, 0, 2}}},
		{name: "all removed", match: []int32{-1, -1}, nb: 2, ns: 0, want: []hunk{{0, 2, 0, 0}}},
		{name: "insert front and back", match: []int32{1}, nb: 1, ns: 3, want: []hunk{{0, 0, 0, 1}, {1, 1, 2, 3}}},
		{name: "replace middle", match: []int32{0, -1, 3}, nb: 3, ns: 4, want: []hunk{{1, 2, 1, 3}}},
		{name: "remove last, append", match: []int32{0, -1}, nb: 2, ns: 2, want: []hunk{{1, 2, 1, 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, hunks(tt.match, tt.nb, tt.ns))
		})
	}
}

func TestJSONArraysByIdentity(t *testing.T) {
	tests := []struct {
		name               string
		base, ours, theirs string
		opts               Options
		want               string
		wantDecisions      []string
		wantConflicts      []string
	}{
		{
			name:          "one removes an element and notes another, the other ticks it",
			base:          `[{"id":"b"},{"id":"a","done":false}]`,
			ours:          `[{"id":"b"},{"id":"a","done":true}]`,
			theirs:        `[{"id":"a","done":false,"note":"hi"}]`,
			want:          `[{"id":"a","done":true,"note":"hi"}]`,
			wantDecisions: []string{"/t/0 theirs-only", "/t/0/done ours-only", "/t/0/note theirs-only"},
		},
		{
			name:   "one prepends and ticks, the other scores the same element",
			base:   `[{"id":"a","done":false}]`,
			ours:   `[{"id":"new","done":false},{"id":"a","done":true}]`,
			theirs: `[{"id":"a","done":false,"score":90}]`,
			want:   `[{"id":"new","done":false},{"id":"a","done":true,"score":90}]`,
		},
		{
			name:   "one moves an element, the other changes it",
			base:   `[{"id":"a","v":1},{"id":"b","v":1}]`,
			ours:   `[{"id":"b","v":1},{"id":"a","v":1}]`,
			theirs: `[{"id":"a","v":2},{"id":"b","v":1}]`,
			want:   `[{"id":"b","v":1},{"id":"a","v":2}]`,
		},
		{
			name:   "both add different elements after the same one",
			base:   `[{"id":"a"}]`,
			ours:   `[{"id":"a"},{"id":"o"}]`,
			theirs: `[{"id":"a"},{"id":"t"}]`,
			want:   `[{"id":"a"},{"id":"t"},{"id":"o"}]`,
		},
		{
			name:   "both add the same identity: merged as one element",
			base:   `[{"id":"a"}]`,
			ours:   `[{"id":"a"},{"id":"n","x":1}]`,
			theirs: `[{"id":"a"},{"id":"n","y":2}]`,
			want:   `[{"id":"a"},{"id":"n","y":2,"x":1}]`,
		},
		{
			name:          "removed on one side, changed on the other: a conflict at its path",
			base:          `[{"id":"a","v":1},{"id":"b","v":1}]`,
			ours:          `[{"id":"b","v":1}]`,
			theirs:        `[{"id":"a","v":2},{"id":"b","v":1}]`,
			opts:          Options{Policy: Fail},
			wantConflicts: []string{"/t/0"},
		},
		{
			name:          "both reorder differently: the order is a conflict",
			base:          `[{"id":"a","v":1},{"id":"b"},{"id":"c"}]`,
			ours:          `[{"id":"c"},{"id":"a","v":1},{"id":"b"}]`,
			theirs:        `[{"id":"b"},{"id":"c"},{"id":"a","v":1}]`,
			opts:          Options{Policy: Fail},
			wantConflicts: []string{"/t"},
		},
		{
			name:          "both reorder differently, ours wins the order",
			base:          `[{"id":"a"},{"id":"b"},{"id":"c","v":1}]`,
			ours:          `[{"id":"c","v":1},{"id":"a"},{"id":"b"}]`,
			theirs:        `[{"id":"b"},{"id":"c","v":2},{"id":"a"}]`,
			want:          `[{"id":"c","v":2},{"id":"a"},{"id":"b"}]`,
			wantDecisions: []string{"/t policy:ours", "/t/0/v theirs-only"},
		},
		{
			name:          "one edits an identity, the other changes that element: removed against changed",
			base:          `[{"id":"a","v":1},{"id":"b","v":1}]`,
			ours:          `[{"id":"a2","v":1},{"id":"b","v":1}]`,
			theirs:        `[{"id":"a","v":2},{"id":"b","v":1}]`,
			opts:          Options{Policy: Fail},
			wantConflicts: []string{"/t/1"},
		},
		{
			name:   "two members tie and neither reads as an identifier: aligned by value",
			base:   `[]`,
			ours:   `[{"a":"1","b":"2"},{"a":"3","b":"4"}]`,
			theirs: `[{"b":"2","a":"3"},{"b":"4","a":"1"}]`,
			want:   `[{"b":"2","a":"3"},{"b":"4","a":"1"},{"a":"1","b":"2"},{"a":"3","b":"4"}]`,
		},
		{
			name:          "no shared identity: aligned by value",
			base:          `[{"name":"x"}]`,
			ours:          `[{"name":"y"}]`,
			theirs:        `[{"name":"z"}]`,
			opts:          Options{Policy: Fail},
			wantConflicts: []string{"/t/0/name"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, rep, err := JSON(tdoc(tt.base), tdoc(tt.ours), tdoc(tt.theirs), &tt.opts)
			if tt.wantConflicts != nil {
				var ce *ConflictError
				require.ErrorAs(t, err, &ce)
				assert.Equal(t, tt.wantConflicts, ce.Paths)
				return
			}
			require.NoError(t, err)
			assertSame(t, tdoc(tt.want), got, tt.name)
			if tt.wantDecisions != nil {
				assert.Equal(t, tt.wantDecisions, decisionList(rep.Decisions))
			}
		})
	}
}
