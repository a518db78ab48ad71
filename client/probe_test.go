package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/client"
	"github.com/ifmatch/ifmatch/statedoc"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

// TestStateProbeVerdicts probes the test LRS in each of its precondition
// modes and checks the verdict and what the probe saw.
func TestStateProbeVerdicts(t *testing.T) {
	cases := []struct {
		mode statedoctest.Preconditions
		want client.Protection
	}{
		{statedoctest.Enforce, client.Enforcing},
		{statedoctest.Ignore, client.Ignoring},
		{statedoctest.CheckThenWrite, client.Racy},
	}
	for _, tc := range cases {
		t.Run(tc.mode.String(), func(t *testing.T) {
			srv := newServer(t, &statedoctest.Options{Preconditions: tc.mode})
			c := newClient[progress](t, srv, nil)
			scope := statedoc.Context{ActivityID: key.ActivityID, Agent: key.Agent}
			rep, err := c.Probe(context.Background(), scope, &client.ProbeOptions{Races: 30})
			require.NoError(t, err)
			assert.Equal(t, tc.want, rep.Protection, "notes: %v", rep.Notes)
			t.Logf("%+v", *rep)
			assert.NotEmpty(t, rep.ETag)
			assert.True(t, rep.WriteETag)
			switch tc.want {
			case client.Enforcing:
				assert.Equal(t, http.StatusPreconditionFailed, rep.Stale)
				assert.Equal(t, http.StatusPreconditionFailed, rep.Exists)
				assert.Equal(t, 30, rep.Races)
				assert.Zero(t, rep.RacesLost)
			case client.Racy:
				assert.Equal(t, http.StatusPreconditionFailed, rep.Stale)
				assert.Equal(t, http.StatusPreconditionFailed, rep.Exists)
				assert.Positive(t, rep.RacesLost)
			case client.Ignoring:
				assert.Equal(t, http.StatusNoContent, rep.Stale)
			}
			// The scratch document is gone, whatever the verdict.
			ids, err := c.List(context.Background(), scope, time.Time{})
			require.NoError(t, err)
			assert.Empty(t, ids)
		})
	}
}

// TestProtectionRefusesWrites: a client told that the server does not
// enforce preconditions refuses to write or delete, before any request.
func TestProtectionRefusesWrites(t *testing.T) {
	for _, p := range []client.Protection{client.Racy, client.Ignoring, client.NoETag} {
		t.Run(p.String(), func(t *testing.T) {
			srv := newServer(t, nil)
			c := newClient[progress](t, srv, &client.Options{Protection: p})
			_, err := c.Update(context.Background(), key, turnPage)
			require.ErrorIs(t, err, client.ErrUnprotected)
			var we *client.WriteError
			require.True(t, errors.As(err, &we))
			assert.Zero(t, we.Attempts)
			_, err = c.Save(context.Background(), key, client.Doc[progress]{}, progress{Page: 1}, nil)
			require.ErrorIs(t, err, client.ErrUnprotected)
			require.ErrorIs(t, c.Delete(context.Background(), key, "*"), client.ErrUnprotected)
			assert.Empty(t, srv.Log(), "no request may be sent")
		})
	}
	srv := newServer(t, nil)
	c := newClient[progress](t, srv, &client.Options{Protection: client.Enforcing})
	_, err := c.Update(context.Background(), key, turnPage)
	require.NoError(t, err)
}

// carelessServer ignores every precondition; after limitAfter writes it
// answers 429 with a long Retry-After, and with failCreate it stores the
// first write but answers 503.
type carelessServer struct {
	mu         sync.Mutex
	docs       map[string]string
	n, writes  int
	limitAfter int
	failCreate bool
}

func (s *carelessServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.Method {
	case http.MethodGet:
		d, ok := s.docs[r.URL.Path]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Header().Set("ETag", fmt.Sprintf(`"%d"`, s.n))
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, d)
	case http.MethodPut:
		s.writes++
		if s.limitAfter > 0 && s.writes > s.limitAfter {
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		b, _ := io.ReadAll(r.Body)
		s.docs[r.URL.Path] = string(b)
		s.n++
		if s.failCreate && s.writes == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case http.MethodDelete:
		delete(s.docs, r.URL.Path)
		w.WriteHeader(http.StatusNoContent)
	}
}

// TestProbeInconclusive: refusals that say nothing about preconditions
// (429, 5xx) never make a verdict of Enforcing, and a scratch document
// whose creation had an unknown outcome is removed all the same.
func TestProbeInconclusive(t *testing.T) {
	s := &carelessServer{docs: map[string]string{}, limitAfter: 2}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	c, err := client.NewDocumentClient[json.RawMessage](&client.DocumentOptions{Options: *fast(&client.Options{TransportRetries: -1})})
	require.NoError(t, err)
	rep, err := c.Probe(context.Background(), ts.URL+"/scratch", &client.ProbeOptions{Races: 3})
	require.ErrorIs(t, err, client.ErrProbe)
	assert.Nil(t, rep)

	s = &carelessServer{docs: map[string]string{}, failCreate: true}
	ts2 := httptest.NewServer(s)
	t.Cleanup(ts2.Close)
	_, err = c.Probe(context.Background(), ts2.URL+"/scratch", nil)
	require.ErrorIs(t, err, client.ErrProbe)
	s.mu.Lock()
	defer s.mu.Unlock()
	assert.Empty(t, s.docs, "the scratch document the failed create left is removed")
}

// TestProbeLeavesOthersAlone: a document someone else writes at the
// scratch URL while the probe runs is not deleted by the probe, and a
// probe never starts on a document that exists.
func TestProbeLeavesOthersAlone(t *testing.T) {
	srv := newDocServer(t, nil)
	target, err := url.Parse(srv.URL)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(target)
	var once sync.Once
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxy.ServeHTTP(w, r)
		if r.Method == http.MethodDelete {
			// Someone writes there as soon as the probe has deleted it
			// (once: a later delete would remove it for good).
			once.Do(func() { srv.Put("/scratch", []byte(`{"mine":true}`)) })
		}
	}))
	t.Cleanup(front.Close)
	c := newDocClient[article](t, srv, nil)
	_, err = c.Probe(context.Background(), front.URL+"/scratch", &client.ProbeOptions{Races: 2})
	require.NoError(t, err)
	body, _, ok := srv.Get("/scratch")
	require.True(t, ok, "the other writer's document is still there")
	assert.JSONEq(t, `{"mine":true}`, string(body))

	_, err = c.Probe(context.Background(), srv.URL+"/scratch", nil)
	require.ErrorIs(t, err, client.ErrProbe)
	body, _, _ = srv.Get("/scratch")
	assert.JSONEq(t, `{"mine":true}`, string(body))
}
