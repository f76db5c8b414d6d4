// Package implstack runs the optimized implementation (package impl) as a
// script.Stack, so that scenario scripts, `tcpclose run` and `tcpclose
// check` can drive it exactly as they drive the model
// (script.ModelStack): same addresses, same Advance semantics (stop just
// after the first instant with output), same declared fields
// (script.FieldModeller: the window, the MSS and Timestamps options).
package implstack

import (
	"fmt"

	"github.com/tcpclose/tcpclose/impl"
	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/spec"
)

// Stack is impl.Stack as a script.Stack.
type Stack struct {
	s    *impl.Stack
	name string
	err  error
	buf  []spec.Output
}

var (
	_ script.Stack         = (*Stack)(nil)
	_ script.FieldModeller = (*Stack)(nil)
)

// New returns the implementation with profile p and configuration cfg as
// a script.Stack named "impl/<profile name>". A zero cfg.Addr means
// script.LocalIP. If p is invalid, every Inject, Call and Advance of the
// returned stack fails with the reason (Open reports it at once).
func New(p spec.Profile, cfg spec.HostConfig) script.Stack {
	s, err := Open(p, cfg)
	if err != nil {
		return &Stack{name: "impl/" + p.Name, err: err}
	}
	return s
}

// Open is New for callers that want the error of an invalid profile.
func Open(p spec.Profile, cfg spec.HostConfig) (*Stack, error) {
	if cfg.Addr == (spec.IPv4{}) {
		cfg.Addr = script.LocalIP
	}
	s, err := impl.New(p, cfg)
	if err != nil {
		return nil, fmt.Errorf("implstack: %w", err)
	}
	return &Stack{s: s, name: "impl/" + p.Name}, nil
}

// OpenMutant is Open for an implementation built with the deliberate
// defect m (impl.NewMutant), for the mutation tests.
func OpenMutant(p spec.Profile, cfg spec.HostConfig, m impl.Mutant) (*Stack, error) {
	if cfg.Addr == (spec.IPv4{}) {
		cfg.Addr = script.LocalIP
	}
	s, err := impl.NewMutant(p, cfg, m)
	if err != nil {
		return nil, fmt.Errorf("implstack: %w", err)
	}
	return &Stack{s: s, name: "impl/" + p.Name}, nil
}

// Impl returns the implementation, for tests that inspect it.
func (st *Stack) Impl() *impl.Stack { return st.s }

// Name implements script.Stack.
func (st *Stack) Name() string { return st.name }

// Now implements script.Stack.
func (st *Stack) Now() spec.Time {
	if st.s == nil {
		return 0
	}
	return st.s.Now()
}

// Close implements script.Stack.
func (st *Stack) Close() error { return nil }

// Models implements script.FieldModeller: the implementation models what
// the model does.
func (st *Stack) Models(field string) bool {
	switch field {
	case script.FieldWindow, script.FieldMSS, script.FieldTS:
		return true
	}
	return false
}

func (st *Stack) step(ev spec.Event, out []script.Observed) []script.Observed {
	st.buf = st.s.Step(&ev, st.buf[:0])
	now := st.s.Now()
	for _, o := range st.buf {
		out = append(out, script.Observed{At: now, Out: o})
	}
	return out
}

// runTimers fires every timer due by until, one instant at a time so that
// each output carries the time it happened. With stopEarly it returns
// after the first instant that produced output.
func (st *Stack) runTimers(until spec.Time, stopEarly bool, out []script.Observed) []script.Observed {
	for {
		d := st.s.NextDeadline()
		if d == spec.Never || d > until {
			return out
		}
		n := len(out)
		out = st.step(spec.Event{Kind: spec.EvAdvance, At: d}, out)
		if stopEarly && len(out) > n {
			return out
		}
	}
}

// Inject implements script.Stack: timers due before at fire first.
func (st *Stack) Inject(at spec.Time, seg spec.Segment) ([]script.Observed, error) {
	if st.err != nil {
		return nil, st.err
	}
	out := st.runTimers(at, false, nil)
	return st.step(spec.Event{Kind: spec.EvSegment, At: at, Seg: seg}, out), nil
}

// Call implements script.Stack: timers due before at fire first.
func (st *Stack) Call(at spec.Time, c spec.Call) ([]script.Observed, error) {
	if st.err != nil {
		return nil, st.err
	}
	out := st.runTimers(at, false, nil)
	return st.step(spec.Event{Kind: spec.EvCall, At: at, Call: c}, out), nil
}

// Advance implements script.Stack: time runs toward until and stops just
// after the first instant at which the implementation produced output.
func (st *Stack) Advance(until spec.Time) ([]script.Observed, error) {
	if st.err != nil {
		return nil, st.err
	}
	out := st.runTimers(until, true, nil)
	if len(out) == 0 && until > st.s.Now() {
		out = st.step(spec.Event{Kind: spec.EvAdvance, At: until}, out)
	}
	return out, nil
}

// Config returns the implementation's configuration for running script s
// on the named profile as script.ModelSetup sets up the model: the
// profile with the script's overrides, and its fixed local ISS.
func Config(s *script.Script, profile string) (spec.Profile, spec.HostConfig, error) {
	su, err := script.ModelSetup(s, profile)
	if err != nil {
		return spec.Profile{}, spec.HostConfig{}, fmt.Errorf("implstack: %w", err)
	}
	return su.Profile, spec.HostConfig{Addr: su.Config.Addr, ISNSecret: su.Config.ISNSecret, FixedISS: su.Config.FixedISS}, nil
}
