package etagtest_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/client/etagtest"
)

func TestETagForms(t *testing.T) {
	tests := []struct {
		name     string
		form     etagtest.ETagForm
		wantTag  string   // the ETag of the first write, on its answer and on GET
		matching []string // If-Match values that name it
		stale    []string // If-Match values that do not
	}{
		{
			name: "quoted", form: etagtest.Quoted, wantTag: `"v1"`,
			matching: []string{`"v1"`, `"v0", "v1"`, `*`},
			stale:    []string{`v1`, `W/"v1"`, `"v2"`, `"V1"`},
		},
		{
			name: "unquoted", form: etagtest.Unquoted, wantTag: `v1`,
			matching: []string{`v1`, `"v1"`, `v0, v1`, `*`},
			stale:    []string{`W/v1`, `W/"v1"`, `v2`},
		},
		{
			name: "weak", form: etagtest.Weak, wantTag: `W/"v1"`,
			matching: []string{`*`},
			stale:    []string{`W/"v1"`, `"v1"`, `v1`},
		},
		{
			name: "no ETag", form: etagtest.NoETag, wantTag: ``,
			matching: []string{`v1`, `"v1"`, `*`},
			stale:    []string{`W/"v1"`, `"v2"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := etagtest.NewServer(&etagtest.Options{ETag: tt.form})
			defer srv.Close()

			created := put(t, srv, "/doc", `{"n":1}`, nil)
			require.Equal(t, http.StatusCreated, created.Status)
			assert.Equal(t, tt.wantTag, created.Header.Get("ETag"))
			_, hasTag := created.Header["Etag"]
			assert.Equal(t, tt.wantTag != "", hasTag, "ETag header present")

			got := get(t, srv, "/doc", nil)
			require.Equal(t, http.StatusOK, got.Status)
			assert.Equal(t, tt.wantTag, got.Header.Get("ETag"))
			assert.NotEmpty(t, got.Header.Get("Last-Modified"))

			for _, tag := range tt.stale {
				assert.Equal(t, http.StatusPreconditionFailed, put(t, srv, "/doc", `{"n":2}`, ifMatch(tag)).Status, "If-Match %s", tag)
			}
			for _, tag := range tt.matching {
				srv.Put("/doc", []byte(`{"n":1}`))
				v, ok := srv.Version("/doc")
				require.True(t, ok)
				tag = strings.ReplaceAll(tag, "v1", v) // the version of the fresh write
				assert.Equal(t, http.StatusNoContent, put(t, srv, "/doc", `{"n":2}`, ifMatch(tag)).Status, "If-Match %s", tag)
			}
		})
	}
}

func TestETagChangesOnEveryWrite(t *testing.T) {
	srv := etagtest.NewServer(nil)
	defer srv.Close()
	seen := map[string]bool{}
	for i := 0; i < 3; i++ {
		r := put(t, srv, "/doc", `{"same":true}`, nil)
		tag := r.Header.Get("ETag")
		assert.False(t, seen[tag], "ETag %s reused", tag)
		seen[tag] = true
		_, current, ok := srv.Get("/doc")
		require.True(t, ok)
		assert.Equal(t, tag, current)
	}
	other := put(t, srv, "/other", `{"same":true}`, nil)
	assert.False(t, seen[other.Header.Get("ETag")], "ETags are unique across paths")
}

func TestWeakAfterWrite(t *testing.T) {
	clk := newClock()
	srv := etagtest.NewServer(&etagtest.Options{ETag: etagtest.WeakAfterWrite, WeakFor: time.Second, Now: clk.Now})
	defer srv.Close()

	srv.Put("/doc", []byte(`{"n":1}`))
	weak := get(t, srv, "/doc", nil).Header.Get("ETag")
	require.Equal(t, `W/"v1"`, weak)
	assert.Equal(t, http.StatusPreconditionFailed, put(t, srv, "/doc", `{"n":2}`, ifMatch(weak)).Status)
	assert.Equal(t, http.StatusPreconditionFailed, put(t, srv, "/doc", `{"n":2}`, ifMatch(`"v1"`)).Status,
		"while the ETag is weak, not even the strong form of its version matches")
	assert.Equal(t, http.StatusNotModified, get(t, srv, "/doc", ifNoneMatch(weak)).Status, "If-None-Match compares weakly")

	clk.Advance(999 * time.Millisecond)
	assert.Equal(t, `W/"v1"`, get(t, srv, "/doc", nil).Header.Get("ETag"))
	clk.Advance(time.Millisecond)
	strong := get(t, srv, "/doc", nil).Header.Get("ETag")
	require.Equal(t, `"v1"`, strong)
	written := put(t, srv, "/doc", `{"n":2}`, ifMatch(strong))
	require.Equal(t, http.StatusNoContent, written.Status)
	assert.Equal(t, `W/"v2"`, written.Header.Get("ETag"), "a write answer is just after the write: weak")
	assert.Equal(t, http.StatusPreconditionFailed, put(t, srv, "/doc", `{"n":3}`, ifMatch(`"v2"`)).Status)
}

func TestWeakForDefault(t *testing.T) {
	clk := newClock()
	srv := etagtest.NewServer(&etagtest.Options{ETag: etagtest.WeakAfterWrite, Now: clk.Now})
	defer srv.Close()
	srv.Put("/doc", []byte(`{}`))
	clk.Advance(etagtest.DefaultWeakFor - time.Nanosecond)
	_, tag, _ := srv.Get("/doc")
	assert.Equal(t, `W/"v1"`, tag)
	clk.Advance(time.Nanosecond)
	_, tag, _ = srv.Get("/doc")
	assert.Equal(t, `"v1"`, tag)
}

func TestVersionField(t *testing.T) {
	tests := []struct {
		name    string
		form    etagtest.ETagForm
		field   string
		body    string
		want    string // the stored body after the first PUT, v1 being the version
		wantTag string
	}{
		{name: "top level", field: "/eTag", body: `{"a":1}`, want: `{"a":1,"eTag":"v1"}`, wantTag: `"v1"`},
		{name: "overwrites the client's value in place", field: "/eTag", body: `{"eTag":"mine","a":1}`, want: `{"eTag":"v1","a":1}`, wantTag: `"v1"`},
		{name: "nested, parents created", field: "/meta/rev", body: `{"a":1}`, want: `{"a":1,"meta":{"rev":"v1"}}`, wantTag: `"v1"`},
		{name: "escaped pointer", field: "/a~1b~0c", body: `{}`, want: `{"a/b~c":"v1"}`, wantTag: `"v1"`},
		{name: "keeps order, number text and HTML", field: "/_rev", body: `{"z":1.50,"a":"<b>"}`, want: `{"z":1.50,"a":"<b>","_rev":"v1"}`, wantTag: `"v1"`},
		{name: "unquoted header", form: etagtest.Unquoted, field: "/eTag", body: `{}`, want: `{"eTag":"v1"}`, wantTag: `v1`},
		{name: "body only", form: etagtest.NoETag, field: "/eTag", body: `{}`, want: `{"eTag":"v1"}`, wantTag: ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := etagtest.NewServer(&etagtest.Options{ETag: tt.form, VersionField: tt.field})
			defer srv.Close()
			require.Equal(t, http.StatusCreated, put(t, srv, "/doc", tt.body, nil).Status)
			got := get(t, srv, "/doc", nil)
			assert.Equal(t, tt.want, got.Body)
			assert.Equal(t, tt.wantTag, got.Header.Get("ETag"))

			// The client sends the version back (or not); the server
			// writes the new one.
			tag := tt.wantTag
			if tag == "" {
				tag = "v1"
			}
			require.Equal(t, http.StatusNoContent, put(t, srv, "/doc", got.Body, ifMatch(tag)).Status)
			assert.Equal(t, strings.ReplaceAll(tt.want, "v1", "v2"), get(t, srv, "/doc", nil).Body)
		})
	}
}

func TestVersionFieldRejectsBodies(t *testing.T) {
	srv := etagtest.NewServer(&etagtest.Options{VersionField: "/meta/rev", Collections: []string{"/c"}})
	defer srv.Close()
	for _, body := range []string{`{"a":`, `[1,2]`, `"text"`, `{"meta":5}`, `{"meta":[]}`, `{} {}`, ` `} {
		assert.Equal(t, http.StatusBadRequest, put(t, srv, "/doc", body, nil).Status, "PUT %q", body)
		assert.Equal(t, http.StatusBadRequest, send(t, srv, req{method: http.MethodPost, path: "/c", body: body}).Status, "POST %q", body)
	}
	_, _, ok := srv.Get("/doc")
	assert.False(t, ok, "nothing stored")
	assert.Equal(t, http.StatusCreated, put(t, srv, "/doc", `{"n":1e999}`, nil).Status, "numbers of any size")

	// Put stores a body that cannot hold the version as it is.
	srv.Put("/raw", []byte(`[1]`))
	body, _, ok := srv.Get("/raw")
	require.True(t, ok)
	assert.Equal(t, `[1]`, string(body))
}

func TestRequireVersionField(t *testing.T) {
	srv := etagtest.NewServer(etagtest.CouchDB())
	defer srv.Close()

	assert.Equal(t, http.StatusConflict, put(t, srv, "/db/doc", `{"_rev":"v9","a":1}`, nil).Status, "a create carries no _rev")
	created := put(t, srv, "/db/doc", `{"a":1}`, nil)
	require.Equal(t, http.StatusCreated, created.Status)
	assert.Equal(t, `"v1"`, created.Header.Get("ETag"))
	assert.JSONEq(t, `{"a":1,"_rev":"v1"}`, get(t, srv, "/db/doc", nil).Body)

	tests := []struct {
		name   string
		body   string
		header map[string]string
		want   int
	}{
		{name: "no _rev", body: `{"a":2}`, want: http.StatusConflict},
		{name: "null _rev", body: `{"a":2,"_rev":null}`, want: http.StatusConflict},
		{name: "stale _rev", body: `{"a":2,"_rev":"v0"}`, want: http.StatusConflict},
		{name: "_rev of another type", body: `{"a":2,"_rev":1}`, want: http.StatusConflict},
		{name: "stale _rev, matching If-Match", body: `{"a":2,"_rev":"v0"}`, header: ifMatch(`"v1"`), want: http.StatusConflict},
		{name: "If-None-Match * ignored", body: `{"a":2,"_rev":"v1"}`, header: ifNoneMatch("*"), want: http.StatusNoContent},
		{name: "current _rev, stale If-Match ignored", body: `{"a":3,"_rev":"v2"}`, header: ifMatch(`"v0"`), want: http.StatusNoContent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, put(t, srv, "/db/doc", tt.body, tt.header).Status)
		})
	}
	assert.JSONEq(t, `{"a":3,"_rev":"v3"}`, get(t, srv, "/db/doc", nil).Body)

	// DELETE still takes If-Match.
	assert.Equal(t, http.StatusConflict, send(t, srv, req{method: http.MethodDelete, path: "/db/doc", header: ifMatch(`"v1"`)}).Status)
	assert.Equal(t, http.StatusNoContent, send(t, srv, req{method: http.MethodDelete, path: "/db/doc", header: ifMatch(`"v3"`)}).Status)
}

func TestStatusOptions(t *testing.T) {
	tests := []struct {
		name   string
		opts   etagtest.Options
		stored bool
		r      req
		want   int
	}{
		{name: "stale If-Match default", stored: true, r: req{method: http.MethodPut, body: `{}`, header: ifMatch(`"v0"`)}, want: 412},
		{name: "stale If-Match 409", opts: etagtest.Options{ConflictStatus: 409}, stored: true, r: req{method: http.MethodPut, body: `{}`, header: ifMatch(`"v0"`)}, want: 409},
		{name: "stale If-Match 409 on PATCH", opts: etagtest.Options{ConflictStatus: 409}, stored: true, r: req{method: http.MethodPatch, body: `{}`, ctype: "application/merge-patch+json", header: ifMatch(`"v0"`)}, want: 409},
		{name: "stale If-Match 409 on DELETE", opts: etagtest.Options{ConflictStatus: 409}, stored: true, r: req{method: http.MethodDelete, header: ifMatch(`"v0"`)}, want: 409},
		{name: "If-None-Match * on existing default", stored: true, r: req{method: http.MethodPut, body: `{}`, header: ifNoneMatch("*")}, want: 412},
		{name: "If-None-Match * on existing 409", opts: etagtest.Options{ExistsStatus: 409}, stored: true, r: req{method: http.MethodPut, body: `{}`, header: ifNoneMatch("*")}, want: 409},
		{name: "If-None-Match listing the tag stays 412", opts: etagtest.Options{ExistsStatus: 409}, stored: true, r: req{method: http.MethodPut, body: `{}`, header: ifNoneMatch(`"v1"`)}, want: 412},
		{name: "If-None-Match * on missing creates", opts: etagtest.Options{ExistsStatus: 409}, r: req{method: http.MethodPut, body: `{}`, header: ifNoneMatch("*")}, want: 201},
		{name: "If-Match on missing default", r: req{method: http.MethodPut, body: `{}`, header: ifMatch(`"v1"`)}, want: 412},
		{name: "If-Match * on missing default", r: req{method: http.MethodPut, body: `{}`, header: ifMatch(`*`)}, want: 412},
		{name: "If-Match on missing 404", opts: etagtest.Options{MissingStatus: 404}, r: req{method: http.MethodPut, body: `{}`, header: ifMatch(`"v1"`)}, want: 404},
		{name: "If-Match on missing PATCH", r: req{method: http.MethodPatch, body: `{}`, ctype: "application/merge-patch+json", header: ifMatch(`"v1"`)}, want: 412},
		{name: "PATCH on missing", opts: etagtest.Options{MissingStatus: 410}, r: req{method: http.MethodPatch, body: `{}`, ctype: "application/merge-patch+json"}, want: 404},
		{name: "If-Match on missing DELETE 410", opts: etagtest.Options{MissingStatus: 410}, r: req{method: http.MethodDelete, header: ifMatch(`"v1"`)}, want: 410},
		{name: "DELETE on missing", r: req{method: http.MethodDelete}, want: 404},
		{name: "GET stale If-Match ignores ConflictStatus", opts: etagtest.Options{ConflictStatus: 409}, stored: true, r: req{method: http.MethodGet, header: ifMatch(`"v0"`)}, want: 412},
		{name: "GET of missing ignores preconditions", opts: etagtest.Options{MissingStatus: 410}, r: req{method: http.MethodGet, header: ifMatch(`"v1"`)}, want: 404},
		{name: "matching If-Match", opts: etagtest.Options{ConflictStatus: 409}, stored: true, r: req{method: http.MethodPut, body: `{}`, header: ifMatch(`"v1"`)}, want: 204},
		{name: "matching If-Match in a list on two lines", stored: true, r: req{method: http.MethodPut, body: `{}`, header: map[string]string{"If-Match": `"a,b", W/"v1", "v1"`}}, want: 204},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := etagtest.NewServer(&tt.opts)
			defer srv.Close()
			if tt.stored {
				require.Equal(t, `"v1"`, srv.Put("/doc", []byte(`{"n":1}`)))
			}
			r := tt.r
			r.path = "/doc"
			got := send(t, srv, r)
			assert.Equal(t, tt.want, got.Status, got.Body)
			if got.Status >= 400 && tt.stored {
				body, _, _ := srv.Get("/doc")
				assert.Equal(t, `{"n":1}`, string(body), "a failed write changes nothing")
			}
		})
	}
}

func TestIgnore(t *testing.T) {
	srv := etagtest.NewServer(&etagtest.Options{Preconditions: etagtest.Ignore})
	defer srv.Close()
	tag := srv.Put("/doc", []byte(`{"n":1}`))

	assert.Equal(t, http.StatusNoContent, put(t, srv, "/doc", `{"n":2}`, ifMatch(`"stale"`)).Status, "stale If-Match ignored")
	assert.Equal(t, http.StatusNoContent, put(t, srv, "/doc", `{"n":3}`, ifNoneMatch("*")).Status, "If-None-Match * ignored")
	assert.Equal(t, http.StatusNoContent, send(t, srv, req{method: http.MethodPatch, path: "/doc", body: `{"n":4}`, ctype: "application/merge-patch+json", header: ifMatch(tag)}).Status)
	assert.Equal(t, http.StatusCreated, put(t, srv, "/new", `{}`, ifMatch(`"v1"`)).Status, "If-Match on missing ignored")
	assert.Equal(t, http.StatusNotFound, send(t, srv, req{method: http.MethodPatch, path: "/none", body: `{}`, ctype: "application/merge-patch+json", header: ifMatch(`"v1"`)}).Status)

	current := get(t, srv, "/doc", nil)
	assert.JSONEq(t, `{"n":4}`, current.Body)
	assert.Equal(t, http.StatusNotModified, get(t, srv, "/doc", ifNoneMatch(current.Header.Get("ETag"))).Status, "reads still evaluate If-None-Match")
	assert.Equal(t, http.StatusNoContent, send(t, srv, req{method: http.MethodDelete, path: "/doc", header: ifMatch(`"stale"`)}).Status)
}

func TestCheckThenWriteLetsSameIfMatchWritesRace(t *testing.T) {
	const tries = 50
	modes := []struct {
		mode      etagtest.Preconditions
		wantRaces bool
	}{
		{etagtest.CheckThenWrite, true},
		{etagtest.Enforce, false},
	}
	for _, m := range modes {
		t.Run(m.mode.String(), func(t *testing.T) {
			srv := etagtest.NewServer(&etagtest.Options{Preconditions: m.mode})
			defer srv.Close()
			races := 0
			for i := 0; i < tries; i++ {
				tag := srv.Put("/doc", []byte(`{"writer":null}`))
				st := racePuts(t, srv, "/doc", tag)
				switch {
				case st == [2]int{204, 204}:
					races++
				case st == [2]int{204, 412} || st == [2]int{412, 204}:
				default:
					t.Fatalf("try %d: statuses %v", i, st)
				}
				if m.wantRaces && races > 0 {
					break
				}
			}
			if m.wantRaces {
				assert.Positive(t, races, "two writes with the same If-Match both succeeded within %d tries", tries)
			} else {
				assert.Zero(t, races, "two writes with the same If-Match both succeeded")
			}
		})
	}
}

func TestCheckThenWriteOneAtATime(t *testing.T) {
	srv := etagtest.NewServer(etagtest.RacyLRS())
	defer srv.Close()
	tag := srv.Put("/doc", []byte(`{}`))
	assert.Equal(t, http.StatusPreconditionFailed, put(t, srv, "/doc", `{"n":1}`, ifMatch(`"v0"`)).Status)
	written := put(t, srv, "/doc", `{"n":1}`, ifMatch(tag))
	assert.Equal(t, http.StatusNoContent, written.Status)
	assert.Empty(t, written.Header.Values("ETag"))
	assert.Equal(t, http.StatusPreconditionFailed, put(t, srv, "/doc", `{"n":2}`, ifMatch(tag)).Status)
	assert.Equal(t, http.StatusPreconditionFailed, put(t, srv, "/doc", `{"n":2}`, ifNoneMatch("*")).Status)
}

func TestEnforceKeepsEveryIncrement(t *testing.T) {
	srv := etagtest.NewServer(nil)
	defer srv.Close()
	srv.Put("/counter", []byte(`0`))
	const writers, increments = 6, 10
	done := make(chan int, writers)
	for w := 0; w < writers; w++ {
		go func() {
			conflicts := 0
			for i := 0; i < increments; {
				resp, err := srv.Client().Get(srv.URL + "/counter")
				if !assert.NoError(t, err) {
					break
				}
				n, err := readInt(resp)
				if !assert.NoError(t, err) {
					break
				}
				hr, _ := http.NewRequest(http.MethodPut, srv.URL+"/counter", strings.NewReader(strconv.Itoa(n+1)))
				hr.Header.Set("If-Match", resp.Header.Get("ETag"))
				wr, err := srv.Client().Do(hr)
				if !assert.NoError(t, err) {
					break
				}
				wr.Body.Close()
				switch wr.StatusCode {
				case http.StatusNoContent:
					i++
				case http.StatusPreconditionFailed:
					conflicts++
				default:
					assert.Fail(t, "unexpected status", "%d", wr.StatusCode)
					i = increments
				}
			}
			done <- conflicts
		}()
	}
	for w := 0; w < writers; w++ {
		<-done
	}
	body, _, _ := srv.Get("/counter")
	assert.Equal(t, strconv.Itoa(writers*increments), string(body))
}

func TestRequirePrecondition(t *testing.T) {
	srv := etagtest.NewServer(&etagtest.Options{RequirePrecondition: true})
	defer srv.Close()
	assert.Equal(t, http.StatusCreated, put(t, srv, "/doc", `{"n":1}`, nil).Status, "a create needs no precondition")
	assert.Equal(t, http.StatusPreconditionRequired, put(t, srv, "/doc", `{"n":2}`, nil).Status)
	assert.Equal(t, http.StatusPreconditionRequired, send(t, srv, req{method: http.MethodPatch, path: "/doc", body: `{"n":2}`, ctype: "application/merge-patch+json"}).Status)
	assert.Equal(t, http.StatusPreconditionRequired, send(t, srv, req{method: http.MethodDelete, path: "/doc"}).Status)
	assert.Equal(t, http.StatusNotFound, send(t, srv, req{method: http.MethodDelete, path: "/none"}).Status)
	assert.Equal(t, http.StatusPreconditionFailed, put(t, srv, "/doc", `{"n":2}`, ifNoneMatch("*")).Status)
	assert.Equal(t, http.StatusNoContent, put(t, srv, "/doc", `{"n":2}`, ifMatch(`"v1"`)).Status)

	for _, p := range []etagtest.Preconditions{etagtest.Ignore, etagtest.CheckThenWrite} {
		srv := etagtest.NewServer(&etagtest.Options{RequirePrecondition: true, Preconditions: p})
		srv.Put("/doc", []byte(`{}`))
		assert.Equal(t, http.StatusPreconditionRequired, put(t, srv, "/doc", `{"n":2}`, nil).Status, "%v", p)
		srv.Close()
	}

	couch := etagtest.CouchDB()
	couch.RequirePrecondition = true
	srv2 := etagtest.NewServer(couch)
	defer srv2.Close()
	srv2.Put("/doc", []byte(`{}`))
	assert.Equal(t, http.StatusNoContent, put(t, srv2, "/doc", `{"_rev":"v1"}`, nil).Status, "a body version is a precondition")
}

func TestPostCreate(t *testing.T) {
	srv := etagtest.NewServer(&etagtest.Options{Collections: []string{"/articles/"}})
	defer srv.Close()

	first := send(t, srv, req{method: http.MethodPost, path: "/articles", body: `{"title":"a"}`})
	require.Equal(t, http.StatusCreated, first.Status)
	require.Equal(t, "/articles/1", first.Header.Get("Location"))
	assert.Equal(t, `"v1"`, first.Header.Get("ETag"))

	got := get(t, srv, first.Header.Get("Location"), nil)
	require.Equal(t, http.StatusOK, got.Status)
	assert.Equal(t, `{"title":"a"}`, got.Body)
	assert.Equal(t, "application/json", got.Header.Get("Content-Type"))
	assert.Equal(t, `"v1"`, got.Header.Get("ETag"))

	srv.Put("/articles/3", []byte(`{}`))
	assert.Equal(t, "/articles/2", send(t, srv, req{method: http.MethodPost, path: "/articles/", body: `{}`}).Header.Get("Location"))
	assert.Equal(t, "/articles/4", send(t, srv, req{method: http.MethodPost, path: "/articles", body: `{}`}).Header.Get("Location"), "an occupied path is skipped")

	notAllowed := send(t, srv, req{method: http.MethodPost, path: "/other", body: `{}`})
	assert.Equal(t, http.StatusMethodNotAllowed, notAllowed.Status)
	assert.Equal(t, "GET, HEAD, PUT, PATCH, DELETE", notAllowed.Header.Get("Allow"))
	assert.Equal(t, http.StatusMethodNotAllowed, send(t, srv, req{method: http.MethodPost, path: "/articles/1", body: `{}`}).Status)
	options := send(t, srv, req{method: http.MethodOptions, path: "/articles"})
	assert.Equal(t, http.StatusMethodNotAllowed, options.Status)
	assert.Equal(t, "GET, HEAD, PUT, PATCH, DELETE, POST", options.Header.Get("Allow"))
}

func TestPostCreateOptions(t *testing.T) {
	srv := etagtest.NewServer(&etagtest.Options{
		Collections: []string{"/a"}, AbsoluteLocation: true, OmitWriteETag: true, VersionField: "/rev",
	})
	defer srv.Close()
	r := send(t, srv, req{method: http.MethodPost, path: "/a", body: `{"x":1}`})
	require.Equal(t, http.StatusCreated, r.Status)
	assert.Equal(t, srv.URL+"/a/1", r.Header.Get("Location"))
	assert.Empty(t, r.Header.Values("ETag"))
	body, _, ok := srv.Get("/a/1")
	require.True(t, ok)
	assert.Equal(t, `{"x":1,"rev":"v1"}`, string(body))
}

func TestGzip(t *testing.T) {
	srv := etagtest.NewServer(&etagtest.Options{Gzip: true})
	defer srv.Close()
	srv.Put("/doc", []byte(`{"n":1}`))

	// Go's transport asks for gzip and decompresses, but the suffixed
	// ETag comes through.
	auto := get(t, srv, "/doc", nil)
	require.Equal(t, http.StatusOK, auto.Status)
	assert.Equal(t, `{"n":1}`, auto.Body)
	assert.Equal(t, `"v1-gzip"`, auto.Header.Get("ETag"))
	assert.Equal(t, "Accept-Encoding", auto.Header.Get("Vary"))
	assert.Equal(t, http.StatusPreconditionFailed, put(t, srv, "/doc", `{"n":2}`, ifMatch(auto.Header.Get("ETag"))).Status,
		"the gzip ETag never matches If-Match")
	assert.Equal(t, http.StatusNotModified, get(t, srv, "/doc", ifNoneMatch(auto.Header.Get("ETag"))).Status,
		"If-None-Match matches the gzip ETag")

	explicit := get(t, srv, "/doc", map[string]string{"Accept-Encoding": "gzip"})
	assert.Equal(t, "gzip", explicit.Header.Get("Content-Encoding"))
	assert.Equal(t, `{"n":1}`, gunzip(t, explicit.Body))
	log := srv.Log()
	assert.Equal(t, "gzip", log[len(log)-1].ResponseHeader.Get("Content-Encoding"))

	identity := get(t, srv, "/doc", map[string]string{"Accept-Encoding": "identity"})
	assert.Empty(t, identity.Header.Get("Content-Encoding"))
	assert.Equal(t, `"v1"`, identity.Header.Get("ETag"))
	assert.Equal(t, http.StatusNoContent, put(t, srv, "/doc", `{"n":2}`, ifMatch(identity.Header.Get("ETag"))).Status)

	for _, ae := range []string{"gzip;q=0", "br, deflate", "*;q=0"} {
		r := get(t, srv, "/doc", map[string]string{"Accept-Encoding": ae})
		assert.Equal(t, `"v2"`, r.Header.Get("ETag"), "Accept-Encoding %s", ae)
	}
	assert.Equal(t, `"v2-gzip"`, get(t, srv, "/doc", map[string]string{"Accept-Encoding": "br, *;q=0.5"}).Header.Get("ETag"))
	// Go's transport does not ask for gzip on HEAD.
	assert.Equal(t, `"v2"`, send(t, srv, req{method: http.MethodHead, path: "/doc"}).Header.Get("ETag"))
	head := send(t, srv, req{method: http.MethodHead, path: "/doc", header: map[string]string{"Accept-Encoding": "gzip"}})
	assert.Equal(t, `"v2-gzip"`, head.Header.Get("ETag"))
	assert.Equal(t, "gzip", head.Header.Get("Content-Encoding"))

	plain := etagtest.NewServer(nil)
	defer plain.Close()
	plain.Put("/doc", []byte(`{}`))
	assert.Equal(t, `"v1"`, get(t, plain, "/doc", map[string]string{"Accept-Encoding": "gzip"}).Header.Get("ETag"))
}

func TestIfNoneMatchOnReads(t *testing.T) {
	tests := []struct {
		name   string
		method string
		form   etagtest.ETagForm
		inm    string
		want   int
	}{
		{name: "exact", inm: `"v1"`, want: 304},
		{name: "weak form of the tag", inm: `W/"v1"`, want: 304},
		{name: "star", inm: `*`, want: 304},
		{name: "in a list", inm: `"v0", "v1"`, want: 304},
		{name: "other", inm: `"v0"`, want: 200},
		{name: "unquoted in quoted mode", inm: `v1`, want: 200},
		{name: "unquoted in unquoted mode", form: etagtest.Unquoted, inm: `v1`, want: 304},
		{name: "weak server", form: etagtest.Weak, inm: `W/"v1"`, want: 304},
		{name: "HEAD", method: http.MethodHead, inm: `"v1"`, want: 304},
		{name: "no ETag server", form: etagtest.NoETag, inm: `*`, want: 304},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := etagtest.NewServer(&etagtest.Options{ETag: tt.form})
			defer srv.Close()
			srv.Put("/doc", []byte(`{"n":1}`))
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			got := send(t, srv, req{method: method, path: "/doc", header: ifNoneMatch(tt.inm)})
			assert.Equal(t, tt.want, got.Status)
			if got.Status == http.StatusNotModified {
				assert.Empty(t, got.Body)
				_, tag, _ := srv.Get("/doc")
				assert.Equal(t, tag, got.Header.Get("ETag"))
				if tag == "" {
					assert.NotEmpty(t, got.Header.Get("Last-Modified"))
				}
			}
		})
	}
	srv := etagtest.NewServer(nil)
	defer srv.Close()
	assert.Equal(t, http.StatusNotFound, get(t, srv, "/none", ifNoneMatch("*")).Status)
}

func TestHead(t *testing.T) {
	srv := etagtest.NewServer(nil)
	defer srv.Close()
	srv.Put("/doc", []byte(`{"n":1}`))
	r := send(t, srv, req{method: http.MethodHead, path: "/doc"})
	assert.Equal(t, http.StatusOK, r.Status)
	assert.Empty(t, r.Body)
	assert.Equal(t, "7", r.Header.Get("Content-Length"))
	assert.Equal(t, `"v1"`, r.Header.Get("ETag"))
	assert.Equal(t, http.StatusNotFound, send(t, srv, req{method: http.MethodHead, path: "/none"}).Status)
}

func TestPutStatusesAndContentType(t *testing.T) {
	srv := etagtest.NewServer(nil)
	defer srv.Close()
	assert.Equal(t, http.StatusCreated, send(t, srv, req{method: http.MethodPut, path: "/doc", body: "hello", ctype: "text/plain"}).Status)
	assert.Equal(t, "text/plain", get(t, srv, "/doc", nil).Header.Get("Content-Type"))
	replaced := put(t, srv, "/doc", `{}`, nil)
	assert.Equal(t, http.StatusNoContent, replaced.Status)
	assert.Empty(t, replaced.Body)

	hr, err := http.NewRequest(http.MethodPut, srv.URL+"/bare", strings.NewReader("x"))
	require.NoError(t, err)
	resp, err := srv.Client().Do(hr)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, "application/octet-stream", get(t, srv, "/bare", nil).Header.Get("Content-Type"))

	assert.Equal(t, http.StatusNoContent, send(t, srv, req{method: http.MethodDelete, path: "/doc", header: ifMatch(`"v2"`)}).Status)
	assert.Equal(t, http.StatusNotFound, get(t, srv, "/doc", nil).Status)
}

func TestMaxBodySize(t *testing.T) {
	srv := etagtest.NewServer(&etagtest.Options{MaxBodySize: 10, Collections: []string{"/c"}})
	defer srv.Close()
	assert.Equal(t, http.StatusCreated, put(t, srv, "/doc", `"12345678"`, nil).Status, "exactly the limit")
	assert.Equal(t, http.StatusRequestEntityTooLarge, put(t, srv, "/doc", `"123456789"`, nil).Status)
	assert.Equal(t, http.StatusRequestEntityTooLarge, send(t, srv, req{method: http.MethodPatch, path: "/doc", body: `"123456789"`, ctype: "application/merge-patch+json"}).Status)
	assert.Equal(t, http.StatusRequestEntityTooLarge, send(t, srv, req{method: http.MethodPost, path: "/c", body: `"123456789"`}).Status)
	body, _, _ := srv.Get("/doc")
	assert.Equal(t, `"12345678"`, string(body))
	log := srv.Log()
	assert.Len(t, log[1].Body, 11, "the log keeps the limit plus one byte")

	def := etagtest.NewServer(nil)
	defer def.Close()
	big := `"` + strings.Repeat("x", etagtest.DefaultMaxBodySize-1) + `"`
	assert.Equal(t, http.StatusRequestEntityTooLarge, put(t, def, "/doc", big, nil).Status)
	assert.Equal(t, http.StatusCreated, put(t, def, "/doc", big[:etagtest.DefaultMaxBodySize-1]+`"`, nil).Status)
}

func TestLog(t *testing.T) {
	srv := etagtest.NewServer(nil)
	defer srv.Close()
	put(t, srv, "/doc", `{"n":1}`, nil)
	get(t, srv, "/doc", map[string]string{"Accept-Encoding": "identity"})
	put(t, srv, "/doc", `{"n":2}`, ifMatch(`"v0"`))
	send(t, srv, req{method: http.MethodDelete, path: "/doc", header: map[string]string{"If-Match": `"v1"`, "Authorization": "Basic c2VjcmV0"}})

	log := srv.Log()
	require.Len(t, log, 4)
	var lines []string
	for _, e := range log {
		lines = append(lines, e.String())
	}
	assert.Equal(t, []string{"PUT /doc 201", "GET /doc 200", "PUT /doc 412", "DELETE /doc 204"}, lines)
	for i, e := range log {
		assert.Equal(t, uint64(i+1), e.Arrival)
	}
	assert.Equal(t, `{"n":1}`, string(log[0].Body))
	assert.Equal(t, "application/json", log[0].Header.Get("Content-Type"))
	assert.Equal(t, `"v1"`, log[0].ResponseHeader.Get("ETag"))
	assert.Equal(t, "identity", log[1].Header.Get("Accept-Encoding"))
	assert.Equal(t, `{"n":1}`, string(log[1].ResponseBody))
	assert.Equal(t, `"v0"`, log[2].Header.Get("If-Match"))
	assert.Contains(t, string(log[2].ResponseBody), "precondition failed")
	assert.Equal(t, "Basic [redacted]", log[3].Header.Get("Authorization"))
	assert.Empty(t, log[3].ResponseBody)

	log[0].Header.Set("If-Match", "changed")
	log[0].Body[0] = 'X'
	again := srv.Log()
	assert.Empty(t, again[0].Header.Get("If-Match"), "the log is a deep copy")
	assert.Equal(t, `{"n":1}`, string(again[0].Body))

	srv.ResetLog()
	assert.Empty(t, srv.Log())
	get(t, srv, "/doc", nil)
	log = srv.Log()
	require.Len(t, log, 1)
	assert.Equal(t, uint64(5), log[0].Arrival, "ResetLog does not restart the numbering")
	assert.Equal(t, "GET /doc 404", log[0].String())
}

func TestDirectAccess(t *testing.T) {
	srv := etagtest.NewServer(&etagtest.Options{ETag: etagtest.NoETag})
	defer srv.Close()
	assert.Empty(t, srv.Put("doc", []byte(`{"n":1}`)), "no ETag under NoETag")
	body, tag, ok := srv.Get("/doc")
	require.True(t, ok)
	assert.Equal(t, `{"n":1}`, string(body))
	assert.Empty(t, tag)
	v, ok := srv.Version("doc")
	require.True(t, ok)
	assert.Equal(t, "v1", v)
	body[0] = 'X'
	again, _, _ := srv.Get("doc")
	assert.Equal(t, `{"n":1}`, string(again), "Get returns a copy")
	srv.Remove("doc")
	_, _, ok = srv.Get("/doc")
	assert.False(t, ok)
	_, ok = srv.Version("/doc")
	assert.False(t, ok)
	srv.Remove("/doc") // removing nothing is fine
	assert.Empty(t, srv.Log(), "direct access is not logged")
	assert.False(t, strings.HasSuffix(srv.URL, "/"))
	assert.True(t, strings.HasPrefix(srv.URL, "http://127.0.0.1:"))
}

func TestNewServerPanicsOnInvalidOptions(t *testing.T) {
	tests := []struct {
		name string
		opts etagtest.Options
	}{
		{"unknown ETag form", etagtest.Options{ETag: 99}},
		{"unknown mode", etagtest.Options{Preconditions: -1}},
		{"status below 400", etagtest.Options{ConflictStatus: 204}},
		{"status above 599", etagtest.Options{ExistsStatus: 600}},
		{"negative size", etagtest.Options{MaxBodySize: -1}},
		{"negative duration", etagtest.Options{RaceWindow: -time.Second}},
		{"not a pointer", etagtest.Options{VersionField: "eTag"}},
		{"body version without field", etagtest.Options{RequireVersionField: true}},
		{"relative collection", etagtest.Options{Collections: []string{"articles"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Panics(t, func() { etagtest.NewServer(&tt.opts).Close() })
		})
	}
}

func TestStringers(t *testing.T) {
	assert.Equal(t, "WeakAfterWrite", etagtest.WeakAfterWrite.String())
	assert.Equal(t, "ETagForm(9)", etagtest.ETagForm(9).String())
	assert.Equal(t, "CheckThenWrite", etagtest.CheckThenWrite.String())
	assert.Equal(t, "Preconditions(9)", etagtest.Preconditions(9).String())
}
