// Package jsonptr reads and edits one member of a JSON document addressed by
// an RFC 6901 JSON Pointer, leaving every other byte of the document as it
// was: member order, whitespace, the text of numbers and the escapes in
// strings all survive an edit. The client uses it for APIs that keep a
// document's version in the body, such as {"id":7,"eTag":"abc"} with the
// pointer "/eTag" or CouchDB's "/_rev": it reads the version with [Get] and
// [Text], strips it with [Remove] before a merge, and puts it back with [Set]
// before a write.
//
// # Pointers
//
// [Parse] splits a pointer into reference tokens. The empty pointer names the
// whole document; any other pointer starts with "/". In a token "~1" stands
// for "/" and "~0" for "~"; any other "~" sequence is an error, and so is a
// pointer that is not valid UTF-8. A token addresses an array element when it
// is a decimal index without leading zeros ("0", "7", "12", never "07"); "-"
// (the element past the end) never resolves.
//
// # Member names
//
// A token matches a member whose name, once its JSON escapes are decoded,
// is the same string: "\u0065Tag" in a document is the member eTag. Names are
// decoded as encoding/json decodes them: a byte that is not valid UTF-8, or a
// \u escape of an unpaired surrogate, stands for U+FFFD. Comparison is exact
// (case-sensitive), unlike encoding/json's matching of struct fields.
//
// An object that holds a member twice is not valid per RFC 8259 but is seen
// in practice. Such documents are handled the way encoding/json decodes them
// into a map, where the last occurrence wins: [Get] returns the last
// occurrence, a pointer that goes through a duplicated member follows the
// last one, [Remove] removes every occurrence, and [Set] replaces the last
// and removes the others, so that the result holds the member once.
//
// # Layout of edits
//
// Only the bytes of the edited member change. [Remove] takes out the member
// together with the comma and whitespace that separated it from its next
// neighbour (from its previous neighbour when it is last), so the remaining
// members keep their own surrounding whitespace; a container left with no
// members becomes {} or []. [Set] replaces a value's text with the new text,
// or, to add a member, appends it after the object's last member, copying
// the separator and the colon spacing the object already uses. Set adds
// object members only, never array elements.
//
// # Errors and limits
//
// A document that is not valid JSON (RFC 8259, with at most 10000 nested
// arrays and objects, as encoding/json accepts), a malformed pointer, or a
// value for [Set] that is not exactly one JSON value gives an error that
// wraps [ErrInvalid]; no input makes the package panic. Documents may have
// whitespace before and after the top-level value. Strings may hold bytes
// that are not valid UTF-8, as encoding/json allows. Every call checks the
// whole document, so a call costs one pass over it.
package jsonptr
