// Package typeview describes what a Go type sees of a JSON document, so that
// a typed client can decode exactly the members the type declares.
//
// encoding/json matches object member names to struct fields without regard
// to case: a field tagged "counter" is filled from a member "Counter" when no
// "counter" is present. A typed client shares documents with other
// applications, whose members must never be mistaken for its own, so it
// decodes through a View: Filter removes, at every place where the type
// holds a struct, the members whose names are not exactly one of the
// struct's JSON names. What remains decodes with exact names.
//
// IsRaw tells which types are documents themselves (raw bytes) rather than
// values to encode as JSON. The client and package merge share the rule.
package typeview
