package merge

import (
	"encoding/json"
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type progress struct {
	Page    int      `json:"page"`
	Score   float64  `json:"score"`
	Done    []string `json:"done,omitempty"`
	Comment string   `json:"comment,omitempty"`
}

func TestLastWriteWins(t *testing.T) {
	lww := LastWriteWins[progress]()
	got, err := lww(progress{Page: 1}, progress{Page: 2}, progress{Page: 3, Comment: "theirs"})
	require.NoError(t, err)
	assert.Equal(t, progress{Page: 2}, got)

	raw := LastWriteWins[json.RawMessage]()
	gotRaw, err := raw(json.RawMessage(`{}`), json.RawMessage(`{"a":1}`), json.RawMessage(`{"b":2}`))
	require.NoError(t, err)
	assert.JSONEq(t, `{"a":1}`, string(gotRaw))
}

func TestFieldUnionTyped(t *testing.T) {
	tests := []struct {
		name               string
		opts               *Options
		base, ours, theirs progress
		want               progress
		wantErr            error
	}{
		{
			name: "disjoint fields",
			base: progress{Page: 1, Score: 0.5}, ours: progress{Page: 2, Score: 0.5}, theirs: progress{Page: 1, Score: 0.75},
			want: progress{Page: 2, Score: 0.75},
		},
		{
			name: "conflict ours by default",
			base: progress{Page: 1}, ours: progress{Page: 2}, theirs: progress{Page: 3},
			want: progress{Page: 2},
		},
		{
			name: "conflict theirs",
			opts: &Options{Policy: Theirs},
			base: progress{Page: 1}, ours: progress{Page: 2}, theirs: progress{Page: 3},
			want: progress{Page: 3},
		},
		{
			name: "conflict fails",
			opts: &Options{Policy: Fail},
			base: progress{Page: 1}, ours: progress{Page: 2}, theirs: progress{Page: 3},
			wantErr: ErrConflict,
		},
		{
			name:   "resolvers",
			opts:   &Options{Resolvers: map[string]Resolver{"/page": Max(), "/done": SetUnion(), "/comment": Text(Fail)}},
			base:   progress{Page: 1, Done: []string{"a"}, Comment: "Good start. Keep going."},
			ours:   progress{Page: 4, Done: []string{"a", "b"}, Comment: "Very good start. Keep going."},
			theirs: progress{Page: 3, Done: []string{"c"}, Comment: "Good start. Keep going!"},
			want:   progress{Page: 4, Done: []string{"c", "b"}, Comment: "Very good start. Keep going!"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FieldUnion[progress](tt.opts)(tt.base, tt.ours, tt.theirs)
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestFieldUnionPointerAndMap(t *testing.T) {
	got, err := FieldUnion[*progress](nil)(&progress{Page: 1}, &progress{Page: 2}, &progress{Page: 1, Comment: "c"})
	require.NoError(t, err)
	assert.Equal(t, &progress{Page: 2, Comment: "c"}, got)

	m, err := FieldUnion[map[string]any](nil)(map[string]any{"a": 1}, map[string]any{"a": 1, "b": "x"}, map[string]any{"a": 2})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"a": 2.0, "b": "x"}, m)
}

func TestFieldUnionBytes(t *testing.T) {
	tests := []struct {
		name               string
		base, ours, theirs []byte
		want               string
	}{
		{name: "documents", base: []byte(`{"n":1}`), ours: []byte(`{"n":1,"big":12345678901234567890}`), theirs: []byte(`{"n":1.10}`), want: `{"n":1.10,"big":12345678901234567890}`},
		{name: "nil base is null", base: nil, ours: []byte(`{"a":1}`), theirs: []byte(`{"b":2}`), want: `{"b":2,"a":1}`},
		{name: "empty base is null", base: []byte{}, ours: []byte(`{"a":1}`), theirs: []byte(`{"a":1}`), want: `{"a":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FieldUnion[[]byte](nil)(tt.base, tt.ours, tt.theirs)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))

			gotRaw, err := FieldUnion[json.RawMessage](nil)(tt.base, tt.ours, tt.theirs)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(gotRaw))
		})
	}
	_, err := FieldUnion[[]byte](nil)([]byte(`{}`), []byte(`{`), []byte(`{}`))
	require.ErrorIs(t, err, ErrInvalidJSON)
	var ije *InvalidJSONError
	require.ErrorAs(t, err, &ije)
	assert.Equal(t, "ours", ije.Input)
}

type failingMarshal struct{ fail bool }

func (f failingMarshal) MarshalJSON() ([]byte, error) {
	if f.fail {
		return nil, errors.New("no")
	}
	return []byte(`{}`), nil
}

func TestFieldUnionEncodingErrors(t *testing.T) {
	fu := FieldUnion[failingMarshal](nil)
	for i, in := range [][3]failingMarshal{{{true}, {}, {}}, {{}, {true}, {}}, {{}, {}, {true}}} {
		_, err := fu(in[0], in[1], in[2])
		require.Error(t, err, "case %d", i)
		assert.Contains(t, err.Error(), []string{"base", "ours", "theirs"}[i])
	}
	_, err := FieldUnion[float64](nil)(1, math.Inf(1), 1)
	require.Error(t, err)

	// A merged document that does not fit T.
	_, err = FieldUnion[progress](&Options{Resolvers: map[string]Resolver{"/page": ResolverFunc(
		func(string, json.RawMessage, json.RawMessage, json.RawMessage) (json.RawMessage, error) {
			return json.RawMessage(`"not a number"`), nil
		})}})(progress{Page: 1}, progress{Page: 2}, progress{Page: 3})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "decoding the merged document")
}

func TestCustomFunc(t *testing.T) {
	var keepLonger Func[string] = func(_, ours, theirs string) (string, error) {
		if len(ours) >= len(theirs) {
			return ours, nil
		}
		return theirs, nil
	}
	got, err := keepLonger("a", "abc", "ab")
	require.NoError(t, err)
	assert.Equal(t, "abc", got)
}

// Doc is a JSON document held in a named byte slice type.
type Doc []byte

// Blob is a byte slice that marshals itself; FieldUnion goes through its
// methods.
type Blob []byte

func (b Blob) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]string{"blob": string(b)})
}

func (b *Blob) UnmarshalJSON(data []byte) error {
	var m map[string]string
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	*b = Blob(m["blob"])
	return nil
}

func TestFieldUnionNamedBytes(t *testing.T) {
	got, err := FieldUnion[Doc](nil)(Doc(`{"n":1}`), Doc(`{"n":1,"big":12345678901234567890}`), Doc(`{"n":1.10}`))
	require.NoError(t, err)
	assert.Equal(t, `{"n":1.10,"big":12345678901234567890}`, string(got))

	got, err = FieldUnion[Doc](nil)(nil, Doc(`{"a":1}`), Doc(`{"b":2}`))
	require.NoError(t, err)
	assert.Equal(t, `{"b":2,"a":1}`, string(got))

	_, err = FieldUnion[Doc](nil)(Doc(`{}`), Doc(`{`), Doc(`{}`))
	require.ErrorIs(t, err, ErrInvalidJSON)

	type Raw json.RawMessage
	gotRaw, err := FieldUnion[Raw](nil)(Raw(`{"a":1}`), Raw(`{"a":2}`), Raw(`{"a":1,"b":3}`))
	require.NoError(t, err)
	assert.Equal(t, `{"a":2,"b":3}`, string(gotRaw))

	blob, err := FieldUnion[Blob](nil)(Blob("x"), Blob("ours"), Blob("x"))
	require.NoError(t, err)
	assert.Equal(t, Blob("ours"), blob)

	// Interface values go through encoding/json.
	anyGot, err := FieldUnion[any](nil)(map[string]any{"a": 1}, map[string]any{"a": 2}, map[string]any{"a": 1})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"a": 2.0}, anyGot)
}
