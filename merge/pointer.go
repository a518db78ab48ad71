package merge

import (
	"fmt"
	"strings"
)

// wildcard is the pattern segment that matches any single member name or
// array index.
const wildcard = "*"

// splitPointer parses a JSON Pointer (RFC 6901) into its unescaped
// segments. The empty pointer addresses the whole document and has no
// segments.
func splitPointer(p string) ([]string, error) {
	if p == "" {
		return nil, nil
	}
	if p[0] != '/' {
		return nil, fmt.Errorf("%q does not start with '/'", p)
	}
	parts := strings.Split(p[1:], "/")
	for i, s := range parts {
		if !strings.Contains(s, "~") {
			continue
		}
		var b strings.Builder
		for j := 0; j < len(s); j++ {
			if s[j] != '~' {
				b.WriteByte(s[j])
				continue
			}
			if j+1 < len(s) && s[j+1] == '0' {
				b.WriteByte('~')
			} else if j+1 < len(s) && s[j+1] == '1' {
				b.WriteByte('/')
			} else {
				return nil, fmt.Errorf("%q has a '~' not followed by '0' or '1'", p)
			}
			j++
		}
		parts[i] = b.String()
	}
	return parts, nil
}

// appendSegment appends one member name, escaped for a JSON Pointer.
func appendSegment(buf []byte, s string) []byte {
	if !strings.ContainsAny(s, "~/") {
		return append(buf, s...)
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '~':
			buf = append(buf, '~', '0')
		case '/':
			buf = append(buf, '~', '1')
		default:
			buf = append(buf, s[i])
		}
	}
	return buf
}

// pattern is a compiled resolver pattern.
type pattern struct {
	text string
	segs []string
	// wild lists the positions of wildcard segments, ascending.
	wild []int
}

func compilePattern(p string) (pattern, error) {
	segs, err := splitPointer(p)
	if err != nil {
		return pattern{}, err
	}
	pt := pattern{text: p, segs: segs}
	for i, s := range segs {
		if s == wildcard {
			pt.wild = append(pt.wild, i)
		}
	}
	return pt, nil
}

// matches reports whether the pattern addresses the path given as
// unescaped segments.
func (pt *pattern) matches(path []string) bool {
	if len(pt.segs) != len(path) {
		return false
	}
	for i, s := range pt.segs {
		if s != wildcard && s != path[i] {
			return false
		}
	}
	return true
}

// moreSpecific reports whether pattern a should win over pattern b when
// both match a path: fewer wildcards win; with as many wildcards, the one
// whose first differing wildcard position is further right wins (an exact
// segment earlier in the path is more specific).
func moreSpecific(a, b *pattern) bool {
	if len(a.wild) != len(b.wild) {
		return len(a.wild) < len(b.wild)
	}
	for i := range a.wild {
		if a.wild[i] != b.wild[i] {
			return a.wild[i] > b.wild[i]
		}
	}
	return a.text < b.text
}
