package model

import (
	"testing"

	"github.com/tcpclose/tcpclose/spec"
)

// wsBench opens a passive connection on profile p (window scaling on,
// shift 8 unless mods say otherwise) from a SYN whose Window Scale option
// is peerWS (shift+1, 0 = absent) and window synWnd; the handshake's ACK
// carries window ackWnd.
// wsSyn is the bench listening under rfc9293 with window scaling on at
// shift 8 (then mods), after the peer's SYN with window synWnd and the
// wscale field peerWS.
func wsSyn(t *testing.T, peerWS uint8, synWnd uint16, mods ...func(*spec.Profile)) *bench {
	t.Helper()
	mods = append([]func(*spec.Profile){func(p *spec.Profile) { p.WindowScale, p.WindowShift = true, 8 }}, mods...)
	b := newBench(t, "rfc9293", mods...)
	b.listen()
	syn := spec.Segment{Flags: spec.SYN, Seq: b.irs, Wnd: synWnd}
	syn.Opts.WScale = peerWS
	b.inSeg(syn)
	return b
}

func wsBench(t *testing.T, peerWS uint8, synWnd, ackWnd uint16, mods ...func(*spec.Profile)) *bench {
	t.Helper()
	b := wsSyn(t, peerWS, synWnd, mods...)
	b.inSeg(spec.Segment{Flags: spec.ACK, Seq: b.irs + 1, Ack: b.iss + 1, Wnd: ackWnd})
	b.wantState(spec.Established)
	b.mustCall(spec.Call{Kind: spec.CallAccept, FD: 3}, 4)
	b.fd, b.lfd = 4, 3
	return b
}

// synAckOf returns the SYN,ACK among the outputs of the handshake.
func (b *bench) lastSeg() spec.Segment {
	b.t.Helper()
	ss := b.segs()
	if len(ss) == 0 {
		b.t.Fatalf("no segment sent")
	}
	return ss[len(ss)-1]
}

// R7323-WS-NEGOTIATE: a SYN,ACK carries Window Scale only if the SYN did,
// and only then are windows scaled.
func TestR7323_WS_NEGOTIATE_SynAckOnlyIfSyn(t *testing.T) {
	for _, tc := range []struct {
		peerWS uint8
		want   uint8
		shift  uint8
	}{{0, 0, 0}, {8, 9, 7}} {
		b := wsSyn(t, tc.peerWS, 1000)
		if got := b.lastSeg().Opts.WScale; got != tc.want {
			t.Fatalf("peer wscale %d: SYN,ACK wscale field %d, want %d", tc.peerWS, got, tc.want)
		}
		if c := b.conn(); c.WSOK != (tc.want != 0) || c.SndShift != tc.shift {
			t.Fatalf("peer wscale %d: WSOK %t SndShift %d", tc.peerWS, c.WSOK, c.SndShift)
		}
	}
	// A profile that does not offer scaling never scales.
	b := wsBench(t, 8, 1000, 257, func(p *spec.Profile) { p.WindowScale = false })
	if c := b.conn(); c.WSOK || c.SndWnd != 257 {
		t.Fatalf("scaling without our offer: WSOK %t SND.WND %d", c.WSOK, c.SndWnd)
	}
}

// R7323-WS-NEGOTIATE: our SYN offers the option where the profile says so,
// and a SYN,ACK without it leaves both directions unscaled.
func TestR7323_WS_NEGOTIATE_ActiveOpen(t *testing.T) {
	b := newBench(t, "rfc9293", func(p *spec.Profile) { p.WindowScale, p.WindowShift = true, 6 })
	b.mustCall(spec.Call{Kind: spec.CallSocket}, 3)
	b.mustCall(spec.Call{Kind: spec.CallSetsockopt, FD: 3, Opt: spec.OptNonBlock, Val: 1}, 0)
	b.call(spec.Call{Kind: spec.CallConnect, FD: 3, Addr: b.peer})
	syn := b.lastSeg()
	if syn.Opts.WScale != 7 {
		t.Fatalf("SYN wscale field %d, want 7 (shift 6)", syn.Opts.WScale)
	}
	b.local.Port = syn.Src.Port
	b.inSeg(spec.Segment{Flags: spec.SYN | spec.ACK, Seq: b.irs, Ack: syn.Seq + 1, Wnd: 300})
	if c := b.conn(); c.WSOK || c.SndWnd != 300 || c.RcvShift != 0 {
		t.Fatalf("SYN,ACK without wscale: WSOK %t SND.WND %d RcvShift %d", c.WSOK, c.SndWnd, c.RcvShift)
	}
	if w := b.lastSeg().Wnd; w != 65535 {
		t.Fatalf("ACK window %d, want 65535 unscaled", w)
	}
}

// R7323-WS-SYN-UNSCALED: the window of a SYN is taken as it is, the
// window of our SYN,ACK is not shifted; R7323-WS-RECV: later windows are.
func TestR7323_WS_SYN_UNSCALED(t *testing.T) {
	b := wsBench(t, 8, 1000, 257) // peer shift 7
	if c := b.conn(); c.SndWnd != 257<<7 || c.MaxSndWnd != 257<<7 {
		t.Fatalf("SND.WND %d, want %d", c.SndWnd, 257<<7)
	}
	// Before the ACK, SND.WND was the SYN's window, unscaled.
	b2 := wsSyn(t, 8, 1000)
	if c := b2.conn(); c.SndWnd != 1000 {
		t.Fatalf("SND.WND from the SYN %d, want 1000", c.SndWnd)
	}
	if w := b2.lastSeg().Wnd; w != 65535 {
		t.Fatalf("SYN,ACK window %d, want 65535 (not shifted)", w)
	}
}

// R7323-WS-RECV: data goes out up to the scaled window: a peer window of
// 257 under shift 7 admits 1000 octets at once.
func TestR7323_WS_RECV(t *testing.T) {
	b := wsBench(t, 8, 1000, 257)
	b.mustCall(spec.Call{Kind: spec.CallWrite, FD: 4, N: 1000}, 1000)
	b.wantSegs(". 1001 5001 536", ". 1537 5001 464") // the peer sent no MSS: 536
	// Unscaled (no option on the SYN) the same window holds it to 257.
	b = wsBench(t, 0, 1000, 257)
	b.mustCall(spec.Call{Kind: spec.CallWrite, FD: 4, N: 1000}, 1000)
	b.wantSegs(". 1001 5001 257")
}

// R7323-WS-SEND: our window field is RCV.WND shifted right by our shift
// (rounded down); RCV.WND stays the free buffer, so the right edge never
// moves left.
func TestR7323_WS_SEND(t *testing.T) {
	b := wsBench(t, 8, 1000, 257, func(p *spec.Profile) { p.RecvBuf = 1 << 20 })
	b.in(spec.ACK, 5001, 1001, 100)
	seg := b.lastSeg()
	if want := uint16((1<<20 - 100) >> 8); seg.Wnd != want {
		t.Fatalf("window field %d, want %d", seg.Wnd, want)
	}
	if got, want := b.conn().rcvWnd(b.h), uint32(1<<20-100); got != want {
		t.Fatalf("RCV.WND %d, want %d", got, want)
	}
}

// AMB-WND-ADVERTISED: unscaled, a 65700-octet buffer advertises 65535, and
// a segment at 65600 is acceptable only where the profile accepts up to
// the free buffer.
func TestAMB_WND_ADVERTISED(t *testing.T) {
	for _, beyond := range []bool{false, true} {
		b := wsBench(t, 0, 1000, 65535, func(p *spec.Profile) { p.RecvBuf, p.AcceptBeyondAdvertised = 65700, beyond })
		b.in(spec.ACK, 5001+65600, 1001, 10)
		segs := b.segs()
		if len(segs) != 1 || segs[0].Wnd != 65535 {
			t.Fatalf("beyond=%t: %v", beyond, segs)
		}
		if held := len(b.conn().Held) == 1; held != beyond {
			t.Fatalf("beyond=%t: held %v", beyond, b.conn().Held)
		}
	}
}

// R7323-WS-CAP: a shift above 14 is taken as 14.
func TestR7323_WS_CAP(t *testing.T) {
	b := wsBench(t, 16, 1000, 1) // shift 15 on the wire
	if c := b.conn(); c.SndShift != 14 || c.SndWnd != 1<<14 {
		t.Fatalf("SndShift %d SND.WND %d, want 14 and %d", c.SndShift, c.SndWnd, 1<<14)
	}
	if !b.fired("R7323-WS-CAP") {
		// fired is about the last step; the option was read on the SYN.
		b2 := wsSyn(t, 16, 1000)
		if !b2.fired("R7323-WS-CAP") {
			t.Fatal("R7323-WS-CAP not reported")
		}
	}
}

// R7323-WS-SEND in TIME-WAIT: the ACK of a retransmitted FIN carries the
// scaled window, and a reopened-then-restored TIME-WAIT keeps it.
func TestR7323_WS_SEND_TimeWait(t *testing.T) {
	b := wsBench(t, 8, 1000, 257)
	b.mustCall(spec.Call{Kind: spec.CallClose, FD: 4}, 0)
	b.in(spec.ACK, 5001, 1002, 0)
	b.in(spec.FIN|spec.ACK, 5001, 1002, 0)
	b.wantState(spec.TimeWait)
	b.in(spec.FIN|spec.ACK, 5001, 1002, 0)
	if w := b.lastSeg().Wnd; w != 65535>>8 {
		t.Fatalf("TIME-WAIT ACK window %d, want %d", w, 65535>>8)
	}
}

// RecvBufRoundMSS: the receive buffer is rounded up to a multiple of the
// send MSS once the SYN sets it (FreeBSD tcp_mss): 65536 becomes 65700
// with an MSS of 1460 and 66240 with 1440; TIME-WAIT falls back to the
// profile's buffer.
func TestRecvBufRoundMSS(t *testing.T) {
	for _, tc := range []struct {
		mss  uint16
		want uint32
	}{{1460, 65700}, {1440, 66240}} {
		b := newBench(t, "freebsd")
		b.listen()
		syn := spec.Segment{Flags: spec.SYN, Seq: b.irs, Wnd: 65535}
		syn.Opts.MSS = tc.mss
		b.inSeg(syn)
		if got := b.conn().RcvBuf; got != tc.want {
			t.Fatalf("MSS %d: RcvBuf %d, want %d", tc.mss, got, tc.want)
		}
		if w := b.lastSeg().Wnd; w != 65535 {
			t.Fatalf("MSS %d: SYN,ACK window %d, want 65535", tc.mss, w)
		}
	}
	b := passiveBench(t, "freebsd", func(p *spec.Profile) { p.RecvBufRoundMSS = false })
	if got := b.conn().RcvBuf; got != 65536 {
		t.Fatalf("without rounding: RcvBuf %d, want 65536", got)
	}
}
