package merge

// diffBudget bounds the work one diff may do (in compared diagonal
// steps). A diff that exceeds it is abandoned and the text merge reports a
// conflict, so a pair of huge, unrelated texts cannot stall a merge.
const diffBudget = 20_000_000

// differ computes a longest common subsequence of two token sequences with
// Myers' O(ND) algorithm in its linear-space form (recursing on the
// "middle snake").
type differ struct {
	a, b []int
	// match[i] is the index in b matched to a[i], or -1.
	match []int
	// vf and vr are the forward and reverse furthest-reaching arrays,
	// indexed by diagonal + off.
	vf, vr []int
	off    int
	budget int
}

// lcs returns, for each element of a, the index of the element of b it is
// matched with in a longest common subsequence, or -1. It reports false if
// the budget ran out.
func lcs(a, b []int) ([]int, bool) {
	d := &differ{a: a, b: b, match: make([]int, len(a)), budget: diffBudget}
	for i := range d.match {
		d.match[i] = -1
	}
	// Diagonals reach |delta| + D + 1 <= 1.5*(len(a)+len(b)) + 2 from 0.
	d.off = 2*(len(a)+len(b)) + 3
	d.vf = make([]int, 2*d.off+1)
	d.vr = make([]int, 2*d.off+1)
	if !d.compare(0, len(a), 0, len(b)) {
		return nil, false
	}
	return d.match, true
}

// compare matches a[a0:a1] against b[b0:b1].
func (d *differ) compare(a0, a1, b0, b1 int) bool {
	for a0 < a1 && b0 < b1 && d.a[a0] == d.b[b0] {
		d.match[a0] = b0
		a0++
		b0++
	}
	for a0 < a1 && b0 < b1 && d.a[a1-1] == d.b[b1-1] {
		d.match[a1-1] = b1 - 1
		a1--
		b1--
	}
	if a0 == a1 || b0 == b1 {
		return true
	}
	x0, y0, x1, y1, ok := d.middleSnake(a0, a1, b0, b1)
	if !ok {
		return false
	}
	for x, y := x0, y0; x < x1; x, y = x+1, y+1 {
		d.match[x] = y
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
	for D := 0; D <= (n+m+1)/2; D++ {
		// Forward paths of D edits from (0, 0).
		for k := -D; k <= D; k += 2 {
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
			d.budget -= x - sx + 1
			vf[off+k] = x
			if odd && k >= delta-(D-1) && k <= delta+(D-1) {
				if r := vr[off+k]; r >= 0 && x >= r {
					return a0 + sx, b0 + sy, a0 + x, b0 + y, true
				}
			}
		}
		// Reverse paths of D edits from (n, m), on diagonals delta+j.
		for j := -D; j <= D; j += 2 {
			k := delta + j
			x := -1
			if D == 0 {
				x = n
			} else {
				if j > -D { // up from diagonal k-1
					if c := vr[off+k-1]; c >= 0 && c-k >= 0 {
						x = c
					}
				}
				if j < D { // left from diagonal k+1
					if c := vr[off+k+1]; c >= 1 && (x < 0 || c-1 <= x) {
						x = c - 1
					}
				}
			}
			if x < 0 {
				vr[off+k] = -1
				continue
			}
			y := x - k
			ex, ey := x, y
			for x > 0 && y > 0 && d.a[a0+x-1] == d.b[b0+y-1] {
				x--
				y--
			}
			d.budget -= ex - x + 1
			vr[off+k] = x
			if !odd && k >= -D && k <= D {
				if f := vf[off+k]; f >= 0 && x <= f {
					return a0 + x, b0 + y, a0 + ex, b0 + ey, true
				}
			}
		}
		if d.budget < 0 {
			return 0, 0, 0, 0, false
		}
	}
	// Unreachable: an optimal path always has a middle snake.
	return 0, 0, 0, 0, false
}
