package explore

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Report is the outcome of a search.
type Report struct {
	Config  string // the configuration, one line
	States  int    // distinct states
	Edges   int    // transitions between distinct states
	Depth   int    // the largest BFS depth
	Elapsed time.Duration

	// GoalStates counts states in which neither host holds a TCB (and
	// every active side has connected).
	GoalStates int
	// CutStates counts states with a transition disabled by the channel
	// capacity on a lossless channel, or left unexpanded by MaxStates.
	CutStates int
	// Truncated: MaxStates stopped the search.
	Truncated bool

	// Stuck counts states from which no goal state is reachable and no
	// cut state either (so a larger bound would not help).
	Stuck int
	// StuckInconclusive counts states from which no goal state is
	// reachable within the bounds but a cut state is.
	StuckInconclusive int
	// StuckGroups groups the stuck states by the hosts' connection states.
	StuckGroups []Group
	// Deadlocks counts stuck states without any transition to another
	// state; DeadlockGroups groups them.
	Deadlocks      int
	DeadlockGroups []Group

	// CanonMisses counts fingerprint records the canonicaliser did not
	// recognise (kept whole: sound, but a sign the model's layout moved).
	CanonMisses int

	// Violations lists the safety properties that failed.
	Violations []Violation

	// Generated counts the successor states computed, TLC's "states
	// generated" (self-loops included, cut transitions not).
	Generated int64
	// FPKey is the key of the 64-bit state fingerprints.
	FPKey uint64
	// OmissionOptimistic is TLC's "optimistic" estimate of the
	// probability that a fingerprint collision hid a state,
	// States·(Generated−States)/2^64; OmissionBirthday is the bound
	// States²/2^65 that any two states collide.
	OmissionOptimistic, OmissionBirthday float64
	// StopReason says what stopped a truncated search.
	StopReason string

	// Resources; they vary from run to run and are not printed by
	// String (see Resources).
	HostStates int   // distinct host states
	Passes     int   // analysis passes over the edges
	Workers    int   // goroutines expanding states
	PeakMem    int64 // the most memory in use seen (Stats.Mem)
	PeakRSS    int64 // the process's peak resident set size (0: unknown)
}

// BytesPerState is the process's peak resident set size over the states
// (0 if unknown).
func (r *Report) BytesPerState() float64 {
	if r.PeakRSS == 0 || r.States == 0 {
		return 0
	}
	return float64(r.PeakRSS) / float64(r.States)
}

// Resources is a one-line account of time and memory: states per second,
// peak RSS and bytes per state, distinct host states, workers.
func (r *Report) Resources() string {
	rate := 0.0
	if r.Elapsed > 0 {
		rate = float64(r.States) / r.Elapsed.Seconds()
	}
	rss := "peak RSS unknown"
	if r.PeakRSS > 0 {
		rss = fmt.Sprintf("peak RSS %.1f MB, %.1f bytes/state", float64(r.PeakRSS)/1e6, r.BytesPerState())
	}
	return fmt.Sprintf("%.0f states/s over %s, %s (explorer's own peak %.1f MB), %d host states, %d workers, %d analysis passes",
		rate, r.Elapsed.Round(time.Millisecond), rss, float64(r.PeakMem)/1e6, r.HostStates, r.Workers, r.Passes)
}

// Group is a set of states with the same connection-state signature.
type Group struct {
	// Signature is "A <states> (app) | B <states> (app)".
	Signature string
	States    int
	// Entries counts the group's states whose BFS parent could still
	// reach a goal state: the transitions that doomed the run.
	Entries int
	// Example is a shortest trace to a state of the group (empty beyond
	// the first maxGroupTraces groups).
	Example Trace
	first   int32
}

// Violation is a safety property that failed, with the number of
// violating transitions and some shortest traces.
type Violation struct {
	Property Property
	Count    int
	Examples []Trace
}

// Trace is a path from the initial state.
type Trace struct {
	Detail string // what went wrong, for a violation
	Steps  []TraceStep
}

// TraceStep is one transition: what happened, what the hosts emitted, and
// the state after it.
type TraceStep struct {
	Action  string
	Outputs []string
	State   string
}

// Violation returns the violation of the named property, if any.
func (r *Report) Violation(name string) (Violation, bool) {
	for _, v := range r.Violations {
		if v.Property.Name == name {
			return v, true
		}
	}
	return Violation{}, false
}

// StuckMatching counts stuck states whose signature contains substr
// (for example "FIN-WAIT-2").
func (r *Report) StuckMatching(substr string) int {
	n := 0
	for _, g := range r.StuckGroups {
		if strings.Contains(g.Signature, substr) {
			n += g.States
		}
	}
	return n
}

// Summary is the one-line count line of the report.
func (r *Report) Summary() string {
	t := ""
	if r.Truncated {
		t = " (TRUNCATED)"
		if r.StopReason != "" {
			t = " (TRUNCATED: " + r.StopReason + ")"
		}
	}
	return fmt.Sprintf("states %d, edges %d, depth %d, goal %d, stuck %d (+%d inconclusive), deadlocks %d, cut %d, violations %d, %s%s",
		r.States, r.Edges, r.Depth, r.GoalStates, r.Stuck, r.StuckInconclusive, r.Deadlocks, r.CutStates,
		len(r.Violations), r.Elapsed.Round(time.Millisecond), t)
}

// String prints the whole report.
func (r *Report) String() string {
	var b strings.Builder
	r.WriteTo(&b)
	return b.String()
}

// WriteTo prints the report: counts, stuck and deadlocked groups with a
// shortest trace each, and the violated properties with their traces.
func (r *Report) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: w}
	fmt.Fprintf(cw, "config: %s\n%s\n", r.Config, r.Summary())
	fmt.Fprintf(cw, "generated %d; 64-bit fingerprints (key %#x): probability of a missed state %.1e (TLC optimistic), at most %.1e (any two collide)\n",
		r.Generated, r.FPKey, r.OmissionOptimistic, r.OmissionBirthday)
	if r.Stuck > 0 {
		fmt.Fprintf(cw, "\n%d states cannot reach both-CLOSED:\n", r.Stuck)
		writeGroups(cw, r.StuckGroups)
	}
	if r.Deadlocks > 0 {
		fmt.Fprintf(cw, "\n%d of them are deadlocks (no transition at all):\n", r.Deadlocks)
		writeGroups(cw, r.DeadlockGroups)
	}
	for _, v := range r.Violations {
		fmt.Fprintf(cw, "\nVIOLATION %s (%v): %d transitions\n  %s\n", v.Property.Name, v.Property.Rules, v.Count, v.Property.Doc)
		for i, t := range v.Examples {
			fmt.Fprintf(cw, "  example %d: %s\n", i+1, t.Detail)
			t.write(cw, "    ")
		}
	}
	return cw.n, cw.err
}

func writeGroups(w io.Writer, gs []Group) {
	for _, g := range gs {
		fmt.Fprintf(w, "  %6d states (%d entered from a live state)  %s\n", g.States, g.Entries, g.Signature)
		if len(g.Example.Steps) > 0 {
			fmt.Fprintf(w, "    shortest trace (%d steps):\n", len(g.Example.Steps)-1)
			g.Example.write(w, "      ")
		}
	}
}

func (t Trace) write(w io.Writer, indent string) {
	for i, s := range t.Steps {
		fmt.Fprintf(w, "%s%2d. %s\n", indent, i, s.Action)
		for _, o := range s.Outputs {
			fmt.Fprintf(w, "%s      %s\n", indent, o)
		}
		fmt.Fprintf(w, "%s      => %s\n", indent, s.State)
	}
}

// String prints the trace.
func (t Trace) String() string {
	var b strings.Builder
	t.write(&b, "")
	return b.String()
}

type countWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}
