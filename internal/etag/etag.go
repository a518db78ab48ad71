package etag

import "strings"

// IsWeak reports whether t is a weak entity tag (it starts with "W/").
// A weak tag never matches If-Match under strong comparison (RFC 9110 §13.1.1).
func IsWeak(t string) bool {
	return strings.HasPrefix(t, "W/")
}

// Usable reports whether t, as a server sent it in an ETag header, can be
// sent back in If-Match: it is present, not weak, and one tag — not "*",
// which would match any version, nor a list. Tags without quotes are accepted
// as sent, since some servers make them that way and expect them back.
func Usable(t string) bool {
	t = strings.TrimSpace(t)
	return t != "" && t != "*" && !IsWeak(t) && !strings.Contains(t, ",")
}

// StrongMatch reports whether a and b match under the strong comparison of
// RFC 9110 §8.8.3.2: both are usable and their bytes are identical.
func StrongMatch(a, b string) bool {
	return Usable(a) && a == b
}
