package sequence_test

import (
	"context"
	"fmt"

	"github.com/ifmatch/ifmatch/client"
	"github.com/ifmatch/ifmatch/client/sequence"
	"github.com/ifmatch/ifmatch/statedoc"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

// Two clients write one document: B's write, made on the version both
// read, is refused; B reads the new version, merges and writes again.
func Example() {
	srv := statedoctest.NewServer(nil)
	defer srv.Close()
	key := statedoc.Key{ActivityID: "https://example.com/courses/1",
		Agent: statedoc.Agent{Mbox: "mailto:ada@example.com"}, StateID: "progress"}
	srv.SetDocument(key, "application/json", []byte(`{"page":1}`))

	rec := sequence.New(&sequence.Options{Server: "LRS", ShortETags: true})
	newClient := func(name string) *client.StateClient[map[string]any] {
		c, err := client.NewStateClient[map[string]any](srv.URL, &client.LRSOptions{Options: client.Options{
			HTTPClient: srv.Client(), Observer: rec.Client(name)}})
		if err != nil {
			panic(err)
		}
		return c
	}
	a, b := newClient("A"), newClient("B")
	ctx := context.Background()

	docA, _ := a.Get(ctx, key)
	docB, _ := b.Get(ctx, key)
	_, _ = a.Save(ctx, key, docA, map[string]any{"page": 5}, nil)
	if _, err := b.Save(ctx, key, docB, map[string]any{"page": 1, "intro": true}, nil); err != nil {
		fmt.Println(err)
	}
	fmt.Print(rec.Mermaid())
	// Output:
	// sequenceDiagram
	//     participant A
	//     participant B
	//     participant LRS
	//     A->>LRS: GET
	//     LRS-->>A: 200 OK, ETag: "e1"
	//     B->>LRS: GET
	//     LRS-->>B: 200 OK, ETag: "e1"
	//     A->>LRS: PUT If-Match: "e1"
	//     LRS-->>A: 204 No Content, ETag: "e2"
	//     B->>LRS: PUT If-Match: "e1"
	//     LRS-->>B: 412 Precondition Failed
	//     Note over B,LRS: 412: B's write lost to another writer, B reads again
	//     B->>LRS: GET
	//     LRS-->>B: 200 OK, ETag: "e2"
	//     Note over B: B merges its change onto "e2": /page theirs-only, /intro ours-only
	//     B->>LRS: PUT If-Match: "e2"
	//     LRS-->>B: 204 No Content, ETag: "e3"
}
