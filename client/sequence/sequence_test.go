package sequence_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/client"
	"github.com/ifmatch/ifmatch/client/sequence"
	"github.com/ifmatch/ifmatch/merge"
	"github.com/ifmatch/ifmatch/statedoc"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

type progress struct {
	Page    int             `json:"page"`
	Checked map[string]bool `json:"checked,omitempty"`
}

var key = statedoc.Key{
	ActivityID: "https://example.com/courses/1",
	Agent:      statedoc.Agent{Mbox: "mailto:ada@example.com"},
	StateID:    "progress",
}

func newServer(t *testing.T, opts *statedoctest.Options) *statedoctest.Server {
	t.Helper()
	srv := statedoctest.NewServer(opts)
	t.Cleanup(srv.Close)
	return srv
}

// laneHeader names the client of a request for the server's log.
const laneHeader = "X-Lane"

// newClient returns a client of srv that reports to obs and marks its
// requests with its lane's name.
func newClient(t *testing.T, srv *statedoctest.Server, lane string, obs client.Observer, o client.Options) *client.StateClient[progress] {
	t.Helper()
	next := srv.Client().Transport
	o.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		r.Header.Set(laneHeader, lane)
		return next.RoundTrip(r)
	})}
	o.Observer = obs
	o.ConflictBackoff = client.FullJitter(time.Microsecond, time.Millisecond)
	c, err := client.NewStateClient[progress](srv.URL, &client.LRSOptions{Options: o})
	require.NoError(t, err)
	return c
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// dance is seed 000's exchange: A and B read the same version, A writes,
// B's write on the version it read is refused, and B reads again, merges
// and writes. It returns the ETags of the three versions, in order.
func dance(t *testing.T, srv *statedoctest.Server, a, b *client.StateClient[progress]) [3]string {
	t.Helper()
	ctx := context.Background()
	_, err := a.Get(ctx, key)
	require.NoError(t, err)
	docB, err := b.Get(ctx, key)
	require.NoError(t, err)
	resA, err := a.Update(ctx, key, func(p progress) (progress, error) { p.Page = 5; return p, nil })
	require.NoError(t, err)
	ours := docB.Value
	ours.Checked = map[string]bool{"intro": true}
	resB, err := b.Save(ctx, key, docB, ours, nil)
	require.NoError(t, err)
	require.Equal(t, 2, resB.Attempts)
	stored, ok := srv.Document(key)
	require.True(t, ok)
	assert.JSONEq(t, `{"page":5,"checked":{"intro":true}}`, string(stored.Body))
	return [3]string{docB.ETag, resA.ETag, resB.ETag}
}

// lines splits text into its lines, without the final newline.
func lines(text string) []string {
	return strings.Split(strings.TrimSuffix(text, "\n"), "\n")
}

// TestTwoClientDance renders the two clients' events of the dance and
// checks every line: the reads, A's write, B's refused write with its
// note, B's read, its merge and its second write, ETags named e1, e2, e3
// in order, which the legend maps to the versions of the run.
func TestTwoClientDance(t *testing.T) {
	srv := newServer(t, nil)
	srv.SetDocument(key, "application/json", []byte(`{"page":1}`))
	rec := sequence.New(&sequence.Options{Server: "LRS", ShortETags: true})
	a := newClient(t, srv, "A", rec.Client("A"), client.Options{})
	b := newClient(t, srv, "B", rec.Client("B"), client.Options{})
	tags := dance(t, srv, a, b)

	assert.Equal(t, []string{
		"sequenceDiagram",
		"    participant A",
		"    participant B",
		"    participant LRS",
		"    A->>LRS: GET",
		`    LRS-->>A: 200 OK, ETag: "e1"`,
		"    B->>LRS: GET",
		`    LRS-->>B: 200 OK, ETag: "e1"`,
		"    A->>LRS: GET",
		`    LRS-->>A: 200 OK, ETag: "e1"`,
		`    A->>LRS: PUT If-Match: "e1"`,
		`    LRS-->>A: 204 No Content, ETag: "e2"`,
		`    B->>LRS: PUT If-Match: "e1"`,
		"    LRS-->>B: 412 Precondition Failed",
		"    Note over B,LRS: 412: B's write lost to another writer, B reads again",
		"    B->>LRS: GET",
		`    LRS-->>B: 200 OK, ETag: "e2"`,
		`    Note over B: B merges its change onto "e2": /page theirs-only, /checked ours-only`,
		`    B->>LRS: PUT If-Match: "e2"`,
		`    LRS-->>B: 204 No Content, ETag: "e3"`,
	}, lines(rec.Mermaid()))

	md := lines(rec.Markdown())
	require.Len(t, md, 1+20+1+1+3)
	assert.Equal(t, "```mermaid", md[0])
	assert.Equal(t, lines(rec.Mermaid()), md[1:21])
	assert.Equal(t, []string{
		"```",
		"",
		"- `e1` is `" + tags[0] + "`",
		"- `e2` is `" + tags[1] + "`",
		"- `e3` is `" + tags[2] + "`",
	}, md[21:])
	assert.Equal(t, rec.Mermaid(), rec.Mermaid(), "rendering changes nothing")
}

// TestServerLog renders the same dance from the server's log, with each
// request's lane taken from a header its client set. The server knows no
// merge; it notes the 412.
func TestServerLog(t *testing.T) {
	srv := newServer(t, nil)
	srv.SetDocument(key, "application/json", []byte(`{"page":1}`))
	a := newClient(t, srv, "A", nil, client.Options{})
	b := newClient(t, srv, "B", nil, client.Options{})
	tags := dance(t, srv, a, b)

	rec := sequence.New(&sequence.Options{Server: "LRS"})
	rec.AddServerLog(srv.Log(), func(x statedoctest.Exchange) string { return x.RequestHeader.Get(laneHeader) })
	e1, e2, e3 := tags[0], tags[1], tags[2]
	assert.Equal(t, []string{
		"sequenceDiagram",
		"    participant A",
		"    participant B",
		"    participant LRS",
		"    A->>LRS: GET",
		"    LRS-->>A: 200 OK, ETag: " + e1,
		"    B->>LRS: GET",
		"    LRS-->>B: 200 OK, ETag: " + e1,
		"    A->>LRS: GET",
		"    LRS-->>A: 200 OK, ETag: " + e1,
		"    A->>LRS: PUT If-Match: " + e1,
		"    LRS-->>A: 204 No Content, ETag: " + e2,
		"    B->>LRS: PUT If-Match: " + e1,
		"    LRS-->>B: 412 Precondition Failed",
		"    Note over B,LRS: 412: B's precondition no longer holds",
		"    B->>LRS: GET",
		"    LRS-->>B: 200 OK, ETag: " + e2,
		"    B->>LRS: PUT If-Match: " + e2,
		"    LRS-->>B: 204 No Content, ETag: " + e3,
	}, lines(rec.Mermaid()))
}

// TestLostAnswer: a write the server applied and whose answer it dropped
// is a crossed arrow; the client's read and its verdict are notes, and so
// is the failed operation. The server's log of the same exchange says
// what the server did.
func TestLostAnswer(t *testing.T) {
	srv := newServer(t, &statedoctest.Options{Faults: statedoctest.FaultPlan{Rules: []statedoctest.Fault{
		{Kind: statedoctest.CommitThenDrop, Methods: []string{http.MethodPut}, Count: 1},
	}}})
	srv.SetDocument(key, "application/json", []byte(`{"page":1}`))
	rec := sequence.New(&sequence.Options{ShortETags: true})
	a := newClient(t, srv, "A", rec.Client("A"), client.Options{TransportRetries: -1})
	_, err := a.Update(context.Background(), key, func(p progress) (progress, error) { p.Page++; return p, nil })
	require.ErrorIs(t, err, client.ErrOutcomeUnknown)

	assert.Equal(t, []string{
		"sequenceDiagram",
		"    participant A",
		"    participant Server",
		"    A->>Server: GET",
		`    Server-->>A: 200 OK, ETag: "e1"`,
		`    A->>Server: PUT If-Match: "e1"`,
		"    Server--xA: no answer",
		"    A->>Server: GET",
		`    Server-->>A: 200 OK, ETag: "e2"`,
		"    Note over A: the read settles the lost answer: undecided",
		"    Note over A: outcome unknown",
		"    Note over A: update failed",
	}, lines(rec.Mermaid()))

	fromLog := sequence.New(&sequence.Options{ShortETags: true})
	fromLog.AddServerLog(srv.Log(), nil)
	assert.Equal(t, []string{
		"sequenceDiagram",
		"    participant Client",
		"    participant Server",
		"    Client->>Server: GET",
		`    Server-->>Client: 200 OK, ETag: "e1"`,
		`    Client->>Server: PUT If-Match: "e1"`,
		"    Server--xClient: no answer",
		"    Note over Client,Server: fault CommitThenDrop: the server answered 204, the client got no answer",
		"    Client->>Server: GET",
		`    Server-->>Client: 200 OK, ETag: "e2"`,
	}, lines(fromLog.Mermaid()))
}

// TestCreate: a create's precondition is If-None-Match: *, and an absent
// document's read is a 404.
func TestCreate(t *testing.T) {
	srv := newServer(t, nil)
	rec := sequence.New(nil)
	a := newClient(t, srv, "A", rec.Client("A"), client.Options{})
	res, err := a.Update(context.Background(), key, func(p progress) (progress, error) { p.Page = 1; return p, nil })
	require.NoError(t, err)
	assert.Equal(t, []string{
		"sequenceDiagram",
		"    participant A",
		"    participant Server",
		"    A->>Server: GET",
		"    Server-->>A: 404 Not Found",
		"    A->>Server: PUT If-None-Match: *",
		"    Server-->>A: 204 No Content, ETag: " + res.ETag,
	}, lines(rec.Mermaid()))
}

// TestNamesAndMarkup: names that are not plain identifiers, or are words
// of Mermaid, become aliases; text that Mermaid would read as markup is
// escaped; ETags keep their weakness when named.
func TestNamesAndMarkup(t *testing.T) {
	rec := sequence.New(&sequence.Options{Server: "end", ShortETags: true, MergeDecisions: 1})
	tool := rec.Client("Authoring tool")
	app := rec.Client("end")
	ctx := context.Background()
	tool.Observe(ctx, client.Event{Kind: client.EventExchange, Method: "GET", Status: 200, ETag: `W/"x"`})
	tool.Observe(ctx, client.Event{Kind: client.EventNote, Message: "a <b> #1; second\nline"})
	app.Observe(ctx, client.Event{Kind: client.EventExchange, Method: "GET", Status: 200, ETag: `"x"`})
	app.Observe(ctx, client.Event{Kind: client.EventMerge, Report: &merge.Report{Decisions: []merge.Decision{
		{Path: "", Rule: "ours"}, {Path: "/a", Rule: "theirs"}, {Path: "/b", Rule: "theirs"},
	}}})
	app.Observe(ctx, client.Event{Kind: client.EventJoin, Callers: 3})
	app.Observe(ctx, client.Event{Kind: client.EventJoin, Callers: 1})
	assert.Equal(t, []string{
		"sequenceDiagram",
		"    participant P1 as Authoring tool",
		"    participant P2 as end",
		"    participant P3 as end",
		"    P1->>P3: GET",
		`    P3-->>P1: 200 OK, ETag: W/"e1"`,
		"    Note over P1: a #lt;b#gt; #35;1#59; second line",
		"    P2->>P3: GET",
		`    P3-->>P2: 200 OK, ETag: "e1"`,
		`    Note over P2: end merges its change onto "e1": / ours, 2 more`,
		"    Note over P2: end's edit rides in one write with 3 callers' edits",
	}, lines(rec.Mermaid()))
	assert.Contains(t, rec.Markdown(), "- `e1` is `\"x\"`\n")

	rec.Reset()
	assert.Equal(t, []string{"sequenceDiagram", "    participant P1 as Authoring tool",
		"    participant P2 as end", "    participant P3 as end"}, lines(rec.Mermaid()))
}

// TestConcurrentClients: clients writing at once each record under their
// own lane; every exchange is drawn once, whole.
func TestConcurrentClients(t *testing.T) {
	srv := newServer(t, nil)
	rec := sequence.New(nil)
	var wg sync.WaitGroup
	for _, name := range []string{"A", "B", "C", "D"} {
		c := newClient(t, srv, name, rec.Client(name), client.Options{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				_, err := c.Update(context.Background(), key, func(p progress) (progress, error) { p.Page++; return p, nil })
				assert.NoError(t, err)
			}
		}()
		go func() { _ = rec.Mermaid() }()
	}
	wg.Wait()
	requests, answers := 0, 0
	for _, l := range lines(rec.Mermaid()) {
		switch {
		case strings.Contains(l, "->>Server: "):
			requests++
		case strings.HasPrefix(l, "    Server-->>"):
			answers++
		}
	}
	assert.Equal(t, len(srv.Log()), requests)
	assert.Equal(t, requests, answers)
}
