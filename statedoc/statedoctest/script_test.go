package statedoctest_test

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/statedoc"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

func TestScriptStatus(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			srv := statedoctest.NewServer(&statedoctest.Options{Version: v})
			defer srv.Close()
			k := testKey("s")
			srv.Script(statedoctest.Script{Method: http.MethodPut, Status: http.StatusServiceUnavailable,
				Header: http.Header{"Retry-After": {"1"}}, Body: []byte("busy"), Times: 2})
			for range 2 {
				r := put(t, srv, k, `{"a":1}`, nil)
				assert.Equal(t, 503, r.Status)
				assert.Equal(t, "busy", r.Body)
				assert.Equal(t, "1", r.Header.Get("Retry-After"))
				assert.Equal(t, v, r.Header.Get(statedoc.HeaderVersion))
			}
			_, ok := srv.Document(k)
			assert.False(t, ok, "a scripted answer leaves the store untouched")
			assert.Equal(t, 0, srv.PendingScripts())
			assert.Equal(t, 204, put(t, srv, k, `{"a":1}`, nil).Status, "the script is used up")
			log := srv.Log()
			require.Len(t, log, 3)
			assert.True(t, log[0].Scripted)
			assert.True(t, log[1].Scripted)
			assert.False(t, log[2].Scripted)
			assert.Equal(t, `{"a":1}`, string(log[0].RequestBody))
		})
	}
}

func TestScriptMatching(t *testing.T) {
	srv := statedoctest.NewServer(nil)
	defer srv.Close()
	srv.Script(statedoctest.Script{Method: http.MethodPut, StateID: "b", Status: 500})
	srv.Script(statedoctest.Script{StateID: "a", Status: 502})
	srv.Script(statedoctest.Script{Status: 503})
	assert.Equal(t, 3, srv.PendingScripts())

	// GET a: the first script wants PUT b, so the second (any method, a) answers.
	assert.Equal(t, 502, get(t, srv, testKey("a")).Status)
	// PUT a: the first wants b; the third matches anything.
	assert.Equal(t, 503, put(t, srv, testKey("a"), `{}`, nil).Status)
	// GET b: only the PUT b script is left and does not match.
	assert.Equal(t, 404, get(t, srv, testKey("b")).Status)
	assert.Equal(t, 500, put(t, srv, testKey("b"), `{}`, nil).Status)
	assert.Equal(t, 0, srv.PendingScripts())

	// Scripts queue FIFO among equals.
	srv.Script(statedoctest.Script{Status: 501})
	srv.Script(statedoctest.Script{Status: 502})
	assert.Equal(t, 501, get(t, srv, testKey("a")).Status)
	assert.Equal(t, 502, get(t, srv, testKey("a")).Status)

	// Scripts apply before authentication and version checks.
	srv.Script(statedoctest.Script{Status: 418})
	r := send(t, srv, req{method: http.MethodGet, key: testKey("a"), header: map[string]string{statedoc.HeaderVersion: ""}})
	assert.Equal(t, 418, r.Status)
}

func TestScriptHeader(t *testing.T) {
	const body = `{"a":1}`
	etag := statedoc.SHA1ETag([]byte(body))
	tests := []struct {
		name   string
		method string
		header http.Header
		check  func(t *testing.T, r reply)
	}{
		{"no ETag on write", http.MethodPut, http.Header{"ETag": nil}, func(t *testing.T, r reply) {
			assert.Equal(t, 204, r.Status)
			assert.Empty(t, r.Header.Values("Etag"))
		}},
		{"empty slice removes", http.MethodGet, http.Header{"Etag": {}}, func(t *testing.T, r reply) {
			assert.Equal(t, 200, r.Status)
			assert.Empty(t, r.Header.Values("Etag"))
			assert.Equal(t, body, r.Body)
		}},
		{"weak ETag on read", http.MethodGet, http.Header{"ETag": {`W/` + etag}}, func(t *testing.T, r reply) {
			assert.Equal(t, `W/`+etag, r.Header.Get("ETag"))
		}},
		{"no version header", http.MethodGet, http.Header{statedoc.HeaderVersion: nil}, func(t *testing.T, r reply) {
			assert.Empty(t, r.Header.Values(statedoc.HeaderVersion))
		}},
		{"extra header", http.MethodPut, http.Header{"X-Extra": {"1", "2"}}, func(t *testing.T, r reply) {
			assert.Equal(t, []string{"1", "2"}, r.Header.Values("X-Extra"))
			assert.Equal(t, etag, r.Header.Get("ETag"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := statedoctest.NewServer(nil)
			defer srv.Close()
			k := testKey("s")
			if tt.method == http.MethodGet {
				srv.SetDocument(k, "application/json", []byte(body))
			}
			srv.Script(statedoctest.Script{Method: tt.method, Header: tt.header})
			r := send(t, srv, req{method: tt.method, key: k, body: map[bool]string{true: body}[tt.method == http.MethodPut]})
			tt.check(t, r)
			log := srv.Log()
			require.Len(t, log, 1)
			assert.False(t, log[0].Scripted, "a header-only script still handles the request")
			assert.Equal(t, r.Header.Get("ETag"), log[0].ETag())
			d, ok := srv.Document(k)
			require.True(t, ok, "the request was handled")
			assert.Equal(t, body, string(d.Body))
		})
	}
}

func TestScriptBefore(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			srv := statedoctest.NewServer(&statedoctest.Options{Version: v})
			defer srv.Close()
			k := testKey("s")
			require.Equal(t, 204, put(t, srv, k, `{"v":1}`, nil).Status)
			read := get(t, srv, k)
			require.Equal(t, 200, read.Status)

			// Another writer slips in between our read and our write.
			var theirs string
			srv.Script(statedoctest.Script{Method: http.MethodPut, Before: func() {
				theirs = srv.SetDocument(k, "application/json", []byte(`{"v":"theirs"}`))
			}})
			r := put(t, srv, k, `{"v":"ours"}`, map[string]string{"If-Match": read.Header.Get("ETag")})
			assert.Equal(t, 412, r.Status)
			d, _ := srv.Document(k)
			assert.Equal(t, `{"v":"theirs"}`, string(d.Body))
			assert.Equal(t, theirs, d.ETag)

			// The document is deleted between a read and a write.
			srv.Script(statedoctest.Script{Method: http.MethodPut, Before: func() { srv.DeleteDocument(k) }})
			r = put(t, srv, k, `{"v":"ours"}`, map[string]string{"If-Match": theirs})
			assert.Equal(t, 412, r.Status)
			_, ok := srv.Document(k)
			assert.False(t, ok)

			// Before runs for scripted answers too, and may inspect the log.
			ran := 0
			srv.Script(statedoctest.Script{Before: func() { ran = len(srv.Log()) }, Status: 500})
			assert.Equal(t, 500, get(t, srv, k).Status)
			assert.Equal(t, 4, ran)
		})
	}
}

func TestLog(t *testing.T) {
	srv := statedoctest.NewServer(&statedoctest.Options{Username: "u", Password: "p", MaxDocumentSize: 8})
	defer srv.Close()
	k := testKey("s")
	auth := map[string]string{"Authorization": "Basic dTpw"} // u:p

	put(t, srv, k, `{}`, nil) // 401
	h := map[string]string{"Authorization": "Basic dTpw", statedoc.HeaderVersion: ""}
	put(t, srv, k, `{}`, h)                                              // 400
	put(t, srv, k, `{"a":"long"}`, auth)                                 // 413
	w := put(t, srv, k, `{"a":1}`, auth)                                 // 204
	get(t, srv, k)                                                       // 401 (no credentials)
	r := send(t, srv, req{method: http.MethodGet, key: k, header: auth}) // 200
	require.Equal(t, 200, r.Status)
	ifMatch := map[string]string{"Authorization": "Basic dTpw", "If-Match": w.Header.Get("ETag"), "If-None-Match": `"x"`}
	put(t, srv, k, `{"a":2}`, ifMatch) // 204

	log := srv.Log()
	require.Len(t, log, 7)
	var got []string
	for _, e := range log {
		got = append(got, e.String())
	}
	assert.Equal(t, []string{"PUT s 401", "PUT s 400", "PUT s 413", "PUT s 204", "GET s 401", "GET s 200", "PUT s 204"}, got)

	e := log[3]
	assert.Equal(t, http.MethodPut, e.Method)
	assert.Equal(t, "/xapi/activities/state", e.Path)
	assert.Equal(t, "s", e.StateID)
	assert.Equal(t, query(t, k), e.Query)
	assert.Equal(t, `{"a":1}`, string(e.RequestBody))
	assert.Equal(t, "Basic [redacted]", e.RequestHeader.Get("Authorization"))
	assert.Equal(t, statedoc.Version103, e.RequestHeader.Get(statedoc.HeaderVersion))
	assert.Equal(t, statedoc.SHA1ETag([]byte(`{"a":1}`)), e.ETag())
	assert.Equal(t, statedoc.Version103, e.ResponseHeader.Get(statedoc.HeaderVersion))
	assert.Empty(t, e.IfMatch())

	assert.Equal(t, `{"a":1}`, string(log[5].ResponseBody))
	assert.Equal(t, "application/json", log[5].ResponseHeader.Get("Content-Type"))
	assert.Equal(t, w.Header.Get("ETag"), log[6].IfMatch())
	assert.Equal(t, `"x"`, log[6].IfNoneMatch())
	assert.Contains(t, string(log[1].ResponseBody), "missing "+statedoc.HeaderVersion)

	for i, e := range log {
		assert.Equal(t, uint64(i+1), e.Arrival)
	}
	assert.Zero(t, log[0].StoreOrder, "401: refused before the store")
	assert.Equal(t, uint64(1), log[3].StoreOrder)
	assert.Equal(t, uint64(2), log[5].StoreOrder)
	assert.Equal(t, uint64(3), log[6].StoreOrder)

	srv.ResetLog()
	assert.Empty(t, srv.Log())
	get(t, srv, k)
	require.Len(t, srv.Log(), 1)
	assert.Equal(t, uint64(8), srv.Log()[0].Arrival, "ResetLog does not restart the numbering")
}

// Log returns deep copies: changing one changes nothing in the server's
// record.
func TestLogIsACopy(t *testing.T) {
	tests := []struct {
		name   string
		change func(e *statedoctest.Exchange)
	}{
		{"Method", func(e *statedoctest.Exchange) { e.Method = "CHANGED" }},
		{"Query value", func(e *statedoctest.Exchange) { e.Query["stateId"][0] = "CHANGED" }},
		{"Query key", func(e *statedoctest.Exchange) { e.Query.Set("extra", "1") }},
		{"RequestHeader value", func(e *statedoctest.Exchange) { e.RequestHeader["If-Match"][0] = "CHANGED" }},
		{"RequestHeader key", func(e *statedoctest.Exchange) { e.RequestHeader.Del("If-Match") }},
		{"ResponseHeader value", func(e *statedoctest.Exchange) { e.ResponseHeader["Etag"][0] = "CHANGED" }},
		{"ResponseHeader key", func(e *statedoctest.Exchange) { e.ResponseHeader.Set("X-Extra", "1") }},
		{"RequestBody", func(e *statedoctest.Exchange) { e.RequestBody[0] = 'X' }},
		{"ResponseBody", func(e *statedoctest.Exchange) { e.ResponseBody[0] = 'X' }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := statedoctest.NewServer(nil)
			defer srv.Close()
			k := testKey("s")
			etag := srv.SetDocument(k, "application/json", []byte(`{"a":1}`))
			// A write with a body, answered with an ETag and a body.
			srv.Script(statedoctest.Script{Header: http.Header{"ETag": {etag}}, Status: 200, Body: []byte("reply")})
			put(t, srv, k, `{"a":2}`, map[string]string{"If-Match": etag})
			got := srv.Log()
			require.Len(t, got, 1)
			before := fmt.Sprintf("%#v", got) // a snapshot that shares nothing
			tt.change(&got[0])
			assert.Equal(t, before, fmt.Sprintf("%#v", srv.Log()))
		})
	}
}

func TestScriptBrokenStatus(t *testing.T) {
	for _, status := range []int{-1, 1, 99, 100, 103, 199, 600, 999, 1000} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			srv := statedoctest.NewServer(nil)
			defer srv.Close()
			srv.Script(statedoctest.Script{Status: status, Body: []byte("never sent"),
				Header: http.Header{"Content-Type": {"application/json"}}})
			r := get(t, srv, testKey("s"))
			assert.Equal(t, http.StatusInternalServerError, r.Status)
			assert.Contains(t, r.Body, "broken Script: Status "+strconv.Itoa(status))
			assert.Equal(t, "text/plain; charset=utf-8", r.Header.Get("Content-Type"))
			log := srv.Log()
			require.Len(t, log, 1)
			assert.True(t, log[0].Scripted)
			assert.Equal(t, http.StatusInternalServerError, log[0].Status)
			assert.Equal(t, r.Body, string(log[0].ResponseBody))
			assertLogMatchesWire(t, log[0], r)

			assert.Equal(t, 404, get(t, srv, testKey("s")).Status, "the server still works")
		})
	}
}

func TestScriptedResponseOnTheWire(t *testing.T) {
	tests := []struct {
		name     string
		method   string
		script   statedoctest.Script
		wantType string // Content-Type on the wire and in the log; "" none
		wantBody string
	}{
		{"body without Content-Type", http.MethodGet,
			statedoctest.Script{Status: 503, Body: []byte("<html>busy</html>")}, "text/plain; charset=utf-8", "<html>busy</html>"},
		{"body with Content-Type", http.MethodGet,
			statedoctest.Script{Status: 500, Body: []byte(`{"error":1}`), Header: http.Header{"content-type": {"application/json"}}}, "application/json", `{"error":1}`},
		{"body with Content-Type removed", http.MethodGet,
			statedoctest.Script{Status: 500, Body: []byte("<html>x</html>"), Header: http.Header{"Content-Type": nil}}, "", "<html>x</html>"},
		{"no body", http.MethodGet,
			statedoctest.Script{Status: 502}, "", ""},
		{"204 drops the body", http.MethodPut,
			statedoctest.Script{Status: 204, Body: []byte("dropped")}, "", ""},
		{"204 keeps a given Content-Type", http.MethodPut,
			statedoctest.Script{Status: 204, Body: []byte("dropped"), Header: http.Header{"Content-Type": {"application/json"}}}, "application/json", ""},
		{"304 drops body and Content-Type", http.MethodGet,
			statedoctest.Script{Status: 304, Body: []byte("dropped"), Header: http.Header{"Content-Type": {"application/json"}, "ETag": {`"x"`}}}, "", ""},
		{"handled answer with Content-Type removed", http.MethodGet,
			statedoctest.Script{Header: http.Header{"Content-Type": nil}}, "", "<html>stored</html>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := statedoctest.NewServer(nil)
			defer srv.Close()
			k := testKey("s")
			srv.SetDocument(k, "text/html", []byte("<html>stored</html>"))
			srv.Script(tt.script)
			r := send(t, srv, req{method: tt.method, key: k, body: map[bool]string{true: `{}`}[tt.method == http.MethodPut],
				header: map[string]string{"If-Match": "*"}})
			assert.Equal(t, tt.wantBody, r.Body)
			assert.Equal(t, tt.wantType, r.Header.Get("Content-Type"))
			log := srv.Log()
			require.Len(t, log, 1)
			assert.Equal(t, tt.wantBody, string(log[0].ResponseBody), "the log holds the body sent")
			assertLogMatchesWire(t, log[0], r)
		})
	}
}

// assertLogMatchesWire checks that the logged response is the one the
// client received, but for the Date header net/http adds.
func assertLogMatchesWire(t *testing.T, e statedoctest.Exchange, r reply) {
	t.Helper()
	wire := r.Header.Clone()
	wire.Del("Date")
	assert.Equal(t, wire, e.ResponseHeader)
	assert.Equal(t, r.Status, e.Status)
	assert.Equal(t, r.Body, string(e.ResponseBody))
}
