package main

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/client/etagtest"
)

// exchange is one printed request, with the body printed under it.
type exchange struct {
	who, method, path, cond string
	status                  int
	version, location       string
	contentType, body       string
}

var traceLine = regexp.MustCompile(`^(setup|warehouse|carrier) +(GET|POST|PATCH) +(\S+) +(-|If-Match: \S+|If-None-Match: \S+) +-> (\d{3}) .*eTag: (\S+)(?:  Location: (\S+))?$`)

var bodyLine = regexp.MustCompile(`^ {10}(\S+) (.*)$`)

// exchanges parses the request lines run printed, in order.
func exchanges(t *testing.T, text string) []exchange {
	t.Helper()
	var out []exchange
	for _, line := range bytes.Split([]byte(text), []byte("\n")) {
		if m := traceLine.FindStringSubmatch(string(line)); m != nil {
			status, err := strconv.Atoi(m[5])
			require.NoError(t, err)
			out = append(out, exchange{who: m[1], method: m[2], path: m[3], cond: m[4], status: status, version: m[6], location: m[7]})
		} else if m := bodyLine.FindStringSubmatch(string(line)); m != nil && len(out) > 0 {
			out[len(out)-1].contentType, out[len(out)-1].body = m[1], m[2]
		}
	}
	return out
}

// TestRun plays the story on the embedded API and checks the exchange
// request by request: both clients read the version the POST created, the
// warehouse's PATCH sends it and wins, the carrier's PATCH sends it too
// and is refused with 412, the carrier's re-read finds the warehouse's
// version and its second PATCH sends that version and only its own
// change. The final shipment holds both edits.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, options{}))
	text := out.String()
	got := exchanges(t, text)

	type step struct {
		who, method, path string
		ifMatch           int // index of the exchange whose version If-Match sends; -1: none
		status            int
		body              string // the merge patch sent, for PATCHes
	}
	const (
		packPatch  = `{"status":"packed","parcels":[{"id":"p1","weightKg":12.5},{"id":"p2","weightKg":3.5}]}`
		trackPatch = `{"trackingNumber":"1Z999AA10123456784"}`
	)
	want := []step{
		0: {"setup", http.MethodPost, "/shipments", -1, 201, ""},
		1: {"warehouse", http.MethodGet, "/shipments/1", -1, 200, ""},
		2: {"carrier", http.MethodGet, "/shipments/1", -1, 200, ""},
		3: {"warehouse", http.MethodPatch, "/shipments/1", 1, 200, packPatch},
		4: {"carrier", http.MethodPatch, "/shipments/1", 2, 412, trackPatch},
		5: {"carrier", http.MethodGet, "/shipments/1", -1, 200, ""},
		6: {"carrier", http.MethodPatch, "/shipments/1", 5, 200, trackPatch},
		7: {"setup", http.MethodGet, "/shipments/1", -1, 200, ""},
	}
	require.Len(t, got, len(want), text)
	for i, w := range want {
		g := got[i]
		assert.Equal(t, w.who, g.who, "request %d", i)
		assert.Equal(t, w.method, g.method, "request %d", i)
		assert.Equal(t, w.path, g.path, "request %d", i)
		assert.Equal(t, w.status, g.status, "request %d", i)
		cond := "-"
		if w.ifMatch >= 0 {
			require.NotEqual(t, "-", got[w.ifMatch].version, "request %d returned a version", w.ifMatch)
			cond = "If-Match: " + got[w.ifMatch].version
		}
		assert.Equal(t, cond, g.cond, "request %d", i)
		if w.method == http.MethodPatch {
			assert.Equal(t, mergePatchType, g.contentType, "request %d", i)
			assert.JSONEq(t, w.body, g.body, "request %d", i)
		}
	}
	assert.Equal(t, "/shipments/1", got[0].location)
	assert.Equal(t, jsonType, got[0].contentType)
	assert.NotContains(t, got[0].body, "eTag", "the POST carries no version")
	assert.Equal(t, got[0].version, got[1].version, "the warehouse reads the version the POST created")
	assert.Equal(t, got[1].version, got[2].version, "both read the same version")
	assert.Equal(t, got[3].version, got[5].version, "the carrier's re-read finds the warehouse's version")
	assert.Equal(t, got[6].version, got[7].version, "the final read finds the carrier's version")
	assert.Len(t, map[string]bool{got[1].version: true, got[3].version: true, got[6].version: true}, 3, "each write makes a new version")

	final := regexp.MustCompile(`(?m)^\{.*\}$`).FindString(text)
	assert.JSONEq(t, `{
		"id": "1", "eTag": "`+got[7].version+`", "updatedAt": "`+updatedAt(t, got[7].version)+`",
		"shipmentType": "UHAUL", "deliveryDate": "2020-06-01",
		"destinationAddress": {"streetAddress1": "812 S 129th Street", "city": "San Diego", "state": "CA", "postalCode": "92102"},
		"status": "packed",
		"parcels": [{"id": "p1", "weightKg": 12.5}, {"id": "p2", "weightKg": 3.5}],
		"trackingNumber": "1Z999AA10123456784"
	}`, final)
	assert.Contains(t, text, "carrier's save: updated after 2 attempt(s)")
	assert.Contains(t, text, "both edits are there")
}

// TestRunURL runs the example through -url on another API of the same
// shape, the generic test server keeping the version in the body's eTag,
// whose PATCH answers 204 without a body: the client reads the version
// back, and the story ends the same.
func TestRunURL(t *testing.T) {
	srv := etagtest.NewServer(&etagtest.Options{ETag: etagtest.NoETag, VersionField: "/eTag", Collections: []string{"/v1/shipments"}})
	t.Cleanup(srv.Close)
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, options{url: srv.URL + "/v1/shipments"}))
	assert.Contains(t, out.String(), "both edits are there", out.String())

	var patches []string
	for _, e := range srv.Log() {
		if e.Method == http.MethodPatch {
			patches = append(patches, e.Header.Get("If-Match")+" -> "+strconv.Itoa(e.Status))
		}
	}
	require.Len(t, patches, 3)
	assert.Regexp(t, `^v1 -> 204$`, patches[0], "the warehouse patches the created version")
	assert.Regexp(t, `^v1 -> 412$`, patches[1], "the carrier too, and loses")
	assert.Regexp(t, `^v2 -> 204$`, patches[2], "the carrier patches the warehouse's version")
	body, _, ok := srv.Get("/v1/shipments/1")
	require.True(t, ok)
	assert.JSONEq(t, `{
		"eTag": "v3", "shipmentType": "UHAUL", "deliveryDate": "2020-06-01",
		"destinationAddress": {"streetAddress1": "812 S 129th Street", "city": "San Diego", "state": "CA", "postalCode": "92102"},
		"status": "packed",
		"parcels": [{"id": "p1", "weightKg": 12.5}, {"id": "p2", "weightKg": 3.5}],
		"trackingNumber": "1Z999AA10123456784"
	}`, string(body))
}
