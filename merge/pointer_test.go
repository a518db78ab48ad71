package merge

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSplitPointer(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr bool
	}{
		{in: "", want: nil},
		{in: "/", want: []string{""}},
		{in: "/a/b", want: []string{"a", "b"}},
		{in: "/a~1b/c~0d/~01", want: []string{"a/b", "c~d", "~1"}},
		{in: "/*/x", want: []string{"*", "x"}},
		{in: "//", want: []string{"", ""}},
		{in: "a", wantErr: true},
		{in: "/a~", wantErr: true},
		{in: "/a~2", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := splitPointer(tt.in)
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.in, joinPointer(got))
		})
	}
}

func TestPatternSpecificity(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{a: "/a/b", b: "/a/*", want: true},
		{a: "/a/*", b: "/a/b", want: false},
		{a: "/a/*", b: "/*/b", want: true},
		{a: "/*/*", b: "/a/*", want: false},
		{a: "/x/*/z", b: "/x/y/*", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.a+" vs "+tt.b, func(t *testing.T) {
			pa, err := compilePattern(tt.a)
			require.NoError(t, err)
			pb, err := compilePattern(tt.b)
			require.NoError(t, err)
			assert.Equal(t, tt.want, moreSpecific(&pa, &pb))
		})
	}
}

// joinPointer builds a JSON Pointer from unescaped segments.
func joinPointer(segs []string) string {
	var b []byte
	for _, s := range segs {
		b = appendSegment(append(b, '/'), s)
	}
	return string(b)
}

// escapeSegment escapes one member name for use in a JSON Pointer.
func escapeSegment(s string) string { return string(appendSegment(nil, s)) }
