package client

import (
	"context"

	"github.com/ifmatch/ifmatch/statedoc"
)

// Queued returns the number of writes waiting in the lane of key's
// document (not those in a write under way), for tests that need callers
// to have queued in a known order.
func Queued[T any](c *StateClient[T], key statedoc.Key) int {
	tg, err := c.r.target(context.Background(), key)
	if err != nil {
		return -1
	}
	ls := &c.r.t.eng.lanes
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ln := ls.byURL[tg.url]; ln != nil {
		return len(ln.queue)
	}
	return 0
}
