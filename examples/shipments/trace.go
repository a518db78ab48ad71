package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
)

// tracer prints one line per exchange, in order, for every client it
// wraps, followed by the body of a write. The version returned is the
// answer's ETag header or, without one, the eTag member of its JSON body.
type tracer struct {
	mu  sync.Mutex
	out io.Writer
}

func (t *tracer) wrap(name string, next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		var sent []byte
		if req.GetBody != nil {
			if rc, err := req.GetBody(); err == nil {
				sent, _ = io.ReadAll(rc)
				rc.Close()
			}
		}
		resp, err := next.RoundTrip(req)
		version := "-"
		if err == nil {
			// Read the answer to find its version, and hand the client
			// an unread copy.
			var body []byte
			body, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			resp.Body = io.NopCloser(bytes.NewReader(body))
			version = versionOf(resp.Header, body)
		}
		t.mu.Lock()
		defer t.mu.Unlock()
		cond := "-"
		if v := req.Header.Get("If-Match"); v != "" {
			cond = "If-Match: " + v
		} else if v := req.Header.Get("If-None-Match"); v != "" {
			cond = "If-None-Match: " + v
		}
		if err != nil {
			fmt.Fprintf(t.out, "%-9s %-5s %-12s %-50s -> error %v\n", name, req.Method, req.URL.Path, cond, err)
			return resp, err
		}
		fmt.Fprintf(t.out, "%-9s %-5s %-12s %-50s -> %d %-19s eTag: %s", name, req.Method, req.URL.Path, cond,
			resp.StatusCode, http.StatusText(resp.StatusCode), version)
		if loc := resp.Header.Get("Location"); loc != "" {
			fmt.Fprintf(t.out, "  Location: %s", loc)
		}
		fmt.Fprintln(t.out)
		if len(sent) > 0 {
			fmt.Fprintf(t.out, "%9s %s %s\n", "", req.Header.Get("Content-Type"), sent)
		}
		return resp, nil
	})
}

// versionOf returns the version an answer carries: its ETag header, else
// the eTag member of its JSON body, else "-".
func versionOf(header http.Header, body []byte) string {
	if v := header.Get("ETag"); v != "" {
		return v
	}
	var doc struct {
		ETag *string `json:"eTag"`
	}
	if json.Unmarshal(body, &doc) == nil && doc.ETag != nil {
		return *doc.ETag
	}
	return "-"
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
