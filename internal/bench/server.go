package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

// serveFlag, as the first argument, makes the program the server process:
// the test LRS on 127.0.0.1, its URL on the first line of stdout, until
// stdin closes.
const serveFlag = "-serve"

// counts are the requests a server process answered since its last reset,
// by method and status.
type counts struct {
	Gets, Puts, Others int
	Conns              int // connections opened
	Status412          int
	PutStatus          map[int]int
}

// countingHandler counts the requests it passes to next and the statuses
// answered.
type countingHandler struct {
	next http.Handler

	mu sync.Mutex
	c  counts
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// Hijack passes hijacking through, for the faults that drop connections.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("bench: response writer cannot hijack")
	}
	return h.Hijack()
}

func (h *countingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sw := &statusWriter{ResponseWriter: w}
	h.next.ServeHTTP(sw, r)
	h.mu.Lock()
	defer h.mu.Unlock()
	switch r.Method {
	case http.MethodGet:
		h.c.Gets++
	case http.MethodPut:
		h.c.Puts++
		if h.c.PutStatus == nil {
			h.c.PutStatus = map[int]int{}
		}
		h.c.PutStatus[sw.status]++
	default:
		h.c.Others++
	}
	if sw.status == http.StatusPreconditionFailed {
		h.c.Status412++
	}
}

func (h *countingHandler) take() counts {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.c
	h.c = counts{}
	return c
}

// serve runs the server process: the statedoctest LRS, every request to it
// paused by latency (outside the server's lock), and /_bench/counts, which
// answers the counts since the last call and resets them.
func serve(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	latency := fs.Duration("latency", 0, "pause before each request is taken in")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	opts := &statedoctest.Options{MaxDocumentSize: 8 << 20}
	if *latency > 0 {
		opts.Faults = statedoctest.FaultPlan{Rules: []statedoctest.Fault{{
			Kind:    statedoctest.Latency,
			Methods: []string{http.MethodGet, http.MethodHead, http.MethodPut, http.MethodPost, http.MethodDelete},
			Delay:   *latency,
		}}}
	}
	srv := statedoctest.NewUnstartedServer(opts)
	counting := &countingHandler{next: srv.Handler()}
	mux := http.NewServeMux()
	mux.Handle("/xapi/", counting)
	mux.HandleFunc("/_bench/counts", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(counting.take())
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(stderr, "bench server:", err)
		return 1
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				counting.mu.Lock()
				counting.c.Conns++
				counting.mu.Unlock()
			}
		}}
	done := make(chan struct{})
	// The log of exchanges is not needed: drop it as it grows.
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				srv.TakeLog()
			}
		}
	}()
	go func() {
		_, _ = io.Copy(io.Discard, stdin)
		close(done)
		_ = hs.Close()
	}()
	fmt.Fprintf(stdout, "http://%s/xapi\n", ln.Addr())
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(stderr, "bench server:", err)
		return 1
	}
	return 0
}

// server is a server process started by startServer.
type server struct {
	URL   string // the xAPI endpoint
	base  string // scheme and host
	cmd   *exec.Cmd
	stdin io.WriteCloser
	http  *http.Client
	done  atomic.Bool
}

// startServer re-executes this program as a server process that pauses
// each request for latency.
func startServer(ctx context.Context, latency time.Duration) (*server, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe, serveFlag, "-latency", latency.String())
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = stdin.Close()
		_ = cmd.Wait()
		return nil, fmt.Errorf("bench: server process: %w", err)
	}
	u := strings.TrimSpace(line)
	return &server{
		URL:   u,
		base:  strings.TrimSuffix(u, "/xapi"),
		cmd:   cmd,
		stdin: stdin,
		http:  &http.Client{Transport: newTransport()},
	}, nil
}

// counts returns the requests the server answered since the last call.
func (s *server) counts() (counts, error) {
	var c counts
	resp, err := s.http.Get(s.base + "/_bench/counts")
	if err != nil {
		return c, err
	}
	defer resp.Body.Close()
	err = json.NewDecoder(resp.Body).Decode(&c)
	return c, err
}

// Close stops the server process.
func (s *server) Close() {
	if s.done.Swap(true) {
		return
	}
	_ = s.stdin.Close()
	_ = s.cmd.Wait()
}

// newTransport returns a transport of its own for one client, keeping
// enough idle connections that no request has to dial.
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy:               nil,
		MaxIdleConns:        512,
		MaxIdleConnsPerHost: 512,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
}
