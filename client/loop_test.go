package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/client"
	"github.com/ifmatch/ifmatch/merge"
	"github.com/ifmatch/ifmatch/statedoc"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

func TestTwoCreatorsRace(t *testing.T) {
	srv := newServer(t, nil)
	// Another client creates the document between our read (404) and our create.
	srv.Script(statedoctest.Script{Method: http.MethodPut, Before: func() {
		srv.SetDocument(key, "application/json", []byte(`{"page":7,"checked":{"intro":true}}`))
	}})
	c := newClient[progress](t, srv, nil)

	res, err := c.Update(context.Background(), key, turnPage)
	require.NoError(t, err)
	assert.Equal(t, client.Updated, res.Outcome, "the lost create became an update")
	assert.Equal(t, 2, res.Attempts)
	assert.Equal(t, progress{Page: 8, Checked: map[string]bool{"intro": true}}, res.Value)
	assert.JSONEq(t, `{"page":8,"checked":{"intro":true}}`, storedJSON(t, srv))
	assert.Equal(t, []string{"GET -> 404", "PUT If-None-Match:* -> 412", "GET -> 200", "PUT If-Match -> 204"}, exchanges(srv))
}

func TestTwoCreatorsRaceSave(t *testing.T) {
	srv := newServer(t, nil)
	c := newClient[progress](t, srv, nil)
	base, err := c.Get(context.Background(), key)
	require.NoError(t, err)
	require.False(t, base.Exists)
	srv.SetDocument(key, "application/json", []byte(`{"page":3}`))

	res, err := c.Save(context.Background(), key, base, progress{Checked: map[string]bool{"quiz": true}}, nil)
	require.NoError(t, err)
	assert.Equal(t, client.Updated, res.Outcome)
	assert.JSONEq(t, `{"page":3,"checked":{"quiz":true}}`, storedJSON(t, srv),
		"two concurrent creations merge member by member")
}

func TestDeletedDuringTheLoop(t *testing.T) {
	tests := []struct {
		name    string
		policy  client.DeletedPolicy
		wantErr error
		final   string // "" = absent
	}{
		{name: "recreate replays the edit on the zero value", policy: client.RecreateDeleted, final: `{"page":1}`},
		{name: "fail returns ErrDeleted", policy: client.FailDeleted, wantErr: client.ErrDeleted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, nil)
			srv.SetDocument(key, "application/json", []byte(`{"page":5}`))
			srv.Script(statedoctest.Script{Method: http.MethodPut, Before: func() { srv.DeleteDocument(key) }})
			c := newClient[progress](t, srv, &client.Options{OnDeleted: tt.policy})

			res, err := c.Update(context.Background(), key, turnPage)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				_, ok := srv.Document(key)
				assert.False(t, ok, "nothing was recreated")
				assert.Equal(t, []string{"GET -> 200", "PUT If-Match -> 412", "GET -> 404"}, exchanges(srv))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, client.Created, res.Outcome)
			assert.JSONEq(t, tt.final, storedJSON(t, srv))
			assert.Equal(t, []string{"GET -> 200", "PUT If-Match -> 412", "GET -> 404", "PUT If-None-Match:* -> 204"}, exchanges(srv))
		})
	}
}

func TestDeletedDuringSave(t *testing.T) {
	srv := newServer(t, nil)
	srv.SetDocument(key, "application/json", []byte(`{"page":5}`))
	c := newClient[progress](t, srv, nil)
	base, err := c.Get(context.Background(), key)
	require.NoError(t, err)
	srv.DeleteDocument(key)

	res, err := c.Save(context.Background(), key, base, progress{Page: 6}, nil)
	require.NoError(t, err)
	assert.Equal(t, client.Created, res.Outcome)
	assert.JSONEq(t, `{"page":6}`, storedJSON(t, srv))

	srv.SetDocument(key, "application/json", []byte(`{"page":1}`))
	base, err = c.Get(context.Background(), key)
	require.NoError(t, err)
	srv.DeleteDocument(key)
	strict := newClient[progress](t, srv, &client.Options{OnDeleted: client.FailDeleted})
	_, err = strict.Save(context.Background(), key, base, progress{Page: 2}, nil)
	require.ErrorIs(t, err, client.ErrDeleted)
}

func TestContextCancelledDuringBackoff(t *testing.T) {
	srv := newServer(t, nil)
	srv.SetDocument(key, "application/json", []byte(`{"page":1}`))
	srv.Script(statedoctest.Script{Method: http.MethodPut, Status: http.StatusPreconditionFailed, Times: 10})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := newClient[progress](t, srv, &client.Options{ConflictBackoff: func(int) time.Duration {
		time.AfterFunc(20*time.Millisecond, cancel) // the context ends while the loop waits
		return time.Hour
	}})

	done := make(chan error, 1)
	go func() {
		_, err := c.Update(ctx, key, turnPage)
		done <- err
	}()
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.Canceled)
		var we *client.WriteError
		require.ErrorAs(t, err, &we)
		assert.Equal(t, 1, we.Attempts)
		assert.Zero(t, we.Status, "the context stopped the call, not an answer")
	case <-time.After(10 * time.Second):
		t.Fatal("Update did not stop when its context ended")
	}
	assert.Equal(t, 1, countMethod(srv, http.MethodPut))
}

func TestContextAlreadyDone(t *testing.T) {
	srv := newServer(t, nil)
	c := newClient[progress](t, srv, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Update(ctx, key, turnPage)
	require.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, srv.Log(), "nothing is sent once the context has ended")
}

func TestAuthAndLimitsAreNotRetried(t *testing.T) {
	tests := []struct {
		name    string
		server  statedoctest.Options
		user    string
		body    string
		wantErr error
		log     []string
	}{
		{
			name: "401 without credentials", server: statedoctest.Options{Username: "app", Password: "s3cret"},
			wantErr: client.ErrUnauthorized, log: []string{"GET -> 401"},
		},
		{
			name: "401 with wrong credentials", server: statedoctest.Options{Username: "app", Password: "s3cret"},
			user: "app", wantErr: client.ErrUnauthorized, log: []string{"GET -> 401"},
		},
		{
			name: "413 for a document over the limit", server: statedoctest.Options{MaxDocumentSize: 64},
			body: strings.Repeat("x", 100), wantErr: client.ErrTooLarge,
			log: []string{"GET -> 404", "PUT If-None-Match:* -> 413"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, &tt.server)
			c := newClient[[]byte](t, srv, &client.Options{Username: tt.user, Password: "wrong-password"})
			_, err := c.Update(context.Background(), key, func([]byte) ([]byte, error) { return []byte(tt.body), nil })
			require.ErrorIs(t, err, tt.wantErr)
			var he *client.HTTPError
			require.ErrorAs(t, err, &he)
			assert.NotContains(t, err.Error(), "wrong-password")
			assert.NotContains(t, err.Error(), "Authorization")
			assert.Equal(t, tt.log, exchanges(srv))
		})
	}
}

func TestCredentialsAreSent(t *testing.T) {
	srv := newServer(t, &statedoctest.Options{Username: "app", Password: "s3cret"})
	c := newClient[progress](t, srv, &client.Options{Username: "app", Password: "s3cret"})
	res, err := c.Update(context.Background(), key, turnPage)
	require.NoError(t, err)
	assert.Equal(t, client.Created, res.Outcome)
	for _, e := range srv.Log() {
		assert.Equal(t, statedoc.Version103, e.RequestHeader.Get(statedoc.HeaderVersion))
	}
}

// TestOtherAppsFieldsSurvive proves a typed client never drops what T does
// not declare, in Update and in Save, with and without a conflict.
func TestOtherAppsFieldsSurvive(t *testing.T) {
	const stored = `{"page":1,"otherApp":{"bookmarks":[3,1,2],"ratio":1.50},"big":12345678901234567890,"note":null}`
	t.Run("update", func(t *testing.T) {
		srv := newServer(t, nil)
		srv.SetDocument(key, "application/json", []byte(stored))
		c := newClient[progress](t, srv, nil)
		_, err := c.Update(context.Background(), key, turnPage)
		require.NoError(t, err)
		got := storedJSON(t, srv)
		assert.JSONEq(t, `{"page":2,"otherApp":{"bookmarks":[3,1,2],"ratio":1.50},"big":12345678901234567890,"note":null}`, got)
		assert.Contains(t, got, `1.50`, "numbers keep their exact text")
		assert.Contains(t, got, `12345678901234567890`)
	})
	t.Run("save after a conflict in which the other app changed its fields", func(t *testing.T) {
		srv := newServer(t, nil)
		srv.SetDocument(key, "application/json", []byte(stored))
		c := newClient[progress](t, srv, nil)
		base, err := c.Get(context.Background(), key)
		require.NoError(t, err)
		srv.SetDocument(key, "application/json", []byte(`{"page":1,"otherApp":{"bookmarks":[3,1,2,9],"ratio":1.50},"big":12345678901234567890,"note":null,"added":true}`))

		ours := base.Value
		ours.Checked = map[string]bool{"intro": true}
		res, err := c.Save(context.Background(), key, base, ours, nil)
		require.NoError(t, err)
		assert.Equal(t, 2, res.Attempts)
		assert.JSONEq(t, `{"page":1,"checked":{"intro":true},"otherApp":{"bookmarks":[3,1,2,9],"ratio":1.50},"big":12345678901234567890,"note":null,"added":true}`, storedJSON(t, srv))
		require.NotNil(t, res.Report)
	})
	t.Run("save with last-write-wins keeps what T does not declare", func(t *testing.T) {
		srv := newServer(t, nil)
		srv.SetDocument(key, "application/json", []byte(stored))
		c := newClient[progress](t, srv, nil)
		base, err := c.Get(context.Background(), key)
		require.NoError(t, err)
		srv.SetDocument(key, "application/json", []byte(`{"page":9,"otherApp":{"bookmarks":[]}}`))

		res, err := c.Save(context.Background(), key, base, progress{Page: 4}, merge.LastWriteWins[progress]())
		require.NoError(t, err)
		assert.Equal(t, progress{Page: 4}, res.Value)
		assert.JSONEq(t, `{"page":4,"otherApp":{"bookmarks":[]}}`, storedJSON(t, srv))
	})
	t.Run("edits that change maps in place", func(t *testing.T) {
		srv := newServer(t, nil)
		srv.SetDocument(key, "application/json", []byte(`{"page":1,"checked":{"a":true},"x":1}`))
		c := newClient[progress](t, srv, nil)
		_, err := c.Update(context.Background(), key, func(p progress) (progress, error) {
			p.Checked["b"] = true
			return p, nil
		})
		require.NoError(t, err)
		assert.JSONEq(t, `{"page":1,"checked":{"a":true,"b":true},"x":1}`, storedJSON(t, srv))

		base, err := c.Get(context.Background(), key)
		require.NoError(t, err)
		ours := base.Value
		ours.Checked["c"] = true // shares the map with base.Value
		_, err = c.Save(context.Background(), key, base, ours, nil)
		require.NoError(t, err)
		assert.JSONEq(t, `{"page":1,"checked":{"a":true,"b":true,"c":true},"x":1}`, storedJSON(t, srv))
	})
}

func TestUnchangedSendsNothing(t *testing.T) {
	srv := newServer(t, nil)
	srv.SetDocument(key, "application/json", []byte(`{"page":3,"other":"kept"}`))
	c := newClient[progress](t, srv, nil)
	res, err := c.Update(context.Background(), key, func(p progress) (progress, error) { return p, nil })
	require.NoError(t, err)
	assert.Equal(t, client.Unchanged, res.Outcome)
	assert.Equal(t, 0, res.Attempts)
	assert.Equal(t, 0, countMethod(srv, http.MethodPut))

	base, err := c.Get(context.Background(), key)
	require.NoError(t, err)
	res, err = c.Save(context.Background(), key, base, base.Value, nil)
	require.NoError(t, err)
	assert.Equal(t, client.Unchanged, res.Outcome)
	assert.Equal(t, base.ETag, res.ETag)
	assert.Equal(t, 0, countMethod(srv, http.MethodPut))
}

func TestEditErrorStopsTheWrite(t *testing.T) {
	srv := newServer(t, nil)
	srv.SetDocument(key, "application/json", []byte(`{"page":3}`))
	c := newClient[progress](t, srv, nil)
	errNo := errors.New("the learner has finished")
	_, err := c.Update(context.Background(), key, func(p progress) (progress, error) { return p, errNo })
	require.ErrorIs(t, err, errNo)
	assert.Equal(t, 0, countMethod(srv, http.MethodPut))
}

func TestWriteAnswerWithoutETag(t *testing.T) {
	tests := []struct {
		name     string
		scripts  func(srv *statedoctest.Server) []statedoctest.Script
		wantETag bool
		log      []string
	}{
		{
			name: "read-back finds our bytes and takes their ETag",
			scripts: func(*statedoctest.Server) []statedoctest.Script {
				return []statedoctest.Script{{Method: http.MethodPut, Header: http.Header{"Etag": nil}}}
			},
			wantETag: true,
			log:      []string{"GET -> 200", "PUT If-Match -> 204", "GET -> 200"},
		},
		{
			name: "read-back finds a later write: the ETag of ours is unknown",
			scripts: func(srv *statedoctest.Server) []statedoctest.Script {
				reads := 0
				return []statedoctest.Script{
					{Method: http.MethodPut, Header: http.Header{"Etag": nil}},
					{Method: http.MethodGet, Times: 2, Before: func() {
						reads++
						if reads == 2 { // after our write, before the read-back
							srv.SetDocument(key, "application/json", []byte(`{"page":99}`))
						}
					}},
				}
			},
			log: []string{"GET -> 200", "PUT If-Match -> 204", "GET -> 200"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, &statedoctest.Options{OmitWriteETag: true})
			srv.SetDocument(key, "application/json", []byte(`{"page":1}`))
			c := newClient[progress](t, srv, nil)
			_, err := c.Get(context.Background(), key) // not logged below
			require.NoError(t, err)
			srv.ResetLog()
			for _, sc := range tt.scripts(srv) {
				srv.Script(sc)
			}
			res, err := c.Update(context.Background(), key, turnPage)
			require.NoError(t, err)
			assert.Equal(t, progress{Page: 2}, res.Value)
			if tt.wantETag {
				d, _ := srv.Document(key)
				assert.Equal(t, d.ETag, res.ETag)
				assert.NotEmpty(t, res.ETag)
			} else {
				assert.Empty(t, res.ETag)
			}
			assert.Equal(t, tt.log, exchanges(srv))
		})
	}
}

func TestSaveWithWeakBaseETagReadsFirst(t *testing.T) {
	srv := newServer(t, nil)
	srv.SetDocument(key, "application/json", []byte(`{"page":1}`))
	srv.Script(statedoctest.Script{Method: http.MethodGet, Header: http.Header{"Etag": {`W/"1"`}}})
	c := newClient[progress](t, srv, nil)
	base, err := c.Get(context.Background(), key)
	require.NoError(t, err)
	require.Equal(t, `W/"1"`, base.ETag)

	res, err := c.Save(context.Background(), key, base, progress{Page: 2}, nil)
	require.NoError(t, err)
	assert.Equal(t, client.Updated, res.Outcome)
	for _, e := range srv.Log() {
		assert.NotEqual(t, `W/"1"`, e.IfMatch(), "a weak ETag is never sent in If-Match")
	}
	assert.Equal(t, []string{"GET -> 200", "GET -> 200", "PUT If-Match -> 204"}, exchanges(srv))
}

func TestSaveMergeFailureWritesNothing(t *testing.T) {
	srv := newServer(t, nil)
	srv.SetDocument(key, "application/json", []byte(`{"page":1}`))
	c := newClient[progress](t, srv, nil)
	base, err := c.Get(context.Background(), key)
	require.NoError(t, err)
	srv.SetDocument(key, "application/json", []byte(`{"page":2}`))

	strict := merge.FieldUnion[progress](&merge.Options{Policy: merge.Fail})
	_, err = c.Save(context.Background(), key, base, progress{Page: 3}, strict)
	require.ErrorIs(t, err, merge.ErrConflict)
	var ce *merge.ConflictError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, []string{"/page"}, ce.Paths)
	assert.JSONEq(t, `{"page":2}`, storedJSON(t, srv))
	assert.Equal(t, 1, countMethod(srv, http.MethodPut))
}

func TestRawDocuments(t *testing.T) {
	srv := newServer(t, nil)
	c := newClient[[]byte](t, srv, &client.Options{ContentType: "text/plain; charset=utf-8"})
	ctx := context.Background()

	res, err := c.Update(ctx, key, func(b []byte) ([]byte, error) { return append(b, "line 1\n"...), nil })
	require.NoError(t, err)
	assert.Equal(t, client.Created, res.Outcome)
	d, ok := srv.Document(key)
	require.True(t, ok)
	assert.Equal(t, "line 1\n", string(d.Body), "bytes are stored as they are, not as base64 JSON")
	assert.Equal(t, "text/plain; charset=utf-8", d.ContentType)

	base, err := c.Get(ctx, key)
	require.NoError(t, err)
	assert.Equal(t, []byte("line 1\n"), base.Value)
	srv.SetDocument(key, "text/plain; charset=utf-8", []byte("line 1\nline 2\n"))

	_, err = c.Save(ctx, key, base, []byte("line 1\nmine\n"), nil)
	require.ErrorIs(t, err, client.ErrNoMerge, "no default merge for text")

	appendLines := func(base, ours, theirs []byte) ([]byte, error) {
		return append(append([]byte{}, theirs...), ours[len(base):]...), nil
	}
	res, err = c.Save(ctx, key, base, []byte("line 1\nmine\n"), appendLines)
	require.NoError(t, err)
	assert.Equal(t, "line 1\nline 2\nmine\n", string(res.Value))
	d, _ = srv.Document(key)
	assert.Equal(t, "line 1\nline 2\nmine\n", string(d.Body))
}

func TestRawJSONDocumentsMergeByDefault(t *testing.T) {
	srv := newServer(t, nil)
	srv.SetDocument(key, "application/json", []byte(`{"a":1,"b":1}`))
	c := newClient[[]byte](t, srv, nil)
	base, err := c.Get(context.Background(), key)
	require.NoError(t, err)
	srv.SetDocument(key, "application/json", []byte(`{"a":2,"b":1}`))
	res, err := c.Save(context.Background(), key, base, []byte(`{"a":1,"b":3}`), nil)
	require.NoError(t, err)
	assert.JSONEq(t, `{"a":2,"b":3}`, string(res.Value))
}

func TestDeleteListAndContext(t *testing.T) {
	srv := newServer(t, nil)
	c := newClient[progress](t, srv, nil)
	ctx := context.Background()
	other := key
	other.StateID = "bookmark"
	srv.SetDocument(key, "application/json", []byte(`{"page":1}`))
	srv.SetDocument(other, "application/json", []byte(`{"page":2}`))

	ids, err := c.List(ctx, key.Context(), time.Time{})
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"progress", "bookmark"}, ids)
	ids, err = c.List(ctx, key.Context(), time.Now().Add(time.Hour))
	require.NoError(t, err)
	assert.Empty(t, ids)

	doc, err := c.Get(ctx, key)
	require.NoError(t, err)
	srv.SetDocument(key, "application/json", []byte(`{"page":5}`))
	err = c.Delete(ctx, key, doc.ETag)
	require.ErrorIs(t, err, client.ErrPreconditionFailed, "a stale ETag deletes nothing")
	_, ok := srv.Document(key)
	assert.True(t, ok)

	require.ErrorIs(t, c.Delete(ctx, key, ""), client.ErrPreconditionRequired)
	require.ErrorIs(t, c.Delete(ctx, key, `W/"x"`), client.ErrWeakETag)

	doc, err = c.Get(ctx, key)
	require.NoError(t, err)
	require.NoError(t, c.Delete(ctx, key, doc.ETag))
	doc, err = c.Get(ctx, key)
	require.NoError(t, err)
	assert.False(t, doc.Exists)

	require.NoError(t, c.DeleteContext(ctx, key.Context()))
	_, ok = srv.Document(other)
	assert.False(t, ok, "DeleteContext removes every document of the context")
}

func TestInvalidInputGetsTypedErrors(t *testing.T) {
	srv := newServer(t, nil)
	c := newClient[progress](t, srv, nil)
	bad := key
	bad.Agent = statedoc.Agent{Mbox: "ada@example.com"}
	_, err := c.Update(context.Background(), bad, turnPage)
	require.ErrorIs(t, err, statedoc.ErrInvalid)
	_, err = c.Get(context.Background(), statedoc.Key{})
	require.ErrorIs(t, err, statedoc.ErrInvalid)
	assert.Empty(t, srv.Log(), "invalid keys are refused before any request")

	_, err = client.NewStateClient[progress]("not a url", nil)
	require.Error(t, err)
	_, err = client.NewStateClient[progress]("ftp://example.com/xapi", nil)
	require.Error(t, err)
	_, err = client.NewStateClient[progress]("https://example.com/xapi", &client.LRSOptions{Version: "0.95"})
	require.Error(t, err)
	_, err = client.NewStateClient[progress]("https://example.com/xapi", &client.LRSOptions{Version: "2.0.0"})
	require.NoError(t, err)
}

func TestVersion200Server(t *testing.T) {
	srv := newServer(t, &statedoctest.Options{Version: statedoc.Version200})
	c, err := client.NewStateClient[progress](srv.URL, &client.LRSOptions{Options: *fast(&client.Options{HTTPClient: srv.Client()}), Version: statedoc.Version200})
	require.NoError(t, err)
	for range 3 {
		_, err := c.Update(context.Background(), key, turnPage)
		require.NoError(t, err)
	}
	assert.JSONEq(t, `{"page":3}`, storedJSON(t, srv))
}

// TestSeed000 replays the two-client dance and asserts the exchange request
// by request from the server's log.
func TestSeed000(t *testing.T) {
	srv := newServer(t, nil)
	srv.SetDocument(key, "application/json", []byte(`{"page":1}`))
	v1, _ := srv.Document(key)
	a := newClient[progress](t, srv, nil)
	b := newClient[progress](t, srv, nil)
	ctx := context.Background()

	docA, err := a.Get(ctx, key)
	require.NoError(t, err)
	docB, err := b.Get(ctx, key)
	require.NoError(t, err)
	require.Equal(t, docA.ETag, docB.ETag)

	oursA := docA.Value
	oursA.Page = 5
	resA, err := a.Save(ctx, key, docA, oursA, nil)
	require.NoError(t, err)
	v2, _ := srv.Document(key)

	oursB := docB.Value
	oursB.Checked = map[string]bool{"intro": true}
	resB, err := b.Save(ctx, key, docB, oursB, nil)
	require.NoError(t, err)
	v3, _ := srv.Document(key)

	log := srv.Log()
	require.Len(t, log, 6)
	steps := []struct {
		method, ifMatch string
		status          int
		etag            string
	}{
		{http.MethodGet, "", http.StatusOK, v1.ETag},                 // A reads v1
		{http.MethodGet, "", http.StatusOK, v1.ETag},                 // B reads v1
		{http.MethodPut, v1.ETag, http.StatusNoContent, v2.ETag},     // A writes: v2
		{http.MethodPut, v1.ETag, http.StatusPreconditionFailed, ""}, // B is stale: 412
		{http.MethodGet, "", http.StatusOK, v2.ETag},                 // B re-reads v2
		{http.MethodPut, v2.ETag, http.StatusNoContent, v3.ETag},     // B writes the merge: v3
	}
	for i, s := range steps {
		assert.Equal(t, s.method, log[i].Method, "step %d", i)
		assert.Equal(t, s.ifMatch, log[i].IfMatch(), "step %d", i)
		assert.Equal(t, s.status, log[i].Status, "step %d", i)
		if s.etag != "" {
			assert.Equal(t, s.etag, log[i].ETag(), "step %d", i)
		}
	}
	assert.Equal(t, 1, resA.Attempts)
	assert.Equal(t, 2, resB.Attempts)
	assert.JSONEq(t, `{"page":5,"checked":{"intro":true}}`, string(v3.Body))
	assert.Equal(t, v3.ETag, resB.ETag)
}

// TestConcurrentWriters runs 16 goroutines, each with its own StateClient,
// making 50 Update increments each of the member field(w) names.
func TestConcurrentWriters(t *testing.T) {
	const writers, increments = 16, 50
	run := func(t *testing.T, field func(w int) string) *statedoctest.Server {
		srv := newServer(t, nil)
		var wg sync.WaitGroup
		errs := make(chan error, writers*increments)
		for w := range writers {
			c := newClient[map[string]int](t, srv, &client.Options{MaxAttempts: 1000})
			name := field(w)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range increments {
					_, err := c.Update(context.Background(), key, func(m map[string]int) (map[string]int, error) {
						if m == nil {
							m = map[string]int{}
						}
						m[name]++
						return m, nil
					})
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			assert.NoError(t, err)
		}
		return srv
	}
	t.Run("one shared counter", func(t *testing.T) {
		srv := run(t, func(int) string { return "count" })
		assert.JSONEq(t, fmt.Sprintf(`{"count":%d}`, writers*increments), storedJSON(t, srv))
	})
	t.Run("one field per writer", func(t *testing.T) {
		srv := run(t, func(w int) string { return fmt.Sprintf("writer%02d", w) })
		want := map[string]int{}
		for w := range writers {
			want[fmt.Sprintf("writer%02d", w)] = increments
		}
		var got map[string]int
		require.NoError(t, json.Unmarshal([]byte(storedJSON(t, srv)), &got))
		assert.Equal(t, want, got)
	})
}

// TestSaveLosesTwice makes Save lose two rounds in a row: each merge must be
// made on the version it lost to, so that no writer's edit is dropped.
func TestSaveLosesTwice(t *testing.T) {
	srv := newServer(t, nil)
	srv.SetDocument(key, "application/json", []byte(`{"page":1,"a":1}`))
	c := newClient[progress](t, srv, nil)
	base, err := c.Get(context.Background(), key)
	require.NoError(t, err)
	srv.SetDocument(key, "application/json", []byte(`{"page":2,"a":1}`)) // v2: someone turns the page
	srv.Script(statedoctest.Script{Method: http.MethodPut})              // the first, stale write
	srv.Script(statedoctest.Script{Method: http.MethodPut, Before: func() {
		// v3 lands between our re-read and our second write.
		srv.SetDocument(key, "application/json", []byte(`{"page":3,"a":1,"b":2}`))
	}})

	ours := base.Value
	ours.Checked = map[string]bool{"intro": true}
	res, err := c.Save(context.Background(), key, base, ours, nil)
	require.NoError(t, err)
	assert.Equal(t, 3, res.Attempts)
	assert.JSONEq(t, `{"page":3,"a":1,"b":2,"checked":{"intro":true}}`, storedJSON(t, srv))
	assert.Equal(t, []string{
		"GET -> 200", "PUT If-Match -> 412", "GET -> 200", "PUT If-Match -> 412", "GET -> 200", "PUT If-Match -> 204",
	}, exchanges(srv))
}

// TestUpdateReplaysOnOtherAppsChanges: the version another app wrote between
// our read and our write keeps its change after our replayed edit.
func TestUpdateReplaysOnOtherAppsChanges(t *testing.T) {
	srv := newServer(t, nil)
	srv.SetDocument(key, "application/json", []byte(`{"page":1,"otherApp":{"seen":1}}`))
	srv.Script(statedoctest.Script{Method: http.MethodPut, Before: func() {
		srv.SetDocument(key, "application/json", []byte(`{"page":1,"otherApp":{"seen":2},"extra":[1]}`))
	}})
	c := newClient[progress](t, srv, nil)
	res, err := c.Update(context.Background(), key, turnPage)
	require.NoError(t, err)
	assert.Equal(t, 2, res.Attempts)
	assert.JSONEq(t, `{"page":2,"otherApp":{"seen":2},"extra":[1]}`, storedJSON(t, srv))
}

// TestSaveRecreateKeepsDeletedMembersDeleted: recreating after a deletion
// writes what ours changed, not what it only carried over.
func TestSaveRecreateKeepsDeletedMembersDeleted(t *testing.T) {
	srv := newServer(t, nil)
	srv.SetDocument(key, "application/json", []byte(`{"page":1,"otherApp":{"secret":"x"}}`))
	c := newClient[progress](t, srv, nil)
	base, err := c.Get(context.Background(), key)
	require.NoError(t, err)
	srv.DeleteDocument(key)

	res, err := c.Save(context.Background(), key, base, progress{Page: 2}, nil)
	require.NoError(t, err)
	assert.Equal(t, client.Created, res.Outcome)
	assert.JSONEq(t, `{"page":2}`, storedJSON(t, srv))
}

func TestListSinceIsExclusive(t *testing.T) {
	clock := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	srv := newServer(t, &statedoctest.Options{Now: func() time.Time { return clock }})
	first, second := key, key
	first.StateID, second.StateID = "first", "second"
	srv.SetDocument(first, "application/json", []byte(`{}`))
	t1 := clock
	clock = clock.Add(time.Minute)
	srv.SetDocument(second, "application/json", []byte(`{}`))

	c := newClient[progress](t, srv, nil)
	ids, err := c.List(context.Background(), key.Context(), t1.Add(-time.Second))
	require.NoError(t, err)
	assert.Equal(t, []string{"first", "second"}, ids)
	ids, err = c.List(context.Background(), key.Context(), t1)
	require.NoError(t, err)
	assert.Equal(t, []string{"second"}, ids, "since is exclusive")
}

// notes is a learner state with fields that need resolvers to merge.
type notes struct {
	Page   int      `json:"page"`
	Visits int      `json:"visits"`
	Tags   []string `json:"tags"`
	Note   string   `json:"note"`
}

// TestSaveWithResolvers merges a lost Save with FieldUnion and per-path
// resolvers: the furthest page, both visits counted, both tag sets, and
// both edits of one paragraph.
func TestSaveWithResolvers(t *testing.T) {
	srv := newServer(t, nil)
	srv.SetDocument(key, "application/json", []byte(
		`{"page":3,"visits":10,"tags":["a","b"],"note":"The cat sat. The dog ran.","theme":"dark"}`))
	c := newClient[notes](t, srv, nil)
	base, err := c.Get(context.Background(), key)
	require.NoError(t, err)
	// Another device writes first.
	srv.SetDocument(key, "application/json", []byte(
		`{"page":7,"visits":11,"tags":["a","b","c"],"note":"The cat sat. The dog ran away.","theme":"light"}`))

	ours := notes{Page: 5, Visits: 11, Tags: []string{"b", "d"}, Note: "The black cat sat. The dog ran."}
	m := merge.FieldUnion[notes](&merge.Options{Policy: merge.Fail, Resolvers: map[string]merge.Resolver{
		"/page":   merge.Max(),
		"/visits": merge.Sum(),
		"/tags":   merge.SetUnion(),
		"/note":   merge.Text(merge.Fail),
	}})
	res, err := c.Save(context.Background(), key, base, ours, m)
	require.NoError(t, err)
	assert.Equal(t, 2, res.Attempts)
	assert.Equal(t, notes{Page: 7, Visits: 12, Tags: []string{"b", "c", "d"}, Note: "The black cat sat. The dog ran away."}, res.Value)
	assert.JSONEq(t,
		`{"page":7,"visits":12,"tags":["b","c","d"],"note":"The black cat sat. The dog ran away.","theme":"light"}`,
		storedJSON(t, srv), "the other device's theme, unknown to notes, survives")
}

// TestRateLimitedServer: 429s with Retry-After are waited out by the
// transport, reads and writes alike, and the update completes once.
func TestRateLimitedServer(t *testing.T) {
	srv := newServer(t, &statedoctest.Options{RateLimit: statedoctest.RateLimit{Requests: 2, Per: 300 * time.Millisecond}})
	c := newClient[progress](t, srv, &client.Options{TransportWaitMax: 2 * time.Second, TransportRetries: 5})
	for range 2 {
		_, err := c.Update(context.Background(), key, turnPage)
		require.NoError(t, err)
	}
	assert.JSONEq(t, `{"page":2}`, storedJSON(t, srv))
	limited := 0
	for _, e := range srv.Log() {
		if e.Status == http.StatusTooManyRequests {
			limited++
			assert.NotEmpty(t, e.ResponseHeader.Get("Retry-After"))
		}
	}
	assert.Positive(t, limited, "the server did limit the client")
	assert.Equal(t, 2, countMethod(srv, http.MethodPut)-countStatus(srv, http.MethodPut, http.StatusTooManyRequests),
		"each update was applied by exactly one accepted PUT")
}

func countStatus(srv *statedoctest.Server, method string, status int) int {
	n := 0
	for _, e := range srv.Log() {
		if e.Method == method && e.Status == status {
			n++
		}
	}
	return n
}

// TestDeleteContextWithoutRegistration: a scope without registration covers
// the documents of every registration.
func TestDeleteContextWithoutRegistration(t *testing.T) {
	srv := newServer(t, nil)
	withReg := key
	withReg.Registration = "6fbd600f-d17c-4c74-801a-2ec2e53231c7"
	srv.SetDocument(key, "application/json", []byte(`{}`))
	srv.SetDocument(withReg, "application/json", []byte(`{}`))
	c := newClient[progress](t, srv, nil)

	require.NoError(t, c.DeleteContext(context.Background(), withReg.Context()))
	_, ok := srv.Document(withReg)
	assert.False(t, ok)
	_, ok = srv.Document(key)
	assert.True(t, ok, "a registration's scope leaves the other documents alone")

	srv.SetDocument(withReg, "application/json", []byte(`{}`))
	require.NoError(t, c.DeleteContext(context.Background(), key.Context()))
	_, ok = srv.Document(withReg)
	assert.False(t, ok, "without a registration, every registration's documents go")
	_, ok = srv.Document(key)
	assert.False(t, ok)
}
