package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBatchSync(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, 80, 6, 60, false), out.String())
	assert.Contains(t, out.String(), "80/80 learners synced")
	assert.Contains(t, out.String(), "every learner has the course update, and the 8 bookmarks moved meanwhile are kept")
	assert.Regexp(t, `[1-9]\d* requests answered 429`, out.String(), "the rate limit was met and honoured")
}
