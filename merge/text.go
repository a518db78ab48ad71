package merge

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokens is a text split into word tokens: runs of letters, digits and
// combining marks; runs of white space; and single runes of any other kind
// (punctuation, symbols). Token i is s[end[i-1]:end[i]] (from 0 for i = 0),
// so the tokens concatenated give s back.
type tokens struct {
	s   string
	end []int32
}

func tokenize(s string) tokens {
	n := 0
	for i := 0; i < len(s); n++ {
		i = tokenEnd(s, i)
	}
	t := tokens{s: s, end: make([]int32, n)}
	for i, k := 0, 0; i < len(s); k++ {
		i = tokenEnd(s, i)
		t.end[k] = int32(i)
	}
	return t
}

// tokenEnd returns the end of the token that starts at s[i].
func tokenEnd(s string, i int) int {
	r, size := utf8.DecodeRuneInString(s[i:])
	class := runeClass(r)
	j := i + size
	if class != classOther {
		for j < len(s) {
			r2, size2 := utf8.DecodeRuneInString(s[j:])
			if runeClass(r2) != class {
				break
			}
			j += size2
		}
	}
	return j
}

// start returns the offset of token i.
func (t tokens) start(i int) int {
	if i == 0 {
		return 0
	}
	return int(t.end[i-1])
}

// text returns tokens i up to j, as one string.
func (t tokens) text(i, j int) string { return t.s[t.start(i):t.start(j)] }

// token returns token i.
func (t tokens) token(i int) string { return t.s[t.start(i):t.end[i]] }

// space reports whether token i is white space.
func (t tokens) space(i int) bool {
	r, _ := utf8.DecodeRuneInString(t.s[t.start(i):])
	return runeClass(r) == classSpace
}

const (
	classWord = iota
	classSpace
	classOther
)

func runeClass(r rune) int {
	switch {
	case r >= utf8.RuneSelf:
		return unicodeClass(r)
	case 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9':
		return classWord
	case r == ' ' || '\t' <= r && r <= '\r':
		return classSpace
	}
	return classOther
}

func unicodeClass(r rune) int {
	switch {
	case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
		return classWord
	case unicode.IsSpace(r):
		return classSpace
	default:
		return classOther
	}
}

// MergeText merges two edits of a text made from the same base: a diff3
// over word tokens (runs of letters and digits, runs of spaces, single
// punctuation runes), each side's changes found with a diff against base
// that keeps a longest common subsequence of tokens. Changes by the two
// sides to different parts of the text are both kept; identical changes
// are kept once. It reports false, with an empty result, when the sides
// changed the same stretch of base differently, including different
// insertions at the same point.
//
// Where a diff could place an edit in more than one way (" X" inserted
// after a word or "X " before the next), the edit is placed as early as it
// goes, so that both sides' edits at one point meet there. Insertions that
// only white space of base separates count as made at the same point.
//
// Invalid UTF-8 in an input is first replaced by U+FFFD. The work of one
// call is bounded: texts too large or too different to diff within it
// count as a conflict.
func MergeText(base, ours, theirs string) (string, bool) {
	budget := textBudget
	return mergeText(base, ours, theirs, &budget)
}

// mergeText is MergeText drawing on a work budget shared with other calls.
func mergeText(base, ours, theirs string, budget *int) (string, bool) {
	base = strings.ToValidUTF8(base, "\uFFFD")
	ours = strings.ToValidUTF8(ours, "\uFFFD")
	theirs = strings.ToValidUTF8(theirs, "\uFFFD")
	switch {
	case ours == theirs || theirs == base:
		return ours, true
	case ours == base:
		return theirs, true
	}
	size := len(base) + len(ours) + len(theirs)
	if size >= math.MaxInt32 || size > *budget {
		return "", false
	}
	*budget -= size

	bt, ot, tt := tokenize(base), tokenize(ours), tokenize(theirs)
	// Tokens get ids: a single byte is its own id, longer tokens are
	// numbered from 256.
	ids := map[string]int32{}
	intern := func(t tokens) []int32 {
		out := make([]int32, len(t.end))
		for i := range out {
			tok := t.token(i)
			if len(tok) == 1 {
				out[i] = int32(tok[0])
				continue
			}
			id, ok := ids[tok]
			if !ok {
				id = int32(256 + len(ids))
				ids[tok] = id
			}
			out[i] = id
		}
		return out
	}
	b, o, t := intern(bt), intern(ot), intern(tt)
	mo, ok := lcs(b, o, budget)
	if !ok || !slideLeft(b, o, mo, budget) {
		return "", false
	}
	mt, ok := lcs(b, t, budget)
	if !ok || !slideLeft(b, t, mt, budget) {
		return "", false
	}
	return diff3(bt, ot, tt, b, o, t, mo, mt)
}

// diff3 merges two diffs against base: mo and mt match base tokens to
// tokens of ours and theirs. It walks stable runs (base tokens both sides
// kept in place) and the unstable chunks between them, taking a chunk from
// the side that changed it, or reporting a conflict when both did,
// differently.
func diff3(bt, ot, tt tokens, b, o, t, mo, mt []int32) (string, bool) {
	var out strings.Builder
	out.Grow(max(len(ot.s), len(tt.s)))
	// stable reports whether base token i is kept by both sides at ours
	// token j and theirs token k.
	stable := func(i, j, k int) bool {
		return i < len(b) && int(mo[i]) == j && int(mt[i]) == k
	}
	// chunkEnd returns where the unstable chunk starting at (i, j, k)
	// ends: at the next base token both sides kept, or at the end of all
	// three.
	chunkEnd := func(i int) (int, int, int) {
		for i < len(b) && (mo[i] < 0 || mt[i] < 0) {
			i++
		}
		if i == len(b) {
			return i, len(o), len(t)
		}
		return i, int(mo[i]), int(mt[i])
	}
	i, j, k := 0, 0, 0
	for {
		s := i
		for stable(i, j, k) {
			i, j, k = i+1, j+1, k+1
		}
		out.WriteString(bt.text(s, i))
		if i == len(b) && j == len(o) && k == len(t) {
			return out.String(), true
		}
		// The chunk, extended over white space of base that separates it
		// from a next chunk when both are pure insertions: insertions on
		// either side of one space are insertions at the same point.
		ci, cj, ck := i, j, k
		for {
			ni, nj, nk := chunkEnd(i)
			pure := ni == i
			i, j, k = ni, nj, nk
			if !pure {
				break
			}
			ri, rj, rk := i, j, k
			for stable(ri, rj, rk) && bt.space(ri) {
				ri, rj, rk = ri+1, rj+1, rk+1
			}
			if ri == i || stable(ri, rj, rk) || (ri == len(b) && rj == len(o) && rk == len(t)) {
				break // no white space, or a stable token or the end after it
			}
			if next, _, _ := chunkEnd(ri); next != ri {
				break // the next chunk changes base
			}
			i, j, k = ri, rj, rk
		}
		oursChanged := !sameIDs(o[cj:j], b[ci:i])
		theirsChanged := !sameIDs(t[ck:k], b[ci:i])
		switch {
		case !oursChanged:
			out.WriteString(tt.text(ck, k))
		case !theirsChanged || sameIDs(o[cj:j], t[ck:k]):
			out.WriteString(ot.text(cj, j))
		default:
			return "", false
		}
	}
}

func sameIDs(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
