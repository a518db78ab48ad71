package statedoctest_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

// TestLogRedactsEveryAuthorization sends Authorization values of every form
// — Basic with the right and wrong credentials, other schemes, a lowercase
// scheme, and a bare API key without any scheme — and looks for the
// credentials in everything the log holds: the Exchange, its String and
// its headers.
func TestLogRedactsEveryAuthorization(t *testing.T) {
	const (
		user   = "lrs-key-Hq83"
		pass   = "lrs-secret-Zp61"
		apiKey = "bare-api-key-Wn27"
	)
	srv := statedoctest.NewServer(&statedoctest.Options{Username: user, Password: pass})
	t.Cleanup(srv.Close)
	basic := func(u, p string) string { return base64.StdEncoding.EncodeToString([]byte(u + ":" + p)) }
	values := []string{
		"Basic " + basic(user, pass),
		"Basic " + basic(user, "wrong-"+pass),
		"basic " + basic(user, pass),
		"Bearer " + apiKey,
		apiKey,
	}
	for _, v := range values {
		req, err := http.NewRequest(http.MethodGet, srv.StateURL()+"?activityId=https%3A%2F%2Fexample.com%2Fa&agent=%7B%22mbox%22%3A%22mailto%3Aa%40example.com%22%7D&stateId=s", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", v)
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		resp.Body.Close()
	}
	log := srv.Log()
	require.Len(t, log, len(values))
	secrets := []string{user, pass, apiKey, basic(user, pass), basic(user, "wrong-"+pass)}
	for i, e := range log {
		texts := []string{e.String(), fmt.Sprintf("%+v", e), string(e.RequestBody), string(e.ResponseBody)}
		for name, vs := range e.RequestHeader {
			texts = append(texts, name+": "+strings.Join(vs, ", "))
		}
		for name, vs := range e.ResponseHeader {
			texts = append(texts, name+": "+strings.Join(vs, ", "))
		}
		for _, text := range texts {
			for _, s := range secrets {
				if strings.HasPrefix(text, "Authorization: ") && strings.Contains(text, s) && values[i] == apiKey {
					t.Fatal("redact (statedoc/statedoctest/server.go) keeps everything before the first space as " +
						"the scheme, so an Authorization value without a scheme (a bare API key) is logged whole: " + text)
				}
				assert.NotContains(t, text, s, "exchange %d (Authorization %q)", i, values[i])
			}
		}
		assert.NotEmpty(t, e.RequestHeader.Get("Authorization"), "exchange %d: the header is kept, redacted", i)
	}
}
