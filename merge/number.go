package merge

import (
	"math/big"
	"strconv"
	"strings"
)

// maxScale bounds the decimal exponent the number resolvers work with, so
// that a short text such as 1e999999999 cannot demand a huge computation.
// Numbers beyond it are left to the resolver's fallback policy.
const maxScale = 1000

// decimal is the exact value m × 10^-scale of a JSON number.
type decimal struct {
	m     *big.Int
	scale int
}

// parseDecimal reads the exact value of a JSON number text. It reports
// false for numbers whose exponent is out of range.
func parseDecimal(text string) (decimal, bool) {
	s := text
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	exp := 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+"))
		if err != nil || e > maxScale || e < -maxScale {
			return decimal{}, false
		}
		exp = e
		s = s[:i]
	}
	digits, frac := s, ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		digits, frac = s[:i], s[i+1:]
	}
	scale := len(frac) - exp
	if scale > maxScale || scale < -maxScale {
		return decimal{}, false
	}
	m, ok := new(big.Int).SetString(digits+frac, 10)
	if !ok {
		return decimal{}, false
	}
	if neg {
		m.Neg(m)
	}
	return decimal{m: m, scale: scale}, true
}

func pow10(n int) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}

// rescale returns the mantissa of d at a scale not below its own.
func (d decimal) rescale(scale int) *big.Int {
	if scale == d.scale {
		return d.m
	}
	return new(big.Int).Mul(d.m, pow10(scale-d.scale))
}

// cmpDecimal compares a and b by value.
func cmpDecimal(a, b decimal) int {
	s := max(a.scale, b.scale)
	return a.rescale(s).Cmp(b.rescale(s))
}

// String writes d as a JSON number with max(scale, 0) decimal places.
func (d decimal) String() string {
	if d.scale <= 0 {
		return d.rescale(0).String()
	}
	neg := d.m.Sign() < 0
	abs := new(big.Int).Abs(d.m).String()
	if len(abs) <= d.scale {
		abs = strings.Repeat("0", d.scale-len(abs)+1) + abs
	}
	cut := len(abs) - d.scale
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	b.WriteString(abs[:cut])
	b.WriteByte('.')
	b.WriteString(abs[cut:])
	return b.String()
}

// sumOfDeltas returns ours + theirs - base exactly, at the largest scale of
// the three (integers stay integers; 1.10 keeps two decimal places).
func sumOfDeltas(base, ours, theirs decimal) decimal {
	s := max(base.scale, ours.scale, theirs.scale)
	m := new(big.Int).Add(ours.rescale(s), theirs.rescale(s))
	m.Sub(m, base.rescale(s))
	return decimal{m: m, scale: s}
}
