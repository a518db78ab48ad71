package statedoctest_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/statedoc"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

const (
	allowedOrigin = "https://content.example.com"
	otherOrigin   = "https://evil.example.net"
)

// preflight sends a CORS preflight for a PUT with the xAPI headers.
func preflight(t *testing.T, srv *statedoctest.Server, origin string) reply {
	t.Helper()
	return sendRaw(t, srv, http.MethodOptions, srv.StateURL()+"?"+query(t, testKey("s")).Encode(), req{header: map[string]string{
		"Origin":                         origin,
		"Access-Control-Request-Method":  "PUT",
		"Access-Control-Request-Headers": "authorization,content-type,if-match,x-experience-api-version",
		statedoc.HeaderVersion:           "",
	}})
}

func TestCORS(t *testing.T) {
	for _, origins := range [][]string{{"http://localhost:8000", allowedOrigin}, {"*"}} {
		t.Run(origins[0], func(t *testing.T) {
			srv := statedoctest.NewServer(&statedoctest.Options{Username: "lrs", Password: "secret", CORS: statedoctest.CORS{AllowedOrigins: origins}})
			defer srv.Close()

			// Preflight: no credentials needed, the methods and header
			// fields of xAPI allowed.
			r := preflight(t, srv, allowedOrigin)
			require.Equal(t, http.StatusNoContent, r.Status, r.Body)
			assert.Equal(t, allowedOrigin, r.Header.Get("Access-Control-Allow-Origin"))
			assert.Equal(t, "true", r.Header.Get("Access-Control-Allow-Credentials"))
			assert.Equal(t, "GET, HEAD, PUT, POST, DELETE", r.Header.Get("Access-Control-Allow-Methods"))
			for _, h := range []string{"Authorization", "Content-Type", "If-Match", "If-None-Match", statedoc.HeaderVersion} {
				assert.Contains(t, r.Header.Get("Access-Control-Allow-Headers"), h)
			}
			assert.NotEmpty(t, r.Header.Get("Access-Control-Max-Age"))
			assert.Contains(t, r.Header.Get("Vary"), "Origin")

			// The request itself, and its answer readable by the script.
			h := map[string]string{"Origin": "HTTPS://Content.Example.com", "Authorization": basicAuth("lrs", "secret")}
			r = send(t, srv, req{method: http.MethodPut, key: testKey("s"), body: `{"a":1}`, header: h})
			require.Equal(t, http.StatusNoContent, r.Status, r.Body)
			assert.Equal(t, "HTTPS://Content.Example.com", r.Header.Get("Access-Control-Allow-Origin"))
			r = send(t, srv, req{method: http.MethodGet, key: testKey("s"), header: h})
			require.Equal(t, http.StatusOK, r.Status)
			assert.Equal(t, "true", r.Header.Get("Access-Control-Allow-Credentials"))
			assert.Equal(t, "Origin", r.Header.Get("Vary"))
			for _, name := range []string{"ETag", "Last-Modified", statedoc.HeaderVersion, "X-Experience-API-Consistent-Through"} {
				assert.Contains(t, r.Header.Get("Access-Control-Expose-Headers"), name)
			}
			// Errors carry the fields too, so that a script can read them.
			r = send(t, srv, req{method: http.MethodGet, key: testKey("s"), header: map[string]string{"Origin": allowedOrigin}})
			assert.Equal(t, http.StatusUnauthorized, r.Status)
			assert.Equal(t, allowedOrigin, r.Header.Get("Access-Control-Allow-Origin"))
			// So does /about.
			r = sendRaw(t, srv, http.MethodGet, srv.AboutURL(), req{header: map[string]string{"Origin": allowedOrigin}})
			assert.Equal(t, http.StatusOK, r.Status)
			assert.Equal(t, allowedOrigin, r.Header.Get("Access-Control-Allow-Origin"))

			// A request without Origin gets no CORS fields but Vary.
			r = send(t, srv, req{method: http.MethodGet, key: testKey("s"), header: map[string]string{"Authorization": basicAuth("lrs", "secret")}})
			assert.Empty(t, r.Header.Get("Access-Control-Allow-Origin"))
			assert.Equal(t, "Origin", r.Header.Get("Vary"))

			// An OPTIONS request that is no preflight: 405.
			r = sendRaw(t, srv, http.MethodOptions, srv.StateURL(), req{})
			assert.Equal(t, http.StatusMethodNotAllowed, r.Status)

			var methods []string
			for _, e := range srv.Log() {
				methods = append(methods, e.Method)
			}
			assert.Equal(t, []string{"OPTIONS", "PUT", "GET", "GET", "GET", "GET", "OPTIONS"}, methods)
		})
	}
}

func TestCORSOtherOrigins(t *testing.T) {
	srv := statedoctest.NewServer(&statedoctest.Options{CORS: statedoctest.CORS{AllowedOrigins: []string{allowedOrigin}}})
	defer srv.Close()
	r := preflight(t, srv, otherOrigin)
	assert.Equal(t, http.StatusForbidden, r.Status)
	assert.Contains(t, r.Body, otherOrigin)
	assert.Empty(t, r.Header.Get("Access-Control-Allow-Origin"))
	assert.Empty(t, r.Header.Get("Access-Control-Allow-Methods"))
	r = send(t, srv, req{method: http.MethodPut, key: testKey("s"), body: `{}`, header: map[string]string{"Origin": otherOrigin}})
	assert.Equal(t, http.StatusNoContent, r.Status, "the server answers; the browser hides the answer")
	assert.Empty(t, r.Header.Get("Access-Control-Allow-Origin"))
	assert.Empty(t, r.Header.Get("Access-Control-Expose-Headers"))
	r = send(t, srv, req{method: http.MethodGet, key: testKey("s"), header: map[string]string{"Origin": "null"}})
	assert.Empty(t, r.Header.Get("Access-Control-Allow-Origin"))
}

func TestCORSOff(t *testing.T) {
	srv := statedoctest.NewServer(nil)
	defer srv.Close()
	r := preflight(t, srv, allowedOrigin)
	assert.Equal(t, http.StatusMethodNotAllowed, r.Status)
	assert.Empty(t, r.Header.Get("Access-Control-Allow-Origin"))
	r = send(t, srv, req{method: http.MethodGet, key: testKey("s"), header: map[string]string{"Origin": allowedOrigin}})
	assert.Equal(t, http.StatusNotFound, r.Status)
	assert.Empty(t, r.Header.Get("Access-Control-Allow-Origin"))
	assert.Empty(t, r.Header.Get("Vary"))
}

// TestCORSFaults checks that an answer a fault injects carries the CORS
// fields, so that a script sees the injected status rather than a CORS
// error, and that the log shows them.
func TestCORSFaults(t *testing.T) {
	srv := statedoctest.NewServer(&statedoctest.Options{
		CORS:   statedoctest.CORS{AllowedOrigins: []string{"*"}},
		Faults: statedoctest.FaultPlan{Rules: []statedoctest.Fault{{Kind: statedoctest.TooManyRequests, Count: 1, RetryAfter: 2e9}}},
	})
	defer srv.Close()
	r := send(t, srv, req{method: http.MethodPut, key: testKey("s"), body: `{}`, header: map[string]string{"Origin": "null"}})
	assert.Equal(t, http.StatusTooManyRequests, r.Status)
	assert.Equal(t, "null", r.Header.Get("Access-Control-Allow-Origin"))
	assert.Contains(t, r.Header.Get("Access-Control-Expose-Headers"), "Retry-After")
	e := srv.Log()[0]
	assert.Equal(t, statedoctest.TooManyRequests, e.Fault)
	assert.Equal(t, "null", e.ResponseHeader.Get("Access-Control-Allow-Origin"))
}

func basicAuth(user, pass string) string {
	r, _ := http.NewRequest(http.MethodGet, "http://x", nil)
	r.SetBasicAuth(user, pass)
	return r.Header.Get("Authorization")
}
