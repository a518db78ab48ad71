package client_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/client"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

// dropServer answers GETs with a small JSON document, and drops the
// connection without an answer for the methods in drop, counting requests.
type dropServer struct {
	*httptest.Server
	gets, puts atomic.Int32
}

func newDropServer(t *testing.T, drop string) *dropServer {
	ds := &dropServer{}
	ds.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			ds.gets.Add(1)
		} else {
			ds.puts.Add(1)
		}
		if strings.Contains(drop, r.Method) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"page":1}`))
	}))
	t.Cleanup(ds.Close)
	return ds
}

func TestDroppedConnection(t *testing.T) {
	t.Run("a read is retried", func(t *testing.T) {
		ds := newDropServer(t, http.MethodGet)
		c, err := client.NewStateClient[progress](ds.URL, fast(&client.Options{TransportRetries: 2}))
		require.NoError(t, err)
		_, err = c.Get(context.Background(), key)
		require.Error(t, err)
		assert.Equal(t, int32(3), ds.gets.Load(), "one try and two retries")
	})
	t.Run("a conditional write is not re-sent", func(t *testing.T) {
		ds := newDropServer(t, http.MethodPut)
		c, err := client.NewStateClient[progress](ds.URL, fast(nil))
		require.NoError(t, err)
		_, err = c.Update(context.Background(), key, turnPage)
		require.Error(t, err)
		var we *client.WriteError
		require.ErrorAs(t, err, &we)
		assert.Equal(t, 1, we.Attempts)
		assert.Equal(t, 0, we.LastStatus, "no answer came")
		assert.Equal(t, int32(1), ds.puts.Load(), "the write whose outcome is unknown was sent once")
	})
}

func TestConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())

	c, err := client.NewStateClient[progress]("http://"+addr+"/xapi", fast(&client.Options{TransportRetries: 1}))
	require.NoError(t, err)
	start := time.Now()
	_, err = c.Update(context.Background(), key, turnPage)
	require.Error(t, err)
	var op *net.OpError
	assert.True(t, errors.As(err, &op), "the network error is kept: %v", err)
	assert.Less(t, time.Since(start), 10*time.Second)
}

func TestHTTPErrorMatchesSentinels(t *testing.T) {
	tests := []struct {
		status int
		want   error
	}{
		{http.StatusBadRequest, client.ErrBadRequest},
		{http.StatusUnauthorized, client.ErrUnauthorized},
		{http.StatusForbidden, client.ErrForbidden},
		{http.StatusNotFound, client.ErrNotFound},
		{http.StatusPreconditionFailed, client.ErrPreconditionFailed},
		{http.StatusRequestEntityTooLarge, client.ErrTooLarge},
		{http.StatusPreconditionRequired, client.ErrPreconditionRequired},
	}
	all := []error{client.ErrBadRequest, client.ErrUnauthorized, client.ErrForbidden, client.ErrNotFound,
		client.ErrPreconditionFailed, client.ErrTooLarge, client.ErrPreconditionRequired, client.ErrConflict}
	for _, tt := range tests {
		err := error(&client.HTTPError{Method: "GET", URL: "http://lrs/x", StatusCode: tt.status})
		for _, s := range all {
			assert.Equal(t, s == tt.want, errors.Is(err, s), "status %d against %v", tt.status, s)
		}
	}
	err := error(&client.HTTPError{StatusCode: http.StatusTeapot})
	for _, s := range all {
		assert.False(t, errors.Is(err, s))
	}
}

func TestHTTPErrorBodyIsBounded(t *testing.T) {
	srv := newServer(t, nil)
	long := strings.Repeat("é", 2000) // two bytes a character
	srv.Script(statedoctest.Script{Method: http.MethodGet, Status: http.StatusBadRequest, Body: []byte(long)})
	c := newClient[progress](t, srv, nil)
	_, err := c.Get(context.Background(), key)
	var he *client.HTTPError
	require.ErrorAs(t, err, &he)
	assert.LessOrEqual(t, len(he.Body), 512)
	assert.Greater(t, len(he.Body), 500)
	assert.True(t, strings.HasPrefix(long, he.Body), "cut on a character boundary")
	assert.Contains(t, he.Error(), "400 Bad Request")
	assert.Equal(t, http.MethodGet, he.Method)
	assert.Contains(t, he.URL, "/activities/state?")
}
