// Package statedoctest provides an in-memory xAPI State Resource endpoint
// for tests, shaped like httptest.Server.
//
// NewServer starts a server on 127.0.0.1 that implements the State Resource
// of an LRS (PUT, POST, GET, HEAD and DELETE on URL+"/activities/state")
// the way the xAPI specification describes it, in either 1.0.3 or 2.0.0
// mode: version header checks, exact-case parameter validation, canonical
// agent identity, JSON merge on POST, SHA-1 ETags, If-Match and
// If-None-Match preconditions checked and applied under one lock, optional
// HTTP Basic authentication and a document size limit.
//
// Tests can script the next matching requests (Script) to return canned
// answers, alter response headers, or run a hook between two client
// requests; they can read and write documents directly (Document,
// SetDocument, DeleteDocument) and assert on the exact sequence of
// requests and responses (Log).
//
// Rules chosen where the specification leaves room: deleting an absent
// single document answers 204; a request without registration addresses
// only documents stored without one (listing and deleting all included);
// registrations are compared case-insensitively; a failed If-None-Match on
// GET or HEAD answers 304; the alternate request syntax (a "method"
// parameter) is not supported and answers 400 like any unknown parameter.
package statedoctest
