package lab

import (
	"fmt"
	"sort"
	"time"

	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/spec"
)

// side names one end of an experiment's connection.
type side int

const (
	client side = iota
	server
)

func (s side) String() string {
	if s == client {
		return "client"
	}
	return "server"
}

// labAddr is the loopback address the experiments use; srvPort is the
// server's port.
var (
	labAddr = spec.IPv4{127, 0, 0, 1}
	srvPort = uint16(8080)
	srvAddr = spec.SockAddr{IP: labAddr, Port: srvPort}
)

// wireEvent is one output of one model host.
type wireEvent struct {
	At   spec.Time
	Host side
	Out  spec.Output
}

type flight struct {
	at  spec.Time
	to  side
	seg spec.Segment
}

// wire joins two model hosts, a client and a server, with a lossless link
// of fixed latency, and runs them on one virtual clock. With latency 0 it
// behaves as loopback does: a segment is delivered within the call that
// sent it. It logs every
// output and every change of connection state.
type wire struct {
	h        [2]*model.Host
	now      spec.Time
	latency  time.Duration
	inflight []flight
	events   []wireEvent
	states   map[spec.FourTuple]spec.State // last state seen, per host tuple
	changes  []StateChange
}

func newWire(p [2]spec.Profile) (*wire, error) {
	w := &wire{states: make(map[spec.FourTuple]spec.State)}
	for i := range w.h {
		h, err := model.New(p[i], spec.HostConfig{Addr: labAddr, ISNSecret: uint64(i + 1)})
		if err != nil {
			return nil, fmt.Errorf("lab: model %s: %w", side(i), err)
		}
		w.h[i] = h
	}
	return w, nil
}

// step applies ev to host who and routes its segments onto the wire.
func (w *wire) step(who side, ev spec.Event) []spec.Output {
	ev.At = w.now
	outs := w.h[who].Step(&ev, nil)
	for _, o := range outs {
		w.events = append(w.events, wireEvent{At: w.now, Host: who, Out: o})
		if o.Kind == spec.OutSegment {
			w.inflight = append(w.inflight, flight{at: w.now.Add(w.latency), to: 1 - who, seg: o.Seg})
		}
	}
	sort.SliceStable(w.inflight, func(i, j int) bool { return w.inflight[i].at < w.inflight[j].at })
	w.noteStates()
	return outs
}

// run lets d pass, delivering segments and firing timers in time order.
func (w *wire) run(d time.Duration) {
	until := w.now.Add(d)
	for {
		next, kind, who := until, 0, side(0)
		if len(w.inflight) > 0 && w.inflight[0].at <= next {
			next, kind = w.inflight[0].at, 1
		}
		for i, h := range w.h {
			if dl := h.NextDeadline(); dl != spec.Never && dl <= until && (kind == 0 || dl < next) {
				next, kind, who = dl, 2, side(i)
			}
		}
		if kind == 0 {
			break
		}
		w.now = max(w.now, next)
		if kind == 1 {
			f := w.inflight[0]
			w.inflight = w.inflight[1:]
			w.step(f.to, spec.Event{Kind: spec.EvSegment, Seg: f.seg})
		} else {
			w.step(who, spec.Event{Kind: spec.EvAdvance})
		}
	}
	w.now = until
	for i := range w.h {
		w.step(side(i), spec.Event{Kind: spec.EvAdvance})
	}
}

// noteStates records every connection whose state changed, and every one
// that disappeared (CLOSED).
func (w *wire) noteStates() {
	seen := make(map[spec.FourTuple]bool)
	for i, h := range w.h {
		who := side(i)
		for _, t := range h.Tuples() {
			seen[t] = true
			st := h.ConnState(t)
			if old, ok := w.states[t]; !ok || old != st {
				w.states[t] = st
				w.changes = append(w.changes, StateChange{At: time.Duration(w.now), Who: roleOf(who, t), State: st.String()})
			}
		}
	}
	for t, st := range w.states {
		if !seen[t] && st != spec.Closed {
			w.states[t] = spec.Closed
			who := client
			if t.Local.Port == srvPort {
				who = server
			}
			w.changes = append(w.changes, StateChange{At: time.Duration(w.now), Who: roleOf(who, t), State: spec.Closed.String()})
		}
	}
}

// roleOf names a connection by the end that holds it.
func roleOf(who side, t spec.FourTuple) string {
	if t.Local.Port == srvPort && t.Remote.Port != 0 {
		return server.String()
	}
	if t.Remote.Port == srvPort {
		return client.String()
	}
	return who.String()
}

// modelActor plays an experiment's calls on the wire.
type modelActor struct {
	w     *wire
	calls []callRecord
}

func (m *modelActor) call(who side, c spec.Call) (int64, spec.Errno) {
	mark := len(m.w.events)
	m.w.step(who, spec.Event{Kind: spec.EvCall, Call: c})
	m.w.run(0) // deliver what the call sent, as loopback does
	for waited := time.Duration(0); ; {
		for _, e := range m.w.events[mark:] {
			o := e.Out
			if e.Host == who && o.Kind == spec.OutResult && o.Call == c.Kind && (o.FD == c.FD || c.Kind == spec.CallSocket) {
				m.calls = append(m.calls, callRecord{At: time.Duration(e.At), Who: who, Call: c, Ret: o.Ret, Err: o.Err})
				return o.Ret, o.Err
			}
		}
		if waited > 10*time.Second {
			m.calls = append(m.calls, callRecord{At: time.Duration(m.w.now), Who: who, Call: c, Ret: -1, Err: spec.ETIMEDOUT, Stuck: true})
			return -1, spec.ETIMEDOUT
		}
		m.w.run(time.Millisecond)
		waited += time.Millisecond
	}
}

func (m *modelActor) sleep(d time.Duration) { m.w.run(d) }

func (m *modelActor) elapsed() time.Duration { return time.Duration(m.w.now) }

// segments returns what the hosts sent, in order.
func (m *modelActor) segments() []sentSeg {
	var out []sentSeg
	for _, e := range m.w.events {
		if e.Out.Kind == spec.OutSegment {
			out = append(out, sentSeg{At: time.Duration(e.At), From: e.Host, Seg: e.Out.Seg})
		}
	}
	return out
}

// actor performs an experiment's calls: on the kernel or on the model.
type actor interface {
	// call makes c as side who and returns once it has returned.
	call(who side, c spec.Call) (int64, spec.Errno)
	sleep(d time.Duration)
	elapsed() time.Duration
}

// callRecord is one call in a transcript.
type callRecord struct {
	At    time.Duration
	Who   side
	Call  spec.Call
	Ret   int64
	Err   spec.Errno
	Stuck bool // the model never returned it
}

func (r callRecord) String() string {
	res := fmt.Sprintf("= %d", r.Ret)
	if r.Ret == -1 {
		res = "= -1 " + r.Err.String()
	}
	if r.Stuck {
		res = "never returns"
	}
	return fmt.Sprintf("%s %s", r.Call, res)
}

// sentSeg is a segment and the side that sent it.
type sentSeg struct {
	At   time.Duration
	From side
	Seg  spec.Segment
}
