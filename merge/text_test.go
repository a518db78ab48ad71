package merge

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

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
			got := tokenStrings(tt.in)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.in, strings.Join(got, ""))
		})
	}
}

func TestRuneClassASCII(t *testing.T) {
	for r := range rune(utf8.RuneSelf) {
		assert.Equal(t, unicodeClass(r), runeClass(r), "%q", r)
	}
}

// tokenStrings returns the tokens of s as strings.
func tokenStrings(s string) []string {
	t := tokenize(s)
	var out []string
	for i := range t.end {
		out = append(out, t.token(i))
	}
	return out
}

// testLCS runs lcs with a full budget.
func testLCS(a, b []int32) ([]int32, bool) {
	budget := textBudget
	return lcs(a, b, &budget)
}

// lcsLength is the textbook dynamic-programming LCS length.
func lcsLength(a, b []int32) int {
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

func checkMatching(t *testing.T, a, b, match []int32) int {
	t.Helper()
	last, n := -1, 0
	for i, j := range match {
		if j < 0 {
			continue
		}
		require.Greater(t, int(j), last, "matching must increase")
		require.Less(t, int(j), len(b))
		require.Equal(t, a[i], b[j], "matched elements must be equal")
		last = int(j)
		n++
	}
	return n
}

func TestLCSIsLongest(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for iter := range 3000 {
		alphabet := 1 + rng.IntN(6)
		a := make([]int32, rng.IntN(40))
		b := make([]int32, rng.IntN(40))
		for i := range a {
			a[i] = rng.Int32N(int32(alphabet))
		}
		for i := range b {
			b[i] = rng.Int32N(int32(alphabet))
		}
		if iter%3 == 0 && len(a) > 0 {
			// Similar sequences: b is a with a few edits.
			b = append([]int32(nil), a...)
			for range rng.IntN(4) {
				p := rng.IntN(len(b) + 1)
				b = append(b[:p], append([]int32{rng.Int32N(int32(alphabet + 2))}, b[p:]...)...)
			}
			if len(b) > 2 {
				p := rng.IntN(len(b) - 1)
				b = append(b[:p], b[p+1:]...)
			}
		}
		match, ok := testLCS(a, b)
		require.True(t, ok)
		require.Len(t, match, len(a))
		n := checkMatching(t, a, b, match)
		require.Equal(t, lcsLength(a, b), n, "a=%v b=%v", a, b)
	}
}

func TestLCSBudget(t *testing.T) {
	a := make([]int32, 20000)
	b := make([]int32, 20000)
	for i := range a {
		a[i] = int32(2 * i)
		b[i] = int32(2*i + 1)
	}
	_, ok := testLCS(a, b)
	assert.False(t, ok, "two long unrelated sequences exceed the budget")

	// Long but similar sequences are cheap.
	c := append([]int32(nil), a...)
	c[100] = -1
	c[15000] = -2
	match, ok := testLCS(a, c)
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

		// Different words inserted at one point conflict however each
		// side's diff happened to align its insertion around a space.
		{name: "insert at same point after a space", base: "I like red and blue and green.", ours: "I really like red and blue X and green.", theirs: "I like red and blue Y and green.", ok: false},
		{name: "insert at same point in repeated words", base: "one two one two one", ours: "ONE two one X two one", theirs: "one two one Y two one", ok: false},
		{name: "insert at same point with another edit", base: "the cat and the dog and the cow", ours: "a cat and the dog big and the cow", theirs: "the cat and the dog small and the cow", ok: false},
		{name: "insert on either side of a double space", base: "blue  and", ours: "blue X  and", theirs: "blue  Y and", ok: false},
		{name: "insert at same point after punctuation", base: "I like red and blue,and green.", ours: "I really like red and blue,X,and green.", theirs: "I like red and blue,Y,and green.", ok: false},
		{name: "insert at same point in repeated punctuated words", base: "one-two-one-two-one", ours: "ONE-two-one-X-two-one", theirs: "one-two-one-Y-two-one", ok: false},
		{name: "insert at same point between semicolons", base: "the cat;the dog;the cow", ours: "a cat;the dog;big;the cow", theirs: "the cat;the dog;small;the cow", ok: false},
		{name: "insert before and after punctuation", base: "red, blue", ours: "red X, blue", theirs: "red, Y blue", want: "red X, Y blue", ok: true},
		{name: "same insertion aligned differently", base: "a b a b", ours: "a b X a b", theirs: "a b X a b", want: "a b X a b", ok: true},
		{name: "adjacent words replaced", base: "a b", ours: "A b", theirs: "a B", want: "A B", ok: true},
		{name: "touching sentences", base: "The cat sat. The dog ran.", ours: "The cat sat! The dog ran.", theirs: "The cat sat. A dog ran.", want: "The cat sat! A dog ran.", ok: true},
		{name: "insertions in different sentences", base: "I like red. You like blue.", ours: "I really like red. You like blue.", theirs: "I like red. You like dark blue.", want: "I really like red. You like dark blue.", ok: true},
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

// TestSlideLeft checks that equal diffs aligned differently become one.
func TestSlideLeft(t *testing.T) {
	ids := func(s string) []int32 {
		out := make([]int32, len(s))
		for i := range s {
			out[i] = int32(s[i])
		}
		return out
	}
	tests := []struct {
		name      string
		a, b      string
		match     []int32
		wantMatch []int32
	}{
		// "x_" inserted after "a_" becomes "_x" inserted after "a".
		{name: "insertion", a: "a_b", b: "a_x_b", match: []int32{0, 1, 4}, wantMatch: []int32{0, 3, 4}},
		{name: "insertion at the end", a: "a_", b: "a_x_", match: []int32{0, 1}, wantMatch: []int32{0, 3}},
		{name: "deletion", a: "a_x_b", b: "a_b", match: []int32{0, 1, -1, -1, 2}, wantMatch: []int32{0, -1, -1, 1, 2}},
		{name: "repeated", a: "aaa", b: "aaaa", match: []int32{1, 2, 3}, wantMatch: []int32{1, 2, 3}},
		{name: "repeated from the end", a: "aaa", b: "aaaa", match: []int32{0, 1, 2}, wantMatch: []int32{1, 2, 3}},
		{name: "replacement", a: "_y_z", b: "_w_z", match: []int32{0, -1, 2, 3}, wantMatch: []int32{0, -1, 2, 3}},
		{name: "runs merge", a: "ab_b", b: "aXb_Yb", match: []int32{0, 2, 3, 5}, wantMatch: []int32{0, 2, 3, 5}},
		{name: "nothing to slide", a: "abc", b: "abc", match: []int32{0, 1, 2}, wantMatch: []int32{0, 1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := ids(tt.a), ids(tt.b)
			match := slices.Clone(tt.match)
			budget := 100
			require.True(t, slideLeft(a, b, match, &budget))
			assert.Equal(t, tt.wantMatch, match)
			assert.Equal(t, checkMatching(t, a, b, tt.match), checkMatching(t, a, b, match), "as long")
			budget = 0
			if !slices.Equal(tt.match, tt.wantMatch) {
				assert.False(t, slideLeft(a, b, slices.Clone(tt.match), &budget), "out of budget")
			}
		})
	}
}

// sameInsertPoint builds a conflict: base, with one fresh word inserted at
// the boundary before base token at on each side, with sep before or after
// it (" word" or "word "), ours also replacing the base word at edit (if
// any) far from it. It reports false when the inputs do not fit.
func sameInsertPoint(base string, at, edit int, sep string, before bool) (ours, theirs string, ok bool) {
	toks := tokenStrings(base)
	if len(toks) == 0 || strings.ContainsAny(base, "QZ") {
		return "", "", false
	}
	at %= len(toks) + 1
	ins := func(w string) []string {
		out := slices.Clone(toks)
		if before {
			return slices.Insert(out, at, w, sep)
		}
		return slices.Insert(out, at, sep, w)
	}
	o, th := ins("QZX"), ins("QZY")
	if edit >= 0 {
		edit %= len(toks)
		if edit >= at-3 && edit <= at+3 {
			return "", "", false
		}
		e := edit
		if e >= at {
			e += 2
		}
		if runeClass([]rune(o[e])[0]) != classWord {
			return "", "", false
		}
		o[e] = "QZW"
	}
	return strings.Join(o, ""), strings.Join(th, ""), true
}

func TestMergeTextSameInsertPoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pieces := []string{"a", "b", "the", " ", " ", " ", "  ", ",", ".", "\n", "cat"}
	checked := 0
	for range 50000 {
		var b strings.Builder
		for range 4 + rng.IntN(16) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		base := b.String()
		ours, theirs, ok := sameInsertPoint(base, rng.IntN(30), rng.IntN(31)-1, []string{" ", ",", "\n"}[rng.IntN(3)], rng.IntN(2) == 0)
		if !ok {
			continue
		}
		checked++
		got, ok := MergeText(base, ours, theirs)
		require.False(t, ok, "base %q ours %q theirs %q merged to %q", base, ours, theirs, got)
	}
	assert.Greater(t, checked, 5000)
}

// TestTextBudgetPerMerge merges a 1 MB document of unrelated texts in
// every member with Text: the merge shares one budget, so it stays fast
// and the texts beyond it go to the fallback.
func TestTextBudgetPerMerge(t *testing.T) {
	words := func(prefix string, n, seed int) string {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(prefix)
			b.WriteByte(byte('a' + (i*7+seed)%26))
			b.WriteByte(byte('a' + (i*3+seed)%26))
		}
		return b.String()
	}
	doc := func(prefix string) []byte {
		var b []byte
		b = append(b, '{')
		for i := range 100 {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, fmt.Sprintf("f%03d", i))
			b = append(b, ':')
			b = appendString(b, words(prefix, 2600, i))
		}
		return append(b, '}')
	}
	base, ours, theirs := doc("b"), doc("o"), doc("t")
	require.Greater(t, len(base), 1_000_000, "a document of more than 1 MB")
	got, rep, err := JSON(base, ours, theirs, &Options{Policy: Fail, Resolvers: map[string]Resolver{"/*": Text(Ours)}})
	require.NoError(t, err)
	assertSame(t, ours, got, "every text falls back to ours")
	require.Len(t, rep.Decisions, 100)
	for _, d := range rep.Decisions {
		assert.Equal(t, "resolver:text/fallback:ours", d.Rule)
	}
}

// TestMergeText1MiB merges one 1 MiB string member, ours prepending "x",
// theirs appending "y": both edits survive. BenchmarkMergeText1MiB
// measures its time and memory.
func TestMergeText1MiB(t *testing.T) {
	text := shortWords(1 << 20)
	base, ours, theirs := textDocs(text)
	opts := &Options{Policy: Fail, Resolvers: map[string]Resolver{"/t": Text(Fail)}}
	got, _, err := JSON(base, ours, theirs, opts)
	require.NoError(t, err)
	assert.Equal(t, string(appendString([]byte(`{"t":`), "x"+text+"y"))+"}", string(got))
}

// shortWords returns size bytes of text made of one-letter words and
// punctuation: many tokens per byte.
func shortWords(size int) string {
	pieces := []string{"a", "b", "c", "d", "e", "f", "g", "h", ",", ".", ";"}
	rng := rand.New(rand.NewPCG(7, 7))
	var b strings.Builder
	for b.Len() < size {
		b.WriteString(pieces[rng.IntN(len(pieces))])
		b.WriteByte(' ')
	}
	return b.String()[:size]
}

// textDocs returns documents {"t":text} for base, ours with "x" prepended
// and theirs with "y" appended.
func textDocs(text string) (base, ours, theirs []byte) {
	doc := func(s string) []byte { return append(appendString([]byte(`{"t":`), s), '}') }
	return doc(text), doc("x" + text), doc(text + "y")
}

func TestMergeTextBudget(t *testing.T) {
	budget := 10
	_, ok := mergeText("a b c", "a x c", "a b y", &budget)
	assert.False(t, ok, "the texts alone are more than the budget")
	assert.Equal(t, 10, budget, "nothing was done")
	budget = 1000
	got, ok := mergeText("a b c", "a x c", "a b y", &budget)
	assert.True(t, ok)
	assert.Equal(t, "a x y", got)
	assert.Less(t, budget, 1000-15)
	used := 1000 - budget
	for b := range used {
		budget = b
		_, ok := mergeText("a b c", "a x c", "a b y", &budget)
		assert.False(t, ok, "budget %d of %d", b, used)
	}
}
