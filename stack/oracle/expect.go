package oracle

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

// Expectation is how a scenario script is known to fare on a stack: the
// line where the stack first departs from it, and why.
type Expectation struct {
	Line   int
	Reason string
}

// Expectations map script paths (relative to the corpus directory) to
// their known departures. Corpus tests fail on a script that departs
// without an entry, or at another line, so that only new divergences
// show; they are kept in testdata files:
//
//	# comment
//	close/active-close-client.pkt | 23 | reason
func LoadExpectations(path string) (Expectations, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	e := Expectations{}
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		parts := strings.SplitN(l, "|", 3)
		if len(parts) != 3 {
			return nil, fmt.Errorf("%s:%d: want 'script | line | reason'", path, n)
		}
		line, err := strconv.Atoi(strings.TrimSpace(parts[1]))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: line: %w", path, n, err)
		}
		e[strings.TrimSpace(parts[0])] = Expectation{line, strings.TrimSpace(parts[2])}
	}
	return e, sc.Err()
}

// Expectations is a set of known departures; see LoadExpectations.
type Expectations map[string]Expectation

// Write saves e to path, sorted, under a header comment.
func (e Expectations) Write(path, header string) error {
	var names []string
	for n := range e {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimSpace(header), "\n") {
		fmt.Fprintf(&b, "# %s\n", l)
	}
	for _, n := range names {
		fmt.Fprintf(&b, "%s | %d | %s\n", n, e[n].Line, e[n].Reason)
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// Check compares a report with the expectation for its script: "" if the
// script fares as expected, otherwise what changed.
func (e Expectations) Check(name string, rep *Report) string {
	exp, ok := e[name]
	switch {
	case rep.StackPassed() && ok:
		return fmt.Sprintf("%s now passes on %s (expected to depart at line %d: %s)", name, rep.Stack.Stack, exp.Line, exp.Reason)
	case rep.StackPassed():
		return ""
	case !ok:
		return fmt.Sprintf("new divergence: %s departs at line %d", name, rep.Stack.Divergence.Pos.Line)
	case rep.Stack.Divergence.Pos.Line != exp.Line:
		return fmt.Sprintf("%s now departs at line %d, not %d (%s)", name, rep.Stack.Divergence.Pos.Line, exp.Line, exp.Reason)
	}
	return ""
}

// Reason is a default reason for an expectation, from the report: the
// verdict and the first difference. A reason a person wrote is better.
func (r *Report) Reason() string {
	if r.Agree() {
		return "script for other profiles: the model departs alike (" + r.Stack.Divergence.Kind.String() + ")"
	}
	d := r.Difference()
	if d == nil {
		return r.Verdict()
	}
	s := fmt.Sprintf("%s: %s", r.Verdict(), d.Kind)
	if d.Expected != "" {
		s += ": " + d.Expected
	}
	return "TRIAGE " + strings.ReplaceAll(s, "|", "/")
}
