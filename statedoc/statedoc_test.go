package statedoc_test

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/statedoc"
)

const sha = "0123456789abcdef0123456789abcdef01234567"

func TestAccepts(t *testing.T) {
	tests := []struct {
		server, requested string
		want              bool
	}{
		{statedoc.Version103, "1.0.3", true},
		{statedoc.Version103, "1.0", true},
		{statedoc.Version103, "1.0.0", true},
		{statedoc.Version103, "1.0.17", true},
		{statedoc.Version103, "1.0.3-rc1", true},
		{statedoc.Version103, "1.0.3a", true},
		{statedoc.Version103, "1.0.3.1", true},
		{statedoc.Version103, "1.0.x", true},
		{statedoc.Version103, "1.0.", false},
		{statedoc.Version103, "1.0.0-", true},
		{statedoc.Version103, "1.00", false},
		{statedoc.Version103, "1.0-rc1", false},
		{statedoc.Version103, "1.1", false},
		{statedoc.Version103, "1.1.0", false},
		{statedoc.Version103, "1", false},
		{statedoc.Version103, "0.9.5", false},
		{statedoc.Version103, "2.0.0", false},
		{statedoc.Version103, "", false},
		{statedoc.Version103, " 1.0.3", false},
		{statedoc.Version200, "2.0.0", true},
		{statedoc.Version200, "2.0", true},
		{statedoc.Version200, "2.0.1", true},
		{statedoc.Version200, "2.0.0-rc1", true},
		{statedoc.Version200, "2.0.", false},
		{statedoc.Version200, "1.0.3", false},
		{statedoc.Version200, "2.1.0", false},
		{statedoc.Version200, "2", false},
		{"", "1.0.3", false},
		{"garbage", "garbage", false},
	}
	for _, tt := range tests {
		t.Run(tt.server+"/"+tt.requested, func(t *testing.T) {
			assert.Equal(t, tt.want, statedoc.Accepts(tt.server, tt.requested))
		})
	}
}

func TestSHA1ETag(t *testing.T) {
	assert.Equal(t, `"da39a3ee5e6b4b0d3255bfef95601890afd80709"`, statedoc.SHA1ETag(nil))
	assert.Equal(t, `"a9993e364706816aba3e25717850c26c9cd0d89d"`, statedoc.SHA1ETag([]byte("abc")))
}

func TestAgentValidate(t *testing.T) {
	tests := []struct {
		name   string
		agent  statedoc.Agent
		reason string // "" means valid
	}{
		{"mbox", statedoc.Agent{Mbox: "mailto:ada@example.com"}, ""},
		{"mbox with objectType and name", statedoc.Agent{ObjectType: "Agent", Name: "Ada", Mbox: "mailto:ada@example.com"}, ""},
		{"sha1", statedoc.Agent{MboxSHA1Sum: sha}, ""},
		{"sha1 uppercase", statedoc.Agent{MboxSHA1Sum: strings.ToUpper(sha)}, ""},
		{"openid", statedoc.Agent{OpenID: "https://openid.example.com/ada"}, ""},
		{"account", statedoc.Agent{Account: &statedoc.Account{HomePage: "https://lms.example.com", Name: "ada"}}, ""},
		{"none", statedoc.Agent{Name: "Ada"}, "no identifier"},
		{"two", statedoc.Agent{Mbox: "mailto:a@b.c", OpenID: "https://x"}, "2 identifiers (mbox, openid)"},
		{"group", statedoc.Agent{ObjectType: "Group", Mbox: "mailto:a@b.c"}, `objectType "Group" is not allowed: the State Resource takes an Agent`},
		{"bad objectType", statedoc.Agent{ObjectType: "agent", Mbox: "mailto:a@b.c"}, `objectType must be "Agent"`},
		{"mbox without mailto", statedoc.Agent{Mbox: "ada@example.com"}, "mbox must be a mailto: IRI"},
		{"mbox uppercase scheme", statedoc.Agent{Mbox: "MAILTO:ada@example.com"}, "mbox must be a mailto: IRI"},
		{"mbox without address", statedoc.Agent{Mbox: "mailto:"}, "email address"},
		{"mbox without at", statedoc.Agent{Mbox: "mailto:ada"}, "email address"},
		{"mbox with space", statedoc.Agent{Mbox: "mailto:a da@example.com"}, "email address"},
		{"sha1 short", statedoc.Agent{MboxSHA1Sum: sha[:39]}, "40 hexadecimal digits"},
		{"sha1 non-hex", statedoc.Agent{MboxSHA1Sum: "g" + sha[1:]}, "40 hexadecimal digits"},
		{"openid relative", statedoc.Agent{OpenID: "/ada"}, "openid must be an absolute URI"},
		{"openid with angle brackets", statedoc.Agent{OpenID: "https://id.example.com/<ada>"}, "openid must be an absolute URI"},
		{"account homePage with brace", statedoc.Agent{Account: &statedoc.Account{HomePage: "https://lms.example.com/{x}", Name: "ada"}}, "homePage"},
		{"account empty", statedoc.Agent{Account: &statedoc.Account{}}, "homePage"},
		{"account relative homePage", statedoc.Agent{Account: &statedoc.Account{HomePage: "lms", Name: "ada"}}, "homePage"},
		{"account without name", statedoc.Agent{Account: &statedoc.Account{HomePage: "https://lms.example.com"}}, "account name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.agent.Validate()
			if tt.reason == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, statedoc.ErrInvalid)
			var ve *statedoc.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, "agent", ve.Field)
			assert.Contains(t, err.Error(), tt.reason)
			assert.True(t, strings.HasPrefix(err.Error(), "statedoc: invalid agent: "), err.Error())
		})
	}
}

func TestValidationErrorMessage(t *testing.T) {
	err := statedoc.Agent{Mbox: "ada@example.com"}.Validate()
	assert.EqualError(t, err, "statedoc: invalid agent: mbox must be a mailto: IRI")
	var ve *statedoc.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "ada@example.com", ve.Value)
}

func TestAgentQueryValue(t *testing.T) {
	tests := []struct {
		name  string
		agent statedoc.Agent
		want  string
	}{
		{"mbox drops name", statedoc.Agent{Name: "Ada", Mbox: "mailto:ada@example.com"},
			`{"objectType":"Agent","mbox":"mailto:ada@example.com"}`},
		{"sha1 lowercased", statedoc.Agent{ObjectType: "Agent", MboxSHA1Sum: strings.ToUpper(sha)},
			`{"objectType":"Agent","mbox_sha1sum":"` + sha + `"}`},
		{"sha1 mixed case lowercased", statedoc.Agent{MboxSHA1Sum: "0123456789ABCDEF0123456789abcdef01234567"},
			`{"objectType":"Agent","mbox_sha1sum":"` + sha + `"}`},
		{"openid without HTML escaping", statedoc.Agent{OpenID: "https://id.example.com/?a=1&b=2"},
			`{"objectType":"Agent","openid":"https://id.example.com/?a=1&b=2"}`},
		{"mbox keeps case", statedoc.Agent{Mbox: "mailto:Ada@Example.com"},
			`{"objectType":"Agent","mbox":"mailto:Ada@Example.com"}`},
		{"account", statedoc.Agent{Account: &statedoc.Account{Name: "ada \"the\" <first>", HomePage: "https://lms.example.com"}},
			`{"objectType":"Agent","account":{"homePage":"https://lms.example.com","name":"ada \"the\" <first>"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.agent.QueryValue()
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			back, err := statedoc.ParseAgent(got)
			require.NoError(t, err)
			again, err := back.QueryValue()
			require.NoError(t, err)
			assert.Equal(t, got, again)
		})
	}
	_, err := statedoc.Agent{}.QueryValue()
	assert.ErrorIs(t, err, statedoc.ErrInvalid)
}

func TestParseAgent(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		want   statedoc.Agent
		reason string // "" means valid
	}{
		{"canonical", `{"objectType":"Agent","mbox":"mailto:ada@example.com"}`,
			statedoc.Agent{ObjectType: "Agent", Mbox: "mailto:ada@example.com"}, ""},
		{"no objectType, with name", ` {"name":"Ada","mbox":"mailto:ada@example.com"} `,
			statedoc.Agent{Name: "Ada", Mbox: "mailto:ada@example.com"}, ""},
		{"account", `{"account":{"name":"ada","homePage":"https://lms.example.com"}}`,
			statedoc.Agent{Account: &statedoc.Account{HomePage: "https://lms.example.com", Name: "ada"}}, ""},
		{"sha1", `{"mbox_sha1sum":"` + sha + `"}`, statedoc.Agent{MboxSHA1Sum: sha}, ""},
		{"openid", `{"openid":"https://id.example.com/ada"}`, statedoc.Agent{OpenID: "https://id.example.com/ada"}, ""},
		{"empty string", ``, statedoc.Agent{}, "not JSON"},
		{"not JSON", `mailto:ada@example.com`, statedoc.Agent{}, "not JSON"},
		{"array", `[{"mbox":"mailto:ada@example.com"}]`, statedoc.Agent{}, "not a JSON object"},
		{"null", `null`, statedoc.Agent{}, "not a JSON object"},
		{"truncated", `{"mbox":"mailto:ada@example.com"`, statedoc.Agent{}, "not JSON"},
		{"trailing", `{"mbox":"mailto:ada@example.com"}{}`, statedoc.Agent{}, "trailing data"},
		{"unknown member", `{"mbox":"mailto:ada@example.com","age":3}`, statedoc.Agent{}, `unknown member "age"`},
		{"group", `{"objectType":"Group","member":[{"mbox":"mailto:ada@example.com"}]}`, statedoc.Agent{}, `"Group" is not allowed`},
		{"duplicate", `{"mbox":"mailto:a@example.com","mbox":"mailto:b@example.com"}`, statedoc.Agent{}, "more than once"},
		{"no IFI", `{"name":"Ada"}`, statedoc.Agent{}, "no identifier"},
		{"empty object", `{}`, statedoc.Agent{}, "no identifier"},
		{"two IFIs", `{"mbox":"mailto:ada@example.com","openid":"https://x.example.com"}`, statedoc.Agent{}, "exactly one"},
		{"empty IFI", `{"mbox":"","openid":"https://x.example.com"}`, statedoc.Agent{}, "mbox must not be empty"},
		{"number", `{"mbox":5}`, statedoc.Agent{}, "mbox must be a JSON string"},
		{"null member", `{"mbox":null}`, statedoc.Agent{}, "mbox must be a JSON string"},
		{"account not object", `{"account":"ada"}`, statedoc.Agent{}, "account: not a JSON object"},
		{"account unknown member", `{"account":{"homePage":"https://x","name":"a","id":1}}`, statedoc.Agent{}, `account: unknown member "id"`},
		{"account number name", `{"account":{"homePage":"https://x","name":1}}`, statedoc.Agent{}, "account name must be a JSON string"},
		{"bad mbox", `{"mbox":"ada@example.com"}`, statedoc.Agent{}, "mailto:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := statedoc.ParseAgent(tt.in)
			if tt.reason == "" {
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, statedoc.ErrInvalid)
			assert.Contains(t, err.Error(), tt.reason)
		})
	}
}

var ada = statedoc.Agent{Mbox: "mailto:ada@example.com"}

const reg = "9d3a5e0c-6f1b-4c2a-8e7d-1a2b3c4d5e6f"

func TestKeyValidate(t *testing.T) {
	tests := []struct {
		name  string
		key   statedoc.Key
		field string // "" means valid
	}{
		{"valid", statedoc.Key{ActivityID: "https://example.com/a", Agent: ada, StateID: "s"}, ""},
		{"valid with registration", statedoc.Key{ActivityID: "urn:x:a", Agent: ada, Registration: strings.ToUpper(reg), StateID: "s"}, ""},
		{"no activity", statedoc.Key{Agent: ada, StateID: "s"}, "activityId"},
		{"relative activity", statedoc.Key{ActivityID: "course/1", Agent: ada, StateID: "s"}, "activityId"},
		{"activity with space", statedoc.Key{ActivityID: "https://example.com/a b", Agent: ada, StateID: "s"}, "activityId"},
		{"scheme only", statedoc.Key{ActivityID: "https:", Agent: ada, StateID: "s"}, "activityId"},
		{"bad scheme", statedoc.Key{ActivityID: "1http://x", Agent: ada, StateID: "s"}, "activityId"},
		{"activity with percent-encoding", statedoc.Key{ActivityID: "https://example.com/a%20b?x=1#f", Agent: ada, StateID: "s"}, ""},
		{"activity with non-ASCII", statedoc.Key{ActivityID: "https://example.com/café", Agent: ada, StateID: "s"}, ""},
		{"bad agent", statedoc.Key{ActivityID: "https://example.com/a", StateID: "s"}, "agent"},
		{"bad registration", statedoc.Key{ActivityID: "https://example.com/a", Agent: ada, Registration: "42", StateID: "s"}, "registration"},
		{"registration without hyphens", statedoc.Key{ActivityID: "https://example.com/a", Agent: ada, Registration: strings.ReplaceAll(reg, "-", "") + "abcd", StateID: "s"}, "registration"},
		{"no stateId", statedoc.Key{ActivityID: "https://example.com/a", Agent: ada}, "stateId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.key.Validate()
			if tt.field == "" {
				assert.NoError(t, err)
				return
			}
			var ve *statedoc.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tt.field, ve.Field)
			assert.True(t, errors.Is(err, statedoc.ErrInvalid))
			_, qerr := tt.key.Query()
			assert.ErrorIs(t, qerr, statedoc.ErrInvalid)
		})
	}
}

func TestKeyQuery(t *testing.T) {
	k := statedoc.Key{ActivityID: "https://example.com/a", Agent: statedoc.Agent{Name: "Ada", Mbox: "mailto:ada@example.com"}, StateID: "progress"}
	q, err := k.Query()
	require.NoError(t, err)
	assert.Equal(t, url.Values{
		"activityId": {"https://example.com/a"},
		"agent":      {`{"objectType":"Agent","mbox":"mailto:ada@example.com"}`},
		"stateId":    {"progress"},
	}, q)

	k.Registration = reg
	q, err = k.Query()
	require.NoError(t, err)
	assert.Equal(t, []string{reg}, q["registration"])
	assert.Len(t, q, 4)

	cq, err := k.Context().Query()
	require.NoError(t, err)
	assert.Len(t, cq, 3)
	assert.NotContains(t, cq, "stateId")

	_, err = statedoc.Context{ActivityID: "https://example.com/a"}.Query()
	assert.ErrorIs(t, err, statedoc.ErrInvalid)
}

func TestKeyString(t *testing.T) {
	tests := []struct {
		key  statedoc.Key
		want string
	}{
		{statedoc.Key{ActivityID: "https://example.com/a", Agent: ada, StateID: "progress"},
			`state "progress" of https://example.com/a for mailto:ada@example.com`},
		{statedoc.Key{ActivityID: "https://example.com/a", Agent: statedoc.Agent{MboxSHA1Sum: sha}, Registration: reg, StateID: "p"},
			`state "p" of https://example.com/a for sha1:` + sha + ` (registration ` + reg + `)`},
		{statedoc.Key{ActivityID: "https://example.com/a", Agent: statedoc.Agent{Account: &statedoc.Account{HomePage: "https://lms", Name: "ada"}}, StateID: "p"},
			`state "p" of https://example.com/a for ada at https://lms`},
		{statedoc.Key{ActivityID: "https://example.com/a", Agent: statedoc.Agent{OpenID: "https://id/ada"}, StateID: "p"},
			`state "p" of https://example.com/a for https://id/ada`},
		{statedoc.Key{}, `state "" of  for (no identifier)`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.key.String())
	}
}

func TestIsUUID(t *testing.T) {
	assert.True(t, statedoc.IsUUID(reg))
	assert.True(t, statedoc.IsUUID(strings.ToUpper(reg)))
	assert.False(t, statedoc.IsUUID(""))
	assert.False(t, statedoc.IsUUID("{"+reg[1:35]+"}"))
	assert.False(t, statedoc.IsUUID(strings.Replace(reg, "-", "_", 1)))
	assert.False(t, statedoc.IsUUID(strings.Replace(reg, "9", "g", 1)))
}

func FuzzParseAgent(f *testing.F) {
	for _, s := range []string{
		`{"objectType":"Agent","mbox":"mailto:ada@example.com"}`,
		`{"name":"Ada","mbox_sha1sum":"` + sha + `"}`,
		`{"openid":"https://id.example.com/ada"}`,
		`{"account":{"homePage":"https://lms.example.com","name":"ada"}}`,
		`{"objectType":"Group","member":[]}`,
		`{"mbox":"mailto:a@b","mbox":"mailto:c@d"}`,
		`{"mbox":"mailto:\u00e9@b\ud800"}`,
		`[]`, `null`, ``, `{`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := statedoc.ParseAgent(s)
		if err != nil {
			if !errors.Is(err, statedoc.ErrInvalid) {
				t.Fatalf("error %v does not match ErrInvalid", err)
			}
			return
		}
		q, err := a.QueryValue()
		if err != nil {
			t.Fatalf("parsed agent %+v has no query value: %v", a, err)
		}
		b, err := statedoc.ParseAgent(q)
		if err != nil {
			t.Fatalf("query value %s does not re-parse: %v", q, err)
		}
		q2, err := b.QueryValue()
		if err != nil || q2 != q {
			t.Fatalf("query value not stable: %s then %s (%v)", q, q2, err)
		}
	})
}

func TestIRIForbiddenCharacters(t *testing.T) {
	for _, c := range []string{" ", "\t", "\n", "\x00", "\x7f", "\u0085", "<", ">", `"`, "{", "}", "|", `\`, "^", "`"} {
		t.Run(strconvQuote(c), func(t *testing.T) {
			k := statedoc.Key{ActivityID: "https://example.com/a" + c + "b", Agent: ada, StateID: "s"}
			var ve *statedoc.ValidationError
			require.ErrorAs(t, k.Validate(), &ve)
			assert.Equal(t, "activityId", ve.Field)

			a := statedoc.Agent{OpenID: "https://id.example.com/" + c}
			require.ErrorAs(t, a.Validate(), &ve)
			assert.Equal(t, "agent", ve.Field)
		})
	}
}

func strconvQuote(s string) string { return strings.Trim(fmt.Sprintf("%+q", s), `"`) }

// Two spellings of the same key must give byte-identical queries, or a
// client would address two documents on an LRS that compares bytes.
func TestQueryCanonicalSpellings(t *testing.T) {
	tests := []struct {
		name string
		a, b statedoc.Key
	}{
		{"mbox_sha1sum case",
			statedoc.Key{ActivityID: "https://example.com/a", Agent: statedoc.Agent{MboxSHA1Sum: sha}, StateID: "s"},
			statedoc.Key{ActivityID: "https://example.com/a", Agent: statedoc.Agent{MboxSHA1Sum: strings.ToUpper(sha)}, StateID: "s"}},
		{"registration case",
			statedoc.Key{ActivityID: "https://example.com/a", Agent: ada, Registration: reg, StateID: "s"},
			statedoc.Key{ActivityID: "https://example.com/a", Agent: ada, Registration: strings.ToUpper(reg), StateID: "s"}},
		{"name and objectType",
			statedoc.Key{ActivityID: "https://example.com/a", Agent: ada, StateID: "s"},
			statedoc.Key{ActivityID: "https://example.com/a", Agent: statedoc.Agent{ObjectType: "Agent", Name: "Ada", Mbox: ada.Mbox}, StateID: "s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			qa, err := tt.a.Query()
			require.NoError(t, err)
			qb, err := tt.b.Query()
			require.NoError(t, err)
			assert.Equal(t, qa.Encode(), qb.Encode())

			ca, err := tt.a.Context().Query()
			require.NoError(t, err)
			cb, err := tt.b.Context().Query()
			require.NoError(t, err)
			assert.Equal(t, ca.Encode(), cb.Encode())
		})
	}
	q, err := statedoc.Context{ActivityID: "https://example.com/a", Agent: ada, Registration: strings.ToUpper(reg)}.Query()
	require.NoError(t, err)
	assert.Equal(t, reg, q.Get("registration"))
}
