// Command batchsync has an authoring tool push a course update into the
// state of a few hundred learners at once: UpdateAll writes each learner's
// document with bounded concurrency, shows a progress bar, and slows every
// worker down together when the LRS answers 429 Too Many Requests. The
// embedded LRS allows a limited number of requests per second and, like a
// busy LRS, changes some learners' state itself while the sync runs: those
// writes lose a race, are merged and written again.
//
//	go run ./examples/batchsync
//	go run ./examples/batchsync -learners 1000 -concurrency 16
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/ifmatch/ifmatch/client"
	"github.com/ifmatch/ifmatch/statedoc"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

// Progress is a learner's state in the course.
type Progress struct {
	Page          int    `json:"page"`
	CourseVersion string `json:"courseVersion,omitempty"`
}

func main() {
	learners := flag.Int("learners", 300, "learners whose state is synced")
	concurrency := flag.Int("concurrency", 8, "documents written at once")
	rate := flag.Int("rate", 250, "requests per second the embedded LRS handles before answering 429")
	flag.Parse()
	bar := isTerminal(os.Stdout)
	if err := run(context.Background(), os.Stdout, *learners, *concurrency, *rate, bar); err != nil {
		fmt.Fprintln(os.Stderr, "batchsync:", err)
		os.Exit(1)
	}
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func run(ctx context.Context, out io.Writer, learners, concurrency, rate int, bar bool) error {
	srv := statedoctest.NewServer(&statedoctest.Options{RateLimit: statedoctest.RateLimit{Requests: rate, Per: time.Second}})
	defer srv.Close()
	keys := make([]statedoc.Key, learners)
	for i := range keys {
		keys[i] = statedoc.Key{
			ActivityID: "https://example.com/courses/ethics",
			Agent:      statedoc.Agent{Mbox: fmt.Sprintf("mailto:learner%03d@example.com", i)},
			StateID:    "progress",
		}
		srv.SetDocument(keys[i], "application/json", []byte(fmt.Sprintf(`{"page":%d}`, i%12)))
	}
	c, err := client.NewStateClient[Progress](srv.URL, &client.LRSOptions{Options: client.Options{
		HTTPClient: srv.Client(), TransportWaitMin: 50 * time.Millisecond, TransportWaitMax: 2 * time.Second}})
	if err != nil {
		return err
	}

	began := time.Now()
	lastDraw := time.Time{}
	draw := func(p client.BatchProgress, final bool) {
		if !bar {
			if !final && p.Done%(max(p.Total/4, 1)) == 0 {
				fmt.Fprintf(out, "%d/%d learners synced\n", p.Done, p.Total)
			}
			return
		}
		if !final && time.Since(lastDraw) < 50*time.Millisecond {
			return
		}
		lastDraw = time.Now()
		const width = 40
		filled := width * p.Done / max(p.Total, 1)
		fmt.Fprintf(out, "\r[%s%s] %d/%d learners, %d failed", strings.Repeat("#", filled), strings.Repeat(".", width-filled), p.Done, p.Total, p.Failed)
		if final {
			fmt.Fprintln(out)
		}
	}
	var (
		last  client.BatchProgress
		moved sync.Map // learners whose bookmark moved during the sync
	)
	results := c.UpdateAll(ctx, keys, func(k statedoc.Key, p Progress) (Progress, error) {
		if strings.HasSuffix(k.Agent.Mbox, "7@example.com") {
			if _, again := moved.LoadOrStore(k.Agent.Mbox, true); !again {
				// The learner goes on meanwhile: their bookmark moves
				// between the tool's read and its write.
				srv.SetDocument(k, "application/json", []byte(fmt.Sprintf(`{"page":%d}`, p.Page+1)))
			}
		}
		p.CourseVersion = "2026-12"
		return p, nil
	}, &client.BatchOptions{Concurrency: concurrency, Progress: func(p client.BatchProgress) {
		last = p
		draw(p, false)
	}})
	draw(last, true)

	var failures []error
	attempts, refused, limited := 0, 0, 0
	for _, r := range results {
		if r.Err != nil {
			failures = append(failures, r.Err)
			continue
		}
		attempts += r.Result.Attempts
	}
	for _, e := range srv.Log() {
		switch e.Status {
		case http.StatusPreconditionFailed:
			refused++
		case http.StatusTooManyRequests:
			limited++
		}
	}
	if len(failures) > 0 {
		return errors.Join(failures...)
	}
	fmt.Fprintf(out, "%d learners in %v: %d writes, %d lost a race and were merged, %d requests answered 429\n",
		learners, time.Since(began).Round(time.Millisecond), attempts, refused, limited)
	for i, k := range keys {
		d, ok := srv.Document(k)
		want := `"courseVersion":"2026-12"`
		if !ok || !strings.Contains(string(d.Body), want) {
			return fmt.Errorf("learner %d not synced: %s", i, d.Body)
		}
	}
	n := 0
	moved.Range(func(k, _ any) bool {
		for i, key := range keys {
			if key.Agent.Mbox == k {
				d, _ := srv.Document(key)
				if want := fmt.Sprintf(`"page":%d`, i%12+1); !strings.Contains(string(d.Body), want) {
					err = fmt.Errorf("learner %d lost the bookmark moved meanwhile: %s", i, d.Body)
				}
			}
		}
		n++
		return true
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "every learner has the course update, and the %d bookmarks moved meanwhile are kept\n", n)
	return nil
}
