package statedoc

import "errors"

// ErrInvalid is the sentinel matched (with errors.Is) by every validation
// error this package returns.
var ErrInvalid = errors.New("statedoc: invalid value")

// ValidationError reports which part of a State Resource request is malformed
// and why. It matches ErrInvalid with errors.Is.
type ValidationError struct {
	// Field names the offending part, such as "agent", "activityId",
	// "registration" or "stateId".
	Field string
	// Value is the offending value as given (it may be empty). It is not
	// part of the message returned by Error.
	Value string
	// Reason says what is wrong, in a short phrase.
	Reason string
}

// Error returns a message of the form "statedoc: invalid FIELD: REASON".
func (e *ValidationError) Error() string {
	if e.Field == "" {
		return "statedoc: invalid value: " + e.Reason
	}
	return "statedoc: invalid " + e.Field + ": " + e.Reason
}

// Unwrap returns ErrInvalid.
func (e *ValidationError) Unwrap() error { return ErrInvalid }

func invalid(field, value, reason string) error {
	return &ValidationError{Field: field, Value: value, Reason: reason}
}
