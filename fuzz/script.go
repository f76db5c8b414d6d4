package fuzz

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/google/go-cmp/cmp"

	"github.com/tcpclose/tcpclose/impl"
	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/spec"
)

// MaxScriptSteps bounds the host steps one FuzzScript input may take
// (profile overrides such as RTOMax=1ns can make a script's timers fire
// without end); a script that needs more is abandoned, not failed.
const MaxScriptSteps = 100000

// errStepBudget abandons a script run.
var errStepBudget = errors.New("fuzz: step budget exhausted")

// TwinStack is a script.Stack that drives the model and the optimized
// implementation in lockstep: every Inject, Call and Advance is the same
// event sequence for both, and after each event their outputs,
// snapshots, clocks and deadlines must agree. The runner sees the
// model's outputs; the first disagreement is kept in Err.
type TwinStack struct {
	m     *model.Host
	s     *impl.Stack
	name  string
	buf   []spec.Output
	fired []spec.RuleID
	steps int
	log   []spec.Event
	err   error
}

// NewTwinStack returns the model and the implementation with profile p
// and configuration cfg as one script.Stack.
func NewTwinStack(p spec.Profile, cfg spec.HostConfig) (*TwinStack, error) {
	if cfg.Addr == (spec.IPv4{}) {
		cfg.Addr = script.LocalIP
	}
	m, err := model.New(p, cfg)
	if err != nil {
		return nil, fmt.Errorf("fuzz: %w", err)
	}
	s, err := impl.New(p, spec.HostConfig{Addr: cfg.Addr, ISNSecret: cfg.ISNSecret, FixedISS: cfg.FixedISS})
	if err != nil {
		return nil, fmt.Errorf("fuzz: %w", err)
	}
	return &TwinStack{m: m, s: s, name: "twin/" + p.Name}, nil
}

// Err returns the first disagreement between the two hosts, with the
// events that led to it.
func (t *TwinStack) Err() error { return t.err }

// Name implements script.Stack.
func (t *TwinStack) Name() string { return t.name }

// Now implements script.Stack.
func (t *TwinStack) Now() spec.Time { return t.m.Now() }

// Close implements script.Stack.
func (t *TwinStack) Close() error { return nil }

// Explain implements script.Explainer with the model's rules.
func (t *TwinStack) Explain() []spec.RuleID { return t.fired }

// Models implements script.FieldModeller as the model's stack does.
func (t *TwinStack) Models(field string) bool {
	switch field {
	case script.FieldWindow, script.FieldMSS, script.FieldTS:
		return true
	}
	return false
}

func (t *TwinStack) step(ev spec.Event, out []script.Observed) ([]script.Observed, error) {
	if t.steps++; t.steps > MaxScriptSteps {
		return out, errStepBudget
	}
	t.log = append(t.log, ev)
	mo := t.m.Step(&ev, nil)
	t.fired = append(t.fired, t.m.Fired()...)
	for _, o := range mo {
		out = append(out, script.Observed{At: t.m.Now(), Out: o})
	}
	if t.err != nil {
		return out, nil
	}
	io := t.s.Step(&ev, t.buf[:0])
	t.buf = io
	fail := func(format string, args ...any) {
		t.err = &AgreeError{Label: t.name, Step: len(t.log), What: fmt.Sprintf(format, args...), Events: append([]spec.Event(nil), t.log...)}
	}
	if !outputsEqual(mo, io) {
		fail("outputs differ after %s\n-model +impl\n%s", ev, cmp.Diff(mo, io))
		return out, nil
	}
	ms, is := t.m.Snapshot(), t.s.Snapshot()
	switch {
	case !snapsEqual(&ms, &is):
		fail("snapshots differ after %s\n-model +impl\n%s", ev, cmp.Diff(ms, is))
	case t.m.NextDeadline() != t.s.NextDeadline():
		fail("NextDeadline: model %d, impl %d", t.m.NextDeadline(), t.s.NextDeadline())
	case t.m.Now() != t.s.Now():
		fail("Now: model %d, impl %d", t.m.Now(), t.s.Now())
	}
	return out, nil
}

// runTimers fires every timer due by until, one instant at a time; with
// stopEarly it returns after the first instant that produced output.
func (t *TwinStack) runTimers(until spec.Time, stopEarly bool, out []script.Observed) ([]script.Observed, error) {
	for {
		d := t.m.NextDeadline()
		if d == spec.Never || d > until {
			return out, nil
		}
		n := len(out)
		var err error
		if out, err = t.step(spec.Event{Kind: spec.EvAdvance, At: d}, out); err != nil {
			return out, err
		}
		if stopEarly && len(out) > n {
			return out, nil
		}
	}
}

// Inject implements script.Stack: timers due before at fire first.
func (t *TwinStack) Inject(at spec.Time, seg spec.Segment) ([]script.Observed, error) {
	t.fired = nil
	out, err := t.runTimers(at, false, nil)
	if err != nil {
		return out, err
	}
	return t.step(spec.Event{Kind: spec.EvSegment, At: at, Seg: seg}, out)
}

// Call implements script.Stack: timers due before at fire first.
func (t *TwinStack) Call(at spec.Time, c spec.Call) ([]script.Observed, error) {
	t.fired = nil
	out, err := t.runTimers(at, false, nil)
	if err != nil {
		return out, err
	}
	return t.step(spec.Event{Kind: spec.EvCall, At: at, Call: c}, out)
}

// Advance implements script.Stack.
func (t *TwinStack) Advance(until spec.Time) ([]script.Observed, error) {
	t.fired = nil
	out, err := t.runTimers(until, true, nil)
	if err != nil {
		return out, err
	}
	if len(out) == 0 && until > t.m.Now() {
		return t.step(spec.Event{Kind: spec.EvAdvance, At: until}, out)
	}
	return out, nil
}

// Script parses src as a scenario script. A parse failure must be a
// *script.ParseError naming the file and a line of it; a script that
// parses must print, and plays on the model and the implementation in
// lockstep (TwinStack) with the first profile it names, which must agree
// at every step. Whether the hosts behave as the script expects does not
// matter here; panics and disagreements do.
func Script(src []byte) error {
	const name = "f.pkt"
	lines := bytes.Count(src, []byte("\n")) + 1
	s, err := script.Parse(name, src)
	if err != nil {
		var pe *script.ParseError
		if !errors.As(err, &pe) || pe.Pos.File != name || pe.Pos.Line < 1 || !strings.HasPrefix(err.Error(), name+":") {
			return fmt.Errorf("error %q is not a *ParseError naming %s:line", err, name)
		}
		if pe.Pos.Line > lines {
			return fmt.Errorf("error at line %d of a %d-line input: %w", pe.Pos.Line, lines, err)
		}
		return nil
	}
	if len(s.Events) == 0 {
		return errors.New("a script without events parsed")
	}
	for _, ev := range s.Events {
		if ev.Line < 1 || ev.Line > lines {
			return fmt.Errorf("event at line %d of a %d-line input", ev.Line, lines)
		}
		_ = ev.String()
	}
	profile := spec.DefaultProfile
	if len(s.Profiles) > 0 {
		profile = s.Profiles[0]
	}
	su, err := script.ModelSetup(s, profile)
	if err != nil {
		return nil // a setting the model cannot take: the runner reports it
	}
	st, err := NewTwinStack(su.Profile, su.Config)
	if err != nil {
		return nil
	}
	// An error of the run itself (the step budget, a time that ran
	// backwards beyond repair) is the runner's business, not a crash.
	_, _ = script.Run(s, st, script.RunOptions{})
	return st.Err()
}
