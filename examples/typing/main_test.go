package main

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTyping(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, 3*time.Millisecond, time.Millisecond), out.String())
	t.Log(out.String())

	editor := regexp.MustCompile(`editor: (\d+) PUTs \((\d+) answered 412\), (\d+) GETs`).FindStringSubmatch(out.String())
	require.NotNil(t, editor, out.String())
	puts, _ := strconv.Atoi(editor[1])
	refused, _ := strconv.Atoi(editor[2])
	assert.Less(t, puts, len(answer)/2, "saves made while one was in flight go together")
	// The editor's writes are refused only when the other tool wrote in
	// between, which it does five times.
	assert.LessOrEqual(t, refused, 5)
	assert.Contains(t, out.String(), fmt.Sprintf(`"text":%q`, answer))
}
