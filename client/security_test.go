package client_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/client"
	"github.com/ifmatch/ifmatch/client/etagtest"
	"github.com/ifmatch/ifmatch/statedoc"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

// Distinctive credentials: none of them can appear in a text by accident.
const (
	optUser = "zq7-optuser-Kx91"
	optPass = "pw-Qm42-optsecret"
	urlUser = "uu-Rt55-urluser"
	urlPass = "up-Vb88-urlsecret"
)

// secrets lists every form in which a credential could leak: the names,
// the passwords, and the Authorization values they make.
func secrets() []string {
	out := []string{optUser, optPass, urlUser, urlPass}
	for _, pair := range [][2]string{{optUser, optPass}, {urlUser, urlPass}} {
		out = append(out, base64.StdEncoding.EncodeToString([]byte(pair[0]+":"+pair[1])))
	}
	return out
}

// leakCheck gathers every text the client and the servers produce during
// a test and checks, at the end, that no secret is in any of them.
type leakCheck struct {
	mu    sync.Mutex
	logs  bytes.Buffer
	texts []string // labelled texts: "where: text"
}

func newLeakCheck(t *testing.T) *leakCheck {
	lc := &leakCheck{}
	t.Cleanup(func() {
		lc.mu.Lock()
		defer lc.mu.Unlock()
		all := append(slices.Clone(lc.texts), "log: "+lc.logs.String())
		for _, s := range secrets() {
			for _, text := range all {
				assert.NotContains(t, text, s, "a credential leaked")
			}
		}
	})
	return lc
}

// logger is a debug logger that writes JSON records into the check.
func (lc *leakCheck) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(lockedWriter{lc}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type lockedWriter struct{ lc *leakCheck }

func (w lockedWriter) Write(p []byte) (int, error) {
	w.lc.mu.Lock()
	defer w.lc.mu.Unlock()
	return w.lc.logs.Write(p)
}

func (lc *leakCheck) add(where string, texts ...string) {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	for _, s := range texts {
		lc.texts = append(lc.texts, where+": "+s)
	}
}

// addErr records err's text and %+v, and those of every error it wraps,
// with the URL and fields of the typed errors along the way.
func (lc *leakCheck) addErr(where string, err error) {
	if err == nil {
		return
	}
	lc.add(where, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
	var (
		ue *url.Error
		he *client.HTTPError
		we *client.WriteError
	)
	if errors.As(err, &ue) {
		lc.add(where+" url.Error", ue.URL, ue.Error())
	}
	if errors.As(err, &he) {
		lc.add(where+" HTTPError", he.URL, he.Location, he.Body, he.Method)
	}
	if errors.As(err, &we) {
		lc.add(where+" WriteError", we.Resource, we.Op)
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		lc.addErr(where, u.Unwrap())
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			lc.addErr(where, e)
		}
	}
}

// addStateLog records the test LRS's log as a caller would render it.
func (lc *leakCheck) addStateLog(srv *statedoctest.Server) {
	for _, e := range srv.Log() {
		lc.add("statedoctest log", e.String(), fmt.Sprintf("%+v", e), e.Path, e.Query.Encode(), string(e.RequestBody))
		for k, vs := range e.RequestHeader {
			lc.add("statedoctest request header", k+": "+strings.Join(vs, ", "))
		}
		for k, vs := range e.ResponseHeader {
			lc.add("statedoctest response header", k+": "+strings.Join(vs, ", "))
		}
	}
}

// addDocLog records the test document server's log as a caller would
// render it.
func (lc *leakCheck) addDocLog(srv *etagtest.Server) {
	for _, e := range srv.Log() {
		lc.add("etagtest log", e.String(), fmt.Sprintf("%+v", e), e.Path, string(e.Body))
		for k, vs := range e.Header {
			lc.add("etagtest request header", k+": "+strings.Join(vs, ", "))
		}
		for k, vs := range e.ResponseHeader {
			lc.add("etagtest response header", k+": "+strings.Join(vs, ", "))
		}
	}
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// hostile is a server that fails in the way its mode says: the stateId of
// a State request, the last path segment of any other. Every request is
// recorded with its request line and Host.
type hostile struct {
	*biServer
	closed string // an address nothing listens on
}

func newHostile(t *testing.T) *hostile {
	h := &hostile{closed: closedAddr(t)}
	h.biServer = newBIServer(t, func(w http.ResponseWriter, r *http.Request) {
		mode := r.URL.Query().Get("stateId")
		if mode == "" {
			mode = r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
		}
		get := r.Method == http.MethodGet
		doc := func(etag string) {
			w.Header().Set("ETag", etag)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"page":1}`))
		}
		withCreds := "http://" + optUser + ":" + optPass + "@sso.example.com/login?next=%2Fxapi"
		switch {
		case mode == "unauthorized":
			w.Header().Set("WWW-Authenticate", `Basic realm="lrs"`)
			w.WriteHeader(http.StatusUnauthorized)
		case mode == "missing":
			w.WriteHeader(http.StatusNotFound)
		case mode == "conflict" && get:
			doc(`"v1"`)
		case mode == "conflict":
			w.WriteHeader(http.StatusPreconditionFailed)
		case mode == "write-redirect" && get:
			doc(`"v1"`)
		case mode == "write-redirect":
			w.Header().Set("Location", withCreds)
			w.WriteHeader(http.StatusTemporaryRedirect)
		case mode == "read-redirect":
			// A read follows redirects: this one leads to a closed port,
			// with credentials in the URL.
			w.Header().Set("Location", "http://"+urlUser+":"+urlPass+"@"+h.closed+"/gone")
			w.WriteHeader(http.StatusFound)
		case mode == "read-redirect-ok" && get:
			w.Header().Set("Location", "/after-redirect/ok")
			w.WriteHeader(http.StatusFound)
		case mode == "server-error":
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte("boom"))
		case mode == "write-error" && get:
			doc(`"v1"`)
		case mode == "write-error":
			w.WriteHeader(http.StatusBadGateway)
		case mode == "weak":
			doc(`W/"v1"`)
		case mode == "drop" && !get:
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				conn.Close()
			}
		case get:
			doc(`"v1"`)
		default:
			w.Header().Set("ETag", `"v2"`)
			w.WriteHeader(http.StatusNoContent)
		}
	})
	return h
}

var hostileModes = []string{"ok", "unauthorized", "missing", "conflict", "write-redirect", "read-redirect",
	"read-redirect-ok", "server-error", "write-error", "weak", "drop"}

// TestCredentialsNeverLeak drives requests that fail in every way with
// credentials given in Options, in the endpoint URL, and in both, and
// looks for the credentials in the debug log, in every error (text, %+v,
// and the fields of the typed errors it wraps) and in the test servers'
// logs.
func TestCredentialsNeverLeak(t *testing.T) {
	ctx := context.Background()
	lc := newLeakCheck(t)
	h := newHostile(t)
	hostURL, err := url.Parse(h.URL)
	require.NoError(t, err)
	withUser := func(u string) string {
		p, err := url.Parse(u)
		require.NoError(t, err)
		p.User = url.UserPassword(urlUser, urlPass)
		return p.String()
	}
	opts := func(user, pass string) client.Options {
		return client.Options{Username: user, Password: pass, Logger: lc.logger(), MaxAttempts: 3, WeakETagRereads: 1, TransportRetries: 1}
	}

	t.Cleanup(func() {
		lc.mu.Lock()
		defer lc.mu.Unlock()
		assert.Contains(t, lc.logs.String(), `"level":"DEBUG"`, "the debug logger received records")
	})

	t.Run("StateClient", func(t *testing.T) {
		setups := []struct {
			name, endpoint string
			o              client.Options
			wantUser       string
		}{
			{"Options", h.URL + "/xapi", opts(optUser, optPass), optUser},
			{"endpoint URL", withUser(h.URL + "/xapi"), opts("", ""), urlUser},
			{"both", withUser(h.URL + "/xapi"), opts(optUser, optPass), optUser},
			{"endpoint URL, closed port", withUser("http://" + h.closed + "/xapi"), opts("", ""), ""},
		}
		for _, s := range setups {
			t.Run(s.name, func(t *testing.T) {
				c, err := client.NewStateClient[progress](s.endpoint, lrs(&s.o))
				require.NoError(t, err)
				raw, err := client.NewStateClient[[]byte](s.endpoint, lrs(&client.Options{
					Username: s.o.Username, Password: s.o.Password, Logger: lc.logger(),
					ContentType: "text/plain\r\nX-Injected: 1", // refused before sending: ErrNotSent
				}))
				require.NoError(t, err)
				h.reset()
				for _, mode := range hostileModes {
					k := key
					k.StateID = mode
					where := s.name + " " + mode
					_, err := c.Get(ctx, k)
					lc.addErr(where+" Get", err)
					_, err = c.Update(ctx, k, turnPage)
					lc.addErr(where+" Update", err)
					checkFailure(t, where, s.wantUser == "", mode, err)
					_, err = c.Save(ctx, k, client.Doc[progress]{Exists: true, ETag: `"v0"`, Raw: []byte(`{"page":0}`)}, progress{Page: 3}, nil)
					lc.addErr(where+" Save", err)
					lc.addErr(where+" Delete", c.Delete(ctx, k, `"v1"`))
					lc.addErr(where+" DeleteContext", c.DeleteContext(ctx, k.Context()))
					_, err = c.List(ctx, k.Context(), time.Time{})
					lc.addErr(where+" List", err)
					_, err = raw.Update(ctx, k, func([]byte) ([]byte, error) { return []byte("x"), nil })
					lc.addErr(where+" raw Update", err)
				}
				if s.wantUser != "" {
					requireSentAs(t, h.biServer, s.wantUser)
				}
				for _, r := range h.requests() {
					lc.add("request line", r.RequestURI, r.Host)
				}
			})
		}
	})

	t.Run("DocumentClient", func(t *testing.T) {
		setups := []struct {
			name, base string
			o          client.Options
			wantUser   string
		}{
			{"Options", h.URL, opts(optUser, optPass), optUser},
			{"URL userinfo", withUser(h.URL), opts("", ""), urlUser},
			{"URL userinfo, closed port", withUser("http://" + h.closed), opts("", ""), ""},
		}
		for _, s := range setups {
			t.Run(s.name, func(t *testing.T) {
				c, err := client.NewDocumentClient[progress](&client.DocumentOptions{Options: *fast(&s.o)})
				require.NoError(t, err)
				h.reset()
				for _, mode := range hostileModes {
					u := s.base + "/docs/" + mode
					where := s.name + " " + mode
					_, err := c.Get(ctx, u)
					lc.addErr(where+" Get", err)
					_, err = c.Update(ctx, u, turnPage)
					lc.addErr(where+" Update", err)
					checkFailure(t, where, s.wantUser == "", mode, err)
					_, err = c.Save(ctx, u, client.Doc[progress]{Exists: true, ETag: `"v0"`, Raw: []byte(`{"page":0}`)}, progress{Page: 3}, nil)
					lc.addErr(where+" Save", err)
					lc.addErr(where+" Delete", c.Delete(ctx, u, `"v1"`))
					_, loc, err := c.Create(ctx, s.base+"/docs/"+mode, progress{Page: 1})
					lc.addErr(where+" Create", err)
					_ = loc // the caller's own URL, resolved: not an error or a log
				}
				if s.wantUser != "" {
					requireSentAs(t, h.biServer, s.wantUser)
				}
				for _, r := range h.requests() {
					assert.NotContains(t, r.RequestURI, "@", "no user information in the request line")
					assert.Equal(t, hostURL.Host, r.Host, "no user information in Host")
					lc.add("request line", r.RequestURI, r.Host)
				}
			})
		}
	})

	t.Run("test LRS", func(t *testing.T) {
		srv := newServer(t, &statedoctest.Options{Username: optUser, Password: optPass})
		other := newServer(t, &statedoctest.Options{Username: "someone-else", Password: "x"})
		ep := withUser(srv.URL)
		good, err := client.NewStateClient[progress](ep, lrs(&client.Options{Username: optUser, Password: optPass, Logger: lc.logger(), MaxAttempts: 3}))
		require.NoError(t, err)
		byURL, err := client.NewStateClient[progress](withUser(other.URL), lrs(&client.Options{Logger: lc.logger()}))
		require.NoError(t, err)
		_, err = good.Update(ctx, key, turnPage)
		require.NoError(t, err)
		srv.Script(statedoctest.Script{Method: http.MethodPut, Status: http.StatusPreconditionFailed, Times: 100})
		_, err = good.Update(ctx, key, turnPage)
		require.ErrorIs(t, err, client.ErrConflict, "a 412 storm ends in ErrConflict")
		lc.addErr("test LRS 412 storm", err)
		srv.Script(statedoctest.Script{Method: http.MethodGet, Status: http.StatusInternalServerError, Times: 100})
		_, err = good.Get(ctx, key)
		lc.addErr("test LRS 500", err)
		missing := key
		missing.StateID = "missing"
		lc.addErr("test LRS 404", good.Delete(ctx, missing, `"nope"`))
		_, err = byURL.Update(ctx, key, turnPage)
		require.ErrorIs(t, err, client.ErrUnauthorized)
		lc.addErr("test LRS 401", err)
		for _, e := range srv.Log() {
			require.Equal(t, "Basic [redacted]", e.RequestHeader.Get("Authorization"), "the client sent credentials, and the log hides them")
		}
		lc.addStateLog(srv)
		lc.addStateLog(other)
	})

	t.Run("test document server", func(t *testing.T) {
		srv := newDocServer(t, nil)
		srv.Put("/doc", []byte(`{"page":1}`))
		for _, o := range []client.Options{{Username: optUser, Password: optPass}, {}} {
			o.Logger = lc.logger()
			o.MaxAttempts = 2
			c := newDocClient[progress](t, srv, &client.DocumentOptions{Options: o})
			u := withUser(srv.URL + "/doc")
			_, err := c.Update(ctx, u, turnPage)
			require.NoError(t, err)
			_, err = c.Save(ctx, u, client.Doc[progress]{Exists: true, ETag: `"stale"`, Raw: []byte(`{"page":0}`)}, progress{Page: 9}, merge412)
			lc.addErr("test document server stale", err)
			lc.addErr("test document server 404", c.Delete(ctx, withUser(srv.URL+"/missing"), `"v1"`))
		}
		for _, e := range srv.Log() {
			require.Equal(t, "Basic [redacted]", e.Header.Get("Authorization"), "the client sent credentials, and the log hides them")
		}
		lc.addDocLog(srv)
	})
}

// checkFailure checks that an Update against the hostile server failed
// the way its mode says, so that the leak check covers what it claims to.
func checkFailure(t *testing.T, where string, refused bool, mode string, err error) {
	t.Helper()
	if refused {
		assert.ErrorIs(t, err, client.ErrNotSent, where)
		return
	}
	switch mode {
	case "ok", "read-redirect-ok":
		assert.NoError(t, err, where)
	case "unauthorized":
		assert.ErrorIs(t, err, client.ErrUnauthorized, where)
	case "conflict":
		assert.ErrorIs(t, err, client.ErrConflict, where)
	case "write-redirect":
		assert.ErrorIs(t, err, client.ErrRedirect, where)
	case "weak":
		assert.ErrorIs(t, err, client.ErrWeakETag, where)
	default:
		assert.Error(t, err, where)
	}
}

// merge412 fails every merge, so that a Save on a stale base stops.
func merge412(progress, progress, progress) (progress, error) {
	return progress{}, errors.New("no merge")
}

// requireSentAs checks that the server received Basic credentials for
// user on at least one request: the test is about credentials that were
// really used.
func requireSentAs(t *testing.T, s *biServer, user string) {
	t.Helper()
	for _, r := range s.requests() {
		if r.Header.Get("Authorization") == "" {
			continue
		}
		req := &http.Request{Header: r.Header}
		got, _, ok := req.BasicAuth()
		require.True(t, ok)
		require.Equal(t, user, got)
		return
	}
	t.Fatalf("no request carried credentials")
}

// TestCredentialsNotForwardedAcrossHosts redirects a read to another host:
// the credentials of the first must not follow it there.
func TestCredentialsNotForwardedAcrossHosts(t *testing.T) {
	other := newBIServer(t, serveGET(http.StatusOK, http.Header{"Etag": {`"v1"`}, "Content-Type": {"application/json"}}, []byte(`{"page":1}`), http.StatusNoContent))
	_, port, err := net.SplitHostPort(strings.TrimPrefix(other.URL, "http://"))
	require.NoError(t, err)
	elsewhere := "http://localhost:" + port // another host name than 127.0.0.1
	first := newBIServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", elsewhere+"/moved")
		w.WriteHeader(http.StatusFound)
	})
	ctx := context.Background()
	endpoint := strings.Replace(first.URL, "http://", "http://"+urlUser+":"+urlPass+"@", 1)
	sc, err := client.NewStateClient[progress](endpoint+"/xapi", lrs(nil))
	require.NoError(t, err)
	_, err = sc.Get(ctx, key)
	require.NoError(t, err)
	oc, err := client.NewStateClient[progress](first.URL+"/xapi", lrs(&client.Options{Username: optUser, Password: optPass}))
	require.NoError(t, err)
	_, err = oc.Get(ctx, key)
	require.NoError(t, err)
	dc, err := client.NewDocumentClient[progress](&client.DocumentOptions{Options: *fast(nil)})
	require.NoError(t, err)
	_, err = dc.Get(ctx, endpoint+"/doc")
	require.NoError(t, err)

	requireSentAs(t, first, urlUser)
	require.Len(t, other.requests(), 3, "the reads followed the redirect")
	for _, r := range other.requests() {
		assert.Empty(t, r.Header.Get("Authorization"), "credentials must not follow a redirect to another host")
	}
}

// TestMalformedEndpointsDoNotEchoCredentials gives endpoints and document
// URLs that do not parse, with credentials in them: the error must not
// repeat the credentials. Secrets pasted from an LRS console often hold
// '/', '+' or '=' (base64), which a URL needs percent-encoded.
func TestMalformedEndpointsDoNotEchoCredentials(t *testing.T) {
	const secret = "Sx9/Ab+c=Qd"
	for _, raw := range []string{
		"https://key:" + secret + "@lrs.example.com/xapi",
		"https://key:" + secret + "@lrs.example.com",
		"https://key:" + secret + "@lrs.example.com:notaport/xapi",
		"key:" + secret + "@lrs.example.com/xapi",
		"https://key:%zz" + secret + "@lrs.example.com/xapi",
	} {
		t.Run(raw, func(t *testing.T) {
			var errs []error
			_, err := client.NewStateClient[progress](raw, nil)
			errs = append(errs, err)
			dc, derr := client.NewDocumentClient[progress](nil)
			require.NoError(t, derr)
			_, err = dc.Get(context.Background(), raw)
			errs = append(errs, err)
			for _, err := range errs {
				require.Error(t, err, "the URL does not parse")
				for _, part := range []string{secret, "Sx9", "Ab+c=Qd"} {
					if strings.Contains(err.Error(), part) || strings.Contains(fmt.Sprintf("%+v", err), part) {
						t.Fatal("redactEndpoint (client/transport.go) looks for the '@' only before the first '/' " +
							"after the scheme, so a password holding '/' is repeated whole: " + err.Error())
					}
				}
			}
		})
	}
}

// TestDocumentURLUserinfo sends documents addressed by URLs with user
// information: it is used as Basic credentials, never sent in the request
// line or Host, and never repeated in errors.
func TestDocumentURLUserinfo(t *testing.T) {
	srv := newBIServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			w.Header().Set("ETag", `"v1"`)
			_, _ = w.Write([]byte(`{"page":1}`))
			return
		}
		w.WriteHeader(http.StatusTeapot)
	})
	u, err := url.Parse(srv.URL + "/doc?x=1&y=%2F")
	require.NoError(t, err)
	host := u.Host
	u.User = url.UserPassword(urlUser, urlPass)
	var logs bytes.Buffer
	c, err := client.NewDocumentClient[progress](&client.DocumentOptions{Options: *fast(&client.Options{
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})})
	require.NoError(t, err)
	_, err = c.Update(context.Background(), u.String(), turnPage)
	var he *client.HTTPError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, http.StatusTeapot, he.StatusCode)
	assert.Equal(t, srv.URL+"/doc?x=1&y=%2F", he.URL, "the URL, without user information")

	reqs := srv.requests()
	require.Len(t, reqs, 2)
	for _, r := range reqs {
		assert.Equal(t, "/doc?x=1&y=%2F", r.RequestURI)
		assert.Equal(t, host, r.Host)
	}
	requireSentAs(t, srv, urlUser)
	for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), logs.String()} {
		for _, s := range secrets() {
			assert.NotContains(t, text, s)
		}
	}
}

// TestNoTLSVerificationSwitchedOff fails if any non-test Go file of the
// repository turns certificate verification off.
func TestNoTLSVerificationSwitchedOff(t *testing.T) {
	_, file, _, ok := runtime.Caller(0)
	require.True(t, ok)
	root := filepath.Dir(filepath.Dir(file)) // client/.. is the module root
	_, err := os.Stat(filepath.Join(root, "go.mod"))
	require.NoError(t, err, "module root not found from %s", file)
	scanned := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		scanned++
		if bytes.Contains(data, []byte("InsecureSkipVerify")) {
			rel, _ := filepath.Rel(root, path)
			t.Errorf("%s mentions InsecureSkipVerify: non-test code must never switch TLS verification off", rel)
		}
		return nil
	})
	require.NoError(t, err)
	assert.Greater(t, scanned, 20, "the walk found the repository's Go files")
}

// stateRequests is a State endpoint that records the path and query of
// every request and answers as a store of one document would.
func stateRequests(t *testing.T) *biServer {
	return newBIServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodGet && !r.URL.Query().Has("stateId"):
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`["progress"]`))
		case r.Method == http.MethodGet:
			w.Header().Set("ETag", `"v1"`)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"page":1}`))
		default:
			w.Header().Set("ETag", `"v2"`)
			w.WriteHeader(http.StatusNoContent)
		}
	})
}

// TestKeyFieldsAreEncoded gives every field of a State key values that
// would change the path or add parameters if they were not encoded: each
// request's path must be exactly the State Resource's and its query must
// hold exactly the key's parameters with exactly the values given — or the
// key must be refused with statedoc.ErrInvalid before any request.
func TestKeyFieldsAreEncoded(t *testing.T) {
	const activity = "https://example.com/course/1"
	hostile := []string{"a&b=c", "a&stateId=evil", "a#frag", "a?x=y", "/..", "../../../etc/passwd", "a/../../b",
		"a%2Fb", "%2e%2e", "%", "a\nb", "a\r\nX-Injected: 1", "a b", "a+b", "a;b", "a=b", "\x00", "\xff\xfe", "é", "\u2028"}
	type tc struct {
		name string
		key  statedoc.Key
	}
	var tests []tc
	for _, v := range hostile {
		k := key
		k.StateID = v
		tests = append(tests, tc{"stateId " + fmt.Sprintf("%q", v), k})

		k = key
		k.ActivityID = activity + "/" + v
		tests = append(tests, tc{"activityId " + fmt.Sprintf("%q", v), k})

		if !utf8.ValidString(v) {
			continue // agent fields: see TestAgentFieldsKeepTheirBytes
		}
		k = key
		k.Agent = statedoc.Agent{Account: &statedoc.Account{HomePage: "https://lms.example.com", Name: "ada" + v}}
		tests = append(tests, tc{"account name " + fmt.Sprintf("%q", v), k})

		k = key
		k.Agent = statedoc.Agent{Account: &statedoc.Account{HomePage: "https://lms.example.com/" + v, Name: "ada"}}
		tests = append(tests, tc{"account homePage " + fmt.Sprintf("%q", v), k})

		k = key
		k.Agent = statedoc.Agent{Mbox: "mailto:ada" + v + "@example.com"}
		tests = append(tests, tc{"mbox " + fmt.Sprintf("%q", v), k})

		k = key
		k.Agent = statedoc.Agent{OpenID: "https://openid.example.com/" + v}
		tests = append(tests, tc{"openid " + fmt.Sprintf("%q", v), k})

		k = key
		k.Registration = "6a1e7d30-1b3c-4f2e-9a5b-0c1d2e3f4a5b" + v
		tests = append(tests, tc{"registration " + fmt.Sprintf("%q", v), k})
	}
	for _, a := range []string{"urn:x:&agent=evil", "https://example.com/a?x=1&stateId=evil#f", "mailto:x@y?z=1"} {
		k := key
		k.ActivityID = a
		tests = append(tests, tc{"activityId " + a, k})
	}
	upper := key
	upper.Registration = "6A1E7D30-1B3C-4F2E-9A5B-0C1D2E3F4A5B"
	tests = append(tests, tc{"registration in capitals", upper})

	srv := stateRequests(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.reset()
			c, err := client.NewStateClient[progress](srv.URL+"/xapi?evil=1#frag", lrs(nil))
			require.NoError(t, err)
			ctx := context.Background()
			calls := []error{}
			_, err = c.Get(ctx, tt.key)
			calls = append(calls, err)
			_, err = c.Update(ctx, tt.key, turnPage)
			calls = append(calls, err)
			calls = append(calls, c.Delete(ctx, tt.key, `"v2"`))
			_, err = c.List(ctx, tt.key.Context(), time.Time{})
			calls = append(calls, err)
			calls = append(calls, c.DeleteContext(ctx, tt.key.Context()))

			if verr := tt.key.Validate(); verr != nil {
				require.ErrorIs(t, verr, statedoc.ErrInvalid)
				for _, err := range calls {
					assert.ErrorIs(t, err, statedoc.ErrInvalid)
				}
				assert.Empty(t, srv.requests(), "an invalid key is refused before any request")
				return
			}
			for i, err := range calls {
				require.NoError(t, err, "call %d", i)
			}
			reqs := srv.requests()
			require.Len(t, reqs, 7, "GET, GET and PUT, DELETE, GET (list), GET (list) and DELETE (context)")
			for i, r := range reqs {
				assert.Equal(t, "/xapi/activities/state", r.Path, "request %d: the path is fixed", i)
				assert.Equal(t, "/xapi/activities/state", strings.SplitN(r.RequestURI, "?", 2)[0], "request %d: the path is fixed, as sent", i)
				q, err := url.ParseQuery(r.RawQuery)
				require.NoError(t, err, "request %d: %q", i, r.RawQuery)
				want := []string{"activityId", "agent"}
				if tt.key.Registration != "" {
					want = append(want, "registration")
				}
				if i < 4 { // the document's requests; List and DeleteContext address the context
					want = append(want, "stateId")
				}
				assert.ElementsMatch(t, want, slices.Collect(mapKeys(q)), "request %d: exactly the key's parameters", i)
				for name, vs := range q {
					assert.Len(t, vs, 1, "request %d: %s once", i, name)
				}
				assert.Equal(t, tt.key.ActivityID, q.Get("activityId"), "request %d", i)
				assert.Equal(t, strings.ToLower(tt.key.Registration), q.Get("registration"), "request %d", i)
				if i < 4 {
					assert.Equal(t, tt.key.StateID, q.Get("stateId"), "request %d", i)
				}
				got, err := statedoc.ParseAgent(q.Get("agent"))
				if assert.NoError(t, err, "request %d: agent %q", i, q.Get("agent")) {
					want := tt.key.Agent
					want.ObjectType = "Agent"
					assert.Equal(t, want, got, "request %d: the agent, exactly as given", i)
				}
			}
		})
	}
}

// TestAgentFieldsKeepTheirBytes gives agent fields bytes that are not
// UTF-8. The agent parameter is JSON, which holds only UTF-8: such a key
// must be refused (statedoc.ErrInvalid), never sent with its bytes
// replaced, or two different keys would address one document.
func TestAgentFieldsKeepTheirBytes(t *testing.T) {
	agents := func(v string) []statedoc.Agent {
		return []statedoc.Agent{
			{Mbox: "mailto:ada" + v + "@example.com"},
			{Account: &statedoc.Account{HomePage: "https://lms.example.com", Name: "ada" + v}},
			{Account: &statedoc.Account{HomePage: "https://lms.example.com/" + v, Name: "ada"}},
			{OpenID: "https://openid.example.com/" + v},
		}
	}
	srv := stateRequests(t)
	c, err := client.NewStateClient[progress](srv.URL+"/xapi", lrs(nil))
	require.NoError(t, err)
	one, other := agents("\xff"), agents("\xfe")
	for i, name := range []string{"mbox", "account name", "account homePage", "openid"} {
		t.Run(name, func(t *testing.T) {
			srv.reset()
			a, b := key, key
			a.Agent, b.Agent = one[i], other[i]
			_, errA := c.Get(context.Background(), a)
			_, errB := c.Get(context.Background(), b)
			if errA != nil || errB != nil {
				assert.ErrorIs(t, errA, statedoc.ErrInvalid)
				assert.ErrorIs(t, errB, statedoc.ErrInvalid)
				assert.Empty(t, srv.requests(), "refused before any request")
				return
			}
			reqs := srv.requests()
			require.Len(t, reqs, 2)
			if reqs[0].RawQuery == reqs[1].RawQuery {
				t.Fatal("statedoc.Agent.Validate accepts bytes that are not UTF-8 and QueryValue's JSON encoding " +
					"(jsonString, statedoc/agent.go) turns each into U+FFFD, so two different agents address one document: " + reqs[0].RawQuery)
			}
			q, err := url.ParseQuery(reqs[0].RawQuery)
			require.NoError(t, err)
			got, err := statedoc.ParseAgent(q.Get("agent"))
			require.NoError(t, err)
			want := a.Agent
			want.ObjectType = "Agent"
			assert.Equal(t, want, got, "the agent, exactly as given")
		})
	}
}

func mapKeys(q url.Values) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range q {
			if !yield(k) {
				return
			}
		}
	}
}

// TestTestServersRedactEveryAuthorization sends the test document server
// Authorization values of every form: its log must hide the credentials of
// each, whatever the scheme, or with none (a bare API key).
func TestTestServersRedactEveryAuthorization(t *testing.T) {
	srv := newDocServer(t, nil)
	for _, v := range []string{"Basic " + base64.StdEncoding.EncodeToString([]byte(optUser+":"+optPass)), "Bearer " + optPass, optPass, "basic " + optPass, "Token token=" + optPass} {
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/doc", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", v)
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		resp.Body.Close()
	}
	log := srv.Log()
	require.Len(t, log, 5)
	for _, e := range log {
		for _, s := range secrets() {
			assert.NotContains(t, e.String(), s)
			if strings.Contains(e.Header.Get("Authorization"), s) {
				t.Fatal("etagtest's redact (client/etagtest/handler.go) keeps everything before the first space " +
					"as the scheme, so an Authorization value without a scheme (a bare API key) is logged whole: " +
					e.Header.Get("Authorization"))
			}
		}
	}
}
