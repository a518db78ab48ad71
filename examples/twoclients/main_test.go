package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/client/sequence"
	"github.com/ifmatch/ifmatch/statedoc"
)

// TestRun plays the dance on the embedded LRS in both xAPI versions and
// checks the printed exchange: B's stale write is refused with 412, and its
// second write carries the ETag A's write produced.
func TestRun(t *testing.T) {
	for _, version := range []string{statedoc.Version103, statedoc.Version200} {
		t.Run(version, func(t *testing.T) {
			var out bytes.Buffer
			require.NoError(t, run(context.Background(), &out, "", "", "", version, nil))
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

// TestDiagram: the recorded dance renders as a Mermaid diagram in Markdown,
// line by line: both reads, A's write, B's refused write, B's read, merge
// and second write, with the legend of the three versions.
func TestDiagram(t *testing.T) {
	rec := sequence.New(&sequence.Options{Server: "LRS", ShortETags: true})
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, "", "", "", statedoc.Version103, rec))

	got := strings.Split(strings.TrimSuffix(rec.Markdown(), "\n"), "\n")
	require.Len(t, got, 24, rec.Markdown())
	assert.Equal(t, []string{
		"```mermaid",
		"sequenceDiagram",
		"    participant A",
		"    participant B",
		"    participant LRS",
		"    A->>LRS: GET",
		`    LRS-->>A: 200 OK, ETag: "e1"`,
		"    B->>LRS: GET",
		`    LRS-->>B: 200 OK, ETag: "e1"`,
		`    A->>LRS: PUT If-Match: "e1"`,
		`    LRS-->>A: 204 No Content, ETag: "e2"`,
		`    B->>LRS: PUT If-Match: "e1"`,
		"    LRS-->>B: 412 Precondition Failed",
		"    Note over B,LRS: 412: B's write lost to another writer, B reads again",
		"    B->>LRS: GET",
		`    LRS-->>B: 200 OK, ETag: "e2"`,
		`    Note over B: B merges its change onto "e2": /page theirs-only, /checked ours-only`,
		`    B->>LRS: PUT If-Match: "e2"`,
		`    LRS-->>B: 204 No Content, ETag: "e3"`,
		"```",
		"",
	}, got[:21])
	// The legend names the versions the run printed: A's write went on e1
	// and made e2, B's second write made e3.
	puts := regexp.MustCompile(`(?m)^(A|B) +PUT +If-Match: (\S+) +-> (\d+) .*ETag: (\S+)$`).FindAllStringSubmatch(out.String(), -1)
	require.Len(t, puts, 3, out.String())
	assert.Equal(t, []string{
		"- `e1` is `" + puts[0][2] + "`",
		"- `e2` is `" + puts[0][4] + "`",
		"- `e3` is `" + puts[2][4] + "`",
	}, got[21:])
}
