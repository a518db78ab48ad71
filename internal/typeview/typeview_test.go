package typeview

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type inner struct {
	Done bool `json:"done"`
}

type Embedded struct {
	Shared string `json:"shared"`
}

type outer struct {
	Embedded
	Counter int                 `json:"counter"`
	Items   []inner             `json:"items"`
	ByName  map[string]inner    `json:"byName"`
	Any     any                 `json:"any"`
	Raw     json.RawMessage     `json:"raw"`
	When    time.Time           `json:"when"`
	Ptr     *inner              `json:"ptr"`
	Grid    [][]inner           `json:"grid"`
	Fixed   [2]inner            `json:"fixed"`
	Quoted  int                 `json:"quoted,string"`
	Skip    int                 `json:"-"`
	Dash    int                 `json:"-,"`
	NoTag   int                 //nolint:unused // named by its Go name
	Self    *outer              `json:"self"`
	Bytes   []byte              `json:"bytes"`
	Nested  map[string][]*inner `json:"nested"`
	hidden  int
}

func TestFilter(t *testing.T) {
	v := New(reflect.TypeFor[outer]())
	tests := []struct {
		name, doc, want string
		same            bool
	}{
		{name: "exact names only", doc: `{"counter":1,"Counter":5,"COUNTER":6}`, want: `{"counter":1}`},
		{name: "nothing to drop returns doc", doc: `{"counter":1, "items":[{"done":true}]}`, same: true},
		{name: "inside array elements", doc: `{"items":[{"done":true,"Done":false,"x":1},{"DONE":true}]}`, want: `{"items":[{"done":true},{}]}`},
		{name: "map values are structs", doc: `{"byName":{"A":{"Done":true,"done":false}}}`, want: `{"byName":{"A":{"done":false}}}`},
		{name: "interface and raw values are kept whole", doc: `{"any":{"Counter":1},"raw":{"Counter":2}}`, same: true},
		{name: "embedded fields promoted", doc: `{"shared":"s","Shared":"t","Embedded":{}}`, want: `{"shared":"s"}`},
		{name: "pointer, nested arrays, fixed arrays", doc: `{"ptr":{"Done":1},"grid":[[{"Done":1}]],"fixed":[{"Done":1},{"done":true}]}`, want: `{"ptr":{},"grid":[[{}]],"fixed":[{},{"done":true}]}`},
		{name: "tags: string option, dash, Go name", doc: `{"quoted":"5","Skip":1,"-":2,"NoTag":3,"notag":4}`, want: `{"quoted":"5","-":2,"NoTag":3}`},
		{name: "recursive types", doc: `{"self":{"self":{"Counter":1,"counter":2}}}`, want: `{"self":{"self":{"counter":2}}}`},
		{name: "escaped names compare decoded", doc: `{"count\u0065r":1,"Count\u0065r":2}`, want: `{"count\u0065r":1}`},
		{name: "unexported fields are not names", doc: `{"hidden":1}`, want: `{}`},
		{name: "maps of slices of pointers", doc: `{"nested":{"k":[{"Done":true},null]}}`, want: `{"nested":{"k":[{},null]}}`},
		{name: "not an object where a struct is expected", doc: `[1,{"Counter":1}]`, same: true},
		{name: "null", doc: `null`, same: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := v.Filter([]byte(tt.doc))
			require.NoError(t, err)
			if tt.same {
				assert.Equal(t, tt.doc, string(got))
				return
			}
			assert.Equal(t, tt.want, string(got))
		})
	}
}

func TestFilterDecodesExactly(t *testing.T) {
	type progress struct {
		Counter int `json:"counter"`
	}
	doc := []byte(`{"Counter":41}`)
	var loose progress
	require.NoError(t, json.Unmarshal(doc, &loose))
	require.Equal(t, 41, loose.Counter, "encoding/json alone folds case")

	filtered, err := New(reflect.TypeFor[progress]()).Filter(doc)
	require.NoError(t, err)
	var exact progress
	require.NoError(t, json.Unmarshal(filtered, &exact))
	assert.Equal(t, 0, exact.Counter)
}

func TestFilterPlainTypes(t *testing.T) {
	for _, typ := range []reflect.Type{
		reflect.TypeFor[map[string]any](), reflect.TypeFor[[]int](), reflect.TypeFor[any](),
		reflect.TypeFor[json.RawMessage](), reflect.TypeFor[time.Time](),
	} {
		doc := []byte(`{"A":1,"a":2`) // not even JSON: plain views never look
		got, err := New(typ).Filter(doc)
		require.NoError(t, err, typ.String())
		assert.Equal(t, string(doc), string(got), typ.String())
	}
}

func TestFilterSyntax(t *testing.T) {
	v := New(reflect.TypeFor[outer]())
	for _, doc := range []string{``, `{`, `{"counter"`, `{"counter":}`, `{"counter":1,}`, `{"a":"x}`, `[{"done":true}`, `{} x`, `{"items":[1 2]}`} {
		_, err := v.Filter([]byte(doc))
		assert.ErrorIs(t, err, ErrSyntax, doc)
	}
}

func TestIsRaw(t *testing.T) {
	type blob []byte
	type textBlob []byte
	tests := []struct {
		typ  reflect.Type
		want bool
	}{
		{reflect.TypeFor[[]byte](), true},
		{reflect.TypeFor[json.RawMessage](), true},
		{reflect.TypeFor[blob](), true},
		{reflect.TypeFor[string](), false},
		{reflect.TypeFor[[]int8](), false},
		{reflect.TypeFor[[4]byte](), false},
		{reflect.TypeFor[map[string]any](), false},
		{reflect.TypeFor[time.Time](), false},
		{reflect.TypeFor[ipLike](), false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, IsRaw(tt.typ), tt.typ.String())
	}
}

// ipLike is a byte slice with its own text encoding, as net.IP is.
type ipLike []byte

func (ipLike) MarshalText() ([]byte, error) { return []byte("x"), nil }

// FuzzFilter checks that Filter never panics, that what it returns is JSON
// when the input is, and that decoding the result never reads a member
// under a name that differs from the field's.
func FuzzFilter(f *testing.F) {
	for _, s := range []string{`{"counter":1,"Counter":2}`, `{"items":[{"Done":true}]}`, `{"self":{"self":null}}`, `[]`, `"x"`, `{"byName":{"a":{"done":true,"DONE":false}}}`} {
		f.Add([]byte(s))
	}
	v := New(reflect.TypeFor[outer]())
	f.Fuzz(func(t *testing.T, doc []byte) {
		got, err := v.Filter(doc)
		if err != nil {
			return
		}
		if !json.Valid(doc) {
			return
		}
		require.True(t, json.Valid(got), "%s -> %s", doc, got)
		again, err := v.Filter(got)
		require.NoError(t, err)
		assert.Equal(t, string(got), string(again), "a filtered document has nothing left to drop")
		var whole, own outer
		if json.Unmarshal(doc, &whole) == nil {
			assert.NoError(t, json.Unmarshal(got, &own), "dropping members never breaks a decoding")
		}
	})
}

func TestFieldPrecedenceFollowsEncodingJSON(t *testing.T) {
	type metaS struct {
		A int `json:"a"`
	}
	type inner struct {
		Meta metaS `json:"meta"`
		Deep int   `json:"deep"`
	}
	type twinA struct {
		Same int
	}
	type twinB struct {
		Same string
	}
	type taggedA struct {
		X int `json:"x"`
	}
	type untaggedB struct {
		X int
	}
	type outer struct {
		inner
		twinA
		twinB
		taggedA
		untaggedB
		Meta map[string]any `json:"meta"`
	}
	doc := []byte(`{"meta":{"a":1,"b":2},"deep":3,"Same":4,"x":5,"X":6}`)
	var want outer
	require.NoError(t, json.Unmarshal(doc, &want))
	filtered, err := New(reflect.TypeFor[outer]()).Filter(doc)
	require.NoError(t, err)
	var got outer
	require.NoError(t, json.Unmarshal(filtered, &got))
	assert.Equal(t, want, got, "the shallower map wins over the embedded struct; ambiguous names decode nothing")
	assert.Equal(t, map[string]any{"a": 1.0, "b": 2.0}, got.Meta)
	assert.NotContains(t, string(filtered), `"Same"`, "an ambiguous name is no field")
	assert.Equal(t, 5, got.taggedA.X, "the tagged field wins at equal depth")
}

// BenchmarkDecode times a typed decode through Filter beside encoding/json
// alone, on a learner-state document in which another app's members make up
// about half of every element.
func BenchmarkDecode(b *testing.B) {
	type answer struct {
		ID    string `json:"id"`
		Value string `json:"value"`
		Done  bool   `json:"done"`
	}
	type state struct {
		Page    int      `json:"page"`
		Answers []answer `json:"answers"`
	}
	for _, n := range []int{10, 1000} {
		var doc strings.Builder
		doc.WriteString(`{"page":3,"other":{"theme":"dark"},"answers":[`)
		for i := range n {
			if i > 0 {
				doc.WriteByte(',')
			}
			fmt.Fprintf(&doc, `{"id":"q%d","value":"some answer text","done":true,"Score":%d,"feedback":"from the grader"}`, i, i)
		}
		doc.WriteString(`]}`)
		data := []byte(doc.String())
		v := New(reflect.TypeFor[state]())
		b.Run(fmt.Sprintf("%dB/filter+unmarshal", len(data)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				own, err := v.Filter(data)
				if err != nil {
					b.Fatal(err)
				}
				var s state
				if err := json.Unmarshal(own, &s); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("%dB/unmarshal", len(data)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var s state
				if err := json.Unmarshal(data, &s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestCanonical(t *testing.T) {
	type inner struct {
		N float64
		M map[string][]int
	}
	type withTime struct{ At time.Time }
	type withAny struct{ V any }
	type withNumber struct{ N json.Number }
	type withRaw struct{ R json.RawMessage }
	type tree struct {
		Kids []*tree
		Name string
	}
	for _, tc := range []struct {
		t    reflect.Type
		want bool
	}{
		{reflect.TypeFor[inner](), true},
		{reflect.TypeFor[tree](), true},
		{reflect.TypeFor[[]inner](), true},
		{reflect.TypeFor[withTime](), false},
		{reflect.TypeFor[withAny](), false},
		{reflect.TypeFor[withNumber](), false},
		{reflect.TypeFor[withRaw](), false},
		{reflect.TypeFor[map[string]any](), false},
	} {
		assert.Equal(t, tc.want, Canonical(tc.t), "%v", tc.t)
	}
}
