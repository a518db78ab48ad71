package fault_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/internal/fault"
)

// store is a small ETag document handler: PUT stores the body under the
// path and answers 204 with the new ETag (412 with the current one when
// If-Match names another); GET answers 200 with the body and ETag, or 404;
// DELETE removes. It counts the requests it handles by method and records
// the Injection each one carried.
type store struct {
	mu       sync.Mutex
	docs     map[string]string
	versions int
	handled  map[string]int
	seen     []fault.Kind
}

func newStore() *store {
	return &store{docs: map[string]string{}, handled: map[string]int{}}
}

func (s *store) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handled[r.Method]++
	s.seen = append(s.seen, fault.FromContext(r.Context()).Kind())
	path := r.URL.Path
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		doc, ok := s.docs[path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("ETag", s.etagLocked(path))
		if r.URL.Query().Has("implicit") {
			_, _ = io.WriteString(w, doc) // no WriteHeader: an implicit 200
			return
		}
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, doc)
	case http.MethodPut:
		if m := r.Header.Get("If-Match"); m != "" {
			if _, ok := s.docs[path]; !ok || m != s.etagLocked(path) {
				if ok {
					w.Header().Set("ETag", s.etagLocked(path))
				}
				w.WriteHeader(http.StatusPreconditionFailed)
				return
			}
		}
		s.versions++
		s.docs[path] = string(body)
		s.docs[path+"#v"] = strconv.Itoa(s.versions)
		w.Header().Set("ETag", s.etagLocked(path))
		w.WriteHeader(http.StatusNoContent)
	case http.MethodDelete:
		delete(s.docs, path)
		w.WriteHeader(http.StatusNoContent)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

// etagLocked returns the quoted ETag of the document at path, or an
// unquoted one for paths under /bare/; s.mu must be held.
func (s *store) etagLocked(path string) string {
	v := "v" + s.docs[path+"#v"]
	if strings.HasPrefix(path, "/bare/") {
		return v
	}
	return `"` + v + `"`
}

// doc returns the document stored at path.
func (s *store) doc(path string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.docs[path]
	return d, ok
}

// count returns how many requests with method the store handled.
func (s *store) count(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.handled[method]
}

// kinds returns the fault kinds the store's requests carried, in order.
func (s *store) kinds() []fault.Kind {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]fault.Kind(nil), s.seen...)
}

// counter counts the requests that reach the server, before the injector.
type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counter) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		if c.n == nil {
			c.n = map[string]int{}
		}
		c.n[r.Method]++
		c.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

func (c *counter) count(method string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[method]
}

// env is a test server: a store behind an injector, behind a counter of
// attempts, and a client that opens a new connection for every request,
// so that net/http never retries a request on a reused connection.
type env struct {
	url      string
	store    *store
	attempts *counter
	inj      *fault.Injector
	client   *http.Client
}

func newEnv(t *testing.T, p fault.Plan) *env {
	t.Helper()
	inj, err := fault.New(p)
	require.NoError(t, err)
	e := &env{store: newStore(), attempts: &counter{}, inj: inj}
	ts := httptest.NewServer(e.attempts.wrap(inj.Wrap(e.store)))
	t.Cleanup(ts.Close)
	e.url = ts.URL
	e.client = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	t.Cleanup(e.client.CloseIdleConnections)
	return e
}

// result is an answer with its body read, or the error of the request.
type result struct {
	status int
	header http.Header
	body   string
	err    error
}

func (e *env) do(t *testing.T, method, path, body string, header map[string]string) result {
	t.Helper()
	return doWith(t, e.client, method, e.url+path, body, header)
}

func doWith(t *testing.T, c *http.Client, method, url, body string, header map[string]string) result {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		return result{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return result{status: resp.StatusCode, header: resp.Header, body: string(b), err: err}
}
