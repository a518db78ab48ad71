package statedoctest_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/statedoc"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

func TestRateLimit(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	type step struct {
		at         float64 // seconds after t0
		script     int     // a scripted Status queued for this request; 0 for none
		want       int
		retryAfter string
	}
	// At most 2 requests in any 10 s window.
	steps := []step{
		{at: 0, want: 204},
		{at: 1, want: 204},
		{at: 1, want: 429, retryAfter: "9"},
		{at: 5.5, want: 429, retryAfter: "5"}, // 4.5 s rounded up
		{at: 10, want: 204},                   // the request at 0 left the window; the 429s never counted
		{at: 10.5, want: 429, retryAfter: "1"},
		{at: 10.5, script: 503, want: 503}, // scripted answers are neither limited nor counted
		{at: 11, want: 204},
		{at: 11, want: 429, retryAfter: "9"},
	}
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			clock := newClock(t0)
			srv := statedoctest.NewServer(&statedoctest.Options{Version: v, Now: clock.Now,
				RateLimit: statedoctest.RateLimit{Requests: 2, Per: 10 * time.Second}})
			defer srv.Close()
			for i, st := range steps {
				clock.Set(t0.Add(time.Duration(st.at * float64(time.Second))))
				if st.script != 0 {
					srv.Script(statedoctest.Script{Status: st.script})
				}
				k := testKey("s" + string(rune('a'+i)))
				r := send(t, srv, req{method: http.MethodPut, key: k, body: `{}`, header: map[string]string{"If-None-Match": "*"}})
				require.Equal(t, st.want, r.Status, "step %d at %vs: %s", i, st.at, r.Body)
				assert.Equal(t, st.retryAfter, r.Header.Get("Retry-After"), "step %d", i)
				_, stored := srv.Document(k)
				assert.Equal(t, st.want == 204, stored, "step %d: only admitted requests are handled", i)
				e := srv.Log()[i]
				assert.Equal(t, st.want, e.Status, "step %d: every request is logged", i)
				if st.want == 429 {
					assert.Contains(t, r.Body, "rate limit")
					assert.Equal(t, r.Body, string(e.ResponseBody))
					assert.Equal(t, st.retryAfter, e.ResponseHeader.Get("Retry-After"))
					assert.Equal(t, "text/plain; charset=utf-8", r.Header.Get("Content-Type"))
					assert.Equal(t, v, r.Header.Get(statedoc.HeaderVersion))
					assert.Zero(t, e.StoreOrder)
				}
			}
		})
	}
}

// The rate limit comes before authentication, and a refused request
// consumes no script other than one with a Status.
func TestRateLimitScriptsAndAuth(t *testing.T) {
	clock := newClock(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))
	srv := statedoctest.NewServer(&statedoctest.Options{Now: clock.Now, Username: "u", Password: "p",
		RateLimit: statedoctest.RateLimit{Requests: 1, Per: time.Minute}})
	defer srv.Close()
	assert.Equal(t, 401, get(t, srv, testKey("s")).Status, "admitted, then refused by authentication")
	assert.Equal(t, 429, get(t, srv, testKey("s")).Status, "the 401 counted; no credentials needed to be limited")

	srv.Script(statedoctest.Script{Header: http.Header{"X-Scripted": {"1"}}})
	r := get(t, srv, testKey("s"))
	assert.Equal(t, 429, r.Status)
	assert.Empty(t, r.Header.Get("X-Scripted"))
	assert.Equal(t, 1, srv.PendingScripts(), "a refused request consumes no header script")

	clock.Advance(time.Minute)
	r = send(t, srv, req{method: http.MethodGet, key: testKey("s"), header: map[string]string{"Authorization": "Basic dTpw"}})
	assert.Equal(t, 404, r.Status)
	assert.Equal(t, "1", r.Header.Get("X-Scripted"))
	assert.Zero(t, srv.PendingScripts())
}

func TestRateLimitDisabled(t *testing.T) {
	for _, limit := range []statedoctest.RateLimit{{}, {Requests: 1}, {Per: time.Hour}} {
		srv := statedoctest.NewServer(&statedoctest.Options{RateLimit: limit})
		for range 5 {
			assert.Equal(t, 404, get(t, srv, testKey("s")).Status, "%+v", limit)
		}
		srv.Close()
	}
}
