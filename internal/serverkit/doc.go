// Package serverkit is the shared core of the two test servers,
// client/etagtest and statedoc/statedoctest: what both implement the same
// way. It holds the precondition modes and the pause of CheckThenWrite
// (Mode), the answer a handler builds before it is logged and written
// (Response), and the parsing and strong comparison of If-Match and
// If-None-Match lists (ParseTags, StrongMatch).
//
// Each server keeps its own exported types and documentation: its
// Preconditions type numbers its modes as Mode does and names them with
// Mode's String method.
package serverkit
