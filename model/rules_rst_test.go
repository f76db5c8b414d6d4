package model

import (
	"fmt"
	"testing"

	"github.com/tcpclose/tcpclose/spec"
)

// R9293-SEG-RST5961, R5961-RST-EXACT, R5961-RST-CHALLENGE, R5961-RST-OOW,
// R9293-RST-ABORT, R9293-MUST12, R1122-INFORM: the three RST cases of RFC
// 5961 §3.2 in ESTABLISHED.
func TestR5961_RSTThreeCases(t *testing.T) {
	b := passiveBench(t, "rfc9293")
	b.in(spec.RST, 5001+70000, 0, 0) // outside the window: silent
	b.noSegs()
	b.wantState(spec.Established)
	b.in(spec.RST, 5001+100, 0, 0) // in window, not exact: challenge ACK
	b.wantSegs(". 1001 5001 0")
	b.wantState(spec.Established)
	b.in(spec.RST, 5001, 0, 0) // exact: reset
	b.noSegs()
	b.wantState(spec.Closed)
	if !b.hasNotice(spec.NoticeReset) {
		t.Fatalf("application not told of the reset (MUST-12): %v", b.out)
	}
	ret, err, _ := b.call(spec.Call{Kind: spec.CallRead, FD: 4, N: 10})
	if ret != -1 || err != spec.ECONNRESET {
		t.Fatalf("read after RST = %d %s, want ECONNRESET", ret, err)
	}
	b.mustCall(spec.Call{Kind: spec.CallRead, FD: 4, N: 10}, 0) // then EOF
}

// R9293-RST-WINDOW: RFC 793 accepts any in-window RST.
func TestR9293_RSTInWindowUnder793(t *testing.T) {
	b := passiveBench(t, "rfc793")
	b.in(spec.RST, 5001+100, 0, 0)
	b.wantState(spec.Closed)
	b.noSegs()
}

// R9293-RST-DATA: a RST carrying data is still a RST (SHLD-2).
func TestR9293_RSTWithData(t *testing.T) {
	b := passiveBench(t, "rfc9293")
	b.in(spec.RST|spec.ACK, 5001, 1001, 20)
	b.wantState(spec.Closed)
	b.wantFired("R9293-RST-DATA")
}

// R9293-RST-LATE, AMB-RST-LATE-NOTIFY: a valid RST in LAST-ACK deletes the
// TCB; an attached user is told.
func TestR9293_RSTInLastAck(t *testing.T) {
	b := passiveBench(t, "rfc9293")
	b.in(spec.FIN|spec.ACK, 5001, 1001, 0)
	b.mustCall(spec.Call{Kind: spec.CallShutdown, FD: 4, How: spec.ShutWR}, 0)
	b.wantState(spec.LastAck)
	b.in(spec.RST, 5002, 0, 0)
	b.wantState(spec.Closed)
	if !b.hasNotice(spec.NoticeReset) {
		t.Fatal("attached user not told")
	}
	// The peer had closed first: reads see EOF; SO_ERROR reports the reset.
	b.mustCall(spec.Call{Kind: spec.CallRead, FD: 4, N: 10}, 0)
	b.mustCall(spec.Call{Kind: spec.CallGetsockopt, FD: 4, Opt: spec.OptError}, int64(spec.ECONNRESET))
}

// R9293-RST-SYNRCVD, R9293-NOTE1: a RST in a passive SYN-RECEIVED drops
// the embryonic connection; the listener stays.
func TestR9293_RSTInPassiveSynReceived(t *testing.T) {
	b := newBench(t, "rfc9293")
	b.listen()
	b.in(spec.SYN, 5000, 0, 0)
	b.wantState(spec.SynReceived)
	b.in(spec.RST, 5001, 0, 0)
	b.wantState(spec.Closed)
	b.noSegs()
	if len(b.h.Snapshot().Listeners) != 1 {
		t.Fatal("listener lost")
	}
}

// R9293-RST-SYNSENT, R9293-SEG-SYNSENT-RST5961, AMB-SYNSENT-RCVNXT: in SYN-SENT only a RST whose ACK
// acknowledges our SYN refuses the connection.
func TestR9293_RSTInSynSent(t *testing.T) {
	b := newBench(t, "rfc9293")
	b.mustCall(spec.Call{Kind: spec.CallSocket}, 3)
	b.mustCall(spec.Call{Kind: spec.CallBind, FD: 3, Addr: spec.SockAddr{Port: 8080}}, 0)
	b.call(spec.Call{Kind: spec.CallConnect, FD: 3, Addr: b.peer}) // blocking
	b.in(spec.RST, 0, 0, 0)                                        // no ACK: dropped
	b.wantState(spec.SynSent)
	b.in(spec.RST|spec.ACK, 0, 999, 0) // unacceptable ACK: dropped, no reply to a RST
	b.noSegs()
	b.wantState(spec.SynSent)
	b.in(spec.RST|spec.ACK, 0, 1001, 0)
	b.wantState(spec.Closed)
	var res *spec.Output
	for i := range b.out {
		if b.out[i].Kind == spec.OutResult {
			res = &b.out[i]
		}
	}
	if res == nil || res.Ret != -1 || res.Err != spec.ECONNREFUSED || !b.hasNotice(spec.NoticeRefused) {
		t.Fatalf("blocked connect must fail with ECONNREFUSED: %v", b.out)
	}
}

// R9293-SEG-SYNSENT-ACK, R9293-RSTGEN-UNSYNC: an ACK of something never
// sent draws <SEQ=SEG.ACK><CTL=RST> in SYN-SENT.
func TestR9293_SynSentBadAck(t *testing.T) {
	b := newBench(t, "rfc9293")
	b.mustCall(spec.Call{Kind: spec.CallSocket}, 3)
	b.mustCall(spec.Call{Kind: spec.CallBind, FD: 3, Addr: spec.SockAddr{Port: 8080}}, 0)
	b.call(spec.Call{Kind: spec.CallConnect, FD: 3, Addr: b.peer})
	b.in(spec.SYN|spec.ACK, 5000, 4242, 0)
	b.wantSegs("R 4242 0")
	b.wantState(spec.SynSent)
}

// R9293-SEG-CLOSED, R9293-RSTGEN-CLOSED, R9293-RSTGEN-CLEAR: with no
// connection, segments draw acceptable RSTs; RSTs draw nothing.
func TestR9293_SegmentToClosedPort(t *testing.T) {
	b := newBench(t, "rfc9293")
	b.in(spec.SYN, 7, 0, 0)
	b.wantSegs("R. 0 8 0")
	b.in(spec.ACK, 7, 300, 10)
	b.wantSegs("R 300 0")
	b.in(spec.FIN|spec.ACK, 7, 300, 10)
	b.wantSegs("R 300 0")
	b.in(spec.RST, 7, 0, 0)
	b.noSegs()
	b.in(spec.SYN|spec.FIN, 7, 0, 5)
	b.wantSegs("R. 0 14 0")
}

// R9293-SEG-LISTEN-ACK, R9293-RST-LISTEN, R9293-SEG-LISTEN-OTHER.
func TestR9293_Listener(t *testing.T) {
	b := newBench(t, "rfc9293")
	b.listen()
	b.in(spec.ACK, 1, 77, 0)
	b.wantSegs("R 77 0")
	b.in(spec.RST, 1, 0, 0)
	b.noSegs()
	b.in(spec.FIN, 1, 0, 0)
	b.noSegs()
	if len(b.h.conns) != 0 {
		t.Fatal("listener created a connection")
	}
}

// R9293-SEG-LISTEN-SYN: Linux drops a SYN that carries FIN; RFC 9293
// answers it.
func TestR9293_ListenerSynFin(t *testing.T) {
	for name, want := range map[string]int{"rfc9293": 1, "linux": 0} {
		b := newBench(t, name)
		b.listen()
		b.in(spec.SYN|spec.FIN, 5000, 0, 0)
		if got := len(b.segs()); got != want {
			t.Errorf("%s: %d segments, want %d", name, got, want)
		}
	}
}

// R9293-SEG-SYN-CHALLENGE, R5961-SYN: a SYN in ESTABLISHED, in or out of
// the window, draws a challenge ACK. R9293-SEG-SYN-793: RFC 793 resets on
// an in-window SYN.
func TestR9293_SynInEstablished(t *testing.T) {
	b := passiveBench(t, "rfc9293")
	b.in(spec.SYN, 5001+10, 0, 0)
	b.wantSegs(". 1001 5001 0")
	b.wantState(spec.Established)

	b = passiveBench(t, "rfc793")
	b.in(spec.SYN, 5001+10, 0, 0)
	b.wantSegs("R 1001 0")
	b.wantState(spec.Closed)
	if !b.hasNotice(spec.NoticeReset) {
		t.Fatal("user must hear of the reset")
	}

	b = newBench(t, "smoltcp") // a bare SYN is dropped
	b.passiveOpen()
	b.in(spec.SYN, 5001+10, 0, 0)
	b.noSegs()
}

// R9293-RSTGEN-SYNC, R9293-SEG-UNACCEPT, R9293-SEG-ACCEPT: unacceptable
// segments draw an empty ACK; unacceptable RSTs nothing. Table 6 edges.
func TestR9293_Table6Edges(t *testing.T) {
	b := newBench(t, "rfc9293", func(p *spec.Profile) { p.OOWAckInterval = 0 }) // every reply visible
	b.passiveOpen()
	wnd := spec.Seq(b.conn().rcvWnd(b.h))
	b.in(spec.ACK, 5001+wnd, 1001, 0) // zero-length at RCV.NXT+RCV.WND: unacceptable
	b.wantSegs(". 1001 5001 0")
	b.in(spec.ACK, 5001+wnd-1, 1001, 0) // last in-window octet: acceptable, nothing to say
	b.noSegs()
	b.in(spec.ACK, 5000, 1001, 0) // just below: unacceptable
	b.wantSegs(". 1001 5001 0")
	b.in(spec.ACK, 4990, 1001, 12) // straddles RCV.NXT: acceptable, the new octet taken
	b.wantSegs(". 1001 5002 0")
	b.in(spec.RST, 5000, 0, 0) // unacceptable RST: silent
	b.noSegs()

	// Linux accepts the zero-length segment at the right edge (AMB-ZEROLEN-EDGE).
	b = passiveBench(t, "linux")
	wnd = spec.Seq(b.conn().rcvWnd(b.h))
	b.in(spec.ACK, 5001+wnd, 1001, 0)
	b.noSegs()
}

// R9293-SEG-ACK-ESTAB, AMB-ACK-ABOVE: an ACK of data never sent draws an
// ACK (RFC; Linux 6.18, measured) or is dropped silently in ESTABLISHED
// (gVisor, older Linux).
func TestR9293_AckAboveSndNxt(t *testing.T) {
	for _, p := range []string{"rfc9293", "linux"} {
		b := passiveBench(t, p)
		b.in(spec.ACK, 5001, 1500, 0)
		b.wantSegs(". 1001 5001 0")
	}
	b := passiveBench(t, "gvisor")
	b.in(spec.ACK, 5001, 1500, 0)
	b.noSegs()
}

// R9293-MAY12, R5961-ACK: with the RFC 5961 §5 check, an ACK far below
// SND.UNA draws an ACK and is dropped.
func TestR5961_ACKRangeCheck(t *testing.T) {
	b := passiveBench(t, "rfc9293")
	b.in(spec.ACK, 5001, farBelow, 5)
	b.wantSegs(". 1001 5001 0")
	if b.conn().Unread != 0 {
		t.Fatal("data of a segment failing the ACK check was taken")
	}
	b = passiveBench(t, "rfc793")
	b.in(spec.ACK, 5001, farBelow, 5)
	if b.conn().Unread != 5 {
		t.Fatal("without the check the data is taken")
	}
}

// R5961-THROTTLE: challenge ACKs are rate-limited per connection under
// the linux profile (500 ms), data segments exempt.
func TestR5961_ChallengeAckThrottle(t *testing.T) {
	b := passiveBench(t, "linux")
	b.in(spec.RST, 5001+100, 0, 0)
	if len(b.segs()) != 1 {
		t.Fatal("first challenge ACK missing")
	}
	b.in(spec.RST, 5001+100, 0, 0)
	b.noSegs()
	b.wantFired("R5961-THROTTLE")
	b.advance(500_000_000)
	b.in(spec.RST, 5001+100, 0, 0)
	if len(b.segs()) != 1 {
		t.Fatal("challenge ACK after the interval missing")
	}
}

// R9293-SEG-ZEROWND, AMB-FIN-ZEROWND: with a zero window the ACK field of
// a data segment still counts; a bare FIN is refused by RFC 9293 and
// accepted by Linux.
func TestR9293_ZeroWindow(t *testing.T) {
	for _, name := range []string{"rfc9293", "linux"} {
		b := passiveBench(t, name, func(p *spec.Profile) { p.RecvBuf = 1000; p.Timestamps = false; p.AckDelay = 0 })
		b.in(spec.ACK, 5001, 1001, 1000) // fills the window
		b.wantSegs(". 1001 6001 0")
		if b.conn().rcvWnd(b.h) != 0 {
			t.Fatal("window not closed")
		}
		b.in(spec.FIN|spec.ACK, 6001, 1001, 0)
		if name == "rfc9293" {
			b.wantSegs(". 1001 6001 0")
			b.wantState(spec.Established)
		} else {
			b.wantSegs(". 1001 6002 0")
			b.wantState(spec.CloseWait)
		}
	}
}

// R7323-PAWS, R7323-PAWS-RST, R7323-TS-MISSING, R7323-TS-EVERY,
// R7323-TSRECENT.
func TestR7323_Timestamps(t *testing.T) {
	b := newBench(t, "rfc9293")
	b.listen()
	ts := func(v uint32) spec.Options { return spec.Options{HasTS: true, TS: spec.Timestamp{Val: v}} }
	b.inSeg(spec.Segment{Flags: spec.SYN, Seq: 5000, Wnd: 1000, Opts: ts(100)})
	if s := b.segs(); len(s) != 1 || !s[0].Opts.HasTS || s[0].Opts.TS.Ecr != 100 {
		t.Fatalf("SYN-ACK must echo the timestamp: %v", s)
	}
	b.inSeg(spec.Segment{Flags: spec.ACK, Seq: 5001, Ack: 1001, Wnd: 1000, Opts: ts(101)})
	b.mustCall(spec.Call{Kind: spec.CallAccept, FD: 3}, 4)
	if b.conn().TSRecent != 101 {
		t.Fatal("TS.Recent not updated")
	}
	b.inSeg(spec.Segment{Flags: spec.ACK, Seq: 5001, Ack: 1001, Wnd: 1000, Len: 10, Opts: ts(50)}) // old
	b.wantSegs(". 1001 5001 0")
	if b.conn().Unread != 0 {
		t.Fatal("PAWS must drop the segment")
	}
	b.inSeg(spec.Segment{Flags: spec.ACK, Seq: 5001, Ack: 1001, Wnd: 1000, Len: 10}) // no TS: dropped
	b.noSegs()
	if b.conn().Unread != 0 {
		t.Fatal("a segment without timestamps must be dropped (RFC 7323 §3.2)")
	}
	b.inSeg(spec.Segment{Flags: spec.RST, Seq: 5001, Opts: ts(1)}) // old TS on a RST: not PAWS-checked
	b.wantState(spec.Closed)
}

// AMB-SIMOPEN, R9293-A2: a simultaneous open completes at once when the
// crossing SYN,ACK is accepted, otherwise through the SYN,ACK retransmission.
func TestAMB_SimultaneousOpen(t *testing.T) {
	for _, name := range []string{"rfc9293", "linux"} {
		b := newBench(t, name, func(p *spec.Profile) { p.Timestamps = false })
		b.connectNonBlock()
		b.in(spec.SYN, 5000, 0, 0)
		b.wantSegs("S. 1000 5001 0")
		b.wantState(spec.SynReceived)
		b.in(spec.SYN|spec.ACK, 5000, 1001, 0)
		if name == "linux" {
			b.noSegs()
			b.wantState(spec.Established)
		} else {
			b.wantSegs(". 1001 5001 0")
			b.wantState(spec.SynReceived)
			b.advance(b.h.p.RTOInitial)
			b.wantSegs("S. 1000 5001 0")
			b.in(spec.ACK, 5001, 1001, 0)
			b.wantState(spec.Established)
		}
	}
}

// farBelow is an ACK value 70000 below our ISS+1, beyond MAX.SND.WND.
var farBelow = func() spec.Seq { s := spec.Seq(1001); return s - 70000 }()

// R5961-THROTTLE, OOWAckExemptFIN: inside the throttle interval an
// unacceptable FIN (a retransmission whose ACK was lost) is still answered
// where the profile exempts FINs (linux), and held back where only data is
// exempt (gvisor).
func TestR5961_ThrottleExemptsFIN(t *testing.T) {
	for _, tc := range []struct {
		profile string
		answer  bool
	}{{"linux", true}, {"gvisor", false}} {
		b := passiveBench(t, tc.profile)
		b.in(spec.ACK, 5001+200000, 1001, 0) // out of window: answered, the interval starts
		if len(b.segs()) != 1 {
			t.Fatalf("%s: first out-of-window ACK missing", tc.profile)
		}
		b.in(spec.FIN|spec.ACK, 4000, 1001, 0) // an old FIN, inside the interval
		if got := len(b.segs()) == 1; got != tc.answer {
			t.Errorf("%s: old FIN answered %t, want %t", tc.profile, got, tc.answer)
		}
		if !tc.answer && !b.fired("R5961-THROTTLE") {
			t.Errorf("%s: throttle not recorded", tc.profile)
		}
	}
}

// R5961-THROTTLE, R5961-ACK, ChallengeACKExempt: a data segment whose ACK
// fails the RFC 5961 §5 range check draws a challenge ACK. Inside the
// throttle interval the rfc9293 profile still answers it (data is exempt,
// as for out-of-window ACKs); Linux holds it back, because
// tcp_send_challenge_ack uses __tcp_oow_rate_limited, which exempts nothing.
func TestR5961_ChallengeAckExempt(t *testing.T) {
	for _, tc := range []struct {
		profile string
		answer  bool
	}{{"rfc9293", true}, {"linux", false}} {
		b := passiveBench(t, tc.profile)
		b.in(spec.RST, 5001+100, 0, 0) // a RST not at RCV.NXT: challenged, the interval starts
		if len(b.segs()) != 1 {
			t.Fatalf("%s: first challenge ACK missing", tc.profile)
		}
		b.in(spec.ACK, 5001, farBelow, 5) // data with an ACK far below SND.UNA, inside the interval
		if got := len(b.segs()) == 1; got != tc.answer {
			t.Errorf("%s: challenge for a data segment answered %t, want %t", tc.profile, got, tc.answer)
		}
		if !tc.answer && !b.fired("R5961-THROTTLE") {
			t.Errorf("%s: throttle not recorded", tc.profile)
		}
		if b.conn().Unread != 0 {
			t.Errorf("%s: data of a segment failing the ACK check was taken", tc.profile)
		}
	}
}

// R9293-RST-ABORT, R1122-INFORM, ResetErrnoCloseWait: a valid RST in
// CLOSE-WAIT leaves the profile's error pending. The peer had closed
// first, so reads see end-of-file either way; SO_ERROR and the next write
// report ECONNRESET under RFC 9293 and FreeBSD (tcp_do_segment), EPIPE
// under Linux (tcp_reset).
func TestR9293_RSTInCloseWaitErrno(t *testing.T) {
	for _, tc := range []struct {
		profile string
		want    spec.Errno
	}{{"rfc9293", spec.ECONNRESET}, {"freebsd", spec.ECONNRESET}, {"linux", spec.EPIPE}} {
		for _, viaWrite := range []bool{false, true} {
			b := passiveBench(t, tc.profile)
			b.in(spec.FIN|spec.ACK, 5001, 1001, 0)
			b.wantState(spec.CloseWait)
			b.in(spec.RST, 5002, 0, 0)
			b.wantState(spec.Closed)
			if !b.fired("R9293-RST-ABORT") {
				t.Fatalf("%s: R9293-RST-ABORT not applied", tc.profile)
			}
			b.mustCall(spec.Call{Kind: spec.CallRead, FD: 4, N: 10}, 0)
			if !viaWrite {
				b.mustCall(spec.Call{Kind: spec.CallGetsockopt, FD: 4, Opt: spec.OptError}, int64(tc.want))
				continue
			}
			if ret, err, _ := b.call(spec.Call{Kind: spec.CallWrite, FD: 4, N: 10}); ret != -1 || err != tc.want {
				t.Errorf("%s: write after the RST = %d %s, want -1 %s", tc.profile, ret, err, tc.want)
			}
		}
	}
}

// AMB-SYNFIN-STATE, SynFinDroppedAnyState: with SYN|FIN dropping on
// (FreeBSD net.inet.tcp.drop_synfin=1), FreeBSD drops a SYN|FIN in SYN-SENT
// and in TIME-WAIT too; Linux drops it only at a listener, so in SYN-SENT
// it is a simultaneous open's SYN and draws a SYN,ACK.
func TestAMB_SynFinDroppedAnyState(t *testing.T) {
	dropOn := func(p *spec.Profile) { p.SynFinDropped = true }
	for _, tc := range []struct {
		profile string
		dropped bool
	}{{"freebsd", true}, {"linux", false}} {
		b := newBench(t, tc.profile, dropOn)
		b.connectNonBlock()
		b.wantSegs(fmt.Sprintf("S %d 0", b.iss))
		b.in(spec.SYN|spec.FIN, b.irs, 0, 0)
		if got := len(b.segs()) == 0 && b.state() == spec.SynSent; got != tc.dropped {
			t.Errorf("%s: SYN|FIN in SYN-SENT dropped %t, want %t", tc.profile, got, tc.dropped)
		}
		if b.fired("AMB-SYNFIN-STATE") != tc.dropped {
			t.Errorf("%s: AMB-SYNFIN-STATE applied %t, want %t", tc.profile, !tc.dropped, tc.dropped)
		}
	}
	// TIME-WAIT: the SYN|FIN is dropped before the TIME-WAIT rules see it.
	b := passiveBench(t, "freebsd", dropOn)
	b.activeClose()
	b.wantState(spec.TimeWait)
	b.in(spec.SYN|spec.FIN, 9000, 0, 0)
	b.noSegs()
	b.wantState(spec.TimeWait)
	if !b.fired("AMB-SYNFIN-STATE") {
		t.Error("freebsd: SYN|FIN in TIME-WAIT not dropped by AMB-SYNFIN-STATE")
	}
}

// R7323-TSRECENT, R7323-PAWS, TSRecentAfterACK: a segment whose ACK is
// above SND.NXT carries TSval 5000. RFC 7323 §4.3 order (rfc9293) records
// it before the ACK is found invalid, so the next valid segment (TSval 200)
// fails PAWS; Linux (tcp_ack → tcp_replace_ts_recent after the ACK
// checks) keeps TS.Recent and takes the data.
func TestR7323_TSRecentAfterACK(t *testing.T) {
	for _, tc := range []struct {
		profile string
		recent  uint32
		taken   uint32
	}{{"rfc9293", 5000, 0}, {"linux", 101, 10}} {
		b := newBench(t, tc.profile)
		b.listen()
		ts := func(v uint32) spec.Options { return spec.Options{HasTS: true, TS: spec.Timestamp{Val: v}} }
		b.inSeg(spec.Segment{Flags: spec.SYN, Seq: 5000, Wnd: 1000, Opts: ts(100)})
		b.inSeg(spec.Segment{Flags: spec.ACK, Seq: 5001, Ack: 1001, Wnd: 1000, Opts: ts(101)})
		b.mustCall(spec.Call{Kind: spec.CallAccept, FD: 3}, 4)
		b.segs()
		b.inSeg(spec.Segment{Flags: spec.ACK, Seq: 5001, Ack: 2000, Wnd: 1000, Opts: ts(5000)}) // ACK above SND.NXT
		if got := b.conn().TSRecent; got != tc.recent {
			t.Errorf("%s: TS.Recent = %d after an invalid ACK, want %d", tc.profile, got, tc.recent)
		}
		b.inSeg(spec.Segment{Flags: spec.ACK, Seq: 5001, Ack: 1001, Wnd: 1000, Len: 10, Opts: ts(200)})
		if got := b.conn().Unread; got != tc.taken {
			t.Errorf("%s: %d octets taken from the next valid segment, want %d", tc.profile, got, tc.taken)
		}
		if (tc.taken == 0) != b.fired("R7323-PAWS") {
			t.Errorf("%s: R7323-PAWS applied %t", tc.profile, b.fired("R7323-PAWS"))
		}
	}
}
