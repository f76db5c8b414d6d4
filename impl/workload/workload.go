// Package workload generates deterministic event streams for benchmarks:
// a server host listening on port 8080 serves a stream of connections
// from many peers, each opened, used and closed. The streams are
// open-ended and allocation-free to produce, so a benchmark can warm a
// host up to steady state and then time as many events as it likes; the
// same generator replays the same stream into the model and the
// implementation.
//
// The peer side is computed, not observed: the host must use FixedISS =
// ISS (Config.FixedISS), so every sequence number the host will use is
// known in advance.
package workload

import (
	"time"

	"github.com/tcpclose/tcpclose/internal/enum"
	"github.com/tcpclose/tcpclose/spec"
)

// ISS is the FixedISS the host under benchmark must be configured with.
const ISS spec.Seq = 1_000_000

// Mix selects a stream.
type Mix uint8

const (
	// NormalClose: each connection is opened, carries a request and a
	// response, and closes; half close host-first (the host ends in
	// TIME-WAIT), half peer-first (the host passes LAST-ACK).
	NormalClose Mix = iota
	// Adversarial: normal connections interleaved with attacks: RSTs and
	// SYNs aimed at TIME-WAIT entries (in window, exact, old), out-of-window
	// data, ACKs and SYNs for tuples and ports nobody holds, a SYN flood
	// from spoofed addresses (half-open connections that retransmit and
	// time out), nonsense flag sets.
	Adversarial
)

var mixNames = [...]string{NormalClose: "normal-close", Adversarial: "adversarial"}

func (m Mix) String() string { return enum.Name(mixNames[:], "Mix", m) }

// hostQuad is the host's address: 192.168.0.1, or 2001:db8::c0a8:1 for
// an IPv6 stream (Gen.IPv6).
var hostQuad = [4]byte{192, 168, 0, 1}

const (
	hostPort = 8080
	reqLen   = 100
	respLen  = 200
)

// Gen produces the events of one stream.
type Gen struct {
	mix   Mix
	gap   time.Duration
	now   spec.Time
	conn  int // connection number
	phase int
	// Distinct tuples: connection i comes from remote(i mod span).
	span int
	// Cached for the current connection.
	cur    int
	curR   spec.SockAddr
	curISS spec.Seq
	primed bool
	v6     bool
	host   spec.Addr
}

// New returns a generator whose events are gap apart. span is how many
// distinct peer 4-tuples the stream cycles through; it must exceed the
// number of connections alive at once (TIME-WAIT included) so that a
// tuple is reused only after its old incarnation is gone.
func New(mix Mix, gap time.Duration, span int) *Gen {
	return &Gen{mix: mix, gap: gap, span: max(span, 64), host: spec.AddrFrom4(hostQuad)}
}

// IPv6 makes the stream IPv6 and returns g: every address a.b.c.d of the
// IPv4 stream becomes 2001:db8::a.b.c.d (so every connection still has a
// peer address of its own, the worst case for an IPv6 host's numbering of
// peers). The host must then be configured with HostAddr.
func (g *Gen) IPv6() *Gen {
	g.v6 = true
	g.host = g.addr(hostQuad)
	return g
}

// HostAddr is the address the host under the stream must have.
func (g *Gen) HostAddr() spec.Addr { return g.host }

func (g *Gen) addr(q [4]byte) spec.Addr {
	if !g.v6 {
		return spec.AddrFrom4(q)
	}
	a := [16]byte{0x20, 0x01, 0x0d, 0xb8}
	copy(a[12:], q[:])
	return spec.AddrFrom16(a)
}

// Setup returns the calls that open the listener: socket, bind, listen.
func (g *Gen) Setup() []spec.Event {
	return []spec.Event{
		{Kind: spec.EvCall, Call: spec.Call{Kind: spec.CallSocket}},
		{Kind: spec.EvCall, Call: spec.Call{Kind: spec.CallBind, FD: 3, Addr: spec.SockAddr{IP: g.host, Port: hostPort}}},
		{Kind: spec.EvCall, Call: spec.Call{Kind: spec.CallListen, FD: 3, N: 65536}},
	}
}

// Conns returns how many connections the stream has started.
func (g *Gen) Conns() int { return g.conn }

func (g *Gen) remote(i int) spec.SockAddr {
	j := i % g.span
	return spec.SockAddr{IP: g.addr([4]byte{10, byte(j >> 16), byte(j >> 8), byte(j)}), Port: uint16(1024 + j%60000)}
}

func peerISS(i int) spec.Seq { return spec.Seq(uint32(i) * 2654435761) }

// normal-connection events per connection; the last phases of host-first
// and peer-first closes differ.
const normalPhases = 9

// Next writes the next event into ev (reusing nothing from before).
func (g *Gen) Next(ev *spec.Event) {
	g.now = g.now.Add(g.gap)
	*ev = spec.Event{At: g.now}
	i := g.conn
	phases := normalPhases
	if i%2 == 1 {
		phases = 10
	}
	if g.mix == Adversarial {
		if g.phase >= phases {
			g.attack(ev, i, g.phase-phases)
			g.advance(phases + 7)
			return
		}
	}
	g.normal(ev, i, g.phase)
	if g.mix == Adversarial {
		g.advance(phases + 7)
	} else {
		g.advance(phases)
	}
}

func (g *Gen) advance(n int) {
	g.phase++
	if g.phase == n {
		g.phase = 0
		g.conn++
	}
}

func (g *Gen) seg(ev *spec.Event, from spec.SockAddr, flags spec.Flags, seq, ack spec.Seq, n uint32) {
	ev.Kind = spec.EvSegment
	ev.Seg = spec.Segment{Src: from, Dst: spec.SockAddr{IP: g.host, Port: hostPort}, Flags: flags,
		Seq: seq, Ack: ack, Len: n, Wnd: 65535}
	ev.Seg.Opts.HasTS = true
	ev.Seg.Opts.TS = spec.Timestamp{Val: spec.TSClock(g.now) + 7, Ecr: 1}
}

func (g *Gen) call(ev *spec.Event, k spec.CallKind, fd int32, n int64) {
	ev.Kind = spec.EvCall
	ev.Call = spec.Call{Kind: k, FD: fd, N: n}
}

// normal writes phase ph of connection i. The accepted socket is always
// fd 4: connections are served one after another.
func (g *Gen) normal(ev *spec.Event, i, ph int) {
	if !g.primed || g.cur != i {
		g.cur, g.curR, g.curISS, g.primed = i, g.remote(i), peerISS(i), true
	}
	r, p, f := g.curR, g.curISS, ISS
	switch ph {
	case 0:
		g.seg(ev, r, spec.SYN, p, 0, 0)
		ev.Seg.Opts.MSS = 1460
	case 1:
		g.seg(ev, r, spec.ACK, p+1, f+1, 0)
	case 2:
		g.call(ev, spec.CallAccept, 3, 0)
	case 3:
		g.seg(ev, r, spec.PSH|spec.ACK, p+1, f+1, reqLen)
	case 4:
		g.call(ev, spec.CallRead, 4, reqLen)
	case 5:
		g.call(ev, spec.CallWrite, 4, respLen)
	case 6:
		g.seg(ev, r, spec.ACK, p+1+reqLen, f+1+respLen, 0)
	}
	if i%2 == 0 { // host closes first: FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT
		switch ph {
		case 7:
			g.call(ev, spec.CallClose, 4, 0)
		case 8:
			g.seg(ev, r, spec.FIN|spec.ACK, p+1+reqLen, f+2+respLen, 0)
		}
		return
	}
	switch ph { // peer closes first: CLOSE-WAIT, LAST-ACK, CLOSED
	case 7:
		g.seg(ev, r, spec.FIN|spec.ACK, p+1+reqLen, f+1+respLen, 0)
	case 8:
		g.call(ev, spec.CallClose, 4, 0)
	case 9:
		g.seg(ev, r, spec.ACK, p+2+reqLen, f+2+respLen, 0)
	}
}

// attack writes attack k after connection i.
func (g *Gen) attack(ev *spec.Event, i, k int) {
	// The last host-first connection before i is in TIME-WAIT.
	tw := i - 1 - i%2
	if tw < 0 {
		tw = 0
	}
	r, p := g.remote(tw), peerISS(tw)
	rcvNxt := p + 2 + reqLen
	switch k {
	case 0: // in-window RST at TIME-WAIT: challenge ACK or ignored
		g.seg(ev, r, spec.RST, rcvNxt+1000, 0, 0)
	case 1: // old duplicate SYN at TIME-WAIT: dropped or answered with ACK
		g.seg(ev, r, spec.SYN, rcvNxt-1000, 0, 0)
	case 2: // out-of-window data at TIME-WAIT: ACK (rate-limited)
		g.seg(ev, r, spec.PSH|spec.ACK, rcvNxt+1<<30, ISS+2+respLen, 50)
	case 3: // ACK for a tuple nobody holds: RST
		g.seg(ev, spec.SockAddr{IP: g.addr([4]byte{172, 16, byte(i >> 8), byte(i)}), Port: uint16(2000 + i%50000)},
			spec.ACK, spec.Seq(i), spec.Seq(i*3), 0)
	case 4: // SYN to a closed port: RST,ACK
		g.seg(ev, r, spec.SYN, p, 0, 0)
		ev.Seg.Dst.Port = 9
	case 5: // SYN flood from spoofed addresses (every 4th), else nonsense flags
		if i%4 == 0 {
			g.seg(ev, spec.SockAddr{IP: g.addr([4]byte{198, 18, byte(i >> 8), byte(i)}), Port: uint16(3000 + i%40000)},
				spec.SYN, spec.Seq(i*7), 0, 0)
		} else {
			g.seg(ev, g.remote(i), spec.SYN|spec.FIN|spec.RST|spec.ACK, spec.Seq(i), 0, 0)
		}
	case 6: // every 4th: exact RST kills TIME-WAIT where the profile lets it
		if i%4 == 2 {
			g.seg(ev, r, spec.RST, rcvNxt, 0, 0)
		} else {
			ev.Kind = spec.EvAdvance
		}
	}
}
