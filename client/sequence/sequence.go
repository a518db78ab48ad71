package sequence

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"github.com/ifmatch/ifmatch/client"
	"github.com/ifmatch/ifmatch/merge"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

// Options configures a Recorder. The zero value names the server "Server"
// and writes ETags as they were sent.
type Options struct {
	// Server names the server's participant. Empty means "Server".
	Server string
	// ShortETags writes each ETag as "e1", "e2", ... in the order it
	// first appears in the diagram (a weak one as W/"e3"), instead of as
	// sent. Markdown then lists what each name stands for.
	ShortETags bool
	// MergeDecisions bounds the paths a merge's note lists; the rest are
	// counted. Zero means 4; a negative value lists none.
	MergeDecisions int
}

// Recorder collects the exchanges of clients with a server, in the order
// it receives them, and renders them as a Mermaid sequence diagram. Its
// methods are safe for concurrent use.
type Recorder struct {
	opts Options

	mu    sync.Mutex
	lanes []string
	steps []step
	last  map[string]string // each lane's last ETag received
}

// New returns an empty Recorder. opts may be nil.
func New(opts *Options) *Recorder {
	r := &Recorder{last: map[string]string{}}
	if opts != nil {
		r.opts = *opts
	}
	if r.opts.Server == "" {
		r.opts.Server = "Server"
	}
	if r.opts.MergeDecisions == 0 {
		r.opts.MergeDecisions = 4
	}
	return r
}

// stepKind says how a step is drawn.
type stepKind int

const (
	exchange stepKind = iota // a request and its answer
	note                     // a note over the lane
	wideNote                 // a note over the lane and the server
)

// step is one thing to draw. Text may hold ETags as etagMark+index: they
// are named when rendered.
type step struct {
	kind stepKind
	lane string

	method, ifMatch, ifNoneMatch string
	status                       int
	etag                         string
	noAnswer                     bool

	text  string
	etags []string // the ETags text refers to
}

// etagMark stands in a step's text for the i-th of its ETags, written
// "\x00i\x00".
const etagMark = "\x00"

// Client returns an Observer that records the events of one client in
// lane name. Give it to the client as client.Options.Observer. Lanes are
// drawn in the order they were first named; naming a lane twice returns
// an Observer for the same lane.
func (r *Recorder) Client(name string) client.Observer {
	r.mu.Lock()
	r.lane(name)
	r.mu.Unlock()
	return client.ObserverFunc(func(_ context.Context, e client.Event) { r.observe(name, e) })
}

// lane declares lane name if new; r.mu is held.
func (r *Recorder) lane(name string) {
	for _, l := range r.lanes {
		if l == name {
			return
		}
	}
	r.lanes = append(r.lanes, name)
}

func (r *Recorder) observe(lane string, e client.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch e.Kind {
	case client.EventExchange:
		r.steps = append(r.steps, step{kind: exchange, lane: lane, method: e.Method,
			ifMatch: e.IfMatch, ifNoneMatch: e.IfNoneMatch, status: e.Status, etag: e.ETag, noAnswer: e.Err != nil})
		if e.ETag != "" {
			r.last[lane] = e.ETag
		}
	case client.EventJoin:
		if e.Callers > 1 {
			r.noteOver(note, lane, fmt.Sprintf("%s's edit rides in one write with %d callers' edits", lane, e.Callers))
		}
	case client.EventLost:
		r.noteOver(wideNote, lane, fmt.Sprintf("%d: %s's write lost to another writer, %s reads again", e.Status, lane, lane))
	case client.EventMerge:
		text, etags := lane+" merges its change", []string(nil)
		if tag := r.last[lane]; tag != "" {
			text, etags = text+" onto "+mark(0), []string{tag}
		}
		r.noteOver(note, lane, text+r.decisions(e.Report), etags...)
	case client.EventDecision:
		r.noteOver(note, lane, "the read settles the lost answer: "+e.Decision)
	case client.EventUnknown:
		r.noteOver(note, lane, "outcome unknown")
	case client.EventNote:
		r.noteOver(note, lane, e.Message)
	case client.EventDone:
		if e.Err != nil {
			r.noteOver(note, lane, e.Op+" failed")
		}
	}
}

// decisions describes a merge report: ": /a theirs-only, /b ours-only".
func (r *Recorder) decisions(rep *merge.Report) string {
	if rep == nil {
		return " with its own merge function"
	}
	n := r.opts.MergeDecisions
	if n < 0 || len(rep.Decisions) == 0 {
		return ""
	}
	var parts []string
	for i, d := range rep.Decisions {
		if i == n {
			parts = append(parts, fmt.Sprintf("%d more", len(rep.Decisions)-n+rep.Omitted))
			break
		}
		path := d.Path
		if path == "" {
			path = "/"
		}
		parts = append(parts, path+" "+d.Rule)
	}
	return ": " + strings.Join(parts, ", ")
}

func (r *Recorder) noteOver(kind stepKind, lane, text string, etags ...string) {
	r.steps = append(r.steps, step{kind: kind, lane: lane, text: text, etags: etags})
}

func mark(i int) string { return fmt.Sprintf("%s%d%s", etagMark, i, etagMark) }

// AddServerLog records the exchanges of a statedoctest.Server's log (from
// Server.Log or Server.TakeLog), in the order given. laneOf names the
// client lane of each exchange; nil puts them all in lane "Client". An
// answer refused with 412 gets a note; a fault the server injected gets a
// note that says what the server did and what the client received.
func (r *Recorder) AddServerLog(log []statedoctest.Exchange, laneOf func(statedoctest.Exchange) string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, x := range log {
		lane := "Client"
		if laneOf != nil {
			lane = laneOf(x)
		}
		r.lane(lane)
		r.steps = append(r.steps, step{kind: exchange, lane: lane, method: x.Method,
			ifMatch: x.IfMatch(), ifNoneMatch: x.IfNoneMatch(), status: x.Status, etag: x.ETag(), noAnswer: x.Status == 0})
		if x.Fault != statedoctest.NoFault {
			text := fmt.Sprintf("fault %s", x.Fault)
			if x.HandlerStatus != 0 {
				text += fmt.Sprintf(": the server answered %d", x.HandlerStatus)
			}
			if x.Status == 0 {
				text += ", the client got no answer"
			}
			r.noteOver(wideNote, lane, text)
		} else if x.Status == http.StatusPreconditionFailed {
			r.noteOver(wideNote, lane, fmt.Sprintf("412: %s's precondition no longer holds", lane))
		}
	}
}

// Reset forgets every step recorded; the lanes stay.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.steps = nil
	clear(r.last)
}

// Mermaid returns the diagram of what r holds: a Mermaid sequenceDiagram,
// one statement a line, each line but the first indented by four spaces,
// ending with a newline.
func (r *Recorder) Mermaid() string {
	text, _ := r.render()
	return text
}

// Markdown returns the diagram in a fenced ```mermaid block, as GitHub
// renders it, followed, with ShortETags, by the list of the ETags the
// names stand for.
func (r *Recorder) Markdown() string {
	text, etags := r.render()
	var b strings.Builder
	b.WriteString("```mermaid\n")
	b.WriteString(text)
	b.WriteString("```\n")
	if r.opts.ShortETags && len(etags) > 0 {
		b.WriteString("\n")
		for i, tag := range etags {
			fmt.Fprintf(&b, "- `e%d` is `%s`\n", i+1, tag)
		}
	}
	return b.String()
}

// render returns the diagram and, in the order of their names, the opaque
// ETags it names.
func (r *Recorder) render() (string, []string) {
	r.mu.Lock()
	lanes := append([]string(nil), r.lanes...)
	steps := append([]step(nil), r.steps...)
	r.mu.Unlock()

	ids := map[string]string{}
	var b strings.Builder
	b.WriteString("sequenceDiagram\n")
	declare := func(name string, n int, alias bool) string {
		id := name
		if alias || !plainID.MatchString(name) || keywords[strings.ToLower(name)] {
			id = fmt.Sprintf("P%d", n)
			fmt.Fprintf(&b, "    participant %s as %s\n", id, escape(name))
		} else {
			fmt.Fprintf(&b, "    participant %s\n", id)
		}
		return id
	}
	for i, l := range lanes {
		ids[l] = declare(l, i+1, false)
	}
	_, clash := ids[r.opts.Server]
	server := declare(r.opts.Server, len(lanes)+1, clash)

	names := &etagNames{short: r.opts.ShortETags, index: map[string]int{}}
	for _, s := range steps {
		lane := ids[s.lane]
		switch s.kind {
		case exchange:
			req := s.method
			if s.ifMatch != "" {
				req += " If-Match: " + names.name(s.ifMatch)
			}
			if s.ifNoneMatch != "" {
				req += " If-None-Match: " + names.name(s.ifNoneMatch)
			}
			fmt.Fprintf(&b, "    %s->>%s: %s\n", lane, server, escape(req))
			if s.noAnswer {
				fmt.Fprintf(&b, "    %s--x%s: no answer\n", server, lane)
				continue
			}
			ans := fmt.Sprintf("%d %s", s.status, http.StatusText(s.status))
			if s.etag != "" {
				ans += ", ETag: " + names.name(s.etag)
			}
			fmt.Fprintf(&b, "    %s-->>%s: %s\n", server, lane, escape(strings.TrimSpace(ans)))
		case note, wideNote:
			over := lane
			if s.kind == wideNote {
				over += "," + server
			}
			text := s.text
			for i, tag := range s.etags {
				text = strings.ReplaceAll(text, mark(i), names.name(tag))
			}
			fmt.Fprintf(&b, "    Note over %s: %s\n", over, escape(text))
		}
	}
	return b.String(), names.order
}

// plainID matches the participant names written as they are.
var plainID = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// keywords are words of Mermaid's sequence diagrams that cannot be a
// participant's id.
var keywords = map[string]bool{
	"end": true, "loop": true, "alt": true, "else": true, "opt": true, "par": true, "and": true,
	"rect": true, "critical": true, "option": true, "break": true, "note": true, "over": true,
	"participant": true, "actor": true, "activate": true, "deactivate": true, "autonumber": true,
	"box": true, "link": true, "links": true, "properties": true, "details": true, "title": true,
	"create": true, "destroy": true, "left": true, "right": true, "of": true,
}

// escape makes text safe in a Mermaid message or note: '#', ';', '<' and
// '>' and line breaks would be read as markup.
func escape(text string) string {
	return strings.NewReplacer(
		"#", "#35;",
		";", "#59;",
		"<", "#lt;",
		">", "#gt;",
		"\r", " ",
		"\n", " ",
	).Replace(text)
}

// etagNames writes ETags as sent or, when short, as "e1", "e2", ... in
// the order they first appear; a weak ETag is named by its opaque tag, so
// that W/"x" and "x" are W/"e1" and "e1".
type etagNames struct {
	short bool
	index map[string]int
	order []string
}

func (n *etagNames) name(tag string) string {
	if !n.short || tag == "*" {
		return tag
	}
	weak, opaque := "", tag
	if strings.HasPrefix(tag, "W/") {
		weak, opaque = "W/", tag[2:]
	}
	i, ok := n.index[opaque]
	if !ok {
		n.order = append(n.order, opaque)
		i = len(n.order)
		n.index[opaque] = i
	}
	return fmt.Sprintf(`%s"e%d"`, weak, i)
}
