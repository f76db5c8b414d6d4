package script

import (
	"fmt"

	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/spec"
)

// Explainer is a stack that can say which rules it applied. The runner
// asks after every Inject, Call and Advance and shows the rules with a
// divergence.
type Explainer interface {
	// Explain returns the IDs of the rules the stack applied during its
	// most recent Inject, Call or Advance, in order.
	Explain() []spec.RuleID
}

// FieldModeller is a stack that declares which segment fields it models.
// A scripted field the stack does not model is reported as unchecked,
// never as failed. A stack that does not implement FieldModeller models
// every field.
type FieldModeller interface {
	Models(field string) bool
}

// Segment fields a FieldModeller may decline. Flags (other than PSH),
// sequence and acknowledgment numbers and the payload length are always
// checked; timestamp values never are (presence is).
const (
	FieldPSH    = "PSH"    // the PSH flag
	FieldWindow = "win"    // the window
	FieldMSS    = "mss"    // the MSS option
	FieldWScale = "wscale" // the window scale option
	FieldSackOK = "sackOK" // the SACK-permitted option
	FieldSack   = "sack"   // SACK blocks
	FieldTS     = "TS"     // presence of the Timestamps option
)

// Commander is a stack that runs a script's shell commands itself (a real
// stack). The runner reports the commands of other stacks as not run.
type Commander interface {
	Command(at spec.Time, c *Command) error
}

// ModelStack runs the executable model (package model) as a Stack. It
// implements Explainer through model.Host.Fired, and FieldModeller: it
// models the window and the MSS and Timestamps options, not PSH, window
// scaling or SACK.
type ModelStack struct {
	h     *model.Host
	name  string
	fired []spec.RuleID
}

// NewModelStack returns the model with profile p and configuration cfg as
// a Stack named "model/<profile name>". It fails if the profile is
// invalid.
func NewModelStack(p spec.Profile, cfg spec.HostConfig) (*ModelStack, error) {
	if cfg.Addr == (spec.IPv4{}) {
		cfg.Addr = LocalIP
	}
	h, err := model.New(p, cfg)
	if err != nil {
		return nil, fmt.Errorf("script: %w", err)
	}
	return &ModelStack{h: h, name: "model/" + p.Name}, nil
}

// Host returns the model host, for tests that inspect its state.
func (m *ModelStack) Host() *model.Host { return m.h }

// Name implements Stack.
func (m *ModelStack) Name() string { return m.name }

// Now implements Stack.
func (m *ModelStack) Now() spec.Time { return m.h.Now() }

// Close implements Stack.
func (m *ModelStack) Close() error { return nil }

// Explain implements Explainer.
func (m *ModelStack) Explain() []spec.RuleID { return m.fired }

// Models implements FieldModeller.
func (m *ModelStack) Models(field string) bool {
	switch field {
	case FieldWindow, FieldMSS, FieldTS:
		return true
	}
	return false
}

func (m *ModelStack) step(ev spec.Event, out []Observed) []Observed {
	outs := m.h.Step(&ev, nil)
	m.fired = append(m.fired, m.h.Fired()...)
	for _, o := range outs {
		out = append(out, Observed{At: m.h.Now(), Out: o})
	}
	return out
}

// runTimers fires every timer due by until, one instant at a time so that
// each output carries the time it happened. With stopEarly it returns
// after the first instant that produced output.
func (m *ModelStack) runTimers(until spec.Time, stopEarly bool, out []Observed) []Observed {
	for {
		d := m.h.NextDeadline()
		if d == spec.Never || d > until {
			return out
		}
		n := len(out)
		out = m.step(spec.Event{Kind: spec.EvAdvance, At: d}, out)
		if stopEarly && len(out) > n {
			return out
		}
	}
}

// Inject implements Stack: timers due before at fire first.
func (m *ModelStack) Inject(at spec.Time, seg spec.Segment) ([]Observed, error) {
	m.fired = nil
	out := m.runTimers(at, false, nil)
	return m.step(spec.Event{Kind: spec.EvSegment, At: at, Seg: seg}, out), nil
}

// Call implements Stack: timers due before at fire first.
func (m *ModelStack) Call(at spec.Time, c spec.Call) ([]Observed, error) {
	m.fired = nil
	out := m.runTimers(at, false, nil)
	return m.step(spec.Event{Kind: spec.EvCall, At: at, Call: c}, out), nil
}

// Advance implements Stack.
func (m *ModelStack) Advance(until spec.Time) ([]Observed, error) {
	m.fired = nil
	out := m.runTimers(until, true, nil)
	if len(out) == 0 && until > m.h.Now() {
		out = m.step(spec.Event{Kind: spec.EvAdvance, At: until}, out)
	}
	return out, nil
}
