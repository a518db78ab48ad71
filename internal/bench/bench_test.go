package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	jsonpatch5 "github.com/evanphx/json-patch/v5"
)

// TestMain lets the test binary serve as the server process, which the
// program starts by re-executing itself.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == serveFlag {
		os.Exit(serve(os.Args[2:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// tinyConfig is the -quick run shrunk to a few seconds.
func tinyConfig() config {
	c := quickConfig()
	c.uncontendedOps, c.uncontendedRounds = 5, 2
	c.writers = []int{2, 4}
	c.increments = map[int]int{2: 2, 4: 2}
	c.singleIncrements = 3
	c.sharedWriters, c.sharedIncrements, c.sharedRounds = []int{3}, 2, 1
	c.burstEdits, c.burstRounds = 10, 1
	c.mergeSizes, c.mergeRounds, c.mergeMinTime = []int{1 << 10, 4 << 10}, 1, time.Millisecond
	return c
}

// The keys each scenario's summary lines must carry.
var summaryKeys = map[string][]string{
	"uncontended": {"overhead_ratio", "cpu_ratio", "allocs_ratio", "bytes_ratio"},
	"contention":  {"writers", "commits_per_s", "requests_per_commit", "p50_ms", "p99_ms", "lost", "gave_up", "fairness", "efficiency"},
	"shared":      {"writers", "edits_per_s", "writes", "edits_per_write", "status_412", "p99_ms", "lost"},
	"burst":       {"puts", "gets", "status_412", "wall_ms"},
	"merge":       {"size", "correct", "ns_per_merge", "bytes_per_input_byte", "speedup_vs_k8s", "decode_ratio"},
}

// parseSummaries returns the summary lines of the output as maps.
func parseSummaries(t *testing.T, out string) []map[string]string {
	t.Helper()
	var lines []map[string]string
	for _, l := range strings.Split(out, "\n") {
		if !strings.HasPrefix(l, "scenario=") {
			continue
		}
		m := map[string]string{}
		for _, f := range strings.Fields(l) {
			k, v, ok := strings.Cut(f, "=")
			if !ok || v == "" {
				t.Errorf("malformed pair %q in %q", f, l)
			}
			m[k] = v
		}
		lines = append(lines, m)
	}
	return lines
}

// TestPipeline runs every scenario with tiny sizes: tables, a summary line
// for each scenario with its keys, and nothing lost by the SDK.
func TestPipeline(t *testing.T) {
	var out bytes.Buffer
	cfg := tinyConfig()
	if err := runScenarios(context.Background(), cfg, allScenarios, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	t.Log(out.String())
	lines := parseSummaries(t, out.String())
	seen := map[string]int{}
	for _, l := range lines {
		sc := l["scenario"]
		seen[sc]++
		for _, k := range summaryKeys[sc] {
			if _, ok := l[k]; !ok {
				t.Errorf("scenario=%s: no %s", sc, k)
			}
		}
		if v, ok := l["lost"]; ok && v != "0" {
			t.Errorf("scenario=%s writers=%s: lost=%s", sc, l["writers"], v)
		}
		if sc == "merge" && l["correct"] != "true" {
			t.Errorf("scenario=merge size=%s: the SDK's merge is not the expected one", l["size"])
		}
	}
	want := map[string]int{"uncontended": 1, "contention": len(cfg.writers), "shared": len(cfg.sharedWriters), "burst": 1, "merge": len(cfg.mergeSizes)}
	if !reflect.DeepEqual(seen, want) {
		t.Errorf("summary lines per scenario = %v, want %v", seen, want)
	}
	for _, sc := range allScenarios {
		if !strings.Contains(out.String(), "### "+sc) {
			t.Errorf("no table for %s", sc)
		}
	}
}

// TestRunFlags runs the program as the command line does, on one scenario.
func TestRunFlags(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"-scenarios", "nosuch"}, &out, &errOut); code != 2 {
		t.Errorf("unknown scenario: exit %d, want 2", code)
	}
	dir := t.TempDir()
	args := []string{"-quick", "-scenarios", "burst", "-cpuprofile", dir + "/cpu", "-memprofile", dir + "/mem"}
	if code := run(args, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "scenario=burst ") {
		t.Errorf("no burst summary in %s", out.String())
	}
	for _, f := range []string{"cpu", "mem"} {
		if st, err := os.Stat(dir + "/" + f); err != nil || st.Size() == 0 {
			t.Errorf("profile %s not written: %v", f, err)
		}
	}
}

// TestCheckerFlagsWrongMerges: the expected merge passes, in any member
// order; a merge that loses either side's edit, or undoes it, fails.
func TestCheckerFlagsWrongMerges(t *testing.T) {
	for _, size := range []int{1 << 10, 20 << 10} {
		c := newGenerator(1).mergeCase(size)
		if !checkMerge(&c, c.Expected) {
			t.Fatal("the expected merge is flagged")
		}
		var doc map[string]any
		if err := json.Unmarshal(c.Expected, &doc); err != nil {
			t.Fatal(err)
		}
		reordered, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if !checkMerge(&c, reordered) {
			t.Error("the expected merge, indented, is flagged")
		}
		for name, wrong := range map[string][]byte{
			"ours":   c.Ours,
			"theirs": c.Theirs,
			"base":   c.Base,
		} {
			if checkMerge(&c, wrong) {
				t.Errorf("size %d: %s passed as the merge", size, name)
			}
		}
		// A two-way merge patch replaces arrays whole: theirs' edits to the
		// arrays both sides changed are undone.
		patch, err := jsonpatch5.CreateMergePatch(c.Base, c.Ours)
		if err != nil {
			t.Fatal(err)
		}
		out, err := jsonpatch5.MergePatch(c.Theirs, patch)
		if err != nil {
			t.Fatal(err)
		}
		if checkMerge(&c, out) {
			t.Errorf("size %d: a two-way merge patch passed", size)
		}
		// One element member changed.
		sections := doc["sections"].([]any)
		sections[len(sections)/2].(map[string]any)["title"] = "changed"
		if checkMerge(&c, mustJSON(doc)) {
			t.Errorf("size %d: a changed element passed", size)
		}
		if checkMerge(&c, []byte("{")) {
			t.Error("invalid JSON passed")
		}
	}
}

// TestGenerator: the same seed gives the same documents; about 30% of the
// members are foreign to Progress; the edits of a merge case touch fields,
// foreign members and arrays on both sides.
func TestGenerator(t *testing.T) {
	a, b := newGenerator(7).mergeCase(10<<10), newGenerator(7).mergeCase(10<<10)
	if !reflect.DeepEqual(a, b) {
		t.Error("one seed gave two cases")
	}
	for _, size := range []int{1 << 10, 100 << 10} {
		doc := newGenerator(7).document(size)
		n := len(mustJSON(doc))
		if n < size || n > size+size/5+400 {
			t.Errorf("document(%d) has %d bytes", size, n)
		}
		if f := foreignShare(doc); f < 0.25 || f > 0.4 {
			t.Errorf("document(%d): %.2f of the members are foreign, want about 0.3", size, f)
		}
	}
	var base, ours, theirs map[string]any
	for in, v := range map[*[]byte]*map[string]any{&a.Base: &base, &a.Ours: &ours, &a.Theirs: &theirs} {
		if err := json.Unmarshal(*in, v); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range []string{"sections", "answers", "bookmarks"} {
		if reflect.DeepEqual(base[m], ours[m]) || reflect.DeepEqual(base[m], theirs[m]) {
			t.Errorf("%s: not changed on both sides", m)
		}
	}
	if reflect.DeepEqual(base["learner"], theirs["learner"]) || reflect.DeepEqual(base["interactions"], ours["interactions"]) {
		t.Error("foreign members not edited")
	}
}

// TestDeclaredMembers: declaredMembers names exactly the JSON members of
// Progress and its element types.
func TestDeclaredMembers(t *testing.T) {
	tags := func(v any) []string {
		var out []string
		rt := reflect.TypeOf(v)
		for i := range rt.NumField() {
			name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
			out = append(out, name)
		}
		slices.Sort(out)
		return out
	}
	for kind, v := range map[string]any{"root": Progress{}, "score": Score{}, "section": Section{}, "answer": Answer{}} {
		want := slices.Sorted(slices.Values(declaredMembers[kind]))
		if got := tags(v); !slices.Equal(got, want) {
			t.Errorf("%s: declared %v, type has %v", kind, want, got)
		}
	}
}

func TestStats(t *testing.T) {
	if m := median([]float64{3, 1, 2}); m != 2 {
		t.Errorf("median = %v", m)
	}
	if m := median([]float64{4, 1, 2, 3}); m != 2.5 {
		t.Errorf("median = %v", m)
	}
	xs := make([]float64, 100)
	for i := range xs {
		xs[i] = float64(100 - i)
	}
	if p := percentile(xs, 99); p != 99 {
		t.Errorf("p99 = %v", p)
	}
	if p := percentile(xs, 50); p != 50 {
		t.Errorf("p50 = %v", p)
	}
	for x, want := range map[float64]string{0: "0", 2: "2", 1.234: "1.23", 12.34: "12.3", 1234.4: "1234", 0.01234: "0.012"} {
		if got := num(x); got != want {
			t.Errorf("num(%v) = %q, want %q", x, got, want)
		}
	}
}
