package statedoc_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/statedoc"
)

const contextTemplate = `{"contextActivities":{"grouping":[{"id":"https://example.com/publisher/course-1"}]},` +
	`"extensions":{"https://w3id.org/xapi/cmi5/context/extensions/sessionid":"b9a2f1c0-1d2e-4f3a-8b4c-5d6e7f8a9b0c"}}`

// launchData returns an LMS.LaunchData document with the required
// members and those given, each a `"name": value` fragment.
func launchData(members ...string) string {
	all := append([]string{`"contextTemplate":` + contextTemplate, `"launchMode":"Normal"`, `"moveOn":"Passed"`}, members...)
	return "{" + strings.Join(all, ",") + "}"
}

func TestParseLaunchData(t *testing.T) {
	d, err := statedoc.ParseLaunchData([]byte(launchData(
		`"launchMethod":"OwnWindow"`, `"returnURL":"https://lms.example.com/return?id=12&x=%41"`,
		`"masteryScore":0.75`, `"launchParameters":"{\"level\":2}"`,
		`"entitlementKey":{"courseStructure":"xyz-123-9999","alternate":"abc-456-1111"}`,
		`"passIsFinal":true`)))
	require.NoError(t, err)
	assert.Equal(t, contextTemplate, string(d.ContextTemplate), "the context template is kept byte for byte")
	assert.Equal(t, statedoc.LaunchModeNormal, d.LaunchMode)
	assert.Equal(t, statedoc.LaunchMethodOwnWindow, d.LaunchMethod)
	assert.Equal(t, "https://lms.example.com/return?id=12&x=%41", d.ReturnURL)
	assert.Equal(t, statedoc.MoveOnPassed, d.MoveOn)
	require.NotNil(t, d.MasteryScore)
	assert.Equal(t, 0.75, *d.MasteryScore)
	assert.Equal(t, `{"level":2}`, d.LaunchParameters)
	assert.Equal(t, &statedoc.EntitlementKey{CourseStructure: "xyz-123-9999", Alternate: "abc-456-1111"}, d.EntitlementKey)
	id, ok := d.SessionID()
	assert.True(t, ok)
	assert.Equal(t, "b9a2f1c0-1d2e-4f3a-8b4c-5d6e7f8a9b0c", id)

	// The JSON encoding uses cmi5's member names and round-trips.
	b, err := json.Marshal(d)
	require.NoError(t, err)
	again, err := statedoc.ParseLaunchData(b)
	require.NoError(t, err)
	assert.Equal(t, d, again)
	assert.Contains(t, string(b), `"contextTemplate":`+contextTemplate)

	// Only the required members.
	d, err = statedoc.ParseLaunchData([]byte(launchData()))
	require.NoError(t, err)
	assert.Nil(t, d.MasteryScore)
	assert.Nil(t, d.EntitlementKey)
	assert.Empty(t, d.LaunchMethod)
	b, err = json.Marshal(d)
	require.NoError(t, err)
	assert.JSONEq(t, launchData(), string(b))

	for _, score := range []string{"0", "1", "0.0001", "1.0", "1e-1"} {
		_, err := statedoc.ParseLaunchData([]byte(launchData(`"masteryScore":` + score)))
		assert.NoError(t, err, score)
	}
}

func TestParseLaunchDataErrors(t *testing.T) {
	tests := []struct {
		name, doc, member, reason string
	}{
		{"not JSON", `{"launchMode":`, "", "not JSON"},
		{"array", `[]`, "", "not a JSON object"},
		{"trailing data", launchData() + `{}`, "", "trailing data"},
		{"duplicate member", launchData(`"moveOn":"Completed"`), "", `"moveOn" appears more than once`},
		{"no contextTemplate", `{"launchMode":"Normal","moveOn":"Passed"}`, "contextTemplate", "is required"},
		{"contextTemplate array", `{"contextTemplate":[],"launchMode":"Normal","moveOn":"Passed"}`, "contextTemplate", "must be a JSON object"},
		{"contextTemplate null", `{"contextTemplate":null,"launchMode":"Normal","moveOn":"Passed"}`, "contextTemplate", "must be a JSON object"},
		{"no launchMode", `{"contextTemplate":{},"moveOn":"Passed"}`, "launchMode", "is required"},
		{"launchMode case", `{"contextTemplate":{},"launchMode":"normal","moveOn":"Passed"}`, "launchMode", `not "normal"`},
		{"launchMode number", `{"contextTemplate":{},"launchMode":1,"moveOn":"Passed"}`, "launchMode", "must be a JSON string"},
		{"no moveOn", `{"contextTemplate":{},"launchMode":"Review"}`, "moveOn", "is required"},
		{"moveOn unknown", `{"contextTemplate":{},"launchMode":"Review","moveOn":"Completed Or Passed"}`, "moveOn", "must be"},
		{"moveOn null", `{"contextTemplate":{},"launchMode":"Review","moveOn":null}`, "moveOn", "must be a JSON string"},
		{"launchMethod unknown", launchData(`"launchMethod":"NewWindow"`), "launchMethod", `not "NewWindow"`},
		{"masteryScore above 1", launchData(`"masteryScore":1.01`), "masteryScore", "from 0 to 1"},
		{"masteryScore negative", launchData(`"masteryScore":-0.5`), "masteryScore", "from 0 to 1"},
		{"masteryScore huge", launchData(`"masteryScore":1e400`), "masteryScore", "from 0 to 1"},
		{"masteryScore string", launchData(`"masteryScore":"0.8"`), "masteryScore", "must be a JSON number"},
		{"masteryScore null", launchData(`"masteryScore":null`), "masteryScore", "must be a JSON number"},
		{"entitlementKey string", launchData(`"entitlementKey":"xyz"`), "entitlementKey", "must be a JSON object"},
		{"entitlementKey without courseStructure", launchData(`"entitlementKey":{"alternate":"x"}`), "entitlementKey.courseStructure", "is required"},
		{"entitlementKey courseStructure number", launchData(`"entitlementKey":{"courseStructure":1}`), "entitlementKey.courseStructure", "must be a JSON string"},
		{"returnURL number", launchData(`"returnURL":12`), "returnURL", "must be a JSON string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := statedoc.ParseLaunchData([]byte(tt.doc))
			require.Error(t, err)
			assert.ErrorIs(t, err, statedoc.ErrInvalidDocument)
			assert.ErrorIs(t, err, statedoc.ErrInvalid)
			var de *statedoc.DocumentError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, statedoc.LaunchDataStateID, de.Document)
			assert.Equal(t, tt.member, de.Member)
			assert.Contains(t, de.Reason, tt.reason)
			assert.True(t, strings.HasPrefix(err.Error(), "statedoc: invalid LMS.LaunchData: "), err.Error())
		})
	}
}

func TestLaunchDataValidate(t *testing.T) {
	score := 2.0
	d := statedoc.LaunchData{ContextTemplate: json.RawMessage(`{}`), LaunchMode: statedoc.LaunchModeBrowse, MoveOn: statedoc.MoveOnNotApplicable}
	assert.NoError(t, d.Validate())
	bad := d
	bad.MasteryScore = &score
	assert.ErrorContains(t, bad.Validate(), "masteryScore: must be from 0 to 1 inclusive, not 2")
	bad = d
	bad.ContextTemplate = nil
	assert.EqualError(t, bad.Validate(), "statedoc: invalid LMS.LaunchData: contextTemplate: is required")
	bad = d
	bad.EntitlementKey = &statedoc.EntitlementKey{}
	assert.ErrorIs(t, bad.Validate(), statedoc.ErrInvalidDocument)

	_, ok := d.SessionID()
	assert.False(t, ok, "no extensions")
	d.ContextTemplate = json.RawMessage(`{"extensions":{"https://w3id.org/xapi/cmi5/context/extensions/sessionid":7}}`)
	_, ok = d.SessionID()
	assert.False(t, ok, "not a string")
}

func TestCMI5Keys(t *testing.T) {
	ada := statedoc.Agent{Mbox: "mailto:ada@example.com"}
	k := statedoc.LaunchDataKey("https://example.com/au/1", ada, "9d3a5e0c-6f1b-4c2a-8e7d-1a2b3c4d5e6f")
	assert.Equal(t, statedoc.Key{ActivityID: "https://example.com/au/1", Agent: ada, Registration: "9d3a5e0c-6f1b-4c2a-8e7d-1a2b3c4d5e6f", StateID: "LMS.LaunchData"}, k)
	assert.NoError(t, k.Validate())
	p := statedoc.LearnerPreferencesKey(ada)
	assert.Equal(t, statedoc.AgentProfileKey{Agent: ada, ProfileID: "cmi5LearnerPreferences"}, p)
}

func TestParseLearnerPreferences(t *testing.T) {
	tests := []struct {
		doc    string
		want   statedoc.LearnerPreferences
		langs  []string
		member string // "" for a valid document
		reason string
	}{
		{`{"languagePreference":"en-US,fr-FR,fr-BE","audioPreference":"on"}`,
			statedoc.LearnerPreferences{LanguagePreference: "en-US,fr-FR,fr-BE", AudioPreference: statedoc.AudioOn},
			[]string{"en-US", "fr-FR", "fr-BE"}, "", ""},
		{`{"audioPreference":"off","other":1}`, statedoc.LearnerPreferences{AudioPreference: statedoc.AudioOff}, nil, "", ""},
		{`{}`, statedoc.LearnerPreferences{}, nil, "", ""},
		{`{"languagePreference":" zh-Hant-TW , de "}`, statedoc.LearnerPreferences{LanguagePreference: " zh-Hant-TW , de "},
			[]string{"zh-Hant-TW", "de"}, "", ""},
		{`{"audioPreference":"On"}`, statedoc.LearnerPreferences{}, nil, "audioPreference", `must be "on" or "off"`},
		{`{"audioPreference":true}`, statedoc.LearnerPreferences{}, nil, "audioPreference", "must be a JSON string"},
		{`{"languagePreference":["en"]}`, statedoc.LearnerPreferences{}, nil, "languagePreference", "must be a JSON string"},
		{`{"languagePreference":"en,,fr"}`, statedoc.LearnerPreferences{}, nil, "languagePreference", `"" is not a language tag`},
		{`{"languagePreference":"en_US"}`, statedoc.LearnerPreferences{}, nil, "languagePreference", `"en_US" is not`},
		{`{"languagePreference":"1en"}`, statedoc.LearnerPreferences{}, nil, "languagePreference", "is not a language tag"},
		{`"on"`, statedoc.LearnerPreferences{}, nil, "", "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.doc, func(t *testing.T) {
			p, err := statedoc.ParseLearnerPreferences([]byte(tt.doc))
			if tt.reason != "" {
				var de *statedoc.DocumentError
				require.ErrorAs(t, err, &de)
				assert.ErrorIs(t, err, statedoc.ErrInvalidDocument)
				assert.Equal(t, statedoc.LearnerPreferencesProfileID, de.Document)
				assert.Equal(t, tt.member, de.Member)
				assert.Contains(t, de.Reason, tt.reason)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, p)
			assert.Equal(t, tt.langs, p.Languages())
		})
	}
}

func FuzzParseLaunchData(f *testing.F) {
	f.Add([]byte(launchData(`"masteryScore":0.5`, `"entitlementKey":{"courseStructure":"k"}`)))
	f.Add([]byte(`{"contextTemplate":{},"launchMode":"Normal","moveOn":"Passed","masteryScore":1e999}`))
	f.Add([]byte(`{"a":1,"a":2}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := statedoc.ParseLaunchData(data)
		if err != nil {
			assert.ErrorIs(t, err, statedoc.ErrInvalidDocument)
			return
		}
		// What parses validates, and encodes to what parses to the same.
		require.NoError(t, d.Validate())
		b, err := json.Marshal(d)
		require.NoError(t, err)
		again, err := statedoc.ParseLaunchData(b)
		require.NoError(t, err)
		assert.Equal(t, d.LaunchMode, again.LaunchMode)
		assert.Equal(t, d.MoveOn, again.MoveOn)
		assert.Equal(t, d.MasteryScore, again.MasteryScore)
	})
}
