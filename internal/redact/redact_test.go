package redact

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestHeader(t *testing.T) {
	cases := map[string]string{
		"Basic a2V5OnNlY3JldA==": "Basic [redacted]",
		"Bearer tok.en":          "Bearer [redacted]",
		"bare-api-key-Wn27":      "[redacted]",
		"  spaced  ":             "[redacted]",
		"Basic ":                 "[redacted]",
		"we/ird secret":          "[redacted]",
	}
	for in, want := range cases {
		h := http.Header{"Authorization": {in, in}, "X-Other": {"kept"}}
		got := Header(h)
		assert.Equal(t, []string{want, want}, got.Values("Authorization"), in)
		assert.Equal(t, "kept", got.Get("X-Other"))
		assert.Equal(t, in, h.Get("Authorization"), "the original is left alone")
	}
	assert.Equal(t, http.Header{}, Header(nil))
}
