package statedoctest_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/statedoc"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

// profileResource is one of the two profile resources, as a test sees it.
type profileResource struct {
	name string
	path string
	// query returns the query addressing document id (all documents when
	// id is "") of the resource's first or second context (activity or
	// agent).
	query func(t *testing.T, id string, second bool) url.Values
	// stored returns the document id of the first context, as the
	// server's helpers read it.
	stored func(srv *statedoctest.Server, id string) (statedoctest.Document, bool)
}

var (
	course1 = "https://example.com/course/1"
	course2 = "https://example.com/course/2"
	grace   = statedoc.Agent{Account: &statedoc.Account{HomePage: "https://lms.example.com", Name: "grace"}}
)

var profileResources = []profileResource{
	{
		name: "activity profile", path: statedoctest.ActivityProfilePath,
		query: func(t *testing.T, id string, second bool) url.Values {
			t.Helper()
			activity := course1
			if second {
				activity = course2
			}
			if id == "" {
				q, err := statedoc.ActivityProfileList{ActivityID: activity}.Query()
				require.NoError(t, err)
				return q
			}
			q, err := statedoc.ActivityProfileKey{ActivityID: activity, ProfileID: id}.Query()
			require.NoError(t, err)
			return q
		},
		stored: func(srv *statedoctest.Server, id string) (statedoctest.Document, bool) {
			return srv.ActivityProfile(statedoc.ActivityProfileKey{ActivityID: course1, ProfileID: id})
		},
	},
	{
		name: "agent profile", path: statedoctest.AgentProfilePath,
		query: func(t *testing.T, id string, second bool) url.Values {
			t.Helper()
			agent := ada
			if second {
				agent = grace
			}
			if id == "" {
				q, err := statedoc.AgentProfileList{Agent: agent}.Query()
				require.NoError(t, err)
				return q
			}
			q, err := statedoc.AgentProfileKey{Agent: agent, ProfileID: id}.Query()
			require.NoError(t, err)
			return q
		},
		stored: func(srv *statedoctest.Server, id string) (statedoctest.Document, bool) {
			return srv.AgentProfile(statedoc.AgentProfileKey{Agent: ada, ProfileID: id})
		},
	},
}

// sendTo performs r against the resource at path (below srv.URL) over
// HTTP, with r.query as the query.
func sendTo(t *testing.T, srv *statedoctest.Server, path string, r req) reply {
	t.Helper()
	return sendRaw(t, srv, r.method, srv.URL+path+"?"+r.query.Encode(), r)
}

// TestProfileRules walks each profile resource through the rules of xAPI
// 1.0.3 §2.2, §2.6–2.7 and §3.1 (2.0 §4.1.4, §4.1.6.5–6), which are the
// same in both versions.
func TestProfileRules(t *testing.T) {
	const (
		first  = `{"theme":"dark","size":12}`
		second = `{"theme":"light"}`
		merged = `{"theme":"light","size":12,"font":"serif"}`
	)
	stale := statedoc.SHA1ETag([]byte("something else"))
	for _, v := range versions {
		for _, pr := range profileResources {
			t.Run(v+"/"+pr.name, func(t *testing.T) {
				clock := newClock(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))
				clock.step = time.Second
				srv := statedoctest.NewServer(&statedoctest.Options{Version: v, Now: clock.Now})
				defer srv.Close()
				q := pr.query(t, "settings", false)
				steps := []struct {
					name   string
					method string
					header map[string]string
					body   string
					ctype  string
					want   int
					stored string // the document afterwards; "" for none
					msg    string // in the answer's body
				}{
					{"GET of a missing document", http.MethodGet, nil, "", "", http.StatusNotFound, "", "settings"},
					{"If-Match on a missing document", http.MethodPut, map[string]string{"If-Match": stale}, first, "", http.StatusPreconditionFailed, "", "does not exist"},
					{"PUT without preconditions creates", http.MethodPut, nil, first, "", http.StatusNoContent, first, ""},
					{"PUT without preconditions onto it", http.MethodPut, nil, second, "", http.StatusConflict, first, "If-Match"},
					{"If-Unmodified-Since alone is no precondition", http.MethodPut, map[string]string{"If-Unmodified-Since": "Sun, 01 Mar 2099 00:00:00 GMT"}, second, "", http.StatusConflict, first, "If-Match"},
					{"stale If-Match", http.MethodPut, map[string]string{"If-Match": stale}, second, "", http.StatusPreconditionFailed, first, "If-Match"},
					{"weak If-Match", http.MethodPut, map[string]string{"If-Match": "W/" + statedoc.SHA1ETag([]byte(first))}, second, "", http.StatusPreconditionFailed, first, ""},
					{"If-None-Match * onto it", http.MethodPut, map[string]string{"If-None-Match": "*"}, second, "", http.StatusPreconditionFailed, first, "If-None-Match"},
					{"If-None-Match with another tag", http.MethodPut, map[string]string{"If-None-Match": stale}, second, "", http.StatusNoContent, second, ""},
					{"current If-Match", http.MethodPut, map[string]string{"If-Match": statedoc.SHA1ETag([]byte(second))}, first, "", http.StatusNoContent, first, ""},
					{"POST without preconditions merges", http.MethodPost, nil, `{"theme":"light","font":"serif"}`, "", http.StatusNoContent, merged, ""},
					{"POST with a stale If-Match", http.MethodPost, map[string]string{"If-Match": stale}, `{"x":1}`, "", http.StatusPreconditionFailed, merged, ""},
					{"POST with If-None-Match *", http.MethodPost, map[string]string{"If-None-Match": "*"}, `{"x":1}`, "", http.StatusPreconditionFailed, merged, ""},
					{"POST of an array", http.MethodPost, nil, `[1]`, "", http.StatusBadRequest, merged, "not a JSON object"},
					{"POST of text", http.MethodPost, nil, `x`, "text/plain", http.StatusBadRequest, merged, "application/json"},
					{"POST with the current If-Match", http.MethodPost, map[string]string{"If-Match": statedoc.SHA1ETag([]byte(merged))}, `{"size":14}`, "", http.StatusNoContent, `{"theme":"light","size":14,"font":"serif"}`, ""},
					{"DELETE with a stale If-Match", http.MethodDelete, map[string]string{"If-Match": stale}, "", "", http.StatusPreconditionFailed, `{"theme":"light","size":14,"font":"serif"}`, ""},
					{"DELETE without preconditions", http.MethodDelete, nil, "", "", http.StatusNoContent, "", ""},
					{"DELETE of a missing document", http.MethodDelete, nil, "", "", http.StatusNoContent, "", ""},
					{"DELETE with If-Match of a missing document", http.MethodDelete, map[string]string{"If-Match": "*"}, "", "", http.StatusPreconditionFailed, "", ""},
					{"POST onto nothing creates", http.MethodPost, nil, second, "", http.StatusNoContent, second, ""},
					{"PUT of text with If-Match *", http.MethodPut, map[string]string{"If-Match": "*"}, "plain words", "text/plain", http.StatusNoContent, "plain words", ""},
					{"POST onto text", http.MethodPost, nil, `{"a":1}`, "", http.StatusBadRequest, "plain words", "stored one"},
					{"DELETE with the current If-Match", http.MethodDelete, map[string]string{"If-Match": statedoc.SHA1ETag([]byte("plain words"))}, "", "", http.StatusNoContent, "", ""},
					{"create with If-None-Match *", http.MethodPut, map[string]string{"If-None-Match": "*"}, first, "", http.StatusNoContent, first, ""},
				}
				for _, st := range steps {
					r := sendTo(t, srv, pr.path, req{method: st.method, query: q, header: st.header, body: st.body, ctype: st.ctype})
					assert.Equal(t, st.want, r.Status, "%s: %s", st.name, r.Body)
					assert.Contains(t, r.Body, st.msg, st.name)
					assert.Equal(t, v, r.Header.Get(statedoc.HeaderVersion), st.name)
					d, ok := pr.stored(srv, "settings")
					if st.stored == "" {
						assert.False(t, ok, "%s: a document is stored: %s", st.name, d.Body)
						continue
					}
					if assert.True(t, ok, "%s: no document stored", st.name) {
						assert.Equal(t, st.stored, string(d.Body), st.name)
					}
					if st.want == http.StatusNoContent {
						assert.Equal(t, statedoc.SHA1ETag([]byte(st.stored)), r.Header.Get("ETag"), st.name)
					}
				}

				// The stored document as a GET and a HEAD answer it.
				r := sendTo(t, srv, pr.path, req{method: http.MethodGet, query: q})
				require.Equal(t, http.StatusOK, r.Status, r.Body)
				assert.Equal(t, first, r.Body)
				assert.Equal(t, statedoc.SHA1ETag([]byte(first)), r.Header.Get("ETag"))
				assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
				d, _ := pr.stored(srv, "settings")
				assert.Equal(t, d.Updated.UTC().Format(http.TimeFormat), r.Header.Get("Last-Modified"))
				r = sendTo(t, srv, pr.path, req{method: http.MethodHead, query: q})
				assert.Equal(t, http.StatusOK, r.Status)
				assert.Empty(t, r.Body)
				assert.Equal(t, statedoc.SHA1ETag([]byte(first)), r.Header.Get("ETag"))
				r = sendTo(t, srv, pr.path, req{method: http.MethodGet, query: q, header: map[string]string{"If-None-Match": statedoc.SHA1ETag([]byte(first))}})
				assert.Equal(t, http.StatusNotModified, r.Status)
			})
		}
	}
}

// TestProfileIDList checks the list of profileIds (1.0.3 §2.6–2.7; 2.0
// §4.1.6.5–6), which works as the State Resource's list of stateIds does.
func TestProfileIDList(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, v := range versions {
		for _, pr := range profileResources {
			t.Run(v+"/"+pr.name, func(t *testing.T) {
				clock := newClock(t0)
				srv := statedoctest.NewServer(&statedoctest.Options{Version: v, Now: clock.Now})
				defer srv.Close()
				list := func(second bool, since string) reply {
					t.Helper()
					q := pr.query(t, "", second)
					if since != "" {
						q.Set("since", since)
					}
					r := sendTo(t, srv, pr.path, req{method: http.MethodGet, query: q})
					require.Equal(t, http.StatusOK, r.Status, r.Body)
					assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
					assert.NotEmpty(t, r.Header.Get("ETag"))
					return r
				}
				assert.JSONEq(t, `[]`, list(false, "").Body)

				for i, id := range []string{"b", "a", "c"} {
					clock.Set(t0.Add(time.Duration(i+1) * time.Minute))
					r := sendTo(t, srv, pr.path, req{method: http.MethodPut, query: pr.query(t, id, false), header: map[string]string{"If-None-Match": "*"}, body: `{}`})
					require.Equal(t, http.StatusNoContent, r.Status, r.Body)
				}
				r := sendTo(t, srv, pr.path, req{method: http.MethodPut, query: pr.query(t, "other", true), body: `{}`})
				require.Equal(t, http.StatusNoContent, r.Status, r.Body)
				// A state document of the same activity and agent is not
				// a profile.
				put(t, srv, statedoc.Key{ActivityID: course1, Agent: ada, StateID: "state"}, `{}`, nil)

				all := list(false, "")
				assert.JSONEq(t, `["a","b","c"]`, all.Body)
				assert.Equal(t, t0.Add(3*time.Minute).Format(http.TimeFormat), all.Header.Get("Last-Modified"))
				assert.JSONEq(t, `["other"]`, list(true, "").Body)
				// since is exclusive: "a" was written at +2 min.
				assert.JSONEq(t, `["c"]`, list(false, statedoc.FormatSince(t0.Add(2*time.Minute))).Body)
				assert.JSONEq(t, `["a","c"]`, list(false, "2025-03-01T13:01:30+01:00").Body)
				assert.JSONEq(t, `[]`, list(false, statedoc.FormatSince(t0.Add(time.Hour))).Body)

				// The list's ETag changes when a listed document does.
				clock.Set(t0.Add(10 * time.Minute))
				r = sendTo(t, srv, pr.path, req{method: http.MethodDelete, query: pr.query(t, "b", false)})
				require.Equal(t, http.StatusNoContent, r.Status)
				after := list(false, "")
				assert.JSONEq(t, `["a","c"]`, after.Body)
				assert.NotEqual(t, all.Header.Get("ETag"), after.Header.Get("ETag"))
				assert.Equal(t, t0.Add(10*time.Minute).Format(http.TimeFormat), after.Header.Get("Last-Modified"))
			})
		}
	}
}

func TestProfileParameters(t *testing.T) {
	agentJSON, err := ada.QueryValue()
	require.NoError(t, err)
	act := func(kv ...string) url.Values {
		q := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			q.Add(kv[i], kv[i+1])
		}
		return q
	}
	tests := []struct {
		name    string
		path    string
		method  string
		query   url.Values
		want    map[string]int // by version; "" for both
		message string
	}{
		{"activity ok", statedoctest.ActivityProfilePath, http.MethodGet, act("activityId", course1, "profileId", "p"), map[string]int{"": 404}, "no activity profile document"},
		{"activity list ok", statedoctest.ActivityProfilePath, http.MethodGet, act("activityId", course1), map[string]int{"": 200}, "[]"},
		{"activity missing", statedoctest.ActivityProfilePath, http.MethodGet, act("profileId", "p"), map[string]int{"": 400}, "missing required parameter activityId"},
		{"activity relative", statedoctest.ActivityProfilePath, http.MethodGet, act("activityId", "course", "profileId", "p"), map[string]int{"": 400}, "invalid activityId"},
		{"activity with agent", statedoctest.ActivityProfilePath, http.MethodGet, act("activityId", course1, "agent", agentJSON), map[string]int{"": 400}, `unknown parameter "agent" (parameter names are case-sensitive: activityId, profileId, since)`},
		{"activity with registration", statedoctest.ActivityProfilePath, http.MethodGet, act("activityId", course1, "registration", reg), map[string]int{"": 400}, `unknown parameter "registration"`},
		{"activity with stateId", statedoctest.ActivityProfilePath, http.MethodGet, act("activityId", course1, "stateId", "s"), map[string]int{"": 400}, `unknown parameter "stateId"`},
		{"activity wrong case", statedoctest.ActivityProfilePath, http.MethodGet, act("activityId", course1, "profileID", "p"), map[string]int{"": 400}, `unknown parameter "profileID"`},
		{"activity empty id", statedoctest.ActivityProfilePath, http.MethodGet, act("activityId", course1, "profileId", ""), map[string]int{"": 400}, "profileId must not be empty"},
		{"activity twice", statedoctest.ActivityProfilePath, http.MethodGet, act("activityId", course1, "profileId", "a", "profileId", "b"), map[string]int{"": 400}, "given 2 times"},
		{"activity PUT without id", statedoctest.ActivityProfilePath, http.MethodPut, act("activityId", course1), map[string]int{"": 400}, "missing required parameter profileId"},
		{"activity DELETE without id", statedoctest.ActivityProfilePath, http.MethodDelete, act("activityId", course1), map[string]int{"": 400}, "missing required parameter profileId"},
		{"activity since on PUT", statedoctest.ActivityProfilePath, http.MethodPut, act("activityId", course1, "profileId", "p", "since", "2024-01-01T00:00:00Z"), map[string]int{"": 400}, "since is not allowed on PUT"},
		{"activity since with id", statedoctest.ActivityProfilePath, http.MethodGet, act("activityId", course1, "profileId", "p", "since", "2024-01-01T00:00:00Z"),
			map[string]int{statedoc.Version103: 404, statedoc.Version200: 400}, ""},
		{"activity bad since", statedoctest.ActivityProfilePath, http.MethodGet, act("activityId", course1, "since", "yesterday"), map[string]int{"": 400}, "ISO 8601"},
		{"activity PATCH", statedoctest.ActivityProfilePath, http.MethodPatch, act("activityId", course1, "profileId", "p"), map[string]int{"": 405}, "Activity Profile Resource"},
		{"agent ok", statedoctest.AgentProfilePath, http.MethodGet, act("agent", agentJSON, "profileId", "p"), map[string]int{"": 404}, "no agent profile document"},
		{"agent list ok", statedoctest.AgentProfilePath, http.MethodGet, act("agent", agentJSON), map[string]int{"": 200}, "[]"},
		{"agent missing", statedoctest.AgentProfilePath, http.MethodGet, act("profileId", "p"), map[string]int{"": 400}, "missing required parameter agent"},
		{"agent group", statedoctest.AgentProfilePath, http.MethodGet, act("agent", `{"objectType":"Group","mbox":"mailto:team@example.com"}`, "profileId", "p"), map[string]int{"": 400}, "Group"},
		{"agent two IFIs", statedoctest.AgentProfilePath, http.MethodGet, act("agent", `{"mbox":"mailto:a@b.c","openid":"https://x.example.com"}`), map[string]int{"": 400}, "exactly one"},
		{"agent with activity", statedoctest.AgentProfilePath, http.MethodGet, act("agent", agentJSON, "activityId", course1), map[string]int{"": 400}, `unknown parameter "activityId" (parameter names are case-sensitive: agent, profileId, since)`},
		{"agent DELETE without id", statedoctest.AgentProfilePath, http.MethodDelete, act("agent", agentJSON), map[string]int{"": 400}, "missing required parameter profileId"},
		{"agent POST without id", statedoctest.AgentProfilePath, http.MethodPost, act("agent", agentJSON), map[string]int{"": 400}, "missing required parameter profileId"},
	}
	for _, v := range versions {
		srv := statedoctest.NewServer(&statedoctest.Options{Version: v})
		for _, tt := range tests {
			t.Run(v+"/"+tt.name, func(t *testing.T) {
				want, ok := tt.want[v]
				if !ok {
					want = tt.want[""]
				}
				body := ""
				if tt.method == http.MethodPut || tt.method == http.MethodPost {
					body = `{}`
				}
				r := sendTo(t, srv, tt.path, req{method: tt.method, query: tt.query, body: body})
				assert.Equal(t, want, r.Status, r.Body)
				assert.Contains(t, r.Body, tt.message)
			})
		}
		srv.Close()
	}
}

func TestProfileHelpers(t *testing.T) {
	srv := statedoctest.NewServer(nil)
	defer srv.Close()
	ak := statedoc.ActivityProfileKey{ActivityID: course1, ProfileID: "settings"}
	gk := statedoc.AgentProfileKey{Agent: statedoc.Agent{Name: "Ada", MboxSHA1Sum: "ABCDEF0123456789ABCDEF0123456789ABCDEF01"}, ProfileID: "prefs"}
	etag := srv.SetActivityProfile(ak, "application/json", []byte(`{"a":1}`))
	assert.Equal(t, statedoc.SHA1ETag([]byte(`{"a":1}`)), etag)
	assert.NotEmpty(t, srv.SetAgentProfile(gk, "text/plain", []byte("hi")))

	d, ok := srv.ActivityProfile(ak)
	require.True(t, ok)
	assert.Equal(t, `{"a":1}`, string(d.Body))
	assert.Equal(t, etag, d.ETag)
	// The agent is found whatever the case of its mbox_sha1sum and its
	// name, as over HTTP.
	q, err := statedoc.AgentProfileKey{Agent: statedoc.Agent{MboxSHA1Sum: "abcdef0123456789abcdef0123456789abcdef01"}, ProfileID: "prefs"}.Query()
	require.NoError(t, err)
	r := sendTo(t, srv, statedoctest.AgentProfilePath, req{method: http.MethodGet, query: q})
	assert.Equal(t, http.StatusOK, r.Status)
	assert.Equal(t, "hi", r.Body)
	assert.Equal(t, "text/plain", r.Header.Get("Content-Type"))

	// A profile is not a state document, nor the other kind of profile.
	_, ok = srv.Document(statedoc.Key{ActivityID: course1, Agent: ada, StateID: "settings"})
	assert.False(t, ok)

	srv.DeleteActivityProfile(ak)
	_, ok = srv.ActivityProfile(ak)
	assert.False(t, ok)
	srv.DeleteAgentProfile(gk)
	_, ok = srv.AgentProfile(gk)
	assert.False(t, ok)

	assert.Empty(t, srv.SetActivityProfile(statedoc.ActivityProfileKey{ActivityID: "relative", ProfileID: "p"}, "", nil))
	assert.Empty(t, srv.SetAgentProfile(statedoc.AgentProfileKey{ProfileID: "p"}, "", nil))
	_, ok = srv.AgentProfile(statedoc.AgentProfileKey{ProfileID: "p"})
	assert.False(t, ok)
	srv.DeleteAgentProfile(statedoc.AgentProfileKey{})

	assert.Equal(t, srv.URL+"/activities/profile", srv.ActivityProfileURL())
	assert.Equal(t, srv.URL+"/agents/profile", srv.AgentProfileURL())
	assert.Equal(t, srv.URL+"/about", srv.AboutURL())
}

// TestProfilePreconditionModes checks that the modes apply to the
// profiles as to State: Ignore does not look at the fields (no 409, no
// 412), CheckThenWrite checks them one request at a time.
func TestProfilePreconditionModes(t *testing.T) {
	for _, pr := range profileResources {
		for _, mode := range []statedoctest.Preconditions{statedoctest.Ignore, statedoctest.CheckThenWrite} {
			t.Run(pr.name+"/"+mode.String(), func(t *testing.T) {
				srv := statedoctest.NewServer(&statedoctest.Options{Preconditions: mode, RaceWindow: -1})
				defer srv.Close()
				q := pr.query(t, "p", false)
				r := sendTo(t, srv, pr.path, req{method: http.MethodPut, query: q, body: `{"a":1}`})
				require.Equal(t, http.StatusNoContent, r.Status, r.Body)
				r = sendTo(t, srv, pr.path, req{method: http.MethodPut, query: q, body: `{"a":2}`})
				r2 := sendTo(t, srv, pr.path, req{method: http.MethodPut, query: q, body: `{"a":3}`, header: map[string]string{"If-Match": `"stale"`}})
				if mode == statedoctest.Ignore {
					assert.Equal(t, http.StatusNoContent, r.Status, r.Body)
					assert.Equal(t, http.StatusNoContent, r2.Status, r2.Body)
				} else {
					assert.Equal(t, http.StatusConflict, r.Status, r.Body)
					assert.Equal(t, http.StatusPreconditionFailed, r2.Status, r2.Body)
				}
			})
		}
	}
}

// TestProfileScriptsAndFaults checks that scripts match a profile request
// by Path and ProfileID, and that faults reach profile writes.
func TestProfileScriptsAndFaults(t *testing.T) {
	srv := statedoctest.NewServer(nil)
	defer srv.Close()
	ap, gp := profileResources[0], profileResources[1]
	srv.Script(statedoctest.Script{Path: statedoctest.AgentProfilePath, ProfileID: "p", Status: http.StatusServiceUnavailable})
	srv.Script(statedoctest.Script{Path: statedoctest.ActivityProfilePath, Method: http.MethodGet, Status: http.StatusTeapot})

	// Neither script matches a state request, nor the other profile's id.
	assert.Equal(t, http.StatusNotFound, get(t, srv, testKey("p")).Status)
	assert.Equal(t, http.StatusNotFound, sendTo(t, srv, gp.path, req{method: http.MethodGet, query: gp.query(t, "q", false)}).Status)
	assert.Equal(t, http.StatusServiceUnavailable, sendTo(t, srv, gp.path, req{method: http.MethodGet, query: gp.query(t, "p", false)}).Status)
	assert.Equal(t, http.StatusNoContent, sendTo(t, srv, ap.path, req{method: http.MethodPut, query: ap.query(t, "p", false), body: `{}`}).Status)
	assert.Equal(t, http.StatusTeapot, sendTo(t, srv, ap.path, req{method: http.MethodGet, query: ap.query(t, "p", false)}).Status)
	assert.Zero(t, srv.PendingScripts())

	srv.AddFault(statedoctest.Fault{Kind: statedoctest.Conflict, Count: 1})
	r := sendTo(t, srv, ap.path, req{method: http.MethodPut, query: ap.query(t, "p", false), body: `{"b":1}`, header: map[string]string{"If-Match": "*"}})
	assert.Equal(t, http.StatusPreconditionFailed, r.Status)
	d, _ := srv.ActivityProfile(statedoc.ActivityProfileKey{ActivityID: course1, ProfileID: "p"})
	assert.Equal(t, `{}`, string(d.Body), "the faulted write was not applied")

	var got []string
	for _, e := range srv.Log() {
		got = append(got, fmt.Sprintf("%s %s %q %q", e.Method, e.Path, e.StateID, e.ProfileID))
	}
	assert.Equal(t, []string{
		`GET /xapi/activities/state "p" ""`,
		`GET /xapi/agents/profile "" "q"`,
		`GET /xapi/agents/profile "" "p"`,
		`PUT /xapi/activities/profile "" "p"`,
		`GET /xapi/activities/profile "" "p"`,
		`PUT /xapi/activities/profile "" "p"`,
	}, got)
	assert.Equal(t, "GET p 418", srv.Log()[4].String())
}

// TestProfileConcurrentWrites checks that the profiles' preconditions are
// checked and applied under one lock: of many PUTs carrying the same
// current If-Match, or many creates with If-None-Match "*", exactly one
// wins; in CheckThenWrite mode they may all win.
func TestProfileConcurrentWrites(t *testing.T) {
	const n = 16
	for _, pr := range profileResources {
		for _, mode := range []statedoctest.Preconditions{statedoctest.Enforce, statedoctest.CheckThenWrite} {
			t.Run(pr.name+"/"+mode.String(), func(t *testing.T) {
				srv := statedoctest.NewServer(&statedoctest.Options{Preconditions: mode, RaceWindow: 5 * time.Millisecond})
				defer srv.Close()
				// Each write has content of its own: with SHA-1 ETags, a
				// write of the current content keeps the ETag current.
				run := func(round string, header map[string]string) (wins int) {
					t.Helper()
					statuses := make(chan int, n)
					start := make(chan struct{})
					for i := 0; i < n; i++ {
						go func() {
							<-start
							hr, err := http.NewRequest(http.MethodPut, srv.URL+pr.path+"?"+pr.query(t, "p", false).Encode(), strings.NewReader(fmt.Sprintf(`{"%s":%d}`, round, i)))
							if !assert.NoError(t, err) {
								statuses <- 0
								return
							}
							hr.Header.Set(statedoc.HeaderVersion, srv.Version())
							hr.Header.Set("Content-Type", "application/json")
							for k, v := range header {
								hr.Header.Set(k, v)
							}
							resp, err := srv.Client().Do(hr)
							if !assert.NoError(t, err) {
								statuses <- 0
								return
							}
							resp.Body.Close()
							statuses <- resp.StatusCode
						}()
					}
					close(start)
					for i := 0; i < n; i++ {
						switch st := <-statuses; st {
						case http.StatusNoContent:
							wins++
						case http.StatusPreconditionFailed:
						default:
							t.Errorf("status %d", st)
						}
					}
					return wins
				}
				creates := run("create", map[string]string{"If-None-Match": "*"})
				d, ok := pr.stored(srv, "p")
				require.True(t, ok)
				updates := run("update", map[string]string{"If-Match": d.ETag})
				if mode == statedoctest.Enforce {
					assert.Equal(t, 1, creates)
					assert.Equal(t, 1, updates)
				} else {
					assert.GreaterOrEqual(t, creates, 1)
					assert.GreaterOrEqual(t, updates, 1)
				}
			})
		}
	}
}
