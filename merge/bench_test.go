package merge

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	jsonpatch "github.com/evanphx/json-patch/v5"
)

type benchItem struct {
	Title string   `json:"title"`
	Count int      `json:"count"`
	Price string   `json:"price"`
	Tags  []string `json:"tags"`
	Done  bool     `json:"done"`
	Note  string   `json:"note"`
	Extra string   `json:"extra,omitempty"`
}

// benchDocs generates indented base, ours and theirs documents of about
// size bytes each: an object of items. Ours counts on every tenth item and
// adds a member to every fiftieth; theirs retitles other items and removes
// a few. On every twentieth item both sides change the count, the tags and
// different sentences of the note (conflicts for the policy, work for the
// resolvers).
func benchDocs(size int) (base, ours, theirs []byte) {
	gen := func(n int) (base, ours, theirs []byte) {
		mk := func(i int) benchItem {
			return benchItem{
				Title: fmt.Sprintf("Item number %d", i),
				Count: i,
				Price: fmt.Sprintf("%d.%02d", i%100, i%7),
				Tags:  []string{"tag" + fmt.Sprint(i%5), "group" + fmt.Sprint(i%11)},
				Note:  "A short note about this item. It is kept as prose.",
			}
		}
		b := map[string]benchItem{}
		o := map[string]benchItem{}
		t := map[string]benchItem{}
		for i := range n {
			k := fmt.Sprintf("item%06d", i)
			b[k], o[k], t[k] = mk(i), mk(i), mk(i)
			ito, itt := o[k], t[k]
			if i%10 == 0 {
				ito.Count++
			}
			if i%50 == 1 {
				ito.Extra = "ours"
			}
			if i%10 == 5 {
				itt.Title = strings.ToUpper(itt.Title)
			}
			if i%20 == 3 {
				ito.Count += 2
				itt.Count += 3
				ito.Tags = append(ito.Tags, "mine")
				itt.Tags = []string{itt.Tags[1], "theirs"}
				ito.Note = "A short note about this item. It is kept as plain prose."
				itt.Note = "A very short note about this item. It is kept as prose."
			}
			o[k], t[k] = ito, itt
			if i%97 == 7 && i%10 != 0 && i%50 != 1 && i%20 != 3 {
				delete(t, k) // an item ours left alone
			}
		}
		enc := func(m map[string]benchItem) []byte {
			out, err := json.MarshalIndent(map[string]any{"version": 1, "items": m}, "", "  ")
			if err != nil {
				panic(err)
			}
			return out
		}
		return enc(b), enc(o), enc(t)
	}
	// Size the item count from a sample, then adjust to the target.
	sample, _, _ := gen(16)
	n := max(1, size*16/len(sample))
	for {
		base, ours, theirs = gen(n)
		switch {
		case len(base) > size+size/20 && n > 1:
			n--
		case len(base) < size-size/20:
			n++
		default:
			return base, ours, theirs
		}
	}
}

var benchSizes = []struct {
	name string
	size int
}{
	{"1KB", 1 << 10},
	{"100KB", 100 << 10},
	{"1MB", 1 << 20},
}

// benchResolvers are the resolvers for the resolver benchmarks.
var benchResolvers = map[string]Resolver{
	"/items/*/count": Sum(),
	"/items/*/tags":  SetUnion(),
	"/items/*/note":  Text(Fail),
}

func jsonPatchTwoWay(base, ours, theirs []byte) ([]byte, error) {
	patch, err := jsonpatch.CreateMergePatch(base, ours)
	if err != nil {
		return nil, err
	}
	return jsonpatch.MergePatch(theirs, patch)
}

// BenchmarkMerge times, for each document size, the three-way merge with
// the default options (Ours decides conflicts), with Sum, SetUnion and
// Text resolvers, with the Fail policy (the merge ends in a ConflictError
// listing the conflicts), and json-patch's two-way
// CreateMergePatch+MergePatch on the same inputs. Throughput counts one
// document; doc-bytes reports its size.
func BenchmarkMerge(b *testing.B) {
	for _, sz := range benchSizes {
		base, ours, theirs := benchDocs(sz.size)
		run := func(name string, f func() error) {
			b.Run(sz.name+"/"+name, func(b *testing.B) {
				b.SetBytes(int64(len(base)))
				b.ReportAllocs()
				for b.Loop() {
					if err := f(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(len(base)), "doc-bytes")
			})
		}
		run("ifmatch", func() error {
			_, _, err := JSON(base, ours, theirs, nil)
			return err
		})
		run("ifmatch-resolvers", func() error {
			_, rep, err := JSON(base, ours, theirs, &Options{Policy: Fail, Resolvers: benchResolvers})
			if err == nil && len(rep.Conflicts()) == 0 {
				err = errors.New("no resolver decided anything")
			}
			return err
		})
		run("ifmatch-fail", func() error {
			_, _, err := JSON(base, ours, theirs, &Options{Policy: Fail})
			if errors.Is(err, ErrConflict) {
				return nil
			}
			return fmt.Errorf("want a conflict, got %v", err)
		})
		run("jsonpatch", func() error {
			_, err := jsonPatchTwoWay(base, ours, theirs)
			return err
		})
	}
}

// BenchmarkMergeRatio times the three-way merge and json-patch's two-way
// CreateMergePatch+MergePatch alternately on the same inputs and reports
// the ratio of their times.
func BenchmarkMergeRatio(b *testing.B) {
	for _, sz := range benchSizes {
		base, ours, theirs := benchDocs(sz.size)
		b.Run(sz.name, func(b *testing.B) {
			var mine, theirsTime time.Duration
			for b.Loop() {
				t0 := time.Now()
				if _, _, err := JSON(base, ours, theirs, nil); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if _, err := jsonPatchTwoWay(base, ours, theirs); err != nil {
					b.Fatal(err)
				}
				mine += t1.Sub(t0)
				theirsTime += time.Since(t1)
			}
			b.ReportMetric(float64(len(base)), "doc-bytes")
			b.ReportMetric(float64(mine.Nanoseconds())/float64(b.N), "ifmatch-ns/op")
			b.ReportMetric(float64(theirsTime.Nanoseconds())/float64(b.N), "jsonpatch-ns/op")
			b.ReportMetric(float64(mine)/float64(theirsTime), "ratio")
		})
	}
}

func BenchmarkMergeText(b *testing.B) {
	words := strings.Fields(strings.Repeat("the quick brown fox jumps over the lazy dog and runs away. ", 40))
	base := strings.Join(words, " ")
	ours := strings.Replace(base, "quick", "slow", 1)
	theirs := base[:len(base)-5] + "home."
	b.SetBytes(int64(len(base)))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := MergeText(base, ours, theirs); !ok {
			b.Fatal("conflict")
		}
	}
}

// proseWords returns size bytes of prose-like text.
func proseWords(size int) string {
	words := strings.Fields("the a learner opened chapter seven and answered every question about rivers, valleys; glaciers carve fjords. Then she wrote notes: slowly, carefully, and with care!")
	var b strings.Builder
	for i := 0; b.Len() < size; i++ {
		b.WriteString(words[(i*7+i/len(words))%len(words)])
		b.WriteByte(' ')
	}
	return b.String()[:size]
}

// BenchmarkMergeText1MiB merges a document with one 1 MiB string member
// under Text: ours prepends "x", theirs appends "y".
func BenchmarkMergeText1MiB(b *testing.B) {
	for _, tt := range []struct {
		name string
		text string
	}{
		{"prose", proseWords(1 << 20)},
		{"short-words", shortWords(1 << 20)},
	} {
		base, ours, theirs := textDocs(tt.text)
		opts := &Options{Policy: Fail, Resolvers: map[string]Resolver{"/t": Text(Fail)}}
		b.Run(tt.name, func(b *testing.B) {
			b.SetBytes(int64(len(base)))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := JSON(base, ours, theirs, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkApply times Apply, which typed clients write through, beside
// the member-by-member merge with ours winning (merge.JSON with Ours, which
// keeps hidden members outside arrays only) on the same inputs: the view is
// ours' document without each item's note, the change ticks one item in
// ten.
func BenchmarkApply(b *testing.B) {
	for _, sz := range benchSizes {
		_, doc, _ := benchDocs(sz.size)
		var stored map[string]any
		if err := json.Unmarshal(doc, &stored); err != nil {
			b.Fatal(err)
		}
		view := map[string]any{}
		edited := map[string]any{}
		i := 0
		for k, x := range stored {
			it, ok := x.(map[string]any)
			if !ok {
				view[k], edited[k] = x, x
				continue
			}
			v, e := map[string]any{}, map[string]any{}
			for m, x := range it {
				if m != "note" {
					v[m], e[m] = x, x
				}
			}
			if i%10 == 0 {
				e["done"] = true
			}
			view[k], edited[k] = v, e
			i++
		}
		from, _ := json.Marshal(view)
		to, _ := json.Marshal(edited)
		b.Run(sz.name+"/apply", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Apply(from, to, doc); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(sz.name+"/json-ours", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := JSON(from, to, doc, &Options{Policy: Ours}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
