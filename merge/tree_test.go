package merge

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseAndEncode(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{name: "compact object", in: `{"a":1,"b":[true,false,null]}`, want: `{"a":1,"b":[true,false,null]}`},
		{name: "whitespace", in: " \t\n{ \"a\" : [ 1 , 2 ] ,\r\n\"b\":{ } , \"c\" : [ ] }\n", want: `{"a":[1,2],"b":{},"c":[]}`},
		{name: "member order kept", in: `{"z":1,"a":2,"m":3}`, want: `{"z":1,"a":2,"m":3}`},
		{name: "numbers exact", in: `[12345678901234567890,1.10,-0,0.0e-0,1E+5,-2.5e10]`, want: `[12345678901234567890,1.10,-0,0.0e-0,1E+5,-2.5e10]`},
		{name: "escapes decoded", in: `"\"\\\/\b\f\n\r\t\u0041\u00e9\u20ac\ud83d\ude00"`, want: `"\"\\/\b\f\n\r\tAé€😀"`},
		{name: "control escapes", in: `"\u0000\u001f\u007f"`, want: "\"\\u0000\\u001f\x7f\""},
		{name: "no html escaping", in: `"\u003c\u003e\u0026"`, want: `"<>&"`},
		{name: "line separators literal", in: `"\u2028\u2029"`, want: "\"\u2028\u2029\""},
		{name: "lone high surrogate", in: `"a\ud800b"`, want: `"a` + "\uFFFD" + `b"`},
		{name: "lone low surrogate", in: `"\udc00"`, want: `"` + "\uFFFD" + `"`},
		{name: "high surrogate then non-surrogate escape", in: `"\ud800\u0041"`, want: `"` + "\uFFFD" + `A"`},
		{name: "raw utf-8", in: `"日本 😀"`, want: `"日本 😀"`},
		{name: "escaped key", in: `{"a\nb":1}`, want: `{"a\nb":1}`},
		{name: "scalars", in: ` "s" `, want: `"s"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := parseInput([]byte(tt.in), "x")
			require.NoError(t, err)
			got := encode(nil, n)
			assert.Equal(t, tt.want, string(got))
			assert.True(t, json.Valid(got))
			// Encoding is stable.
			n2, err := parseInput(got, "x")
			require.NoError(t, err)
			assert.Equal(t, string(got), string(encode(nil, n2)))
			assert.True(t, equal(n, n2))
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in     string
		offset int
		reason string
	}{
		{in: ``, offset: 0, reason: "unexpected end of input"},
		{in: `{"a":1}}`, offset: 7, reason: "data after the top-level value"},
		{in: `{"a":1,"a":2}`, offset: 7, reason: `duplicate member name "a"`},
		{in: `"a` + "\x7f\xfe" + `"`, offset: 3, reason: "invalid UTF-8 in a string"},
		{in: `"\n` + "\xfe" + `"`, offset: 3, reason: "invalid UTF-8 in a string"},
		{in: `"\n` + "\x01" + `"`, offset: 3, reason: "control character in a string"},
		{in: `"\u12`, offset: 1, reason: `invalid \u escape`},
		{in: `"\n`, offset: 3, reason: "unterminated string"},
		{in: `"\`, offset: 1, reason: "unterminated string"},
		{in: `"abc`, offset: 4, reason: "unterminated string"},
		{in: `[1,x]`, offset: 3, reason: `unexpected character 'x'`},
		{in: `-a`, offset: 1, reason: "invalid number"},
		{in: `1.e5`, offset: 2, reason: "invalid number: no digits after '.'"},
		{in: `1e`, offset: 2, reason: "invalid number: no digits in the exponent"},
		{in: `{"a":1 "b"}`, offset: 7, reason: "expected ',' or '}' in an object"},
		{in: `{"a":1`, offset: 6, reason: "unexpected end of input in an object"},
		{in: `[1`, offset: 2, reason: "unexpected end of input in an array"},
		{in: `[1 2]`, offset: 3, reason: "expected ',' or ']' in an array"},
		{in: `{"a" 1}`, offset: 5, reason: "expected ':' after a member name"},
		{in: `{,}`, offset: 1, reason: "expected a member name"},
		{in: `"\q"`, offset: 1, reason: "invalid escape in a string"},
		{in: strings.Repeat("[", maxDepth+1), offset: maxDepth, reason: "nesting deeper than 10000"},
		{in: strings.Repeat(`{"":`, maxDepth+1), offset: 4 * maxDepth, reason: "nesting deeper than 10000"},
	}
	for _, tt := range tests {
		t.Run(tt.in[:min(len(tt.in), 20)], func(t *testing.T) {
			n, serr := parse([]byte(tt.in))
			assert.Nil(t, n)
			require.NotNil(t, serr)
			assert.Equal(t, tt.reason, serr.reason)
			assert.Equal(t, tt.offset, serr.offset)
			if !strings.Contains(tt.reason, "duplicate") && !strings.Contains(tt.reason, "UTF-8") && !strings.Contains(tt.reason, "nesting") {
				assert.False(t, json.Valid([]byte(tt.in)), "encoding/json agrees it is invalid")
			}
		})
	}
}

func TestCanonicalText(t *testing.T) {
	a, err := parseInput([]byte(`{"b":[{"y":1,"x":"s"}],"a":null}`), "a")
	require.NoError(t, err)
	b, err := parseInput([]byte(`{ "a": null, "b": [ { "x": "s", "y": 1 } ] }`), "b")
	require.NoError(t, err)
	assert.Equal(t, `{"a":null,"b":[{"x":"s","y":1}]}`, string(appendCanonical(nil, a)))
	assert.Equal(t, string(appendCanonical(nil, a)), string(appendCanonical(nil, b)))
}

func TestLargeObjectIndex(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("{")
	for i := range 50 {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, `"k%d":%d`, i, i%10)
	}
	sb.WriteString("}")
	n, err := parseInput([]byte(sb.String()), "x")
	require.NoError(t, err)
	require.NotNil(t, n.index)
	assert.True(t, n.has("k0"))
	assert.False(t, n.has("nope"))
	assert.Nil(t, n.member("nope"))
	assert.Equal(t, "9", n.member("k39").str)
}
