// Package merge merges concurrent edits of JSON documents: a three-way
// merge of base (the version two edits started from), ours and theirs,
// with strategies, per-path resolvers and a report of every decision.
//
// # The merge table
//
// For every path, base is compared with each side:
//
//	ours       theirs                 result
//	unchanged  changed                theirs  (RuleTheirsOnly)
//	changed    unchanged              ours    (RuleOursOnly)
//	changed    changed to same value  that value (RuleSame)
//	changed    changed differently    conflict: a resolver, else Options.Policy
//
// Objects merge member by member. Arrays merge element by element: a
// three-way diff over elements compared as JSON values keeps the elements
// both sides added (theirs' first where both added at one point, an
// element both added once), honours the removals of either side, and
// merges elements both changed in place as values of their own; only
// overlapping changes of other shapes are a conflict of the changed
// stretch. Arrays of objects that a string member identifies (an "id"
// whose values are distinct in each version and shared across them) merge
// by identity instead, like an object whose members are the elements:
// each element's versions merge wherever each side moved it. Two apps
// that each tick a box in "ticked": [] both keep their tick. A resolver registered for an array's own path makes it one value
// again (Atomic, SetUnion, ...). Paths into arrays name indexes of the
// result: "/ticked/1" is the second element of the merged array.
//
// Strings, numbers, booleans and null are single values; null is a value,
// not a removal. Numbers keep their exact text, and two numbers are the
// same only when their text is (1.0 and 1 differ). Where both sides turned
// a scalar or an array into different objects, the value changed
// differently on both sides: a conflict under Fail, else their members are
// merged (RuleObjectsMerged). See JSON for the details, including key
// order in the result.
//
// # Strategies
//
// A Func[T] merges typed documents. LastWriteWins keeps ours whole;
// FieldUnion merges member by member through JSON with Options; any
// function of the type is a custom strategy.
//
// # Resolvers
//
// Options.Resolvers attaches a Resolver to paths named by JSON Pointer
// patterns with "*" wildcards, such as "/answers/*": Use (a fixed policy),
// Max, Min, Sum (counters: base plus both deltas), SetUnion (arrays as
// sets), Text (a word-level three-way merge of strings), Atomic (an object
// or array merged as one value) and ResolverFunc (your own function). A
// resolver that cannot decide a conflict hands it to its fallback policy.
// A pattern with a "*" for the index, such as "/answers/*", matches the
// elements of an array merged element by element; any resolver whose
// pattern matches the array's own path makes the array one value.
//
// # Bounds
//
// Work and output are bounded so that no input can stall a merge or make
// it allocate without limit: the numeric resolvers decline numbers with
// more than 10000 digits or extreme exponents; the Text resolutions of
// one merge share one work budget, after which their conflicts go to the
// fallback; the element-wise array merges of one merge share another,
// after which an array both sides changed is merged as one value (a
// conflict for the policy); and a report holds a bounded number of bytes
// of paths, the rest counted in Report.Omitted.
//
// # Input rules
//
// Inputs are single JSON texts in UTF-8. A member name repeated within one
// object is an error rather than "last one wins", since a merge could not
// tell which value an edit meant. Nesting deeper than 10000 levels is an
// error. A \u escape of a lone UTF-16 surrogate decodes to U+FFFD. Errors
// about inputs match ErrInvalidJSON and name the input.
//
// # Changes seen through a type
//
// Apply makes a change measured on a view of a document (the document as a
// Go type sees it, with undeclared members left out) on the stored
// document itself, keeping everything the view does not show. Elements of
// arrays are aligned by an identifying member where they have one, else by
// a diff of their values, so an inserted element never shifts another's
// members. Typed clients write through it.
//
// # Merge patches
//
// MergePatch builds an RFC 7386 merge patch of ours against base, for
// servers that take PATCH instead of a whole document.
//
// The package does no I/O and keeps no state between calls; all functions
// are safe for concurrent use.
package merge
