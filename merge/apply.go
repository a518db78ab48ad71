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
//     with the same identity are aligned wherever they stand, and elements
//     with identities new to to are paired in order with those to dropped
//     between the same two aligned elements (an identity edited in place
//     and a replacement look alike there). Otherwise
//     they are aligned by a diff of their values: an element kept by the
//     change is doc's element; an element changed in place (a run of
//     changed elements, paired in order with the run it replaces) is
//     applied recursively onto doc's element. Where values repeat and the
//     diff could align an element with more than one equal element, the
//     earliest is taken. Either way an aligned element keeps its
//     undeclared members, an inserted element carries none, and removed
//     elements go. Elements of doc beyond the length of from (a type that
//     reads only the first n) are kept at the end.
//   - Anything else (scalars, or values whose kinds differ) takes to's
//     value.
//
// An identifying member is one whose value is a string in every element of
// from and to, distinct within each, and shared by at least one element of
// both; of several, the one whose values they share most.
//
// The diff work of one call is bounded; past it, the remaining arrays are
// aligned by their common start and end, and the elements between are
// paired in order.
//
// When from equals to, Apply returns doc itself. All three must be JSON
// texts as JSON accepts them; otherwise Apply returns an *InvalidJSONError
// naming "from", "to" or "doc". The result is compact JSON when anything
// changed.
func Apply(from, to, doc []byte) ([]byte, error) {
	f, err := parseInput(from, "from")
	if err != nil {
		return nil, err
	}
	t, err := parseInput(to, "to")
	if err != nil {
		return nil, err
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
	return encode(make([]byte, 0, len(doc)+len(to)/4+16), res), nil
}

// applier holds the state of one Apply call.
type applier struct {
	budget int
	ids    map[string]int32
	buf    []byte
}

// value applies the change f → t onto d. f and d may be nil (absent); t
// is never nil.
func (a *applier) value(f, t, d *node) *node {
	switch {
	case d == nil:
		return t
	case f != nil && equal(f, t):
		return d
	case t.kind == kindObject && d.kind == kindObject:
		return a.object(f, t, d)
	case t.kind == kindArray && d.kind == kindArray && f != nil && f.kind == kindArray:
		return a.array(f, t, d)
	}
	return t
}

func (a *applier) object(f, t, d *node) *node {
	if f != nil && f.kind != kindObject {
		f = nil
	}
	keys := make([]string, 0, len(d.keys)+len(t.keys))
	vals := make([]*node, 0, len(d.keys)+len(t.keys))
	for i, k := range d.keys {
		var fv *node
		if f != nil {
			fv = f.member(k)
		}
		switch tv := t.member(k); {
		case tv != nil:
			keys = append(keys, k)
			vals = append(vals, a.value(fv, tv, d.kids[i]))
		case fv == nil:
			// Not part of the view: kept as stored.
			keys = append(keys, k)
			vals = append(vals, d.kids[i])
		}
	}
	for i, k := range t.keys {
		if d.has(k) {
			continue
		}
		// A member doc lacks is added only if the change set it: a view
		// that shows an absent member (a field's zero value) and left it
		// alone adds nothing.
		if f != nil {
			if fv := f.member(k); fv != nil && equal(fv, t.kids[i]) {
				continue
			}
		}
		keys = append(keys, k)
		vals = append(vals, t.kids[i])
	}
	return newObject(keys, vals)
}

func (a *applier) array(f, t, d *node) *node {
	if k, ok := identity(&a.budget, f.kids, t.kids); ok {
		return a.keyed(k, f, t, d)
	}
	match := a.align(f.kids, t.kids)
	// at returns doc's element for from's element i, or nil.
	at := func(i int) *node {
		if i < len(d.kids) {
			return d.kids[i]
		}
		return nil
	}
	kids := make([]*node, 0, len(t.kids)+max(len(d.kids)-len(f.kids), 0))
	i, j := 0, 0
	for i < len(f.kids) || j < len(t.kids) {
		if i < len(f.kids) && match[i] >= 0 && int(match[i]) == j {
			kids = append(kids, a.value(f.kids[i], t.kids[j], at(i)))
			i, j = i+1, j+1
			continue
		}
		// A run of changes: from's unmatched elements up to the next match
		// and to's elements up to that match's partner.
		ei := i
		for ei < len(f.kids) && match[ei] < 0 {
			ei++
		}
		ej := len(t.kids)
		if ei < len(f.kids) {
			ej = int(match[ei])
		}
		for p := 0; j+p < ej; p++ {
			if i+p < ei {
				kids = append(kids, a.value(f.kids[i+p], t.kids[j+p], at(i+p)))
			} else {
				kids = append(kids, t.kids[j+p])
			}
		}
		i, j = ei, ej
	}
	for k := len(f.kids); k < len(d.kids); k++ {
		kids = append(kids, d.kids[k])
	}
	return &node{kind: kindArray, kids: kids}
}

// keyed applies the change to an array whose elements an identifying
// member names: each element of t is applied onto the element of doc its
// partner in f (see partners) stands for; an element without one is new
// and carries nothing; elements of f without a partner go.
func (a *applier) keyed(k string, f, t, d *node) *node {
	partner := partners(k, f.kids, t.kids)
	kids := make([]*node, 0, len(t.kids)+max(len(d.kids)-len(f.kids), 0))
	for j, e := range t.kids {
		i := partner[j]
		if i < 0 || i >= len(d.kids) {
			kids = append(kids, e)
			continue
		}
		kids = append(kids, a.value(f.kids[i], e, d.kids[i]))
	}
	for i := len(f.kids); i < len(d.kids); i++ {
		kids = append(kids, d.kids[i])
	}
	return &node{kind: kindArray, kids: kids}
}

// align returns, for each element of f, the index of the element of t it
// is aligned with, or -1. Equal values are aligned by a longest common
// subsequence that takes the earliest of repeated values: the diff runs on
// the reversed sequences, with changes slid to their start there (to the
// end here).
func (a *applier) align(f, t []*node) []int32 {
	fi, ti := a.intern(f), a.intern(t)
	slices.Reverse(fi)
	slices.Reverse(ti)
	rev, ok := lcs(fi, ti, &a.budget)
	if ok && slideLeft(fi, ti, rev, &a.budget) {
		n, m := len(f), len(t)
		match := make([]int32, n)
		for i := range match {
			match[i] = -1
			if r := rev[n-1-i]; r >= 0 {
				match[i] = int32(m - 1 - int(r))
			}
		}
		return match
	}
	// Out of budget: the common start and end, and nothing between.
	match := make([]int32, len(f))
	for i := range match {
		match[i] = -1
	}
	slices.Reverse(fi)
	slices.Reverse(ti)
	s := 0
	for s < len(fi) && s < len(ti) && fi[s] == ti[s] {
		match[s] = int32(s)
		s++
	}
	for e := 1; e <= len(fi)-s && e <= len(ti)-s && fi[len(fi)-e] == ti[len(ti)-e]; e++ {
		match[len(fi)-e] = int32(len(ti) - e)
	}
	return match
}

// intern numbers values so that equal values get equal ids.
func (a *applier) intern(ns []*node) []int32 {
	if a.ids == nil {
		a.ids = map[string]int32{}
	}
	out := make([]int32, len(ns))
	for i, n := range ns {
		a.buf = appendCanonical(a.buf[:0], n)
		id, ok := a.ids[string(a.buf)]
		if !ok {
			id = int32(len(a.ids))
			a.ids[string(a.buf)] = id
		}
		out[i] = id
	}
	return out
}
