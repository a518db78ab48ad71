package merge

// identity finds the member that identifies the elements of arrays that
// hold versions of one list of objects, such as "id" in
// [{"id":"q1","done":true}, ...]. A member qualifies when every element of
// every array is an object holding it with a string value, its values are
// distinct within each array, and at least two of the arrays have elements
// and share one of its values: evidence that the value names the same
// element across versions. Of several members, the one whose values the
// non-empty arrays share most is taken; on a tie, the one the first element
// lists first. Numbers, booleans and other values never identify: they are
// more often data (a score, a flag) that an edit changes.
//
// It reports false when no member qualifies; arrays are then aligned by
// their elements' values. work is charged one unit per member looked at.
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
	best, bestShared := "", 0
	for _, k := range first.keys {
		shared, ok := identifies(k, work, arrays)
		if ok && shared > bestShared {
			best, bestShared = k, shared
		}
		if *work < 0 {
			return "", false
		}
	}
	return best, bestShared > 0
}

// identifies reports whether member k identifies the elements of arrays
// (see identity), and how many of its values all non-empty arrays share.
func identifies(k string, work *int, arrays [][]*node) (int, bool) {
	var common map[string]bool
	for _, a := range arrays {
		if len(a) == 0 {
			continue
		}
		seen := make(map[string]bool, len(a))
		for _, e := range a {
			*work--
			if e.kind != kindObject {
				return 0, false
			}
			v := e.member(k)
			if v == nil || v.kind != kindString || seen[v.str] {
				return 0, false
			}
			seen[v.str] = true
		}
		if common == nil {
			common = seen
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
// they stand. Elements of to whose identity from lacks, between two
// elements aligned by identity, are partnered in order with the elements
// of from whose identity to lacks between the same two: an identity edited
// in place and a replacement look alike there, and an element edited in
// place must keep what it holds.
func partners(k string, from, to []*node) []int {
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
		next := j
		for i := lo + 1; i < hi && next < end; i++ {
			if !used[i] {
				partner[next], used[i] = i, true
				next++
			}
		}
		j = end
	}
	return partner
}
