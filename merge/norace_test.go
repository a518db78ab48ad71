//go:build !race

package merge

// raceEnabled reports whether the race detector is on: timings in tests
// allow for it.
const raceEnabled = false
