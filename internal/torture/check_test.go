package main

import (
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/assert"
)

// inc is an increment of the shared counter by worker w over [start, end]
// with the given outcome; cands are the values its attempts wrote, the
// last one the value an acknowledged increment left.
func inc(w int, start, end int64, outcome string, cands ...int) Op {
	op := Op{Worker: w, Kind: kindIncShared, Key: sharedID, Field: "count", Start: start, End: end, Outcome: outcome, Cands: cands}
	if len(cands) > 0 {
		op.Wrote = cands[len(cands)-1]
	}
	return op
}

func TestCheckCounters(t *testing.T) {
	tests := []struct {
		name         string
		ops          []Op
		final        int
		lost         int
		doubled      int
		linearizable bool
	}{
		{
			name:         "clean",
			ops:          []Op{inc(0, 0, 10, outcomeOK, 1), inc(1, 5, 20, outcomeOK, 1, 2), inc(0, 30, 40, outcomeOK, 3)},
			final:        3,
			linearizable: true,
		},
		{
			name:  "an acknowledged increment lost",
			ops:   []Op{inc(0, 0, 10, outcomeOK, 1), inc(1, 20, 30, outcomeOK, 2), inc(0, 40, 50, outcomeOK, 3)},
			final: 2, lost: 1,
		},
		{
			name:  "an increment applied twice",
			ops:   []Op{inc(0, 0, 10, outcomeOK, 1), inc(1, 20, 30, outcomeOK, 2)},
			final: 3, doubled: 1,
		},
		{
			name:  "an increment reported failed, yet applied",
			ops:   []Op{inc(0, 0, 10, outcomeOK, 1), inc(1, 20, 30, outcomeFailed, 2)},
			final: 2, doubled: 1,
		},
		{
			// The counts agree, but the increment that wrote 3 ended
			// before the one that wrote 2 began: no order explains it.
			name:  "counts right, order impossible",
			ops:   []Op{inc(0, 0, 10, outcomeOK, 1), inc(1, 20, 30, outcomeOK, 3), inc(2, 40, 50, outcomeOK, 2)},
			final: 3,
		},
		{
			// Two increments that both read 0 and both wrote 1 were both
			// acknowledged: one was lost although final = 1 looks like one.
			name:  "two acknowledged writes of the same value",
			ops:   []Op{inc(0, 0, 10, outcomeOK, 1), inc(1, 5, 15, outcomeOK, 1)},
			final: 1, lost: 1,
		},
		{
			name:         "an unknown increment not applied",
			ops:          []Op{inc(0, 0, 10, outcomeOK, 1), inc(1, 15, 25, outcomeUnknown, 2), inc(0, 30, 40, outcomeOK, 2)},
			final:        2,
			linearizable: true,
		},
		{
			name:         "an unknown increment applied",
			ops:          []Op{inc(0, 0, 10, outcomeOK, 1), inc(1, 15, 25, outcomeUnknown, 2), inc(0, 30, 40, outcomeOK, 3)},
			final:        3,
			linearizable: true,
		},
		{
			name:         "an unknown increment applied last",
			ops:          []Op{inc(0, 0, 10, outcomeOK, 1), inc(1, 15, 25, outcomeUndecidable, 2)},
			final:        2,
			linearizable: true,
		},
		{
			// Unknown, yet the value it would have written is not one a
			// later write could have been made on.
			name:  "an unknown increment applied on the wrong value",
			ops:   []Op{inc(0, 0, 10, outcomeOK, 1), inc(1, 15, 25, outcomeUnknown, 5), inc(0, 30, 40, outcomeOK, 3)},
			final: 3,
		},
		{
			name:  "more than acknowledged plus unknown",
			ops:   []Op{inc(0, 0, 10, outcomeOK, 1), inc(1, 15, 25, outcomeUnknown, 2)},
			final: 3, doubled: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Check(tt.ops, Final{Count: tt.final}, 10*time.Second)
			assert.Equal(t, tt.lost, r.Lost, "lost")
			assert.Equal(t, tt.doubled, r.Doubled, "doubled")
			assert.Equal(t, tt.linearizable, r.Linearizable, "linearizable")
			if tt.linearizable {
				assert.Equal(t, porcupine.Ok, r.Result)
				assert.Empty(t, r.Violations)
			} else {
				assert.Equal(t, porcupine.Illegal, r.Result)
				assert.NotEmpty(t, r.Violations)
			}
		})
	}
}

func TestCheckOwnCounters(t *testing.T) {
	own := func(w int, start, end int64, outcome string, v int) Op {
		op := inc(w, start, end, outcome, v)
		op.Kind, op.Key, op.Field = kindIncOwn, ownKey(w), "n"
		return op
	}
	ops := []Op{own(0, 0, 10, outcomeOK, 1), own(0, 20, 30, outcomeOK, 2), own(1, 0, 10, outcomeOK, 1)}
	r := Check(ops, Final{Own: map[int]int{0: 2, 1: 1}}, 10*time.Second)
	assert.Zero(t, r.Lost)
	assert.True(t, r.Linearizable)

	r = Check(ops, Final{Own: map[int]int{0: 1, 1: 1}}, 10*time.Second)
	assert.Equal(t, 1, r.Lost, "own-0 lost one")
	assert.False(t, r.Linearizable)
}

func TestCheckTimeoutIsAFailure(t *testing.T) {
	// Forty concurrent increments of unknown outcome, each of which could
	// have written any value, and a final value none of them reaches: the
	// search has to try every subset, and runs out of time.
	var ops []Op
	var any []int
	for v := 1; v <= 40; v++ {
		any = append(any, v)
	}
	for w := range 40 {
		ops = append(ops, inc(w, 0, 10, outcomeUnknown, any...))
	}
	r := Check(ops, Final{Count: 41}, 50*time.Millisecond)
	assert.Equal(t, porcupine.Unknown, r.Result)
	assert.False(t, r.Linearizable, "a check that times out is not a pass")
}

func TestCheckSet(t *testing.T) {
	add := func(w int, token string, start, end int64, outcome string) Op {
		return Op{Worker: w, Kind: kindAdd, Key: sharedID, Field: "tags", Value: token, Start: start, End: end, Outcome: outcome}
	}
	remove := func(w int, token string, start, end int64, outcome string, unchanged bool) Op {
		return Op{Worker: w, Kind: kindRemove, Key: sharedID, Field: "tags", Value: token, Start: start, End: end, Outcome: outcome, Unchanged: unchanged}
	}
	tests := []struct {
		name                      string
		ops                       []Op
		tags                      []string
		lost, reappeared, doubled int
	}{
		{
			name: "added and removed as acknowledged",
			ops:  []Op{add(0, "a", 0, 10, outcomeOK), add(1, "b", 0, 10, outcomeOK), remove(0, "a", 20, 30, outcomeOK, false)},
			tags: []string{"b"},
		},
		{
			name: "an acknowledged addition missing",
			ops:  []Op{add(0, "a", 0, 10, outcomeOK), add(1, "b", 0, 10, outcomeOK)},
			tags: []string{"b"},
			lost: 1,
		},
		{
			name: "an acknowledged addition missing, its removal failed",
			ops:  []Op{add(0, "a", 0, 10, outcomeOK), remove(0, "a", 20, 30, outcomeFailed, false)},
			lost: 1,
		},
		{
			name: "an acknowledged addition already gone when removed",
			ops:  []Op{add(0, "a", 0, 10, outcomeOK), remove(0, "a", 20, 30, outcomeOK, true)},
			lost: 1,
		},
		{
			name: "missing after a removal of unknown outcome",
			ops:  []Op{add(0, "a", 0, 10, outcomeOK), remove(0, "a", 20, 30, outcomeUnknown, false)},
		},
		{
			name: "removed again after a removal of unknown outcome",
			ops: []Op{add(0, "a", 0, 10, outcomeOK), remove(0, "a", 20, 30, outcomeUnknown, false),
				remove(0, "a", 40, 50, outcomeOK, true)},
		},
		{
			name: "removed again after a failed removal",
			ops: []Op{add(0, "a", 0, 10, outcomeOK), remove(0, "a", 20, 30, outcomeFailed, false),
				remove(0, "a", 40, 50, outcomeOK, false)},
		},
		{
			name: "gone before the second removal, the first failed",
			ops: []Op{add(0, "a", 0, 10, outcomeOK), remove(0, "a", 20, 30, outcomeFailed, false),
				remove(0, "a", 40, 50, outcomeOK, true)},
			lost: 1,
		},
		{
			name: "an addition of unknown outcome, either way",
			ops:  []Op{add(0, "a", 0, 10, outcomeUnknown), add(0, "b", 20, 30, outcomeUnknown)},
			tags: []string{"b"},
		},
		{
			name: "back after an acknowledged removal",
			ops:  []Op{add(0, "a", 0, 10, outcomeOK), remove(0, "a", 20, 30, outcomeOK, false)},
			tags: []string{"a"},
			lost: 1, reappeared: 1,
		},
		{
			name:    "there twice",
			ops:     []Op{add(0, "a", 0, 10, outcomeOK)},
			tags:    []string{"a", "a"},
			doubled: 1,
		},
		{
			name:    "there though its addition failed",
			ops:     []Op{add(0, "a", 0, 10, outcomeFailed)},
			tags:    []string{"a"},
			doubled: 1,
		},
		{
			name:    "there though nobody added it",
			tags:    []string{"z"},
			doubled: 1,
		},
		{
			name: "absent when its removal read, there at the end",
			ops:  []Op{add(0, "a", 0, 10, outcomeUnknown), remove(0, "a", 20, 30, outcomeOK, true)},
			tags: []string{"a"},
			lost: 1, reappeared: 1,
		},
		{
			name: "gone when its removal read, back at the end",
			ops:  []Op{add(0, "a", 0, 10, outcomeOK), remove(0, "a", 20, 30, outcomeOK, true)},
			tags: []string{"a"},
			lost: 1, reappeared: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Check(tt.ops, Final{Tags: tt.tags}, 10*time.Second)
			assert.Equal(t, tt.lost, r.Lost, "lost")
			assert.Equal(t, tt.reappeared, r.Reappeared, "reappeared")
			assert.Equal(t, tt.doubled, r.Doubled, "doubled")
			assert.Equal(t, tt.lost+tt.doubled, len(r.Violations), "one violation each: %v", r.Violations)
			assert.True(t, r.Linearizable, "no counter involved")
		})
	}
}

func TestCheckRegisters(t *testing.T) {
	reset := func(w int, v string, start, end int64, outcome string) Op {
		return Op{Worker: w, Kind: kindReset, Key: sharedID, Field: "mark", Value: v, Start: start, End: end, Outcome: outcome}
	}
	save := func(w int, v string, start, end int64, outcome string) Op {
		return Op{Worker: w, Kind: kindSave, Key: sharedID, Field: "left,right", Value: v, Start: start, End: end, Outcome: outcome}
	}
	tests := []struct {
		name                      string
		ops                       []Op
		final                     Final
		lost, reappeared, doubled int
	}{
		{
			name:  "the last reset wins",
			ops:   []Op{reset(0, "m1", 0, 10, outcomeOK), reset(1, "m2", 20, 30, outcomeOK)},
			final: Final{Mark: "m2"},
		},
		{
			name:  "overlapping resets: either may win",
			ops:   []Op{reset(0, "m1", 0, 30, outcomeOK), reset(1, "m2", 20, 40, outcomeOK)},
			final: Final{Mark: "m1"},
		},
		{
			name:  "an unknown reset may win",
			ops:   []Op{reset(0, "m1", 0, 10, outcomeOK), reset(1, "m2", 20, 30, outcomeUnknown)},
			final: Final{Mark: "m2"},
		},
		{
			name:  "an earlier value back after an acknowledged reset",
			ops:   []Op{reset(0, "m1", 0, 10, outcomeOK), reset(1, "m2", 20, 30, outcomeOK)},
			final: Final{Mark: "m1"},
			lost:  1, reappeared: 1,
		},
		{
			name:  "an acknowledged reset and no mark",
			ops:   []Op{reset(0, "m1", 0, 10, outcomeOK)},
			final: Final{},
			lost:  1,
		},
		{
			name:    "the mark of a failed reset",
			ops:     []Op{reset(0, "m1", 0, 10, outcomeOK), reset(1, "m2", 20, 30, outcomeFailed)},
			final:   Final{Mark: "m2"},
			doubled: 1,
		},
		{
			name:  "Saves: the last wins, both members",
			ops:   []Op{save(0, "s1", 0, 10, outcomeOK), save(1, "s2", 20, 30, outcomeOK)},
			final: Final{Left: "s2", Right: "s2"},
		},
		{
			name:  "a torn pair",
			ops:   []Op{save(0, "s1", 0, 10, outcomeOK), save(1, "s2", 5, 30, outcomeOK)},
			final: Final{Left: "s2", Right: "s1"},
			lost:  1,
		},
		{
			name:  "an earlier Save back",
			ops:   []Op{save(0, "s1", 0, 10, outcomeOK), save(1, "s2", 20, 30, outcomeOK)},
			final: Final{Left: "s1", Right: "s1"},
			lost:  1, reappeared: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Check(tt.ops, tt.final, 10*time.Second)
			assert.Equal(t, tt.lost, r.Lost, "lost")
			assert.Equal(t, tt.reappeared, r.Reappeared, "reappeared")
			assert.Equal(t, tt.doubled, r.Doubled, "doubled")
			assert.Equal(t, tt.lost+tt.doubled, len(r.Violations), "one violation each: %v", r.Violations)
		})
	}
}
