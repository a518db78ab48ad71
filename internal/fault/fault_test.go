package fault_test

import (
	"context"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/internal/fault"
)

func TestKindString(t *testing.T) {
	tests := []struct {
		kind fault.Kind
		want string
	}{
		{fault.None, "None"},
		{fault.CommitThenDrop, "CommitThenDrop"},
		{fault.DropBefore, "DropBefore"},
		{fault.ServerError, "ServerError"},
		{fault.TooManyRequests, "TooManyRequests"},
		{fault.Latency, "Latency"},
		{fault.Conflict, "Conflict"},
		{fault.WeakETag, "WeakETag"},
		{fault.StripETag, "StripETag"},
		{fault.StripWriteETag, "StripWriteETag"},
		{fault.Kind(42), "Kind(42)"},
		{fault.Kind(-1), "Kind(-1)"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.kind.String())
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		rule fault.Rule
		ok   bool
	}{
		{"zero rule", fault.Rule{}, false},
		{"unknown kind", fault.Rule{Kind: 99}, false},
		{"drop", fault.Rule{Kind: fault.CommitThenDrop, Count: 3, Probability: 0.5, Methods: []string{"put"}}, true},
		{"negative count", fault.Rule{Kind: fault.DropBefore, Count: -1}, false},
		{"probability above 1", fault.Rule{Kind: fault.DropBefore, Probability: 1.5}, false},
		{"negative probability", fault.Rule{Kind: fault.DropBefore, Probability: -0.1}, false},
		{"NaN probability", fault.Rule{Kind: fault.DropBefore, Probability: math.NaN()}, false},
		{"probability 1", fault.Rule{Kind: fault.DropBefore, Probability: 1}, true},
		{"empty method", fault.Rule{Kind: fault.DropBefore, Methods: []string{" "}}, false},
		{"server error 502", fault.Rule{Kind: fault.ServerError, Status: 502, Apply: true, RetryAfter: time.Second}, true},
		{"server error 404", fault.Rule{Kind: fault.ServerError, Status: 404}, false},
		{"conflict 409", fault.Rule{Kind: fault.Conflict, Status: 409}, true},
		{"conflict 503", fault.Rule{Kind: fault.Conflict, Status: 503}, false},
		{"status on a drop", fault.Rule{Kind: fault.DropBefore, Status: 503}, false},
		{"apply on a conflict", fault.Rule{Kind: fault.Conflict, Apply: true}, false},
		{"retry after on 429", fault.Rule{Kind: fault.TooManyRequests, RetryAfter: 2 * time.Second}, true},
		{"retry after on latency", fault.Rule{Kind: fault.Latency, RetryAfter: time.Second}, false},
		{"negative retry after", fault.Rule{Kind: fault.TooManyRequests, RetryAfter: -1}, false},
		{"delay on latency", fault.Rule{Kind: fault.Latency, Delay: time.Millisecond}, true},
		{"delay on a drop", fault.Rule{Kind: fault.CommitThenDrop, Delay: time.Millisecond}, false},
		{"negative delay", fault.Rule{Kind: fault.Latency, Delay: -1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.rule.Validate()
			if tt.ok {
				assert.NoError(t, err)
				return
			}
			assert.Error(t, err)
			_, err = fault.New(fault.Plan{Rules: []fault.Rule{{Kind: fault.Latency}, tt.rule}})
			assert.ErrorContains(t, err, "rule 1: fault:")
			inj, err := fault.New(fault.Plan{})
			require.NoError(t, err)
			assert.Error(t, inj.Add(tt.rule))
		})
	}
}

func TestCommitThenDrop(t *testing.T) {
	e := newEnv(t, fault.Plan{Rules: []fault.Rule{{Kind: fault.CommitThenDrop, Count: 1}}})
	r := e.do(t, http.MethodPut, "/doc", `{"a":1}`, nil)
	require.Error(t, r.err, "the client must see a connection error, got %d %q", r.status, r.body)

	assert.Equal(t, 1, e.attempts.count(http.MethodPut), "one attempt reached the server")
	assert.Equal(t, 1, e.store.count(http.MethodPut), "the handler ran")
	doc, ok := e.store.doc("/doc")
	assert.True(t, ok)
	assert.Equal(t, `{"a":1}`, doc)

	g := e.do(t, http.MethodGet, "/doc", "", nil)
	require.NoError(t, g.err)
	assert.Equal(t, http.StatusOK, g.status)
	assert.Equal(t, `{"a":1}`, g.body, "the dropped write was applied")
	assert.Equal(t, map[fault.Kind]int{fault.CommitThenDrop: 1}, e.inj.Counts())
	assert.Equal(t, []fault.Kind{fault.CommitThenDrop, fault.None}, e.store.kinds())

	again := e.do(t, http.MethodPut, "/doc", `{"a":2}`, nil)
	require.NoError(t, again.err, "Count 1 is used up")
	assert.Equal(t, http.StatusNoContent, again.status)
}

func TestDropBefore(t *testing.T) {
	e := newEnv(t, fault.Plan{Rules: []fault.Rule{{Kind: fault.DropBefore, Count: 1}}})
	r := e.do(t, http.MethodPut, "/doc", `{"a":1}`, nil)
	require.Error(t, r.err)
	assert.Equal(t, 1, e.attempts.count(http.MethodPut))
	assert.Zero(t, e.store.count(http.MethodPut), "the handler did not run")

	g := e.do(t, http.MethodGet, "/doc", "", nil)
	require.NoError(t, g.err)
	assert.Equal(t, http.StatusNotFound, g.status, "the write was not applied")
	assert.Equal(t, 1, e.inj.Total())
}

// TestDropOnReusedConnection drops a PUT sent on a kept-alive connection
// that already served a request: net/http does not retry a PUT without an
// Idempotency-Key, so the server sees one attempt and the client an error.
func TestDropOnReusedConnection(t *testing.T) {
	for _, kind := range []fault.Kind{fault.CommitThenDrop, fault.DropBefore} {
		t.Run(kind.String(), func(t *testing.T) {
			e := newEnv(t, fault.Plan{})
			c := &http.Client{Transport: &http.Transport{}}
			defer c.CloseIdleConnections()
			warm := doWith(t, c, http.MethodPut, e.url+"/doc", `{"a":0}`, nil)
			require.NoError(t, warm.err)
			require.NoError(t, e.inj.Add(fault.Rule{Kind: kind, Count: 1}))

			r := doWith(t, c, http.MethodPut, e.url+"/doc", `{"a":1}`, nil)
			require.Error(t, r.err)
			assert.Equal(t, 2, e.attempts.count(http.MethodPut), "no retry by the transport")
			doc, _ := e.store.doc("/doc")
			if kind == fault.CommitThenDrop {
				assert.Equal(t, `{"a":1}`, doc)
			} else {
				assert.Equal(t, `{"a":0}`, doc)
			}
		})
	}
}

// TestDropOfReplayableRequest shows why tests of drops use fresh
// connections: on a reused connection net/http sends a dropped GET, or a
// PUT with an Idempotency-Key, again by itself, and the second attempt
// succeeds.
func TestDropOfReplayableRequest(t *testing.T) {
	e := newEnv(t, fault.Plan{})
	c := &http.Client{Transport: &http.Transport{}}
	defer c.CloseIdleConnections()
	require.NoError(t, doWith(t, c, http.MethodPut, e.url+"/doc", "x", nil).err)

	require.NoError(t, e.inj.Add(fault.Rule{Kind: fault.DropBefore, Count: 1, Methods: []string{"GET"}}))
	r := doWith(t, c, http.MethodGet, e.url+"/doc", "", nil)
	require.NoError(t, r.err)
	assert.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, 2, e.attempts.count(http.MethodGet), "the transport sent the GET twice")

	require.NoError(t, e.inj.Add(fault.Rule{Kind: fault.CommitThenDrop, Count: 1}))
	r = doWith(t, c, http.MethodPut, e.url+"/doc", "y", map[string]string{"Idempotency-Key": "k1"})
	require.NoError(t, r.err)
	assert.Equal(t, 3, e.attempts.count(http.MethodPut), "the transport sent the PUT twice")
	assert.Equal(t, 3, e.store.count(http.MethodPut), "and the write was applied twice")
}

func TestServerError(t *testing.T) {
	tests := []struct {
		name       string
		rule       fault.Rule
		wantStatus int
		retryAfter string
		applied    bool
	}{
		{"default", fault.Rule{Kind: fault.ServerError}, 503, "", false},
		{"500 applied", fault.Rule{Kind: fault.ServerError, Status: 500, Apply: true}, 500, "", true},
		{"502 with retry after", fault.Rule{Kind: fault.ServerError, Status: 502, RetryAfter: 1500 * time.Millisecond}, 502, "2", false},
		{"503 applied with retry after", fault.Rule{Kind: fault.ServerError, Apply: true, RetryAfter: 3 * time.Second}, 503, "3", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, fault.Plan{Rules: []fault.Rule{tt.rule}})
			r := e.do(t, http.MethodPut, "/doc", `{"a":1}`, nil)
			require.NoError(t, r.err)
			assert.Equal(t, tt.wantStatus, r.status)
			assert.Equal(t, tt.retryAfter, r.header.Get("Retry-After"))
			_, has := r.header["Retry-After"]
			assert.Equal(t, tt.retryAfter != "", has)
			assert.Contains(t, r.body, "injected fault")
			assert.Empty(t, r.header.Get("ETag"), "the handler's answer is thrown away")
			_, stored := e.store.doc("/doc")
			assert.Equal(t, tt.applied, stored)
			assert.Equal(t, 1, e.attempts.count(http.MethodPut))
			assert.Equal(t, map[fault.Kind]int{fault.ServerError: 1}, e.inj.Counts())
		})
	}
}

func TestTooManyRequests(t *testing.T) {
	tests := []struct {
		retryAfter time.Duration
		want       string
	}{
		{0, "0"},
		{time.Millisecond, "1"},
		{3 * time.Second, "3"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			e := newEnv(t, fault.Plan{Rules: []fault.Rule{{Kind: fault.TooManyRequests, RetryAfter: tt.retryAfter}}})
			r := e.do(t, http.MethodPost, "/doc", `{"a":1}`, nil)
			require.NoError(t, r.err)
			assert.Equal(t, http.StatusTooManyRequests, r.status)
			assert.Equal(t, tt.want, r.header.Get("Retry-After"))
			assert.Zero(t, e.store.count(http.MethodPost), "not applied")
		})
	}
}

func TestLatency(t *testing.T) {
	const delay = 50 * time.Millisecond
	e := newEnv(t, fault.Plan{Rules: []fault.Rule{{Kind: fault.Latency, Delay: delay, Methods: []string{"GET", "PUT"}}}})
	start := time.Now()
	r := e.do(t, http.MethodPut, "/doc", `{"a":1}`, nil)
	elapsed := time.Since(start)
	require.NoError(t, r.err)
	assert.Equal(t, http.StatusNoContent, r.status)
	assert.Equal(t, `"v1"`, r.header.Get("ETag"))
	assert.GreaterOrEqual(t, elapsed, delay)
	assert.Equal(t, []fault.Kind{fault.Latency}, e.store.kinds(), "the handler sees the fault")

	start = time.Now()
	g := e.do(t, http.MethodGet, "/doc", "", nil)
	require.NoError(t, g.err)
	assert.GreaterOrEqual(t, time.Since(start), delay)
	assert.Equal(t, 2, e.inj.Counts()[fault.Latency])
}

func TestLatencyDefaultDelay(t *testing.T) {
	e := newEnv(t, fault.Plan{Rules: []fault.Rule{{Kind: fault.Latency, Count: 1}}})
	start := time.Now()
	r := e.do(t, http.MethodDelete, "/doc", "", nil)
	require.NoError(t, r.err)
	assert.GreaterOrEqual(t, time.Since(start), fault.DefaultDelay)
}

func TestConflict(t *testing.T) {
	e := newEnv(t, fault.Plan{Rules: []fault.Rule{{Kind: fault.Conflict, Count: 2}}})
	for i := range 2 {
		r := e.do(t, http.MethodPut, "/doc", `{"a":1}`, nil)
		require.NoError(t, r.err)
		assert.Equal(t, http.StatusPreconditionFailed, r.status, "write %d", i)
		assert.Contains(t, r.body, "412 Precondition Failed")
	}
	assert.Zero(t, e.store.count(http.MethodPut), "not applied")
	r := e.do(t, http.MethodPut, "/doc", `{"a":1}`, nil)
	require.NoError(t, r.err)
	assert.Equal(t, http.StatusNoContent, r.status, "the third write goes through")
	g := e.do(t, http.MethodGet, "/doc", "", nil)
	assert.Equal(t, http.StatusOK, g.status, "reads are not writes")
	assert.Equal(t, map[fault.Kind]int{fault.Conflict: 2}, e.inj.Counts())

	require.NoError(t, e.inj.Add(fault.Rule{Kind: fault.Conflict, Status: http.StatusConflict, Count: 1}))
	r = e.do(t, http.MethodDelete, "/doc", "", nil)
	assert.Equal(t, http.StatusConflict, r.status)
	_, ok := e.store.doc("/doc")
	assert.True(t, ok)
}

func TestETagRewrites(t *testing.T) {
	tests := []struct {
		name   string
		rule   fault.Rule
		method string
		path   string
		header map[string]string
		status int
		etag   string
		hasTag bool
	}{
		{"weak on read", fault.Rule{Kind: fault.WeakETag}, http.MethodGet, "/doc", nil, 200, `W/"v1"`, true},
		{"weak on implicit 200", fault.Rule{Kind: fault.WeakETag}, http.MethodGet, "/doc?implicit", nil, 200, `W/"v1"`, true},
		{"weak on write", fault.Rule{Kind: fault.WeakETag}, http.MethodPut, "/doc", nil, 204, `W/"v2"`, true},
		{"weak on HEAD", fault.Rule{Kind: fault.WeakETag}, http.MethodHead, "/doc", nil, 200, `W/"v1"`, true},
		{"weak of an unquoted tag", fault.Rule{Kind: fault.WeakETag}, http.MethodGet, "/bare/doc", nil, 200, `W/"v1"`, true},
		{"weak on GET only", fault.Rule{Kind: fault.WeakETag, Methods: []string{"get"}}, http.MethodPut, "/doc", nil, 204, `"v2"`, true},
		{"strip on read", fault.Rule{Kind: fault.StripETag}, http.MethodGet, "/doc", nil, 200, "", false},
		{"strip on 412", fault.Rule{Kind: fault.StripETag}, http.MethodPut, "/doc", map[string]string{"If-Match": `"v9"`}, 412, "", false},
		{"strip write tag on 204", fault.Rule{Kind: fault.StripWriteETag}, http.MethodPut, "/doc", nil, 204, "", false},
		{"strip write tag keeps 412's", fault.Rule{Kind: fault.StripWriteETag}, http.MethodPut, "/doc", map[string]string{"If-Match": `"v9"`}, 412, `"v1"`, true},
		{"strip write tag leaves reads", fault.Rule{Kind: fault.StripWriteETag}, http.MethodGet, "/doc", nil, 200, `"v1"`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, fault.Plan{})
			w := e.do(t, http.MethodPut, strings.TrimSuffix(tt.path, "?implicit"), `{"a":1}`, nil)
			require.NoError(t, w.err)
			require.Equal(t, http.StatusNoContent, w.status)
			require.NoError(t, e.inj.Add(tt.rule))

			body := `{"a":2}`
			if tt.method != http.MethodPut {
				body = ""
			}
			r := e.do(t, tt.method, tt.path, body, tt.header)
			require.NoError(t, r.err)
			assert.Equal(t, tt.status, r.status)
			_, has := r.header["Etag"]
			assert.Equal(t, tt.hasTag, has)
			assert.Equal(t, tt.etag, r.header.Get("ETag"))
			if tt.status == 200 && tt.method == http.MethodGet {
				assert.Equal(t, `{"a":1}`, r.body)
			}
		})
	}
}

func TestMethodsDefault(t *testing.T) {
	e := newEnv(t, fault.Plan{Rules: []fault.Rule{{Kind: fault.DropBefore}}})
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodOptions} {
		r := e.do(t, m, "/doc", "", nil)
		require.NoError(t, r.err, m)
		assert.NotZero(t, r.status)
	}
	for _, m := range []string{http.MethodPut, http.MethodPost, http.MethodPatch, http.MethodDelete} {
		r := e.do(t, m, "/doc", "x", nil)
		assert.Error(t, r.err, m)
	}
	assert.Equal(t, 4, e.inj.Total())
}

// TestInjectedHEAD checks that an injected answer to HEAD has no body.
func TestInjectedHEAD(t *testing.T) {
	e := newEnv(t, fault.Plan{Rules: []fault.Rule{{Kind: fault.ServerError, Methods: []string{"HEAD"}}}})
	r := e.do(t, http.MethodHead, "/doc", "", nil)
	require.NoError(t, r.err)
	assert.Equal(t, http.StatusServiceUnavailable, r.status)
	assert.Empty(t, r.body)
}

// TestRuleOrder checks that the first rule that fires decides, that a
// used-up rule no longer matches and that a rule whose draw fails lets the
// next rule try.
func TestRuleOrder(t *testing.T) {
	e := newEnv(t, fault.Plan{Rules: []fault.Rule{
		{Kind: fault.Conflict, Count: 1},
		{Kind: fault.TooManyRequests, Count: 1},
		{Kind: fault.ServerError, Probability: 1e-12},
		{Kind: fault.ServerError, Status: 502},
	}})
	var got []int
	for range 4 {
		r := e.do(t, http.MethodPut, "/doc", "x", nil)
		require.NoError(t, r.err)
		got = append(got, r.status)
	}
	assert.Equal(t, []int{412, 429, 502, 502}, got)
	assert.Equal(t, map[fault.Kind]int{fault.Conflict: 1, fault.TooManyRequests: 1, fault.ServerError: 2}, e.inj.Counts())
}

// sequence sends n PUTs through a fresh server with plan p and returns
// which of them got the plan's fault (a 503).
func sequence(t *testing.T, p fault.Plan, n int) []bool {
	t.Helper()
	e := newEnv(t, p)
	out := make([]bool, n)
	for i := range out {
		r := e.do(t, http.MethodPut, "/doc", "x", nil)
		require.NoError(t, r.err)
		out[i] = r.status == http.StatusServiceUnavailable
	}
	return out
}

func TestProbabilityIsDeterministic(t *testing.T) {
	plan := fault.Plan{Seed: 7, Rules: []fault.Rule{{Kind: fault.ServerError, Probability: 0.5}}}
	a := sequence(t, plan, 64)
	b := sequence(t, plan, 64)
	assert.Equal(t, a, b, "the same seed gives the same faults")
	fired := 0
	for _, f := range a {
		if f {
			fired++
		}
	}
	assert.Greater(t, fired, 10)
	assert.Less(t, fired, 54)

	other := plan
	other.Seed = 8
	assert.NotEqual(t, a, sequence(t, other, 64), "another seed gives other faults")

	counted := fault.Plan{Seed: 7, Rules: []fault.Rule{{Kind: fault.ServerError, Probability: 0.5, Count: 5}}}
	c := sequence(t, counted, 64)
	assert.Equal(t, c, sequence(t, counted, 64))
	n := 0
	for i, f := range c {
		if f {
			n++
		}
		if n < 5 {
			assert.Equal(t, a[i], f, "request %d: the same draws until Count is used up", i)
		}
	}
	assert.Equal(t, 5, n, "Count bounds the faults")
}

func TestCountsAndReset(t *testing.T) {
	e := newEnv(t, fault.Plan{Rules: []fault.Rule{
		{Kind: fault.Conflict, Count: 2},
		{Kind: fault.WeakETag, Count: 1, Methods: []string{"GET"}},
		{Kind: fault.DropBefore, Count: 1},
	}})
	for range 3 {
		_ = e.do(t, http.MethodPut, "/doc", "x", nil)
	}
	_ = e.do(t, http.MethodGet, "/doc", "", nil)
	_ = e.do(t, http.MethodPut, "/doc", "x", nil) // no rule left for writes
	assert.Equal(t, map[fault.Kind]int{fault.Conflict: 2, fault.DropBefore: 1, fault.WeakETag: 1}, e.inj.Counts())
	assert.Equal(t, 4, e.inj.Total())

	counts := e.inj.Counts()
	counts[fault.Conflict] = 100
	assert.Equal(t, 2, e.inj.Counts()[fault.Conflict], "Counts returns a copy")

	require.NoError(t, e.inj.Add(fault.Rule{Kind: fault.Conflict}))
	e.inj.Reset()
	assert.Empty(t, e.inj.Counts())
	assert.Zero(t, e.inj.Total())
	r := e.do(t, http.MethodPut, "/doc", "x", nil)
	require.NoError(t, r.err)
	assert.Equal(t, http.StatusNoContent, r.status, "Reset removes every rule")
}

func TestNilAndZeroInjector(t *testing.T) {
	var nilInj *fault.Injector
	h := newStore()
	assert.Same(t, h, nilInj.Wrap(h))
	assert.Empty(t, nilInj.Counts())
	assert.Zero(t, nilInj.Total())
	nilInj.Reset()
	assert.Error(t, nilInj.Add(fault.Rule{Kind: fault.Conflict}))

	var zero fault.Injector
	require.NoError(t, zero.Add(fault.Rule{Kind: fault.ServerError, Probability: 0.5}))
	ts := httptest.NewServer(zero.Wrap(newStore()))
	defer ts.Close()
	for range 20 {
		r := doWith(t, ts.Client(), http.MethodPut, ts.URL+"/doc", "x", nil)
		require.NoError(t, r.err)
	}
	assert.Positive(t, zero.Total())
}

func TestPlanIsCopied(t *testing.T) {
	rules := []fault.Rule{{Kind: fault.Conflict, Methods: []string{"PUT"}}}
	e := newEnv(t, fault.Plan{Rules: rules})
	rules[0].Kind = fault.DropBefore
	rules[0].Methods[0] = "GET"
	r := e.do(t, http.MethodPut, "/doc", "x", nil)
	require.NoError(t, r.err)
	assert.Equal(t, http.StatusPreconditionFailed, r.status)
}

func TestInjectionAnswer(t *testing.T) {
	var none *fault.Injection
	h := http.Header{"Etag": {`"v1"`}}
	status, got, body := none.Answer(204, h, []byte("b"))
	assert.Equal(t, 204, status)
	assert.Equal(t, h, got)
	assert.Equal(t, "b", string(body))
	assert.Equal(t, fault.None, none.Kind())
	assert.True(t, none.CallsNext())
	assert.False(t, none.Drops())
	assert.Nil(t, fault.FromContext(context.Background()))
}

// TestAnswerMatchesWire checks, for every kind, that Injection.Answer as
// seen by the handler predicts what the client receives.
func TestAnswerMatchesWire(t *testing.T) {
	kinds := []fault.Rule{
		{Kind: fault.CommitThenDrop}, {Kind: fault.ServerError, Apply: true, RetryAfter: time.Second},
		{Kind: fault.Latency, Delay: time.Millisecond}, {Kind: fault.WeakETag}, {Kind: fault.StripETag},
		{Kind: fault.StripWriteETag},
	}
	for _, rule := range kinds {
		t.Run(rule.Kind.String(), func(t *testing.T) {
			type predicted struct {
				status int
				header http.Header
				body   string
			}
			var mu sync.Mutex
			var p predicted
			handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				in := fault.FromContext(r.Context())
				w.Header().Set("ETag", `"v3"`)
				w.Header().Set("Content-Type", "text/plain")
				status, header, body := in.Answer(http.StatusCreated, w.Header(), []byte("made"))
				mu.Lock()
				p = predicted{status, header, string(body)}
				mu.Unlock()
				assert.Equal(t, `"v3"`, w.Header().Get("ETag"), "Answer does not change the header it is given")
				w.WriteHeader(http.StatusCreated)
				_, _ = io.WriteString(w, "made")
			})
			inj, err := fault.New(fault.Plan{Rules: []fault.Rule{rule}})
			require.NoError(t, err)
			ts := httptest.NewServer(inj.Wrap(handler))
			defer ts.Close()
			c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
			r := doWith(t, c, http.MethodPut, ts.URL+"/x", "body", nil)
			mu.Lock()
			defer mu.Unlock()
			if p.status == 0 {
				require.Error(t, r.err)
				assert.Empty(t, p.header)
				return
			}
			require.NoError(t, r.err)
			assert.Equal(t, p.status, r.status)
			assert.Equal(t, p.body, r.body)
			for _, name := range []string{"Etag", "Retry-After", "Content-Type"} {
				assert.Equal(t, p.header.Values(name), r.header.Values(name), name)
			}
		})
	}
}

func TestConcurrentUse(t *testing.T) {
	e := newEnv(t, fault.Plan{Seed: 3, Rules: []fault.Rule{
		{Kind: fault.Conflict, Count: 25},
		{Kind: fault.ServerError, Probability: 0.3},
		{Kind: fault.CommitThenDrop, Probability: 0.1},
	}})
	const workers, each = 8, 25
	var (
		wg                       sync.WaitGroup
		mu                       sync.Mutex
		conflicts, errs, answers int
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				req, err := http.NewRequest(http.MethodPut, e.url+"/doc", strings.NewReader("x"))
				if !assert.NoError(t, err) {
					return
				}
				resp, err := e.client.Do(req)
				mu.Lock()
				if err != nil {
					errs++
				} else {
					answers++
					if resp.StatusCode == http.StatusPreconditionFailed {
						conflicts++
					}
				}
				mu.Unlock()
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				_ = e.inj.Counts()
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 20 {
			assert.NoError(t, e.inj.Add(fault.Rule{Kind: fault.Latency, Delay: time.Microsecond, Methods: []string{"GET"}}))
			_ = e.inj.Total()
		}
	}()
	wg.Wait()
	counts := e.inj.Counts()
	assert.Equal(t, 25, counts[fault.Conflict])
	assert.Equal(t, 25, conflicts)
	assert.Equal(t, counts[fault.CommitThenDrop], errs)
	assert.Equal(t, workers*each, errs+answers)
	assert.Equal(t, workers*each, e.attempts.count(http.MethodPut))
	assert.Equal(t, counts[fault.Conflict]+counts[fault.ServerError]+counts[fault.CommitThenDrop], e.inj.Total())
}
