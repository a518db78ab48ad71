package merge

import (
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMergePatch(t *testing.T) {
	tests := []struct {
		name       string
		base, ours string
		want       string
		wantErr    error
	}{
		{name: "no change", base: `{"a":1}`, ours: `{"a":1}`, want: `{}`},
		{name: "change add remove", base: `{"a":1,"b":2,"c":{"d":1,"e":2}}`, ours: `{"a":5,"c":{"d":1},"f":[1,null]}`, want: `{"a":5,"b":null,"c":{"e":null},"f":[1,null]}`},
		{name: "exact numbers", base: `{"n":1}`, ours: `{"n":12345678901234567890,"m":1.10}`, want: `{"n":12345678901234567890,"m":1.10}`},
		{name: "no html escaping", base: `{}`, ours: `{"h":"<a&b>"}`, want: `{"h":"<a&b>"}`},
		{name: "scalar root", base: `1`, ours: `"x"`, want: `"x"`},
		{name: "array root", base: `[1]`, ours: `[1,2]`, want: `[1,2]`},
		{name: "object over scalar", base: `1`, ours: `{"a":1}`, want: `{"a":1}`},
		{name: "null root", base: `{"a":1}`, ours: `null`, want: `null`},
		{name: "kept null is fine", base: `{"a":null}`, ours: `{"a":null,"b":1}`, want: `{"b":1}`},
		{name: "set to null", base: `{"a":1}`, ours: `{"a":null}`, wantErr: ErrNotRepresentable},
		{name: "new null", base: `{}`, ours: `{"a":{"b":null}}`, wantErr: ErrNotRepresentable},
		{name: "object with null over scalar", base: `1`, ours: `{"a":null}`, wantErr: ErrNotRepresentable},
		{name: "invalid base", base: `{`, ours: `{}`, wantErr: ErrInvalidJSON},
		{name: "invalid ours", base: `{}`, ours: `[`, wantErr: ErrInvalidJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MergePatch([]byte(tt.base), []byte(tt.ours))
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(got))
			if tt.base[0] == '{' {
				applied, err := jsonpatch.MergePatch([]byte(tt.base), got)
				require.NoError(t, err)
				assert.JSONEq(t, tt.ours, string(applied))
			}
		})
	}
}

func TestEqual(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{a: `{"a":1,"b":[1,2]}`, b: ` { "b" : [ 1 , 2 ] , "a" : 1 } `, want: true},
		{a: `[1,2]`, b: `[2,1]`, want: false},
		{a: `1`, b: `1.0`, want: false},
		{a: `1e2`, b: `1E2`, want: false},
		{a: `"\u00e9\/"`, b: `"é/"`, want: true},
		{a: `null`, b: `null`, want: true},
		{a: `null`, b: `false`, want: false},
		{a: `true`, b: `false`, want: false},
		{a: `{"a":1}`, b: `{"a":1,"b":2}`, want: false},
		{a: `{"a":1,"c":2}`, b: `{"a":1,"b":2}`, want: false},
		{a: `[1]`, b: `[1,1]`, want: false},
		{a: `{}`, b: `[]`, want: false},
		{a: `"\ud800"`, b: `"\ufffd"`, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.a+" "+tt.b, func(t *testing.T) {
			got, err := Equal([]byte(tt.a), []byte(tt.b))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	_, err := Equal([]byte(`x`), []byte(`1`))
	var ije *InvalidJSONError
	require.ErrorAs(t, err, &ije)
	assert.Equal(t, "a", ije.Input)
	_, err = Equal([]byte(`1`), []byte(`{"a":1,"a":1}`))
	require.ErrorAs(t, err, &ije)
	assert.Equal(t, "b", ije.Input)
}
