package client_test

import (
	"context"
	"fmt"
	"log"

	"github.com/ifmatch/ifmatch/client"
	"github.com/ifmatch/ifmatch/merge"
	"github.com/ifmatch/ifmatch/statedoc"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

// Progress is a learner's place in a course.
type Progress struct {
	Page    int             `json:"page"`
	Checked map[string]bool `json:"checked,omitempty"`
}

func ExampleStateClient_Update() {
	lrs := statedoctest.NewServer(nil)
	defer lrs.Close()

	c, err := client.NewStateClient[Progress](lrs.URL, &client.LRSOptions{Options: client.Options{HTTPClient: lrs.Client()}})
	if err != nil {
		log.Fatal(err)
	}
	key := statedoc.Key{
		ActivityID: "https://example.com/courses/1",
		Agent:      statedoc.Agent{Mbox: "mailto:ada@example.com"},
		StateID:    "progress",
	}
	for range 3 {
		res, err := c.Update(context.Background(), key, func(p Progress) (Progress, error) {
			p.Page++
			return p, nil
		})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(res.Outcome, "page", res.Value.Page)
	}
	// Output:
	// created page 1
	// updated page 2
	// updated page 3
}

func ExampleStateClient_Save() {
	lrs := statedoctest.NewServer(nil)
	defer lrs.Close()
	key := statedoc.Key{
		ActivityID: "https://example.com/courses/1",
		Agent:      statedoc.Agent{Mbox: "mailto:ada@example.com"},
		StateID:    "progress",
	}
	// Another application's member ("theme") is unknown to Progress.
	lrs.SetDocument(key, "application/json", []byte(`{"page":1,"theme":"dark"}`))

	c, err := client.NewStateClient[Progress](lrs.URL, &client.LRSOptions{Options: client.Options{HTTPClient: lrs.Client()}})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	base, err := c.Get(ctx, key)
	if err != nil {
		log.Fatal(err)
	}

	// Someone else turns the page meanwhile.
	lrs.SetDocument(key, "application/json", []byte(`{"page":2,"theme":"dark"}`))

	ours := base.Value
	ours.Checked = map[string]bool{"intro": true}
	res, err := c.Save(ctx, key, base, ours, merge.FieldUnion[Progress](nil))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Outcome, "after", res.Attempts, "attempts")
	stored, _ := lrs.Document(key)
	fmt.Println(string(stored.Body))
	// Output:
	// updated after 2 attempts
	// {"page":2,"theme":"dark","checked":{"intro":true}}
}
