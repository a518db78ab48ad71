package client_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"time"

	"github.com/ifmatch/ifmatch/client"
	"github.com/ifmatch/ifmatch/statedoc"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

// An Observer sees each step of the loop. Here another writer gets in
// first once: the write is answered 412, the document read again and the
// edit replayed.
func ExampleObserver() {
	lrs := statedoctest.NewServer(nil)
	defer lrs.Close()
	key := statedoc.Key{
		ActivityID: "https://example.com/courses/1",
		Agent:      statedoc.Agent{Mbox: "mailto:ada@example.com"},
		StateID:    "progress",
	}
	lrs.SetDocument(key, "application/json", []byte(`{"page":1}`))
	lrs.Script(statedoctest.Script{Method: http.MethodPut, Status: http.StatusPreconditionFailed})

	show := client.ObserverFunc(func(_ context.Context, e client.Event) {
		switch e.Kind {
		case client.EventExchange:
			fmt.Println(e.Kind, e.Method, e.Status)
		case client.EventDone:
			fmt.Println(e.Kind, e.Op, e.Outcome, "after", e.Attempts, "writes")
		default:
			fmt.Println(e.Kind)
		}
	})
	c, err := client.NewStateClient[Progress](lrs.URL, &client.LRSOptions{Options: client.Options{
		HTTPClient: lrs.Client(), Observer: show, ConflictBackoff: func(int) time.Duration { return 0 }}})
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.Update(context.Background(), key, func(p Progress) (Progress, error) { p.Page++; return p, nil })
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// start
	// join
	// exchange GET 200
	// exchange PUT 412
	// lost
	// wait
	// exchange GET 200
	// exchange PUT 204
	// done update updated after 2 writes
}
