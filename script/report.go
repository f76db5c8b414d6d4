package script

import (
	"fmt"
	"strings"

	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
)

// Result is the outcome of playing a script against a stack.
type Result struct {
	Script string // the script's name
	Stack  string // the stack's name
	// Events counts the script lines played (up to the divergence).
	Events int
	// Checked and Unchecked count the fields compared and the fields
	// left open (not scripted, or not modelled by the stack).
	Checked, Unchecked int
	// Notices are the stack's notices to the application (OutNotice).
	// They are not script lines and never fail a script.
	Notices []stack.Observed
	// Commands lists the shell commands the stack did not run
	// (file:line: text).
	Commands []string
	// Divergence is the first place the stack did other than the script
	// says; nil when the stack passed.
	Divergence *Divergence
	// Beyond, when set, is the line from which the script is beyond the
	// model (a feature it does not have): every line before it
	// conformed, and the run stopped there. Such a run neither passes
	// nor fails.
	Beyond *Beyond
	// Trace lists, in the order played, the lines the stack played as
	// the script says (up to the divergence): what it did for each and
	// the rules it applied (for an Explainer). Comparing a run on a real
	// stack with one on the model, it gives the model's prediction for
	// the line where the real stack diverged.
	Trace []LineTrace
}

// LineTrace is what a stack did for one script line it played as the
// script says.
type LineTrace struct {
	Pos Pos
	// At is when it happened: the injection, the call's return, the
	// segment's departure.
	At spec.Time
	// Did is what the stack did, in the script's numbering: "injected <
	// F. 1:1(0) ack 1 win 65535", "close(3, ...) = 0", "> F. 1:1(0) ack 1
	// win 65535".
	Did string
	// Rules are the rules the stack applied in the step that did it.
	Rules []spec.RuleID
}

// Beyond is where a script leaves what the model covers.
type Beyond struct {
	Pos     Pos
	Feature string // what the model does not cover, e.g. "TCP Fast Open (FO option)"
}

func (b *Beyond) String() string {
	return fmt.Sprintf("conforms up to line %d; beyond the model from line %d: %s", b.Pos.Line, b.Pos.Line, b.Feature)
}

// Passed reports whether the stack did what the whole script says: no
// divergence, and not stopped at a line beyond the model.
func (r *Result) Passed() bool { return r.Divergence == nil && r.Beyond == nil }

// IsBeyond reports whether the run conformed up to a line beyond the
// model and stopped there.
func (r *Result) IsBeyond() bool { return r.Divergence == nil && r.Beyond != nil }

// Summary is a one-line account of the run, e.g. "close.pkt on
// model/rfc9293: passed (14 lines, 52 fields checked, 9 unchecked)".
func (r *Result) Summary() string {
	verdict := "passed"
	if r.Beyond != nil && r.Divergence == nil {
		verdict = r.Beyond.String()
	}
	if r.Divergence != nil {
		verdict = fmt.Sprintf("FAILED at %s (%s)", r.Divergence.Pos, r.Divergence.Kind)
	}
	return fmt.Sprintf("%s on %s: %s (%d lines, %d fields checked, %d unchecked)", r.Script, r.Stack, verdict, r.Events, r.Checked, r.Unchecked)
}

// DivergenceKind classifies a divergence.
type DivergenceKind uint8

// Kinds of divergence.
const (
	// DivSegment: an outbound segment came, with different fields.
	DivSegment DivergenceKind = iota + 1
	// DivTiming: a segment, a call's return or the script's own event
	// happened outside the time the script allows.
	DivTiming
	// DivMissing: an expected outbound segment never came.
	DivMissing
	// DivUnexpected: the stack sent a segment no script line expects.
	DivUnexpected
	// DivResult: a call returned other than the script says.
	DivResult
	// DivBlocked: a call blocked when the script expects it to return at
	// once, or did not return by its scripted end.
	DivBlocked
	// DivStack: the stack reported an error of its own.
	DivStack
)

var divNames = [...]string{"", "segment differs", "timing", "missing segment", "unexpected segment", "call result differs", "call blocked", "stack error"}

func (k DivergenceKind) String() string {
	if int(k) < len(divNames) && k > 0 {
		return divNames[k]
	}
	return fmt.Sprintf("DivergenceKind(%d)", uint8(k))
}

// Divergence is the first place a stack did other than a script says.
type Divergence struct {
	Pos  Pos // the script line
	Kind DivergenceKind
	// Fields names the segment fields that differ (DivSegment), each with
	// its expected and actual value.
	Fields []FieldDiff
	// Detail is a one-line explanation.
	Detail string
	// Script is the line as the script has it, with its resolved time.
	Script string
	// Actual is what the stack did, in the script's numbering, with its
	// time; empty if it did nothing.
	Actual string
	// Stack is the stack's name.
	Stack string
	// Rules are the rules the stack applied in the step that produced the
	// divergent output (or, for a missing output, the last step that
	// applied any), if the stack is an Explainer.
	Rules     []spec.RuleID
	RulesAt   spec.Time
	RulesStep string // what that step was
}

// FieldDiff is one segment field that differs.
type FieldDiff struct {
	Field            string
	Expected, Actual string
}

// Error formats the divergence as a report:
//
//	close.pkt:23: segment differs: ack: expected 2, actual 1
//	  script: 0.100000 > F. 1:1(0) ack 2
//	  actual: 0.100000 > F. 1:1(0) ack 1 win 65535
//	  model/rfc9293 applied at 0.100000 (call close(4)):
//	    R9293-CLOSE-ESTAB  RFC 9293 §3.10.4: ...
func (d *Divergence) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", d.Pos, d.Kind)
	if len(d.Fields) > 0 {
		parts := make([]string, len(d.Fields))
		for i, f := range d.Fields {
			parts[i] = fmt.Sprintf("%s: expected %s, actual %s", f.Field, f.Expected, f.Actual)
		}
		fmt.Fprintf(&b, ": %s", strings.Join(parts, "; "))
	}
	if d.Detail != "" {
		fmt.Fprintf(&b, ": %s", d.Detail)
	}
	if d.Script != "" {
		fmt.Fprintf(&b, "\n  script: %s", d.Script)
	}
	if d.Actual != "" {
		fmt.Fprintf(&b, "\n  actual: %s", d.Actual)
	}
	if len(d.Rules) > 0 {
		fmt.Fprintf(&b, "\n  %s applied at %s (%s):", d.Stack, d.RulesAt, d.RulesStep)
		w := 0
		for _, id := range d.Rules {
			w = max(w, len(id))
		}
		seen := map[spec.RuleID]bool{}
		for _, id := range d.Rules {
			if seen[id] {
				continue
			}
			seen[id] = true
			if r, ok := spec.LookupRule(id); ok {
				fmt.Fprintf(&b, "\n    %-*s  %s: %s", w, id, r.Source, r.Summary)
			} else {
				fmt.Fprintf(&b, "\n    %-*s  (not in the rule catalogue)", w, id)
			}
		}
	}
	return b.String()
}
