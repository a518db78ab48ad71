package statedoctest

import (
	"io"
	"net/http"
	"net/url"

	"github.com/ifmatch/ifmatch/internal/fault"
)

// Fault is one rule of fault injection: which requests (Methods, Count,
// Probability) get which fault (Kind) and how (Status, Apply, RetryAfter,
// Delay). The zero value is invalid; a Fault with only a Kind injects that
// fault, with its defaults, into every write (PUT, POST, PATCH, DELETE;
// every method for WeakETag and StripETag). Its Validate method reports
// whether a Fault can be injected. See the package documentation, Faults.
//
// The fields:
//   - Kind is the fault (CommitThenDrop, DropBefore, ...); not NoFault.
//   - Methods lists the methods it applies to, compared without regard to
//     case; empty means the default above.
//   - Count, when positive, makes it fire on the next Count requests it
//     applies to, then never again; 0 means no limit.
//   - Probability, between 0 and 1 exclusive, makes it fire on each such
//     request with that probability, drawn from a source seeded by
//     FaultPlan.Seed; a request it does not fire on goes on to the next
//     Fault. 0 and 1 mean always.
//   - Status is the status of a ServerError (0 means 503; else 500–599)
//     or a Conflict (0 means 412; else 400–499).
//   - Apply makes a ServerError apply the write before answering.
//   - RetryAfter is the Retry-After of a ServerError (0: none) or a
//     TooManyRequests (0: "0"), in seconds rounded up.
//   - Delay is a Latency's pause; 0 means 100 ms.
type Fault = fault.Rule

// FaultKind names a fault. The zero value, NoFault, is no fault.
type FaultKind = fault.Kind

// FaultPlan is the set of faults a Server starts with (Options.Faults):
// Rules, tried in order, and Seed, which seeds the random source of their
// Probability so that the same plan and the same sequence of requests give
// the same faults. The zero value injects nothing.
type FaultPlan = fault.Plan

// The kinds of fault.
const (
	// NoFault is the zero FaultKind: the Exchange.Fault of an exchange
	// without fault.
	NoFault = fault.None
	// CommitThenDrop handles the request, so that the write is applied,
	// and then closes the connection without answering: the client sees
	// a connection error for a write that took effect.
	CommitThenDrop = fault.CommitThenDrop
	// DropBefore closes the connection before the request is handled:
	// the write is not applied.
	DropBefore = fault.DropBefore
	// ServerError answers Fault.Status (503 by default), after handling
	// the request when Fault.Apply is set, without handling it otherwise,
	// with Retry-After when Fault.RetryAfter is positive.
	ServerError = fault.ServerError
	// TooManyRequests answers 429 with Retry-After (Fault.RetryAfter)
	// without handling the request.
	TooManyRequests = fault.TooManyRequests
	// Latency pauses for Fault.Delay (100 ms by default) before the
	// server takes the request in, without holding its lock.
	Latency = fault.Latency
	// Conflict answers Fault.Status (412 by default) without handling the
	// request: "the next N writes fail their precondition".
	Conflict = fault.Conflict
	// WeakETag sends the server's answer with its ETag made weak
	// (W/"...").
	WeakETag = fault.WeakETag
	// StripETag sends the server's answer without its ETag header.
	StripETag = fault.StripETag
	// StripWriteETag removes the ETag header from 2xx answers: a write
	// answered 204 without the new ETag.
	StripWriteETag = fault.StripWriteETag
)

// AddFault appends f to the server's faults, after those of
// Options.Faults and those added before; it applies from the next request
// on. It panics if f is invalid (see Fault's Validate method), as NewServer
// panics for invalid Options.
func (s *Server) AddFault(f Fault) {
	if err := s.faults.Add(f); err != nil {
		panic("statedoctest: " + err.Error())
	}
}

// FaultCounts returns how many faults the server has injected since
// NewServer or ResetFaults, by kind; kinds never injected are absent. A
// fault counts when it fires on a request, whatever the answer: a WeakETag
// fired on an answer without ETag counts.
func (s *Server) FaultCounts() map[FaultKind]int { return s.faults.Counts() }

// ResetFaults removes every fault, those of Options.Faults included, and
// forgets the counts. Requests already given a fault keep it.
func (s *Server) ResetFaults() { s.faults.Reset() }

// recordSkipped logs a request that a fault answered or dropped before
// the server took it in. It reads the request body, as the server would.
func (s *Server) recordSkipped(r *http.Request, in *fault.Injection) {
	q, qerr := url.ParseQuery(r.URL.RawQuery)
	req := &inbound{method: r.Method, path: r.URL.Path, header: r.Header, query: q, qerr: qerr}
	alternate := s.alternateCandidate(r.Method, q)
	if alternate {
		// Log the request the form carries, or nothing of the form: it
		// may hold credentials.
		_ = s.readAlternate(req, r.Body)
	}
	ex := newExchange(req)
	ex.Fault = in.Kind()
	s.mu.Lock()
	s.seq++
	ex.Arrival = s.seq
	s.mu.Unlock()
	if !alternate {
		req.body, _ = io.ReadAll(io.LimitReader(r.Body, s.max+1))
	}
	ex.RequestBody = req.body
	ex.Status, ex.ResponseHeader, ex.ResponseBody = in.Answer(0, nil, nil)
	if ex.Status != 0 {
		s.setCORS(r.Header, ex.ResponseHeader)
	}
	s.record(ex)
}

// applyFault turns ex, the exchange of a handled request, into what the
// client receives when a fault was injected into r.
func applyFault(r *http.Request, ex *Exchange) {
	in := fault.FromContext(r.Context())
	if in == nil {
		return
	}
	ex.Fault = in.Kind()
	ex.HandlerStatus = ex.Status
	ex.Status, ex.ResponseHeader, ex.ResponseBody = in.Answer(ex.Status, ex.ResponseHeader, ex.ResponseBody)
}
