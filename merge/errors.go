package merge

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrConflict is matched (with errors.Is) by every error that reports
// conflicting changes a merge could not resolve; the error is a
// *ConflictError.
var ErrConflict = errors.New("merge: conflict")

// ErrInvalidJSON is matched by every error about an input that is not a
// single, well-formed JSON text; the error is an *InvalidJSONError.
var ErrInvalidJSON = errors.New("merge: invalid JSON")

// ErrInvalidOptions is matched by errors about an Options value that cannot
// be used: an unknown Policy or a resolver pattern that is not a JSON
// Pointer.
var ErrInvalidOptions = errors.New("merge: invalid options")

// ErrNoDecision is returned by a ResolveFunc that leaves a conflict to its
// resolver's fallback policy. The built-in resolvers behave the same way
// when a conflict is outside what they handle.
var ErrNoDecision = errors.New("merge: resolver made no decision")

// ErrNotRepresentable is matched by errors from MergePatch when a change
// cannot be written as an RFC 7386 merge patch, for example a member set
// to null (a merge patch reads null as "remove").
var ErrNotRepresentable = errors.New("merge: change cannot be expressed as a JSON merge patch")

// maxListedConflicts bounds how many paths a ConflictError message names,
// and maxQuotedPath how many bytes of each path it shows.
const (
	maxListedConflicts = 10
	maxQuotedPath      = 200
)

// ConflictError reports the paths whose conflicting changes no policy or
// resolver could decide. It matches ErrConflict.
type ConflictError struct {
	// Paths lists the conflicting paths as JSON Pointers, sorted: all of
	// them, unless the report reached its bound (see Report).
	Paths []string
	// Decisions holds the conflicts themselves, in the order of Paths,
	// with Rule naming what declined to decide them.
	Decisions []Decision
	// Omitted counts the conflicts left out of Paths by the bound of the
	// report.
	Omitted int
}

// Error counts the conflicts and lists the first few paths, each cut short
// when long.
func (e *ConflictError) Error() string {
	var b strings.Builder
	b.WriteString("merge: ")
	n := len(e.Paths) + e.Omitted
	b.WriteString(strconv.Itoa(n))
	if n == 1 {
		b.WriteString(" unresolved conflict")
	} else {
		b.WriteString(" unresolved conflicts")
	}
	for i, p := range e.Paths {
		if i == maxListedConflicts {
			break
		}
		if i == 0 {
			b.WriteString(" at ")
		} else {
			b.WriteString(", ")
		}
		if len(p) > maxQuotedPath {
			cut := maxQuotedPath
			for cut > 0 && !utf8.RuneStart(p[cut]) {
				cut--
			}
			p = p[:cut] + "…"
		}
		b.WriteString(strconv.Quote(p))
	}
	if listed := min(len(e.Paths), maxListedConflicts); listed > 0 && listed < n {
		fmt.Fprintf(&b, " and %d more", n-listed)
	}
	return b.String()
}

// Is reports whether target is ErrConflict.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// InvalidJSONError reports an input that is not JSON. It matches
// ErrInvalidJSON.
type InvalidJSONError struct {
	// Input names the input: "base", "ours", "theirs", "a", "b", or the
	// result of a resolver ("resolver result at /path").
	Input string
	// Offset is the byte offset in the input where decoding stopped.
	Offset int
	// Reason says what was wrong there.
	Reason string
}

// Error names the input, the offset and the reason.
func (e *InvalidJSONError) Error() string {
	return fmt.Sprintf("merge: invalid JSON in %s at offset %d: %s", e.Input, e.Offset, e.Reason)
}

// Is reports whether target is ErrInvalidJSON.
func (e *InvalidJSONError) Is(target error) bool { return target == ErrInvalidJSON }

// ResolverError reports an error returned by a custom resolver. It wraps
// that error.
type ResolverError struct {
	// Path is the JSON Pointer of the conflict the resolver was deciding.
	Path string
	// Err is the resolver's error.
	Err error
}

// Error names the path and the resolver's error.
func (e *ResolverError) Error() string {
	return fmt.Sprintf("merge: resolver at %q: %v", e.Path, e.Err)
}

// Unwrap returns the resolver's error.
func (e *ResolverError) Unwrap() error { return e.Err }
