package etag

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRules(t *testing.T) {
	tests := []struct {
		name         string
		a, b         string
		weak, usable bool
		match        bool
	}{
		{name: "strong identical", a: `"abc"`, b: `"abc"`, usable: true, match: true},
		{name: "strong case differs", a: `"ABC"`, b: `"abc"`, usable: true},
		{name: "weak", a: `W/"abc"`, b: `W/"abc"`, weak: true},
		{name: "weak against strong", a: `W/"abc"`, b: `"abc"`, weak: true},
		{name: "empty", a: ``, b: ``},
		{name: "blank", a: `  `, b: `  `},
		{name: "star would match anything", a: `*`, b: `*`},
		{name: "a list is not one tag", a: `"a", "b"`, b: `"a", "b"`},
		{name: "unquoted kept as sent", a: `c0947-b1`, b: `c0947-b1`, usable: true, match: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.weak, IsWeak(tt.a))
			assert.Equal(t, tt.usable, Usable(tt.a))
			assert.Equal(t, tt.match, StrongMatch(tt.a, tt.b))
		})
	}
}
