package serverkit

import (
	"strconv"
	"sync"
	"time"
)

// Mode is how a server treats the preconditions of writes. The servers'
// Preconditions types have the same values.
type Mode int

const (
	// Enforce checks a write's preconditions and performs it under one
	// lock.
	Enforce Mode = iota
	// Ignore performs every write without evaluating its preconditions.
	Ignore
	// CheckThenWrite checks a write's preconditions under the lock,
	// releases it for a pause (Pause) and then writes under the lock
	// again without checking anew.
	CheckThenWrite
)

// String returns the mode's name, such as "CheckThenWrite", or
// "Preconditions(N)" for a value that names no mode.
func (m Mode) String() string {
	switch m {
	case Enforce:
		return "Enforce"
	case Ignore:
		return "Ignore"
	case CheckThenWrite:
		return "CheckThenWrite"
	}
	return "Preconditions(" + strconv.Itoa(int(m)) + ")"
}

// Valid reports whether m names a mode.
func (m Mode) Valid() bool { return m >= Enforce && m <= CheckThenWrite }

// Pause is the step between a write's check and its write. Under
// CheckThenWrite it releases mu, which the caller holds, sleeps for window
// when window is positive, and takes mu again; under the other modes it
// does nothing.
func (m Mode) Pause(mu sync.Locker, window time.Duration) {
	if m != CheckThenWrite {
		return
	}
	mu.Unlock()
	if window > 0 {
		time.Sleep(window)
	}
	mu.Lock()
}
