package fault

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Injection is the fault injected into one request: the rule that fired.
// A nil *Injection is no fault.
type Injection struct {
	rule   Rule // with its defaults
	method string
}

// Kind returns the kind of fault, None for a nil Injection.
func (in *Injection) Kind() Kind {
	if in == nil {
		return None
	}
	return in.rule.Kind
}

// Rule returns the rule that fired, with its defaults filled in (Status,
// Delay, Methods in upper case; nil Methods for every method).
func (in *Injection) Rule() Rule {
	if in == nil {
		return Rule{}
	}
	r := in.rule
	r.Methods = append([]string(nil), r.Methods...)
	return r
}

// CallsNext reports whether the wrapped handler runs for the request:
// true for CommitThenDrop, ServerError with Apply, Latency, WeakETag,
// StripETag and StripWriteETag (and for a nil Injection); false for
// DropBefore, ServerError without Apply, TooManyRequests and Conflict.
func (in *Injection) CallsNext() bool {
	if in == nil {
		return true
	}
	switch in.rule.Kind {
	case DropBefore, TooManyRequests, Conflict:
		return false
	case ServerError:
		return in.rule.Apply
	}
	return true
}

// Drops reports whether the connection is closed without an answer:
// CommitThenDrop and DropBefore.
func (in *Injection) Drops() bool {
	k := in.Kind()
	return k == CommitThenDrop || k == DropBefore
}

// Answer returns what the client receives when the handler answered
// status, header and body (all ignored when the handler does not run; see
// CallsNext): the same answer with its ETag rewritten for WeakETag,
// StripETag and StripWriteETag, unchanged for Latency and a nil
// Injection; status 0, an empty header and no body for a drop; the
// injected answer for ServerError, TooManyRequests and Conflict. The
// injected answer has a short text/plain body (none for HEAD), an explicit
// Content-Length and, where the rule asks for it, Retry-After. The header
// returned is a copy; header is not changed.
func (in *Injection) Answer(status int, header http.Header, body []byte) (int, http.Header, []byte) {
	if in.Drops() {
		return 0, http.Header{}, nil
	}
	if in.CallsNext() && in.Kind() != ServerError {
		h := header.Clone()
		if h == nil {
			h = http.Header{}
		}
		in.rewrite(status, h)
		return status, h, body
	}
	return in.injected()
}

// injected returns the answer of a ServerError, TooManyRequests or
// Conflict.
func (in *Injection) injected() (int, http.Header, []byte) {
	status := in.rule.Status
	if in.rule.Kind == TooManyRequests {
		status = http.StatusTooManyRequests
	}
	body := []byte(strconv.Itoa(status) + " " + http.StatusText(status) + " (injected fault)\n")
	h := http.Header{}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if in.rule.RetryAfter > 0 || in.rule.Kind == TooManyRequests {
		secs := int64((in.rule.RetryAfter + time.Second - 1) / time.Second)
		h.Set("Retry-After", strconv.FormatInt(secs, 10))
	}
	if in.method == http.MethodHead {
		body = nil
	}
	return status, h, body
}

// rewrite changes the ETag of an answer with the given status in place,
// for WeakETag, StripETag and StripWriteETag. It finds the field under any
// spelling of its name, so a handler that set h["ETag"] directly is
// rewritten too.
func (in *Injection) rewrite(status int, h http.Header) {
	var names []string
	for name := range h {
		if strings.EqualFold(name, "ETag") {
			names = append(names, name)
		}
	}
	switch in.Kind() {
	case WeakETag:
		for _, name := range names {
			for i, v := range h[name] {
				h[name][i] = weaken(v)
			}
		}
	case StripWriteETag:
		if status < 200 || status > 299 {
			return
		}
		fallthrough
	case StripETag:
		for _, name := range names {
			delete(h, name)
		}
	}
}

// weaken returns the weak form of the entity tag v.
func weaken(v string) string {
	v = strings.TrimSpace(v)
	switch {
	case v == "" || strings.HasPrefix(v, "W/"):
		return v
	case len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"':
		return "W/" + v
	}
	return `W/"` + strings.ReplaceAll(v, `"`, "") + `"`
}

// contextKey is the type of the context key under which the Injection of
// a request is stored.
type contextKey struct{}

// FromContext returns the fault injected into the request whose context
// is ctx, or nil. The wrapped handler calls it with its request's context
// to learn what the client will receive instead of its own answer (see
// Injection.Answer).
func FromContext(ctx context.Context) *Injection {
	in, _ := ctx.Value(contextKey{}).(*Injection)
	return in
}

// Wrap returns a handler that injects inj's faults into the requests it
// passes to next. A nil *Injector returns next itself.
//
// The handler it returns tries inj's rules on each request, in order, and
// injects the fault of the first that fires (see Rule); without one it
// calls next unchanged. When next runs, it runs with the request whose
// context carries the Injection (FromContext) and reads the request body
// itself; when it does not, the body is left unread. CommitThenDrop and
// ServerError with Apply run next with a ResponseWriter that throws its
// answer away, so nothing it writes reaches the client, and then drop the connection (by hijacking and
// closing it) or write the error. Latency sleeps for the delay, whether
// or not the client is still waiting, then calls next: a client that gave
// up may still have its write applied. WeakETag, StripETag and
// StripWriteETag give next a ResponseWriter that rewrites the header when
// next writes its status (or, if next writes nothing, when it returns).
func (inj *Injector) Wrap(next http.Handler) http.Handler {
	return inj.WrapSkipped(next, nil)
}

// WrapSkipped is Wrap with a hook: skipped, when not nil, is called with
// each request next does not see (see Injection.CallsNext) and its
// Injection, before the injector answers or drops it. It may read the
// request body. A nil *Injector returns next itself.
func (inj *Injector) WrapSkipped(next http.Handler, skipped func(r *http.Request, in *Injection)) http.Handler {
	if inj == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in := inj.pick(r.Method)
		if in == nil {
			next.ServeHTTP(w, r)
			return
		}
		if !in.CallsNext() {
			if skipped != nil {
				skipped(r, in)
			}
			if in.Drops() {
				drop(w)
				return
			}
			status, header, body := in.injected()
			writeAnswer(w, status, header, body)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), contextKey{}, in))
		switch in.rule.Kind {
		case Latency:
			time.Sleep(in.rule.Delay)
			next.ServeHTTP(w, r)
		case CommitThenDrop:
			next.ServeHTTP(&recorder{header: http.Header{}}, r)
			drop(w)
		case ServerError: // with Apply
			next.ServeHTTP(&recorder{header: http.Header{}}, r)
			status, header, body := in.injected()
			writeAnswer(w, status, header, body)
		default: // WeakETag, StripETag, StripWriteETag
			rw := &rewriter{ResponseWriter: w, in: in}
			next.ServeHTTP(rw, r)
			if !rw.wroteHeader {
				in.rewrite(http.StatusOK, w.Header())
			}
		}
	})
}

// writeAnswer sends an injected answer.
func writeAnswer(w http.ResponseWriter, status int, header http.Header, body []byte) {
	h := w.Header()
	for name, values := range header {
		h[name] = values
	}
	w.WriteHeader(status)
	if len(body) > 0 {
		_, _ = w.Write(body)
	}
}

// drop closes the request's connection without an answer. It hijacks the
// connection; when that is not possible (HTTP/2, or a ResponseWriter that
// hides its connection) it aborts the handler with http.ErrAbortHandler,
// on which net/http closes the connection or resets the stream without
// answering.
func drop(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// recorder is the ResponseWriter that CommitThenDrop and ServerError with
// Apply give the handler: it throws away what the handler writes, so that
// nothing reaches the client.
type recorder struct {
	header http.Header
}

func (rec *recorder) Header() http.Header { return rec.header }

func (rec *recorder) WriteHeader(int) {}

func (rec *recorder) Write(b []byte) (int, error) { return len(b), nil }

// rewriter is the ResponseWriter that WeakETag, StripETag and
// StripWriteETag give the handler: it rewrites the ETag just before the
// final status is written.
type rewriter struct {
	http.ResponseWriter
	in          *Injection
	wroteHeader bool
}

func (rw *rewriter) WriteHeader(status int) {
	if !rw.wroteHeader && status >= 200 {
		rw.wroteHeader = true
		rw.in.rewrite(status, rw.ResponseWriter.Header())
	}
	rw.ResponseWriter.WriteHeader(status)
}

func (rw *rewriter) Write(b []byte) (int, error) {
	if !rw.wroteHeader {
		rw.WriteHeader(http.StatusOK)
	}
	return rw.ResponseWriter.Write(b)
}

// Unwrap returns the underlying ResponseWriter, for
// http.ResponseController.
func (rw *rewriter) Unwrap() http.ResponseWriter { return rw.ResponseWriter }
