package statedoctest_test

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"testing"

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
