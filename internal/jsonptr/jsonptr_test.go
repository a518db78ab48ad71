package jsonptr

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	tests := []struct {
		ptr     string
		want    []string
		wantErr string
	}{
		{ptr: "", want: []string{}},
		{ptr: "/", want: []string{""}},
		{ptr: "//", want: []string{"", ""}},
		{ptr: "/eTag", want: []string{"eTag"}},
		{ptr: "/_rev", want: []string{"_rev"}},
		{ptr: "/a/0/b", want: []string{"a", "0", "b"}},
		{ptr: "/a~1b", want: []string{"a/b"}},
		{ptr: "/m~0n", want: []string{"m~n"}},
		{ptr: "/~01", want: []string{"~1"}},
		{ptr: "/~10", want: []string{"/0"}},
		{ptr: "/~0~1~1~0", want: []string{"~//~"}},
		{ptr: "/ é/\x00", want: []string{" é", "\x00"}},
		{ptr: "eTag", wantErr: `pointer "eTag" does not start with "/"`},
		{ptr: "#/eTag", wantErr: `does not start with "/"`},
		{ptr: "/a~", wantErr: `has a "~" not followed by "0" or "1"`},
		{ptr: "/a~2", wantErr: `not followed by "0" or "1"`},
		{ptr: "/~~0", wantErr: `not followed by "0" or "1"`},
		{ptr: "/ok/~x", wantErr: `not followed by "0" or "1"`},
		{ptr: "/\xff", wantErr: "is not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.ptr, func(t *testing.T) {
			got, err := Parse(tt.ptr)
			if tt.wantErr != "" {
				require.ErrorIs(t, err, ErrInvalid)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// nested is a document for the read tests, with names that need escapes.
const nested = ` {
  "id": 7,
  "eTag": "abc",
  "n": 1.50e+3,
  "a/b": 1, "m~n": 2, "x\u0079": 3, "q\"": 4, "\ud83d\ude00": 5, "": 6,
  "list": [10, {"k": [true, null]}, "s"],
  "obj": {"inner": {"deep": "yes"}, "empty": {}, "arr": []}
}
`

func TestGet(t *testing.T) {
	tests := []struct {
		name, doc, ptr string
		want           string // raw text; empty means not found
	}{
		{name: "whole document", doc: nested, ptr: "", want: strings.TrimSpace(nested)},
		{name: "string keeps quotes", doc: nested, ptr: "/eTag", want: `"abc"`},
		{name: "number keeps text", doc: nested, ptr: "/n", want: `1.50e+3`},
		{name: "slash escaped", doc: nested, ptr: "/a~1b", want: `1`},
		{name: "tilde escaped", doc: nested, ptr: "/m~0n", want: `2`},
		{name: "unicode escape in name", doc: nested, ptr: "/xy", want: `3`},
		{name: "quote escape in name", doc: nested, ptr: `/q"`, want: `4`},
		{name: "surrogate pair in name", doc: nested, ptr: "/😀", want: `5`},
		{name: "empty name", doc: nested, ptr: "/", want: `6`},
		{name: "array element", doc: nested, ptr: "/list/0", want: `10`},
		{name: "inside array", doc: nested, ptr: "/list/1/k/1", want: `null`},
		{name: "last array element", doc: nested, ptr: "/list/2", want: `"s"`},
		{name: "nested object", doc: nested, ptr: "/obj/inner", want: `{"deep": "yes"}`},
		{name: "deep", doc: nested, ptr: "/obj/inner/deep", want: `"yes"`},
		{name: "empty object", doc: nested, ptr: "/obj/empty", want: `{}`},
		{name: "missing member", doc: nested, ptr: "/etag"},
		{name: "escaped name not matched raw", doc: nested, ptr: `/x\u0079`},
		{name: "index past end", doc: nested, ptr: "/list/3"},
		{name: "dash never resolves", doc: nested, ptr: "/list/-"},
		{name: "leading zero index", doc: nested, ptr: "/list/01"},
		{name: "signed index", doc: nested, ptr: "/list/+1"},
		{name: "huge index", doc: nested, ptr: "/list/99999999999999999999999"},
		{name: "name on array", doc: nested, ptr: "/list/k"},
		{name: "through a number", doc: nested, ptr: "/id/0"},
		{name: "through a string", doc: nested, ptr: "/eTag/a"},
		{name: "in empty object", doc: nested, ptr: "/obj/empty/x"},
		{name: "in empty array", doc: nested, ptr: "/obj/arr/0"},
		{name: "index on object", doc: `{"0":"zero"}`, ptr: "/0", want: `"zero"`},
		{name: "scalar document", doc: ` 12 `, ptr: "", want: `12`},
		{name: "duplicate gives last", doc: `{"v":1,"v":2,"w":0}`, ptr: "/v", want: `2`},
		{name: "duplicate path follows last", doc: `{"a":{"x":1},"a":{"y":2}}`, ptr: "/a/x"},
		{name: "duplicate path follows last, found", doc: `{"a":{"x":1},"a":{"y":2}}`, ptr: "/a/y", want: `2`},
		{name: "invalid UTF-8 name is U+FFFD", doc: "{\"a\xffb\":1}", ptr: "/a\uFFFDb", want: `1`},
		{name: "lone surrogate is U+FFFD", doc: `{"\ud800":1}`, ptr: "/\uFFFD", want: `1`},
		{name: "escaped U+FFFD", doc: `{"\ufffd":1}`, ptr: "/\uFFFD", want: `1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, ok, err := Get([]byte(tt.doc), tt.ptr)
			require.NoError(t, err)
			if tt.want == "" {
				assert.False(t, ok)
				assert.Nil(t, raw)
				return
			}
			require.True(t, ok)
			assert.Equal(t, tt.want, string(raw))
			assert.Equal(t, len(raw), cap(raw), "no spare capacity")
		})
	}
}

func TestRemove(t *testing.T) {
	pretty := "{\n  \"id\": 7,\n  \"eTag\": \"abc\",\n  \"body\": {\"x\": 1.0}\n}\n"
	tests := []struct {
		name, doc, ptr string
		want           string // empty means doc itself
	}{
		{name: "first compact", doc: `{"eTag":"abc","id":7,"x":[1]}`, ptr: "/eTag", want: `{"id":7,"x":[1]}`},
		{name: "middle compact", doc: `{"id":7,"eTag":"abc","x":[1]}`, ptr: "/eTag", want: `{"id":7,"x":[1]}`},
		{name: "last compact", doc: `{"id":7,"x":[1],"eTag":"abc"}`, ptr: "/eTag", want: `{"id":7,"x":[1]}`},
		{name: "only member", doc: `{"eTag":"abc"}`, ptr: "/eTag", want: `{}`},
		{name: "only member with space", doc: "{ \"eTag\" : \"abc\" }", ptr: "/eTag", want: `{}`},
		{name: "first pretty", doc: pretty, ptr: "/id", want: "{\n  \"eTag\": \"abc\",\n  \"body\": {\"x\": 1.0}\n}\n"},
		{name: "middle pretty", doc: pretty, ptr: "/eTag", want: "{\n  \"id\": 7,\n  \"body\": {\"x\": 1.0}\n}\n"},
		{name: "last pretty", doc: pretty, ptr: "/body", want: "{\n  \"id\": 7,\n  \"eTag\": \"abc\"\n}\n"},
		{name: "nested keeps number text", doc: pretty, ptr: "/body/x", want: "{\n  \"id\": 7,\n  \"eTag\": \"abc\",\n  \"body\": {}\n}\n"},
		{name: "space before commas", doc: `{ "a" : 1 , "b" : 2 , "c" : 3 }`, ptr: "/b", want: `{ "a" : 1 , "c" : 3 }`},
		{name: "space before commas, last", doc: `{ "a" : 1 , "b" : 2 , "c" : 3 }`, ptr: "/c", want: `{ "a" : 1 , "b" : 2 }`},
		{name: "escaped name", doc: `{"_rev":"1-a","\u0065Tag":"x","z":0}`, ptr: "/eTag", want: `{"_rev":"1-a","z":0}`},
		{name: "slash and tilde names", doc: `{"a/b":1,"m~n":2}`, ptr: "/m~0n", want: `{"a/b":1}`},
		{name: "array first", doc: `[1, 2, 3]`, ptr: "/0", want: `[2, 3]`},
		{name: "array middle", doc: `[1, 2, 3]`, ptr: "/1", want: `[1, 3]`},
		{name: "array last", doc: `[1, 2, 3]`, ptr: "/2", want: `[1, 2]`},
		{name: "array only", doc: "[\n  {}\n]", ptr: "/0", want: `[]`},
		{name: "deep in arrays", doc: `{"l":[{"a":1,"b":[true,false]}]}`, ptr: "/l/0/b/0", want: `{"l":[{"a":1,"b":[false]}]}`},
		{name: "keeps escapes and leading space", doc: "\t{\"s\":\"\\u00e9\\n\", \"r\":1}  ", ptr: "/r", want: "\t{\"s\":\"\\u00e9\\n\"}  "},
		{name: "duplicates all removed", doc: `{"v":1,"a":0,"v":2,"b":0,"v":3}`, ptr: "/v", want: `{"a":0,"b":0}`},
		{name: "duplicates adjacent at end", doc: `{"a":0, "v":1, "v":2}`, ptr: "/v", want: `{"a":0}`},
		{name: "duplicates only", doc: `{"v":1,"v":2}`, ptr: "/v", want: `{}`},
		{name: "through duplicate follows last", doc: `{"a":{"x":1},"a":{"x":2,"y":3}}`, ptr: "/a/x", want: `{"a":{"x":1},"a":{"y":3}}`},
		{name: "through duplicate, absent in last", doc: `{"a":{"x":1},"a":{"y":2}}`, ptr: "/a/x"},
		{name: "through duplicate, last is not an array", doc: `{"a":[1],"b":0,"a":{"k":1}}`, ptr: "/a/0"},
		{name: "through duplicate, last is a scalar", doc: `{"a":{"x":1},"a":5}`, ptr: "/a/x"},
		{name: "absent member", doc: `{"id":7}`, ptr: "/eTag"},
		{name: "absent parent", doc: `{"id":7}`, ptr: "/x/eTag"},
		{name: "parent is scalar", doc: `{"id":7}`, ptr: "/id/eTag"},
		{name: "absent index", doc: `[0]`, ptr: "/1"},
		{name: "dash", doc: `[0]`, ptr: "/-"},
		{name: "empty object", doc: `{}`, ptr: "/eTag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := []byte(tt.doc)
			got, err := Remove(doc, tt.ptr)
			require.NoError(t, err)
			if tt.want == "" {
				assert.Same(t, &doc[0], &got[0], "doc itself")
				assert.Len(t, got, len(doc))
				return
			}
			assert.Equal(t, tt.want, string(got))
			assert.True(t, json.Valid(got))
			assert.Equal(t, tt.doc, string(doc), "doc unchanged")
		})
	}

	_, err := Remove([]byte(`{}`), "")
	require.ErrorIs(t, err, ErrInvalid)
	assert.Contains(t, err.Error(), "cannot remove the whole document")
}

func TestSet(t *testing.T) {
	pretty := "{\n  \"id\": 7,\n  \"n\": 1.0\n}"
	tests := []struct {
		name, doc, ptr, raw string
		want                string
		wantErr             string
	}{
		{name: "replace string", doc: `{"id":7,"eTag":"abc","n":1.0}`, ptr: "/eTag", raw: `"def"`, want: `{"id":7,"eTag":"def","n":1.0}`},
		{name: "replace keeps spacing", doc: `{ "eTag" : "abc" , "n" : 1.0 }`, ptr: "/eTag", raw: `12`, want: `{ "eTag" : 12 , "n" : 1.0 }`},
		{name: "replace with object", doc: `{"a":1}`, ptr: "/a", raw: ` {"b": [1, 2]} `, want: `{"a":{"b": [1, 2]}}`},
		{name: "replace escaped name", doc: `{"\u0065Tag":"abc"}`, ptr: "/eTag", raw: `"x"`, want: `{"\u0065Tag":"x"}`},
		{name: "replace array element", doc: `[1, 2, 3]`, ptr: "/1", raw: `"two"`, want: `[1, "two", 3]`},
		{name: "replace nested", doc: `{"a":[{"b":{"c":0}}]}`, ptr: "/a/0/b/c", raw: `true`, want: `{"a":[{"b":{"c":true}}]}`},
		{name: "add to empty object", doc: `{}`, ptr: "/eTag", raw: `"abc"`, want: `{"eTag":"abc"}`},
		{name: "add to empty object with space", doc: "{ }", ptr: "/eTag", raw: `"abc"`, want: `{"eTag":"abc" }`},
		{name: "add to one-member object", doc: `{"id":7}`, ptr: "/eTag", raw: `"abc"`, want: `{"id":7,"eTag":"abc"}`},
		{name: "add copies spacing", doc: `{ "id" : 7 , "n" : 1.0 }`, ptr: "/eTag", raw: `"abc"`, want: `{ "id" : 7 , "n" : 1.0 , "eTag" : "abc" }`},
		{name: "add pretty", doc: pretty, ptr: "/_rev", raw: `"2-b"`, want: "{\n  \"id\": 7,\n  \"n\": 1.0,\n  \"_rev\": \"2-b\"\n}"},
		{name: "add pretty one member", doc: "{\n  \"id\": 7\n}\n", ptr: "/_rev", raw: `"2-b"`, want: "{\n  \"id\": 7,\n  \"_rev\": \"2-b\"\n}\n"},
		{name: "add name needing escapes", doc: `{}`, ptr: "/a~1b\"\\\n\x01é", raw: `1`, want: `{"a/b\"\\\n\u0001é":1}`},
		{name: "add nested", doc: `{"a":{"b":1}}`, ptr: "/a/c", raw: `2`, want: `{"a":{"b":1,"c":2}}`},
		{name: "add empty name", doc: `{"a":1}`, ptr: "/", raw: `2`, want: `{"a":1,"":2}`},
		{name: "whole document", doc: " {\"a\":1}\n", ptr: "", raw: `[true]`, want: " [true]\n"},
		{name: "duplicates: last replaced, others removed", doc: `{"v":1,"a":0,"v":2,"b":0}`, ptr: "/v", raw: `9`, want: `{"a":0,"v":9,"b":0}`},
		{name: "duplicates at end", doc: `{"a":0,"v":1,"v":2}`, ptr: "/v", raw: `9`, want: `{"a":0,"v":9}`},
		{name: "through duplicate adds to last", doc: `{"a":{"x":1},"a":{"y":2}}`, ptr: "/a/x", raw: `9`, want: `{"a":{"x":1},"a":{"y":2,"x":9}}`},
		{name: "through duplicate replaces in last", doc: `{"a":[1],"a":[2, 3]}`, ptr: "/a/1", raw: `9`, want: `{"a":[1],"a":[2, 9]}`},
		{name: "through duplicate, last is a scalar", doc: `{"a":{"x":1},"a":5}`, ptr: "/a/x", raw: `9`, wantErr: `parent "/a" is not an object or array`},
		{name: "through duplicate, last lacks parent", doc: `{"a":{"b":{}},"a":{}}`, ptr: "/a/b/c", raw: `9`, wantErr: `parent "/a/b" does not exist`},
		{name: "missing parent", doc: `{"a":1}`, ptr: "/x/eTag", raw: `1`, wantErr: `parent "/x" does not exist`},
		{name: "scalar parent", doc: `{"a":1}`, ptr: "/a/eTag", raw: `1`, wantErr: `parent "/a" is not an object or array`},
		{name: "array append", doc: `[1]`, ptr: "/-", raw: `1`, wantErr: `array "" has no element "-"`},
		{name: "array past end", doc: `{"l":[1]}`, ptr: "/l/1", raw: `1`, wantErr: `array "/l" has no element "1"`},
		{name: "name on array", doc: `[1]`, ptr: "/eTag", raw: `1`, wantErr: `has no element "eTag"`},
		{name: "empty raw", doc: `{}`, ptr: "/a", raw: ``, wantErr: "value: unexpected end of input at offset 0"},
		{name: "two values", doc: `{}`, ptr: "/a", raw: `1 2`, wantErr: `value: unexpected '2' after the top-level value at offset 2`},
		{name: "invalid raw", doc: `{}`, ptr: "/a", raw: `{"a"}`, wantErr: `value: unexpected '}' after a member name at offset 4`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := []byte(tt.doc)
			got, err := Set(doc, tt.ptr, []byte(tt.raw))
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
			assert.True(t, json.Valid(got))
			assert.Equal(t, tt.doc, string(doc), "doc unchanged")
			back, ok, err := Get(got, tt.ptr)
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, strings.TrimSpace(tt.raw), string(back))
		})
	}
}

func TestText(t *testing.T) {
	tests := []struct {
		raw, want string
		ok        bool
	}{
		{raw: `"abc"`, want: "abc", ok: true},
		{raw: `""`, want: "", ok: true},
		{raw: ` "W/\"x\"" `, want: `W/"x"`, ok: true},
		{raw: `"\u0061\n\/\\"`, want: "a\n/\\", ok: true},
		{raw: `"\ud83d\ude00"`, want: "😀", ok: true},
		{raw: `"\ud83d"`, want: "\uFFFD", ok: true},
		{raw: `"\ud800\u0041"`, want: "\uFFFDA", ok: true},
		{raw: `"\udc00\ud800"`, want: "\uFFFD\uFFFD", ok: true},
		{raw: `"\ud800\ud800\udc00"`, want: "\uFFFD\U00010000", ok: true},
		{raw: `"\ud800\n"`, want: "\uFFFD\n", ok: true},
		{raw: "\"\xed\xa0\x80\"", want: "\uFFFD\uFFFD\uFFFD", ok: true},
		{raw: "\"\xef\xbf\xbd\"", want: "\uFFFD", ok: true},
		{raw: "\"a\xffb\"", want: "a\uFFFDb", ok: true},
		{raw: `12`, want: "12", ok: true},
		{raw: `-0.50E+02`, want: "-0.50E+02", ok: true},
		{raw: `1.0`, want: "1.0", ok: true},
		{raw: `true`},
		{raw: `null`},
		{raw: `{}`},
		{raw: `["a"]`},
		{raw: ``},
		{raw: `"abc`},
		{raw: `01`},
		{raw: `"a" "b"`},
		{raw: `abc`},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got, ok := Text([]byte(tt.raw))
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
			if ok && tt.raw != "" && strings.TrimSpace(tt.raw)[0] == '"' {
				var s string
				require.NoError(t, json.Unmarshal([]byte(tt.raw), &s))
				assert.Equal(t, s, got, "decodes as encoding/json does")
			}
		})
	}
}

func TestInvalid(t *testing.T) {
	tests := []struct{ doc, wantErr string }{
		{doc: ``, wantErr: "unexpected end of input at offset 0"},
		{doc: `  `, wantErr: "unexpected end of input at offset 2"},
		{doc: `{`, wantErr: "unexpected end of input at offset 1"},
		{doc: `{"a":1`, wantErr: "unexpected end of input at offset 6"},
		{doc: `{"a":1,}`, wantErr: "unexpected '}' looking for a member name at offset 7"},
		{doc: `{"a" 1}`, wantErr: "unexpected '1' after a member name at offset 5"},
		{doc: `{a:1}`, wantErr: "unexpected 'a' looking for a member name at offset 1"},
		{doc: `[1 2]`, wantErr: "unexpected '2' after a value at offset 3"},
		{doc: `[1,]`, wantErr: "unexpected ']' looking for a value at offset 3"},
		{doc: `{"a":1}}`, wantErr: "unexpected '}' after the top-level value at offset 7"},
		{doc: `{} {}`, wantErr: "unexpected '{' after the top-level value at offset 3"},
		{doc: `{"a":01}`, wantErr: "unexpected '1' after a value at offset 6"},
		{doc: `[1.]`, wantErr: "unexpected ']' in a number at offset 3"},
		{doc: `[-]`, wantErr: "unexpected ']' in a number at offset 2"},
		{doc: `[1e]`, wantErr: "unexpected ']' in a number at offset 3"},
		{doc: `[.5]`, wantErr: "unexpected '.' looking for a value at offset 1"},
		{doc: `[+1]`, wantErr: "unexpected '+' looking for a value at offset 1"},
		{doc: `[tru]`, wantErr: "unexpected ']' in a literal at offset 4"},
		{doc: `[True]`, wantErr: "unexpected 'T' looking for a value at offset 1"},
		{doc: `[nul`, wantErr: "unexpected end of input at offset 4"},
		{doc: `["a` + "\n" + `"]`, wantErr: "control character in a string at offset 3"},
		{doc: `["\x"]`, wantErr: `invalid escape at offset 2`},
		{doc: `["\u12G4"]`, wantErr: `invalid \u escape at offset 2`},
		{doc: `["\u12`, wantErr: "unexpected end of input"},
		{doc: `["abc`, wantErr: "unexpected end of input at offset 5"},
		{doc: `{"a":1,"a"}`, wantErr: "unexpected '}' after a member name at offset 10"},
		{doc: "\ufeff{}", wantErr: "unexpected byte 0xef looking for a value at offset 0"},
		{doc: "[1,\v2]", wantErr: "unexpected byte 0x0b looking for a value at offset 3"},
		{doc: `[NaN]`, wantErr: "unexpected 'N' looking for a value at offset 1"},
		{doc: strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1), wantErr: "nesting deeper than 10000 at offset 10000"},
	}
	for _, tt := range tests {
		name := tt.doc
		if len(name) > 20 {
			name = name[:20]
		}
		t.Run(name, func(t *testing.T) {
			doc := []byte(tt.doc)
			require.False(t, json.Valid(doc), "test case is valid JSON")
			_, _, err := Get(doc, "/a")
			require.ErrorIs(t, err, ErrInvalid)
			assert.Contains(t, err.Error(), "document: "+tt.wantErr)
			_, err = Remove(doc, "/a")
			assert.ErrorIs(t, err, ErrInvalid)
			_, err = Set(doc, "/a", []byte(`1`))
			assert.ErrorIs(t, err, ErrInvalid)
			_, ok := Text(doc)
			assert.False(t, ok)
		})
	}

	t.Run("deepest accepted", func(t *testing.T) {
		doc := []byte(strings.Repeat(`{"a":`, maxDepth-1) + `[]` + strings.Repeat("}", maxDepth-1))
		require.True(t, json.Valid(doc))
		ptr := strings.Repeat("/a", maxDepth-1)
		raw, ok, err := Get(doc, ptr)
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, "[]", string(raw))
		out, err := Remove(doc, ptr)
		require.NoError(t, err)
		assert.Equal(t, strings.Repeat(`{"a":`, maxDepth-2)+"{}"+strings.Repeat("}", maxDepth-2), string(out))
	})

	t.Run("invalid pointer with valid document", func(t *testing.T) {
		_, _, err := Get([]byte(`{}`), "a")
		assert.ErrorIs(t, err, ErrInvalid)
		_, err = Remove([]byte(`{}`), "/~")
		assert.ErrorIs(t, err, ErrInvalid)
		_, err = Set([]byte(`{}`), "/~2", []byte(`1`))
		assert.ErrorIs(t, err, ErrInvalid)
	})
}

func Example() {
	doc := []byte(`{"id": 7, "eTag": "abc", "title": "Draft"}`)
	raw, _, _ := Get(doc, "/eTag")
	version, _ := Text(raw)
	body, _ := Remove(doc, "/eTag")
	back, _ := Set(body, "/eTag", []byte(`"abd"`))
	fmt.Println(version)
	fmt.Println(string(body))
	fmt.Println(string(back))
	// Output:
	// abc
	// {"id": 7, "title": "Draft"}
	// {"id": 7, "title": "Draft", "eTag": "abd"}
}

// decode decodes doc with numbers kept as text.
func decode(t *testing.T, doc []byte) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	var v any
	require.NoError(t, d.Decode(&v), "%q", doc)
	return v
}

// refIndex reads an array index token as RFC 6901 defines it.
func refIndex(tok string, n int) (int, bool) {
	if tok == "" || tok == "-" || (len(tok) > 1 && tok[0] == '0') || strings.Trim(tok, "0123456789") != "" {
		return 0, false
	}
	i, err := strconv.Atoi(tok)
	return i, err == nil && i < n
}

// refGet looks tok up in a decoded value.
func refGet(v any, tok string) (any, bool) {
	switch v := v.(type) {
	case map[string]any:
		x, ok := v[tok]
		return x, ok
	case []any:
		if i, ok := refIndex(tok, len(v)); ok {
			return v[i], true
		}
	}
	return nil, false
}

// refEdit makes an edit on a decoded value: it removes the value at toks
// when set is nil, and otherwise sets it to *set. It returns the new root,
// whether the parent is an object or array, and whether anything changed.
func refEdit(root any, toks []string, set *any) (out any, parentOK, changed bool) {
	if len(toks) == 0 {
		return *set, true, true
	}
	parent := root
	for _, tok := range toks[:len(toks)-1] {
		var ok bool
		if parent, ok = refGet(parent, tok); !ok {
			return root, false, false
		}
	}
	tok := toks[len(toks)-1]
	switch p := parent.(type) {
	case map[string]any:
		_, had := p[tok]
		if set == nil {
			delete(p, tok)
			return root, true, had
		}
		p[tok] = *set
		return root, true, true
	case []any:
		i, ok := refIndex(tok, len(p))
		if !ok {
			return root, true, false
		}
		if set != nil {
			p[i] = *set
			return root, true, true
		}
		shorter := append(p[:i:i], p[i+1:]...)
		return replaceAt(root, toks[:len(toks)-1], shorter), true, true
	}
	return root, false, false
}

// replaceAt sets the value at toks, which exists, to x.
func replaceAt(root any, toks []string, x any) any {
	if len(toks) == 0 {
		return x
	}
	parent := root
	for _, tok := range toks[:len(toks)-1] {
		parent, _ = refGet(parent, tok)
	}
	tok := toks[len(toks)-1]
	switch p := parent.(type) {
	case map[string]any:
		p[tok] = x
	case []any:
		i, _ := refIndex(tok, len(p))
		p[i] = x
	}
	return root
}

// isSubsequence reports whether a can be made from b by deleting bytes.
func isSubsequence(a, b []byte) bool {
	for _, c := range a {
		i := bytes.IndexByte(b, c)
		if i < 0 {
			return false
		}
		b = b[i+1:]
	}
	return true
}

func FuzzRemoveSet(f *testing.F) {
	for _, s := range []struct{ doc, ptr string }{
		{nested, "/eTag"},
		{nested, "/list/1/k/0"},
		{nested, "/obj/empty/x"},
		{nested, "/xy"},
		{nested, ""},
		{`{"id":7,"eTag":"abc"}`, "/eTag"},
		{`{"_rev":"1-a", "a": [1, 2.50, {"b": null}]}`, "/a/2/b"},
		{`{"v":1,"v":2,"a":{"v":3},"a":{"w":4}}`, "/v"},
		{`{"v":1,"v":2,"a":{"v":3},"a":{"w":4}}`, "/a/v"},
		{"{\n  \"a\\u0062\": 1,\n  \"m~n\": [],\n  \"x/y\": {}\n}", "/ab"},
		{"{\"a\xff\":1,\"a\\ud800\":2}", "/a\uFFFD"},
		{`{"\ud800\u0041":1,"\udc00\ud800\udc00":2,"\ud800\n":"\ud83d\ude00"}`, "/\uFFFDA"},
		{`[[[]], {}, "s", -0.0e-0]`, "/0/0"},
		{`[1, 2, 3]`, "/-"},
		{` "top" `, ""},
		{`{} x`, "/a"},
		{`{"a":}`, "/a"},
		{`{}`, "a"},
	} {
		f.Add([]byte(s.doc), s.ptr)
	}
	f.Fuzz(func(t *testing.T, doc []byte, ptr string) {
		checkPointer(t, doc, ptr)
		if !json.Valid(doc) {
			return
		}
		// Every value of the document, and a member or element that each
		// container lacks.
		var ptrs []string
		pointers(decode(t, doc), "", &ptrs)
		for _, p := range ptrs {
			checkPointer(t, doc, p)
		}
	})
}

// pointers appends a pointer to v and to each value inside it, and one to a
// missing member or element of each container, up to a limit.
func pointers(v any, prefix string, out *[]string) {
	const limit = 40
	if len(*out) >= limit {
		return
	}
	*out = append(*out, prefix)
	switch v := v.(type) {
	case map[string]any:
		*out = append(*out, prefix+"/new~1~0")
		for k, x := range v {
			pointers(x, prefix+"/"+strings.NewReplacer("~", "~0", "/", "~1").Replace(k), out)
		}
	case []any:
		*out = append(*out, prefix+"/"+strconv.Itoa(len(v)))
		for i, x := range v {
			pointers(x, prefix+"/"+strconv.Itoa(i), out)
		}
	}
}

// checkPointer checks Get, Remove and Set on doc and ptr against the same
// edits made on the value encoding/json decodes.
func checkPointer(t *testing.T, doc []byte, ptr string) {
	t.Helper()
	toks, perr := Parse(ptr)
	orig := bytes.Clone(doc)
	raw, found, gerr := Get(doc, ptr)
	rem, rerr := Remove(doc, ptr)
	set, serr := Set(doc, ptr, []byte(`"v"`))
	require.Equal(t, orig, doc, "doc unchanged")
	if perr != nil || !json.Valid(doc) {
		require.ErrorIs(t, gerr, ErrInvalid)
		require.ErrorIs(t, rerr, ErrInvalid)
		require.ErrorIs(t, serr, ErrInvalid)
		return
	}
	require.NoError(t, gerr)

	// Get agrees with encoding/json.
	want, wantFound := decode(t, doc), true
	for _, tok := range toks {
		if want, wantFound = refGet(want, tok); !wantFound {
			break
		}
	}
	require.Equal(t, wantFound, found)
	if found {
		require.True(t, json.Valid(raw))
		require.Equal(t, want, decode(t, raw))
		text, ok := Text(raw)
		switch want := want.(type) {
		case string:
			require.True(t, ok)
			require.Equal(t, want, text)
		case json.Number:
			require.True(t, ok)
			require.Equal(t, want.String(), text)
		default:
			require.False(t, ok)
		}
	}

	// Remove.
	if len(toks) == 0 {
		require.ErrorIs(t, rerr, ErrInvalid)
	} else {
		require.NoError(t, rerr)
		require.True(t, json.Valid(rem), "%q", rem)
		require.True(t, isSubsequence(rem, doc), "only deletions")
		wantDoc, _, changed := refEdit(decode(t, doc), toks, nil)
		require.Equal(t, wantDoc, decode(t, rem))
		if !changed {
			require.Equal(t, doc, rem)
		}
		parent, _, _ := Get(doc, ptr[:strings.LastIndexByte(ptr, '/')])
		if len(parent) > 0 && parent[0] == '{' {
			_, ok, err := Get(rem, ptr)
			require.NoError(t, err)
			require.False(t, ok)
		}
	}

	// Set.
	v := any("v")
	wantDoc, parentOK, changed := refEdit(decode(t, doc), toks, &v)
	if !parentOK || !changed {
		// A missing or scalar parent, or a missing array element.
		require.Error(t, serr)
		require.NotErrorIs(t, serr, ErrInvalid)
		return
	}
	require.NoError(t, serr)
	require.True(t, json.Valid(set), "%q", set)
	require.Equal(t, wantDoc, decode(t, set))
	back, ok, err := Get(set, ptr)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, `"v"`, string(back))
}

// bigDoc returns a pretty-printed document of about n bytes whose last
// member is "eTag".
func bigDoc(n int) []byte {
	var b bytes.Buffer
	b.WriteString("{\n  \"id\": 7,\n  \"items\": [")
	for i := 0; b.Len() < n-200; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "\n    {\"n\": %d, \"name\": \"item \\\"%d\\\" \\u00e9\", \"score\": %d.25, \"tags\": [\"a\", \"b\"], \"done\": %t, \"note\": null}", i, i, i, i%2 == 0)
	}
	b.WriteString("\n  ],\n  \"eTag\": \"3-b2f0c1\"\n}\n")
	return b.Bytes()
}

func BenchmarkGet(b *testing.B) {
	doc := bigDoc(100 << 10)
	for _, ptr := range []string{"/id", "/eTag", "/items/500/name"} {
		b.Run(ptr, func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				if _, ok, err := Get(doc, ptr); !ok || err != nil {
					b.Fatal(ok, err)
				}
			}
		})
	}
	b.Run("json.Valid baseline", func(b *testing.B) {
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			if !json.Valid(doc) {
				b.Fatal("invalid")
			}
		}
	})
}

func BenchmarkRemove(b *testing.B) {
	doc := bigDoc(100 << 10)
	for _, ptr := range []string{"/id", "/eTag", "/items/500/name"} {
		b.Run(ptr, func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Remove(doc, ptr); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestBigDoc(t *testing.T) {
	doc := bigDoc(100 << 10)
	require.True(t, json.Valid(doc))
	assert.InDelta(t, 100<<10, len(doc), 300)
	out, err := Remove(doc, "/eTag")
	require.NoError(t, err)
	assert.True(t, bytes.HasSuffix(out, []byte("\n  ]\n}\n")))
}
