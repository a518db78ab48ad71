package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/client"
	"github.com/ifmatch/ifmatch/client/etagtest"
	"github.com/ifmatch/ifmatch/merge"
)

// article is a document of a blog API (seed 001) as one client knows it.
type article struct {
	Title string   `json:"title"`
	Body  string   `json:"body"`
	Tags  []string `json:"tags,omitempty"`
	Views int      `json:"views"`
}

func newDocServer(t *testing.T, opts *etagtest.Options) *etagtest.Server {
	t.Helper()
	srv := etagtest.NewServer(opts)
	t.Cleanup(srv.Close)
	return srv
}

func newDocClient[T any](t *testing.T, srv *etagtest.Server, opts *client.DocumentOptions) *client.DocumentClient[T] {
	t.Helper()
	if opts == nil {
		opts = &client.DocumentOptions{}
	}
	opts.Options = *fast(&opts.Options)
	if opts.HTTPClient == nil {
		opts.HTTPClient = srv.Client()
	}
	c, err := client.NewDocumentClient[T](opts)
	require.NoError(t, err)
	return c
}

// writes lists the server's log as "METHOD path precondition -> status"
// lines, leaving out reads.
func writes(srv *etagtest.Server, header string) []string {
	var out []string
	for _, e := range srv.Log() {
		if e.Method == http.MethodGet || e.Method == http.MethodHead {
			continue
		}
		cond := ""
		switch {
		case e.Header.Get(header) != "":
			cond = header + ": " + e.Header.Get(header)
		case e.Header.Get("If-None-Match") != "":
			cond = "If-None-Match: " + e.Header.Get("If-None-Match")
		}
		out = append(out, fmt.Sprintf("%s %s %s -> %d", e.Method, e.Path, cond, e.Status))
	}
	return out
}

// storedJSONAt returns the document stored at path, without the version
// field the server may keep in it.
func storedJSONAt(t *testing.T, srv *etagtest.Server, path, field string) map[string]any {
	t.Helper()
	body, _, ok := srv.Get(path)
	require.True(t, ok, "nothing stored at %s", path)
	var m map[string]any
	require.NoError(t, json.Unmarshal(body, &m))
	if field != "" {
		delete(m, strings.TrimPrefix(field, "/"))
	}
	return m
}

// TestDocumentVersionSources runs the lost-update dance with the version in
// each place an API may keep it: both edits survive, and the precondition
// is sent exactly as the version was received.
func TestDocumentVersionSources(t *testing.T) {
	cases := []struct {
		name   string
		server etagtest.Options
		client client.DocumentOptions
		field  string // the version field in stored bodies
		sent   func(version string) string
	}{
		{name: "quoted ETag", sent: func(v string) string { return `"` + v + `"` }},
		{name: "unquoted ETag", server: etagtest.Options{ETag: etagtest.Unquoted}, sent: func(v string) string { return v }},
		{
			name:   "body field",
			server: etagtest.Options{ETag: etagtest.NoETag, VersionField: "/eTag"},
			client: client.DocumentOptions{VersionField: "/eTag"},
			field:  "/eTag", sent: func(v string) string { return v },
		},
		{
			name:   "function",
			server: etagtest.Options{ETag: etagtest.Unquoted},
			client: client.DocumentOptions{VersionFunc: func(h http.Header, _ []byte) (string, error) {
				return h.Get("ETag"), nil
			}},
			sent: func(v string) string { return v },
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newDocServer(t, &tc.server)
			srv.Put("/articles/1", []byte(`{"title":"Helo","body":"First post.","views":0}`))
			u := srv.URL + "/articles/1"
			a := newDocClient[article](t, srv, &tc.client)
			b := newDocClient[article](t, srv, &tc.client)
			ctx := context.Background()

			base, err := a.Get(ctx, u)
			require.NoError(t, err)
			v0, _ := srv.Version("/articles/1")
			require.Equal(t, tc.sent(v0), base.ETag, "the version as received")

			// B fixes the typo while A writes a longer body from the old base.
			_, err = b.Update(ctx, u, func(x article) (article, error) { x.Title = "Hello"; return x, nil })
			require.NoError(t, err)
			ours := base.Value
			ours.Body = "First post. With a second sentence."
			srv.ResetLog()
			res, err := a.Save(ctx, u, base, ours, nil)
			require.NoError(t, err)
			assert.Equal(t, 2, res.Attempts)

			got := storedJSONAt(t, srv, "/articles/1", tc.field)
			assert.Equal(t, "Hello", got["title"], "B's fix survives")
			assert.Equal(t, "First post. With a second sentence.", got["body"], "A's sentence survives")

			header := "If-Match"
			var preconds []string
			for _, e := range srv.Log() {
				if e.Method == http.MethodPut {
					preconds = append(preconds, e.Header.Get(header))
				}
			}
			v1, _ := srv.Version("/articles/1")
			require.Len(t, preconds, 2)
			assert.Equal(t, tc.sent(v0), preconds[0], "first write: the base version, as received")
			assert.NotEqual(t, preconds[0], preconds[1])
			assert.Equal(t, res.ETag, tc.sent(v1), "the result carries the version written")
			if tc.field != "" {
				for _, e := range srv.Log() {
					if e.Method == http.MethodPut {
						assert.NotContains(t, string(e.Body), strings.Split(tc.field, "/")[1], "the version field is not sent back")
					}
				}
			}
		})
	}
}

// TestDocumentConcurrentWriters: many writers of one document through
// each version source and write method; no increment is lost.
func TestDocumentConcurrentWriters(t *testing.T) {
	cases := []struct {
		name   string
		server etagtest.Options
		client client.DocumentOptions
	}{
		{"PUT quoted", etagtest.Options{}, client.DocumentOptions{}},
		{"PUT unquoted 409", etagtest.Options{ETag: etagtest.Unquoted, ConflictStatus: http.StatusConflict}, client.DocumentOptions{}},
		{"merge patch body field", etagtest.Options{ETag: etagtest.NoETag, VersionField: "/eTag", OmitWriteETag: true},
			client.DocumentOptions{VersionField: "/eTag", Write: client.WriteMergePatch}},
		{"JSON patch", etagtest.Options{}, client.DocumentOptions{Write: client.WriteJSONPatch}},
		{"CouchDB-style revision in the body", etagtest.Options{ETag: etagtest.NoETag, VersionField: "/_rev", RequireVersionField: true, ConflictStatus: http.StatusConflict},
			client.DocumentOptions{VersionField: "/_rev", SendVersionField: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newDocServer(t, &tc.server)
			srv.Put("/counter", []byte(`{"title":"counter","views":0}`))
			u := srv.URL + "/counter"
			const writers, each = 6, 5
			var wg sync.WaitGroup
			errs := make(chan error, writers*each)
			for range writers {
				opts := tc.client
				opts.MaxAttempts = 100
				c := newDocClient[article](t, srv, &opts)
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range each {
						_, err := c.Update(context.Background(), u, func(a article) (article, error) { a.Views++; return a, nil })
						errs <- err
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				require.NoError(t, err)
			}
			got := storedJSONAt(t, srv, "/counter", "")
			assert.EqualValues(t, writers*each, got["views"])
			assert.Equal(t, "counter", got["title"])
		})
	}
}

// TestDocumentWriteMethods checks the request each write method sends,
// including the JSON Patch a merge patch falls back to for a null.
func TestDocumentWriteMethods(t *testing.T) {
	type note struct {
		Text   string  `json:"text"`
		Author *string `json:"author"`
	}
	ada := "ada"
	cases := []struct {
		name        string
		write       client.WriteMethod
		edit        func(note) note
		method, ct  string
		body        string
		storedAfter string
	}{
		{"PUT", client.WritePut, func(n note) note { n.Text = "b"; return n }, "PUT", "application/json",
			`{"text":"b","author":"ada","x":1}`, `{"text":"b","author":"ada","x":1}`},
		{"merge patch", client.WriteMergePatch, func(n note) note { n.Text = "b"; return n }, "PATCH", "application/merge-patch+json",
			`{"text":"b"}`, `{"text":"b","author":"ada","x":1}`},
		{"merge patch of a null falls back to JSON Patch", client.WriteMergePatch, func(n note) note { n.Author = nil; return n }, "PATCH", "application/json-patch+json",
			`[{"op":"replace","path":"/author","value":null}]`, `{"text":"a","author":null,"x":1}`},
		{"JSON patch", client.WriteJSONPatch, func(n note) note { n.Text = "b"; n.Author = nil; return n }, "PATCH", "application/json-patch+json",
			`[{"op":"replace","path":"/text","value":"b"},{"op":"replace","path":"/author","value":null}]`, `{"text":"b","author":null,"x":1}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newDocServer(t, nil)
			srv.Put("/n", []byte(`{"text":"a","author":"ada","x":1}`))
			c := newDocClient[note](t, srv, &client.DocumentOptions{Write: tc.write})
			srv.ResetLog()
			res, err := c.Update(context.Background(), srv.URL+"/n", func(n note) (note, error) {
				require.Equal(t, &ada, n.Author, "decoded")
				return tc.edit(n), nil
			})
			require.NoError(t, err)
			assert.Equal(t, client.Updated, res.Outcome)
			log := srv.Log()
			require.Len(t, log, 2)
			w := log[1]
			assert.Equal(t, tc.method, w.Method)
			assert.Equal(t, tc.ct, w.Header.Get("Content-Type"))
			assert.JSONEq(t, tc.body, string(w.Body))
			v0 := log[0].ResponseHeader.Get("ETag")
			assert.Equal(t, v0, w.Header.Get("If-Match"))
			body, _, _ := srv.Get("/n")
			assert.JSONEq(t, tc.storedAfter, string(body))
		})
	}
}

// TestDocumentLostPatch: a PATCH that loses is retried as the patch of the
// new version to the merged result, not the first patch again.
func TestDocumentLostPatch(t *testing.T) {
	for _, write := range []client.WriteMethod{client.WriteMergePatch, client.WriteJSONPatch} {
		t.Run(write.String(), func(t *testing.T) {
			srv := newDocServer(t, nil)
			srv.Put("/a", []byte(`{"title":"Helo","body":"One.","views":3}`))
			u := srv.URL + "/a"
			c := newDocClient[article](t, srv, &client.DocumentOptions{Write: write})
			ctx := context.Background()
			base, err := c.Get(ctx, u)
			require.NoError(t, err)
			// Another writer fixes the title and counts a view.
			srv.Put("/a", []byte(`{"title":"Hello","body":"One.","views":4}`))

			ours := base.Value
			ours.Body = "One. Two."
			srv.ResetLog()
			res, err := c.Save(ctx, u, base, ours, nil)
			require.NoError(t, err)
			assert.Equal(t, 2, res.Attempts)

			var patches []string
			for _, e := range srv.Log() {
				if e.Method == http.MethodPatch {
					patches = append(patches, string(e.Body))
				}
			}
			require.Len(t, patches, 2)
			want := []string{`{"body":"One. Two."}`, `{"body":"One. Two."}`}
			if write == client.WriteJSONPatch {
				want = []string{`[{"op":"replace","path":"/body","value":"One. Two."}]`, `[{"op":"replace","path":"/body","value":"One. Two."}]`}
			}
			assert.JSONEq(t, want[0], patches[0])
			// The retry patches the new version: it neither restores the old
			// title nor the old view count.
			assert.JSONEq(t, want[1], patches[1])
			body, _, _ := srv.Get("/a")
			assert.JSONEq(t, `{"title":"Hello","body":"One. Two.","views":4}`, string(body))
		})
	}
}

// TestDocumentCreate: POST to a collection, the new URL from Location
// (relative or absolute), then writes to it.
func TestDocumentCreate(t *testing.T) {
	for _, abs := range []bool{false, true} {
		t.Run(fmt.Sprint("absolute=", abs), func(t *testing.T) {
			srv := newDocServer(t, &etagtest.Options{Collections: []string{"/articles"}, AbsoluteLocation: abs})
			c := newDocClient[article](t, srv, nil)
			ctx := context.Background()
			res, u, err := c.Create(ctx, srv.URL+"/articles", article{Title: "New"})
			require.NoError(t, err)
			assert.Equal(t, srv.URL+"/articles/1", u)
			assert.Equal(t, client.Created, res.Outcome)
			assert.Equal(t, 1, res.Attempts)
			v, _ := srv.Version("/articles/1")
			assert.Equal(t, `"`+v+`"`, res.ETag)
			assert.Equal(t, "New", res.Value.Title)
			posts := writes(srv, "If-Match")
			assert.Equal(t, []string{"POST /articles  -> 201"}, posts, "a create carries no precondition")

			_, err = c.Update(ctx, u, func(a article) (article, error) { a.Views = 1; return a, nil })
			require.NoError(t, err)
			assert.Equal(t, map[string]any{"title": "New", "body": "", "views": 1.0}, storedJSONAt(t, srv, "/articles/1", ""))
		})
	}
}

// TestDocumentCreateWithoutLocation: a success that does not say where the
// document is gives ErrNoLocation; a create whose answer is lost is sent
// once.
func TestDocumentCreateWithoutLocation(t *testing.T) {
	var posts int
	var mu sync.Mutex
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		posts++
		mu.Unlock()
		switch r.URL.Path {
		case "/nolocation":
			w.WriteHeader(http.StatusCreated)
		case "/drop":
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			conn.Close()
		}
	}))
	t.Cleanup(ts.Close)
	c, err := client.NewDocumentClient[article](&client.DocumentOptions{Options: *fast(nil)})
	require.NoError(t, err)
	_, _, err = c.Create(context.Background(), ts.URL+"/nolocation", article{Title: "x"})
	require.ErrorIs(t, err, client.ErrNoLocation)
	var we *client.WriteError
	require.ErrorAs(t, err, &we)
	assert.Equal(t, http.StatusCreated, we.Status)

	mu.Lock()
	posts = 0
	mu.Unlock()
	_, _, err = c.Create(context.Background(), ts.URL+"/drop", article{Title: "x"})
	require.ErrorIs(t, err, client.ErrOutcomeUnknown)
	mu.Lock()
	assert.Equal(t, 1, posts, "a create with an unknown outcome is never re-sent")
	mu.Unlock()
}

// TestDocumentMissing: If-Match on a document deleted meanwhile, answered
// 404 or 412 as the server chooses, is a deletion either way.
func TestDocumentMissing(t *testing.T) {
	for _, status := range []int{http.StatusNotFound, http.StatusPreconditionFailed} {
		for _, policy := range []client.DeletedPolicy{client.RecreateDeleted, client.FailDeleted} {
			t.Run(fmt.Sprint(status, policy), func(t *testing.T) {
				srv := newDocServer(t, &etagtest.Options{MissingStatus: status})
				srv.Put("/a", []byte(`{"title":"T","body":"B","views":1}`))
				u := srv.URL + "/a"
				c := newDocClient[article](t, srv, &client.DocumentOptions{Options: client.Options{OnDeleted: policy}})
				ctx := context.Background()
				base, err := c.Get(ctx, u)
				require.NoError(t, err)
				srv.Remove("/a")
				ours := base.Value
				ours.Views = 2
				srv.ResetLog()
				res, err := c.Save(ctx, u, base, ours, nil)
				if policy == client.FailDeleted {
					require.ErrorIs(t, err, client.ErrDeleted)
					_, _, ok := srv.Get("/a")
					assert.False(t, ok)
					return
				}
				require.NoError(t, err)
				assert.Equal(t, client.Created, res.Outcome)
				assert.Equal(t, []string{
					fmt.Sprintf("PUT /a If-Match: %s -> %d", base.ETag, status),
					"PUT /a If-None-Match: * -> 201",
				}, writes(srv, "If-Match"))
				// Only what ours changed comes back.
				assert.Equal(t, map[string]any{"views": 2.0}, storedJSONAt(t, srv, "/a", ""))
			})
		}
	}
}

// TestDocumentPatchAbsent: a PATCH client creates an absent document with
// a PUT and If-None-Match: *, or refuses to, as OnAbsent says.
func TestDocumentPatchAbsent(t *testing.T) {
	srv := newDocServer(t, nil)
	ctx := context.Background()
	c := newDocClient[article](t, srv, &client.DocumentOptions{Write: client.WriteMergePatch})
	res, err := c.Update(ctx, srv.URL+"/new", func(a article) (article, error) { a.Title = "x"; return a, nil })
	require.NoError(t, err)
	assert.Equal(t, client.Created, res.Outcome)
	assert.Equal(t, []string{"PUT /new If-None-Match: * -> 201"}, writes(srv, "If-Match"))

	f := newDocClient[article](t, srv, &client.DocumentOptions{Write: client.WriteMergePatch, OnAbsent: client.FailAbsent})
	srv.ResetLog()
	_, err = f.Update(ctx, srv.URL+"/other", func(a article) (article, error) { a.Title = "x"; return a, nil })
	require.ErrorIs(t, err, client.ErrNotFound)
	assert.Empty(t, writes(srv, "If-Match"))
}

// TestDocumentCompressedETag: a server that suffixes the ETag of
// compressed answers (mod_deflate) is read with the identity encoding, so
// the ETag read is the one a write matches.
func TestDocumentCompressedETag(t *testing.T) {
	srv := newDocServer(t, &etagtest.Options{Gzip: true})
	srv.Put("/a", []byte(`{"title":"T","body":"`+strings.Repeat("long text ", 100)+`","views":1}`))
	c := newDocClient[article](t, srv, nil)
	srv.ResetLog()
	res, err := c.Update(context.Background(), srv.URL+"/a", func(a article) (article, error) { a.Views++; return a, nil })
	require.NoError(t, err)
	assert.Equal(t, 1, res.Attempts)
	log := srv.Log()
	require.Equal(t, http.MethodGet, log[0].Method)
	assert.Equal(t, "identity", log[0].Header.Get("Accept-Encoding"))
	assert.NotContains(t, log[0].ResponseHeader.Get("ETag"), "gzip")

	// What a client that let the transport ask for gzip would have met.
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/a", nil)
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Contains(t, resp.Header.Get("ETag"), "-gzip")
}

// TestDocumentWeakETags: ETags that are weak just after a write are read
// again until strong; ETags that stay weak fail with an error that names
// the fix.
func TestDocumentWeakETags(t *testing.T) {
	srv := newDocServer(t, &etagtest.Options{ETag: etagtest.WeakAfterWrite, WeakFor: 30 * time.Millisecond})
	c := newDocClient[article](t, srv, &client.DocumentOptions{Options: client.Options{
		ConflictBackoff: func(int) time.Duration { return 20 * time.Millisecond }, WeakETagRereads: 10,
	}})
	ctx := context.Background()
	for i := range 3 {
		_, err := c.Update(ctx, srv.URL+"/a", func(a article) (article, error) { a.Views++; return a, nil })
		require.NoError(t, err, "update %d", i)
	}
	assert.EqualValues(t, 3, storedJSONAt(t, srv, "/a", "")["views"])

	weak := newDocServer(t, &etagtest.Options{ETag: etagtest.Weak})
	weak.Put("/a", []byte(`{"views":1}`))
	wc := newDocClient[article](t, weak, nil)
	_, err := wc.Update(ctx, weak.URL+"/a", func(a article) (article, error) { a.Views++; return a, nil })
	require.ErrorIs(t, err, client.ErrWeakETag)
	assert.Contains(t, err.Error(), "FileETag Digest")
	for _, e := range weak.Log() {
		assert.Equal(t, http.MethodGet, e.Method, "nothing is written without a strong ETag")
	}
}

// TestDocumentVersionInValue: with the version in the body, a decoded
// value sees it, Raw holds it, and a Save built from that value never
// sends it back as data.
func TestDocumentVersionInValue(t *testing.T) {
	type shipment struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		ETag   string `json:"eTag"`
	}
	srv := newDocServer(t, &etagtest.Options{ETag: etagtest.NoETag, VersionField: "/eTag"})
	srv.Put("/s/1", []byte(`{"id":"1","status":"packed","carrier":"ups"}`))
	c := newDocClient[shipment](t, srv, &client.DocumentOptions{VersionField: "/eTag", Write: client.WriteMergePatch})
	ctx := context.Background()
	d, err := c.Get(ctx, srv.URL+"/s/1")
	require.NoError(t, err)
	v, _ := srv.Version("/s/1")
	assert.Equal(t, v, d.ETag)
	assert.Equal(t, v, d.Value.ETag)
	assert.Contains(t, string(d.Raw), `"eTag":"`+v+`"`)

	ours := d.Value
	ours.Status = "shipped"
	ours.ETag = "forged"
	srv.ResetLog()
	res, err := c.Save(ctx, srv.URL+"/s/1", d, ours, nil)
	require.NoError(t, err)
	log := srv.Log()
	require.Len(t, log, 2, "the PATCH, and a read-back for the version its 204 did not carry")
	assert.Equal(t, http.MethodGet, log[1].Method)
	assert.JSONEq(t, `{"status":"shipped"}`, string(log[0].Body))
	assert.Equal(t, v, log[0].Header.Get("If-Match"))
	v2, _ := srv.Version("/s/1")
	assert.Equal(t, v2, res.ETag)
	assert.Equal(t, v2, res.Value.ETag)
	assert.Equal(t, map[string]any{"id": "1", "status": "shipped", "carrier": "ups"}, storedJSONAt(t, srv, "/s/1", "/eTag"))
}

// TestDocumentProbeVerdicts probes the ETag test server in each mode and
// shape.
func TestDocumentProbeVerdicts(t *testing.T) {
	cases := []struct {
		name    string
		server  etagtest.Options
		client  client.DocumentOptions
		collect bool
		want    client.Protection
	}{
		{"enforce", etagtest.Options{}, client.DocumentOptions{}, false, client.Enforcing},
		{"ignore", etagtest.Options{Preconditions: etagtest.Ignore}, client.DocumentOptions{}, false, client.Ignoring},
		{"check then write", etagtest.Options{Preconditions: etagtest.CheckThenWrite}, client.DocumentOptions{}, false, client.Racy},
		{"weak ETags", etagtest.Options{ETag: etagtest.Weak}, client.DocumentOptions{}, false, client.NoETag},
		{"no ETag", etagtest.Options{ETag: etagtest.NoETag}, client.DocumentOptions{}, false, client.NoETag},
		{"version in the body, PATCH, POST-create", etagtest.Options{ETag: etagtest.NoETag, VersionField: "/eTag", Collections: []string{"/shipments"}},
			client.DocumentOptions{VersionField: "/eTag", Write: client.WriteMergePatch}, true, client.Enforcing},
		{"409 and 404", etagtest.Options{ConflictStatus: 409, ExistsStatus: 409, MissingStatus: 404, OmitWriteETag: true}, client.DocumentOptions{}, false, client.Enforcing},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newDocServer(t, &tc.server)
			c := newDocClient[article](t, srv, &tc.client)
			opts := &client.ProbeOptions{Races: 20, WaitStrong: 200 * time.Millisecond}
			if tc.collect {
				opts.Collection = srv.URL + "/shipments"
			}
			rep, err := c.Probe(context.Background(), srv.URL+"/scratch", opts)
			require.NoError(t, err)
			assert.Equal(t, tc.want, rep.Protection, "%+v", *rep)
			if tc.want == client.Enforcing {
				assert.Equal(t, 20, rep.Races)
				assert.Zero(t, rep.RacesLost)
				assert.GreaterOrEqual(t, rep.Stale, 409)
			}
			if tc.name == "409 and 404" {
				assert.Equal(t, 409, rep.Stale)
				assert.Equal(t, 409, rep.Exists)
				assert.Equal(t, 404, rep.Missing)
				assert.False(t, rep.WriteETag)
			}
			// Nothing is left behind.
			for _, p := range []string{"/scratch", "/shipments/1"} {
				_, _, ok := srv.Get(p)
				assert.False(t, ok, "%s left behind", p)
			}
		})
	}
	// A scratch document that exists is never touched.
	srv := newDocServer(t, nil)
	srv.Put("/scratch", []byte(`{"keep":true}`))
	c := newDocClient[article](t, srv, nil)
	_, err := c.Probe(context.Background(), srv.URL+"/scratch", nil)
	require.ErrorIs(t, err, client.ErrProbe)
	body, _, _ := srv.Get("/scratch")
	assert.JSONEq(t, `{"keep":true}`, string(body))
}

// TestDocumentOptionsRefused: options that cannot work are refused when
// the client is made.
func TestDocumentOptionsRefused(t *testing.T) {
	for _, o := range []client.DocumentOptions{
		{VersionField: "eTag"},
		{VersionField: "/a", VersionFunc: func(http.Header, []byte) (string, error) { return "", nil }},
		{PreconditionHeader: "If-None-Match"},
		{PreconditionHeader: "Bad Header"},
		{Write: client.WriteMethod(9)},
		{OnAbsent: client.AbsentPolicy(5)},
	} {
		_, err := client.NewDocumentClient[article](&o)
		assert.Error(t, err, "%+v", o)
	}
	c, err := client.NewDocumentClient[article](nil)
	require.NoError(t, err)
	_, err = c.Get(context.Background(), "/relative")
	assert.Error(t, err)
	err = c.Delete(context.Background(), "http://127.0.0.1:1/a", "")
	assert.True(t, errors.Is(err, client.ErrPreconditionRequired))
}

// TestDocumentMergeFunc: a caller's merge function with the text resolver
// keeps two edits of one string.
func TestDocumentMergeFunc(t *testing.T) {
	srv := newDocServer(t, nil)
	srv.Put("/a", []byte(`{"title":"T","body":"Teh quick fox.","views":0}`))
	u := srv.URL + "/a"
	c := newDocClient[article](t, srv, nil)
	ctx := context.Background()
	base, err := c.Get(ctx, u)
	require.NoError(t, err)
	_, err = c.Update(ctx, u, func(a article) (article, error) { a.Body = "The quick fox."; return a, nil })
	require.NoError(t, err)
	ours := base.Value
	ours.Body = "Teh quick fox. It jumps."
	m := merge.FieldUnion[article](&merge.Options{Resolvers: map[string]merge.Resolver{"/body": merge.Text(merge.Ours)}})
	_, err = c.Save(ctx, u, base, ours, m)
	require.NoError(t, err)
	assert.Equal(t, "The quick fox. It jumps.", storedJSONAt(t, srv, "/a", "")["body"])
}

// TestDocumentNoVersion: a document without the version field cannot be
// written conditionally; nothing is written.
func TestDocumentNoVersion(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			t.Errorf("unexpected %s", r.Method)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"title":"no version here"}`))
	}))
	t.Cleanup(ts.Close)
	c, err := client.NewDocumentClient[article](&client.DocumentOptions{Options: *fast(nil), VersionField: "/eTag"})
	require.NoError(t, err)
	_, err = c.Update(context.Background(), ts.URL+"/a", func(a article) (article, error) { a.Views++; return a, nil })
	require.ErrorIs(t, err, client.ErrNoVersion)
	assert.Contains(t, err.Error(), "/eTag")
}

// TestDocumentPreconditionHeader: the version goes in the header the API
// names, exactly as read.
func TestDocumentPreconditionHeader(t *testing.T) {
	var mu sync.Mutex
	var got []string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
			w.Header().Set("X-Revision", "rev 7")
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"title":"a"}`))
		case http.MethodPut:
			mu.Lock()
			got = append(got, r.Header.Get("X-If-Revision")+"|"+r.Header.Get("If-Match"))
			mu.Unlock()
			w.Header().Set("X-Revision", "rev 8")
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	t.Cleanup(ts.Close)
	c, err := client.NewDocumentClient[article](&client.DocumentOptions{
		Options:            *fast(nil),
		PreconditionHeader: "X-If-Revision",
		VersionFunc:        func(h http.Header, _ []byte) (string, error) { return h.Get("X-Revision"), nil },
	})
	require.NoError(t, err)
	res, err := c.Update(context.Background(), ts.URL+"/a", func(a article) (article, error) { a.Title = "b"; return a, nil })
	require.NoError(t, err)
	assert.Equal(t, "rev 8", res.ETag)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"rev 7|"}, got)
}

// TestDocumentAnswerVersion: a write answered with a body that holds the
// version gives a result at that version; the answer's body is not taken
// for the document (it may be a status object or the version alone), so
// the result holds what was written.
func TestDocumentAnswerVersion(t *testing.T) {
	type stamped struct {
		A     int    `json:"a"`
		Stamp string `json:"stamp"`
	}
	for _, answer := range []string{`{"eTag":"v2","a":2,"stamp":"t2"}`, `{"eTag":"v2"}`} {
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			switch r.Method {
			case http.MethodGet:
				w.Write([]byte(`{"eTag":"v1","a":1,"stamp":"t1","other":true}`))
			case http.MethodPatch:
				if r.Header.Get("If-Match") != "v1" {
					w.WriteHeader(http.StatusPreconditionFailed)
					return
				}
				w.Write([]byte(answer))
			}
		}))
		t.Cleanup(ts.Close)
		c, err := client.NewDocumentClient[stamped](&client.DocumentOptions{Options: *fast(nil), VersionField: "/eTag", Write: client.WriteMergePatch})
		require.NoError(t, err)
		d, err := c.Get(context.Background(), ts.URL+"/x")
		require.NoError(t, err)
		assert.Equal(t, `{"eTag":"v1","a":1,"stamp":"t1","other":true}`, string(d.Raw), "Raw is the document as read")
		res, err := c.Update(context.Background(), ts.URL+"/x", func(s stamped) (stamped, error) { s.A = 2; return s, nil })
		require.NoError(t, err)
		assert.Equal(t, "v2", res.ETag)
		assert.Equal(t, stamped{A: 2, Stamp: "t1"}, res.Value)
		assert.JSONEq(t, `{"a":2,"stamp":"t1","other":true,"eTag":"v2"}`, string(res.Raw), "what was written, at the new version")
	}
}

// TestDocumentVersionThatIsAList: a version read from the body that a
// precondition header would read as "any" or as a list is refused, and
// nothing is written.
func TestDocumentVersionThatIsAList(t *testing.T) {
	for _, v := range []string{"*", "a,b"} {
		var writes atomic.Int32
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet {
				writes.Add(1)
				w.WriteHeader(http.StatusNoContent)
				return
			}
			w.Write([]byte(`{"eTag":"` + v + `","views":1}`))
		}))
		t.Cleanup(ts.Close)
		c, err := client.NewDocumentClient[article](&client.DocumentOptions{Options: *fast(nil), VersionField: "/eTag"})
		require.NoError(t, err)
		_, err = c.Update(context.Background(), ts.URL+"/d", func(a article) (article, error) { a.Views++; return a, nil })
		require.ErrorIs(t, err, client.ErrInvalidETag, v)
		assert.Zero(t, writes.Load(), v)
	}
}

// TestDocumentCreateOtherOrigin: a Location on another origin is refused:
// the client's credentials are for the collection's origin only.
func TestDocumentCreateOtherOrigin(t *testing.T) {
	var sawAuth atomic.Bool
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			sawAuth.Store(true)
		}
		w.WriteHeader(http.StatusNotFound)
	}))
	t.Cleanup(other.Close)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", other.URL+"/new")
		w.WriteHeader(http.StatusCreated)
	}))
	t.Cleanup(api.Close)
	c, err := client.NewDocumentClient[article](&client.DocumentOptions{Options: *fast(&client.Options{Username: "alice", Password: "s3cret"})})
	require.NoError(t, err)
	_, _, err = c.Create(context.Background(), api.URL+"/coll", article{Title: "a"})
	require.ErrorIs(t, err, client.ErrNoLocation)
	assert.Contains(t, err.Error(), "another origin")
	assert.False(t, sawAuth.Load(), "nothing is sent to the other origin")
}

// TestDocumentWriteNeverFollowsRedirect: a PATCH or PUT answered by a
// redirect wrote nothing, and nothing is sent where the redirect points.
func TestDocumentWriteNeverFollowsRedirect(t *testing.T) {
	for _, write := range []client.WriteMethod{client.WritePut, client.WriteMergePatch} {
		for _, code := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
			t.Run(fmt.Sprint(write, code), func(t *testing.T) {
				var elsewhere atomic.Int32
				ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == "/elsewhere" {
						elsewhere.Add(1)
						w.WriteHeader(http.StatusNoContent)
						return
					}
					if r.Method == http.MethodGet {
						w.Header().Set("ETag", `"1"`)
						w.Write([]byte(`{"views":1}`))
						return
					}
					http.Redirect(w, r, "/elsewhere", code)
				}))
				t.Cleanup(ts.Close)
				c, err := client.NewDocumentClient[article](&client.DocumentOptions{Options: *fast(nil), Write: write})
				require.NoError(t, err)
				_, err = c.Update(context.Background(), ts.URL+"/a", func(a article) (article, error) { a.Views++; return a, nil })
				require.ErrorIs(t, err, client.ErrRedirect)
				var he *client.HTTPError
				require.ErrorAs(t, err, &he)
				assert.Equal(t, code, he.StatusCode)
				assert.Contains(t, he.Location, "/elsewhere")
				assert.Zero(t, elsewhere.Load(), "the redirect is not followed")
			})
		}
	}
}

// TestDocumentSharedClient: one client shared by many goroutines of one
// process, all incrementing one document: none lost.
func TestDocumentSharedClient(t *testing.T) {
	srv := newDocServer(t, nil)
	srv.Put("/c", []byte(`{"views":0}`))
	c := newDocClient[article](t, srv, &client.DocumentOptions{Options: client.Options{MaxAttempts: 200}, Write: client.WriteMergePatch})
	const goroutines, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*each)
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				_, err := c.Update(context.Background(), srv.URL+"/c", func(a article) (article, error) { a.Views++; return a, nil })
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.EqualValues(t, goroutines*each, storedJSONAt(t, srv, "/c", "")["views"])
}

// TestPatchWritesStartAWriteLog: a PATCH write with a write log onto a
// document that has no log yet adds one, whichever patch format.
func TestPatchWritesStartAWriteLog(t *testing.T) {
	for _, write := range []client.WriteMethod{client.WriteMergePatch, client.WriteJSONPatch} {
		t.Run(write.String(), func(t *testing.T) {
			srv := newDocServer(t, nil)
			u := srv.URL + "/articles/1"
			plain := newDocClient[article](t, srv, nil)
			_, err := plain.Update(context.Background(), u, func(a article) (article, error) { a.Title = "t"; return a, nil })
			require.NoError(t, err)

			c := newDocClient[article](t, srv, &client.DocumentOptions{Options: client.Options{WriteLog: "/_writes"}, Write: write})
			for range 2 {
				_, err = c.Update(context.Background(), u, func(a article) (article, error) { a.Views++; return a, nil })
				require.NoError(t, err)
			}
			d, err := plain.Get(context.Background(), u)
			require.NoError(t, err)
			var stored struct {
				Views  int      `json:"views"`
				Writes []string `json:"_writes"`
			}
			require.NoError(t, json.Unmarshal(d.Raw, &stored))
			assert.Equal(t, 2, stored.Views)
			assert.Len(t, stored.Writes, 2)
		})
	}
}
