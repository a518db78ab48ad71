package merge

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"testing"
	"time"
)

// learnerDocs generates base, ours and theirs versions of a learner-state
// document of about size bytes each, from a fixed seed: course progress,
// bookmarks, an array of answers and an array of notes whose objects carry
// an "id", a list of visited pages, settings, and about 30% of members that
// a typed view would not declare ("lms*" and "ext*" members, inside array
// elements too). Ours and theirs edit disjoint parts concurrently: fields
// at the top and in settings, answers by id (ours scores some, theirs
// retries others, each side removes and adds a few), notes (ours appends,
// theirs edits), and the visited pages (both append different pages).
func learnerDocs(size int) (base, ours, theirs []byte) {
	gen := func(n int) (base, ours, theirs []byte) {
		rng := rand.New(rand.NewPCG(uint64(size), 10))
		word := func() string {
			words := [...]string{"river", "valley", "glacier", "fjord", "delta", "basin", "ridge", "slope",
				"erosion", "sediment", "current", "estuary", "plateau", "canyon", "moraine", "meander"}
			return words[rng.IntN(len(words))]
		}
		sentence := func(w int) string {
			s := word()
			for range w - 1 {
				s += " " + word()
			}
			return s + "."
		}
		type obj = map[string]any
		answers := make([]any, 0, n)
		for i := range n {
			a := obj{
				"id":       fmt.Sprintf("q%05d", i),
				"response": sentence(2 + rng.IntN(4)),
				"correct":  rng.IntN(2) == 0,
				"attempts": 1 + rng.IntN(3),
				"score":    json.Number(fmt.Sprintf("%d.%d", rng.IntN(10), rng.IntN(10))),
				"choices":  []any{word(), word(), word()},
			}
			if i%3 == 0 {
				a["lmsTrace"] = obj{"session": fmt.Sprintf("s-%08x", rng.Uint32()), "ms": rng.IntN(90000)}
			}
			if i%2 == 1 {
				a["extHint"] = sentence(3)
			} else {
				a["extLatency"] = rng.IntN(5000)
			}
			a["lmsItem"] = fmt.Sprintf("item-%d-%d", i/10, i%10)
			answers = append(answers, a)
		}
		notes := make([]any, 0, n/4+1)
		for i := range n/4 + 1 {
			notes = append(notes, obj{
				"id":        fmt.Sprintf("n%04d", i),
				"page":      rng.IntN(400),
				"text":      sentence(6 + rng.IntN(8)),
				"extTags":   []any{word(), word()},
				"lmsAnchor": fmt.Sprintf("#p%d", rng.IntN(400)),
			})
		}
		visited := make([]any, 0, n/2+1)
		for i := range n/2 + 1 {
			visited = append(visited, i*3+rng.IntN(3))
		}
		doc := obj{
			"version":   3,
			"learner":   obj{"name": "Ada Lovelace", "mbox": "mailto:ada@example.com"},
			"progress":  obj{"page": 12, "percent": json.Number("41.5"), "completed": false, "lmsSuspend": "c2VjdGlvbjEy"},
			"bookmarks": []any{"p3", "p9", "p12"},
			"answers":   answers,
			"notes":     notes,
			"visited":   visited,
			"settings":  obj{"audio": true, "speed": json.Number("1.25"), "captions": "en", "extTheme": "dark"},
			"lmsData":   obj{"launch": "https://lms.example.com/launch/77", "entitlement": "course-1"},
			"extAnalytics": obj{
				"events": n, "firstSeen": "2024-02-01T10:00:00Z", "device": obj{"os": "linux", "w": 1280, "h": 800},
			},
		}
		enc := func(v any) []byte {
			out, err := json.Marshal(v)
			if err != nil {
				panic(err)
			}
			return out
		}
		base = enc(doc)
		// A deep copy each side edits.
		clone := func() obj {
			var c obj
			dec := json.NewDecoder(bytes.NewReader(base))
			dec.UseNumber()
			if err := dec.Decode(&c); err != nil {
				panic(err)
			}
			return c
		}
		o, t := clone(), clone()
		// Fields.
		o["progress"].(obj)["page"] = 13
		o["progress"].(obj)["percent"] = json.Number("43.0")
		t["settings"].(obj)["captions"] = "fr"
		t["extAnalytics"].(obj)["events"] = n + 7
		o["bookmarks"] = append(o["bookmarks"].([]any), "p13")
		// Answers, by id: ours scores every 7th, theirs retries every 11th
		// (skipping ours'), each removes a few and adds new ones.
		oa, ta := o["answers"].([]any), t["answers"].([]any)
		for i := range oa {
			switch {
			case i%7 == 0:
				oa[i].(obj)["score"] = json.Number("10.0")
				oa[i].(obj)["correct"] = true
			case i%11 == 0:
				ta[i].(obj)["attempts"] = 4
				ta[i].(obj)["response"] = sentence(3)
			case i%13 == 5:
				if x, ok := ta[i].(obj)["lmsTrace"].(obj); ok {
					x["ms"] = 1
				}
			}
		}
		// Each side removes answers the other left alone.
		var ok2, tk []any
		for i := range oa {
			if !(i%89 == 2 && i%11 != 0 && i%13 != 5) {
				ok2 = append(ok2, oa[i])
			}
			if !(i%97 == 3 && i%7 != 0) {
				tk = append(tk, ta[i])
			}
		}
		oa, ta = ok2, tk
		for i := range max(1, n/50) {
			oa = append(oa, obj{"id": fmt.Sprintf("o%04d", i), "response": sentence(3), "attempts": 1})
			ta = append(ta, obj{"id": fmt.Sprintf("t%04d", i), "response": sentence(2), "attempts": 1, "extHint": "x"})
		}
		o["answers"], t["answers"] = oa, ta
		// Notes: ours appends, theirs edits some texts.
		tn := t["notes"].([]any)
		for i := 0; i < len(tn); i += 5 {
			tn[i].(obj)["text"] = sentence(5)
		}
		o["notes"] = append(o["notes"].([]any), obj{"id": "new-note", "page": 13, "text": sentence(6)})
		// Visited pages: both append.
		o["visited"] = append(o["visited"].([]any), 9001, 9002)
		t["visited"] = append(t["visited"].([]any), 9100)
		return base, enc(o), enc(t)
	}
	// Size the answer count from a sample, then adjust it to the target.
	n := 20
	for range 8 {
		base, ours, theirs = gen(n)
		if len(base) >= size-size/20 && len(base) <= size+size/20 {
			break
		}
		n = max(1, n*size/len(base))
	}
	return base, ours, theirs
}

var learnerSizes = []struct {
	name string
	size int
}{
	{"1KB", 1 << 10},
	{"100KB", 100 << 10},
	{"1MB", 1 << 20},
}

func decodeThree(base, ours, theirs []byte) error {
	for _, in := range [][]byte{base, ours, theirs} {
		var v any
		if err := json.Unmarshal(in, &v); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkLearner times, for each size, the three-way merge of learner
// state with the default options and, beside it, encoding/json decoding
// the same three inputs into any. Throughput counts the three inputs;
// B/in-byte is the bytes allocated per byte of input.
func BenchmarkLearner(b *testing.B) {
	for _, sz := range learnerSizes {
		base, ours, theirs := learnerDocs(sz.size)
		in := len(base) + len(ours) + len(theirs)
		run := func(name string, f func() error) {
			b.Run(sz.name+"/"+name, func(b *testing.B) {
				b.SetBytes(int64(in))
				b.ReportAllocs()
				var ms0, ms1 runtime.MemStats
				runtime.ReadMemStats(&ms0)
				for b.Loop() {
					if err := f(); err != nil {
						b.Fatal(err)
					}
				}
				runtime.ReadMemStats(&ms1)
				b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/float64(b.N)/float64(in), "B/in-byte")
			})
		}
		run("merge", func() error {
			_, rep, err := JSON(base, ours, theirs, nil)
			if err == nil && len(rep.Conflicts()) > 0 {
				err = fmt.Errorf("unexpected conflicts: %v", rep.Conflicts()[0].Path)
			}
			return err
		})
		run("decode", func() error { return decodeThree(base, ours, theirs) })
	}
}

// BenchmarkLearnerRatio alternates the merge and encoding/json decoding
// the three inputs into any, round by round, at every size, and reports
// medians: the merge's time at each size, decode-ratio (merge time ÷
// decode time) and growth (time at 1 MB ÷ time at 100 KB).
func BenchmarkLearnerRatio(b *testing.B) {
	type docs struct{ base, ours, theirs []byte }
	all := make([]docs, len(learnerSizes))
	for i, sz := range learnerSizes {
		all[i].base, all[i].ours, all[i].theirs = learnerDocs(sz.size)
	}
	median := func(d []time.Duration) float64 {
		d = slices.Clone(d)
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		return float64(d[len(d)/2])
	}
	mergeT := make([][]time.Duration, len(all))
	decT := make([][]time.Duration, len(all))
	for b.Loop() {
		for i, d := range all {
			reps := max(1, (1<<20)/len(d.base)/4)
			t0 := time.Now()
			for range reps {
				if _, _, err := JSON(d.base, d.ours, d.theirs, nil); err != nil {
					b.Fatal(err)
				}
			}
			t1 := time.Now()
			for range reps {
				if err := decodeThree(d.base, d.ours, d.theirs); err != nil {
					b.Fatal(err)
				}
			}
			t2 := time.Now()
			mergeT[i] = append(mergeT[i], t1.Sub(t0)/time.Duration(reps))
			decT[i] = append(decT[i], t2.Sub(t1)/time.Duration(reps))
		}
	}
	for i, sz := range learnerSizes {
		b.ReportMetric(median(mergeT[i]), sz.name+"-merge-ns")
		b.ReportMetric(median(mergeT[i])/median(decT[i]), sz.name+"-decode-ratio")
	}
	b.ReportMetric(median(mergeT[2])/median(mergeT[1]), "growth")
}

// TestLearnerDocsMerge checks that the benchmark's documents merge without
// conflicts into a document holding both sides' edits.
func TestLearnerDocsMerge(t *testing.T) {
	for _, sz := range learnerSizes[:2] {
		base, ours, theirs := learnerDocs(sz.size)
		out, rep, err := JSON(base, ours, theirs, &Options{Policy: Fail})
		if err != nil {
			t.Fatalf("%s: %v", sz.name, err)
		}
		if len(rep.Decisions) == 0 {
			t.Fatalf("%s: no decisions", sz.name)
		}
		var doc map[string]any
		if err := json.Unmarshal(out, &doc); err != nil {
			t.Fatal(err)
		}
		if doc["progress"].(map[string]any)["page"] != 13.0 || doc["settings"].(map[string]any)["captions"] != "fr" {
			t.Errorf("%s: a side's field edit is missing", sz.name)
		}
		v := doc["visited"].([]any)
		if len(v) < 3 || v[len(v)-1] != 9100.0 && v[len(v)-1] != 9002.0 {
			t.Errorf("%s: visited pages lost an append: %v", sz.name, v[len(v)-3:])
		}
	}
}
