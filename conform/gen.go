package conform

import (
	"math/rand/v2"
	"time"

	"github.com/tcpclose/tcpclose/internal/splitmix"
	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
)

// scenario is one generated scenario: its parameters and its steps.
type scenario struct {
	Index   int
	Seed    uint64
	PeerISN spec.Seq
	TSBase  uint32 // the peer's TSval at time 0
	TSOn    bool   // the peer offers timestamps
	Passive bool
	Steps   []step
}

// scenarioSeed derives scenario i's seed from the campaign's (SplitMix64).
func scenarioSeed(seed uint64, i int) uint64 {
	return splitmix.Mix(seed + uint64(i+1)*0x9e3779b97f4a7c15)
}

// gen chooses a scenario's steps from the model's state as it runs.
type gen struct {
	rng      *rand.Rand
	sc       *scenario
	maxSteps int
	real     bool // the stack runs on the wall clock: short gaps, no long timers
	taken    int
	ended    bool
	blocking bool // the connection's socket is blocking
	connFD   int32
	listenFD int32
	closed   map[int32]bool
	hasData  bool // the application has written data
}

// newScenario draws scenario i's parameters and set-up steps.
func newScenario(i int, seed uint64, maxSteps int, real bool) (*scenario, *gen) {
	s := scenarioSeed(seed, i)
	rng := rand.New(rand.NewPCG(s, s^0x5eed))
	sc := &scenario{Index: i, Seed: s}
	switch rng.IntN(8) {
	case 0:
		sc.PeerISN = spec.Seq(0xffffffff - uint32(rng.IntN(300))) // wraps soon
	default:
		sc.PeerISN = spec.Seq(rng.Uint32())
	}
	sc.TSOn = rng.IntN(3) == 0
	sc.TSBase = rng.Uint32()>>2 + 1
	sc.Passive = rng.IntN(10) < 7
	g := &gen{rng: rng, sc: sc, maxSteps: maxSteps, real: real, closed: map[int32]bool{}}
	g.blocking = rng.IntN(5) == 0
	setup := func(st step) {
		st.Setup = true
		sc.Steps = append(sc.Steps, st)
	}
	call := func(c spec.Call) { setup(step{Kind: stepCall, Call: c}) }
	gap := g.gap
	call(spec.Call{Kind: spec.CallSocket, FD: -1})
	if rng.IntN(3) == 0 {
		call(spec.Call{Kind: spec.CallSetsockopt, FD: 3, Opt: spec.OptReuseAddr, Val: 1})
	}
	call(spec.Call{Kind: spec.CallBind, FD: 3, Addr: stack.LocalAddr()})
	if sc.Passive {
		g.listenFD, g.connFD = 3, 4
		call(spec.Call{Kind: spec.CallListen, FD: 3, N: int64(1 + rng.IntN(4))})
		setup(step{Kind: stepSeg, Gap: gap(), Seg: segSpec{Flags: spec.SYN, SeqRef: seqPeerISN, Win: 65535, MSS: true, Dup: -1}})
		setup(step{Kind: stepSeg, Gap: g.rtt(), Seg: segSpec{Flags: spec.ACK, SeqRef: seqPeerISN, SeqOff: 1, AckRef: ackSndNxt, Win: 65535, Dup: -1}})
		call(spec.Call{Kind: spec.CallAccept, FD: 3})
	} else {
		g.listenFD, g.connFD = -1, 3
		setup(step{Kind: stepCall, Gap: gap(), Call: spec.Call{Kind: spec.CallConnect, FD: 3, Addr: stack.ConnectAddr()}})
		setup(step{Kind: stepSeg, Gap: g.rtt(), Seg: segSpec{Flags: spec.SYN | spec.ACK, SeqRef: seqPeerISN, AckRef: ackSndNxt, Win: 65535, MSS: true, Dup: -1}})
	}
	if !g.blocking {
		call(spec.Call{Kind: spec.CallSetsockopt, FD: g.connFD, Opt: spec.OptNonBlock, Val: 1})
	}
	return sc, g
}

// gap is the time between two steps.
func (g *gen) gap() time.Duration {
	if g.real {
		return []time.Duration{20, 50, 100, 250}[g.rng.IntN(4)] * time.Millisecond
	}
	return []time.Duration{0, time.Millisecond, 10 * time.Millisecond, 100 * time.Millisecond, 500 * time.Millisecond, 2 * time.Second}[g.rng.IntN(6)]
}

// rtt is the handshake's round-trip time: never zero, since a stack
// may discard an RTT sample of zero (gVisor does, docs/deviations.md)
// and every later timer would then differ for that reason alone.
func (g *gen) rtt() time.Duration {
	if g.real {
		return []time.Duration{5, 20, 50}[g.rng.IntN(3)] * time.Millisecond
	}
	return []time.Duration{time.Millisecond, 10 * time.Millisecond, 100 * time.Millisecond}[g.rng.IntN(3)]
}

// pick returns an index drawn with the given weights.
func (g *gen) pick(w ...int) int {
	t := 0
	for _, x := range w {
		t += x
	}
	n := g.rng.IntN(t)
	for i, x := range w {
		if n < x {
			return i
		}
		n -= x
	}
	return len(w) - 1
}

// next chooses the next step from the model's state (conn: the
// scenario's connection, if the model still has it). After maxSteps
// random steps it returns the end marker, then false.
func (g *gen) next(conn *spec.ConnSnap, injected int) (step, bool) {
	if g.ended {
		return step{}, false
	}
	if g.taken >= g.maxSteps {
		g.ended = true
		return step{Kind: stepEnd, Gap: g.tail(), Call: spec.Call{Kind: spec.CallSocket, FD: -1}}, true
	}
	g.taken++
	st := step{Gap: g.gap()}
	switch g.pick(40, 45, 15) {
	case 0:
		st.Kind, st.Call = stepCall, g.call(conn)
	case 1:
		st.Kind, st.Seg = stepSeg, g.segment(conn, injected)
	default:
		st.Kind = stepAdvance
		st.ToDeadline = g.rng.IntN(10) < 7
	}
	return st, true
}

// tail is how long the scenario runs after its last step.
func (g *gen) tail() time.Duration {
	if g.real {
		return 300 * time.Millisecond
	}
	return []time.Duration{time.Second, 10 * time.Second, 70 * time.Second, 130 * time.Second}[g.rng.IntN(4)]
}

func (g *gen) call(conn *spec.ConnSnap) spec.Call {
	fd := g.connFD
	canRead := g.blocking && conn != nil && conn.Unread == 0 && !conn.State.PeerFinReceived() && conn.State.Synchronized()
	for {
		switch g.pick(12, 8, 2, 3, 8, 8, 3, 2, 3, 2, 2) {
		case 0:
			g.closed[fd] = true
			return spec.Call{Kind: spec.CallClose, FD: fd}
		case 1:
			return spec.Call{Kind: spec.CallShutdown, FD: fd, How: spec.ShutWR}
		case 2:
			return spec.Call{Kind: spec.CallShutdown, FD: fd, How: spec.ShutRD}
		case 3:
			return spec.Call{Kind: spec.CallShutdown, FD: fd, How: spec.ShutRDWR}
		case 4:
			if canRead {
				continue // a blocking read that might never return
			}
			return spec.Call{Kind: spec.CallRead, FD: fd, N: []int64{1, 10, 1000}[g.rng.IntN(3)]}
		case 5:
			g.hasData = true
			return spec.Call{Kind: spec.CallWrite, FD: fd, N: []int64{1, 100, 1000}[g.rng.IntN(3)]}
		case 6:
			return spec.Call{Kind: spec.CallSetsockopt, FD: fd, Opt: spec.OptLinger, Val: 1, Val2: 0}
		case 7:
			return spec.Call{Kind: spec.CallSetsockopt, FD: fd, Opt: spec.OptLinger, Val: 1, Val2: 1}
		case 8:
			return spec.Call{Kind: spec.CallGetsockopt, FD: fd, Opt: spec.OptState}
		case 9:
			return spec.Call{Kind: spec.CallGetsockopt, FD: fd, Opt: spec.OptError}
		default:
			if g.listenFD < 0 || g.closed[g.listenFD] {
				continue
			}
			g.closed[g.listenFD] = true
			return spec.Call{Kind: spec.CallClose, FD: g.listenFD}
		}
	}
}

func (g *gen) segment(conn *spec.ConnSnap, injected int) segSpec {
	s := segSpec{Dup: -1, Win: 65535, SeqRef: seqRcvNxt, AckRef: ackSndNxt}
	if injected > 0 && g.rng.IntN(100) < 7 {
		s.Dup = g.rng.IntN(injected)
		return s
	}
	switch g.pick(25, 15, 15, 5, 6, 4, 6, 2, 1, 1) {
	case 0:
		s.Flags = spec.ACK
	case 1:
		s.Flags, s.Len = spec.PSH|spec.ACK, []uint32{1, 10, 100, 536}[g.rng.IntN(4)]
	case 2:
		s.Flags = spec.FIN | spec.ACK
	case 3:
		s.Flags, s.Len = spec.FIN|spec.PSH|spec.ACK, []uint32{1, 10, 100}[g.rng.IntN(3)]
	case 4:
		s.Flags = spec.RST
	case 5:
		s.Flags = spec.RST | spec.ACK
	case 6:
		s.Flags, s.MSS = spec.SYN, true
	case 7:
		s.Flags, s.MSS = spec.SYN|spec.ACK, true
	case 8:
		s.Flags = spec.SYN | spec.FIN
	default:
		s.Flags = 0 // no flags at all
	}
	switch g.pick(60, 5, 6, 5, 5, 5, 5, 3) {
	case 0:
	case 1:
		s.SeqOff = -1
	case 2:
		s.SeqOff = 1
	case 3:
		s.SeqRef, s.SeqOff = seqWndEnd, -1
	case 4:
		s.SeqRef = seqWndEnd
	case 5:
		s.SeqRef, s.SeqOff = seqWndEnd, 1
	case 6:
		s.SeqOff = -1000
	default:
		s.SeqOff = 1 << 30
	}
	if s.Flags&spec.SYN != 0 && conn != nil && conn.State == spec.TimeWait && g.rng.IntN(2) == 0 {
		s.SeqOff = 100000 // a reopening SYN, well above RCV.NXT
	}
	switch g.pick(60, 10, 8, 8, 5, 5, 4) {
	case 0:
	case 1:
		s.AckRef = ackSndUna
	case 2:
		s.AckRef, s.AckOff = ackSndUna, -1
	case 3:
		s.AckOff = 1
	case 4:
		s.AckOff = 10000
	case 5:
		s.AckRef, s.AckOff = ackSndUna, -70000
	default:
		s.AckRef = ackISS
	}
	switch g.pick(80, 8, 6, 6) {
	case 1:
		s.Win = 0
	case 2:
		s.Win = 100
	case 3:
		s.Win = 1000
	}
	if g.sc.TSOn {
		switch g.pick(90, 6, 4) {
		case 1:
			s.TS = tsNone
		case 2:
			s.TS = tsOld
		}
	}
	return s
}
