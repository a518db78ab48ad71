package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	jsonpatch5 "github.com/evanphx/json-patch/v5"
	jsonpatch4 "gopkg.in/evanphx/json-patch.v4"
	"k8s.io/apimachinery/pkg/util/jsonmergepatch"

	"github.com/ifmatch/ifmatch/merge"
)

// merge variants.
const (
	mSDK     = "sdk"
	mK8s     = "k8s"
	mEvanphx = "evanphx"
	mDecode  = "decode"
)

var mergeVariants = []string{mSDK, mK8s, mEvanphx, mDecode}

var mergeVariantNames = map[string]string{
	mSDK:     "SDK merge.JSON (zero options)",
	mK8s:     "Kubernetes CreateThreeWayJSONMergePatch + MergePatch",
	mEvanphx: "evanphx CreateMergePatch(base, ours) + MergePatch(theirs)",
	mDecode:  "encoding/json: decode the three inputs into any",
}

// mergeFunc merges a case with one variant; the decode variant returns no
// document.
func mergeFunc(variant string) func(c *mergeCase) ([]byte, error) {
	switch variant {
	case mSDK:
		return func(c *mergeCase) ([]byte, error) {
			out, _, err := merge.JSON(c.Base, c.Ours, c.Theirs, nil)
			return out, err
		}
	case mK8s:
		return func(c *mergeCase) ([]byte, error) {
			patch, err := jsonmergepatch.CreateThreeWayJSONMergePatch(c.Base, c.Ours, c.Theirs)
			if err != nil {
				return nil, err
			}
			return jsonpatch4.MergePatch(c.Theirs, patch)
		}
	case mEvanphx:
		return func(c *mergeCase) ([]byte, error) {
			patch, err := jsonpatch5.CreateMergePatch(c.Base, c.Ours)
			if err != nil {
				return nil, err
			}
			return jsonpatch5.MergePatch(c.Theirs, patch)
		}
	case mDecode:
		return func(c *mergeCase) ([]byte, error) {
			for _, in := range [][]byte{c.Base, c.Ours, c.Theirs} {
				var v any
				if err := json.Unmarshal(in, &v); err != nil {
					return nil, err
				}
			}
			return nil, nil
		}
	}
	return nil
}

// checkMerge reports whether a variant's output of c is the expected merge.
func checkMerge(c *mergeCase, out []byte) bool { return sameJSON(out, c.Expected) }

func sizeName(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dKB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

// timeMerge runs f on c for at least minTime (and at least once) and
// returns the nanoseconds and heap bytes per call.
func timeMerge(f func(*mergeCase) ([]byte, error), c *mergeCase, minTime time.Duration) (ns, bytes float64, err error) {
	m := startMeter()
	n := 0
	for t0 := time.Now(); n == 0 || time.Since(t0) < minTime; n++ {
		if _, err := f(c); err != nil {
			return 0, 0, err
		}
	}
	s := m.stop()
	return float64(s.Wall.Nanoseconds()) / float64(n), float64(s.Bytes) / float64(n), nil
}

// runMerge: three-way merges of learner-state documents of each size, both
// sides editing disjoint parts, by the SDK and the alternatives, each
// output checked against the expected merge.
func runMerge(ctx context.Context, cfg config, log io.Writer) ([]*table, []*summary, error) {
	g := newGenerator(cfg.seed)
	cases := make([]mergeCase, len(cfg.mergeSizes))
	correct := map[string]map[int]bool{}
	for i, size := range cfg.mergeSizes {
		cases[i] = g.mergeCase(size)
	}
	for _, v := range mergeVariants {
		correct[v] = map[int]bool{}
		if v == mDecode {
			continue
		}
		for i := range cases {
			out, err := mergeFunc(v)(&cases[i])
			correct[v][i] = err == nil && checkMerge(&cases[i], out)
		}
	}
	ns := map[string]map[int][]float64{}
	bytes := map[string]map[int][]float64{}
	for _, v := range mergeVariants {
		ns[v], bytes[v] = map[int][]float64{}, map[int][]float64{}
	}
	for round := range cfg.mergeRounds {
		for i := range cases {
			for _, v := range mergeVariants {
				if err := ctx.Err(); err != nil {
					return nil, nil, err
				}
				t, b, err := timeMerge(mergeFunc(v), &cases[i], cfg.mergeMinTime)
				if err != nil {
					return nil, nil, fmt.Errorf("%s at %s: %w", v, sizeName(cfg.mergeSizes[i]), err)
				}
				ns[v][i] = append(ns[v][i], t)
				bytes[v][i] = append(bytes[v][i], b)
			}
		}
		fmt.Fprintf(log, "  round %d/%d\n", round+1, cfg.mergeRounds)
	}
	var tables []*table
	var sums []*summary
	for i, size := range cfg.mergeSizes {
		c := &cases[i]
		in := float64(len(c.Base) + len(c.Ours) + len(c.Theirs))
		t := &table{
			title: fmt.Sprintf("merge, %s: base %d bytes, ours %d, theirs %d, medians of %d rounds",
				sizeName(size), len(c.Base), len(c.Ours), len(c.Theirs), cfg.mergeRounds),
			header: []string{"variant", "correct", "µs/merge", "bytes allocated/merge", "bytes/input byte", "× SDK time"},
		}
		sdk := median(ns[mSDK][i])
		for _, v := range mergeVariants {
			ok := "—"
			if v != mDecode {
				ok = fmt.Sprint(correct[v][i])
			}
			t.add(mergeVariantNames[v], ok, num(median(ns[v][i])/1e3), num(median(bytes[v][i])), num(median(bytes[v][i])/in), num(ratio(median(ns[v][i]), sdk)))
		}
		tables = append(tables, t)
		s := newSummary("merge").
			set("size", sizeName(size)).
			set("correct", correct[mSDK][i]).
			set("ns_per_merge", sdk).
			set("bytes_per_input_byte", median(bytes[mSDK][i])/in).
			set("speedup_vs_k8s", ratio(median(ns[mK8s][i]), sdk)).
			set("decode_ratio", ratio(sdk, median(ns[mDecode][i]))).
			set("decode_bytes_per_input_byte", median(bytes[mDecode][i])/in).
			set("k8s_correct", correct[mK8s][i]).
			set("evanphx_correct", correct[mEvanphx][i])
		if i == len(cfg.mergeSizes)-1 && i > 0 {
			s.set("growth", ratio(sdk, median(ns[mSDK][i-1]))).
				set("decode_growth", ratio(median(ns[mDecode][i]), median(ns[mDecode][i-1]))).
				set("input_growth", ratio(in, float64(len(cases[i-1].Base)+len(cases[i-1].Ours)+len(cases[i-1].Theirs))))
		}
		sums = append(sums, s)
	}
	return tables, sums, nil
}
