package merge

import (
	"math"
	"slices"
	"strconv"
)

// arrayBudget bounds the work of the element-wise array merges of one JSON
// merge together. Work is counted in bytes of the canonical text of the
// elements compared plus the steps of the diffs. Once it is spent, an
// array both sides changed is merged as one value, so that huge or many
// unrelated arrays cannot stall a merge.
const arrayBudget = 20_000_000

// chargeElements charges *budget, element by element, for the canonical
// texts of ns, as interner.intern does: one unit per byte and one per
// element. It reports false when the budget is spent before an element.
func chargeElements(ns []*node, budget *int) bool {
	for _, n := range ns {
		if *budget <= 0 {
			return false
		}
		*budget -= compactLen(n) + 1
	}
	return true
}

// equalElements reports whether arrays a and b hold equal elements in the
// same order.
func equalElements(a, b []*node) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// hunk is one change a side made to base: base elements [bs, be) became
// the side's elements [ss, se). An insertion has bs == be.
type hunk struct {
	bs, be, ss, se int
}

// hunks lists the changes of one side from a matching of base against it
// (as lcs returns it); nb and ns are the lengths of base and the side. A
// hunk takes a maximal run of base elements the side did not keep, with
// all the side's elements between its neighbours, so two hunks of one side
// are always separated by at least one kept element.
func hunks(match []int32, nb, ns int) []hunk {
	var out []hunk
	i, j := 0, 0
	for {
		if i < nb && int(match[i]) == j {
			i, j = i+1, j+1
			continue
		}
		if i == nb && j == ns {
			return out
		}
		bs, ss := i, j
		for i < nb && match[i] < 0 {
			i++
		}
		se := ns
		if i < nb {
			se = int(match[i])
		}
		out = append(out, hunk{bs: bs, be: i, ss: ss, se: se})
		j = se
	}
}

// sideRun follows one side through a chunk of base: it consumes the side's
// hunks that start before the chunk's end and tracks where the side stands.
type sideRun struct {
	hs  []hunk
	pos int // next hunk
	// b and s are matching positions in base and in the side.
	b, s int
}

// next returns the side's next hunk, and whether there is one.
func (r *sideRun) next() (hunk, bool) {
	if r.pos < len(r.hs) {
		return r.hs[r.pos], true
	}
	return hunk{}, false
}

// take consumes the next hunk.
func (r *sideRun) take() {
	h := r.hs[r.pos]
	r.pos++
	r.b, r.s = h.be, h.se
}

// at returns the side's position at base position b, which lies at or
// after its last hunk: the elements in between were kept in place.
func (r *sideRun) at(b int) int { return r.s + b - r.b }

// array merges three arrays element by element, when no resolver claims
// the array's path. A base that is absent or null counts as an empty
// array. It reports false, having recorded nothing, when the work budget
// runs out before the diffs are done; the array is then merged as one
// value.
//
// An array only one side changed, or both the same way, takes that
// change whole, as the merge table says; the elements' ids tell, so the
// values are compared once, within the budget, however deep they nest.
//
// Both sides are diffed against base, with elements compared as JSON
// values. Elements both sides kept in place stay. The changes in between
// form chunks: the changes of the two sides whose base stretches overlap,
// or that insert at the same point. An insertion at the edge of the other
// side's change is a chunk of its own, placed before or after that change.
// A chunk only one side changed takes that side's elements; a chunk both
// changed the same way takes them once; see merger.chunk for the others.
//
// Paths name indexes of the result: each element is merged at the index
// it gets in the result, an element removed at the index of the element
// that follows it.
func (m *merger) array(base, ours, theirs *node) (*node, bool, error) {
	var b []*node
	if base != nil && base.kind == kindArray {
		b = base.kids
	}
	o, t := ours.kids, theirs.kids
	if m.arrayBudget <= 0 {
		return nil, false, nil
	}
	// The elements are compared by their canonical texts, whose bytes
	// the budget is charged for; the texts themselves are only made for
	// the diffs below, since equal elements are mostly one node shared by
	// the three trees (see decodeLike).
	if !chargeElements(b, &m.arrayBudget) || !chargeElements(o, &m.arrayBudget) || !chargeElements(t, &m.arrayBudget) {
		return nil, false, nil
	}
	isArray := base != nil && base.kind == kindArray
	oursChanged, theirsChanged := !isArray || !equalElements(b, o), !isArray || !equalElements(b, t)
	switch {
	case !oursChanged && !theirsChanged:
		return theirs, true, nil
	case !oursChanged:
		m.record(base, ours, theirs, theirs, RuleTheirsOnly)
		return theirs, true, nil
	case !theirsChanged:
		m.record(base, ours, theirs, ours, RuleOursOnly)
		return ours, true, nil
	case equalElements(o, t):
		m.record(base, ours, theirs, theirs, RuleSame)
		return theirs, true, nil
	}
	if k, ok := identity(&m.arrayBudget, b, o, t); ok {
		v, err := m.keyed(k, base, ours, theirs, b, o, t)
		return v, true, err
	}
	if m.arrayBudget <= 0 {
		return nil, false, nil
	}
	// The ids of the elements, already paid for.
	in := interner{ids: make(map[string]int32, len(b)+len(o)/4+len(t)/4), buf: m.canonBuf}
	paid := math.MaxInt
	bi, _ := in.intern(b, &paid)
	oi, _ := in.intern(o, &paid)
	ti, _ := in.intern(t, &paid)
	m.canonBuf = in.buf
	mo, ok := lcs(bi, oi, &m.arrayBudget)
	if !ok || !slideLeft(bi, oi, mo, &m.arrayBudget) {
		return nil, false, nil
	}
	mt, ok := lcs(bi, ti, &m.arrayBudget)
	if !ok || !slideLeft(bi, ti, mt, &m.arrayBudget) {
		return nil, false, nil
	}

	res := make([]*node, 0, max(len(o), len(t)))
	ro := sideRun{hs: hunks(mo, len(b), len(o))}
	rt := sideRun{hs: hunks(mt, len(b), len(t))}
	i := 0 // base position; both sides stand at ro.at(i) and rt.at(i)
	for {
		ho, okO := ro.next()
		ht, okT := rt.next()
		start := len(b)
		if okO {
			start = min(start, ho.bs)
		}
		if okT {
			start = min(start, ht.bs)
		}
		// Elements both sides kept in place.
		res = append(res, t[rt.at(i):rt.at(start)]...)
		i = start
		hereO, hereT := okO && ho.bs == i, okT && ht.bs == i
		if !hereO && !hereT {
			break // the end: neither side changes anything after i
		}
		j0, k0 := ro.at(i), rt.at(i)
		// An insertion at the start of the other side's change comes
		// before that change, on its own.
		switch {
		case hereO && hereT && ho.bs == ho.be && ht.bs != ht.be:
			hereT = false
		case hereO && hereT && ht.bs == ht.be && ho.bs != ho.be:
			hereO = false
		}
		end := i
		if hereO {
			ro.take()
			end = max(end, ho.be)
		}
		if hereT {
			rt.take()
			end = max(end, ht.be)
		}
		// Take in the changes that start inside the chunk, until none do.
		for grown := true; grown; {
			grown = false
			for _, r := range []*sideRun{&ro, &rt} {
				for h, ok := r.next(); ok && h.bs < end; h, ok = r.next() {
					r.take()
					end = max(end, h.be)
					grown = true
				}
			}
		}
		j1, k1 := ro.at(end), rt.at(end)
		var err error
		res, err = m.chunk(res, b[i:end], o[j0:j1], t[k0:k1], bi[i:end], oi[j0:j1], ti[k0:k1])
		if err != nil {
			return nil, true, err
		}
		i = end
	}
	return &node{kind: kindArray, kids: res}, true, nil
}

// chunk merges one chunk of an array: base elements bs, which ours turned
// into os and theirs into ts (bi, oi and ti are their ids), appending the
// result to res.
//
//   - Changed by one side only, or by both the same way: that side's
//     elements. Where the lengths agree the elements are merged pairwise,
//     so the report names the members that changed; otherwise the base
//     elements are reported removed and the new ones inserted.
//   - Insertions by both at one point: theirs' elements, then ours' that
//     are not among them. Each of theirs' elements stands for one equal
//     element of ours, so an element both inserted appears once.
//   - Base elements both changed, each side leaving as many elements as
//     base had or none: the elements are merged pairwise, each as a value
//     of its own (objects member by member; conflicts by the resolver or
//     policy at the element's path; a removal against a change is a
//     conflict).
//   - Anything else is a conflict of the whole chunk, decided by the
//     policy at the path of its first element: see runConflict.
func (m *merger) chunk(res, bs, os, ts []*node, bi, oi, ti []int32) ([]*node, error) {
	oursChanged, theirsChanged := !sameIDs(oi, bi), !sameIDs(ti, bi)
	var err error
	switch {
	case !oursChanged && !theirsChanged:
		return append(res, ts...), nil
	case !oursChanged || !theirsChanged || sameIDs(oi, ti):
		// One side's change, or the same change by both: the side that
		// did not change it holds the base elements, the others the new.
		changed := ts
		if !theirsChanged {
			changed = os
		}
		if len(changed) == len(bs) {
			return m.pairs(res, bs, os, ts)
		}
		pick := func(side []*node, same bool, q int) *node {
			if same {
				return side[q]
			}
			return nil
		}
		for q := range bs {
			if res, err = m.element(res, bs[q], pick(os, !oursChanged, q), pick(ts, !theirsChanged, q)); err != nil {
				return nil, err
			}
		}
		for q := range changed {
			if res, err = m.element(res, nil, pick(os, oursChanged, q), pick(ts, theirsChanged, q)); err != nil {
				return nil, err
			}
		}
		return res, nil
	case len(bs) == 0:
		return m.insertions(res, os, ts, oi, ti)
	case (len(os) == len(bs) || len(os) == 0) && (len(ts) == len(bs) || len(ts) == 0):
		return m.pairs(res, bs, os, ts)
	}
	return m.runConflict(res, bs, os, ts)
}

// pairs merges the elements of runs of one length pairwise; an empty ours
// or theirs run stands for the removal of each element.
func (m *merger) pairs(res, bs, os, ts []*node) ([]*node, error) {
	var err error
	for q := range bs {
		var o, t *node
		if len(os) > 0 {
			o = os[q]
		}
		if len(ts) > 0 {
			t = ts[q]
		}
		if res, err = m.element(res, bs[q], o, t); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// insertions merges what both sides inserted at one point: theirs'
// elements, then those of ours not matched with an equal one of theirs.
// With insertOursFirst the roles swap: ours' elements come first.
func (m *merger) insertions(res, os, ts []*node, oi, ti []int32) ([]*node, error) {
	first, second := ts, os
	firstIDs, secondIDs := ti, oi
	if m.insertOursFirst {
		first, second, firstIDs, secondIDs = os, ts, oi, ti
	}
	// waiting lists, for each id, the positions in second not yet matched
	// with an equal element of first, in order.
	waiting := make(map[int32][]int, len(second))
	for x, id := range secondIDs {
		waiting[id] = append(waiting[id], x)
	}
	used := make([]bool, len(second))
	var err error
	for q, e := range first {
		var other *node
		if w := waiting[firstIDs[q]]; len(w) > 0 {
			used[w[0]], other = true, second[w[0]]
			waiting[firstIDs[q]] = w[1:]
		}
		o, t := other, e
		if m.insertOursFirst {
			o, t = e, other
		}
		if res, err = m.element(res, nil, o, t); err != nil {
			return nil, err
		}
	}
	for x, e := range second {
		if used[x] {
			continue
		}
		var o, t *node = e, nil
		if m.insertOursFirst {
			o, t = nil, e
		}
		if res, err = m.element(res, nil, o, t); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// element merges one element at the index it gets in the result, res's
// length, and appends the merged value unless it was removed.
func (m *merger) element(res []*node, base, ours, theirs *node) ([]*node, error) {
	n := m.enter(strconv.Itoa(len(res)))
	v, err := m.value(base, ours, theirs)
	m.leave(n)
	if err != nil {
		return nil, err
	}
	if v != nil {
		res = append(res, v)
	}
	return res, nil
}

// runConflict decides a chunk both sides changed differently that cannot
// be merged element by element. It is one conflict, at the path of the
// chunk's first element, decided by the policy in force there: the policy
// of a Use or Atomic resolver matching that path, or the fallback of
// another resolver matching it, else Options.Policy. Its Decision holds
// the three runs as arrays. Under Fail, the base run stands in the result
// so that the indexes of later elements do not depend on which side is
// ours.
func (m *merger) runConflict(res, bs, os, ts []*node) ([]*node, error) {
	n := m.enter(strconv.Itoa(len(res)))
	defer m.leave(n)
	p, rule := m.policyHere()
	v, err := m.apply(p, rule, &node{kind: kindArray, kids: bs}, &node{kind: kindArray, kids: os}, &node{kind: kindArray, kids: ts})
	if err != nil {
		return nil, err
	}
	return append(res, v.kids...), nil
}

// keyed merges arrays whose elements an identifying member names (see
// identity), like an object whose members are the elements: the versions
// of one element, by identity, merge as one value wherever each side moved
// it (objects member by member); an element one side removed and the other
// left alone is removed; removed on one side and changed on the other is a
// conflict at its path; elements either side added are kept.
//
// The order is the order of the side that moved elements (theirs when
// neither or both did the same), with the other side's new elements after
// the element they follow there. When both moved elements differently the
// order is a conflict at the array's path, decided by the policy in force
// there: Ours or Theirs takes that side's order (a Decision at the array's
// path, before the elements' own, records it), Fail leaves it undecided.
func (m *merger) keyed(k string, base, ours, theirs *node, b, o, t []*node) (*node, error) {
	// Each element's identity is its key: an element whose key a side
	// edited is, for the merge, removed there and added anew, so that the
	// other side's changes to it are a conflict rather than lost.
	idsOf := func(a []*node) []string {
		out := make([]string, len(a))
		for i, e := range a {
			out[i] = keyOf(e, k)
		}
		return out
	}
	bids := idsOf(b)
	oids, tids := idsOf(o), idsOf(t)
	index := func(ids []string, a []*node) map[string]*node {
		out := make(map[string]*node, len(a))
		for i, e := range a {
			out[ids[i]] = e
		}
		return out
	}
	bm, om, tm := index(bids, b), index(oids, o), index(tids, t)
	// The order of the elements all three hold, as positions in each.
	common := func(ids []string) []int32 {
		out := make([]int32, 0, len(ids))
		for i, id := range ids {
			if bm[id] != nil && om[id] != nil && tm[id] != nil {
				out = append(out, int32(i))
			}
		}
		return out
	}
	cb, co, ct := common(bids), common(oids), common(tids)
	sameOrder := func(x []int32, xids []string, y []int32, yids []string) bool {
		return slices.EqualFunc(x, y, func(i, j int32) bool { return xids[i] == yids[j] })
	}
	oursFirst := false
	orderAt := -1
	switch {
	case sameOrder(co, oids, ct, tids):
		oursFirst = m.insertOursFirst
	case sameOrder(co, oids, cb, bids):
	case sameOrder(ct, tids, cb, bids):
		oursFirst = true
	default:
		p, rule := m.policyHere()
		if p == Fail {
			return m.apply(p, rule, base, ours, theirs)
		}
		if rule[len(rule)-1] == ':' {
			rule += p.String()
		}
		orderAt = m.record(base, ours, theirs, nil, rule)
		oursFirst = p == Ours
	}
	first, second, secondMap := tids, oids, om
	if oursFirst {
		first, second, secondMap = oids, tids, tm
	}
	seq := newSequence(first)
	seq.merge(second, func(id string) bool { return bm[id] == nil && secondMap[id] == nil })
	seq.merge(bids, nil)

	res := make([]*node, 0, max(len(o), len(t)))
	var err error
	for _, id := range seq.order() {
		if res, err = m.element(res, bm[id], om[id], tm[id]); err != nil {
			return nil, err
		}
	}
	out := &node{kind: kindArray, kids: res}
	if orderAt >= 0 {
		m.decisions.at(orderAt).Result = rawOf(out)
	}
	return out, nil
}

// sequence is an order of element identities that others are merged into,
// as a linked list so that each insertion costs the same.
type sequence struct {
	ids  []string
	next []int // position of the identity after ids[i]; -1 ends
	pos  map[string]int
	head int // -1 when empty
}

func newSequence(ids []string) *sequence {
	// Room for the other side's additions, which are few next to the
	// elements kept.
	size := len(ids) + len(ids)/8 + 2
	s := &sequence{
		ids:  make([]string, 0, size),
		next: make([]int, 0, size),
		pos:  make(map[string]int, size),
		head: -1,
	}
	s.merge(ids, nil)
	return s
}

// insertAfter puts id after the identity at position prev, or at the front
// when prev is -1, and returns its position.
func (s *sequence) insertAfter(prev int, id string) int {
	at := len(s.ids)
	s.ids = append(s.ids, id)
	s.pos[id] = at
	if prev < 0 {
		s.next = append(s.next, s.head)
		s.head = at
		return at
	}
	s.next = append(s.next, s.next[prev])
	s.next[prev] = at
	return at
}

// merge adds the identities of ids that the sequence lacks, each after the
// identity it follows in ids (at the front when it follows none) and after
// the identities there that pass (the first side's own additions at that
// point), so that runs of new identities keep their order and additions at
// one point come first side first.
func (s *sequence) merge(ids []string, pass func(id string) bool) {
	prev := -1
	for _, id := range ids {
		at, ok := s.pos[id]
		if !ok {
			for {
				nx := s.head
				if prev >= 0 {
					nx = s.next[prev]
				}
				if nx < 0 || pass == nil || !pass(s.ids[nx]) {
					break
				}
				prev = nx
			}
			at = s.insertAfter(prev, id)
		}
		prev = at
	}
}

func (s *sequence) order() []string {
	out := make([]string, 0, len(s.ids))
	for i := s.head; i >= 0; i = s.next[i] {
		out = append(out, s.ids[i])
	}
	return out
}
