package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/ifmatch/ifmatch/merge"
)

// The pipeline stands between the typed layer and the engine. A client
// writes each document from one goroutine at a time: while a write to a
// document is in flight, later Updates and Saves of it wait in its lane,
// and when the write ends they all go as one batch, their edits applied in
// the order they arrived to the version just written, in one conditional
// write. So a process never loses a race to its own earlier write.
//
// A job is one caller's Update or Save. It can be withdrawn (its caller's
// context ended) as long as it is in no write in flight: queued, taken
// into a batch that has not sent it yet, or in a batch whose last write
// was refused (412, 429) with certainty. Once in a write whose outcome is
// not known, it stays to the end and its caller gets the outcome.

// errNoEdits ends a batch whose jobs all left before anything was sent.
var errNoEdits = errors.New("ifmatch: no edit left to write")

type jobState int

const (
	jobQueued jobState = iota // in its lane's queue
	jobReady                  // in a batch, in no write in flight
	jobSent                   // in a write sent and not known to be lost
	jobDone                   // its result is delivered
)

// job is one caller's write waiting for, or riding in, a batch.
type job struct {
	p    plan
	ctx  context.Context
	done chan struct{} // closed when out, err or panicked are set

	// Guarded by lanes.mu.
	state   jobState
	sends   int // writes sent with this job's edit
	b       *batch
	inStep  bool // its step is running
	leaving bool // its caller left while its step ran: end it after

	// Set before done is closed.
	out      written
	err      error
	panicked any

	// changed says whether the job's edit changed the document in the
	// last round composed; owned by the batch's goroutine.
	changed bool
}

// batch is the jobs of one lane written together.
type batch struct {
	jobs     []*job
	cancel   context.CancelFunc
	composed []*job // the jobs in the draft of the current round; guarded by lanes.mu
	doubt    bool   // a write's outcome was unknown: no job leaves before the end
}

// lane is the pipeline of one document. It exists while a goroutine
// drains it, and is dropped as soon as its queue is empty.
type lane struct {
	queue []*job
	alone int // the first jobs of queue go in writes of their own
	// last is the version the lane's last write left, used as the next
	// batch's starting point; owned by the draining goroutine.
	last *snapshot
}

// lanes are the pipelines of one client's documents, by URL.
type lanes struct {
	mu    sync.Mutex
	byURL map[string]*lane
	// batches counts the batches begun, on any document: a read that saw
	// it unchanged, and no lane for its document, overlapped no write.
	batches uint64
}

// quiet returns the number of batches begun so far and whether u has no
// lane (no write to it is queued or in flight).
func (ls *lanes) quiet(u string) (uint64, bool) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.batches, ls.byURL[u] == nil
}

// submit runs p through the document's lane and returns its own result.
func (e *engine) submit(ctx context.Context, p plan) (written, error) {
	if err := ctx.Err(); err != nil {
		return written{}, &WriteError{Op: p.op, Resource: p.resource, Err: wrap(ErrNotSent, err)}
	}
	if err := e.guard(); err != nil {
		return written{}, &WriteError{Op: p.op, Resource: p.resource, Err: err}
	}
	j := &job{p: p, ctx: ctx, done: make(chan struct{})}
	ls := &e.lanes
	ls.mu.Lock()
	ln := ls.byURL[p.url]
	if ln == nil {
		if ls.byURL == nil {
			ls.byURL = map[string]*lane{}
		}
		ln = &lane{queue: []*job{j}}
		ls.byURL[p.url] = ln
		ls.mu.Unlock()
		// The document was idle: this caller writes its own edit, on its
		// own goroutine, and leaves to another goroutine any edits that
		// queue up meanwhile. Its context ending reaches the pipeline as
		// it would from a waiting caller.
		stop := context.AfterFunc(ctx, func() {
			ls.mu.Lock()
			ls.withdraw(j, ln)
			ls.mu.Unlock()
		})
		e.drain(p.url, ln, j)
		stop()
	} else {
		ln.queue = append(ln.queue, j)
		ls.mu.Unlock()
	}

	select {
	case <-j.done:
	case <-ctx.Done():
		ls.mu.Lock()
		ls.withdraw(j, ln)
		inFlight := j.state == jobSent
		ls.mu.Unlock()
		if inFlight && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			// The caller's time is up while its edit is in a write in
			// flight: it may be applied or not.
			select {
			case <-j.done:
			default:
				return written{}, &WriteError{Op: p.op, Resource: p.resource, Attempts: j.attemptsSoFar(ls),
					Err: wrap(ErrOutcomeUnknown, ctx.Err())}
			}
		}
		<-j.done
	}
	if j.panicked != nil {
		panic(j.panicked)
	}
	return j.out, j.err
}

// attemptsSoFar returns the writes sent with j's edit.
func (j *job) attemptsSoFar(ls *lanes) int {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return j.sends
}

// withdraw ends j with its context's error if it is in no write in
// flight; ln is its lane. It is called with ls.mu held.
func (ls *lanes) withdraw(j *job, ln *lane) {
	switch j.state {
	case jobQueued:
		for i, q := range ln.queue {
			if q == j {
				ln.queue = append(ln.queue[:i:i], ln.queue[i+1:]...)
				break
			}
		}
	case jobReady:
		if j.inStep {
			j.leaving = true // ended when its step returns
			return
		}
	default:
		return
	}
	ls.end(j, written{}, &WriteError{Op: j.p.op, Resource: j.p.resource, Attempts: j.sends, Err: j.ctx.Err()})
}

// end delivers j's result; called with ls.mu held. A batch left without
// a job is stopped.
func (ls *lanes) end(j *job, out written, err error) {
	j.out, j.err, j.state = out, err, jobDone
	close(j.done)
	if b := j.b; b != nil {
		for _, o := range b.jobs {
			if o.state != jobDone {
				return
			}
		}
		b.cancel()
	}
}

// prune withdraws the jobs of b whose callers have gone and that are in
// no write in flight; called with ls.mu held.
func (ls *lanes) prune(b *batch) {
	for _, j := range b.jobs {
		if j.state == jobReady && j.ctx.Err() != nil {
			ls.withdraw(j, nil)
		}
	}
}

// drain writes the batches of ln until its queue is empty, then drops it.
// The lane is dropped in the same step that delivers the last results, so
// a caller that got its result finds no lane left behind by its write.
//
// With lead, the caller's own job, drain writes lead alone (if it is still
// queued) and returns; a goroutine takes over the edits queued meanwhile.
func (e *engine) drain(u string, ln *lane, lead *job) {
	ls := &e.lanes
	ls.mu.Lock()
	for len(ln.queue) > 0 {
		if lead != nil && lead.state == jobDone {
			go e.drain(u, ln, nil)
			ls.mu.Unlock()
			return
		}
		var b *batch
		if lead != nil {
			b = &batch{jobs: []*job{lead}}
			ln.queue = slices.DeleteFunc(ln.queue, func(q *job) bool { return q == lead })
		} else if ln.alone > 0 {
			// After a refused batch, its edits go one by one.
			b = &batch{jobs: ln.queue[:1:1]}
			ln.queue = ln.queue[1:]
			ln.alone--
		} else {
			b = &batch{jobs: ln.queue}
			ln.queue = nil
		}
		for _, j := range b.jobs {
			j.state, j.b = jobReady, b
		}
		ls.batches++
		ctx, cancel := batchContext(b.jobs)
		b.cancel = cancel
		ls.mu.Unlock()
		w, err, pv := e.runSafely(ctx, ln, b)
		cancel()
		ls.mu.Lock()
		switch {
		case pv != nil:
			// Code of the caller's (an option's function, a transport,
			// an observer) panicked in the write: each caller panics.
			for _, j := range b.jobs {
				if j.state != jobDone {
					j.panicked = pv
					ls.end(j, written{}, fmt.Errorf("ifmatch: the %s of %s panicked: %v", j.p.op, j.p.resource, pv))
				}
			}
		case refusedDocument(err) && len(live(b)) > 1:
			// The server refused the document the edits made together
			// (too large, invalid): each edit goes again alone, so that
			// one bad edit fails only its own caller.
			rest := live(b)
			for _, j := range rest {
				j.state, j.b = jobQueued, nil
			}
			ln.queue = append(rest, ln.queue...)
			ln.alone += len(rest)
		default:
			e.deliver(b, w, err)
		}
	}
	delete(ls.byURL, u)
	ls.mu.Unlock()
}

// live returns the jobs of b not yet ended; called with lanes.mu held.
func live(b *batch) []*job {
	var out []*job
	for _, j := range b.jobs {
		if j.state != jobDone {
			out = append(out, j)
		}
	}
	return out
}

// refusedDocument reports whether err is the server refusing a write for
// what it held (400, 413, 422), as opposed to a conflict, a transport
// failure or an edit's own error.
func refusedDocument(err error) bool {
	var we *WriteError
	if !errors.As(err, &we) {
		return false
	}
	switch we.Status {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
		return true
	}
	return false
}

// runSafely is run, with a panic in it returned as pv.
func (e *engine) runSafely(ctx context.Context, ln *lane, b *batch) (w written, err error, pv any) {
	defer func() {
		if r := recover(); r != nil {
			ln.last = nil
			e.cache.drop(b.jobs[0].p.url)
			pv = r
		}
	}()
	w, err = e.run(ctx, ln, b)
	return w, err, nil
}

// batchContext is the context a batch's write runs under: its callers'
// cancellation does not reach it (the pipeline stops a batch when every
// caller has left before its edit was sent), and its deadline is the
// latest of theirs, none when one of them has none. Values come from the
// first caller's context.
func batchContext(jobs []*job) (context.Context, context.CancelFunc) {
	ctx := context.WithoutCancel(jobs[0].ctx)
	var latest time.Time
	for _, j := range jobs {
		d, ok := j.ctx.Deadline()
		if !ok {
			return context.WithCancel(ctx)
		}
		if d.After(latest) {
			latest = d
		}
	}
	return context.WithDeadline(ctx, latest)
}

// run writes batch b.
func (e *engine) run(ctx context.Context, ln *lane, b *batch) (written, error) {
	first := b.jobs[0].p
	p := plan{op: first.op, url: first.url, resource: first.resource, shape: first.shape, same: first.same, settles: true}
	for _, j := range b.jobs {
		p.settles = p.settles && j.p.settles
	}
	if ln.last != nil {
		p.start, p.hint = ln.last, true
	} else if s, ok := e.cache.get(p.url); ok {
		p.start, p.hint = &s, true
	} else if len(b.jobs) == 1 {
		p.start = first.start
	}
	p.step = func(cur snapshot) (*draft, error) { return e.compose(b, cur, p) }
	p.sending = func() bool { return e.lanes.sending(b) }
	p.lost = func() { e.lanes.lost(b) }
	p.unsure = func() { e.lanes.unsure(b) }
	p.began = func(wctx context.Context, write uint64) {
		for _, j := range b.jobs {
			e.obs.emit(j.ctx, Event{Kind: EventJoin, Write: write, Callers: len(b.jobs)})
		}
	}
	if len(b.jobs) > 1 {
		// The write is no one caller's: its events name none.
		ctx = context.WithValue(ctx, scopeKey{}, (*scope)(nil))
	}

	w, err := e.write(ctx, p)
	switch {
	case errors.Is(err, errNoEdits), errors.Is(ctx.Err(), context.Canceled):
		// Every caller left before anything was sent: the version held
		// is as good as before.
	case err == nil && w.exists && p.shape.usable(w.etag):
		s := w.snapshot
		ln.last = &s
		e.cache.put(p.url, s)
	default:
		ln.last = nil
		e.cache.drop(p.url)
	}
	return w, err
}

// deliver gives each job of b still waiting its result of the batch's
// write; called with lanes.mu held.
func (e *engine) deliver(b *batch, w written, err error) {
	ls := &e.lanes
	for _, j := range b.jobs {
		if j.state == jobDone {
			continue
		}
		if err != nil {
			ls.end(j, written{}, asCaller(err, j))
			continue
		}
		out := w
		if len(b.jobs) > 1 {
			out.attempts = j.sends
			if !j.changed {
				out.outcome = Unchanged
			}
		}
		ls.end(j, out, nil)
	}
}

// asCaller is a batch's failure as job j reports it.
func asCaller(err error, j *job) error {
	var we *WriteError
	if errors.As(err, &we) {
		c := *we
		c.Op = j.p.op
		return &c
	}
	return err
}

// compose is the step of a batch: each live job's step applied in order,
// each to what the one before made. A job whose step fails ends with its
// own error and leaves the batch; the others go on.
func (e *engine) compose(b *batch, cur snapshot, p plan) (*draft, error) {
	ls := &e.lanes
	ls.mu.Lock()
	ls.prune(b)
	var live []*job
	for _, j := range b.jobs {
		if j.state != jobDone {
			live = append(live, j)
		}
	}
	ls.mu.Unlock()

	var (
		s        = cur
		composed []*job
		made     bool
		merges   []*merge.Report
		commits  []func()
		// lastDiffers is the differs of the last draft made.
		lastDiffers bool
	)
	for _, j := range live {
		ls.mu.Lock()
		if j.state == jobReady && j.ctx.Err() != nil {
			ls.withdraw(j, nil)
		}
		if j.state == jobDone {
			ls.mu.Unlock()
			continue
		}
		j.inStep = true
		ls.mu.Unlock()
		d, err := runStep(j, s)
		ls.mu.Lock()
		j.inStep = false
		if j.leaving {
			// Its caller left while the step ran: its edit is not sent
			// (a panic in it still reaches the caller).
			j.leaving = false
			ls.end(j, written{}, &WriteError{Op: j.p.op, Resource: j.p.resource, Attempts: j.sends, Err: j.ctx.Err()})
			ls.mu.Unlock()
			continue
		}
		ls.mu.Unlock()
		if err == nil && d != nil {
			d.body, err = p.shape.strip(d.body)
			if err == nil {
				d.body, _ = e.log.split(d.body)
			}
		}
		if err != nil {
			ls.mu.Lock()
			if j.state != jobDone {
				ls.end(j, written{}, &WriteError{Op: j.p.op, Resource: j.p.resource, Attempts: j.sends, Err: err})
			}
			ls.mu.Unlock()
			continue
		}
		composed = append(composed, j)
		if d == nil {
			j.changed = false
			continue
		}
		if len(b.jobs) > 1 {
			j.changed = !s.exists || !(bytes.Equal(d.body, s.body) || p.same(d.body, s.body))
		}
		s = snapshot{exists: true, body: d.body, contentType: d.contentType, versionRaw: cur.versionRaw,
			log: cur.log, lastModified: cur.lastModified, under: &cur}
		merges = append(merges, d.merges...)
		lastDiffers = d.differs
		if d.commit != nil {
			commits = append(commits, d.commit)
		}
		made = true
	}
	ls.mu.Lock()
	b.composed = composed
	ls.mu.Unlock()
	if len(composed) == 0 {
		return nil, errNoEdits
	}
	if !made {
		return nil, nil
	}
	commit := func() {
		for _, c := range commits {
			c()
		}
	}
	// One edit that knows its document differs from cur says so; several
	// may undo each other, and the engine compares.
	differs := len(composed) == 1 && lastDiffers
	return &draft{body: s.body, contentType: s.contentType, merges: merges, commit: commit, differs: differs}, nil
}

// runStep runs j's step on cur. A panic in the caller's code (an edit or
// a merge function) is handed to the caller's goroutine, which panics
// again with it.
func runStep(j *job, cur snapshot) (d *draft, err error) {
	defer func() {
		if r := recover(); r != nil {
			j.panicked = r
			err = fmt.Errorf("ifmatch: the %s of %s panicked: %v", j.p.op, j.p.resource, r)
		}
	}()
	return j.p.step(cur)
}

// sending is called just before the batch's write is sent. It reports
// false when a job of the draft has left (or its caller has gone) since
// the draft was composed, which must then be composed again without it;
// otherwise every job of the draft is in a write in flight.
func (ls *lanes) sending(b *batch) bool {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	ls.prune(b)
	for _, j := range b.composed {
		if j.state == jobDone {
			return false
		}
	}
	for _, j := range b.composed {
		j.state = jobSent
		j.sends++
	}
	return true
}

// lost is called when the batch's last write is known not to have been
// applied (refused, or not processed): its jobs can leave again, unless
// an earlier write of the batch had an unknown outcome.
func (ls *lanes) lost(b *batch) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if b.doubt {
		return
	}
	for _, j := range b.jobs {
		if j.state == jobSent {
			j.state = jobReady
		}
	}
	ls.prune(b)
}

// unsure is called when a write of the batch had an unknown outcome: its
// jobs stay in it to the end.
func (ls *lanes) unsure(b *batch) {
	ls.mu.Lock()
	b.doubt = true
	ls.mu.Unlock()
}
