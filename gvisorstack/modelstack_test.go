package gvisorstack

import (
	"github.com/tcpclose/tcpclose/impl"
	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/spec"
)

// modelStack drives any spec.Host (the model, or the optimized
// implementation) as a script.Stack, for comparing netstack with the
// gvisor profile. (The script package's own model adapter is written in
// parallel; this one stays minimal.)
type modelStack struct {
	h    spec.Host
	name string
}

var _ script.Stack = modelStack{}

func newModelStack(p spec.Profile, addr spec.IPv4) (modelStack, error) {
	h, err := model.New(p, spec.HostConfig{Addr: addr})
	if err != nil {
		return modelStack{}, err
	}
	return modelStack{h, "model/" + p.Name}, nil
}

func newImplStack(p spec.Profile, addr spec.IPv4) (modelStack, error) {
	h, err := impl.New(p, spec.HostConfig{Addr: addr})
	if err != nil {
		return modelStack{}, err
	}
	return modelStack{h, "impl/" + p.Name}, nil
}

func (m modelStack) Name() string   { return m.name }
func (m modelStack) Now() spec.Time { return m.h.Now() }
func (m modelStack) Close() error   { return nil }

// ConnState is the state of connection t in the host's snapshot, CLOSED
// if it has none.
func (m modelStack) ConnState(t spec.FourTuple) spec.State {
	snap := m.h.Snapshot()
	for i := range snap.Conns {
		if snap.Conns[i].Tuple == t {
			return snap.Conns[i].State
		}
	}
	return spec.Closed
}

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
