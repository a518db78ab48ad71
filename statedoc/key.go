package statedoc

import (
	"fmt"
	"net/url"
	"strings"
)

// Key addresses one state document: the activity, the agent, an optional
// registration and the document's stateId.
type Key struct {
	// ActivityID is the activity's IRI; it must be absolute.
	ActivityID string
	// Agent is the learner the state belongs to.
	Agent Agent
	// Registration optionally scopes the state to one registration (a
	// UUID, compared without regard to case). For a single document an
	// empty Registration and a given one are distinct scopes: the document
	// stored without a registration is not the one stored with it.
	Registration string
	// StateID names the document within its scope.
	StateID string
}

// Validate checks that k can address a document: ActivityID is an absolute
// IRI, Agent is valid, Registration is empty or a UUID, and StateID is not
// empty. Errors are *ValidationError values that match ErrInvalid.
func (k Key) Validate() error {
	if err := k.Context().Validate(); err != nil {
		return err
	}
	if k.StateID == "" {
		return invalid("stateId", "", "must not be empty")
	}
	return nil
}

// Query returns the State Resource query parameters for k: activityId,
// agent (as Agent.QueryValue), registration when set (in lowercase), and
// stateId — and nothing else. Two spellings of the same key give the same
// bytes. It returns the Validate error for an invalid key.
func (k Key) Query() (url.Values, error) {
	if err := k.Validate(); err != nil {
		return nil, err
	}
	q, err := k.Context().Query()
	if err != nil {
		return nil, err
	}
	q.Set("stateId", k.StateID)
	return q, nil
}

// Context returns the scope k belongs to (k without its StateID).
func (k Key) Context() Context {
	return Context{ActivityID: k.ActivityID, Agent: k.Agent, Registration: k.Registration}
}

// String returns a short human-readable form of k for errors and logs,
// such as
//
//	state "progress" of https://example.com/course/1 for mailto:ada@example.com
func (k Key) String() string {
	return fmt.Sprintf("state %q of %s", k.StateID, k.Context())
}

// Context is the scope of a set of state documents: an activity, an agent
// and an optional registration. Listing the stateIds and deleting all
// documents both work on a Context (xAPI 1.0.3 §2.3: "Activity + Agent
// [+ registration if specified]").
type Context struct {
	// ActivityID is the activity's IRI; it must be absolute.
	ActivityID string
	// Agent is the learner the state belongs to.
	Agent Agent
	// Registration optionally narrows the scope to one registration (a
	// UUID). Without it, a Context covers the documents of the activity
	// and agent under every registration as well as those stored without
	// one; with it, only that registration's.
	Registration string
}

// Validate checks that ActivityID is an absolute IRI, Agent is valid and
// Registration is empty or a UUID. Errors are *ValidationError values that
// match ErrInvalid.
func (c Context) Validate() error {
	if err := validateActivityID(c.ActivityID); err != nil {
		return err
	}
	if err := c.Agent.Validate(); err != nil {
		return err
	}
	if c.Registration != "" && !IsUUID(c.Registration) {
		return invalid("registration", c.Registration, "must be a UUID")
	}
	return nil
}

// Query returns the query parameters for c: activityId, agent (as
// Agent.QueryValue) and, when set, registration in lowercase. It returns
// the Validate error for an invalid context.
func (c Context) Query() (url.Values, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	agent := c.Agent.queryValue()
	q := make(url.Values, 4)
	q.Set("activityId", c.ActivityID)
	q.Set("agent", agent)
	if c.Registration != "" {
		q.Set("registration", strings.ToLower(c.Registration))
	}
	return q, nil
}

// String returns a short human-readable form of c for errors and logs.
func (c Context) String() string {
	s := c.ActivityID + " for " + c.Agent.short()
	if c.Registration != "" {
		s += " (registration " + c.Registration + ")"
	}
	return s
}

// IsUUID reports whether s is a UUID in its textual form: 32 hexadecimal
// digits in groups of 8-4-4-4-12 separated by hyphens (either case).
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !isHexDigit(s[i]) {
				return false
			}
		}
	}
	return true
}

// isAbsoluteIRI reports whether s starts with a URI scheme followed by a
// non-empty remainder and contains no character an IRI forbids (RFC 3987):
// whitespace, control characters, or any of <>"{}|\^ and the backtick.
// It does not check percent-encoding or the structure after the scheme.
func isAbsoluteIRI(s string) bool {
	colon := strings.IndexByte(s, ':')
	if colon <= 0 || colon == len(s)-1 {
		return false
	}
	for i := 0; i < colon; i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return !hasSpaceOrControl(s) && !strings.ContainsAny(s, "<>\"{}|\\^`")
}

func hasSpaceOrControl(s string) bool {
	for _, r := range s {
		if r <= ' ' || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == 0x2028 || r == 0x2029 || r == 0xa0 {
			return true
		}
	}
	return false
}

func isHex40(s string) bool {
	if len(s) != 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isHexDigit(s[i]) {
			return false
		}
	}
	return true
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
