package statedoc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Account is an account on some system, one of the four kinds of Inverse
// Functional Identifier (IFI) an Agent can have.
type Account struct {
	// HomePage is the IRL of the system where the account lives.
	HomePage string `json:"homePage"`
	// Name is the account's unique name on that system.
	Name string `json:"name"`
}

// Agent identifies the learner a state document belongs to. A valid Agent
// has exactly one Inverse Functional Identifier (IFI): Mbox, MboxSHA1Sum,
// OpenID or Account. Name is descriptive only and does not take part in
// identifying the document.
type Agent struct {
	// ObjectType is "Agent" or empty. Groups are not accepted by the
	// State Resource.
	ObjectType string `json:"objectType,omitempty"`
	// Name is the agent's display name; it is dropped from the query value.
	Name string `json:"name,omitempty"`
	// Mbox is a "mailto:" IRI, such as "mailto:ada@example.com".
	Mbox string `json:"mbox,omitempty"`
	// MboxSHA1Sum is the hex SHA-1 (40 digits) of a "mailto:" IRI.
	MboxSHA1Sum string `json:"mbox_sha1sum,omitempty"`
	// OpenID is an OpenID URI.
	OpenID string `json:"openid,omitempty"`
	// Account is an account on a system identified by its home page.
	Account *Account `json:"account,omitempty"`
}

// ifiNames lists the IFIs an agent sets, in the fixed order mbox,
// mbox_sha1sum, openid, account.
func (a Agent) ifiNames() []string {
	var names []string
	if a.Mbox != "" {
		names = append(names, "mbox")
	}
	if a.MboxSHA1Sum != "" {
		names = append(names, "mbox_sha1sum")
	}
	if a.OpenID != "" {
		names = append(names, "openid")
	}
	if a.Account != nil {
		names = append(names, "account")
	}
	return names
}

// Validate checks that the agent can address a state document: ObjectType
// is "Agent" or empty, exactly one IFI is set, and that IFI is well formed
// (Mbox a "mailto:" IRI with an address, MboxSHA1Sum 40 hex digits, OpenID
// an absolute URI, Account an absolute home page IRL and a non-empty name).
// Errors are *ValidationError values that match ErrInvalid.
func (a Agent) Validate() error {
	switch a.ObjectType {
	case "", "Agent":
	case "Group":
		return invalid("agent", a.ObjectType, `objectType "Group" is not allowed: the State Resource takes an Agent`)
	default:
		return invalid("agent", a.ObjectType, fmt.Sprintf(`objectType must be "Agent" or omitted, not %q`, a.ObjectType))
	}
	fields := []struct{ name, value string }{{"mbox", a.Mbox}, {"mbox_sha1sum", a.MboxSHA1Sum}, {"openid", a.OpenID}, {"name", a.Name}}
	if a.Account != nil {
		fields = append(fields, struct{ name, value string }{"account homePage", a.Account.HomePage},
			struct{ name, value string }{"account name", a.Account.Name})
	}
	for _, f := range fields {
		if !utf8.ValidString(f.value) {
			// JSON would turn each bad byte into U+FFFD: two different
			// agents would address the same documents.
			return invalid("agent", f.value, f.name+" is not valid UTF-8")
		}
	}
	names := a.ifiNames()
	switch len(names) {
	case 0:
		return invalid("agent", "", "no identifier: exactly one of mbox, mbox_sha1sum, openid or account is required")
	case 1:
	default:
		return invalid("agent", "", fmt.Sprintf("%d identifiers (%s): exactly one is allowed", len(names), strings.Join(names, ", ")))
	}
	switch names[0] {
	case "mbox":
		return validateMbox(a.Mbox)
	case "mbox_sha1sum":
		if !isHex40(a.MboxSHA1Sum) {
			return invalid("agent", a.MboxSHA1Sum, "mbox_sha1sum must be 40 hexadecimal digits")
		}
	case "openid":
		if !isAbsoluteIRI(a.OpenID) {
			return invalid("agent", a.OpenID, "openid must be an absolute URI")
		}
	case "account":
		if !isAbsoluteIRI(a.Account.HomePage) {
			return invalid("agent", a.Account.HomePage, "account homePage must be an absolute IRL")
		}
		if a.Account.Name == "" {
			return invalid("agent", "", "account name must not be empty")
		}
	}
	return nil
}

func validateMbox(mbox string) error {
	addr, ok := strings.CutPrefix(mbox, "mailto:")
	if !ok {
		return invalid("agent", mbox, "mbox must be a mailto: IRI")
	}
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 || hasSpaceOrControl(addr) {
		return invalid("agent", mbox, "mbox must be a mailto: IRI with an email address")
	}
	return nil
}

// QueryValue returns the agent as the JSON the State Resource's agent
// parameter carries. The encoding is canonical, so the same agent always
// gives the same bytes: objectType "Agent" followed by the single IFI, with
// Name dropped and an mbox_sha1sum in lowercase hex (its case carries no
// meaning), for example
//
//	{"objectType":"Agent","mbox":"mailto:ada@example.com"}
//	{"objectType":"Agent","mbox_sha1sum":"0123456789abcdef0123456789abcdef01234567"}
//	{"objectType":"Agent","account":{"homePage":"https://lms.example.com","name":"ada"}}
//
// Other values are kept as given: an mbox, an OpenID or an account differs
// by case wherever the IRI or the account system says it does.
//
// It returns the Validate error for an invalid agent.
func (a Agent) QueryValue() (string, error) {
	if err := a.Validate(); err != nil {
		return "", err
	}
	return a.queryValue(), nil
}

// queryValue is QueryValue for an agent already validated.
func (a Agent) queryValue() string {
	var b strings.Builder
	n := 40 + len(a.Mbox) + len(a.MboxSHA1Sum) + len(a.OpenID)
	if a.Account != nil {
		n += len(a.Account.HomePage) + len(a.Account.Name)
	}
	b.Grow(n)
	b.WriteString(`{"objectType":"Agent",`)
	switch {
	case a.Mbox != "":
		b.WriteString(`"mbox":` + jsonString(a.Mbox))
	case a.MboxSHA1Sum != "":
		b.WriteString(`"mbox_sha1sum":` + jsonString(strings.ToLower(a.MboxSHA1Sum)))
	case a.OpenID != "":
		b.WriteString(`"openid":` + jsonString(a.OpenID))
	default:
		b.WriteString(`"account":{"homePage":` + jsonString(a.Account.HomePage) + `,"name":` + jsonString(a.Account.Name) + `}`)
	}
	b.WriteString("}")
	return b.String()
}

// short returns the agent's IFI in a compact human-readable form.
func (a Agent) short() string {
	switch {
	case a.Mbox != "":
		return a.Mbox
	case a.MboxSHA1Sum != "":
		return "sha1:" + a.MboxSHA1Sum
	case a.OpenID != "":
		return a.OpenID
	case a.Account != nil:
		return a.Account.Name + " at " + a.Account.HomePage
	}
	return "(no identifier)"
}

// jsonString encodes s as a JSON string without HTML escaping, so the
// encoding stays readable and stable.
func jsonString(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // encoding a string cannot fail
	return strings.TrimSuffix(buf.String(), "\n")
}

// ParseAgent parses the value of the State Resource's agent parameter. It
// accepts a JSON object with the members objectType, name, mbox,
// mbox_sha1sum, openid and account (itself an object with homePage and
// name), every value a string, each member at most once, and then applies
// Validate. Anything else — not JSON, trailing data, unknown or
// duplicated members, values of the wrong type, empty identifiers, or zero
// or several IFIs — is rejected with a *ValidationError.
func ParseAgent(s string) (Agent, error) {
	members, err := decodeObject([]byte(s))
	if err != nil {
		return Agent{}, invalid("agent", s, err.Error())
	}
	var a Agent
	// objectType first, so that a Group is reported as such rather than
	// by its unknown "member" property.
	if raw, ok := members["objectType"]; ok {
		if a.ObjectType, err = stringMember("objectType", raw); err != nil {
			return Agent{}, invalid("agent", s, err.Error())
		}
		if a.ObjectType == "Group" {
			return Agent{}, invalid("agent", s, `objectType "Group" is not allowed: the State Resource takes an Agent`)
		}
	}
	for name, raw := range members {
		var dst *string
		switch name {
		case "objectType":
			continue
		case "name":
			dst = &a.Name
		case "mbox":
			dst = &a.Mbox
		case "mbox_sha1sum":
			dst = &a.MboxSHA1Sum
		case "openid":
			dst = &a.OpenID
		case "account":
			acc, err := parseAccount(raw)
			if err != nil {
				return Agent{}, invalid("agent", s, err.Error())
			}
			a.Account = acc
			continue
		default:
			return Agent{}, invalid("agent", s, fmt.Sprintf("unknown member %q", name))
		}
		v, err := stringMember(name, raw)
		if err != nil {
			return Agent{}, invalid("agent", s, err.Error())
		}
		if v == "" && name != "name" {
			return Agent{}, invalid("agent", s, name+" must not be empty")
		}
		*dst = v
	}
	if err := a.Validate(); err != nil {
		return Agent{}, err
	}
	return a, nil
}

func parseAccount(raw json.RawMessage) (*Account, error) {
	members, err := decodeObject(raw)
	if err != nil {
		return nil, errors.New("account: " + err.Error())
	}
	var acc Account
	for name, v := range members {
		var dst *string
		switch name {
		case "homePage":
			dst = &acc.HomePage
		case "name":
			dst = &acc.Name
		default:
			return nil, fmt.Errorf("account: unknown member %q", name)
		}
		if *dst, err = stringMember("account "+name, v); err != nil {
			return nil, err
		}
	}
	return &acc, nil
}

func stringMember(name string, raw json.RawMessage) (string, error) {
	var v string
	if len(raw) == 0 || raw[0] != '"' {
		return "", errors.New(name + " must be a JSON string")
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", errors.New(name + " must be a JSON string")
	}
	return v, nil
}

// decodeObject decodes one JSON object into its members, rejecting
// anything that is not exactly one object and any duplicated member.
func decodeObject(data []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, errors.New("not JSON")
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not a JSON object")
	}
	members := make(map[string]json.RawMessage)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, errors.New("not JSON")
		}
		name, ok := tok.(string)
		if !ok {
			return nil, errors.New("not JSON")
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, errors.New("not JSON")
		}
		if _, dup := members[name]; dup {
			return nil, fmt.Errorf("member %q appears more than once", name)
		}
		members[name] = v
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, errors.New("not JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the JSON object")
	}
	return members, nil
}
