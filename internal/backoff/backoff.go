package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// FullJitter returns a wait drawn uniformly from [0, min(limit, base·2^(attempt-1))],
// the "full jitter" schedule: contenders spread out instead of colliding again
// in step. Attempt counts from 1; values below 1 are taken as 1. A non-positive
// base yields zero; a limit below base is taken as base.
func FullJitter(attempt int, base, limit time.Duration) time.Duration {
	if base <= 0 {
		return 0
	}
	if limit < base {
		limit = base
	}
	ceiling := base
	for i := 1; i < attempt && ceiling < limit; i++ {
		if ceiling > limit/2 {
			ceiling = limit
			break
		}
		ceiling *= 2
	}
	if ceiling > limit {
		ceiling = limit
	}
	if ceiling == time.Duration(1<<63-1) {
		return time.Duration(rand.Int64())
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
