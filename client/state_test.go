package client_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/client"
	"github.com/ifmatch/ifmatch/statedoc"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

// progress is a learner state as one app knows it.
type progress struct {
	Page    int             `json:"page"`
	Checked map[string]bool `json:"checked,omitempty"`
}

var key = statedoc.Key{
	ActivityID: "https://example.com/courses/1",
	Agent:      statedoc.Agent{Mbox: "mailto:ada@example.com"},
	StateID:    "progress",
}

// fast makes conflict backoff negligible so tests run quickly.
func fast(o *client.Options) *client.Options {
	if o == nil {
		o = &client.Options{}
	}
	if o.ConflictBackoff == nil {
		o.ConflictBackoff = client.FullJitter(time.Microsecond, time.Millisecond)
	}
	if o.TransportWaitMin == 0 {
		o.TransportWaitMin = time.Millisecond
	}
	if o.TransportWaitMax == 0 {
		o.TransportWaitMax = 5 * time.Millisecond
	}
	return o
}

// lrs is fast(o) as the options of an LRS client.
func lrs(o *client.Options) *client.LRSOptions {
	return &client.LRSOptions{Options: *fast(o)}
}

func newServer(t *testing.T, opts *statedoctest.Options) *statedoctest.Server {
	t.Helper()
	srv := statedoctest.NewServer(opts)
	t.Cleanup(srv.Close)
	return srv
}

func newClient[T any](t *testing.T, srv *statedoctest.Server, opts *client.Options) *client.StateClient[T] {
	t.Helper()
	opts = fast(opts)
	if opts.HTTPClient == nil {
		opts.HTTPClient = srv.Client()
	}
	c, err := client.NewStateClient[T](srv.URL, &client.LRSOptions{Options: *opts})
	require.NoError(t, err)
	return c
}

// exchanges summarises the server's log as "METHOD cond -> status" lines.
func exchanges(srv *statedoctest.Server) []string {
	var out []string
	for _, e := range srv.Log() {
		cond := ""
		switch {
		case e.IfMatch() != "":
			cond = " If-Match"
		case e.IfNoneMatch() != "":
			cond = " If-None-Match:" + e.IfNoneMatch()
		}
		out = append(out, fmt.Sprintf("%s%s -> %d", e.Method, cond, e.Status))
	}
	return out
}

func countMethod(srv *statedoctest.Server, method string) int {
	n := 0
	for _, e := range srv.Log() {
		if e.Method == method {
			n++
		}
	}
	return n
}

func storedJSON(t *testing.T, srv *statedoctest.Server) string {
	t.Helper()
	d, ok := srv.Document(key)
	require.True(t, ok, "document should exist")
	return string(d.Body)
}

func turnPage(p progress) (progress, error) { p.Page++; return p, nil }

// TestUpdateLoop covers the branches of the loop through Update, each
// against the in-memory LRS over HTTP.
func TestUpdateLoop(t *testing.T) {
	tests := []struct {
		name     string
		initial  string // stored before the call; "" = absent
		scripts  []statedoctest.Script
		opts     client.Options
		wantErr  error
		outcome  client.Outcome
		attempts int
		status   int    // last status of a failed write
		final    string // expected stored JSON; "" = don't check
		log      []string
	}{
		{
			name: "first write creates", outcome: client.Created, attempts: 1,
			final: `{"page":1}`,
			log:   []string{"GET -> 404", "PUT If-None-Match:* -> 204"},
		},
		{
			name: "update of an existing document", initial: `{"page":4}`, outcome: client.Updated, attempts: 1,
			final: `{"page":5}`,
			log:   []string{"GET -> 200", "PUT If-Match -> 204"},
		},
		{
			name: "one 412 then success", initial: `{"page":1}`,
			scripts: []statedoctest.Script{{Method: http.MethodPut, Status: http.StatusPreconditionFailed}},
			outcome: client.Updated, attempts: 2, final: `{"page":2}`,
			log: []string{"GET -> 200", "PUT If-Match -> 412", "GET -> 200", "PUT If-Match -> 204"},
		},
		{
			name: "409 means read again", initial: `{"page":1}`,
			scripts: []statedoctest.Script{{Method: http.MethodPut, Status: http.StatusConflict}},
			outcome: client.Updated, attempts: 2, final: `{"page":2}`,
			log: []string{"GET -> 200", "PUT If-Match -> 409", "GET -> 200", "PUT If-Match -> 204"},
		},
		{
			name: "428 means read again", initial: `{"page":1}`,
			scripts: []statedoctest.Script{{Method: http.MethodPut, Status: http.StatusPreconditionRequired}},
			outcome: client.Updated, attempts: 2, final: `{"page":2}`,
			log: []string{"GET -> 200", "PUT If-Match -> 428", "GET -> 200", "PUT If-Match -> 204"},
		},
		{
			name: "412 storm ends at exactly the bound", initial: `{"page":1}`,
			scripts: []statedoctest.Script{{Method: http.MethodPut, Status: http.StatusPreconditionFailed, Times: 100}},
			opts:    client.Options{MaxAttempts: 4},
			wantErr: client.ErrConflict, attempts: 4, status: 412, final: `{"page":1}`,
			log: []string{
				"GET -> 200", "PUT If-Match -> 412", "GET -> 200", "PUT If-Match -> 412",
				"GET -> 200", "PUT If-Match -> 412", "GET -> 200", "PUT If-Match -> 412",
			},
		},
		{
			name: "404 to an If-Match write that a read contradicts is an error", initial: `{"page":1}`,
			scripts: []statedoctest.Script{{Method: http.MethodPut, Status: http.StatusNotFound}},
			wantErr: client.ErrNotFound, attempts: 1, status: 404, final: `{"page":1}`,
			log: []string{"GET -> 200", "PUT If-Match -> 404", "GET -> 200"},
		},
		{
			name:    "428 to a create cannot be mended by reading again",
			scripts: []statedoctest.Script{{Method: http.MethodPut, Status: http.StatusPreconditionRequired}},
			wantErr: client.ErrPreconditionRequired, attempts: 1, status: 428,
			log: []string{"GET -> 404", "PUT If-None-Match:* -> 428"},
		},
		{
			name: "an ETag of * is refused when read", initial: `{"page":1}`,
			scripts: []statedoctest.Script{{Method: http.MethodGet, Header: http.Header{"Etag": {`*`}}, Times: 100}},
			wantErr: client.ErrInvalidETag, final: `{"page":1}`,
			log: []string{"GET -> 200"},
		},
		{
			name: "weak ETag is never sent; re-read until strong", initial: `{"page":1}`,
			scripts: []statedoctest.Script{{Method: http.MethodGet, Header: http.Header{"Etag": {`W/"weak"`}}, Times: 2}},
			outcome: client.Updated, attempts: 1, final: `{"page":2}`,
			log: []string{"GET -> 200", "GET -> 200", "GET -> 200", "PUT If-Match -> 204"},
		},
		{
			name: "weak ETag only: bounded re-reads then ErrWeakETag", initial: `{"page":1}`,
			scripts: []statedoctest.Script{{Method: http.MethodGet, Header: http.Header{"Etag": {`W/"weak"`}}, Times: 100}},
			opts:    client.Options{WeakETagRereads: 2},
			wantErr: client.ErrWeakETag, final: `{"page":1}`,
			log: []string{"GET -> 200", "GET -> 200", "GET -> 200"},
		},
		{
			name: "no ETag at all counts as weak", initial: `{"page":1}`,
			scripts: []statedoctest.Script{{Method: http.MethodGet, Header: http.Header{"Etag": nil}, Times: 100}},
			opts:    client.Options{WeakETagRereads: -1},
			wantErr: client.ErrWeakETag, final: `{"page":1}`,
			log: []string{"GET -> 200"},
		},
		{
			name: "malformed JSON from the server: error, no PUT", initial: `{"page":`,
			wantErr: client.ErrInvalidDocument, final: `{"page":`,
			log: []string{"GET -> 200"},
		},
		{
			name: "400 on the write is not retried", initial: `{"page":1}`,
			scripts: []statedoctest.Script{{Method: http.MethodPut, Status: http.StatusBadRequest, Body: []byte("no")}},
			wantErr: client.ErrBadRequest, attempts: 1, status: 400, final: `{"page":1}`,
			log: []string{"GET -> 200", "PUT If-Match -> 400"},
		},
		{
			name: "403 on the read is not retried", initial: `{"page":1}`,
			scripts: []statedoctest.Script{{Method: http.MethodGet, Status: http.StatusForbidden}},
			wantErr: client.ErrForbidden, status: 403, final: `{"page":1}`,
			log: []string{"GET -> 403"},
		},
		{
			name: "500 on a conditional write: re-sent once a read shows it not applied", initial: `{"page":1}`,
			scripts: []statedoctest.Script{{Method: http.MethodPut, Status: http.StatusInternalServerError}},
			outcome: client.Updated, attempts: 2, final: `{"page":2}`,
			log: []string{"GET -> 200", "PUT If-Match -> 500", "GET -> 200", "PUT If-Match -> 204"},
		},
		{
			name: "503 on a read is retried by the transport", initial: `{"page":1}`,
			scripts: []statedoctest.Script{{Method: http.MethodGet, Status: http.StatusServiceUnavailable, Times: 2}},
			outcome: client.Updated, attempts: 1, final: `{"page":2}`,
			log: []string{"GET -> 503", "GET -> 503", "GET -> 200", "PUT If-Match -> 204"},
		},
		{
			name: "429 on a write: after Retry-After, read again and write", initial: `{"page":1}`,
			scripts: []statedoctest.Script{{Method: http.MethodPut, Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"0"}}}},
			outcome: client.Updated, attempts: 2, final: `{"page":2}`,
			log: []string{"GET -> 200", "PUT If-Match -> 429", "GET -> 200", "PUT If-Match -> 204"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, nil)
			if tt.initial != "" {
				srv.SetDocument(key, "application/json", []byte(tt.initial))
			}
			for _, sc := range tt.scripts {
				srv.Script(sc)
			}
			opts := tt.opts
			c := newClient[progress](t, srv, &opts)

			res, err := c.Update(context.Background(), key, turnPage)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				var we *client.WriteError
				require.ErrorAs(t, err, &we)
				assert.Equal(t, tt.attempts, we.Attempts)
				assert.Equal(t, tt.status, we.Status)
				assert.Contains(t, err.Error(), fmt.Sprintf("after %d attempt(s)", tt.attempts))
				if tt.status >= 400 && tt.status != http.StatusPreconditionFailed {
					var he *client.HTTPError
					require.ErrorAs(t, err, &he)
					assert.Equal(t, tt.status, he.StatusCode)
				}
			} else {
				require.NoError(t, err)
				assert.Equal(t, tt.outcome, res.Outcome)
				assert.Equal(t, tt.attempts, res.Attempts)
				d, ok := srv.Document(key)
				require.True(t, ok)
				assert.Equal(t, d.ETag, res.ETag, "the result carries the stored version's ETag")
				assert.JSONEq(t, tt.final, string(res.Raw))
			}
			if tt.final != "" {
				if tt.final == `{"page":` {
					assert.Equal(t, tt.final, storedJSON(t, srv))
				} else {
					assert.JSONEq(t, tt.final, storedJSON(t, srv))
				}
			}
			assert.Equal(t, tt.log, exchanges(srv))
		})
	}
}
