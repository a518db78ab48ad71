package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/statedoc"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

var writes = []string{http.MethodPut, http.MethodPost, http.MethodDelete}

func TestParseFaults(t *testing.T) {
	tests := []struct {
		in   string
		want []statedoctest.Fault
	}{
		{"", nil},
		{" ", nil},
		{"commit-then-drop=0.05", []statedoctest.Fault{{Kind: statedoctest.CommitThenDrop, Methods: writes, Probability: 0.05}}},
		{"drop-before=1", []statedoctest.Fault{{Kind: statedoctest.DropBefore, Methods: writes, Probability: 1}}},
		{"500=0.1", []statedoctest.Fault{{Kind: statedoctest.ServerError, Methods: writes, Probability: 0.1, Status: 500}}},
		{"500-applied=0.1", []statedoctest.Fault{{Kind: statedoctest.ServerError, Methods: writes, Probability: 0.1, Status: 500, Apply: true}}},
		{"502=0.1", []statedoctest.Fault{{Kind: statedoctest.ServerError, Methods: writes, Probability: 0.1, Status: 502}}},
		{"503=0.1", []statedoctest.Fault{{Kind: statedoctest.ServerError, Methods: writes, Probability: 0.1, Status: 503}}},
		{"503-retry=0.2", []statedoctest.Fault{{Kind: statedoctest.ServerError, Methods: writes, Probability: 0.2, Status: 503, RetryAfter: time.Second}}},
		{"503-retry=0.2:7", []statedoctest.Fault{{Kind: statedoctest.ServerError, Methods: writes, Probability: 0.2, Status: 503, RetryAfter: 7 * time.Second}}},
		{"429=0.3", []statedoctest.Fault{{Kind: statedoctest.TooManyRequests, Methods: writes, Probability: 0.3}}},
		{"429=0.3:2", []statedoctest.Fault{{Kind: statedoctest.TooManyRequests, Methods: writes, Probability: 0.3, RetryAfter: 2 * time.Second}}},
		{"latency=0.1", []statedoctest.Fault{{Kind: statedoctest.Latency, Methods: writes, Probability: 0.1, Delay: 100 * time.Millisecond}}},
		{"latency=0.1:5ms", []statedoctest.Fault{{Kind: statedoctest.Latency, Methods: writes, Probability: 0.1, Delay: 5 * time.Millisecond}}},
		{"conflict=1", []statedoctest.Fault{{Kind: statedoctest.Conflict, Methods: writes, Probability: 1}}},
		{"weak-etag=0.5", []statedoctest.Fault{{Kind: statedoctest.WeakETag, Probability: 0.5}}},
		{"no-etag=0.5", []statedoctest.Fault{{Kind: statedoctest.StripETag, Probability: 0.5}}},
		{"no-write-etag=0.5", []statedoctest.Fault{{Kind: statedoctest.StripWriteETag, Methods: writes, Probability: 0.5}}},
		{" commit-then-drop=0.05 , 503=.05,commit-then-drop=1", []statedoctest.Fault{
			{Kind: statedoctest.CommitThenDrop, Methods: writes, Probability: 0.05},
			{Kind: statedoctest.ServerError, Methods: writes, Probability: 0.05, Status: 503},
			{Kind: statedoctest.CommitThenDrop, Methods: writes, Probability: 1},
		}},
		{"commit-then-drop=0,503=1", []statedoctest.Fault{{Kind: statedoctest.ServerError, Methods: writes, Probability: 1, Status: 503}}},
		{"latency=0:5ms", nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseFaults(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			for _, r := range got {
				assert.NoError(t, r.Validate())
			}
		})
	}
}

func TestParseFaultsErrors(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"bogus=1", `"bogus=1": unknown kind "bogus" (known: commit-then-drop, drop-before,`},
		{"=0.5", `unknown kind ""`},
		{"CommitThenDrop=1", `unknown kind "CommitThenDrop"`},
		{"commit-then-drop", `"commit-then-drop": want kind=probability`},
		{"commit-then-drop=", `probability "" is not a number from 0 to 1`},
		{"commit-then-drop=x", `probability "x" is not a number from 0 to 1`},
		{"503=1.5", `probability "1.5" is not a number from 0 to 1`},
		{"503=-0.1", `probability "-0.1" is not`},
		{"503=NaN", `probability "NaN" is not`},
		{"503=5%", `probability "5%" is not`},
		{"503=0.1:2", `"503=0.1:2": 503 takes no :parameter`},
		{"commit-then-drop=0.1:1", "commit-then-drop takes no :parameter"},
		{"weak-etag=0.1:x", "weak-etag takes no :parameter"},
		{"503-retry=0.1:0", "Retry-After must be at least 1 second"},
		{"503-retry=0.1:1.5", `"1.5" is not a whole number of seconds`},
		{"503-retry=0.1:", `"" is not a whole number of seconds`},
		{"429=0.1:-1", `"-1" is not a whole number of seconds`},
		{"429=0.1:2s", `"2s" is not a whole number of seconds`},
		{"429=0.1:99999999999", `"99999999999" is not a whole number of seconds`},
		{"latency=0.1:5", `delay "5" is not a positive duration`},
		{"latency=0.1:0s", `delay "0s" is not a positive duration`},
		{"latency=0.1:-5ms", `delay "-5ms" is not a positive duration`},
		{"commit-then-drop=0.1,", "empty item"},
		{",503=1", "empty item"},
		{"503=1,bogus=0", `unknown kind "bogus"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseFaults(tt.in)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Nil(t, got)
		})
	}
}

func TestParseArgsErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-version", "1.0"}, `-version "1.0": want 1.0.3 or 2.0.0`},
		{[]string{"-preconditions", "strict"}, `-preconditions "strict": want enforce, ignore or check-then-write`},
		{[]string{"-max-size", "-1"}, "-max-size -1: want 0 or more bytes"},
		{[]string{"-max-size", "1k"}, `invalid value "1k" for flag -max-size`},
		{[]string{"-pass", "secret"}, "-pass needs -user"},
		{[]string{"-faults", "bogus=1"}, `-faults: "bogus=1": unknown kind "bogus"`},
		{[]string{"-seed", "x"}, `invalid value "x" for flag -seed`},
		{[]string{"-nope"}, "flag provided but not defined: -nope"},
		{[]string{"serve"}, "unexpected arguments: serve"},
		{[]string{"-cors", "localhost:8000"}, `-cors: "localhost:8000": want an origin`},
		{[]string{"-cors", "https://a.example.com/path"}, `-cors: "https://a.example.com/path": want an origin`},
		{[]string{"-cors", "*,example.com"}, `-cors: "example.com": want an origin`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tt.args, &stdout, &stderr)
			var usage *usageError
			require.ErrorAs(t, err, &usage)
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, stderr.String(), tt.want, "the error is on stderr")
			assert.Empty(t, stdout.String(), "nothing served")
		})
	}
}

func TestHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-help"}, &stdout, &stderr)
	require.ErrorIs(t, err, flag.ErrHelp)
	for _, name := range []string{"-addr", "-version", "-user", "-pass", "-max-size", "-preconditions", "-faults", "-seed", "-cors", "-quiet"} {
		assert.Regexp(t, `\n  `+name+`[ \n]`, stderr.String())
	}
	for _, kind := range faultNames {
		assert.Contains(t, stderr.String(), kind)
	}
	assert.Empty(t, stdout.String())
}

// instance is run serving on 127.0.0.1:0 in a goroutine.
type instance struct {
	url    string // the LRS endpoint, http://127.0.0.1:PORT/xapi
	root   string // http://127.0.0.1:PORT
	cancel context.CancelFunc
	done   chan struct{} // closed when run has returned, with err
	err    error
	lines  chan string // stdout, line by line, after the first
}

var servingLine = regexp.MustCompile(`^stateserver: serving (http://127\.0\.0\.1:[1-9][0-9]*/xapi)$`)

// start runs the server with args and reads its URL from the first line.
func start(t *testing.T, args ...string) *instance {
	t.Helper()
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	in := &instance{cancel: cancel, done: make(chan struct{}), lines: make(chan string, 1000)}
	go func() {
		in.err = run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), pw, io.Discard)
		pw.Close()
		close(in.done)
	}()
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			in.lines <- sc.Text()
		}
		close(in.lines)
	}()
	t.Cleanup(func() {
		cancel()
		<-in.done
	})
	select {
	case first := <-in.lines:
		m := servingLine.FindStringSubmatch(first)
		require.NotNil(t, m, "first line %q", first)
		in.url = m[1]
		in.root = strings.TrimSuffix(in.url, "/xapi")
	case <-time.After(10 * time.Second):
		t.Fatal("no serving line")
	}
	return in
}

// stop cancels the server's context and returns run's error and the
// lines it printed after the first.
func (in *instance) stop(t *testing.T) (error, []string) {
	t.Helper()
	in.cancel()
	var lines []string
	timeout := time.After(10 * time.Second)
	for {
		select {
		case l, ok := <-in.lines:
			if !ok {
				<-in.done
				return in.err, lines
			}
			lines = append(lines, l)
		case <-timeout:
			t.Fatal("the server did not stop")
		}
	}
}

var client = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}

var key = statedoc.Key{
	ActivityID: "https://example.com/course/1",
	Agent:      statedoc.Agent{Mbox: "mailto:ada@example.com"},
	StateID:    "progress",
}

// answer is a response with its body read.
type answer struct {
	status int
	header http.Header
	body   string
}

// do sends a request to the State Resource of key at the LRS endpoint
// base; header values replace the defaults (the version header) and ""
// removes one.
func do(t *testing.T, base, method, body string, header map[string]string) (answer, error) {
	t.Helper()
	q, err := key.Query()
	require.NoError(t, err)
	req, err := http.NewRequest(method, base+statedoctest.StatePath+"?"+q.Encode(), strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set(statedoc.HeaderVersion, statedoc.Version103)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for name, v := range header {
		if v == "" {
			req.Header.Del(name)
		} else {
			req.Header.Set(name, v)
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return answer{resp.StatusCode, resp.Header, string(b)}, nil
}

func mustDo(t *testing.T, base, method, body string, header map[string]string) answer {
	t.Helper()
	a, err := do(t, base, method, body, header)
	require.NoError(t, err)
	return a
}

func getText(t *testing.T, method, u string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	require.NoError(t, err)
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestServeVersions(t *testing.T) {
	for _, version := range []string{statedoc.Version103, statedoc.Version200} {
		t.Run(version, func(t *testing.T) {
			srv := start(t, "-version", version)
			v := map[string]string{statedoc.HeaderVersion: version}

			a := mustDo(t, srv.url, http.MethodPut, `{"page":1}`, map[string]string{statedoc.HeaderVersion: ""})
			assert.Equal(t, http.StatusBadRequest, a.status, "no version header")
			other := statedoc.Version200
			if version == statedoc.Version200 {
				other = statedoc.Version103
			}
			a = mustDo(t, srv.url, http.MethodPut, `{"page":1}`, map[string]string{statedoc.HeaderVersion: other})
			assert.Equal(t, http.StatusBadRequest, a.status, "the other version")

			a = mustDo(t, srv.url, http.MethodPut, `{"page":1}`, v)
			require.Equal(t, http.StatusNoContent, a.status, a.body)
			assert.Equal(t, version, a.header.Get(statedoc.HeaderVersion))
			etag := a.header.Get("ETag")
			assert.NotEmpty(t, etag)

			a = mustDo(t, srv.url, http.MethodGet, "", v)
			assert.Equal(t, http.StatusOK, a.status)
			assert.JSONEq(t, `{"page":1}`, a.body)
			assert.Equal(t, etag, a.header.Get("ETag"))

			a = mustDo(t, srv.url, http.MethodPut, `{"page":2}`, v)
			if version == statedoc.Version200 {
				assert.Equal(t, http.StatusConflict, a.status, "2.0.0: a PUT onto a document needs a precondition")
			} else {
				assert.Equal(t, http.StatusNoContent, a.status)
			}
			a = mustDo(t, srv.url, http.MethodPut, `{"page":3}`, map[string]string{statedoc.HeaderVersion: version, "If-Match": `"stale"`})
			assert.Equal(t, http.StatusPreconditionFailed, a.status)

			err, lines := srv.stop(t)
			require.NoError(t, err)
			require.Len(t, lines, 7, lines)
			assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z PUT stateId=progress status=400$`, lines[0])
			assert.Regexp(t, `Z PUT stateId=progress status=204$`, lines[2])
			assert.Regexp(t, `Z GET stateId=progress status=200$`, lines[3])
			assert.Regexp(t, `Z PUT stateId=progress If-Match="stale" status=412$`, lines[5])
			assert.Equal(t, `stateserver: faults {"total":0}`, lines[6])
		})
	}
}

func TestBasicAuth(t *testing.T) {
	srv := start(t, "-user", "key", "-pass", "s3cret")
	a := mustDo(t, srv.url, http.MethodPut, `{"page":1}`, nil)
	assert.Equal(t, http.StatusUnauthorized, a.status)
	assert.Equal(t, `Basic realm="xAPI"`, a.header.Get("WWW-Authenticate"))
	a = mustDo(t, srv.url, http.MethodPut, `{"page":1}`, map[string]string{"Authorization": "Basic a2V5Ondyb25n"}) // key:wrong
	assert.Equal(t, http.StatusUnauthorized, a.status)
	a = mustDo(t, srv.url, http.MethodPut, `{"page":1}`, map[string]string{"Authorization": "Basic a2V5OnMzY3JldA=="}) // key:s3cret
	assert.Equal(t, http.StatusNoContent, a.status)

	status, body := getText(t, http.MethodGet, srv.root+"/_stateserver/health")
	assert.Equal(t, http.StatusOK, status, "no credentials needed")
	assert.Equal(t, "ok", body)
	status, body = getText(t, http.MethodGet, srv.root+"/_stateserver/faults")
	assert.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `{"total":0}`, body)

	err, lines := srv.stop(t)
	require.NoError(t, err)
	require.Len(t, lines, 4, lines)
	assert.Regexp(t, `PUT stateId=progress status=401$`, lines[0])
	assert.Regexp(t, `PUT stateId=progress status=204$`, lines[2])
	for _, l := range lines {
		for _, secret := range []string{"s3cret", "a2V5", "Basic", "wrong"} {
			assert.NotContains(t, l, secret)
		}
	}
}

// TestCommitThenDrop checks that every write is applied though its
// connection drops, and that the counts are served and printed last.
func TestCommitThenDrop(t *testing.T) {
	srv := start(t, "-faults", "commit-then-drop=1")
	for _, body := range []string{`{"page":1}`, `{"page":2}`, `{"page":3}`} {
		_, err := do(t, srv.url, http.MethodPut, body, nil)
		require.Error(t, err, "the connection is dropped")
	}
	a := mustDo(t, srv.url, http.MethodGet, "", nil)
	assert.Equal(t, http.StatusOK, a.status, "reads get no fault")
	assert.JSONEq(t, `{"page":3}`, a.body, "every write was applied")

	status, body := getText(t, http.MethodGet, srv.root+"/_stateserver/faults")
	assert.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `{"CommitThenDrop":3,"total":3}`, body)

	err, lines := srv.stop(t)
	require.NoError(t, err)
	require.Len(t, lines, 5, lines)
	for _, l := range lines[:3] {
		assert.Regexp(t, `Z PUT stateId=progress status=dropped fault=CommitThenDrop handled=204$`, l)
	}
	assert.Regexp(t, `Z GET stateId=progress status=200$`, lines[3])
	assert.Equal(t, `stateserver: faults {"CommitThenDrop":3,"total":3}`, lines[4])
}

func TestFaultMix(t *testing.T) {
	srv := start(t, "-faults", "503-retry=1:4,commit-then-drop=1", "-quiet")
	a := mustDo(t, srv.url, http.MethodPut, `{"page":1}`, nil)
	assert.Equal(t, http.StatusServiceUnavailable, a.status, "the first rule fires first")
	assert.Equal(t, "4", a.header.Get("Retry-After"))
	assert.Equal(t, http.StatusNotFound, mustDo(t, srv.url, http.MethodGet, "", nil).status, "not applied")

	err, lines := srv.stop(t)
	require.NoError(t, err)
	assert.Equal(t, []string{`stateserver: faults {"ServerError":1,"total":1}`}, lines, "-quiet prints no request")
}

// TestSeed checks that the same seed gives the same faults.
func TestSeed(t *testing.T) {
	pattern := func(seed string) string {
		srv := start(t, "-faults", "503=0.5", "-seed", seed, "-quiet")
		var b strings.Builder
		for range 24 {
			b.WriteString(map[int]string{204: "o", 503: "x"}[mustDo(t, srv.url, http.MethodPut, `{}`, nil).status])
		}
		err, _ := srv.stop(t)
		require.NoError(t, err)
		return b.String()
	}
	first := pattern("7")
	assert.Contains(t, first, "o")
	assert.Contains(t, first, "x")
	assert.Equal(t, first, pattern("7"))
}

func TestPreconditionModes(t *testing.T) {
	tests := []struct {
		mode  string
		stale int
	}{
		{"enforce", http.StatusPreconditionFailed},
		{"check-then-write", http.StatusPreconditionFailed},
		{"ignore", http.StatusNoContent},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			srv := start(t, "-preconditions", tt.mode, "-quiet")
			require.Equal(t, http.StatusNoContent, mustDo(t, srv.url, http.MethodPut, `{"page":1}`, nil).status)
			a := mustDo(t, srv.url, http.MethodPut, `{"page":2}`, map[string]string{"If-Match": `"stale"`})
			assert.Equal(t, tt.stale, a.status)
		})
	}
}

func TestMaxSize(t *testing.T) {
	srv := start(t, "-max-size", "10", "-quiet")
	assert.Equal(t, http.StatusNoContent, mustDo(t, srv.url, http.MethodPut, `{"a":"12"}`, nil).status)
	assert.Equal(t, http.StatusRequestEntityTooLarge, mustDo(t, srv.url, http.MethodPut, `{"a":"123"}`, nil).status)
}

func TestAdminEndpoints(t *testing.T) {
	srv := start(t)
	status, _ := getText(t, http.MethodPost, srv.root+"/_stateserver/faults")
	assert.Equal(t, http.StatusMethodNotAllowed, status)
	status, body := getText(t, http.MethodHead, srv.root+"/_stateserver/health")
	assert.Equal(t, http.StatusOK, status)
	assert.Empty(t, body)
	status, _ = getText(t, http.MethodGet, srv.root+"/_stateserver/other")
	assert.Equal(t, http.StatusNotFound, status)
	status, _ = getText(t, http.MethodGet, srv.root+"/about")
	assert.Equal(t, http.StatusNotFound, status, "the endpoint's own answer")

	err, lines := srv.stop(t)
	require.NoError(t, err)
	require.Len(t, lines, 2, "only requests outside /_stateserver/ are logged: %q", lines)
	assert.Regexp(t, `Z GET stateId="" path=/about status=404$`, lines[0])
}

func TestLogLine(t *testing.T) {
	at := time.Date(2025, 6, 1, 14, 0, 0, 123456789, time.FixedZone("CEST", 2*3600))
	e := statedoctest.Exchange{
		Method:  http.MethodPut,
		Path:    "/xapi/activities/state",
		StateID: "my state",
		RequestHeader: http.Header{
			"If-Match":            {`"a"`, `"b"`},
			"If-Unmodified-Since": {"Sun, 01 Jun 2025 11:00:00 GMT"},
			"Authorization":       {"Basic [redacted]"},
		},
		Fault:         statedoctest.CommitThenDrop,
		HandlerStatus: 412,
	}
	assert.Equal(t, `2025-06-01T12:00:00.123Z PUT stateId="my state" If-Match="\"a\", \"b\"" `+
		`If-Unmodified-Since="Sun, 01 Jun 2025 11:00:00 GMT" status=dropped fault=CommitThenDrop handled=412`, logLine(at, e))

	e = statedoctest.Exchange{Method: http.MethodDelete, Path: "/x", StateID: "a\nb", RequestHeader: http.Header{
		"If-None-Match": {"*"}, "If-Modified-Since": {"x"},
	}, Status: 503, Fault: statedoctest.ServerError}
	assert.Equal(t, `2025-06-01T12:00:00.123Z DELETE stateId="a\nb" path=/x If-None-Match=* If-Modified-Since=x status=503 fault=ServerError`, logLine(at, e))

	e = statedoctest.Exchange{Method: http.MethodGet, Path: "/xapi/agents/profile", ProfileID: "prefs", Alternate: true, Status: 200}
	assert.Equal(t, `2025-06-01T12:00:00.123Z GET profileId=prefs path=/xapi/agents/profile alternate status=200`, logLine(at, e))
	e = statedoctest.Exchange{Method: http.MethodGet, Path: "/xapi/activities/profile", Status: 200}
	assert.Equal(t, `2025-06-01T12:00:00.123Z GET profileId="" path=/xapi/activities/profile status=200`, logLine(at, e))
}

func TestParseOrigins(t *testing.T) {
	got, err := parseOrigins(" http://localhost:8000, https://Content.Example.com ,,*,null")
	require.NoError(t, err)
	assert.Equal(t, []string{"http://localhost:8000", "https://Content.Example.com", "*", "null"}, got)
	got, err = parseOrigins("")
	require.NoError(t, err)
	assert.Nil(t, got)
}

// TestProfilesAboutCORS runs the server with -cors and drives the profile
// resources, /about and the alternate syntax over HTTP, as browser
// content would.
func TestProfilesAboutCORS(t *testing.T) {
	const origin = "http://localhost:8000"
	srv := start(t, "-cors", origin+",https://other.example.com", "-user", "key", "-pass", "s3cret")
	send := func(method, u, body string, header map[string]string) answer {
		t.Helper()
		req, err := http.NewRequest(method, u, strings.NewReader(body))
		require.NoError(t, err)
		for name, v := range header {
			req.Header.Set(name, v)
		}
		resp, err := client.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return answer{resp.StatusCode, resp.Header, string(b)}
	}

	// Preflight, then the request, from the allowed origin.
	q, err := statedoc.LearnerPreferencesKey(key.Agent).Query()
	require.NoError(t, err)
	prefs := srv.url + "/agents/profile?" + q.Encode()
	a := send(http.MethodOptions, prefs, "", map[string]string{"Origin": origin, "Access-Control-Request-Method": "PUT",
		"Access-Control-Request-Headers": "authorization,content-type,if-none-match,x-experience-api-version"})
	require.Equal(t, http.StatusNoContent, a.status, a.body)
	assert.Equal(t, origin, a.header.Get("Access-Control-Allow-Origin"))
	assert.Contains(t, a.header.Get("Access-Control-Allow-Headers"), "If-None-Match")

	auth := "Basic a2V5OnMzY3JldA=="
	h := map[string]string{"Origin": origin, "Authorization": auth, statedoc.HeaderVersion: "1.0.3", "Content-Type": "application/json"}
	a = send(http.MethodPut, prefs, `{"audioPreference":"on"}`, h)
	require.Equal(t, http.StatusNoContent, a.status, a.body)
	assert.Equal(t, origin, a.header.Get("Access-Control-Allow-Origin"))
	assert.Contains(t, a.header.Get("Access-Control-Expose-Headers"), "ETag")
	a = send(http.MethodPut, prefs, `{"audioPreference":"off"}`, h)
	assert.Equal(t, http.StatusConflict, a.status, "a profile PUT onto a document needs a precondition")

	// The activity profile, in the alternate syntax.
	aq, err := statedoc.ActivityProfileKey{ActivityID: key.ActivityID, ProfileID: "settings"}.Query()
	require.NoError(t, err)
	aq.Set("Authorization", auth)
	aq.Set(statedoc.HeaderVersion, "1.0.3")
	aq.Set("Content-Type", "application/json")
	aq.Set("If-None-Match", "*")
	aq.Set("content", `{"theme":"dark"}`)
	a = send(http.MethodPost, srv.url+"/activities/profile?method=PUT", aq.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	require.Equal(t, http.StatusNoContent, a.status, a.body)

	// /about without credentials; another origin gets no CORS fields.
	a = send(http.MethodGet, srv.url+"/about", "", map[string]string{"Origin": "http://elsewhere.example.com"})
	require.Equal(t, http.StatusOK, a.status)
	assert.JSONEq(t, `{"version":["1.0.3"]}`, a.body)
	assert.Empty(t, a.header.Get("Access-Control-Allow-Origin"))

	err, lines := srv.stop(t)
	require.NoError(t, err)
	require.Len(t, lines, 6, lines)
	assert.Regexp(t, `Z OPTIONS profileId=cmi5LearnerPreferences path=/xapi/agents/profile status=204$`, lines[0])
	assert.Regexp(t, `Z PUT profileId=cmi5LearnerPreferences path=/xapi/agents/profile status=204$`, lines[1])
	assert.Regexp(t, `Z PUT profileId=cmi5LearnerPreferences path=/xapi/agents/profile status=409$`, lines[2])
	assert.Regexp(t, `Z PUT profileId=settings path=/xapi/activities/profile alternate If-None-Match=\* status=204$`, lines[3])
	assert.Regexp(t, `Z GET stateId="" path=/xapi/about status=200$`, lines[4])
	for _, l := range lines {
		assert.NotContains(t, l, "a2V5OnMzY3JldA")
	}
}

// TestBinarySIGTERM builds the program, runs it and stops it with
// SIGTERM: it exits 0 and prints the fault counts last.
func TestBinarySIGTERM(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM on Windows")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command:", err)
	}
	bin := filepath.Join(t.TempDir(), "stateserver")
	build := exec.Command(gobin, "build", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)

	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-faults", "commit-then-drop=1")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	defer func() { _ = cmd.Process.Kill() }() // after Wait, a no-op

	r := bufio.NewReader(stdout)
	first, err := r.ReadString('\n')
	require.NoError(t, err)
	m := servingLine.FindStringSubmatch(strings.TrimSuffix(first, "\n"))
	require.NotNil(t, m, "first line %q", first)
	_, err = do(t, m[1], http.MethodPut, `{"page":1}`, nil)
	require.Error(t, err, "dropped")

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	rest, err := io.ReadAll(r)
	require.NoError(t, err)
	require.NoError(t, cmd.Wait(), "stderr: %s", stderr.String())
	assert.Equal(t, 0, cmd.ProcessState.ExitCode())
	lines := strings.Split(strings.TrimSuffix(string(rest), "\n"), "\n")
	require.Len(t, lines, 2, "%q", rest)
	assert.Regexp(t, `Z PUT stateId=progress status=dropped fault=CommitThenDrop handled=204$`, lines[0])
	assert.Equal(t, `stateserver: faults {"CommitThenDrop":1,"total":1}`, lines[1])
	assert.Empty(t, stderr.String())
}

func TestPrintedHost(t *testing.T) {
	tests := []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}, "127.0.0.1:8080"},
		{&net.TCPAddr{IP: net.IPv4zero, Port: 8080}, "127.0.0.1:8080"},
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 8080}, "127.0.0.1:8080"},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 8080}, "[::1]:8080"},
		{&net.TCPAddr{IP: net.ParseIP("192.0.2.7"), Port: 80}, "192.0.2.7:80"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, printedHost(tt.addr), tt.addr.String())
	}
}

func TestBadAddress(t *testing.T) {
	var stdout bytes.Buffer
	err := run(context.Background(), []string{"-addr", "127.0.0.1:-1"}, &stdout, io.Discard)
	require.Error(t, err)
	var usage *usageError
	assert.False(t, errors.As(err, &usage), "not a usage error: exit status 1")
	assert.Empty(t, stdout.String())
}
