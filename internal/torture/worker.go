package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"sync/atomic"
	"time"

	"github.com/ifmatch/ifmatch/client"
	"github.com/ifmatch/ifmatch/statedoc"
)

// sharedDoc is the document every worker changes: a counter, a set of
// tokens, a mark that resets set, and a pair that Saves set.
type sharedDoc struct {
	Count int      `json:"count"`
	Tags  []string `json:"tags,omitempty"`
	Mark  string   `json:"mark,omitempty"`
	Left  string   `json:"left,omitempty"`
	Right string   `json:"right,omitempty"`
}

// ownDoc is the document only one worker changes.
type ownDoc struct {
	N int `json:"n"`
}

// The documents' activity and agent.
const (
	activityID = "https://example.com/torture"
	mbox       = "mailto:torture@example.com"
	sharedID   = "shared"
	writeLog   = "/_writes"
)

func stateKey(stateID string) statedoc.Key {
	return statedoc.Key{ActivityID: activityID, Agent: statedoc.Agent{Mbox: mbox}, StateID: stateID}
}

// ownKey is the stateId of worker w's own document.
func ownKey(w int) string { return fmt.Sprintf("own-%d", w) }

// workerConfig is what a worker process is told by its flags.
type workerConfig struct {
	id      int
	url     string
	until   time.Time
	seed    uint64
	aid     bool
	logSize int
	verify  bool
	pause   time.Duration
	logPath string
}

// countingTransport counts the requests sent through it.
type countingTransport struct {
	base http.RoundTripper
	n    atomic.Int64
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.n.Add(1)
	return t.base.RoundTrip(r)
}

// clientOptions are the options of every worker's clients: attempts and
// transport retries generous enough that faults and contention leave no
// write failed, short waits between them.
func clientOptions(cfg workerConfig, hc *http.Client) client.Options {
	o := client.Options{
		HTTPClient:       hc,
		MaxAttempts:      50,
		ConflictBackoff:  client.FullJitter(2*time.Millisecond, 100*time.Millisecond),
		TransportRetries: 10,
		TransportWaitMin: 5 * time.Millisecond,
		TransportWaitMax: 3 * time.Second,
	}
	if cfg.aid || cfg.verify {
		o.WriteLog, o.WriteLogSize, o.VerifyWrites = writeLog, cfg.logSize, cfg.verify
	}
	return o
}

// worker is one writer process's state.
type worker struct {
	cfg    workerConfig
	rng    *rand.Rand
	reqs   *countingTransport
	shared *client.StateClient[sharedDoc]
	resets *client.StateClient[sharedDoc] // IdempotentEdits: a reset sets a value
	own    *client.StateClient[ownDoc]
	live   []string     // tokens this worker added (acknowledged or maybe), not yet removed
	log    *slog.Logger // the SDK's debug log, nil without -client-log
	seq    int
}

func parseWorker(args []string, stderr io.Writer) (workerConfig, error) {
	fs := flag.NewFlagSet("torture worker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg workerConfig
	var until int64
	fs.IntVar(&cfg.id, "worker", 0, "this worker's number")
	fs.StringVar(&cfg.url, "url", "", "the LRS endpoint")
	fs.Int64Var(&until, "until", 0, "Unix nanoseconds after which no operation starts")
	fs.Uint64Var(&cfg.seed, "seed", 1, "seed of the operation mix")
	fs.BoolVar(&cfg.aid, "aid", false, "keep a write log")
	fs.IntVar(&cfg.logSize, "log-size", 0, "write log size")
	fs.BoolVar(&cfg.verify, "verify", false, "verify writes")
	fs.DurationVar(&cfg.pause, "pause", 0, "longest pause between two operations")
	fs.StringVar(&cfg.logPath, "client-log", "", "a file for the SDK's debug log")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if cfg.url == "" || until == 0 {
		return cfg, fmt.Errorf("a worker needs -url and -until")
	}
	cfg.until = time.Unix(0, until)
	return cfg, nil
}

// runWorker runs one writer process: operations until the deadline, one
// JSON line each on stdout.
func runWorker(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseWorker(args, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "torture worker:", err)
		return 2
	}
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.MaxIdleConnsPerHost = 8
	reqs := &countingTransport{base: base}
	hc := &http.Client{Transport: reqs}
	w := &worker{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.seed, uint64(cfg.id))), reqs: reqs}
	opts := clientOptions(cfg, hc)
	if cfg.logPath != "" {
		f, err := os.Create(cfg.logPath)
		if err != nil {
			fmt.Fprintln(stderr, "torture worker:", err)
			return 2
		}
		defer f.Close()
		w.log = slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelDebug}))
		opts.Logger = w.log
	}
	if w.shared, err = client.NewStateClient[sharedDoc](cfg.url, &client.LRSOptions{Options: opts}); err == nil {
		ro := opts
		ro.IdempotentEdits = true
		if w.resets, err = client.NewStateClient[sharedDoc](cfg.url, &client.LRSOptions{Options: ro}); err == nil {
			w.own, err = client.NewStateClient[ownDoc](cfg.url, &client.LRSOptions{Options: opts})
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "torture worker:", err)
		return 2
	}
	out := bufio.NewWriter(stdout)
	enc := json.NewEncoder(out)
	for time.Now().Before(cfg.until) {
		if cfg.pause > 0 {
			time.Sleep(time.Duration(w.rng.Int64N(int64(cfg.pause) + 1)))
		}
		op := w.step()
		if err := enc.Encode(op); err != nil {
			fmt.Fprintln(stderr, "torture worker:", err)
			return 2
		}
		if err := out.Flush(); err != nil {
			fmt.Fprintln(stderr, "torture worker:", err)
			return 2
		}
	}
	return 0
}

// step picks an operation, runs it and returns its record.
func (w *worker) step() Op {
	w.seq++
	op := Op{Worker: w.cfg.id, Seq: w.seq}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	before := w.reqs.n.Load()
	op.Start = time.Now().UnixNano()
	if w.log != nil {
		w.log.Debug("torture: operation begins", "w", op.Worker, "seq", op.Seq)
		defer func() {
			w.log.Debug("torture: operation ends", "w", op.Worker, "seq", op.Seq, "op", op.Kind, "value", op.Value, "outcome", op.Outcome)
		}()
	}
	var (
		attempts  int
		unchanged bool
		err       error
	)
	switch p := w.rng.IntN(100); {
	case p < 20:
		op.Kind, op.Key, op.Field = kindIncOwn, ownKey(w.cfg.id), "n"
		var res client.Result[ownDoc]
		res, err = w.own.Update(ctx, stateKey(op.Key), func(d ownDoc) (ownDoc, error) {
			d.N++
			op.Cands = append(op.Cands, d.N)
			return d, nil
		})
		attempts, unchanged = res.Attempts, err == nil && res.Outcome == client.Unchanged
	case p < 45:
		op.Kind, op.Key, op.Field = kindIncShared, sharedID, "count"
		attempts, unchanged, err = w.update(ctx, w.shared, func(d sharedDoc) sharedDoc {
			d.Count++
			op.Cands = append(op.Cands, d.Count)
			return d
		})
	case p < 70 && (len(w.live) == 0 || (len(w.live) < 8 && p < 58)):
		// Additions and removals in equal parts, fewer than 8 tokens
		// of each worker in the array.
		op.Kind, op.Key, op.Field = kindAdd, sharedID, "tags"
		op.Value = fmt.Sprintf("t%d-%d", w.cfg.id, w.seq)
		attempts, unchanged, err = w.update(ctx, w.shared, func(d sharedDoc) sharedDoc {
			// Appended without looking: an addition applied twice shows.
			d.Tags = append(slices.Clone(d.Tags), op.Value)
			return d
		})
		if o := classify(err); o == outcomeOK || mayApply(o) {
			w.live = append(w.live, op.Value)
		}
	case p < 70:
		op.Kind, op.Key, op.Field = kindRemove, sharedID, "tags"
		i := w.rng.IntN(len(w.live))
		op.Value = w.live[i]
		attempts, unchanged, err = w.update(ctx, w.shared, func(d sharedDoc) sharedDoc {
			d.Tags = slices.DeleteFunc(slices.Clone(d.Tags), func(t string) bool { return t == op.Value })
			return d
		})
		if err == nil {
			// Removed; after an unknown outcome or a failure it is
			// removed again later.
			w.live = slices.Delete(w.live, i, i+1)
		}
	case p < 82:
		op.Kind, op.Key, op.Field = kindReset, sharedID, "mark"
		op.Value = fmt.Sprintf("m%d-%d", w.cfg.id, w.seq)
		attempts, unchanged, err = w.update(ctx, w.resets, func(d sharedDoc) sharedDoc {
			d.Mark = op.Value
			return d
		})
	default:
		op.Kind, op.Key, op.Field = kindSave, sharedID, "left,right"
		op.Value = fmt.Sprintf("s%d-%d", w.cfg.id, w.seq)
		var base client.Doc[sharedDoc]
		base, err = w.shared.Get(ctx, stateKey(sharedID))
		if err == nil {
			ours := base.Value
			ours.Tags = slices.Clone(ours.Tags)
			ours.Left, ours.Right = op.Value, op.Value
			var res client.Result[sharedDoc]
			res, err = w.shared.Save(ctx, stateKey(sharedID), base, ours, nil)
			attempts, unchanged = res.Attempts, err == nil && res.Outcome == client.Unchanged
		}
	}
	op.End = time.Now().UnixNano()
	op.Requests = int(w.reqs.n.Load() - before)
	op.Outcome, op.Unchanged = classify(err), unchanged
	if len(op.Cands) > 0 {
		op.Wrote = op.Cands[len(op.Cands)-1]
	}
	if err != nil {
		op.Err = err.Error()
		var we *client.WriteError
		if errors.As(err, &we) {
			attempts = we.Attempts
		}
	}
	op.Attempts = attempts
	return op
}

// update runs an Update of the shared document.
func (w *worker) update(ctx context.Context, c *client.StateClient[sharedDoc], edit func(sharedDoc) sharedDoc) (int, bool, error) {
	res, err := c.Update(ctx, stateKey(sharedID), func(d sharedDoc) (sharedDoc, error) { return edit(d), nil })
	return res.Attempts, err == nil && res.Outcome == client.Unchanged, err
}
