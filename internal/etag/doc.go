// Package etag holds the few rules about entity tags (RFC 9110 §8.8.3) that the
// client needs: what kind of tag a server sent, which tags can be sent back in
// If-Match, and how two tags compare.
//
// [Classify] sorts a value as a server sent it in an ETag header into one of
// four kinds:
//
//   - [Strong]: an opaque-tag, that is DQUOTE *etagc DQUOTE with etagc =
//     %x21 / %x23-7E / %x80-FF. A comma is an etagc, so `"a,b"` is one strong
//     tag, and `""` (an empty opaque-tag) is one too. An unquoted value is
//     also taken as a strong tag, since some servers make them that way
//     (`c0947-b1`, `12`) and expect them back byte for byte: it qualifies when
//     it is made of visible characters (%x21-7E and %x80-FF) with no DQUOTE
//     and no comma, is not "*", and does not start with "W/" or "w/".
//   - [Weak]: "W/" (an uppercase W, as the grammar's %s"W/" demands) followed
//     directly by a value that would be strong on its own: `W/"x"`,
//     `W/"a,b"`, or unquoted `W/x`.
//   - [Absent]: empty, or only spaces and tabs.
//   - [Invalid]: anything else, which the client must refuse rather than send:
//     values with control characters (CR and LF included) that no header can
//     carry; "*", which would match any version; lists such as `"a", "b"`;
//     unquoted values with a comma (`a,b`), which a server reading If-Match
//     as a list would split; unbalanced or stray quotes; whitespace inside a
//     value; "W/" with no tag after it; and values starting with a lowercase
//     "w/", such as `w/"x"`, a weak tag that someone lowercased.
//
// Spaces and tabs around a value (the optional whitespace that header parsing
// removes) do not change its kind, but [Usable] and [StrongMatch] accept only
// the bare tag: [Token] returns it.
//
// Tags are kept byte for byte as the server sent them; nothing here rewrites
// one (no lowercasing, no added or removed quotes).
package etag
