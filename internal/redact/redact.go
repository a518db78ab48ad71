// Package redact removes credentials from what the test servers log.
package redact

import (
	"net/http"
	"strings"
)

// Header returns a copy of h whose Authorization values no longer hold
// credentials: "Basic [redacted]" keeps the scheme, and a value of one word
// (a bare API key) becomes "[redacted]". A nil h gives an empty Header.
func Header(h http.Header) http.Header {
	c := h.Clone()
	if c == nil {
		return http.Header{}
	}
	vs := c.Values("Authorization")
	for i, v := range vs {
		scheme, rest, ok := strings.Cut(strings.TrimSpace(v), " ")
		if ok && strings.TrimSpace(rest) != "" && isToken(scheme) {
			vs[i] = scheme + " [redacted]"
		} else {
			vs[i] = "[redacted]"
		}
	}
	return c
}

// isToken reports whether s is an RFC 9110 token, as an auth scheme is.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}
