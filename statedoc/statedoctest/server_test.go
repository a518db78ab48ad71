package statedoctest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/statedoc"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

func TestVersionHeader(t *testing.T) {
	tests := []struct {
		server, sent string
		want         int
	}{
		{statedoc.Version103, "1.0.3", http.StatusNotFound},
		{statedoc.Version103, "1.0", http.StatusNotFound},
		{statedoc.Version103, "1.0.1", http.StatusNotFound},
		{statedoc.Version103, "1.0.3-rc1", http.StatusNotFound},
		{statedoc.Version103, "1.0.", http.StatusBadRequest},
		{statedoc.Version103, "", http.StatusBadRequest},
		{statedoc.Version103, "2.0.0", http.StatusBadRequest},
		{statedoc.Version103, "1.1.0", http.StatusBadRequest},
		{statedoc.Version200, "2.0.0", http.StatusNotFound},
		{statedoc.Version200, "2.0", http.StatusNotFound},
		{statedoc.Version200, "2.0.0-rc1", http.StatusNotFound},
		{statedoc.Version200, "2.1.0", http.StatusBadRequest},
		{statedoc.Version200, "1.0.3", http.StatusBadRequest},
		{statedoc.Version200, "", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.server+"/"+tt.sent, func(t *testing.T) {
			srv := statedoctest.NewServer(&statedoctest.Options{Version: tt.server})
			defer srv.Close()
			// A GET of an absent document: 404 when the version is accepted.
			r := send(t, srv, req{method: http.MethodGet, key: testKey("s"),
				header: map[string]string{statedoc.HeaderVersion: tt.sent}})
			assert.Equal(t, tt.want, r.Status, r.Body)
			assert.Equal(t, tt.server, r.Header.Get(statedoc.HeaderVersion))
			if tt.want == http.StatusBadRequest {
				assert.Contains(t, r.Body, statedoc.HeaderVersion)
			}
		})
	}
}

func TestParameters(t *testing.T) {
	agentJSON, err := ada.QueryValue()
	require.NoError(t, err)
	base := func(extra ...string) url.Values {
		q := url.Values{"activityId": {"https://example.com/a"}, "agent": {agentJSON}}
		for i := 0; i+1 < len(extra); i += 2 {
			if extra[i+1] == "\x00" {
				delete(q, extra[i])
				continue
			}
			q.Add(extra[i], extra[i+1])
		}
		return q
	}
	tests := []struct {
		name    string
		method  string
		query   url.Values
		want    int
		message string
	}{
		{"list ok", http.MethodGet, base(), http.StatusOK, ""},
		{"single ok", http.MethodPut, base("stateId", "s"), http.StatusNoContent, ""},
		{"registration ok", http.MethodPut, base("stateId", "s", "registration", reg), http.StatusNoContent, ""},
		{"wrong case activityID", http.MethodGet, base("activityId", "\x00", "activityID", "https://example.com/a"), http.StatusBadRequest, `unknown parameter "activityID"`},
		{"wrong case stateID", http.MethodGet, base("stateID", "s"), http.StatusBadRequest, `unknown parameter "stateID"`},
		{"unknown parameter", http.MethodGet, base("stateId", "s", "_", "123"), http.StatusBadRequest, `unknown parameter "_"`},
		// In 1.0.3 mode these are the alternate request syntax with
		// parameters left in the query (see alternate_test.go); 2.0
		// removed the syntax, so "method" is an unknown parameter.
		{"alternate syntax", http.MethodPost, base("stateId", "s", "method", "PUT"), http.StatusBadRequest, `method`},
		{"alternate syntax without stateId", http.MethodPost, base("method", "GET"), http.StatusBadRequest, `method`},
		{"method on PUT", http.MethodPut, base("stateId", "s", "method", "PUT"), http.StatusBadRequest, `unknown parameter "method"`},
		{"since on PUT", http.MethodPut, base("stateId", "s", "since", "2024-01-01T00:00:00Z"), http.StatusBadRequest, "since is not allowed on PUT"},
		{"missing activityId", http.MethodGet, base("activityId", "\x00"), http.StatusBadRequest, "missing required parameter activityId"},
		{"missing agent", http.MethodGet, base("agent", "\x00"), http.StatusBadRequest, "missing required parameter agent"},
		{"missing stateId on PUT", http.MethodPut, base(), http.StatusBadRequest, "missing required parameter stateId"},
		{"missing stateId on POST", http.MethodPost, base(), http.StatusBadRequest, "missing required parameter stateId"},
		{"empty stateId", http.MethodGet, base("stateId", ""), http.StatusBadRequest, "stateId must not be empty"},
		{"duplicate stateId", http.MethodGet, base("stateId", "a", "stateId", "b"), http.StatusBadRequest, "given 2 times"},
		{"relative activity", http.MethodGet, base("activityId", "\x00", "activityId", "course"), http.StatusBadRequest, "invalid activityId"},
		{"agent not JSON", http.MethodGet, base("agent", "\x00", "agent", "mailto:ada@example.com"), http.StatusBadRequest, "invalid agent: not JSON"},
		{"agent two IFIs", http.MethodGet, base("agent", "\x00", "agent", `{"mbox":"mailto:a@b.c","openid":"https://x"}`), http.StatusBadRequest, "exactly one"},
		{"agent group", http.MethodGet, base("agent", "\x00", "agent", `{"objectType":"Group","member":[]}`), http.StatusBadRequest, "takes an Agent"},
		{"agent bad mbox", http.MethodGet, base("agent", "\x00", "agent", `{"mbox":"ada@example.com"}`), http.StatusBadRequest, "mailto:"},
		{"bad registration", http.MethodGet, base("registration", "42"), http.StatusBadRequest, "invalid registration"},
		{"empty registration", http.MethodGet, base("registration", ""), http.StatusBadRequest, "invalid registration"},
		{"bad since", http.MethodGet, base("since", "yesterday"), http.StatusBadRequest, "ISO 8601"},
		{"method not allowed", http.MethodPatch, base("stateId", "s"), http.StatusMethodNotAllowed, "PATCH"},
	}
	for _, v := range versions {
		for _, tt := range tests {
			t.Run(v+"/"+tt.name, func(t *testing.T) {
				srv := statedoctest.NewServer(&statedoctest.Options{Version: v})
				defer srv.Close()
				body := ""
				if tt.method == http.MethodPut || tt.method == http.MethodPost {
					body = `{"a":1}`
				}
				r := send(t, srv, req{method: tt.method, query: tt.query, body: body})
				assert.Equal(t, tt.want, r.Status, r.Body)
				assert.Contains(t, r.Body, tt.message)
				assert.Equal(t, v, r.Header.Get(statedoc.HeaderVersion))
			})
		}
	}
}

func TestOtherPaths(t *testing.T) {
	srv := statedoctest.NewServer(nil)
	defer srv.Close()
	for _, path := range []string{"/xapi/activities/state/", "/xapi/activities/profiles", "/xapi/agents", "/xapi/statements", "/", "/activities/state"} {
		t.Run(path, func(t *testing.T) {
			r := sendRaw(t, srv, http.MethodGet, strings.TrimSuffix(srv.URL, "/xapi")+path, req{})
			assert.Equal(t, http.StatusNotFound, r.Status)
			assert.Equal(t, statedoc.Version103, r.Header.Get(statedoc.HeaderVersion))
		})
	}
}

func TestPutGetHead(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			clock := newClock(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))
			srv := statedoctest.NewServer(&statedoctest.Options{Version: v, Now: clock.Now})
			defer srv.Close()
			k := testKey("progress")

			r := get(t, srv, k)
			assert.Equal(t, http.StatusNotFound, r.Status)

			body := `{"page":3}`
			r = put(t, srv, k, body, nil)
			require.Equal(t, http.StatusNoContent, r.Status, r.Body)
			assert.Equal(t, statedoc.SHA1ETag([]byte(body)), r.Header.Get("ETag"))
			assert.Empty(t, r.Body)

			r = get(t, srv, k)
			require.Equal(t, http.StatusOK, r.Status)
			assert.Equal(t, body, r.Body)
			assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
			assert.Equal(t, statedoc.SHA1ETag([]byte(body)), r.Header.Get("ETag"))
			assert.Equal(t, "Sat, 01 Mar 2025 12:00:00 GMT", r.Header.Get("Last-Modified"))

			// Any content type is stored and returned as given.
			r = send(t, srv, req{method: http.MethodPut, key: testKey("notes"), body: "plain words", ctype: "text/plain; charset=utf-8"})
			require.Equal(t, http.StatusNoContent, r.Status, r.Body)
			r = get(t, srv, testKey("notes"))
			assert.Equal(t, "plain words", r.Body)
			assert.Equal(t, "text/plain; charset=utf-8", r.Header.Get("Content-Type"))

			// A PUT replaces (with If-Match, accepted in both modes), and
			// Last-Modified follows the clock of the latest write.
			clock.Set(time.Date(2025, 3, 2, 8, 30, 15, 0, time.UTC))
			r = put(t, srv, k, `{"done":true}`, map[string]string{"If-Match": statedoc.SHA1ETag([]byte(body))})
			require.Equal(t, http.StatusNoContent, r.Status, r.Body)
			r = get(t, srv, k)
			assert.Equal(t, `{"done":true}`, r.Body)
			assert.Equal(t, "Sun, 02 Mar 2025 08:30:15 GMT", r.Header.Get("Last-Modified"))
			clock.Set(time.Date(2025, 3, 3, 0, 0, 0, 0, time.FixedZone("UTC+2", 2*3600)))
			r = send(t, srv, req{method: http.MethodPost, key: k, body: `{"page":4}`})
			require.Equal(t, http.StatusNoContent, r.Status, r.Body)
			assert.Equal(t, "Sun, 02 Mar 2025 22:00:00 GMT", get(t, srv, k).Header.Get("Last-Modified"), "in GMT whatever the clock's zone")
		})
	}
}

// HEAD answers like GET without a body: on the wire and in the log.
func TestHead(t *testing.T) {
	const body = `{"page":3}`
	tests := []struct {
		name    string
		stateID string // "" lists the context
		status  int
		length  string
	}{
		{"document", "progress", http.StatusOK, "10"},
		{"list", "", http.StatusOK, "12"}, // ["progress"]
		{"absent document", "absent", http.StatusNotFound, ""},
	}
	for _, v := range versions {
		for _, tt := range tests {
			t.Run(v+"/"+tt.name, func(t *testing.T) {
				srv := statedoctest.NewServer(&statedoctest.Options{Version: v})
				defer srv.Close()
				etag := srv.SetDocument(testKey("progress"), "application/json", []byte(body))

				status, header, wire := rawRequest(t, srv, http.MethodHead, query(t, testKey(tt.stateID)))
				assert.Equal(t, tt.status, status)
				assert.Empty(t, wire, "HEAD sends no body")
				if tt.length != "" {
					assert.Equal(t, tt.length, header.Get("Content-Length"))
				}
				if tt.stateID == "progress" {
					assert.Equal(t, etag, header.Get("ETag"))
				}

				log := srv.Log()
				require.Len(t, log, 1)
				assert.Equal(t, http.MethodHead, log[0].Method)
				assert.Equal(t, tt.status, log[0].Status)
				assert.Empty(t, log[0].ResponseBody, "the log records no body for HEAD")
				assert.Equal(t, header.Get("Content-Length"), log[0].ResponseHeader.Get("Content-Length"))

				// GET of the same resource does send the body.
				_, _, wire = rawRequest(t, srv, http.MethodGet, query(t, testKey(tt.stateID)))
				assert.NotEmpty(t, wire)
				assert.Equal(t, wire, string(srv.Log()[1].ResponseBody))
			})
		}
	}
}

func TestOmitWriteETag(t *testing.T) {
	srv := statedoctest.NewServer(&statedoctest.Options{OmitWriteETag: true})
	defer srv.Close()
	r := put(t, srv, testKey("s"), `{"a":1}`, nil)
	require.Equal(t, http.StatusNoContent, r.Status)
	assert.Empty(t, r.Header.Values("ETag"))
	r = send(t, srv, req{method: http.MethodPost, key: testKey("s"), body: `{"b":2}`})
	require.Equal(t, http.StatusNoContent, r.Status)
	assert.Empty(t, r.Header.Values("ETag"))
	r = get(t, srv, testKey("s"))
	assert.Equal(t, statedoc.SHA1ETag([]byte(`{"a":1,"b":2}`)), r.Header.Get("ETag"))
}

func TestCustomETag(t *testing.T) {
	var mu sync.Mutex
	n := 0
	srv := statedoctest.NewServer(&statedoctest.Options{Version: statedoc.Version200, ETag: func([]byte) string {
		mu.Lock()
		defer mu.Unlock()
		n++
		return fmt.Sprintf(`"rev-%d"`, n)
	}})
	defer srv.Close()
	r := put(t, srv, testKey("s"), `{"a":1}`, nil)
	assert.Equal(t, `"rev-1"`, r.Header.Get("ETag"))
	r = put(t, srv, testKey("s"), `{"a":1}`, map[string]string{"If-Match": `"rev-1"`})
	assert.Equal(t, `"rev-2"`, r.Header.Get("ETag"))
	assert.Equal(t, `"rev-2"`, get(t, srv, testKey("s")).Header.Get("ETag"))
}

func TestPostMerge(t *testing.T) {
	tests := []struct {
		name         string
		stored       string // "" = absent
		storedType   string
		posted       string
		postedType   string
		want         int
		wantDoc      string
		wantDocType  string
		errorMessage string
	}{
		{name: "absent stores like PUT", posted: `{"a":1}`, want: 204, wantDoc: `{"a":1}`},
		{name: "absent non-JSON stores like PUT", posted: `hello`, postedType: "text/plain", want: 204, wantDoc: `hello`, wantDocType: "text/plain"},
		{name: "adds and replaces top level", stored: `{"a":1,"b":{"x":1,"y":2}}`, posted: `{"b":{"z":3},"c":[1,2]}`,
			want: 204, wantDoc: `{"a":1,"b":{"z":3},"c":[1,2]}`},
		{name: "keeps number text", stored: `{"n":1.50}`, posted: ` { "m" : 1e3 } `, want: 204, wantDoc: `{"n":1.50,"m":1e3}`},
		{name: "null is a value", stored: `{"a":1}`, posted: `{"a":null}`, want: 204, wantDoc: `{"a":null}`},
		{name: "charset parameter", stored: `{"a":1}`, storedType: "application/json; charset=utf-8", posted: `{"b":2}`,
			postedType: "Application/JSON; charset=UTF-8", want: 204, wantDoc: `{"a":1,"b":2}`, wantDocType: "application/json; charset=utf-8"},
		{name: "posted not JSON type", stored: `{"a":1}`, posted: `{"b":2}`, postedType: "text/plain", want: 400, errorMessage: "text/plain"},
		{name: "stored not JSON type", stored: `{"a":1}`, storedType: "text/plain", posted: `{"b":2}`, want: 400, errorMessage: "stored one"},
		{name: "posted not an object", stored: `{"a":1}`, posted: `[1]`, want: 400, errorMessage: "not a JSON object"},
		{name: "posted not JSON", stored: `{"a":1}`, posted: `{"b":`, want: 400, errorMessage: "not a JSON object"},
		{name: "posted trailing data", stored: `{"a":1}`, posted: `{"b":1}{}`, want: 400, errorMessage: "not a JSON object"},
		{name: "posted duplicate member", stored: `{"a":1}`, posted: `{"b":1,"b":2}`, want: 400, errorMessage: "more than once"},
		{name: "stored not an object", stored: `"text"`, posted: `{"b":2}`, want: 400, errorMessage: "stored document"},
		{name: "names are not HTML-escaped", stored: `{"x":1}`, posted: `{"a<b":1,"c&d":"<>"}`, want: 204, wantDoc: `{"x":1,"a<b":1,"c&d":"<>"}`},
		{name: "replaced name keeps its stored text", stored: `{"a<b":0,"\u0063":0}`, posted: `{"a\u003cb":1,"c":2}`, want: 204, wantDoc: `{"a<b":1,"\u0063":2}`},
		{name: "names keep their escapes", stored: `{"x":1}`, posted: "{\"\\u2028\":1, \"\u00e9\\n\" :2}", want: 204, wantDoc: "{\"x\":1,\"\\u2028\":1,\"\u00e9\\n\":2}"},
	}
	for _, v := range versions {
		for _, tt := range tests {
			t.Run(v+"/"+tt.name, func(t *testing.T) {
				srv := statedoctest.NewServer(&statedoctest.Options{Version: v})
				defer srv.Close()
				k := testKey("s")
				if tt.stored != "" {
					ct := tt.storedType
					if ct == "" {
						ct = "application/json"
					}
					srv.SetDocument(k, ct, []byte(tt.stored))
				}
				before, _ := srv.Document(k)
				r := send(t, srv, req{method: http.MethodPost, key: k, body: tt.posted, ctype: tt.postedType})
				assert.Equal(t, tt.want, r.Status, r.Body)
				assert.Contains(t, r.Body, tt.errorMessage)
				d, ok := srv.Document(k)
				if tt.want != 204 {
					assert.Equal(t, before, d, "a failed POST must not change the document")
					return
				}
				require.True(t, ok)
				assert.Equal(t, tt.wantDoc, string(d.Body))
				wantType := tt.wantDocType
				if wantType == "" {
					wantType = "application/json"
				}
				assert.Equal(t, wantType, d.ContentType)
				assert.Equal(t, d.ETag, r.Header.Get("ETag"))
			})
		}
	}
}

func TestPreconditions(t *testing.T) {
	const stored = `{"v":1}`
	current := statedoc.SHA1ETag([]byte(stored))
	tests := []preconditionCase{
		{"PUT If-Match current", true, "PUT", map[string]string{"If-Match": current}, 204, 204},
		{"PUT If-Match in list", true, "PUT", map[string]string{"If-Match": `"abc", ` + current}, 204, 204},
		{"PUT If-Match star", true, "PUT", map[string]string{"If-Match": "*"}, 204, 204},
		{"PUT If-Match stale", true, "PUT", map[string]string{"If-Match": `"stale"`}, 412, 412},
		{"PUT If-Match weak", true, "PUT", map[string]string{"If-Match": "W/" + current}, 412, 412},
		{"PUT If-Match unquoted", true, "PUT", map[string]string{"If-Match": strings.Trim(current, `"`)}, 412, 412},
		{"PUT If-Match uppercased", true, "PUT", map[string]string{"If-Match": strings.ToUpper(current)}, 412, 412},
		{"PUT If-Match absent doc", false, "PUT", map[string]string{"If-Match": current}, 412, 412},
		{"PUT If-Match star absent doc", false, "PUT", map[string]string{"If-Match": "*"}, 412, 412},
		{"PUT If-None-Match star absent", false, "PUT", map[string]string{"If-None-Match": "*"}, 204, 204},
		{"PUT If-None-Match star existing", true, "PUT", map[string]string{"If-None-Match": "*"}, 412, 412},
		{"PUT If-None-Match other tag", true, "PUT", map[string]string{"If-None-Match": `"other"`}, 204, 204},
		{"PUT If-None-Match current weak", true, "PUT", map[string]string{"If-None-Match": "W/" + current}, 412, 412},
		{"PUT both, If-Match fails first", true, "PUT", map[string]string{"If-Match": `"stale"`, "If-None-Match": `"other"`}, 412, 412},
		{"PUT no headers absent", false, "PUT", nil, 204, 204},
		{"PUT no headers existing", true, "PUT", nil, 204, 409},
		{"POST If-Match current", true, "POST", map[string]string{"If-Match": current}, 204, 204},
		{"POST If-Match stale", true, "POST", map[string]string{"If-Match": `"stale"`}, 412, 412},
		{"POST If-Match absent", false, "POST", map[string]string{"If-Match": current}, 412, 412},
		{"POST If-None-Match star existing", true, "POST", map[string]string{"If-None-Match": "*"}, 412, 412},
		{"POST no headers existing", true, "POST", nil, 204, 204},
		{"DELETE If-Match current", true, "DELETE", map[string]string{"If-Match": current}, 204, 204},
		{"DELETE If-Match stale", true, "DELETE", map[string]string{"If-Match": `"stale"`}, 412, 412},
		{"DELETE If-Match absent", false, "DELETE", map[string]string{"If-Match": current}, 412, 412},
		{"DELETE If-None-Match star existing", true, "DELETE", map[string]string{"If-None-Match": "*"}, 412, 412},
		{"DELETE no headers absent", false, "DELETE", nil, 204, 204},
		{"DELETE no headers existing", true, "DELETE", nil, 204, 204},
		{"GET If-None-Match current", true, "GET", map[string]string{"If-None-Match": current}, 304, 304},
		{"GET If-None-Match other", true, "GET", map[string]string{"If-None-Match": `"other"`}, 200, 200},
		{"GET If-Match stale", true, "GET", map[string]string{"If-Match": `"stale"`}, 412, 412},
		{"GET If-Match absent", false, "GET", map[string]string{"If-Match": current}, 404, 404},
	}
	runPreconditionCases(t, tests, nil, "")
}

func TestMultipleIfMatchLines(t *testing.T) {
	srv := statedoctest.NewServer(nil)
	defer srv.Close()
	etag := srv.SetDocument(testKey("s"), "application/json", []byte(`{}`))
	hr, err := http.NewRequest(http.MethodPut, srv.URL+"/activities/state?"+query(t, testKey("s")).Encode(), strings.NewReader(`{"a":1}`))
	require.NoError(t, err)
	hr.Header.Set(statedoc.HeaderVersion, "1.0.3")
	hr.Header.Add("If-Match", `"one"`)
	hr.Header.Add("If-Match", etag)
	resp, err := srv.Client().Do(hr)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	assert.Equal(t, `"one", `+etag, srv.Log()[0].IfMatch())
}

func TestIdentity(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			srv := statedoctest.NewServer(&statedoctest.Options{Version: v})
			defer srv.Close()
			k := testKey("s")
			require.Equal(t, 204, put(t, srv, k, `{"who":"plain"}`, nil).Status)

			// The same agent spelled differently addresses the same document.
			q := query(t, k)
			q.Set("agent", `{"mbox":"mailto:ada@example.com","name":"Ada Lovelace","objectType":"Agent"}`)
			r := send(t, srv, req{method: http.MethodGet, query: q})
			assert.Equal(t, `{"who":"plain"}`, r.Body)

			// A registration is a different context, omitted or not.
			withReg := k
			withReg.Registration = reg
			assert.Equal(t, 404, get(t, srv, withReg).Status)
			require.Equal(t, 204, put(t, srv, withReg, `{"who":"reg"}`, nil).Status)
			assert.Equal(t, `{"who":"reg"}`, get(t, srv, withReg).Body)
			assert.Equal(t, `{"who":"plain"}`, get(t, srv, k).Body)

			// Another agent or activity sees nothing.
			other := k
			other.Agent = statedoc.Agent{Mbox: "mailto:bob@example.com"}
			assert.Equal(t, 404, get(t, srv, other).Status)
			other = k
			other.ActivityID = "https://example.com/course/2"
			assert.Equal(t, 404, get(t, srv, other).Status)
			other = k
			other.StateID = "S"
			assert.Equal(t, 404, get(t, srv, other).Status, "stateIds are case-sensitive")
		})
	}
}

func TestAuth(t *testing.T) {
	tests := []struct {
		name       string
		user, pass string
		set        bool
		want       int
	}{
		{"none", "", "", false, 401},
		{"wrong password", "lrs", "nope", true, 401},
		{"wrong user", "LRS", "secret", true, 401},
		{"right", "lrs", "secret", true, 404},
	}
	for _, v := range versions {
		for _, tt := range tests {
			t.Run(v+"/"+tt.name, func(t *testing.T) {
				srv := statedoctest.NewServer(&statedoctest.Options{Version: v, Username: "lrs", Password: "secret"})
				defer srv.Close()
				u := srv.URL + "/activities/state?" + query(t, testKey("s")).Encode()
				hr, err := http.NewRequest(http.MethodGet, u, nil)
				require.NoError(t, err)
				hr.Header.Set(statedoc.HeaderVersion, v)
				if tt.set {
					hr.SetBasicAuth(tt.user, tt.pass)
				}
				resp, err := srv.Client().Do(hr)
				require.NoError(t, err)
				resp.Body.Close()
				assert.Equal(t, tt.want, resp.StatusCode)
				assert.Equal(t, v, resp.Header.Get(statedoc.HeaderVersion))
				if tt.want == 401 {
					assert.Equal(t, `Basic realm="xAPI"`, resp.Header.Get("WWW-Authenticate"))
				}
				log := srv.Log()
				require.Len(t, log, 1)
				if tt.set {
					assert.Equal(t, "Basic [redacted]", log[0].RequestHeader.Get("Authorization"))
				}
			})
		}
	}
}

func TestSizeLimit(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			srv := statedoctest.NewServer(&statedoctest.Options{Version: v, MaxDocumentSize: 16})
			defer srv.Close()
			k := testKey("s")
			exact := `{"a":"12345678"}` // 16 bytes
			require.Len(t, exact, 16)
			assert.Equal(t, 204, put(t, srv, k, exact, nil).Status)
			tooBig := `{"a":"123456789"}`
			r := put(t, srv, k, tooBig, map[string]string{"If-Match": "*"})
			assert.Equal(t, 413, r.Status)
			assert.Contains(t, r.Body, "16-byte limit")
			r = send(t, srv, req{method: http.MethodPost, key: k, body: tooBig})
			assert.Equal(t, 413, r.Status)
			r = put(t, srv, testKey("new"), tooBig, nil)
			assert.Equal(t, 413, r.Status)
			d, ok := srv.Document(k)
			require.True(t, ok)
			assert.Equal(t, exact, string(d.Body))
			_, ok = srv.Document(testKey("new"))
			assert.False(t, ok)
		})
	}
}

func TestDefaultSizeLimit(t *testing.T) {
	srv := statedoctest.NewServer(nil)
	defer srv.Close()
	big := strings.Repeat("x", statedoctest.DefaultMaxDocumentSize)
	assert.Equal(t, 204, send(t, srv, req{method: http.MethodPut, key: testKey("s"), body: big, ctype: "text/plain"}).Status)
	assert.Equal(t, 413, send(t, srv, req{method: http.MethodPut, key: testKey("s"), body: big + "x", ctype: "text/plain"}).Status)
}

func TestNewServerRejectsUnknownVersion(t *testing.T) {
	assert.PanicsWithValue(t, `statedoctest: unsupported xAPI version "1.0" (want "1.0.3" or "2.0.0")`, func() {
		statedoctest.NewServer(&statedoctest.Options{Version: "1.0"})
	})
}

func TestDirectAccess(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	srv := statedoctest.NewServer(&statedoctest.Options{Now: func() time.Time { return now }})
	defer srv.Close()
	k := testKey("s")
	_, ok := srv.Document(k)
	assert.False(t, ok)
	etag := srv.SetDocument(k, "application/json", []byte(`{"a":1}`))
	assert.Equal(t, statedoc.SHA1ETag([]byte(`{"a":1}`)), etag)
	d, ok := srv.Document(k)
	require.True(t, ok)
	assert.Equal(t, statedoctest.Document{Body: []byte(`{"a":1}`), ContentType: "application/json", ETag: etag, Updated: now}, d)
	d.Body[0] = 'X'
	d2, _ := srv.Document(k)
	assert.Equal(t, `{"a":1}`, string(d2.Body), "Document returns a copy")

	r := get(t, srv, k)
	assert.Equal(t, etag, r.Header.Get("ETag"))

	srv.DeleteDocument(k)
	_, ok = srv.Document(k)
	assert.False(t, ok)
	assert.Equal(t, 404, get(t, srv, k).Status)

	assert.Empty(t, srv.SetDocument(statedoc.Key{StateID: "s"}, "text/plain", nil), "an invalid key stores nothing")
	_, ok = srv.Document(statedoc.Key{StateID: "s"})
	assert.False(t, ok)
	assert.Equal(t, srv.URL+"/activities/state", srv.StateURL())
	assert.True(t, strings.HasPrefix(srv.URL, "http://127.0.0.1:"))
	assert.True(t, strings.HasSuffix(srv.URL, "/xapi"))
}

func TestSizeLimitLargeBody(t *testing.T) {
	srv := statedoctest.NewServer(&statedoctest.Options{MaxDocumentSize: 1024})
	defer srv.Close()
	big := strings.Repeat("x", 4<<20)
	for range 3 {
		r := send(t, srv, req{method: http.MethodPut, key: testKey("s"), body: big, ctype: "text/plain"})
		assert.Equal(t, http.StatusRequestEntityTooLarge, r.Status)
	}
	assert.Equal(t, 204, put(t, srv, testKey("s"), `{}`, nil).Status)
	assert.Len(t, srv.Log()[0].RequestBody, 1025)
}

// looseQuery encodes k the way a careless client might: the agent as
// json.Marshal writes it and the registration as given, without the
// canonicalisation of statedoc.Key.Query.
func looseQuery(t *testing.T, k statedoc.Key) url.Values {
	t.Helper()
	agent, err := json.Marshal(k.Agent)
	require.NoError(t, err)
	q := url.Values{"activityId": {k.ActivityID}, "agent": {string(agent)}}
	if k.Registration != "" {
		q.Set("registration", k.Registration)
	}
	if k.StateID != "" {
		q.Set("stateId", k.StateID)
	}
	return q
}

// Two spellings of one agent or registration are one document: the
// client encodes them to the same bytes (statedoc.Key.Query), and the
// server canonicalises whatever spelling reaches it.
func TestCanonicalSpellings(t *testing.T) {
	const sha = "0123456789abcdef0123456789abcdef01234567"
	tests := []struct {
		name string
		a, b statedoc.Key
	}{
		{"mbox_sha1sum case",
			statedoc.Key{ActivityID: "https://example.com/a", Agent: statedoc.Agent{MboxSHA1Sum: strings.ToUpper(sha)}, StateID: "s"},
			statedoc.Key{ActivityID: "https://example.com/a", Agent: statedoc.Agent{MboxSHA1Sum: sha}, StateID: "s"}},
		{"mbox_sha1sum mixed case",
			statedoc.Key{ActivityID: "https://example.com/a", Agent: statedoc.Agent{ObjectType: "Agent", MboxSHA1Sum: "0123456789ABCDEF0123456789abcdef01234567"}, StateID: "s"},
			statedoc.Key{ActivityID: "https://example.com/a", Agent: statedoc.Agent{Name: "Ada", MboxSHA1Sum: sha}, StateID: "s"}},
		{"registration case",
			statedoc.Key{ActivityID: "https://example.com/a", Agent: ada, Registration: strings.ToUpper(reg), StateID: "s"},
			statedoc.Key{ActivityID: "https://example.com/a", Agent: ada, Registration: reg, StateID: "s"}},
		{"name and objectType",
			statedoc.Key{ActivityID: "https://example.com/a", Agent: statedoc.Agent{Name: "Ada Lovelace", ObjectType: "Agent", Mbox: ada.Mbox}, StateID: "s"},
			statedoc.Key{ActivityID: "https://example.com/a", Agent: ada, StateID: "s"}},
	}
	for _, v := range versions {
		for _, tt := range tests {
			t.Run(v+"/"+tt.name, func(t *testing.T) {
				qa, err := tt.a.Query()
				require.NoError(t, err)
				qb, err := tt.b.Query()
				require.NoError(t, err)
				assert.Equal(t, qb.Encode(), qa.Encode(), "the client sends the same bytes")

				srv := statedoctest.NewServer(&statedoctest.Options{Version: v})
				defer srv.Close()
				loose := looseQuery(t, tt.a)
				require.NotEqual(t, qb.Encode(), loose.Encode(), "the test sends a different spelling")
				require.Equal(t, 204, send(t, srv, req{method: http.MethodPut, query: loose, body: `{"n":1}`}).Status)

				r := send(t, srv, req{method: http.MethodGet, query: looseQuery(t, tt.b)})
				assert.Equal(t, 200, r.Status)
				assert.Equal(t, `{"n":1}`, r.Body)
				d, ok := srv.Document(tt.b)
				require.True(t, ok)
				assert.Equal(t, `{"n":1}`, string(d.Body))

				// Still one document: a create in the other spelling fails.
				r = send(t, srv, req{method: http.MethodPut, key: tt.b, body: `{"n":2}`, header: map[string]string{"If-None-Match": "*"}})
				assert.Equal(t, 412, r.Status)
				ctx := looseQuery(t, tt.b)
				ctx.Del("stateId")
				assert.Equal(t, `["s"]`, send(t, srv, req{method: http.MethodGet, query: ctx}).Body)
			})
		}
	}
}
