package model

import (
	"fmt"
	"sort"

	"github.com/tcpclose/tcpclose/spec"
)

// Host is one TCP host.
type Host struct {
	p      spec.Profile
	cfg    spec.HostConfig
	now    spec.Time
	nextID uint64

	conns map[spec.FourTuple]*Conn
	socks map[int32]*Socket

	twCount          int
	timeWaitOverflow int

	out   []spec.Output
	fired []spec.RuleID
}

// Host satisfies the one host contract.
var _ spec.Host = (*Host)(nil)

// New returns a host with profile p. The profile is validated; zero
// fields of cfg take their defaults (spec.HostConfig.WithDefaults).
func New(p spec.Profile, cfg spec.HostConfig) (*Host, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	cfg = cfg.WithDefaults()
	return &Host{
		p:     cfg.HostProfile(p),
		cfg:   cfg,
		conns: make(map[spec.FourTuple]*Conn),
		socks: make(map[int32]*Socket),
	}, nil
}

// MustNew is New for profiles known to be valid.
func MustNew(p spec.Profile, cfg spec.HostConfig) *Host {
	h, err := New(p, cfg)
	if err != nil {
		panic(err)
	}
	return h
}

// Profile returns the host's profile.
func (h *Host) Profile() spec.Profile { return h.p }

// Now returns the host's clock.
func (h *Host) Now() spec.Time { return h.now }

// Addr returns the host's address.
func (h *Host) Addr() spec.Addr { return h.cfg.Addr }

// Fired returns the IDs of the rules the last Step applied, in order.
func (h *Host) Fired() []spec.RuleID { return h.fired }

// Step applies one event and appends the outputs it caused to out, in
// order, returning the extended slice (spec.Host). The clock first
// advances to ev.At, firing every due timer (deadline order, then
// connection ID, then spec.TimerKind); then the event is handled. After
// each fired timer and after the event, blocked calls that can now
// complete return, in ascending fd order. Step never panics on bad input:
// a nil event is ignored, a malformed segment is dropped and an impossible
// call returns an errno.
func (h *Host) Step(ev *spec.Event, out []spec.Output) []spec.Output {
	h.fired = nil
	if ev == nil {
		return out
	}
	h.out = out
	h.advance(ev.At)
	switch ev.Kind {
	case spec.EvAdvance:
	case spec.EvCall:
		h.call(ev.Call)
		h.pollBlocked()
	case spec.EvSegment:
		seg := ev.Seg
		h.segmentArrives(&seg)
		h.pollBlocked()
	default:
		h.rule("MODEL-BAD-EVENT")
	}
	out = h.out
	h.out = nil
	return out
}

// NextDeadline returns the earliest armed timer, or spec.Never.
func (h *Host) NextDeadline() spec.Time {
	_, _, at := h.nextTimer()
	return at
}

func (h *Host) emit(o spec.Output)  { h.out = append(h.out, o) }
func (h *Host) send(s spec.Segment) { h.emit(spec.SegmentOut(s)) }
func (h *Host) rule(id spec.RuleID) { h.fired = append(h.fired, id) }
func (h *Host) result(fd int32, k spec.CallKind, ret int64, err spec.Errno) {
	h.emit(spec.ResultOut(fd, k, ret, err))
}

// advance moves the clock to t, firing due timers one at a time.
func (h *Host) advance(t spec.Time) {
	for {
		c, k, at := h.nextTimer()
		if c == nil || at > t {
			break
		}
		if at > h.now {
			h.now = at
		}
		c.Timer[k] = spec.Never
		h.fire(c, k)
		h.pollBlocked()
	}
	if t > h.now {
		h.now = t
	}
}

// nextTimer finds the earliest armed timer: by deadline, then connection
// ID, then timer kind.
func (h *Host) nextTimer() (*Conn, spec.TimerKind, spec.Time) {
	var best *Conn
	var bestK spec.TimerKind
	bestAt := spec.Never
	for _, c := range h.conns {
		for k := spec.TimerKind(0); int(k) < spec.NumTimers; k++ {
			at := c.Timer[k]
			if at == spec.Never {
				continue
			}
			if best == nil || at < bestAt || (at == bestAt && (c.ID < best.ID || (c.ID == best.ID && k < bestK))) {
				best, bestK, bestAt = c, k, at
			}
		}
	}
	return best, bestK, bestAt
}

// newConn creates a TCB for tuple.
func (h *Host) newConn(t spec.FourTuple) *Conn {
	h.nextID++
	c := &Conn{
		ID:     h.nextID,
		Tuple:  t,
		FD:     -1,
		Parent: -1,
		RTO:    h.p.RTOInitial,
		R2:     h.p.R2,
		RcvBuf: h.p.RecvBuf,
	}
	h.conns[t] = c
	return c
}

// Clone returns a deep copy of h; stepping the copy leaves h unchanged.
func (h *Host) Clone() *Host {
	n := *h
	n.conns = make(map[spec.FourTuple]*Conn, len(h.conns))
	for t, c := range h.conns {
		n.conns[t] = c.clone()
	}
	n.socks = make(map[int32]*Socket, len(h.socks))
	for fd, s := range h.socks {
		cs := *s
		cs.Queue = append([]spec.FourTuple(nil), s.Queue...)
		n.socks[fd] = &cs
	}
	n.out = nil
	n.fired = nil
	n.p.Cite = h.p.Cite // read-only
	return &n
}

// Snapshot returns the observable state of the host.
func (h *Host) Snapshot() spec.HostSnap {
	s := spec.HostSnap{Now: h.now, TimeWaitOverflow: h.timeWaitOverflow}
	for _, c := range h.conns {
		s.Conns = append(s.Conns, c.snap(h))
	}
	for _, fd := range h.sortedFDs() {
		sk := h.socks[fd]
		if sk.State != sockListening {
			continue
		}
		s.Listeners = append(s.Listeners, spec.ListenSnap{
			FD: fd, Port: sk.Local.Port, Backlog: sk.Backlog,
			Queue: append([]spec.FourTuple(nil), sk.Queue...),
		})
	}
	s.Sort()
	return s
}

// ConnState returns the state of the connection t, or CLOSED.
func (h *Host) ConnState(t spec.FourTuple) spec.State {
	if c := h.conns[t]; c != nil {
		return c.State
	}
	return spec.Closed
}

// Tuples returns the 4-tuples of all connections, sorted.
func (h *Host) Tuples() []spec.FourTuple {
	ts := make([]spec.FourTuple, 0, len(h.conns))
	for t := range h.conns {
		ts = append(ts, t)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].Less(ts[j]) })
	return ts
}

func (h *Host) sortedFDs() []int32 {
	fds := make([]int32, 0, len(h.socks))
	for fd := range h.socks {
		fds = append(fds, fd)
	}
	sort.Slice(fds, func(i, j int) bool { return fds[i] < fds[j] })
	return fds
}

// sortedConns returns the connections in ID order (for deterministic
// iteration).
func (h *Host) sortedConns() []*Conn {
	cs := make([]*Conn, 0, len(h.conns))
	for _, c := range h.conns {
		cs = append(cs, c)
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].ID < cs[j].ID })
	return cs
}
