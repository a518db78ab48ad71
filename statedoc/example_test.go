package statedoc_test

import (
	"errors"
	"fmt"

	"github.com/ifmatch/ifmatch/statedoc"
)

func ExampleKey_Query() {
	key := statedoc.Key{
		ActivityID: "https://example.com/course/1",
		Agent:      statedoc.Agent{Name: "Ada", Mbox: "mailto:ada@example.com"},
		StateID:    "progress",
	}
	q, err := key.Query()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(q.Get("agent"))
	fmt.Println(q.Encode())
	fmt.Println(key)
	// Output:
	// {"objectType":"Agent","mbox":"mailto:ada@example.com"}
	// activityId=https%3A%2F%2Fexample.com%2Fcourse%2F1&agent=%7B%22objectType%22%3A%22Agent%22%2C%22mbox%22%3A%22mailto%3Aada%40example.com%22%7D&stateId=progress
	// state "progress" of https://example.com/course/1 for mailto:ada@example.com
}

func ExampleParseAgent() {
	a, err := statedoc.ParseAgent(`{"name":"Ada","account":{"name":"ada","homePage":"https://lms.example.com"}}`)
	if err != nil {
		fmt.Println(err)
		return
	}
	q, _ := a.QueryValue()
	fmt.Println(q)

	_, err = statedoc.ParseAgent(`{"objectType":"Group","member":[]}`)
	fmt.Println(err)
	fmt.Println(errors.Is(err, statedoc.ErrInvalid))
	// Output:
	// {"objectType":"Agent","account":{"homePage":"https://lms.example.com","name":"ada"}}
	// statedoc: invalid agent: objectType "Group" is not allowed: the State Resource takes an Agent
	// true
}

func ExampleAgent_Validate() {
	err := statedoc.Agent{Mbox: "ada@example.com"}.Validate()
	fmt.Println(err)
	// Output:
	// statedoc: invalid agent: mbox must be a mailto: IRI
}

func ExampleAccepts() {
	fmt.Println(statedoc.Accepts(statedoc.Version103, "1.0"))
	fmt.Println(statedoc.Accepts(statedoc.Version103, "1.0.1"))
	fmt.Println(statedoc.Accepts(statedoc.Version103, "1.0.3-rc1"))
	fmt.Println(statedoc.Accepts(statedoc.Version103, "2.0.0"))
	fmt.Println(statedoc.Accepts(statedoc.Version200, "2.0"))
	// Output:
	// true
	// true
	// true
	// false
	// true
}

func ExampleSHA1ETag() {
	fmt.Println(statedoc.SHA1ETag([]byte(`{"page":3}`)))
	// Output:
	// "025053693d40cee617c43cdc7718f2b1da59b94a"
}

func ExampleAgentProfileKey_Query() {
	key := statedoc.LearnerPreferencesKey(statedoc.Agent{Mbox: "mailto:ada@example.com"})
	q, err := key.Query()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(statedoc.AgentProfilePath + "?" + q.Encode())
	fmt.Println(key)
	// Output:
	// agents/profile?agent=%7B%22objectType%22%3A%22Agent%22%2C%22mbox%22%3A%22mailto%3Aada%40example.com%22%7D&profileId=cmi5LearnerPreferences
	// agent profile "cmi5LearnerPreferences" of mailto:ada@example.com
}

func ExampleParseLaunchData() {
	d, err := statedoc.ParseLaunchData([]byte(`{
		"contextTemplate": {"extensions": {"https://w3id.org/xapi/cmi5/context/extensions/sessionid": "s-1"}},
		"launchMode": "Normal",
		"moveOn": "CompletedAndPassed",
		"masteryScore": 0.8
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	session, _ := d.SessionID()
	fmt.Println(d.LaunchMode, d.MoveOn, *d.MasteryScore, session)

	_, err = statedoc.ParseLaunchData([]byte(`{"contextTemplate": {}, "launchMode": "normal", "moveOn": "Passed"}`))
	fmt.Println(err)
	fmt.Println(errors.Is(err, statedoc.ErrInvalidDocument))
	// Output:
	// Normal CompletedAndPassed 0.8 s-1
	// statedoc: invalid LMS.LaunchData: launchMode: must be "Normal", "Browse" or "Review", not "normal"
	// true
}
