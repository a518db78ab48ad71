// Command torture runs many writer processes against the State server of
// examples/stateserver, with faults, and checks that no acknowledged
// update was lost, none was applied twice, and the counters' history is
// linearizable.
//
// Run it from this module:
//
//	cd internal/torture && go run . [flags]
//
// The flags:
//
//	-writers N          writer processes (default 8)
//	-duration D         how long they write (default 20s)
//	-faults MIX         the server's fault mix: "all" (the default), "none",
//	                    or the server's -faults syntax, "all" allowed among
//	                    the items (-faults all,weak-etag=0.01)
//	-seed N             seeds the server's faults and the writers' choices
//	-aid                every writer keeps the write log (Options.WriteLog
//	                    "/_writes")
//	-log-size N         Options.WriteLogSize (0: the SDK's default, 16)
//	-verify             Options.VerifyWrites (implies -aid)
//	-preconditions M    the server's mode: enforce, ignore, check-then-write
//	-check-timeout D    porcupine's time limit (default 30s); a timeout fails
//	-expect-loss        lost updates are expected (a racy server)
//	-pause D            each writer waits up to D, at random, before each
//	                    operation (default 20ms)
//	-server PATH        a built examples/stateserver (default: build it)
//	-out DIR            write history.jsonl (the operations), final.json
//	                    (the documents at the end), worker-N.log (each
//	                    worker's SDK debug log) and, when the history is
//	                    not linearizable, porcupine.html
//
// "All faults" is every fault of the server but those that make a lost
// update or a refusal unavoidable (-preconditions ignore and
// check-then-write, weak-etag, no-etag); see allFaults.
//
// The pause keeps the shared document at a few hundred writes a second and
// the machine short of saturation, so that the 16 ids of the default write
// log span the time from the version a write is based on to the read that
// follows a lost answer. Without it (or with 10ms), 8 writers on 2 cores
// hold the shared document at some 700 writes a second, a scheduling
// hiccup of 25 ms is 16 writes, and -aid sees a few undecidable outcomes a
// minute.
//
// The program builds and starts the test server, then starts -writers
// copies of itself as worker processes (the hidden first flag -worker N).
// Until the deadline each worker picks operations at random on one LRS:
// increments of its own counter (state document "own-N"), and on the
// shared document "shared": increments of the counter every worker
// increments (the non-idempotent hard case), additions of unique tokens to
// an array and removals of its own, resets of a mark to a unique value (an
// edit declared idempotent), and Saves (Get, both members of a pair set to
// a unique value, Save with the default merge). Every client allows 50
// attempts with a full-jitter backoff from 2 ms to 100 ms. Each worker
// prints one JSON line per operation: its kind, document, member and
// value, its start and end (Unix nanoseconds: every process runs on one
// machine), the values its attempts wrote, the requests it made (counted
// by an http.RoundTripper) and the outcome the SDK gave: ok, unknown
// (ErrOutcomeUnknown), undecidable (ErrUndecidable) or failed (any other
// error, such as ErrConflict: not applied).
//
// After the deadline the program reads the final documents and the
// server's fault counts (GET /_stateserver/faults), stops the server with
// SIGTERM and checks (Check):
//
//   - every counter: acknowledged ≤ final ≤ acknowledged + unknown +
//     undecidable; lost = acknowledged − final and doubled = final −
//     acknowledged − unknown − undecidable, when positive;
//   - the array: the token of every acknowledged addition is there unless
//     a removal that was acknowledged or of unknown outcome took it; a
//     token missing without one, or already missing when an acknowledged
//     removal read the document, is lost; a token twice, or whose addition
//     was reported failed, or that no operation added, is doubled;
//   - nothing that an acknowledged write removed or replaced comes back
//     from an earlier one: a token back after an acknowledged removal
//     (or after one that found it missing), a mark or pair holding the
//     value of an operation that ended before an acknowledged one
//     started. Each counts as lost, since the acknowledged removal or
//     reset no longer holds, and is shown as "reappeared" too. A pair
//     whose two members differ is lost (a Save half applied); a mark or
//     pair written by an operation reported failed, or by none, is
//     doubled;
//   - the counters' histories are linearizable, checked with porcupine
//     (see counterModel) within -check-timeout: a check that runs out of
//     time is a failure.
//
// Its last line is exactly
//
//	lost=N doubled=N unknown=N linearizable=true|false ops=N faults=N
//
// where unknown counts the operations that ended in ErrOutcomeUnknown and
// faults the faults the server injected. Before it come the operations by
// kind and outcome with requests per operation, the faults by kind, the
// counters, the violations (at most 8 of each class), the timing, PASS or
// FAIL with the reasons, and "undecidable=N" (write-log rollovers). It
// exits 1 when lost or doubled is not 0, the history is not linearizable,
// unknown plus undecidable exceeds the faults that lose an answer
// (CommitThenDrop, DropBefore and ServerError), or, with -aid, unknown is
// not 0 or (at the default log size) undecidable is not 0; and 2 when the
// run itself could not be made.
//
// -expect-loss is for the racy measurement: -preconditions
// check-then-write -faults none, with -aid and then -verify. There lost
// updates are expected, so lost > 0 and a history that is not
// linearizable do not fail the run; doubled still does.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ifmatch/ifmatch/client"
)

// allFaults is the mix -faults all stands for: every fault of the server
// except those that make a lost update or a refusal unavoidable (weak
// ETags, no ETags; the precondition modes are -preconditions). A 503 with
// Retry-After makes the client wait at least a second (Retry-After counts
// whole seconds); it then reads the document again and writes on the
// version it finds, so that a lost answer after the wait is decided by a
// write log that spans a few writes, not a second's worth. The pauses are
// short: 5 ms is a few writes of the shared document.
const allFaults = "commit-then-drop=0.03,drop-before=0.03,500=0.02,500-applied=0.02,502=0.02,503=0.02," +
	"503-retry=0.01:1,429=0.02,latency=0.05:5ms,conflict=0.03,no-write-etag=0.03"

// lostResponseKinds are the fault kinds after which the answer cannot tell
// whether a write was applied.
var lostResponseKinds = []string{"CommitThenDrop", "DropBefore", "ServerError"}

// config is what the flags say.
type config struct {
	writers       int
	duration      time.Duration
	faults        string
	seed          uint64
	aid           bool
	logSize       int
	verify        bool
	preconditions string
	checkTimeout  time.Duration
	expectLoss    bool
	pause         time.Duration
	server        string
	out           string
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-worker" {
		os.Exit(runWorker(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func parse(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("torture", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	fs.IntVar(&c.writers, "writers", 8, "writer processes")
	fs.DurationVar(&c.duration, "duration", 20*time.Second, "how long the writers run")
	fs.StringVar(&c.faults, "faults", "all", `the test server's fault mix: "all", "none", or its -faults syntax (kind=P,...), "all" among them`)
	fs.Uint64Var(&c.seed, "seed", 1, "seed of the server's faults and of the writers' operations")
	fs.BoolVar(&c.aid, "aid", false, "every writer keeps the write log (Options.WriteLog \"/_writes\")")
	fs.IntVar(&c.logSize, "log-size", 0, "Options.WriteLogSize (0: the SDK's default, 16)")
	fs.BoolVar(&c.verify, "verify", false, "Options.VerifyWrites (implies -aid), for the racy measurement")
	fs.StringVar(&c.preconditions, "preconditions", "enforce", "the test server's precondition mode: enforce, ignore or check-then-write")
	fs.DurationVar(&c.checkTimeout, "check-timeout", 30*time.Second, "time limit of the linearizability check (a timeout fails)")
	fs.BoolVar(&c.expectLoss, "expect-loss", false, "lost updates are expected (a racy server): lost > 0 and non-linearizable do not fail")
	fs.DurationVar(&c.pause, "pause", 20*time.Millisecond, "each writer pauses up to this long (uniformly at random) before each operation")
	fs.StringVar(&c.server, "server", "", "a built examples/stateserver binary (empty: build it)")
	fs.StringVar(&c.out, "out", "", "a directory for history.jsonl, final.json, the workers' SDK debug logs, and porcupine.html when the check fails")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if c.writers < 1 || c.duration <= 0 || c.checkTimeout <= 0 {
		return c, errors.New("-writers, -duration and -check-timeout must be positive")
	}
	switch c.preconditions {
	case "enforce", "ignore", "check-then-write":
	default:
		return c, fmt.Errorf("-preconditions %q: want enforce, ignore or check-then-write", c.preconditions)
	}
	if c.verify {
		c.aid = true
	}
	return c, nil
}

// faultMix is the value of the server's -faults flag ("" for none): -faults
// with "all" expanded and "none" dropped.
func (c config) faultMix() string {
	var parts []string
	for _, p := range strings.Split(c.faults, ",") {
		switch p = strings.TrimSpace(p); p {
		case "all":
			parts = append(parts, allFaults)
		case "none", "":
		default:
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ",")
}

// run is the parent: it starts the server and the workers, checks what
// they did and prints the report. It returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	cfg, err := parse(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "torture:", err)
		return 2
	}
	// The server's and the workers' stderr are copied here concurrently.
	stderr = &lockedWriter{w: stderr}
	res, err := torture(cfg, stdout, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "torture:", err)
		return 2
	}
	return res
}

// lockedWriter is a writer safe for concurrent use.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// runResult is what one run gathered.
type runResult struct {
	ops      []Op
	final    Final
	faults   map[string]int
	elapsed  time.Duration
	requests int
}

func torture(cfg config, stdout, stderr io.Writer) (int, error) {
	ctx := context.Background()
	bin := cfg.server
	if bin == "" {
		dir, err := os.MkdirTemp("", "torture-")
		if err != nil {
			return 0, err
		}
		defer os.RemoveAll(dir)
		if bin, err = buildServer(ctx, dir, stderr); err != nil {
			return 0, err
		}
	}
	if cfg.out != "" {
		if err := os.MkdirAll(cfg.out, 0o755); err != nil {
			return 0, err
		}
	}
	srvArgs := []string{"-addr", "127.0.0.1:0", "-quiet", "-seed", strconv.FormatUint(cfg.seed, 10), "-preconditions", cfg.preconditions}
	if mix := cfg.faultMix(); mix != "" {
		srvArgs = append(srvArgs, "-faults", mix)
	}
	srv, err := startServer(bin, srvArgs, stderr)
	if err != nil {
		return 0, err
	}
	defer srv.kill()

	fmt.Fprintf(stdout, "torture: %d writers for %s against %s\n", cfg.writers, cfg.duration, srv.url)
	fmt.Fprintf(stdout, "  server: -preconditions %s -seed %d -faults %q\n", cfg.preconditions, cfg.seed, cfg.faultMix())
	fmt.Fprintf(stdout, "  clients: aid=%s log-size=%s verify=%s seed=%d\n", onOff(cfg.aid), logSizeText(cfg.logSize), onOff(cfg.verify), cfg.seed)

	rr, err := runWorkers(ctx, cfg, srv.url, stderr)
	if err != nil {
		return 0, err
	}
	if rr.final, err = readFinal(ctx, srv.url, cfg.writers); err != nil {
		return 0, fmt.Errorf("reading the final documents: %w", err)
	}
	if rr.faults, err = srv.faultCounts(ctx); err != nil {
		return 0, fmt.Errorf("reading the fault counts: %w", err)
	}
	if err := srv.stop(); err != nil {
		fmt.Fprintln(stderr, "torture: stopping the test server:", err)
	}
	if cfg.out != "" {
		if err := writeHistory(cfg.out, rr.ops, rr.final); err != nil {
			return 0, err
		}
	}
	rep := Check(rr.ops, rr.final, cfg.checkTimeout)
	if cfg.out != "" && !rep.Linearizable {
		path := filepath.Join(cfg.out, "porcupine.html")
		if err := rep.Visualize(path); err != nil {
			fmt.Fprintln(stderr, "torture: visualization:", err)
		} else {
			fmt.Fprintln(stdout, "  porcupine's view of the history:", path)
		}
	}
	return report(stdout, cfg, rr, rep), nil
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func logSizeText(n int) string {
	if n <= 0 {
		return "16 (default)"
	}
	return strconv.Itoa(n)
}

// runWorkers starts the worker processes, collects their operations and
// waits for them to finish.
func runWorkers(ctx context.Context, cfg config, url string, stderr io.Writer) (runResult, error) {
	exe, err := executable()
	if err != nil {
		return runResult{}, err
	}
	var (
		mu   sync.Mutex
		rr   runResult
		wg   sync.WaitGroup
		errs = make([]error, cfg.writers)
		cmds = make([]*exec.Cmd, cfg.writers)
	)
	start := time.Now()
	until := start.Add(cfg.duration)
	for w := range cfg.writers {
		args := []string{"-worker", strconv.Itoa(w), "-url", url, "-until", strconv.FormatInt(until.UnixNano(), 10),
			"-seed", strconv.FormatUint(cfg.seed, 10), "-log-size", strconv.Itoa(cfg.logSize), "-pause", cfg.pause.String()}
		if cfg.aid {
			args = append(args, "-aid")
		}
		if cfg.verify {
			args = append(args, "-verify")
		}
		if cfg.out != "" {
			args = append(args, "-client-log", filepath.Join(cfg.out, fmt.Sprintf("worker-%d.log", w)))
		}
		cmd := exec.CommandContext(ctx, exe, args...)
		cmd.Stderr = stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			return rr, err
		}
		if err := cmd.Start(); err != nil {
			return rr, fmt.Errorf("starting worker %d: %w", w, err)
		}
		cmds[w] = cmd
		wg.Add(1)
		go func() {
			defer wg.Done()
			dec := json.NewDecoder(out)
			var ops []Op
			for {
				var op Op
				if err := dec.Decode(&op); err == io.EOF {
					break
				} else if err != nil {
					errs[w] = fmt.Errorf("worker %d: reading its operations: %w", w, err)
					_, _ = io.Copy(io.Discard, out)
					break
				}
				ops = append(ops, op)
			}
			if err := cmd.Wait(); err != nil && errs[w] == nil {
				errs[w] = fmt.Errorf("worker %d: %w", w, err)
			}
			mu.Lock()
			rr.ops = append(rr.ops, ops...)
			mu.Unlock()
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(cfg.duration + 2*time.Minute):
		for _, cmd := range cmds {
			_ = cmd.Process.Kill()
		}
		<-done
		return rr, errors.New("the workers did not finish within 2 minutes of the deadline")
	}
	rr.elapsed = time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return rr, err
	}
	sort.Slice(rr.ops, func(i, j int) bool { return rr.ops[i].Start < rr.ops[j].Start })
	for _, op := range rr.ops {
		rr.requests += op.Requests
	}
	return rr, nil
}

// readFinal reads the documents as the workers left them.
func readFinal(ctx context.Context, url string, writers int) (Final, error) {
	opts := &client.LRSOptions{Options: client.Options{TransportRetries: 10, TransportWaitMin: 5 * time.Millisecond}}
	shared, err := client.NewStateClient[sharedDoc](url, opts)
	if err != nil {
		return Final{}, err
	}
	own, err := client.NewStateClient[ownDoc](url, opts)
	if err != nil {
		return Final{}, err
	}
	d, err := shared.Get(ctx, stateKey(sharedID))
	if err != nil {
		return Final{}, err
	}
	f := Final{Own: map[int]int{}, Count: d.Value.Count, Tags: d.Value.Tags, Mark: d.Value.Mark, Left: d.Value.Left, Right: d.Value.Right}
	for w := range writers {
		o, err := own.Get(ctx, stateKey(ownKey(w)))
		if err != nil {
			return Final{}, err
		}
		f.Own[w] = o.Value.N
	}
	return f, nil
}

// writeHistory writes the operations, one JSON line each, to
// dir/history.jsonl, and the final documents to dir/final.json.
func writeHistory(dir string, ops []Op, final Final) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(final, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "final.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "history.jsonl"))
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	for i := range ops {
		if err := enc.Encode(&ops[i]); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// report prints the figures, the verdicts and the last line, and returns
// the exit status.
func report(w io.Writer, cfg config, rr runResult, rep *Report) int {
	type tally struct {
		n, reqs int
		by      map[string]int
	}
	byKind := map[string]*tally{}
	all := &tally{by: map[string]int{}}
	for _, op := range rr.ops {
		t := byKind[op.Kind]
		if t == nil {
			t = &tally{by: map[string]int{}}
			byKind[op.Kind] = t
		}
		for _, x := range []*tally{t, all} {
			x.n++
			x.reqs += op.Requests
			x.by[op.Outcome]++
		}
	}
	fmt.Fprintln(w, "ops by kind and outcome:")
	fmt.Fprintf(w, "  %-11s %7s %7s %8s %12s %7s %8s\n", "kind", "ops", "ok", "unknown", "undecidable", "failed", "reqs/op")
	line := func(name string, t *tally) {
		perOp := 0.0
		if t.n > 0 {
			perOp = float64(t.reqs) / float64(t.n)
		}
		fmt.Fprintf(w, "  %-11s %7d %7d %8d %12d %7d %8.2f\n", name, t.n, t.by[outcomeOK], t.by[outcomeUnknown], t.by[outcomeUndecidable], t.by[outcomeFailed], perOp)
	}
	for _, k := range kinds {
		if t := byKind[k]; t != nil {
			line(k, t)
		}
	}
	line("all", all)
	var failures []string
	for _, op := range rr.ops {
		if op.Outcome == outcomeFailed && len(failures) < 5 {
			failures = append(failures, op.String())
		}
	}
	for _, f := range failures {
		fmt.Fprintln(w, "  failed:", f)
	}

	lostResponse := 0
	for _, k := range lostResponseKinds {
		lostResponse += rr.faults[k]
	}
	var names []string
	for k := range rr.faults {
		if k != "total" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var parts []string
	for _, k := range names {
		parts = append(parts, fmt.Sprintf("%s=%d", k, rr.faults[k]))
	}
	if len(parts) == 0 {
		parts = append(parts, "none")
	}
	fmt.Fprintf(w, "faults by kind: %s\n", strings.Join(parts, " "))
	fmt.Fprintf(w, "  total %d; lost answers (CommitThenDrop + DropBefore + ServerError) %d\n", rr.faults["total"], lostResponse)

	fmt.Fprintln(w, "counters (acknowledged, unknown or undecidable, failed, final):")
	ownSum := CounterReport{Key: "own-* (sum)"}
	for _, c := range rep.Counters {
		if c.Key == sharedID {
			fmt.Fprintf(w, "  %-12s %6d %6d %6d %6d\n", c.Key, c.Acked, c.Unknown, c.Failed, c.Final)
			continue
		}
		ownSum.Acked += c.Acked
		ownSum.Unknown += c.Unknown
		ownSum.Failed += c.Failed
		ownSum.Final += c.Final
	}
	fmt.Fprintf(w, "  %-12s %6d %6d %6d %6d\n", ownSum.Key, ownSum.Acked, ownSum.Unknown, ownSum.Failed, ownSum.Final)
	fmt.Fprintf(w, "set: %d tokens in the array at the end; mark %q; pair %q/%q\n", len(rr.final.Tags), rr.final.Mark, rr.final.Left, rr.final.Right)
	fmt.Fprintf(w, "porcupine: %s for %d counters in %s (limit %s)\n", rep.Result, len(rep.Counters), rep.CheckTime.Round(time.Millisecond), cfg.checkTimeout)
	const maxShown = 8 // of each class
	shown := map[string]int{}
	for _, v := range rep.Violations {
		if shown[v.Class]++; shown[v.Class] <= maxShown {
			fmt.Fprintln(w, "  VIOLATION", v)
		}
	}
	for _, class := range []string{"lost", "reappeared", "doubled", "linearizability"} {
		if n := shown[class]; n > maxShown {
			fmt.Fprintf(w, "  ... and %d more %s violations\n", n-maxShown, class)
		}
	}
	if rep.Reappeared > 0 {
		fmt.Fprintf(w, "reappeared=%d (included in lost)\n", rep.Reappeared)
	}
	perSec := float64(len(rr.ops)) / rr.elapsed.Seconds()
	perOp := 0.0
	if len(rr.ops) > 0 {
		perOp = float64(rr.requests) / float64(len(rr.ops))
	}
	fmt.Fprintf(w, "timing: workers %s, %.0f ops/s, %d requests (%.2f per op), check %s\n",
		rr.elapsed.Round(time.Millisecond), perSec, rr.requests, perOp, rep.CheckTime.Round(time.Millisecond))

	var fail []string
	if rep.Lost != 0 && !cfg.expectLoss {
		fail = append(fail, "updates lost")
	}
	if rep.Doubled != 0 {
		fail = append(fail, "updates applied twice or despite a failure")
	}
	if !rep.Linearizable && !cfg.expectLoss {
		fail = append(fail, "history not linearizable")
	}
	if rep.Unknown+rep.Undecidable > lostResponse {
		fail = append(fail, fmt.Sprintf("%d unknown or undecidable outcomes for %d lost answers", rep.Unknown+rep.Undecidable, lostResponse))
	}
	if cfg.aid && rep.Unknown != 0 {
		fail = append(fail, "unknown outcomes with the write log on")
	}
	if cfg.aid && cfg.logSize <= 0 && rep.Undecidable != 0 {
		fail = append(fail, "write log rollovers at the default log size")
	}
	if len(fail) > 0 {
		fmt.Fprintln(w, "FAIL:", strings.Join(fail, "; "))
	} else {
		fmt.Fprintln(w, "PASS")
	}
	fmt.Fprintf(w, "undecidable=%d\n", rep.Undecidable)
	fmt.Fprintf(w, "lost=%d doubled=%d unknown=%d linearizable=%t ops=%d faults=%d\n",
		rep.Lost, rep.Doubled, rep.Unknown, rep.Linearizable, rep.Ops, rr.faults["total"])
	if len(fail) > 0 {
		return 1
	}
	return 0
}
