package serverkit

import "strings"

// Tag is one element of an If-Match or If-None-Match list.
type Tag struct {
	Weak   bool   // it had the W/ prefix
	Quoted bool   // its opaque part was quoted
	Opaque string // without quotes
}

// ParseTags parses If-Match or If-None-Match header lines. star reports a
// line that is exactly "*". Elements are entity-tags, quoted ("v7",
// W/"v7"), separated by commas; a quoted one may hold commas. When
// unquoted is set, an element without quotes (v7, W/v7) is a tag too, up
// to the next comma; otherwise parsing a line stops at it. Parsing a line
// also stops at an opening quote that is never closed.
func ParseTags(lines []string, unquoted bool) (star bool, tags []Tag) {
	for _, line := range lines {
		line = strings.TrimSpace(line)
		if line == "*" {
			star = true
			continue
		}
		for {
			line = strings.TrimLeft(line, " \t,")
			if line == "" {
				break
			}
			var t Tag
			if rest, ok := strings.CutPrefix(line, "W/"); ok {
				t.Weak, line = true, rest
			}
			if strings.HasPrefix(line, `"`) {
				end := strings.IndexByte(line[1:], '"')
				if end < 0 {
					break
				}
				t.Quoted, t.Opaque, line = true, line[1:end+1], line[end+2:]
				tags = append(tags, t)
				continue
			}
			if !unquoted {
				break
			}
			token, rest, _ := strings.Cut(line, ",")
			t.Opaque, line = strings.TrimSpace(token), rest
			if t.Opaque != "" {
				tags = append(tags, t)
			}
		}
	}
	return star, tags
}

// StrongMatch applies If-Match's strong comparison (RFC 9110 §8.8.3.2) to
// header lines parsed as ParseTags does: "*" matches any current
// representation; otherwise the current tag must be strong and a listed
// strong tag must name it (names reports whether a tag does).
func StrongMatch(lines []string, unquoted, strong bool, names func(Tag) bool) bool {
	star, tags := ParseTags(lines, unquoted)
	if star {
		return true
	}
	if !strong {
		return false
	}
	for _, t := range tags {
		if !t.Weak && names(t) {
			return true
		}
	}
	return false
}
