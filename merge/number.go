package merge

import (
	"cmp"
	"math/big"
	"strconv"
	"strings"
)

// Bounds on the numbers the resolvers compute with, so that a short or
// long text cannot demand a huge computation. Numbers beyond them are left
// to the resolver's fallback policy.
const (
	// maxDigits bounds the digits of a number's mantissa (integer and
	// fraction parts together), for Max, Min and Sum.
	maxDigits = 10_000
	// maxExponent bounds the magnitude of the exponent Max and Min accept.
	// They compare the texts of numbers without arithmetic, so the bound
	// only keeps exponents within machine integers.
	maxExponent = 1_000_000_000
	// maxScale bounds the decimal exponent Sum works with: the number of
	// decimal places or trailing zeros of each term.
	maxScale = 1000
)

// numberParts splits a JSON number text into its sign, integer digits,
// fraction digits and exponent. It reports false when the mantissa has
// more than maxDigits digits or the exponent is beyond maxExponent.
func numberParts(text string) (neg bool, digits, frac string, exp int, ok bool) {
	s := text
	neg = strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+"))
		if err != nil || e > maxExponent || e < -maxExponent {
			return false, "", "", 0, false
		}
		exp = e
		s = s[:i]
	}
	digits = s
	if i := strings.IndexByte(s, '.'); i >= 0 {
		digits, frac = s[:i], s[i+1:]
	}
	if len(digits)+len(frac) > maxDigits {
		return false, "", "", 0, false
	}
	return neg, digits, frac, exp, true
}

// magnitude is the value of a JSON number as sign × 0.digits × 10^exp,
// with digits free of leading and trailing zeros; zero has no digits.
type magnitude struct {
	neg    bool
	digits string
	exp    int
}

// parseMagnitude reads a JSON number text for comparison. It reports
// false beyond the bounds of numberParts.
func parseMagnitude(text string) (magnitude, bool) {
	neg, digits, frac, exp, ok := numberParts(text)
	if !ok {
		return magnitude{}, false
	}
	all := digits + frac
	lead := len(all) - len(strings.TrimLeft(all, "0"))
	all = strings.TrimRight(all[lead:], "0")
	if all == "" {
		return magnitude{}, true
	}
	return magnitude{neg: neg, digits: all, exp: len(digits) - lead + exp}, true
}

// cmpMagnitude compares a and b by value.
func cmpMagnitude(a, b magnitude) int {
	sign := func(m magnitude) int {
		switch {
		case m.digits == "":
			return 0
		case m.neg:
			return -1
		}
		return 1
	}
	sa, sb := sign(a), sign(b)
	if sa != sb || sa == 0 {
		return cmp.Compare(sa, sb)
	}
	if a.exp != b.exp {
		return cmp.Compare(a.exp, b.exp) * sa
	}
	return strings.Compare(a.digits, b.digits) * sa
}

// decimal is the exact value m × 10^-scale of a JSON number.
type decimal struct {
	m     *big.Int
	scale int
}

// parseDecimal reads the exact value of a JSON number text. It reports
// false for numbers beyond maxDigits or maxScale.
func parseDecimal(text string) (decimal, bool) {
	neg, digits, frac, exp, ok := numberParts(text)
	if !ok || exp > maxScale || exp < -maxScale {
		return decimal{}, false
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
