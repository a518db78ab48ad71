package backoff

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFullJitterBounds(t *testing.T) {
	tests := []struct {
		attempt   int
		base, max time.Duration
		ceiling   time.Duration
	}{
		{attempt: 0, base: 10 * time.Millisecond, max: time.Second, ceiling: 10 * time.Millisecond},
		{attempt: 1, base: 10 * time.Millisecond, max: time.Second, ceiling: 10 * time.Millisecond},
		{attempt: 3, base: 10 * time.Millisecond, max: time.Second, ceiling: 40 * time.Millisecond},
		{attempt: 60, base: 10 * time.Millisecond, max: time.Second, ceiling: time.Second},
		{attempt: 2, base: time.Second, max: time.Millisecond, ceiling: time.Second},
		{attempt: 5, base: 0, max: time.Second, ceiling: 0},
		{attempt: 80, base: 10 * time.Millisecond, max: math.MaxInt64, ceiling: math.MaxInt64},
		{attempt: 80, base: 10 * time.Millisecond, max: math.MaxInt64 - 1, ceiling: math.MaxInt64 - 1},
	}
	for _, tt := range tests {
		sawNonZero := false
		for range 200 {
			d := FullJitter(tt.attempt, tt.base, tt.max)
			assert.GreaterOrEqual(t, d, time.Duration(0))
			assert.LessOrEqual(t, d, tt.ceiling)
			if d > 0 {
				sawNonZero = true
			}
		}
		assert.Equal(t, tt.ceiling > 0, sawNonZero, "attempt %d base %v", tt.attempt, tt.base)
	}
}

func TestSleepStopsOnContextEnd(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel) // ends while Sleep waits
	done := make(chan error, 1)
	go func() { done <- Sleep(ctx, time.Hour) }()
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(10 * time.Second):
		t.Fatal("Sleep outlived its context")
	}
	assert.NoError(t, Sleep(context.Background(), time.Millisecond))
	assert.ErrorIs(t, Sleep(ctx, 0), context.Canceled)
}
