package client

import (
	"container/list"
	"sync"
	"time"
)

// versions is the cache of the last version seen of each document
// (Options.Cache): at most size entries, each used for ttl after it was
// seen. A nil *versions keeps nothing. Snapshots are never changed once
// made, so entries share their bytes with the writes that use them.
type versions struct {
	mu    sync.Mutex
	size  int
	ttl   time.Duration
	now   func() time.Time
	byURL map[string]*list.Element
	order *list.List // most recently used first
}

type version struct {
	url  string
	snap snapshot
	seen time.Time
}

func newVersions(size int, ttl time.Duration) *versions {
	if size <= 0 {
		return nil
	}
	return &versions{size: size, ttl: ttl, now: time.Now, byURL: map[string]*list.Element{}, order: list.New()}
}

// get returns the version of u seen last, if it is still fresh.
func (c *versions) get(u string) (snapshot, bool) {
	if c == nil {
		return snapshot{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byURL[u]
	if !ok {
		return snapshot{}, false
	}
	v := el.Value.(*version)
	if c.now().Sub(v.seen) > c.ttl {
		c.order.Remove(el)
		delete(c.byURL, u)
		return snapshot{}, false
	}
	c.order.MoveToFront(el)
	return v.snap, true
}

// put records s as the version of u, dropping the least recently used
// entry when full.
func (c *versions) put(u string, s snapshot) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byURL[u]; ok {
		el.Value = &version{url: u, snap: s, seen: c.now()}
		c.order.MoveToFront(el)
		return
	}
	c.byURL[u] = c.order.PushFront(&version{url: u, snap: s, seen: c.now()})
	for c.order.Len() > c.size {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.byURL, last.Value.(*version).url)
	}
}

// drop forgets u.
func (c *versions) drop(u string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byURL[u]; ok {
		c.order.Remove(el)
		delete(c.byURL, u)
	}
}
