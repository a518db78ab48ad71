package etagtest_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/client/etagtest"
)

// freshClient opens a new connection for every request, so that net/http
// never retries a request on a reused connection after a drop.
func freshClient(t *testing.T) *http.Client {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// try sends r to srv with c and returns the answer, or the error of a
// dropped connection.
func try(t *testing.T, c *http.Client, srv *etagtest.Server, r req) (reply, error) {
	t.Helper()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	hr, err := http.NewRequest(r.method, srv.URL+r.path, body)
	require.NoError(t, err)
	if r.body != "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	resp, err := c.Do(hr)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return reply{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}, nil
}

func TestFaultDropBefore(t *testing.T) {
	srv := etagtest.NewServer(&etagtest.Options{
		Faults: etagtest.FaultPlan{Rules: []etagtest.Fault{{Kind: etagtest.DropBefore, Count: 1}}},
	})
	defer srv.Close()
	c := freshClient(t)
	tag := srv.Put("/doc", []byte(`{"a":1}`))

	_, err := try(t, c, srv, req{method: http.MethodPut, path: "/doc", body: `{"a":2}`, header: ifMatch(tag)})
	require.Error(t, err, "the client sees a dropped connection")
	body, now, _ := srv.Get("/doc")
	assert.JSONEq(t, `{"a":1}`, string(body), "the write was not applied")
	assert.Equal(t, tag, now)

	log := srv.Log()
	require.Len(t, log, 1, "one attempt")
	e := log[0]
	assert.Equal(t, etagtest.DropBefore, e.Fault)
	assert.Zero(t, e.Status)
	assert.Zero(t, e.HandlerStatus)
	assert.Empty(t, e.ResponseHeader)
	assert.Equal(t, `{"a":2}`, string(e.Body))
	assert.Equal(t, tag, e.Header.Get("If-Match"))
	assert.Equal(t, uint64(1), e.Arrival)
	assert.Equal(t, "PUT /doc 0 [DropBefore]", e.String())
	assert.Equal(t, map[etagtest.FaultKind]int{etagtest.DropBefore: 1}, srv.FaultCounts())

	r, err := try(t, c, srv, req{method: http.MethodPut, path: "/doc", body: `{"a":2}`, header: ifMatch(tag)})
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, r.Status, "Count 1 is used up")
	assert.Equal(t, etagtest.NoFault, srv.Log()[1].Fault)
}

func TestFaultCommitThenDrop(t *testing.T) {
	srv := etagtest.NewServer(nil)
	defer srv.Close()
	c := freshClient(t)
	tag := srv.Put("/doc", []byte(`{"a":1}`))
	srv.AddFault(etagtest.Fault{Kind: etagtest.CommitThenDrop, Methods: []string{"PATCH"}, Count: 1})

	_, err := try(t, c, srv, req{method: http.MethodPatch, path: "/doc", body: `{"b":2}`,
		header: map[string]string{"If-Match": tag, "Content-Type": "application/merge-patch+json"}})
	require.Error(t, err)
	body, now, _ := srv.Get("/doc")
	assert.JSONEq(t, `{"a":1,"b":2}`, string(body), "the write was applied")
	assert.NotEqual(t, tag, now)

	e := srv.Log()[0]
	assert.Equal(t, etagtest.CommitThenDrop, e.Fault)
	assert.Zero(t, e.Status)
	assert.Equal(t, http.StatusNoContent, e.HandlerStatus)
	assert.Empty(t, e.ResponseHeader.Get("ETag"), "the new ETag never reached the client")

	// The retry with the old If-Match fails: a success reported as a
	// conflict.
	r, err := try(t, c, srv, req{method: http.MethodPatch, path: "/doc", body: `{"b":2}`,
		header: map[string]string{"If-Match": tag, "Content-Type": "application/merge-patch+json"}})
	require.NoError(t, err)
	assert.Equal(t, http.StatusPreconditionFailed, r.Status)
}

func TestFaultAnswers(t *testing.T) {
	tests := []struct {
		name          string
		opts          etagtest.Options
		fault         etagtest.Fault
		method        string
		status        int
		handlerStatus int
		retryAfter    string
		etag          string
		version       string // the stored version after the request
	}{
		{"server error", etagtest.Options{}, etagtest.Fault{Kind: etagtest.ServerError, RetryAfter: time.Second}, http.MethodPut, 503, 0, "1", "", "v1"},
		{"server error applied", etagtest.Options{}, etagtest.Fault{Kind: etagtest.ServerError, Status: 500, Apply: true}, http.MethodPut, 500, 204, "", "", "v2"},
		{"too many requests", etagtest.Options{}, etagtest.Fault{Kind: etagtest.TooManyRequests}, http.MethodDelete, 429, 0, "0", "", "v1"},
		{"conflict", etagtest.Options{}, etagtest.Fault{Kind: etagtest.Conflict}, http.MethodPut, 412, 0, "", "", "v1"},
		{"conflict 409", etagtest.Options{}, etagtest.Fault{Kind: etagtest.Conflict, Status: 409}, http.MethodPut, 409, 0, "", "", "v1"},
		{"latency", etagtest.Options{}, etagtest.Fault{Kind: etagtest.Latency, Delay: 10 * time.Millisecond}, http.MethodPut, 204, 204, "", `"v2"`, "v2"},
		{"weak etag", etagtest.Options{}, etagtest.Fault{Kind: etagtest.WeakETag}, http.MethodPut, 204, 204, "", `W/"v2"`, "v2"},
		{"weak of unquoted", etagtest.Options{ETag: etagtest.Unquoted}, etagtest.Fault{Kind: etagtest.WeakETag}, http.MethodPut, 204, 204, "", `W/"v2"`, "v2"},
		{"strip etag", etagtest.Options{}, etagtest.Fault{Kind: etagtest.StripETag}, http.MethodPut, 204, 204, "", "", "v2"},
		{"204 without etag", etagtest.Options{}, etagtest.Fault{Kind: etagtest.StripWriteETag}, http.MethodPut, 204, 204, "", "", "v2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			opts.Faults = etagtest.FaultPlan{Rules: []etagtest.Fault{tt.fault}}
			srv := etagtest.NewServer(&opts)
			defer srv.Close()
			tag := srv.Put("/doc", []byte(`{"a":1}`))
			start := time.Now()
			r, err := try(t, freshClient(t), srv, req{method: tt.method, path: "/doc", body: `{"a":2}`, header: ifMatch(tag)})
			require.NoError(t, err)
			assert.Equal(t, tt.status, r.Status)
			assert.Equal(t, tt.retryAfter, r.Header.Get("Retry-After"))
			assert.Equal(t, tt.etag, r.Header.Get("ETag"))
			version, _ := srv.Version("/doc")
			assert.Equal(t, tt.version, version)
			if tt.fault.Delay > 0 {
				assert.GreaterOrEqual(t, time.Since(start), tt.fault.Delay)
			}

			log := srv.Log()
			require.Len(t, log, 1)
			e := log[0]
			assert.Equal(t, tt.fault.Kind, e.Fault)
			assert.Equal(t, tt.status, e.Status)
			assert.Equal(t, tt.handlerStatus, e.HandlerStatus)
			assert.Equal(t, tt.etag, e.ResponseHeader.Get("ETag"), "the log records the answer as sent")
			assert.Equal(t, tt.retryAfter, e.ResponseHeader.Get("Retry-After"))
			assert.Equal(t, r.Body, string(e.ResponseBody))
			assert.Equal(t, map[etagtest.FaultKind]int{tt.fault.Kind: 1}, srv.FaultCounts())
		})
	}
}

func TestFaultWeakETagOnRead(t *testing.T) {
	srv := etagtest.NewServer(nil)
	defer srv.Close()
	tag := srv.Put("/doc", []byte(`{}`))
	srv.AddFault(etagtest.Fault{Kind: etagtest.WeakETag, Count: 1})
	r := get(t, srv, "/doc", nil)
	assert.Equal(t, "W/"+tag, r.Header.Get("ETag"))
	assert.Equal(t, "W/"+tag, srv.Log()[0].ResponseHeader.Get("ETag"))
	assert.Equal(t, tag, get(t, srv, "/doc", nil).Header.Get("ETag"), "Count 1 is used up")
}

func TestFaultProbabilityIsDeterministic(t *testing.T) {
	run := func() []int {
		srv := etagtest.NewServer(&etagtest.Options{Faults: etagtest.FaultPlan{Seed: 42, Rules: []etagtest.Fault{
			{Kind: etagtest.ServerError, Probability: 0.3},
			{Kind: etagtest.Conflict, Probability: 0.3},
		}}})
		defer srv.Close()
		var statuses []int
		for range 40 {
			statuses = append(statuses, put(t, srv, "/doc", `{}`, nil).Status)
		}
		return statuses
	}
	a := run()
	assert.Equal(t, a, run())
	assert.Contains(t, a, 503)
	assert.Contains(t, a, 412)
	assert.True(t, func() bool {
		for _, s := range a {
			if s == 201 || s == 204 {
				return true
			}
		}
		return false
	}(), "some writes go through: %v", a)
}

func TestResetFaults(t *testing.T) {
	srv := etagtest.NewServer(&etagtest.Options{
		Faults: etagtest.FaultPlan{Rules: []etagtest.Fault{{Kind: etagtest.Conflict}}},
	})
	defer srv.Close()
	assert.Equal(t, 412, put(t, srv, "/doc", `{}`, nil).Status)
	assert.Equal(t, map[etagtest.FaultKind]int{etagtest.Conflict: 1}, srv.FaultCounts())
	srv.ResetFaults()
	assert.Empty(t, srv.FaultCounts())
	assert.Equal(t, 201, put(t, srv, "/doc", `{}`, nil).Status)
}

func TestInvalidFaults(t *testing.T) {
	assert.PanicsWithValue(t, "etagtest: Faults: rule 0: fault: unknown kind None", func() {
		etagtest.NewServer(&etagtest.Options{Faults: etagtest.FaultPlan{Rules: []etagtest.Fault{{}}}})
	})
	srv := etagtest.NewServer(nil)
	defer srv.Close()
	assert.Panics(t, func() { srv.AddFault(etagtest.Fault{Kind: etagtest.Latency, Probability: 2}) })
}
