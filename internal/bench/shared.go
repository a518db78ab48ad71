package main

import (
	"context"
	"fmt"
	"io"
	"time"
)

// sharedRound seeds the document stateID and runs goroutines goroutines
// that share one SDK client, each making increments increments.
func sharedRound(ctx context.Context, srv *server, body []byte, stateID string, goroutines, increments int) (*writersResult, error) {
	if err := seedDocs(ctx, srv, body, []string{stateID}); err != nil {
		return nil, err
	}
	c, err := newSDKClient(srv.URL)
	if err != nil {
		return nil, err
	}
	key := docKey(stateID)
	warm := func(ctx context.Context, w int) error {
		if w > 0 {
			return nil
		}
		_, err := c.Get(ctx, key)
		return err
	}
	op := func(ctx context.Context, w int) error { return sdkUpdate(ctx, c, key, increment(w)) }
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	return runWriters(ctx, srv, stateID, goroutines, increments, warm, op)
}

func puts(r *writersResult) float64 { return float64(r.counts.Puts) }

// runShared: W goroutines share one SDK client, whose per-document pipeline
// queues and coalesces their edits; the single writer is the reference.
func runShared(ctx context.Context, cfg config, log io.Writer) ([]*table, []*summary, error) {
	srv, err := startServer(ctx, cfg.latency)
	if err != nil {
		return nil, nil, err
	}
	defer srv.Close()
	body := counterDoc(newGenerator(cfg.seed))
	var single []*writersResult
	results := map[int][]*writersResult{}
	for round := range cfg.sharedRounds {
		r, err := sharedRound(ctx, srv, body, fmt.Sprintf("s-single-%d", round), 1, cfg.singleIncrements)
		if err != nil {
			return nil, nil, err
		}
		single = append(single, r)
		for _, w := range cfg.sharedWriters {
			r, err := sharedRound(ctx, srv, body, fmt.Sprintf("s-%d-%d", w, round), w, cfg.sharedIncrements)
			if err != nil {
				return nil, nil, err
			}
			results[w] = append(results[w], r)
			fmt.Fprintf(log, "  round %d/%d: %d goroutines: %.0f edits/s, %d PUTs\n", round+1, cfg.sharedRounds, w, r.commitsPerS(), r.counts.Puts)
		}
	}
	one := collect(single)
	t := &table{
		title: fmt.Sprintf("shared: W goroutines sharing one SDK client, %d increments each, one document, %s latency, medians of %d rounds (412s, lost and gave up: totals)",
			cfg.sharedIncrements, cfg.latency, cfg.sharedRounds),
		header: []string{"goroutines", "edits/s", "× single writer", "PUTs", "GETs", "edits/write", "412s", "p50 ms", "p99 ms", "lost", "gave up"},
	}
	t.add("1 (single writer)", num(one.commitsPerS), "1", num(medianOf(single, puts)), num(medianOf(single, gets)), num(medianOf(single, editsPerWrite)),
		fmt.Sprint(sumOf(single, status412)), num(one.p50), num(one.p99), fmt.Sprint(one.lost), fmt.Sprint(one.gaveUp))
	var sums []*summary
	for _, w := range cfg.sharedWriters {
		rs := results[w]
		s := collect(rs)
		t.add(fmt.Sprint(w), num(s.commitsPerS), num(ratio(s.commitsPerS, one.commitsPerS)), num(medianOf(rs, puts)), num(medianOf(rs, gets)), num(medianOf(rs, editsPerWrite)),
			fmt.Sprint(sumOf(rs, status412)), num(s.p50), num(s.p99), fmt.Sprint(s.lost), fmt.Sprint(s.gaveUp))
		if s.firstErr != nil {
			t.notes = append(t.notes, fmt.Sprintf("%d goroutines, first error: %v", w, s.firstErr))
		}
		sums = append(sums, newSummary("shared").
			set("writers", w).
			set("edits_per_s", s.commitsPerS).
			set("writes", medianOf(rs, puts)).
			set("edits_per_write", medianOf(rs, editsPerWrite)).
			set("status_412", sumOf(rs, status412)).
			set("p99_ms", s.p99).
			set("lost", s.lost).
			set("gave_up", s.gaveUp).
			set("single_commits_per_s", one.commitsPerS).
			set("vs_single", ratio(s.commitsPerS, one.commitsPerS)))
	}
	return []*table{t}, sums, nil
}

func gets(r *writersResult) float64      { return float64(r.counts.Gets) }
func status412(r *writersResult) float64 { return float64(r.counts.Status412) }

func editsPerWrite(r *writersResult) float64 { return ratio(float64(r.ok()), float64(r.counts.Puts)) }

func medianOf(rs []*writersResult, f func(*writersResult) float64) float64 {
	var xs []float64
	for _, r := range rs {
		xs = append(xs, f(r))
	}
	return median(xs)
}

func sumOf(rs []*writersResult, f func(*writersResult) float64) int {
	n := 0.0
	for _, r := range rs {
		n += f(r)
	}
	return int(n)
}

// runBurst: edits issued at once to one document through one client.
func runBurst(ctx context.Context, cfg config, log io.Writer) ([]*table, []*summary, error) {
	srv, err := startServer(ctx, cfg.latency)
	if err != nil {
		return nil, nil, err
	}
	defer srv.Close()
	body := counterDoc(newGenerator(cfg.seed))
	var rs []*writersResult
	for round := range cfg.burstRounds {
		r, err := sharedRound(ctx, srv, body, fmt.Sprintf("b-%d", round), cfg.burstEdits, 1)
		if err != nil {
			return nil, nil, err
		}
		rs = append(rs, r)
		fmt.Fprintf(log, "  round %d/%d: %d PUTs, %d GETs, %d 412s, %.1f ms\n", round+1, cfg.burstRounds, r.counts.Puts, r.counts.Gets, r.counts.Status412, ms(r.wall))
	}
	s := collect(rs)
	wall := func(r *writersResult) float64 { return ms(r.wall) }
	t := &table{
		title:  fmt.Sprintf("burst: %d edits issued at once to one document through one client, %s latency, medians of %d rounds", cfg.burstEdits, cfg.latency, cfg.burstRounds),
		header: []string{"PUTs", "GETs", "412s", "wall ms", "p99 ms", "lost", "gave up"},
	}
	t.add(num(medianOf(rs, puts)), num(medianOf(rs, gets)), num(medianOf(rs, status412)), num(medianOf(rs, wall)), num(s.p99), fmt.Sprint(s.lost), fmt.Sprint(s.gaveUp))
	sum := newSummary("burst").
		set("edits", cfg.burstEdits).
		set("puts", medianOf(rs, puts)).
		set("gets", medianOf(rs, gets)).
		set("status_412", medianOf(rs, status412)).
		set("wall_ms", medianOf(rs, wall)).
		set("lost", s.lost).
		set("gave_up", s.gaveUp)
	return []*table{t}, []*summary{sum}, nil
}
