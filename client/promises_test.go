package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/client"
	"github.com/ifmatch/ifmatch/merge"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

// checklist is an app's view of a shared document: it declares only some
// members, at several depths.
type checklist struct {
	Items []item `json:"items"`
	Count int    `json:"count"`
}

type item struct {
	ID   string `json:"id"`
	Done bool   `json:"done"`
}

func TestForeignMembersInsideArraysSurvive(t *testing.T) {
	stored := `{"items":[` +
		`{"id":"a","done":false,"score":12345678901234567890,"meta":{"by":"other app"}},` +
		`{"id":"b","done":false,"weight":1.10,"tags":["x"]}],` +
		`"count":1,"other":{"n":1.10}}`
	tests := []struct {
		name string
		edit func(checklist) (checklist, error)
		want string
	}{
		{
			name: "an element changed in place keeps its members and number texts",
			edit: func(c checklist) (checklist, error) { c.Items[1].Done = true; return c, nil },
			want: `{"items":[` +
				`{"id":"a","done":false,"score":12345678901234567890,"meta":{"by":"other app"}},` +
				`{"id":"b","done":true,"weight":1.10,"tags":["x"]}],` +
				`"count":1,"other":{"n":1.10}}`,
		},
		{
			name: "an element inserted at the front carries none and shifts none",
			edit: func(c checklist) (checklist, error) {
				c.Items = append([]item{{ID: "new"}}, c.Items...)
				c.Count++
				return c, nil
			},
			want: `{"items":[{"id":"new","done":false},` +
				`{"id":"a","done":false,"score":12345678901234567890,"meta":{"by":"other app"}},` +
				`{"id":"b","done":false,"weight":1.10,"tags":["x"]}],` +
				`"count":2,"other":{"n":1.10}}`,
		},
		{
			name: "an element removed takes only its own members",
			edit: func(c checklist) (checklist, error) { c.Items = c.Items[1:]; return c, nil },
			want: `{"items":[{"id":"b","done":false,"weight":1.10,"tags":["x"]}],"count":1,"other":{"n":1.10}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Byte-level: number texts are compared exactly.
			assert.Equal(t, compactJSON(t, tt.want), updateStored(t, stored, tt.edit))
		})
	}
}

// updateStored stores doc on a fresh server, runs a checklist client's
// Update with edit on it and returns the document stored after.
func updateStored(t *testing.T, doc string, edit func(checklist) (checklist, error)) string {
	t.Helper()
	srv := newServer(t, nil)
	srv.SetDocument(key, "application/json", []byte(doc))
	c := newClient[checklist](t, srv, nil)
	_, err := c.Update(context.Background(), key, edit)
	require.NoError(t, err)
	return storedJSON(t, srv)
}

// compactJSON removes insignificant space without touching number texts.
func compactJSON(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, json.Compact(&b, []byte(s)))
	return b.String()
}

func TestMemberNamesMatchExactly(t *testing.T) {
	type counter struct {
		Counter int `json:"counter"`
	}
	srv := newServer(t, nil)
	srv.SetDocument(key, "application/json", []byte(`{"Counter":41}`))
	c := newClient[counter](t, srv, nil)

	doc, err := c.Get(context.Background(), key)
	require.NoError(t, err)
	assert.Equal(t, 0, doc.Value.Counter, "another app's Counter is not ours")

	_, err = c.Update(context.Background(), key, func(v counter) (counter, error) { v.Counter++; return v, nil })
	require.NoError(t, err)
	assert.JSONEq(t, `{"Counter":41,"counter":1}`, storedJSON(t, srv))
}

// TestTypedWritePreservesEverythingElse is a property test: random stored
// documents, seen through a fixed type that declares part of them, with
// members the type does not declare at every depth (some differing from a
// declared name only in case) and numbers whose text float64 would change.
// An identity edit sends nothing; an edit of declared values changes those
// values and leaves every other byte-level value as stored.
func TestTypedWritePreservesEverythingElse(t *testing.T) {
	type leaf struct {
		V float64 `json:"v"`
		S string  `json:"s"`
	}
	type view struct {
		N     float64         `json:"n"`
		Items []leaf          `json:"items"`
		ByKey map[string]leaf `json:"byKey"`
		Grid  [][]leaf        `json:"grid"`
	}
	srv := newServer(t, nil)
	c := newClient[view](t, srv, nil)
	ctx := context.Background()

	for seed := range uint64(150) {
		r := rand.New(rand.NewPCG(seed, 1))
		g := docGen{r: r}
		stored := g.object(map[string]func() any{
			"n":     g.number,
			"items": func() any { return g.array(g.leaf) },
			"byKey": func() any { return g.mapOf(g.leaf) },
			"grid":  func() any { return g.array(func() any { return g.array(g.leaf) }) },
		})
		body := marshalOrdered(stored)
		srv.SetDocument(key, "application/json", body)
		srv.ResetLog()

		res, err := c.Update(ctx, key, func(v view) (view, error) { return v, nil })
		require.NoError(t, err, "seed %d: %s", seed, body)
		assert.Equal(t, client.Unchanged, res.Outcome, "seed %d", seed)
		assert.Equal(t, 0, countMethod(srv, http.MethodPut), "seed %d: identity edit sends nothing", seed)

		// Edit declared leaves of the view and, in parallel, the same
		// leaves of the stored tree: the stored result must be that tree.
		var want any = stored
		picks := r.Uint64()
		bit := 0
		pick := func() bool { bit++; return picks>>(bit%64)&1 == 1 }
		_, err = c.Update(ctx, key, func(v view) (view, error) {
			want = cloneOrdered(stored)
			if pick() {
				v.N = 7.5
				want.(*ordered).set("n", json.Number("7.5"))
			}
			for i := range v.Items {
				if pick() {
					v.Items[i].S = fmt.Sprintf("item-%d", i)
					want.(*ordered).get("items").([]any)[i].(*ordered).set("s", v.Items[i].S)
				}
			}
			for k, l := range v.ByKey {
				if pick() {
					l.V = 0.25
					v.ByKey[k] = l
					want.(*ordered).get("byKey").(*ordered).get(k).(*ordered).set("v", json.Number("0.25"))
				}
			}
			for i, row := range v.Grid {
				for j := range row {
					if pick() {
						row[j].S = fmt.Sprintf("cell-%d-%d", i, j)
						want.(*ordered).get("grid").([]any)[i].([]any)[j].(*ordered).set("s", row[j].S)
					}
				}
			}
			return v, nil
		})
		require.NoError(t, err, "seed %d", seed)
		got := storedJSON(t, srv)
		eq, err := merge.Equal(marshalOrdered(want), []byte(got))
		require.NoError(t, err)
		assert.True(t, eq, "seed %d:\nstored %s\nwant   %s\ngot    %s", seed, body, marshalOrdered(want), got)
	}
}

// ordered is a JSON object that keeps its member order.
type ordered struct {
	keys []string
	vals map[string]any
}

func (o *ordered) get(k string) any { return o.vals[k] }

func (o *ordered) set(k string, v any) {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

func cloneOrdered(v any) any {
	switch v := v.(type) {
	case *ordered:
		c := &ordered{keys: append([]string(nil), v.keys...), vals: map[string]any{}}
		for k, e := range v.vals {
			c.vals[k] = cloneOrdered(e)
		}
		return c
	case []any:
		c := make([]any, len(v))
		for i, e := range v {
			c[i] = cloneOrdered(e)
		}
		return c
	}
	return v
}

func marshalOrdered(v any) []byte {
	var b bytes.Buffer
	var write func(v any)
	write = func(v any) {
		switch v := v.(type) {
		case *ordered:
			b.WriteByte('{')
			for i, k := range v.keys {
				if i > 0 {
					b.WriteByte(',')
				}
				kb, _ := json.Marshal(k)
				b.Write(kb)
				b.WriteByte(':')
				write(v.vals[k])
			}
			b.WriteByte('}')
		case []any:
			b.WriteByte('[')
			for i, e := range v {
				if i > 0 {
					b.WriteByte(',')
				}
				write(e)
			}
			b.WriteByte(']')
		default:
			data, _ := json.Marshal(v)
			b.Write(data)
		}
	}
	write(v)
	return b.Bytes()
}

// docGen makes random documents around a declared shape.
type docGen struct{ r *rand.Rand }

func (g docGen) number() any {
	texts := []string{"1.10", "12345678901234567890", "1e2", "-0.0", "3", "0.1000", "2.5E-3"}
	return json.Number(texts[g.r.IntN(len(texts))])
}

func (g docGen) foreign() any {
	switch g.r.IntN(5) {
	case 0:
		return g.number()
	case 1:
		return "text"
	case 2:
		return []any{g.number(), &ordered{keys: []string{"deep"}, vals: map[string]any{"deep": g.number()}}}
	case 3:
		return nil
	}
	return &ordered{keys: []string{"x"}, vals: map[string]any{"x": g.number()}}
}

// object builds an object with the declared members (each present or not)
// and foreign ones, some of them case variants of declared names.
func (g docGen) object(declared map[string]func() any) *ordered {
	o := &ordered{vals: map[string]any{}}
	names := make([]string, 0, len(declared))
	for k := range declared {
		names = append(names, k)
	}
	// A stable order, then shuffled by the seed.
	for i := range names {
		for j := i + 1; j < len(names); j++ {
			if names[j] < names[i] {
				names[i], names[j] = names[j], names[i]
			}
		}
	}
	g.r.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	for _, k := range names {
		if g.r.IntN(5) > 0 {
			o.set(k, declared[k]())
		}
		switch g.r.IntN(4) {
		case 0:
			o.set(strings.ToUpper(k[:1])+k[1:], g.foreign())
		case 1:
			o.set("x"+strconv.Itoa(g.r.IntN(100)), g.foreign())
		}
	}
	return o
}

func (g docGen) leaf() any {
	return g.object(map[string]func() any{"v": g.number, "s": func() any { return "s" }})
}

func (g docGen) array(elem func() any) any {
	n := g.r.IntN(4)
	out := make([]any, n)
	for i := range out {
		out[i] = elem()
	}
	return out
}

func (g docGen) mapOf(elem func() any) any {
	o := &ordered{vals: map[string]any{}}
	for i := range g.r.IntN(3) {
		o.set("k"+strconv.Itoa(i), elem())
	}
	return o
}

func TestConcurrentTicksBothKept(t *testing.T) {
	type ticks struct {
		Ticked []string `json:"ticked"`
	}
	srv := newServer(t, nil)
	srv.SetDocument(key, "application/json", []byte(`{"ticked":[]}`))
	ctx := context.Background()
	a := newClient[ticks](t, srv, nil)
	b := newClient[ticks](t, srv, nil)

	baseA, err := a.Get(ctx, key)
	require.NoError(t, err)
	baseB, err := b.Get(ctx, key)
	require.NoError(t, err)

	_, err = a.Save(ctx, key, baseA, ticks{Ticked: []string{"intro"}}, nil)
	require.NoError(t, err)
	res, err := b.Save(ctx, key, baseB, ticks{Ticked: []string{"quiz"}}, nil)
	require.NoError(t, err)
	assert.Equal(t, 2, res.Attempts, "the second write lost once and merged")
	assert.Equal(t, []string{"intro", "quiz"}, res.Value.Ticked, "theirs' addition first, then ours")
	assert.JSONEq(t, `{"ticked":["intro","quiz"]}`, storedJSON(t, srv))
	assert.Empty(t, res.Report.Conflicts(), "two additions are not a conflict")
}

// redirector answers writes with a redirect and forwards everything else
// to the real server. The redirect points back at the same resource, so a
// client that followed it would reach a real 200, or, with sso, at a login
// page whose URL carries credentials.
func redirector(t *testing.T, srv *statedoctest.Server, status int, sso bool) *httptest.Server {
	t.Helper()
	target, err := url.Parse(srv.URL)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut || r.Method == http.MethodDelete {
			w.Header().Set("Location", r.URL.String())
			if sso {
				w.Header().Set("Location", "http://user:pw@sso.example.com/login?next="+url.QueryEscape(r.URL.String()))
			}
			w.WriteHeader(status)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	return front
}

func TestWritesNeverFollowRedirects(t *testing.T) {
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			srv := newServer(t, nil)
			srv.SetDocument(key, "application/json", []byte(`{"page":1}`))
			front := redirector(t, srv, status, false)
			c, err := client.NewStateClient[progress](front.URL, lrs(nil))
			require.NoError(t, err)

			_, err = c.Update(context.Background(), key, turnPage)
			require.ErrorIs(t, err, client.ErrRedirect)
			var he *client.HTTPError
			require.ErrorAs(t, err, &he)
			assert.Equal(t, status, he.StatusCode)
			assert.Contains(t, he.Location, "/activities/state?")
			assert.JSONEq(t, `{"page":1}`, storedJSON(t, srv), "nothing was written")

			doc, err := c.Get(context.Background(), key)
			require.NoError(t, err)
			require.ErrorIs(t, c.Delete(context.Background(), key, doc.ETag), client.ErrRedirect)
			require.ErrorIs(t, c.DeleteContext(context.Background(), key.Context()), client.ErrRedirect)
			_, ok := srv.Document(key)
			assert.True(t, ok, "nothing was deleted")
		})
	}
}

func TestRedirectLocationCredentialsRedacted(t *testing.T) {
	srv := newServer(t, nil)
	srv.SetDocument(key, "application/json", []byte(`{"page":1}`))
	front := redirector(t, srv, http.StatusFound, true)
	c, err := client.NewStateClient[progress](front.URL, lrs(nil))
	require.NoError(t, err)
	_, err = c.Update(context.Background(), key, turnPage)
	require.ErrorIs(t, err, client.ErrRedirect)
	var he *client.HTTPError
	require.ErrorAs(t, err, &he)
	assert.Contains(t, he.Location, "sso.example.com/login")
	assert.NotContains(t, he.Location, "pw")
	assert.NotContains(t, err.Error(), "user:pw")
	assert.Contains(t, err.Error(), "302 Found to http://sso.example.com/login")
}

func TestNotSentIsNotUnknown(t *testing.T) {
	t.Run("a header value net/http would refuse", func(t *testing.T) {
		srv := newServer(t, nil)
		c := newClient[[]byte](t, srv, &client.Options{ContentType: "text/plain\r\nX-Injected: 1"})
		_, err := c.Update(context.Background(), key, func([]byte) ([]byte, error) { return []byte("hello"), nil })
		require.ErrorIs(t, err, client.ErrNotSent)
		assert.NotErrorIs(t, err, client.ErrOutcomeUnknown)
		assert.Equal(t, 0, countMethod(srv, http.MethodPut), "nothing reached the server")
	})
	t.Run("a refused connection", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := ln.Addr().String()
		require.NoError(t, ln.Close())
		c, err := client.NewStateClient[progress]("http://"+addr+"/xapi", lrs(&client.Options{TransportRetries: -1}))
		require.NoError(t, err)
		_, err = c.Get(context.Background(), key)
		assert.ErrorIs(t, err, client.ErrNotSent)
	})
}

func TestETagThatCannotBeSentIsRefusedWhenRead(t *testing.T) {
	// Control characters never get this far: net/http refuses a response
	// header that holds them.
	for _, tag := range []string{`"a", "b"`, `*`, `W/`, `"a b"`, `"unbalanced`} {
		t.Run(fmt.Sprintf("%q", tag), func(t *testing.T) {
			srv := newServer(t, nil)
			srv.SetDocument(key, "application/json", []byte(`{"page":1}`))
			srv.Script(statedoctest.Script{Method: http.MethodGet, Header: http.Header{"Etag": {tag}}, Times: 10})
			c := newClient[progress](t, srv, nil)
			_, err := c.Get(context.Background(), key)
			require.ErrorIs(t, err, client.ErrInvalidETag)
			_, err = c.Update(context.Background(), key, turnPage)
			require.ErrorIs(t, err, client.ErrInvalidETag)
			assert.Equal(t, 0, countMethod(srv, http.MethodPut))
		})
	}
	t.Run("Delete refuses one without a request", func(t *testing.T) {
		srv := newServer(t, nil)
		c := newClient[progress](t, srv, nil)
		require.ErrorIs(t, c.Delete(context.Background(), key, "\"a\nb\""), client.ErrInvalidETag)
		assert.Empty(t, srv.Log())
	})
}

func TestNotFoundWriteConfirmedByARead(t *testing.T) {
	srv := newServer(t, nil)
	srv.SetDocument(key, "application/json", []byte(`{"page":4,"other":true}`))
	// The document is deleted just before our write reaches the server,
	// which answers the If-Match write 404 (as some servers do).
	srv.Script(statedoctest.Script{Method: http.MethodPut, Status: http.StatusNotFound, Before: func() { srv.DeleteDocument(key) }})
	c := newClient[progress](t, srv, nil)
	res, err := c.Update(context.Background(), key, turnPage)
	require.NoError(t, err)
	assert.Equal(t, client.Created, res.Outcome, "recreated by the default policy")
	assert.JSONEq(t, `{"page":1}`, storedJSON(t, srv), "the edit replayed on the zero value")
	assert.Equal(t, []string{"GET -> 200", "PUT If-Match -> 404", "GET -> 404", "PUT If-None-Match:* -> 204"}, exchanges(srv))
}

// tagServer is a minimal ETag store whose tags take a given form: strong
// with a comma inside, or unquoted.
func tagServer(t *testing.T, tagOf func(version int) string) (*httptest.Server, func() string) {
	t.Helper()
	var (
		mu      sync.Mutex
		body    = []byte(`{"page":1}`)
		version = 1
	)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch r.Method {
		case http.MethodGet:
			w.Header().Set("ETag", tagOf(version))
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(body)
		case http.MethodPut:
			if r.Header.Get("If-Match") != tagOf(version) {
				w.WriteHeader(http.StatusPreconditionFailed)
				return
			}
			var b bytes.Buffer
			_, _ = b.ReadFrom(r.Body)
			body = b.Bytes()
			version++
			w.Header().Set("ETag", tagOf(version))
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	t.Cleanup(ts.Close)
	return ts, func() string { mu.Lock(); defer mu.Unlock(); return string(body) }
}

func TestETagsByTheGrammar(t *testing.T) {
	tests := []struct {
		name  string
		tagOf func(int) string
	}{
		{"strong with a comma", func(v int) string { return fmt.Sprintf(`"v%d,gz"`, v) }},
		{"unquoted", func(v int) string { return fmt.Sprintf("c0947-b%d", v) }},
		{"unquoted number", strconv.Itoa},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, stored := tagServer(t, tt.tagOf)
			c, err := client.NewStateClient[progress](ts.URL, lrs(nil))
			require.NoError(t, err)
			for range 3 {
				res, err := c.Update(context.Background(), key, turnPage)
				require.NoError(t, err)
				assert.Equal(t, 1, res.Attempts)
			}
			assert.JSONEq(t, `{"page":4}`, stored())
		})
	}
}

func TestNothingSentForTheZeroValueOfAnAbsentDocument(t *testing.T) {
	srv := newServer(t, nil)
	c := newClient[progress](t, srv, nil)
	ctx := context.Background()

	res, err := c.Update(ctx, key, func(p progress) (progress, error) { return p, nil })
	require.NoError(t, err)
	assert.Equal(t, client.Unchanged, res.Outcome)
	assert.False(t, res.Exists)

	base, err := c.Get(ctx, key)
	require.NoError(t, err)
	res, err = c.Save(ctx, key, base, progress{}, nil)
	require.NoError(t, err)
	assert.Equal(t, client.Unchanged, res.Outcome)
	assert.False(t, res.Exists)
	assert.Equal(t, 0, countMethod(srv, http.MethodPut))
	_, ok := srv.Document(key)
	assert.False(t, ok)

	// On purpose: the zero value's bytes through a raw client.
	raw := newClient[json.RawMessage](t, srv, nil)
	res2, err := raw.Update(ctx, key, func(json.RawMessage) (json.RawMessage, error) { return json.RawMessage(`{"page":0}`), nil })
	require.NoError(t, err)
	assert.Equal(t, client.Created, res2.Outcome)
	assert.JSONEq(t, `{"page":0}`, storedJSON(t, srv))
}

func TestCredentialsInTheEndpoint(t *testing.T) {
	srv := newServer(t, &statedoctest.Options{Username: "key-id", Password: "s3cret-pass"})
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	u.User = url.UserPassword("key-id", "s3cret-pass")
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := client.NewStateClient[progress](u.String(), lrs(&client.Options{Logger: logger}))
	require.NoError(t, err)

	_, err = c.Update(context.Background(), key, turnPage)
	require.NoError(t, err, "the endpoint's credentials authenticate")
	assert.JSONEq(t, `{"page":1}`, storedJSON(t, srv))

	// Errors: an answer the call cannot use, and a dropped connection.
	srv.Script(statedoctest.Script{Method: http.MethodPut, Status: http.StatusBadRequest, Body: []byte("no")})
	_, err = c.Update(context.Background(), key, turnPage)
	require.Error(t, err)
	assertNoSecret(t, err.Error())

	ds := newDropServer(t, http.MethodPut)
	du, err := url.Parse(ds.URL)
	require.NoError(t, err)
	du.User = url.UserPassword("key-id", "s3cret-pass")
	dc, err := client.NewStateClient[progress](du.String(), lrs(&client.Options{Logger: logger}))
	require.NoError(t, err)
	_, err = dc.Update(context.Background(), key, turnPage)
	require.ErrorIs(t, err, client.ErrConflict, "every dropped write was read as not applied")
	assertNoSecret(t, err.Error())
	var ue *url.Error
	if assert.ErrorAs(t, err, &ue) {
		assertNoSecret(t, ue.URL)
	}
	assert.NotEmpty(t, logs.String())
	assertNoSecret(t, logs.String())

	// An endpoint missing its scheme is refused without its secret.
	for _, bad := range []string{"key-id:s3cret-pass@lrs.example.com/xapi", "https:key-id:s3cret-pass@lrs/xapi", "https//key-id:s3cret-pass@lrs/xapi"} {
		_, err := client.NewStateClient[progress](bad, nil)
		require.Error(t, err)
		assertNoSecret(t, err.Error())
		assert.Contains(t, err.Error(), "@lrs")
	}

	// Options win over the endpoint.
	oc, err := client.NewStateClient[progress](u.String(), lrs(&client.Options{Username: "key-id", Password: "wrong"}))
	require.NoError(t, err)
	_, err = oc.Get(context.Background(), key)
	assert.ErrorIs(t, err, client.ErrUnauthorized)
}

func assertNoSecret(t *testing.T, s string) {
	t.Helper()
	assert.NotContains(t, s, "key-id")
	assert.NotContains(t, s, "s3cret-pass")
}

func TestWriteErrorText(t *testing.T) {
	srv := newServer(t, nil)
	srv.SetDocument(key, "application/json", []byte(`{"page":1}`))
	srv.Script(statedoctest.Script{Method: http.MethodPut, Status: http.StatusPreconditionFailed, Times: 100})
	c := newClient[progress](t, srv, &client.Options{MaxAttempts: 2})
	_, err := c.Update(context.Background(), key, turnPage)
	require.ErrorIs(t, err, client.ErrConflict)
	text := err.Error()
	assert.Equal(t, 1, strings.Count(text, "ifmatch:"), text)
	assert.Equal(t, 1, strings.Count(text, "mailto:ada@example.com"), text)
	assert.NotContains(t, text, srv.URL, "the document is named once, not by its URL")
	assert.Contains(t, text, "stopped after 2 attempt(s), status 412: conflict: attempts exhausted")
}

func TestWriteErrorStatusIsTheStoppingAnswer(t *testing.T) {
	// The first write loses (412), the connections of the others drop (each
	// read after it shows the write not applied): the call stopped on no
	// answer, so no status — not the earlier 412.
	var puts int
	var mu sync.Mutex
	srv := newServer(t, nil)
	srv.SetDocument(key, "application/json", []byte(`{"page":1}`))
	target, err := url.Parse(srv.URL)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			mu.Lock()
			puts++
			n := puts
			mu.Unlock()
			switch {
			case n == 1:
				w.WriteHeader(http.StatusPreconditionFailed)
				return
			default:
				conn, _, err := w.(http.Hijacker).Hijack()
				if err == nil {
					conn.Close()
				}
				return
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	c, err := client.NewStateClient[progress](front.URL, lrs(&client.Options{MaxAttempts: 3}))
	require.NoError(t, err)
	_, err = c.Update(context.Background(), key, turnPage)
	require.ErrorIs(t, err, client.ErrConflict)
	var we *client.WriteError
	require.ErrorAs(t, err, &we)
	assert.Equal(t, 3, we.Attempts)
	assert.Zero(t, we.Status)
	assert.NotContains(t, err.Error(), "412")
}

func TestRawByteTypes(t *testing.T) {
	type blob []byte
	ctx := context.Background()
	t.Run("a named byte slice is raw", func(t *testing.T) {
		srv := newServer(t, nil)
		c := newClient[blob](t, srv, &client.Options{ContentType: "text/plain"})
		_, err := c.Update(ctx, key, func(blob) (blob, error) { return blob("hello"), nil })
		require.NoError(t, err)
		d, ok := srv.Document(key)
		require.True(t, ok)
		assert.Equal(t, "hello", string(d.Body), "written as bytes, not base64 JSON")
		assert.Equal(t, "text/plain", d.ContentType)
		got, err := c.Get(ctx, key)
		require.NoError(t, err)
		assert.Equal(t, blob("hello"), got.Value)
	})
	t.Run("json.RawMessage is JSON and merges by default", func(t *testing.T) {
		srv := newServer(t, nil)
		a := newClient[json.RawMessage](t, srv, nil)
		_, err := a.Update(ctx, key, func(json.RawMessage) (json.RawMessage, error) { return json.RawMessage(`{"a":1,"b":1}`), nil })
		require.NoError(t, err)
		d, _ := srv.Document(key)
		assert.Equal(t, "application/json", d.ContentType)

		base, err := a.Get(ctx, key)
		require.NoError(t, err)
		srv.SetDocument(key, "application/json", []byte(`{"a":2,"b":1}`))
		_, err = a.Save(ctx, key, base, json.RawMessage(`{"a":1,"b":3}`), nil)
		require.NoError(t, err)
		assert.JSONEq(t, `{"a":2,"b":3}`, storedJSON(t, srv))
	})
	t.Run("[]byte without a content type is octet-stream and has no default merge", func(t *testing.T) {
		srv := newServer(t, nil)
		c := newClient[[]byte](t, srv, nil)
		_, err := c.Update(ctx, key, func([]byte) ([]byte, error) { return []byte(`{"a":1}`), nil })
		require.NoError(t, err)
		d, _ := srv.Document(key)
		assert.Equal(t, "application/octet-stream", d.ContentType)
		base, err := c.Get(ctx, key)
		require.NoError(t, err)
		srv.SetDocument(key, "application/octet-stream", []byte(`{"a":2}`))
		_, err = c.Save(ctx, key, base, []byte(`{"a":3}`), nil)
		require.ErrorIs(t, err, client.ErrNoMerge)
	})
	t.Run("merge.FieldUnion treats the same types as documents", func(t *testing.T) {
		m := merge.FieldUnion[blob](nil)
		out, err := m(blob(`{"a":1}`), blob(`{"a":2}`), blob(`{"a":1,"b":1}`))
		require.NoError(t, err)
		assert.JSONEq(t, `{"a":2,"b":1}`, string(out))
	})
}

func TestListSinceALastModifiedMissesNothing(t *testing.T) {
	for _, whole := range []bool{false, true} {
		t.Run(fmt.Sprintf("server keeps whole seconds: %t", whole), func(t *testing.T) {
			// Every write lands within one second, 0.2 s apart.
			var mu sync.Mutex
			clock := time.Date(2026, 12, 2, 10, 0, 0, 100_000_000, time.UTC)
			srv := newServer(t, &statedoctest.Options{Now: func() time.Time {
				mu.Lock()
				defer mu.Unlock()
				clock = clock.Add(200 * time.Millisecond)
				if whole {
					return clock.Truncate(time.Second)
				}
				return clock
			}})
			c := newClient[progress](t, srv, nil)
			ctx := context.Background()
			_, err := c.Update(ctx, key, turnPage)
			require.NoError(t, err)
			read, err := c.Get(ctx, key)
			require.NoError(t, err)
			require.False(t, read.LastModified.IsZero())

			// Written after the read, within the same second.
			other := key
			other.StateID = "later"
			_, err = c.Update(ctx, other, turnPage)
			require.NoError(t, err)

			ids, err := c.List(ctx, key.Context(), read.LastModified.Add(-time.Second))
			require.NoError(t, err)
			assert.Contains(t, ids, "later")
			if whole {
				ids, err := c.List(ctx, key.Context(), read.LastModified)
				require.NoError(t, err)
				assert.NotContains(t, ids, "later", "why the advice is a second earlier")
			}
		})
	}
}

func TestSaveWithoutRawKeepsForeignMembers(t *testing.T) {
	srv := newServer(t, nil)
	srv.SetDocument(key, "application/json", []byte(`{"page":1,"otherApp":{"keep":"me"}}`))
	c := newClient[progress](t, srv, nil)
	ctx := context.Background()
	d, err := c.Get(ctx, key)
	require.NoError(t, err)

	// Kept offline as Value and ETag only.
	stored := client.Doc[progress]{Exists: true, ETag: d.ETag, Value: d.Value}
	res, err := c.Save(ctx, key, stored, progress{Page: 2}, nil)
	require.NoError(t, err)
	assert.Equal(t, client.Updated, res.Outcome)
	assert.JSONEq(t, `{"page":2,"otherApp":{"keep":"me"}}`, storedJSON(t, srv))

	// And when the document changed meanwhile, the merge keeps both.
	d, err = c.Get(ctx, key)
	require.NoError(t, err)
	stored = client.Doc[progress]{Exists: true, ETag: d.ETag, Value: d.Value}
	srv.SetDocument(key, "application/json", []byte(`{"page":2,"otherApp":{"keep":"me"},"more":1}`))
	_, err = c.Save(ctx, key, stored, progress{Page: 3}, nil)
	require.NoError(t, err)
	assert.JSONEq(t, `{"page":3,"otherApp":{"keep":"me"},"more":1}`, storedJSON(t, srv))
}

func TestStatusIsZeroWhenTheEditStops(t *testing.T) {
	srv := newServer(t, nil)
	srv.SetDocument(key, "application/json", []byte(`{"page":1}`))
	srv.Script(statedoctest.Script{Method: http.MethodPut, Status: http.StatusPreconditionFailed})
	c := newClient[progress](t, srv, nil)
	runs := 0
	_, err := c.Update(context.Background(), key, func(p progress) (progress, error) {
		runs++
		if runs == 2 {
			return p, fmt.Errorf("edit refuses")
		}
		p.Page++
		return p, nil
	})
	require.ErrorContains(t, err, "edit refuses")
	var we *client.WriteError
	require.ErrorAs(t, err, &we)
	assert.Equal(t, 1, we.Attempts)
	assert.Zero(t, we.Status, "the edit stopped the call, not the earlier 412")
}

func TestWritesThatNeverLeftAreNotSent(t *testing.T) {
	ctx := context.Background()
	base := client.Doc[progress]{Exists: true, ETag: `"v1"`, Raw: []byte(`{"page":1}`), ContentType: "application/json"}
	check := func(t *testing.T, err error) {
		t.Helper()
		require.ErrorIs(t, err, client.ErrNotSent)
		assert.NotErrorIs(t, err, client.ErrOutcomeUnknown)
		var we *client.WriteError
		require.ErrorAs(t, err, &we)
		assert.Zero(t, we.Attempts, "nothing was sent")
	}
	t.Run("refused connection", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := ln.Addr().String()
		require.NoError(t, ln.Close())
		c, err := client.NewStateClient[progress]("http://"+addr+"/xapi", lrs(&client.Options{TransportRetries: -1}))
		require.NoError(t, err)
		_, err = c.Save(ctx, key, base, progress{Page: 2}, nil)
		check(t, err)
	})
	t.Run("TLS handshake refused", func(t *testing.T) {
		var requests int
		var mu sync.Mutex
		ts := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			mu.Lock()
			requests++
			mu.Unlock()
		}))
		ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
		ts.StartTLS()
		t.Cleanup(ts.Close)
		c, err := client.NewStateClient[progress](ts.URL, lrs(&client.Options{HTTPClient: &http.Client{}}))
		require.NoError(t, err)
		_, err = c.Save(ctx, key, base, progress{Page: 2}, nil)
		check(t, err)
		mu.Lock()
		assert.Zero(t, requests)
		mu.Unlock()
	})
	t.Run("context ended before the write", func(t *testing.T) {
		srv := newServer(t, nil)
		srv.SetDocument(key, "application/json", []byte(`{"page":1}`))
		c := newClient[progress](t, srv, nil)
		cctx, cancel := context.WithCancel(ctx)
		_, err := c.Update(cctx, key, func(p progress) (progress, error) { cancel(); p.Page++; return p, nil })
		require.ErrorIs(t, err, context.Canceled)
		assert.NotErrorIs(t, err, client.ErrOutcomeUnknown)
		assert.Equal(t, 0, countMethod(srv, http.MethodPut))
	})
}

func TestIdentifiedElementsKeepTheirMembers(t *testing.T) {
	stored := `{"items":[{"id":"a","done":false,"note":"for a"},{"id":"b","done":false,"note":"for b"}],"count":2}`
	tests := []struct {
		name string
		edit func(checklist) (checklist, error)
		want string
	}{
		{
			name: "prepend and tick",
			edit: func(c checklist) (checklist, error) {
				c.Items[0].Done = true
				c.Items = append([]item{{ID: "new"}}, c.Items...)
				return c, nil
			},
			want: `{"items":[{"id":"new","done":false},{"id":"a","done":true,"note":"for a"},{"id":"b","done":false,"note":"for b"}],"count":2}`,
		},
		{
			name: "remove the first and tick the next",
			edit: func(c checklist) (checklist, error) { c.Items = c.Items[1:]; c.Items[0].Done = true; return c, nil },
			want: `{"items":[{"id":"b","done":true,"note":"for b"}],"count":2}`,
		},
		{
			name: "swap and tick",
			edit: func(c checklist) (checklist, error) {
				c.Items[0], c.Items[1] = c.Items[1], c.Items[0]
				c.Items[0].Done = true
				return c, nil
			},
			want: `{"items":[{"id":"b","done":true,"note":"for b"},{"id":"a","done":false,"note":"for a"}],"count":2}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.JSONEq(t, tt.want, updateStored(t, stored, tt.edit))
		})
	}
}

func TestDefaultMergeKeepsBothSidesOfIdentifiedElements(t *testing.T) {
	srv := newServer(t, nil)
	srv.SetDocument(key, "application/json", []byte(`{"items":[{"id":"a","done":false}]}`))
	c := newClient[json.RawMessage](t, srv, nil)
	ctx := context.Background()
	base, err := c.Get(ctx, key)
	require.NoError(t, err)
	// Another writer scores a.
	srv.SetDocument(key, "application/json", []byte(`{"items":[{"id":"a","done":false,"score":90}]}`))
	// Ours prepends an item and ticks a.
	res, err := c.Save(ctx, key, base, json.RawMessage(`{"items":[{"id":"new","done":false},{"id":"a","done":true}]}`), nil)
	require.NoError(t, err)
	assert.JSONEq(t, `{"items":[{"id":"new","done":false},{"id":"a","done":true,"score":90}]}`, storedJSON(t, srv))
	assert.Empty(t, res.Report.Conflicts())
}

// TestTypedStructuralEditsKeepMembers is a property test through HTTP:
// random inserts, removals, moves and ticks of identified items; every
// item that keeps its id keeps the members other apps wrote into it, and a
// new item carries none but, at most, those of an item the edit dropped.
func TestTypedStructuralEditsKeepMembers(t *testing.T) {
	srv := newServer(t, nil)
	c := newClient[checklist](t, srv, nil)
	ctx := context.Background()
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 9))
		n := 1 + r.IntN(6)
		var stored strings.Builder
		stored.WriteString(`{"items":[`)
		for i := range n {
			if i > 0 {
				stored.WriteByte(',')
			}
			fmt.Fprintf(&stored, `{"id":"s%d","done":%t,"note":"note %d","Done":"shadow %d"}`, i, r.IntN(2) == 0, i, i)
		}
		stored.WriteString(`],"count":0,"foreign":1.10}`)
		srv.SetDocument(key, "application/json", []byte(stored.String()))

		var edited []item
		_, err := c.Update(ctx, key, func(v checklist) (checklist, error) {
			items := slices.Clone(v.Items)
			for op := range 1 + r.IntN(4) {
				switch kind := r.IntN(4); {
				case kind == 0:
					items = slices.Insert(items, r.IntN(len(items)+1), item{ID: fmt.Sprintf("new%d", op)})
				case kind == 1 && len(items) > 1:
					at := r.IntN(len(items))
					items = slices.Delete(items, at, at+1)
				case kind == 2 && len(items) > 1:
					i, j := r.IntN(len(items)), r.IntN(len(items))
					items[i], items[j] = items[j], items[i]
				case len(items) > 0:
					i := r.IntN(len(items))
					items[i].Done = !items[i].Done
				}
			}
			v.Items, edited = items, items
			return v, nil
		})
		require.NoError(t, err, "seed %d", seed)

		var got struct {
			Items   []map[string]any `json:"items"`
			Foreign json.Number      `json:"foreign"`
		}
		dec := json.NewDecoder(strings.NewReader(storedJSON(t, srv)))
		dec.UseNumber()
		require.NoError(t, dec.Decode(&got))
		msg := fmt.Sprintf("seed %d: %s", seed, storedJSON(t, srv))
		assert.Equal(t, "1.10", got.Foreign.String(), msg)
		require.Len(t, got.Items, len(edited), msg)
		kept := map[string]bool{}
		for _, e := range edited {
			kept[e.ID] = true
		}
		for i, e := range edited {
			assert.Equal(t, e.ID, got.Items[i]["id"], msg)
			assert.Equal(t, e.Done, got.Items[i]["done"], msg)
			note, _ := got.Items[i]["note"].(string)
			if strings.HasPrefix(e.ID, "s") {
				assert.Equal(t, "note "+strings.TrimPrefix(e.ID, "s"), note, msg)
				assert.Equal(t, "shadow "+strings.TrimPrefix(e.ID, "s"), got.Items[i]["Done"], msg)
				continue
			}
			if note != "" {
				assert.False(t, kept["s"+strings.TrimPrefix(note, "note ")], "%s: a kept item's member moved", msg)
			}
		}
	}
}
