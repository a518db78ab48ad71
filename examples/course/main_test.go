package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCourse(t *testing.T) {
	for _, negotiate := range []bool{false, true} {
		var out bytes.Buffer
		require.NoError(t, run(context.Background(), &out, "", "", "", negotiate), out.String())
		assert.Contains(t, out.String(), "every change of both tools is there")
		assert.Contains(t, out.String(), "xAPI version: 1.0.3")
	}
}
