package client

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/ifmatch/ifmatch/internal/jsonptr"
)

// OutcomeError reports a write whose answer was lost (a dropped
// connection, a timeout, a 5xx) and whose outcome a read of the document
// could not settle: the document holds neither the version the write was
// based on nor anything that proves the write was applied. It matches
// ErrOutcomeUnknown and carries the document as that read found it, so the
// caller can decide. Options.WriteLog makes such outcomes decidable.
type OutcomeError struct {
	// Exists, ETag and Raw are the document as the read after the lost
	// answer found it (Raw: its bytes as read).
	Exists bool
	ETag   string
	Raw    []byte
	// Err is the failure that left the outcome unknown.
	Err error
}

// Error says why the outcome is unknown and what the document holds.
func (e *OutcomeError) Error() string { return prefix + e.brief() }

func (e *OutcomeError) brief() string {
	now := "the document is absent"
	if e.Exists {
		now = "the document is now at version " + e.ETag
	}
	return fmt.Sprintf("%s: %s (%s)", brief(ErrOutcomeUnknown), brief(e.Err), now)
}

// Is reports whether target is ErrOutcomeUnknown.
func (e *OutcomeError) Is(target error) bool { return target == ErrOutcomeUnknown }

// Unwrap returns the failure.
func (e *OutcomeError) Unwrap() error { return e.Err }

// pendingWrite is a write sent again after a lost answer whose own answer
// was "come back later": until a read settles it, the first attempt may
// still land.
type pendingWrite struct {
	base snapshot // the version it was made on
	body []byte   // what it wrote
	id   string   // its write id, "" without a log
	err  error    // the failure that lost the first answer
}

// settlement is what a read after a lost answer says about the write.
type settlement int

const (
	// unsettled: the read could not tell; the write may have been applied.
	unsettled settlement = iota
	// applied: the write is on the server.
	applied
	// notApplied: the write is not on the server and can be sent again.
	notApplied
)

// writeLog is the optional log of recent write ids kept in each document.
type writeLog struct {
	ptr  string // JSON Pointer to the member
	size int    // ids kept
}

// newWriteID returns a fresh write id.
func newWriteID() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("ifmatch: no randomness for a write id: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

// split takes the log out of a document: the body without it, and its ids
// (nil when the document has none, or is not JSON).
func (l *writeLog) split(body []byte) ([]byte, []string) {
	if l == nil {
		return body, nil
	}
	raw, ok, err := jsonptr.Get(body, l.ptr)
	if err != nil || !ok {
		return body, nil
	}
	var ids []string
	if json.Unmarshal(raw, &ids) != nil {
		ids = nil // not a log this client wrote: dropped, and a new one begins
	}
	rest, err := jsonptr.Remove(body, l.ptr)
	if err != nil {
		return body, nil
	}
	if ids == nil {
		ids = []string{}
	}
	return rest, ids
}

// with returns body carrying ids as its log.
func (l *writeLog) with(body []byte, ids []string) ([]byte, error) {
	raw, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	out, err := jsonptr.Set(body, l.ptr, raw)
	if err != nil {
		return nil, fmt.Errorf("%w: the write log %s needs a JSON object to live in: %v", ErrInvalidDocument, l.ptr, err)
	}
	return out, nil
}

// next returns the log of a write with id made on a version whose log is
// ids: id appended, the oldest dropped beyond the bound.
func (l *writeLog) next(ids []string, id string) []string {
	if l == nil {
		return nil
	}
	out := append(slices.Clone(ids), id)
	if len(out) > l.size {
		out = out[len(out)-l.size:]
	}
	return out
}

// holds says whether the log now shows that the write with id, made on a
// version whose log was base, was applied (yes), was not (no), or cannot
// tell because the log rolled over since base (decided false). An earlier
// attempt of the same call found in the log (ids) counts as applied too:
// the change is there.
func (l *writeLog) holds(base, now, ids []string, id string) (yes, decided bool) {
	if slices.Contains(now, id) || l.holdsAny(now, ids) {
		return true, true
	}
	if len(base) == 0 {
		// Every write since base is in the log unless it filled up.
		return false, len(now) < l.size
	}
	// The newest id of base still there: nothing written since fell out.
	return false, slices.Contains(now, base[len(base)-1])
}

// holdsAny reports whether the log now holds any of ids.
func (l *writeLog) holdsAny(now, ids []string) bool {
	for _, id := range ids {
		if slices.Contains(now, id) {
			return true
		}
	}
	return false
}

// settle reads the document after a write whose answer was lost and
// decides what happened. base is the version the write was made on, sent
// the body written (without version field and log), id its write id ("" without
// a log) and ids those of every attempt of the call. The second result is
// the version read.
func (e *engine) settle(ctx context.Context, p plan, base snapshot, sent []byte, ids []string, id string, lostErr error) (settlement, snapshot, error) {
	now, err := e.readStrong(ctx, p.url, p.shape)
	if err != nil {
		return unsettled, snapshot{}, unknownOutcome(errors.Join(lostErr, fmt.Errorf("read after it: %w", err)))
	}
	st, err := e.decide(p, base, now, sent, ids, id, lostErr)
	return st, now, err
}

// decide is settle's verdict on the version now, read after the answer to
// a write made on base was lost.
func (e *engine) decide(p plan, base, now snapshot, sent []byte, ids []string, id string, lostErr error) (settlement, error) {
	if id != "" && now.exists {
		yes, decided := e.log.holds(base.log, now.log, ids, id)
		switch {
		case yes:
			return applied, nil
		case !decided:
			return unsettled, annotate(ErrUndecidable, fmt.Sprintf("the write log %s rolled over before the read: %s", e.log.ptr, brief(lostErr)))
		}
		return notApplied, nil
	}
	switch {
	case p.shape.sameVersion(base, now):
		return notApplied, nil
	case now.exists && p.settles && p.same(now.body, sent):
		return applied, nil
	}
	return unsettled, &OutcomeError{Exists: now.exists, ETag: now.etag, Raw: e.whole(p.shape, now), Err: settled(lostErr)}
}

// String returns "undecided", "applied" or "not applied".
func (s settlement) String() string {
	switch s {
	case applied:
		return "applied"
	case notApplied:
		return "not applied"
	}
	return "undecided"
}
