package client_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/client"
	"github.com/ifmatch/ifmatch/client/etagtest"
	"github.com/ifmatch/ifmatch/statedoc"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

// These tests feed every client answers it cannot use — bodies that are not
// JSON, bodies over the size limit, missing and malformed ETags, statuses
// the loop does not know — over real HTTP on loopback, and check that each
// gives a typed error, that no write follows a bad read, and that nothing
// panics.

// biRequest is one request a biServer saw.
type biRequest struct {
	Method, Path, RawQuery, RequestURI, Host string
	Header                                   http.Header
}

// biServer is a hand-written HTTP server that records every request and
// answers it with the handler given.
type biServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []biRequest
}

func newBIServer(t *testing.T, h http.HandlerFunc) *biServer {
	t.Helper()
	s := &biServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		s.mu.Lock()
		s.reqs = append(s.reqs, biRequest{
			Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
			RequestURI: r.RequestURI, Host: r.Host, Header: r.Header.Clone(),
		})
		s.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *biServer) requests() []biRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]biRequest(nil), s.reqs...)
}

// count returns how many requests with method the server saw.
func (s *biServer) count(method string) int {
	n := 0
	for _, r := range s.requests() {
		if r.Method == method {
			n++
		}
	}
	return n
}

// writes returns the methods of the requests that were not reads.
func (s *biServer) writes() []string {
	var out []string
	for _, r := range s.requests() {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			out = append(out, r.Method)
		}
	}
	return out
}

func (s *biServer) reset() {
	s.mu.Lock()
	s.reqs = nil
	s.mu.Unlock()
}

// biFront is one client, with its document, behind uniform calls.
type biFront struct {
	name   string
	get    func(context.Context) ([]byte, error) // the value's bytes for a raw client
	update func(context.Context) (client.Result[[]byte], error)
	save   func(context.Context) error
}

// biOpts returns fresh fast options for one client.
func biOpts(o client.Options) *client.Options { return fast(&o) }

// jsonFronts returns a StateClient[progress] on base+"/xapi" and a
// DocumentClient[progress] on base+"/doc". Save's base has no Raw, so Save
// reads the document before it writes anything.
func jsonFronts(t *testing.T, base string, o client.Options) []biFront {
	t.Helper()
	sc, err := client.NewStateClient[progress](base+"/xapi", &client.LRSOptions{Options: *biOpts(o)})
	require.NoError(t, err)
	dc, err := client.NewDocumentClient[progress](&client.DocumentOptions{Options: *biOpts(o)})
	require.NoError(t, err)
	u := base + "/doc"
	saveBase := client.Doc[progress]{Exists: true, ETag: `"v1"`, Value: progress{Page: 1}}
	conv := func(r client.Result[progress], err error) (client.Result[[]byte], error) {
		return client.Result[[]byte]{Attempts: r.Attempts, Outcome: r.Outcome, Doc: client.Doc[[]byte]{ETag: r.ETag, Exists: r.Exists}}, err
	}
	return []biFront{
		{
			name:   "StateClient[progress]",
			get:    func(ctx context.Context) ([]byte, error) { d, err := sc.Get(ctx, key); return d.Raw, err },
			update: func(ctx context.Context) (client.Result[[]byte], error) { return conv(sc.Update(ctx, key, turnPage)) },
			save: func(ctx context.Context) error {
				_, err := sc.Save(ctx, key, saveBase, progress{Page: 2}, nil)
				return err
			},
		},
		{
			name:   "DocumentClient[progress]",
			get:    func(ctx context.Context) ([]byte, error) { d, err := dc.Get(ctx, u); return d.Raw, err },
			update: func(ctx context.Context) (client.Result[[]byte], error) { return conv(dc.Update(ctx, u, turnPage)) },
			save: func(ctx context.Context) error {
				_, err := dc.Save(ctx, u, saveBase, progress{Page: 2}, nil)
				return err
			},
		},
	}
}

// rawFronts returns a StateClient[[]byte] and a DocumentClient[[]byte].
func rawFronts(t *testing.T, base string, o client.Options) []biFront {
	t.Helper()
	sc, err := client.NewStateClient[[]byte](base+"/xapi", &client.LRSOptions{Options: *biOpts(o)})
	require.NoError(t, err)
	dc, err := client.NewDocumentClient[[]byte](&client.DocumentOptions{Options: *biOpts(o)})
	require.NoError(t, err)
	u := base + "/doc"
	saveBase := client.Doc[[]byte]{Exists: true, ETag: `"v1"`, Value: []byte("before")}
	edit := func([]byte) ([]byte, error) { return []byte("after"), nil }
	last := func(_, _, _ []byte) ([]byte, error) { return []byte("after"), nil }
	return []biFront{
		{
			name:   "StateClient[[]byte]",
			get:    func(ctx context.Context) ([]byte, error) { d, err := sc.Get(ctx, key); return d.Value, err },
			update: func(ctx context.Context) (client.Result[[]byte], error) { return sc.Update(ctx, key, edit) },
			save: func(ctx context.Context) error {
				_, err := sc.Save(ctx, key, saveBase, []byte("after"), last)
				return err
			},
		},
		{
			name:   "DocumentClient[[]byte]",
			get:    func(ctx context.Context) ([]byte, error) { d, err := dc.Get(ctx, u); return d.Value, err },
			update: func(ctx context.Context) (client.Result[[]byte], error) { return dc.Update(ctx, u, edit) },
			save: func(ctx context.Context) error {
				_, err := dc.Save(ctx, u, saveBase, []byte("after"), last)
				return err
			},
		},
	}
}

func allFronts(t *testing.T, base string, o client.Options) []biFront {
	return append(jsonFronts(t, base, o), rawFronts(t, base, o)...)
}

// serveGET answers every GET with status, the headers and body given, and
// every other request with writeStatus.
func serveGET(status int, header http.Header, body []byte, writeStatus int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			w.WriteHeader(writeStatus)
			return
		}
		for k, vs := range header {
			w.Header()[k] = vs
		}
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}
}

// TestJSONClientsRefuseDocumentsThatAreNotJSON serves bodies a JSON client
// cannot decode: each Get, Update and Save fails with ErrInvalidDocument,
// and no write is sent.
func TestJSONClientsRefuseDocumentsThatAreNotJSON(t *testing.T) {
	deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	tests := []struct {
		name, contentType, body string
	}{
		{"malformed JSON", "application/json", `{"page": 1,, "checked": {}}`},
		{"truncated JSON", "application/json", `{"page": 1, "checked": {"intro": tr`},
		{"truncated after a member", "application/json", `{"page": 1,`},
		{"an HTML error page with 200", "text/html; charset=utf-8", "<!DOCTYPE html>\n<html><head><title>Error</title></head><body><h1>Service unavailable</h1></body></html>"},
		{"text labelled application/json", "application/json", "Service temporarily unavailable, try again later"},
		{"an empty body", "application/json", ""},
		{"trailing data after the object", "application/json", `{"page": 1} {"page": 2}`},
		{"nesting deeper than any decoder takes", "application/json", deep},
		{"a NUL byte after the object", "application/json", "{\"page\": 1}\x00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newBIServer(t, serveGET(http.StatusOK, http.Header{"Content-Type": {tt.contentType}, "Etag": {`"v1"`}}, []byte(tt.body), http.StatusNoContent))
			for _, f := range jsonFronts(t, srv.URL, client.Options{}) {
				t.Run(f.name, func(t *testing.T) {
					ctx := context.Background()
					srv.reset()
					_, err := f.get(ctx)
					assert.ErrorIs(t, err, client.ErrInvalidDocument, "Get: %v", err)

					_, err = f.update(ctx)
					assert.ErrorIs(t, err, client.ErrInvalidDocument, "Update: %v", err)
					var we *client.WriteError
					if assert.ErrorAs(t, err, &we, "Update") {
						assert.Equal(t, 0, we.Attempts, "no write was sent")
					}

					err = f.save(ctx)
					assert.ErrorIs(t, err, client.ErrInvalidDocument, "Save: %v", err)

					assert.Empty(t, srv.writes(), "no write follows a document that cannot be decoded")
					assert.Equal(t, 3, srv.count(http.MethodGet), "one read per call")
				})
			}
		})
	}
}

// TestJSONClientsRefuseJSONThatIsNotT serves JSON that does not decode as
// T: Get and Update refuse it with ErrInvalidDocument and write nothing.
// (Save's default merge takes such a version as one both sides changed,
// and ours wins it: see merge.JSON.)
func TestJSONClientsRefuseJSONThatIsNotT(t *testing.T) {
	for _, body := range []string{`[{"page": 1}]`, `42`, `"text"`, `true`, `{"page": "seven"}`, `{"page": 1.5}`, `{"checked": [true]}`} {
		t.Run(body, func(t *testing.T) {
			srv := newBIServer(t, serveGET(http.StatusOK, http.Header{"Content-Type": {"application/json"}, "Etag": {`"v1"`}}, []byte(body), http.StatusNoContent))
			for _, f := range jsonFronts(t, srv.URL, client.Options{}) {
				ctx := context.Background()
				_, err := f.get(ctx)
				assert.ErrorIs(t, err, client.ErrInvalidDocument, "%s Get: %v", f.name, err)
				_, err = f.update(ctx)
				assert.ErrorIs(t, err, client.ErrInvalidDocument, "%s Update: %v", f.name, err)
			}
			assert.Empty(t, srv.writes())
		})
	}
}

// TestSaveOntoAnUndecodableVersion loses its first write, and the version
// that beat it is not JSON: the merge is refused with ErrInvalidDocument and
// nothing more is written.
func TestSaveOntoAnUndecodableVersion(t *testing.T) {
	srv := newBIServer(t, serveGET(http.StatusOK, http.Header{"Content-Type": {"text/html"}, "Etag": {`"v2"`}}, []byte("<html>oops</html>"), http.StatusPreconditionFailed))
	for _, f := range []struct {
		name string
		save func(ctx context.Context, base client.Doc[progress]) error
	}{
		{"StateClient", func(ctx context.Context, base client.Doc[progress]) error {
			c, err := client.NewStateClient[progress](srv.URL+"/xapi", lrs(nil))
			require.NoError(t, err)
			_, err = c.Save(ctx, key, base, progress{Page: 2}, nil)
			return err
		}},
		{"DocumentClient", func(ctx context.Context, base client.Doc[progress]) error {
			c, err := client.NewDocumentClient[progress](&client.DocumentOptions{Options: *fast(nil)})
			require.NoError(t, err)
			_, err = c.Save(ctx, srv.URL+"/doc", base, progress{Page: 2}, nil)
			return err
		}},
	} {
		t.Run(f.name, func(t *testing.T) {
			srv.reset()
			base := client.Doc[progress]{Exists: true, ETag: `"v1"`, Value: progress{Page: 1}, Raw: []byte(`{"page":1}`)}
			err := f.save(context.Background(), base)
			require.ErrorIs(t, err, client.ErrInvalidDocument)
			var we *client.WriteError
			require.ErrorAs(t, err, &we)
			assert.Equal(t, 1, we.Attempts)
			assert.Equal(t, []string{http.MethodPut}, srv.writes(), "only the write made on the valid base")
		})
	}
}

// TestBodyFieldVersionOnBodiesThatAreNotJSON reads the version from a body
// field: a body that is not JSON has none, and the client says so with
// ErrInvalidDocument.
func TestBodyFieldVersionOnBodiesThatAreNotJSON(t *testing.T) {
	for _, body := range []string{"<html>error</html>", `{"eTag": "v1", "page": 1`, "", `{"eTag": {"nested": 1}, "page": 1}`} {
		t.Run(fmt.Sprintf("%q", body), func(t *testing.T) {
			srv := newBIServer(t, serveGET(http.StatusOK, http.Header{"Content-Type": {"application/json"}}, []byte(body), http.StatusNoContent))
			c, err := client.NewDocumentClient[progress](&client.DocumentOptions{Options: *fast(nil), VersionField: "/eTag"})
			require.NoError(t, err)
			raw, err := client.NewDocumentClient[[]byte](&client.DocumentOptions{Options: *fast(nil), VersionField: "/eTag"})
			require.NoError(t, err)
			ctx := context.Background()
			_, err = c.Get(ctx, srv.URL+"/doc")
			assert.ErrorIs(t, err, client.ErrInvalidDocument)
			_, err = c.Update(ctx, srv.URL+"/doc", turnPage)
			assert.ErrorIs(t, err, client.ErrInvalidDocument)
			_, err = raw.Get(ctx, srv.URL+"/doc")
			assert.ErrorIs(t, err, client.ErrInvalidDocument, "a version field needs a JSON body, even for a raw client")
			assert.Empty(t, srv.writes())
		})
	}
}

// writeSpaces writes n spaces to w, a MiB at a time.
func writeSpaces(w io.Writer, n int64) {
	chunk := bytes.Repeat([]byte{' '}, 1<<20)
	for n > 0 {
		k := min(n, int64(len(chunk)))
		if _, err := w.Write(chunk[:k]); err != nil {
			return // the client stopped reading
		}
		n -= k
	}
}

// bodyCap is the response size cap the client documents (64 MiB).
const bodyCap = 64 << 20

// serveLarge answers GETs with n bytes, streamed without a Content-Length
// so that only the client's own cap stops the read, and writes with 204.
func serveLarge(n int64) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		if r.Method != http.MethodGet {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		writeSpaces(w, n)
	}
}

// TestResponseSizeCap serves bodies around the 64 MiB cap on responses,
// streamed without a Content-Length so that only the client's own cap stops
// the read. The transport is shared by both front doors and both codecs, so
// one of each is enough: each 64 MiB read takes about three seconds under
// -race (the race detector follows every byte io.ReadAll copies), a
// fraction of a second without.
func TestResponseSizeCap(t *testing.T) {
	// over reads a body of the cap plus one byte: a typed error
	// (ErrInvalidDocument), one read, and no write.
	over := func(t *testing.T, call func(base string) error) {
		srv := newBIServer(t, serveLarge(bodyCap+1))
		err := call(srv.URL)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "larger than")
		assert.NotErrorIs(t, err, client.ErrOutcomeUnknown, "nothing was written")
		assert.Empty(t, srv.writes())
		assert.Equal(t, 1, srv.count(http.MethodGet), "an answer over the cap is not read again")
		assert.ErrorIs(t, err, client.ErrInvalidDocument, "a typed error")
	}
	t.Run("over the cap: StateClient[progress].Update", func(t *testing.T) {
		over(t, func(base string) error {
			c, err := client.NewStateClient[progress](base+"/xapi", lrs(&client.Options{TransportRetries: -1}))
			require.NoError(t, err)
			_, err = c.Update(context.Background(), key, turnPage)
			var we *client.WriteError
			if assert.ErrorAs(t, err, &we) {
				assert.Equal(t, 0, we.Attempts)
			}
			return err
		})
	})
	t.Run("over the cap: DocumentClient[[]byte].Get", func(t *testing.T) {
		over(t, func(base string) error {
			c, err := client.NewDocumentClient[[]byte](&client.DocumentOptions{Options: *fast(&client.Options{TransportRetries: -1})})
			require.NoError(t, err)
			_, err = c.Get(context.Background(), base+"/doc")
			return err
		})
	})
	t.Run("a write answered 200 over the cap", func(t *testing.T) {
		// The transport's contract (transport.do) is that for a write
		// the status stands even when the body cannot be read: the
		// write is done, neither "outcome unknown" nor sent again.
		var (
			mu     sync.Mutex
			stored = []byte("small")
		)
		srv := newBIServer(t, func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			if r.Method == http.MethodGet {
				w.Header().Set("ETag", `"`+strconv.Itoa(len(stored))+`"`)
				_, _ = w.Write(stored)
				return
			}
			stored = []byte("bigger")
			w.Header().Set("ETag", `"`+strconv.Itoa(len(stored))+`"`)
			w.WriteHeader(http.StatusOK)
			writeSpaces(w, bodyCap+1)
		})
		c, err := client.NewStateClient[[]byte](srv.URL+"/xapi", lrs(&client.Options{MaxAttempts: 1}))
		require.NoError(t, err)
		res, err := c.Update(context.Background(), key, func([]byte) ([]byte, error) { return []byte("bigger"), nil })
		if err != nil {
			t.Fatal("a write answered 200 with a body over the cap fails: transport.send (client/transport.go, " +
				"case len(data) > maxBody) returns an error for writes too instead of keeping the status, so the engine " +
				"takes the answer as lost: " + err.Error())
		}
		assert.NotErrorIs(t, err, client.ErrOutcomeUnknown)
		assert.Equal(t, client.Updated, res.Outcome)
		assert.Equal(t, 1, srv.count(http.MethodPut))
	})
}

// storeServer is a one-document store: GET returns what the last write
// sent, with a new ETag per write, and each write is answered by answer
// (after it is stored).
func storeServer(t *testing.T, answer func(w http.ResponseWriter)) *biServer {
	var (
		mu      sync.Mutex
		body    = []byte(`{"page":1}`)
		version = 1
	)
	return newBIServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.Method == http.MethodGet {
			w.Header().Set("ETag", `"v`+strconv.Itoa(version)+`"`)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(body)
			return
		}
		if r.Header.Get("If-Match") != `"v`+strconv.Itoa(version)+`"` {
			w.WriteHeader(http.StatusPreconditionFailed)
			return
		}
		// newBIServer has read the body already; the store only needs
		// to know that a write happened.
		version++
		body = []byte(fmt.Sprintf(`{"page":%d}`, version))
		w.Header().Set("ETag", `"v`+strconv.Itoa(version)+`"`)
		answer(w)
	})
}

// TestWriteAnswerStatusStands answers writes with a success whose body the
// client cannot use (a Content-Encoding it does not decode, or none to
// decode): the status says the write is done, so Update succeeds, once.
func TestWriteAnswerStatusStands(t *testing.T) {
	tests := []struct {
		name   string
		answer func(w http.ResponseWriter)
	}{
		{"204 labelled gzip", func(w http.ResponseWriter) {
			w.Header().Set("Content-Encoding", "gzip")
			w.WriteHeader(http.StatusNoContent)
		}},
		{"200 in an encoding the client does not decode", func(w http.ResponseWriter) {
			w.Header().Set("Content-Encoding", "br")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte{0x1b, 0x03, 0x00})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := storeServer(t, tt.answer)
			c, err := client.NewStateClient[progress](srv.URL+"/xapi", lrs(nil))
			require.NoError(t, err)
			res, err := c.Update(context.Background(), key, func(p progress) (progress, error) { p.Checked = map[string]bool{"a": true}; return p, nil })
			if err != nil {
				t.Fatal("a write answered 2xx fails because its answer's body cannot be decoded; " +
					"transport.send (client/transport.go) turns a Content-Encoding it cannot undo into an error for writes too, " +
					"and the engine then takes the answer as lost: " + err.Error())
			}
			assert.Equal(t, client.Updated, res.Outcome)
			assert.Len(t, srv.writes(), 1)
		})
	}
}

// TestReadAnswerEncodings answers reads with a Content-Encoding although
// the client asked for identity: gzip is undone; an encoding the client
// cannot undo, or a body that is not what it says, is a typed error that
// carries the status, and nothing is written.
func TestReadAnswerEncodings(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(`{"page":7}`))
	require.NoError(t, zw.Close())
	t.Run("gzip", func(t *testing.T) {
		srv := newBIServer(t, serveGET(http.StatusOK, http.Header{"Etag": {`"v1"`}, "Content-Encoding": {"gzip"}}, gz.Bytes(), http.StatusNoContent))
		for _, f := range jsonFronts(t, srv.URL, client.Options{}) {
			raw, err := f.get(context.Background())
			require.NoError(t, err, f.name)
			assert.JSONEq(t, `{"page":7}`, string(raw), f.name)
		}
	})
	for _, tc := range []struct {
		name, enc string
		body      []byte
	}{
		{"not gzip labelled gzip", "gzip", []byte(`{"page":7}`)},
		{"truncated gzip", "gzip", gz.Bytes()[:gz.Len()/2]},
		{"brotli", "br", []byte{0x1b, 0x03, 0x00}},
		{"an unknown coding", "x-made-up", []byte(`{"page":7}`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newBIServer(t, serveGET(http.StatusOK, http.Header{"Etag": {`"v1"`}, "Content-Encoding": {tc.enc}}, tc.body, http.StatusNoContent))
			for _, f := range allFronts(t, srv.URL, client.Options{TransportRetries: -1}) {
				_, gerr := f.get(context.Background())
				_, uerr := f.update(context.Background())
				for _, err := range []error{gerr, uerr} {
					require.Error(t, err, f.name)
					assert.NotErrorIs(t, err, client.ErrOutcomeUnknown, f.name)
				}
				var he *client.HTTPError
				if !errors.As(gerr, &he) && !errors.Is(gerr, client.ErrInvalidDocument) {
					t.Fatal("an answer whose Content-Encoding cannot be undone gives an error that matches " +
						"no sentinel and no *HTTPError (transport.send, client/transport.go, returns a bare requestError): " + gerr.Error())
				}
			}
			assert.Empty(t, srv.writes())
		})
	}
}

// TestMissingETag serves documents without an ETag: Get returns them (with
// an empty ETag), and a write re-reads WeakETagRereads times for a strong
// one, then fails with ErrWeakETag without writing.
func TestMissingETag(t *testing.T) {
	tests := []struct {
		name string
		etag []string // nil: no ETag header
		want error
	}{
		{"absent", nil, client.ErrWeakETag},
		{"empty", []string{""}, client.ErrWeakETag},
		{"only spaces", []string{"   "}, client.ErrWeakETag},
		{"weak", []string{`W/"v1"`}, client.ErrWeakETag},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{"Content-Type": {"application/json"}}
			if tt.etag != nil {
				h["Etag"] = tt.etag
			}
			srv := newBIServer(t, serveGET(http.StatusOK, h, []byte(`{"page":1}`), http.StatusNoContent))
			for _, f := range allFronts(t, srv.URL, client.Options{WeakETagRereads: 2}) {
				t.Run(f.name, func(t *testing.T) {
					ctx := context.Background()
					srv.reset()
					_, err := f.get(ctx)
					assert.NoError(t, err, "a document without a strong ETag can still be read")

					srv.reset()
					_, err = f.update(ctx)
					assert.ErrorIs(t, err, tt.want, "Update: %v", err)
					assert.Equal(t, 3, srv.count(http.MethodGet), "one read and WeakETagRereads re-reads")

					srv.reset()
					err = f.save(ctx)
					assert.ErrorIs(t, err, tt.want, "Save: %v", err)
					assert.Equal(t, 3, srv.count(http.MethodGet))
					assert.Empty(t, srv.writes())
				})
			}
		})
	}
	t.Run("body field", func(t *testing.T) {
		srv := newBIServer(t, serveGET(http.StatusOK, http.Header{"Content-Type": {"application/json"}}, []byte(`{"page":1}`), http.StatusNoContent))
		c, err := client.NewDocumentClient[progress](&client.DocumentOptions{Options: *fast(nil), VersionField: "/eTag"})
		require.NoError(t, err)
		_, err = c.Update(context.Background(), srv.URL+"/doc", turnPage)
		require.ErrorIs(t, err, client.ErrNoVersion)
		assert.Equal(t, 1, srv.count(http.MethodGet), "a body field is there or not: no re-read")
		assert.Empty(t, srv.writes())
	})
	t.Run("test servers", func(t *testing.T) {
		ss := newServer(t, nil)
		ss.SetDocument(key, "application/json", []byte(`{"page":1}`))
		ss.Script(statedoctest.Script{Method: http.MethodGet, Header: http.Header{"Etag": nil}, Times: 100})
		_, err := newClient[progress](t, ss, nil).Update(context.Background(), key, turnPage)
		require.ErrorIs(t, err, client.ErrWeakETag)
		assert.Equal(t, 0, countMethod(ss, http.MethodPut))

		ds := newDocServer(t, &etagtest.Options{ETag: etagtest.NoETag})
		ds.Put("/doc", []byte(`{"page":1}`))
		_, err = newDocClient[progress](t, ds, nil).Update(context.Background(), ds.URL+"/doc", turnPage)
		require.ErrorIs(t, err, client.ErrWeakETag)
		assert.Empty(t, writes(ds, "If-Match"))
	})
}

// TestMalformedETags serves ETags that are not one entity tag: every call
// refuses the document with ErrInvalidETag, and nothing is written.
func TestMalformedETags(t *testing.T) {
	for _, tag := range []string{`W/`, `"abc`, `abc"`, `"a", "b"`, `*`, `w/"x"`, `"a b"`, `W/"x`, `""x""`, `W/W/"x"`} {
		t.Run(tag, func(t *testing.T) {
			srv := newBIServer(t, serveGET(http.StatusOK, http.Header{"Content-Type": {"application/json"}, "Etag": {tag}}, []byte(`{"page":1}`), http.StatusNoContent))
			for _, f := range allFronts(t, srv.URL, client.Options{}) {
				t.Run(f.name, func(t *testing.T) {
					ctx := context.Background()
					srv.reset()
					_, err := f.get(ctx)
					assert.ErrorIs(t, err, client.ErrInvalidETag, "Get")
					_, err = f.update(ctx)
					assert.ErrorIs(t, err, client.ErrInvalidETag, "Update")
					err = f.save(ctx)
					assert.ErrorIs(t, err, client.ErrInvalidETag, "Save")
					assert.Empty(t, srv.writes())
				})
			}
		})
	}
}

// TestTwoETagFieldLines serves two ETag field lines. ETag is a singleton
// field; two lines are a list (RFC 9110 §5.3 lets any intermediary join
// them into `"a", "b"`, which the client refuses), so the answer must be
// refused the same way whether or not something on the path joined them.
func TestTwoETagFieldLines(t *testing.T) {
	srv := newBIServer(t, serveGET(http.StatusOK, http.Header{"Content-Type": {"application/json"}, "Etag": {`"a"`, `"b"`}}, []byte(`{"page":1}`), http.StatusNoContent))
	for _, f := range allFronts(t, srv.URL, client.Options{}) {
		_, err := f.get(context.Background())
		if !errors.Is(err, client.ErrInvalidETag) {
			t.Fatal("of two ETag field lines the client takes the first (shape.version, client/shape.go: header.Get(\"ETag\")), " +
				"though the same list on one line is refused with ErrInvalidETag")
		}
		_, err = f.update(context.Background())
		assert.ErrorIs(t, err, client.ErrInvalidETag, "%s Update: %v", f.name, err)
	}
	assert.Empty(t, srv.writes())
}

// TestUnknownStatusesOfWrites answers the write of an Update and a Save
// with statuses the loop does not know: each is an *HTTPError carrying the
// status, and one write was sent (two for 429, which the transport re-sends
// once: the server did not act on it).
func TestUnknownStatusesOfWrites(t *testing.T) {
	tests := []struct {
		status int
		also   error // a sentinel the error matches too
		puts   int   // writes sent
	}{
		{status: http.StatusTeapot, puts: 1},
		{status: http.StatusBadRequest, also: client.ErrBadRequest, puts: 1},
		{status: http.StatusUnauthorized, also: client.ErrUnauthorized, puts: 1},
		{status: http.StatusForbidden, also: client.ErrForbidden, puts: 1},
		{status: http.StatusMethodNotAllowed, puts: 1},
		{status: http.StatusGone, puts: 1},
		{status: http.StatusRequestEntityTooLarge, also: client.ErrTooLarge, puts: 1},
		{status: http.StatusUnsupportedMediaType, puts: 1},
		{status: http.StatusUnprocessableEntity, puts: 1},
		{status: 499, puts: 1},
		{status: http.StatusTooManyRequests, puts: 2}, // re-sent once (TransportRetries 1): a 429 was not processed
		{status: http.StatusMultipleChoices, also: client.ErrRedirect, puts: 1},
		{status: http.StatusMovedPermanently, also: client.ErrRedirect, puts: 1},
		{status: http.StatusFound, also: client.ErrRedirect, puts: 1},
		{status: http.StatusSeeOther, also: client.ErrRedirect, puts: 1},
		{status: http.StatusNotModified, also: client.ErrRedirect, puts: 1},
		{status: http.StatusUseProxy, also: client.ErrRedirect, puts: 1},
		{status: http.StatusTemporaryRedirect, also: client.ErrRedirect, puts: 1},
		{status: http.StatusPermanentRedirect, also: client.ErrRedirect, puts: 1},
		{status: 399, also: client.ErrRedirect, puts: 1},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			srv := newBIServer(t, func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodGet {
					w.Header().Set("ETag", `"v1"`)
					w.Header().Set("Content-Type", "application/json")
					_, _ = w.Write([]byte(`{"page":1}`))
					return
				}
				if tt.status >= 300 && tt.status < 400 {
					w.Header().Set("Location", "/elsewhere")
				}
				w.WriteHeader(tt.status)
				if tt.status != http.StatusNotModified {
					_, _ = w.Write([]byte("no"))
				}
			})
			for _, f := range allFronts(t, srv.URL, client.Options{TransportRetries: 1}) {
				t.Run(f.name, func(t *testing.T) {
					ctx := context.Background()
					for _, call := range []struct {
						name string
						run  func() error
					}{
						{"Update", func() error { _, err := f.update(ctx); return err }},
						{"Save", func() error { return f.save(ctx) }},
					} {
						srv.reset()
						err := call.run()
						require.Error(t, err, call.name)
						var he *client.HTTPError
						if assert.ErrorAs(t, err, &he, call.name) {
							assert.Equal(t, tt.status, he.StatusCode, call.name)
							assert.NotEqual(t, http.MethodGet, he.Method, call.name)
						}
						var we *client.WriteError
						if assert.ErrorAs(t, err, &we, call.name) {
							assert.Equal(t, tt.status, we.Status, call.name)
							assert.Equal(t, tt.puts, we.Attempts, "%s: every write sent is an attempt", call.name)
						}
						assert.NotErrorIs(t, err, client.ErrOutcomeUnknown, "%s: a 1xx-4xx answer says what happened", call.name)
						assert.NotErrorIs(t, err, client.ErrConflict, call.name)
						if tt.also != nil {
							assert.ErrorIs(t, err, tt.also, call.name)
						}
						assert.Len(t, srv.writes(), tt.puts, call.name)
					}
				})
			}
		})
	}
	t.Run("299 is a success", func(t *testing.T) {
		srv := newBIServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("ETag", `"v1"`)
			if r.Method == http.MethodGet {
				_, _ = w.Write([]byte(`{"page":1}`))
				return
			}
			w.Header().Set("ETag", `"v2"`)
			w.WriteHeader(299)
		})
		for _, f := range allFronts(t, srv.URL, client.Options{}) {
			res, err := f.update(context.Background())
			require.NoError(t, err, f.name)
			assert.Equal(t, client.Updated, res.Outcome, f.name)
			assert.Equal(t, `"v2"`, res.ETag, f.name)
		}
	})
}

// TestServerErrorsOfWrites answers a write 5xx. The write may have been
// applied, so it is never re-sent blindly: a read follows. When that read
// finds a third version (neither the base nor what was sent) the outcome is
// unknown: one write, an error matching ErrOutcomeUnknown that carries the
// *HTTPError and its status. When the read finds the base unchanged, the
// write was not applied and is sent again, at most MaxAttempts times in
// all.
func TestServerErrorsOfWrites(t *testing.T) {
	for _, status := range []int{500, 501, 502, 503, 504, 599} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			var (
				mu      sync.Mutex
				moved   bool // a write has come: reads find a third version
				advance bool // whether a write moves the document on
			)
			srv := newBIServer(t, func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				defer mu.Unlock()
				if r.Method != http.MethodGet {
					moved = moved || advance
					w.WriteHeader(status)
					_, _ = w.Write([]byte("upstream failed"))
					return
				}
				w.Header().Set("Content-Type", "application/json")
				if moved {
					w.Header().Set("ETag", `"v3"`)
					_, _ = w.Write([]byte(`{"page":9,"by":"someone else"}`))
					return
				}
				w.Header().Set("ETag", `"v1"`)
				_, _ = w.Write([]byte(`{"page":1}`))
			})
			set := func(adv bool) {
				mu.Lock()
				moved, advance = false, adv
				mu.Unlock()
				srv.reset()
			}
			for _, f := range allFronts(t, srv.URL, client.Options{MaxAttempts: 2, TransportRetries: 1}) {
				t.Run(f.name, func(t *testing.T) {
					ctx := context.Background()
					for _, call := range []struct {
						name string
						run  func() error
					}{
						{"Update", func() error { _, err := f.update(ctx); return err }},
						{"Save", func() error { return f.save(ctx) }},
					} {
						set(true)
						err := call.run()
						require.Error(t, err, call.name)
						assert.ErrorIs(t, err, client.ErrOutcomeUnknown, "%s: %v", call.name, err)
						var he *client.HTTPError
						if assert.ErrorAs(t, err, &he, call.name) {
							assert.Equal(t, status, he.StatusCode, call.name)
						}
						var we *client.WriteError
						if assert.ErrorAs(t, err, &we, call.name) {
							assert.Equal(t, status, we.Status, call.name)
							assert.Equal(t, 1, we.Attempts, call.name)
						}
						assert.Len(t, srv.writes(), 1, "%s: a write whose outcome is unknown is not re-sent", call.name)

						set(false)
						err = call.run()
						require.Error(t, err, call.name)
						assert.NotErrorIs(t, err, client.ErrOutcomeUnknown, "%s: the read showed it not applied", call.name)
						if assert.ErrorAs(t, err, &he, call.name) {
							assert.Equal(t, status, he.StatusCode, call.name)
						}
						assert.Len(t, srv.writes(), 2, "%s: not applied, so sent again up to MaxAttempts", call.name)
					}
				})
			}
		})
	}
}

// TestUnknownStatusesOfReads answers GETs with statuses other than 200 and
// 404: each is an *HTTPError with the status, never "outcome unknown", and
// no write follows.
func TestUnknownStatusesOfReads(t *testing.T) {
	for _, status := range []int{201, 202, 203, 204, 206, 299, 300, 304, 305, 400, 401, 403, 410, 418, 429, 500, 501, 503} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			srv := newBIServer(t, serveGET(status, http.Header{"Content-Type": {"application/json"}, "Etag": {`"v1"`}}, []byte(`{"page":1}`), http.StatusNoContent))
			for _, f := range allFronts(t, srv.URL, client.Options{TransportRetries: 1}) {
				t.Run(f.name, func(t *testing.T) {
					ctx := context.Background()
					_, gerr := f.get(ctx)
					_, uerr := f.update(ctx)
					serr := f.save(ctx)
					for i, err := range []error{gerr, uerr, serr} {
						var he *client.HTTPError
						if assert.ErrorAs(t, err, &he, "call %d", i) {
							assert.Equal(t, status, he.StatusCode)
							assert.Equal(t, http.MethodGet, he.Method)
						}
						assert.NotErrorIs(t, err, client.ErrOutcomeUnknown, "a read changes nothing")
						if status >= 300 && status < 400 {
							assert.ErrorIs(t, err, client.ErrRedirect)
						}
					}
					assert.Empty(t, srv.writes())
				})
			}
		})
	}
}

// TestRawClientsTakeAnyBytes reads documents of every kind with raw
// clients: binary, HTML, invalid UTF-8, empty. They come back byte for byte.
func TestRawClientsTakeAnyBytes(t *testing.T) {
	binary := make([]byte, 256)
	for i := range binary {
		binary[i] = byte(i)
	}
	tests := []struct {
		name, contentType string
		body              []byte
	}{
		{"binary", "application/octet-stream", binary},
		{"HTML", "text/html", []byte("<!DOCTYPE html><html><body>hi</body></html>")},
		{"invalid UTF-8 labelled JSON", "application/json", []byte("\xff\xfe{")},
		{"empty", "application/json", []byte{}},
		{"empty without a type", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{"Etag": {`"v1"`}}
			if tt.contentType != "" {
				h.Set("Content-Type", tt.contentType)
			}
			srv := newBIServer(t, serveGET(http.StatusOK, h, tt.body, http.StatusNoContent))
			for _, f := range rawFronts(t, srv.URL, client.Options{}) {
				got, err := f.get(context.Background())
				require.NoError(t, err, f.name)
				assert.Equal(t, string(tt.body), string(got), f.name)
			}
			// And they write back what they read, changed.
			dc, err := client.NewDocumentClient[[]byte](&client.DocumentOptions{Options: *fast(nil)})
			require.NoError(t, err)
			res, err := dc.Update(context.Background(), srv.URL+"/doc", func(b []byte) ([]byte, error) {
				return append(append([]byte{}, b...), 0), nil
			})
			require.NoError(t, err)
			assert.Equal(t, client.Updated, res.Outcome)
		})
	}
}

// TestInvalidKeysSendNothing checks that a key the client refuses gives
// statedoc.ErrInvalid before any request.
func TestInvalidKeysSendNothing(t *testing.T) {
	srv := newBIServer(t, serveGET(http.StatusOK, nil, nil, http.StatusNoContent))
	c, err := client.NewStateClient[progress](srv.URL+"/xapi", lrs(nil))
	require.NoError(t, err)
	bad := key
	bad.Registration = "not-a-uuid"
	_, err = c.Update(context.Background(), bad, turnPage)
	require.ErrorIs(t, err, statedoc.ErrInvalid)
	assert.Empty(t, srv.requests())
}
