package etagtest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/ifmatch/ifmatch/client/etagtest"
)

// FuzzRequest sends arbitrary writes and reads to servers in several
// configurations: none may answer 5xx or fail to answer.
func FuzzRequest(f *testing.F) {
	f.Add(uint8(0), "application/json", `"v1"`, "", `{"a":1}`)
	f.Add(uint8(1), "application/merge-patch+json", `W/"v1", "v2"`, "*", `{"a":null,"b":[1,{"c":2}]}`)
	f.Add(uint8(1), "application/json-patch+json", `v1`, `"v1"`, `[{"op":"move","from":"/a","path":"/a/b"}]`)
	f.Add(uint8(1), "application/json-patch+json", `*`, ``, `[{"op":"copy","from":"","path":"/x"},{"op":"test","path":"/x/eTag","value":"v1"}]`)
	f.Add(uint8(2), "", `"`, `W/`, ``)
	f.Add(uint8(3), "text/plain", `,,"v1`, `"*"`, `[1,2,3]`)
	f.Add(uint8(4), "application/json", ``, ``, `{"_rev":{"x":1},"eTag":[]}`)
	f.Add(uint8(0), "application/json", ``, ``, `{"meta":{"rev":null}}`)

	methods := []string{http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodGet, http.MethodPost, http.MethodHead}
	servers := []*etagtest.Server{
		etagtest.NewServer(&etagtest.Options{Collections: []string{"/"}}),
		etagtest.NewServer(&etagtest.Options{ETag: etagtest.Unquoted, VersionField: "/meta/rev", Gzip: true, Collections: []string{"/"}}),
		etagtest.NewServer(etagtest.CouchDB()),
		etagtest.NewServer(&etagtest.Options{ETag: etagtest.WeakAfterWrite, VersionField: "/eTag", Preconditions: etagtest.CheckThenWrite, RequirePrecondition: true}),
	}
	defer func() {
		for _, srv := range servers {
			srv.Close()
		}
	}()
	f.Fuzz(func(t *testing.T, m uint8, contentType, ifMatch, ifNoneMatch, body string) {
		for _, srv := range servers {
			srv.Put("/doc", []byte(`{"a":{"b":1},"eTag":"x","_rev":"y"}`))
			for _, path := range []string{"/doc", "/"} {
				hr, err := http.NewRequest(methods[int(m)%len(methods)], srv.URL+path, strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				for name, value := range map[string]string{"Content-Type": contentType, "If-Match": ifMatch, "If-None-Match": ifNoneMatch} {
					if value != "" {
						hr.Header.Set(name, value)
					}
				}
				resp, err := srv.Client().Do(hr)
				if err != nil {
					if strings.Contains(err.Error(), "invalid header field") {
						return // the client refuses to send such a value
					}
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode >= 500 {
					t.Fatalf("%s %s answered %d", hr.Method, path, resp.StatusCode)
				}
			}
		}
	})
}
