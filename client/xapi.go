package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ifmatch/ifmatch/merge"
	"github.com/ifmatch/ifmatch/statedoc"
)

// The xAPI front doors (StateClient, ActivityProfileClient,
// AgentProfileClient) are one layer over the typed layer: lrs is what they
// share (the LRS's base URL and version header, negotiated when asked),
// and resource[T] addresses the documents of one resource by their keys.

// lrs is the LRS a client talks to.
type lrs struct {
	base   string      // the xAPI endpoint, without credentials or trailing slash
	header http.Header // sent on every request; holds the version
	tr     *transport
	lms    bool // LRSOptions.LMS

	negotiate bool
	mu        sync.Mutex
	settled   bool          // the version is known (given, or negotiated)
	asking    chan struct{} // closed when the negotiation under way ends
}

// key is what every xAPI document key and list query provides.
type key interface {
	Query() (url.Values, error)
	String() string
}

// resource is the documents of one xAPI document resource.
type resource[T any] struct {
	lrs      *lrs
	endpoint string // <lrs>/activities/state, /activities/profile, /agents/profile
	t        *typed[T]
}

// newResource makes the client of the resource at path (such as
// "activities/profile") of the LRS at endpoint.
func newResource[T any](endpoint, path string, opts *LRSOptions) (*resource[T], error) {
	var (
		shared *Options
		o      LRSOptions
	)
	if opts != nil {
		shared, o = &opts.Options, *opts
	}
	version := o.Version
	if version == "" {
		version = statedoc.Version103
	}
	if !statedoc.Accepts(statedoc.Version103, version) && !statedoc.Accepts(statedoc.Version200, version) {
		return nil, fmt.Errorf("ifmatch: xAPI version %q is neither 1.0.x nor 2.0.x", version)
	}
	u, s, err := endpointSettings(endpoint, shared)
	if err != nil {
		return nil, err
	}
	u.RawQuery, u.Fragment, u.ForceQuery = "", "", false
	header := http.Header{}
	header.Set(statedoc.HeaderVersion, version)
	t, err := newTyped[T](s, header, httpShape)
	if err != nil {
		return nil, err
	}
	l := &lrs{base: strings.TrimSuffix(u.String(), "/"), header: header, tr: t.eng.tr, lms: o.LMS,
		negotiate: o.NegotiateVersion, settled: !o.NegotiateVersion}
	return &resource[T]{lrs: l, endpoint: l.base + "/" + path, t: t}, nil
}

// endpointSettings parses an absolute http(s) URL and resolves opts,
// taking Basic credentials from the URL's user information unless opts
// gives a Username; the URL returned has none.
func endpointSettings(endpoint string, opts *Options) (*url.URL, settings, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, settings{}, fmt.Errorf("ifmatch: endpoint %q is not an absolute http(s) URL", redactEndpoint(endpoint))
	}
	s := resolve(opts)
	if u.User != nil {
		if s.username == "" {
			s.username = u.User.Username()
			s.password, _ = u.User.Password()
		}
		u.User = nil
	}
	return u, s, nil
}

// version returns the version header the client sends, negotiating it
// first when LRSOptions.NegotiateVersion asks for it.
func (l *lrs) version(ctx context.Context) (string, error) {
	if err := l.ready(ctx); err != nil {
		return "", err
	}
	return l.header.Get(statedoc.HeaderVersion), nil
}

// ready negotiates the version once, before the client's first request to
// the LRS. One negotiation runs at a time; callers wait for it as long as
// their contexts allow. A failed negotiation is tried again by the next
// call.
func (l *lrs) ready(ctx context.Context) error {
	for {
		l.mu.Lock()
		if l.settled {
			l.mu.Unlock()
			return nil
		}
		if l.asking == nil {
			// This caller asks; the others wait for its answer.
			asking := make(chan struct{})
			l.asking = asking
			l.mu.Unlock()
			v, err := l.about(ctx)
			l.mu.Lock()
			if err == nil {
				l.header.Set(statedoc.HeaderVersion, v)
				l.settled = true
			}
			l.asking = nil
			l.mu.Unlock()
			close(asking)
			return err
		}
		asking := l.asking
		l.mu.Unlock()
		select {
		case <-asking:
			// Settled, or failed for the one who asked: look again.
		case <-ctx.Done():
			return wrap(ErrNotSent, ctx.Err())
		}
	}
}

// about reads the LRS's About Resource and returns the highest version it
// lists that the client speaks (1.0.x or 2.0.x).
func (l *lrs) about(ctx context.Context) (string, error) {
	u := l.base + "/about"
	resp, err := l.tr.do(ctx, http.MethodGet, u, nil, nil, true)
	if err != nil {
		return "", annotate(wrap(ErrVersion, err), "the About Resource could not be read")
	}
	if _, err := checkResponse(plainRequest, http.MethodGet, u, resp); err != nil {
		return "", annotate(wrap(ErrVersion, err), "the About Resource could not be read")
	}
	var doc struct {
		Version []string `json:"version"`
	}
	if err := json.Unmarshal(resp.body, &doc); err != nil {
		return "", annotate(ErrVersion, fmt.Sprintf("the About Resource is not {\"version\": [...]}: %v", err))
	}
	best := ""
	for _, v := range doc.Version {
		if !statedoc.Accepts(statedoc.Version103, v) && !statedoc.Accepts(statedoc.Version200, v) {
			continue
		}
		if best == "" || newerVersion(v, best) {
			best = v
		}
	}
	if best == "" {
		return "", annotate(ErrVersion, fmt.Sprintf("the LRS speaks %q; the client speaks 1.0.x and 2.0.x", doc.Version))
	}
	return best, nil
}

// newerVersion reports whether version a is after b, comparing their
// dotted numbers in order (a missing patch counts as 0; text after a
// number, as in "1.0.3-rc1", is ignored).
func newerVersion(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := range 3 {
		na, nb := versionPart(pa, i), versionPart(pb, i)
		if na != nb {
			return na > nb
		}
	}
	return false
}

func versionPart(parts []string, i int) int {
	if i >= len(parts) {
		return 0
	}
	p := parts[i]
	end := 0
	for end < len(p) && p[end] >= '0' && p[end] <= '9' {
		end++
	}
	n, _ := strconv.Atoi(p[:end])
	return n
}

// target is the URL of the document k names, after the version is known.
func (r *resource[T]) target(ctx context.Context, k key) (target, error) {
	q, err := k.Query()
	if err != nil {
		return target{}, err
	}
	if err := r.lrs.ready(ctx); err != nil {
		return target{}, err
	}
	return target{url: r.endpoint + "?" + q.Encode(), resource: k.String()}, nil
}

func (r *resource[T]) get(ctx context.Context, k key) (Doc[T], error) {
	tg, err := r.target(ctx, k)
	if err != nil {
		return Doc[T]{}, err
	}
	return r.t.get(ctx, tg)
}

func (r *resource[T]) update(ctx context.Context, k key, edit func(T) (T, error)) (Result[T], error) {
	tg, err := r.target(ctx, k)
	if err != nil {
		return Result[T]{}, err
	}
	return r.t.update(ctx, tg, edit)
}

func (r *resource[T]) save(ctx context.Context, k key, base Doc[T], ours T, m merge.Func[T]) (Result[T], error) {
	tg, err := r.target(ctx, k)
	if err != nil {
		return Result[T]{}, err
	}
	return r.t.save(ctx, tg, base, ours, m)
}

func (r *resource[T]) delete(ctx context.Context, k key, etagValue string) error {
	tg, err := r.target(ctx, k)
	if err != nil {
		return err
	}
	if err := checkDeleteVersion(httpShape, etagValue, tg.resource); err != nil {
		return err
	}
	return r.t.eng.remove(ctx, tg, httpShape, etagValue)
}

// list GETs the ids the list query q names, keeping those stored strictly
// after since when it is not zero.
func (r *resource[T]) list(ctx context.Context, q key, since time.Time, what string) (ids []string, err error) {
	tg, err := r.target(ctx, q)
	if err != nil {
		return nil, err
	}
	ctx, done := r.t.eng.obs.start(ctx, "list", tg.resource)
	defer func() { done(Event{Err: err}, recover()) }()
	u := tg.url
	if !since.IsZero() {
		u += "&since=" + url.QueryEscape(since.UTC().Format(time.RFC3339Nano))
	}
	resp, err := r.t.eng.tr.do(ctx, http.MethodGet, u, nil, nil, true)
	if err != nil {
		return nil, err
	}
	if _, err := checkResponse(listRequest, http.MethodGet, u, resp); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(resp.body, &ids); err != nil {
		return nil, fmt.Errorf("%w: %s list: %v", ErrInvalidDocument, what, err)
	}
	return ids, nil
}
