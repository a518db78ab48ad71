package merge

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTokenize(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{in: "", want: nil},
		{in: "Hello, world!", want: []string{"Hello", ",", " ", "world", "!"}},
		{in: "a  b\t\nc", want: []string{"a", "  ", "b", "\t\n", "c"}},
		{in: "x1y2 3.14", want: []string{"x1y2", " ", "3", ".", "14"}},
		{in: "café naïve", want: []string{"café", " ", "naïve"}},
		{in: "e\u0301t\u00e9", want: []string{"e\u0301t\u00e9"}},
		{in: "日本語 テキスト", want: []string{"日本語", " ", "テキスト"}},
		{in: "--»«", want: []string{"-", "-", "»", "«"}},
		{in: "a😀b", want: []string{"a", "😀", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := tokenize(tt.in)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.in, strings.Join(got, ""))
		})
	}
}

// lcsLength is the textbook dynamic-programming LCS length.
func lcsLength(a, b []int) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for i := range a {
		for j := range b {
			switch {
			case a[i] == b[j]:
				cur[j+1] = prev[j] + 1
			case prev[j+1] >= cur[j]:
				cur[j+1] = prev[j+1]
			default:
				cur[j+1] = cur[j]
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func checkMatching(t *testing.T, a, b, match []int) int {
	t.Helper()
	last, n := -1, 0
	for i, j := range match {
		if j < 0 {
			continue
		}
		require.Greater(t, j, last, "matching must increase")
		require.Less(t, j, len(b))
		require.Equal(t, a[i], b[j], "matched elements must be equal")
		last = j
		n++
	}
	return n
}

func TestLCSIsLongest(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for iter := range 3000 {
		alphabet := 1 + rng.IntN(6)
		a := make([]int, rng.IntN(40))
		b := make([]int, rng.IntN(40))
		for i := range a {
			a[i] = rng.IntN(alphabet)
		}
		for i := range b {
			b[i] = rng.IntN(alphabet)
		}
		if iter%3 == 0 && len(a) > 0 {
			// Similar sequences: b is a with a few edits.
			b = append([]int(nil), a...)
			for range rng.IntN(4) {
				p := rng.IntN(len(b) + 1)
				b = append(b[:p], append([]int{rng.IntN(alphabet + 2)}, b[p:]...)...)
			}
			if len(b) > 2 {
				p := rng.IntN(len(b) - 1)
				b = append(b[:p], b[p+1:]...)
			}
		}
		match, ok := lcs(a, b)
		require.True(t, ok)
		require.Len(t, match, len(a))
		n := checkMatching(t, a, b, match)
		require.Equal(t, lcsLength(a, b), n, "a=%v b=%v", a, b)
	}
}

func TestLCSBudget(t *testing.T) {
	a := make([]int, 20000)
	b := make([]int, 20000)
	for i := range a {
		a[i] = 2 * i
		b[i] = 2*i + 1
	}
	_, ok := lcs(a, b)
	assert.False(t, ok, "two long unrelated sequences exceed the budget")

	// Long but similar sequences are cheap.
	c := append([]int(nil), a...)
	c[100] = -1
	c[15000] = -2
	match, ok := lcs(a, c)
	require.True(t, ok)
	assert.Equal(t, len(a)-2, checkMatching(t, a, c, match))
}

func TestMergeText(t *testing.T) {
	tests := []struct {
		name               string
		base, ours, theirs string
		want               string
		ok                 bool
	}{
		{name: "unchanged", base: "a b", ours: "a b", theirs: "a b", want: "a b", ok: true},
		{name: "theirs only", base: "a b", ours: "a b", theirs: "a c", want: "a c", ok: true},
		{name: "ours only", base: "a b", ours: "x b", theirs: "a b", want: "x b", ok: true},
		{name: "same edit", base: "a b", ours: "a c", theirs: "a c", want: "a c", ok: true},
		{
			name:   "different sentences of one paragraph",
			base:   "The quick fox jumps. It lands softly. Then it sleeps.",
			ours:   "The quick brown fox jumps. It lands softly. Then it sleeps.",
			theirs: "The quick fox jumps. It lands softly. Then it sleeps all day.",
			want:   "The quick brown fox jumps. It lands softly. Then it sleeps all day.",
			ok:     true,
		},
		{
			name:   "edits at both ends",
			base:   "alpha beta gamma delta",
			ours:   "ALPHA beta gamma delta",
			theirs: "alpha beta gamma DELTA",
			want:   "ALPHA beta gamma DELTA",
			ok:     true,
		},
		{
			name:   "same insertion on both sides and a different one elsewhere",
			base:   "one two three four",
			ours:   "one two and a half three four",
			theirs: "one two and a half three four five",
			want:   "one two and a half three four five",
			ok:     true,
		},
		{name: "overlapping edits", base: "The cat sat.", ours: "The dog sat.", theirs: "The cow sat.", ok: false},
		{name: "insert at same point", base: "a b", ours: "a X b", theirs: "a Y b", ok: false},
		{name: "insert at same point different lengths", base: "a b", ours: "a X b", theirs: "a Y Z b", ok: false},
		{name: "delete vs edit", base: "a b c", ours: "a c", theirs: "a B c", ok: false},
		{name: "both delete different words", base: "a b c d e", ours: "a c d e", theirs: "a b c e", want: "a c e", ok: true},
		{name: "empty base both write", base: "", ours: "x", theirs: "y", ok: false},
		{name: "empty base same write", base: "", ours: "x", theirs: "x", want: "x", ok: true},
		{name: "everything removed by one side", base: "a b", ours: "", theirs: "a b c", ok: false},
		{name: "unicode", base: "über café", ours: "über café crème", theirs: "Über café", want: "Über café crème", ok: true},
		{name: "invalid utf-8 replaced", base: "a \xff", ours: "a \xff b", theirs: "a \xff", want: "a \uFFFD b", ok: true},
		{name: "lines", base: "l1\nl2\nl3\n", ours: "l1 changed\nl2\nl3\n", theirs: "l1\nl2\nl3 changed\n", want: "l1 changed\nl2\nl3 changed\n", ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := MergeText(tt.base, tt.ours, tt.theirs)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
			// Swapping the sides gives the same answer.
			got2, ok2 := MergeText(tt.base, tt.theirs, tt.ours)
			assert.Equal(t, ok, ok2)
			assert.Equal(t, got, got2)
		})
	}
}

func TestMergeTextLargeUnrelated(t *testing.T) {
	var b, o, th strings.Builder
	for i := range 60000 {
		b.WriteString("b" + string(rune('a'+i%26)) + " ")
		o.WriteString("o" + string(rune('a'+i%25)) + " ")
		th.WriteString("t" + string(rune('a'+i%24)) + " ")
	}
	_, ok := MergeText(b.String(), o.String(), th.String())
	assert.False(t, ok)
}
