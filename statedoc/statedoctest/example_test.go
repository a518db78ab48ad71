package statedoctest_test

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/ifmatch/ifmatch/statedoc"
	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

// Two clients read the same document; the first write wins and the second,
// made on the same ETag, is refused with 412.
func Example() {
	srv := statedoctest.NewServer(&statedoctest.Options{Version: statedoc.Version200})
	defer srv.Close()

	key := statedoc.Key{
		ActivityID: "https://example.com/course/1",
		Agent:      statedoc.Agent{Mbox: "mailto:ada@example.com"},
		StateID:    "progress",
	}
	v1 := srv.SetDocument(key, "application/json", []byte(`{"page":1}`))

	q, _ := key.Query()
	u := srv.URL + "/activities/state?" + q.Encode()
	write := func(body string) int {
		req, _ := http.NewRequest(http.MethodPut, u, strings.NewReader(body))
		req.Header.Set(statedoc.HeaderVersion, statedoc.Version200)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("If-Match", v1)
		resp, err := srv.Client().Do(req)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	fmt.Println("client A:", write(`{"page":2}`))
	fmt.Println("client B:", write(`{"page":5}`))

	doc, _ := srv.Document(key)
	fmt.Println("stored:", string(doc.Body))
	for _, e := range srv.Log() {
		fmt.Println(e, "If-Match", e.IfMatch())
	}
	// Output:
	// client A: 204
	// client B: 412
	// stored: {"page":2}
	// PUT progress 204 If-Match "219e426073c3a5ba0ef51b628c63cce6eb05669f"
	// PUT progress 412 If-Match "219e426073c3a5ba0ef51b628c63cce6eb05669f"
}

// A learner's preferences in the Agent Profile Resource: a PUT without a
// precondition onto an existing profile document is refused with 409, in
// both xAPI versions; the client reads the ETag and writes with If-Match.
func Example_agentProfile() {
	srv := statedoctest.NewServer(nil)
	defer srv.Close()

	key := statedoc.LearnerPreferencesKey(statedoc.Agent{Mbox: "mailto:ada@example.com"})
	srv.SetAgentProfile(key, "application/json", []byte(`{"audioPreference":"on"}`))

	q, _ := key.Query()
	u := srv.AgentProfileURL() + "?" + q.Encode()
	do := func(method, body, ifMatch string) *http.Response {
		req, _ := http.NewRequest(method, u, strings.NewReader(body))
		req.Header.Set(statedoc.HeaderVersion, statedoc.Version103)
		req.Header.Set("Content-Type", "application/json")
		if ifMatch != "" {
			req.Header.Set("If-Match", ifMatch)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		return resp
	}
	fmt.Println("PUT:", do(http.MethodPut, `{"audioPreference":"off"}`, "").StatusCode)
	etag := do(http.MethodGet, "", "").Header.Get("ETag")
	fmt.Println("PUT with If-Match:", do(http.MethodPut, `{"audioPreference":"off"}`, etag).StatusCode)

	doc, _ := srv.AgentProfile(key)
	prefs, _ := statedoc.ParseLearnerPreferences(doc.Body)
	fmt.Println("audio:", prefs.AudioPreference)
	// Output:
	// PUT: 409
	// PUT with If-Match: 204
	// audio: off
}
