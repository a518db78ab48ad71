package client_test

import (
	"context"
	"fmt"
	"log"

	"github.com/ifmatch/ifmatch/client"
	"github.com/ifmatch/ifmatch/client/etagtest"
)

// Shipment is a document of an API that keeps the version in the body.
type Shipment struct {
	Status   string `json:"status"`
	Tracking string `json:"tracking,omitempty"`
	ETag     string `json:"eTag"`
}

func ExampleDocumentClient() {
	// An API that keeps each shipment's version in its "eTag" field, takes
	// changes as merge patches with If-Match, and creates by POST.
	api := etagtest.NewServer(&etagtest.Options{
		ETag: etagtest.NoETag, VersionField: "/eTag", Collections: []string{"/shipments"},
	})
	defer api.Close()

	c, err := client.NewDocumentClient[Shipment](&client.DocumentOptions{
		Options:      client.Options{HTTPClient: api.Client()},
		VersionField: "/eTag",
		Write:        client.WriteMergePatch,
		OnAbsent:     client.FailAbsent,
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	created, u, err := c.Create(ctx, api.URL+"/shipments", Shipment{Status: "new"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(created.Outcome, u[len(api.URL):], created.Value.Status, created.ETag)

	// A carrier writes first; the warehouse's change is made on the old
	// version, loses, and is merged onto the carrier's.
	base := created.Doc
	if _, err := c.Update(ctx, u, func(s Shipment) (Shipment, error) { s.Tracking = "1Z999"; return s, nil }); err != nil {
		log.Fatal(err)
	}
	ours := base.Value
	ours.Status = "packed"
	res, err := c.Save(ctx, u, base, ours, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Outcome, "after", res.Attempts, "attempts:", res.Value.Status, res.Value.Tracking, res.Value.ETag)
	// Output:
	// created /shipments/1 new v1
	// updated after 2 attempts: packed 1Z999 v3
}
