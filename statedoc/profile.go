package statedoc

import (
	"fmt"
	"net/url"
	"time"
)

// ActivityProfileKey addresses one document of the Activity Profile
// Resource: settings or data about an activity as a whole, shared by every
// learner (xAPI 1.0.3 §2.7; 2.0 §4.1.6.6).
type ActivityProfileKey struct {
	// ActivityID is the activity's IRI; it must be absolute.
	ActivityID string
	// ProfileID names the document within the activity.
	ProfileID string
}

// Validate checks that ActivityID is an absolute IRI and ProfileID is not
// empty. Errors are *ValidationError values that match ErrInvalid.
func (k ActivityProfileKey) Validate() error {
	if err := validateActivityID(k.ActivityID); err != nil {
		return err
	}
	return validateProfileID(k.ProfileID)
}

// Query returns the Activity Profile Resource query parameters for k:
// activityId and profileId, and nothing else. It returns the Validate
// error for an invalid key.
func (k ActivityProfileKey) Query() (url.Values, error) {
	if err := k.Validate(); err != nil {
		return nil, err
	}
	return url.Values{"activityId": {k.ActivityID}, "profileId": {k.ProfileID}}, nil
}

// String returns a short human-readable form of k for errors and logs,
// such as
//
//	activity profile "settings" of https://example.com/course/1
func (k ActivityProfileKey) String() string {
	return fmt.Sprintf("activity profile %q of %s", k.ProfileID, k.ActivityID)
}

// ActivityProfileList asks for the profileIds stored for an activity: a GET
// of the Activity Profile Resource without profileId, which answers a JSON
// array of ids.
type ActivityProfileList struct {
	// ActivityID is the activity's IRI; it must be absolute.
	ActivityID string
	// Since, when not zero, limits the list to the documents stored or
	// changed after it (exclusive).
	Since time.Time
}

// Validate checks that ActivityID is an absolute IRI. Errors are
// *ValidationError values that match ErrInvalid.
func (l ActivityProfileList) Validate() error { return validateActivityID(l.ActivityID) }

// Query returns the query parameters of the list: activityId and, when
// Since is set, since (RFC 3339 in UTC, with the fraction of a second it
// has). It returns the Validate error for an invalid list.
func (l ActivityProfileList) Query() (url.Values, error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	q := url.Values{"activityId": {l.ActivityID}}
	setSince(q, l.Since)
	return q, nil
}

// String returns a short human-readable form of l for errors and logs.
func (l ActivityProfileList) String() string {
	return "activity profiles of " + l.ActivityID + sinceText(l.Since)
}

// AgentProfileKey addresses one document of the Agent Profile Resource:
// data about a learner that belongs to no activity, such as their
// preferences (xAPI 1.0.3 §2.6; 2.0 §4.1.6.5).
type AgentProfileKey struct {
	// Agent is the learner the document belongs to. As for the State
	// Resource it is an Agent with exactly one IFI, never a Group.
	Agent Agent
	// ProfileID names the document within the agent's profile.
	ProfileID string
}

// Validate checks that Agent is valid and ProfileID is not empty. Errors
// are *ValidationError values that match ErrInvalid.
func (k AgentProfileKey) Validate() error {
	if err := k.Agent.Validate(); err != nil {
		return err
	}
	return validateProfileID(k.ProfileID)
}

// Query returns the Agent Profile Resource query parameters for k: agent
// (as Agent.QueryValue encodes it) and profileId, and nothing else. It
// returns the Validate error for an invalid key.
func (k AgentProfileKey) Query() (url.Values, error) {
	if err := k.Validate(); err != nil {
		return nil, err
	}
	agent, err := k.Agent.QueryValue()
	if err != nil {
		return nil, err
	}
	return url.Values{"agent": {agent}, "profileId": {k.ProfileID}}, nil
}

// String returns a short human-readable form of k for errors and logs,
// such as
//
//	agent profile "cmi5LearnerPreferences" of mailto:ada@example.com
func (k AgentProfileKey) String() string {
	return fmt.Sprintf("agent profile %q of %s", k.ProfileID, k.Agent.short())
}

// AgentProfileList asks for the profileIds stored for an agent: a GET of
// the Agent Profile Resource without profileId, which answers a JSON array
// of ids.
type AgentProfileList struct {
	// Agent is the learner whose documents are listed.
	Agent Agent
	// Since, when not zero, limits the list to the documents stored or
	// changed after it (exclusive).
	Since time.Time
}

// Validate checks that Agent is valid. Errors are *ValidationError values
// that match ErrInvalid.
func (l AgentProfileList) Validate() error { return l.Agent.Validate() }

// Query returns the query parameters of the list: agent (as
// Agent.QueryValue encodes it) and, when Since is set, since (RFC 3339 in
// UTC). It returns the Validate error for an invalid list.
func (l AgentProfileList) Query() (url.Values, error) {
	agent, err := l.Agent.QueryValue()
	if err != nil {
		return nil, err
	}
	q := url.Values{"agent": {agent}}
	setSince(q, l.Since)
	return q, nil
}

// String returns a short human-readable form of l for errors and logs.
func (l AgentProfileList) String() string {
	return "agent profiles of " + l.Agent.short() + sinceText(l.Since)
}

func validateActivityID(id string) error {
	if id == "" {
		return invalid("activityId", "", "must not be empty")
	}
	if !isAbsoluteIRI(id) {
		return invalid("activityId", id, "must be an absolute IRI (with a scheme)")
	}
	return nil
}

func validateProfileID(id string) error {
	if id == "" {
		return invalid("profileId", "", "must not be empty")
	}
	return nil
}

// FormatSince formats t as the since parameter of a list of ids carries
// it: RFC 3339 in UTC, with as many digits of a fraction of a second as t
// needs.
func FormatSince(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func setSince(q url.Values, since time.Time) {
	if !since.IsZero() {
		q.Set("since", FormatSince(since))
	}
}

func sinceText(since time.Time) string {
	if since.IsZero() {
		return ""
	}
	return " since " + FormatSince(since)
}
