package main

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
)

// Final is what the documents hold after the workers stopped.
type Final struct {
	// Own is the counter of each worker's own document, by worker (absent
	// means 0).
	Own map[int]int
	// Count, Tags, Mark, Left and Right are the members of the shared
	// document.
	Count       int
	Tags        []string
	Mark        string
	Left, Right string
}

// Report is what the checker found.
type Report struct {
	// Lost counts acknowledged changes missing from the final documents:
	// increments (acknowledged minus final, when positive), tokens added
	// and missing without a removal that may have taken them, removals
	// and resets undone by an earlier write (Reappeared), and a pair
	// that a Save left torn.
	Lost int
	// Reappeared is the part of Lost where a value that an acknowledged
	// removal or reset had taken away is back: a token removed, or found
	// missing by a removal, or a mark or pair set by an operation that
	// ended before an acknowledged one started.
	Reappeared int
	// Doubled counts changes applied more often than reported:
	// increments beyond acknowledged plus unknown, a token present more
	// than once, and values present although the operation that wrote
	// them was reported failed (or no operation wrote them).
	Doubled int
	// Unknown, Undecidable and Failed count the operations with those
	// outcomes; Ops all of them.
	Unknown, Undecidable, Failed, Ops int
	// Linearizable is true only when porcupine found every counter's
	// history linearizable within the time limit; Result is its verdict
	// (Unknown on a timeout, which counts as not linearizable).
	Linearizable bool
	Result       porcupine.CheckResult
	CheckTime    time.Duration
	// Counters describes each counter, shared first.
	Counters []CounterReport
	// Violations says what broke, one each, with the operations involved.
	Violations []Violation

	model   porcupine.Model
	info    porcupine.LinearizationInfo
	history []porcupine.Operation
}

// CounterReport is the tally of one counter.
type CounterReport struct {
	Key                           string
	Acked, Unknown, Failed, Final int
	Lost, Doubled                 int
}

// linIn is the input of one operation of porcupine's model: an increment
// (acknowledged or not) or the final read of a counter.
type linIn struct {
	key   string
	read  bool
	value int   // the value the final read found
	acked bool  // an acknowledged increment
	cands []int // the values an applied increment may have written
	op    *Op
}

// linState is the state of one counter: its value, and whether the final
// read has happened (after it, an unacknowledged increment that was never
// applied takes its place, changing nothing).
type linState struct {
	v    int
	done bool
}

// counterModel is the sequential specification of a counter that is
// incremented by read-modify-write and read once at the end.
//
// An acknowledged increment that wrote w is legal only in a state w-1 and
// leads to w: the write was conditional on the version it was computed
// from. An increment whose outcome is unknown has no end (its return is
// at infinity, as porcupine's convention for crashed operations wants):
// linearized before the final read it must be applied, from a state one
// below one of the values its attempts wrote; linearized after it, it
// stands for an increment never applied and changes nothing. The final
// read is legal only in a state holding the value read.
func counterModel() porcupine.Model {
	return porcupine.Model{
		Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
			byKey := map[string][]porcupine.Operation{}
			var keys []string
			for _, op := range history {
				k := op.Input.(linIn).key
				if _, ok := byKey[k]; !ok {
					keys = append(keys, k)
				}
				byKey[k] = append(byKey[k], op)
			}
			out := make([][]porcupine.Operation, 0, len(keys))
			for _, k := range keys {
				out = append(out, byKey[k])
			}
			return out
		},
		Init: func() any { return linState{} },
		Step: func(state, input, _ any) (bool, any) {
			s, in := state.(linState), input.(linIn)
			switch {
			case in.read:
				return !s.done && s.v == in.value, linState{v: s.v, done: true}
			case s.done:
				return !in.acked, s
			case slices.Contains(in.cands, s.v+1):
				return true, linState{v: s.v + 1}
			}
			return false, s
		},
		Hash: func(state any) uint64 {
			s := state.(linState)
			h := uint64(s.v) << 1
			if s.done {
				h |= 1
			}
			return h
		},
		DescribeOperation: func(input, _ any) string {
			in := input.(linIn)
			if in.read {
				return fmt.Sprintf("read %s = %d", in.key, in.value)
			}
			return in.op.String()
		},
		DescribeState: func(state any) string {
			s := state.(linState)
			if s.done {
				return fmt.Sprintf("%d (read)", s.v)
			}
			return fmt.Sprint(s.v)
		},
	}
}

// String describes an operation for a report.
func (op *Op) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "w%d#%d %s %s/%s", op.Worker, op.Seq, op.Kind, op.Key, op.Field)
	if op.Value != "" {
		fmt.Fprintf(&b, " %q", op.Value)
	}
	if len(op.Cands) > 0 {
		fmt.Fprintf(&b, " wrote=%d cands=%v", op.Wrote, op.Cands)
	}
	fmt.Fprintf(&b, " %s attempts=%d", op.Outcome, op.Attempts)
	if op.Unchanged {
		b.WriteString(" unchanged")
	}
	if op.Err != "" {
		fmt.Fprintf(&b, " err=%q", excerpt(op.Err, 160))
	}
	return b.String()
}

// excerpt cuts s to n bytes at most.
func excerpt(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Check checks the operations against the final documents: the counters
// (none lost, none doubled, linearizable within timeout), the set of
// tokens and the two registers (the mark and the pair).
func Check(ops []Op, final Final, timeout time.Duration) *Report {
	r := &Report{Ops: len(ops)}
	var t0 int64 = math.MaxInt64
	for i := range ops {
		switch ops[i].Outcome {
		case outcomeUnknown:
			r.Unknown++
		case outcomeUndecidable:
			r.Undecidable++
		case outcomeFailed:
			r.Failed++
		}
		t0 = min(t0, ops[i].Start)
	}
	r.checkCounters(ops, final)
	r.checkSet(ops, final.Tags)
	var resets, saves []*Op
	for i := range ops {
		switch ops[i].Kind {
		case kindReset:
			resets = append(resets, &ops[i])
		case kindSave:
			saves = append(saves, &ops[i])
		}
	}
	r.checkRegister("mark", resets, final.Mark, t0)
	r.checkRegister("left", saves, final.Left, t0)
	if final.Left != final.Right {
		r.Lost++
		r.violate("lost", "the pair is torn: left %q, right %q (every Save sets both to one value)", final.Left, final.Right)
	}
	r.checkLinearizable(ops, final, timeout)
	return r
}

// Violation is one thing the checker found broken.
type Violation struct {
	// Class is "lost", "reappeared" (counted in lost too), "doubled" or
	// "linearizability".
	Class string
	Text  string
}

func (v Violation) String() string { return v.Class + ": " + v.Text }

func (r *Report) violate(class, format string, args ...any) {
	r.Violations = append(r.Violations, Violation{Class: class, Text: fmt.Sprintf(format, args...)})
}

// checkCounters applies acknowledged ≤ final ≤ acknowledged + unknown to
// every counter.
func (r *Report) checkCounters(ops []Op, final Final) {
	byKey := map[string]*CounterReport{}
	keys := []string{"shared"}
	byKey["shared"] = &CounterReport{Key: "shared", Final: final.Count}
	var own []int
	for w := range final.Own {
		own = append(own, w)
	}
	for i := range ops {
		if ops[i].Kind == kindIncOwn && !slices.Contains(own, ops[i].Worker) {
			own = append(own, ops[i].Worker)
		}
	}
	sort.Ints(own)
	for _, w := range own {
		k := ownKey(w)
		keys = append(keys, k)
		byKey[k] = &CounterReport{Key: k, Final: final.Own[w]}
	}
	for i := range ops {
		op := &ops[i]
		if op.Kind != kindIncOwn && op.Kind != kindIncShared {
			continue
		}
		c := byKey[op.Key]
		if c == nil {
			r.violate("doubled", "an increment of an unknown counter: %s", op)
			continue
		}
		switch {
		case op.Outcome == outcomeOK:
			c.Acked++
		case mayApply(op.Outcome):
			c.Unknown++
		default:
			c.Failed++
		}
	}
	for _, k := range keys {
		c := byKey[k]
		c.Lost = max(0, c.Acked-c.Final)
		c.Doubled = max(0, c.Final-c.Acked-c.Unknown)
		r.Lost += c.Lost
		r.Doubled += c.Doubled
		if c.Lost > 0 {
			r.violate("lost", "counter %s: %d increments acknowledged, final value %d: %d lost", k, c.Acked, c.Final, c.Lost)
		}
		if c.Doubled > 0 {
			r.violate("doubled", "counter %s: %d acknowledged and %d unknown, final value %d: %d applied twice or despite a failure",
				k, c.Acked, c.Unknown, c.Final, c.Doubled)
		}
		r.Counters = append(r.Counters, *c)
	}
}

// checkSet checks the shared array: every acknowledged addition present
// unless a removal (acknowledged, or of unknown outcome) took it; none
// gone before a removal found it missing; no token twice; none back after
// an acknowledged removal; none whose addition was reported failed.
// A worker may remove a token more than once (again after a removal of
// unknown outcome, or one that failed).
func (r *Report) checkSet(ops []Op, tags []string) {
	adds, removes := map[string]*Op{}, map[string][]*Op{}
	for i := range ops {
		switch ops[i].Kind {
		case kindAdd:
			adds[ops[i].Value] = &ops[i]
		case kindRemove:
			removes[ops[i].Value] = append(removes[ops[i].Value], &ops[i])
		}
	}
	for _, rs := range removes {
		sort.Slice(rs, func(i, j int) bool { return rs[i].Start < rs[j].Start })
	}
	occ := map[string]int{}
	for _, t := range tags {
		occ[t]++
	}
	present := make([]string, 0, len(occ))
	for t := range occ {
		present = append(present, t)
	}
	sort.Strings(present)
	for _, t := range present {
		n := occ[t]
		if n > 1 {
			r.Doubled += n - 1
			r.violate("doubled", "token %q is in the array %d times: an addition applied more than once (%s)", t, n, describe(adds[t]))
		}
		add := adds[t]
		switch {
		case add == nil:
			r.Doubled++
			r.violate("doubled", "token %q is in the array, yet no operation added it", t)
			continue
		case add.Outcome == outcomeFailed:
			r.Doubled++
			r.violate("doubled", "token %q is in the array although its addition was reported failed: %s", t, add)
		}
		var removed, missed *Op // acknowledged removals: one that took it, one that found it missing
		for _, rem := range removes[t] {
			if rem.Outcome == outcomeOK && !rem.Unchanged && removed == nil {
				removed = rem
			}
			if rem.Outcome == outcomeOK && rem.Unchanged && missed == nil {
				missed = rem
			}
		}
		switch {
		case removed != nil:
			r.Lost++
			r.Reappeared++
			r.violate("reappeared", "token %q is back after an acknowledged removal: %s; %s", t, removed, add)
		case missed != nil:
			r.Lost++
			r.Reappeared++
			r.violate("reappeared", "token %q was not in the array when a removal read it, and is back at the end: %s; %s", t, missed, add)
		}
	}
	for _, t := range sortedKeys(adds) {
		add := adds[t]
		if add.Outcome != outcomeOK || occ[t] > 0 {
			continue // present at the end: checked above
		}
		taken := false // a removal so far may have taken it
		gone := false  // a violation reported
		for _, rem := range removes[t] {
			switch {
			case rem.Outcome == outcomeOK && rem.Unchanged && !taken:
				r.Lost++
				r.violate("lost", "token %q of an acknowledged addition was already gone when its removal read the document: %s; %s", t, add, rem)
				gone = true
			case rem.Outcome == outcomeOK || mayApply(rem.Outcome):
				taken = true
			}
			if gone {
				break
			}
		}
		if !gone && !taken {
			r.Lost++
			r.violate("lost", "token %q of an acknowledged addition is missing, and no removal took it: %s", t, add)
		}
	}
}

func describe(op *Op) string {
	if op == nil {
		return "no operation"
	}
	return op.String()
}

func sortedKeys(m map[string]*Op) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// checkRegister checks a member that operations set to values unique to
// each: the final value must come from an operation reported applied or
// of unknown outcome, and no acknowledged operation may have started
// after that one ended (its value would have replaced it).
func (r *Report) checkRegister(name string, ops []*Op, final string, t0 int64) {
	var acked []*Op
	byValue := map[string]*Op{}
	for _, op := range ops {
		byValue[op.Value] = op
		if op.Outcome == outcomeOK {
			acked = append(acked, op)
		}
	}
	if final == "" {
		if len(acked) > 0 {
			r.Lost++
			r.violate("lost", "%s is empty, yet %d writes of it were acknowledged, the last: %s", name, len(acked), acked[len(acked)-1])
		}
		return
	}
	x := byValue[final]
	switch {
	case x == nil:
		r.Doubled++
		r.violate("doubled", "%s holds %q, which no operation wrote", name, final)
		return
	case x.Outcome == outcomeFailed:
		r.Doubled++
		r.violate("doubled", "%s holds %q, written by an operation reported failed: %s", name, final, x)
	}
	for _, y := range acked {
		if y.Start > x.End {
			r.Lost++
			r.Reappeared++
			r.violate("reappeared", "%s holds %q, written by %s (ended at +%s), yet %s started later (at +%s) and was acknowledged",
				name, final, x, rel(x.End, t0), y, rel(y.Start, t0))
			return
		}
	}
}

// rel is t as a duration since t0.
func rel(t, t0 int64) time.Duration { return time.Duration(t - t0) }

// checkLinearizable checks the history of every counter with porcupine,
// the final read included.
func (r *Report) checkLinearizable(ops []Op, final Final, timeout time.Duration) {
	var end int64
	for i := range ops {
		end = max(end, ops[i].End)
	}
	var history []porcupine.Operation
	for i := range ops {
		op := &ops[i]
		if (op.Kind != kindIncOwn && op.Kind != kindIncShared) || op.Outcome == outcomeFailed {
			// A failed increment was not applied: it changes nothing
			// wherever it goes, and is left out.
			continue
		}
		in := linIn{key: op.Key, op: op}
		ret := op.End
		if op.Outcome == outcomeOK {
			in.acked, in.cands = true, []int{op.Wrote}
		} else {
			in.cands, ret = op.Cands, math.MaxInt64
		}
		history = append(history, porcupine.Operation{ClientId: op.Worker, Input: in, Call: op.Start, Return: ret})
	}
	for _, c := range r.Counters {
		history = append(history, porcupine.Operation{
			ClientId: 0, Input: linIn{key: c.Key, read: true, value: c.Final}, Call: end + 1, Return: end + 2,
		})
	}
	r.model, r.history = counterModel(), history
	start := time.Now()
	r.Result, r.info = porcupine.CheckOperationsVerbose(r.model, history, timeout)
	r.CheckTime = time.Since(start)
	r.Linearizable = r.Result == porcupine.Ok
	switch r.Result {
	case porcupine.Unknown:
		r.violate("linearizability", "porcupine: no verdict within %s: counted as not linearizable", timeout)
	case porcupine.Illegal:
		r.violate("linearizability", "porcupine: the counters' history is not linearizable%s", r.illegalExcerpt())
	}
}

// illegalExcerpt describes where the longest linearization of a failing
// partition stops: the counter's value there and the operations that
// could have taken it one step further.
func (r *Report) illegalExcerpt() string {
	var b strings.Builder
	for _, partials := range r.info.PartialLinearizationsOperations() {
		var longest []porcupine.Operation
		for _, p := range partials {
			if len(p) > len(longest) {
				longest = p
			}
		}
		if len(longest) == 0 {
			continue
		}
		var s any = linState{}
		ok := true
		for _, op := range longest {
			if ok, s = r.model.Step(s, op.Input, nil); !ok {
				break
			}
		}
		st := s.(linState)
		key := longest[0].Input.(linIn).key
		total := 0
		for _, op := range r.history {
			if op.Input.(linIn).key == key {
				total++
			}
		}
		if len(longest) == total {
			continue // this partition is linearizable
		}
		fmt.Fprintf(&b, "\n    counter %s: %d of %d operations linearized, up to the value %d; near it:", key, len(longest), total, st.v)
		shown := 0
		for _, op := range r.history {
			in := op.Input.(linIn)
			if in.key != key || shown >= 12 {
				continue
			}
			near := in.read
			for _, c := range in.cands {
				near = near || (c >= st.v-1 && c <= st.v+2)
			}
			if near {
				fmt.Fprintf(&b, "\n      %s", r.model.DescribeOperation(in, nil))
				shown++
			}
		}
	}
	return b.String()
}

// Visualize writes porcupine's HTML view of the counters' history to path.
func (r *Report) Visualize(path string) error {
	return porcupine.VisualizePath(r.model, r.info, path)
}
