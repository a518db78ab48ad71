// Package statedoc models the document resources of an xAPI Learning
// Record Store — the State, Activity Profile and Agent Profile Resources —
// and the cmi5 documents that live in them: how a document is addressed,
// how its agent is encoded, which version header a request carries, and
// how a 1.0.3 LRS derives ETags.
//
// A Key names one state document (activity IRI, agent, optional
// registration, stateId); a Context names the scope that listing and
// deleting all state documents work on. A Context without a registration
// covers the documents of every registration of the activity and agent
// (xAPI 1.0.3 §2.3: "Activity + Agent [+ registration if specified]"); one
// with a registration covers only that registration's. A Key is always
// exact: the document stored without a registration is not the one stored
// with one.
//
// ActivityProfileKey (activityId, profileId) and AgentProfileKey (agent,
// profileId) name one profile document; ActivityProfileList and
// AgentProfileList ask for the profileIds of an activity or an agent,
// optionally only those changed since a time. The profile resources have
// no registration and no delete-all. Their paths below the LRS endpoint
// are the constants StatePath, ActivityProfilePath and AgentProfilePath;
// AboutPath is the resource that lists the versions an LRS speaks.
//
// Every Query method gives the exact query parameters its resource
// expects — nothing more — with the agent encoded canonically by
// Agent.QueryValue (an mbox_sha1sum in lowercase) and the registration in
// lowercase, so two spellings of the same learner and registration map to
// the same bytes and therefore the same documents.
//
// cmi5 defines two documents on these resources. The LMS writes
// LMS.LaunchData (LaunchDataStateID, LaunchDataKey) into the State
// Resource before it launches an AU; ParseLaunchData decodes and validates
// it as LaunchData, whose ContextTemplate an AU must use, unchanged, in
// every statement it sends. An AU must never modify or delete that
// document. The learner's preferences live in the Agent Profile Resource
// as cmi5LearnerPreferences (LearnerPreferencesProfileID,
// LearnerPreferencesKey; ParseLearnerPreferences); an LMS may answer 403
// to an AU that writes them, which the AU must not treat as an error.
//
// Only the standard request syntax is modelled: the alternate request
// syntax of xAPI 1.0.3 §1.3 (a POST with a "method" parameter and the
// request in a form body) is for browsers that cannot send other methods
// or headers; xAPI 2.0 removed it.
//
// Every validation error of a key is a *ValidationError and every error
// about a cmi5 document a *DocumentError; both match ErrInvalid with
// errors.Is, and a *DocumentError matches ErrInvalidDocument too.
//
// The package does no I/O: it knows nothing of HTTP clients, retries or
// merging. The client package builds on it, and the statedoctest package
// provides an in-memory LRS with the three document resources for tests.
package statedoc
