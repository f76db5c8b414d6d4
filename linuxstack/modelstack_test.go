package linuxstack

import (
	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/spec"
)

// modelStack runs the model behind the script.Stack interface, so that a
// scenario can be played against the model and the kernel alike.
type modelStack struct{ h *model.Host }

func newModelStack(p spec.Profile) *modelStack {
	return &modelStack{h: model.MustNew(p, spec.HostConfig{Addr: script.LocalIP, ISNSecret: 1})}
}

func (m *modelStack) Name() string   { return "model/" + m.h.Profile().Name }
func (m *modelStack) Now() spec.Time { return m.h.Now() }
func (m *modelStack) Close() error   { return nil }

func (m *modelStack) step(ev spec.Event) []script.Observed {
	var obs []script.Observed
	for _, o := range m.h.Step(&ev, nil) {
		obs = append(obs, script.Observed{At: m.h.Now(), Out: o})
	}
	return obs
}

func (m *modelStack) Inject(at spec.Time, seg spec.Segment) ([]script.Observed, error) {
	return m.step(spec.Event{Kind: spec.EvSegment, At: at, Seg: seg}), nil
}

func (m *modelStack) Call(at spec.Time, c spec.Call) ([]script.Observed, error) {
	return m.step(spec.Event{Kind: spec.EvCall, At: at, Call: c}), nil
}

func (m *modelStack) Advance(until spec.Time) ([]script.Observed, error) {
	for {
		d := m.h.NextDeadline()
		if d == spec.Never || d > until {
			return m.step(spec.Event{Kind: spec.EvAdvance, At: until}), nil
		}
		if out := m.step(spec.Event{Kind: spec.EvAdvance, At: d}); len(out) > 0 {
			return out, nil
		}
	}
}
