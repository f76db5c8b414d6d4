package gvisorstack

import (
	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/spec"
)

// modelStack drives a model.Host as a script.Stack, for comparing netstack
// with the model's gvisor profile. (The script package's own model adapter
// is written in parallel; this one stays minimal.)
type modelStack struct{ h *model.Host }

var _ script.Stack = modelStack{}

func newModelStack(p spec.Profile, addr spec.IPv4) (modelStack, error) {
	h, err := model.New(p, spec.HostConfig{Addr: addr})
	if err != nil {
		return modelStack{}, err
	}
	return modelStack{h}, nil
}

func (m modelStack) Name() string   { return "model/" + m.h.Profile().Name }
func (m modelStack) Now() spec.Time { return m.h.Now() }
func (m modelStack) Close() error   { return nil }

func (m modelStack) ConnState(t spec.FourTuple) spec.State { return m.h.ConnState(t) }

func (m modelStack) step(ev spec.Event) []script.Observed {
	outs := m.h.Step(&ev, nil)
	obs := make([]script.Observed, 0, len(outs))
	for _, o := range outs {
		obs = append(obs, script.Observed{At: m.h.Now(), Out: o})
	}
	return obs
}

func (m modelStack) Inject(at spec.Time, seg spec.Segment) ([]script.Observed, error) {
	return m.step(spec.Event{Kind: spec.EvSegment, At: at, Seg: seg}), nil
}

func (m modelStack) Call(at spec.Time, c spec.Call) ([]script.Observed, error) {
	return m.step(spec.Event{Kind: spec.EvCall, At: at, Call: c}), nil
}

func (m modelStack) Advance(until spec.Time) ([]script.Observed, error) {
	for {
		next := m.h.NextDeadline()
		if next == spec.Never || next > until {
			return m.step(spec.Event{Kind: spec.EvAdvance, At: until}), nil
		}
		if out := m.step(spec.Event{Kind: spec.EvAdvance, At: next}); len(out) > 0 || next == until {
			return out, nil
		}
	}
}
