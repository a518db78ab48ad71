package statedoctest_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/statedoc"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

// freshClient opens a new connection for every request, so that net/http
// never retries a request on a reused connection after a drop.
func freshClient(t *testing.T) *http.Client {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// try sends a request to the document k addresses with c and returns the
// answer, or the error of a dropped connection.
func try(t *testing.T, c *http.Client, srv *statedoctest.Server, method string, k statedoc.Key, body string, header map[string]string) (reply, error) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	hr, err := http.NewRequest(method, srv.StateURL()+"?"+query(t, k).Encode(), rd)
	require.NoError(t, err)
	hr.Header.Set(statedoc.HeaderVersion, srv.Version())
	if body != "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	for name, v := range header {
		hr.Header.Set(name, v)
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

func TestFaultCommitThenDrop(t *testing.T) {
	srv := statedoctest.NewServer(&statedoctest.Options{
		Faults: statedoctest.FaultPlan{Rules: []statedoctest.Fault{{Kind: statedoctest.CommitThenDrop, Methods: []string{"PUT"}, Count: 1}}},
	})
	defer srv.Close()
	c := freshClient(t)
	k := testKey("progress")

	_, err := try(t, c, srv, http.MethodPut, k, `{"page":2}`, nil)
	require.Error(t, err, "the client sees a dropped connection")
	doc, ok := srv.Document(k)
	require.True(t, ok, "the write was applied")
	assert.JSONEq(t, `{"page":2}`, string(doc.Body))

	r, err := try(t, c, srv, http.MethodGet, k, "", nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, r.Status)
	assert.Equal(t, doc.ETag, r.Header.Get("ETag"))

	log := srv.Log()
	require.Len(t, log, 2, "one attempt, then the GET")
	e := log[0]
	assert.Equal(t, statedoctest.CommitThenDrop, e.Fault)
	assert.Zero(t, e.Status)
	assert.Equal(t, http.StatusNoContent, e.HandlerStatus)
	assert.Empty(t, e.ResponseHeader)
	assert.Empty(t, e.ResponseBody)
	assert.Equal(t, uint64(1), e.StoreOrder, "the store applied it")
	assert.Equal(t, `{"page":2}`, string(e.RequestBody))
	assert.Equal(t, "PUT progress 0 [CommitThenDrop]", e.String())
	assert.Equal(t, statedoctest.NoFault, log[1].Fault)
	assert.Zero(t, log[1].HandlerStatus)
	assert.Equal(t, map[statedoctest.FaultKind]int{statedoctest.CommitThenDrop: 1}, srv.FaultCounts())

	// With a stale If-Match the dropped write changed nothing.
	srv.AddFault(statedoctest.Fault{Kind: statedoctest.CommitThenDrop, Count: 1})
	_, err = try(t, c, srv, http.MethodPut, k, `{"page":3}`, map[string]string{"If-Match": `"stale"`})
	require.Error(t, err)
	after, _ := srv.Document(k)
	assert.Equal(t, doc.ETag, after.ETag)
	e = srv.Log()[2]
	assert.Equal(t, http.StatusPreconditionFailed, e.HandlerStatus)
	assert.Zero(t, e.Status)
}

func TestFaultDropBefore(t *testing.T) {
	srv := statedoctest.NewServer(nil)
	defer srv.Close()
	c := freshClient(t)
	k := testKey("progress")
	srv.Script(statedoctest.Script{Method: http.MethodPut, Status: http.StatusTeapot})
	srv.AddFault(statedoctest.Fault{Kind: statedoctest.DropBefore, Count: 1})

	_, err := try(t, c, srv, http.MethodPut, k, `{"page":2}`, nil)
	require.Error(t, err)
	_, ok := srv.Document(k)
	assert.False(t, ok, "the write was not applied")
	assert.Equal(t, 1, srv.PendingScripts(), "a request dropped before it is taken in consumes no script")

	log := srv.Log()
	require.Len(t, log, 1)
	e := log[0]
	assert.Equal(t, statedoctest.DropBefore, e.Fault)
	assert.Zero(t, e.Status)
	assert.Zero(t, e.HandlerStatus)
	assert.Zero(t, e.StoreOrder)
	assert.Equal(t, uint64(1), e.Arrival)
	assert.Equal(t, "progress", e.StateID)
	assert.Equal(t, `{"page":2}`, string(e.RequestBody))
	assert.Equal(t, "PUT progress 0 [DropBefore]", e.String())
	assert.Equal(t, map[statedoctest.FaultKind]int{statedoctest.DropBefore: 1}, srv.FaultCounts())

	r, err := try(t, c, srv, http.MethodPut, k, `{"page":2}`, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusTeapot, r.Status, "the script answers the next PUT")
}

func TestFaultAnswers(t *testing.T) {
	k := testKey("progress")
	const body = `{"page":2}`
	etag := statedoc.SHA1ETag([]byte(body))
	tests := []struct {
		name          string
		fault         statedoctest.Fault
		method        string
		status        int
		handlerStatus int
		retryAfter    string
		etag          string
		stored        bool
	}{
		{"server error", statedoctest.Fault{Kind: statedoctest.ServerError}, http.MethodPut, 503, 0, "", "", false},
		{"server error applied", statedoctest.Fault{Kind: statedoctest.ServerError, Status: 502, Apply: true, RetryAfter: 2 * time.Second}, http.MethodPut, 502, 204, "2", "", true},
		{"too many requests", statedoctest.Fault{Kind: statedoctest.TooManyRequests, RetryAfter: time.Second}, http.MethodPost, 429, 0, "1", "", false},
		{"conflict", statedoctest.Fault{Kind: statedoctest.Conflict}, http.MethodPut, 412, 0, "", "", false},
		{"latency", statedoctest.Fault{Kind: statedoctest.Latency, Delay: 10 * time.Millisecond}, http.MethodPut, 204, 204, "", etag, true},
		{"weak etag", statedoctest.Fault{Kind: statedoctest.WeakETag}, http.MethodPut, 204, 204, "", "W/" + etag, true},
		{"strip etag", statedoctest.Fault{Kind: statedoctest.StripETag}, http.MethodPut, 204, 204, "", "", true},
		{"204 without etag", statedoctest.Fault{Kind: statedoctest.StripWriteETag}, http.MethodPut, 204, 204, "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := statedoctest.NewServer(&statedoctest.Options{
				Faults: statedoctest.FaultPlan{Rules: []statedoctest.Fault{tt.fault}},
			})
			defer srv.Close()
			start := time.Now()
			r, err := try(t, freshClient(t), srv, tt.method, k, body, nil)
			require.NoError(t, err)
			assert.Equal(t, tt.status, r.Status)
			assert.Equal(t, tt.retryAfter, r.Header.Get("Retry-After"))
			assert.Equal(t, tt.etag, r.Header.Get("ETag"))
			_, stored := srv.Document(k)
			assert.Equal(t, tt.stored, stored)
			if tt.fault.Delay > 0 {
				assert.GreaterOrEqual(t, time.Since(start), tt.fault.Delay)
			}

			log := srv.Log()
			require.Len(t, log, 1)
			e := log[0]
			assert.Equal(t, tt.fault.Kind, e.Fault)
			assert.Equal(t, tt.status, e.Status)
			assert.Equal(t, tt.handlerStatus, e.HandlerStatus)
			assert.Equal(t, tt.etag, e.ETag(), "the log records the answer as sent")
			assert.Equal(t, tt.retryAfter, e.ResponseHeader.Get("Retry-After"))
			assert.Equal(t, r.Body, string(e.ResponseBody))
			assert.Equal(t, body, string(e.RequestBody))
			assert.Equal(t, map[statedoctest.FaultKind]int{tt.fault.Kind: 1}, srv.FaultCounts())
		})
	}
}

func TestFaultWeakETagOnRead(t *testing.T) {
	srv := statedoctest.NewServer(nil)
	defer srv.Close()
	k := testKey("progress")
	etag := srv.SetDocument(k, "application/json", []byte(`{}`))
	srv.AddFault(statedoctest.Fault{Kind: statedoctest.WeakETag, Count: 1})
	assert.Equal(t, "W/"+etag, get(t, srv, k).Header.Get("ETag"))
	assert.Equal(t, etag, get(t, srv, k).Header.Get("ETag"), "Count 1 is used up")
}

func TestResetFaults(t *testing.T) {
	srv := statedoctest.NewServer(&statedoctest.Options{
		Faults: statedoctest.FaultPlan{Rules: []statedoctest.Fault{{Kind: statedoctest.Conflict}}},
	})
	defer srv.Close()
	k := testKey("progress")
	assert.Equal(t, 412, put(t, srv, k, `{}`, nil).Status)
	assert.Equal(t, 412, put(t, srv, k, `{}`, nil).Status)
	assert.Equal(t, map[statedoctest.FaultKind]int{statedoctest.Conflict: 2}, srv.FaultCounts())
	srv.ResetFaults()
	assert.Empty(t, srv.FaultCounts())
	assert.Equal(t, 204, put(t, srv, k, `{}`, nil).Status)
	srv.AddFault(statedoctest.Fault{Kind: statedoctest.TooManyRequests})
	assert.Equal(t, 429, put(t, srv, k, `{}`, nil).Status)
}

func TestFaultRateLimit(t *testing.T) {
	srv := statedoctest.NewServer(&statedoctest.Options{
		RateLimit: statedoctest.RateLimit{Requests: 1, Per: time.Hour},
		Faults:    statedoctest.FaultPlan{Rules: []statedoctest.Fault{{Kind: statedoctest.ServerError, Count: 3}}},
	})
	defer srv.Close()
	k := testKey("progress")
	for range 3 {
		assert.Equal(t, 503, put(t, srv, k, `{}`, nil).Status)
	}
	assert.Equal(t, 204, put(t, srv, k, `{}`, nil).Status, "answers a fault gave before the server took the request in are not counted")
	assert.Equal(t, 429, put(t, srv, k, `{}`, nil).Status)
}

func TestInvalidFaults(t *testing.T) {
	assert.PanicsWithValue(t, "statedoctest: Faults: rule 0: fault: ServerError: Status 404 is not from 500 to 599", func() {
		statedoctest.NewServer(&statedoctest.Options{
			Faults: statedoctest.FaultPlan{Rules: []statedoctest.Fault{{Kind: statedoctest.ServerError, Status: 404}}},
		})
	})
	srv := statedoctest.NewServer(nil)
	defer srv.Close()
	assert.Panics(t, func() { srv.AddFault(statedoctest.Fault{}) })
	assert.Error(t, statedoctest.Fault{Kind: statedoctest.Latency, Count: -1}.Validate())
}
