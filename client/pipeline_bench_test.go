package client_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ifmatch/ifmatch/client"
	"github.com/ifmatch/ifmatch/statedoc"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

// benchServer is a test LRS answering each request after 1 ms.
func benchServer(b *testing.B) *statedoctest.Server {
	all := []string{http.MethodGet, http.MethodPut}
	srv := statedoctest.NewServer(&statedoctest.Options{Faults: statedoctest.FaultPlan{
		Rules: []statedoctest.Fault{{Kind: statedoctest.Latency, Methods: all, Delay: time.Millisecond}},
	}})
	b.Cleanup(srv.Close)
	return srv
}

func benchClient(b *testing.B, srv *statedoctest.Server) *client.StateClient[tally] {
	c, err := client.NewStateClient[tally](srv.URL, &client.LRSOptions{Options: client.Options{HTTPClient: srv.Client()}})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// reportExchanges reports the server's requests per operation.
func reportExchanges(b *testing.B, srv *statedoctest.Server, ops int) {
	var puts, gets, refused int
	for _, e := range srv.TakeLog() {
		switch e.Method {
		case http.MethodPut:
			puts++
			if e.Status == http.StatusPreconditionFailed {
				refused++
			}
		case http.MethodGet:
			gets++
		}
	}
	b.ReportMetric(float64(puts)/float64(ops), "PUTs/op")
	b.ReportMetric(float64(gets)/float64(ops), "GETs/op")
	b.ReportMetric(float64(refused)/float64(ops), "412s/op")
}

// BenchmarkWritersOnOneDocument: 16 goroutines add one to one document,
// sharing one client (whose pipeline coalesces them) or each with its
// own (which race through the server's preconditions). An op is one
// increment.
func BenchmarkWritersOnOneDocument(b *testing.B) {
	const writers = 16
	for _, shared := range []bool{true, false} {
		name := "separate-clients"
		if shared {
			name = "shared-client"
		}
		b.Run(name, func(b *testing.B) {
			srv := benchServer(b)
			one := benchClient(b, srv)
			var left atomic.Int64
			left.Store(int64(b.N))
			var gaveUp atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			for range writers {
				c := one
				if !shared {
					c = benchClient(b, srv)
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					for left.Add(-1) >= 0 {
						if _, err := c.Update(context.Background(), key, func(d tally) (tally, error) { d.Count++; return d, nil }); err != nil {
							gaveUp.Add(1)
						}
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			reportExchanges(b, srv, b.N)
			b.ReportMetric(float64(gaveUp.Load())/float64(b.N), "gave-up/op")
		})
	}
}

// BenchmarkBurst: 100 edits issued at once through one client to one
// document. An op is the whole burst.
func BenchmarkBurst(b *testing.B) {
	srv := benchServer(b)
	c := benchClient(b, srv)
	const edits = 100
	b.ResetTimer()
	for i := range b.N {
		k := statedoc.Key{ActivityID: key.ActivityID, Agent: key.Agent, StateID: fmt.Sprint("burst-", i)}
		var wg sync.WaitGroup
		for range edits {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := c.Update(context.Background(), k, func(d tally) (tally, error) { d.Count++; return d, nil }); err != nil {
					b.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	b.StopTimer()
	reportExchanges(b, srv, b.N)
}
