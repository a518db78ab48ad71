package main

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/client/etagtest"
)

// exchange is one printed request line.
type exchange struct {
	who, method, path, cond string
	status                  int
	etag                    string
}

var traceLine = regexp.MustCompile(`(?m)^(setup|A|B) +(GET|PUT) +(\S+) +(-|If-Match: \S+|If-None-Match: \S+) +-> (\d{3}) .*ETag: (\S+)$`)

// exchanges parses the request lines run printed, in order.
func exchanges(t *testing.T, text string) []exchange {
	t.Helper()
	var out []exchange
	for _, m := range traceLine.FindAllStringSubmatch(text, -1) {
		var status int
		for _, c := range m[5] {
			status = status*10 + int(c-'0')
		}
		out = append(out, exchange{who: m[1], method: m[2], path: m[3], cond: m[4], status: status, etag: m[6]})
	}
	return out
}

// step is an expected exchange. ifMatch is the index, within its list of
// steps, of the earlier exchange whose returned ETag the request must send
// in If-Match; -1 means no If-Match.
type step struct {
	who, method string
	ifMatch     int
	cond        string // the precondition when ifMatch is -1
	status      int
}

// TestRun plays the story on the embedded server, and through -url on a
// server that already holds an article and sends unquoted ETags, and
// checks the exchange request by request: B's first PUT sends the version
// both editors read and is refused with 412, its re-read finds A's
// version, and its second PUT sends that version. The final article holds
// A's fix and B's sentence.
func TestRun(t *testing.T) {
	const wantFinal = `{"id":4,"title":"ETags and optimistic concurrency","status":"published",
		"body":"Here is the first article of the blog. It has lots of content. And now it has an extra sentence."}`
	story := []step{ // after the setup
		{"A", http.MethodGet, -1, "-", 200},
		{"B", http.MethodGet, -1, "-", 200},
		{"A", http.MethodPut, 0, "", 204}, // the version A read
		{"B", http.MethodPut, 1, "", 412}, // the version B read: the same
		{"B", http.MethodGet, -1, "-", 200},
		{"B", http.MethodPut, 4, "", 204}, // the version of the re-read: A's
		{"setup", http.MethodGet, -1, "-", 200},
	}
	tests := []struct {
		name  string
		setup []step
		serve func(t *testing.T) (opts options, path string)
	}{
		{
			name: "embedded",
			setup: []step{
				{"setup", http.MethodGet, -1, "-", 404},
				{"setup", http.MethodPut, -1, "If-None-Match: *", 201},
			},
			serve: func(*testing.T) (options, string) { return options{}, articlePath },
		},
		{
			name: "url of an existing article",
			setup: []step{
				{"setup", http.MethodGet, -1, "-", 200},
				{"setup", http.MethodPut, 0, "", 204},
			},
			serve: func(t *testing.T) (options, string) {
				srv := etagtest.NewServer(&etagtest.Options{ETag: etagtest.Unquoted})
				t.Cleanup(srv.Close)
				srv.Put("/blog/posts/7", []byte(`{"id":4,"title":"draft","body":"old","status":"draft","author":"ada"}`))
				return options{url: srv.URL + "/blog/posts/7"}, "/blog/posts/7"
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts, path := tt.serve(t)
			var out bytes.Buffer
			require.NoError(t, run(context.Background(), &out, opts))
			text := out.String()

			got := exchanges(t, text)
			n := len(tt.setup)
			require.Len(t, got, n+len(story), text)
			check := func(offset int, steps []step) {
				for j, w := range steps {
					i := offset + j
					g := got[i]
					assert.Equal(t, w.who, g.who, "request %d", i)
					assert.Equal(t, w.method, g.method, "request %d", i)
					assert.Equal(t, path, g.path, "request %d", i)
					assert.Equal(t, w.status, g.status, "request %d", i)
					cond := w.cond
					if w.ifMatch >= 0 {
						sent := got[offset+w.ifMatch].etag
						require.NotEqual(t, "-", sent, "request %d returned a version", offset+w.ifMatch)
						cond = "If-Match: " + sent
					}
					assert.Equal(t, cond, g.cond, "request %d", i)
				}
			}
			check(0, tt.setup)
			check(n, story)
			assert.Equal(t, got[n-1].etag, got[n].etag, "A reads the version the setup wrote")
			assert.Equal(t, got[n].etag, got[n+1].etag, "A and B read the same version")
			assert.Equal(t, got[n+2].etag, got[n+4].etag, "B's re-read finds A's version")
			assert.Equal(t, got[n+5].etag, got[n+6].etag, "the final read finds B's version")

			final := regexp.MustCompile(`(?m)^\{.*\}$`).FindString(text)
			if tt.name == "embedded" {
				assert.JSONEq(t, wantFinal, final)
			} else {
				assert.JSONEq(t, `{"author":"ada",`+wantFinal[1:], final, "a member the editors do not know survives")
			}
			assert.Contains(t, text, `without If-Match, B's PUT would have replaced A's version: body "Here is teh first article`)
			assert.Contains(t, text, "B's save: updated after 2 attempt(s)")
			assert.Contains(t, text, "both edits are there")
		})
	}
}
