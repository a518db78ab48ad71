package client_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/client"
	"github.com/ifmatch/ifmatch/statedoc"
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
		c, err := client.NewStateClient[progress](ds.URL, lrs(&client.Options{TransportRetries: 2}))
		require.NoError(t, err)
		_, err = c.Get(context.Background(), key)
		require.Error(t, err)
		assert.Equal(t, int32(3), ds.gets.Load(), "one try and two retries")
	})
	t.Run("a conditional write is re-sent only after a read shows it not applied", func(t *testing.T) {
		ds := newDropServer(t, http.MethodPut)
		c, err := client.NewStateClient[progress](ds.URL, lrs(&client.Options{MaxAttempts: 3}))
		require.NoError(t, err)
		_, err = c.Update(context.Background(), key, turnPage)
		require.ErrorIs(t, err, client.ErrConflict)
		assert.NotErrorIs(t, err, client.ErrOutcomeUnknown, "each read settled the outcome")
		var we *client.WriteError
		require.ErrorAs(t, err, &we)
		assert.Equal(t, 3, we.Attempts)
		assert.Equal(t, 0, we.Status, "no answer came")
		assert.Equal(t, int32(3), ds.puts.Load(), "one write per attempt, not the transport's re-sends")
		assert.Equal(t, int32(4), ds.gets.Load(), "a read before the first write and after each lost one")
	})
}

func TestConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())

	c, err := client.NewStateClient[progress]("http://"+addr+"/xapi", lrs(&client.Options{TransportRetries: 1}))
	require.NoError(t, err)
	_, err = c.Update(context.Background(), key, turnPage)
	require.Error(t, err)
	var op *net.OpError
	assert.True(t, errors.As(err, &op), "the network error is kept: %v", err)
	assert.NotErrorIs(t, err, client.ErrOutcomeUnknown, "the read failed, so no write was sent")
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

// TestWriteResentWhenNeverSent: a write whose connection could not even be
// opened did not reach the server, so the transport sends it again.
func TestWriteResentWhenNeverSent(t *testing.T) {
	srv := newServer(t, nil)
	srv.SetDocument(key, "application/json", []byte(`{"page":1}`))
	var dials atomic.Int32
	dialer := &net.Dialer{}
	tr := &http.Transport{
		DisableKeepAlives: true, // one dial per request
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if dials.Add(1) == 2 { // the PUT's first connection
				return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("refused for the test")}
			}
			return dialer.DialContext(ctx, network, addr)
		},
	}
	c := newClient[progress](t, srv, &client.Options{HTTPClient: &http.Client{Transport: tr}})
	res, err := c.Update(context.Background(), key, turnPage)
	require.NoError(t, err)
	assert.Equal(t, 1, res.Attempts, "a re-send of a write that never left is not a new attempt")
	assert.Equal(t, int32(3), dials.Load())
	assert.Equal(t, []string{"GET -> 200", "PUT If-Match -> 204"}, exchanges(srv))
}

func TestRetryAfter(t *testing.T) {
	t.Run("longer than TransportWaitMax: answered at once", func(t *testing.T) {
		srv := newServer(t, nil)
		srv.Script(statedoctest.Script{Method: http.MethodGet, Status: http.StatusTooManyRequests,
			Header: http.Header{"Retry-After": {"3600"}}})
		c := newClient[progress](t, srv, &client.Options{TransportWaitMax: time.Second})
		_, err := c.Get(context.Background(), key)
		var he *client.HTTPError
		require.ErrorAs(t, err, &he)
		assert.Equal(t, http.StatusTooManyRequests, he.StatusCode)
		assert.Len(t, srv.Log(), 1, "not re-sent before the server asked")
	})
	t.Run("within TransportWaitMax: waited, then re-sent", func(t *testing.T) {
		srv := newServer(t, nil)
		srv.Script(statedoctest.Script{Method: http.MethodGet, Status: http.StatusServiceUnavailable,
			Header: http.Header{"Retry-After": {"1"}}})
		c := newClient[progress](t, srv, &client.Options{TransportWaitMax: 2 * time.Second})
		start := time.Now()
		doc, err := c.Get(context.Background(), key)
		require.NoError(t, err)
		assert.False(t, doc.Exists)
		assert.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond, "the re-send waited for Retry-After")
		assert.Len(t, srv.Log(), 2)
	})
}

// cancelAfter cancels a context once a response to method has arrived.
type cancelAfter struct {
	method string
	cancel context.CancelFunc
	next   http.RoundTripper
}

func (c cancelAfter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(r)
	if err == nil && r.Method == c.method {
		c.cancel()
	}
	return resp, err
}

// TestCommittedWriteIsReportedAsSuccess: once a write's 2xx has arrived, the
// write succeeded, whatever happens to the context or the body afterwards.
func TestCommittedWriteIsReportedAsSuccess(t *testing.T) {
	t.Run("context ends as the answer arrives", func(t *testing.T) {
		srv := newServer(t, nil)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		hc := &http.Client{Transport: cancelAfter{method: http.MethodPut, cancel: cancel, next: srv.Client().Transport}}
		c := newClient[progress](t, srv, &client.Options{HTTPClient: hc})
		res, err := c.Update(ctx, key, turnPage)
		require.NoError(t, err)
		assert.Equal(t, client.Created, res.Outcome)
		assert.JSONEq(t, `{"page":1}`, storedJSON(t, srv))
	})
	t.Run("body of the answer cut short", func(t *testing.T) {
		var puts atomic.Int32
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet {
				http.NotFound(w, r)
				return
			}
			puts.Add(1)
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				return
			}
			_, _ = buf.WriteString("HTTP/1.1 201 Created\r\nETag: \"v1\"\r\nContent-Length: 100\r\n\r\nshort")
			_ = buf.Flush()
			conn.Close()
		}))
		defer hs.Close()
		c, err := client.NewStateClient[progress](hs.URL, lrs(nil))
		require.NoError(t, err)
		res, err := c.Update(context.Background(), key, turnPage)
		require.NoError(t, err)
		assert.Equal(t, client.Created, res.Outcome)
		assert.Equal(t, `"v1"`, res.ETag)
		assert.Equal(t, int32(1), puts.Load())
	})
}

// TestNoCredentialsInErrorsOrLogs runs failing and succeeding calls with a
// debug logger and an endpoint carrying user information, and looks for the
// secrets everywhere the client writes text.
func TestNoCredentialsInErrorsOrLogs(t *testing.T) {
	srv := newServer(t, &statedoctest.Options{Username: "app", Password: "s3cret-pass"})
	var logs strings.Builder
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	endpoint := strings.Replace(srv.URL, "http://", "http://url-user:url-pass@", 1)

	good, err := client.NewStateClient[progress](endpoint, lrs(&client.Options{
		HTTPClient: srv.Client(), Username: "app", Password: "s3cret-pass", Logger: logger}))
	require.NoError(t, err)
	_, err = good.Update(context.Background(), key, turnPage)
	require.NoError(t, err)

	bad, err := client.NewStateClient[progress](endpoint, lrs(&client.Options{
		HTTPClient: srv.Client(), Username: "app", Password: "wrong-pass", Logger: logger}))
	require.NoError(t, err)
	_, err = bad.Update(context.Background(), key, turnPage)
	require.ErrorIs(t, err, client.ErrUnauthorized)

	require.NotEmpty(t, logs.String(), "the debug logger received records")
	for _, text := range []string{err.Error(), logs.String()} {
		for _, secret := range []string{"s3cret-pass", "wrong-pass", "url-user", "url-pass", "Authorization", "Basic "} {
			assert.NotContains(t, text, secret)
		}
	}
}

func TestSilentByDefault(t *testing.T) {
	srv := newServer(t, nil)
	var stderr strings.Builder
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&stderr, &slog.HandlerOptions{Level: slog.LevelDebug})))
	defer slog.SetDefault(prev)
	c := newClient[progress](t, srv, nil)
	_, err := c.Update(context.Background(), key, turnPage)
	require.NoError(t, err)
	assert.Empty(t, stderr.String())
}

// TestCompressedAnswerDecoded: reads ask for the identity encoding; a
// server that compresses all the same is still understood.
func TestCompressedAnswerDecoded(t *testing.T) {
	var enc []string
	var mu sync.Mutex
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		enc = append(enc, r.Header.Get("Accept-Encoding"))
		mu.Unlock()
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		io.WriteString(zw, `{"page":1}`)
		zw.Close()
		w.Header().Set("ETag", `"1"`)
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(b.Bytes())
	}))
	t.Cleanup(ts.Close)
	c, err := client.NewStateClient[progress](ts.URL, lrs(nil))
	require.NoError(t, err)
	d, err := c.Get(context.Background(), key)
	require.NoError(t, err)
	assert.Equal(t, 1, d.Value.Page)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"identity"}, enc)
}

// TestListNeeds200: a listing answered with another 2xx is an *HTTPError.
func TestListNeeds200(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(ts.Close)
	c, err := client.NewStateClient[progress](ts.URL, lrs(nil))
	require.NoError(t, err)
	_, err = c.List(context.Background(), statedoc.Context{ActivityID: key.ActivityID, Agent: key.Agent}, time.Time{})
	var he *client.HTTPError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, http.StatusNoContent, he.StatusCode)
}
