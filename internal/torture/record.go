package main

import (
	"errors"

	"github.com/ifmatch/ifmatch/client"
)

// The kinds of operation a worker performs.
const (
	// kindIncOwn increments the counter of the worker's own document.
	kindIncOwn = "inc-own"
	// kindIncShared increments the counter of the shared document, which
	// every worker increments: the non-idempotent hard case.
	kindIncShared = "inc-shared"
	// kindAdd appends a token, unique to the operation, to the shared
	// array. The edit appends without looking, so an addition applied
	// twice leaves the token twice.
	kindAdd = "add"
	// kindRemove removes from the shared array a token that an earlier
	// addition of the same worker added, or may have added (an unknown
	// outcome). A removal that was not acknowledged is made again later.
	kindRemove = "remove"
	// kindReset sets the shared mark to a value unique to the operation
	// (an edit declared idempotent).
	kindReset = "reset"
	// kindSave reads the shared document and Saves it with both members
	// of the pair set to a value unique to the operation, through the
	// default merge.
	kindSave = "save"
)

// kinds lists the kinds in the order reports print them.
var kinds = []string{kindIncOwn, kindIncShared, kindAdd, kindRemove, kindReset, kindSave}

// The outcomes of an operation, as the SDK reported them.
const (
	// outcomeOK: the call returned no error; the change is applied.
	outcomeOK = "ok"
	// outcomeUnknown: an error matching client.ErrOutcomeUnknown; the
	// change may or may not be applied.
	outcomeUnknown = "unknown"
	// outcomeUndecidable: an error matching client.ErrUndecidable (the
	// write log rolled over); the change may or may not be applied.
	outcomeUndecidable = "undecidable"
	// outcomeFailed: any other error; the change is not applied.
	outcomeFailed = "failed"
)

// outcomes lists the outcomes in the order reports print them.
var outcomes = []string{outcomeOK, outcomeUnknown, outcomeUndecidable, outcomeFailed}

// Op is one operation of one worker, as the worker records it: one JSON
// line each.
type Op struct {
	// Worker is the worker's number, from 0; Seq counts its operations
	// from 1.
	Worker int `json:"w"`
	Seq    int `json:"seq"`
	// Kind is one of the kinds above.
	Kind string `json:"op"`
	// Key is the document's stateId and Field the member changed.
	Key   string `json:"key"`
	Field string `json:"field"`
	// Value is the token added or removed, or the value set by a reset
	// or a Save.
	Value string `json:"value,omitempty"`
	// Wrote is, for an increment, the value the last write sent held;
	// Cands lists the value of every write sent, in order (one per
	// attempt): an increment applied in any attempt left one of them.
	Wrote int   `json:"wrote,omitempty"`
	Cands []int `json:"cands,omitempty"`
	// Start and End are the wall-clock times, in Unix nanoseconds, at
	// which the call began and returned.
	Start int64 `json:"start"`
	End   int64 `json:"end"`
	// Outcome is one of the outcomes above; Err the error's text.
	Outcome string `json:"outcome"`
	Err     string `json:"err,omitempty"`
	// Unchanged says the call succeeded without writing (the SDK's
	// Outcome Unchanged): for a removal, the token was not there.
	Unchanged bool `json:"unchanged,omitempty"`
	// Attempts is the number of conditional writes sent, as the result
	// or the error reports it.
	Attempts int `json:"attempts"`
	// Requests counts the HTTP requests the operation made, reads and
	// transport re-sends included.
	Requests int `json:"reqs"`
}

// classify turns the error of an Update or Save into an outcome.
func classify(err error) string {
	switch {
	case err == nil:
		return outcomeOK
	case errors.Is(err, client.ErrUndecidable):
		return outcomeUndecidable
	case errors.Is(err, client.ErrOutcomeUnknown):
		return outcomeUnknown
	}
	return outcomeFailed
}

// mayApply says whether an operation with this outcome may have been
// applied without being acknowledged.
func mayApply(outcome string) bool {
	return outcome == outcomeUnknown || outcome == outcomeUndecidable
}
