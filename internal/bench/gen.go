package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
)

// Progress is the typed view of a learner-state document: the members a
// course's own code declares. The documents the generator makes hold about
// 30% more members that other applications wrote (declaredMembers lists the
// declared ones per kind of object), in arrays too, and the SDK's typed
// client must keep them.
type Progress struct {
	Version   int            `json:"version"`
	Page      int            `json:"page"`
	Visits    int            `json:"visits"`
	Bookmark  string         `json:"bookmark"`
	Completed bool           `json:"completed"`
	Score     Score          `json:"score"`
	Sections  []Section      `json:"sections"`
	Answers   []Answer       `json:"answers"`
	Bookmarks []string       `json:"bookmarks"`
	Counters  map[string]int `json:"counters,omitempty"`
	Shared    int            `json:"shared,omitempty"`
}

// Score is the learner's score as the course keeps it.
type Score struct {
	Raw int `json:"raw"`
	Max int `json:"max"`
}

// Section is one section of the course and how far the learner got.
type Section struct {
	ID       string  `json:"id"`
	Title    string  `json:"title"`
	Done     bool    `json:"done"`
	Progress float64 `json:"progress"`
}

// Answer is the learner's answer to one question.
type Answer struct {
	ID       string `json:"id"`
	Response string `json:"response"`
	Correct  bool   `json:"correct"`
	Attempts int    `json:"attempts"`
}

// declaredMembers lists, for each kind of object in a document, the members
// Progress declares; every other member is foreign to the typed view.
var declaredMembers = map[string][]string{
	"root":    {"version", "page", "visits", "bookmark", "completed", "score", "sections", "answers", "bookmarks", "counters", "shared"},
	"score":   {"raw", "max"},
	"section": {"id", "title", "done", "progress"},
	"answer":  {"id", "response", "correct", "attempts"},
}

var words = []string{
	"module", "lesson", "intro", "quiz", "review", "practice", "summary", "energy", "cells", "atoms",
	"fractions", "grammar", "history", "rivers", "climate", "vectors", "poetry", "trade", "orbits", "music",
}

// generator makes learner-state documents and concurrent edits of them from
// one seed, so that every run measures the same documents.
type generator struct {
	r    *rand.Rand
	next int // the next id number
}

func newGenerator(seed uint64) *generator {
	return &generator{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

func (g *generator) id(prefix string) string {
	g.next++
	return fmt.Sprintf("%s-%06d", prefix, g.next)
}

func (g *generator) word() string { return words[g.r.IntN(len(words))] }

func (g *generator) phrase(n int) string {
	var b bytes.Buffer
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(g.word())
	}
	return b.String()
}

// fraction is a number in [0, 1] with two decimals, whose text survives a
// round trip through float64.
func (g *generator) fraction() float64 { return float64(g.r.IntN(101)) / 100 }

func (g *generator) section() map[string]any {
	s := map[string]any{
		"id":       g.id("sec"),
		"title":    g.phrase(3),
		"done":     g.r.IntN(2) == 0,
		"progress": g.fraction(),
		// Foreign: written by an analytics tool and a notes app.
		"timeSpent": g.r.IntN(5000),
	}
	if g.r.IntN(2) == 0 {
		s["notes"] = g.phrase(4)
	}
	return s
}

func (g *generator) answer() map[string]any {
	a := map[string]any{
		"id":       g.id("q"),
		"response": g.phrase(2),
		"correct":  g.r.IntN(2) == 0,
		"attempts": 1 + g.r.IntN(3),
		// Foreign: the grading service's members.
		"elapsedMs": g.r.IntN(90000),
	}
	if g.r.IntN(3) == 0 {
		a["feedback"] = g.phrase(3)
	}
	return a
}

func (g *generator) interaction() map[string]any {
	// Foreign as a whole: an array of objects with ids that the typed view
	// does not declare at all.
	return map[string]any{
		"id":     g.id("ix"),
		"type":   "choice",
		"result": g.word(),
	}
}

// document returns a learner-state document whose compact JSON text is at
// least size bytes (and not much more).
func (g *generator) document(size int) map[string]any {
	doc := map[string]any{
		"version":   3,
		"page":      1 + g.r.IntN(40),
		"visits":    1 + g.r.IntN(20),
		"bookmark":  g.word() + "/" + g.word(),
		"completed": false,
		"score":     map[string]any{"raw": g.r.IntN(100), "max": 100, "scaled": g.fraction()},
		"sections":  []any{g.section(), g.section()},
		"answers":   []any{g.answer()},
		"bookmarks": []any{"p-" + g.word(), "p-" + g.word(), "p-" + g.word()},
		// Foreign members of the document itself.
		"learner":      map[string]any{"theme": "dark", "locale": "en-US", "fontSize": 14},
		"interactions": []any{g.interaction()},
		"device":       "tablet",
	}
	// Each element adds its own text and a comma.
	for n := encodedSize(doc); n < size; {
		var array string
		var e map[string]any
		switch g.r.IntN(4) {
		case 0, 1:
			array, e = "sections", g.section()
		case 2:
			array, e = "answers", g.answer()
		default:
			array, e = "interactions", g.interaction()
		}
		doc[array] = append(doc[array].([]any), e)
		n += encodedSize(e) + 1
	}
	return doc
}

func encodedSize(v any) int { return len(mustJSON(v)) }

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // the generator makes only encodable values
	}
	return b
}

// foreignShare is the share of the members of doc, counted over every
// object at every depth, that Progress does not declare.
func foreignShare(doc map[string]any) float64 {
	var total, foreign int
	var walk func(kind string, v any)
	walk = func(kind string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, m := range v {
				total++
				declared := kind != "" && slices.Contains(declaredMembers[kind], k)
				if !declared {
					foreign++
				}
				child := ""
				if declared {
					switch {
					case kind == "root" && k == "score":
						child = "score"
					case kind == "root" && k == "sections":
						child = "section"
					case kind == "root" && k == "answers":
						child = "answer"
					}
				}
				walk(child, m)
			}
		case []any:
			for _, e := range v {
				walk(kind, e)
			}
		}
	}
	walk("root", doc)
	return float64(foreign) / float64(total)
}

// edit is one change to a document, addressed by member names and element
// ids rather than by indexes, so that edits of disjoint parts apply in any
// order with the same result.
type edit func(doc map[string]any)

func setMember(name string, v any) edit {
	return func(doc map[string]any) { doc[name] = v }
}

func setNested(obj, name string, v any) edit {
	return func(doc map[string]any) { doc[obj].(map[string]any)[name] = v }
}

func setElement(array, id, name string, v any) edit {
	return func(doc map[string]any) {
		for _, e := range doc[array].([]any) {
			if e := e.(map[string]any); e["id"] == id {
				e[name] = v
			}
		}
	}
}

func removeElement(array, id string) edit {
	return func(doc map[string]any) {
		doc[array] = slices.DeleteFunc(doc[array].([]any), func(e any) bool { return e.(map[string]any)["id"] == id })
	}
}

func appendElement(array string, v any) edit {
	return func(doc map[string]any) { doc[array] = append(doc[array].([]any), v) }
}

func removeFirst(array string) edit {
	return func(doc map[string]any) { doc[array] = doc[array].([]any)[1:] }
}

// mergeCase is one three-way merge with its expected result.
type mergeCase struct {
	Base, Ours, Theirs, Expected []byte
}

// mergeCase makes a document of about size bytes and two concurrent edits
// of disjoint parts of it: top-level fields, members the typed view does
// not declare, members of different elements of the same arrays of objects,
// an element added on one side and another removed on the other, and a
// string array that one side appends to while the other removes its first
// element. Expected applies both edits to base; it is computed without any
// merge code.
func (g *generator) mergeCase(size int) mergeCase {
	base := g.document(size)
	sections := ids(base["sections"])
	answers := ids(base["answers"])
	interactions := ids(base["interactions"])

	var ours, theirs []edit
	ours = append(ours,
		setMember("page", base["page"].(int)+3),
		setMember("visits", base["visits"].(int)+1),
		setNested("score", "scaled", 0.93),
	)
	theirs = append(theirs,
		setMember("bookmark", "review/"+g.word()),
		setMember("completed", true),
		setNested("learner", "theme", "light"),
		setNested("learner", "contrast", "high"),
	)
	// Each side edits about 5% of the elements of each array (at least
	// one), never the same element; theirs removes one element neither
	// side edits, ours appends to sections and theirs to answers.
	perm := g.r.Perm(len(sections))
	n := max(1, len(sections)/20)
	for _, i := range perm[:n] {
		ours = append(ours, setElement("sections", sections[i], "done", true), setElement("sections", sections[i], "progress", 1.0))
	}
	for _, i := range perm[n : 2*n] {
		theirs = append(theirs, setElement("sections", sections[i], "timeSpent", 9999))
	}
	if len(perm) > 2*n {
		theirs = append(theirs, removeElement("sections", sections[perm[2*n]]))
	}
	ours = append(ours, appendElement("sections", g.section()))

	perm = g.r.Perm(len(answers))
	n = max(1, len(answers)/20)
	for _, i := range perm[:n] {
		ours = append(ours, setElement("answers", answers[i], "response", g.phrase(2)), setElement("answers", answers[i], "attempts", 4))
	}
	if len(perm) > n {
		for _, i := range perm[n:min(len(perm), 2*n)] {
			theirs = append(theirs, setElement("answers", answers[i], "feedback", "well done"))
		}
	}
	theirs = append(theirs, appendElement("answers", g.answer()))

	perm = g.r.Perm(len(interactions))
	for _, i := range perm[:max(1, len(interactions)/20)] {
		ours = append(ours, setElement("interactions", interactions[i], "result", "retried"))
	}

	ours = append(ours, appendElement("bookmarks", "p-ours"))
	theirs = append(theirs, removeFirst("bookmarks"))

	o, t, e := clone(base), clone(base), clone(base)
	for _, f := range ours {
		f(o)
		f(e)
	}
	for _, f := range theirs {
		f(t)
		f(e)
	}
	return mergeCase{Base: mustJSON(base), Ours: mustJSON(o), Theirs: mustJSON(t), Expected: mustJSON(e)}
}

func ids(array any) []string {
	var out []string
	for _, e := range array.([]any) {
		out = append(out, e.(map[string]any)["id"].(string))
	}
	return out
}

// clone copies a document through its JSON text, so that no edit of the
// copy reaches the original. Numbers come back as float64, which the
// generator's numbers survive.
func clone(doc map[string]any) map[string]any {
	var out map[string]any
	if err := json.Unmarshal(mustJSON(doc), &out); err != nil {
		panic(err)
	}
	fixInts(out)
	return out
}

// fixInts turns the whole float64 numbers of a decoded document back into
// ints, so that edits that add to them see the generator's types.
func fixInts(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, m := range v {
			if f, ok := m.(float64); ok && f == float64(int(f)) {
				v[k] = int(f)
			} else {
				fixInts(m)
			}
		}
	case []any:
		for i, e := range v {
			if f, ok := e.(float64); ok && f == float64(int(f)) {
				v[i] = int(f)
			} else {
				fixInts(e)
			}
		}
	}
}

// sameJSON reports whether got and want are the same JSON value: objects
// with the same members in any order, arrays with the same elements in
// order, numbers compared by value.
func sameJSON(got, want []byte) bool {
	var g, w any
	if json.Unmarshal(got, &g) != nil || json.Unmarshal(want, &w) != nil {
		return false
	}
	return reflect.DeepEqual(g, w)
}
