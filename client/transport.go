package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"syscall"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/ifmatch/ifmatch/internal/backoff"
)

// maxBody bounds the response bodies the client reads (64 MiB).
const maxBody = 64 << 20

// transport sends one request, re-sending it only where that is safe, and
// reads the whole answer. It adds the fixed headers and credentials; the
// engine and the typed layers never see retryablehttp.
type transport struct {
	rc       *retryablehttp.Client
	header   http.Header // sent on every request (e.g. the xAPI version)
	username string
	password string
	log      *slog.Logger
}

// response is a fully read answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r *response) etag() string { return r.header.Get("ETag") }

// safeKey marks, in a request's context, whether the request may be re-sent
// after it may have reached the server (true for reads).
type safeKey struct{}

func newTransport(s settings, header http.Header) *transport {
	rc := &retryablehttp.Client{
		HTTPClient:   s.httpClient,
		Logger:       nil,
		RetryWaitMin: s.waitMin,
		RetryWaitMax: s.waitMax,
		RetryMax:     s.transportRetries,
		CheckRetry:   checkRetry,
		Backoff:      transportBackoff,
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	return &transport{rc: rc, header: header, username: s.username, password: s.password, log: s.logger}
}

// checkRetry re-sends reads on network errors, 429 and 5xx (but 501), and
// writes only on 429 or when the connection failed before the request left.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	safe, _ := ctx.Value(safeKey{}).(bool)
	if err != nil {
		if notSent(err) {
			return true, nil
		}
		return safe && transient(err), nil
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return true, nil
	case safe && (resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented):
		return true, nil
	}
	return false, nil
}

// notSent reports whether err shows that the request never reached a server:
// the connection could not be opened.
func notSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// transient reports network failures a re-send may mend: timeouts, resets,
// a connection closed before the answer. Certificate, scheme and redirect
// errors are not among them.
func transient(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)
}

// transportBackoff honours Retry-After on 429 and 503 (capped by max), and
// otherwise waits with full jitter between min and max.
func transportBackoff(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			if d > max {
				d = max
			}
			return d
		}
	}
	return min + backoff.FullJitter(attempt+1, min, max-min)
}

// retryAfter parses a Retry-After value: delay-seconds or an HTTP-date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// do sends method to u with the given extra headers and body and reads the
// whole answer. safe says whether the request may be re-sent after it could
// have reached the server.
func (t *transport) do(ctx context.Context, method, u string, header http.Header, body []byte, safe bool) (*response, error) {
	var raw any
	if body != nil {
		raw = body
	}
	req, err := retryablehttp.NewRequestWithContext(context.WithValue(ctx, safeKey{}, safe), method, u, raw)
	if err != nil {
		return nil, fmt.Errorf("ifmatch: build %s request: %w", method, err)
	}
	for k, vs := range t.header {
		req.Header[k] = vs
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if t.username != "" {
		req.SetBasicAuth(t.username, t.password)
	}
	resp, err := t.rc.Do(req)
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, fmt.Errorf("ifmatch: %s %s: %w", method, redact(u), err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, fmt.Errorf("ifmatch: %s %s: read body: %w", method, redact(u), err)
	}
	if len(data) > maxBody {
		return nil, fmt.Errorf("ifmatch: %s %s: response body larger than %d bytes", method, redact(u), maxBody)
	}
	t.log.LogAttrs(ctx, slog.LevelDebug, "ifmatch: exchange",
		slog.String("method", method), slog.String("url", redact(u)),
		slog.String("if_match", header.Get("If-Match")), slog.String("if_none_match", header.Get("If-None-Match")),
		slog.Int("status", resp.StatusCode), slog.String("etag", resp.Header.Get("ETag")))
	return &response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// redact removes user information from a URL for errors and logs.
func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "<invalid URL>"
	}
	return p.Redacted()
}
