package statedoctest_test

import (
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/statedoc"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

const reg2 = "0b7d5c1e-2a3f-4e5d-9c8b-7a6f5e4d3c2b"

func regKey(stateID, registration string) statedoc.Key {
	k := testKey(stateID)
	k.Registration = registration
	return k
}

func TestList(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	at := func(seconds float64) time.Time { return t0.Add(time.Duration(seconds * float64(time.Second))) }
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			clock := newClock(t0)
			clock.step = time.Second
			srv := statedoctest.NewServer(&statedoctest.Options{Version: v, Now: clock.Now})
			defer srv.Close()
			// Written at t0+1s, +2s, ... in this order.
			for _, k := range []statedoc.Key{testKey("b"), testKey("a"), testKey("c"), regKey("r", reg), regKey("a", reg2)} {
				require.Equal(t, 204, put(t, srv, k, `{}`, nil).Status)
			}
			bob := testKey("x")
			bob.Agent = statedoc.Agent{Mbox: "mailto:bob@example.com"}
			srv.SetDocument(bob, "application/json", []byte(`{}`)) // t0+6s, another agent

			tests := []struct {
				name         string
				registration string // "" lists every registration
				since        string // "" for none
				want         string
				lastModified time.Time // zero: no header
			}{
				{"every registration", "", "", `["a","b","c","r"]`, at(5)},
				{"one registration", reg, "", `["r"]`, at(4)},
				{"another registration", reg2, "", `["a"]`, at(5)},
				{"registration spelled in uppercase", strings.ToUpper(reg), "", `["r"]`, at(4)},
				{"unused registration", "00000000-0000-4000-8000-000000000000", "", `[]`, time.Time{}},
				{"since before all", "", t0.Format(time.RFC3339), `["a","b","c","r"]`, at(5)},
				{"since is exclusive", "", at(1).Format(time.RFC3339), `["a","c","r"]`, at(5)},
				{"since with fraction", "", at(3.5).Format(time.RFC3339Nano), `["a","r"]`, at(5)},
				{"since in another zone", "", at(4).In(time.FixedZone("x", 3600)).Format(time.RFC3339), `["a"]`, at(5)},
				{"since with registration", reg, at(3).Format(time.RFC3339), `["r"]`, at(4)},
				{"since excludes registration", reg, at(4).Format(time.RFC3339), `[]`, time.Time{}},
				{"since after all", "", t0.Add(time.Hour).Format(time.RFC3339), `[]`, time.Time{}},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					q := query(t, testKey(""))
					if tt.registration != "" {
						q.Set("registration", tt.registration)
					}
					if tt.since != "" {
						q.Set("since", tt.since)
					}
					r := send(t, srv, req{method: http.MethodGet, query: q})
					require.Equal(t, 200, r.Status, r.Body)
					assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
					assert.JSONEq(t, tt.want, r.Body)
					if tt.lastModified.IsZero() {
						assert.Empty(t, r.Header.Values("Last-Modified"))
					} else {
						assert.Equal(t, tt.lastModified.Format(http.TimeFormat), r.Header.Get("Last-Modified"))
					}
				})
			}

			// since with stateId: rejected in 2.0, ignored in 1.0.3.
			q := query(t, testKey("a"))
			q.Set("since", t0.Add(time.Hour).Format(time.RFC3339))
			r := send(t, srv, req{method: http.MethodGet, query: q})
			if v == statedoc.Version200 {
				assert.Equal(t, 400, r.Status)
				assert.Contains(t, r.Body, "since")
			} else {
				assert.Equal(t, 200, r.Status)
			}

			empty := statedoc.Key{ActivityID: "https://example.com/nothing", Agent: ada}
			r = get(t, srv, empty)
			assert.Equal(t, `[]`, r.Body)
			assert.Empty(t, r.Header.Values("Last-Modified"))
		})
	}
}

func TestSince(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		since string
		want  string // "" means 400
	}{
		{"2025-03-01T13:00:00Z", `["new"]`},
		{"2025-03-01T13:00:00.000Z", `["new"]`},
		{"2025-03-01T13:00:00+00:00", `["new"]`},
		{"2025-03-01T13:00:00+0000", `["new"]`},
		{"2025-03-01T14:00:00+0100", `["new"]`},
		{"2025-03-01T08:00:00-0500", `["new"]`},
		{"2025-03-01T14:00:00+01", `["new"]`},
		{"2025-03-01T11:59:59.999-0000", `["new","old"]`},
		{"2025-03-01T11:59:59,5Z", `["new","old"]`},
		{"2025-03-01T12:00:00+0000", `["new"]`}, // exclusive
		{"2025-03-01T14:00:00.000001+00:00", `[]`},
		{"yesterday", ""},
		{"", ""},
		{"2025-03-01", ""},
		{"2025-03-01T13:00:00", ""},
		{"2025-03-01T13:00Z", ""},
		{"2025-13-01T00:00:00Z", ""},
		{"2025-03-01T24:00:00Z", ""},
		{"2025-03-01 13:00:00Z", ""},
		{"2025-03-01T13:00:00+00:0", ""},
		{"2025-03-01T13:00:00+0000x", ""},
		{"1740834000", ""},
	}
	for _, v := range versions {
		clock := newClock(t0)
		srv := statedoctest.NewServer(&statedoctest.Options{Version: v, Now: clock.Now})
		defer srv.Close()
		srv.SetDocument(testKey("old"), "application/json", []byte(`{}`)) // at t0
		clock.Set(t0.Add(2 * time.Hour))
		srv.SetDocument(testKey("new"), "application/json", []byte(`{}`)) // at t0+2h
		for _, tt := range tests {
			t.Run(v+"/"+tt.since, func(t *testing.T) {
				q := query(t, testKey(""))
				q.Set("since", tt.since)
				r := send(t, srv, req{method: http.MethodGet, query: q})
				if tt.want == "" {
					assert.Equal(t, http.StatusBadRequest, r.Status, r.Body)
					assert.Contains(t, r.Body, "ISO 8601")
					return
				}
				require.Equal(t, http.StatusOK, r.Status, r.Body)
				assert.JSONEq(t, tt.want, r.Body)
			})
		}
	}
}

// An unencoded "+" in the query reaches the server as a space; the error
// says how to send it.
func TestSinceUnencodedPlus(t *testing.T) {
	srv := statedoctest.NewServer(nil)
	defer srv.Close()
	u := srv.StateURL() + "?" + query(t, testKey("")).Encode() + "&since=2025-03-01T13:00:00+0000"
	r := sendRaw(t, srv, http.MethodGet, u, req{})
	assert.Equal(t, http.StatusBadRequest, r.Status)
	assert.Contains(t, r.Body, "%2B")
}

func TestDeleteAll(t *testing.T) {
	bob := testKey("x")
	bob.Agent = statedoc.Agent{Mbox: "mailto:bob@example.com"}
	otherActivity := testKey("y")
	otherActivity.ActivityID = "https://example.com/course/2"
	all := map[string]statedoc.Key{
		"a":       testKey("a"),
		"b":       testKey("b"),
		"c@reg":   regKey("c", reg),
		"a@reg2":  regKey("a", reg2),
		"bob":     bob,
		"course2": otherActivity,
	}
	tests := []struct {
		name         string
		registration string // "" deletes every registration's documents
		left         []string
	}{
		{"without registration: every registration", "", []string{"bob", "course2"}},
		{"one registration", reg, []string{"a", "a@reg2", "b", "bob", "course2"}},
		{"registration spelled in uppercase", strings.ToUpper(reg2), []string{"a", "b", "bob", "c@reg", "course2"}},
		{"unused registration", "00000000-0000-4000-8000-000000000000", []string{"a", "a@reg2", "b", "bob", "c@reg", "course2"}},
	}
	for _, v := range versions {
		for _, tt := range tests {
			t.Run(v+"/"+tt.name, func(t *testing.T) {
				srv := statedoctest.NewServer(&statedoctest.Options{Version: v})
				defer srv.Close()
				for _, k := range all {
					srv.SetDocument(k, "application/json", []byte(`{}`))
				}
				q := query(t, testKey(""))
				if tt.registration != "" {
					q.Set("registration", tt.registration)
				}
				r := send(t, srv, req{method: http.MethodDelete, query: q})
				assert.Equal(t, 204, r.Status, r.Body)
				assert.Equal(t, tt.left, remaining(srv, all))
			})
		}
	}
}

// remaining lists the names of the documents of all that still exist.
func remaining(srv *statedoctest.Server, all map[string]statedoc.Key) []string {
	left := []string{}
	for name, k := range all {
		if _, ok := srv.Document(k); ok {
			left = append(left, name)
		}
	}
	sort.Strings(left)
	return left
}
