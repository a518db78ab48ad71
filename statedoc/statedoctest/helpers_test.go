package statedoctest_test

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/statedoc"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

var versions = []string{statedoc.Version103, statedoc.Version200}

var ada = statedoc.Agent{Mbox: "mailto:ada@example.com"}

const reg = "9d3a5e0c-6f1b-4c2a-8e7d-1a2b3c4d5e6f"

func testKey(stateID string) statedoc.Key {
	return statedoc.Key{ActivityID: "https://example.com/course/1", Agent: ada, StateID: stateID}
}

// reply is a response with its body read.
type reply struct {
	Status int
	Header http.Header
	Body   string
}

// req describes one request to the State Resource.
type req struct {
	method string
	query  url.Values // nil: the query of key
	key    statedoc.Key
	header map[string]string // nil: just the version header; "" values delete
	body   string
	ctype  string // Content-Type; "" means application/json when there is a body
}

func query(t *testing.T, k statedoc.Key) url.Values {
	t.Helper()
	var q url.Values
	var err error
	if k.StateID == "" {
		q, err = k.Context().Query()
	} else {
		q, err = k.Query()
	}
	require.NoError(t, err)
	return q
}

// send performs r against srv's State Resource over HTTP, with the
// server's own version header unless r.header overrides it.
func send(t *testing.T, srv *statedoctest.Server, r req) reply {
	t.Helper()
	q := r.query
	if q == nil {
		q = query(t, r.key)
	}
	return sendRaw(t, srv, r.method, srv.URL+"/activities/state?"+q.Encode(), r)
}

func sendRaw(t *testing.T, srv *statedoctest.Server, method, u string, r req) reply {
	t.Helper()
	var body io.Reader
	if r.body != "" {
		body = bytes.NewBufferString(r.body)
	}
	hr, err := http.NewRequest(method, u, body)
	require.NoError(t, err)
	hr.Header.Set(statedoc.HeaderVersion, srv.Version())
	if r.body != "" {
		ct := r.ctype
		if ct == "" {
			ct = "application/json"
		}
		hr.Header.Set("Content-Type", ct)
	}
	for k, v := range r.header {
		if v == "" {
			hr.Header.Del(k)
		} else {
			hr.Header.Set(k, v)
		}
	}
	resp, err := srv.Client().Do(hr)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return reply{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
}

func put(t *testing.T, srv *statedoctest.Server, k statedoc.Key, body string, header map[string]string) reply {
	t.Helper()
	return send(t, srv, req{method: http.MethodPut, key: k, body: body, header: header})
}

func get(t *testing.T, srv *statedoctest.Server, k statedoc.Key) reply {
	t.Helper()
	return send(t, srv, req{method: http.MethodGet, key: k})
}

// rawRequest sends a request without a body to srv's State Resource over a
// plain TCP connection and returns the status, the header and every byte
// that followed the header on the wire — which net/http's client would
// hide for HEAD.
func rawRequest(t *testing.T, srv *statedoctest.Server, method string, q url.Values) (int, http.Header, string) {
	t.Helper()
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	conn, err := net.Dial("tcp", u.Host)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
	_, err = io.WriteString(conn, method+" "+u.Path+"/activities/state?"+q.Encode()+" HTTP/1.1\r\n"+
		"Host: "+u.Host+"\r\n"+statedoc.HeaderVersion+": "+srv.Version()+"\r\nConnection: close\r\n\r\n")
	require.NoError(t, err)
	all, err := io.ReadAll(conn)
	require.NoError(t, err)
	head, body, ok := strings.Cut(string(all), "\r\n\r\n")
	require.True(t, ok, "no end of header in %q", all)
	resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(head+"\r\n\r\n")), nil)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode, resp.Header, body
}

// clock is a test clock for Options.Now: each call advances it by step
// (which may be 0) and returns the new time.
type clock struct {
	mu   sync.Mutex
	t    time.Time
	step time.Duration
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(c.step)
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
