package stack

import (
	"errors"
	"fmt"
	"time"

	"github.com/tcpclose/tcpclose/spec"
)

// Real wraps a real stack (the kernel, netstack, an agent) for judging
// against the model, as `tcpclose run` and `tcpclose conform` judge it:
//
//   - as a FieldModeller it leaves open the fields the model does not
//     model or that depend on buffer sizes the model does not share (the
//     window, window scaling, SACK, PSH); flags, sequence and
//     acknowledgment numbers, lengths, the MSS option and the presence of
//     timestamps are checked;
//   - as a Sysctler it sets sysctls through RealConfig.Sysctl (or the
//     wrapped stack's own SetSysctl), and fails for a stack that takes
//     none; package stack/oracle runs a script's sysctl commands through
//     it, except those the profile already carries;
//   - as a Noter it reports RealConfig.Notes (the profile fields the
//     factory could not set), then the wrapped stack's own notes;
//   - as an Explainer it forwards the wrapped stack's rules, if any;
//   - on the wall clock (RealConfig.MaxSleep), it waits in short steps,
//     since a long timer sleep can end late by about 0.1% of its length
//     (0.2 s in 240 s on this project's virtual machines).
//
// Unwrap returns the wrapped stack; As reaches any other interface it
// has.
type Real struct {
	st  Stack
	cfg RealConfig
}

var (
	_ Stack         = (*Real)(nil)
	_ FieldModeller = (*Real)(nil)
	_ Sysctler      = (*Real)(nil)
	_ Noter         = (*Real)(nil)
	_ Explainer     = (*Real)(nil)
	_ Unwrapper     = (*Real)(nil)
)

// RealConfig configures a Real.
type RealConfig struct {
	// Sysctl sets one Linux sysctl by name on the stack; nil means the
	// wrapped stack's own SetSysctl (Sysctler), if it has one.
	Sysctl func(name, value string) error
	// Notes are the factory's configuration notes (Noter).
	Notes []string
	// MaxSleep, if positive, is the longest single wait: Advance, Inject
	// and Call reach a time further off by Advance steps of at most
	// MaxSleep. For stacks on the wall clock.
	MaxSleep time.Duration
}

// ErrNoSysctl is returned (wrapped) by Real.SetSysctl for a stack that
// takes no sysctl settings.
var ErrNoSysctl = errors.New("takes no sysctl settings")

// NewReal wraps st.
func NewReal(st Stack, cfg RealConfig) *Real {
	if cfg.Sysctl == nil {
		if s, ok := As[Sysctler](st); ok {
			cfg.Sysctl = s.SetSysctl
		}
	}
	return &Real{st: st, cfg: cfg}
}

// Unwrap implements Unwrapper.
func (r *Real) Unwrap() Stack { return r.st }

// Name implements Stack.
func (r *Real) Name() string { return r.st.Name() }

// Now implements Stack.
func (r *Real) Now() spec.Time { return r.st.Now() }

// Close implements Stack.
func (r *Real) Close() error { return r.st.Close() }

// Advance implements Stack.
func (r *Real) Advance(until spec.Time) ([]Observed, error) {
	if r.cfg.MaxSleep <= 0 {
		return r.st.Advance(until)
	}
	for {
		step := min(until, r.Now().Add(r.cfg.MaxSleep))
		out, err := r.st.Advance(step)
		if err != nil || len(out) > 0 || step >= until || r.Now() >= until {
			return out, err
		}
	}
}

// approach lets the clock run to within MaxSleep of at, collecting what
// the stack does on the way.
func (r *Real) approach(at spec.Time) ([]Observed, error) {
	var all []Observed
	for r.cfg.MaxSleep > 0 && r.Now().Add(r.cfg.MaxSleep) < at {
		out, err := r.st.Advance(at.Add(-r.cfg.MaxSleep / 2))
		all = append(all, out...)
		if err != nil {
			return all, err
		}
	}
	return all, nil
}

// Inject implements Stack.
func (r *Real) Inject(at spec.Time, seg spec.Segment) ([]Observed, error) {
	out, err := r.approach(at)
	if err != nil {
		return out, err
	}
	more, err := r.st.Inject(at, seg)
	return append(out, more...), err
}

// Call implements Stack.
func (r *Real) Call(at spec.Time, c spec.Call) ([]Observed, error) {
	out, err := r.approach(at)
	if err != nil {
		return out, err
	}
	more, err := r.st.Call(at, c)
	return append(out, more...), err
}

// Notes implements Noter: the configuration's notes, then the wrapped
// stack's.
func (r *Real) Notes() []string {
	notes := append([]string(nil), r.cfg.Notes...)
	if n, ok := As[Noter](r.st); ok {
		notes = append(notes, n.Notes()...)
	}
	return notes
}

// Explain implements Explainer with the wrapped stack's rules (nil if it
// cannot say).
func (r *Real) Explain() []spec.RuleID {
	if e, ok := As[Explainer](r.st); ok {
		return e.Explain()
	}
	return nil
}

// Models implements FieldModeller.
func (r *Real) Models(field string) bool {
	switch field {
	case FieldMSS, FieldTS:
		return true
	}
	return false
}

// SetSysctl implements Sysctler.
func (r *Real) SetSysctl(name, value string) error {
	if r.cfg.Sysctl == nil {
		return fmt.Errorf("%s %w (%s=%s)", r.Name(), ErrNoSysctl, name, value)
	}
	return r.cfg.Sysctl(name, value)
}
