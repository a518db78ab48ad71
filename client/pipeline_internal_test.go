package client

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/statedoc"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

type counter struct {
	N int `json:"n"`
}

// TestIdleLanesAreReleased: a client that has written 10,000 documents
// holds no pipeline state for any of them once the writes are over, and
// no goroutine of its own.
func TestIdleLanesAreReleased(t *testing.T) {
	srv := statedoctest.NewServer(nil)
	t.Cleanup(srv.Close)
	c, err := NewStateClient[counter](srv.URL, &LRSOptions{Options: Options{HTTPClient: srv.Client()}})
	require.NoError(t, err)

	const keys, workers = 10_000, 16
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failed []error
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				k := statedoc.Key{ActivityID: "https://example.com/a", Agent: statedoc.Agent{Mbox: "mailto:l@example.com"}, StateID: fmt.Sprint("s", i)}
				// A Save onto an absent base is one request, a create.
				if _, err := c.Save(context.Background(), k, Doc[counter]{}, counter{N: 1}, nil); err != nil {
					mu.Lock()
					failed = append(failed, err)
					mu.Unlock()
				}
				if c.r.t.eng.lanes.active() > workers {
					mu.Lock()
					failed = append(failed, fmt.Errorf("%d lanes held with %d writers", c.r.t.eng.lanes.active(), workers))
					mu.Unlock()
				}
			}
		}()
	}
	for i := range keys {
		next <- i
	}
	close(next)
	wg.Wait()
	require.Empty(t, failed)
	assert.Zero(t, c.r.t.eng.lanes.active(), "no lane outlives its writes")
	assert.Zero(t, c.r.t.eng.cache.len(), "the cache is off by default")
	assert.Equal(t, keys, len(srv.Log()))
	// A lane's goroutine leaves just after it delivers its last result.
	assert.Eventually(t, func() bool { return drains() == 0 }, 5*time.Second, time.Millisecond,
		"%d pipeline goroutines left", drains())
}

// drains counts the goroutines draining a lane.
func drains() int {
	buf := make([]byte, 8<<20)
	return strings.Count(string(buf[:runtime.Stack(buf, true)]), "client.(*engine).drain(")
}

func TestVersionCacheBounds(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	c := newVersions(3, time.Minute)
	c.now = func() time.Time { return now }
	for i := range 5 {
		c.put(fmt.Sprint(i), snapshot{exists: true, etag: fmt.Sprint(`"`, i, `"`)})
	}
	assert.Equal(t, 3, c.len(), "at most Size entries")
	_, ok := c.get("0")
	assert.False(t, ok, "the least recently used went first")
	_, ok = c.get("2")
	assert.True(t, ok)
	c.put("5", snapshot{exists: true})
	_, ok = c.get("2")
	assert.True(t, ok, "a read keeps an entry in use")
	_, ok = c.get("3")
	assert.False(t, ok)

	now = now.Add(time.Minute + time.Second)
	_, ok = c.get("2")
	assert.False(t, ok, "an entry expires after TTL")
	c.drop("4")
	c.drop("5")
	assert.Zero(t, c.len())
	assert.Nil(t, newVersions(0, time.Minute), "Size 0 is off")
	var off *versions
	off.put("x", snapshot{})
	_, ok = off.get("x")
	assert.False(t, ok)
}

// active returns the number of documents with a lane.
func (ls *lanes) active() int {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return len(ls.byURL)
}

// len returns the number of entries held.
func (c *versions) len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
