//go:build linux

package linux

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
)

// newStack returns a Linux stack or skips the test, saying why.
func newStack(t *testing.T, cfg Config) *Stack {
	t.Helper()
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		t.Skipf("needs /dev/net/tun: %v", err)
	}
	s, err := New(cfg)
	if err != nil {
		if errors.Is(err, ErrNotPermitted) || os.Geteuid() != 0 || errors.Is(err, os.ErrPermission) {
			t.Skipf("needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN): %v", err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

// peer plays the scripted remote end against any stack.Stack, keeps the
// trace in relative numbers (the host's ISS and the peer's ISS 0 both
// become 0) and tells the connection's state.
type peer struct {
	t     *testing.T
	st    stack.Stack
	state func(spec.FourTuple) spec.State
	at    spec.Time
	iss   spec.Seq // the host's ISS, learned from its SYN-ACK
	trace []string
	outs  []spec.Output
	obs   []stack.Observed
}

var (
	local  = spec.SockAddr{IP: stack.LocalIP(), Port: stack.LocalPort}
	remote = spec.SockAddr{IP: stack.RemoteIP(), Port: stack.RemotePort}
	tuple  = spec.FourTuple{Local: local, Remote: remote}
)

func (p *peer) now() spec.Time {
	if _, ok := p.st.(*Stack); ok {
		return p.st.Now()
	}
	p.at += spec.Time(time.Millisecond)
	return p.at
}

func (p *peer) record(obs []stack.Observed, err error) {
	p.t.Helper()
	if err != nil {
		p.t.Fatalf("%s: %v", p.st.Name(), err)
	}
	p.obs = append(p.obs, obs...)
	for _, o := range obs {
		switch o.Out.Kind {
		case spec.OutSegment:
			if p.iss == 0 && o.Out.Seg.Flags.Has(spec.SYN|spec.ACK) {
				p.iss = o.Out.Seg.Seq
			}
			p.trace = append(p.trace, "> "+p.rel(o.Out.Seg))
		case spec.OutResult:
			p.trace = append(p.trace, o.Out.String())
		default:
			continue // the kernel sends no notices; the model's are left out
		}
		p.outs = append(p.outs, o.Out)
	}
}

// rel prints a segment the host sent with relative numbers and without
// window and timestamp values, which differ by design.
func (p *peer) rel(s spec.Segment) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %d:%d(%d)", s.Flags, s.Seq-p.iss, s.Seq-p.iss+spec.Seq(s.Len), s.Len)
	if s.Flags&spec.ACK != 0 {
		fmt.Fprintf(&b, " ack %d", s.Ack)
	}
	if s.Opts.MSS != 0 {
		fmt.Fprintf(&b, " <mss %d>", s.Opts.MSS)
	}
	return b.String()
}

func (p *peer) inject(flags spec.Flags, seq, ackRel spec.Seq, n uint32) {
	p.t.Helper()
	seg := spec.Segment{Src: remote, Dst: local, Flags: flags, Seq: seq, Len: n, Wnd: 65535}
	if flags&spec.ACK != 0 {
		seg.Ack = p.iss + ackRel
	}
	if flags&spec.SYN != 0 {
		seg.Opts.MSS = 1460
	}
	p.trace = append(p.trace, "< "+seg.Flags.String()+fmt.Sprintf(" %d(%d) ack %d", seq, n, ackRel))
	p.record(p.st.Inject(p.now(), seg))
}

func (p *peer) call(c spec.Call) {
	p.t.Helper()
	p.record(p.st.Call(p.now(), c))
}

// idle lets d pass, recording what the stack does meanwhile.
func (p *peer) idle(d time.Duration) {
	p.t.Helper()
	until := p.now().Add(d)
	if _, ok := p.st.(*Stack); !ok {
		p.at = until
	}
	for p.st.Now() < until {
		obs, err := p.st.Advance(until)
		p.record(obs, err)
		if len(obs) == 0 {
			break
		}
	}
}

func (p *peer) expectState(want spec.State) {
	p.t.Helper()
	if got := p.state(tuple); got != want {
		p.t.Errorf("%s: connection in %s, want %s", p.st.Name(), got, want)
	}
	p.trace = append(p.trace, "state "+want.String())
}

// lastSeg returns the last segment the host sent.
func (p *peer) lastSeg() (spec.Segment, bool) {
	for i := len(p.outs) - 1; i >= 0; i-- {
		if p.outs[i].Kind == spec.OutSegment {
			return p.outs[i].Seg, true
		}
	}
	return spec.Segment{}, false
}

// kernelState reads the connection's state through sock_diag.
func kernelState(t *testing.T, s *Stack) func(spec.FourTuple) spec.State {
	return func(ft spec.FourTuple) spec.State {
		socks, err := s.Sockets()
		if err != nil {
			t.Fatal(err)
		}
		for _, si := range socks {
			if si.Tuple == ft {
				return si.State.Spec()
			}
		}
		return spec.Closed
	}
}

// scenario is a test played against the model and the kernel.
type scenario func(p *peer)

// compare plays sc against the kernel and against the model with profile
// prof, and fails when the two relative traces differ.
func compare(t *testing.T, sc scenario, prof spec.Profile, cfg Config) {
	t.Helper()
	ks := newStack(t, cfg)
	kp := &peer{t: t, st: ks, state: kernelState(t, ks)}
	sc(kp)
	ms := newModelStack(prof)
	mp := &peer{t: t, st: ms, state: ms.h.ConnState}
	sc(mp)
	kt, mt := strings.Join(kp.trace, "\n"), strings.Join(mp.trace, "\n")
	t.Logf("kernel %s:\n%s", ks.Name(), kt)
	if kt != mt {
		t.Errorf("kernel and model/%s differ:\n--- kernel\n%s\n--- model\n%s", prof.Name, kt, mt)
	}
}

// handshake opens a connection passively: listen on 8080, the peer's SYN,
// the host's SYN-ACK, the peer's ACK, accept() = 4.
func handshake(p *peer) {
	p.call(spec.Call{Kind: spec.CallSocket})
	p.call(spec.Call{Kind: spec.CallBind, FD: 3, Addr: local})
	p.call(spec.Call{Kind: spec.CallListen, FD: 3, N: 10})
	p.inject(spec.SYN, 0, 0, 0)
	if s, ok := p.lastSeg(); !ok || s.Flags != spec.SYN|spec.ACK || s.Ack != 1 {
		p.t.Fatalf("%s: no SYN-ACK for the SYN (last %v)", p.st.Name(), s)
	}
	p.inject(spec.ACK, 1, 1, 0)
	p.call(spec.Call{Kind: spec.CallAccept, FD: 3})
	p.expectState(spec.Established)
}

// TestPassiveOpenActiveClose: SYN, SYN-ACK, ACK, accept, close() sends
// FIN (FIN-WAIT-1), its ACK (FIN-WAIT-2), the peer's FIN draws the final
// ACK and the connection enters TIME-WAIT for 60 s (R9293-MUST13).
func TestPassiveOpenActiveClose(t *testing.T) {
	compare(t, func(p *peer) {
		handshake(p)
		p.call(spec.Call{Kind: spec.CallClose, FD: 4})
		p.expectState(spec.FinWait1)
		p.inject(spec.ACK, 1, 2, 0)
		p.expectState(spec.FinWait2)
		p.inject(spec.FIN|spec.ACK, 1, 2, 0)
		p.expectState(spec.TimeWait)
	}, spec.MustProfile("linux"), Config{})
}

// timeWaitTimer returns the remaining TIME-WAIT time of tuple.
func timeWaitTimer(t *testing.T, s *Stack) time.Duration {
	socks, err := s.Sockets()
	if err != nil {
		t.Fatal(err)
	}
	for _, si := range socks {
		if si.Tuple == tuple && si.State == TCPTimeWait {
			return si.Expires
		}
	}
	t.Fatalf("no TIME-WAIT entry for %s in %v", tuple, socks)
	return 0
}

func TestTimeWaitTimerIs60s(t *testing.T) { // R9293-MUST13 as Linux keeps it
	s := newStack(t, Config{})
	p := &peer{t: t, st: s, state: kernelState(t, s)}
	handshake(p)
	p.call(spec.Call{Kind: spec.CallClose, FD: 4})
	p.inject(spec.ACK, 1, 2, 0)
	p.inject(spec.FIN|spec.ACK, 1, 2, 0)
	want := spec.MustProfile("linux").TimeWait
	if got := timeWaitTimer(t, s); got > want || got < want-2*time.Second {
		t.Errorf("TIME-WAIT timer %v, want about %v (linux profile)", got, want)
	}
}

// TestTimeWaitRST: a RST at RCV.NXT kills TIME-WAIT with tcp_rfc1337=0
// (the linux profile's TimeWaitRST=exact-only); with tcp_rfc1337=1 it is
// ignored, as TimeWaitRST=ignored says (R1337-F1, AMB-TW-RST). No reply either way.
func TestTimeWaitRST(t *testing.T) {
	for _, rfc1337 := range []string{"0", "1"} {
		t.Run("tcp_rfc1337="+rfc1337, func(t *testing.T) {
			prof := spec.MustProfile("linux")
			want := spec.Closed
			if rfc1337 == "1" {
				if err := prof.SetField("TimeWaitRST", "ignored"); err != nil {
					t.Fatal(err)
				}
				want = spec.TimeWait
			}
			compare(t, func(p *peer) {
				handshake(p)
				p.call(spec.Call{Kind: spec.CallClose, FD: 4})
				p.inject(spec.ACK, 1, 2, 0)
				p.inject(spec.FIN|spec.ACK, 1, 2, 0)
				p.expectState(spec.TimeWait)
				p.inject(spec.RST, 2, 0, 0)
				p.expectState(want)
			}, prof, Config{Sysctls: [][2]string{{"net.ipv4.tcp_rfc1337", rfc1337}}})
		})
	}
}

// TestCloseWithUnreadDataSendsRST: close() with unread data sends RST|ACK
// at SND.NXT, acknowledging RCV.NXT (R2525-RST-UNREAD, R9293-SHLD3; the
// linux profile's RSTOnUnreadClose and RSTCarriesACK).
func TestCloseWithUnreadDataSendsRST(t *testing.T) {
	compare(t, func(p *peer) {
		handshake(p)
		p.inject(spec.PSH|spec.ACK, 1, 1, 100)
		p.call(spec.Call{Kind: spec.CallClose, FD: 4})
		if s, ok := p.lastSeg(); !ok || s.Flags != spec.RST|spec.ACK {
			p.t.Errorf("%s: close with unread data sent %v, want R.", p.st.Name(), s)
		}
		p.expectState(spec.Closed)
	}, spec.MustProfile("linux"), Config{})
}

// TestBlockingCallsReturnLater: accept() and read() block until the
// segment that completes them arrives; their results come with the
// outputs of that Inject. A non-blocking read fails with EAGAIN, and the
// TCP state reads back through TCP_INFO.
func TestBlockingCallsReturnLater(t *testing.T) {
	compare(t, func(p *peer) {
		p.call(spec.Call{Kind: spec.CallSocket})
		p.call(spec.Call{Kind: spec.CallBind, FD: 3, Addr: local})
		p.call(spec.Call{Kind: spec.CallListen, FD: 3, N: 10})
		p.call(spec.Call{Kind: spec.CallAccept, FD: 3})
		p.inject(spec.SYN, 0, 0, 0)
		p.inject(spec.ACK, 1, 1, 0)
		p.call(spec.Call{Kind: spec.CallGetsockopt, FD: 4, Opt: spec.OptState})
		p.call(spec.Call{Kind: spec.CallRead, FD: 4, N: 1000})
		p.inject(spec.PSH|spec.ACK, 1, 1, 10)
		p.call(spec.Call{Kind: spec.CallSetsockopt, FD: 4, Opt: spec.OptNonBlock, Val: 1})
		p.call(spec.Call{Kind: spec.CallRead, FD: 4, N: 1000})
		p.call(spec.Call{Kind: spec.CallSetsockopt, FD: 4, Opt: spec.OptNonBlock, Val: 0})
		p.idle(50 * time.Millisecond)
	}, spec.MustProfile("linux"), Config{})
}

// TestFinAckDelayed pins the linux profile's delayed ACK of a FIN
// (FinPingpong, AckDelay; AMB-DELACK-FIN) against the kernel. The peer's
// FIN makes a blocked read() return 0 at once (R9293-MUST12), and the
// connection enters CLOSE-WAIT; Linux delays the FIN's ACK (tcp_fin:
// inet_csk_schedule_ack and pingpong mode, to let the application's FIN
// carry it) by TCP_DELACK_MIN, 40 ms, plus its timer's slack; the model
// with the linux profile sends it AckDelay after the FIN.
func TestFinAckDelayed(t *testing.T) {
	prof := spec.MustProfile("linux")
	finAck := func(p *peer, st stack.Stack) time.Duration {
		handshake(p)
		p.inject(spec.PSH|spec.ACK, 1, 1, 10)
		p.call(spec.Call{Kind: spec.CallRead, FD: 4, N: 1000})
		p.call(spec.Call{Kind: spec.CallRead, FD: 4, N: 1000})
		finAt := st.Now()
		p.inject(spec.FIN|spec.ACK, 11, 1, 0)
		for end := st.Now().Add(300 * time.Millisecond); st.Now() < end; {
			obs, err := st.Advance(end)
			p.record(obs, err)
		}
		var ack stack.Observed
		sawEOF := false
		for _, o := range p.obs {
			switch {
			case o.Out.Kind == spec.OutResult && o.Out.Call == spec.CallRead && o.Out.Ret == 0:
				sawEOF = true
			case o.Out.Kind == spec.OutSegment && o.Out.Seg.Flags == spec.ACK && o.Out.Seg.Ack == 12:
				ack = o
			}
		}
		if !sawEOF || ack.Out.Kind == 0 {
			t.Fatalf("want read(4) = 0 and the FIN's ACK (ack 12), got %v", p.trace)
		}
		return ack.At.Sub(finAt)
	}
	ms := newModelStack(prof)
	mdelay := finAck(&peer{t: t, st: ms, state: ms.h.ConnState}, ms)
	if mdelay < prof.AckDelay || mdelay > prof.AckDelay+2*time.Millisecond { // the model stack's inject takes a moment
		t.Errorf("model: the FIN's ACK after %v, want the linux profile's AckDelay %v", mdelay, prof.AckDelay)
	}
	s := newStack(t, Config{})
	p := &peer{t: t, st: s, state: kernelState(t, s)}
	delay := finAck(p, s)
	t.Logf("kernel ACKed the FIN %v after it arrived; the linux profile says %v", delay, prof.AckDelay)
	if slack := prof.TimerSlack(prof.AckDelay) + Tolerance; delay < prof.AckDelay-Tolerance || delay > prof.AckDelay+slack {
		t.Errorf("FIN ACKed after %v, outside the profile's %v (+%v): update AckDelay or FinPingpong", delay, prof.AckDelay, slack)
	}
}

// TestAbortWithLingerZero: SO_LINGER {on, 0} makes close() an ABORT: a
// RST|ACK at SND.NXT (R9293-CALL-ABORT) and no TIME-WAIT.
func TestAbortWithLingerZero(t *testing.T) {
	compare(t, func(p *peer) {
		handshake(p)
		p.call(spec.Call{Kind: spec.CallSetsockopt, FD: 4, Opt: spec.OptLinger, Val: 1, Val2: 0})
		p.call(spec.Call{Kind: spec.CallClose, FD: 4})
		p.expectState(spec.Closed)
		p.call(spec.Call{Kind: spec.CallRead, FD: 4, N: 10})
	}, spec.MustProfile("linux"), Config{})
}

// timeWait brings the connection to TIME-WAIT by the host's active close.
func timeWait(p *peer) {
	handshake(p)
	p.call(spec.Call{Kind: spec.CallClose, FD: 4})
	p.inject(spec.ACK, 1, 2, 0)
	p.inject(spec.FIN|spec.ACK, 1, 2, 0)
	p.expectState(spec.TimeWait)
}

// TestTimeWaitRetransmittedFIN: a retransmitted FIN in TIME-WAIT is
// acknowledged again (R9293-SEG-FIN-TW, AMB-TW-FIN).
func TestTimeWaitRetransmittedFIN(t *testing.T) {
	compare(t, func(p *peer) {
		timeWait(p)
		p.inject(spec.FIN|spec.ACK, 1, 2, 0)
		p.expectState(spec.TimeWait)
	}, spec.MustProfile("linux"), Config{})
}

// TestTimeWaitReopen: a SYN above RCV.NXT reopens TIME-WAIT; the new ISS
// is the old SND.NXT plus 65537 (RFC 1122 MAY-2 as Linux does it; the
// linux profile's ReopenISSGap; R9293-MAY2-ISS).
func TestTimeWaitReopen(t *testing.T) {
	compare(t, func(p *peer) {
		timeWait(p)
		p.inject(spec.SYN, 100000, 0, 0)
		p.expectState(spec.SynReceived)
	}, spec.MustProfile("linux"), Config{})
}
