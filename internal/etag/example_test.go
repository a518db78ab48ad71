package etag_test

import (
	"fmt"

	"github.com/ifmatch/ifmatch/internal/etag"
)

func ExampleClassify() {
	for _, t := range []string{`"a,b"`, `W/"a,b"`, `c0947-b1`, `"a", "b"`, `*`, "\"a\"\r\n", ``} {
		fmt.Printf("%-12q %s\n", t, etag.Classify(t))
	}
	// Output:
	// "\"a,b\""    strong
	// "W/\"a,b\""  weak
	// "c0947-b1"   strong
	// "\"a\", \"b\"" invalid
	// "*"          invalid
	// "\"a\"\r\n"  invalid
	// ""           absent
}

func ExampleToken() {
	tok, ok := etag.Token(" \"v1\"\t")
	fmt.Printf("%s %v %v\n", tok, ok, etag.Usable(tok))
	// Output: "v1" true true
}
