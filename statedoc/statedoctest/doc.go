// Package statedoctest provides an in-memory xAPI State Resource endpoint
// for tests, shaped like httptest.Server.
//
// NewServer starts a server on 127.0.0.1 that implements the State Resource
// of an LRS (PUT, POST, GET, HEAD and DELETE on URL+"/activities/state")
// the way the xAPI specification describes it, in either 1.0.3 or 2.0.0
// mode: version header checks, exact-case parameter validation, canonical
// agent identity, JSON merge on POST, SHA-1 ETags, If-Match and
// If-None-Match preconditions checked and applied under one lock, optional
// HTTP Basic authentication, a document size limit (413) and an optional
// rate limit (429 with Retry-After).
//
// Tests can script the next matching requests (Script) to return canned
// answers, alter response headers, or run a hook between two client
// requests; they can read and write documents directly (Document,
// SetDocument, DeleteDocument) and assert on the exact sequence of
// requests and responses (Log), which is kept in arrival order.
//
// Not supported: the alternate request syntax of xAPI 1.0.3 §1.3 (a POST
// with a "method" query parameter carrying the real method, headers and
// content as form fields). xAPI 1.0.3 requires an LRS to accept it; this
// server does not, and answers 400 like any unknown parameter. xAPI 2.0
// removed it.
//
// Rules chosen where the specification leaves room:
//   - a request without stateId (listing the ids, deleting all) and
//     without registration covers the documents of every registration as
//     well as those stored without one ("Activity + Agent [+ registration
//     if specified]", xAPI 1.0.3 §2.3); with a registration, only that
//     registration's; a single-document request is exact: without
//     registration it addresses only the document stored without one;
//   - If-Match or If-None-Match on a request without stateId answers 412
//     and changes nothing: a whole context has no single current
//     representation to compare (RFC 9110 §13.1.1);
//   - the list of ids carries Last-Modified, the newest write among the
//     listed documents;
//   - "since" takes ISO 8601 timestamps with seconds and a zone: RFC 3339
//     (Z or +01:00) and the basic (+0100) and hour (+01) offsets, with an
//     optional fraction; anything else answers 400;
//   - deleting an absent single document answers 204;
//   - registrations and mbox_sha1sum values compare without case;
//   - a failed If-None-Match on GET or HEAD answers 304.
package statedoctest
