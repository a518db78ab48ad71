package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/statedoc"
)

// TestRun plays the dance on the embedded LRS in both xAPI versions and
// checks the printed exchange: B's stale write is refused with 412, and its
// second write carries the ETag A's write produced.
func TestRun(t *testing.T) {
	for _, version := range []string{statedoc.Version103, statedoc.Version200} {
		t.Run(version, func(t *testing.T) {
			var out bytes.Buffer
			require.NoError(t, run(context.Background(), &out, "", "", "", version))
			text := out.String()

			assert.Contains(t, text, "both edits are there")
			assert.Contains(t, text, `{"page":5,"checked":{"intro":true}}`)

			puts := regexp.MustCompile(`(?m)^(A|B) +PUT +If-Match: (\S+) +-> (\d+) .*ETag: (\S+)$`).FindAllStringSubmatch(text, -1)
			require.Len(t, puts, 3, text)
			a, bStale, bRetry := puts[0], puts[1], puts[2]
			assert.Equal(t, []string{"A", "204"}, []string{a[1], a[3]})
			assert.Equal(t, []string{"B", "412"}, []string{bStale[1], bStale[3]})
			assert.Equal(t, a[2], bStale[2], "B first writes on the version A started from")
			assert.Equal(t, []string{"B", "204"}, []string{bRetry[1], bRetry[3]})
			assert.Equal(t, a[4], bRetry[2], "B's retry carries the ETag of A's write")
			assert.True(t, strings.Index(text, "B's save: updated after 2 attempt(s)") > 0)
		})
	}
}
