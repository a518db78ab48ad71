package merge

import (
	"encoding/json"
	"errors"
	"math/big"
	"slices"
	"strings"
)

// Resolver decides conflicts at the paths it is registered for in
// Options.Resolvers. Build one with Use, Max, Min, Sum, SetUnion, Text,
// Atomic or ResolverFunc.
//
// A resolver is consulted only where both sides changed a value and
// disagree — and, for Sum, also where both made the same change to a
// number; where one side changed it, the merge table decides alone. A
// resolver registered for the path of an array makes the array one value:
// it is not merged element by element, and the resolver gets the whole
// arrays. When a
// resolver cannot decide (Max on values that are not numbers, a Text
// conflict, a value removed on one side, ...) the conflict goes to the
// resolver's fallback policy: the one given to Text or Fallback, otherwise
// Options.Policy.
//
// The zero Resolver decides nothing: its conflicts go to Options.Policy.
type Resolver struct {
	name string
	// decide returns the merged value (nil to remove it) or ErrNoDecision.
	// m is the merge in progress, at the path of the conflict.
	decide func(m *merger, base, ours, theirs *node) (*node, error)
	// use, when set, makes the resolver apply a policy directly.
	use         *Policy
	fallback    Policy
	hasFallback bool
	// atomic stops the key-by-key merge of objects at this path.
	atomic bool
	// deltas makes the resolver decide also where both sides made the same
	// change: each side's change counts (Sum).
	deltas bool
}

// Name returns the resolver's name as it appears in a Decision's Rule
// ("resolver:<name>"), or "" for the zero Resolver.
func (r Resolver) Name() string { return r.name }

// Fallback returns a copy of r that leaves the conflicts it cannot decide
// to p instead of Options.Policy.
func (r Resolver) Fallback(p Policy) Resolver {
	r.fallback, r.hasFallback = p, true
	return r
}

// Use returns a resolver that decides every conflict at its paths by the
// policy p: Use(Theirs) keeps the other writer's value there whatever
// Options.Policy says, Use(Fail) makes a conflict there an error.
func Use(p Policy) Resolver {
	return Resolver{name: p.String(), use: &p}
}

// Atomic returns a resolver that treats the value at its paths as one
// value: when ours and theirs are objects they are not merged member by
// member, and when they are arrays they are not merged element by
// element; a conflicting change to any part of the value is a conflict of
// the whole value, decided by p. Use it for objects whose members only
// make sense together (a position {"x":…,"y":…}) and for arrays that are
// one value (a route of points, a sorted top-ten).
func Atomic(p Policy) Resolver {
	return Resolver{name: "atomic:" + p.String(), use: &p, atomic: true}
}

// Max returns a resolver that keeps the larger of two numbers (for
// high-water marks: best score, furthest page). Numbers are compared
// exactly, by their decimal digits and exponent; of two equal numbers
// written differently (1.0 and 1), the shorter text, then the lexically
// smaller, wins. A number with more than 10000 digits, or with an exponent
// beyond ±10^9, leaves the conflict to the fallback policy.
func Max() Resolver {
	return Resolver{name: "max", decide: func(_ *merger, _, ours, theirs *node) (*node, error) {
		return pickNumber(ours, theirs, 1)
	}}
}

// Min returns a resolver that keeps the smaller of two numbers, compared
// as Max compares them.
func Min() Resolver {
	return Resolver{name: "min", decide: func(_ *merger, _, ours, theirs *node) (*node, error) {
		return pickNumber(ours, theirs, -1)
	}}
}

func pickNumber(ours, theirs *node, sign int) (*node, error) {
	if ours == nil || theirs == nil || ours.kind != kindNumber || theirs.kind != kindNumber {
		return nil, ErrNoDecision
	}
	a, okA := parseMagnitude(ours.str)
	b, okB := parseMagnitude(theirs.str)
	if !okA || !okB {
		return nil, ErrNoDecision
	}
	c := cmpMagnitude(a, b) * sign
	if c == 0 {
		// Equal values written differently: pick by text, the same way
		// whichever side is ours.
		if len(ours.str) != len(theirs.str) {
			c = len(theirs.str) - len(ours.str)
		} else {
			c = strings.Compare(theirs.str, ours.str)
		}
	}
	if c > 0 {
		return ours, nil
	}
	return theirs, nil
}

// Sum returns a resolver for counters: the result is base plus both
// sides' deltas, ours + theirs − base, computed exactly (integers of any
// size, decimals with the largest number of decimal places among the
// three). An absent or null base counts as 0. A side that removed the
// value, a value that is not a number, or a number with more than 10000
// digits or more than 1000 decimal places or trailing zeros leaves the
// conflict to the fallback policy.
//
// Unlike the other resolvers, Sum also decides where both sides made the
// same change to a number: two writers that each counted 10 → 11 made two
// increments, and the result is 12. This applies only where base is a
// number, null or absent; any other change both sides made the same way
// (a member both removed, a string both set) is kept once, as the merge
// table says. Where only one side changed the value, the merge table keeps
// that side's value as usual.
func Sum() Resolver {
	return Resolver{name: "sum", deltas: true, decide: func(_ *merger, base, ours, theirs *node) (*node, error) {
		if ours == nil || theirs == nil || ours.kind != kindNumber || theirs.kind != kindNumber {
			return nil, ErrNoDecision
		}
		b := decimal{m: new(big.Int)}
		if base != nil && base.kind != kindNull {
			if base.kind != kindNumber {
				return nil, ErrNoDecision
			}
			var ok bool
			if b, ok = parseDecimal(base.str); !ok {
				return nil, ErrNoDecision
			}
		}
		o, okO := parseDecimal(ours.str)
		t, okT := parseDecimal(theirs.str)
		if !okO || !okT {
			return nil, ErrNoDecision
		}
		return &node{kind: kindNumber, str: sumOfDeltas(b, o, t).String()}, nil
	}}
}

// SetUnion returns a resolver for arrays used as sets: elements either
// side added are kept, elements either side removed are dropped, and each
// distinct value appears once. Elements are the same when they are the
// same JSON value. The result lists theirs' elements in theirs' order, then
// ours' additions in ours' order. An absent or null base counts as an
// empty array; a side that removed the array, or values that are not
// arrays, leave the conflict to the fallback policy.
//
// Registered for an array's path, SetUnion replaces the element-wise merge
// of arrays: the array is one value, merged as a set where both sides
// changed it.
func SetUnion() Resolver {
	return Resolver{name: "set-union", decide: func(_ *merger, base, ours, theirs *node) (*node, error) {
		if ours == nil || theirs == nil || ours.kind != kindArray || theirs.kind != kindArray {
			return nil, ErrNoDecision
		}
		if base != nil && base.kind != kindArray && base.kind != kindNull {
			return nil, ErrNoDecision
		}
		var buf []byte
		keyOf := func(n *node) string {
			buf = appendCanonical(buf[:0], n)
			return string(buf)
		}
		set := func(n *node) map[string]bool {
			s := map[string]bool{}
			if n != nil && n.kind == kindArray {
				for _, e := range n.kids {
					s[keyOf(e)] = true
				}
			}
			return s
		}
		inBase, inOurs, inTheirs := set(base), set(ours), set(theirs)
		seen := map[string]bool{}
		var kids []*node
		for _, e := range theirs.kids {
			k := keyOf(e)
			if seen[k] || (inBase[k] && !inOurs[k]) {
				continue // a duplicate, or removed by ours
			}
			seen[k] = true
			kids = append(kids, e)
		}
		for _, e := range ours.kids {
			k := keyOf(e)
			if seen[k] || inBase[k] || inTheirs[k] {
				continue // a duplicate, not an addition, or already kept
			}
			seen[k] = true
			kids = append(kids, e)
		}
		return &node{kind: kindArray, kids: kids}, nil
	}}
}

// Text returns a resolver for strings edited as prose: a three-way merge
// of words (see MergeText), so that edits to different sentences of one
// paragraph both survive. Overlapping edits, values that are not strings
// and a side that removed the value leave the conflict to fallback. An
// absent base counts as the empty string.
//
// All Text resolutions of one merge share one budget of work, the same a
// single MergeText call has. Once the texts merged so far have spent it,
// the remaining Text conflicts of that merge go to fallback, so that a
// document full of long, unrelated texts merges in bounded time.
func Text(fallback Policy) Resolver {
	r := Resolver{name: "text", decide: func(m *merger, base, ours, theirs *node) (*node, error) {
		if ours == nil || theirs == nil || ours.kind != kindString || theirs.kind != kindString {
			return nil, ErrNoDecision
		}
		b := ""
		if base != nil {
			if base.kind != kindString {
				return nil, ErrNoDecision
			}
			b = base.str
		}
		s, ok := mergeText(b, ours.str, theirs.str, &m.textBudget)
		if !ok {
			return nil, ErrNoDecision
		}
		return &node{kind: kindString, str: s}, nil
	}}
	return r.Fallback(fallback)
}

// ResolveFunc is the signature of a custom resolver. It gets the path of a
// conflict as a JSON Pointer and the three compact values there (nil for
// an absent value) and returns the merged value (nil to remove the member),
// ErrNoDecision (possibly wrapped) to leave the conflict to the fallback
// policy, or another error to stop the merge with that error.
type ResolveFunc func(path string, base, ours, theirs json.RawMessage) (json.RawMessage, error)

// ResolverFunc returns a resolver that decides conflicts with fn. Its
// decisions are reported with the rule "resolver:custom".
func ResolverFunc(fn ResolveFunc) Resolver {
	return Resolver{name: "custom", decide: func(m *merger, base, ours, theirs *node) (*node, error) {
		path := string(m.ptr)
		out, err := fn(path, rawOf(base), rawOf(ours), rawOf(theirs))
		if err != nil {
			if errors.Is(err, ErrNoDecision) {
				return nil, ErrNoDecision
			}
			return nil, &ResolverError{Path: path, Err: err}
		}
		if out == nil {
			return nil, nil
		}
		// Copy: the tree keeps references into the text it was parsed from.
		n, perr := parseInput(slices.Clone(out), "resolver result at "+path)
		if perr != nil {
			return nil, perr
		}
		return n, nil
	}}
}
