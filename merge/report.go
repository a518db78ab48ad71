package merge

import "encoding/json"

// Rules that name how a Decision was made. Conflicts are named
// "policy:<ours|theirs|fail>" when Options.Policy decided them,
// "resolver:<name>" when a resolver did, and
// "resolver:<name>/fallback:<ours|theirs|fail>" when a resolver declined
// and its fallback policy decided. A conflict of a stretch of an array
// that cannot be merged element by element is named after the policy that
// decided it, "policy:<...>" or the Use, Atomic or fallback policy of a
// resolver matching the path of the stretch's first element.
const (
	// RuleTheirsOnly means only theirs changed the value; theirs is kept.
	RuleTheirsOnly = "theirs-only"
	// RuleOursOnly means only ours changed the value; ours is kept.
	RuleOursOnly = "ours-only"
	// RuleSame means both sides made the same change.
	RuleSame = "same"
	// RuleObjectsMerged means both sides turned a value that was not an
	// object (nor absent or null) into different objects, and a policy
	// other than Fail let their members be merged against an empty
	// object. The members' own decisions follow it.
	RuleObjectsMerged = "objects-merged"
)

// Report lists what a merge decided.
//
// A report is bounded: the paths of its decisions add up to at most 1 MiB
// plus four times the size of the three inputs. Decisions beyond that
// bound, which only documents with many changes deep below long member
// names reach, are left out and counted in Omitted; the merge itself is
// not affected.
type Report struct {
	// Decisions has one entry per path that changed on at least one side,
	// in document order: members in theirs' order, then members only ours
	// has, then members both sides removed. Objects merged member by member
	// have no entry of their own, only their changed members do (except
	// for RuleObjectsMerged). Arrays merged element by element likewise:
	// their changed elements have entries, in the order of the merged
	// array, each at its index in the merged array; a removed element at
	// the index of the element after it.
	Decisions []Decision
	// Omitted counts the decisions left out of Decisions by the bound.
	Omitted int
}

// Decision records how one path was merged.
type Decision struct {
	// Path is the JSON Pointer of the value ("" for the whole document).
	// An array index in it is the index in the merged array.
	Path string
	// Base, Ours and Theirs are the compact values at Path in each input,
	// nil where the input has no such value. For a conflict of a stretch of
	// an array they are the three versions of the stretch, as arrays, and
	// so is Result.
	Base, Ours, Theirs json.RawMessage
	// Result is the merged value, nil when the member was removed or when
	// the conflict was left undecided.
	Result json.RawMessage
	// Rule names what decided: RuleTheirsOnly, RuleOursOnly, RuleSame, or a
	// policy or resolver as described above.
	Rule string
}

// Conflicts returns the decisions that were made on conflicting changes:
// every decision whose rule is neither RuleTheirsOnly, RuleOursOnly nor
// RuleSame.
func (r *Report) Conflicts() []Decision {
	if r == nil {
		return nil
	}
	var out []Decision
	for _, d := range r.Decisions {
		switch d.Rule {
		case RuleTheirsOnly, RuleOursOnly, RuleSame:
		default:
			out = append(out, d)
		}
	}
	return out
}
