package serverkit

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"
)

func TestModeString(t *testing.T) {
	for m, want := range map[Mode]string{Enforce: "Enforce", Ignore: "Ignore", CheckThenWrite: "CheckThenWrite", 3: "Preconditions(3)", -1: "Preconditions(-1)"} {
		if got := m.String(); got != want {
			t.Errorf("Mode(%d).String() = %q, want %q", int(m), got, want)
		}
		if got, want := m.Valid(), m >= 0 && m <= 2; got != want {
			t.Errorf("Mode(%d).Valid() = %v, want %v", int(m), got, want)
		}
	}
}

// calls is a sync.Locker that records its calls.
type calls []string

func (c *calls) Lock()   { *c = append(*c, "Lock") }
func (c *calls) Unlock() { *c = append(*c, "Unlock") }

// TestPause checks that CheckThenWrite releases the lock for the window
// and takes it again, and that the other modes keep it.
func TestPause(t *testing.T) {
	for _, m := range []Mode{Enforce, Ignore, CheckThenWrite} {
		var c calls
		start := time.Now()
		m.Pause(&c, 10*time.Millisecond)
		elapsed := time.Since(start)
		if m != CheckThenWrite {
			if len(c) != 0 {
				t.Errorf("%v: Pause called %v", m, c)
			}
			continue
		}
		if !reflect.DeepEqual(c, calls{"Unlock", "Lock"}) || elapsed < 10*time.Millisecond {
			t.Errorf("%v: Pause called %v in %v", m, c, elapsed)
		}
	}
	var c calls
	CheckThenWrite.Pause(&c, -1)
	if !reflect.DeepEqual(c, calls{"Unlock", "Lock"}) {
		t.Errorf("no window: Pause called %v", c)
	}
}

func TestParseTags(t *testing.T) {
	lines := []string{` "v1", W/"v,2" `, `v3, W/v4, "v5`, `*`}
	star, quotedOnly := ParseTags(lines, false)
	if !star {
		t.Error("star not reported")
	}
	want := []Tag{{Quoted: true, Opaque: "v1"}, {Weak: true, Quoted: true, Opaque: "v,2"}}
	if !reflect.DeepEqual(quotedOnly, want) {
		t.Errorf("quoted only: got %+v, want %+v", quotedOnly, want)
	}
	_, all := ParseTags(lines, true)
	want = append(want, Tag{Opaque: "v3"}, Tag{Weak: true, Opaque: "v4"})
	if !reflect.DeepEqual(all, want) {
		t.Errorf("unquoted too: got %+v, want %+v", all, want)
	}
}

func TestStrongMatch(t *testing.T) {
	is := func(v string) func(Tag) bool { return func(t Tag) bool { return t.Opaque == v } }
	for _, c := range []struct {
		lines            []string
		unquoted, strong bool
		want             bool
	}{
		{[]string{`"a", "b"`}, false, true, true},
		{[]string{`W/"b"`}, false, true, false},
		{[]string{`"b"`}, false, false, false},
		{[]string{`*`}, false, false, true},
		{[]string{`a, b`}, false, true, false},
		{[]string{`a, b`}, true, true, true},
	} {
		if got := StrongMatch(c.lines, c.unquoted, c.strong, is("b")); got != c.want {
			t.Errorf("StrongMatch(%q, %v, %v) = %v, want %v", c.lines, c.unquoted, c.strong, got, c.want)
		}
	}
}

func TestSend(t *testing.T) {
	r := TextResponse(http.StatusTeapot, "short %s", "and stout")
	rec := httptest.NewRecorder()
	r.Send(rec, r.Body)
	if rec.Code != http.StatusTeapot || rec.Body.String() != "short and stout\n" || rec.Header().Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Errorf("got %d %q %v", rec.Code, rec.Body, rec.Header())
	}
	r = NewResponse(http.StatusOK)
	rec = httptest.NewRecorder()
	r.Send(rec, []byte("<html>"))
	if ct, ok := rec.Header()["Content-Type"]; !ok || ct != nil {
		t.Errorf("a body without Content-Type: header %v, want a nil Content-Type", rec.Header())
	}
	for status, want := range map[int]bool{100: false, 200: true, 204: false, 304: false, 412: true} {
		if BodyAllowed(status) != want {
			t.Errorf("BodyAllowed(%d) != %v", status, want)
		}
	}
}
