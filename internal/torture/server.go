package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// serverPackage is the test server's import path, built from this module
// (which replaces the SDK with the repository's own).
const serverPackage = "github.com/ifmatch/ifmatch/examples/stateserver"

// buildServer builds the test server into dir and returns the binary's
// path.
func buildServer(ctx context.Context, dir string, stderr io.Writer) (string, error) {
	bin := filepath.Join(dir, "stateserver")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, serverPackage)
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build %s (run from the module internal/torture, or pass -server): %w", serverPackage, err)
	}
	return bin, nil
}

// serverProc is a running test server.
type serverProc struct {
	cmd  *exec.Cmd
	url  string // the LRS endpoint, ".../xapi"
	done chan error
}

// serverLine starts the first line the test server prints.
const serverLine = "stateserver: serving "

// startServer starts the test server bin with args and waits for the
// line that gives its address.
func startServer(bin string, args []string, stderr io.Writer) (*serverProc, error) {
	cmd := exec.Command(bin, args...)
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	p := &serverProc{cmd: cmd, done: make(chan error, 1)}
	first := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		if sc.Scan() {
			first <- sc.Text()
		}
		close(first)
		for sc.Scan() { // the request log, when not -quiet
		}
		_, _ = io.Copy(io.Discard, out)
		p.done <- cmd.Wait()
	}()
	select {
	case line, ok := <-first:
		if ok && strings.HasPrefix(line, serverLine) {
			p.url = strings.TrimSpace(strings.TrimPrefix(line, serverLine))
			return p, nil
		}
		p.kill()
		return nil, fmt.Errorf("the test server's first line is %q, not %q…", line, serverLine)
	case <-time.After(30 * time.Second):
		p.kill()
		return nil, errors.New("the test server gave no address within 30 s")
	}
}

func (p *serverProc) kill() {
	_ = p.cmd.Process.Kill()
}

// stop sends SIGTERM to the server and waits for it to exit (killing it
// after 10 s).
func (p *serverProc) stop() error {
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case err := <-p.done:
		return err
	case <-time.After(10 * time.Second):
		p.kill()
		<-p.done
		return errors.New("the test server did not stop within 10 s of SIGTERM")
	}
}

// faultCounts reads the server's fault counts by kind, and "total".
func (p *serverProc) faultCounts(ctx context.Context) (map[string]int, error) {
	u := strings.TrimSuffix(strings.TrimSuffix(p.url, "/"), "/xapi") + "/_stateserver/faults"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	counts := map[string]int{}
	if err := json.NewDecoder(resp.Body).Decode(&counts); err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	return counts, nil
}

// executable is the program's own binary, which worker processes run.
func executable() (string, error) {
	if exe, err := os.Executable(); err == nil {
		return exe, nil
	}
	return filepath.Abs(os.Args[0])
}
