package statedoctest_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/statedoc"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

// TestAbout checks GET /about (xAPI 1.0.3 §2.8; 2.0 §4.1.6.7): the
// versions the server speaks, without credentials, whatever the version
// header.
func TestAbout(t *testing.T) {
	tests := []struct {
		name     string
		opts     statedoctest.Options
		want     string
		versions []string
	}{
		{"1.0.3", statedoctest.Options{Version: statedoc.Version103}, `{"version":["1.0.3"]}`, []string{"1.0.3"}},
		{"2.0.0", statedoctest.Options{Version: statedoc.Version200}, `{"version":["2.0.0"]}`, []string{"2.0.0"}},
		{"both", statedoctest.Options{AboutVersions: []string{"1.0.3", "2.0.0"}}, `{"version":["1.0.3","2.0.0"]}`, []string{"1.0.3", "2.0.0"}},
		{"none", statedoctest.Options{Version: statedoc.Version200, AboutVersions: []string{}}, `{"version":[]}`, []string{}},
		{"older", statedoctest.Options{AboutVersions: []string{"0.95", "1.0.0", "1.0.1"}}, `{"version":["0.95","1.0.0","1.0.1"]}`, []string{"0.95", "1.0.0", "1.0.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			opts.Username, opts.Password = "lrs", "secret"
			srv := statedoctest.NewServer(&opts)
			defer srv.Close()
			assert.Equal(t, tt.versions, srv.AboutVersions())
			for _, sent := range []string{"", "0.9", srv.Version(), "3.0.0"} {
				r := sendRaw(t, srv, http.MethodGet, srv.AboutURL(), req{header: map[string]string{statedoc.HeaderVersion: sent}})
				require.Equal(t, http.StatusOK, r.Status, "version %q: %s", sent, r.Body)
				assert.JSONEq(t, tt.want, r.Body)
				assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
				assert.Equal(t, srv.Version(), r.Header.Get(statedoc.HeaderVersion))
			}
			r := sendRaw(t, srv, http.MethodHead, srv.AboutURL(), req{})
			assert.Equal(t, http.StatusOK, r.Status)
			assert.Empty(t, r.Body)
			r = sendRaw(t, srv, http.MethodPost, srv.AboutURL(), req{body: `{}`})
			assert.Equal(t, http.StatusMethodNotAllowed, r.Status)
			assert.Equal(t, "GET, HEAD", r.Header.Get("Allow"))
			r = sendRaw(t, srv, http.MethodGet, srv.AboutURL()+"?"+url.Values{"format": {"json"}}.Encode(), req{})
			assert.Equal(t, http.StatusBadRequest, r.Status)
			assert.Contains(t, r.Body, `unknown parameter "format"`)
			// The other resources still need the credentials.
			assert.Equal(t, http.StatusUnauthorized, get(t, srv, testKey("s")).Status)
		})
	}
	// A caller's list is copied.
	list := []string{"1.0.3"}
	srv := statedoctest.NewServer(&statedoctest.Options{AboutVersions: list})
	defer srv.Close()
	list[0] = "9.9.9"
	srv.AboutVersions()[0] = "8.8.8"
	assert.Equal(t, []string{"1.0.3"}, srv.AboutVersions())
}
