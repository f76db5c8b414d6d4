package sim_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tcpclose/tcpclose/sim"
	"github.com/tcpclose/tcpclose/spec"
)

// results lists the call results of side s in the trace, from record i on.
func results(w *sim.World, s sim.Side, i int) []string {
	var out []string
	for _, r := range w.Trace().Records[i:] {
		if r.Kind == sim.RecResult && r.Side == s {
			out = append(out, r.Out.String())
		}
	}
	return out
}

// TestWorld: a World driven call by call opens a connection over a link
// of 10 ms, on one shared address as on loopback, and over a link without
// delay, where a segment sent at time 0 arrives at time 0 (spec.Never is
// also 0: the network's queue must not take such an arrival for nothing
// due).
func TestWorld(t *testing.T) {
	p := spec.MustProfile("linux")
	lo := spec.IPv4(127, 0, 0, 1)
	srv := spec.SockAddr{IP: lo, Port: 8080}
	for _, delay := range []time.Duration{0, 10 * time.Millisecond} {
		w, err := sim.NewWorld(sim.Config{Profiles: [2]spec.Profile{p, p}, Addrs: [2]spec.SockAddr{{IP: lo}, srv},
			Net: sim.Symmetric(sim.Link{Delay: delay}, 0)})
		if err != nil {
			t.Fatal(err)
		}
		w.Call(sim.B, spec.Call{Kind: spec.CallSocket})
		w.Call(sim.B, spec.Call{Kind: spec.CallBind, FD: 3, Addr: srv})
		w.Call(sim.B, spec.Call{Kind: spec.CallListen, FD: 3, N: 8})
		w.Call(sim.A, spec.Call{Kind: spec.CallSocket})
		mark := len(w.Trace().Records)
		w.Call(sim.A, spec.Call{Kind: spec.CallConnect, FD: 3, Addr: srv})
		w.Run(0)
		if got := results(w, sim.A, mark); (len(got) == 0) != (delay > 0) {
			t.Errorf("delay %s: connect after Run(0): %v", delay, got)
		}
		w.Run(3 * delay)
		if got := strings.Join(results(w, sim.A, mark), " "); !strings.Contains(got, "= 0") {
			t.Errorf("delay %s: connect after 3 delays: %q", delay, got)
		}
		if w.Now() != spec.Time(3*delay) {
			t.Errorf("delay %s: now %s", delay, w.Now())
		}
	}
	if _, err := sim.NewWorld(sim.Config{Profiles: [2]spec.Profile{p, p}, Programs: [2]sim.Program{{sim.Listen()}}}); err == nil {
		t.Error("NewWorld accepted programs")
	}
}
