// Package statedoc models the xAPI State Resource of a Learning Record
// Store: how a state document is addressed, how its agent is encoded, which
// version header a request carries, and how a 1.0.3 LRS derives ETags.
//
// A Key names one document (activity IRI, agent, optional registration,
// stateId); a Context names the scope that listing and deleting all
// documents work on. A Context without a registration covers the
// documents of every registration of the activity and agent (xAPI 1.0.3
// §2.3: "Activity + Agent [+ registration if specified]"); one with a
// registration covers only that registration's. A Key is always exact: the
// document stored without a registration is not the one stored with one.
//
// Key.Query and Context.Query give the exact query parameters the resource
// expects — nothing more — with the agent encoded canonically by
// Agent.QueryValue (an mbox_sha1sum in lowercase) and the registration in
// lowercase, so two spellings of the same learner and registration map to
// the same bytes and therefore the same documents.
//
// Only the standard request syntax is modelled: the alternate request
// syntax of xAPI 1.0.3 §1.3 (a POST with a "method" parameter and the
// request in a form body) is not supported; xAPI 2.0 removed it.
//
// Every validation error is a *ValidationError that matches ErrInvalid with
// errors.Is.
//
// The package does no I/O: it knows nothing of HTTP clients, retries or
// merging. The client package builds on it, and the statedoctest package
// provides an in-memory State endpoint for tests.
package statedoc
