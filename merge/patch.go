package merge

import (
	"fmt"

	jsonpatch "github.com/evanphx/json-patch/v5"
)

// Equal reports whether a and b hold the same JSON value: objects with the
// same members in any order, arrays with equal elements in order, strings
// equal once decoded, numbers with the same text (1.0 and 1 differ). An
// input that is not JSON gives an *InvalidJSONError naming it "a" or "b".
func Equal(a, b []byte) (bool, error) {
	na, err := parseInput(a, "a")
	if err != nil {
		return false, err
	}
	nb, err := parseInput(b, "b")
	if err != nil {
		return false, err
	}
	return equal(na, nb), nil
}

// MergePatch returns an RFC 7386 JSON merge patch that turns base into
// ours, for servers that accept PATCH with application/merge-patch+json.
// The patch is compact JSON. When ours is not an object (or base is not),
// the patch is ours itself. A merge patch cannot set a member to null (null
// means "remove"), so a change that needs it gives an error matching
// ErrNotRepresentable; inputs that are not JSON give an *InvalidJSONError
// naming "base" or "ours".
func MergePatch(base, ours []byte) ([]byte, error) {
	b, err := parseInput(base, "base")
	if err != nil {
		return nil, err
	}
	o, err := parseInput(ours, "ours")
	if err != nil {
		return nil, err
	}
	patch := o
	if b.kind == kindObject && o.kind == kindObject {
		out, err := jsonpatch.CreateMergePatch(encode(nil, b), encode(nil, o))
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrNotRepresentable, err)
		}
		if patch, err = parseInput(out, "merge patch"); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrNotRepresentable, err)
		}
	}
	if !equal(applyMergePatch(b, patch), o) {
		return nil, fmt.Errorf("%w: the patch would not reproduce ours (a merge patch cannot set a member to null)", ErrNotRepresentable)
	}
	return encode(nil, patch), nil
}

// applyMergePatch applies an RFC 7386 merge patch to target (which may be
// nil for an absent target).
func applyMergePatch(target, patch *node) *node {
	if patch.kind != kindObject {
		return patch
	}
	if !target.isObject() {
		target = &node{kind: kindObject}
	}
	var keys []string
	var vals []*node
	for i, k := range target.keys {
		if p := patch.member(k); p != nil {
			if p.kind == kindNull {
				continue
			}
			keys = append(keys, k)
			vals = append(vals, applyMergePatch(target.kids[i], p))
			continue
		}
		keys = append(keys, k)
		vals = append(vals, target.kids[i])
	}
	for i, k := range patch.keys {
		if target.has(k) || patch.kids[i].kind == kindNull {
			continue
		}
		keys = append(keys, k)
		vals = append(vals, applyMergePatch(nil, patch.kids[i]))
	}
	return newObject(keys, vals)
}
