package etagtest_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/client/etagtest"
)

const (
	mergePatch = "application/merge-patch+json"
	jsonPatch  = "application/json-patch+json"
)

func TestPatch(t *testing.T) {
	tests := []struct {
		name     string
		opts     etagtest.Options
		stored   string // "" stores nothing
		ctype    string
		patch    string
		header   map[string]string
		want     int
		wantBody string // the stored body afterwards; "" means unchanged
	}{
		{
			name: "merge patch", stored: `{"a":1,"b":{"c":2,"d":3}}`, ctype: mergePatch,
			patch: `{"a":5,"b":{"c":null},"e":[1]}`, want: 204, wantBody: `{"a":5,"b":{"d":3},"e":[1]}`,
		},
		{
			name: "merge patch escapes HTML characters", stored: `{"a":"<b>"}`, ctype: mergePatch,
			patch: `{"c":"&"}`, want: 204, wantBody: `{"a":"\u003cb\u003e","c":"\u0026"}`,
		},
		{
			name: "merge patch with parameters", stored: `{"a":1}`, ctype: mergePatch + "; charset=utf-8",
			patch: `{"a":2}`, want: 204, wantBody: `{"a":2}`,
		},
		{
			name: "merge patch replacing the document", stored: `{"a":1}`, ctype: mergePatch,
			patch: `[1,2]`, want: 204, wantBody: `[1,2]`,
		},
		{
			name: "JSON Patch", stored: `{"a":1,"list":[1,2]}`, ctype: jsonPatch,
			patch: `[{"op":"replace","path":"/a","value":"<x>"},{"op":"add","path":"/list/-","value":3},{"op":"remove","path":"/list/0"}]`,
			want:  204, wantBody: `{"a":"<x>","list":[2,3]}`,
		},
		{
			name: "JSON Patch test passes", stored: `{"a":1}`, ctype: jsonPatch,
			patch: `[{"op":"test","path":"/a","value":1},{"op":"replace","path":"/a","value":2}]`, want: 204, wantBody: `{"a":2}`,
		},
		{
			name: "JSON Patch test fails", stored: `{"a":1}`, ctype: jsonPatch,
			patch: `[{"op":"test","path":"/a","value":2},{"op":"replace","path":"/a","value":3}]`, want: 409,
		},
		{
			name: "JSON Patch on a missing path", stored: `{"a":1}`, ctype: jsonPatch,
			patch: `[{"op":"remove","path":"/nope"}]`, want: 422,
		},
		{
			name: "JSON Patch copying beyond the size limit", stored: `{"a":{"s":"0123456789"}}`, ctype: jsonPatch,
			patch: doublingPatch(60),
			want:  422,
		},
		{name: "JSON Patch not an array", stored: `{"a":1}`, ctype: jsonPatch, patch: `{"op":"remove","path":"/a"}`, want: 400},
		{name: "JSON Patch unknown op", stored: `{"a":1}`, ctype: jsonPatch, patch: `[{"op":"frob","path":"/a"}]`, want: 400},
		{name: "JSON Patch not JSON", stored: `{"a":1}`, ctype: jsonPatch, patch: `[{`, want: 400},
		{name: "merge patch not JSON", stored: `{"a":1}`, ctype: mergePatch, patch: `{"a":`, want: 400},
		{name: "plain JSON", stored: `{"a":1}`, ctype: "application/json", patch: `{"a":2}`, want: 415},
		{name: "no content type", stored: `{"a":1}`, ctype: "-", patch: `{"a":2}`, want: 415},
		{name: "missing document", ctype: mergePatch, patch: `{"a":2}`, want: 404},
		{name: "stored document not JSON", stored: `not json`, ctype: mergePatch, patch: `{"a":2}`, want: 422},
		{name: "stored document not JSON, JSON Patch", stored: `not json`, ctype: jsonPatch, patch: `[]`, want: 422},
		{name: "stale If-Match", stored: `{"a":1}`, ctype: mergePatch, patch: `{"a":2}`, header: ifMatch(`"v0"`), want: 412},
		{name: "matching If-Match", stored: `{"a":1}`, ctype: mergePatch, patch: `{"a":2}`, header: ifMatch(`"v1"`), want: 204, wantBody: `{"a":2}`},
		{
			name: "version field rewritten", opts: etagtest.Options{VersionField: "/eTag"}, stored: `{"a":1}`, ctype: mergePatch,
			patch: `{"a":2,"eTag":"mine"}`, want: 204, wantBody: `{"a":2,"eTag":"v2"}`,
		},
		{
			name: "version field removed by the patch comes back", opts: etagtest.Options{VersionField: "/eTag"}, stored: `{"a":1}`, ctype: jsonPatch,
			patch: `[{"op":"remove","path":"/eTag"}]`, want: 204, wantBody: `{"a":1,"eTag":"v2"}`,
		},
		{
			name: "JSON Patch test on the version field", opts: etagtest.Options{VersionField: "/eTag"}, stored: `{"a":1}`, ctype: jsonPatch,
			patch: `[{"op":"test","path":"/eTag","value":"v0"}]`, want: 409,
		},
		{
			name: "result cannot hold the version field", opts: etagtest.Options{VersionField: "/eTag"}, stored: `{"a":1}`, ctype: mergePatch,
			patch: `[1]`, want: 422,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := etagtest.NewServer(&tt.opts)
			defer srv.Close()
			if tt.stored != "" {
				srv.Put("/doc", []byte(tt.stored))
			}
			before, _, _ := srv.Get("/doc")
			r := req{method: http.MethodPatch, path: "/doc", body: tt.patch, ctype: tt.ctype, header: tt.header}
			if tt.ctype == "-" {
				r.ctype = ""
				r.header = map[string]string{"Content-Type": ""}
			}
			got := send(t, srv, r)
			require.Equal(t, tt.want, got.Status, got.Body)
			after, tag, _ := srv.Get("/doc")
			if tt.wantBody == "" {
				assert.Equal(t, string(before), string(after), "unchanged")
			} else {
				assert.Equal(t, tt.wantBody, string(after))
				assert.Equal(t, tag, got.Header.Get("ETag"), "the answer carries the new ETag")
				assert.Equal(t, "application/json", get(t, srv, "/doc", nil).Header.Get("Content-Type"), "the Content-Type stays")
			}
			if tt.want == http.StatusUnsupportedMediaType {
				assert.Equal(t, mergePatch+", "+jsonPatch, got.Header.Get("Accept-Patch"))
			}
		})
	}
}

// doublingPatch returns a JSON Patch of n copies, each of the object at
// "/a" into a new member of itself, so that each doubles its size.
func doublingPatch(n int) string {
	ops := make([]string, n)
	for i := range ops {
		ops[i] = fmt.Sprintf(`{"op":"copy","from":"/a","path":"/a/c%d"}`, i)
	}
	return "[" + strings.Join(ops, ",") + "]"
}

func TestDeeplyNestedJSON(t *testing.T) {
	srv := etagtest.NewServer(&etagtest.Options{VersionField: "/v"})
	defer srv.Close()
	srv.Put("/doc", []byte(`{"a":1}`))
	deepArrays := `{"a":` + strings.Repeat("[", 200000) + strings.Repeat("]", 200000) + `}`
	deepObjects := `{"a":` + strings.Repeat(`{"a":`, 100000) + "1" + strings.Repeat("}", 100000) + `}`
	for _, b := range []string{deepArrays, deepObjects} {
		assert.Equal(t, http.StatusBadRequest, put(t, srv, "/x", b, nil).Status)
		assert.Equal(t, http.StatusBadRequest, send(t, srv, req{method: http.MethodPatch, path: "/doc", body: b, ctype: mergePatch}).Status)
		assert.Equal(t, http.StatusBadRequest, send(t, srv, req{method: http.MethodPatch, path: "/doc", body: `[{"op":"add","path":"/b","value":` + b + `}]`, ctype: jsonPatch}).Status)
	}
	body, _, _ := srv.Get("/doc")
	assert.Equal(t, `{"a":1,"v":"v1"}`, string(body))
}
