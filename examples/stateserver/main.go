// Command stateserver serves the in-memory xAPI LRS of package
// statedoc/statedoctest on an address, with its fault injection, for test
// harnesses in any language: JavaScript xAPI clients (browser content
// included), Python LMS tests, a torture program run as a separate
// process.
//
//	go run ./examples/stateserver -addr 127.0.0.1:8080 -faults commit-then-drop=0.05,503=0.05
//	go run ./examples/stateserver -cors http://localhost:8000,https://content.example.com
//
// The LRS endpoint is http://HOST:PORT/xapi, with the resources
// statedoctest documents below it:
//
//	/xapi/activities/state     the State Resource
//	/xapi/activities/profile   the Activity Profile Resource
//	/xapi/agents/profile       the Agent Profile Resource
//	/xapi/about                the versions the server speaks, without credentials
//
// The three document resources take PUT, POST, GET, HEAD and DELETE, with
// the X-Experience-API-Version check, SHA-1 ETags and the RFC 9110
// preconditions; a PUT without If-Match or If-None-Match onto an existing
// profile document answers 409. In 1.0.3 mode they also take the
// alternate request syntax of xAPI 1.0.3 §1.3 (a POST with ?method=PUT
// and the request in a form), which browser builds of xAPI libraries use
// across origins. Documents live in memory until the program ends.
//
// The flags:
//
//	-addr host:port
//		the address to listen on (default 127.0.0.1:8080); port 0
//		picks a free port, printed on the first line
//	-version 1.0.3|2.0.0
//		the xAPI version the server speaks (default 1.0.3): requests must
//		carry an X-Experience-API-Version it accepts, and in 2.0.0 a PUT
//		onto an existing document without If-Match or If-None-Match
//		answers 409
//	-user name, -pass secret
//		when -user is set, every request to /xapi must carry these HTTP
//		Basic credentials (401 otherwise); -pass needs -user
//	-max-size bytes
//		the largest document stored, larger ones get 413 (default 0: the
//		package default, 1 MiB)
//	-preconditions enforce|ignore|check-then-write
//		enforce (the default) checks a write's preconditions and applies
//		it under one lock; ignore performs writes as if they had none;
//		check-then-write checks, pauses 2 ms without the lock, then
//		writes, so concurrent writes with the same If-Match can all win
//	-faults mix
//		faults to inject, as comma-separated kind=probability items, some
//		with a :param; see below (default none)
//	-seed n
//		the seed of the faults' random source (default 1): the same mix,
//		seed and sequence of requests give the same faults
//	-cors origins
//		comma-separated origins whose browser scripts may call the
//		server, such as http://localhost:8000 ("*" for all, "null" for
//		files opened in a browser): preflights are answered, and answers
//		expose ETag and Last-Modified to scripts (default none: no CORS)
//	-quiet
//		no request log
//
// The -faults kinds apply to the writes (PUT, POST and DELETE), except
// weak-etag and no-etag, which apply to every request. Each request gets
// the fault of the first item that fires, in the order given; a
// probability is a number from 0 to 1 (1: every request, 0: none):
//
//	commit-then-drop=P      the write is applied, then the connection is closed without an answer
//	drop-before=P           the connection is closed before the request is handled: nothing applied
//	500=P, 502=P, 503=P     that status, the request not handled
//	500-applied=P           500 after the write was applied
//	503-retry=P[:seconds]   503 with Retry-After (default 1 s), not handled
//	429=P[:seconds]         429 with Retry-After (default 0 s), not handled
//	latency=P[:duration]    a pause before the request is handled (default 100ms), as in latency=0.1:5ms
//	conflict=P              412 without applying the write
//	weak-etag=P             the answer's ETag made weak, W/"..."
//	no-etag=P               the answer without its ETag
//	no-write-etag=P         a 2xx answer to a write without its ETag
//
// Output, on stdout. The first line is
//
//	stateserver: serving http://HOST:PORT/xapi
//
// printed once the server listens, with the port it got (an unspecified
// host, as in -addr :8080 or 0.0.0.0:8080, is printed as 127.0.0.1), so a
// parent process can read the URL from it. Then, unless
// -quiet, one line per request to /xapi once it is answered:
//
//	2025-06-01T12:00:00.123Z PUT stateId=progress If-Match="5d41..." status=204
//	2025-06-01T12:00:00.130Z PUT stateId=progress If-None-Match=* status=dropped fault=CommitThenDrop handled=204
//	2025-06-01T12:00:00.140Z GET profileId=prefs path=/xapi/agents/profile alternate status=200
//
// with the time (UTC), the method (for the alternate syntax, the method
// the form carried, marked "alternate" after the path), the stateId or,
// on a profile resource, the profileId ("" for none), the path when it is
// not /xapi/activities/state, the If-Match, If-None-Match,
// If-Unmodified-Since and If-Modified-Since headers sent, the status the
// client received ("dropped" for a closed connection) and, when a fault
// was injected, its kind and the status the server answered before the
// fault replaced or dropped that answer (handled=204: a write applied).
// Values with spaces are quoted as Go strings. Credentials are never
// printed. On SIGINT or SIGTERM the server stops taking requests, lets
// those in flight finish (for up to 5 s) and prints, last,
//
//	stateserver: faults {"CommitThenDrop":3,"DropBefore":1,"total":4}
//
// then exits with status 0. Errors go to stderr: a bad flag exits with
// status 2, a failure to listen with 1.
//
// Two more endpoints, outside /xapi, need no credentials and are not
// logged: GET /_stateserver/faults answers the faults injected so far by
// kind, the same JSON object as the last line, and GET
// /_stateserver/health answers 200 "ok".
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode"

	"github.com/ifmatch/ifmatch/statedoc"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

// shutdownTimeout bounds how long a signalled server waits for the
// requests in flight.
const shutdownTimeout = 5 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second signal ends the program at once
	}()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	var usage *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.As(err, &usage):
		os.Exit(2) // run has told stderr
	default:
		fmt.Fprintln(os.Stderr, "stateserver:", err)
		os.Exit(1)
	}
}

// usageError is a bad command line. run has printed it to stderr.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// config is what the command line asks for.
type config struct {
	addr   string
	cors   string
	opts   statedoctest.Options
	quiet  bool
	seed   int64
	faults string
}

// parseArgs reads the command line. Its errors are *usageError, or
// flag.ErrHelp for -help; both have been printed to stderr.
func parseArgs(args []string, stderr io.Writer) (*config, error) {
	var c config
	var version, pre string
	fs := flag.NewFlagSet("stateserver", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: stateserver [flags]\n\n"+
			"Serves an in-memory xAPI LRS at http://ADDR/xapi, with faults on request:\n"+
			"the State (activities/state), Activity Profile (activities/profile) and\n"+
			"Agent Profile (agents/profile) Resources, and /xapi/about.\n\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "`host:port` to listen on; port 0 picks a free port")
	fs.StringVar(&version, "version", statedoc.Version103, "xAPI `version` to speak: 1.0.3 or 2.0.0")
	fs.StringVar(&c.opts.Username, "user", "", "when set, every request to /xapi must carry Basic credentials: this `name`")
	fs.StringVar(&c.opts.Password, "pass", "", "the Basic credentials' `password` (needs -user)")
	fs.Int64Var(&c.opts.MaxDocumentSize, "max-size", 0, "largest document stored, in `bytes`; larger get 413 (0: 1 MiB)")
	fs.StringVar(&pre, "preconditions", "enforce", "precondition `mode` of writes: enforce, ignore or check-then-write")
	fs.StringVar(&c.faults, "faults", "", "faults to inject: comma-separated kind=P[:param] `items`, tried in order,\n"+
		"P a probability from 0 to 1, on writes (PUT, POST, DELETE) unless said:\n"+
		"  commit-then-drop=P     write applied, connection closed without an answer\n"+
		"  drop-before=P          connection closed before handling: nothing applied\n"+
		"  500=P, 502=P, 503=P    that status, not applied\n"+
		"  500-applied=P          500 after the write was applied\n"+
		"  503-retry=P[:seconds]  503 with Retry-After (default 1), not applied\n"+
		"  429=P[:seconds]        429 with Retry-After (default 0), not applied\n"+
		"  latency=P[:duration]   a pause before handling (default 100ms)\n"+
		"  conflict=P             412, not applied\n"+
		"  weak-etag=P            the answer's ETag made weak (every request)\n"+
		"  no-etag=P              the answer's ETag removed (every request)\n"+
		"  no-write-etag=P        the ETag removed from 2xx answers to writes\n"+
		"e.g. commit-then-drop=0.05,503=0.05,latency=0.1:5ms")
	fs.Int64Var(&c.seed, "seed", 1, "`seed` of the faults' random source")
	fs.StringVar(&c.cors, "cors", "", "comma-separated `origins` whose browser scripts may call the server (\"*\": all)")
	fs.BoolVar(&c.quiet, "quiet", false, "print no request log (only the serving and faults lines)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, &usageError{err}
	}
	bad := func(format string, a ...any) (*config, error) {
		err := fmt.Errorf(format, a...)
		fmt.Fprintf(stderr, "stateserver: %v\nRun stateserver -help for the flags.\n", err)
		return nil, &usageError{err}
	}
	if fs.NArg() > 0 {
		return bad("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	switch version {
	case statedoc.Version103, statedoc.Version200:
		c.opts.Version = version
	default:
		return bad("-version %q: want %s or %s", version, statedoc.Version103, statedoc.Version200)
	}
	switch pre {
	case "enforce":
		c.opts.Preconditions = statedoctest.Enforce
	case "ignore":
		c.opts.Preconditions = statedoctest.Ignore
	case "check-then-write":
		c.opts.Preconditions = statedoctest.CheckThenWrite
	default:
		return bad("-preconditions %q: want enforce, ignore or check-then-write", pre)
	}
	if c.opts.MaxDocumentSize < 0 {
		return bad("-max-size %d: want 0 or more bytes", c.opts.MaxDocumentSize)
	}
	if c.opts.Password != "" && c.opts.Username == "" {
		return bad("-pass needs -user")
	}
	origins, err := parseOrigins(c.cors)
	if err != nil {
		return bad("-cors: %v", err)
	}
	c.opts.CORS = statedoctest.CORS{AllowedOrigins: origins}
	rules, err := parseFaults(c.faults)
	if err != nil {
		return bad("-faults: %v", err)
	}
	c.opts.Faults = statedoctest.FaultPlan{Rules: rules, Seed: c.seed}
	return &c, nil
}

// run serves the endpoint the command line args describe until ctx ends,
// then shuts down and prints the fault counts. It writes the serving line,
// the request log and the counts to stdout, and usage errors to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseArgs(args, stderr)
	if err != nil {
		return err
	}
	srv := statedoctest.NewUnstartedServer(&c.opts)
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	out := &printer{w: stdout}
	out.printf("stateserver: serving http://%s/xapi\n", printedHost(ln.Addr()))

	hs := &http.Server{Handler: handler(srv, out, c.quiet), ReadHeaderTimeout: 30 * time.Second}

	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		_ = hs.Close()
	}
	<-served
	out.last(srv, c.quiet, "stateserver: faults %s\n", faultCounts(srv))
	return nil
}

// handler serves /_stateserver/ itself and passes every other request,
// unchanged, to srv, logged.
func handler(srv *statedoctest.Server, out *printer, quiet bool) http.Handler {
	admin := http.NewServeMux()
	admin.HandleFunc("/_stateserver/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "not found; see /_stateserver/faults and /_stateserver/health", http.StatusNotFound)
	})
	admin.HandleFunc("/_stateserver/faults", readOnly(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(append(faultCounts(srv), '\n'))
	}))
	admin.HandleFunc("/_stateserver/health", readOnly(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok")
	}))
	state := out.logged(srv, quiet)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/_stateserver/") {
			admin.ServeHTTP(w, r)
			return
		}
		state.ServeHTTP(w, r)
	})
}

// printedHost returns addr as host:port for the serving line, with an
// unspecified host replaced by one a client on this machine can dial.
func printedHost(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return addr.String()
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(tcp.Port)) // a wildcard listener takes IPv4 too
}

// readOnly answers 405 to requests other than GET and HEAD.
func readOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h(w, r)
	}
}

// faultCounts returns the faults srv has injected, by kind, and their
// total as "total", as a JSON object with its keys sorted.
func faultCounts(srv *statedoctest.Server) []byte {
	counts := map[string]int{"total": 0}
	for kind, n := range srv.FaultCounts() {
		counts[kind.String()] = n
		counts["total"] += n
	}
	b, _ := json.Marshal(counts) // a map[string]int always encodes
	return b
}

// printer writes whole lines to stdout, one writer at a time.
type printer struct {
	mu   sync.Mutex
	w    io.Writer
	done bool // the last line is printed
}

func (p *printer) printf(format string, a ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, format, a...)
}

// logged returns srv's handler followed, after each request, by a flush
// of srv's log, which keeps the log from growing however long the server
// runs.
func (p *printer) logged(srv *statedoctest.Server, quiet bool) http.Handler {
	h := srv.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer p.flush(srv, quiet)
		h.ServeHTTP(w, r)
	})
}

// flush takes the exchanges srv has logged and, unless quiet, prints a
// line for each. Taking and printing under one lock keeps the lines in
// the order the exchanges were taken.
func (p *printer) flush(srv *statedoctest.Server, quiet bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.flushLocked(srv, quiet)
}

func (p *printer) flushLocked(srv *statedoctest.Server, quiet bool) {
	for _, e := range srv.TakeLog() {
		if !quiet && !p.done {
			fmt.Fprintln(p.w, logLine(time.Now(), e))
		}
	}
}

// last flushes srv's log and prints the last line: after it, nothing is
// printed, not even the exchanges of requests a shutdown that timed out
// left running.
func (p *printer) last(srv *statedoctest.Server, quiet bool, format string, a ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.flushLocked(srv, quiet)
	fmt.Fprintf(p.w, format, a...)
	p.done = true
}

// preconditionHeaders are the request headers a log line shows.
var preconditionHeaders = []string{"If-Match", "If-None-Match", "If-Unmodified-Since", "If-Modified-Since"}

// logLine formats one exchange for the request log.
func logLine(at time.Time, e statedoctest.Exchange) string {
	var b strings.Builder
	b.WriteString(at.UTC().Format("2006-01-02T15:04:05.000Z07:00"))
	b.WriteString(" " + e.Method)
	switch e.Path {
	case "/xapi" + statedoctest.ActivityProfilePath, "/xapi" + statedoctest.AgentProfilePath:
		b.WriteString(" profileId=" + field(e.ProfileID))
	default:
		b.WriteString(" stateId=" + field(e.StateID))
	}
	if e.Path != "/xapi"+statedoctest.StatePath {
		b.WriteString(" path=" + field(e.Path))
	}
	if e.Alternate {
		b.WriteString(" alternate")
	}
	for _, name := range preconditionHeaders {
		if v := e.RequestHeader.Values(name); len(v) > 0 {
			b.WriteString(" " + name + "=" + field(strings.Join(v, ", ")))
		}
	}
	status := strconv.Itoa(e.Status)
	if e.Status == 0 {
		status = "dropped"
	}
	b.WriteString(" status=" + status)
	if e.Fault != statedoctest.NoFault {
		b.WriteString(" fault=" + e.Fault.String())
		if e.HandlerStatus != 0 {
			b.WriteString(" handled=" + strconv.Itoa(e.HandlerStatus))
		}
	}
	return b.String()
}

// field returns v as a log field: as it is, or quoted as a Go string when
// it is empty or holds a space or a control character, so that a field
// never spans two fields or two lines.
func field(v string) string {
	if v == "" || strings.ContainsFunc(v, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return strconv.Quote(v)
	}
	return v
}

// parseOrigins reads the -cors list: comma-separated origins, each "*",
// "null" or scheme://host[:port] without a path.
func parseOrigins(list string) ([]string, error) {
	var origins []string
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if item != "*" && item != "null" {
			u, err := url.Parse(item)
			if err != nil || u.Scheme == "" || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
				return nil, fmt.Errorf("%q: want an origin such as https://content.example.com, \"*\" or \"null\"", item)
			}
		}
		origins = append(origins, item)
	}
	return origins, nil
}
