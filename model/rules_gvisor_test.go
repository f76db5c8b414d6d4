package model

import (
	"testing"
	"time"

	"github.com/tcpclose/tcpclose/spec"
)

// The receive-path fields of gVisor netstack (issue 13): each test runs the
// gvisor profile and the same events with the field at its RFC value.

// AMB-CLOSING-RCV, R2525-RST-LATE-DATA: data after close() in FIN-WAIT-1
// is checked before its ACK and aborts the connection with the abort's own
// RST,ACK at SND.NXT, RCV.NXT not counting the data.
func TestAMB_ClosingRcv_LateDataAbortRST(t *testing.T) {
	b := passiveBench(t, "gvisor")
	b.mustCall(spec.Call{Kind: spec.CallClose, FD: 4}, 0)
	b.wantSegs("F. 1001 5001 0")
	b.in(spec.ACK|spec.PSH, 5001, 1001, 10)
	b.wantSegs("R. 1002 5001 0")
	b.wantState(spec.Closed)
	if !b.fired("AMB-CLOSING-RCV") {
		t.Fatal("AMB-CLOSING-RCV not applied")
	}
	// Without the field: the RST is formed from the segment.
	b = passiveBench(t, "gvisor", func(p *spec.Profile) { p.ClosingChecksFirst = false })
	b.mustCall(spec.Call{Kind: spec.CallClose, FD: 4}, 0)
	b.in(spec.ACK|spec.PSH, 5001, 1001, 10)
	b.wantSegs("R 1001 0")
}

// AMB-CLOSING-RCV: a second FIN at RCV.NXT in CLOSE-WAIT is taken again
// (RCV.NXT advances and is acknowledged); RFC 9293 step 8 ignores it.
func TestAMB_ClosingRcv_SecondFin(t *testing.T) {
	b := passiveBench(t, "gvisor")
	b.in(spec.FIN|spec.ACK, 5001, 1001, 0)
	b.wantSegs(". 1001 5002 0")
	b.in(spec.FIN|spec.ACK, 5002, 1001, 0)
	b.wantSegs(". 1001 5003 0")
	b.wantState(spec.CloseWait)
	b = passiveBench(t, "gvisor", func(p *spec.Profile) { p.ClosingChecksFirst = false })
	b.in(spec.FIN|spec.ACK, 5001, 1001, 0)
	b.in(spec.FIN|spec.ACK, 5002, 1001, 0)
	b.noSegs()
}

// AMB-CLOSING-RCV, R9293-SEG-TEXT-LATE: text after the peer's FIN is
// dropped whole in CLOSE-WAIT, its ACK unseen; RFC 9293 takes the ACK.
func TestAMB_ClosingRcv_TextAfterFinDropsACK(t *testing.T) {
	for _, on := range []bool{true, false} {
		b := passiveBench(t, "gvisor", func(p *spec.Profile) { p.ClosingChecksFirst = on })
		b.in(spec.FIN|spec.ACK, 5001, 1001, 0)
		b.mustCall(spec.Call{Kind: spec.CallWrite, FD: 4, N: 10}, 10)
		b.in(spec.ACK|spec.PSH, 5002, 1011, 10)
		b.noSegs()
		if got, want := b.conn().SndUna, spec.Seq(1001); on && got != want {
			t.Fatalf("ClosingChecksFirst: SND.UNA %d, want %d (ACK not processed)", got, want)
		} else if !on && got != 1011 {
			t.Fatalf("RFC: SND.UNA %d, want 1011", got)
		}
	}
}

// AMB-CLOSING-RCV: after close(), in FIN-WAIT-2, an out-of-order FIN
// aborts the connection; RFC 9293 holds it and acknowledges RCV.NXT.
func TestAMB_ClosingRcv_OrphanOutOfOrderFin(t *testing.T) {
	b := passiveBench(t, "gvisor")
	b.mustCall(spec.Call{Kind: spec.CallClose, FD: 4}, 0)
	b.in(spec.ACK, 5001, 1002, 0)
	b.wantState(spec.FinWait2)
	b.in(spec.FIN|spec.ACK, 5011, 1002, 0)
	b.wantSegs("R. 1002 5001 0")
	b.wantState(spec.Closed)
}

// AMB-ACK-ABOVE: under text-first-in-established the ACK above SND.NXT is
// ignored but the text is received and acknowledged; drop-in-established
// drops it all.
func TestAMB_AckAbove_TextFirst(t *testing.T) {
	b := passiveBench(t, "gvisor")
	b.in(spec.ACK|spec.PSH, 5001, 2000, 10)
	b.wantSegs(". 1001 5011 0")
	b = passiveBench(t, "gvisor", func(p *spec.Profile) { p.AckAboveSndNxt = spec.AckAboveDropInEstablished })
	b.in(spec.ACK|spec.PSH, 5001, 2000, 10)
	b.noSegs()
}

// AMB-NOACK-FIRST: a segment without ACK is dropped before the sequence
// test; the RFC acknowledges an unacceptable one (R9293-SEG-UNACCEPT).
func TestAMB_NoACKDroppedFirst(t *testing.T) {
	b := passiveBench(t, "gvisor")
	b.in(spec.PSH, 90001, 0, 10)
	b.noSegs()
	b = passiveBench(t, "gvisor", func(p *spec.Profile) { p.NoACKDroppedFirst = false })
	b.in(spec.PSH, 90001, 0, 10)
	b.wantSegs(". 1001 5001 0")
}

// AMB-TW-ACK-EXACT: TIME-WAIT acknowledges text at RCV.NXT without
// restarting 2MSL, ignores a new FIN at RCV.NXT, acknowledges a segment
// beyond the window every time (no throttle), and restarts on the
// retransmitted FIN (AMB-TW-FIN).
func TestAMB_TimeWaitAckUnlessExact(t *testing.T) {
	b := newBench(t, "gvisor")
	b.activeOpen()
	b.activeClose()
	end := b.conn().Timer[spec.TimerTimeWait]
	b.advance(time.Second)
	b.in(spec.ACK|spec.PSH, 5002, 1002, 10)
	b.wantSegs(". 1002 5002 0")
	if got := b.conn().Timer[spec.TimerTimeWait]; got != end {
		t.Fatalf("text restarted TIME-WAIT: %s, want %s", got, end)
	}
	b.in(spec.FIN|spec.ACK, 5002, 1002, 0)
	b.noSegs()
	b.in(spec.ACK, 95002, 1002, 0)
	b.wantSegs(". 1002 5002 0")
	b.in(spec.ACK, 95002, 1002, 0)
	b.wantSegs(". 1002 5002 0")
	b.in(spec.FIN|spec.ACK, 5001, 1002, 0)
	b.wantSegs(". 1002 5002 0")
	if got := b.conn().Timer[spec.TimerTimeWait]; got != b.now.Add(b.h.p.TimeWait) {
		t.Fatalf("retransmitted FIN: TIME-WAIT ends %s, want %s", got, b.now.Add(b.h.p.TimeWait))
	}
	// The RFC reading: text beyond the FIN is ignored, a FIN at RCV.NXT
	// acknowledged.
	b = newBench(t, "gvisor", func(p *spec.Profile) { p.TimeWaitAckUnlessExact = false })
	b.activeOpen()
	b.activeClose()
	b.in(spec.ACK|spec.PSH, 5002, 1002, 10)
	b.noSegs()
	b.in(spec.FIN|spec.ACK, 5002, 1002, 0)
	b.wantSegs(". 1002 5002 0")
}

// R7323-PAWS: with NoPAWS an old TSval is let through and its text
// received; with PAWS it is dropped with an ACK.
func TestR7323_PAWS_NoPAWS(t *testing.T) {
	for _, off := range []bool{true, false} {
		b := newBench(t, "gvisor", func(p *spec.Profile) { p.NoPAWS = off })
		b.listen()
		ts := func(v uint32) spec.Options { return spec.Options{HasTS: true, TS: spec.Timestamp{Val: v}} }
		b.inSeg(spec.Segment{Flags: spec.SYN, Seq: 5000, Wnd: 65535, Opts: ts(100)})
		b.inSeg(spec.Segment{Flags: spec.ACK, Seq: 5001, Ack: 1001, Wnd: 65535, Opts: ts(200)})
		b.wantState(spec.Established)
		b.inSeg(spec.Segment{Flags: spec.ACK | spec.PSH, Seq: 5001, Ack: 1001, Len: 10, Wnd: 65535, Opts: ts(50)})
		want := ". 1001 5001 0"
		if off {
			want = ". 1001 5011 0"
		}
		b.wantSegs(want)
	}
}

// R9293-SEG-ACCEPT: under TextEdgeAcceptable text at RCV.NXT+RCV.WND is
// acceptable (trimmed to nothing, acknowledged once without the throttle's
// say); Table 6 refuses it.
func TestR9293_SegAccept_TextEdgeAcceptable(t *testing.T) {
	for _, on := range []bool{true, false} {
		b := passiveBench(t, "gvisor", func(p *spec.Profile) { p.TextEdgeAcceptable = on })
		edge := spec.Seq(5001).Add(b.conn().rcvWnd(b.h))
		if got := b.conn().acceptable(b.h, &spec.Segment{Flags: spec.ACK, Seq: edge, Len: 1}); got != on {
			t.Fatalf("TextEdgeAcceptable=%v: text at the right edge acceptable = %v", on, got)
		}
		if got := b.conn().acceptable(b.h, &spec.Segment{Flags: spec.ACK, Seq: edge.Add(1), Len: 1}); got {
			t.Fatalf("TextEdgeAcceptable=%v: text beyond the right edge acceptable", on)
		}
	}
}

// R9293-SHLD31: under HeldFINNeedsText a bare out-of-order FIN is not
// held, so filling the gap does not close; with text it is held.
func TestR9293_SHLD31_HeldFINNeedsText(t *testing.T) {
	b := passiveBench(t, "gvisor")
	b.in(spec.FIN|spec.ACK, 5011, 1001, 0)
	b.wantSegs(". 1001 5001 0")
	b.in(spec.ACK|spec.PSH, 5001, 1001, 10)
	b.wantSegs(". 1001 5011 0")
	b.wantState(spec.Established)
	b = passiveBench(t, "gvisor")
	b.in(spec.FIN|spec.ACK, 5006, 1001, 5) // with text: held
	b.in(spec.ACK|spec.PSH, 5001, 1001, 5)
	b.wantSegs(". 1001 5012 0")
	b.wantState(spec.CloseWait)
	b = passiveBench(t, "gvisor", func(p *spec.Profile) { p.HeldFINNeedsText = false })
	b.in(spec.FIN|spec.ACK, 5011, 1001, 0)
	b.in(spec.ACK|spec.PSH, 5001, 1001, 10)
	b.wantSegs(". 1001 5012 0")
	b.wantState(spec.CloseWait)
}

// R2525-RST-UNREAD: under ShutdownUnreadRST, shutdown(SHUT_RDWR) with
// unread data resets; otherwise it half-closes with a FIN.
func TestR2525_RSTUnread_ShutdownUnreadRST(t *testing.T) {
	b := passiveBench(t, "gvisor")
	b.in(spec.ACK|spec.PSH, 5001, 1001, 10)
	b.mustCall(spec.Call{Kind: spec.CallShutdown, FD: 4, How: spec.ShutRDWR}, 0)
	b.wantSegs("R. 1001 5011 0")
	b.wantState(spec.Closed)
	b = passiveBench(t, "gvisor", func(p *spec.Profile) { p.ShutdownUnreadRST = false })
	b.in(spec.ACK|spec.PSH, 5001, 1001, 10)
	b.mustCall(spec.Call{Kind: spec.CallShutdown, FD: 4, How: spec.ShutRDWR}, 0)
	b.wantSegs("F. 1001 5011 0")
	// SHUT_RD, then SHUT_WR: the second call shuts both.
	b = passiveBench(t, "gvisor")
	b.in(spec.ACK|spec.PSH, 5001, 1001, 10)
	b.mustCall(spec.Call{Kind: spec.CallShutdown, FD: 4, How: spec.ShutRD}, 0)
	b.noSegs()
	b.mustCall(spec.Call{Kind: spec.CallShutdown, FD: 4, How: spec.ShutWR}, 0)
	b.wantSegs("R. 1001 5011 0")
}

// R7323-TS-EVERY, R9293-RSTGEN-UNSYNC: under RSTCarriesTS the RST a
// SYN-RECEIVED connection with timestamps sends to an unacceptable ACK
// carries the option; otherwise it is formed from the segment alone.
func TestR7323_TSEvery_RSTCarriesTS(t *testing.T) {
	for _, on := range []bool{true, false} {
		b := newBench(t, "gvisor", func(p *spec.Profile) { p.RSTCarriesTS = on })
		b.listen()
		ts := spec.Options{HasTS: true, TS: spec.Timestamp{Val: 100}}
		b.inSeg(spec.Segment{Flags: spec.SYN, Seq: 5000, Wnd: 65535, Opts: ts})
		b.inSeg(spec.Segment{Flags: spec.ACK, Seq: 5001, Ack: 3000, Wnd: 65535, Opts: ts})
		b.wantSegs("R 3000 0")
		if got := b.segs()[0].Opts.HasTS; got != on {
			t.Fatalf("RSTCarriesTS=%v: the RST carries timestamps: %v", on, got)
		}
	}
}

// AMB-CLOSING-RCV, R9293-SEG-ACK-LASTACK: under ClosingChecksFirst the ACK
// of our FIN on a second FIN leaves LAST-ACK as it is; a plain ACK at
// RCV.NXT then closes. Without the field the ACK closes at once.
func TestAMB_ClosingRcv_FinAckNotTaken(t *testing.T) {
	for _, on := range []bool{true, false} {
		b := passiveBench(t, "gvisor", func(p *spec.Profile) { p.ClosingChecksFirst = on })
		b.in(spec.FIN|spec.ACK, 5001, 1001, 0)
		b.mustCall(spec.Call{Kind: spec.CallShutdown, FD: 4, How: spec.ShutWR}, 0)
		b.wantSegs("F. 1001 5002 0")
		b.in(spec.FIN|spec.ACK, 5002, 1002, 0)
		if !on {
			b.wantState(spec.Closed)
			continue
		}
		b.wantSegs(". 1002 5003 0")
		b.wantState(spec.LastAck)
		b.in(spec.ACK, 5003, 1002, 0)
		b.wantState(spec.Closed)
	}
}

// R9293-SEG-ACK-WINDOW: under WindowFromEveryACK an ACK below SND.UNA
// still sets SND.WND; otherwise it is ignored for the window.
func TestR9293_SegAckWindow_WindowFromEveryACK(t *testing.T) {
	for _, on := range []bool{true, false} {
		b := passiveBench(t, "gvisor", func(p *spec.Profile) { p.WindowFromEveryACK = on })
		b.mustCall(spec.Call{Kind: spec.CallWrite, FD: 4, N: 100}, 100)
		b.in(spec.ACK, 5001, 1101, 0)
		b.inSeg(spec.Segment{Flags: spec.ACK, Seq: 5001, Ack: 1051, Len: 10, Wnd: 0})
		want := uint32(65535)
		if on {
			want = 0
		}
		if got := b.conn().SndWnd; got != want {
			t.Fatalf("WindowFromEveryACK=%v: SND.WND %d, want %d", on, got, want)
		}
	}
}
