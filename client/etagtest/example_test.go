package etagtest_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/ifmatch/ifmatch/client/etagtest"
)

// Two clients read the same document; the first write wins and the second,
// made on the same ETag, is refused. This server keeps the version in the
// body, as some APIs do, and answers a stale If-Match with 409.
func Example() {
	srv := etagtest.NewServer(&etagtest.Options{VersionField: "/eTag", ConflictStatus: http.StatusConflict})
	defer srv.Close()
	tag := srv.Put("/shipments/1", []byte(`{"carrier":"UHAUL"}`))

	write := func(body string) int {
		req, _ := http.NewRequest(http.MethodPatch, srv.URL+"/shipments/1", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/merge-patch+json")
		req.Header.Set("If-Match", tag)
		resp, err := srv.Client().Do(req)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	fmt.Println("client A:", write(`{"carrier":"UPS"}`))
	fmt.Println("client B:", write(`{"carrier":"DHL"}`))

	resp, err := srv.Client().Get(srv.URL + "/shipments/1")
	if err != nil {
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println("stored:", string(body), "ETag:", resp.Header.Get("ETag"))
	for _, e := range srv.Log() {
		if e.Method == http.MethodPatch {
			fmt.Println(e, "If-Match", e.Header.Get("If-Match"))
		}
	}
	// Output:
	// client A: 204
	// client B: 409
	// stored: {"carrier":"UPS","eTag":"v2"} ETag: "v2"
	// PATCH /shipments/1 204 If-Match "v1"
	// PATCH /shipments/1 409 If-Match "v1"
}
