package statedoctest

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ifmatch/ifmatch/internal/serverkit"
	"github.com/ifmatch/ifmatch/statedoc"
)

// CORS lets scripts of other origins — browser-based content such as cmi5
// AUs — call the server (the Fetch standard's CORS protocol). The zero
// value allows no origin and sends no CORS header.
type CORS struct {
	// AllowedOrigins lists the origins allowed, as a browser sends them in
	// the Origin header ("https://content.example.com",
	// "http://localhost:8000"), compared without regard to case. "*"
	// allows every origin, "null" (content opened from a file) included.
	AllowedOrigins []string
}

// The CORS fields the server sends.
const (
	corsMethods = "GET, HEAD, PUT, POST, DELETE"
	// corsRequestHeaders are the request header fields a script may send:
	// the xAPI ones and the preconditions the server evaluates.
	corsRequestHeaders = "Authorization, Content-Type, If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since, " + statedoc.HeaderVersion
	// corsExposed are the response header fields a script may read besides
	// those every script may read.
	corsExposed = "ETag, Last-Modified, Retry-After, " + statedoc.HeaderVersion + ", X-Experience-API-Consistent-Through"
	// corsMaxAge is how long, in seconds, a browser may keep a preflight's
	// answer.
	corsMaxAge = "600"
)

func (c CORS) enabled() bool { return len(c.AllowedOrigins) > 0 }

// allows reports whether origin, an Origin header's value, is allowed.
func (c CORS) allows(origin string) bool {
	if origin == "" {
		return false
	}
	for _, o := range c.AllowedOrigins {
		if o == "*" || strings.EqualFold(o, origin) {
			return true
		}
	}
	return false
}

// setCORS adds to the response header h the CORS fields of an answer to a
// request whose header is req: Vary: Origin whenever CORS is enabled, and
// for an allowed origin that origin (named, never "*", so that requests
// made with credentials work too), the permission to send credentials and
// the header fields a script may read.
func (s *Server) setCORS(req, h http.Header) {
	if !s.cors.enabled() {
		return
	}
	h.Set("Vary", "Origin")
	origin := req.Get("Origin")
	if !s.cors.allows(origin) {
		return
	}
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Credentials", "true")
	h.Set("Access-Control-Expose-Headers", corsExposed)
}

// withCORS answers preflight requests itself and gives every other answer
// its CORS fields, those of injected faults included. Without CORS it
// returns next.
func (s *Server) withCORS(next http.Handler) http.Handler {
	if !s.cors.enabled() {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != "" {
			s.preflight(w, r)
			return
		}
		s.setCORS(r.Header, w.Header())
		next.ServeHTTP(w, r)
	})
}

// preflight answers a CORS preflight request: 204 with the methods and
// header fields allowed for an allowed origin, 403 without CORS fields for
// another. A preflight carries no credentials, so it is not
// authenticated; it consumes no script, is not rate limited, meets no
// fault and is logged like any request.
func (s *Server) preflight(w http.ResponseWriter, r *http.Request) {
	q, _ := url.ParseQuery(r.URL.RawQuery)
	ex := newExchange(&inbound{method: r.Method, path: r.URL.Path, header: r.Header, query: q})
	s.mu.Lock()
	s.seq++
	ex.Arrival = s.seq
	s.mu.Unlock()

	origin := r.Header.Get("Origin")
	var resp *response
	if s.cors.allows(origin) {
		resp = serverkit.NewResponse(http.StatusNoContent)
		h := resp.Header
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
		h.Set("Access-Control-Allow-Methods", corsMethods)
		h.Set("Access-Control-Allow-Headers", corsRequestHeaders)
		h.Set("Access-Control-Max-Age", corsMaxAge)
	} else {
		resp = serverkit.TextResponse(http.StatusForbidden, "origin %q is not allowed to call this LRS", origin)
		resp.Header.Set("Content-Length", strconv.Itoa(len(resp.Body)))
	}
	resp.Header.Set("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
	resp.Header.Set(statedoc.HeaderVersion, s.version)
	ex.Status, ex.ResponseHeader, ex.ResponseBody = resp.Status, resp.Header, resp.Body
	s.record(ex)
	resp.Send(w, resp.Body)
}
