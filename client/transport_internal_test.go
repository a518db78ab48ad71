package client

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		value string
		want  time.Duration
		ok    bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"7", 7 * time.Second, true},
		{"-3", 0, false},
		{"soon", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
	}
	for _, tt := range tests {
		got, ok := retryAfter(tt.value, now)
		assert.Equal(t, tt.ok, ok, "%q", tt.value)
		assert.Equal(t, tt.want, got, "%q", tt.value)
	}
}

func TestTransportBackoff(t *testing.T) {
	min, max := 10*time.Millisecond, 100*time.Millisecond
	limited := &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"3600"}}}
	assert.Equal(t, max, transportBackoff(min, max, 0, limited), "Retry-After is capped by the maximum wait")
	limited.Header.Set("Retry-After", "0")
	assert.Equal(t, time.Duration(0), transportBackoff(min, max, 0, limited))
	for attempt := range 10 {
		d := transportBackoff(min, max, attempt, &http.Response{StatusCode: http.StatusBadGateway})
		assert.GreaterOrEqual(t, d, min)
		assert.LessOrEqual(t, d, max)
	}
}

func TestExcerpt(t *testing.T) {
	assert.Equal(t, "short", excerpt([]byte("  short\n")))
	binary := append([]byte{0xff, 0xfe, 'o', 'k'}, make([]byte, 1000)...)
	got := excerpt(binary)
	assert.True(t, len(got) > 0 && len(got) <= maxExcerpt+6, "invalid bytes are replaced, not the whole body dropped")
	assert.Contains(t, got, "ok")
	cut := excerpt([]byte(strings.Repeat("a", maxExcerpt-1) + "é and more"))
	assert.Equal(t, strings.Repeat("a", maxExcerpt-1), cut, "a character cut in two is dropped")
}
