package client_test

import (
	"context"
	"errors"
	"net/http"
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
