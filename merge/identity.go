package merge

import (
	"slices"
	"strings"
)

// identity finds the member that identifies the elements of arrays that
// hold versions of one list of objects, such as "id" in
// [{"id":"q1","done":true}, ...]. A member qualifies when every element of
// every array is an object holding it with a string value, some element
// holds another member too (objects that are only their key are values,
// not elements with an identity), its values are
// distinct within each array, and the non-empty arrays (at least two)
// share at least one of its values: evidence that the value names the same
// element across versions. Numbers, booleans and other values never
// identify: they are more often data (a score, a flag) that an edit
// changes.
//
// Of several qualifying members, the one whose values the arrays share
// most is taken. On a tie, a member named like an identifier ("id", "key",
// "uuid", or ending in "id" or "key", in any case) is preferred when it is
// the only one so named; otherwise nothing identifies the elements, since
// the data cannot tell which member names them. It reports false when no
// member identifies them; arrays are then aligned by their elements'
// values.
//
// The work is charged to *work, one unit per member looked at and per
// value kept; it reports false once *work is spent.
func identity(work *int, arrays ...[]*node) (string, bool) {
	var first *node
	nonEmpty := 0
	for _, a := range arrays {
		if len(a) > 0 {
			nonEmpty++
			if first == nil {
				first = a[0]
			}
		}
	}
	if nonEmpty < 2 || first.kind != kindObject {
		return "", false
	}
	var best []string
	bestShared := 0
	for _, k := range first.keys {
		shared, ok := identifies(k, work, arrays)
		if *work < 0 {
			return "", false
		}
		switch {
		case !ok || shared == 0 || shared < bestShared:
		case shared > bestShared:
			best, bestShared = []string{k}, shared
		default:
			best = append(best, k)
		}
	}
	switch {
	case len(best) == 1:
		return best[0], true
	case len(best) > 1:
		named := slices.DeleteFunc(best, func(k string) bool { return !identifierName(k) })
		if len(named) == 1 {
			return named[0], true
		}
	}
	return "", false
}

// identifierName reports whether a member name reads as an identifier.
func identifierName(k string) bool {
	l := strings.ToLower(k)
	return l == "uuid" || strings.HasSuffix(l, "id") || strings.HasSuffix(l, "key")
}

// identifies reports whether member k identifies the elements of arrays
// (see identity), and how many of its values all non-empty arrays share.
// Cheap checks come first, so a member that fails costs little.
func identifies(k string, work *int, arrays [][]*node) (int, bool) {
	more := false // some element holds more than k
	for _, a := range arrays {
		for _, e := range a {
			*work--
			if *work < 0 || e.kind != kindObject {
				return 0, false
			}
			if v := e.member(k); v == nil || v.kind != kindString {
				return 0, false
			}
			more = more || len(e.keys) > 1
		}
	}
	if !more {
		return 0, false
	}
	// common holds the values of the arrays so far; seen, those of the
	// array at hand, in one map cleared for each.
	var common, seen map[string]bool
	for _, a := range arrays {
		if len(a) == 0 {
			continue
		}
		*work -= len(a)
		if seen == nil {
			seen = make(map[string]bool, len(a))
		} else {
			clear(seen)
		}
		for _, e := range a {
			s := e.member(k).str
			if seen[s] {
				return 0, false
			}
			seen[s] = true
		}
		if common == nil {
			common, seen = seen, nil
			continue
		}
		for s := range common {
			if !seen[s] {
				delete(common, s)
			}
		}
	}
	return len(common), true
}

// keyOf returns the identifying value of an element (see identity).
func keyOf(e *node, k string) string { return e.member(k).str }

// partners aligns the elements of to with those of from by the identifying
// member k: for each element of to, the index of its partner in from, or -1
// for a new element. Elements with the same identity are partners wherever
// they stand.
//
// With renames, an element of to whose identity from lacks is also
// partnered with an element of from whose identity to lacks when both lie
// between the same two elements aligned by identity and the two are equal
// but for k: the identity was edited in place, nothing else. Such pairs
// are taken in order.
func partners(k string, from, to []*node, renames bool) []int {
	at := make(map[string]int, len(from))
	for i, e := range from {
		at[keyOf(e, k)] = i
	}
	partner := make([]int, len(to))
	used := make([]bool, len(from))
	for j, e := range to {
		partner[j] = -1
		if i, ok := at[keyOf(e, k)]; ok {
			partner[j], used[i] = i, true
		}
	}
	if !renames {
		return partner
	}
	for j := 0; j < len(to); {
		if partner[j] >= 0 {
			j++
			continue
		}
		end := j
		for end < len(to) && partner[end] < 0 {
			end++
		}
		lo, hi := -1, len(from)
		if j > 0 {
			lo = partner[j-1]
		}
		if end < len(to) {
			hi = partner[end]
		}
		i := lo + 1
		for q := j; q < end; q++ {
			for c := i; c < hi; c++ {
				if !used[c] && equalBut(from[c], to[q], k) {
					partner[q], used[c] = c, true
					i = c + 1
					break
				}
			}
		}
		j = end
	}
	return partner
}

// equalBut reports whether objects a and b have the same members with the
// same values, member k aside, and at least one such member: objects that
// hold only k have nothing else to tell them apart by.
func equalBut(a, b *node, k string) bool {
	if len(a.keys) != len(b.keys) || len(a.keys) < 2 {
		return false
	}
	for i, name := range a.keys {
		if name == k {
			continue
		}
		if !equal(a.kids[i], b.member(name)) {
			return false
		}
	}
	return true
}
