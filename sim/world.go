package sim

import (
	"fmt"
	"time"

	"github.com/tcpclose/tcpclose/spec"
)

// World is a simulation driven from outside: instead of giving each side a
// Program and letting Run play them, the caller makes each call itself
// (Call) and lets virtual time pass (Run), in between. Segments cross the
// configured network, timers fire and everything is recorded in the Trace
// as Run records it, so a caller that needs the answer to one call before
// choosing the next (package lab, setting the model beside the kernel)
// gets the same simulator.
type World struct {
	r *runner
}

// NewWorld builds the hosts and the network of cfg. Its Programs must be
// empty; Until and MaxSteps do not apply (the caller decides how long the
// world runs). Both sides may share one address, as two sockets on
// loopback do: every segment a side sends goes to the other side.
func NewWorld(cfg Config) (*World, error) {
	if len(cfg.Programs[A]) > 0 || len(cfg.Programs[B]) > 0 {
		return nil, fmt.Errorf("sim: a World's calls come from its caller; Config.Programs must be empty")
	}
	if cfg.NoTrace {
		return nil, fmt.Errorf("sim: a World reports through its trace; Config.NoTrace must be false")
	}
	r, err := newRunner(cfg, true)
	if err != nil {
		return nil, err
	}
	return &World{r: r}, nil
}

// Now is the virtual time.
func (w *World) Now() spec.Time { return w.r.now }

// Trace is everything recorded so far; it grows with every Call and Run.
func (w *World) Trace() *Trace { return w.r.trace }

// Call makes c as side s's application at the current time. Its result is
// a RecResult record of the trace, in this step or, for a call that
// blocks, a later one; what it sent is in flight until Run.
func (w *World) Call(s Side, c spec.Call) {
	r := w.r
	r.rec(Record{At: r.now, Side: s, Kind: RecCall, Call: c})
	r.step(s, spec.Event{Kind: spec.EvCall, At: r.now, Call: c}, nil)
}

// Run lets d pass: segments arrive and timers fire in time order (ties as
// in Run: A's timers, B's, then the network). Run(0) delivers what is due
// now, such as what a call just sent over a link without delay.
func (w *World) Run(d time.Duration) {
	r := w.r
	until := r.now.Add(d)
	for {
		next, which := r.nextEvent()
		if which < 0 || next > until {
			break
		}
		r.fire(next, which)
	}
	r.now = until
}
