package statedoctest_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/statedoc"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

// doAt sends a request to the State Resource of the endpoint at base (an
// LRS URL ending in /xapi) and returns the status and ETag, or the
// transport error.
func doAt(t *testing.T, hc *http.Client, base, method string, k statedoc.Key, body string, header map[string]string) (int, string, error) {
	t.Helper()
	hr, err := http.NewRequest(method, base+statedoctest.StatePath+"?"+query(t, k).Encode(), strings.NewReader(body))
	require.NoError(t, err)
	hr.Header.Set(statedoc.HeaderVersion, statedoc.Version103)
	if body != "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	for name, v := range header {
		hr.Header.Set(name, v)
	}
	resp, err := hc.Do(hr)
	if err != nil {
		return 0, "", err
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("ETag"), nil
}

func TestNewUnstartedServerDoesNotListen(t *testing.T) {
	srv := statedoctest.NewUnstartedServer(nil)
	assert.Empty(t, srv.URL)
	assert.NotNil(t, srv.Client())
	assert.NotNil(t, srv.Handler())
	srv.Close() // never started: nothing to close
	srv.Close()
}

func TestNewUnstartedServerPanicsLikeNewServer(t *testing.T) {
	assert.Panics(t, func() { statedoctest.NewUnstartedServer(&statedoctest.Options{Version: "1.0"}) })
	assert.Panics(t, func() {
		statedoctest.NewUnstartedServer(&statedoctest.Options{Preconditions: statedoctest.Preconditions(9)})
	})
	assert.Panics(t, func() {
		statedoctest.NewUnstartedServer(&statedoctest.Options{Faults: statedoctest.FaultPlan{Rules: []statedoctest.Fault{{}}}})
	})
}

func TestStart(t *testing.T) {
	srv := statedoctest.NewUnstartedServer(&statedoctest.Options{Version: statedoc.Version200})
	srv.Start()
	defer srv.Close()
	require.True(t, strings.HasPrefix(srv.URL, "http://127.0.0.1:"), srv.URL)
	assert.True(t, strings.HasSuffix(srv.URL, "/xapi"), srv.URL)
	assert.Equal(t, srv.URL+statedoctest.StatePath, srv.StateURL())

	k := testKey("progress")
	assert.Equal(t, http.StatusNoContent, put(t, srv, k, `{"page":1}`, nil).Status)
	assert.Equal(t, `{"page":1}`, get(t, srv, k).Body)
	assert.Panics(t, srv.Start, "a second Start")
}

// TestHandlerOnOwnListener serves Handler on an http.Server of the test's
// own, on a listener it chose, and checks that the store, the log and the
// faults are the Server's.
func TestHandlerOnOwnListener(t *testing.T) {
	srv := statedoctest.NewUnstartedServer(&statedoctest.Options{
		Username: "key",
		Password: "secret",
		Faults: statedoctest.FaultPlan{Rules: []statedoctest.Fault{
			{Kind: statedoctest.CommitThenDrop, Count: 1},
		}},
	})
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/", srv.Handler())
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	base := "http://" + ln.Addr().String() + "/xapi"
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	auth := map[string]string{"Authorization": "Basic a2V5OnNlY3JldA=="} // key:secret

	k := testKey("progress")
	status, _, err := doAt(t, hc, base, http.MethodPut, k, `{"page":1}`, auth)
	require.Error(t, err, "CommitThenDrop drops the first write's connection")
	assert.Zero(t, status)
	doc, ok := srv.Document(k)
	require.True(t, ok, "the dropped write was applied")
	assert.Equal(t, `{"page":1}`, string(doc.Body))

	status, etag, err := doAt(t, hc, base, http.MethodGet, k, "", auth)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, doc.ETag, etag)

	status, _, err = doAt(t, hc, base, http.MethodGet, k, "", nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnauthorized, status)

	status, _, err = doAt(t, hc, "http://"+ln.Addr().String()+"/other", http.MethodGet, k, "", auth)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNotFound, status)

	assert.Equal(t, map[statedoctest.FaultKind]int{statedoctest.CommitThenDrop: 1}, srv.FaultCounts())
	var got []string
	for _, e := range srv.Log() {
		got = append(got, e.String())
	}
	assert.Equal(t, []string{"PUT progress 0 [CommitThenDrop]", "GET progress 200", "GET progress 401", "GET progress 404"}, got)
}

// TestHandlerOfStartedServer checks that a started server's Handler is the
// endpoint it serves: requests through either reach the same store.
func TestHandlerOfStartedServer(t *testing.T) {
	srv := statedoctest.NewServer(nil)
	defer srv.Close()
	other := httptest.NewServer(srv.Handler())
	defer other.Close()

	k := testKey("progress")
	status, etag, err := doAt(t, other.Client(), other.URL+"/xapi", http.MethodPut, k, `{"page":2}`, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, status)
	r := get(t, srv, k)
	assert.Equal(t, `{"page":2}`, r.Body)
	assert.Equal(t, etag, r.Header.Get("ETag"))
	assert.Len(t, srv.Log(), 2)
}

func TestTakeLog(t *testing.T) {
	srv := statedoctest.NewServer(nil)
	defer srv.Close()
	assert.Empty(t, srv.TakeLog())

	k := testKey("progress")
	put(t, srv, k, `{"page":1}`, nil)
	get(t, srv, k)
	taken := srv.TakeLog()
	require.Len(t, taken, 2)
	assert.Equal(t, "PUT progress 204", taken[0].String())
	assert.Equal(t, uint64(1), taken[0].Arrival)
	assert.Equal(t, "GET progress 200", taken[1].String())
	assert.Empty(t, srv.Log(), "taken exchanges are forgotten")
	assert.Empty(t, srv.TakeLog())

	taken[0].RequestHeader.Set("X-Changed", "1")
	put(t, srv, k, `{"page":2}`, map[string]string{"If-Match": taken[1].ETag()})
	next := srv.TakeLog()
	require.Len(t, next, 1)
	assert.Equal(t, "PUT progress 204", next[0].String())
	assert.Equal(t, uint64(3), next[0].Arrival, "Arrival keeps counting")
	assert.Empty(t, next[0].RequestHeader.Get("X-Changed"))
}
