package merge

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Policy decides a conflict: a value both sides changed, differently.
type Policy int

const (
	// Ours keeps our value (the writer merging now wins: "last writer wins"
	// per field). A member we removed stays removed. It is the zero Policy.
	Ours Policy = iota
	// Theirs keeps their value, the one already stored.
	Theirs
	// Fail leaves the conflict undecided: the merge returns a
	// *ConflictError listing every such path.
	Fail
)

// String returns "ours", "theirs" or "fail".
func (p Policy) String() string {
	switch p {
	case Ours:
		return "ours"
	case Theirs:
		return "theirs"
	case Fail:
		return "fail"
	default:
		return "Policy(" + strconv.Itoa(int(p)) + ")"
	}
}

func (p Policy) valid() bool { return p >= Ours && p <= Fail }

// Options configures a merge. The zero Options merges member by member and
// resolves every conflict with Ours.
type Options struct {
	// Policy decides the conflicts no resolver claims, and those a resolver
	// declines without a fallback of its own. The zero value is Ours.
	Policy Policy
	// Resolvers maps JSON Pointer patterns to the resolver for conflicts at
	// the paths they match. A pattern is a JSON Pointer (RFC 6901, with ~0
	// for '~' and ~1 for '/'; "" is the whole document) in which a segment
	// "*" matches any one member name or array index ("/answers/*"). A "*"
	// segment is always a wildcard, so it also matches a member named "*".
	// When several patterns match a path the most specific wins: the one
	// with fewer wildcards, then the one whose wildcards come later (so
	// "/a/*" beats "/*/b" for "/a/b").
	//
	// Resolvers act at the path of a conflict. Where both sides still hold
	// objects, the objects are merged member by member and the members'
	// paths are matched, so a resolver for the object's own path is not
	// consulted, unless it is Atomic.
	//
	// Arrays differ: any resolver whose pattern matches an array's own path
	// (Atomic, SetUnion, Use, Max, a ResolverFunc, ...) makes the array one
	// value, and gets the whole arrays when both sides changed them
	// differently. Only an array with no resolver for its own path is
	// merged element by element; then resolvers for its elements' paths
	// ("/answers/*") decide conflicts of single elements. An array index in
	// a path names the index of the element in the merged array, not in
	// base, ours or theirs (see JSON).
	Resolvers map[string]Resolver
}

// JSON merges three JSON documents: base, the version both edits started
// from; ours; and theirs. For every path it compares base with each side:
// a value changed on one side takes that side's value; a value both sides
// changed the same way takes that value; a value both sides changed
// differently is a conflict, decided by the resolver registered for the
// path or by opts.Policy. A nil opts is the zero Options.
//
// Objects merge member by member, recursively: a member removed on one
// side and unchanged on the other is removed; removed on one side and
// changed on the other is a conflict. When both sides turned an absent or
// null value into objects, their members are merged against an empty base
// object, so members only one side added are all kept and a member both
// added with different values is a conflict. When both turned any other
// value that is not an object (5, "x", [1]) into different objects, the
// value changed differently on both sides: under the Fail policy (or a
// resolver there that uses or falls back to Fail) that is a conflict at
// its path; otherwise the members are merged the same way and the report
// has a Decision with RuleObjectsMerged at the path, before the members'
// own. Strings, numbers, booleans and null are single values; null is a
// value, not a removal. Two values are the same when they are the same
// JSON value: objects with the same members in any order, arrays with the
// same elements in order, numbers with the same text (1.0 and 1 differ).
//
// Arrays both sides changed differently merge element by element, when no
// resolver is registered for the array's own path (a resolver there, such
// as Atomic or SetUnion, makes the array one value) and base holds an
// array too; an absent or null base counts as an empty array.
//
// When every element of the three arrays is an object holding one member
// with a string value distinct within each array, and the non-empty arrays
// share at least one of its values (an "id": of several such members, the
// one with most values shared; on a tie, the only one named like an
// identifier, such as "id", "key" or "userId", else none), elements are
// merged by that identity, as
// members of an object are: the versions of one element merge as one value
// wherever each side moved it (an element whose identity a side edited
// counts as removed there and added anew); an element one side removed and the other
// left alone is removed, removed against changed is a conflict at its
// path; elements either side added are kept, and two added with one
// identity merge as one. The order is that of the side that moved elements
// (theirs when neither did, or both the same way), with the other side's
// new elements after the element they follow there; both moving elements
// differently is a conflict of the order at the array's path, decided by
// the policy in force there (a Decision at that path records which side's
// order was kept; Fail leaves it undecided).
//
// Otherwise each side is diffed against base with elements compared as
// JSON values; elements both kept in place stay, and the changes in
// between are merged stretch by stretch:
//
//   - a stretch only one side changed takes that side's elements: removals
//     and insertions of either side are kept;
//   - a stretch both changed the same way takes that change once;
//   - elements both sides inserted at the same point are all kept, theirs'
//     first, then ours' except those equal to one of theirs' (an element
//     both inserted there appears once);
//   - where both changed the same base elements and each side left as many
//     elements as base had there, or none, the elements are merged pair by
//     pair as values of their own: objects member by member, a scalar both
//     changed differently is a conflict decided by the resolver or policy
//     for the element's path, an element removed on one side and changed on
//     the other is a conflict;
//   - any other overlap of the two sides' changes is one conflict of the
//     stretch, decided by the policy in force at the path of its first
//     element (that of a Use or Atomic resolver matching the path, or the
//     fallback of another resolver matching it, else opts.Policy): Ours
//     keeps ours' elements of the stretch, Theirs keeps theirs', Fail makes
//     it a conflict. Its Decision has the path of the stretch's first
//     element and holds the three versions of the stretch as arrays in
//     Base, Ours, Theirs and Result.
//
// A changed element of an array is reported at its index in the result:
// "/ticked/3" is the fourth element of the merged array. An element
// removed is reported, with a nil Result, at the index it would have had,
// which is the index of the element after it; inserted elements are
// reported with RuleOursOnly or RuleTheirsOnly. Under Fail an undecided
// element or stretch counts as its base version for the indexes after it.
// An array only one side changed, or both the same way, has one Decision
// at its own path. The diffs of all arrays of one merge share a budget of
// work; an array that would exceed it is merged as one value instead, so
// a change on both sides is a conflict for the policy.
//
// The result is compact JSON with no HTML escaping. Its members come in
// theirs' order, followed by members only ours has, in ours' order.
// Numbers keep their exact text.
//
// Each input must be one JSON text in UTF-8, with no member name repeated
// within an object and nesting at most 10000 deep; otherwise JSON returns
// an *InvalidJSONError (matching ErrInvalidJSON) that names the input.
// Conflicts left undecided produce a *ConflictError (matching ErrConflict)
// together with the report of all decisions; other errors come with a nil
// report. The report is bounded in size (see Report).
func JSON(base, ours, theirs []byte, opts *Options) ([]byte, *Report, error) {
	m, err := newMerger(opts)
	if err != nil {
		return nil, nil, err
	}
	return m.merge(base, ours, theirs)
}

// merge is JSON with a merger made from the options.
func (m *merger) merge(base, ours, theirs []byte) ([]byte, *Report, error) {
	// Ours and theirs are versions of base: their values that keep base's
	// text are base's, decoded once.
	b, depth, serr := decodeLike(base, nil, 0)
	if serr != nil {
		return nil, nil, inputError("base", serr)
	}
	o, _, serr := decodeLike(ours, b, depth)
	if serr != nil {
		return nil, nil, inputError("ours", serr)
	}
	t, _, serr := decodeLike(theirs, b, depth)
	if serr != nil {
		return nil, nil, inputError("theirs", serr)
	}
	m.reportLeft = reportPathBytes(len(base) + len(ours) + len(theirs))
	res, err := m.value(b, o, t)
	if err != nil {
		return nil, nil, err
	}
	report := &Report{Decisions: m.decisions.all(), Omitted: m.omitted}
	if len(m.conflicts) > 0 || m.omittedConflicts > 0 {
		slices.SortStableFunc(m.conflicts, func(x, y Decision) int { return strings.Compare(x.Path, y.Path) })
		paths := make([]string, len(m.conflicts))
		for i, c := range m.conflicts {
			paths[i] = c.Path
		}
		return nil, report, &ConflictError{Paths: paths, Decisions: m.conflicts, Omitted: m.omittedConflicts}
	}
	return encode(make([]byte, 0, len(theirs)+len(ours)/8+64), res), report, nil
}

// reportPathBytes returns the bound on the bytes of the paths in the
// report of a merge of inputs of the given total size: 1 MiB plus four
// times the inputs. Every path is at most twice as long as the input it
// comes from (escaping doubles '~' and '/'), so the bound is reached only
// when many decisions lie deep below long member names.
func reportPathBytes(inputs int) int {
	return 1<<20 + 4*inputs
}

// merger holds the state of one merge.
type merger struct {
	policy Policy
	// patterns and resolvers are parallel, most specific pattern first.
	patterns  []pattern
	resolvers []Resolver
	hasAtomic bool
	// path holds the unescaped segments of the value being merged, ptr the
	// same path as a JSON Pointer.
	path []string
	ptr  []byte
	// decisions and conflicts make the report. reportLeft is what remains
	// of the bytes of paths it may hold; decisions beyond it are counted in
	// omitted (and conflicts among them in omittedConflicts).
	decisions        decisionLog
	conflicts        []Decision
	reportLeft       int
	omitted          int
	omittedConflicts int
	// textBudget is the work left for the Text resolvers of this merge,
	// arrayBudget the work left for its element-wise array merges.
	textBudget  int
	arrayBudget int
	// canonBuf is scratch space for the canonical text of array elements.
	canonBuf []byte
	// insertOursFirst puts ours' elements before theirs' where both sides
	// inserted at one point of an array, the mirror image of the order JSON
	// uses. Only tests set it, to compare a merge with the one that swaps
	// ours and theirs.
	insertOursFirst bool
}

func newMerger(opts *Options) (*merger, error) {
	m := &merger{textBudget: textBudget, arrayBudget: arrayBudget}
	if opts == nil {
		return m, nil
	}
	if !opts.Policy.valid() {
		return nil, fmt.Errorf("%w: unknown policy %v", ErrInvalidOptions, opts.Policy)
	}
	m.policy = opts.Policy
	type entry struct {
		p pattern
		r Resolver
	}
	entries := make([]entry, 0, len(opts.Resolvers))
	for text, r := range opts.Resolvers {
		p, err := compilePattern(text)
		if err != nil {
			return nil, fmt.Errorf("%w: resolver pattern: %v", ErrInvalidOptions, err)
		}
		if (r.use != nil && !r.use.valid()) || (r.hasFallback && !r.fallback.valid()) {
			return nil, fmt.Errorf("%w: resolver for %q uses an unknown policy", ErrInvalidOptions, text)
		}
		m.hasAtomic = m.hasAtomic || r.atomic
		entries = append(entries, entry{p, r})
	}
	slices.SortFunc(entries, func(a, b entry) int {
		switch {
		case a.p.text == b.p.text:
			return 0
		case moreSpecific(&a.p, &b.p):
			return -1
		}
		return 1
	})
	for _, e := range entries {
		m.patterns = append(m.patterns, e.p)
		m.resolvers = append(m.resolvers, e.r)
	}
	return m, nil
}

// resolver returns the resolver registered for the current path.
func (m *merger) resolver() (Resolver, bool) {
	for i := range m.patterns {
		if m.patterns[i].matches(m.path) {
			return m.resolvers[i], true
		}
	}
	return Resolver{}, false
}

// atomicHere reports whether the current path is claimed by an Atomic
// resolver.
func (m *merger) atomicHere() bool {
	if !m.hasAtomic {
		return false
	}
	r, ok := m.resolver()
	return ok && r.atomic
}

// enter descends into the member named k; leave(enter(k)) returns.
func (m *merger) enter(k string) int {
	n := len(m.ptr)
	m.path = append(m.path, k)
	m.ptr = appendSegment(append(m.ptr, '/'), k)
	return n
}

func (m *merger) leave(n int) {
	m.path = m.path[:len(m.path)-1]
	m.ptr = m.ptr[:n]
}

// value merges the values at the current path; nil means absent.
func (m *merger) value(base, ours, theirs *node) (*node, error) {
	if base == ours && ours == theirs {
		// One value, shared by the three trees: nothing in it changed.
		return theirs, nil
	}
	if ours.isObject() && theirs.isObject() && !m.atomicHere() {
		switch {
		case base.isObject():
			return m.object(base, ours, theirs)
		case base == nil || base.kind == kindNull:
			// Both sides made objects where there was none.
			return m.object(&node{kind: kindObject}, ours, theirs)
		case !equal(ours, theirs):
			return m.objectsMerged(base, ours, theirs)
		}
	}
	if ours.isArray() && theirs.isArray() && (base == nil || base.kind == kindNull || base.kind == kindArray) &&
		!sameText(base, ours) && !sameText(base, theirs) && !sameText(ours, theirs) {
		// No resolver at the array's own path: merge element by element,
		// unless that runs out of budget.
		if _, claimed := m.resolver(); !claimed {
			if res, ok, err := m.array(base, ours, theirs); ok || err != nil {
				return res, err
			}
		}
	}
	oursChanged, theirsChanged := !equal(base, ours), !equal(base, theirs)
	switch {
	case !oursChanged && !theirsChanged:
		return theirs, nil
	case !oursChanged:
		m.record(base, ours, theirs, theirs, RuleTheirsOnly)
		return theirs, nil
	case !theirsChanged:
		m.record(base, ours, theirs, ours, RuleOursOnly)
		return ours, nil
	case equal(ours, theirs):
		if r, ok := m.resolver(); ok && r.deltas && countable(base, ours) {
			return m.conflict(base, ours, theirs)
		}
		m.record(base, ours, theirs, theirs, RuleSame)
		return theirs, nil
	}
	return m.conflict(base, ours, theirs)
}

// sameText reports whether a and b are present and were decoded from the
// same text, which makes them the same value. Unlike equal it never looks
// inside the values, so it costs at most one comparison of their texts.
func sameText(a, b *node) bool {
	return a != nil && b != nil && a.raw != nil && b.raw != nil && string(a.raw) == string(b.raw)
}

// countable reports whether a change both sides made to base counts once
// for each side under a resolver such as Sum: the new value is a number,
// and base is a number, null or absent.
func countable(base, v *node) bool {
	return v != nil && v.kind == kindNumber && (base == nil || base.kind == kindNull || base.kind == kindNumber)
}

// objectsMerged decides a value that both sides turned from base, neither
// absent, null nor an object, into different objects. It is a conflict: a
// Fail policy leaves it undecided; otherwise the objects are merged member
// by member against an empty object and the decision is recorded with
// RuleObjectsMerged.
func (m *merger) objectsMerged(base, ours, theirs *node) (*node, error) {
	if p, rule := m.policyHere(); p == Fail {
		return m.apply(p, rule, base, ours, theirs)
	}
	at := m.record(base, ours, theirs, nil, RuleObjectsMerged)
	res, err := m.object(&node{kind: kindObject}, ours, theirs)
	if err != nil {
		return nil, err
	}
	if at >= 0 {
		m.decisions.at(at).Result = rawOf(res)
	}
	return res, nil
}

// object merges three objects member by member.
func (m *merger) object(base, ours, theirs *node) (*node, error) {
	// The result's members are only collected from the first that differs
	// from theirs: until then they are theirs' first ones.
	var keys []string
	var vals []*node
	unchanged := true
	for i, k := range theirs.keys {
		n := m.enter(k)
		v, err := m.value(base.memberNear(k, i), ours.memberNear(k, i), theirs.kids[i])
		m.leave(n)
		if err != nil {
			return nil, err
		}
		if v != theirs.kids[i] && unchanged {
			unchanged = false
			keys = append(make([]string, 0, len(theirs.keys)), theirs.keys[:i]...)
			vals = append(make([]*node, 0, len(theirs.keys)), theirs.kids[:i]...)
		}
		if v != nil && !unchanged {
			keys = append(keys, k)
			vals = append(vals, v)
		}
	}
	for i, k := range ours.keys {
		if theirs.has(k) {
			continue
		}
		n := m.enter(k)
		v, err := m.value(base.memberNear(k, i), ours.kids[i], nil)
		m.leave(n)
		if err != nil {
			return nil, err
		}
		if v != nil {
			if unchanged {
				unchanged = false
				keys, vals = slices.Clone(theirs.keys), slices.Clone(theirs.kids)
			}
			keys = append(keys, k)
			vals = append(vals, v)
		}
	}
	for i, k := range base.keys {
		if theirs.has(k) || ours.has(k) {
			continue
		}
		// Removed by both sides.
		n := m.enter(k)
		_, err := m.value(base.kids[i], nil, nil)
		m.leave(n)
		if err != nil {
			return nil, err
		}
	}
	if unchanged {
		return theirs, nil
	}
	return newObject(keys, vals), nil
}

// conflict decides a value both sides changed differently.
func (m *merger) conflict(base, ours, theirs *node) (*node, error) {
	r, ok := m.resolver()
	if !ok || (r.use == nil && r.decide == nil) {
		return m.apply(r.fallbackOr(m.policy), "policy:", base, ours, theirs)
	}
	if r.use != nil {
		return m.apply(*r.use, "resolver:"+r.name, base, ours, theirs)
	}
	res, err := r.decide(m, base, ours, theirs)
	if err == nil {
		if res == nil && len(m.path) == 0 {
			return nil, &ResolverError{Path: "", Err: errors.New("cannot remove the whole document")}
		}
		m.record(base, ours, theirs, res, "resolver:"+r.name)
		return res, nil
	}
	if !errors.Is(err, ErrNoDecision) {
		return nil, err
	}
	return m.apply(r.fallbackOr(m.policy), "resolver:"+r.name+"/fallback:", base, ours, theirs)
}

// policyHere returns the policy for a conflict at the current path that no
// resolver decides, and the rule prefix that names it for apply: the
// policy a resolver registered there uses or falls back to, else
// Options.Policy.
func (m *merger) policyHere() (Policy, string) {
	r, ok := m.resolver()
	switch {
	case ok && r.use != nil:
		return *r.use, "resolver:" + r.name
	case ok && r.hasFallback:
		return r.fallback, "resolver:" + r.name + "/fallback:"
	}
	return m.policy, "policy:"
}

// fallbackOr returns the resolver's fallback policy, or p if it has none.
func (r Resolver) fallbackOr(p Policy) Policy {
	if r.hasFallback {
		return r.fallback
	}
	return p
}

// apply decides a conflict by a policy. A rule ending in ':' gets the
// policy's name appended.
func (m *merger) apply(p Policy, rule string, base, ours, theirs *node) (*node, error) {
	if rule[len(rule)-1] == ':' {
		rule += p.String()
	}
	switch p {
	case Ours:
		m.record(base, ours, theirs, ours, rule)
		return ours, nil
	case Theirs:
		m.record(base, ours, theirs, theirs, rule)
		return theirs, nil
	default:
		if at := m.record(base, ours, theirs, nil, rule); at >= 0 {
			m.conflicts = append(m.conflicts, *m.decisions.at(at))
		} else {
			m.omittedConflicts++
		}
		// Keep merging to find every conflict; the result is discarded.
		// Base stands in for the value where there is one, so that the
		// indexes of the array elements after it, and with them the paths
		// of later conflicts, do not depend on which side is ours.
		if base != nil {
			return base, nil
		}
		return theirs, nil
	}
}

// record adds a decision for the current path to the report and returns
// its index, or -1 when the report is full and the decision was only
// counted.
func (m *merger) record(base, ours, theirs, result *node, rule string) int {
	if len(m.ptr) > m.reportLeft {
		m.omitted++
		return -1
	}
	m.reportLeft -= len(m.ptr)
	return m.decisions.add(Decision{
		Path:   string(m.ptr),
		Base:   rawOf(base),
		Ours:   rawOf(ours),
		Theirs: rawOf(theirs),
		Result: rawOf(result),
		Rule:   rule,
	})
}

// decisionLog collects the decisions of a merge in blocks, which grow from
// 8 decisions to 256, so that the report's slice is allocated once at its
// final size rather than grown by doubling.
type decisionLog struct {
	blocks [][]Decision
	n      int
}

// add appends d and returns its index.
func (l *decisionLog) add(d Decision) int {
	if k := len(l.blocks); k == 0 || len(l.blocks[k-1]) == cap(l.blocks[k-1]) {
		size := 8
		if k > 0 {
			size = min(2*cap(l.blocks[k-1]), 256)
		}
		l.blocks = append(l.blocks, make([]Decision, 0, size))
	}
	last := &l.blocks[len(l.blocks)-1]
	*last = append(*last, d)
	l.n++
	return l.n - 1
}

// at returns the decision at index i, looking from the latest back.
func (l *decisionLog) at(i int) *Decision {
	end := l.n
	for k := len(l.blocks) - 1; ; k-- {
		start := end - len(l.blocks[k])
		if i >= start {
			return &l.blocks[k][i-start]
		}
		end = start
	}
}

// all returns the decisions in one slice, nil when there are none.
func (l *decisionLog) all() []Decision {
	switch len(l.blocks) {
	case 0:
		return nil
	case 1:
		return l.blocks[0]
	}
	out := make([]Decision, 0, l.n)
	for _, b := range l.blocks {
		out = append(out, b...)
	}
	return out
}
