package statedoctest_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/statedoc"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

var modes = []statedoctest.Preconditions{statedoctest.Enforce, statedoctest.Ignore, statedoctest.CheckThenWrite}

// tries is how many rounds a race test runs: enough for CheckThenWrite to
// lose an update, and for Enforce to show it never does.
const tries = 50

func TestPreconditionsString(t *testing.T) {
	assert.Equal(t, "Enforce", statedoctest.Enforce.String())
	assert.Equal(t, "Ignore", statedoctest.Ignore.String())
	assert.Equal(t, "CheckThenWrite", statedoctest.CheckThenWrite.String())
	assert.Equal(t, "Preconditions(7)", statedoctest.Preconditions(7).String())
	assert.Equal(t, "Preconditions(-1)", statedoctest.Preconditions(-1).String())
	var zero statedoctest.Options
	assert.Equal(t, statedoctest.Enforce, zero.Preconditions, "the zero value enforces")
}

func TestNewServerRejectsUnknownPreconditions(t *testing.T) {
	assert.PanicsWithValue(t, "statedoctest: unknown Preconditions mode Preconditions(3)", func() {
		statedoctest.NewServer(&statedoctest.Options{Preconditions: 3})
	})
	for _, m := range modes {
		srv := statedoctest.NewServer(&statedoctest.Options{Preconditions: m})
		assert.Equal(t, m, srv.Preconditions())
		srv.Close()
	}
}

// staleDocument stores {"v":1}, then {"v":2}, and returns the ETag of the
// first (stale) and of the second (current).
func staleDocument(srv *statedoctest.Server, k statedoc.Key) (stale, current string) {
	stale = srv.SetDocument(k, "application/json", []byte(`{"v":1}`))
	current = srv.SetDocument(k, "application/json", []byte(`{"v":2}`))
	return stale, current
}

// An Ignore server performs every write whatever its preconditions.
func TestIgnoreWrites(t *testing.T) {
	past := httpDate(time.Now().Add(-time.Hour))
	tests := []struct {
		name   string
		method string
		header func(stale, current string) map[string]string
		body   string
		want   string // the document afterwards; "" when deleted
	}{
		{"PUT stale If-Match", http.MethodPut, func(stale, _ string) map[string]string { return map[string]string{"If-Match": stale} }, `{"v":3}`, `{"v":3}`},
		{"PUT If-None-Match *", http.MethodPut, func(_, _ string) map[string]string { return map[string]string{"If-None-Match": "*"} }, `{"v":3}`, `{"v":3}`},
		{"PUT If-None-Match current", http.MethodPut, func(_, current string) map[string]string { return map[string]string{"If-None-Match": current} }, `{"v":3}`, `{"v":3}`},
		{"PUT If-Unmodified-Since past", http.MethodPut, func(_, current string) map[string]string {
			return map[string]string{"If-Match": current, "If-Unmodified-Since": past}
		}, `{"v":3}`, `{"v":3}`},
		{"POST stale If-Match", http.MethodPost, func(stale, _ string) map[string]string { return map[string]string{"If-Match": stale} }, `{"w":3}`, `{"v":2,"w":3}`},
		{"POST If-None-Match *", http.MethodPost, func(_, _ string) map[string]string { return map[string]string{"If-None-Match": "*"} }, `{"w":3}`, `{"v":2,"w":3}`},
		{"DELETE stale If-Match", http.MethodDelete, func(stale, _ string) map[string]string { return map[string]string{"If-Match": stale} }, "", ""},
		{"DELETE If-None-Match *", http.MethodDelete, func(_, _ string) map[string]string { return map[string]string{"If-None-Match": "*"} }, "", ""},
		{"DELETE If-Unmodified-Since past", http.MethodDelete, func(_, _ string) map[string]string { return map[string]string{"If-Unmodified-Since": past} }, "", ""},
	}
	for _, v := range versions {
		for _, tt := range tests {
			t.Run(v+"/"+tt.name, func(t *testing.T) {
				srv := statedoctest.NewServer(&statedoctest.Options{Version: v, Preconditions: statedoctest.Ignore})
				defer srv.Close()
				k := testKey("s")
				stale, current := staleDocument(srv, k)
				r := send(t, srv, req{method: tt.method, key: k, body: tt.body, header: tt.header(stale, current)})
				require.Equal(t, http.StatusNoContent, r.Status, r.Body)
				d, ok := srv.Document(k)
				if tt.want == "" {
					assert.False(t, ok, "deleted")
					return
				}
				require.True(t, ok)
				assert.Equal(t, tt.want, string(d.Body))
				assert.Equal(t, d.ETag, r.Header.Get("ETag"), "the write answers the new ETag")
			})
		}
	}
}

// An Ignore server creates a document for an If-Match on an absent one,
// and a DELETE of the whole context ignores its preconditions too.
func TestIgnoreAbsentAndContext(t *testing.T) {
	srv := statedoctest.NewServer(&statedoctest.Options{Preconditions: statedoctest.Ignore})
	defer srv.Close()
	k := testKey("s")
	r := put(t, srv, k, `{"v":1}`, map[string]string{"If-Match": `"nothing"`})
	require.Equal(t, http.StatusNoContent, r.Status, r.Body)
	_, ok := srv.Document(k)
	assert.True(t, ok, "created")

	r = send(t, srv, req{method: http.MethodDelete, key: statedoc.Key{ActivityID: k.ActivityID, Agent: k.Agent}, header: map[string]string{"If-None-Match": "*"}})
	require.Equal(t, http.StatusNoContent, r.Status, r.Body)
	_, ok = srv.Document(k)
	assert.False(t, ok, "the context's documents are deleted")
}

// In 2.0.0 mode a PUT without If-Match or If-None-Match onto an existing
// document replaces it on an Ignore server, which does not look at the
// fields; the other modes answer 409.
func TestHeaderlessPut200(t *testing.T) {
	want := map[statedoctest.Preconditions]int{
		statedoctest.Enforce:        http.StatusConflict,
		statedoctest.Ignore:         http.StatusNoContent,
		statedoctest.CheckThenWrite: http.StatusConflict,
	}
	for _, m := range modes {
		t.Run(m.String(), func(t *testing.T) {
			srv := statedoctest.NewServer(&statedoctest.Options{Version: statedoc.Version200, Preconditions: m})
			defer srv.Close()
			k := testKey("s")
			srv.SetDocument(k, "application/json", []byte(`{"v":1}`))
			r := put(t, srv, k, `{"v":2}`, nil)
			require.Equal(t, want[m], r.Status, r.Body)
			d, _ := srv.Document(k)
			if want[m] == http.StatusNoContent {
				assert.Equal(t, `{"v":2}`, string(d.Body))
			} else {
				assert.Equal(t, `{"v":1}`, string(d.Body))
			}
		})
	}
}

// Reads evaluate their preconditions in every mode.
func TestConditionalGetInEveryMode(t *testing.T) {
	for _, m := range modes {
		t.Run(m.String(), func(t *testing.T) {
			srv := statedoctest.NewServer(&statedoctest.Options{Preconditions: m})
			defer srv.Close()
			k := testKey("s")
			stale, current := staleDocument(srv, k)
			r := send(t, srv, req{method: http.MethodGet, key: k, header: map[string]string{"If-None-Match": current}})
			assert.Equal(t, http.StatusNotModified, r.Status)
			assert.Equal(t, current, r.Header.Get("ETag"))
			r = send(t, srv, req{method: http.MethodGet, key: k, header: map[string]string{"If-Match": stale}})
			assert.Equal(t, http.StatusPreconditionFailed, r.Status)
			r = send(t, srv, req{method: http.MethodGet, key: k, header: map[string]string{"If-None-Match": stale}})
			assert.Equal(t, http.StatusOK, r.Status)
			assert.Equal(t, `{"v":2}`, r.Body)
		})
	}
}

// One request at a time, a CheckThenWrite server answers exactly as an
// Enforce server does.
func TestCheckThenWriteSequential(t *testing.T) {
	tests := []struct {
		name   string
		method string
		header func(stale, current string) map[string]string
		want   int
	}{
		{"PUT stale If-Match", http.MethodPut, func(stale, _ string) map[string]string { return map[string]string{"If-Match": stale} }, http.StatusPreconditionFailed},
		{"PUT If-None-Match *", http.MethodPut, func(_, _ string) map[string]string { return map[string]string{"If-None-Match": "*"} }, http.StatusPreconditionFailed},
		{"PUT current If-Match", http.MethodPut, func(_, current string) map[string]string { return map[string]string{"If-Match": current} }, http.StatusNoContent},
		{"POST stale If-Match", http.MethodPost, func(stale, _ string) map[string]string { return map[string]string{"If-Match": stale} }, http.StatusPreconditionFailed},
		{"POST current If-Match", http.MethodPost, func(_, current string) map[string]string { return map[string]string{"If-Match": current} }, http.StatusNoContent},
		{"DELETE stale If-Match", http.MethodDelete, func(stale, _ string) map[string]string { return map[string]string{"If-Match": stale} }, http.StatusPreconditionFailed},
		{"DELETE current If-Match", http.MethodDelete, func(_, current string) map[string]string { return map[string]string{"If-Match": current} }, http.StatusNoContent},
	}
	for _, v := range versions {
		for _, tt := range tests {
			t.Run(v+"/"+tt.name, func(t *testing.T) {
				got := map[statedoctest.Preconditions]reply{}
				docs := map[statedoctest.Preconditions]string{}
				for _, m := range []statedoctest.Preconditions{statedoctest.Enforce, statedoctest.CheckThenWrite} {
					srv := statedoctest.NewServer(&statedoctest.Options{Version: v, Preconditions: m})
					k := testKey("s")
					stale, current := staleDocument(srv, k)
					body := ""
					if tt.method != http.MethodDelete {
						body = `{"w":3}`
					}
					got[m] = send(t, srv, req{method: tt.method, key: k, body: body, header: tt.header(stale, current)})
					d, _ := srv.Document(k)
					docs[m] = string(d.Body)
					srv.Close()
				}
				e, c := got[statedoctest.Enforce], got[statedoctest.CheckThenWrite]
				require.Equal(t, tt.want, e.Status, e.Body)
				assert.Equal(t, e.Status, c.Status, c.Body)
				assert.Equal(t, e.Body, c.Body)
				assert.Equal(t, e.Header.Get("ETag"), c.Header.Get("ETag"))
				assert.Equal(t, docs[statedoctest.Enforce], docs[statedoctest.CheckThenWrite])
			})
		}
	}
}

// raceTwice runs up to tries rounds of two concurrent requests built by
// round, stopping at the first round for which done reports true; it
// returns that round, or -1.
func raceTwice(t *testing.T, srv *statedoctest.Server, round func(i int) (statedoc.Key, []racer), done func(k statedoc.Key, statuses []int) bool) int {
	t.Helper()
	for i := range tries {
		k, rs := round(i)
		if done(k, race(t, srv, rs)) {
			return i
		}
	}
	return -1
}

// Two concurrent PUTs carrying the same current If-Match: a CheckThenWrite
// server lets both succeed (in at least one of the rounds), losing one
// update; an Enforce server never does.
func TestCheckThenWriteLostUpdate(t *testing.T) {
	for _, m := range []statedoctest.Preconditions{statedoctest.Enforce, statedoctest.CheckThenWrite} {
		t.Run(m.String(), func(t *testing.T) {
			srv := statedoctest.NewServer(&statedoctest.Options{Preconditions: m})
			defer srv.Close()
			round := func(i int) (statedoc.Key, []racer) {
				k := testKey(fmt.Sprintf("s%d", i))
				etag := srv.SetDocument(k, "application/json", []byte(`{"n":0}`))
				ifMatch := map[string]string{"If-Match": etag}
				return k, []racer{
					{http.MethodPut, k, `{"by":"A"}`, ifMatch},
					{http.MethodPut, k, `{"by":"B"}`, ifMatch},
				}
			}
			both := func(k statedoc.Key, statuses []int) bool {
				if m == statedoctest.Enforce {
					require.Equal(t, map[int]int{204: 1, 412: 1}, count(statuses), "%s: exactly one PUT wins", k.StateID)
					return false
				}
				for _, s := range statuses {
					require.Contains(t, []int{204, 412}, s)
				}
				return count(statuses)[204] == 2
			}
			i := raceTwice(t, srv, round, both)
			if m == statedoctest.Enforce {
				assert.Equal(t, -1, i)
				return
			}
			require.NotEqual(t, -1, i, "no round of %d let both PUTs succeed", tries)
			t.Logf("both PUTs succeeded in round %d", i)

			// The later write replaced the earlier: one acknowledged
			// update is lost.
			d, ok := srv.Document(testKey(fmt.Sprintf("s%d", i)))
			require.True(t, ok)
			var last statedoctest.Exchange
			for _, e := range srv.Log() {
				if e.StateID == fmt.Sprintf("s%d", i) && e.StoreOrder > last.StoreOrder {
					last = e
				}
			}
			assert.Equal(t, 204, last.Status)
			assert.Equal(t, string(last.RequestBody), string(d.Body), "the write applied last is stored")
		})
	}
}

// Two concurrent creates with If-None-Match: * can both succeed on a
// CheckThenWrite server, whatever the method.
func TestCheckThenWriteDoubleCreate(t *testing.T) {
	for _, method := range []string{http.MethodPut, http.MethodPost} {
		t.Run(method, func(t *testing.T) {
			srv := statedoctest.NewServer(&statedoctest.Options{Preconditions: statedoctest.CheckThenWrite})
			defer srv.Close()
			create := map[string]string{"If-None-Match": "*"}
			i := raceTwice(t, srv, func(i int) (statedoc.Key, []racer) {
				k := testKey(fmt.Sprintf("s%d", i))
				return k, []racer{
					{method, k, `{"by":"A"}`, create},
					{method, k, `{"by":"B"}`, create},
				}
			}, func(k statedoc.Key, statuses []int) bool {
				return count(statuses)[204] == 2
			})
			require.NotEqual(t, -1, i, "no round of %d let both creates succeed", tries)
		})
	}
}

// A CheckThenWrite POST merges into the document as it was checked, so two
// concurrent POSTs without preconditions can lose a member; on an Enforce
// server both members are always kept.
func TestCheckThenWritePostMerge(t *testing.T) {
	for _, m := range []statedoctest.Preconditions{statedoctest.Enforce, statedoctest.CheckThenWrite} {
		t.Run(m.String(), func(t *testing.T) {
			srv := statedoctest.NewServer(&statedoctest.Options{Preconditions: m})
			defer srv.Close()
			i := raceTwice(t, srv, func(i int) (statedoc.Key, []racer) {
				k := testKey(fmt.Sprintf("s%d", i))
				srv.SetDocument(k, "application/json", []byte(`{"n":0}`))
				return k, []racer{
					{http.MethodPost, k, `{"a":1}`, nil},
					{http.MethodPost, k, `{"b":2}`, nil},
				}
			}, func(k statedoc.Key, statuses []int) bool {
				require.Equal(t, map[int]int{204: 2}, count(statuses))
				d, _ := srv.Document(k)
				if m == statedoctest.Enforce {
					require.Contains(t, []string{`{"n":0,"a":1,"b":2}`, `{"n":0,"b":2,"a":1}`}, string(d.Body))
					return false
				}
				require.Contains(t, []string{`{"n":0,"a":1,"b":2}`, `{"n":0,"b":2,"a":1}`, `{"n":0,"a":1}`, `{"n":0,"b":2}`}, string(d.Body))
				return len(d.Body) == len(`{"n":0,"a":1}`)
			})
			if m == statedoctest.Enforce {
				assert.Equal(t, -1, i)
			} else {
				assert.NotEqual(t, -1, i, "no round of %d lost a merged member", tries)
			}
		})
	}
}

// The pause happens without the lock: a read during it sees the document
// as it was, and is not held up.
func TestCheckThenWritePauseOutsideLock(t *testing.T) {
	const window = 300 * time.Millisecond
	srv := statedoctest.NewServer(&statedoctest.Options{Preconditions: statedoctest.CheckThenWrite, RaceWindow: window})
	defer srv.Close()
	k := testKey("s")
	etag := srv.SetDocument(k, "application/json", []byte(`{"v":1}`))
	done := make(chan reply)
	go func() {
		done <- put(t, srv, k, `{"v":2}`, map[string]string{"If-Match": etag})
	}()
	time.Sleep(window / 6) // let the PUT pass its check
	start := time.Now()
	r := get(t, srv, k)
	elapsed := time.Since(start)
	assert.Equal(t, `{"v":1}`, r.Body, "the write is not applied during the pause")
	assert.Less(t, elapsed, window/2, "the read did not wait for the write")
	assert.Equal(t, http.StatusNoContent, (<-done).Status)
	d, _ := srv.Document(k)
	assert.Equal(t, `{"v":2}`, string(d.Body))
}

// Scripts, authentication, validation and the size limit answer the same
// in every mode, before any precondition.
func TestModesKeepOtherChecks(t *testing.T) {
	for _, m := range modes {
		t.Run(m.String(), func(t *testing.T) {
			srv := statedoctest.NewServer(&statedoctest.Options{Preconditions: m, Username: "u", Password: "p", MaxDocumentSize: 16})
			defer srv.Close()
			k := testKey("s")
			etag := srv.SetDocument(k, "application/json", []byte(`{"v":1}`))
			auth := map[string]string{"Authorization": "Basic dTpw", "If-Match": etag} // u:p

			r := put(t, srv, k, `{"v":2}`, map[string]string{"If-Match": etag})
			assert.Equal(t, http.StatusUnauthorized, r.Status)
			r = put(t, srv, k, `{"v":"much too long a document"}`, auth)
			assert.Equal(t, http.StatusRequestEntityTooLarge, r.Status)
			r = send(t, srv, req{method: http.MethodPut, key: statedoc.Key{ActivityID: k.ActivityID, Agent: k.Agent}, body: `{"v":2}`, header: auth})
			assert.Equal(t, http.StatusBadRequest, r.Status, "a PUT needs a stateId")
			srv.Script(statedoctest.Script{Method: http.MethodPut, Status: http.StatusServiceUnavailable})
			r = put(t, srv, k, `{"v":2}`, auth)
			assert.Equal(t, http.StatusServiceUnavailable, r.Status)
			d, _ := srv.Document(k)
			assert.Equal(t, `{"v":1}`, string(d.Body), "nothing was written")

			r = put(t, srv, k, `{"v":2}`, auth)
			assert.Equal(t, http.StatusNoContent, r.Status)
			log := srv.Log()
			require.Len(t, log, 5)
			assert.Equal(t, []uint64{0, 0, 0, 0, 1}, []uint64{log[0].StoreOrder, log[1].StoreOrder, log[2].StoreOrder, log[3].StoreOrder, log[4].StoreOrder})
			assert.True(t, log[3].Scripted)
		})
	}
}
