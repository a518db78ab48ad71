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
	ceiling := ceiling(attempt, base, limit)
	if ceiling <= 0 {
		return 0
	}
	return uniform(0, ceiling)
}

// EqualJitter returns a wait drawn uniformly from [d/2, d], where
// d = min(limit, base·2^(attempt-1)): every contender waits at least half
// the step, so that a writer that lost comes back after those that won have
// had the time to commit, and the spread still keeps contenders apart.
// Attempt, base and limit are taken as by FullJitter.
func EqualJitter(attempt int, base, limit time.Duration) time.Duration {
	d := ceiling(attempt, base, limit)
	if d <= 0 {
		return 0
	}
	return uniform(d/2, d)
}

// ceiling is min(limit, base·2^(attempt-1)), without overflow.
func ceiling(attempt int, base, limit time.Duration) time.Duration {
	if base <= 0 {
		return 0
	}
	if limit < base {
		limit = base
	}
	c := base
	for i := 1; i < attempt && c < limit; i++ {
		if c > limit/2 {
			c = limit
			break
		}
		c *= 2
	}
	return min(c, limit)
}

// uniform returns a duration drawn uniformly from [lo, hi].
func uniform(lo, hi time.Duration) time.Duration {
	if hi-lo == time.Duration(1<<63-1) {
		return lo + time.Duration(rand.Int64())
	}
	return lo + time.Duration(rand.Int64N(int64(hi-lo)+1))
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
