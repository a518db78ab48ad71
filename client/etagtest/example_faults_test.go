package etagtest_test

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/ifmatch/ifmatch/client/etagtest"
)

// A write is applied and its answer lost: the client, seeing a connection
// error, retries with the same If-Match and gets 412 for a change that is
// already stored.
func ExampleServer_AddFault() {
	srv := etagtest.NewServer(nil)
	defer srv.Close()
	tag := srv.Put("/doc", []byte(`{"n":1}`))
	srv.AddFault(etagtest.Fault{Kind: etagtest.CommitThenDrop, Count: 1})

	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	write := func() string {
		req, _ := http.NewRequest(http.MethodPut, srv.URL+"/doc", strings.NewReader(`{"n":2}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("If-Match", tag)
		resp, err := client.Do(req)
		if err != nil {
			return "connection error"
		}
		resp.Body.Close()
		return resp.Status
	}
	fmt.Println("attempt 1:", write())
	fmt.Println("attempt 2:", write())

	body, _, _ := srv.Get("/doc")
	fmt.Println("stored:", string(body))
	for _, e := range srv.Log() {
		fmt.Println(e, "handled:", e.HandlerStatus)
	}
	fmt.Println(srv.FaultCounts())
	// Output:
	// attempt 1: connection error
	// attempt 2: 412 Precondition Failed
	// stored: {"n":2}
	// PUT /doc 0 [CommitThenDrop] handled: 204
	// PUT /doc 412 handled: 0
	// map[CommitThenDrop:1]
}
