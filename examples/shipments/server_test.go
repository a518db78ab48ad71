package main

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// updatedAt returns the time a version of the shipments API encodes.
func updatedAt(t *testing.T, version string) string {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(version)
	require.NoError(t, err)
	return string(b)
}

// send makes one request to h and returns the status, header and body of
// the answer.
func send(t *testing.T, h http.Handler, method, path string, header map[string]string, body string) (int, http.Header, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	b, err := io.ReadAll(rec.Result().Body)
	require.NoError(t, err)
	return rec.Code, rec.Result().Header, string(b)
}

// TestServer checks the rules of the shipments API on a shipment created
// at 2020-12-01T18:56:13.369174Z, the time behind the version of the
// article the API is modelled on.
func TestServer(t *testing.T) {
	const (
		created = "2020-12-01T18:56:13.369174Z"
		v1      = "MjAyMC0xMi0wMVQxODo1NjoxMy4zNjkxNzRa" // created, in base64
		stale   = "MjAyMC0xMS0zMFQwMDowMDowMC4wMDAwMDBa"
	)
	merge := func(ifMatch string) map[string]string {
		h := map[string]string{"Content-Type": mergePatchType}
		if ifMatch != "" {
			h["If-Match"] = ifMatch
		}
		return h
	}
	tests := []struct {
		name         string
		method, path string
		header       map[string]string
		body         string
		status       int
		want         string // the shipment answered, with its version, when status is 200 or 201
		wantHeader   map[string]string
	}{
		{"read", http.MethodGet, "/shipments/1", nil, "", 200,
			`{"id":"1","status":"booked","updatedAt":"` + created + `","eTag":"` + v1 + `"}`, nil},
		{"read an unknown id", http.MethodGet, "/shipments/9", nil, "", 404, "", nil},
		{"merge patch with the current version", http.MethodPatch, "/shipments/1", merge(v1), `{"status":"packed","eTag":"forged","id":"7"}`, 200,
			`{"id":"1","status":"packed","updatedAt":"2020-12-01T18:56:13.369175Z","eTag":"MjAyMC0xMi0wMVQxODo1NjoxMy4zNjkxNzVa"}`, nil},
		{"JSON Patch with the current version", http.MethodPatch, "/shipments/1",
			map[string]string{"Content-Type": jsonPatchType, "If-Match": v1}, `[{"op":"add","path":"/trackingNumber","value":"1Z"}]`, 200,
			`{"id":"1","status":"booked","trackingNumber":"1Z","updatedAt":"2020-12-01T18:56:13.369175Z","eTag":"MjAyMC0xMi0wMVQxODo1NjoxMy4zNjkxNzVa"}`, nil},
		{"stale version", http.MethodPatch, "/shipments/1", merge(stale), `{"status":"packed"}`, 412, "", nil},
		{"quoted version", http.MethodPatch, "/shipments/1", merge(`"` + v1 + `"`), `{"status":"packed"}`, 412, "", nil},
		{"no If-Match", http.MethodPatch, "/shipments/1", merge(""), `{"status":"packed"}`, 428, "", nil},
		{"other content type", http.MethodPatch, "/shipments/1", map[string]string{"Content-Type": "application/json", "If-Match": v1}, `{"status":"packed"}`, 415, "",
			map[string]string{"Accept-Patch": mergePatchType + ", " + jsonPatchType}},
		{"unknown id", http.MethodPatch, "/shipments/9", merge(v1), `{"status":"packed"}`, 404, "", nil},
		{"merge patch that is not JSON", http.MethodPatch, "/shipments/1", merge(v1), `{"status":`, 400, "", nil},
		{"JSON Patch that is not one", http.MethodPatch, "/shipments/1", map[string]string{"Content-Type": jsonPatchType, "If-Match": v1}, `{"op":"add"}`, 400, "", nil},
		{"JSON Patch that cannot apply", http.MethodPatch, "/shipments/1",
			map[string]string{"Content-Type": jsonPatchType, "If-Match": v1}, `[{"op":"remove","path":"/missing"}]`, 422, "", nil},
		{"merge patch that leaves no object", http.MethodPatch, "/shipments/1", merge(v1), `["a"]`, 422, "", nil},
		{"create", http.MethodPost, "/shipments", map[string]string{"Content-Type": "application/json"}, `{"status":"new","eTag":"mine"}`, 201,
			`{"id":"2","status":"new","updatedAt":"2020-12-01T18:56:13.369175Z","eTag":"MjAyMC0xMi0wMVQxODo1NjoxMy4zNjkxNzVa"}`,
			map[string]string{"Location": "/shipments/2"}},
		{"create from another content type", http.MethodPost, "/shipments", map[string]string{"Content-Type": "text/plain"}, `{}`, 415, "", nil},
		{"create from something else than an object", http.MethodPost, "/shipments", map[string]string{"Content-Type": "application/json"}, `[]`, 400, "", nil},
		{"PUT", http.MethodPut, "/shipments/1", map[string]string{"Content-Type": "application/json", "If-Match": v1}, `{}`, 405, "",
			map[string]string{"Allow": "GET, HEAD, PATCH"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock, err := time.Parse(time.RFC3339Nano, created)
			require.NoError(t, err)
			// The clock stands still: each write still gets a later time.
			h := newServer(func() time.Time { return clock }).handler()
			status, _, _ := send(t, h, http.MethodPost, "/shipments", map[string]string{"Content-Type": "application/json; charset=utf-8"}, `{"status":"booked"}`)
			require.Equal(t, http.StatusCreated, status)

			status, header, body := send(t, h, tt.method, tt.path, tt.header, tt.body)
			assert.Equal(t, tt.status, status, body)
			for k, v := range tt.wantHeader {
				assert.Equal(t, v, header.Get(k), k)
			}
			assert.Empty(t, header.Get("ETag"), "the version is in the body only")
			if tt.want != "" {
				assert.Equal(t, jsonType, header.Get("Content-Type"))
				assert.JSONEq(t, tt.want, body)
			}

			// A refused write leaves the shipment as it was.
			_, _, after := send(t, h, http.MethodGet, "/shipments/1", nil, "")
			var doc map[string]any
			require.NoError(t, json.Unmarshal([]byte(after), &doc))
			if tt.status >= 400 {
				assert.Equal(t, v1, doc["eTag"])
				assert.Equal(t, "booked", doc["status"])
			}
		})
	}
}
