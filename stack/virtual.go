package stack

import (
	"errors"
	"fmt"
	"slices"

	"github.com/tcpclose/tcpclose/spec"
)

// ErrStepLimit is returned (wrapped) by a VirtualStack that reached the
// step limit of its MaxSteps option.
var ErrStepLimit = errors.New("stack: step limit reached")

// VirtualStack is a spec.Host driven as a Stack on the host's own
// virtual clock (Virtual). It implements Explainer when the host can say
// which rules it applied (a Fired() []spec.RuleID method, as model.Host
// has; otherwise Explain returns nil) and FieldModeller: a host models
// the window and the MSS and Timestamps options, not PSH, window scaling
// or SACK.
type VirtualStack struct {
	h        spec.Host
	firer    interface{ Fired() []spec.RuleID }
	name     string
	fired    []spec.RuleID
	buf      []spec.Output
	obs      []Observed // reused by every Inject, Call and Advance
	ev       spec.Event // the event being stepped (see step)
	steps    int
	maxSteps int
}

var (
	_ Stack         = (*VirtualStack)(nil)
	_ Explainer     = (*VirtualStack)(nil)
	_ FieldModeller = (*VirtualStack)(nil)
)

// Option configures a VirtualStack.
type Option func(*VirtualStack)

// Named sets the stack's name (Stack.Name), e.g. "model/rfc9293"; the
// default is "virtual".
func Named(name string) Option { return func(v *VirtualStack) { v.name = name } }

// MaxSteps bounds the host steps the stack takes over its life: the step
// after the n-th fails with ErrStepLimit. Fuzz targets use it, since
// profile overrides such as RTOMax=1ns can make timers fire without end.
// n <= 0 means no bound (the default).
func MaxSteps(n int) Option { return func(v *VirtualStack) { v.maxSteps = n } }

// Virtual returns h as a Stack. It is the one loop that turns the
// host contract (spec.Host: Step, NextDeadline, Now) into the runner's
// (Inject, Call, Advance):
//
//   - Inject and Call first fire every timer due by their time, one
//     deadline at a time, so that each output carries the time it
//     happened, then step the segment or call;
//   - Advance fires the timers due by until and stops just after the
//     first deadline that produced output; if none did, the clock moves
//     to until.
//
// The model (model.New) and the optimized implementation (impl.New) are
// each stack.Virtual of their host; a caller may wrap any other
// spec.Host the same way.
func Virtual(h spec.Host, opts ...Option) *VirtualStack {
	v := &VirtualStack{h: h, name: "virtual"}
	v.firer, _ = h.(interface{ Fired() []spec.RuleID })
	for _, o := range opts {
		o(v)
	}
	return v
}

// Host returns the host, for callers that inspect its state (Snapshot,
// NextDeadline) or need its own methods (a type assertion to
// *model.Host).
func (v *VirtualStack) Host() spec.Host { return v.h }

// Name implements Stack.
func (v *VirtualStack) Name() string { return v.name }

// Now implements Stack: the host's clock.
func (v *VirtualStack) Now() spec.Time { return v.h.Now() }

// Close implements Stack; a host holds nothing to release.
func (v *VirtualStack) Close() error { return nil }

// Explain implements Explainer: the rules the host applied during the
// last Inject, Call or Advance, if it can say (nil otherwise).
func (v *VirtualStack) Explain() []spec.RuleID { return v.fired }

// Models implements FieldModeller: the window, the MSS and Window Scale
// options and the presence of timestamps.
func (v *VirtualStack) Models(field string) bool {
	switch field {
	case FieldWindow, FieldMSS, FieldWScale, FieldTS:
		return true
	}
	return false
}

// step applies v.ev, set by the caller, and appends its outputs, stamped
// with the host's time after the step. (The event lives in the stack so
// that passing it to the host neither copies nor allocates it; callers
// set it field by field, which writes it in place, where a composite
// literal is built aside and copied.)
func (v *VirtualStack) step(out []Observed) ([]Observed, error) {
	if v.maxSteps > 0 {
		if v.steps >= v.maxSteps {
			return out, fmt.Errorf("%s: %w (%d)", v.name, ErrStepLimit, v.maxSteps)
		}
		v.steps++
	}
	v.buf = v.h.Step(&v.ev, v.buf[:0])
	if v.firer != nil {
		v.fired = append(v.fired, v.firer.Fired()...)
	}
	// Stamp the outputs in place: one copy of each output, not two (an
	// Output is over a hundred bytes, most of it the segment).
	now := v.h.Now()
	n := len(out)
	out = slices.Grow(out, len(v.buf))[:n+len(v.buf)]
	for i := range v.buf {
		o := &out[n+i]
		o.At = now
		o.Out = v.buf[i]
	}
	return out, nil
}

// runTimers fires every timer due by until, one deadline at a time. With
// stopEarly it returns after the first deadline that produced output.
func (v *VirtualStack) runTimers(until spec.Time, stopEarly bool, out []Observed) ([]Observed, error) {
	for {
		d := v.h.NextDeadline()
		if d == spec.Never || d > until {
			return out, nil
		}
		n := len(out)
		var err error
		v.ev.Kind, v.ev.At, v.ev.Call, v.ev.Seg = spec.EvAdvance, d, spec.Call{}, spec.Segment{}
		if out, err = v.step(out); err != nil {
			return out, err
		}
		if stopEarly && len(out) > n {
			return out, nil
		}
	}
}

// Inject implements Stack: timers due by at fire first. The returned
// slice is reused by the next Inject, Call or Advance.
func (v *VirtualStack) Inject(at spec.Time, seg spec.Segment) ([]Observed, error) {
	v.fired = nil
	out, err := v.runTimers(at, false, v.obs[:0])
	if err == nil {
		v.ev.Kind, v.ev.At, v.ev.Call, v.ev.Seg = spec.EvSegment, at, spec.Call{}, seg
		out, err = v.step(out)
	}
	return v.done(out, err)
}

// Call implements Stack: timers due by at fire first. The returned slice
// is reused by the next Inject, Call or Advance.
func (v *VirtualStack) Call(at spec.Time, c spec.Call) ([]Observed, error) {
	v.fired = nil
	out, err := v.runTimers(at, false, v.obs[:0])
	if err == nil {
		v.ev.Kind, v.ev.At, v.ev.Call, v.ev.Seg = spec.EvCall, at, c, spec.Segment{}
		out, err = v.step(out)
	}
	return v.done(out, err)
}

// Advance implements Stack. The returned slice is reused by the next
// Inject, Call or Advance.
func (v *VirtualStack) Advance(until spec.Time) ([]Observed, error) {
	v.fired = nil
	out, err := v.runTimers(until, true, v.obs[:0])
	if err == nil && len(out) == 0 && until > v.h.Now() {
		v.ev.Kind, v.ev.At, v.ev.Call, v.ev.Seg = spec.EvAdvance, until, spec.Call{}, spec.Segment{}
		out, err = v.step(out)
	}
	return v.done(out, err)
}

// done keeps out's array for the next call and returns out (nil if
// empty).
func (v *VirtualStack) done(out []Observed, err error) ([]Observed, error) {
	v.obs = out[:0]
	if len(out) == 0 {
		return nil, err
	}
	return out, err
}
