// Command twoclients plays the two-writer dance on one xAPI state document:
// clients A and B read the same version, A writes first, B's write gets
// 412 Precondition Failed, and B reads the new version, merges its change
// onto it and writes again. The final document holds both edits.
//
// It prints every request (client, method, If-Match or If-None-Match sent,
// status, ETag returned) and the final document. By default it runs against
// an embedded in-memory LRS; -lrs, -user and -pass run it against a real one.
// -diagram writes A's and B's exchange as a Mermaid sequence diagram in
// Markdown (see package client/sequence), with the ETags named e1, e2, e3:
//
//	go run ./examples/twoclients
//	go run ./examples/twoclients -lrs https://lrs.example.com/xapi -user key -pass secret
//	go run ./examples/twoclients -diagram dance.md
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/ifmatch/ifmatch/client"
	"github.com/ifmatch/ifmatch/client/sequence"
	"github.com/ifmatch/ifmatch/statedoc"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

// Progress is the learner state the two clients share.
type Progress struct {
	Page    int             `json:"page"`
	Checked map[string]bool `json:"checked,omitempty"`
}

func main() {
	lrs := flag.String("lrs", "", "xAPI endpoint of a real LRS (default: an embedded in-memory LRS)")
	user := flag.String("user", "", "Basic auth user name for -lrs")
	pass := flag.String("pass", "", "Basic auth password for -lrs")
	version := flag.String("version", statedoc.Version103, "X-Experience-API-Version to send")
	diagram := flag.String("diagram", "", "write the exchange of A and B to this file as a Mermaid sequence diagram in Markdown")
	flag.Parse()
	var rec *sequence.Recorder
	if *diagram != "" {
		rec = sequence.New(&sequence.Options{Server: "LRS", ShortETags: true})
	}
	if err := run(context.Background(), os.Stdout, *lrs, *user, *pass, *version, rec); err != nil {
		fmt.Fprintln(os.Stderr, "twoclients:", err)
		os.Exit(1)
	}
	if rec != nil {
		if err := os.WriteFile(*diagram, []byte(rec.Markdown()), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "twoclients:", err)
			os.Exit(1)
		}
	}
}

// run plays the dance, printing the exchange to out. A non-nil rec records
// the events of A and B.
func run(ctx context.Context, out io.Writer, lrs, user, pass, version string, rec *sequence.Recorder) error {
	base := http.DefaultClient
	stateID := fmt.Sprintf("ifmatch-twoclients-%d", time.Now().UnixNano())
	if lrs == "" {
		srv := statedoctest.NewServer(&statedoctest.Options{Version: version})
		defer srv.Close()
		lrs, base = srv.URL, srv.Client()
		stateID = "progress"
		fmt.Fprintf(out, "embedded LRS at %s (xAPI %s)\n", lrs, version)
	}
	key := statedoc.Key{
		ActivityID: "https://example.com/courses/ifmatch-demo",
		Agent:      statedoc.Agent{Mbox: "mailto:ada@example.com"},
		StateID:    stateID,
	}
	trace := &tracer{out: out}
	newClient := func(name string) (*client.StateClient[Progress], error) {
		hc := &http.Client{Transport: trace.wrap(name, base.Transport), Timeout: 30 * time.Second}
		var obs client.Observer
		if rec != nil && name != "setup" {
			obs = rec.Client(name)
		}
		return client.NewStateClient[Progress](lrs, &client.LRSOptions{Version: version, Options: client.Options{
			HTTPClient: hc, Username: user, Password: pass, Observer: obs,
		}})
	}
	setup, err := newClient("setup")
	if err != nil {
		return err
	}
	a, err := newClient("A")
	if err != nil {
		return err
	}
	b, err := newClient("B")
	if err != nil {
		return err
	}

	fmt.Fprintln(out, "\n-- the document starts at page 1")
	if _, err := setup.Update(ctx, key, func(p Progress) (Progress, error) {
		p.Page = 1
		return p, nil
	}); err != nil {
		return err
	}

	fmt.Fprintln(out, "\n-- A and B read the same version")
	docA, err := a.Get(ctx, key)
	if err != nil {
		return err
	}
	docB, err := b.Get(ctx, key)
	if err != nil {
		return err
	}

	fmt.Fprintln(out, "\n-- A turns to page 5 and writes first")
	oursA := docA.Value
	oursA.Page = 5
	if _, err := a.Save(ctx, key, docA, oursA, nil); err != nil {
		return err
	}

	fmt.Fprintln(out, "\n-- B ticks the intro box and writes on the old version: 412, re-read, merge, write")
	oursB := docB.Value
	oursB.Checked = map[string]bool{"intro": true}
	res, err := b.Save(ctx, key, docB, oursB, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "B's save: %s after %d attempt(s)\n", res.Outcome, res.Attempts)

	final, err := setup.Get(ctx, key)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n-- final document (ETag %s)\n%s\n", final.ETag, final.Raw)
	if final.Value.Page != 5 || !final.Value.Checked["intro"] {
		return errors.New("an edit was lost: the final document does not hold both edits")
	}
	fmt.Fprintln(out, "both edits are there: no update was lost")
	return nil
}

// tracer prints one line per exchange, in order, for every client it wraps.
type tracer struct {
	mu  sync.Mutex
	out io.Writer
}

func (t *tracer) wrap(name string, next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(req)
		t.mu.Lock()
		defer t.mu.Unlock()
		cond := "-"
		if v := req.Header.Get("If-Match"); v != "" {
			cond = "If-Match: " + v
		} else if v := req.Header.Get("If-None-Match"); v != "" {
			cond = "If-None-Match: " + v
		}
		if err != nil {
			fmt.Fprintf(t.out, "%-5s %-4s %-52s -> error %v\n", name, req.Method, cond, err)
			return resp, err
		}
		etag := resp.Header.Get("ETag")
		if etag == "" {
			etag = "-"
		}
		fmt.Fprintf(t.out, "%-5s %-4s %-52s -> %d %-22s ETag: %s\n", name, req.Method, cond,
			resp.StatusCode, http.StatusText(resp.StatusCode), etag)
		return resp, err
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
