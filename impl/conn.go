package impl

import (
	"time"

	"github.com/tcpclose/tcpclose/spec"
)

// Flags of conn.flags.
const (
	fPassive    uint16 = 1 << iota // reached SYN-RECEIVED from LISTEN
	fQueued                        // on the listener's accept queue
	fOrphan                        // the application closed its socket
	fRcvShut                       // the application can no longer read
	fReuse                         // SO_REUSEADDR of the socket that made it
	fFinQueued                     // CLOSE queued: the FIN takes sequence number sndEnd
	fHeldFin                       // an out-of-order FIN is held at heldFinSeq
	fTSOK                          // timestamps negotiated
	fR1Noted                       // R1 was reported
	fHaveRTT                       // srtt/rttvar hold a sample
	fTiming                        // a segment is being timed (rttSeq, rttStart)
	fOOWSent                       // lastOOW is valid
	fHasPrev                       // prev* remember a TIME-WAIT a SYN reopened
	fPrevTSOK                      // the remembered TIME-WAIT had timestamps
	fExplicit                      // its local port was bound explicitly (bind, listen)
	fInRecovery                    // after a timeout, until SND.UNA reaches recover
)

// conn is a full TCB for every state but TIME-WAIT (TIME-WAIT entries live
// in the compact twTable). It is a fixed-size value in a chunked slab; its
// held out-of-order ranges live in the slab chunk's arena.
type conn struct {
	id    uint64
	key   uint64 // 4-tuple (tupleKey)
	idx   uint32 // slot in the slab
	hpos  int32  // position in the timer heap, -1 if absent
	state spec.State
	tkind spec.TimerKind // kind of the earliest armed timer
	cat   uint8          // category registered in the port/children counters
	heldN uint8
	flags uint16
	fd    int16 // socket holding the connection, -1 if none
	// parent is the listener fd while a passive connection waits for
	// accept, -1 otherwise.
	parent    int16
	catParent int16 // parent registered in Stack.children
	lingerFD  int16
	sendMSS   uint16
	// Window scaling (RFC 7323 §2): wsOK once both SYNs carried the
	// option; sndShift is Snd.Wind.Shift, rcvShift Rcv.Wind.Shift.
	wsOK               bool
	sndShift, rcvShift uint8
	rcvBuf             uint32 // the receive buffer (RecvBuf, rounded to the MSS where RecvBufRoundMSS)

	iss, sndUna, sndNxt, sndEnd spec.Seq
	sndWnd, maxSndWnd           uint32
	sndWL1, sndWL2              spec.Seq
	irs, rcvNxt                 spec.Seq
	unread                      uint32
	heldFinSeq                  spec.Seq
	tsRecent                    uint32
	rttSeq                      spec.Seq
	recover                     spec.Seq // SND.NXT when the retransmission timer last expired
	retrans                     int32

	tmin  spec.Time // earliest armed timer, spec.Never if none
	timer [spec.NumTimers]spec.Time

	rto, srtt, rttVar       time.Duration
	rttStart, lastOOW       spec.Time
	userTimeout, fw2Timeout time.Duration
	r2                      int

	// Loss probe, delayed ACK, SYN text (the model's RTOAt, ProbeHigh,
	// AckWup, LastRecv, QuickLeft, SynText; flags in tflags).
	rtoAt, lastRecv   spec.Time
	ato               time.Duration
	probeHigh, ackWup spec.Seq
	quickLeft         int32
	synText           uint32
	tflags            uint8

	// The TIME-WAIT a reopening SYN replaced (MAY-2 (2)).
	prevID       uint64
	prevDeadline spec.Time
	prevSndNxt   spec.Seq
	prevRcvNxt   spec.Seq
	prevTSRecent uint32
	prevFlags    uint8 // prevReuse, prevExplicit, prevOOWSent, prevWS
	prevLastOOW  spec.Time
}

// Bits of conn.prevFlags: what the remembered TIME-WAIT carried.
const (
	prevReuse uint8 = 1 << iota
	prevExplicit
	prevOOWSent
	prevWS // window scaling was on
)

func (c *conn) has(f uint16) bool { return c.flags&f != 0 }
func (c *conn) set(f uint16, on bool) {
	if on {
		c.flags |= f
	} else {
		c.flags &^= f
	}
}

// Bits of conn.tflags: loss probe, delayed ACK and handshake timing (the
// model's Conn fields of the same names).
const (
	tProbeArmed  uint8 = 1 << iota // the retransmission timer is the loss probe's (rtoAt: the RTO's)
	tProbeSent                     // a probe went out for this tail (until sndUna reaches probeHigh)
	tSackOK                        // the peer's SYN offered SACK
	tSynTimedOut                   // our SYN or SYN,ACK was retransmitted
	tAckPending                    // received text or a FIN awaits its ACK
	tPingpong                      // delayed-ACK mode (FinPingpong, TCP_QUICKACK 0)
	tDataSeen                      // text has arrived (lastRecv is valid)
)

func (c *conn) thas(f uint8) bool { return c.tflags&f != 0 }
func (c *conn) tset(f uint8, on bool) {
	if on {
		c.tflags |= f
	} else {
		c.tflags &^= f
	}
}

type seqRange struct{ start, end spec.Seq }

const connChunkBits = 8
const connChunk = 1 << connChunkBits

type connChunkT struct {
	c    [connChunk]conn
	held []seqRange // connChunk * heldStride
}

// connSlab holds the full TCBs: chunked so that pointers stay valid while
// it grows, free slots reused.
type connSlab struct {
	chunks []*connChunkT
	stride int
	free   []uint32
	hi     uint32
	n      int
}

type connKeys struct{ s *connSlab }

func (k connKeys) keyAt(i uint32) uint64 { return k.s.at(i).key }

func (s *connSlab) at(i uint32) *conn { return &s.chunks[i>>connChunkBits].c[i&(connChunk-1)] }

func (s *connSlab) heldOf(c *conn) []seqRange {
	off := int(c.idx&(connChunk-1)) * s.stride
	return s.chunks[c.idx>>connChunkBits].held[off : off+s.stride : off+s.stride]
}

func (s *connSlab) alloc() *conn {
	var i uint32
	if n := len(s.free); n > 0 {
		i, s.free = s.free[n-1], s.free[:n-1]
	} else {
		i = s.hi
		if int(i>>connChunkBits) == len(s.chunks) {
			s.chunks = append(s.chunks, &connChunkT{held: make([]seqRange, connChunk*s.stride)})
		}
		s.hi++
	}
	s.n++
	c := s.at(i)
	*c = conn{idx: i, hpos: -1}
	return c
}

func (s *connSlab) release(c *conn) {
	s.free = append(s.free, c.idx)
	s.n--
}

// Timer heap over full connections: one node per connection keyed by its
// earliest armed timer (deadline, then connection ID, then kind), which is
// exactly the model's global firing order restricted to that connection.

func timerLess(a, b *conn) bool {
	if a.tmin != b.tmin {
		return a.tmin < b.tmin
	}
	if a.id != b.id {
		return a.id < b.id
	}
	return a.tkind < b.tkind
}

// setTimer arms (or with spec.Never stops) timer k of c.
func (s *Stack) setTimer(c *conn, k spec.TimerKind, at spec.Time) {
	if c.timer[k] == at {
		return
	}
	c.timer[k] = at
	if c.tmin != spec.Never && k != c.tkind {
		// Another timer is the earliest; it stays so if this one stops
		// or is set later (ties go to the lower kind).
		if at == spec.Never || at > c.tmin || (at == c.tmin && k > c.tkind) {
			return
		}
	}
	s.retime(c)
}

// retime recomputes c's earliest timer and fixes its place in the heap.
func (s *Stack) retime(c *conn) {
	best := spec.Never
	var bk spec.TimerKind
	t := &c.timer
	for k := range t {
		if at := t[k]; at != spec.Never && (best == spec.Never || at < best) {
			best, bk = at, spec.TimerKind(k)
		}
	}
	c.tmin, c.tkind = best, bk
	if best == spec.Never {
		if c.hpos >= 0 {
			s.heapRemove(int(c.hpos))
		}
		return
	}
	if c.hpos < 0 {
		c.hpos = int32(len(s.heap))
		s.heap = append(s.heap, c.idx)
		s.heapUp(int(c.hpos))
		return
	}
	i := int(c.hpos)
	s.heapUp(i)
	s.heapDown(int(c.hpos))
}

func (s *Stack) heapAt(i int) *conn { return s.conns.at(s.heap[i]) }

func (s *Stack) heapSwap(i, j int) {
	s.heap[i], s.heap[j] = s.heap[j], s.heap[i]
	s.heapAt(i).hpos = int32(i)
	s.heapAt(j).hpos = int32(j)
}

func (s *Stack) heapUp(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !timerLess(s.heapAt(i), s.heapAt(p)) {
			return
		}
		s.heapSwap(i, p)
		i = p
	}
}

func (s *Stack) heapDown(i int) {
	n := len(s.heap)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && timerLess(s.heapAt(r), s.heapAt(l)) {
			m = r
		}
		if !timerLess(s.heapAt(m), s.heapAt(i)) {
			return
		}
		s.heapSwap(i, m)
		i = m
	}
}

func (s *Stack) heapRemove(i int) {
	c := s.heapAt(i)
	last := len(s.heap) - 1
	if i != last {
		s.heapSwap(i, last)
	}
	s.heap = s.heap[:last]
	c.hpos = -1
	if i < last {
		s.heapUp(i)
		s.heapDown(i)
	}
}
