package client_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/client"
	"github.com/ifmatch/ifmatch/statedoc"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

// settings is a course's settings, kept in the activity profile.
type settings struct {
	Theme    string          `json:"theme,omitempty"`
	Pass     float64         `json:"pass,omitempty"`
	Features map[string]bool `json:"features,omitempty"`
}

var (
	courseID   = "https://example.com/courses/1"
	learner    = statedoc.Agent{Mbox: "mailto:ada@example.com"}
	settingKey = statedoc.ActivityProfileKey{ActivityID: courseID, ProfileID: "settings"}
	prefKey    = statedoc.AgentProfileKey{Agent: learner, ProfileID: "prefs"}
)

// profileDocs is what a test needs of either profile client, so that one
// table runs against both resources.
type profileDocs struct {
	name     string
	path     string
	get      func(ctx context.Context) (client.Doc[settings], error)
	update   func(ctx context.Context, edit func(settings) (settings, error)) (client.Result[settings], error)
	save     func(ctx context.Context, base client.Doc[settings], ours settings) (client.Result[settings], error)
	del      func(ctx context.Context, etag string) error
	list     func(ctx context.Context, since time.Time) ([]string, error)
	set      func(body string) string
	stored   func() (statedoctest.Document, bool)
	otherOne func(ctx context.Context, edit func(settings) (settings, error)) (client.Result[settings], error)
}

func profileClients(t *testing.T, srv *statedoctest.Server, opts *client.LRSOptions) []profileDocs {
	t.Helper()
	hc := srv.Client()
	if opts == nil {
		opts = lrs(nil)
	}
	opts.HTTPClient = hc
	ac, err := client.NewActivityProfileClient[settings](srv.URL, opts)
	require.NoError(t, err)
	ac2, err := client.NewActivityProfileClient[settings](srv.URL, opts)
	require.NoError(t, err)
	gc, err := client.NewAgentProfileClient[settings](srv.URL, opts)
	require.NoError(t, err)
	gc2, err := client.NewAgentProfileClient[settings](srv.URL, opts)
	require.NoError(t, err)
	return []profileDocs{
		{
			name: "activity profile", path: statedoctest.ActivityProfilePath,
			get: func(ctx context.Context) (client.Doc[settings], error) { return ac.Get(ctx, settingKey) },
			update: func(ctx context.Context, e func(settings) (settings, error)) (client.Result[settings], error) {
				return ac.Update(ctx, settingKey, e)
			},
			save: func(ctx context.Context, b client.Doc[settings], o settings) (client.Result[settings], error) {
				return ac.Save(ctx, settingKey, b, o, nil)
			},
			del: func(ctx context.Context, etag string) error { return ac.Delete(ctx, settingKey, etag) },
			list: func(ctx context.Context, since time.Time) ([]string, error) {
				return ac.List(ctx, statedoc.ActivityProfileList{ActivityID: courseID, Since: since})
			},
			set:    func(body string) string { return srv.SetActivityProfile(settingKey, "application/json", []byte(body)) },
			stored: func() (statedoctest.Document, bool) { return srv.ActivityProfile(settingKey) },
			otherOne: func(ctx context.Context, e func(settings) (settings, error)) (client.Result[settings], error) {
				return ac2.Update(ctx, settingKey, e)
			},
		},
		{
			name: "agent profile", path: statedoctest.AgentProfilePath,
			get: func(ctx context.Context) (client.Doc[settings], error) { return gc.Get(ctx, prefKey) },
			update: func(ctx context.Context, e func(settings) (settings, error)) (client.Result[settings], error) {
				return gc.Update(ctx, prefKey, e)
			},
			save: func(ctx context.Context, b client.Doc[settings], o settings) (client.Result[settings], error) {
				return gc.Save(ctx, prefKey, b, o, nil)
			},
			del: func(ctx context.Context, etag string) error { return gc.Delete(ctx, prefKey, etag) },
			list: func(ctx context.Context, since time.Time) ([]string, error) {
				return gc.List(ctx, statedoc.AgentProfileList{Agent: learner, Since: since})
			},
			set:    func(body string) string { return srv.SetAgentProfile(prefKey, "application/json", []byte(body)) },
			stored: func() (statedoctest.Document, bool) { return srv.AgentProfile(prefKey) },
			otherOne: func(ctx context.Context, e func(settings) (settings, error)) (client.Result[settings], error) {
				return gc2.Update(ctx, prefKey, e)
			},
		},
	}
}

func setTheme(theme string) func(settings) (settings, error) {
	return func(s settings) (settings, error) { s.Theme = theme; return s, nil }
}

// TestProfileResources runs each profile resource's rules through the real
// client against the test LRS in both version modes: creates with
// If-None-Match: *, updates with If-Match, a lost write merged, the id list
// with since, deletes with and without a current ETag.
func TestProfileResources(t *testing.T) {
	ctx := context.Background()
	for _, version := range []string{statedoc.Version103, statedoc.Version200} {
		srv := newServer(t, &statedoctest.Options{Version: version})
		for _, p := range profileClients(t, srv, &client.LRSOptions{Options: *fast(nil), Version: version}) {
			t.Run(version+" "+p.name, func(t *testing.T) {
				srv.ResetLog()
				before := time.Now().Add(-time.Second)

				d, err := p.get(ctx)
				require.NoError(t, err)
				assert.False(t, d.Exists)
				res, err := p.update(ctx, setTheme("dark"))
				require.NoError(t, err)
				assert.Equal(t, client.Created, res.Outcome)
				res, err = p.update(ctx, func(s settings) (settings, error) { s.Pass = 0.8; return s, nil })
				require.NoError(t, err)
				assert.Equal(t, client.Updated, res.Outcome)

				// A stale base: another tool changed the theme meanwhile.
				base, err := p.get(ctx)
				require.NoError(t, err)
				_, err = p.otherOne(ctx, setTheme("light"))
				require.NoError(t, err)
				ours := base.Value
				ours.Features = map[string]bool{"hints": true}
				res, err = p.save(ctx, base, ours)
				require.NoError(t, err)
				assert.Equal(t, 2, res.Attempts, "lost once, then merged")
				doc, ok := p.stored()
				require.True(t, ok)
				assert.JSONEq(t, `{"theme":"light","pass":0.8,"features":{"hints":true}}`, string(doc.Body))

				ids, err := p.list(ctx, time.Time{})
				require.NoError(t, err)
				assert.Contains(t, ids, map[bool]string{true: "settings", false: "prefs"}[p.path == statedoctest.ActivityProfilePath])
				ids, err = p.list(ctx, before.Add(time.Hour))
				require.NoError(t, err)
				assert.Empty(t, ids, "nothing stored after a time to come")

				err = p.del(ctx, base.ETag)
				require.ErrorIs(t, err, client.ErrPreconditionFailed, "a stale ETag deletes nothing")
				require.NoError(t, p.del(ctx, res.ETag))
				_, ok = p.stored()
				assert.False(t, ok)

				for _, e := range srv.Log() {
					if e.Method == http.MethodPut {
						assert.True(t, e.IfMatch() != "" || e.IfNoneMatch() != "", "every write carries a precondition: %s", e)
					}
					assert.Equal(t, version, e.RequestHeader.Get(statedoc.HeaderVersion))
				}
			})
		}
	}
}

// TestProfileConcurrentWritersLoseNothing: tools with their own clients
// add features to one profile document at once; every addition is kept.
func TestProfileConcurrentWritersLoseNothing(t *testing.T) {
	srv := newServer(t, nil)
	for _, p := range profileClients(t, srv, nil) {
		t.Run(p.name, func(t *testing.T) {
			const writers = 8
			var wg sync.WaitGroup
			errs := make([]error, writers)
			for i := range writers {
				wg.Add(1)
				edit := func(s settings) (settings, error) {
					if s.Features == nil {
						s.Features = map[string]bool{}
					}
					s.Features[fmt.Sprint("f", i)] = true
					return s, nil
				}
				go func() {
					defer wg.Done()
					if i%2 == 0 {
						_, errs[i] = p.update(context.Background(), edit)
					} else {
						_, errs[i] = p.otherOne(context.Background(), edit)
					}
				}()
			}
			wg.Wait()
			for _, err := range errs {
				require.NoError(t, err)
			}
			doc, ok := p.stored()
			require.True(t, ok)
			var got settings
			require.NoError(t, json.Unmarshal(doc.Body, &got))
			assert.Len(t, got.Features, writers)
		})
	}
}

// TestHeaderlessProfilePutIsRefused shows the rule the client's
// preconditions satisfy: the test LRS, as the spec requires, refuses a PUT
// without If-Match or If-None-Match onto an existing profile document.
func TestHeaderlessProfilePutIsRefused(t *testing.T) {
	srv := newServer(t, nil)
	srv.SetActivityProfile(settingKey, "application/json", []byte(`{"theme":"dark"}`))
	q, err := settingKey.Query()
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPut, srv.ActivityProfileURL()+"?"+q.Encode(), nil)
	require.NoError(t, err)
	req.Header.Set(statedoc.HeaderVersion, statedoc.Version103)
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
}

// TestNegotiateVersion: the client asks /about once and speaks the highest
// version both sides know.
func TestNegotiateVersion(t *testing.T) {
	tests := []struct {
		name    string
		server  string   // the version mode of the test LRS
		about   []string // what /about lists; nil: the server's own
		want    string
		wantErr bool
	}{
		{name: "2.0 LRS", server: statedoc.Version200, want: "2.0.0"},
		{name: "1.0.3 LRS", server: statedoc.Version103, want: "1.0.3"},
		{name: "older 1.0 patches", server: statedoc.Version103, about: []string{"1.0.0", "1.0.1"}, want: "1.0.1"},
		{name: "both, highest wins", server: statedoc.Version200, about: []string{"1.0.3", "2.0.0"}, want: "2.0.0"},
		{name: "nothing in common", server: statedoc.Version103, about: []string{"0.95", "3.0.0"}, wantErr: true},
		{name: "empty list", server: statedoc.Version103, about: []string{}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, &statedoctest.Options{Version: tt.server, AboutVersions: tt.about})
			c, err := client.NewStateClient[progress](srv.URL, &client.LRSOptions{
				Options: *fast(&client.Options{HTTPClient: srv.Client()}), NegotiateVersion: true, Version: "1.0.3"})
			require.NoError(t, err)
			var wg sync.WaitGroup
			errs := make([]error, 4)
			for i := range errs {
				wg.Add(1)
				go func() { defer wg.Done(); _, errs[i] = c.Update(context.Background(), key, turnPage) }()
			}
			wg.Wait()
			abouts := 0
			for _, e := range srv.Log() {
				if e.Path == statedoctest.AboutPath || e.Path == "/xapi"+statedoctest.AboutPath {
					abouts++
				}
			}
			if tt.wantErr {
				for _, err := range errs {
					require.ErrorIs(t, err, client.ErrVersion)
				}
				assert.Equal(t, countMethod(srv, http.MethodGet), abouts, "nothing but /about is asked")
				return
			}
			for _, err := range errs {
				require.NoError(t, err)
			}
			v, err := c.Version(context.Background())
			require.NoError(t, err)
			assert.Equal(t, tt.want, v)
			assert.Equal(t, 1, abouts, "the version is negotiated once per client")
			assert.JSONEq(t, `{"page":4}`, storedJSON(t, srv))
		})
	}
}

// TestNegotiationFailureIsRetried: a failed /about read fails the call and
// is tried again by the next one.
func TestNegotiationFailureIsRetried(t *testing.T) {
	srv := newServer(t, &statedoctest.Options{Version: statedoc.Version200})
	calls := 0
	failing := &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		if calls++; calls == 1 {
			return nil, fmt.Errorf("connection refused")
		}
		return srv.Client().Transport.RoundTrip(r)
	})}
	c, err := client.NewStateClient[progress](srv.URL, &client.LRSOptions{
		Options: *fast(&client.Options{HTTPClient: failing, TransportRetries: -1}), NegotiateVersion: true})
	require.NoError(t, err)
	_, err = c.Get(context.Background(), key)
	require.ErrorIs(t, err, client.ErrVersion)
	_, err = c.Update(context.Background(), key, turnPage)
	require.NoError(t, err)
	v, err := c.Version(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "2.0.0", v)
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

const launchData = `{
	"contextTemplate": {"contextActivities": {"grouping": [{"id": "https://example.com/courses/1/au/1"}]},
		"extensions": {"https://w3id.org/xapi/cmi5/context/extensions/sessionid": "s-1"}},
	"launchMode": "Normal",
	"moveOn": "CompletedAndPassed",
	"masteryScore": 0.75,
	"returnURL": "https://lms.example.com/return",
	"launchParameters": "level=2"
}`

// TestLaunchDataBelongsToTheLMS: a course's client reads LMS.LaunchData
// but may not write or delete it; the LMS's client may.
func TestLaunchDataBelongsToTheLMS(t *testing.T) {
	srv := newServer(t, nil)
	reg := "6a1e7d30-1b3c-4f2e-9a5b-0c1d2e3f4a5b"
	ldKey := statedoc.LaunchDataKey(courseID, learner, reg)
	lms, err := client.NewStateClient[json.RawMessage](srv.URL, &client.LRSOptions{Options: *fast(&client.Options{HTTPClient: srv.Client()}), LMS: true})
	require.NoError(t, err)
	course, err := client.NewStateClient[json.RawMessage](srv.URL, lrs(&client.Options{HTTPClient: srv.Client()}))
	require.NoError(t, err)
	ctx := context.Background()

	_, err = lms.Save(ctx, ldKey, client.Doc[json.RawMessage]{}, json.RawMessage(launchData), nil)
	require.NoError(t, err)

	d, err := course.LaunchData(ctx, courseID, learner, reg)
	require.NoError(t, err)
	assert.Equal(t, statedoc.LaunchModeNormal, d.LaunchMode)
	assert.Equal(t, statedoc.MoveOnCompletedAndPassed, d.MoveOn)
	require.NotNil(t, d.MasteryScore)
	assert.InDelta(t, 0.75, *d.MasteryScore, 1e-9)
	assert.Equal(t, "https://lms.example.com/return", d.ReturnURL)
	assert.Equal(t, "level=2", d.LaunchParameters)
	sid, ok := d.SessionID()
	assert.True(t, ok)
	assert.Equal(t, "s-1", sid)
	assert.Contains(t, string(d.ContextTemplate), `"grouping"`)

	srv.ResetLog()
	_, err = course.Update(ctx, ldKey, func(b json.RawMessage) (json.RawMessage, error) { return json.RawMessage(`{}`), nil })
	require.ErrorIs(t, err, client.ErrLMSOwned)
	_, err = course.Save(ctx, ldKey, client.Doc[json.RawMessage]{}, json.RawMessage(`{}`), nil)
	require.ErrorIs(t, err, client.ErrLMSOwned)
	require.ErrorIs(t, course.Delete(ctx, ldKey, "*"), client.ErrLMSOwned)
	assert.Empty(t, srv.Log(), "refused before any request")
	err = course.DeleteContext(ctx, ldKey.Context())
	require.ErrorIs(t, err, client.ErrLMSOwned)
	assert.Zero(t, countMethod(srv, http.MethodDelete))
	stored, ok := srv.Document(ldKey)
	require.True(t, ok)
	assert.JSONEq(t, launchData, string(stored.Body))

	// The course's own state in the same registration is the course's.
	own := ldKey
	own.StateID = "bookmark"
	_, err = course.Update(ctx, own, func(json.RawMessage) (json.RawMessage, error) { return json.RawMessage(`{"page":3}`), nil })
	require.NoError(t, err)

	require.NoError(t, lms.DeleteContext(ctx, ldKey.Context()), "the LMS may clear the registration")
	_, err = course.LaunchData(ctx, courseID, learner, reg)
	require.ErrorIs(t, err, client.ErrNotFound)
}

func TestLaunchDataInvalid(t *testing.T) {
	srv := newServer(t, nil)
	reg := "6a1e7d30-1b3c-4f2e-9a5b-0c1d2e3f4a5b"
	srv.SetDocument(statedoc.LaunchDataKey(courseID, learner, reg), "application/json", []byte(`{"launchMode":"Sideways"}`))
	c := newClient[progress](t, srv, nil)
	_, err := c.LaunchData(context.Background(), courseID, learner, reg)
	require.ErrorIs(t, err, statedoc.ErrInvalidDocument)
	require.ErrorIs(t, err, client.ErrInvalidDocument)
}

// TestLearnerPreferencesForbidden: a 403 on cmi5LearnerPreferences is a
// distinct outcome a course can ignore; a 403 elsewhere is not.
func TestLearnerPreferencesForbidden(t *testing.T) {
	srv := newServer(t, nil)
	c, err := client.NewAgentProfileClient[statedoc.LearnerPreferences](srv.URL, lrs(&client.Options{HTTPClient: srv.Client()}))
	require.NoError(t, err)
	ctx := context.Background()

	_, ok, err := c.LearnerPreferences(ctx, learner)
	require.NoError(t, err)
	assert.False(t, ok, "none stored")
	srv.SetAgentProfile(statedoc.LearnerPreferencesKey(learner), "application/json", []byte(`{"languagePreference":"fr-FR,en-US","audioPreference":"off"}`))
	p, ok, err := c.LearnerPreferences(ctx, learner)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, []string{"fr-FR", "en-US"}, p.Languages())
	assert.Equal(t, statedoc.AudioOff, p.AudioPreference)

	srv.Script(statedoctest.Script{Path: statedoctest.AgentProfilePath, ProfileID: statedoc.LearnerPreferencesProfileID, Status: http.StatusForbidden, Times: 3})
	_, ok, err = c.LearnerPreferences(ctx, learner)
	assert.False(t, ok)
	require.ErrorIs(t, err, client.ErrPreferencesForbidden)
	require.ErrorIs(t, err, client.ErrForbidden)
	_, err = c.Get(ctx, statedoc.LearnerPreferencesKey(learner))
	require.ErrorIs(t, err, client.ErrPreferencesForbidden)
	_, err = c.Update(ctx, statedoc.LearnerPreferencesKey(learner), func(p statedoc.LearnerPreferences) (statedoc.LearnerPreferences, error) {
		p.AudioPreference = statedoc.AudioOn
		return p, nil
	})
	require.ErrorIs(t, err, client.ErrPreferencesForbidden)

	other := statedoc.AgentProfileKey{Agent: learner, ProfileID: "other"}
	srv.Script(statedoctest.Script{Path: statedoctest.AgentProfilePath, ProfileID: "other", Status: http.StatusForbidden})
	_, err = c.Get(ctx, other)
	require.ErrorIs(t, err, client.ErrForbidden)
	assert.NotErrorIs(t, err, client.ErrPreferencesForbidden)
}
