package merge

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokenize splits s into word tokens: runs of letters, digits and combining
// marks; runs of white space; and single runes of any other kind
// (punctuation, symbols). Concatenating the tokens gives s back.
func tokenize(s string) []string {
	var toks []string
	for i := 0; i < len(s); {
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
		toks = append(toks, s[i:j])
		i = j
	}
	return toks
}

const (
	classWord = iota
	classSpace
	classOther
)

func runeClass(r rune) int {
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
// that keeps a longest common subsequence of tokens. Changes by the two sides to different
// parts of the text are both kept; identical changes are kept once. It
// reports false, with an empty result, when the sides changed the same
// stretch of base differently, including different insertions at the same
// point. Invalid UTF-8 in an input is first replaced by U+FFFD.
func MergeText(base, ours, theirs string) (string, bool) {
	base = strings.ToValidUTF8(base, "\uFFFD")
	ours = strings.ToValidUTF8(ours, "\uFFFD")
	theirs = strings.ToValidUTF8(theirs, "\uFFFD")
	switch {
	case ours == theirs || theirs == base:
		return ours, true
	case ours == base:
		return theirs, true
	}
	ids := map[string]int{}
	intern := func(toks []string) []int {
		out := make([]int, len(toks))
		for i, t := range toks {
			id, ok := ids[t]
			if !ok {
				id = len(ids)
				ids[t] = id
			}
			out[i] = id
		}
		return out
	}
	bt, ot, tt := tokenize(base), tokenize(ours), tokenize(theirs)
	b, o, t := intern(bt), intern(ot), intern(tt)
	mo, ok := lcs(b, o)
	if !ok {
		return "", false
	}
	mt, ok := lcs(b, t)
	if !ok {
		return "", false
	}

	var out strings.Builder
	out.Grow(max(len(ours), len(theirs)))
	i, j, k := 0, 0, 0
	for {
		// A stable run: base tokens kept, unmoved, by both sides.
		for i < len(b) && mo[i] == j && mt[i] == k {
			out.WriteString(bt[i])
			i, j, k = i+1, j+1, k+1
		}
		// The next base token both sides kept ends the unstable chunk.
		ni := i
		for ni < len(b) && (mo[ni] < 0 || mt[ni] < 0) {
			ni++
		}
		nj, nk := len(o), len(t)
		if ni < len(b) {
			nj, nk = mo[ni], mt[ni]
		}
		if ni == i && nj == j && nk == k {
			break // end of all three
		}
		oursChanged := !sameIDs(o[j:nj], b[i:ni])
		theirsChanged := !sameIDs(t[k:nk], b[i:ni])
		switch {
		case !oursChanged:
			writeTokens(&out, tt[k:nk])
		case !theirsChanged || sameIDs(o[j:nj], t[k:nk]):
			writeTokens(&out, ot[j:nj])
		default:
			return "", false
		}
		i, j, k = ni, nj, nk
	}
	return out.String(), true
}

func sameIDs(a, b []int) bool {
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

func writeTokens(b *strings.Builder, toks []string) {
	for _, t := range toks {
		b.WriteString(t)
	}
}
