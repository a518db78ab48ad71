package merge

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResolvers(t *testing.T) {
	tests := []struct {
		name               string
		resolver           Resolver
		policy             Policy
		base, ours, theirs string // values of member "v"; "" = absent
		want               string // value of "v"; "" = absent
		wantRule           string
		wantConflict       bool
	}{
		{name: "use ours", resolver: Use(Ours), policy: Theirs, base: `1`, ours: `2`, theirs: `3`, want: `2`, wantRule: "resolver:ours"},
		{name: "use theirs", resolver: Use(Theirs), base: `1`, ours: `2`, theirs: `3`, want: `3`, wantRule: "resolver:theirs"},
		{name: "use fail", resolver: Use(Fail), base: `1`, ours: `2`, theirs: `3`, wantRule: "resolver:fail", wantConflict: true},
		{name: "use theirs keeps removal", resolver: Use(Theirs), base: `1`, ours: `2`, theirs: ``, want: ``, wantRule: "resolver:theirs"},

		{name: "max ours", resolver: Max(), base: `1`, ours: `5`, theirs: `3`, want: `5`, wantRule: "resolver:max"},
		{name: "max theirs", resolver: Max(), base: `1`, ours: `2`, theirs: `3`, want: `3`, wantRule: "resolver:max"},
		{name: "max big", resolver: Max(), base: `1`, ours: `12345678901234567891`, theirs: `12345678901234567890`, want: `12345678901234567891`, wantRule: "resolver:max"},
		{name: "max decimals", resolver: Max(), base: `0`, ours: `1.10`, theirs: `1.09`, want: `1.10`, wantRule: "resolver:max"},
		{name: "max exponent", resolver: Max(), base: `0`, ours: `1e3`, theirs: `999.5`, want: `1e3`, wantRule: "resolver:max"},
		{name: "max negative", resolver: Max(), base: `0`, ours: `-2`, theirs: `-1.5`, want: `-1.5`, wantRule: "resolver:max"},
		{name: "max tie shorter text", resolver: Max(), base: `0`, ours: `1.0`, theirs: `1`, want: `1`, wantRule: "resolver:max"},
		{name: "max tie lexical", resolver: Max(), base: `0`, ours: `1E0`, theirs: `1e0`, want: `1E0`, wantRule: "resolver:max"},
		{name: "max non-number falls back to policy", resolver: Max(), policy: Theirs, base: `1`, ours: `"a"`, theirs: `3`, want: `3`, wantRule: "resolver:max/fallback:theirs"},
		{name: "max removal falls back", resolver: Max(), base: `1`, ours: ``, theirs: `3`, want: ``, wantRule: "resolver:max/fallback:ours"},
		{name: "max huge exponent falls back", resolver: Max(), policy: Theirs, base: `1`, ours: `1e9999999999`, theirs: `3`, want: `3`, wantRule: "resolver:max/fallback:theirs"},
		{name: "max zero with big exponent", resolver: Max(), base: `1`, ours: `0e2000`, theirs: `1e-3`, want: `1e-3`, wantRule: "resolver:max"},
		{name: "max big exponents", resolver: Max(), base: `1`, ours: `2e-5000`, theirs: `1e-5000`, want: `2e-5000`, wantRule: "resolver:max"},
		{name: "max negative zero", resolver: Max(), base: `1`, ours: `-0.0`, theirs: `-1e-9`, want: `-0.0`, wantRule: "resolver:max"},
		{name: "max zeros tie", resolver: Max(), base: `1`, ours: `0e5`, theirs: `-0`, want: `-0`, wantRule: "resolver:max"},
		{name: "max long mantissa falls back", resolver: Max(), policy: Theirs, base: `1`, ours: `1` + zeros(maxDigits), theirs: `3`, want: `3`, wantRule: "resolver:max/fallback:theirs"},
		{name: "max longest mantissa", resolver: Max(), base: `1`, ours: `0.` + zeros(maxDigits-2) + `1`, theirs: `-3`, want: `0.` + zeros(maxDigits-2) + `1`, wantRule: "resolver:max"},
		{name: "max own fallback", resolver: Max().Fallback(Fail), base: `1`, ours: `true`, theirs: `3`, wantRule: "resolver:max/fallback:fail", wantConflict: true},

		{name: "min", resolver: Min(), base: `5`, ours: `2`, theirs: `3`, want: `2`, wantRule: "resolver:min"},
		{name: "min theirs", resolver: Min(), base: `5`, ours: `4`, theirs: `-3e-2`, want: `-3e-2`, wantRule: "resolver:min"},
		{name: "min tie", resolver: Min(), base: `5`, ours: `2`, theirs: `2.00`, want: `2`, wantRule: "resolver:min"},
		{name: "min fallback", resolver: Min(), policy: Theirs, base: `5`, ours: `null`, theirs: `1`, want: `1`, wantRule: "resolver:min/fallback:theirs"},
		{name: "min zero with big exponent", resolver: Min(), base: `1`, ours: `0e2000`, theirs: `1e-3`, want: `0e2000`, wantRule: "resolver:min"},
		{name: "min negatives", resolver: Min(), base: `1`, ours: `-12.5`, theirs: `-1.25e1`, want: `-12.5`, wantRule: "resolver:min"},
		{name: "min negative magnitudes", resolver: Min(), base: `1`, ours: `-2e3`, theirs: `-3e2`, want: `-2e3`, wantRule: "resolver:min"},

		{name: "sum", resolver: Sum(), base: `10`, ours: `13`, theirs: `11`, want: `14`, wantRule: "resolver:sum"},
		{name: "sum negative delta", resolver: Sum(), base: `10`, ours: `7`, theirs: `12`, want: `9`, wantRule: "resolver:sum"},
		{name: "sum absent base", resolver: Sum(), base: ``, ours: `2`, theirs: `3`, want: `5`, wantRule: "resolver:sum"},
		{name: "sum big", resolver: Sum(), base: `12345678901234567890`, ours: `12345678901234567891`, theirs: `12345678901234567892`, want: `12345678901234567893`, wantRule: "resolver:sum"},
		{name: "sum beyond int64", resolver: Sum(), base: `0`, ours: `9223372036854775807`, theirs: `9223372036854775806`, want: `18446744073709551613`, wantRule: "resolver:sum"},
		{name: "sum decimals exact", resolver: Sum(), base: `1.10`, ours: `1.20`, theirs: `1.15`, want: `1.25`, wantRule: "resolver:sum"},
		{name: "sum decimals scale kept", resolver: Sum(), base: `0.1`, ours: `0.2`, theirs: `0.3`, want: `0.4`, wantRule: "resolver:sum"},
		{name: "sum mixed scale", resolver: Sum(), base: `1`, ours: `1.5`, theirs: `2.25`, want: `2.75`, wantRule: "resolver:sum"},
		{name: "sum small result", resolver: Sum(), base: `1`, ours: `0.005`, theirs: `1.001`, want: `0.006`, wantRule: "resolver:sum"},
		{name: "sum negative decimal", resolver: Sum(), base: `1`, ours: `0.25`, theirs: `0.5`, want: `-0.25`, wantRule: "resolver:sum"},
		{name: "sum exponents", resolver: Sum(), base: `1e2`, ours: `2e2`, theirs: `1.5e2`, want: `250`, wantRule: "resolver:sum"},
		{name: "sum negative exponent", resolver: Sum(), base: `0`, ours: `1e-3`, theirs: `2E-3`, want: `0.003`, wantRule: "resolver:sum"},
		{name: "sum same change counts for each side", resolver: Sum(), base: `10`, ours: `11`, theirs: `11`, want: `12`, wantRule: "resolver:sum"},
		{name: "sum same decrement counts for each side", resolver: Sum(), base: `2`, ours: `1`, theirs: `1`, want: `0`, wantRule: "resolver:sum"},
		{name: "sum same addition counts for each side", resolver: Sum(), base: ``, ours: `1`, theirs: `1`, want: `2`, wantRule: "resolver:sum"},
		{name: "sum to zero", resolver: Sum(), base: `2`, ours: `1`, theirs: `3`, want: `2`, wantRule: "resolver:sum"},
		{name: "sum removal falls back", resolver: Sum(), base: `2`, ours: `3`, theirs: ``, want: `3`, wantRule: "resolver:sum/fallback:ours"},
		{name: "sum non-number base falls back", resolver: Sum(), policy: Theirs, base: `"x"`, ours: `3`, theirs: `4`, want: `4`, wantRule: "resolver:sum/fallback:theirs"},
		{name: "sum non-number side falls back", resolver: Sum(), base: `1`, ours: `[3]`, theirs: `4`, want: `[3]`, wantRule: "resolver:sum/fallback:ours"},
		{name: "sum huge exponent falls back", resolver: Sum(), base: `1e-5000`, ours: `3`, theirs: `4`, want: `3`, wantRule: "resolver:sum/fallback:ours"},
		{name: "sum long mantissa falls back", resolver: Sum(), policy: Theirs, base: `1`, ours: `2` + zeros(maxDigits), theirs: `4`, want: `4`, wantRule: "resolver:sum/fallback:theirs"},
		{name: "sum null base", resolver: Sum(), base: `null`, ours: `2`, theirs: `3`, want: `5`, wantRule: "resolver:sum"},
		{name: "sum null base same change", resolver: Sum(), base: `null`, ours: `1`, theirs: `1`, want: `2`, wantRule: "resolver:sum"},
		{name: "sum same removal is same", resolver: Sum(), policy: Fail, base: `1`, ours: ``, theirs: ``, want: ``, wantRule: RuleSame},
		{name: "sum same string is same", resolver: Sum(), policy: Fail, base: `1`, ours: `"x"`, theirs: `"x"`, want: `"x"`, wantRule: RuleSame},
		{name: "sum same number from string base is same", resolver: Sum(), policy: Fail, base: `"x"`, ours: `2`, theirs: `2`, want: `2`, wantRule: RuleSame},
		{name: "sum same array is same", resolver: Sum(), policy: Fail, base: ``, ours: `[1]`, theirs: `[1]`, want: `[1]`, wantRule: RuleSame},

		{name: "set union", resolver: SetUnion(), base: `[1,2,3]`, ours: `[1,3,4]`, theirs: `[0,1,2,3]`, want: `[0,1,3,4]`, wantRule: "resolver:set-union"},
		{name: "set union both remove", resolver: SetUnion(), base: `[1,2,3]`, ours: `[1,2]`, theirs: `[2,3]`, want: `[2]`, wantRule: "resolver:set-union"},
		{name: "set union same addition once", resolver: SetUnion(), base: `[]`, ours: `["a","b"]`, theirs: `["b","c"]`, want: `["b","c","a"]`, wantRule: "resolver:set-union"},
		{name: "set union objects by value", resolver: SetUnion(), base: `[{"a":1,"b":2}]`, ours: `[{"b":2,"a":1},{"c":3}]`, theirs: `[{"a":1,"b":2},{"d":4}]`, want: `[{"a":1,"b":2},{"d":4},{"c":3}]`, wantRule: "resolver:set-union"},
		{name: "set union numbers by text", resolver: SetUnion(), base: `[1]`, ours: `[1,2]`, theirs: `[1,2.0]`, want: `[1,2.0,2]`, wantRule: "resolver:set-union"},
		{name: "set union duplicates collapse", resolver: SetUnion(), base: `[1]`, ours: `[1,2,2]`, theirs: `[1,1,3]`, want: `[1,3,2]`, wantRule: "resolver:set-union"},
		{name: "set union absent base", resolver: SetUnion(), base: ``, ours: `[1,2]`, theirs: `[2,3]`, want: `[2,3,1]`, wantRule: "resolver:set-union"},
		{name: "set union nested arrays", resolver: SetUnion(), base: `[[1]]`, ours: `[[1],[2]]`, theirs: `[[3]]`, want: `[[3],[2]]`, wantRule: "resolver:set-union"},
		{name: "set union removal falls back", resolver: SetUnion(), policy: Theirs, base: `[1]`, ours: `[1,2]`, theirs: ``, want: ``, wantRule: "resolver:set-union/fallback:theirs"},
		{name: "set union non-array falls back", resolver: SetUnion(), base: `[1]`, ours: `{"a":1}`, theirs: `[2]`, want: `{"a":1}`, wantRule: "resolver:set-union/fallback:ours"},
		{name: "set union non-array base falls back", resolver: SetUnion(), policy: Theirs, base: `"s"`, ours: `[1]`, theirs: `[2]`, want: `[2]`, wantRule: "resolver:set-union/fallback:theirs"},
		{name: "set union null base", resolver: SetUnion(), policy: Fail, base: `null`, ours: `[1,2]`, theirs: `[2,3]`, want: `[2,3,1]`, wantRule: "resolver:set-union"},

		{name: "text different sentences", resolver: Text(Fail), base: `"The cat sat. The dog ran."`, ours: `"The black cat sat. The dog ran."`, theirs: `"The cat sat. The dog ran away."`, want: `"The black cat sat. The dog ran away."`, wantRule: "resolver:text"},
		{name: "text overlapping edit falls back", resolver: Text(Theirs), base: `"The cat sat."`, ours: `"The dog sat."`, theirs: `"The cow sat."`, want: `"The cow sat."`, wantRule: "resolver:text/fallback:theirs"},
		{name: "text overlap fail", resolver: Text(Fail), base: `"a b c"`, ours: `"a x c"`, theirs: `"a y c"`, wantRule: "resolver:text/fallback:fail", wantConflict: true},
		{name: "text non-string falls back", resolver: Text(Ours), base: `"a"`, ours: `1`, theirs: `"b"`, want: `1`, wantRule: "resolver:text/fallback:ours"},
		{name: "text non-string base falls back", resolver: Text(Theirs), base: `2`, ours: `"a"`, theirs: `"b"`, want: `"b"`, wantRule: "resolver:text/fallback:theirs"},
		{name: "text absent base", resolver: Text(Fail), base: ``, ours: `"x"`, theirs: `"y"`, wantRule: "resolver:text/fallback:fail", wantConflict: true},
		{name: "text escapes", resolver: Text(Fail), base: `"line one\nline two"`, ours: `"line 1\nline two"`, theirs: `"line one\nline 2\t\"q\""`, want: `"line 1\nline 2\t\"q\""`, wantRule: "resolver:text"},

		{name: "zero resolver uses policy", resolver: Resolver{}, policy: Theirs, base: `1`, ours: `2`, theirs: `3`, want: `3`, wantRule: "policy:theirs"},

		{name: "atomic ours", resolver: Atomic(Ours), base: `{"x":1,"y":1}`, ours: `{"x":2,"y":1}`, theirs: `{"x":1,"y":2}`, want: `{"x":2,"y":1}`, wantRule: "resolver:atomic:ours"},
		{name: "atomic theirs", resolver: Atomic(Theirs), base: `{"x":1,"y":1}`, ours: `{"x":2,"y":1}`, theirs: `{"x":1,"y":2}`, want: `{"x":1,"y":2}`, wantRule: "resolver:atomic:theirs"},
		{name: "atomic one side", resolver: Atomic(Fail), base: `{"x":1,"y":1}`, ours: `{"x":2,"y":1}`, theirs: `{"x":1,"y":1}`, want: `{"x":2,"y":1}`, wantRule: RuleOursOnly},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := &Options{Policy: tt.policy, Resolvers: map[string]Resolver{"/v": tt.resolver}}
			got, rep, err := JSON(doc(tt.base), doc(tt.ours), doc(tt.theirs), opts)
			if tt.wantConflict {
				require.ErrorIs(t, err, ErrConflict)
				var ce *ConflictError
				require.ErrorAs(t, err, &ce)
				assert.Equal(t, []string{"/v"}, ce.Paths)
				assert.Equal(t, tt.wantRule, ce.Decisions[0].Rule)
				return
			}
			require.NoError(t, err)
			wantDoc := doc(tt.want)
			eq, err := Equal(got, wantDoc)
			require.NoError(t, err)
			assert.True(t, eq, "got %s, want %s", got, wantDoc)
			assert.JSONEq(t, string(wantDoc), string(got))
			require.Len(t, rep.Decisions, 1)
			assert.Equal(t, tt.wantRule, rep.Decisions[0].Rule)
			assert.Equal(t, "/v", rep.Decisions[0].Path)
			if tt.want == "" {
				assert.Nil(t, rep.Decisions[0].Result)
			} else {
				assert.Equal(t, string(mustCompact(t, tt.want)), string(rep.Decisions[0].Result))
			}
		})
	}
}

// doc wraps a value as member "v" of an object; "" makes an empty object.
func doc(v string) []byte {
	if v == "" {
		return []byte(`{}`)
	}
	return []byte(`{"v":` + v + `}`)
}

func mustCompact(t *testing.T, s string) []byte {
	t.Helper()
	n, err := parseInput([]byte(s), "test")
	require.NoError(t, err)
	return encode(nil, n)
}

func TestResolverSelection(t *testing.T) {
	tests := []struct {
		name      string
		resolvers map[string]Resolver
		path      []string
		wantName  string
	}{
		{name: "exact beats wildcard", resolvers: map[string]Resolver{"/a/*": Max(), "/a/b": Min()}, path: []string{"a", "b"}, wantName: "min"},
		{name: "fewer wildcards", resolvers: map[string]Resolver{"/*/*": Max(), "/*/b": Min()}, path: []string{"a", "b"}, wantName: "min"},
		{name: "later wildcard wins", resolvers: map[string]Resolver{"/*/b": Max(), "/a/*": Min()}, path: []string{"a", "b"}, wantName: "min"},
		{name: "depth must match", resolvers: map[string]Resolver{"/a": Max(), "/a/*/c": Min()}, path: []string{"a", "b"}, wantName: ""},
		{name: "root", resolvers: map[string]Resolver{"": Sum(), "/*": Max()}, path: nil, wantName: "sum"},
		{name: "escaped", resolvers: map[string]Resolver{"/a~1b/~0": Sum()}, path: []string{"a/b", "~"}, wantName: "sum"},
		{name: "star matches star", resolvers: map[string]Resolver{"/*": Sum()}, path: []string{"*"}, wantName: "sum"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := newMerger(&Options{Resolvers: tt.resolvers})
			require.NoError(t, err)
			m.path = tt.path
			r, ok := m.resolver()
			assert.Equal(t, tt.wantName != "", ok)
			assert.Equal(t, tt.wantName, r.Name())
		})
	}
}

func TestResolverWildcardInDocument(t *testing.T) {
	base := `{"answers":{"q1":"The sky is blue. Water is wet.","q2":"a"},"score":{"best":10,"count":3},"tags":["x"]}`
	ours := `{"answers":{"q1":"The sky is very blue. Water is wet.","q2":"b"},"score":{"best":12,"count":4},"tags":["x","o"]}`
	theirs := `{"answers":{"q1":"The sky is blue. Water is always wet.","q2":"c"},"score":{"best":11,"count":5},"tags":["t"]}`
	opts := &Options{
		Policy: Fail,
		Resolvers: map[string]Resolver{
			"/answers/*":   Text(Fail),
			"/answers/q2":  Use(Theirs),
			"/score/best":  Max(),
			"/score/count": Sum(),
			"/tags":        SetUnion(),
		},
	}
	got, rep, err := JSON([]byte(base), []byte(ours), []byte(theirs), opts)
	require.NoError(t, err)
	assert.JSONEq(t, `{"answers":{"q1":"The sky is very blue. Water is always wet.","q2":"c"},"score":{"best":12,"count":6},"tags":["t","o"]}`, string(got))
	rules := map[string]string{}
	for _, d := range rep.Decisions {
		rules[d.Path] = d.Rule
	}
	assert.Equal(t, map[string]string{
		"/answers/q1":  "resolver:text",
		"/answers/q2":  "resolver:theirs",
		"/score/best":  "resolver:max",
		"/score/count": "resolver:sum",
		"/tags":        "resolver:set-union",
	}, rules)
}

func TestResolverFunc(t *testing.T) {
	var calls []string
	concat := ResolverFunc(func(path string, base, ours, theirs json.RawMessage) (json.RawMessage, error) {
		calls = append(calls, fmt.Sprintf("%s %s %s %s", path, base, ours, theirs))
		var o, th string
		if err := json.Unmarshal(ours, &o); err != nil {
			return nil, ErrNoDecision
		}
		if err := json.Unmarshal(theirs, &th); err != nil {
			return nil, fmt.Errorf("theirs: %w", ErrNoDecision)
		}
		return json.Marshal(th + "+" + o)
	})
	opts := &Options{Policy: Theirs, Resolvers: map[string]Resolver{"/*": concat}}
	got, rep, err := JSON([]byte(`{"a":"x","b":"x","c":"x","d":1}`), []byte(`{"a":"o","b":1,"c":"o","d":3}`), []byte(`{"a":"t","b":"t","c":2,"d":2}`), opts)
	require.NoError(t, err)
	assert.JSONEq(t, `{"a":"t+o","b":"t","c":2,"d":2}`, string(got))
	assert.Equal(t, []string{`/a "x" "o" "t"`, `/b "x" 1 "t"`, `/c "x" "o" 2`, `/d 1 3 2`}, calls)
	assert.Equal(t, "resolver:custom", rep.Decisions[0].Rule)
	assert.Equal(t, "resolver:custom/fallback:theirs", rep.Decisions[1].Rule)

	remove := ResolverFunc(func(string, json.RawMessage, json.RawMessage, json.RawMessage) (json.RawMessage, error) {
		return nil, nil
	})
	got, rep, err = JSON([]byte(`{"a":1,"b":1}`), []byte(`{"a":2,"b":1}`), []byte(`{"a":3,"b":1}`), &Options{Resolvers: map[string]Resolver{"/a": remove}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"b":1}`, string(got))
	assert.Nil(t, rep.Decisions[0].Result)

	_, _, err = JSON([]byte(`1`), []byte(`2`), []byte(`3`), &Options{Resolvers: map[string]Resolver{"": remove}})
	var re *ResolverError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "", re.Path)

	boom := errors.New("boom")
	failing := ResolverFunc(func(string, json.RawMessage, json.RawMessage, json.RawMessage) (json.RawMessage, error) {
		return nil, boom
	})
	_, rep, err = JSON([]byte(`{"a":{"b":1}}`), []byte(`{"a":{"b":2}}`), []byte(`{"a":{"b":3}}`), &Options{Resolvers: map[string]Resolver{"/a/b": failing}})
	require.ErrorIs(t, err, boom)
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "/a/b", re.Path)
	assert.Nil(t, rep)

	invalid := ResolverFunc(func(string, json.RawMessage, json.RawMessage, json.RawMessage) (json.RawMessage, error) {
		return json.RawMessage(`{"x":`), nil
	})
	_, _, err = JSON([]byte(`{"a":1}`), []byte(`{"a":2}`), []byte(`{"a":3}`), &Options{Resolvers: map[string]Resolver{"/a": invalid}})
	require.ErrorIs(t, err, ErrInvalidJSON)
	assert.Contains(t, err.Error(), "resolver result at /a")
}

func TestResolverOnlyOnConflicts(t *testing.T) {
	// A resolver is not consulted when only one side changed the value.
	called := false
	spy := ResolverFunc(func(string, json.RawMessage, json.RawMessage, json.RawMessage) (json.RawMessage, error) {
		called = true
		return nil, ErrNoDecision
	})
	got, _, err := JSON([]byte(`{"n":5}`), []byte(`{"n":1}`), []byte(`{"n":5}`), &Options{Resolvers: map[string]Resolver{"/n": Max(), "/*": spy}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"n":1}`, string(got), "ours-only change wins even against Max")
	assert.False(t, called)
}

func TestDecimal(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{in: "0", want: "0", ok: true},
		{in: "-0", want: "0", ok: true},
		{in: "1.50", want: "1.50", ok: true},
		{in: "-0.05", want: "-0.05", ok: true},
		{in: "1e2", want: "100", ok: true},
		{in: "1.5E+1", want: "15", ok: true},
		{in: "25e-3", want: "0.025", ok: true},
		{in: "1e1000", want: "1" + string(make([]byte, 0)) + zeros(1000), ok: true},
		{in: "1e1001", ok: false},
		{in: "0.1e-1000", ok: false},
		{in: "1e99999999999999999999", ok: false},
		{in: "1" + zeros(maxDigits-1), want: "1" + zeros(maxDigits-1), ok: true},
		{in: "0." + zeros(maxDigits-1), ok: false},
		{in: "1" + zeros(maxDigits), ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			d, ok := parseDecimal(tt.in)
			require.Equal(t, tt.ok, ok)
			if ok {
				assert.Equal(t, tt.want, d.String())
			}
		})
	}
}

func zeros(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = '0'
	}
	return string(b)
}

func TestMagnitude(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{a: "0", b: "-0", want: 0},
		{a: "0e2000", b: "0.000", want: 0},
		{a: "0e2000", b: "1e-3", want: -1},
		{a: "-1e-3", b: "0e-2000", want: -1},
		{a: "1", b: "1.0", want: 0},
		{a: "100", b: "1e2", want: 0},
		{a: "0.05", b: "5e-2", want: 0},
		{a: "123.45", b: "12345e-2", want: 0},
		{a: "1.5", b: "1.45", want: 1},
		{a: "99", b: "100", want: -1},
		{a: "-99", b: "-100", want: 1},
		{a: "1e999999999", b: "9e999999998", want: 1},
		{a: "-1e-999999999", b: "1e-999999999", want: -1},
		{a: "12345678901234567890", b: "12345678901234567891", want: -1},
	}
	for _, tt := range tests {
		t.Run(tt.a+" vs "+tt.b, func(t *testing.T) {
			a, ok := parseMagnitude(tt.a)
			require.True(t, ok)
			b, ok := parseMagnitude(tt.b)
			require.True(t, ok)
			assert.Equal(t, tt.want, cmpMagnitude(a, b))
			assert.Equal(t, -tt.want, cmpMagnitude(b, a))
		})
	}
	for _, bad := range []string{"1e1000000001", "1e-1000000001", "1e99999999999999999999", "1" + zeros(maxDigits)} {
		_, ok := parseMagnitude(bad)
		assert.False(t, ok, bad)
	}
}

// TestNumberResolversHugeInputs checks that Max, Min and Sum decline numbers
// with huge mantissas or exponents instead of computing with them.
func TestNumberResolversHugeInputs(t *testing.T) {
	huge := "1" + strings.Repeat("7", 1<<20)
	for _, r := range []Resolver{Max(), Min(), Sum()} {
		t.Run(r.Name(), func(t *testing.T) {
			for _, pair := range [][2]string{{huge, "2"}, {"3e999999999", "2"}, {huge + "e-999", huge + "e999"}} {
				got, rep, err := JSON(doc("1"), doc(pair[0]), doc(pair[1]), &Options{Policy: Theirs, Resolvers: map[string]Resolver{"/v": r}})
				require.NoError(t, err)
				if r.Name() == "sum" || len(pair[0]) > maxDigits {
					assert.Equal(t, string(doc(pair[1])), string(got))
					assert.Equal(t, "resolver:"+r.Name()+"/fallback:theirs", rep.Decisions[0].Rule)
				}
			}
		})
	}
}

// TestSumSameChangeOnlyForNumbers is the counter example of the package
// documentation with members both sides removed or left alone.
func TestSumSameChangeOnlyForNumbers(t *testing.T) {
	opts := &Options{Policy: Fail, Resolvers: map[string]Resolver{"/attempts/*": Sum()}}
	got, rep, err := JSON([]byte(`{"attempts":{"q1":1,"q2":0}}`), []byte(`{"attempts":{"q1":2}}`), []byte(`{"attempts":{"q1":1}}`), opts)
	require.NoError(t, err)
	assert.Equal(t, `{"attempts":{"q1":2}}`, string(got))
	rules := map[string]string{}
	for _, d := range rep.Decisions {
		rules[d.Path] = d.Rule
	}
	assert.Equal(t, map[string]string{"/attempts/q1": RuleOursOnly, "/attempts/q2": RuleSame}, rules)

	got, rep, err = JSON([]byte(`{"a":{"n":"x","m":null,"k":1}}`), []byte(`{"a":{"n":"y","m":null,"k":2}}`), []byte(`{"a":{"n":"y","m":null,"k":2}}`),
		&Options{Policy: Fail, Resolvers: map[string]Resolver{"/a/*": Sum()}})
	require.NoError(t, err)
	assert.Equal(t, `{"a":{"n":"y","m":null,"k":3}}`, string(got))
	require.Len(t, rep.Decisions, 2)
	assert.Equal(t, Decision{Path: "/a/n", Base: raw(`"x"`), Ours: raw(`"y"`), Theirs: raw(`"y"`), Result: raw(`"y"`), Rule: RuleSame}, rep.Decisions[0])
	assert.Equal(t, "resolver:sum", rep.Decisions[1].Rule)
}
