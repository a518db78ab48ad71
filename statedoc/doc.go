// Package statedoc models the xAPI State Resource of a Learning Record
// Store: how a state document is addressed, how its agent is encoded, which
// version header a request carries, and how a 1.0.3 LRS derives ETags.
//
// A Key names one document (activity IRI, agent, optional registration,
// stateId); a Context names the scope that listing and deleting all
// documents work on. Key.Query and Context.Query give the exact query
// parameters the resource expects — nothing more — with the agent encoded
// canonically by Agent.QueryValue, so the same learner always maps to the
// same bytes and therefore the same documents.
//
// Every validation error is a *ValidationError that matches ErrInvalid with
// errors.Is.
//
// The package does no I/O: it knows nothing of HTTP clients, retries or
// merging. The client package builds on it, and the statedoctest package
// provides an in-memory State endpoint for tests.
package statedoc
