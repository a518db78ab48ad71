package statedoc_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/statedoc"
)

// keyLike is what the three document keys and the two lists share.
type keyLike interface {
	Validate() error
	Query() (url.Values, error)
	String() string
}

func TestProfileKeys(t *testing.T) {
	ada := statedoc.Agent{Name: "Ada", Mbox: "mailto:ada@example.com"}
	adaQuery := `{"objectType":"Agent","mbox":"mailto:ada@example.com"}`
	since := time.Date(2024, 1, 2, 4, 4, 5, 500_000_000, time.FixedZone("", 3600))
	tests := []struct {
		name   string
		key    keyLike
		want   url.Values // nil: invalid
		field  string     // the ValidationError's field when invalid
		reason string
		str    string
	}{
		{"activity profile", statedoc.ActivityProfileKey{ActivityID: "https://example.com/course/1", ProfileID: "settings"},
			url.Values{"activityId": {"https://example.com/course/1"}, "profileId": {"settings"}}, "", "",
			`activity profile "settings" of https://example.com/course/1`},
		{"activity profile without id", statedoc.ActivityProfileKey{ActivityID: "https://example.com/course/1"},
			nil, "profileId", "must not be empty", ""},
		{"activity profile without activity", statedoc.ActivityProfileKey{ProfileID: "settings"},
			nil, "activityId", "must not be empty", ""},
		{"activity profile relative activity", statedoc.ActivityProfileKey{ActivityID: "course/1", ProfileID: "settings"},
			nil, "activityId", "absolute IRI", ""},
		{"activity profile activity with space", statedoc.ActivityProfileKey{ActivityID: "https://example.com/a b", ProfileID: "settings"},
			nil, "activityId", "absolute IRI", ""},
		{"activity profile list", statedoc.ActivityProfileList{ActivityID: "https://example.com/course/1"},
			url.Values{"activityId": {"https://example.com/course/1"}}, "", "",
			"activity profiles of https://example.com/course/1"},
		{"activity profile list since", statedoc.ActivityProfileList{ActivityID: "https://example.com/course/1", Since: since},
			url.Values{"activityId": {"https://example.com/course/1"}, "since": {"2024-01-02T03:04:05.5Z"}}, "", "",
			"activity profiles of https://example.com/course/1 since 2024-01-02T03:04:05.5Z"},
		{"activity profile list relative", statedoc.ActivityProfileList{ActivityID: "course"},
			nil, "activityId", "absolute IRI", ""},
		{"agent profile", statedoc.AgentProfileKey{Agent: ada, ProfileID: "cmi5LearnerPreferences"},
			url.Values{"agent": {adaQuery}, "profileId": {"cmi5LearnerPreferences"}}, "", "",
			`agent profile "cmi5LearnerPreferences" of mailto:ada@example.com`},
		{"agent profile sha1 lowercased", statedoc.AgentProfileKey{Agent: statedoc.Agent{MboxSHA1Sum: "ABCDEF0123456789ABCDEF0123456789ABCDEF01"}, ProfileID: "p"},
			url.Values{"agent": {`{"objectType":"Agent","mbox_sha1sum":"abcdef0123456789abcdef0123456789abcdef01"}`}, "profileId": {"p"}}, "", "",
			`agent profile "p" of sha1:ABCDEF0123456789ABCDEF0123456789ABCDEF01`},
		{"agent profile without id", statedoc.AgentProfileKey{Agent: ada},
			nil, "profileId", "must not be empty", ""},
		{"agent profile two IFIs", statedoc.AgentProfileKey{Agent: statedoc.Agent{Mbox: "mailto:a@b.c", OpenID: "https://id.example.com/a"}, ProfileID: "p"},
			nil, "agent", "exactly one", ""},
		{"agent profile group", statedoc.AgentProfileKey{Agent: statedoc.Agent{ObjectType: "Group", Mbox: "mailto:a@b.c"}, ProfileID: "p"},
			nil, "agent", "Group", ""},
		{"agent profile no IFI", statedoc.AgentProfileKey{Agent: statedoc.Agent{Name: "Ada"}, ProfileID: "p"},
			nil, "agent", "no identifier", ""},
		{"agent profile list", statedoc.AgentProfileList{Agent: ada},
			url.Values{"agent": {adaQuery}}, "", "", "agent profiles of mailto:ada@example.com"},
		{"agent profile list since", statedoc.AgentProfileList{Agent: ada, Since: since},
			url.Values{"agent": {adaQuery}, "since": {"2024-01-02T03:04:05.5Z"}}, "", "",
			"agent profiles of mailto:ada@example.com since 2024-01-02T03:04:05.5Z"},
		{"agent profile list bad agent", statedoc.AgentProfileList{Agent: statedoc.Agent{Mbox: "ada@example.com"}},
			nil, "agent", "mailto:", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := tt.key.Query()
			if tt.want == nil {
				require.Error(t, err)
				assert.ErrorIs(t, err, statedoc.ErrInvalid)
				var ve *statedoc.ValidationError
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, tt.field, ve.Field)
				assert.Contains(t, err.Error(), tt.reason)
				assert.Equal(t, err, tt.key.Validate())
				return
			}
			require.NoError(t, err)
			require.NoError(t, tt.key.Validate())
			assert.Equal(t, tt.want, q)
			assert.Equal(t, tt.str, tt.key.String())
		})
	}
}

func TestPaths(t *testing.T) {
	assert.Equal(t, "activities/state", statedoc.StatePath)
	assert.Equal(t, "activities/profile", statedoc.ActivityProfilePath)
	assert.Equal(t, "agents/profile", statedoc.AgentProfilePath)
	assert.Equal(t, "about", statedoc.AboutPath)
}

func TestFormatSince(t *testing.T) {
	assert.Equal(t, "2024-01-02T03:04:05Z", statedoc.FormatSince(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)))
	assert.Equal(t, "2024-01-02T02:04:05.000000001Z", statedoc.FormatSince(time.Date(2024, 1, 2, 3, 4, 5, 1, time.FixedZone("", 3600))))
}
