package oracle

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
)

// Config says how Run plays a script.
type Config struct {
	// Profile is the built-in profile both the stack and the model are
	// set to; "" means the stack's default (Entry.Profile) or, for a
	// stack without one (the model), the script's first
	// --tcpclose_profiles.
	Profile string
	// Sets are profile overrides ("TimeWait=30s"), applied after the
	// script's own --tcpclose_set and sysctls.
	Sets []string
	// Seed is passed to the stack's factory (stack.Options.Seed).
	Seed uint64
	// Verbose, if set, receives the line-by-line account of the stack's
	// run (script.RunOptions.Verbose).
	Verbose io.Writer
	// Model builds the second opinion; nil means the model (ModelEntry).
	// Tests inject another host here.
	Model stack.Factory
	// TimeLimit, if positive, bounds the stack's run on the wall clock:
	// past it the run stops with an error wrapping ErrTimeLimit.
	TimeLimit time.Duration
	// Tolerance, if positive, and TolerancePercent, if not nil, replace
	// the script's --tolerance_usecs and --tolerance_percent on both runs
	// (as packetdrill's command line overrides a script's options); an
	// explicit Tolerance also replaces the stack's own floor
	// (Entry.Tolerance), so that timing is judged exactly as packetdrill
	// judges it. Scripts without --tcpclose_profiles (upstream suites)
	// never get the floor: they are judged with their own tolerance.
	Tolerance        time.Duration
	TolerancePercent *float64
}

// Report is the outcome of one script on a stack and on the model.
type Report struct {
	Script  string
	Profile string // the built-in profile, before overrides
	// Applied lists the overrides in force (script and command line).
	Applied []string
	// Notes are configuration notes: fields the stack could not be set
	// to (Noter) and the script's set-up notes (script.Setup.Notes).
	Notes []string
	// Stack and Model are the two runs.
	Stack, Model *script.Result
}

// StackPassed says whether the stack did what the script says.
func (r *Report) StackPassed() bool { return r.Stack != nil && r.Stack.Divergence == nil }

// ModelPassed says whether the model did what the script says.
func (r *Report) ModelPassed() bool { return r.Model != nil && r.Model.Divergence == nil }

// Passed says whether both did.
func (r *Report) Passed() bool { return r.StackPassed() && r.ModelPassed() }

// Agree says whether the stack and the model did the same: both passed,
// or both departed from the script at the same line in the same way
// (segments compared on the fields a real stack is checked on: not the
// window or option values, nor the time).
func (r *Report) Agree() bool {
	if r.StackPassed() || r.ModelPassed() {
		return r.StackPassed() == r.ModelPassed()
	}
	sd, md := r.Stack.Divergence, r.Model.Divergence
	return sd.Pos == md.Pos && sd.Kind == md.Kind && comparable(sd.Actual) == comparable(md.Actual)
}

// Difference is where the stack and the model first part ways on a
// script.
type Difference struct {
	Pos script.Pos
	// Kind is the divergence of whichever departed from the script there.
	Kind script.DivergenceKind
	// Script is the line with its resolved time; Expected says what the
	// script expects beyond the line itself (the divergence's detail and
	// field differences), if anything.
	Script, Expected string
	// Stack and Model say what each did there.
	Stack, Model string
	// StackFollows and ModelFollows say which of them did as the script
	// says (at most one).
	StackFollows, ModelFollows bool
	// Rules are the rules the model applied in the step concerned; Where
	// says which step.
	Rules []spec.RuleID
	Where string
}

// Difference returns where the stack and the model first part ways, or
// nil if they agree (Agree).
func (r *Report) Difference() *Difference {
	if r.Agree() || r.Stack == nil || r.Model == nil {
		return nil
	}
	sd, md := r.Stack.Divergence, r.Model.Divergence
	switch {
	case sd != nil && (md == nil || sd.Pos.Line < md.Pos.Line):
		d := divDifference(sd)
		d.Stack = orNothing(sd.Actual)
		d.ModelFollows = true
		d.Model, d.Rules, d.Where = followed(r.Model, sd)
		return d
	case md != nil && (sd == nil || md.Pos.Line < sd.Pos.Line):
		d := divDifference(md)
		d.Model = orNothing(md.Actual)
		d.Rules, d.Where = md.Rules, rulesWhere(md.RulesAt, md.RulesStep)
		d.StackFollows = true
		d.Stack, _, _ = followed(r.Stack, md)
		return d
	}
	d := divDifference(sd)
	d.Stack, d.Model = orNothing(sd.Actual), orNothing(md.Actual)
	if md.Kind != sd.Kind {
		d.Model += " (" + md.Kind.String() + ")"
	}
	d.Rules, d.Where = md.Rules, rulesWhere(md.RulesAt, md.RulesStep)
	return d
}

func divDifference(v *script.Divergence) *Difference {
	d := &Difference{Pos: v.Pos, Kind: v.Kind, Script: v.Script}
	var parts []string
	for _, f := range v.Fields {
		parts = append(parts, fmt.Sprintf("%s %s (not %s)", f.Field, f.Expected, f.Actual))
	}
	if v.Detail != "" {
		parts = append(parts, v.Detail)
	}
	d.Expected = strings.Join(parts, "; ")
	return d
}

// followed says what a run that did as the script says did at the line
// where the other run departed, with the rules it applied.
func followed(res *script.Result, other *script.Divergence) (string, []spec.RuleID, string) {
	if other.Kind == script.DivUnexpected {
		var prev *script.LineTrace
		for i := range res.Trace {
			if t := &res.Trace[i]; t.Pos.Line < other.Pos.Line {
				prev = t
			}
		}
		if prev != nil {
			return "sends nothing there (as the script says)", prev.Rules, fmt.Sprintf(" at %s (%s)", prev.At, prev.Pos)
		}
		return "sends nothing there (as the script says)", nil, ""
	}
	for i := len(res.Trace) - 1; i >= 0; i-- {
		if t := res.Trace[i]; t.Pos == other.Pos {
			return fmt.Sprintf("%s %s (as the script says)", t.At, t.Did), t.Rules, fmt.Sprintf(" at %s (%s)", t.At, t.Pos)
		}
	}
	return "does as the script says", nil, ""
}

func orNothing(s string) string {
	if s == "" {
		return "(nothing)"
	}
	return s
}

// comparable reduces an observed line ("0.100000 > F. 1:1(0) ack 1 win
// 64240 <...>") to what both a real stack and the model are checked on.
func comparable(s string) string {
	s = stripTime(s)
	if f := strings.Fields(s); len(f) > 1 && f[0] == ">" {
		f[1] = strings.ReplaceAll(f[1], "P", "") // PSH is not compared
		if f[1] == "" {
			f[1] = "-"
		}
		s = strings.Join(f, " ")
	}
	if i := strings.Index(s, " win "); i >= 0 {
		s = s[:i]
	}
	return s
}

// stripTime drops the leading time of a "0.100000 > F. ..." line.
func stripTime(s string) string {
	if _, rest, ok := strings.Cut(s, " "); ok {
		return rest
	}
	return s
}

// Run plays s on the stack of entry e and on the model, each set to the
// same profile: cfg.Profile (or e.Profile, or the script's first
// --tcpclose_profiles), the script's overrides (script.ModelSetup), then
// cfg.Sets. It judges the stack exactly as `tcpclose run` does: the
// stack is wrapped by Judge (a stack that declares no fields of its own is
// checked on the fields of stack.Real; a stack.Sysctler runs the script's
// sysctl commands), timing is checked with at least e.Tolerance, the
// peer's timestamp echoes are mapped onto the stack's own clock
// (script.RunOptions.MapTSEcr), and a wall-clock stack (e.RealTime) plays
// a late line at once. An error means the script could not be run (an
// unknown profile, a bad override, a stack that cannot be built or
// failed), not that a stack diverged.
func Run(e stack.Entry, s *script.Script, cfg Config) (*Report, error) {
	prof := cfg.Profile
	if prof == "" {
		prof = e.Profile
	}
	if prof == "" && len(s.Profiles) > 0 {
		prof = s.Profiles[0]
	}
	su, err := script.ModelSetup(s, prof)
	if err != nil {
		return nil, err
	}
	rep := &Report{Script: s.Name, Profile: prof}
	for _, a := range su.Applied {
		rep.Applied = append(rep.Applied, fmt.Sprintf("%s=%s (%s)", a.Field, a.Value, a.Pos))
	}
	for _, set := range cfg.Sets {
		f, v, ok := strings.Cut(set, "=")
		if !ok {
			return nil, fmt.Errorf("--set %q: want Field=Value", set)
		}
		if err := su.Profile.SetField(f, v); err != nil {
			return nil, fmt.Errorf("--set %s: %w", set, err)
		}
		rep.Applied = append(rep.Applied, set+" (--set)")
	}
	if err := su.Profile.Validate(); err != nil {
		return nil, fmt.Errorf("%s: profile %s with the overrides: %w", s.Name, prof, err)
	}
	rep.Notes = append(rep.Notes, su.Notes...)
	if cfg.Tolerance > 0 || cfg.TolerancePercent != nil {
		cp := *s
		if cfg.Tolerance > 0 {
			cp.Tolerance = cfg.Tolerance
		}
		if cfg.TolerancePercent != nil {
			cp.TolerancePercent = *cfg.TolerancePercent
		}
		s = &cp
	}

	model := cfg.Model
	if model == nil {
		model = ModelEntry().New
	}
	local, remote := s.Addrs()
	ms, err := model(su.Profile, stack.Options{Seed: su.Config.ISNSecret, FixedISS: su.Config.FixedISS, Local: local, Remote: remote})
	if err != nil {
		return nil, err
	}
	defer ms.Close()
	if rep.Model, err = script.Run(s, ms, script.RunOptions{}); err != nil {
		return nil, fmt.Errorf("%s on the model: %w", s.Name, err)
	}

	opts := stack.Options{Seed: cfg.Seed, Local: local, Remote: remote}
	if err := opts.CheckAddrs(e); err != nil {
		return nil, fmt.Errorf("%s: %w", s.Name, err)
	}
	ss := s
	if s.HasLocalISS {
		if e.ChoosesISS {
			cp := *s
			cp.HasLocalISS = false
			ss = &cp
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s chooses its own ISS: --tcpclose_local_iss=%d is not used; the ISS is learned from its first SYN", e.Name, uint32(s.LocalISS)))
		} else {
			opts.FixedISS = s.LocalISS
		}
	}
	built, err := e.New(su.Profile, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", e.Name, err)
	}
	st := Judge(built, e)
	if cfg.TimeLimit > 0 {
		st = &limited{Stack: st, deadline: time.Now().Add(cfg.TimeLimit), limit: cfg.TimeLimit}
	}
	if n, ok := stack.As[stack.Noter](st); ok {
		rep.Notes = append(rep.Notes, n.Notes()...)
	}
	ropts := RunOptions(e, cfg.Verbose)
	if cfg.Tolerance > 0 || !s.ProfilesGiven {
		// An explicit tolerance is packetdrill's, and so is the timing of
		// a script not written for tcpclose (no --tcpclose_profiles: an
		// upstream suite's, played as written): no floor of the stack's,
		// so that it gets packetdrill's verdict on the same kernel.
		ropts.MinTolerance = 0
	}
	if e.RealTime {
		// A wall-clock stack's timers fire as late as its clock's
		// granularity allows (spec.Profile.TimerSlack).
		ropts.TimerSlack = su.Profile.TimerSlack
	}
	res, err := script.Run(ss, st, ropts)
	if cn, ok := stack.As[commandNoter](st); ok {
		rep.Notes = append(rep.Notes, cn.commandNotes()...)
	}
	if cerr := st.Close(); cerr != nil {
		// The run is over and its result stands; a stack that does not
		// shut down cleanly (a call still blocked) is worth a note.
		rep.Notes = append(rep.Notes, fmt.Sprintf("closing %s: %v", e.Name, cerr))
	}
	if err != nil {
		return nil, fmt.Errorf("%s on %s: %w", s.Name, e.Name, err)
	}
	rep.Stack = res
	return rep, nil
}

// Write prints the report: a verdict, the overrides and notes, a line
// for each run and, where the stack and the model part ways, the script
// line, what the script expects, what the stack did, what the model
// predicts and the rules the model applied.
func (r *Report) Write(w io.Writer) {
	fmt.Fprintf(w, "%s [profile %s]: %s\n", r.Script, r.Profile, r.Verdict())
	for _, a := range r.Applied {
		fmt.Fprintf(w, "  override: %s\n", a)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	fmt.Fprintf(w, "  %s\n  %s\n", shortSummary(r.Stack), shortSummary(r.Model))
	if !r.Passed() && r.Agree() {
		d := r.Stack.Divergence
		fmt.Fprintf(w, "  both depart at %s: %s\n    script: %s\n    both:   %s\n", d.Pos, d.Kind, d.Script, orNothing(d.Actual))
		return
	}
	d := r.Difference()
	if d == nil {
		return
	}
	fmt.Fprintf(w, "  first difference at %s: %s\n", d.Pos, d.Kind)
	if d.Script != "" {
		fmt.Fprintf(w, "    script: %s\n", d.Script)
	}
	if d.Expected != "" {
		fmt.Fprintf(w, "    expect: %s\n", d.Expected)
	}
	fmt.Fprintf(w, "    stack:  %s\n", d.Stack)
	fmt.Fprintf(w, "    model:  %s\n", d.Model)
	if len(d.Rules) > 0 {
		fmt.Fprintf(w, "    rules the model applied%s:\n", d.Where)
		writeRules(w, "      ", d.Rules)
	}
}

// Verdict is a few words on the outcome.
func (r *Report) Verdict() string {
	switch {
	case r.Passed():
		return "pass"
	case r.Agree():
		return "stack and model depart alike (the script does not describe this profile)"
	}
	d := r.Difference()
	switch {
	case d.ModelFollows && r.ModelPassed():
		return "STACK DIVERGES (the model passes)"
	case d.ModelFollows:
		return "STACK DIVERGES (the model follows the script further)"
	case d.StackFollows && r.StackPassed():
		return "MODEL DIVERGES (the stack passes)"
	case d.StackFollows:
		return "MODEL DIVERGES first (the stack follows the script further)"
	}
	return "STACK AND MODEL DIVERGE differently at the same line"
}

func rulesWhere(at spec.Time, step string) string {
	if step == "" {
		return ""
	}
	return fmt.Sprintf(" at %s (%s)", at, step)
}

func writeRules(w io.Writer, indent string, ids []spec.RuleID) {
	var uniq []spec.RuleID
	width := 0
	for _, id := range ids {
		if !slices.Contains(uniq, id) {
			uniq = append(uniq, id)
			width = max(width, len(id))
		}
	}
	for _, id := range uniq {
		if rule, ok := spec.LookupRule(id); ok {
			fmt.Fprintf(w, "%s%-*s  %s: %s\n", indent, width, id, rule.Source, rule.Summary)
		} else {
			fmt.Fprintf(w, "%s%-*s  (not in the rule catalogue)\n", indent, width, id)
		}
	}
}

// shortSummary is Result.Summary without the script's name.
func shortSummary(r *script.Result) string {
	return strings.TrimPrefix(r.Summary(), r.Script+" on ")
}

// ErrTimeLimit is wrapped by the error of a run that went past its
// Config.TimeLimit.
var ErrTimeLimit = errors.New("over the time limit")

// limited stops a stack's run at a wall-clock deadline: every call checks
// it, and Advance goes in steps of at most limitStep of the stack's clock
// so that a long wait is cut short too.
type limited struct {
	stack.Stack
	deadline time.Time
	limit    time.Duration
}

const limitStep = time.Second

// Unwrap implements stack.Unwrapper.
func (l *limited) Unwrap() stack.Stack { return l.Stack }

func (l *limited) check() error {
	if time.Now().After(l.deadline) {
		return fmt.Errorf("%w (%s)", ErrTimeLimit, l.limit)
	}
	return nil
}

// Advance implements stack.Stack.
func (l *limited) Advance(until spec.Time) ([]stack.Observed, error) {
	for {
		if err := l.check(); err != nil {
			return nil, err
		}
		before := l.Now()
		step := min(until, before.Add(limitStep))
		out, err := l.Stack.Advance(step)
		if err != nil || len(out) > 0 || step >= until || l.Now() >= until || l.Now() == before {
			return out, err
		}
	}
}

// Inject implements stack.Stack.
func (l *limited) Inject(at spec.Time, seg spec.Segment) ([]stack.Observed, error) {
	if err := l.check(); err != nil {
		return nil, err
	}
	return l.Stack.Inject(at, seg)
}

// Call implements stack.Stack.
func (l *limited) Call(at spec.Time, c spec.Call) ([]stack.Observed, error) {
	if err := l.check(); err != nil {
		return nil, err
	}
	return l.Stack.Call(at, c)
}
