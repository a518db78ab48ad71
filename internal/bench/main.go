// Command bench measures the SDK against what its users would otherwise
// write: a hand-written net/http GET + PUT If-Match loop, a client-go style
// RetryOnConflict loop, writes without precondition (last write wins), and
// for merges Kubernetes' three-way JSON merge patch and RFC 7386 merge
// patches.
//
//	cd internal/bench && go run . [-quick] [-latency 1ms] [-scenarios uncontended,contention,shared,burst,merge] [-cpuprofile f] [-memprofile f]
//
// The test LRS (statedoc/statedoctest) runs in a process of its own, this
// program re-executed, so that the CPU time and allocations measured are
// the client's alone; -latency pauses each request to it, outside its lock,
// in the contention, shared and burst scenarios. Variants are interleaved
// round by round and reported as medians of the rounds. The output is a
// markdown table per scenario, then one summary line per scenario (per
// number of writers, per document size) that starts with scenario=NAME
// and goes on with key=value pairs. README.md says what each key means.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"
)

// config sizes a run.
type config struct {
	latency time.Duration
	seed    uint64

	uncontendedOps    int // updates per variant per round
	uncontendedRounds int

	writers          []int       // contention: writers with a client each
	increments       map[int]int // contention: increments per writer, by writers
	singleIncrements int         // contention: increments of the single writer
	contentionRounds int

	sharedWriters    []int // goroutines sharing one client
	sharedIncrements int   // per goroutine
	sharedRounds     int

	burstEdits  int
	burstRounds int

	mergeSizes   []int
	mergeRounds  int
	mergeMinTime time.Duration // per variant per round
}

func fullConfig() config {
	return config{
		latency:           time.Millisecond,
		seed:              10,
		uncontendedOps:    200,
		uncontendedRounds: 15,
		writers:           []int{8, 32, 128},
		increments:        map[int]int{8: 20, 32: 20, 128: 8},
		singleIncrements:  100,
		contentionRounds:  5,
		sharedWriters:     []int{8, 32},
		sharedIncrements:  20,
		sharedRounds:      5,
		burstEdits:        100,
		burstRounds:       7,
		mergeSizes:        []int{1 << 10, 100 << 10, 1 << 20},
		mergeRounds:       7,
		mergeMinTime:      150 * time.Millisecond,
	}
}

func quickConfig() config {
	c := fullConfig()
	c.uncontendedOps = 100
	c.uncontendedRounds = 5
	c.increments = map[int]int{8: 10, 32: 5, 128: 2}
	c.singleIncrements = 40
	c.contentionRounds = 1
	c.sharedIncrements = 10
	c.sharedRounds = 3
	c.burstRounds = 3
	c.mergeRounds = 3
	c.mergeMinTime = 40 * time.Millisecond
	return c
}

var allScenarios = []string{"uncontended", "contention", "shared", "burst", "merge"}

// scenarioFunc runs one scenario: its tables and summary lines.
type scenarioFunc func(ctx context.Context, cfg config, log io.Writer) ([]*table, []*summary, error)

var scenarioFuncs = map[string]scenarioFunc{
	"uncontended": runUncontended,
	"contention":  runContention,
	"shared":      runShared,
	"burst":       runBurst,
	"merge":       runMerge,
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == serveFlag {
		os.Exit(serve(os.Args[2:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run runs the program with args, the tables and summary lines to stdout,
// progress to stderr.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	quick := fs.Bool("quick", false, "a short run (under a minute): fewer rounds and operations")
	latency := fs.Duration("latency", time.Millisecond, "pause before the server takes each request in (contention, shared, burst)")
	scenarios := fs.String("scenarios", strings.Join(allScenarios, ","), "comma-separated scenarios to run")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the client side to this file")
	memprofile := fs.String("memprofile", "", "write an allocation profile of the client side to this file")
	seed := fs.Uint64("seed", 10, "seed of the document generator")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg := fullConfig()
	if *quick {
		cfg = quickConfig()
	}
	cfg.latency = *latency
	cfg.seed = *seed
	var names []string
	for _, n := range strings.Split(*scenarios, ",") {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if _, ok := scenarioFuncs[n]; !ok {
			fmt.Fprintf(stderr, "bench: unknown scenario %q (known: %s)\n", n, strings.Join(allScenarios, ", "))
			return 2
		}
		names = append(names, n)
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(stderr, "bench:", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(stderr, "bench:", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	if *memprofile != "" {
		runtime.MemProfileRate = 64 << 10
	}
	err := runScenarios(context.Background(), cfg, names, stdout, stderr)
	if *memprofile != "" {
		if werr := writeHeapProfile(*memprofile); werr != nil && err == nil {
			err = werr
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	return 0
}

func writeHeapProfile(name string) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	defer f.Close()
	return pprof.Lookup("allocs").WriteTo(f, 0)
}

// runScenarios runs the named scenarios in the order of allScenarios and
// writes their tables, then all summary lines.
func runScenarios(ctx context.Context, cfg config, names []string, stdout, stderr io.Writer) error {
	start := time.Now()
	fmt.Fprintf(stdout, "## ifmatch benchmark: %s, GOMAXPROCS=%d, %d CPUs, latency %s, seed %d\n\n",
		runtime.Version(), runtime.GOMAXPROCS(0), runtime.NumCPU(), cfg.latency, cfg.seed)
	var sums []*summary
	for _, name := range allScenarios {
		if !slices.Contains(names, name) {
			continue
		}
		t0 := time.Now()
		fmt.Fprintf(stderr, "bench: %s...\n", name)
		tables, s, err := scenarioFuncs[name](ctx, cfg, stderr)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		fmt.Fprintf(stderr, "bench: %s done in %s\n", name, time.Since(t0).Round(time.Millisecond))
		for _, t := range tables {
			t.write(stdout)
		}
		sums = append(sums, s...)
	}
	fmt.Fprintln(stdout, "```")
	for _, s := range sums {
		fmt.Fprintln(stdout, s)
	}
	fmt.Fprintln(stdout, "```")
	fmt.Fprintf(stdout, "\nwall time: %s\n", time.Since(start).Round(100*time.Millisecond))
	return nil
}
