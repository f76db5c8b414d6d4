package stacks

import (
	"fmt"

	"github.com/tcpclose/tcpclose/impl"
	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/spec"
)

// ImplEntry is the optimized implementation (package impl) as a stack,
// on a virtual clock; like the model, each script runs on the first
// profile it lists unless one is named.
func ImplEntry() Entry {
	return Entry{
		Name: "impl", Doc: "the optimized implementation (package impl)",
		New: func(p spec.Profile, o Options) (script.Stack, error) {
			h, err := impl.New(p, impl.Config{Addr: script.LocalIP, ISNSecret: o.Seed, FixedISS: o.FixedISS})
			if err != nil {
				return nil, fmt.Errorf("impl: %w", err)
			}
			return &implStack{h: h, name: "impl/" + p.Name}, nil
		},
	}
}

// implStack drives impl.Stack as a script.Stack, as script.ModelStack
// drives the model: timers fire one instant at a time so that every
// output carries the time it happened. It explains no rules (impl names
// none) and models the fields the model does.
type implStack struct {
	h    *impl.Stack
	name string
	buf  []spec.Output
}

func (s *implStack) Name() string   { return s.name }
func (s *implStack) Now() spec.Time { return s.h.Now() }
func (s *implStack) Close() error   { return nil }

// Models implements script.FieldModeller as script.ModelStack does.
func (s *implStack) Models(field string) bool {
	switch field {
	case script.FieldWindow, script.FieldMSS, script.FieldTS:
		return true
	}
	return false
}

func (s *implStack) step(ev spec.Event, out []script.Observed) []script.Observed {
	s.buf = s.h.Step(&ev, s.buf[:0])
	for _, o := range s.buf {
		out = append(out, script.Observed{At: s.h.Now(), Out: o})
	}
	return out
}

func (s *implStack) runTimers(until spec.Time, stopEarly bool, out []script.Observed) []script.Observed {
	for {
		d := s.h.NextDeadline()
		if d == spec.Never || d > until {
			return out
		}
		n := len(out)
		out = s.step(spec.Event{Kind: spec.EvAdvance, At: d}, out)
		if stopEarly && len(out) > n {
			return out
		}
	}
}

func (s *implStack) Inject(at spec.Time, seg spec.Segment) ([]script.Observed, error) {
	out := s.runTimers(at, false, nil)
	return s.step(spec.Event{Kind: spec.EvSegment, At: at, Seg: seg}, out), nil
}

func (s *implStack) Call(at spec.Time, c spec.Call) ([]script.Observed, error) {
	out := s.runTimers(at, false, nil)
	return s.step(spec.Event{Kind: spec.EvCall, At: at, Call: c}, out), nil
}

func (s *implStack) Advance(until spec.Time) ([]script.Observed, error) {
	out := s.runTimers(until, true, nil)
	if len(out) == 0 && until > s.h.Now() {
		out = s.step(spec.Event{Kind: spec.EvAdvance, At: until}, out)
	}
	return out, nil
}
