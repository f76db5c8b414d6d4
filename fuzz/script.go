package fuzz

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/tcpclose/tcpclose/check"
	"github.com/tcpclose/tcpclose/impl"
	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
)

// MaxScriptSteps bounds the host steps one FuzzScript input may take
// (profile overrides such as RTOMax=1ns can make a script's timers fire
// without end); a script that needs more is abandoned, not failed.
const MaxScriptSteps = 20000

// MaxScriptInput bounds the bytes of one FuzzScript input that are read:
// the rest is cut off before parsing. Go's minimizer runs an input once
// for every byte and every run of bytes it tries to remove, so the cost of
// minimizing grows with the cube of the length; 2 KiB holds every
// scenario of the corpus but the longest few.
const MaxScriptInput = 2048

// TwinHost is a spec.Host that steps the model and the optimized
// implementation in lockstep: every event goes to both, and after each
// their outputs, snapshots, clocks and deadlines must agree. It answers
// with the model's outputs and rules (Fired); the first disagreement is
// kept in Err. stack.Virtual drives it as a script's stack (NewTwinStack).
type TwinHost struct {
	m     *model.Host
	s     *impl.Stack
	label string
	buf   []spec.Output
	log   []spec.Event
	err   error
}

var _ spec.Host = (*TwinHost)(nil)

// NewTwinHost returns the model and the implementation with profile p and
// configuration cfg as one host.
func NewTwinHost(p spec.Profile, cfg spec.HostConfig) (*TwinHost, error) {
	cfg = cfg.WithDefaults()
	m, err := model.New(p, cfg)
	if err != nil {
		return nil, fmt.Errorf("fuzz: %w", err)
	}
	s, err := impl.New(p, cfg)
	if err != nil {
		return nil, fmt.Errorf("fuzz: %w", err)
	}
	return &TwinHost{m: m, s: s, label: "twin/" + p.Name}, nil
}

// NewTwinStack is NewTwinHost as a script's stack, named "twin/<profile>",
// abandoned with stack.ErrStepLimit after MaxScriptSteps steps.
func NewTwinStack(p spec.Profile, cfg spec.HostConfig) (*stack.VirtualStack, *TwinHost, error) {
	t, err := NewTwinHost(p, cfg)
	if err != nil {
		return nil, nil, err
	}
	return stack.Virtual(t, stack.Named(t.label), stack.MaxSteps(MaxScriptSteps)), t, nil
}

// Err returns the first disagreement between the two hosts, with the
// events that led to it.
func (t *TwinHost) Err() error { return t.err }

// Now implements spec.Host: the model's clock.
func (t *TwinHost) Now() spec.Time { return t.m.Now() }

// NextDeadline implements spec.Host: the model's.
func (t *TwinHost) NextDeadline() spec.Time { return t.m.NextDeadline() }

// Snapshot implements spec.Host: the model's.
func (t *TwinHost) Snapshot() spec.HostSnap { return t.m.Snapshot() }

// Fired is the rules the model applied in the last step.
func (t *TwinHost) Fired() []spec.RuleID { return t.m.Fired() }

// Step implements spec.Host: the event on both hosts, then the
// comparison; the model's outputs are appended to out.
func (t *TwinHost) Step(ev *spec.Event, out []spec.Output) []spec.Output {
	t.log = append(t.log, *ev)
	iev := *ev // each host gets its own copy of the event
	n := len(out)
	out = t.m.Step(ev, out)
	if t.err != nil {
		return out
	}
	mo := out[n:]
	io := t.s.Step(&iev, t.buf[:0])
	t.buf = io
	fail := func(format string, args ...any) {
		t.err = &AgreeError{Label: t.label, Step: len(t.log), What: fmt.Sprintf(format, args...), Events: append([]spec.Event(nil), t.log...)}
	}
	mv, iv := check.Observe(t.m, mo), check.Observe(t.s, io)
	if err := check.Compare(&mv, &iv); err != nil {
		fail("after %s: %v", *ev, err)
	}
	return out
}

// Script parses src as a scenario script. A parse failure must be a
// *script.ParseError naming the file and a line of it; a script that
// parses must print, and plays on the model and the implementation in
// lockstep (TwinHost) with the first profile it names, which must agree
// at every step. Whether the hosts behave as the script expects does not
// matter here; panics and disagreements do.
func Script(src []byte) error {
	const name = "f.pkt"
	src = src[:min(len(src), MaxScriptInput)]
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
	st, twin, err := NewTwinStack(su.Profile, su.Config)
	if err != nil {
		return nil
	}
	// An error of the run itself (the step budget, a time that ran
	// backwards beyond repair) is the runner's business, not a crash.
	_, _ = script.Run(s, st, script.RunOptions{})
	return twin.Err()
}
