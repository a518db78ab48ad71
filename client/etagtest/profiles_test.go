package etagtest_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/client/etagtest"
)

// TestProfiles checks each profile against the servers it stands for: the
// status of a stale If-Match, of If-None-Match "*" on an existing
// document and of If-Match on a missing one, whether a write answer
// carries an ETag, and the ETag a read carries just after a write.
func TestProfiles(t *testing.T) {
	tests := []struct {
		profile        string
		staleIfMatch   int
		noneMatchStar  int
		ifMatchMissing int
		writeETag      bool
		readETag       string
	}{
		{profile: "apache", staleIfMatch: 412, noneMatchStar: 412, ifMatchMissing: 412, readETag: `W/"v1"`},
		{profile: "apache-digest", staleIfMatch: 412, noneMatchStar: 412, ifMatchMissing: 412, readETag: `"v1"`},
		{profile: "nginx-dav", staleIfMatch: 204, noneMatchStar: 204, ifMatchMissing: 201, readETag: `"v1"`},
		{profile: "azurite", staleIfMatch: 412, noneMatchStar: 409, ifMatchMissing: 412, writeETag: true, readETag: `"v1"`},
		{profile: "s3-compatible", staleIfMatch: 412, noneMatchStar: 412, ifMatchMissing: 404, writeETag: true, readETag: `"v1"`},
		// If-Match is ignored on PUT: the _rev in the body decides.
		{profile: "couchdb", staleIfMatch: 204, noneMatchStar: 204, ifMatchMissing: 201, writeETag: true, readETag: `"v1"`},
		{profile: "json-server", staleIfMatch: 204, noneMatchStar: 204, ifMatchMissing: 201, writeETag: true, readETag: `W/"v1"`},
		{profile: "racy-lrs", staleIfMatch: 412, noneMatchStar: 412, ifMatchMissing: 412, readETag: `"v1"`},
	}
	profiles := map[string]*etagtest.Options{}
	var names []string
	for _, p := range etagtest.Profiles() {
		profiles[p.Name] = p.Options
		names = append(names, p.Name)
	}
	require.Len(t, names, len(tests))
	for i, tt := range tests {
		assert.Equal(t, tt.profile, names[i], "Profiles order")
		t.Run(tt.profile, func(t *testing.T) {
			opts := profiles[tt.profile]
			require.NotNil(t, opts)
			// status sends one PUT to a fresh server holding /doc (when
			// stored) and returns its status and ETag header.
			status := func(stored bool, header map[string]string) (int, []string) {
				srv := etagtest.NewServer(opts)
				defer srv.Close()
				body := `{"n":2}`
				if stored {
					srv.Put("/doc", []byte(`{"n":1}`))
					if opts.RequireVersionField {
						v, _ := srv.Version("/doc")
						body = `{"n":2,"_rev":"` + v + `"}`
					}
				}
				r := put(t, srv, "/doc", body, header)
				return r.Status, r.Header.Values("ETag")
			}
			st, _ := status(true, ifMatch(`"v0"`))
			assert.Equal(t, tt.staleIfMatch, st, "stale If-Match")
			st, _ = status(true, ifNoneMatch("*"))
			assert.Equal(t, tt.noneMatchStar, st, "If-None-Match * on an existing document")
			st, _ = status(false, ifMatch(`"v1"`))
			assert.Equal(t, tt.ifMatchMissing, st, "If-Match on a missing document")
			st, tags := status(false, nil)
			assert.Equal(t, http.StatusCreated, st)
			assert.Equal(t, tt.writeETag, len(tags) > 0, "ETag on the write answer: %v", tags)

			srv := etagtest.NewServer(opts)
			defer srv.Close()
			srv.Put("/doc", []byte(`{"n":1}`))
			assert.Equal(t, tt.readETag, get(t, srv, "/doc", map[string]string{"Accept-Encoding": "identity"}).Header.Get("ETag"))
		})
	}
}

func TestCouchDBProfile(t *testing.T) {
	srv := etagtest.NewServer(etagtest.CouchDB())
	defer srv.Close()
	srv.Put("/db/doc", []byte(`{"n":1}`))
	got := get(t, srv, "/db/doc", nil)
	assert.JSONEq(t, `{"n":1,"_rev":"v1"}`, got.Body)
	assert.Equal(t, http.StatusConflict, put(t, srv, "/db/doc", `{"n":2,"_rev":"v0"}`, ifMatch(`"v1"`)).Status, "stale _rev")
	assert.Equal(t, http.StatusNoContent, put(t, srv, "/db/doc", `{"n":2,"_rev":"v1"}`, nil).Status)
}
