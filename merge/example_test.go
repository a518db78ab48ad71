package merge_test

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ifmatch/ifmatch/merge"
)

type Progress struct {
	Page     int      `json:"page"`
	Bookmark string   `json:"bookmark,omitempty"`
	Done     []string `json:"done,omitempty"`
}

// Two apps edited the same learner state: this one moved on a page, the
// other set a bookmark. FieldUnion keeps both changes.
func ExampleFieldUnion() {
	base := Progress{Page: 3}
	ours := Progress{Page: 4}
	theirs := Progress{Page: 3, Bookmark: "intro"}

	merged, err := merge.FieldUnion[Progress](nil)(base, ours, theirs)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%+v\n", merged)
	// Output: {Page:4 Bookmark:intro Done:[]}
}

// Resolvers decide conflicting edits path by path: the furthest page
// wins, completed sections are a set, attempts are counters.
func ExampleJSON_resolvers() {
	base := []byte(`{"page":3,"done":["a"],"attempts":{"q1":1,"q2":0}}`)
	ours := []byte(`{"page":5,"done":["a","b"],"attempts":{"q1":2,"q2":0}}`)
	theirs := []byte(`{"page":4,"done":["a","c"],"attempts":{"q1":3,"q2":1}}`)

	opts := &merge.Options{
		Policy: merge.Fail,
		Resolvers: map[string]merge.Resolver{
			"/page":       merge.Max(),
			"/done":       merge.SetUnion(),
			"/attempts/*": merge.Sum(),
		},
	}
	out, _, err := merge.JSON(base, ours, theirs, opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(out))
	// Output: {"page":5,"done":["a","c","b"],"attempts":{"q1":4,"q2":1}}
}

// Text merges edits to different sentences of the same answer.
func ExampleText() {
	base := []byte(`{"essay":"Rivers carve valleys. Glaciers carve fjords."}`)
	ours := []byte(`{"essay":"Rivers slowly carve valleys. Glaciers carve fjords."}`)
	theirs := []byte(`{"essay":"Rivers carve valleys. Glaciers carve deep fjords."}`)

	opts := &merge.Options{Resolvers: map[string]merge.Resolver{"/essay": merge.Text(merge.Fail)}}
	out, _, err := merge.JSON(base, ours, theirs, opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(out))
	// Output: {"essay":"Rivers slowly carve valleys. Glaciers carve deep fjords."}
}

// The report says what happened at every path that changed.
func ExampleReport() {
	base := []byte(`{"page":3,"score":10,"note":"x"}`)
	ours := []byte(`{"page":4,"score":12,"note":"x"}`)
	theirs := []byte(`{"page":3,"score":11}`)

	_, report, err := merge.JSON(base, ours, theirs, &merge.Options{Policy: merge.Theirs})
	if err != nil {
		fmt.Println(err)
		return
	}
	show := func(v json.RawMessage) string {
		if v == nil {
			return "(absent)"
		}
		return string(v)
	}
	for _, d := range report.Decisions {
		fmt.Printf("%-6s %-13s base=%s ours=%s theirs=%s result=%s\n",
			d.Path, d.Rule, show(d.Base), show(d.Ours), show(d.Theirs), show(d.Result))
	}
	// Output:
	// /page  ours-only     base=3 ours=4 theirs=3 result=4
	// /score policy:theirs base=10 ours=12 theirs=11 result=11
	// /note  theirs-only   base="x" ours="x" theirs=(absent) result=(absent)
}

// With the Fail policy a merge that meets a conflict returns a
// *ConflictError naming every conflicting path.
func ExampleConflictError() {
	base := []byte(`{"a":1,"b":1,"c":1}`)
	ours := []byte(`{"a":2,"b":2,"c":1}`)
	theirs := []byte(`{"a":3,"b":3,"c":2}`)

	_, _, err := merge.JSON(base, ours, theirs, &merge.Options{Policy: merge.Fail})
	var ce *merge.ConflictError
	if errors.As(err, &ce) {
		fmt.Println(errors.Is(err, merge.ErrConflict), ce.Paths)
	}
	// Output: true [/a /b]
}

// A custom resolver: keep the longer of two strings.
func ExampleResolverFunc() {
	longer := merge.ResolverFunc(func(path string, base, ours, theirs json.RawMessage) (json.RawMessage, error) {
		var o, t string
		if json.Unmarshal(ours, &o) != nil || json.Unmarshal(theirs, &t) != nil {
			return nil, merge.ErrNoDecision // not strings: the fallback policy decides
		}
		if len(o) >= len(t) {
			return ours, nil
		}
		return theirs, nil
	})
	out, _, _ := merge.JSON([]byte(`{"name":"Ada"}`), []byte(`{"name":"Ada L."}`), []byte(`{"name":"Ada Lovelace"}`),
		&merge.Options{Resolvers: map[string]merge.Resolver{"/name": longer}})
	fmt.Println(string(out))
	// Output: {"name":"Ada Lovelace"}
}

// LastWriteWins overwrites: their changes are dropped.
func ExampleLastWriteWins() {
	merged, _ := merge.LastWriteWins[Progress]()(Progress{Page: 1}, Progress{Page: 2}, Progress{Page: 1, Bookmark: "b"})
	fmt.Printf("%+v\n", merged)
	// Output: {Page:2 Bookmark: Done:[]}
}

// MergePatch turns a finished edit into an RFC 7386 merge patch.
func ExampleMergePatch() {
	patch, err := merge.MergePatch([]byte(`{"page":3,"tmp":true,"big":1}`), []byte(`{"page":4,"big":12345678901234567890}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(patch))
	// Output: {"big":12345678901234567890,"page":4,"tmp":null}
}

// Equal compares JSON values, ignoring member order and whitespace but not
// the text of numbers.
func ExampleEqual() {
	same, _ := merge.Equal([]byte(`{"a":1,"b":[1,2]}`), []byte(`{ "b": [1, 2], "a": 1 }`))
	differ, _ := merge.Equal([]byte(`{"a":1}`), []byte(`{"a":1.0}`))
	fmt.Println(same, differ)
	// Output: true false
}

// Two apps each ticked a box in the same learner state. Arrays merge
// element by element, so both ticks are kept, theirs first; the report
// names each element by its index in the merged array.
func ExampleJSON_arrays() {
	base := []byte(`{"ticked":["q1"]}`)
	ours := []byte(`{"ticked":["q1","q2"]}`)
	theirs := []byte(`{"ticked":["q1","q3"]}`)

	out, report, err := merge.JSON(base, ours, theirs, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(out))
	for _, d := range report.Decisions {
		fmt.Println(d.Path, d.Rule)
	}
	// Output:
	// {"ticked":["q1","q3","q2"]}
	// /ticked/1 theirs-only
	// /ticked/2 ours-only
}
