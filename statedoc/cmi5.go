package statedoc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
)

// The documents cmi5 defines on the xAPI document resources (cmi5 Quartz,
// §10 and §11).
const (
	// LaunchDataStateID is the stateId of the document an LMS writes into
	// the State Resource, for the AU's activity, the learner and the
	// registration, before it launches an AU (cmi5 §10). It belongs to the
	// LMS: an AU reads it and must never modify or delete it.
	LaunchDataStateID = "LMS.LaunchData"
	// LearnerPreferencesProfileID is the profileId of the learner's
	// preferences in the Agent Profile Resource (cmi5 §11). Both the LMS
	// and an AU may write it; an LMS may refuse an AU's write with 403,
	// which the AU must not treat as an error.
	LearnerPreferencesProfileID = "cmi5LearnerPreferences"
	// SessionIDExtension is the context extension that carries the
	// session id the LMS puts into the context template (cmi5 §9.6.3.1).
	SessionIDExtension = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"
)

// LaunchDataKey returns the key of the LMS.LaunchData document of an AU
// (activityID) launched for agent under registration.
func LaunchDataKey(activityID string, agent Agent, registration string) Key {
	return Key{ActivityID: activityID, Agent: agent, Registration: registration, StateID: LaunchDataStateID}
}

// LearnerPreferencesKey returns the key of agent's cmi5LearnerPreferences
// document.
func LearnerPreferencesKey(agent Agent) AgentProfileKey {
	return AgentProfileKey{Agent: agent, ProfileID: LearnerPreferencesProfileID}
}

// LaunchMode tells an AU how it was launched (cmi5 §10, launchMode).
type LaunchMode string

// The launch modes. Values compare with their case.
const (
	// LaunchModeNormal: the AU records completion-related statements.
	LaunchModeNormal LaunchMode = "Normal"
	// LaunchModeBrowse: the learner looks around; no completion-related
	// statements.
	LaunchModeBrowse LaunchMode = "Browse"
	// LaunchModeReview: the learner revisits completed material; no
	// completion-related statements.
	LaunchModeReview LaunchMode = "Review"
)

// LaunchMethod says whether the AU was given a window of its own (cmi5
// §8.1, §13.1.4).
type LaunchMethod string

// The launch methods.
const (
	// LaunchMethodOwnWindow: the AU has a browser window of its own.
	LaunchMethodOwnWindow LaunchMethod = "OwnWindow"
	// LaunchMethodAnyWindow: the LMS chose where the AU runs, such as a
	// frame.
	LaunchMethodAnyWindow LaunchMethod = "AnyWindow"
)

// MoveOn is the criterion that satisfies an AU (cmi5 §13.1.4).
type MoveOn string

// The moveOn criteria.
const (
	MoveOnPassed             MoveOn = "Passed"
	MoveOnCompleted          MoveOn = "Completed"
	MoveOnCompletedAndPassed MoveOn = "CompletedAndPassed"
	MoveOnCompletedOrPassed  MoveOn = "CompletedOrPassed"
	MoveOnNotApplicable      MoveOn = "NotApplicable"
)

// EntitlementKey lets an AU decide whether the launching LMS may use it
// (cmi5 §10, entitlementKey).
type EntitlementKey struct {
	// CourseStructure is the entitlement key from the course structure;
	// required when an entitlementKey is present.
	CourseStructure string `json:"courseStructure"`
	// Alternate is a key from another source the LMS and AU agreed on.
	Alternate string `json:"alternate,omitempty"`
}

// LaunchData is the LMS.LaunchData state document (cmi5 §10). Its JSON
// encoding uses cmi5's member names; optional members are omitted when
// empty.
type LaunchData struct {
	// ContextTemplate is the JSON object the AU must use as the context
	// of every statement it sends, adding to it but never overwriting
	// what it holds. It is kept byte for byte as the LMS wrote it.
	// Required.
	ContextTemplate json.RawMessage `json:"contextTemplate"`
	// LaunchMode is Normal, Browse or Review. Required.
	LaunchMode LaunchMode `json:"launchMode"`
	// LaunchMethod is OwnWindow or AnyWindow; empty when the LMS did not
	// write it (not every edition of cmi5 lists it in LMS.LaunchData).
	LaunchMethod LaunchMethod `json:"launchMethod,omitempty"`
	// ReturnURL, when set, is where the AU sends the browser window when
	// it terminates.
	ReturnURL string `json:"returnURL,omitempty"`
	// MoveOn is the criterion that satisfies the AU. Required.
	MoveOn MoveOn `json:"moveOn"`
	// MasteryScore, when set, is the scaled score from 0 to 1 inclusive
	// that passing needs.
	MasteryScore *float64 `json:"masteryScore,omitempty"`
	// LaunchParameters are the AU's static launch parameters, as a
	// string the AU interprets.
	LaunchParameters string `json:"launchParameters,omitempty"`
	// EntitlementKey is set when the course structure gives one.
	EntitlementKey *EntitlementKey `json:"entitlementKey,omitempty"`
}

// ErrInvalidDocument is matched (with errors.Is) by every error that
// reports a malformed cmi5 document; such errors match ErrInvalid too.
var ErrInvalidDocument = errors.New("statedoc: invalid cmi5 document")

// DocumentError reports what is wrong with a cmi5 document. It matches
// both ErrInvalidDocument and ErrInvalid with errors.Is.
type DocumentError struct {
	// Document is the document's id: LaunchDataStateID or
	// LearnerPreferencesProfileID.
	Document string
	// Member is the offending JSON member, such as "launchMode" or
	// "entitlementKey.courseStructure"; empty when the document as a
	// whole is malformed.
	Member string
	// Reason says what is wrong, in a short phrase.
	Reason string
}

// Error returns a message of the form
// "statedoc: invalid DOCUMENT: MEMBER: REASON".
func (e *DocumentError) Error() string {
	if e.Member == "" {
		return "statedoc: invalid " + e.Document + ": " + e.Reason
	}
	return "statedoc: invalid " + e.Document + ": " + e.Member + ": " + e.Reason
}

// Unwrap returns ErrInvalidDocument and ErrInvalid.
func (e *DocumentError) Unwrap() []error { return []error{ErrInvalidDocument, ErrInvalid} }

func launchDataError(member, format string, a ...any) error {
	return &DocumentError{Document: LaunchDataStateID, Member: member, Reason: fmt.Sprintf(format, a...)}
}

// Validate checks what cmi5 requires of the document: ContextTemplate is a
// JSON object, LaunchMode and MoveOn are among their values (with the
// same case), LaunchMethod is empty or one of its values, MasteryScore is
// absent or from 0 to 1 inclusive, and an EntitlementKey has a
// CourseStructure. Errors are *DocumentError values.
func (d LaunchData) Validate() error {
	if len(bytes.TrimSpace(d.ContextTemplate)) == 0 {
		return launchDataError("contextTemplate", "is required")
	}
	if _, err := decodeObject(d.ContextTemplate); err != nil {
		return launchDataError("contextTemplate", "must be a JSON object (%v)", err)
	}
	switch d.LaunchMode {
	case LaunchModeNormal, LaunchModeBrowse, LaunchModeReview:
	case "":
		return launchDataError("launchMode", "is required")
	default:
		return launchDataError("launchMode", `must be "Normal", "Browse" or "Review", not %q`, string(d.LaunchMode))
	}
	switch d.LaunchMethod {
	case "", LaunchMethodOwnWindow, LaunchMethodAnyWindow:
	default:
		return launchDataError("launchMethod", `must be "OwnWindow" or "AnyWindow", not %q`, string(d.LaunchMethod))
	}
	switch d.MoveOn {
	case MoveOnPassed, MoveOnCompleted, MoveOnCompletedAndPassed, MoveOnCompletedOrPassed, MoveOnNotApplicable:
	case "":
		return launchDataError("moveOn", "is required")
	default:
		return launchDataError("moveOn", `must be "Passed", "Completed", "CompletedAndPassed", "CompletedOrPassed" or "NotApplicable", not %q`, string(d.MoveOn))
	}
	if m := d.MasteryScore; m != nil && (math.IsNaN(*m) || *m < 0 || *m > 1) {
		return launchDataError("masteryScore", "must be from 0 to 1 inclusive, not %v", *m)
	}
	if d.EntitlementKey != nil && d.EntitlementKey.CourseStructure == "" {
		return launchDataError("entitlementKey.courseStructure", "is required in an entitlementKey")
	}
	return nil
}

// ParseLaunchData decodes an LMS.LaunchData document and validates it as
// LaunchData.Validate does. The document must be one JSON object without
// duplicated members; each member cmi5 defines must have its JSON type
// (strings, a number for masteryScore, objects for contextTemplate and
// entitlementKey; null is not a value of any of them). Members cmi5 does
// not define are ignored. ContextTemplate keeps the bytes of the document.
// Errors are *DocumentError values.
func ParseLaunchData(data []byte) (LaunchData, error) {
	members, err := decodeObject(data)
	if err != nil {
		return LaunchData{}, launchDataError("", "%v", err)
	}
	var d LaunchData
	strs := []struct {
		name string
		dst  *string
	}{
		{"launchMode", (*string)(&d.LaunchMode)},
		{"launchMethod", (*string)(&d.LaunchMethod)},
		{"returnURL", &d.ReturnURL},
		{"moveOn", (*string)(&d.MoveOn)},
		{"launchParameters", &d.LaunchParameters},
	}
	for _, s := range strs {
		raw, ok := members[s.name]
		if !ok {
			continue
		}
		if *s.dst, err = stringMember(s.name, raw); err != nil {
			return LaunchData{}, launchDataError(s.name, "must be a JSON string")
		}
	}
	if raw, ok := members["contextTemplate"]; ok {
		if _, err := decodeObject(raw); err != nil {
			return LaunchData{}, launchDataError("contextTemplate", "must be a JSON object (%v)", err)
		}
		d.ContextTemplate = bytes.Clone(raw)
	}
	if raw, ok := members["masteryScore"]; ok {
		var n json.Number
		if !isJSONNumber(raw) || json.Unmarshal(raw, &n) != nil {
			return LaunchData{}, launchDataError("masteryScore", "must be a JSON number")
		}
		f, err := n.Float64()
		if err != nil {
			return LaunchData{}, launchDataError("masteryScore", "must be from 0 to 1 inclusive, not %s", n)
		}
		d.MasteryScore = &f
	}
	if raw, ok := members["entitlementKey"]; ok {
		ek, err := decodeObject(raw)
		if err != nil {
			return LaunchData{}, launchDataError("entitlementKey", "must be a JSON object (%v)", err)
		}
		d.EntitlementKey = &EntitlementKey{}
		for _, m := range []struct {
			name string
			dst  *string
		}{{"courseStructure", &d.EntitlementKey.CourseStructure}, {"alternate", &d.EntitlementKey.Alternate}} {
			if raw, ok := ek[m.name]; ok {
				if *m.dst, err = stringMember(m.name, raw); err != nil {
					return LaunchData{}, launchDataError("entitlementKey."+m.name, "must be a JSON string")
				}
			}
		}
	}
	if err := d.Validate(); err != nil {
		return LaunchData{}, err
	}
	return d, nil
}

// isJSONNumber reports whether raw, a JSON value, is a number.
func isJSONNumber(raw []byte) bool {
	return len(raw) > 0 && (raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9')
}

// SessionID returns the session id the LMS put into the context template
// (the SessionIDExtension member of its "extensions"), and whether there
// is one that is a string.
func (d LaunchData) SessionID() (string, bool) {
	var ct struct {
		Extensions map[string]json.RawMessage `json:"extensions"`
	}
	if json.Unmarshal(d.ContextTemplate, &ct) != nil {
		return "", false
	}
	raw, ok := ct.Extensions[SessionIDExtension]
	if !ok {
		return "", false
	}
	var id string
	if json.Unmarshal(raw, &id) != nil {
		return "", false
	}
	return id, true
}

// AudioPreference is a learner's wish for sound (cmi5 §11.2).
type AudioPreference string

// The audio preferences.
const (
	AudioOn  AudioPreference = "on"
	AudioOff AudioPreference = "off"
)

// LearnerPreferences is the cmi5LearnerPreferences agent profile document
// (cmi5 §11). Both members are optional: an AU uses its own defaults for
// those that are absent.
type LearnerPreferences struct {
	// LanguagePreference is a comma-separated list of RFC 5646 language
	// tags, most preferred first, such as "en-US,fr-FR,fr-BE".
	LanguagePreference string `json:"languagePreference,omitempty"`
	// AudioPreference is "on" or "off".
	AudioPreference AudioPreference `json:"audioPreference,omitempty"`
}

func preferencesError(member, format string, a ...any) error {
	return &DocumentError{Document: LearnerPreferencesProfileID, Member: member, Reason: fmt.Sprintf(format, a...)}
}

// Languages returns the language tags of LanguagePreference in order of
// preference, without surrounding spaces; nil when there are none.
func (p LearnerPreferences) Languages() []string {
	if strings.TrimSpace(p.LanguagePreference) == "" {
		return nil
	}
	tags := strings.Split(p.LanguagePreference, ",")
	for i, t := range tags {
		tags[i] = strings.TrimSpace(t)
	}
	return tags
}

// Validate checks that AudioPreference is empty, "on" or "off", and that
// each tag of LanguagePreference is shaped like a language tag: subtags
// of 1 to 8 ASCII letters or digits joined by hyphens, the first made of
// letters. It does not check the tags against the language registry.
// Errors are *DocumentError values.
func (p LearnerPreferences) Validate() error {
	switch p.AudioPreference {
	case "", AudioOn, AudioOff:
	default:
		return preferencesError("audioPreference", `must be "on" or "off", not %q`, string(p.AudioPreference))
	}
	for _, tag := range p.Languages() {
		if !isLanguageTag(tag) {
			return preferencesError("languagePreference", "%q is not a language tag", tag)
		}
	}
	return nil
}

// ParseLearnerPreferences decodes a cmi5LearnerPreferences document: one
// JSON object without duplicated members, whose languagePreference and
// audioPreference, when present, are strings; other members are ignored.
// It then applies LearnerPreferences.Validate. Errors are *DocumentError
// values.
func ParseLearnerPreferences(data []byte) (LearnerPreferences, error) {
	members, err := decodeObject(data)
	if err != nil {
		return LearnerPreferences{}, preferencesError("", "%v", err)
	}
	var p LearnerPreferences
	if raw, ok := members["languagePreference"]; ok {
		if p.LanguagePreference, err = stringMember("languagePreference", raw); err != nil {
			return LearnerPreferences{}, preferencesError("languagePreference", "must be a JSON string")
		}
	}
	if raw, ok := members["audioPreference"]; ok {
		s, err := stringMember("audioPreference", raw)
		if err != nil {
			return LearnerPreferences{}, preferencesError("audioPreference", "must be a JSON string")
		}
		p.AudioPreference = AudioPreference(s)
	}
	if err := p.Validate(); err != nil {
		return LearnerPreferences{}, err
	}
	return p, nil
}

// isLanguageTag reports whether tag has the shape of an RFC 5646 tag.
func isLanguageTag(tag string) bool {
	subtags := strings.Split(tag, "-")
	for i, s := range subtags {
		if len(s) == 0 || len(s) > 8 {
			return false
		}
		for j := 0; j < len(s); j++ {
			c := s[j]
			letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
			digit := c >= '0' && c <= '9'
			if !letter && (i == 0 || !digit) {
				return false
			}
		}
	}
	return true
}
