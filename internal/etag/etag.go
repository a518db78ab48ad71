package etag

// Kind is what a header value holds, as [Classify] sorts it.
type Kind int

const (
	// Absent is no tag at all: an empty value, or one of only spaces and tabs.
	Absent Kind = iota
	// Strong is one strong entity tag, quoted or not.
	Strong
	// Weak is one weak entity tag: "W/" and then a strong one.
	Weak
	// Invalid is a value that is not one entity tag, or that a header could
	// not carry: a client must refuse it rather than send it back.
	Invalid
)

// String returns the lowercase name of k, for errors and logs.
func (k Kind) String() string {
	switch k {
	case Absent:
		return "absent"
	case Strong:
		return "strong"
	case Weak:
		return "weak"
	case Invalid:
		return "invalid"
	}
	return "unknown"
}

// Classify reports the kind of entity tag t holds, as a server sent it in an
// ETag header. Spaces and tabs around t are ignored; the rules are those of
// the package documentation.
func Classify(t string) Kind {
	t = trimOWS(t)
	switch {
	case t == "":
		return Absent
	case strongValue(t):
		return Strong
	case len(t) > 2 && t[0] == 'W' && t[1] == '/' && strongValue(t[2:]):
		return Weak
	}
	return Invalid
}

// IsWeak reports whether t is a weak entity tag ([Classify] gives [Weak]).
// A weak tag never matches If-Match under strong comparison (RFC 9110 §13.1.1).
func IsWeak(t string) bool {
	return Classify(t) == Weak
}

// Usable reports whether t, as a server sent it in an ETag header, can be
// sent back in If-Match exactly as it is: it is one strong tag ([Classify]
// gives [Strong]) with no whitespace around it. Every byte of a usable tag
// can be sent in a header value.
func Usable(t string) bool {
	return t != "" && trimOWS(t) == t && Classify(t) == Strong
}

// Token returns the strong tag t holds without the spaces and tabs around it,
// and whether t holds one. The tag returned is the form to send in If-Match
// and to compare; its bytes are those of t.
func Token(t string) (string, bool) {
	t = trimOWS(t)
	if t == "" || Classify(t) != Strong {
		return "", false
	}
	return t, true
}

// StrongMatch reports whether a and b match under the strong comparison of
// RFC 9110 §8.8.3.2: both are usable and their bytes are identical.
func StrongMatch(a, b string) bool {
	return Usable(a) && a == b
}

// strongValue reports whether t, with nothing around it, is a strong tag: a
// quoted opaque-tag, or an unquoted value the package accepts as one. An
// unquoted value starting with "W/" or "w/" is never strong: the first is a
// weak tag, the second a lowercased one.
func strongValue(t string) bool {
	if t == "" {
		return false
	}
	if t[0] == '"' {
		if len(t) < 2 || t[len(t)-1] != '"' {
			return false
		}
		for i := 1; i < len(t)-1; i++ {
			if !isEtagc(t[i]) {
				return false
			}
		}
		return true
	}
	if t == "*" || (len(t) >= 2 && (t[0] == 'W' || t[0] == 'w') && t[1] == '/') {
		return false
	}
	for i := 0; i < len(t); i++ {
		if c := t[i]; !isEtagc(c) || c == ',' {
			return false
		}
	}
	return true
}

// isEtagc reports whether c may appear inside an opaque-tag: %x21 / %x23-7E
// / obs-text (%x80-FF), that is any visible character or obs-text byte but
// DQUOTE.
func isEtagc(c byte) bool {
	return c == 0x21 || (c >= 0x23 && c <= 0x7e) || c >= 0x80
}

// trimOWS removes the spaces and tabs around t (RFC 9110 OWS).
func trimOWS(t string) string {
	i, j := 0, len(t)
	for i < j && (t[i] == ' ' || t[i] == '\t') {
		i++
	}
	for j > i && (t[j-1] == ' ' || t[j-1] == '\t') {
		j--
	}
	return t[i:j]
}
