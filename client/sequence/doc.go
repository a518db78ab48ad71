// Package sequence draws what clients and a server said to each other as
// a Mermaid sequence diagram, which GitHub renders in Markdown.
//
// A Recorder collects exchanges from two sources: the events of clients
// (Recorder.Client returns a client.Observer for one client, its lane in
// the diagram) and the log of a statedoctest.Server (Recorder.AddServerLog).
// Mermaid and Markdown render what it holds:
//
//	rec := sequence.New(&sequence.Options{Server: "LRS", ShortETags: true})
//	a, _ := client.NewStateClient[Progress](url, &client.LRSOptions{
//		Options: client.Options{Observer: rec.Client("A")}})
//	b, _ := client.NewStateClient[Progress](url, &client.LRSOptions{
//		Options: client.Options{Observer: rec.Client("B")}})
//	// ... A and B read and write ...
//	fmt.Print(rec.Markdown())
//
// The diagram has a participant per client, in the order they were named,
// and one for the server, last. Each request is an arrow from its client
// to the server labelled with its method and precondition (If-Match: "e1",
// If-None-Match: *); each answer a dashed arrow back with its status and
// ETag, or a crossed one when no answer came. A write lost to another
// writer (412, 409 or 428) gets a note over the client and the server; a
// merge, the decision a read made about a write whose answer was lost, an
// unknown outcome, several callers' edits sent as one write, a failed
// operation and the client's other notes get a note over the client.
//
// Steps are drawn in the order the Recorder received them, which for
// client events is the order in which each exchange's answer reached its
// client. Reads and writes of different clients therefore appear in the
// order they completed, across clients, and the same exchange always
// renders the same lines.
package sequence
