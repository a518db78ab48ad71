//go:build unix

package interop

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	// weakWindow bounds the wait for a weak ETag to turn strong.
	weakWindow = 2500 * time.Millisecond
	// raceRounds is how many pairs of simultaneous conditional PUTs the
	// concurrency check sends.
	raceRounds = 20
	// quick is how soon after a write a GET must be answered for the test
	// to be sure that Apache received it within its one-second weak window.
	quick = 500 * time.Millisecond
)

// reply is a response with its body read.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// etag returns the ETag header of r, "" when there is none.
func (r reply) etag() string { return r.header.Get("ETag") }

// probe sends raw HTTP requests to one server.
type probe struct {
	t testing.TB
	s *Server
	c *http.Client
}

func newProbe(t testing.TB, s *Server) *probe {
	c := &http.Client{
		Timeout: 5 * time.Second,
		// No transparent gzip: a request carries Accept-Encoding only where
		// a test sets it.
		Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 4},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	t.Cleanup(c.CloseIdleConnections)
	return &probe{t: t, s: s, c: c}
}

// send sends a request for the document name in the collection, with the
// given header name/value pairs, and returns the reply, or the error of a
// request that got none.
func (p *probe) send(method, name string, body []byte, header ...string) (reply, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, p.s.URL+name, rd)
	if err != nil {
		return reply{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := p.c.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, err
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// do is send for the test's own goroutine: an error fails the test.
func (p *probe) do(method, name string, body []byte, header ...string) reply {
	p.t.Helper()
	r, err := p.send(method, name, body, header...)
	require.NoError(p.t, err, "%s %s on %s\n%s", method, name, p.s.Name, p.s.ErrorLog())
	return r
}

// strong polls GET name until the ETag is strong, for at most weakWindow,
// and returns the strong ETag and when it was first seen; ok is false if it
// stayed weak or absent.
func (p *probe) strong(name string) (tag string, at time.Time, ok bool) {
	p.t.Helper()
	deadline := time.Now().Add(weakWindow)
	for {
		r := p.do(http.MethodGet, name, nil)
		require.Equal(p.t, http.StatusOK, r.status, "GET %s on %s", name, p.s.Name)
		if tag := r.etag(); tag != "" && !isWeak(tag) {
			return tag, time.Now(), true
		}
		if time.Now().After(deadline) {
			return r.etag(), time.Time{}, false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// body returns the current content of name, or nil when GET does not
// answer 200.
func (p *probe) body(name string) []byte {
	p.t.Helper()
	r := p.do(http.MethodGet, name, nil)
	if r.status != http.StatusOK {
		return nil
	}
	return r.body
}

func isWeak(tag string) bool { return strings.HasPrefix(tag, "W/") }

// version returns a JSON document whose length differs for every n, so that
// an ETag made of size and modification time changes with each version
// even within one second. It is long enough for mod_deflate to compress.
func version(n int) []byte {
	return fmt.Appendf(nil, `{"version":%d,"note":"%s"}`, n, strings.Repeat("x", 100+n))
}

// observation is what one server did with the conditional requests that
// [observe] sends: one row of the table of servers.
type observation struct {
	createStatus   int           // PUT of a new document, no precondition
	createETag     string        // ETag header of that reply
	etag           string        // ETag of the first GET after the write
	etagDelay      time.Duration // from the write's reply to that GET's reply
	strongAfter    time.Duration
	strongETag     string        // the first strong ETag GET gave
	gzipEncoding   string        // Content-Encoding of a GET with Accept-Encoding: gzip
	gzipETag       string        // ETag of that GET
	gzipIfMatch    int           // PUT with If-Match: gzipETag, when it differs; 0 if not sent
	validIfMatch   int           // PUT with If-Match: the current strong ETag
	updateETag     string        // ETag header of that reply
	weakETag       string        // ETag of the GET right after that PUT
	weakDelay      time.Duration // from that PUT's reply to the GET's reply
	weakIfMatch    int           // PUT with If-Match: weakETag, when it is weak; 0 if not sent
	strippedMatch  int           // PUT with If-Match: weakETag without W/, when weak; 0 if not sent
	staleIfMatch   int           // PUT with If-Match: an ETag of an overwritten version
	staleWritten   bool          // whether that PUT replaced the document
	inmExisting    int           // PUT with If-None-Match: * onto an existing document
	inmWritten     bool          // whether that PUT replaced the document
	ifMatchMissing int           // PUT with If-Match onto a missing document
	missingCreated bool          // whether that PUT created it
	deleteStale    int           // DELETE with If-Match: an ETag of an overwritten version
	deleteRemoved  bool          // whether that DELETE removed the document
	// rewrite is what a rewrite of a document with other content of the
	// same size, in the same second, did to its ETag: "kept", "changed",
	// or "" when the two writes fell into different seconds.
	rewrite string
}

func (o observation) String() string {
	var b strings.Builder
	form := "strong"
	if isWeak(o.etag) {
		form = "weak"
	}
	fmt.Fprintf(&b, "ETag %s (%s after a write", o.etag, form)
	if isWeak(o.etag) {
		fmt.Fprintf(&b, ", strong %s after it: %s", o.strongAfter.Round(10*time.Millisecond), o.strongETag)
	}
	b.WriteString(")")
	fmt.Fprintf(&b, " | PUT reply ETag: create %s, update %s", orNone(o.createETag), orNone(o.updateETag))
	fmt.Fprintf(&b, " | create %d, If-Match current %d", o.createStatus, o.validIfMatch)
	if o.weakIfMatch != 0 {
		fmt.Fprintf(&b, ", If-Match weak %d, weak without W/ %d", o.weakIfMatch, o.strippedMatch)
	}
	fmt.Fprintf(&b, " | stale If-Match %d (%s)", o.staleIfMatch, written(o.staleWritten, "written", "kept"))
	fmt.Fprintf(&b, " | If-None-Match: * on existing %d (%s)", o.inmExisting, written(o.inmWritten, "written", "kept"))
	fmt.Fprintf(&b, " | If-Match on missing %d (%s)", o.ifMatchMissing, written(o.missingCreated, "created", "not created"))
	if o.gzipEncoding == "" {
		fmt.Fprintf(&b, " | Accept-Encoding gzip: not compressed, ETag %s", o.gzipETag)
	} else {
		fmt.Fprintf(&b, " | Accept-Encoding gzip: %s, ETag %s", o.gzipEncoding, o.gzipETag)
	}
	if o.gzipIfMatch != 0 {
		fmt.Fprintf(&b, ", If-Match with it %d", o.gzipIfMatch)
	}
	fmt.Fprintf(&b, " | DELETE stale If-Match %d (%s)", o.deleteStale, written(o.deleteRemoved, "removed", "kept"))
	if o.rewrite != "" {
		fmt.Fprintf(&b, " | same-size rewrite within a second: ETag %s", o.rewrite)
	}
	return b.String()
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func written(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}

// observe sends s the conditional requests of the table of servers, in
// order, on a document of its own, and records the answers.
func observe(t *testing.T, s *Server) observation {
	t.Helper()
	p := newProbe(t, s)
	const name, missing = "doc.json", "missing.json"
	var o observation

	r := p.do(http.MethodPut, name, version(1))
	wrote := time.Now()
	o.createStatus, o.createETag = r.status, r.etag()
	require.Contains(t, []int{http.StatusCreated, http.StatusNoContent, http.StatusOK}, r.status,
		"create on %s: %s\n%s", s.Name, r.body, s.ErrorLog())
	o.etag = p.do(http.MethodGet, name, nil).etag()
	o.etagDelay = time.Since(wrote)
	require.NotEmpty(t, o.etag, "ETag of GET on %s", s.Name)

	current, at, ok := p.strong(name)
	o.strongETag = current
	require.True(t, ok, "%s: the ETag of %s stayed weak (%s) for %v", s.Name, name, current, weakWindow)
	if isWeak(o.etag) {
		o.strongAfter = at.Sub(wrote)
	}

	r = p.do(http.MethodGet, name, nil, "Accept-Encoding", "gzip")
	o.gzipEncoding, o.gzipETag = r.header.Get("Content-Encoding"), r.etag()
	if o.gzipETag != current {
		o.gzipIfMatch = p.do(http.MethodPut, name, version(2), "If-Match", o.gzipETag).status
		if o.gzipIfMatch/100 == 2 {
			current, _, ok = p.strong(name)
			require.True(t, ok, "%s: ETag stayed weak", s.Name)
		}
	}

	stale := current
	r = p.do(http.MethodPut, name, version(3), "If-Match", current)
	o.validIfMatch, o.updateETag = r.status, r.etag()
	require.Equal(t, 2, r.status/100, "%s: PUT with the current ETag %s: %d %s", s.Name, current, r.status, r.body)
	wrote = time.Now()

	o.weakETag = p.do(http.MethodGet, name, nil).etag()
	o.weakDelay = time.Since(wrote)
	if isWeak(o.weakETag) {
		o.weakIfMatch = p.do(http.MethodPut, name, version(4), "If-Match", o.weakETag).status
		o.strippedMatch = p.do(http.MethodPut, name, version(4), "If-Match", strings.TrimPrefix(o.weakETag, "W/")).status
	}
	require.NotEqual(t, stale, p.do(http.MethodGet, name, nil).etag(), "%s: a new version kept its ETag", s.Name)

	o.staleIfMatch = p.do(http.MethodPut, name, version(5), "If-Match", stale).status
	o.staleWritten = bytes.Equal(p.body(name), version(5))

	o.inmExisting = p.do(http.MethodPut, name, version(6), "If-None-Match", "*").status
	o.inmWritten = bytes.Equal(p.body(name), version(6))

	o.ifMatchMissing = p.do(http.MethodPut, missing, version(7), "If-Match", stale).status
	o.missingCreated = p.body(missing) != nil

	o.deleteStale = p.do(http.MethodDelete, name, nil, "If-Match", stale).status
	o.deleteRemoved = p.do(http.MethodGet, name, nil).status == http.StatusNotFound

	const twin = "twin.json"
	p.do(http.MethodPut, twin, []byte(`{"side":"a"}`))
	first := p.do(http.MethodGet, twin, nil)
	p.do(http.MethodPut, twin, []byte(`{"side":"b"}`))
	second := p.do(http.MethodGet, twin, nil)
	if lm := first.header.Get("Last-Modified"); lm != "" && lm == second.header.Get("Last-Modified") {
		o.rewrite = written(first.etag() == second.etag(), "kept", "changed")
	}
	return o
}

// raceTally counts the rounds of [race] by how many of the two PUTs
// succeeded.
type raceTally struct {
	both, one, none int
	statuses        map[string]int // "204+412" and the like, by count
}

func (r raceTally) String() string {
	return fmt.Sprintf("both PUTs 2xx in %d/%d rounds, one in %d, none in %d (status pairs %v)",
		r.both, r.both+r.one+r.none, r.one, r.none, r.statuses)
}

// race sends s rounds of two PUTs at the same moment, both with If-Match set
// to the document's current strong ETag, and counts the rounds in which both
// succeeded: a lost update that If-Match did not prevent. Before each round
// the file's modification time is set two seconds back, so that an ETag made
// of size and modification time is strong at once.
func race(t *testing.T, s *Server, rounds int) raceTally {
	t.Helper()
	p := newProbe(t, s)
	const name = "race.json"
	r := p.do(http.MethodPut, name, version(0))
	require.Equal(t, 2, r.status/100, "%s: create %s: %d", s.Name, name, r.status)
	tally := raceTally{statuses: map[string]int{}}
	for round := range rounds {
		old := time.Now().Add(-2 * time.Second)
		require.NoError(t, os.Chtimes(s.Path(name), old, old))
		tag, _, ok := p.strong(name)
		require.True(t, ok, "%s: ETag %s is weak", s.Name, tag)

		var (
			wg       sync.WaitGroup
			start    = make(chan struct{})
			statuses [2]int
			errs     [2]error
		)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := version(10 + 2*round + i)
				<-start
				r, err := p.send(http.MethodPut, name, body, "If-Match", tag)
				statuses[i], errs[i] = r.status, err
			}()
		}
		close(start)
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err, "%s: racing PUT", s.Name)
		}
		ok0, ok1 := statuses[0]/100 == 2, statuses[1]/100 == 2
		switch {
		case ok0 && ok1:
			tally.both++
		case ok0 || ok1:
			tally.one++
		default:
			tally.none++
		}
		lo, hi := min(statuses[0], statuses[1]), max(statuses[0], statuses[1])
		tally.statuses[fmt.Sprintf("%d+%d", lo, hi)]++
	}
	return tally
}

func TestInteropApacheDefault(t *testing.T) {
	s := Apache(t, ApacheOptions{})
	o := observe(t, s)
	t.Logf("%s: %v", s.Name, o)

	assert.Equal(t, http.StatusCreated, o.createStatus)
	assert.Empty(t, o.createETag, "ETag on the reply to a create")
	assert.Empty(t, o.updateETag, "ETag on the reply to an update")
	assert.Regexp(t, `^"[0-9a-f]+-[0-9a-f]+"$`, o.strongETag, "size-mtime ETag")
	assert.Equal(t, strings.TrimPrefix(o.etag, "W/"), o.strongETag, "the same tag, weak or not")
	// Apache sends a weak ETag while the file is less than a second old. A
	// GET that came later than that (a loaded machine) cannot show it.
	if o.etagDelay < quick {
		assert.Regexp(t, `^W/"[0-9a-f]+-[0-9a-f]+"$`, o.etag, "ETag %v after a write", o.etagDelay)
		assert.Greater(t, o.strongAfter, 500*time.Millisecond, "weak window")
	} else {
		t.Logf("the first GET came %v after the write: too late to see the weak ETag", o.etagDelay)
	}
	assert.Equal(t, http.StatusNoContent, o.validIfMatch)
	if o.weakDelay < quick {
		assert.True(t, isWeak(o.weakETag), "ETag %v after an update: %s", o.weakDelay, o.weakETag)
		// No If-Match can succeed while the ETag is weak.
		assert.Equal(t, http.StatusPreconditionFailed, o.weakIfMatch, "If-Match with a weak ETag")
		assert.Equal(t, http.StatusPreconditionFailed, o.strippedMatch, "If-Match with the strong form of a weak ETag")
	} else {
		t.Logf("the GET came %v after the update: too late to see the weak ETag", o.weakDelay)
	}
	assertEnforced(t, o)
	assert.Empty(t, o.gzipEncoding, "mod_deflate is not loaded")
	assert.Equal(t, o.strongETag, o.gzipETag)

	t.Run("race", func(t *testing.T) {
		t.Logf("%s race: %v", s.Name, race(t, s, raceRounds))
	})
}

func TestInteropApacheDigest(t *testing.T) {
	s := Apache(t, ApacheOptions{Digest: true})
	o := observe(t, s)
	t.Logf("%s: %v", s.Name, o)

	assert.Equal(t, http.StatusCreated, o.createStatus)
	assert.Empty(t, o.createETag, "ETag on the reply to a create")
	assert.Empty(t, o.updateETag, "ETag on the reply to an update")
	sum := sha1.Sum(version(1))
	assert.Equal(t, `"`+base64.StdEncoding.EncodeToString(sum[:])+`"`, o.etag,
		"strong base64 SHA-1 of the content, right after the write")
	assert.Equal(t, http.StatusNoContent, o.validIfMatch)
	assert.False(t, isWeak(o.weakETag), "ETag right after an update: %s", o.weakETag)
	assertEnforced(t, o)
	assert.Empty(t, o.gzipEncoding, "mod_deflate is not loaded")
	assert.Equal(t, o.strongETag, o.gzipETag)

	t.Run("race", func(t *testing.T) {
		t.Logf("%s race: %v", s.Name, race(t, s, raceRounds))
	})
}

func TestInteropApacheDeflate(t *testing.T) {
	s := Apache(t, ApacheOptions{Digest: true, Deflate: true})
	o := observe(t, s)
	t.Logf("%s: %v", s.Name, o)

	assert.Equal(t, "gzip", o.gzipEncoding)
	assert.Equal(t, strings.TrimSuffix(o.strongETag, `"`)+`-gzip"`, o.gzipETag,
		"mod_deflate appends -gzip to the ETag of a compressed response")
	assert.Equal(t, http.StatusPreconditionFailed, o.gzipIfMatch, "If-Match with the -gzip ETag")
	assertEnforced(t, o)
}

// assertEnforced checks what Apache's mod_dav does with preconditions that
// do not hold: 412, and the document left as it was.
func assertEnforced(t *testing.T, o observation) {
	t.Helper()
	assert.Equal(t, http.StatusPreconditionFailed, o.staleIfMatch, "PUT with a stale If-Match")
	assert.False(t, o.staleWritten, "PUT with a stale If-Match wrote")
	assert.Equal(t, http.StatusPreconditionFailed, o.inmExisting, "PUT with If-None-Match: * on an existing document")
	assert.False(t, o.inmWritten, "PUT with If-None-Match: * on an existing document wrote")
	assert.Equal(t, http.StatusPreconditionFailed, o.ifMatchMissing, "PUT with If-Match on a missing document")
	assert.False(t, o.missingCreated, "PUT with If-Match on a missing document created it")
	assert.Equal(t, http.StatusPreconditionFailed, o.deleteStale, "DELETE with a stale If-Match")
	assert.False(t, o.deleteRemoved, "DELETE with a stale If-Match removed")
	assert.NotEqual(t, "kept", o.rewrite, "ETag after a same-size rewrite within a second")
}

func TestInteropNginx(t *testing.T) {
	s := Nginx(t)
	o := observe(t, s)
	t.Logf("%s: %v", s.Name, o)

	assert.Equal(t, http.StatusCreated, o.createStatus)
	assert.Empty(t, o.createETag, "ETag on the reply to a create")
	assert.Empty(t, o.updateETag, "ETag on the reply to an update")
	assert.Regexp(t, `^"[0-9a-f]+-[0-9a-f]+"$`, o.etag, "strong mtime-size ETag")
	assert.Equal(t, http.StatusNoContent, o.validIfMatch)
	// The dav module checks no precondition: every write goes through.
	assert.Equal(t, http.StatusNoContent, o.staleIfMatch, "PUT with a stale If-Match")
	assert.True(t, o.staleWritten, "PUT with a stale If-Match")
	assert.Equal(t, http.StatusNoContent, o.inmExisting, "PUT with If-None-Match: * on an existing document")
	assert.True(t, o.inmWritten, "PUT with If-None-Match: * on an existing document")
	assert.Equal(t, http.StatusCreated, o.ifMatchMissing, "PUT with If-Match on a missing document")
	assert.True(t, o.missingCreated, "PUT with If-Match on a missing document")
	assert.Equal(t, http.StatusNoContent, o.deleteStale, "DELETE with a stale If-Match")
	assert.True(t, o.deleteRemoved, "DELETE with a stale If-Match")
	assert.Empty(t, o.gzipEncoding, "gzip is not configured")
	assert.Equal(t, o.strongETag, o.gzipETag)
	// The ETag is made of whole seconds and the size: other content of
	// the same size written in the same second keeps it.
	if o.rewrite != "" {
		assert.Equal(t, "kept", o.rewrite, "ETag after a same-size rewrite within a second")
	} else {
		t.Log("the same-size rewrite fell into the next second")
	}

	t.Run("race", func(t *testing.T) {
		tally := race(t, s, raceRounds)
		t.Logf("%s race: %v", s.Name, tally)
		assert.Equal(t, raceRounds, tally.both, "nginx ignores If-Match, so both writes of every round succeed")
	})
}

// TestInteropStop checks that a server is gone once its test has ended.
func TestInteropStop(t *testing.T) {
	tests := []struct {
		name  string
		start func(testing.TB) *Server
	}{
		{"apache", func(t testing.TB) *Server { return Apache(t, ApacheOptions{}) }},
		{"nginx", Nginx},
	}
	for _, tt := range tests {
		var pid int
		t.Run(tt.name, func(t *testing.T) {
			s := tt.start(t)
			pid = s.proc.pid
			r, err := newProbe(t, s).send(http.MethodGet, "none.json", nil)
			require.NoError(t, err)
			assert.Equal(t, http.StatusNotFound, r.status)
		})
		if pid == 0 {
			continue // skipped
		}
		assert.ErrorIs(t, syscall.Kill(-pid, 0), syscall.ESRCH, "%s: process group %d outlived its test", tt.name, pid)
	}
}

// recorder is a testing.TB that records Skip and Fatal instead of ending the
// test.
type recorder struct {
	testing.TB
	skipped, fatal string
}

func (r *recorder) Helper()           {}
func (r *recorder) Skip(args ...any)  { r.skipped = fmt.Sprint(args...) }
func (r *recorder) Fatal(args ...any) { r.fatal = fmt.Sprint(args...) }

func TestInteropUnavailable(t *testing.T) {
	const msg = "interop: apache2 not installed (Debian package apache2)"
	tests := []struct {
		env           string
		skipped, fail string
	}{
		{env: "", skipped: msg},
		{env: "1", skipped: msg},
		{env: "require", fail: msg},
	}
	for _, tt := range tests {
		t.Run("env="+tt.env, func(t *testing.T) {
			t.Setenv(RequireEnv, tt.env)
			r := &recorder{TB: t}
			unavailable(r, msg)
			assert.Equal(t, tt.skipped, r.skipped)
			assert.Equal(t, tt.fail, r.fatal)
		})
	}
	_, ok := findBinary("ifmatch-no-such-server")
	assert.False(t, ok)
}
