package client

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
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
	waitMin  time.Duration
	waitMax  time.Duration
	obs      *observers
	// quietUntil is the time, in Unix nanoseconds, before which no request
	// of this client is sent: the server answered 429 (or 503 with
	// Retry-After) and asked the whole client to slow down.
	quietUntil atomic.Int64
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

// waitsKey marks, in a request's context, a write whose "come back later"
// answers (429, 503 with Retry-After) go back to the caller instead of
// being re-sent as they are: the engine waits, reads the document again
// and writes on the version it finds, since a wait of seconds makes the
// version the write was based on old.
type waitsKey struct{}

// callerWaits returns ctx marked with waitsKey.
func callerWaits(ctx context.Context) context.Context {
	return context.WithValue(ctx, waitsKey{}, true)
}

func newTransport(s settings, header http.Header, obs *observers) *transport {
	t := &transport{header: header, username: s.username, password: s.password, waitMin: s.waitMin, waitMax: s.waitMax, obs: obs}
	t.rc = &retryablehttp.Client{
		HTTPClient:   keepIdle(s.httpClient, t.hush),
		Logger:       nil,
		RetryWaitMin: s.waitMin,
		RetryWaitMax: s.waitMax,
		RetryMax:     s.transportRetries,
		CheckRetry:   t.checkRetry,
		Backoff:      transportBackoff,
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	return t
}

// keepIdle returns a copy of hc whose CloseIdleConnections does nothing:
// retryablehttp calls it after every failed request, and it must not empty
// the connection pool the caller's client shares with the rest of the
// process. The copy never follows a redirect of a request that is not a
// read: net/http would re-send a PUT answered 301, 302 or 303 as a GET and
// return that GET's answer as the PUT's. Reads follow redirects as hc does.
//
// Every request, re-sends included, first waits out the pause the server
// asked of the whole client (hush).
func keepIdle(hc *http.Client, hush func(context.Context) error) *http.Client {
	c := *hc
	rt := c.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	c.Transport = roundTripperOnly{rt: rt, hush: hush}
	follow := hc.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if m := via[0].Method; m != http.MethodGet && m != http.MethodHead {
			return http.ErrUseLastResponse
		}
		if follow != nil {
			return follow(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &c
}

// roundTripperOnly hides every method of a RoundTripper but RoundTrip,
// which waits as hush says before it sends.
type roundTripperOnly struct {
	rt   http.RoundTripper
	hush func(context.Context) error
}

func (r roundTripperOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	if r.hush != nil {
		if err := r.hush(req.Context()); err != nil {
			if req.Body != nil {
				req.Body.Close()
			}
			return nil, quietError{err}
		}
	}
	return r.rt.RoundTrip(req)
}

// quietError is the end of a request's context while it waited, unsent,
// for the pause the server asked of the client.
type quietError struct{ err error }

func (e quietError) Error() string { return "waiting to send as the server asked: " + e.err.Error() }
func (e quietError) Unwrap() error { return e.err }

// checkRetry re-sends reads on transient network errors, 429 and 5xx (but
// 501), and writes only on 429 or when the connection failed before the
// request left. An answer whose Retry-After asks for a longer wait than
// TransportWaitMax is returned as it is rather than re-sent early.
func (t *transport) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	safe, _ := ctx.Value(safeKey{}).(bool)
	retry := false
	if err != nil {
		retry = dialFailed(err) || (safe && transient(err))
	} else {
		if notProcessed(resp.StatusCode, resp.Header) {
			t.quiet(resp.StatusCode, resp.Header)
		}
		switch {
		case notProcessed(resp.StatusCode, resp.Header):
			// The server says it did not act: safe for writes too, unless
			// the caller waits and retries itself.
			waits, _ := ctx.Value(waitsKey{}).(bool)
			retry = !waits
		case safe && resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
			retry = true
		}
		if retry && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
			if d, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok && d > t.waitMax {
				retry = false
			}
		}
	}
	if retry && ctx.Err() != nil {
		return false, nil // the answer or error at hand is returned as it is
	}
	return retry, nil
}

// notProcessed reports whether an answer says the request was not acted
// on, so that a write may be sent again: 429, and 503 with Retry-After.
func notProcessed(status int, h http.Header) bool {
	return status == http.StatusTooManyRequests ||
		status == http.StatusServiceUnavailable && h.Get("Retry-After") != ""
}

// dialFailed reports whether the connection could not be opened: a retry
// may find the server up. (A refused TLS handshake would be refused again.)
func dialFailed(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// notSent reports whether err shows that the request never reached a server:
// the connection could not be opened, or the TLS handshake failed before
// any of the request was written.
func notSent(err error) bool {
	var q quietError
	return dialFailed(err) || tlsRefused(err) || errors.As(err, &q)
}

// tlsRefused reports whether the TLS handshake or the server's certificate
// was refused.
func tlsRefused(err error) bool {
	var (
		verify   *tls.CertificateVerificationError
		record   tls.RecordHeaderError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
	)
	return errors.As(err, &verify) || errors.As(err, &record) || errors.As(err, &unknown) ||
		errors.As(err, &hostname) || errors.As(err, &invalid)
}

// transient reports network failures a re-send may mend: timeouts, resets,
// a connection closed before the answer. Certificate, TLS, scheme and
// redirect-policy errors, and the end of the request's context, are not
// among them.
func transient(err error) bool {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || tlsRefused(err) {
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)
}

// transportBackoff waits what Retry-After asks on 429 and 503 (checkRetry
// has made sure it is within hi), and otherwise a full-jitter wait within
// [lo, hi].
func transportBackoff(lo, hi time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp == nil {
		return waitFor(lo, hi, attempt, 0, nil)
	}
	return waitFor(lo, hi, attempt, resp.StatusCode, resp.Header)
}

// waitFor is transportBackoff for an answer already read (status 0: none).
func waitFor(lo, hi time.Duration, attempt, status int, h http.Header) time.Duration {
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		if d, ok := retryAfter(h.Get("Retry-After"), time.Now()); ok {
			return min(d, hi)
		}
	}
	if hi <= lo {
		return lo
	}
	return lo + backoff.FullJitter(attempt+1, min(lo, hi-lo), hi-lo)
}

// retryAfter parses a Retry-After value: delay-seconds or an HTTP-date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 32); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// do sends method to u with the given extra headers and body and reads the
// whole answer. safe says whether the request may be re-sent after it could
// have reached the server. For a write, an answer whose status line arrived
// counts even if its body could not be read: the status says what happened.
func (t *transport) do(ctx context.Context, method, u string, header http.Header, body []byte, safe bool) (*response, error) {
	began := time.Now()
	resp, err := t.send(ctx, method, u, header, body, safe)
	if t.obs.on() {
		e := Event{Kind: EventExchange, Time: began, Method: method, URL: redact(u), IfMatch: header.Get("If-Match"),
			IfNoneMatch: header.Get("If-None-Match"), Duration: time.Since(began), Err: err}
		if err == nil {
			e.Status, e.ETag = resp.status, resp.etag()
		}
		t.obs.emit(ctx, e)
	}
	return resp, err
}

// quiet makes every request of the client wait as an answer asked: its
// Retry-After (at most TransportWaitMax), or TransportWaitMin without one.
func (t *transport) quiet(status int, h http.Header) {
	d := t.waitMin
	if ra, ok := retryAfter(h.Get("Retry-After"), time.Now()); ok {
		d = min(ra, t.waitMax)
	}
	until := time.Now().Add(d).UnixNano()
	for {
		cur := t.quietUntil.Load()
		if cur >= until || t.quietUntil.CompareAndSwap(cur, until) {
			return
		}
	}
}

// hush waits until the client may send again (see quiet), however often
// the pause is made longer meanwhile.
func (t *transport) hush(ctx context.Context) error {
	for {
		d := t.quietFor()
		if d <= 0 {
			return nil
		}
		t.obs.emit(ctx, Event{Kind: EventWait, Message: "the server asked the client to slow down", Duration: d})
		if err := backoff.Sleep(ctx, d); err != nil {
			return err
		}
	}
}

// quietFor is how long the client must still wait before it sends.
func (t *transport) quietFor() time.Duration {
	return time.Until(time.Unix(0, t.quietUntil.Load()))
}

func (t *transport) send(ctx context.Context, method, u string, header http.Header, body []byte, safe bool) (*response, error) {
	var raw any
	if body != nil {
		raw = body
	}
	req, err := retryablehttp.NewRequestWithContext(context.WithValue(ctx, safeKey{}, safe), method, u, raw)
	if err != nil {
		return nil, wrap(ErrNotSent, newRequestError(method, u, err))
	}
	for k, vs := range t.header {
		req.Header[k] = vs
	}
	for k, vs := range header {
		for _, v := range vs {
			if !headerSafe(v) {
				return nil, wrap(ErrNotSent, newRequestError(method, u,
					fmt.Errorf("header %s holds %q, which is not a valid header value", k, v)))
			}
		}
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
		err = newRequestError(method, u, err)
		if notSent(err) {
			return nil, wrap(ErrNotSent, err)
		}
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err == nil && len(data) > maxBody {
		err = fmt.Errorf("%w: response body larger than %d bytes", ErrInvalidDocument, maxBody)
	}
	if enc := resp.Header.Get("Content-Encoding"); err == nil && enc != "" && !resp.Uncompressed && resp.StatusCode/100 == 2 {
		// Asked for the identity encoding, and compressed all the same.
		if data, err = decode(enc, data); err == nil {
			resp.Header.Del("Content-Encoding")
		}
	}
	switch {
	case err != nil && safe:
		return nil, newRequestError(method, u, fmt.Errorf("read body: %w", err))
	case err != nil:
		// The status of a write's answer says what happened, whatever its
		// body.
		t.obs.emit(ctx, Event{Kind: EventNote, Message: "answer body lost; the status stands", Method: method, URL: redact(u), Err: err})
		data = nil
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// decode undoes a Content-Encoding: reads ask for the identity encoding
// (a compressed answer may carry an ETag of its own), but a server may
// compress all the same.
func decode(enc string, data []byte) ([]byte, error) {
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "identity":
		return data, nil
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%w: gzip body: %v", ErrInvalidDocument, err)
		}
		out, err := io.ReadAll(io.LimitReader(zr, maxBody+1))
		if err != nil {
			return nil, fmt.Errorf("%w: gzip body: %v", ErrInvalidDocument, err)
		}
		if len(out) > maxBody {
			return nil, fmt.Errorf("%w: response body larger than %d bytes", ErrInvalidDocument, maxBody)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: the answer is encoded as %q, which the client does not decode", ErrInvalidDocument, enc)
}

// requestError is a request that got no usable answer: it names the
// request once, however the cause names it.
type requestError struct {
	method, url string
	err         error
}

// newRequestError is the one constructor of requestError: it removes user
// information from the URL, and from the URL a *url.Error cause carries.
func newRequestError(method, u string, err error) *requestError {
	return &requestError{method: method, url: redact(u), err: scrub(err)}
}

func (e *requestError) Error() string { return prefix + e.method + " " + e.url + ": " + e.cause() }
func (e *requestError) brief() string { return e.method + ": " + e.cause() }
func (e *requestError) Unwrap() error { return e.err }

// cause is the error without the request a *url.Error repeats.
func (e *requestError) cause() string {
	var ue *url.Error
	if errors.As(e.err, &ue) && ue.Err != nil {
		return ue.Err.Error()
	}
	return e.err.Error()
}

// headerSafe reports whether v can be sent as a header value: no control
// characters other than horizontal tab.
func headerSafe(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// scrub removes user information from the URL of a *url.Error, which
// net/http fills from the request (a redirect's Location may carry some).
// The error belongs to this request alone, so it is changed in place.
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = redact(ue.URL)
	}
	return err
}

// redactEndpoint is redact for a text that may not parse as an absolute
// URL, such as an endpoint missing its scheme ("key:secret@lrs/xapi"):
// everything up to the last '@' before the path is hidden.
func redactEndpoint(s string) string {
	if u, err := url.Parse(s); err == nil && u.Scheme != "" && u.Host != "" && u.Opaque == "" {
		return redact(s)
	}
	// Whatever does not parse may hide a password holding '/' or '@':
	// everything up to the last '@' goes.
	if at := strings.LastIndex(s, "@"); at >= 0 {
		return "…" + s[at:]
	}
	return s
}

// redact removes user information (name and password) from a URL for errors
// and logs.
func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "<invalid URL>"
	}
	p.User = nil
	return p.String()
}
