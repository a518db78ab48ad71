package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/ifmatch/ifmatch/client"
	"github.com/ifmatch/ifmatch/statedoc"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/util/retry"
)

// counterDoc is a 1 KB learner-state document with an empty map of the
// writers' own counters and a shared counter.
func counterDoc(g *generator) []byte {
	doc := g.document(1 << 10)
	doc["counters"] = map[string]any{}
	doc["shared"] = 0
	return mustJSON(doc)
}

func writerName(w int) string { return fmt.Sprintf("w%03d", w) }

// increment is the change of writer w: one to its own counter and one to
// the shared counter. Each writer's counter is written by it alone, so
// whatever is missing from it at the end was lost.
func increment(w int) func(*Progress) {
	name := writerName(w)
	return func(p *Progress) {
		if p.Counters == nil {
			p.Counters = map[string]int{}
		}
		p.Counters[name]++
		p.Shared++
	}
}

// writerOp performs one increment for writer w.
type writerOp func(ctx context.Context, w int) error

// writersResult is one round of writers: each writer's successful and
// failed calls, every call's latency and each writer's finish time.
type writersResult struct {
	wall     time.Duration
	acked    []int
	failed   int
	firstErr error
	lat      []float64 // ms
	finish   []time.Duration
	counts   counts
	lostOwn  int // acknowledged increments missing from the writers' own counters
	lostAll  int // acknowledged increments missing from the shared counter
	doubled  int // increments found beyond those acknowledged
	requests int
}

func (r *writersResult) ok() int {
	n := 0
	for _, a := range r.acked {
		n += a
	}
	return n
}

func (r *writersResult) lost() int { return max(r.lostOwn, r.lostAll) }

func (r *writersResult) commitsPerS() float64 { return float64(r.ok()) / r.wall.Seconds() }

func (r *writersResult) fairness() float64 {
	lo, hi := r.finish[0], r.finish[0]
	for _, f := range r.finish {
		lo, hi = min(lo, f), max(hi, f)
	}
	return ratio(float64(hi), float64(lo))
}

// runWriters starts writers goroutines at once, each making increments
// calls of op, against the document stateID, and checks the document
// afterwards. warm runs before the start for each writer (a first request,
// so that connections are open).
func runWriters(ctx context.Context, srv *server, stateID string, writers, increments int, warm, op writerOp) (*writersResult, error) {
	for w := range writers {
		if err := warm(ctx, w); err != nil {
			return nil, fmt.Errorf("warming up: %w", err)
		}
	}
	if _, err := srv.counts(); err != nil {
		return nil, err
	}
	r := &writersResult{acked: make([]int, writers), finish: make([]time.Duration, writers)}
	lats := make([][]float64, writers)
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	var t0 time.Time
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for range increments {
				t := time.Now()
				err := op(ctx, w)
				lats[w] = append(lats[w], ms(time.Since(t)))
				if err != nil {
					mu.Lock()
					r.failed++
					if r.firstErr == nil {
						r.firstErr = err
					}
					mu.Unlock()
					if ctx.Err() != nil {
						break
					}
					continue
				}
				r.acked[w]++
			}
			r.finish[w] = time.Since(t0)
		}()
	}
	t0 = time.Now()
	close(start)
	wg.Wait()
	r.wall = time.Since(t0)
	for _, l := range lats {
		r.lat = append(r.lat, l...)
	}
	c, err := srv.counts()
	if err != nil {
		return nil, err
	}
	r.counts = c
	r.requests = c.Gets + c.Puts + c.Others
	doc, err := readDoc(ctx, srv, stateID)
	if err != nil {
		return nil, err
	}
	own, _ := doc["counters"].(map[string]any)
	for w := range writers {
		got, _ := own[writerName(w)].(float64)
		if d := r.acked[w] - int(got); d > 0 {
			r.lostOwn += d
		} else {
			r.doubled -= d
		}
	}
	shared, _ := doc["shared"].(float64)
	r.lostAll = max(0, r.ok()-int(shared))
	return r, nil
}

// contention variants.
const (
	vSDK      = "sdk"
	vClientGo = "clientgo"
	vLWW      = "lww"
)

var variantNames = map[string]string{
	vSDK:      "SDK Update (default options)",
	vClientGo: "client-go RetryOnConflict (DefaultRetry)",
	vLWW:      "last write wins (PUT without precondition)",
}

// variantOps returns the warm-up and the increment of a variant for
// writers writers with a client each, on the document stateID.
func variantOps(srv *server, variant, stateID string, writers int) (warm, op writerOp, err error) {
	key := docKey(stateID)
	switch variant {
	case vSDK:
		cs := make([]*client.StateClient[Progress], writers)
		for w := range writers {
			c, err := newSDKClient(srv.URL)
			if err != nil {
				return nil, nil, err
			}
			cs[w] = c
		}
		return func(ctx context.Context, w int) error { _, err := cs[w].Get(ctx, key); return err },
			func(ctx context.Context, w int) error { return sdkUpdate(ctx, cs[w], key, increment(w)) }, nil
	case vClientGo, vLWW:
		ps := make([]*plain, writers)
		for w := range writers {
			p, err := newPlain(srv.URL, key, &http.Client{Transport: newTransport()})
			if err != nil {
				return nil, nil, err
			}
			ps[w] = p
		}
		warm = func(ctx context.Context, w int) error { _, _, err := ps[w].get(ctx); return err }
		if variant == vLWW {
			return warm, func(ctx context.Context, w int) error { return ps[w].updateOnce(ctx, increment(w), false) }, nil
		}
		return warm, func(ctx context.Context, w int) error {
			return retry.RetryOnConflict(retry.DefaultRetry, func() error {
				err := ps[w].updateOnce(ctx, increment(w), true)
				if errors.Is(err, errPrecondition) {
					return apierrors.NewConflict(schema.GroupResource{Resource: "states"}, stateID, err)
				}
				return err
			})
		}, nil
	}
	return nil, nil, fmt.Errorf("unknown variant %q", variant)
}

// contentionStats are the medians of a variant's rounds at one number of
// writers, with lost and gave_up summed over the rounds.
type contentionStats struct {
	commitsPerS, requestsPerCommit, p50, p99, fairness float64
	lost, lostAll, doubled, gaveUp, calls, status412   int
	firstErr                                           error
}

func collect(rs []*writersResult) contentionStats {
	var s contentionStats
	var cps, rpc, p50, p99, fair, s412 []float64
	for _, r := range rs {
		cps = append(cps, r.commitsPerS())
		rpc = append(rpc, ratio(float64(r.requests), float64(r.ok())))
		p50 = append(p50, percentile(r.lat, 50))
		p99 = append(p99, percentile(r.lat, 99))
		fair = append(fair, r.fairness())
		s412 = append(s412, float64(r.counts.Status412))
		s.lost += r.lost()
		s.lostAll += r.lostAll
		s.doubled += r.doubled
		s.gaveUp += r.failed
		s.calls += r.ok() + r.failed
		if s.firstErr == nil {
			s.firstErr = r.firstErr
		}
	}
	s.commitsPerS, s.requestsPerCommit = median(cps), median(rpc)
	s.p50, s.p99, s.fairness = median(p50), median(p99), median(fair)
	s.status412 = int(median(s412))
	return s
}

// runContention: W writers, each with a client of its own, increment one
// document; the SDK, the client-go loop and last-write-wins, with the
// SDK's single writer as the reference.
func runContention(ctx context.Context, cfg config, log io.Writer) ([]*table, []*summary, error) {
	srv, err := startServer(ctx, cfg.latency)
	if err != nil {
		return nil, nil, err
	}
	defer srv.Close()
	body := counterDoc(newGenerator(cfg.seed))
	variants := []string{vSDK, vClientGo, vLWW}
	results := map[string][]*writersResult{}
	var single []*writersResult
	for round := range cfg.contentionRounds {
		stateID := fmt.Sprintf("c-single-%d", round)
		r, err := contentionRound(ctx, srv, body, vSDK, stateID, 1, cfg.singleIncrements)
		if err != nil {
			return nil, nil, err
		}
		single = append(single, r)
		for _, w := range cfg.writers {
			for _, v := range variants {
				stateID := fmt.Sprintf("c-%s-%d-%d", v, w, round)
				r, err := contentionRound(ctx, srv, body, v, stateID, w, cfg.increments[w])
				if err != nil {
					return nil, nil, err
				}
				k := fmt.Sprintf("%s/%d", v, w)
				results[k] = append(results[k], r)
				fmt.Fprintf(log, "  round %d/%d: %d writers, %s: %.0f commits/s, %d gave up\n", round+1, cfg.contentionRounds, w, v, r.commitsPerS(), r.failed)
			}
		}
	}
	one := collect(single)
	var tables []*table
	var sums []*summary
	for _, w := range cfg.writers {
		t := &table{
			title: fmt.Sprintf("contention: %d writers with a client each, %d increments each, one document, %s latency, medians of %d rounds (lost and gave up: totals)",
				w, cfg.increments[w], cfg.latency, cfg.contentionRounds),
			header: []string{"variant", "commits/s", "requests/commit", "412s", "p50 ms", "p99 ms", "fairness", "lost (own / shared)", "doubled", "gave up"},
		}
		if w == cfg.writers[0] {
			t.notes = append(t.notes, fmt.Sprintf("Single writer (SDK, %d increments): %s commits/s, p50 %s ms, p99 %s ms, %s requests/commit.",
				cfg.singleIncrements, num(one.commitsPerS), num(one.p50), num(one.p99), num(one.requestsPerCommit)))
		}
		st := map[string]contentionStats{}
		for _, v := range variants {
			s := collect(results[fmt.Sprintf("%s/%d", v, w)])
			st[v] = s
			gave := fmt.Sprintf("%d of %d", s.gaveUp, s.calls)
			t.add(variantNames[v], num(s.commitsPerS), num(s.requestsPerCommit), fmt.Sprint(s.status412), num(s.p50), num(s.p99), num(s.fairness),
				fmt.Sprintf("%d / %d", s.lost, s.lostAll), fmt.Sprint(s.doubled), gave)
			if s.firstErr != nil {
				t.notes = append(t.notes, fmt.Sprintf("%s, first error: %v", v, s.firstErr))
			}
		}
		tables = append(tables, t)
		s := st[vSDK]
		sums = append(sums, newSummary("contention").
			set("writers", w).
			set("commits_per_s", s.commitsPerS).
			set("requests_per_commit", s.requestsPerCommit).
			set("p50_ms", s.p50).
			set("p99_ms", s.p99).
			set("lost", s.lost).
			set("gave_up", s.gaveUp).
			set("fairness", s.fairness).
			set("efficiency", ratio(s.commitsPerS, one.commitsPerS)).
			set("single_commits_per_s", one.commitsPerS).
			set("single_p50_ms", one.p50).
			set("clientgo_commits_per_s", st[vClientGo].commitsPerS).
			set("clientgo_gave_up", st[vClientGo].gaveUp).
			set("lww_commits_per_s", st[vLWW].commitsPerS).
			set("lww_lost", st[vLWW].lost))
	}
	return tables, sums, nil
}

// contentionRound seeds the document stateID and runs one round of a
// variant on it.
func contentionRound(ctx context.Context, srv *server, body []byte, variant, stateID string, writers, increments int) (*writersResult, error) {
	if err := seedDocs(ctx, srv, body, []string{stateID}); err != nil {
		return nil, err
	}
	warm, op, err := variantOps(srv, variant, stateID, writers)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	return runWriters(ctx, srv, stateID, writers, increments, warm, op)
}

// sdkUpdate makes change through the SDK's Update.
func sdkUpdate(ctx context.Context, c *client.StateClient[Progress], key statedoc.Key, change func(*Progress)) error {
	_, err := c.Update(ctx, key, func(p Progress) (Progress, error) {
		change(&p)
		return p, nil
	})
	return err
}
