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

func TestEqualJitterBounds(t *testing.T) {
	base, limit := 50*time.Millisecond, 500*time.Millisecond
	for attempt, d := range map[int]time.Duration{0: 50, 1: 50, 2: 100, 3: 200, 4: 400, 5: 500, 60: 500} {
		d *= time.Millisecond
		lo, hi := d, time.Duration(0)
		for range 2000 {
			w := EqualJitter(attempt, base, limit)
			if w < d/2 || w > d {
				t.Fatalf("attempt %d: %v outside [%v, %v]", attempt, w, d/2, d)
			}
			lo, hi = min(lo, w), max(hi, w)
		}
		if hi-lo < d/4 {
			t.Errorf("attempt %d: waits spread over %v only", attempt, hi-lo)
		}
	}
	if EqualJitter(3, 0, time.Second) != 0 {
		t.Error("a non-positive base waits nothing")
	}
	if w := EqualJitter(40, time.Millisecond, time.Duration(1<<63-1)); w < 0 {
		t.Errorf("no overflow: %v", w)
	}
}
