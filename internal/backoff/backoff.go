// Package backoff computes waits between attempts and sleeps for them without
// outliving a context.
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// FullJitter returns a wait drawn uniformly from [0, min(max, base·2^(attempt-1))],
// the "full jitter" schedule: contenders spread out instead of colliding again
// in step. Attempt counts from 1; values below 1 are taken as 1. A non-positive
// base yields zero.
func FullJitter(attempt int, base, max time.Duration) time.Duration {
	if base <= 0 {
		return 0
	}
	if max < base {
		max = base
	}
	if attempt < 1 {
		attempt = 1
	}
	ceiling := base
	for i := 1; i < attempt && ceiling < max; i++ {
		ceiling *= 2
	}
	if ceiling > max {
		ceiling = max
	}
	return time.Duration(rand.Int64N(int64(ceiling) + 1))
}

// Sleep waits for d or until ctx ends, whichever comes first, and returns
// ctx.Err() in the second case. A non-positive d only checks ctx.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
