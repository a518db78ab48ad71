package statedoctest_test

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/statedoc"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

// altReq is a request in the alternate request syntax of xAPI 1.0.3 §1.3.
type altReq struct {
	path   string     // below srv.URL
	query  string     // the raw query; "" means method=METHOD
	method string     // the carried method
	form   url.Values // the form fields
	ctype  string     // the HTTP Content-Type; "" means the form type, "-" none
	header map[string]string
	raw    string // when set, the body as is instead of form
}

// sendAlternate posts r to srv over HTTP.
func sendAlternate(t *testing.T, srv *statedoctest.Server, r altReq) reply {
	t.Helper()
	query := r.query
	if query == "" {
		query = "method=" + r.method
	}
	body := r.form.Encode()
	if r.raw != "" {
		body = r.raw
	}
	hr, err := http.NewRequest(http.MethodPost, srv.URL+r.path+"?"+query, strings.NewReader(body))
	require.NoError(t, err)
	switch r.ctype {
	case "":
		hr.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
	case "-":
	default:
		hr.Header.Set("Content-Type", r.ctype)
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

// form returns the form of a request to the resource at path: the
// document's parameters, the version header and the given extra fields.
func form(t *testing.T, path, id string, extra ...string) url.Values {
	t.Helper()
	var q url.Values
	switch path {
	case statedoctest.StatePath:
		q = query(t, testKey(id))
	default:
		for _, pr := range profileResources {
			if pr.path == path {
				q = pr.query(t, id, false)
			}
		}
	}
	q.Set(statedoc.HeaderVersion, statedoc.Version103)
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return q
}

// TestAlternateSyntax drives each document resource through the
// alternate request syntax: every method, the header fields in the form,
// and the same answers as the standard syntax.
func TestAlternateSyntax(t *testing.T) {
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("lrs:secret"))
	for _, path := range []string{statedoctest.StatePath, statedoctest.ActivityProfilePath, statedoctest.AgentProfilePath} {
		t.Run(path, func(t *testing.T) {
			srv := statedoctest.NewServer(&statedoctest.Options{Username: "lrs", Password: "secret"})
			defer srv.Close()
			send := func(method string, extra ...string) reply {
				t.Helper()
				return sendAlternate(t, srv, altReq{path: path, method: method, form: form(t, path, "doc", append([]string{"Authorization", basic}, extra...)...)})
			}
			r := send("PUT", "content", `{"a":1,"é":"ü"}`, "Content-Type", "application/json")
			require.Equal(t, http.StatusNoContent, r.Status, r.Body)
			etag := statedoc.SHA1ETag([]byte(`{"a":1,"é":"ü"}`))
			assert.Equal(t, etag, r.Header.Get("ETag"))

			r = send("GET")
			require.Equal(t, http.StatusOK, r.Status, r.Body)
			assert.Equal(t, `{"a":1,"é":"ü"}`, r.Body)
			assert.Equal(t, etag, r.Header.Get("ETag"))
			assert.Equal(t, "application/json", r.Header.Get("Content-Type"))

			// Header fields in the form are preconditions like any other.
			r = send("put", "content", `{"a":2}`, "Content-Type", "application/json", "If-Match", `"stale"`)
			assert.Equal(t, http.StatusPreconditionFailed, r.Status, r.Body)
			r = send("PUT", "content", `{"a":2}`, "Content-Type", "application/json", "if-none-match", "*")
			assert.Equal(t, http.StatusPreconditionFailed, r.Status, r.Body)
			r = send("POST", "content", `{"b":2}`, "Content-Type", "application/json", "If-Match", etag)
			require.Equal(t, http.StatusNoContent, r.Status, r.Body)
			r = send("get")
			assert.JSONEq(t, `{"a":1,"é":"ü","b":2}`, r.Body)

			// A PUT without preconditions onto a profile: 409, as usual.
			r = send("PUT", "content", `{}`, "Content-Type", "application/json")
			if path == statedoctest.StatePath {
				assert.Equal(t, http.StatusNoContent, r.Status, r.Body)
			} else {
				assert.Equal(t, http.StatusConflict, r.Status, r.Body)
			}

			// The list of ids: the document's parameters without its id.
			f := form(t, path, "doc", "Authorization", basic)
			f.Del("stateId")
			f.Del("profileId")
			r = sendAlternate(t, srv, altReq{path: path, method: "GET", form: f})
			require.Equal(t, http.StatusOK, r.Status, r.Body)
			assert.JSONEq(t, `["doc"]`, r.Body)

			r = send("DELETE", "If-Match", `"stale"`)
			assert.Equal(t, http.StatusPreconditionFailed, r.Status, r.Body)
			r = send("DELETE")
			assert.Equal(t, http.StatusNoContent, r.Status, r.Body)
			assert.Equal(t, http.StatusNotFound, send("GET").Status)

			// Credentials in the form are checked as in the header; the
			// HTTP header's own are used when the form has none.
			r = sendAlternate(t, srv, altReq{path: path, method: "GET", form: form(t, path, "doc", "Authorization", "Basic bm86bm8=")})
			assert.Equal(t, http.StatusUnauthorized, r.Status)
			r = sendAlternate(t, srv, altReq{path: path, method: "GET", form: form(t, path, "doc"), header: map[string]string{"Authorization": basic}})
			assert.Equal(t, http.StatusNotFound, r.Status, r.Body)
			r = sendAlternate(t, srv, altReq{path: path, method: "GET", form: form(t, path, "doc")})
			assert.Equal(t, http.StatusUnauthorized, r.Status)

			// The log shows the carried request, credentials redacted.
			log := srv.Log()
			first := log[0]
			assert.True(t, first.Alternate)
			assert.Equal(t, http.MethodPut, first.Method)
			assert.Equal(t, `{"a":1,"é":"ü"}`, string(first.RequestBody))
			assert.Equal(t, "Basic [redacted]", first.RequestHeader.Get("Authorization"))
			assert.Equal(t, "application/json", first.RequestHeader.Get("Content-Type"))
			assert.Equal(t, "doc", first.StateID+first.ProfileID)
			assert.Empty(t, first.Query["method"])
			for _, e := range log {
				assert.NotContains(t, string(e.RequestBody), "secret")
				assert.NotContains(t, e.RequestHeader.Get("Authorization"), base64.StdEncoding.EncodeToString([]byte("lrs:secret")))
			}
		})
	}
}

func TestAlternateSyntaxErrors(t *testing.T) {
	valid := func(t *testing.T) url.Values {
		return form(t, statedoctest.StatePath, "doc", "content", `{}`, "Content-Type", "application/json")
	}
	tests := []struct {
		name string
		req  func(t *testing.T) altReq
		want int
		msg  string
	}{
		{"valid", func(t *testing.T) altReq { return altReq{method: "PUT", form: valid(t)} }, http.StatusNoContent, ""},
		{"without Content-Type", func(t *testing.T) altReq { return altReq{method: "PUT", form: valid(t), ctype: "-"} }, http.StatusNoContent, ""},
		{"text/plain, as XDomainRequest sends", func(t *testing.T) altReq { return altReq{method: "PUT", form: valid(t), ctype: "text/plain"} }, http.StatusNoContent, ""},
		{"parameters left in the query", func(t *testing.T) altReq {
			return altReq{query: "method=PUT&stateId=doc", form: valid(t)}
		}, http.StatusBadRequest, "send stateId as form fields"},
		{"method twice", func(t *testing.T) altReq { return altReq{query: "method=PUT&method=GET", form: valid(t)} }, http.StatusBadRequest, "method given 2 times"},
		{"unknown method", func(t *testing.T) altReq { return altReq{method: "PATCH", form: valid(t)} }, http.StatusBadRequest, `method="PATCH"`},
		{"HEAD", func(t *testing.T) altReq { return altReq{method: "HEAD", form: form(t, statedoctest.StatePath, "doc")} }, http.StatusBadRequest, "GET, PUT, POST or DELETE"},
		{"JSON body", func(t *testing.T) altReq {
			return altReq{method: "PUT", ctype: "application/json", raw: `{"stateId":"doc"}`}
		}, http.StatusBadRequest, "application/x-www-form-urlencoded"},
		{"JSON body labelled as a form", func(t *testing.T) altReq { return altReq{method: "PUT", raw: `{"stateId":"doc","content":"{}"}`} }, http.StatusBadRequest, ""},
		{"malformed form", func(t *testing.T) altReq { return altReq{method: "PUT", raw: "content=%zz"} }, http.StatusBadRequest, "malformed form"},
		{"PUT without content", func(t *testing.T) altReq {
			f := valid(t)
			f.Del("content")
			return altReq{method: "PUT", form: f}
		}, http.StatusBadRequest, "form field content"},
		{"POST without content", func(t *testing.T) altReq {
			f := valid(t)
			f.Del("content")
			return altReq{method: "POST", form: f}
		}, http.StatusBadRequest, "form field content"},
		{"GET with content", func(t *testing.T) altReq { return altReq{method: "GET", form: valid(t)} }, http.StatusBadRequest, "takes no content"},
		{"binary content", func(t *testing.T) altReq {
			f := valid(t)
			f.Set("content", "\xff\xfe")
			return altReq{method: "PUT", form: f}
		}, http.StatusBadRequest, "not UTF-8"},
		{"content twice", func(t *testing.T) altReq {
			f := valid(t)
			f.Add("content", "{}")
			return altReq{method: "PUT", form: f}
		}, http.StatusBadRequest, "content given 2 times"},
		{"header field twice", func(t *testing.T) altReq {
			f := valid(t)
			f.Set("if-match", `"a"`)
			f.Set("If-Match", `"b"`)
			return altReq{method: "PUT", form: f}
		}, http.StatusBadRequest, "If-Match given more than once"},
		{"old version in the form", func(t *testing.T) altReq {
			f := valid(t)
			f.Set(statedoc.HeaderVersion, "0.8")
			return altReq{method: "PUT", form: f}
		}, http.StatusBadRequest, statedoc.HeaderVersion},
		{"the form's version wins over the header's", func(t *testing.T) altReq {
			f := valid(t)
			f.Set(statedoc.HeaderVersion, "2.0.0")
			return altReq{method: "PUT", form: f, header: map[string]string{statedoc.HeaderVersion: "1.0.3"}}
		}, http.StatusBadRequest, `unsupported X-Experience-API-Version "2.0.0"`},
		{"the header's version without one in the form", func(t *testing.T) altReq {
			f := valid(t)
			f.Del(statedoc.HeaderVersion)
			return altReq{method: "PUT", form: f, header: map[string]string{statedoc.HeaderVersion: "1.0.3"}}
		}, http.StatusNoContent, ""},
		{"no version at all", func(t *testing.T) altReq {
			f := valid(t)
			f.Del(statedoc.HeaderVersion)
			return altReq{method: "PUT", form: f}
		}, http.StatusBadRequest, "missing X-Experience-API-Version"},
		{"Content-Transfer-Encoding is no header field here", func(t *testing.T) altReq {
			f := valid(t)
			f.Set("Content-Transfer-Encoding", "binary")
			return altReq{method: "PUT", form: f}
		}, http.StatusBadRequest, `unknown parameter "Content-Transfer-Encoding"`},
		{"unknown form field", func(t *testing.T) altReq {
			f := valid(t)
			f.Set("registrationId", reg)
			return altReq{method: "PUT", form: f}
		}, http.StatusBadRequest, `unknown parameter "registrationId"`},
		{"Content-Length in the form", func(t *testing.T) altReq {
			f := valid(t)
			f.Set("Content-Length", "2")
			return altReq{method: "PUT", form: f}
		}, http.StatusNoContent, ""},
		{"a content too large", func(t *testing.T) altReq {
			f := valid(t)
			f.Set("content", `"`+strings.Repeat("x", 2000)+`"`)
			return altReq{method: "PUT", form: f}
		}, http.StatusRequestEntityTooLarge, "limit"},
		{"a form too large", func(t *testing.T) altReq {
			f := valid(t)
			f.Set("filler", strings.Repeat("x", 70<<10))
			return altReq{method: "PUT", form: f}
		}, http.StatusRequestEntityTooLarge, "form larger"},
		{"unknown path", func(t *testing.T) altReq { return altReq{path: "/statements", method: "PUT", form: valid(t)} }, http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := statedoctest.NewServer(&statedoctest.Options{MaxDocumentSize: 1000})
			defer srv.Close()
			r := tt.req(t)
			if r.path == "" {
				r.path = statedoctest.StatePath
			}
			got := sendAlternate(t, srv, r)
			assert.Equal(t, tt.want, got.Status, got.Body)
			assert.Contains(t, got.Body, tt.msg)
			_, stored := srv.Document(testKey("doc"))
			assert.Equal(t, tt.want == http.StatusNoContent, stored)
			log := srv.Log()
			require.Len(t, log, 1)
			assert.True(t, log[0].Alternate)
		})
	}
}

// TestAlternateSyntax200 checks that a 2.0.0 server, whose standard
// removed the syntax, answers it as the unknown parameter "method" is.
func TestAlternateSyntax200(t *testing.T) {
	srv := statedoctest.NewServer(&statedoctest.Options{Version: statedoc.Version200})
	defer srv.Close()
	f := form(t, statedoctest.StatePath, "doc", "content", `{}`, statedoc.HeaderVersion, "2.0.0")
	r := sendAlternate(t, srv, altReq{path: statedoctest.StatePath, method: "PUT", form: f, header: map[string]string{statedoc.HeaderVersion: "2.0.0"}})
	assert.Equal(t, http.StatusBadRequest, r.Status)
	assert.Contains(t, r.Body, `unknown parameter "method"`)
	assert.False(t, srv.Log()[0].Alternate)
}

// TestAlternateSyntaxWithFaults checks that a request a fault answers
// before the server takes it in is logged as the request it carries,
// without the form's credentials.
func TestAlternateSyntaxWithFaults(t *testing.T) {
	srv := statedoctest.NewServer(&statedoctest.Options{Faults: statedoctest.FaultPlan{Rules: []statedoctest.Fault{{Kind: statedoctest.ServerError, Count: 1}}}})
	defer srv.Close()
	f := form(t, statedoctest.StatePath, "doc", "content", `{"a":1}`, "Authorization", "Basic c2VjcmV0OnNlY3JldA==")
	r := sendAlternate(t, srv, altReq{path: statedoctest.StatePath, method: "PUT", form: f})
	assert.Equal(t, http.StatusServiceUnavailable, r.Status)
	e := srv.Log()[0]
	assert.True(t, e.Alternate)
	assert.Equal(t, http.MethodPut, e.Method)
	assert.Equal(t, `{"a":1}`, string(e.RequestBody))
	assert.Equal(t, "Basic [redacted]", e.RequestHeader.Get("Authorization"))
	assert.Equal(t, statedoctest.ServerError, e.Fault)
}

// FuzzAlternateSyntax checks that no form, query or content type makes
// the server panic or answer 5xx.
func FuzzAlternateSyntax(f *testing.F) {
	agent := `{"objectType":"Agent","mbox":"mailto:ada@example.com"}`
	f.Add("method=PUT", "application/x-www-form-urlencoded", "activityId=https%3A%2F%2Fexample.com%2Fa&agent="+url.QueryEscape(agent)+"&stateId=s&content=%7B%7D&X-Experience-API-Version=1.0.3&Content-Type=application%2Fjson")
	f.Add("method=get", "", "activityId=https%3A%2F%2Fexample.com%2Fa&profileId=p&X-Experience-API-Version=1.0")
	f.Add("method=POST&x=1", "text/plain", "content=%ff&If-Match=*&if-match=x")
	f.Add("method=DELETE", "application/x-www-form-urlencoded; charset=", "agent=%7B&profileId=&Authorization=Basic%20%25")
	f.Add("method=PUT;x", "multipart/form-data", "a=1&a=2&content=&content=")
	srv := statedoctest.NewUnstartedServer(&statedoctest.Options{Username: "u", Password: "p", MaxDocumentSize: 256})
	h := srv.Handler()
	paths := []string{"/xapi" + statedoctest.StatePath, "/xapi" + statedoctest.ActivityProfilePath, "/xapi" + statedoctest.AgentProfilePath, "/xapi/about"}
	f.Fuzz(func(t *testing.T, query, ctype, body string) {
		for _, path := range paths {
			r := httptest.NewRequest(http.MethodPost, "http://lrs.test"+path, bytes.NewBufferString(body))
			r.URL.RawQuery = query
			if ctype != "" {
				r.Header.Set("Content-Type", ctype)
			}
			r.SetBasicAuth("u", "p")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code >= 500 {
				t.Fatalf("POST %s?%s (%q) %q: %d %s", path, query, ctype, body, w.Code, w.Body)
			}
		}
		srv.ResetLog()
	})
}
