package model

import (
	"testing"
	"time"

	"github.com/tcpclose/tcpclose/spec"
)

// Regressions found by the simulator, the explorer, the script corpus and the
// Linux lab.

// R9293-CLOSE-CLOSEWAIT, R9293-CLOSE-RELIABLE: CLOSE in CLOSE-WAIT while
// data waits for the window; when the window opens, the data and then the
// FIN go out from LAST-ACK (the connection used to hang there).
func TestRegressLastAckSendsQueuedDataAndFin(t *testing.T) {
	b := passiveBench(t, "rfc9293", func(p *spec.Profile) { p.Timestamps = false })
	b.inSeg(spec.Segment{Flags: spec.FIN | spec.ACK, Seq: 5001, Ack: 1001, Wnd: 100})
	b.mustCall(spec.Call{Kind: spec.CallWrite, FD: 4, N: 300}, 300)
	b.wantSegs(". 1001 5002 100")
	b.mustCall(spec.Call{Kind: spec.CallClose, FD: 4}, 0)
	b.wantState(spec.LastAck)
	b.noSegs()
	b.inSeg(spec.Segment{Flags: spec.ACK, Seq: 5002, Ack: 1101, Wnd: 1000})
	b.wantSegs("F. 1101 5002 200")
	b.in(spec.ACK, 5002, 1302, 0)
	b.wantState(spec.Closed)
}

// R9293-SEG-ACK-CLOSING: the same in CLOSING.
func TestRegressClosingSendsQueuedData(t *testing.T) {
	b := passiveBench(t, "rfc9293", func(p *spec.Profile) { p.Timestamps = false })
	b.inSeg(spec.Segment{Flags: spec.ACK, Seq: 5001, Ack: 1001, Wnd: 100})
	b.mustCall(spec.Call{Kind: spec.CallWrite, FD: 4, N: 300}, 300)
	b.mustCall(spec.Call{Kind: spec.CallShutdown, FD: 4, How: spec.ShutWR}, 0)
	b.inSeg(spec.Segment{Flags: spec.FIN | spec.ACK, Seq: 5001, Ack: 1001, Wnd: 100})
	b.wantState(spec.Closing)
	b.inSeg(spec.Segment{Flags: spec.ACK, Seq: 5002, Ack: 1101, Wnd: 1000})
	b.wantSegs("F. 1101 5002 200")
}

// R9293-SEG-ACK-WINDOW: a segment whose ACK is older than SND.UNA does not
// update the send window (step 5: only if SND.UNA =< SEG.ACK).
func TestRegressStaleAckDoesNotShrinkWindow(t *testing.T) {
	b := passiveBench(t, "rfc9293", func(p *spec.Profile) { p.Timestamps = false })
	b.mustCall(spec.Call{Kind: spec.CallWrite, FD: 4, N: 10}, 10)
	b.in(spec.ACK, 5001, 1011, 0)
	b.inSeg(spec.Segment{Flags: spec.ACK, Seq: 5001, Ack: 1005, Wnd: 0, Len: 5}) // new data, old ACK, zero window
	if b.conn().SndWnd == 0 {
		t.Fatal("a stale ACK set the send window")
	}
	b.mustCall(spec.Call{Kind: spec.CallWrite, FD: 4, N: 10}, 10)
	b.wantSegs(". 1011 5006 10")
}

// R1122-TIMEWAIT (Linux __inet_hash_connect): connect(2)'s automatic port
// choice shares a port held by TIME-WAIT with a connection to another
// remote, and with tcp_tw_reuse takes over the TIME-WAIT 4-tuple after
// TimeWaitReuseAfter, without SO_REUSEADDR. Ports of explicit binds are
// never shared.
func TestRegressEphemeralConnectSharesPort(t *testing.T) {
	p := spec.MustProfile("linux")
	p.EphemeralLow, p.EphemeralHigh = 40000, 40000
	p.TimeWaitReuseAfter = time.Second
	h := MustNew(p, spec.HostConfig{Addr: spec.IPv4(192, 168, 0, 1), FixedISS: 1000})
	now := spec.Time(0)
	step := func(ev spec.Event) []spec.Output { ev.At = now; return h.Step(&ev, nil) }
	call := func(c spec.Call) spec.Output {
		for _, o := range step(spec.Event{Kind: spec.EvCall, Call: c}) {
			if o.Kind == spec.OutResult {
				return o
			}
		}
		return spec.Output{}
	}
	peer := spec.SockAddr{IP: spec.IPv4(192, 0, 2, 1), Port: 8080}
	local := spec.SockAddr{IP: spec.IPv4(192, 168, 0, 1), Port: 40000}
	ts := spec.Options{HasTS: true, TS: spec.Timestamp{Val: 9}}
	seg := func(f spec.Flags, seq, ack spec.Seq, from spec.SockAddr) {
		step(spec.Event{Kind: spec.EvSegment, Seg: spec.Segment{Src: from, Dst: local, Flags: f, Seq: seq, Ack: ack, Wnd: 1000, Opts: ts}})
	}
	call(spec.Call{Kind: spec.CallSocket})
	call(spec.Call{Kind: spec.CallSetsockopt, FD: 3, Opt: spec.OptNonBlock, Val: 1})
	call(spec.Call{Kind: spec.CallConnect, FD: 3, Addr: peer})
	seg(spec.SYN|spec.ACK, 5000, 1001, peer)
	call(spec.Call{Kind: spec.CallClose, FD: 3})
	seg(spec.FIN|spec.ACK, 5001, 1002, peer)
	if h.ConnState(spec.FourTuple{Local: local, Remote: peer}) != spec.TimeWait {
		t.Fatal("setup: no TIME-WAIT")
	}
	other := peer
	other.Port = 9090
	call(spec.Call{Kind: spec.CallSocket})
	call(spec.Call{Kind: spec.CallSetsockopt, FD: 3, Opt: spec.OptNonBlock, Val: 1})
	if o := call(spec.Call{Kind: spec.CallConnect, FD: 3, Addr: other}); o.Err != spec.EINPROGRESS {
		t.Fatalf("connect to another remote on the shared port: %v", o)
	}
	call(spec.Call{Kind: spec.CallSocket})
	call(spec.Call{Kind: spec.CallSetsockopt, FD: 4, Opt: spec.OptNonBlock, Val: 1})
	if o := call(spec.Call{Kind: spec.CallConnect, FD: 4, Addr: peer}); o.Err != spec.EADDRNOTAVAIL {
		t.Fatalf("TIME-WAIT younger than TimeWaitReuseAfter must block its 4-tuple: %v", o)
	}
	now = now.Add(1100 * time.Millisecond)
	if o := call(spec.Call{Kind: spec.CallConnect, FD: 4, Addr: peer}); o.Err != spec.EINPROGRESS {
		t.Fatalf("tw_reuse takeover after 1 s: %v", o)
	}
}

// R9293-TO-RETX: after a timeout, partial ACKs resend the next segment at
// once instead of waiting one backed-off RTO per lost segment (found by the
// simulator: a lost window took hours of virtual time).
func TestRegressRecoveryAfterTimeout(t *testing.T) {
	b := passiveBench(t, "rfc9293", func(p *spec.Profile) { p.Timestamps = false; p.MSS = 100 })
	b.mustCall(spec.Call{Kind: spec.CallWrite, FD: 4, N: 300}, 300)
	b.wantSegs(". 1001 5001 100", ". 1101 5001 100", ". 1201 5001 100")
	b.advance(b.conn().RTO) // all three lost
	b.wantSegs(". 1001 5001 100")
	b.in(spec.ACK, 5001, 1101, 0) // partial ACK
	b.wantSegs(". 1101 5001 100")
	b.in(spec.ACK, 5001, 1201, 0)
	b.wantSegs(". 1201 5001 100")
	b.in(spec.ACK, 5001, 1301, 0)
	b.noSegs()
	if b.conn().InRecovery || b.conn().Timer[spec.TimerRetransmit] != spec.Never {
		t.Fatal("recovery must end when everything is acknowledged")
	}
}

// R9293-MUST13, R9293-MAY2: a SYN that would reopen TIME-WAIT but finds the
// listener's queue full leaves TIME-WAIT in place (found by the
// model-vs-impl agreement test).
func TestRegressReopenIntoFullListenerKeepsTimeWait(t *testing.T) {
	b := passiveBench(t, "rfc9293", func(p *spec.Profile) { p.Timestamps = false })
	b.activeClose()
	tw := b.tuple()
	for i := 0; i < 8; i++ { // eight half-open connections fill the backlog of 8
		b.peer.Port++
		b.in(spec.SYN, 7000, 0, 0)
	}
	b.peer = tw.Remote
	b.in(spec.SYN, 9000, 0, 0)
	b.noSegs()
	b.wantState(spec.TimeWait)
}

// TestFingerprintTimeShift: a time stamp taken at instant 0 (here the RFC
// 5961 throttle of an out-of-window ACK) is not the unarmed-timer
// sentinel: a host that later behaves differently must fingerprint
// differently (found by the explorer, whose state counts varied).
func TestFingerprintTimeShift(t *testing.T) {
	b := passiveBench(t, "linux", func(p *spec.Profile) { p.Timestamps = false })
	b.in(spec.ACK, 900000, 1001, 0) // out of window at t=0: ACK sent, throttle stamped 0
	h2 := b.h.Clone()
	h2.Step(&spec.Event{Kind: spec.EvAdvance, At: spec.Time(10 * time.Second)}, nil)
	if b.h.Fingerprint() == h2.Fingerprint() {
		t.Fatal("hosts that answer the next out-of-window segment differently share a fingerprint")
	}
}
