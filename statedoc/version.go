package statedoc

import "strings"

// HeaderVersion is the request and response header that carries the xAPI
// version.
const HeaderVersion = "X-Experience-API-Version"

// The xAPI versions this package knows.
const (
	// Version103 is xAPI 1.0.3.
	Version103 = "1.0.3"
	// Version200 is xAPI 2.0.0 (IEEE 9274.1.1).
	Version200 = "2.0.0"
)

// Accepts reports whether a server speaking serverVersion accepts a request
// whose version header is requested. A server accepts the bare
// "major.minor" of its own version and any value that starts with
// "major.minor." followed by something: a 1.0.3 server accepts "1.0",
// "1.0.0", "1.0.9" and "1.0.3-rc1"; a 2.0.0 server accepts "2.0" and
// "2.0.1". An empty value, another major or minor version, and "1.0."
// with nothing after the dot are never accepted.
func Accepts(serverVersion, requested string) bool {
	prefix, ok := majorMinor(serverVersion)
	if !ok {
		return false
	}
	if requested == prefix {
		return true
	}
	rest, found := strings.CutPrefix(requested, prefix+".")
	return found && rest != ""
}

// majorMinor returns "X.Y" for a version "X.Y" or "X.Y.Z" made of digits.
func majorMinor(v string) (string, bool) {
	parts := strings.Split(v, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return "", false
	}
	for _, p := range parts {
		if !allDigits(p) {
			return "", false
		}
	}
	return parts[0] + "." + parts[1], true
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
