// Command typing saves a learner's answer while they type (seed 003): every
// keystroke starts an Update of one xAPI state document, long before the
// previous save has returned, while a second tool (another process, with a
// client of its own) ticks boxes in the same document.
//
// Without a pipeline each save would carry the ETag of the version read
// before the previous save landed, and the server would refuse it with 412
// against the application's own earlier write. The client instead queues
// the saves of a document while one is in flight and sends the queued ones
// as one conditional write, so the typist's saves are never refused; only
// a true race with the other tool costs a 412, which the loop merges as
// usual. It prints the requests and checks that the document ends with the
// whole answer and every tick:
//
//	go run ./examples/typing
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ifmatch/ifmatch/client"
	"github.com/ifmatch/ifmatch/statedoc"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

// Answer is the learner state: a partial answer and the boxes ticked.
type Answer struct {
	Text    string          `json:"text"`
	Checked map[string]bool `json:"checked,omitempty"`
}

func main() {
	latency := flag.Duration("latency", 3*time.Millisecond, "how long the embedded LRS takes to answer each request")
	every := flag.Duration("keystroke", time.Millisecond, "time between keystrokes")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *latency, *every); err != nil {
		fmt.Fprintln(os.Stderr, "typing:", err)
		os.Exit(1)
	}
}

const answer = "A lost update happens when two writers read the same version and the second write erases the first."

func run(ctx context.Context, out io.Writer, latency, every time.Duration) error {
	all := []string{http.MethodGet, http.MethodPut}
	srv := statedoctest.NewServer(&statedoctest.Options{Faults: statedoctest.FaultPlan{
		Rules: []statedoctest.Fault{{Kind: statedoctest.Latency, Methods: all, Delay: latency}},
	}})
	defer srv.Close()
	key := statedoc.Key{
		ActivityID: "https://example.com/course/essay",
		Agent:      statedoc.Agent{Mbox: "mailto:ada@example.com"},
		StateID:    "answer",
	}
	opts := func(name string) *client.LRSOptions {
		return &client.LRSOptions{Options: client.Options{HTTPClient: tagged(srv.Client(), name)}}
	}
	editor, err := client.NewStateClient[Answer](srv.URL, opts("editor"))
	if err != nil {
		return err
	}
	tool, err := client.NewStateClient[Answer](srv.URL, opts("tool"))
	if err != nil {
		return err
	}

	// The editor's text as the learner types it. Each save's edit reads it
	// when the edit runs, so saves that go together write the latest text.
	var text atomic.Value
	text.Store("")
	save := func(a Answer) (Answer, error) { a.Text = text.Load().(string); return a, nil }

	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		failures []error
	)
	fail := func(err error) {
		mu.Lock()
		failures = append(failures, err)
		mu.Unlock()
	}
	wg.Add(1)
	go func() { // the other tool ticks a box now and then
		defer wg.Done()
		for i := range 5 {
			time.Sleep(15 * time.Millisecond)
			box := fmt.Sprint("box-", i)
			if _, err := tool.Update(ctx, key, func(a Answer) (Answer, error) {
				if a.Checked == nil {
					a.Checked = map[string]bool{}
				}
				a.Checked[box] = true
				return a, nil
			}); err != nil {
				fail(err)
			}
		}
	}()
	for i := range answer {
		text.Store(answer[:i+1])
		wg.Add(1)
		go func() { // one save per keystroke, not waited for
			defer wg.Done()
			if _, err := editor.Update(ctx, key, save); err != nil {
				fail(err)
			}
		}()
		time.Sleep(every)
	}
	wg.Wait()
	if len(failures) > 0 {
		return errors.Join(failures...)
	}

	counts := map[string]int{}
	for _, e := range srv.Log() {
		who := e.RequestHeader.Get(whoHeader)
		counts[who+" "+e.Method]++
		if e.Method == http.MethodPut && e.Status == http.StatusPreconditionFailed {
			counts[who+" 412"]++
		}
	}
	final, ok := srv.Document(key)
	if !ok {
		return errors.New("the document was not written")
	}
	fmt.Fprintf(out, "keystrokes: %d, each starting a save\n", len(answer))
	fmt.Fprintf(out, "editor: %d PUTs (%d answered 412), %d GETs\n", counts["editor PUT"], counts["editor 412"], counts["editor GET"])
	fmt.Fprintf(out, "tool:   %d PUTs (%d answered 412), %d GETs\n", counts["tool PUT"], counts["tool 412"], counts["tool GET"])
	fmt.Fprintf(out, "document: %s\n", final.Body)

	var got Answer
	if err := json.Unmarshal(final.Body, &got); err != nil {
		return err
	}
	if got.Text != answer || len(got.Checked) != 5 {
		return fmt.Errorf("the document lost an edit: %+v", got)
	}
	fmt.Fprintln(out, "the whole answer and every tick are there")
	return nil
}

// whoHeader names the client that sent a request, for the summary.
const whoHeader = "X-Example-Client"

// tagged returns a copy of hc that names its requests.
func tagged(hc *http.Client, name string) *http.Client {
	c := *hc
	next := c.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	c.Transport = roundTripper(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		r.Header.Set(whoHeader, name)
		return next.RoundTrip(r)
	})
	return &c
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
