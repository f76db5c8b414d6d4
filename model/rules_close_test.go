package model

import (
	"testing"

	"github.com/tcpclose/tcpclose/spec"
)

// R9293-CLOSE-ESTAB, R9293-CLOSE-ACTIVE, R9293-SEG-ACK-FW1, R9293-SEG-FIN-TW:
// the normal active close of Figure 12.
func TestR9293_CloseActiveNormal(t *testing.T) {
	b := passiveBench(t, "rfc9293")
	b.mustCall(spec.Call{Kind: spec.CallClose, FD: 4}, 0)
	b.wantSegs("F. 1001 5001 0")
	b.wantState(spec.FinWait1)
	b.in(spec.ACK, 5001, 1002, 0)
	b.wantState(spec.FinWait2)
	b.noSegs()
	b.in(spec.FIN|spec.ACK, 5001, 1002, 0)
	b.wantSegs(". 1002 5002 0")
	b.wantState(spec.TimeWait)
}

// R9293-CLOSE-PASSIVE, R9293-CLOSE-CLOSEWAIT, R1122-CLOSEWAIT,
// R9293-SEG-ACK-LASTACK, R9293-MUST12: the peer closes first; we are told,
// close, and the TCB goes when our FIN is acknowledged.
func TestR9293_ClosePassiveNormal(t *testing.T) {
	b := passiveBench(t, "rfc9293")
	b.in(spec.FIN|spec.ACK, 5001, 1001, 0)
	b.wantSegs(". 1001 5002 0")
	b.wantState(spec.CloseWait)
	if !b.hasNotice(spec.NoticePeerClosed) {
		t.Fatalf("no peer-closed notice (MUST-12): %v", b.out)
	}
	b.mustCall(spec.Call{Kind: spec.CallRead, FD: 4, N: 100}, 0) // EOF
	b.mustCall(spec.Call{Kind: spec.CallClose, FD: 4}, 0)
	b.wantSegs("F. 1001 5002 0")
	b.wantState(spec.LastAck)
	b.in(spec.ACK, 5002, 1002, 0)
	b.wantState(spec.Closed)
	if b.h.twCount != 0 || len(b.h.conns) != 0 {
		t.Fatalf("TCB not deleted: %v", b.h.Snapshot())
	}
}

// R9293-CLOSE-SIMULTANEOUS, R9293-SEG-ACK-CLOSING: FINs cross; CLOSING;
// the ACK of our FIN moves us to TIME-WAIT with the 2MSL timer running
// (AMB-CLOSING-TIMER).
func TestR9293_CloseSimultaneous(t *testing.T) {
	b := passiveBench(t, "rfc9293")
	b.mustCall(spec.Call{Kind: spec.CallShutdown, FD: 4, How: spec.ShutWR}, 0)
	b.wantSegs("F. 1001 5001 0")
	b.in(spec.FIN|spec.ACK, 5001, 1001, 0) // the peer's FIN, not yet acking ours
	b.wantSegs(". 1002 5002 0")
	b.wantState(spec.Closing)
	b.in(spec.ACK, 5002, 1002, 0)
	b.wantState(spec.TimeWait)
	if b.conn().Timer[spec.TimerTimeWait] != b.now.Add(b.h.p.TimeWait) {
		t.Fatalf("2MSL timer not started on CLOSING -> TIME-WAIT")
	}
}

// AMB-CLOSING-TIMER: a profile that reads step 5 literally enters
// TIME-WAIT from CLOSING without starting the timer.
func TestAMB_ClosingTimerLiteral(t *testing.T) {
	b := passiveBench(t, "rfc9293", func(p *spec.Profile) { p.ClosingStartsTimeWait = false })
	b.mustCall(spec.Call{Kind: spec.CallShutdown, FD: 4, How: spec.ShutWR}, 0)
	b.in(spec.FIN|spec.ACK, 5001, 1001, 0)
	b.in(spec.ACK, 5002, 1002, 0)
	b.wantState(spec.TimeWait)
	if b.conn().Timer[spec.TimerTimeWait] != spec.Never || !b.fired("AMB-CLOSING-TIMER") {
		t.Fatal("literal reading must leave the timer stopped")
	}
}

// R9293-NOTE2: FIN-WAIT-1 straight to TIME-WAIT when the FIN arrives with
// the ACK of ours.
func TestR9293_Note2FinWait1ToTimeWait(t *testing.T) {
	b := passiveBench(t, "rfc9293")
	b.mustCall(spec.Call{Kind: spec.CallClose, FD: 4}, 0)
	b.in(spec.FIN|spec.ACK, 5001, 1002, 0)
	b.wantSegs(". 1002 5002 0")
	b.wantState(spec.TimeWait)
	b.wantFired("R9293-NOTE2")
}

// R9293-HALFCLOSE, R9293-CLOSE-SIMPLEX: after shutdown(SHUT_WR) we still
// receive and read the peer's data.
func TestR9293_HalfCloseKeepsReceiving(t *testing.T) {
	b := passiveBench(t, "rfc9293")
	b.mustCall(spec.Call{Kind: spec.CallShutdown, FD: 4, How: spec.ShutWR}, 0)
	b.in(spec.ACK, 5001, 1002, 0)
	b.wantState(spec.FinWait2)
	b.in(spec.ACK, 5001, 1002, 3000)
	b.wantSegs(". 1002 8001 0")
	b.mustCall(spec.Call{Kind: spec.CallRead, FD: 4, N: 10000}, 3000)
	ret, err, _ := b.call(spec.Call{Kind: spec.CallWrite, FD: 4, N: 10})
	if ret != -1 || err != spec.EPIPE {
		t.Fatalf("write after SHUT_WR = %d %s, want EPIPE (R9293-SEND-CLOSING)", ret, err)
	}
}

// R9293-CLOSE-RELIABLE, R2525-FIN-PROMPT: data written before close goes
// out before the FIN, which rides on the last data segment.
func TestR9293_CloseSendsDataThenFin(t *testing.T) {
	b := passiveBench(t, "rfc9293", func(p *spec.Profile) { p.MSS = 1000 })
	b.in(spec.ACK, 5001, 1001, 0) // nothing new
	b.mustCall(spec.Call{Kind: spec.CallWrite, FD: 4, N: 1500}, 1500)
	b.wantSegs(". 1001 5001 536", ". 1537 5001 536", ". 2073 5001 428")
	b.mustCall(spec.Call{Kind: spec.CallClose, FD: 4}, 0)
	b.wantSegs("F. 2501 5001 0")
}

// R9293-SHLD3, R2525-RST-UNREAD, R1122-HALFDUPLEX, R9293-MAY1: close with
// unread data sends a RST (with ACK where the profile says) and deletes the
// TCB; a profile that declines sends FIN.
func TestR9293_SHLD3_CloseWithUnreadDataResets(t *testing.T) {
	b := passiveBench(t, "rfc9293")
	b.in(spec.ACK, 5001, 1001, 100)
	b.mustCall(spec.Call{Kind: spec.CallClose, FD: 4}, 0)
	b.wantSegs("R 1001 0")
	b.wantState(spec.Closed)

	b = passiveBench(t, "linux")
	b.in(spec.ACK, 5001, 1001, 100)
	b.mustCall(spec.Call{Kind: spec.CallClose, FD: 4}, 0)
	b.wantSegs("R. 1001 5101 0")

	b = passiveBench(t, "smoltcp")
	b.in(spec.ACK, 5001, 1001, 100)
	b.mustCall(spec.Call{Kind: spec.CallClose, FD: 4}, 0)
	b.wantSegs("F. 1001 5101 0")
	b.wantState(spec.FinWait1)
}

// R9293-SHLD3, R2525-RST-LATE-DATA: data arriving after close in
// FIN-WAIT-2 deletes the connection and draws a RST; without the choice it
// is acknowledged and discarded.
func TestR9293_SHLD3_DataAfterCloseResets(t *testing.T) {
	b := passiveBench(t, "rfc9293")
	b.mustCall(spec.Call{Kind: spec.CallClose, FD: 4}, 0)
	b.in(spec.ACK, 5001, 1002, 0)
	b.wantState(spec.FinWait2)
	b.in(spec.ACK, 5001, 1002, 10)
	b.wantSegs("R 1002 0")
	b.wantState(spec.Closed)

	b = passiveBench(t, "rfc793")
	b.mustCall(spec.Call{Kind: spec.CallClose, FD: 4}, 0)
	b.in(spec.ACK, 5001, 1002, 0)
	b.in(spec.ACK, 5001, 1002, 10)
	b.wantSegs(". 1002 5011 0")
	b.wantState(spec.FinWait2)
	if b.conn().Unread != 0 || b.conn().rcvWnd(b.h) != b.h.p.RecvBuf {
		t.Fatal("an orphan must discard data and keep its window open")
	}
}

// R9293-CLOSE-FINWAIT: a second CLOSE in FIN-WAIT is an error or "ok", and
// never sends a second FIN.
func TestR9293_CloseInFinWaitNoSecondFin(t *testing.T) {
	for _, name := range []string{"rfc9293", "linux"} {
		b := passiveBench(t, name)
		b.mustCall(spec.Call{Kind: spec.CallShutdown, FD: 4, How: spec.ShutWR}, 0)
		r := b.h.closeCall(b.conn())
		want := ErrConnClosing
		if name == "linux" {
			want = ReplyOK
		}
		if r != want {
			t.Errorf("%s: CLOSE in FIN-WAIT-1 = %s, want %s", name, r, want)
		}
		b.mustCall(spec.Call{Kind: spec.CallClose, FD: 4}, 0)
		b.noSegs()
	}
}

// R9293-CLOSE-SYNSENT: close in SYN-SENT deletes the TCB silently (a
// profile may send RST).
func TestR9293_CloseInSynSent(t *testing.T) {
	b := newBench(t, "rfc9293")
	b.mustCall(spec.Call{Kind: spec.CallSocket}, 3)
	b.mustCall(spec.Call{Kind: spec.CallSetsockopt, FD: 3, Opt: spec.OptNonBlock, Val: 1}, 0)
	b.call(spec.Call{Kind: spec.CallConnect, FD: 3, Addr: b.peer})
	b.mustCall(spec.Call{Kind: spec.CallClose, FD: 3}, 0)
	b.noSegs()
	if len(b.h.conns) != 0 {
		t.Fatal("TCB left behind")
	}
	b = newBench(t, "smoltcp")
	b.mustCall(spec.Call{Kind: spec.CallSocket}, 3)
	b.mustCall(spec.Call{Kind: spec.CallSetsockopt, FD: 3, Opt: spec.OptNonBlock, Val: 1}, 0)
	b.call(spec.Call{Kind: spec.CallConnect, FD: 3, Addr: b.peer})
	b.mustCall(spec.Call{Kind: spec.CallClose, FD: 3}, 0)
	if len(b.segs()) != 1 || b.segs()[0].Flags&spec.RST == 0 {
		t.Fatalf("smoltcp sends RST on close in SYN-SENT: %v", b.out)
	}
}

// R9293-CLOSE-SYNRCVD: CLOSE in SYN-RECEIVED with nothing to send sends
// FIN at once and enters FIN-WAIT-1.
func TestR9293_CloseInSynReceived(t *testing.T) {
	b := newBench(t, "rfc9293")
	b.listen()
	b.in(spec.SYN, 5000, 0, 0)
	r := b.h.closeCall(b.conn())
	if r != ReplyOK {
		t.Fatal(r)
	}
	b.wantState(spec.FinWait1)
}

// R9293-ABORT-SYNC, R9293-CALL-ABORT: SO_LINGER {on,0} aborts: RST at
// SND.NXT, TCB gone. R9293-ABORT-LATE: in LAST-ACK nothing is sent.
func TestR9293_AbortByLingerZero(t *testing.T) {
	b := passiveBench(t, "rfc9293")
	b.mustCall(spec.Call{Kind: spec.CallSetsockopt, FD: 4, Opt: spec.OptLinger, Val: 1, Val2: 0}, 0)
	b.mustCall(spec.Call{Kind: spec.CallClose, FD: 4}, 0)
	b.wantSegs("R 1001 0")
	b.wantState(spec.Closed)

	b = passiveBench(t, "rfc9293")
	b.in(spec.FIN|spec.ACK, 5001, 1001, 0)
	b.mustCall(spec.Call{Kind: spec.CallShutdown, FD: 4, How: spec.ShutWR}, 0)
	b.wantState(spec.LastAck)
	b.mustCall(spec.Call{Kind: spec.CallSetsockopt, FD: 4, Opt: spec.OptLinger, Val: 1, Val2: 0}, 0)
	b.mustCall(spec.Call{Kind: spec.CallClose, FD: 4}, 0)
	b.noSegs()
	b.wantState(spec.Closed)
}

// R9293-NOTE3, R9293-RSTGEN-TW, AMB-ABORT-NOTE3: with the profile choice
// the aborting side enters TIME-WAIT instead of CLOSED.
func TestR9293_Note3AbortEntersTimeWait(t *testing.T) {
	b := passiveBench(t, "rfc9293", func(p *spec.Profile) { p.AbortEntersTimeWait = true })
	b.mustCall(spec.Call{Kind: spec.CallSetsockopt, FD: 4, Opt: spec.OptLinger, Val: 1, Val2: 0}, 0)
	b.mustCall(spec.Call{Kind: spec.CallClose, FD: 4}, 0)
	b.wantSegs("R 1001 0")
	b.wantState(spec.TimeWait)
}

// R9293-SEG-NOACK, AMB-FIN-NOACK: a FIN without ACK is dropped in a
// synchronized state.
func TestAMB_FinWithoutAckDropped(t *testing.T) {
	b := passiveBench(t, "rfc9293")
	b.in(spec.FIN, 5001, 0, 0)
	b.noSegs()
	b.wantState(spec.Established)
	b.wantFired("AMB-FIN-NOACK")
}

// R9293-SHLD31, R9293-MUST58, R9293-MAY13: an out-of-order FIN is held and
// acted on when the hole fills, with one ACK for everything.
func TestR9293_OutOfOrderFinHeld(t *testing.T) {
	b := passiveBench(t, "rfc9293")
	b.in(spec.FIN|spec.ACK, 5101, 1001, 0) // FIN after 100 missing octets
	b.wantSegs(". 1001 5001 0")            // duplicate ACK (MAY-13)
	b.wantState(spec.Established)
	b.in(spec.ACK, 5001, 1001, 100) // fill the hole
	b.wantSegs(". 1001 5102 0")     // one ACK covers data and FIN
	b.wantState(spec.CloseWait)

	b = newBench(t, "smoltcp") // discards out-of-order FINs
	b.passiveOpen()
	b.in(spec.FIN|spec.ACK, 5101, 1001, 0)
	b.in(spec.ACK, 5001, 1001, 100)
	b.wantSegs(". 1001 5101 0")
	b.wantState(spec.Established)
}

// R9293-SEG-TEXT-LATE: text after the peer's FIN is ignored.
func TestR9293_TextAfterPeerFinIgnored(t *testing.T) {
	b := passiveBench(t, "rfc9293")
	b.in(spec.FIN|spec.ACK, 5001, 1001, 0)
	b.in(spec.ACK, 5002, 1001, 50)
	b.noSegs()
	if b.conn().Unread != 0 || b.conn().RcvNxt != 5002 {
		t.Fatal("text after FIN must be ignored")
	}
}

// R9293-SEG-SYNSENT-SYN with a FIN on the SYN,ACK: processing continues
// at step six, so the FIN is taken.
func TestR9293_SynAckCarryingFin(t *testing.T) {
	b := newBench(t, "rfc9293")
	b.connectNonBlock()
	b.in(spec.SYN|spec.ACK|spec.FIN, 5000, 1001, 0)
	b.wantSegs(". 1001 5002 0")
	b.wantState(spec.CloseWait)
}
