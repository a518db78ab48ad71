package main

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// table is a markdown table.
type table struct {
	title  string
	header []string
	rows   [][]string
	notes  []string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(w io.Writer) {
	fmt.Fprintf(w, "### %s\n\n", t.title)
	fmt.Fprintf(w, "| %s |\n", strings.Join(t.header, " | "))
	seps := make([]string, len(t.header))
	for i := range seps {
		seps[i] = "---"
		if i > 0 {
			seps[i] = "---:"
		}
	}
	fmt.Fprintf(w, "|%s|\n", strings.Join(seps, "|"))
	for _, r := range t.rows {
		fmt.Fprintf(w, "| %s |\n", strings.Join(r, " | "))
	}
	for _, n := range t.notes {
		fmt.Fprintf(w, "\n%s\n", n)
	}
	fmt.Fprintln(w)
}

// summary is one summary line: scenario=NAME followed by key=value pairs
// in the order added.
type summary struct {
	scenario string
	keys     []string
	values   []string
}

func newSummary(scenario string) *summary { return &summary{scenario: scenario} }

func (s *summary) set(key string, value any) *summary {
	var v string
	switch x := value.(type) {
	case float64:
		v = num(x)
	case string:
		v = x
	case int:
		v = strconv.Itoa(x)
	case bool:
		v = strconv.FormatBool(x)
	default:
		v = fmt.Sprint(x)
	}
	s.keys = append(s.keys, key)
	s.values = append(s.values, v)
	return s
}

// get returns the value of key, "" when it is not set.
func (s *summary) get(key string) string {
	for i, k := range s.keys {
		if k == key {
			return s.values[i]
		}
	}
	return ""
}

func (s *summary) String() string {
	var b strings.Builder
	b.WriteString("scenario=" + s.scenario)
	for i, k := range s.keys {
		b.WriteString(" " + k + "=" + s.values[i])
	}
	return b.String()
}

// num formats x with three significant digits (more for large values,
// never in exponent notation).
func num(x float64) string {
	switch ax := max(x, -x); {
	case x == math.Trunc(x) && ax < 1e15:
		return strconv.FormatFloat(x, 'f', 0, 64)
	case ax >= 100:
		return strconv.FormatFloat(x, 'f', 0, 64)
	case ax >= 10:
		return strconv.FormatFloat(x, 'f', 1, 64)
	case ax >= 1:
		return strconv.FormatFloat(x, 'f', 2, 64)
	default:
		return strconv.FormatFloat(x, 'f', 3, 64)
	}
}
