package merge

import "slices"

// applyBudget bounds the diff work of one Apply call; see Apply for what
// happens to arrays beyond it.
const applyBudget = 20_000_000

// Apply returns doc with the change from → to made on it, where from is a
// view of doc: the same document as a typed value sees it, with members the
// type does not declare left out and numbers possibly rewritten (1.10 read
// into a float64 comes back as 1.1). It is how a typed client writes its
// change without erasing what it cannot see.
//
// Apply walks the three documents together:
//
//   - A value the change left alone (equal in from and to) is doc's, byte
//     for byte: its undeclared members, its elements and its number texts.
//   - Objects: members to sets take to's value, applied recursively onto
//     doc's member; members from has and to lacks are removed; members of
//     doc that from does not have are kept where they are; members doc
//     lacks are added at the end, in to's order, when the change set them
//     (a member from shows with the same value, such as a field's zero
//     value, is not added).
//   - Arrays: the elements of from and doc correspond by position (from is
//     doc seen through the type). The elements of from and to are aligned
//     by identity, never by position, so an element inserted at the front
//     does not shift the others' members. When the elements are objects
//     that a string member identifies (such as "id": see below), elements
//     with the same identity are aligned wherever they stand; an element
//     whose identity alone was edited (equal to a dropped one but for that
//     member, between the same two aligned elements) is aligned with it.
//     Otherwise the elements are aligned by a diff of their values: an
//     element kept by the change is doc's element, and the elements of a
//     run of changes are paired with those of the run of from it replaces
//     by likeness (the most members with equal values, strings and numbers
//     counting double, in order; see below). Where values repeat and the
//     diff could align an element with more than one equal element, the one
//     that keeps the changes around it in place is taken (the distance
//     between the aligned positions closest to that of the previous
//     aligned pair), the earliest on a tie. Either way an aligned element
//     is applied recursively onto doc's and keeps its undeclared members,
//     an element aligned with none is new and carries none, and elements of
//     from aligned with none go. Elements of doc beyond the length of from
//     (a type that reads only the first n) are kept at the end; elements
//     from shows beyond doc's length (a fixed-size type's padding) are
//     written only if the change set them.
//   - Anything else (scalars, or values whose kinds differ) takes to's
//     value.
//
// An identifying member is one whose value is a string in every element of
// from and to, distinct within each, and shared by at least one element of
// both; of several, the one whose values they share most, and on a tie the
// only one named like an identifier ("id", "key", "uuid", or ending so),
// else none.
//
// In a run of changes, two elements that share no member are alike only
// by position: runs of one length are paired in order (each element
// changed in place), runs of different lengths not at all, since what was
// inserted, removed or changed cannot be told (a changed element then
// counts as removed and added, without what it held).
//
// Work is linear in the size of the documents, and the comparison of array
// elements draws on a budget; past it, arrays are paired in order.
//
// When the change leaves doc as it is (when from equals to, for one),
// Apply returns doc itself. All three must be JSON
// texts as JSON accepts them; otherwise Apply returns an *InvalidJSONError
// naming "from", "to" or "doc". The result is compact JSON when anything
// changed.
func Apply(from, to, doc []byte) ([]byte, error) {
	f, depth, serr := decodeLike(from, nil, 0)
	if serr != nil {
		return nil, inputError("from", serr)
	}
	// to is from changed: what it repeats of from is taken from f.
	t, _, serr := decodeLike(to, f, depth)
	if serr != nil {
		return nil, inputError("to", serr)
	}
	d, err := parseInput(doc, "doc")
	if err != nil {
		return nil, err
	}
	if equal(f, t) {
		return doc, nil
	}
	a := applier{budget: applyBudget}
	res := a.value(f, t, d)
	if res == d {
		return doc, nil // only values the view shows changed: doc as it is
	}
	return encode(make([]byte, 0, len(doc)+len(to)/4+16), res), nil
}

// applier holds the state of one Apply call.
type applier struct {
	budget int
	ids    interner
}

// value applies the change f → t onto d. f and d may be nil (absent); t
// is never nil. It returns nil when the result is absent: a value the view
// shows but doc lacks (a field's zero value), left alone by the change.
// Containers are walked once, member by member, so that the work stays
// linear in the size of the documents however deep they nest; a container
// nothing in which changed is d itself.
func (a *applier) value(f, t, d *node) *node {
	switch {
	case d == nil:
		if f != nil && equal(f, t) {
			return nil
		}
		return t
	case f != nil && f.raw != nil && t.raw != nil && string(f.raw) == string(t.raw):
		// Untouched, by the texts alone: a memory comparison, whose cost
		// stays small even when repeated down a deep chain.
		return d
	case t.kind == kindObject && d.kind == kindObject:
		return a.object(f, t, d)
	case t.kind == kindArray && d.kind == kindArray && f != nil && f.kind == kindArray:
		return a.array(f, t, d)
	case f != nil && equal(f, t):
		return d
	}
	return t
}

func (a *applier) object(f, t, d *node) *node {
	if f != nil && f.kind != kindObject {
		f = nil
	}
	// keys and vals are built only from the first change on; until then
	// the result is d's members as they are.
	var (
		keys    []string
		vals    []*node
		changed bool
	)
	change := func(upto int) {
		if !changed {
			changed = true
			keys = append(make([]string, 0, len(d.keys)+len(t.keys)), d.keys[:upto]...)
			vals = append(make([]*node, 0, len(d.keys)+len(t.keys)), d.kids[:upto]...)
		}
	}
	for i, k := range d.keys {
		var fv *node
		if f != nil {
			fv = f.member(k)
		}
		switch tv := t.member(k); {
		case tv != nil:
			v := a.value(fv, tv, d.kids[i])
			if v != d.kids[i] {
				change(i)
			}
			if changed {
				keys = append(keys, k)
				vals = append(vals, v)
			}
		case fv == nil:
			// Not part of the view: kept as stored.
			if changed {
				keys = append(keys, k)
				vals = append(vals, d.kids[i])
			}
		default:
			change(i) // removed by the change
		}
	}
	for i, k := range t.keys {
		if d.has(k) {
			continue
		}
		var fv *node
		if f != nil {
			fv = f.member(k)
		}
		if v := a.value(fv, t.kids[i], nil); v != nil {
			change(len(d.keys))
			keys = append(keys, k)
			vals = append(vals, v)
		}
	}
	if !changed {
		return d
	}
	return newObject(keys, vals)
}

func (a *applier) array(f, t, d *node) *node {
	var partner []int
	if k, ok := identity(&a.budget, f.kids, t.kids); ok {
		partner = partners(k, f.kids, t.kids, true)
	} else {
		partner = a.align(f.kids, t.kids)
	}
	kids := make([]*node, 0, len(t.kids)+max(len(d.kids)-len(f.kids), 0))
	same := len(t.kids) == len(f.kids)
	for j, e := range t.kids {
		i := partner[j]
		if i < 0 {
			kids = append(kids, e)
			same = false
			continue
		}
		var di *node
		if i < len(d.kids) {
			di = d.kids[i]
		}
		if v := a.value(f.kids[i], e, di); v != nil {
			kids = append(kids, v)
			same = same && i == j && v == di
		}
	}
	for i := len(f.kids); i < len(d.kids); i++ {
		kids = append(kids, d.kids[i])
	}
	if same && len(kids) == len(d.kids) {
		return d
	}
	return &node{kind: kindArray, kids: kids}
}

// align returns, for each element of t, the index of the element of f it
// is aligned with, or -1. Equal values are aligned by a longest common
// subsequence (see balance for which of repeated values), and the elements
// of each run of changes between two aligned ones are paired by pairRun.
// Past the work budget, the arrays are aligned by their common start and
// end, and paired in order between.
func (a *applier) align(f, t []*node) []int {
	match := make([]int32, len(f))
	for i := range match {
		match[i] = -1
	}
	fi, okF := a.ids.intern(f, &a.budget)
	ti, okT := a.ids.intern(t, &a.budget)
	switch {
	case !okF || !okT:
	default:
		rf, rt := reversed(fi), reversed(ti)
		rev, ok := lcs(rf, rt, &a.budget)
		if ok && slideLeft(rf, rt, rev, &a.budget) {
			n, m := len(f), len(t)
			for i := range match {
				if r := rev[n-1-i]; r >= 0 {
					match[i] = int32(m - 1 - int(r))
				}
			}
			break
		}
		for i := range match {
			match[i] = -1
		}
		s := 0
		for s < len(fi) && s < len(ti) && fi[s] == ti[s] {
			match[s] = int32(s)
			s++
		}
		for e := 1; e <= len(fi)-s && e <= len(ti)-s && fi[len(fi)-e] == ti[len(ti)-e]; e++ {
			match[len(fi)-e] = int32(len(ti) - e)
		}
	}
	balance(fi, match, &a.budget)
	// From matches to partners, pairing the runs between by likeness.
	partner := make([]int, len(t))
	for j := range partner {
		partner[j] = -1
	}
	i, j := 0, 0
	for i < len(f) || j < len(t) {
		if i < len(f) && match[i] >= 0 && int(match[i]) == j {
			partner[j] = i
			i, j = i+1, j+1
			continue
		}
		ei := i
		for ei < len(f) && match[ei] < 0 {
			ei++
		}
		ej := len(t)
		if ei < len(f) {
			ej = int(match[ei])
		}
		a.pairRun(f[i:ei], t[j:ej], i, partner[j:ej])
		i, j = ei, ej
	}
	return partner
}

// maxRunPairs bounds the element pairs pairRun compares in one run.
const maxRunPairs = 1 << 16

// pairRun pairs the elements of a run of changes: fs, the elements of from
// the run replaces (from index i0 on), and ts, the elements of to that
// replace them, setting partner for each element of ts. Elements are paired
// by likeness, in order: an order-keeping matching that maximises the sum,
// over the pairs, of the square of what the paired objects share (members
// of the same name and value; see shared), so that one close pair
// outweighs two loose ones. Where no two elements share a member, runs of
// one length are paired in order (each element changed in place) and runs
// of different lengths not at all (what was inserted, removed or changed
// cannot be told); so are the stretches between the pairs found by
// likeness. Past the bound on the pairs compared, or the work budget, runs
// are paired in order.
func (a *applier) pairRun(fs, ts []*node, i0 int, partner []int) {
	n, m := len(fs), len(ts)
	inOrder := func() {
		for p := 0; p < n && p < m; p++ {
			partner[p] = i0 + p
		}
	}
	if n == 0 || m == 0 {
		return
	}
	if n*m > maxRunPairs || a.budget <= 0 {
		inOrder()
		return
	}
	sim := make([]int, n*m)
	found := false
	for x, fe := range fs {
		for y, te := range ts {
			if s := shared(fe, te, &a.budget); s > 0 {
				// Squared, so that one close pair outweighs two loose ones.
				sim[x*m+y], found = s*s, true
			}
		}
	}
	if !found {
		if n == m {
			inOrder()
		}
		return
	}
	// best[x][y]: the most shared members pairing fs[:x] with ts[:y].
	best := make([]int, (n+1)*(m+1))
	w := m + 1
	for x := 1; x <= n; x++ {
		for y := 1; y <= m; y++ {
			v := max(best[(x-1)*w+y], best[x*w+y-1])
			if s := sim[(x-1)*m+y-1]; s > 0 {
				v = max(v, best[(x-1)*w+y-1]+s)
			}
			best[x*w+y] = v
		}
	}
	for x, y := n, m; x > 0 && y > 0; {
		switch s := sim[(x-1)*m+y-1]; {
		case s > 0 && best[x*w+y] == best[(x-1)*w+y-1]+s:
			partner[y-1] = i0 + x - 1
			x, y = x-1, y-1
		case best[x*w+y] == best[(x-1)*w+y]:
			x--
		default:
			y--
		}
	}
	// Between the pairs found, stretches of one length on both sides are
	// paired in order, as a whole run without likeness would be.
	px, py := 0, 0 // the start of the current stretch in fs and ts
	for y := 0; y <= m; y++ {
		if y < m && partner[y] < 0 {
			continue
		}
		x := n
		if y < m {
			x = partner[y] - i0
		}
		if x-px == y-py {
			for q := 0; q < y-py; q++ {
				partner[py+q] = i0 + px + q
			}
		}
		px, py = x+1, y+1
	}
}

// shared weighs the members objects a and b both hold with the same value
// (0 for values that are not both objects), charging the budget. A shared
// string or number weighs 2, any other value 1: a name or an id tells an
// element apart more surely than a flag does.
func shared(a, b *node, budget *int) int {
	if a.kind != kindObject || b.kind != kindObject {
		return 0
	}
	n := 0
	for i, k := range a.keys {
		*budget--
		v := b.member(k)
		if v == nil || !equal(a.kids[i], v) {
			continue
		}
		if v.kind == kindString || v.kind == kindNumber {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// balance moves each match of f (ids fi) to the element of f with the same
// value, between the neighbouring matches, whose distance to its partner
// is closest to that of the previous match (0 at the start), the earliest
// on a tie: where values repeat, the element kept is the one that leaves
// the changes around it paired in place. The matching stays as long and in
// order. Each element looked at costs one unit of budget.
func balance(fi []int32, match []int32, budget *int) {
	if fi == nil {
		return
	}
	pi, pj := -1, -1
	for i := 0; i < len(match); i++ {
		if match[i] < 0 {
			continue
		}
		j := int(match[i])
		next := i + 1
		for next < len(match) && match[next] < 0 {
			next++
		}
		want := pi - pj
		best := i
		for k := pi + 1; k < next && *budget > 0; k++ {
			*budget--
			if fi[k] != fi[i] {
				continue
			}
			if d, bd := abs(k-j-want), abs(best-j-want); d < bd || (d == bd && k < best) {
				best = k
			}
		}
		if best != i {
			match[best], match[i] = match[i], -1
		}
		pi, pj = best, j
		i = max(i, best)
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// reversed returns a reversed copy of ids.
func reversed(ids []int32) []int32 {
	out := slices.Clone(ids)
	slices.Reverse(out)
	return out
}
