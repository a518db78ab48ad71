package etag

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		tag  string
		want Kind
	}{
		{name: "quoted strong", tag: `"abc"`, want: Strong},
		{name: "quoted strong with comma", tag: `"a,b"`, want: Strong},
		{name: "quoted strong with every punctuation", tag: `"!#$%&'()*+,-./:;<=>?@[\]^_{|}~"`, want: Strong},
		{name: "empty opaque-tag", tag: `""`, want: Strong},
		{name: "quoted obs-text", tag: "\"\x80\xa0\xff\"", want: Strong},
		{name: "quoted UTF-8", tag: `"é"`, want: Strong},
		{name: "quoted star", tag: `"*"`, want: Strong},
		{name: "weak", tag: `W/"abc"`, want: Weak},
		{name: "weak with comma", tag: `W/"a,b"`, want: Weak},
		{name: "weak empty opaque-tag", tag: `W/""`, want: Weak},
		{name: "weak unquoted", tag: `W/abc`, want: Weak},
		{name: "unquoted", tag: `c0947-b1`, want: Strong},
		{name: "unquoted number", tag: `12`, want: Strong},
		{name: "unquoted obs-text", tag: "v\x80\xff", want: Strong},
		{name: "unquoted with W/ inside", tag: `aW/b`, want: Strong},
		{name: "surrounding spaces and tabs", tag: " \t\"abc\"\t ", want: Strong},
		{name: "weak with surrounding spaces", tag: ` W/"abc" `, want: Weak},
		{name: "empty", tag: ``, want: Absent},
		{name: "blank", tag: "  \t ", want: Absent},
		{name: "star would match anything", tag: `*`, want: Invalid},
		{name: "star with spaces", tag: ` * `, want: Invalid},
		{name: "weak star", tag: `W/*`, want: Invalid},
		{name: "list with space", tag: `"a", "b"`, want: Invalid},
		{name: "list without space", tag: `"a","b"`, want: Invalid},
		{name: "weak list", tag: `W/"a", W/"b"`, want: Invalid},
		{name: "unquoted list", tag: `a,b`, want: Invalid},
		{name: "unquoted with comma at the end", tag: `a,`, want: Invalid},
		{name: "unquoted with space inside", tag: `a b`, want: Invalid},
		{name: "quoted with space inside", tag: `"a b"`, want: Invalid},
		{name: "quoted with tab inside", tag: "\"a\tb\"", want: Invalid},
		{name: "control character quoted", tag: "\"a\x01\"", want: Invalid},
		{name: "NUL unquoted", tag: "a\x00b", want: Invalid},
		{name: "CR LF at the end", tag: "\"a\"\r\n", want: Invalid},
		{name: "LF inside", tag: "\"a\nb\"", want: Invalid},
		{name: "CR alone", tag: "\r", want: Invalid},
		{name: "header injection", tag: "\"a\"\r\nX-Evil: 1", want: Invalid},
		{name: "DEL quoted", tag: "\"a\x7f\"", want: Invalid},
		{name: "DEL unquoted", tag: "\x7f", want: Invalid},
		{name: "control character in weak", tag: "W/\"a\x1f\"", want: Invalid},
		{name: "lone quote", tag: `"`, want: Invalid},
		{name: "three quotes", tag: `"""`, want: Invalid},
		{name: "quote inside", tag: `"a"b"`, want: Invalid},
		{name: "open quote only", tag: `"abc`, want: Invalid},
		{name: "close quote only", tag: `abc"`, want: Invalid},
		{name: "text after the quotes", tag: `"a"b`, want: Invalid},
		{name: "text before the quotes", tag: `a"b"`, want: Invalid},
		{name: "W/ alone", tag: `W/`, want: Invalid},
		{name: "W/ and space before the tag", tag: `W/ "x"`, want: Invalid},
		{name: "double weak prefix", tag: `W/W/"x"`, want: Invalid},
		{name: "weak unbalanced", tag: `W/"x`, want: Invalid},
		{name: "lowercase w quoted", tag: `w/"x"`, want: Invalid},
		{name: "lowercase w unquoted", tag: `w/x`, want: Invalid},
		{name: "lowercase w alone", tag: `w/`, want: Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Classify(tt.tag)
			assert.Equal(t, tt.want, got, "Classify(%q) = %s", tt.tag, got)
			assert.Equal(t, tt.want == Weak, IsWeak(tt.tag), "IsWeak")
			tok, ok := Token(tt.tag)
			assert.Equal(t, tt.want == Strong, ok, "Token ok")
			if ok {
				assert.Equal(t, strings.Trim(tt.tag, " \t"), tok, "Token")
			}
		})
	}
}

func TestUsableAndStrongMatch(t *testing.T) {
	tests := []struct {
		name   string
		a, b   string
		usable bool
		match  bool
	}{
		{name: "strong identical", a: `"abc"`, b: `"abc"`, usable: true, match: true},
		{name: "strong case differs", a: `"ABC"`, b: `"abc"`, usable: true},
		{name: "strong with comma", a: `"a,b"`, b: `"a,b"`, usable: true, match: true},
		{name: "empty opaque-tag", a: `""`, b: `""`, usable: true, match: true},
		{name: "quoted against unquoted", a: `"abc"`, b: `abc`, usable: true},
		{name: "weak", a: `W/"abc"`, b: `W/"abc"`},
		{name: "weak against strong", a: `W/"abc"`, b: `"abc"`},
		{name: "strong against weak", a: `"abc"`, b: `W/"abc"`, usable: true},
		{name: "empty", a: ``, b: ``},
		{name: "blank", a: `  `, b: `  `},
		{name: "star would match anything", a: `*`, b: `*`},
		{name: "a list is not one tag", a: `"a", "b"`, b: `"a", "b"`},
		{name: "unquoted kept as sent", a: `c0947-b1`, b: `c0947-b1`, usable: true, match: true},
		{name: "unquoted number", a: `12`, b: `12`, usable: true, match: true},
		{name: "surrounding space: send the token instead", a: ` "abc"`, b: ` "abc"`},
		{name: "trailing tab", a: "\"abc\"\t", b: "\"abc\"\t"},
		{name: "control character", a: "\"a\x01\"", b: "\"a\x01\""},
		{name: "CR LF", a: "\"a\"\r\n", b: "\"a\"\r\n"},
		{name: "obs-text", a: "\"\xff\"", b: "\"\xff\"", usable: true, match: true},
		{name: "lowercase w", a: `w/"x"`, b: `w/"x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.usable, Usable(tt.a), "Usable")
			assert.Equal(t, tt.match, StrongMatch(tt.a, tt.b), "StrongMatch")
			assert.Equal(t, tt.match, StrongMatch(tt.b, tt.a), "StrongMatch is symmetric")
		})
	}
}

func TestKindString(t *testing.T) {
	tests := []struct {
		kind Kind
		want string
	}{
		{Absent, "absent"},
		{Strong, "strong"},
		{Weak, "weak"},
		{Invalid, "invalid"},
		{Kind(-1), "unknown"},
		{Kind(42), "unknown"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.kind.String())
	}
}

// headerSafe reports whether every byte of t can be sent in an HTTP header
// value as it is: no control character (CR and LF included) and no DEL.
func headerSafe(t string) bool {
	for i := 0; i < len(t); i++ {
		if c := t[i]; c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

// opaqueTag reports whether t is exactly DQUOTE *etagc DQUOTE, written out
// from the RFC 9110 grammar apart from the code under test.
func opaqueTag(t string) bool {
	if len(t) < 2 || t[0] != '"' || t[len(t)-1] != '"' {
		return false
	}
	for _, c := range []byte(t[1 : len(t)-1]) {
		switch {
		case c == 0x21, c >= 0x23 && c <= 0x7e, c >= 0x80:
		default:
			return false
		}
	}
	return true
}

// unquotedTag reports whether t is an unquoted value the package documents
// as a strong tag.
func unquotedTag(t string) bool {
	if t == "" || t == "*" || strings.HasPrefix(t, "W/") || strings.HasPrefix(t, "w/") {
		return false
	}
	for _, c := range []byte(t) {
		if c <= 0x20 || c == 0x7f || c == '"' || c == ',' {
			return false
		}
	}
	return true
}

func FuzzClassify(f *testing.F) {
	for _, s := range []string{
		`"abc"`, `"a,b"`, `W/"a,b"`, `c0947-b1`, `12`, `"a", "b"`, `"a","b"`, `*`, ``, `  `,
		"\"a\x01\"", "\"a\"\r\n", "\x7f", "\"\x80\xff\"", `"`, `""`, `W/`, `w/"x"`, `"abc`,
		` "x" `, `W/x`, `a,b`, `W/W/"x"`,
	} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		k := Classify(a)
		trimmed := strings.Trim(a, " \t")

		if k < Absent || k > Invalid {
			t.Fatalf("Classify(%q) = %d, not a kind", a, k)
		}
		if (k == Absent) != (trimmed == "") {
			t.Fatalf("Classify(%q) = %s; trimmed %q", a, k, trimmed)
		}
		if got := Classify(" \t" + a + "\t "); got != k {
			t.Fatalf("whitespace around %q changed its kind from %s to %s", a, k, got)
		}
		if IsWeak(a) != (k == Weak) {
			t.Fatalf("IsWeak(%q) = %v, Classify = %s", a, IsWeak(a), k)
		}

		switch k {
		case Strong:
			if strings.HasPrefix(trimmed, `"`) && !opaqueTag(trimmed) {
				t.Fatalf("strong %q is not an opaque-tag", a)
			}
			if !strings.HasPrefix(trimmed, `"`) && !unquotedTag(trimmed) {
				t.Fatalf("strong unquoted %q breaks the documented rule", a)
			}
		case Weak:
			rest, ok := strings.CutPrefix(trimmed, "W/")
			if !ok || !(opaqueTag(rest) || unquotedTag(rest)) {
				t.Fatalf("weak %q is not W/ and a strong tag", a)
			}
		case Invalid:
			if opaqueTag(trimmed) || unquotedTag(trimmed) {
				t.Fatalf("strong-looking %q classified invalid", a)
			}
			if rest, ok := strings.CutPrefix(trimmed, "W/"); ok && (opaqueTag(rest) || unquotedTag(rest)) {
				t.Fatalf("weak-looking %q classified invalid", a)
			}
		}

		if Usable(a) {
			if k != Strong {
				t.Fatalf("Usable(%q) but Classify = %s", a, k)
			}
			if !headerSafe(a) || a != trimmed {
				t.Fatalf("Usable(%q) but it cannot be sent as it is", a)
			}
		}
		if k == Strong || k == Weak {
			if !headerSafe(trimmed) {
				t.Fatalf("%s tag %q has bytes no header can carry", k, a)
			}
		}

		tok, ok := Token(a)
		if ok != (k == Strong) {
			t.Fatalf("Token(%q) ok = %v, Classify = %s", a, ok, k)
		}
		if ok && (tok != trimmed || !Usable(tok)) {
			t.Fatalf("Token(%q) = %q, not the usable trimmed tag", a, tok)
		}
		if !ok && tok != "" {
			t.Fatalf("Token(%q) = %q with ok false", a, tok)
		}
		if Usable(a) != (ok && tok == a) {
			t.Fatalf("Usable(%q) = %v but Token = %q, %v", a, Usable(a), tok, ok)
		}

		if StrongMatch(a, a) != Usable(a) {
			t.Fatalf("StrongMatch(%q, itself) = %v, Usable = %v", a, StrongMatch(a, a), Usable(a))
		}
		if StrongMatch(a, b) != StrongMatch(b, a) {
			t.Fatalf("StrongMatch(%q, %q) is not symmetric", a, b)
		}
		if StrongMatch(a, b) && (a != b || !Usable(b)) {
			t.Fatalf("StrongMatch(%q, %q) without identical usable tags", a, b)
		}
	})
}
