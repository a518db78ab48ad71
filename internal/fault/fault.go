package fault

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Kind names a fault. The zero value, None, is no fault.
type Kind int

const (
	// None is no fault: the zero Kind. A Rule cannot have it.
	None Kind = iota
	// CommitThenDrop runs the handler, so that the write is applied,
	// throws its answer away and closes the connection without sending
	// anything: the client gets a connection error, never a partial
	// answer.
	CommitThenDrop
	// DropBefore closes the connection without running the handler: the
	// write is not applied and the client gets a connection error.
	DropBefore
	// ServerError answers Rule.Status (503 by default), after running the
	// handler when Rule.Apply is set (the write is applied and its answer
	// thrown away), without running it otherwise. Rule.RetryAfter, when
	// positive, adds a Retry-After header.
	ServerError
	// TooManyRequests answers 429 Too Many Requests with a Retry-After
	// header (Rule.RetryAfter) without running the handler.
	TooManyRequests
	// Latency pauses for Rule.Delay before running the handler, outside
	// any of the handler's locks. The answer is the handler's.
	Latency
	// Conflict answers Rule.Status (412 Precondition Failed by default)
	// without running the handler, as if the write's precondition had
	// failed.
	Conflict
	// WeakETag runs the handler and sends its answer with the ETag made
	// weak: "v7" becomes W/"v7", an unquoted v7 becomes W/"v7", a weak
	// tag stays as it is.
	WeakETag
	// StripETag runs the handler and sends its answer without an ETag
	// header, whatever its status.
	StripETag
	// StripWriteETag runs the handler and removes the ETag header from
	// its answer when the status is 2xx: a write answered "204 No
	// Content" without the new tag. Its default Methods are the writes.
	StripWriteETag
)

// kindNames are the names String returns, by Kind.
var kindNames = [...]string{
	None:            "None",
	CommitThenDrop:  "CommitThenDrop",
	DropBefore:      "DropBefore",
	ServerError:     "ServerError",
	TooManyRequests: "TooManyRequests",
	Latency:         "Latency",
	Conflict:        "Conflict",
	WeakETag:        "WeakETag",
	StripETag:       "StripETag",
	StripWriteETag:  "StripWriteETag",
}

// String returns the kind's Go name, such as "CommitThenDrop", or
// "Kind(N)" for a value that names no kind.
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Defaults used when the matching Rule field is zero.
const (
	// DefaultServerErrorStatus is ServerError's status when Rule.Status
	// is 0.
	DefaultServerErrorStatus = http.StatusServiceUnavailable
	// DefaultConflictStatus is Conflict's status when Rule.Status is 0.
	DefaultConflictStatus = http.StatusPreconditionFailed
	// DefaultDelay is Latency's pause when Rule.Delay is 0.
	DefaultDelay = 100 * time.Millisecond
)

// writeMethods are the methods a rule matches when its Methods is empty,
// for every kind but WeakETag and StripETag.
var writeMethods = []string{http.MethodPut, http.MethodPost, http.MethodPatch, http.MethodDelete}

// Rule says which requests get which fault. The zero Rule is invalid (it
// has no Kind); a Rule with only a Kind injects that fault, with its
// defaults, into every matching request.
type Rule struct {
	// Kind is the fault to inject. It must not be None.
	Kind Kind
	// Methods lists the request methods the rule applies to, compared
	// without regard to case. Empty means the writes — PUT, POST, PATCH
	// and DELETE — except for WeakETag and StripETag, for which empty
	// means every method: they change how the server reports versions,
	// on reads as on writes.
	Methods []string
	// Count, when positive, makes the rule fire on the next Count
	// requests it applies to and then never again. 0 means no limit. It
	// must not be negative.
	Count int
	// Probability, when between 0 and 1 exclusive, makes the rule fire on
	// each request it applies to with that probability, drawn from the
	// Injector's random source; a request it does not fire on goes on to
	// the next rule. 0 and 1 mean always. Count counts the requests it
	// fired on.
	Probability float64
	// Status is the status of a ServerError (0 means
	// DefaultServerErrorStatus, 503; otherwise 500–599) or of a Conflict
	// (0 means DefaultConflictStatus, 412; otherwise 400–499). Other
	// kinds must leave it 0.
	Status int
	// Apply, for ServerError only, runs the handler before answering the
	// error, so that the write is applied; its answer is thrown away. The
	// zero value answers without running it.
	Apply bool
	// RetryAfter, for ServerError and TooManyRequests, is sent as a
	// Retry-After header in whole seconds, rounded up. For ServerError 0
	// sends no header; TooManyRequests always sends one, "0" when
	// RetryAfter is 0. Other kinds must leave it 0; it must not be
	// negative.
	RetryAfter time.Duration
	// Delay, for Latency only, is the pause before the handler runs. 0
	// means DefaultDelay (100 ms); it must not be negative.
	Delay time.Duration
}

// Validate reports whether r can be injected: a known Kind, a Count and
// durations that are not negative, a Probability from 0 to 1, a Status in
// its kind's range, no empty method, and the kind-specific fields (Status,
// Apply, RetryAfter, Delay) left zero on the kinds that do not use them.
func (r Rule) Validate() error {
	if r.Kind <= None || int(r.Kind) >= len(kindNames) {
		return fmt.Errorf("fault: unknown kind %v", r.Kind)
	}
	if r.Count < 0 {
		return fmt.Errorf("fault: %v: negative Count %d", r.Kind, r.Count)
	}
	if !(r.Probability >= 0 && r.Probability <= 1) { // NaN fails too
		return fmt.Errorf("fault: %v: Probability %v is not from 0 to 1", r.Kind, r.Probability)
	}
	if r.RetryAfter < 0 || r.Delay < 0 {
		return fmt.Errorf("fault: %v: negative RetryAfter or Delay", r.Kind)
	}
	for _, m := range r.Methods {
		if strings.TrimSpace(m) == "" {
			return fmt.Errorf("fault: %v: empty method in Methods", r.Kind)
		}
	}
	switch r.Kind {
	case ServerError:
		if r.Status != 0 && (r.Status < 500 || r.Status > 599) {
			return fmt.Errorf("fault: ServerError: Status %d is not from 500 to 599", r.Status)
		}
	case Conflict:
		if r.Status != 0 && (r.Status < 400 || r.Status > 499) {
			return fmt.Errorf("fault: Conflict: Status %d is not from 400 to 499", r.Status)
		}
	default:
		if r.Status != 0 {
			return fmt.Errorf("fault: %v does not use Status", r.Kind)
		}
	}
	if r.Apply && r.Kind != ServerError {
		return fmt.Errorf("fault: %v does not use Apply", r.Kind)
	}
	if r.RetryAfter != 0 && r.Kind != ServerError && r.Kind != TooManyRequests {
		return fmt.Errorf("fault: %v does not use RetryAfter", r.Kind)
	}
	if r.Delay != 0 && r.Kind != Latency {
		return fmt.Errorf("fault: %v does not use Delay", r.Kind)
	}
	return nil
}

// withDefaults returns a copy of the valid rule r with its zero fields
// replaced by their defaults and its methods in upper case.
func (r Rule) withDefaults() Rule {
	switch {
	case len(r.Methods) > 0:
		methods := make([]string, len(r.Methods))
		for i, m := range r.Methods {
			methods[i] = strings.ToUpper(strings.TrimSpace(m))
		}
		r.Methods = methods
	case r.Kind == WeakETag || r.Kind == StripETag:
		r.Methods = nil // every method
	default:
		r.Methods = append([]string(nil), writeMethods...)
	}
	switch {
	case r.Kind == ServerError && r.Status == 0:
		r.Status = DefaultServerErrorStatus
	case r.Kind == Conflict && r.Status == 0:
		r.Status = DefaultConflictStatus
	case r.Kind == Latency && r.Delay == 0:
		r.Delay = DefaultDelay
	}
	return r
}

// appliesTo reports whether the rule, with its defaults, applies to a
// request with the given method.
func (r Rule) appliesTo(method string) bool {
	if r.Methods == nil {
		return true
	}
	for _, m := range r.Methods {
		if strings.EqualFold(m, method) {
			return true
		}
	}
	return false
}

// Plan is the set of faults an Injector starts with. The zero value
// injects nothing.
type Plan struct {
	// Rules are tried in order for each request; the first that fires
	// decides the request's fault.
	Rules []Rule
	// Seed seeds the random source that Rule.Probability draws from: the
	// same Seed and the same sequence of requests give the same faults.
	// 0 is a seed like any other.
	Seed int64
}

// Validate reports the first rule of p that Rule.Validate rejects.
func (p Plan) Validate() error {
	for i, r := range p.Rules {
		if err := r.Validate(); err != nil {
			return fmt.Errorf("rule %d: %w", i, err)
		}
	}
	return nil
}

// Injector injects the faults of its rules into the requests of the
// handlers it wraps. Its methods are safe for concurrent use. The zero
// value is an Injector with no rules and Seed 0; a nil *Injector injects
// nothing.
type Injector struct {
	mu     sync.Mutex
	seed   int64
	rng    *rand.Rand // nil until first needed
	rules  []*active
	counts map[Kind]int
	total  int
}

// active is a rule in an Injector, with its defaults, and how many more
// times it may fire (for a rule with a Count).
type active struct {
	rule Rule
	left int
}

// New returns an Injector holding p's rules, or an error naming the first
// invalid one. Later changes to p do not affect it.
func New(p Plan) (*Injector, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	inj := &Injector{seed: p.Seed}
	for _, r := range p.Rules {
		inj.rules = append(inj.rules, &active{rule: r.withDefaults(), left: r.Count})
	}
	return inj, nil
}

// Add appends r to the rules, after those already there, or returns an
// error, adding nothing, if r is invalid (see Rule.Validate) or inj is nil.
func (inj *Injector) Add(r Rule) error {
	if inj == nil {
		return errors.New("fault: Add on a nil Injector")
	}
	if err := r.Validate(); err != nil {
		return err
	}
	inj.mu.Lock()
	defer inj.mu.Unlock()
	inj.rules = append(inj.rules, &active{rule: r.withDefaults(), left: r.Count})
	return nil
}

// Counts returns how many faults the Injector has injected so far, by
// kind; kinds never injected are absent. A fault counts when its rule
// fires on a request, whatever happens next: a WeakETag injected into an
// answer that had no ETag counts.
func (inj *Injector) Counts() map[Kind]int {
	out := map[Kind]int{}
	if inj == nil {
		return out
	}
	inj.mu.Lock()
	defer inj.mu.Unlock()
	for k, n := range inj.counts {
		out[k] = n
	}
	return out
}

// Total returns how many faults the Injector has injected so far, of every
// kind.
func (inj *Injector) Total() int {
	if inj == nil {
		return 0
	}
	inj.mu.Lock()
	defer inj.mu.Unlock()
	return inj.total
}

// Reset removes every rule, the plan's included, forgets the counts and
// restarts the random source from the plan's Seed. Requests already given
// a fault keep it.
func (inj *Injector) Reset() {
	if inj == nil {
		return
	}
	inj.mu.Lock()
	defer inj.mu.Unlock()
	inj.rules = nil
	inj.counts = nil
	inj.total = 0
	inj.rng = nil
}

// pick returns the fault to inject into a request with the given method,
// or nil, and counts it.
func (inj *Injector) pick(method string) *Injection {
	inj.mu.Lock()
	defer inj.mu.Unlock()
	for i, a := range inj.rules {
		if !a.rule.appliesTo(method) {
			continue
		}
		if p := a.rule.Probability; p > 0 && p < 1 {
			if inj.rng == nil {
				inj.rng = rand.New(rand.NewPCG(uint64(inj.seed), 0))
			}
			if inj.rng.Float64() >= p {
				continue
			}
		}
		if a.rule.Count > 0 {
			a.left--
			if a.left <= 0 {
				inj.rules = append(inj.rules[:i:i], inj.rules[i+1:]...)
			}
		}
		if inj.counts == nil {
			inj.counts = map[Kind]int{}
		}
		inj.counts[a.rule.Kind]++
		inj.total++
		return &Injection{rule: a.rule, method: method}
	}
	return nil
}
