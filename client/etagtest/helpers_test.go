package etagtest_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/client/etagtest"
)

// reply is a response with its body read.
type reply struct {
	Status int
	Header http.Header
	Body   string
}

// req describes one request.
type req struct {
	method string
	path   string
	body   string
	ctype  string            // Content-Type; "" means application/json when there is a body
	header map[string]string // extra header fields
}

// send performs r against srv over HTTP with srv's client. Unless r.header
// sets Accept-Encoding, Go's transport asks for gzip on its own and
// decompresses the answer.
func send(t *testing.T, srv *etagtest.Server, r req) reply {
	t.Helper()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	hr, err := http.NewRequest(r.method, srv.URL+r.path, body)
	require.NoError(t, err)
	if r.body != "" {
		ct := r.ctype
		if ct == "" {
			ct = "application/json"
		}
		hr.Header.Set("Content-Type", ct)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(hr)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return reply{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
}

func get(t *testing.T, srv *etagtest.Server, path string, header map[string]string) reply {
	t.Helper()
	return send(t, srv, req{method: http.MethodGet, path: path, header: header})
}

func put(t *testing.T, srv *etagtest.Server, path, body string, header map[string]string) reply {
	t.Helper()
	return send(t, srv, req{method: http.MethodPut, path: path, body: body, header: header})
}

func ifMatch(tag string) map[string]string { return map[string]string{"If-Match": tag} }

func ifNoneMatch(tag string) map[string]string { return map[string]string{"If-None-Match": tag} }

// racePuts sends two PUTs to path with the same If-Match at once and
// returns their statuses.
func racePuts(t *testing.T, srv *etagtest.Server, path, tag string) [2]int {
	t.Helper()
	var statuses [2]int
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range statuses {
		hr, err := http.NewRequest(http.MethodPut, srv.URL+path, strings.NewReader(`{"writer":`+string(rune('0'+i))+`}`))
		require.NoError(t, err)
		hr.Header.Set("Content-Type", "application/json")
		hr.Header.Set("If-Match", tag)
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			resp, err := srv.Client().Do(hr)
			if err != nil {
				return // statuses[i] stays 0; the caller's assertions catch it
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}()
	}
	close(start)
	wg.Wait()
	return statuses
}

// clock is a test clock for Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// readInt reads a response body holding a decimal number and closes it.
func readInt(resp *http.Response) (int, error) {
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(string(b))
}

// gunzip decompresses a gzip body.
func gunzip(t *testing.T, body string) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader([]byte(body)))
	require.NoError(t, err)
	b, err := io.ReadAll(zr)
	require.NoError(t, err)
	return string(b)
}
