package spec

import "sort"

// ConnSnap is the observable state of one connection, the common ground on
// which the model and the implementation are compared. In TIME-WAIT only
// Tuple, State, SndNxt, RcvNxt and the time-wait deadline are kept (an
// implementation may keep TIME-WAIT compactly); Normalize clears the rest.
type ConnSnap struct {
	Tuple  FourTuple
	State  State
	FD     int32 // -1 when no socket holds the connection
	ISS    Seq
	IRS    Seq
	SndUna Seq
	SndNxt Seq
	SndWnd uint32 // SND.WND in octets (the peer's window field scaled by SndShift)
	RcvNxt Seq
	RcvWnd uint32 // RCV.WND in octets (what the acceptability test uses)
	// SndShift and RcvShift are Snd.Wind.Shift and Rcv.Wind.Shift (RFC
	// 7323 §2.3): 0 unless window scaling was negotiated.
	SndShift, RcvShift uint8
	Unread             uint32 // octets received in order and not yet read
	Unsent             uint32 // octets written and not yet sent
	Timers             [NumTimers]Time
}

// Normalize clears the fields a TIME-WAIT entry does not keep.
func (c *ConnSnap) Normalize() {
	if c.State != TimeWait {
		return
	}
	tw := c.Timers[TimerTimeWait]
	*c = ConnSnap{Tuple: c.Tuple, State: TimeWait, FD: -1, SndUna: c.SndNxt, SndNxt: c.SndNxt, RcvNxt: c.RcvNxt}
	c.Timers[TimerTimeWait] = tw
}

// ListenSnap is the observable state of a listening socket.
type ListenSnap struct {
	FD      int32
	Port    uint16
	Backlog int
	Queue   []FourTuple // established connections awaiting accept, oldest first
}

// HostSnap is the observable state of a host.
type HostSnap struct {
	Now       Time
	Conns     []ConnSnap // sorted by tuple
	Listeners []ListenSnap
	// TimeWaitOverflow counts connections that skipped TIME-WAIT because
	// the host already held MaxTimeWait entries.
	TimeWaitOverflow int
}

// Sort puts conns and listeners in their canonical order.
func (h *HostSnap) Sort() {
	sort.Slice(h.Conns, func(i, j int) bool { return h.Conns[i].Tuple.Less(h.Conns[j].Tuple) })
	sort.Slice(h.Listeners, func(i, j int) bool { return h.Listeners[i].Port < h.Listeners[j].Port })
}

// Equal reports whether h and o show the same state: the same clock,
// connections, listeners (with their accept queues) and TIME-WAIT
// overflow count. Both must be sorted (Sort), as Snapshot returns them.
func (h *HostSnap) Equal(o *HostSnap) bool {
	if h.Now != o.Now || h.TimeWaitOverflow != o.TimeWaitOverflow ||
		len(h.Conns) != len(o.Conns) || len(h.Listeners) != len(o.Listeners) {
		return false
	}
	for i := range h.Conns {
		if h.Conns[i] != o.Conns[i] {
			return false
		}
	}
	for i := range h.Listeners {
		x, y := &h.Listeners[i], &o.Listeners[i]
		if x.FD != y.FD || x.Port != y.Port || x.Backlog != y.Backlog || len(x.Queue) != len(y.Queue) {
			return false
		}
		for j := range x.Queue {
			if x.Queue[j] != y.Queue[j] {
				return false
			}
		}
	}
	return true
}
