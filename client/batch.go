package client

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/ifmatch/ifmatch/merge"
	"github.com/ifmatch/ifmatch/statedoc"
)

// BatchOptions shapes a batch of writes (UpdateAll, SaveAll). A nil
// *BatchOptions is the zero value.
type BatchOptions struct {
	// Concurrency is the most documents written at once. Zero or negative
	// means 4.
	Concurrency int
	// Progress, when not nil, is called once after each document of the
	// batch ends, one call at a time, with the counts so far. It must
	// return quickly: the next document's worker waits for it.
	Progress func(BatchProgress)
}

// BatchProgress counts the documents of a batch.
type BatchProgress struct {
	// Total is the number of documents in the batch.
	Total int
	// Done counts the documents that ended, written or not.
	Done int
	// Failed counts those of Done that ended in an error.
	Failed int
}

// BatchResult is how one document of a batch ended: Result on success,
// Err otherwise (as the single call would have returned them). K is the
// document's key: a statedoc.Key, or a URL for a DocumentClient.
type BatchResult[K, T any] struct {
	Key    K
	Result Result[T]
	Err    error
}

// SaveItem is one document of a SaveAll: ours, made from base, for the
// document at Key.
type SaveItem[K, T any] struct {
	Key  K
	Base Doc[T]
	Ours T
}

// runAll runs do for each key with at most opts.Concurrency at once, in
// the order given, and returns the results in that order. When ctx ends,
// documents not yet begun are not begun: their Err wraps ErrNotSent and
// the context's error. The server asking the client to slow down (429, or
// 503 with Retry-After) holds every worker, since they share one client.
func runAll[K, T any](ctx context.Context, keys []K, name func(K) string, op string, opts *BatchOptions,
	do func(context.Context, K) (Result[T], error)) []BatchResult[K, T] {
	var o BatchOptions
	if opts != nil {
		o = *opts
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	out := make([]BatchResult[K, T], len(keys))
	var (
		mu       sync.Mutex
		progress = BatchProgress{Total: len(keys)}
		wg       sync.WaitGroup
		next     = make(chan int)
	)
	// A panic in a worker (an edit, a merge function, Progress) stops the
	// batch and is raised again on the caller's goroutine.
	var panicked atomic.Pointer[any]
	ended := func(i int, r Result[T], err error) {
		mu.Lock()
		defer mu.Unlock()
		out[i].Result, out[i].Err = r, err
		progress.Done++
		if err != nil {
			progress.Failed++
		}
		if o.Progress != nil {
			o.Progress(progress)
		}
	}
	for range min(o.Concurrency, len(keys)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					panicked.CompareAndSwap(nil, &r)
					for range next { // let the feeder finish
					}
				}
			}()
			for i := range next {
				if panicked.Load() != nil {
					continue
				}
				r, err := do(ctx, keys[i])
				ended(i, r, err)
			}
		}()
	}
	begun := 0
feed:
	for i, k := range keys {
		out[i].Key = k
		if ctx.Err() != nil {
			break
		}
		select {
		case next <- i:
			begun++
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if p := panicked.Load(); p != nil {
		panic(*p)
	}
	for i := begun; i < len(keys); i++ {
		out[i].Key = keys[i]
		ended(i, Result[T]{}, &WriteError{Op: op, Resource: name(keys[i]), Err: wrap(ErrNotSent, ctx.Err())})
	}
	return out
}

// UpdateAll runs Update on each key with edit, a few documents at a time
// (see BatchOptions), and returns one result per key in the order given.
// Every document is its own Update: one failing does not stop the others.
// When ctx ends, documents already begun end as their Update does (see
// "One writer per document inside a client") and the others are not
// begun: their Err matches ErrNotSent and the context's error.
func (c *StateClient[T]) UpdateAll(ctx context.Context, keys []statedoc.Key, edit func(statedoc.Key, T) (T, error), opts *BatchOptions) []BatchResult[statedoc.Key, T] {
	return runAll(ctx, keys, statedoc.Key.String, "update", opts, func(ctx context.Context, k statedoc.Key) (Result[T], error) {
		return c.Update(ctx, k, func(v T) (T, error) { return edit(k, v) })
	})
}

// SaveAll runs Save on each item with the merge m, a few documents at a
// time, as UpdateAll does.
func (c *StateClient[T]) SaveAll(ctx context.Context, items []SaveItem[statedoc.Key, T], m merge.Func[T], opts *BatchOptions) []BatchResult[statedoc.Key, T] {
	return saveAll(ctx, items, func(it SaveItem[statedoc.Key, T]) string { return it.Key.String() }, opts,
		func(ctx context.Context, it SaveItem[statedoc.Key, T]) (Result[T], error) {
			return c.Save(ctx, it.Key, it.Base, it.Ours, m)
		})
}

// UpdateAll runs Update on each URL with edit, a few documents at a time,
// as StateClient.UpdateAll does.
func (c *DocumentClient[T]) UpdateAll(ctx context.Context, urls []string, edit func(string, T) (T, error), opts *BatchOptions) []BatchResult[string, T] {
	return runAll(ctx, urls, redact, "update", opts, func(ctx context.Context, u string) (Result[T], error) {
		return c.Update(ctx, u, func(v T) (T, error) { return edit(u, v) })
	})
}

// SaveAll runs Save on each item with the merge m, a few documents at a
// time, as StateClient.UpdateAll does.
func (c *DocumentClient[T]) SaveAll(ctx context.Context, items []SaveItem[string, T], m merge.Func[T], opts *BatchOptions) []BatchResult[string, T] {
	return saveAll(ctx, items, func(it SaveItem[string, T]) string { return redact(it.Key) }, opts,
		func(ctx context.Context, it SaveItem[string, T]) (Result[T], error) {
			return c.Save(ctx, it.Key, it.Base, it.Ours, m)
		})
}

// saveAll is batch over save items, with results keyed by the items' keys.
func saveAll[K, T any](ctx context.Context, items []SaveItem[K, T], name func(SaveItem[K, T]) string, opts *BatchOptions,
	do func(context.Context, SaveItem[K, T]) (Result[T], error)) []BatchResult[K, T] {
	rs := runAll(ctx, items, name, "save", opts, do)
	out := make([]BatchResult[K, T], len(rs))
	for i, r := range rs {
		out[i] = BatchResult[K, T]{Key: items[i].Key, Result: r.Result, Err: r.Err}
	}
	return out
}
