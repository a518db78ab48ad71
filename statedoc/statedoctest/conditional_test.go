package statedoctest_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/statedoc"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

// preconditionCase is one request on a single document holding {"v":1}
// (or on its absence), and the status each version mode answers.
type preconditionCase struct {
	name    string
	exists  bool
	method  string
	header  map[string]string
	want103 int
	want200 int
}

// runPreconditionCases sends each case to a fresh server in both version
// modes and checks the answer and the document: a 304 carries the ETag
// alone and no body; a 200 the ETag, the Last-Modified lm (when given) and,
// for GET, the document; a 412 or 409 explains itself and changes nothing
// (a 409 names If-Match); a 204 deletes, or stores the sent {"v":2}. now,
// when not nil, is the server's clock.
func runPreconditionCases(t *testing.T, tests []preconditionCase, now func() time.Time, lm string) {
	t.Helper()
	const stored = `{"v":1}`
	current := statedoc.SHA1ETag([]byte(stored))
	for _, v := range versions {
		for _, tt := range tests {
			t.Run(v+"/"+tt.name, func(t *testing.T) {
				srv := statedoctest.NewServer(&statedoctest.Options{Version: v, Now: now})
				defer srv.Close()
				k := testKey("s")
				if tt.exists {
					require.Equal(t, current, srv.SetDocument(k, "application/json", []byte(stored)))
				}
				before, existed := srv.Document(k)
				body := ""
				if tt.method == "PUT" || tt.method == "POST" {
					body = `{"v":2}`
				}
				r := send(t, srv, req{method: tt.method, key: k, header: tt.header, body: body})
				want := tt.want103
				if v == statedoc.Version200 {
					want = tt.want200
				}
				assert.Equal(t, want, r.Status, r.Body)
				after, exists := srv.Document(k)
				switch want {
				case 304:
					assert.Equal(t, current, r.Header.Get("ETag"), "a 304 identifies the representation")
					assert.Empty(t, r.Header.Values("Last-Modified"), "the ETag is enough (RFC 9110 §15.4.5)")
					assert.Empty(t, r.Body)
				case 200:
					assert.Equal(t, current, r.Header.Get("ETag"))
					if lm != "" {
						assert.Equal(t, lm, r.Header.Get("Last-Modified"))
					}
					if tt.method == "GET" {
						assert.Equal(t, stored, r.Body)
					}
				case 412, 409:
					assert.NotEmpty(t, r.Body, "a 412 or 409 explains itself")
					assert.Equal(t, existed, exists)
					assert.Equal(t, before, after, "a failed precondition must not change the document")
				case 204:
					if tt.method == "DELETE" {
						assert.False(t, exists)
					} else {
						require.True(t, exists)
						assert.NotEqual(t, before.Body, after.Body)
						assert.JSONEq(t, `{"v":2}`, string(after.Body))
					}
				}
				if want == 409 {
					assert.Contains(t, r.Body, "If-Match")
				}
			})
		}
	}
}

// httpDate formats t as an IMF-fixdate, the form Last-Modified takes.
func httpDate(t time.Time) string { return t.UTC().Format(http.TimeFormat) }

// Preconditions on a single document, in the order of RFC 9110 §13.2.2.
// The document is written at a time with a fraction of a second, so every
// date the client echoes is compared at whole seconds.
func TestConditionalDocument(t *testing.T) {
	const stored = `{"v":1}`
	current := statedoc.SHA1ETag([]byte(stored))
	written := time.Date(2025, 3, 1, 12, 0, 0, 700_000_000, time.UTC)
	lm := httpDate(written) // Sat, 01 Mar 2025 12:00:00 GMT
	older := httpDate(written.Add(-time.Second))
	later := httpDate(written.Add(time.Second))
	tests := []preconditionCase{
		// If-None-Match on reads: 304 with the ETag.
		{"GET If-None-Match star", true, "GET", map[string]string{"If-None-Match": "*"}, 304, 304},
		{"HEAD If-None-Match star", true, "HEAD", map[string]string{"If-None-Match": "*"}, 304, 304},
		{"GET If-None-Match current", true, "GET", map[string]string{"If-None-Match": current}, 304, 304},
		{"GET If-None-Match other tag", true, "GET", map[string]string{"If-None-Match": `"other"`}, 200, 200},
		{"GET If-None-Match star absent", false, "GET", map[string]string{"If-None-Match": "*"}, 404, 404},

		// If-Modified-Since: GET and HEAD only.
		{"GET If-Modified-Since equal", true, "GET", map[string]string{"If-Modified-Since": lm}, 304, 304},
		{"HEAD If-Modified-Since equal", true, "HEAD", map[string]string{"If-Modified-Since": lm}, 304, 304},
		{"GET If-Modified-Since later", true, "GET", map[string]string{"If-Modified-Since": later}, 304, 304},
		{"GET If-Modified-Since older", true, "GET", map[string]string{"If-Modified-Since": older}, 200, 200},
		{"GET If-Modified-Since RFC 850 form", true, "GET", map[string]string{"If-Modified-Since": "Saturday, 01-Mar-25 12:00:00 GMT"}, 304, 304},
		{"GET If-Modified-Since asctime form", true, "GET", map[string]string{"If-Modified-Since": "Sat Mar  1 12:00:00 2025"}, 304, 304},
		{"GET If-Modified-Since invalid", true, "GET", map[string]string{"If-Modified-Since": "yesterday"}, 200, 200},
		{"GET If-Modified-Since list of dates", true, "GET", map[string]string{"If-Modified-Since": lm + ", " + lm}, 200, 200},
		{"GET If-Modified-Since absent", false, "GET", map[string]string{"If-Modified-Since": lm}, 404, 404},
		{"GET If-None-Match other tag ignores If-Modified-Since", true, "GET", map[string]string{"If-None-Match": `"other"`, "If-Modified-Since": lm}, 200, 200},
		{"GET If-None-Match star decides over If-Modified-Since", true, "GET", map[string]string{"If-None-Match": "*", "If-Modified-Since": older}, 304, 304},
		{"PUT If-Modified-Since ignored", true, "PUT", map[string]string{"If-Modified-Since": lm, "If-Match": current}, 204, 204},
		{"DELETE If-Modified-Since ignored", true, "DELETE", map[string]string{"If-Modified-Since": lm}, 204, 204},

		// If-Unmodified-Since: any method, when the document has a date.
		{"PUT If-Unmodified-Since older", true, "PUT", map[string]string{"If-Unmodified-Since": older}, 412, 409},
		{"PUT If-Unmodified-Since older with If-None-Match", true, "PUT", map[string]string{"If-Unmodified-Since": older, "If-None-Match": `"other"`}, 412, 412},
		{"PUT If-Unmodified-Since equal", true, "PUT", map[string]string{"If-Unmodified-Since": lm}, 204, 409},
		{"PUT If-Unmodified-Since equal with If-None-Match", true, "PUT", map[string]string{"If-Unmodified-Since": lm, "If-None-Match": `"other"`}, 204, 204},
		{"PUT If-Unmodified-Since later", true, "PUT", map[string]string{"If-Unmodified-Since": later}, 204, 409},
		{"PUT If-Unmodified-Since invalid", true, "PUT", map[string]string{"If-Unmodified-Since": "2025-03-01T00:00:00Z", "If-None-Match": `"other"`}, 204, 204},
		{"PUT If-Unmodified-Since absent document", false, "PUT", map[string]string{"If-Unmodified-Since": older}, 204, 204},
		{"POST If-Unmodified-Since older", true, "POST", map[string]string{"If-Unmodified-Since": older}, 412, 412},
		{"POST If-Unmodified-Since equal", true, "POST", map[string]string{"If-Unmodified-Since": lm}, 204, 204},
		{"DELETE If-Unmodified-Since older", true, "DELETE", map[string]string{"If-Unmodified-Since": older}, 412, 412},
		{"DELETE If-Unmodified-Since equal", true, "DELETE", map[string]string{"If-Unmodified-Since": lm}, 204, 204},
		{"DELETE If-Unmodified-Since absent document", false, "DELETE", map[string]string{"If-Unmodified-Since": older}, 204, 204},
		{"GET If-Unmodified-Since older", true, "GET", map[string]string{"If-Unmodified-Since": older}, 412, 412},
		{"GET If-Unmodified-Since equal", true, "GET", map[string]string{"If-Unmodified-Since": lm}, 200, 200},

		// If-Match decides; If-Unmodified-Since is then ignored.
		{"PUT If-Match current, If-Unmodified-Since older", true, "PUT", map[string]string{"If-Match": current, "If-Unmodified-Since": older}, 204, 204},
		{"PUT If-Match stale, If-Unmodified-Since later", true, "PUT", map[string]string{"If-Match": `"stale"`, "If-Unmodified-Since": later}, 412, 412},
		{"DELETE If-Match current, If-Unmodified-Since older", true, "DELETE", map[string]string{"If-Match": current, "If-Unmodified-Since": older}, 204, 204},
		{"GET If-Match current, If-Unmodified-Since older", true, "GET", map[string]string{"If-Match": current, "If-Unmodified-Since": older}, 200, 200},

		// If-Match passes, then If-None-Match fails.
		{"GET If-Match current, If-None-Match star", true, "GET", map[string]string{"If-Match": current, "If-None-Match": "*"}, 304, 304},
		{"PUT If-Unmodified-Since equal, If-None-Match star", true, "PUT", map[string]string{"If-Unmodified-Since": lm, "If-None-Match": "*"}, 412, 412},
	}
	runPreconditionCases(t, tests, func() time.Time { return written }, lm)
}

// A client that echoes the Last-Modified it was given matches, however
// finely the server's clock stored the write.
func TestLastModifiedEcho(t *testing.T) {
	base := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		now  func() time.Time // nil: the system clock
	}{
		{"whole second", func() time.Time { return base }},
		{"one nanosecond past", func() time.Time { return base.Add(time.Nanosecond) }},
		{"half a second past", func() time.Time { return base.Add(500 * time.Millisecond) }},
		{"last nanosecond of the second", func() time.Time { return base.Add(time.Second - time.Nanosecond) }},
		{"system clock", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := statedoctest.NewServer(&statedoctest.Options{Now: tt.now})
			defer srv.Close()
			k := testKey("s")
			require.Equal(t, 204, put(t, srv, k, `{"v":1}`, nil).Status)
			r := get(t, srv, k)
			require.Equal(t, 200, r.Status)
			lm := r.Header.Get("Last-Modified")
			require.NotEmpty(t, lm)

			r = send(t, srv, req{method: http.MethodGet, key: k, header: map[string]string{"If-Modified-Since": lm}})
			assert.Equal(t, 304, r.Status, "If-Modified-Since: the echoed Last-Modified")
			r = send(t, srv, req{method: http.MethodHead, key: k, header: map[string]string{"If-Modified-Since": lm}})
			assert.Equal(t, 304, r.Status, "HEAD If-Modified-Since: the echoed Last-Modified")

			r = put(t, srv, k, `{"v":2}`, map[string]string{"If-Unmodified-Since": lm})
			assert.Equal(t, 204, r.Status, "If-Unmodified-Since: the echoed Last-Modified; %s", r.Body)
			d, ok := srv.Document(k)
			require.True(t, ok)
			assert.Equal(t, `{"v":2}`, string(d.Body))
		})
	}
}

// listValidators returns the ETag and Last-Modified of the id list of k.
func listValidators(t *testing.T, srv *statedoctest.Server, k statedoc.Key) (etag, lastModified string) {
	t.Helper()
	r := get(t, srv, k)
	require.Equal(t, http.StatusOK, r.Status, r.Body)
	return r.Header.Get("ETag"), r.Header.Get("Last-Modified")
}

// The id list (a request without stateId) is a resource that always has a
// current representation, with an ETag and, once a document was written,
// a Last-Modified; DELETE without stateId is evaluated against it.
func TestConditionalList(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 250_000_000, time.UTC)
	nothing := statedoc.Key{ActivityID: "https://example.com/nothing", Agent: ada}
	const (
		theList   = "list"  // the context of testKey, every registration
		oneReg    = "reg"   // the same context, registration reg only
		emptyList = "empty" // a context without documents, ever
	)
	tests := []struct {
		name   string
		method string
		list   string
		header func(etag, lm, older string) map[string]string
		want   int
	}{
		{"GET If-None-Match star", "GET", theList, func(_, _, _ string) map[string]string { return map[string]string{"If-None-Match": "*"} }, 304},
		{"HEAD If-None-Match star", "HEAD", theList, func(_, _, _ string) map[string]string { return map[string]string{"If-None-Match": "*"} }, 304},
		{"GET If-None-Match star with registration", "GET", oneReg, func(_, _, _ string) map[string]string { return map[string]string{"If-None-Match": "*"} }, 304},
		{"GET If-None-Match star on an empty list", "GET", emptyList, func(_, _, _ string) map[string]string { return map[string]string{"If-None-Match": "*"} }, 304},
		{"GET If-None-Match current", "GET", theList, func(e, _, _ string) map[string]string { return map[string]string{"If-None-Match": e} }, 304},
		{"GET If-None-Match current weak", "GET", theList, func(e, _, _ string) map[string]string { return map[string]string{"If-None-Match": "W/" + e} }, 304},
		{"GET If-None-Match other tag", "GET", theList, func(_, _, _ string) map[string]string { return map[string]string{"If-None-Match": `"other"`} }, 200},
		{"GET If-Match star", "GET", theList, func(_, _, _ string) map[string]string { return map[string]string{"If-Match": "*"} }, 200},
		{"GET If-Match current", "GET", theList, func(e, _, _ string) map[string]string { return map[string]string{"If-Match": e} }, 200},
		{"GET If-Match other tag", "GET", theList, func(_, _, _ string) map[string]string { return map[string]string{"If-Match": `"other"`} }, 412},
		{"GET If-Modified-Since equal", "GET", theList, func(_, lm, _ string) map[string]string { return map[string]string{"If-Modified-Since": lm} }, 304},
		{"HEAD If-Modified-Since equal", "HEAD", theList, func(_, lm, _ string) map[string]string { return map[string]string{"If-Modified-Since": lm} }, 304},
		{"GET If-Modified-Since older", "GET", theList, func(_, _, o string) map[string]string { return map[string]string{"If-Modified-Since": o} }, 200},
		{"GET If-Modified-Since on a list without date", "GET", emptyList, func(_, _, o string) map[string]string { return map[string]string{"If-Modified-Since": o} }, 200},
		{"GET If-None-Match other tag ignores If-Modified-Since", "GET", theList, func(_, lm, _ string) map[string]string {
			return map[string]string{"If-None-Match": `"other"`, "If-Modified-Since": lm}
		}, 200},
		{"GET If-Unmodified-Since older", "GET", theList, func(_, _, o string) map[string]string { return map[string]string{"If-Unmodified-Since": o} }, 412},
		{"GET If-Match star, If-Unmodified-Since older", "GET", theList, func(_, _, o string) map[string]string {
			return map[string]string{"If-Match": "*", "If-Unmodified-Since": o}
		}, 200},

		{"DELETE If-Match star", "DELETE", theList, func(_, _, _ string) map[string]string { return map[string]string{"If-Match": "*"} }, 204},
		{"DELETE If-Match current", "DELETE", theList, func(e, _, _ string) map[string]string { return map[string]string{"If-Match": e} }, 204},
		{"DELETE If-Match current with registration", "DELETE", oneReg, func(e, _, _ string) map[string]string { return map[string]string{"If-Match": e} }, 204},
		{"DELETE If-Match other tag", "DELETE", theList, func(_, _, _ string) map[string]string { return map[string]string{"If-Match": `"other"`} }, 412},
		{"DELETE If-Match weak", "DELETE", theList, func(e, _, _ string) map[string]string { return map[string]string{"If-Match": "W/" + e} }, 412},
		{"DELETE If-None-Match star", "DELETE", theList, func(_, _, _ string) map[string]string { return map[string]string{"If-None-Match": "*"} }, 412},
		{"DELETE If-None-Match star on an empty list", "DELETE", emptyList, func(_, _, _ string) map[string]string { return map[string]string{"If-None-Match": "*"} }, 412},
		{"DELETE If-None-Match current", "DELETE", theList, func(e, _, _ string) map[string]string { return map[string]string{"If-None-Match": e} }, 412},
		{"DELETE If-None-Match other tag", "DELETE", theList, func(_, _, _ string) map[string]string { return map[string]string{"If-None-Match": `"other"`} }, 204},
		{"DELETE If-Unmodified-Since older", "DELETE", theList, func(_, _, o string) map[string]string { return map[string]string{"If-Unmodified-Since": o} }, 412},
		{"DELETE If-Unmodified-Since equal", "DELETE", theList, func(_, lm, _ string) map[string]string { return map[string]string{"If-Unmodified-Since": lm} }, 204},
		{"DELETE If-Modified-Since ignored", "DELETE", theList, func(_, lm, _ string) map[string]string { return map[string]string{"If-Modified-Since": lm} }, 204},
	}
	for _, v := range versions {
		for _, tt := range tests {
			t.Run(v+"/"+tt.name, func(t *testing.T) {
				clock := newClock(t0)
				clock.step = time.Second
				srv := statedoctest.NewServer(&statedoctest.Options{Version: v, Now: clock.Now})
				defer srv.Close()
				all := map[string]statedoc.Key{"a": testKey("a"), "b@reg": regKey("b", reg)}
				srv.SetDocument(all["a"], "application/json", []byte(`{}`))     // t0+1s
				srv.SetDocument(all["b@reg"], "application/json", []byte(`{}`)) // t0+2s

				k := testKey("")
				switch tt.list {
				case oneReg:
					k.Registration = reg
				case emptyList:
					k = nothing
				}
				etag, lm := listValidators(t, srv, k)
				require.NotEmpty(t, etag, "the list has an ETag")
				older := httpDate(t0)
				if tt.list == emptyList {
					require.Empty(t, lm, "a list that never had a document has no date")
				} else {
					require.NotEmpty(t, lm)
				}
				srv.ResetLog()

				r := send(t, srv, req{method: tt.method, key: k, header: tt.header(etag, lm, older)})
				assert.Equal(t, tt.want, r.Status, r.Body)
				switch tt.want {
				case 304:
					assert.Equal(t, etag, r.Header.Get("ETag"))
					assert.Empty(t, r.Header.Values("Last-Modified"), "the ETag is enough (RFC 9110 §15.4.5)")
					assert.Empty(t, r.Body)
				case 200:
					assert.Equal(t, etag, r.Header.Get("ETag"))
				case 412:
					assert.Equal(t, []string{"a", "b@reg"}, remaining(srv, all), "nothing is deleted")
					if tt.method != http.MethodHead {
						assert.Contains(t, r.Body, "precondition failed")
					}
				case 204:
					left := []string{}
					if tt.list == oneReg {
						left = []string{"a"}
					}
					assert.Equal(t, left, remaining(srv, all))
				}
				log := srv.Log()
				require.Len(t, log, 1)
				assert.NotZero(t, log[0].StoreOrder, "decided by the store, under its lock")
			})
		}
	}
}

// The list's validators change whenever the list does: a created,
// rewritten or deleted document changes its ETag and never moves its
// Last-Modified back, so If-Modified-Since cannot hide a deletion.
func TestListValidatorsFollowChanges(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			clock := newClock(t0)
			srv := statedoctest.NewServer(&statedoctest.Options{Version: v, Now: clock.Now})
			defer srv.Close()
			ctx := testKey("")
			sinceT0 := query(t, ctx)
			sinceT0.Set("since", t0.Format(time.RFC3339))
			conditional := func(q map[string]string, since bool) reply {
				if since {
					return send(t, srv, req{method: http.MethodGet, query: sinceT0, header: q})
				}
				return send(t, srv, req{method: http.MethodGet, key: ctx, header: q})
			}

			srv.SetDocument(testKey("a"), "application/json", []byte(`{"n":1}`)) // at t0
			clock.Advance(time.Minute)
			srv.SetDocument(testKey("b"), "application/json", []byte(`{"n":1}`)) // at t0+1m
			etag1, lm1 := listValidators(t, srv, ctx)
			assert.Equal(t, httpDate(t0.Add(time.Minute)), lm1)

			// Rewriting a with new content changes the ETag, not the ids.
			clock.Advance(time.Minute)
			srv.SetDocument(testKey("a"), "application/json", []byte(`{"n":2}`)) // at t0+2m
			r := conditional(map[string]string{"If-None-Match": etag1}, false)
			require.Equal(t, 200, r.Status)
			assert.JSONEq(t, `["a","b"]`, r.Body)
			etag2 := r.Header.Get("ETag")
			assert.NotEqual(t, etag1, etag2)
			assert.Equal(t, httpDate(t0.Add(2*time.Minute)), r.Header.Get("Last-Modified"))

			// Deleting b, the newest document, changes the list: its date
			// is the deletion's, not a's older write.
			clock.Advance(time.Minute)
			r = send(t, srv, req{method: http.MethodDelete, key: testKey("b")}) // at t0+3m
			require.Equal(t, 204, r.Status)
			r = conditional(map[string]string{"If-Modified-Since": httpDate(t0.Add(2 * time.Minute))}, false)
			require.Equal(t, 200, r.Status)
			assert.JSONEq(t, `["a"]`, r.Body)
			assert.Equal(t, httpDate(t0.Add(3*time.Minute)), r.Header.Get("Last-Modified"))
			assert.NotEqual(t, etag2, r.Header.Get("ETag"))

			// The list since t0 holds a (rewritten after t0) and showed b:
			// it changed at the deletion too.
			r = conditional(map[string]string{"If-Modified-Since": httpDate(t0.Add(2 * time.Minute))}, true)
			require.Equal(t, 200, r.Status)
			assert.Equal(t, httpDate(t0.Add(3*time.Minute)), r.Header.Get("Last-Modified"))

			// A document that the since list never showed leaves its date
			// alone.
			srv.SetDocument(testKey("c"), "application/json", []byte(`{}`)) // at t0+3m
			clock.Set(t0)
			srv.SetDocument(testKey("old"), "application/json", []byte(`{}`)) // at t0, not after since
			clock.Set(t0.Add(4 * time.Minute))
			srv.DeleteDocument(testKey("old")) // at t0+4m
			r = conditional(nil, true)
			require.Equal(t, 200, r.Status)
			assert.JSONEq(t, `["a","c"]`, r.Body)
			assert.Equal(t, httpDate(t0.Add(3*time.Minute)), r.Header.Get("Last-Modified"))
			r = conditional(nil, false)
			assert.Equal(t, httpDate(t0.Add(4*time.Minute)), r.Header.Get("Last-Modified"), "the whole list did show it")

			// Deleting the whole context leaves an empty list that still
			// has a date, and a new ETag.
			etag3, _ := listValidators(t, srv, ctx)
			clock.Advance(time.Minute)
			r = send(t, srv, req{method: http.MethodDelete, key: ctx, header: map[string]string{"If-Match": etag3}}) // at t0+5m
			require.Equal(t, 204, r.Status, r.Body)
			r = conditional(map[string]string{"If-None-Match": etag3, "If-Modified-Since": httpDate(t0.Add(4 * time.Minute))}, false)
			require.Equal(t, 200, r.Status)
			assert.Equal(t, `[]`, r.Body)
			assert.Equal(t, httpDate(t0.Add(5*time.Minute)), r.Header.Get("Last-Modified"))
			r = conditional(map[string]string{"If-Modified-Since": httpDate(t0.Add(5 * time.Minute))}, false)
			assert.Equal(t, 304, r.Status)

			// Writing a again brings back a list like the first, with the
			// same ETag as any list of the same documents.
			srv.SetDocument(testKey("a"), "application/json", []byte(`{"n":2}`))
			r = conditional(nil, false)
			assert.JSONEq(t, `["a"]`, r.Body)
			etagA := r.Header.Get("ETag")
			srv.SetDocument(testKey("b"), "application/json", []byte(`{"n":1}`))
			assert.Equal(t, etag2, conditional(nil, false).Header.Get("ETag"))
			srv.DeleteDocument(testKey("b"))
			assert.Equal(t, etagA, conditional(nil, false).Header.Get("ETag"))
		})
	}
}
