package merge

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJSONTable(t *testing.T) {
	tests := []struct {
		name                string
		base, ours, theirs  string
		policy              Policy
		want                string
		wantRule            string // rule of the only decision; "" for none
		wantDecisionsAbsent bool
	}{
		{name: "nothing changed", base: `{"a":1}`, ours: `{"a":1}`, theirs: `{"a":1}`, want: `{"a":1}`},
		{name: "theirs only", base: `{"a":1}`, ours: `{"a":1}`, theirs: `{"a":2}`, want: `{"a":2}`, wantRule: RuleTheirsOnly},
		{name: "ours only", base: `{"a":1}`, ours: `{"a":3}`, theirs: `{"a":1}`, want: `{"a":3}`, wantRule: RuleOursOnly},
		{name: "same change", base: `{"a":1}`, ours: `{"a":4}`, theirs: `{"a":4}`, want: `{"a":4}`, wantRule: RuleSame},
		{name: "conflict policy ours", base: `{"a":1}`, ours: `{"a":3}`, theirs: `{"a":2}`, policy: Ours, want: `{"a":3}`, wantRule: "policy:ours"},
		{name: "conflict policy theirs", base: `{"a":1}`, ours: `{"a":3}`, theirs: `{"a":2}`, policy: Theirs, want: `{"a":2}`, wantRule: "policy:theirs"},
		{name: "removed by ours, unchanged by theirs", base: `{"a":1,"b":2}`, ours: `{"b":2}`, theirs: `{"a":1,"b":2}`, want: `{"b":2}`, wantRule: RuleOursOnly},
		{name: "removed by theirs, unchanged by ours", base: `{"a":1,"b":2}`, ours: `{"a":1,"b":2}`, theirs: `{"b":2}`, want: `{"b":2}`, wantRule: RuleTheirsOnly},
		{name: "removed by both", base: `{"a":1,"b":2}`, ours: `{"b":2}`, theirs: `{"b":2}`, want: `{"b":2}`, wantRule: RuleSame},
		{name: "removed by ours, changed by theirs, policy ours", base: `{"a":1}`, ours: `{}`, theirs: `{"a":2}`, want: `{}`, wantRule: "policy:ours"},
		{name: "removed by ours, changed by theirs, policy theirs", base: `{"a":1}`, ours: `{}`, theirs: `{"a":2}`, policy: Theirs, want: `{"a":2}`, wantRule: "policy:theirs"},
		{name: "changed by ours, removed by theirs, policy ours", base: `{"a":1}`, ours: `{"a":2}`, theirs: `{}`, want: `{"a":2}`, wantRule: "policy:ours"},
		{name: "changed by ours, removed by theirs, policy theirs", base: `{"a":1}`, ours: `{"a":2}`, theirs: `{}`, policy: Theirs, want: `{}`, wantRule: "policy:theirs"},
		{name: "added by ours", base: `{}`, ours: `{"a":1}`, theirs: `{}`, want: `{"a":1}`, wantRule: RuleOursOnly},
		{name: "added by theirs", base: `{}`, ours: `{}`, theirs: `{"a":1}`, want: `{"a":1}`, wantRule: RuleTheirsOnly},
		{name: "added by both, same", base: `{}`, ours: `{"a":1}`, theirs: `{"a":1}`, want: `{"a":1}`, wantRule: RuleSame},
		{name: "added by both, different", base: `{}`, ours: `{"a":1}`, theirs: `{"a":2}`, want: `{"a":1}`, wantRule: "policy:ours"},
		{name: "null is a value, set by ours", base: `{"a":1}`, ours: `{"a":null}`, theirs: `{"a":1}`, want: `{"a":null}`, wantRule: RuleOursOnly},
		{name: "null is a value, kept", base: `{"a":null}`, ours: `{"a":null}`, theirs: `{"a":null,"b":1}`, want: `{"a":null,"b":1}`, wantRule: RuleTheirsOnly},
		{name: "null replaced by theirs", base: `{"a":null}`, ours: `{"a":null}`, theirs: `{"a":0}`, want: `{"a":0}`, wantRule: RuleTheirsOnly},
		{name: "null vs removal conflict", base: `{"a":1}`, ours: `{"a":null}`, theirs: `{}`, policy: Theirs, want: `{}`, wantRule: "policy:theirs"},
		{name: "arrays merge element by element", base: `{"a":[1,2]}`, ours: `{"a":[1,2,3]}`, theirs: `{"a":[0,1,2]}`, want: `{"a":[0,1,2,3]}`, wantRule: RuleTheirsOnly},
		{name: "array element conflict", base: `{"a":[1,2]}`, ours: `{"a":[1,3]}`, theirs: `{"a":[1,4]}`, want: `{"a":[1,3]}`, wantRule: "policy:ours"},
		{name: "array element conflict theirs", base: `{"a":[1,2]}`, ours: `{"a":[1,3]}`, theirs: `{"a":[1,4]}`, policy: Theirs, want: `{"a":[1,4]}`, wantRule: "policy:theirs"},
		{name: "array changed by theirs only", base: `{"a":[1,2]}`, ours: `{"a":[1,2]}`, theirs: `{"a":[2]}`, want: `{"a":[2]}`, wantRule: RuleTheirsOnly},
		{name: "type change by ours", base: `{"a":{"x":1}}`, ours: `{"a":"x"}`, theirs: `{"a":{"x":1}}`, want: `{"a":"x"}`, wantRule: RuleOursOnly},
		{name: "type change vs object edit", base: `{"a":{"x":1}}`, ours: `{"a":"x"}`, theirs: `{"a":{"x":2}}`, policy: Theirs, want: `{"a":{"x":2}}`, wantRule: "policy:theirs"},
		{name: "nested change by theirs", base: `{"a":{"x":1,"y":1}}`, ours: `{"a":{"x":1,"y":1}}`, theirs: `{"a":{"x":1,"y":2}}`, want: `{"a":{"x":1,"y":2}}`, wantRule: RuleTheirsOnly},
		{name: "scalar root theirs", base: `1`, ours: `1`, theirs: `2`, want: `2`, wantRule: RuleTheirsOnly},
		{name: "scalar root conflict", base: `1`, ours: `3`, theirs: `2`, want: `3`, wantRule: "policy:ours"},
		{name: "null root", base: `null`, ours: `null`, theirs: `null`, want: `null`},
		{name: "exact big integer", base: `{"n":1}`, ours: `{"n":12345678901234567890}`, theirs: `{"n":1}`, want: `{"n":12345678901234567890}`, wantRule: RuleOursOnly},
		{name: "exact decimal text", base: `{"n":1.1}`, ours: `{"n":1.10}`, theirs: `{"n":1.1,"m":1}`, want: `{"n":1.10,"m":1}`},
		{name: "numbers differ by text", base: `{"n":1}`, ours: `{"n":1.0}`, theirs: `{"n":1}`, want: `{"n":1.0}`, wantRule: RuleOursOnly},
		{name: "key order only is no change", base: `{"a":1,"b":2}`, ours: `{"b":2,"a":1}`, theirs: `{"a":1,"b":2}`, want: `{"a":1,"b":2}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, rep, err := JSON([]byte(tt.base), []byte(tt.ours), []byte(tt.theirs), &Options{Policy: tt.policy})
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(got))
			ok, err := Equal(got, []byte(tt.want))
			require.NoError(t, err)
			assert.True(t, ok, "exact: got %s want %s", got, tt.want)
			require.NotNil(t, rep)
			if tt.wantRule == "" {
				for _, d := range rep.Decisions {
					assert.NotContains(t, d.Rule, "policy", "unexpected conflict %+v", d)
				}
				return
			}
			require.NotEmpty(t, rep.Decisions)
			assert.Equal(t, tt.wantRule, rep.Decisions[0].Rule)
		})
	}
}

func TestJSONFailPolicy(t *testing.T) {
	base := `{"a":1,"b":{"c":1},"d":[1],"e":"x","f":1}`
	ours := `{"a":2,"b":{"c":2},"d":[2],"e":"y"}`
	theirs := `{"a":3,"b":{"c":3},"d":[3],"e":"y","f":2}`
	got, rep, err := JSON([]byte(base), []byte(ours), []byte(theirs), &Options{Policy: Fail})
	require.Error(t, err)
	assert.Nil(t, got)
	assert.ErrorIs(t, err, ErrConflict)
	var ce *ConflictError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, []string{"/a", "/b/c", "/d/0", "/f"}, ce.Paths)
	require.Len(t, ce.Decisions, 4)
	assert.Equal(t, "policy:fail", ce.Decisions[0].Rule)
	assert.JSONEq(t, `2`, string(ce.Decisions[0].Ours))
	assert.JSONEq(t, `3`, string(ce.Decisions[0].Theirs))
	assert.Nil(t, ce.Decisions[0].Result)
	assert.Nil(t, ce.Decisions[3].Ours, "ours removed /f")
	assert.Contains(t, err.Error(), `"/b/c"`)
	require.NotNil(t, rep)
	assert.Len(t, rep.Conflicts(), 4)
	// "/e" both changed the same way: not a conflict.
	var sawE bool
	for _, d := range rep.Decisions {
		if d.Path == "/e" {
			sawE = true
			assert.Equal(t, RuleSame, d.Rule)
		}
	}
	assert.True(t, sawE)
}

func TestConflictErrorMessageIsBounded(t *testing.T) {
	var b, o, th strings.Builder
	b.WriteString("{")
	o.WriteString("{")
	th.WriteString("{")
	for i := range 25 {
		if i > 0 {
			b.WriteString(",")
			o.WriteString(",")
			th.WriteString(",")
		}
		k := string(rune('a'+i%26)) + strings.Repeat("x", i/26)
		b.WriteString(`"` + k + `":0`)
		o.WriteString(`"` + k + `":1`)
		th.WriteString(`"` + k + `":2`)
	}
	b.WriteString("}")
	o.WriteString("}")
	th.WriteString("}")
	_, _, err := JSON([]byte(b.String()), []byte(o.String()), []byte(th.String()), &Options{Policy: Fail})
	var ce *ConflictError
	require.ErrorAs(t, err, &ce)
	assert.Len(t, ce.Paths, 25)
	assert.Contains(t, err.Error(), "25 unresolved conflicts")
	assert.Contains(t, err.Error(), "and 15 more")

	_, _, err = JSON([]byte(`1`), []byte(`2`), []byte(`3`), &Options{Policy: Fail})
	assert.EqualError(t, err, `merge: 1 unresolved conflict at ""`)
}

func TestJSONKeyOrder(t *testing.T) {
	base := `{"a":1,"b":2,"c":3}`
	ours := `{"z":0,"c":3,"b":2,"a":1,"y":0}`
	theirs := `{"c":3,"x":9,"a":1,"b":2}`
	got, _, err := JSON([]byte(base), []byte(ours), []byte(theirs), nil)
	require.NoError(t, err)
	assert.Equal(t, `{"c":3,"x":9,"a":1,"b":2,"z":0,"y":0}`, string(got))
}

func TestJSONOutputIsCompactAndUnescaped(t *testing.T) {
	base := "{ \"a\" : \"<b>\" ,\n \"n\": [ 1 , 2 ] }"
	ours := `{"a":"<b>","n":[1,2],"s":"\u003ci\u003e & \u00e9 \ud83d\ude00 \n"}`
	theirs := base
	got, _, err := JSON([]byte(base), []byte(ours), []byte(theirs), nil)
	require.NoError(t, err)
	assert.Equal(t, `{"a":"<b>","n":[1,2],"s":"<i> & é 😀 \n"}`, string(got))
}

func TestJSONBothCreateObjects(t *testing.T) {
	tests := []struct {
		name, base, want string
		policy           Policy
		wantErr          bool
	}{
		{name: "absent base", base: `{}`, want: `{"s":{"b":2,"c":3,"a":1}}`},
		{name: "null base", base: `{"s":null}`, want: `{"s":{"b":2,"c":3,"a":1}}`},
		{name: "scalar base", base: `{"s":"x"}`, want: `{"s":{"b":2,"c":3,"a":1}}`},
		{name: "conflicting member theirs", base: `{}`, policy: Theirs, want: `{"s":{"b":2,"c":3,"a":1}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := JSON([]byte(tt.base), []byte(`{"s":{"a":1,"c":3}}`), []byte(`{"s":{"b":2,"c":3}}`), &Options{Policy: tt.policy})
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(got))
		})
	}
	_, _, err := JSON([]byte(`{}`), []byte(`{"s":{"c":1}}`), []byte(`{"s":{"c":2}}`), &Options{Policy: Fail})
	var ce *ConflictError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, []string{"/s/c"}, ce.Paths)

	// From absent or null, objects both sides created merge member by
	// member even under Fail.
	for _, base := range []string{`{}`, `{"s":null}`} {
		got, rep, err := JSON([]byte(base), []byte(`{"s":{"a":1}}`), []byte(`{"s":{"b":2}}`), &Options{Policy: Fail})
		require.NoError(t, err)
		assert.Equal(t, `{"s":{"b":2,"a":1}}`, string(got))
		assert.Empty(t, rep.Conflicts())
	}
}

// TestJSONBothTurnIntoObjects covers a scalar or array both sides replaced
// by different objects: a conflict at its path.
func TestJSONBothTurnIntoObjects(t *testing.T) {
	base, ours, theirs := []byte(`{"a":5,"k":1}`), []byte(`{"a":{"x":1},"k":1}`), []byte(`{"a":{"y":2},"k":1}`)

	_, rep, err := JSON(base, ours, theirs, &Options{Policy: Fail})
	var ce *ConflictError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, []string{"/a"}, ce.Paths)
	assert.Equal(t, Decision{Path: "/a", Base: raw(`5`), Ours: raw(`{"x":1}`), Theirs: raw(`{"y":2}`), Rule: "policy:fail"}, ce.Decisions[0])
	require.Len(t, rep.Decisions, 1)

	for _, p := range []Policy{Ours, Theirs} {
		got, rep, err := JSON(base, ours, theirs, &Options{Policy: p})
		require.NoError(t, err)
		assert.Equal(t, `{"a":{"y":2,"x":1},"k":1}`, string(got))
		require.Len(t, rep.Decisions, 3)
		assert.Equal(t, Decision{Path: "/a", Base: raw(`5`), Ours: raw(`{"x":1}`), Theirs: raw(`{"y":2}`), Result: raw(`{"y":2,"x":1}`), Rule: RuleObjectsMerged}, rep.Decisions[0])
		assert.Equal(t, "/a/y", rep.Decisions[1].Path)
		assert.Equal(t, "/a/x", rep.Decisions[2].Path)
		assert.Len(t, rep.Conflicts(), 1)
	}

	// A resolver at the path that uses or falls back to Fail makes it a
	// conflict too; one that falls back to Ours merges.
	_, _, err = JSON(base, ours, theirs, &Options{Resolvers: map[string]Resolver{"/a": Use(Fail)}})
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "resolver:fail", ce.Decisions[0].Rule)
	_, _, err = JSON(base, ours, theirs, &Options{Resolvers: map[string]Resolver{"/*": Max().Fallback(Fail)}})
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "resolver:max/fallback:fail", ce.Decisions[0].Rule)
	_, _, err = JSON(base, ours, theirs, &Options{Policy: Fail, Resolvers: map[string]Resolver{"/a": Text(Ours)}})
	require.NoError(t, err)

	// The same object on both sides is the same change.
	_, rep, err = JSON(base, ours, ours, &Options{Policy: Fail})
	require.NoError(t, err)
	require.Len(t, rep.Decisions, 1)
	assert.Equal(t, RuleSame, rep.Decisions[0].Rule)

	// Arrays and strings too.
	for _, b := range []string{`{"a":[1]}`, `{"a":"s"}`, `{"a":false}`} {
		_, _, err = JSON([]byte(b), ours, theirs, &Options{Policy: Fail})
		assert.ErrorIs(t, err, ErrConflict, b)
	}
}

// deepChain returns {"x":x,"b":{"x":x,"b":…}} nested depth levels deep.
func deepChain(depth int, x string) []byte {
	var b strings.Builder
	for range depth {
		b.WriteString(`{"x":` + x + `,"b":`)
	}
	b.WriteString("0")
	b.WriteString(strings.Repeat("}", depth))
	return []byte(b.String())
}

// TestReportIsBounded merges a chain nested 9999 deep where ours changes
// every level: the paths of all decisions would add up to 100 MB.
func TestReportIsBounded(t *testing.T) {
	const depth = maxDepth - 1
	base, ours := deepChain(depth, "0"), deepChain(depth, "1")
	got, rep, err := JSON(base, ours, base, nil)
	require.NoError(t, err)
	assert.Equal(t, string(ours), string(got))
	limit := reportPathBytes(2*len(base) + len(ours))
	total := 0
	for _, d := range rep.Decisions {
		total += len(d.Path)
	}
	assert.LessOrEqual(t, total, limit)
	assert.Positive(t, rep.Omitted)
	assert.Equal(t, depth, len(rep.Decisions)+rep.Omitted)
	assert.Equal(t, "/x", rep.Decisions[0].Path)
	assert.Equal(t, "/b/x", rep.Decisions[1].Path)

	// Conflicts at every level: the error counts them all and stays short.
	theirs := deepChain(depth, "2")
	_, rep, err = JSON(base, ours, theirs, &Options{Policy: Fail})
	var ce *ConflictError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, depth, len(ce.Paths)+ce.Omitted)
	assert.Positive(t, ce.Omitted)
	assert.Equal(t, len(rep.Decisions), len(ce.Paths))
	msg := err.Error()
	assert.Less(t, len(msg), 3000)
	assert.True(t, strings.HasPrefix(msg, "merge: 9999 unresolved conflicts at "), msg)
	assert.Contains(t, msg, "…")
	assert.Contains(t, msg, fmt.Sprintf("and %d more", depth-maxListedConflicts))
}

func TestConflictErrorMessage(t *testing.T) {
	long := "/" + strings.Repeat("é", maxQuotedPath)
	tests := []struct {
		name string
		err  ConflictError
		want string
	}{
		{name: "one", err: ConflictError{Paths: []string{"/a"}}, want: `merge: 1 unresolved conflict at "/a"`},
		{name: "long path cut at a rune", err: ConflictError{Paths: []string{long}}, want: `merge: 1 unresolved conflict at "/` + strings.Repeat("é", (maxQuotedPath-1)/2) + `…"`},
		{name: "omitted only", err: ConflictError{Omitted: 3}, want: `merge: 3 unresolved conflicts`},
		{name: "some omitted", err: ConflictError{Paths: []string{"/a", "/b"}, Omitted: 3}, want: `merge: 5 unresolved conflicts at "/a", "/b" and 3 more`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.err.Error())
		})
	}
}

func TestJSONReport(t *testing.T) {
	base := `{"a":1,"b":{"x":1,"y":1},"c":[1],"gone":true,"both":0}`
	ours := `{"a":2,"b":{"x":1,"y":1},"c":[1],"new":"o","both":0}`
	theirs := `{"a":1,"b":{"x":1,"y":5},"c":[1],"gone":true}`
	_, rep, err := JSON([]byte(base), []byte(ours), []byte(theirs), nil)
	require.NoError(t, err)
	want := []Decision{
		{Path: "/a", Base: raw(`1`), Ours: raw(`2`), Theirs: raw(`1`), Result: raw(`2`), Rule: RuleOursOnly},
		{Path: "/b/y", Base: raw(`1`), Ours: raw(`1`), Theirs: raw(`5`), Result: raw(`5`), Rule: RuleTheirsOnly},
		{Path: "/gone", Base: raw(`true`), Ours: nil, Theirs: raw(`true`), Result: nil, Rule: RuleOursOnly},
		{Path: "/new", Base: nil, Ours: raw(`"o"`), Theirs: nil, Result: raw(`"o"`), Rule: RuleOursOnly},
		{Path: "/both", Base: raw(`0`), Ours: raw(`0`), Theirs: nil, Result: nil, Rule: RuleTheirsOnly},
	}
	assert.Equal(t, want, rep.Decisions)
	assert.Empty(t, rep.Conflicts())
}

func TestJSONReportBothRemoved(t *testing.T) {
	_, rep, err := JSON([]byte(`{"a":1,"b":2}`), []byte(`{"b":2}`), []byte(`{"b":2}`), nil)
	require.NoError(t, err)
	require.Len(t, rep.Decisions, 1)
	assert.Equal(t, Decision{Path: "/a", Base: raw(`1`), Rule: RuleSame}, rep.Decisions[0])
}

func TestJSONReportEscapesPaths(t *testing.T) {
	_, rep, err := JSON([]byte(`{"a/b":{"c~d":1}}`), []byte(`{"a/b":{"c~d":2}}`), []byte(`{"a/b":{"c~d":1}}`), nil)
	require.NoError(t, err)
	require.Len(t, rep.Decisions, 1)
	assert.Equal(t, "/a~1b/c~0d", rep.Decisions[0].Path)
}

func raw(s string) json.RawMessage { return json.RawMessage(s) }

func TestJSONInvalidInput(t *testing.T) {
	valid := `{"a":1}`
	bad := []string{
		``, ` `, `{`, `}`, `{"a":1}x`, `{"a":1} {"b":2}`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{a:1}`,
		`01`, `1.`, `.5`, `1e`, `-`, `+1`, `NaN`, `tru`, `nul`, `"abc`, "\"a\x01\"", `"\x"`, `"\u12"`,
		"\"\xff\"", `{"a":1,"a":2}`, `[1 2]`, `{"a":1 "b":2}`, `{"a":}`, `[`, `{"a"`, `{"a":1`, `"\`,
		`{1:2}`, `1e+`, `-x`, `[1,2`,
	}
	for _, b := range bad {
		for _, which := range []string{"base", "ours", "theirs"} {
			t.Run(which+"/"+b, func(t *testing.T) {
				in := map[string][]byte{"base": []byte(valid), "ours": []byte(valid), "theirs": []byte(valid)}
				in[which] = []byte(b)
				var got []byte
				var err error
				require.NotPanics(t, func() { got, _, err = JSON(in["base"], in["ours"], in["theirs"], nil) })
				require.Error(t, err)
				assert.Nil(t, got)
				assert.ErrorIs(t, err, ErrInvalidJSON)
				var ije *InvalidJSONError
				require.ErrorAs(t, err, &ije)
				assert.Equal(t, which, ije.Input)
				assert.Contains(t, err.Error(), which)
			})
		}
	}
}

func TestJSONDuplicateKeysLarge(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := range 20 {
		b.WriteString(`"k` + string(rune('a'+i)) + `":1,`)
	}
	b.WriteString(`"kc":2}`)
	_, _, err := JSON([]byte(b.String()), []byte(`{}`), []byte(`{}`), nil)
	require.ErrorIs(t, err, ErrInvalidJSON)
	assert.Contains(t, err.Error(), `duplicate member name "kc"`)
}

func TestJSONDepth(t *testing.T) {
	deep := func(n int) []byte {
		return []byte(strings.Repeat("[", n) + strings.Repeat("]", n))
	}
	_, _, err := JSON(deep(maxDepth), deep(maxDepth), deep(maxDepth), nil)
	require.NoError(t, err)
	_, _, err = JSON(deep(maxDepth+1), []byte(`1`), []byte(`1`), nil)
	require.ErrorIs(t, err, ErrInvalidJSON)
	assert.Contains(t, err.Error(), "nesting deeper")
	huge := []byte(strings.Repeat(`{"a":`, 1_000_000))
	require.NotPanics(t, func() { _, _, err = JSON([]byte(`1`), huge, []byte(`1`), nil) })
	require.ErrorIs(t, err, ErrInvalidJSON)

	objs := func(n int, leaf string) []byte {
		return []byte(strings.Repeat(`{"a":`, n) + leaf + strings.Repeat(`}`, n))
	}
	got, _, err := JSON(objs(maxDepth-1, "1"), objs(maxDepth-1, "2"), objs(maxDepth-1, "1"), nil)
	require.NoError(t, err)
	assert.Equal(t, string(objs(maxDepth-1, "2")), string(got))
}

func TestJSONInvalidOptions(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{name: "unknown policy", opts: Options{Policy: Policy(9)}},
		{name: "pattern without slash", opts: Options{Resolvers: map[string]Resolver{"a": Max()}}},
		{name: "bad escape", opts: Options{Resolvers: map[string]Resolver{"/a~2": Max()}}},
		{name: "bad use policy", opts: Options{Resolvers: map[string]Resolver{"/a": Use(Policy(-1))}}},
		{name: "bad fallback", opts: Options{Resolvers: map[string]Resolver{"/a": Max().Fallback(Policy(5))}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := JSON([]byte(`1`), []byte(`1`), []byte(`1`), &tt.opts)
			assert.ErrorIs(t, err, ErrInvalidOptions)
		})
	}
}

func TestPolicyString(t *testing.T) {
	assert.Equal(t, "ours", Ours.String())
	assert.Equal(t, "theirs", Theirs.String())
	assert.Equal(t, "fail", Fail.String())
	assert.Equal(t, "Policy(7)", Policy(7).String())
}

// TestJSONAgreesWithMergePatch checks conflict-free merges of documents
// without arrays or nulls against applying RFC 7386 merge patches:
// theirs patched with the diff from base to ours.
func TestJSONAgreesWithMergePatch(t *testing.T) {
	tests := []struct {
		name, base, ours, theirs string
	}{
		{name: "disjoint edits", base: `{"a":1,"b":2}`, ours: `{"a":5,"b":2}`, theirs: `{"a":1,"b":6}`},
		{name: "adds and removes", base: `{"a":1,"b":2,"c":3}`, ours: `{"a":1,"c":3,"d":4}`, theirs: `{"a":1,"b":2,"e":5}`},
		{name: "nested", base: `{"o":{"x":1,"y":{"z":1}},"p":"s"}`, ours: `{"o":{"x":2,"y":{"z":1}},"p":"s"}`, theirs: `{"o":{"x":1,"y":{"z":1,"w":2}},"p":"t"}`},
		{name: "same changes", base: `{"a":1}`, ours: `{"a":2,"b":{"c":1}}`, theirs: `{"a":2,"b":{"c":1}}`},
		{name: "replace object by scalar", base: `{"o":{"x":1},"k":1}`, ours: `{"o":"s","k":1}`, theirs: `{"o":{"x":1},"k":2}`},
		{name: "big numbers", base: `{"n":1}`, ours: `{"n":123456789012345678901234567890}`, theirs: `{"n":1,"m":1.10}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, rep, err := JSON([]byte(tt.base), []byte(tt.ours), []byte(tt.theirs), &Options{Policy: Fail})
			require.NoError(t, err)
			assert.Empty(t, rep.Conflicts())
			patch, err := jsonpatch.CreateMergePatch([]byte(tt.base), []byte(tt.ours))
			require.NoError(t, err)
			want, err := jsonpatch.MergePatch([]byte(tt.theirs), patch)
			require.NoError(t, err)
			assert.JSONEq(t, string(want), string(got))
		})
	}
}

func TestErrorsAreDistinct(t *testing.T) {
	assert.False(t, errors.Is(&InvalidJSONError{}, ErrConflict))
	assert.False(t, errors.Is(&ConflictError{}, ErrInvalidJSON))
	re := &ResolverError{Path: "/a", Err: errors.New("boom")}
	assert.Equal(t, `merge: resolver at "/a": boom`, re.Error())
}
