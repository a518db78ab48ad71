package merge

import "math"

// textBudget bounds the work of one MergeText call, and of all the Text
// resolutions of one JSON merge together. Work is counted in bytes of text
// tokenized plus diagonal steps of the diffs. Once it is spent, a text
// merge reports a conflict, so huge or many unrelated texts cannot stall a
// merge.
const textBudget = 20_000_000

// differ computes a longest common subsequence of two token sequences with
// Myers' O(ND) algorithm in its linear-space form (recursing on the
// "middle snake").
type differ struct {
	a, b []int32
	// match[i] is the index in b matched to a[i], or -1.
	match []int32
	// vf and vr are the forward and reverse furthest-reaching arrays. vf is
	// indexed by diagonal k + off, vr by k - delta + off, where delta is the
	// diagonal the reverse search starts on.
	vf, vr []int
	off    int
	budget *int
}

// lcs returns, for each element of a, the index of the element of b it is
// matched with in a longest common subsequence, or -1. Each diagonal step
// costs one unit of *budget; lcs reports false if the budget ran out.
// The common prefix and suffix of the sequences cost nothing.
func lcs(a, b []int32, budget *int) ([]int32, bool) {
	if len(a) >= math.MaxInt32 || len(b) >= math.MaxInt32 {
		return nil, false
	}
	d := &differ{a: a, b: b, match: make([]int32, len(a)), budget: budget}
	for i := range d.match {
		d.match[i] = -1
	}
	// Edit iteration D costs at least 2(D+1) steps, so the budget reaches
	// D ≤ √budget; no search needs more than (n+m+1)/2 iterations either.
	d.off = min(int(math.Sqrt(float64(max(*budget, 0))))+2, (len(a)+len(b)+1)/2+2)
	if !d.compare(0, len(a), 0, len(b)) || *budget < 0 {
		return nil, false
	}
	return d.match, true
}

// compare matches a[a0:a1] against b[b0:b1].
func (d *differ) compare(a0, a1, b0, b1 int) bool {
	for a0 < a1 && b0 < b1 && d.a[a0] == d.b[b0] {
		d.match[a0] = int32(b0)
		a0++
		b0++
	}
	for a0 < a1 && b0 < b1 && d.a[a1-1] == d.b[b1-1] {
		d.match[a1-1] = int32(b1 - 1)
		a1--
		b1--
	}
	if a0 == a1 || b0 == b1 {
		return true
	}
	if d.vf == nil {
		d.vf = make([]int, 2*d.off+1)
		d.vr = make([]int, 2*d.off+1)
	}
	x0, y0, x1, y1, ok := d.middleSnake(a0, a1, b0, b1)
	if !ok {
		return false
	}
	for x, y := x0, y0; x < x1; x, y = x+1, y+1 {
		d.match[x] = int32(y)
	}
	return d.compare(a0, x0, b0, y0) && d.compare(x1, a1, y1, b1)
}

// middleSnake finds the middle snake of an optimal edit path between
// a[a0:a1] and b[b0:b1], which share neither their first nor their last
// element. It returns the snake's start (x0, y0) and end (x1, y1) in
// absolute coordinates. Diagonals are k = x - y in coordinates relative to
// (a0, b0); a value of -1 marks a diagonal no path of that length reaches
// inside the grid.
func (d *differ) middleSnake(a0, a1, b0, b1 int) (x0, y0, x1, y1 int, ok bool) {
	n, m := a1-a0, b1-b0
	delta := n - m
	odd := delta&1 != 0
	vf, vr, off := d.vf, d.vr, d.off
	// ro indexes vr: vr[ro+k] holds reverse diagonal k.
	ro := off - delta
	for D := 0; D <= (n+m+1)/2; D++ {
		if D >= off {
			return 0, 0, 0, 0, false
		}
		// Forward paths of D edits from (0, 0).
		for k := -D; k <= D; k += 2 {
			*d.budget--
			x := -1
			if D == 0 {
				x = 0
			} else {
				if k < D { // down from diagonal k+1
					if c := vf[off+k+1]; c >= 0 && c-k <= m {
						x = c
					}
				}
				if k > -D { // right from diagonal k-1
					if c := vf[off+k-1]; c >= 0 && c+1 <= n && c+1 > x {
						x = c + 1
					}
				}
			}
			if x < 0 {
				vf[off+k] = -1
				continue
			}
			y := x - k
			sx, sy := x, y
			for x < n && y < m && d.a[a0+x] == d.b[b0+y] {
				x++
				y++
			}
			*d.budget -= x - sx
			vf[off+k] = x
			if odd && k >= delta-(D-1) && k <= delta+(D-1) {
				if r := vr[ro+k]; r >= 0 && x >= r {
					return a0 + sx, b0 + sy, a0 + x, b0 + y, true
				}
			}
		}
		// Reverse paths of D edits from (n, m), on diagonals delta+j.
		for j := -D; j <= D; j += 2 {
			*d.budget--
			k := delta + j
			x := -1
			if D == 0 {
				x = n
			} else {
				if j > -D { // up from diagonal k-1
					if c := vr[ro+k-1]; c >= 0 && c-k >= 0 {
						x = c
					}
				}
				if j < D { // left from diagonal k+1
					if c := vr[ro+k+1]; c >= 1 && (x < 0 || c-1 <= x) {
						x = c - 1
					}
				}
			}
			if x < 0 {
				vr[ro+k] = -1
				continue
			}
			y := x - k
			ex, ey := x, y
			for x > 0 && y > 0 && d.a[a0+x-1] == d.b[b0+y-1] {
				x--
				y--
			}
			*d.budget -= ex - x
			vr[ro+k] = x
			if !odd && k >= -D && k <= D {
				if f := vf[off+k]; f >= 0 && x <= f {
					return a0 + x, b0 + y, a0 + ex, b0 + ey, true
				}
			}
		}
		if *d.budget < 0 {
			return 0, 0, 0, 0, false
		}
	}
	// Unreachable: an optimal path always has a middle snake.
	return 0, 0, 0, 0, false
}

// slideLeft rewrites a matching of a against b (as lcs returns it) into
// an equally long one whose runs of changes sit as far towards the start
// as they can go: a change next to copies of its own last tokens, such as
// " X" or "X " inserted between two words, is placed after the earlier
// word. Two diffs against the same base then place the same edit at the
// same point, whichever way each diff happened to align it. Each step
// costs one unit of *budget; it reports false if the budget ran out.
func slideLeft(a, b, match []int32, budget *int) bool {
	// prev returns the last matched position of a before i, or -1.
	prev := func(i int) int {
		for i--; i >= 0 && match[i] < 0; i-- {
			*budget--
		}
		return i
	}
	for i := 0; i <= len(a); i++ {
		if i < len(a) && match[i] < 0 {
			continue
		}
		// The run of changes before the matched pair (ea, eb) slides left
		// while the last tokens it covers are equal: the matched pair
		// (sa, sb) before it moves to just before (ea, eb), and the run
		// now ends at the moved pair.
		ea, eb := i, len(b)
		if i < len(a) {
			eb = int(match[i])
		}
		for {
			sa := prev(ea)
			if sa < 0 {
				break
			}
			sb := int(match[sa])
			if (ea-sa == 1 && eb-sb == 1) || a[ea-1] != b[eb-1] {
				break
			}
			*budget--
			if *budget < 0 {
				return false
			}
			match[sa] = -1
			match[ea-1] = int32(eb - 1)
			ea, eb = ea-1, eb-1
		}
		if *budget < 0 {
			return false
		}
	}
	return true
}

// interner numbers values by their canonical text, so that equal values
// get equal ids, for the diffs of arrays.
type interner struct {
	ids map[string]int32
	buf []byte // scratch space for one canonical text
}

// intern returns the ids of ns, charging *budget for the text it compares;
// it reports false once that is spent.
func (in *interner) intern(ns []*node, budget *int) ([]int32, bool) {
	if in.ids == nil {
		in.ids = map[string]int32{}
	}
	out := make([]int32, len(ns))
	for i, n := range ns {
		if *budget <= 0 {
			return nil, false
		}
		in.buf = appendCanonical(in.buf[:0], n)
		*budget -= len(in.buf) + 1
		id, ok := in.ids[string(in.buf)]
		if !ok {
			id = int32(len(in.ids))
			in.ids[string(in.buf)] = id
		}
		out[i] = id
	}
	if len(in.buf) > 1<<16 {
		in.buf = nil // do not keep a large buffer for the rest of the work
	}
	return out, true
}
