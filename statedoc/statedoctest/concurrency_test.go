package statedoctest_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/statedoc"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

// racer is one request of a race.
type racer struct {
	method string
	key    statedoc.Key
	body   string
	header map[string]string
}

// race sends all requests at once, each from its own goroutine, and
// returns their statuses in the order of rs.
func race(t *testing.T, srv *statedoctest.Server, rs []racer) []int {
	t.Helper()
	statuses := make([]int, len(rs))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, r := range rs {
		u := srv.StateURL() + "?" + query(t, r.key).Encode()
		wg.Add(1)
		go func() {
			defer wg.Done()
			var body io.Reader
			if r.body != "" {
				body = strings.NewReader(r.body)
			}
			hr, err := http.NewRequest(r.method, u, body)
			if !assert.NoError(t, err) {
				return
			}
			hr.Header.Set(statedoc.HeaderVersion, srv.Version())
			if r.body != "" {
				hr.Header.Set("Content-Type", "application/json")
			}
			for k, v := range r.header {
				hr.Header.Set(k, v)
			}
			<-start
			resp, err := srv.Client().Do(hr)
			if !assert.NoError(t, err) {
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}()
	}
	close(start)
	wg.Wait()
	return statuses
}

func count(statuses []int) map[int]int {
	c := map[int]int{}
	for _, s := range statuses {
		c[s]++
	}
	return c
}

func TestConcurrentConditionalPut(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			srv := statedoctest.NewServer(&statedoctest.Options{Version: v})
			defer srv.Close()
			k := testKey("s")
			etag := srv.SetDocument(k, "application/json", []byte(`{"n":0}`))
			const writers = 64
			rs := make([]racer, writers)
			for i := range rs {
				rs[i] = racer{http.MethodPut, k, fmt.Sprintf(`{"n":%d}`, i+1), map[string]string{"If-Match": etag}}
			}
			assert.Equal(t, map[int]int{204: 1, 412: writers - 1}, count(race(t, srv, rs)))
			d, _ := srv.Document(k)
			assert.NotEqual(t, `{"n":0}`, string(d.Body))

			// The store decided the winner first; the log is in arrival order.
			log := srv.Log()
			require.Len(t, log, writers)
			orders := map[uint64]bool{}
			for i, e := range log {
				assert.Equal(t, uint64(i+1), e.Arrival)
				orders[e.StoreOrder] = true
				if e.Status == 204 {
					assert.Equal(t, uint64(1), e.StoreOrder, "the winner is the first write the store decided")
					assert.Equal(t, d.Body, e.RequestBody)
				}
			}
			assert.Len(t, orders, writers, "every request has its own decision number")
		})
	}
}

// Two clients create the same document with If-None-Match: *; exactly one
// succeeds, whatever the method.
func TestConcurrentCreate(t *testing.T) {
	const rounds = 50
	for _, v := range versions {
		for _, method := range []string{http.MethodPut, http.MethodPost} {
			t.Run(v+"/"+method, func(t *testing.T) {
				srv := statedoctest.NewServer(&statedoctest.Options{Version: v})
				defer srv.Close()
				create := map[string]string{"If-None-Match": "*"}
				for round := range rounds {
					k := testKey(fmt.Sprintf("s%d", round))
					statuses := race(t, srv, []racer{
						{method, k, `{"by":"A"}`, create},
						{method, k, `{"by":"B"}`, create},
					})
					require.Equal(t, map[int]int{204: 1, 412: 1}, count(statuses), "round %d", round)
					d, ok := srv.Document(k)
					require.True(t, ok)
					want := map[bool]string{true: `{"by":"A"}`, false: `{"by":"B"}`}[statuses[0] == 204]
					assert.Equal(t, want, string(d.Body), "the winner's document is stored")
				}
			})
		}
	}
}

// A conditional POST and a conditional DELETE on the same ETag race;
// exactly one wins and the store reflects only the winner.
func TestConcurrentPostDelete(t *testing.T) {
	const rounds = 50
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			srv := statedoctest.NewServer(&statedoctest.Options{Version: v})
			defer srv.Close()
			wins := map[string]int{}
			for round := range rounds {
				k := testKey(fmt.Sprintf("s%d", round))
				etag := srv.SetDocument(k, "application/json", []byte(`{"a":1}`))
				ifMatch := map[string]string{"If-Match": etag}
				statuses := race(t, srv, []racer{
					{http.MethodPost, k, `{"b":2}`, ifMatch},
					{http.MethodDelete, k, "", ifMatch},
				})
				require.Equal(t, map[int]int{204: 1, 412: 1}, count(statuses), "round %d", round)
				d, ok := srv.Document(k)
				if statuses[0] == 204 {
					wins["POST"]++
					require.True(t, ok, "round %d: the POST won, so the document exists", round)
					assert.Equal(t, `{"a":1,"b":2}`, string(d.Body))
				} else {
					wins["DELETE"]++
					assert.False(t, ok, "round %d: the DELETE won, so the document is gone", round)
				}
			}
			t.Logf("winners over %d rounds: %v", rounds, wins)
		})
	}
}

// The log is in the order the server took requests in, which is also the
// order in which they consumed scripts: the scripted answers come first.
// A mismatch shows only under a race, so the test runs many small rounds
// (two requests each, the most sensitive shape).
func TestLogArrivalOrder(t *testing.T) {
	const (
		rounds   = 2000
		requests = 2
		scripted = requests / 2
	)
	srv := statedoctest.NewServer(nil)
	defer srv.Close()
	rs := make([]racer, requests)
	for i := range rs {
		rs[i] = racer{method: http.MethodGet, key: testKey("s")}
	}
	for round := range rounds {
		srv.ResetLog()
		srv.Script(statedoctest.Script{Status: http.StatusServiceUnavailable, Times: scripted})
		assert.Equal(t, map[int]int{503: scripted, 404: requests - scripted}, count(race(t, srv, rs)))
		log := srv.Log()
		require.Len(t, log, requests)
		for i, e := range log {
			require.Equal(t, i < scripted, e.Scripted, "round %d: entry %d (%v)", round, i, e)
			if i > 0 {
				require.Greater(t, e.Arrival, log[i-1].Arrival)
			}
		}
	}
}
