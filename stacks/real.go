package stacks

import (
	"fmt"
	"strings"
	"time"

	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/spec"
)

// Real wraps a real stack (the kernel, netstack) for the script runner:
//
//   - as a script.FieldModeller it leaves open the fields the model does
//     not model or that depend on buffer sizes the model does not share
//     (the window, window scaling, SACK, PSH); flags, sequence and
//     acknowledgment numbers, lengths, MSS and the presence of timestamps
//     are checked;
//   - as a script.Commander it runs a script's sysctl settings on the
//     stack, except those package script maps onto profile fields (the
//     factory applied those from the profile); other shell text is an
//     error, never silently skipped;
//   - as a Noter it reports the profile fields the factory could not set;
//   - on the wall clock (RealConfig.MaxSleep), it waits in short steps,
//     since a long timer sleep can end late by about 0.1% of its length
//     (0.2 s in 240 s on this project's virtual machines).
type Real struct {
	script.Stack
	cfg RealConfig
}

// RealConfig configures a Real.
type RealConfig struct {
	// Sysctl sets one Linux sysctl by name on the stack; nil if the stack
	// takes none.
	Sysctl func(name, value string) error
	// Notes are the factory's configuration notes (Noter).
	Notes []string
	// MaxSleep, if positive, is the longest single wait: Advance, Inject
	// and Call reach a time further off by Advance steps of at most
	// MaxSleep. For stacks on the wall clock.
	MaxSleep time.Duration
}

// NewReal wraps st.
func NewReal(st script.Stack, cfg RealConfig) *Real {
	return &Real{Stack: st, cfg: cfg}
}

// Advance implements script.Stack.
func (r *Real) Advance(until spec.Time) ([]script.Observed, error) {
	if r.cfg.MaxSleep <= 0 {
		return r.Stack.Advance(until)
	}
	for {
		step := min(until, r.Now().Add(r.cfg.MaxSleep))
		out, err := r.Stack.Advance(step)
		if err != nil || len(out) > 0 || step >= until || r.Now() >= until {
			return out, err
		}
	}
}

// approach lets the clock run to within MaxSleep of at, collecting what
// the stack does on the way.
func (r *Real) approach(at spec.Time) ([]script.Observed, error) {
	var all []script.Observed
	for r.cfg.MaxSleep > 0 && r.Now().Add(r.cfg.MaxSleep) < at {
		out, err := r.Stack.Advance(at.Add(-r.cfg.MaxSleep / 2))
		all = append(all, out...)
		if err != nil {
			return all, err
		}
	}
	return all, nil
}

// Inject implements script.Stack.
func (r *Real) Inject(at spec.Time, seg spec.Segment) ([]script.Observed, error) {
	out, err := r.approach(at)
	if err != nil {
		return out, err
	}
	more, err := r.Stack.Inject(at, seg)
	return append(out, more...), err
}

// Call implements script.Stack.
func (r *Real) Call(at spec.Time, c spec.Call) ([]script.Observed, error) {
	out, err := r.approach(at)
	if err != nil {
		return out, err
	}
	more, err := r.Stack.Call(at, c)
	return append(out, more...), err
}

// Unwrap returns the wrapped stack.
func (r *Real) Unwrap() script.Stack { return r.Stack }

// Notes implements Noter.
func (r *Real) Notes() []string { return r.cfg.Notes }

// Models implements script.FieldModeller.
func (r *Real) Models(field string) bool {
	switch field {
	case script.FieldMSS, script.FieldTS:
		return true
	}
	return false
}

// Command implements script.Commander.
func (r *Real) Command(at spec.Time, c *script.Command) error {
	var errs []string
	for _, sc := range c.Sysctls {
		if IsProfileSysctl(sc.Key) {
			continue // set through the profile by the factory
		}
		if r.cfg.Sysctl == nil {
			errs = append(errs, fmt.Sprintf("%s: %s takes no sysctl settings (%s)", sc.Pos, r.Name(), sc.Text))
			continue
		}
		if err := r.cfg.Sysctl(sc.Key, sc.Value); err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", sc.Pos, err))
		}
	}
	for _, o := range c.Other {
		errs = append(errs, fmt.Sprintf("%s: shell command not supported on %s: %s", o.Pos, r.Name(), o.Text))
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}
