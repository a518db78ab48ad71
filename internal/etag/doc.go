// Package etag holds the few rules about entity tags (RFC 9110 §8.8.3) that the
// client needs: which tags can be sent in If-Match, and how two tags compare.
//
// Tags are kept byte for byte as the server sent them; nothing here rewrites
// one (no lowercasing, no added or removed quotes).
package etag
