package impl

import (
	"fmt"
	"math/bits"

	"github.com/tcpclose/tcpclose/spec"
)

// maxFD bounds the descriptor table (EMFILE beyond it), as in the model.
const maxFD = 1024

// maxPayload is the largest payload a segment may claim.
const maxPayload = 65535

// Stack is one TCP host: the optimized counterpart of model.Host.
type Stack struct {
	p        spec.Profile
	cfg      spec.HostConfig
	mutation // empty but with -tags mutants (mutant_on.go)
	now      spec.Time
	nextID   uint64
	out      []spec.Output

	seed   hashKey
	conns  connSlab
	cidx   index[connKeys]
	tw     twTable
	v6     bool      // the host's address is IPv6: keys carry peer numbers
	peers  peerTable // the peers' numbers (IPv6 only)
	heap   []uint32  // timer heap of full connections (slab numbers)
	twOver int

	socks      [maxFD]*sock
	blocked    [maxFD / 64]uint64 // sockets with a blocked call
	listenBits [maxFD / 64]uint64 // listening sockets
	nBlocked   int

	ports    [256]*[256]portInfo
	portUsed [65536 / 64]uint64 // ports with a bound socket or a connection
	children [maxFD]int32       // passive connections without a socket, per parent fd
	// twParented counts TIME-WAIT entries that still name a listener (only
	// reachable with AbortEntersTimeWait).
	twParented int

	heldTmp  []seqRange
	scratch  []uint64
	scratchC []twChild
}

// portInfo counts, per local port, what bind(2) and automatic port choice
// must check (the model scans every socket and connection instead).
type portInfo struct {
	sockBound uint16 // bound sockets
	sockHard  uint16 // bound sockets that block any other bind
	conns     uint32 // connections, TIME-WAIT included
	orphTW    uint32 // TIME-WAIT entries with no listener
	orphTWNR  uint32 // ... whose socket had no SO_REUSEADDR
	orphOth   uint32 // other connections with neither socket nor listener
	orphOthNR uint32 // ... without SO_REUSEADDR
	// Explicit binds, which connect(2)'s automatic port choice skips.
	sockExplicit uint16 // bound sockets whose port came from bind or listen
	connExplicit uint32 // connections of such sockets (TIME-WAIT included)
}

// Stack satisfies the one host contract.
var _ spec.Host = (*Stack)(nil)

// New returns a host with profile p; the profile is validated and zero
// fields of cfg take their defaults (spec.HostConfig.WithDefaults).
func New(p spec.Profile, cfg spec.HostConfig) (*Stack, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("impl: %w", err)
	}
	cfg = cfg.WithDefaults()
	s := &Stack{p: cfg.HostProfile(p), cfg: cfg, seed: newHashKey()}
	s.conns.stride = p.MaxHeldRanges
	s.cidx = newIndex(s.seed, connKeys{&s.conns})
	s.tw.init(s.seed)
	s.v6 = s.cfg.Addr.Is6()
	s.heldTmp = make([]seqRange, 0, p.MaxHeldRanges+2)
	return s, nil
}

// Now returns the host's clock.
func (s *Stack) Now() spec.Time { return s.now }

// TimeWaitCount returns the number of TIME-WAIT entries.
func (s *Stack) TimeWaitCount() int { return s.tw.n }

// ConnCount returns the number of connections not in TIME-WAIT.
func (s *Stack) ConnCount() int { return s.conns.n }

// Step applies one event and appends the outputs it caused to out, in
// order. The clock first advances to ev.At, firing every due timer
// (deadline order, then connection ID, then spec.TimerKind); then the
// event is handled. After each fired timer and after the event, blocked
// calls that can now complete return, in ascending fd order.
func (s *Stack) Step(ev *spec.Event, out []spec.Output) []spec.Output {
	if ev == nil {
		return out
	}
	s.out = out
	s.advance(ev.At)
	switch ev.Kind {
	case spec.EvAdvance:
	case spec.EvCall:
		s.call(&ev.Call)
		s.pollBlocked()
	case spec.EvSegment:
		seg := ev.Seg
		s.segmentArrives(&seg)
		s.pollBlocked()
	}
	if s.v6 {
		s.peers.sweep()
	}
	out = s.out
	s.out = nil
	return out
}

// NextDeadline returns the earliest armed timer, or spec.Never.
func (s *Stack) NextDeadline() spec.Time {
	_, _, at, _, _ := s.nextTimer()
	return at
}

func (s *Stack) emit(o spec.Output)  { s.out = append(s.out, o) }
func (s *Stack) send(g spec.Segment) { *s.segOut() = g }

// segOut appends a segment output and returns the segment to fill in
// place (valid until the next output is appended).
func (s *Stack) segOut() *spec.Segment {
	s.out = append(s.out, spec.Output{Kind: spec.OutSegment})
	return &s.out[len(s.out)-1].Seg
}
func (s *Stack) result(fd int32, k spec.CallKind, ret int64, err spec.Errno) {
	s.out = append(s.out, spec.Output{Kind: spec.OutResult, FD: fd, Call: k, Ret: ret, Err: err})
}

// nextTimer returns the earliest armed timer: a full connection's (c) or
// a TIME-WAIT entry's (tw, kind spec.TimerTimeWait).
func (s *Stack) nextTimer() (c *conn, k spec.TimerKind, at spec.Time, tw uint32, isTW bool) {
	at = spec.Never
	if len(s.heap) > 0 {
		c = s.heapAt(0)
		k, at = c.tkind, c.tmin
	}
	if i, e, ok := s.tw.peek(); ok {
		if c == nil || e.deadline < at || (e.deadline == at && (e.id() < c.id || (e.id() == c.id && spec.TimerTimeWait < k))) {
			return nil, spec.TimerTimeWait, e.deadline, i, true
		}
	}
	return c, k, at, 0, false
}

// advance moves the clock to t, firing due timers one at a time.
func (s *Stack) advance(t spec.Time) {
	for {
		c, k, at, twi, isTW := s.nextTimer()
		if (c == nil && !isTW) || at > t {
			break
		}
		if at > s.now {
			s.now = at
		}
		if isTW {
			s.deleteTW(twi) // R9293-TO-TW
		} else {
			s.setTimer(c, k, spec.Never)
			s.fire(c, k)
		}
		s.pollBlocked()
	}
	if t > s.now {
		s.now = t
	}
}

// ---- 4-tuples ------------------------------------------------------------

// tupleKey packs a connection's 4-tuple on an IPv4 host: the local
// address is always the host's own, so the remote address and both ports
// identify it.
func tupleKey(rip spec.Addr, rport, lport uint16) uint64 {
	a := rip.As4()
	return uint64(a[0])<<56 | uint64(a[1])<<48 | uint64(a[2])<<40 | uint64(a[3])<<32 |
		uint64(rport)<<16 | uint64(lport)
}

// tupleKey6 packs a connection's 4-tuple on an IPv6 host: the peer's
// number (peerTable) in place of its address.
func tupleKey6(peer uint32, rport, lport uint16) uint64 {
	return uint64(peer)<<32 | uint64(rport)<<16 | uint64(lport)
}

// key is the key of the connection from local port lport to rem. On an
// IPv6 host rem's address gets a number if it has none (released at the
// end of the Step unless a connection or TIME-WAIT entry holds it).
func (s *Stack) key(rem spec.SockAddr, lport uint16) uint64 {
	if s.v6 {
		return tupleKey6(s.peers.intern(rem.IP), rem.Port, lport)
	}
	return tupleKey(rem.IP, rem.Port, lport)
}

// holdKey and dropKey count a key stored in the connection or TIME-WAIT
// table against its peer's number (IPv6 hosts).
func (s *Stack) holdKey(k uint64) {
	if s.v6 {
		s.peers.ref(uint32(k >> 32))
	}
}

func (s *Stack) dropKey(k uint64) {
	if s.v6 {
		s.peers.unref(uint32(k >> 32))
	}
}

func keyLPort(k uint64) uint16 { return uint16(k) }

func (s *Stack) local(k uint64) spec.SockAddr {
	return spec.SockAddr{IP: s.cfg.Addr, Port: uint16(k)}
}

func (s *Stack) remote(k uint64) spec.SockAddr {
	if s.v6 {
		return spec.SockAddr{IP: s.peers.addr[k>>32], Port: uint16(k >> 16)}
	}
	return spec.SockAddr{IP: spec.AddrFrom4([4]byte{byte(k >> 56), byte(k >> 48), byte(k >> 40), byte(k >> 32)}), Port: uint16(k >> 16)}
}

func (s *Stack) tuple(k uint64) spec.FourTuple {
	return spec.FourTuple{Local: s.local(k), Remote: s.remote(k)}
}

func (s *Stack) lookupConn(k uint64) *conn {
	if i, ok := s.cidx.find(k); ok {
		return s.conns.at(i)
	}
	return nil
}

// ---- per-port and per-listener counters ---------------------------------

func (s *Stack) port(p uint16) *portInfo {
	ch := s.ports[p>>8]
	if ch == nil {
		ch = new([256]portInfo)
		s.ports[p>>8] = ch
	}
	return &ch[p&255]
}

func (s *Stack) peekPort(p uint16) *portInfo {
	if ch := s.ports[p>>8]; ch != nil {
		return &ch[p&255]
	}
	return nil
}

func (s *Stack) markPort(p uint16, pi *portInfo) {
	if pi.sockBound > 0 || pi.conns > 0 {
		s.portUsed[p>>6] |= 1 << (p & 63)
	} else {
		s.portUsed[p>>6] &^= 1 << (p & 63)
	}
}

// Connection categories, as bindable and pendingChildren see them.
const (
	catIn       = 1 << iota // counted in its port's conns
	catOrph                 // no socket, no listener
	catNoReuse              // without SO_REUSEADDR
	catChild                // no socket, counted as a child of catParent
	catExplicit             // its port was bound explicitly
)

func (c *conn) category() uint8 {
	k := uint8(catIn)
	if c.has(fExplicit) {
		k |= catExplicit
	}
	if c.fd < 0 {
		if c.parent < 0 {
			k |= catOrph
			if !c.has(fReuse) {
				k |= catNoReuse
			}
		} else {
			k |= catChild
		}
	}
	return k
}

// recat brings the counters up to date after c's socket, listener or
// SO_REUSEADDR changed.
func (s *Stack) recat(c *conn) {
	k := c.category()
	if k == c.cat && (k&catChild == 0 || c.parent == c.catParent) {
		return
	}
	s.uncat(c)
	s.addCat(keyLPort(c.key), k, false, c.parent)
	c.cat, c.catParent = k, c.parent
}

func (s *Stack) uncat(c *conn) {
	if c.cat != 0 {
		s.subCat(keyLPort(c.key), c.cat, false, c.catParent)
		c.cat = 0
	}
}

func (s *Stack) addCat(lport uint16, k uint8, tw bool, parent int16) {
	pi := s.port(lport)
	pi.conns++
	s.countCat(pi, k, tw, parent, 1)
	s.markPort(lport, pi)
}

func (s *Stack) subCat(lport uint16, k uint8, tw bool, parent int16) {
	pi := s.port(lport)
	pi.conns--
	s.countCat(pi, k, tw, parent, ^uint32(0))
	s.markPort(lport, pi)
}

func (s *Stack) countCat(pi *portInfo, k uint8, tw bool, parent int16, d uint32) {
	if k&catExplicit != 0 {
		pi.connExplicit += d
	}
	switch {
	case k&catOrph != 0 && tw:
		pi.orphTW += d
		if k&catNoReuse != 0 {
			pi.orphTWNR += d
		}
	case k&catOrph != 0:
		pi.orphOth += d
		if k&catNoReuse != 0 {
			pi.orphOthNR += d
		}
	case k&catChild != 0 && parent >= 0 && int(parent) < maxFD:
		s.children[parent] += int32(d)
	}
}

func twCat(e *twEntry) uint8 {
	k := uint8(catIn)
	if e.explicit() {
		k |= catExplicit
	}
	if e.parent() < 0 {
		k |= catOrph
		if !e.reuse() {
			k |= catNoReuse
		}
	} else {
		k |= catChild
	}
	return k
}

// ---- connections -----------------------------------------------------------

// newConn creates a TCB for key.
func (s *Stack) newConn(key uint64) *conn {
	s.nextID++
	c := s.conns.alloc()
	c.id, c.key = s.nextID, key
	c.fd, c.parent = -1, -1
	c.rto, c.r2 = s.p.RTOInitial, s.p.R2
	c.rcvBuf = s.p.RecvBuf
	s.cidx.insert(key, c.idx)
	s.holdKey(key)
	s.recat(c)
	return c
}

// removeConn takes c out of the table (it became CLOSED or moved to the
// TIME-WAIT table).
func (s *Stack) removeConn(c *conn) {
	s.uncat(c)
	if c.hpos >= 0 {
		s.heapRemove(int(c.hpos))
	}
	s.cidx.remove(c.key, c.idx)
	s.dropKey(c.key)
	c.state = spec.Closed
	c.timer = [spec.NumTimers]spec.Time{}
	c.tmin = spec.Never
	c.fd = -1
	s.conns.release(c)
}

// connLive reports whether c (a pointer taken earlier in this step) is
// still a full connection with the given ID.
func connLive(c *conn, id uint64) bool { return c.state != spec.Closed && c.id == id }

// ---- snapshots -------------------------------------------------------------

// Snapshot returns the observable state of the host; it equals
// model.Host.Snapshot for the same history.
func (s *Stack) Snapshot() spec.HostSnap {
	h := spec.HostSnap{Now: s.now, TimeWaitOverflow: s.twOver}
	h.Conns = make([]spec.ConnSnap, 0, s.conns.n+s.tw.n)
	for i := uint32(0); i < s.conns.hi; i++ {
		c := s.conns.at(i)
		if c.state == spec.Closed {
			continue
		}
		cs := spec.ConnSnap{
			Tuple: s.tuple(c.key), State: c.state, FD: int32(c.fd),
			ISS: c.iss, IRS: c.irs, SndUna: c.sndUna, SndNxt: c.sndNxt, SndWnd: c.sndWnd,
			RcvNxt: c.rcvNxt, RcvWnd: s.rcvWnd(c), Unread: c.unread, Unsent: c.unsent(),
			SndShift: c.sndShift, RcvShift: c.rcvShift,
			Timers: c.timer,
		}
		cs.Normalize()
		h.Conns = append(h.Conns, cs)
	}
	for i := uint32(0); i < s.tw.hi; i++ {
		e := s.tw.at(i)
		if e.meta&twLive == 0 {
			continue
		}
		cs := spec.ConnSnap{Tuple: s.tuple(e.key), State: spec.TimeWait, FD: -1,
			SndUna: e.sndNxt, SndNxt: e.sndNxt, RcvNxt: e.rcvNxt}
		cs.Timers[spec.TimerTimeWait] = e.deadline
		h.Conns = append(h.Conns, cs)
	}
	for fd := range s.socks {
		sk := s.socks[fd]
		if sk == nil || !sk.used || sk.state != sockListening {
			continue
		}
		ls := spec.ListenSnap{FD: int32(fd), Port: sk.lport, Backlog: sk.backlog}
		for _, k := range sk.queue[sk.qhead:] {
			ls.Queue = append(ls.Queue, s.tuple(k))
		}
		h.Listeners = append(h.Listeners, ls)
	}
	if len(h.Conns) == 0 {
		h.Conns = nil
	}
	h.Sort()
	return h
}

// nextBit returns the first set bit at or after i in b, or -1.
func nextBit(b []uint64, i int) int {
	for w := i >> 6; w < len(b); w++ {
		x := b[w]
		if w == i>>6 {
			x &= ^uint64(0) << (uint(i) & 63)
		}
		if x != 0 {
			return w<<6 + bits.TrailingZeros64(x)
		}
	}
	return -1
}
