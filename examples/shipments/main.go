// Command shipments plays two writers on one shipment of an API that keeps
// the version in the JSON body, as the field "eTag", and takes changes as
// PATCHes with If-Match: the warehouse marks the shipment packed and adds
// a parcel while the carrier sets the tracking number, both from the same
// version. The warehouse's merge patch wins; the carrier's, sent with the
// same eTag, gets 412 Precondition Failed, and the carrier reads the new
// version, merges its change onto it and PATCHes again with the new eTag.
// The final shipment holds both edits.
//
// It prints every request (client, method, path, If-Match sent, status,
// the version returned, from the ETag header or else the body's eTag) with
// the body of every write, and the final shipment. By default it runs
// against a small shipments API embedded in the example (see server); -url
// names the shipments collection of a real one, where it creates a
// shipment with a POST:
//
//	go run ./examples/shipments
//	go run ./examples/shipments -url https://api.example.com/v1/shipments -user key -pass secret
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"time"

	"github.com/ifmatch/ifmatch/client"
)

// Shipment is a shipment as the warehouse and the carrier know it. ETag
// holds the version the shipment was read at; the client never sends it
// back as data.
type Shipment struct {
	ID                 string   `json:"id,omitempty"`
	ETag               string   `json:"eTag,omitempty"`
	ShipmentType       string   `json:"shipmentType"`
	DeliveryDate       string   `json:"deliveryDate"`
	DestinationAddress Address  `json:"destinationAddress"`
	Status             string   `json:"status"`
	TrackingNumber     string   `json:"trackingNumber,omitempty"`
	Parcels            []Parcel `json:"parcels,omitempty"`
}

// Address is where a shipment goes.
type Address struct {
	StreetAddress1 string `json:"streetAddress1"`
	City           string `json:"city"`
	State          string `json:"state"`
	PostalCode     string `json:"postalCode"`
}

// Parcel is one package of a shipment.
type Parcel struct {
	ID       string  `json:"id"`
	WeightKg float64 `json:"weightKg"`
}

// The two edits.
const (
	packed   = "packed"
	tracking = "1Z999AA10123456784"
)

var secondParcel = Parcel{ID: "p2", WeightKg: 3.5}

// options says where the example runs.
type options struct {
	url  string // a real shipments collection; "" means the embedded API
	user string // Basic auth user name for url
	pass string // Basic auth password for url
}

func main() {
	var o options
	flag.StringVar(&o.url, "url", "", "URL of the shipments collection of a real API (default: an embedded one)")
	flag.StringVar(&o.user, "user", "", "Basic auth user name for -url")
	flag.StringVar(&o.pass, "pass", "", "Basic auth password for -url")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, o); err != nil {
		fmt.Fprintln(os.Stderr, "shipments:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, o options) error {
	base := http.DefaultClient
	collection := o.url
	if collection == "" {
		srv := httptest.NewServer(newServer(nil).handler())
		defer srv.Close()
		collection, base = srv.URL+"/shipments", srv.Client()
		fmt.Fprintf(out, "embedded shipments API at %s\n", srv.URL)
	}
	trace := &tracer{out: out}
	newClient := func(name string) (*client.DocumentClient[Shipment], error) {
		hc := &http.Client{Transport: trace.wrap(name, base.Transport), Timeout: 30 * time.Second}
		return client.NewDocumentClient[Shipment](&client.DocumentOptions{
			Options:      client.Options{HTTPClient: hc, Username: o.user, Password: o.pass},
			VersionField: "/eTag",                // the version is the body's eTag
			Write:        client.WriteMergePatch, // changes are PATCHed as merge patches
			OnAbsent:     client.FailAbsent,      // shipments are created by POST only
		})
	}
	setup, err := newClient("setup")
	if err != nil {
		return err
	}
	warehouse, err := newClient("warehouse")
	if err != nil {
		return err
	}
	carrier, err := newClient("carrier")
	if err != nil {
		return err
	}

	fmt.Fprintln(out, "\n-- a shipment is booked")
	_, u, err := setup.Create(ctx, collection, Shipment{
		ShipmentType: "UHAUL",
		DeliveryDate: "2020-06-01",
		DestinationAddress: Address{
			StreetAddress1: "812 S 129th Street", City: "San Diego", State: "CA", PostalCode: "92102",
		},
		Status:  "booked",
		Parcels: []Parcel{{ID: "p1", WeightKg: 12.5}},
	})
	if err != nil {
		return fmt.Errorf("creating the shipment: %w", err)
	}

	fmt.Fprintln(out, "\n-- the warehouse and the carrier read the same version")
	docW, err := warehouse.Get(ctx, u)
	if err != nil {
		return err
	}
	docC, err := carrier.Get(ctx, u)
	if err != nil {
		return err
	}

	fmt.Fprintln(out, "\n-- the warehouse packs the shipment, adds a parcel and saves first")
	oursW := docW.Value
	oursW.Status = packed
	oursW.Parcels = append(slices.Clone(oursW.Parcels), secondParcel)
	if _, err := warehouse.Save(ctx, u, docW, oursW, nil); err != nil {
		return err
	}

	fmt.Fprintln(out, "\n-- the carrier sets the tracking number on the old version: 412, re-read, merge, PATCH")
	oursC := docC.Value
	oursC.TrackingNumber = tracking
	res, err := carrier.Save(ctx, u, docC, oursC, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "carrier's save: %s after %d attempt(s)\n", res.Outcome, res.Attempts)

	fmt.Fprintln(out, "\n-- the shipment as the server now holds it")
	final, err := setup.Get(ctx, u)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s\n", final.Raw)
	s := final.Value
	if s.Status != packed || !slices.Contains(s.Parcels, secondParcel) || s.TrackingNumber != tracking {
		return errors.New("an edit was lost: the final shipment does not hold both edits")
	}
	fmt.Fprintln(out, "both edits are there: no update was lost")
	return nil
}
