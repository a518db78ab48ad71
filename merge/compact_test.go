package merge

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestCompactLen checks that compactLen is the length of the canonical
// text of every value of the fuzz seeds and of the benchmark documents,
// decoded alone and against base.
func TestCompactLen(t *testing.T) {
	var inputs [][]byte
	for _, s := range mergeSeeds {
		inputs = append(inputs, []byte(s[0]), []byte(s[1]), []byte(s[2]))
	}
	inputs = append(inputs, []byte(`{"a" : [ 1, "\u00e9\n\t\"\\\u0001", {"z":null, "b": true}], "\u0007":"x"}`))
	b, o, th := learnerDocs(1 << 10)
	inputs = append(inputs, b, o, th)
	var walk func(n *node)
	walk = func(n *node) {
		assert.Equal(t, len(appendCanonical(nil, n)), compactLen(n), "%s", encode(nil, n))
		for _, k := range n.kids {
			walk(k)
		}
	}
	for _, in := range inputs {
		n, serr := parse(in)
		if serr != nil {
			continue
		}
		walk(n)
		walk(&node{kind: kindArray, kids: []*node{n, n}})
	}
}

// TestDecodeLike checks that a text decoded against another tree is the
// same value as decoded alone, and shares the values it keeps.
func TestDecodeLike(t *testing.T) {
	b, o, th := learnerDocs(100 << 10)
	base, depth, serr := decodeLike(b, nil, 0)
	assert.Nil(t, serr)
	for _, in := range [][]byte{o, th, b, []byte(`[1]`), []byte(`{"answers":12,"version":3}`), []byte(`{"version":31}`)} {
		alone, serr := parse(in)
		assert.Nil(t, serr)
		like, _, serr := decodeLike(in, base, depth)
		assert.Nil(t, serr)
		assert.True(t, equal(alone, like))
		assert.Equal(t, string(encode(nil, alone)), string(encode(nil, like)))
	}
	same, _, _ := decodeLike(b, base, depth)
	assert.True(t, base == same, "an unchanged text is base itself")
	ours, _, _ := decodeLike(o, base, depth)
	assert.True(t, base.member("notes").kids[1] == ours.member("notes").kids[1], "a kept element is base's")
}
