package merge

import (
	"encoding/json"
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

// benchDocs generates base, ours and theirs of about size bytes each: an
// object of items; ours counts on every tenth item and adds a member to
// every fiftieth, theirs retitles other items and removes a few, and both
// change the count of every two-hundredth item (conflicts).
func benchDocs(size int) (base, ours, theirs []byte) {
	const itemSize = 190
	n := max(size/itemSize, 4)
	mk := func(i int) benchItem {
		return benchItem{
			Title: fmt.Sprintf("Item number %d", i),
			Count: i,
			Price: fmt.Sprintf("%d.%02d", i%100, i%7),
			Tags:  []string{"tag" + fmt.Sprint(i%5), "group" + fmt.Sprint(i%11)},
			Note:  "A short note about this item, kept as prose.",
		}
	}
	b := map[string]benchItem{}
	o := map[string]benchItem{}
	t := map[string]benchItem{}
	for i := range n {
		k := fmt.Sprintf("item%06d", i)
		b[k], o[k], t[k] = mk(i), mk(i), mk(i)
		if i%10 == 0 {
			it := o[k]
			it.Count++
			o[k] = it
		}
		if i%50 == 1 {
			it := o[k]
			it.Extra = "ours"
			o[k] = it
		}
		if i%10 == 5 {
			it := t[k]
			it.Title = strings.ToUpper(it.Title)
			t[k] = it
		}
		if i%97 == 7 {
			delete(t, k)
		}
		if i%200 == 3 {
			ito, itt := o[k], t[k]
			ito.Count += 2
			itt.Count += 3
			o[k], t[k] = ito, itt
		}
	}
	enc := func(m map[string]benchItem) []byte {
		out, err := json.Marshal(map[string]any{"version": 1, "items": m})
		if err != nil {
			panic(err)
		}
		return out
	}
	return enc(b), enc(o), enc(t)
}

var benchSizes = []struct {
	name string
	size int
}{
	{"1KB", 1 << 10},
	{"100KB", 100 << 10},
	{"1MB", 1 << 20},
}

func jsonPatchTwoWay(base, ours, theirs []byte) ([]byte, error) {
	patch, err := jsonpatch.CreateMergePatch(base, ours)
	if err != nil {
		return nil, err
	}
	return jsonpatch.MergePatch(theirs, patch)
}

func BenchmarkMerge(b *testing.B) {
	for _, sz := range benchSizes {
		base, ours, theirs := benchDocs(sz.size)
		b.Run(sz.name+"/ifmatch", func(b *testing.B) {
			b.SetBytes(int64(len(base) + len(ours) + len(theirs)))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := JSON(base, ours, theirs, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(sz.name+"/jsonpatch", func(b *testing.B) {
			b.SetBytes(int64(len(base) + len(ours) + len(theirs)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := jsonPatchTwoWay(base, ours, theirs); err != nil {
					b.Fatal(err)
				}
			}
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
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := MergeText(base, ours, theirs); !ok {
			b.Fatal("conflict")
		}
	}
}
