package model

import (
	"testing"
	"time"

	"github.com/tcpclose/tcpclose/spec"
)

// R9293-MUST13, R1122-TIMEWAIT, R9293-TO-TW: TIME-WAIT lasts exactly
// 2×MSL: present 1 ns before the deadline, gone at it.
func TestR9293_MUST13_TimeWaitLasts2MSL(t *testing.T) {
	for _, name := range spec.ProfileNames() {
		b := passiveBench(t, name, func(p *spec.Profile) { p.Timestamps = false })
		b.activeClose()
		entered := b.now
		b.advanceTo(entered.Add(b.h.p.TimeWait - 1))
		b.wantState(spec.TimeWait)
		b.advanceTo(entered.Add(b.h.p.TimeWait))
		b.wantState(spec.Closed)
		b.noSegs()
	}
}

// R9293-SEG-ACK-TW, AMB-TW-FIN: a retransmitted FIN in TIME-WAIT is
// acknowledged and restarts the 2MSL timer, although it fails Table 6.
func TestR9293_RetransmittedFinRestartsTimeWait(t *testing.T) {
	for _, name := range []string{"rfc9293", "linux", "freebsd"} {
		b := passiveBench(t, name, func(p *spec.Profile) { p.Timestamps = false })
		b.activeClose()
		b.advance(10 * time.Second)
		b.in(spec.FIN|spec.ACK, 5001, 1002, 0)
		b.wantSegs(". 1002 5002 0")
		if got := b.conn().Timer[spec.TimerTimeWait]; got != b.now.Add(b.h.p.TimeWait) {
			t.Errorf("%s: 2MSL not restarted: %v", name, got)
		}
	}
}

// TWRestart on-ack (Linux): a bare ACK at RCV.NXT restarts the timer
// silently; RFC 9293 leaves the timer alone.
func TestR9293_TimeWaitBareAckRestartPolicy(t *testing.T) {
	for name, restart := range map[string]bool{"rfc9293": false, "linux": true} {
		b := passiveBench(t, name, func(p *spec.Profile) { p.Timestamps = false })
		b.activeClose()
		before := b.conn().Timer[spec.TimerTimeWait]
		b.advance(time.Second)
		b.in(spec.ACK, 5002, 1002, 0)
		b.noSegs()
		if got := b.conn().Timer[spec.TimerTimeWait] != before; got != restart {
			t.Errorf("%s: restarted=%v want %v", name, got, restart)
		}
	}
}

// R1337-TWA, R1337-F1, AMB-TW-RST, R9293-RST-LATE: a RST at RCV.NXT kills
// TIME-WAIT under rfc9293 and linux, is ignored under freebsd and gvisor
// (RFC 1337 F1), and an in-window non-exact RST draws a challenge ACK
// under rfc9293 but nothing under linux.
func TestR1337_RSTInTimeWait(t *testing.T) {
	cases := []struct {
		profile        string
		exactKills     bool
		inexactReplies bool
	}{
		{"rfc9293", true, true},
		{"linux", true, false},
		{"freebsd", false, false},
		{"gvisor", false, false},
		{"rfc793", true, false},
	}
	for _, c := range cases {
		b := passiveBench(t, c.profile, func(p *spec.Profile) { p.Timestamps = false })
		b.activeClose()
		b.in(spec.RST, 5002+10, 0, 0)
		if got := len(b.segs()) == 1; got != c.inexactReplies {
			t.Errorf("%s: in-window RST reply %v, want %v", c.profile, b.out, c.inexactReplies)
		}
		if c.profile == "rfc793" {
			b.wantState(spec.Closed) // RFC 793: any in-window RST is valid
			continue
		}
		b.wantState(spec.TimeWait)
		b.in(spec.RST, 5002, 0, 0)
		if got := b.state() == spec.Closed; got != c.exactKills {
			t.Errorf("%s: exact RST killed TIME-WAIT %v, want %v", c.profile, got, c.exactKills)
		}
	}
}

// listenAfterTimeWait prepares a host that is in TIME-WAIT on its
// listener's port, with the listener still open.
func listenAfterTimeWait(t *testing.T, profile string, mods ...func(*spec.Profile)) *bench {
	b := passiveBench(t, profile, mods...)
	b.activeClose() // the accepted connection, closed by us, is in TIME-WAIT; fd 3 still listens
	return b
}

// R9293-MAY2, R9293-MAY2-ISS, R6191-SEQ: a SYN above RCV.NXT reopens
// TIME-WAIT; the new ISS lies above the old SND.NXT.
func TestR9293_MAY2_ReopenBySeq(t *testing.T) {
	for _, name := range []string{"rfc9293", "linux", "freebsd"} {
		b := listenAfterTimeWait(t, name, func(p *spec.Profile) { p.Timestamps = false })
		b.in(spec.SYN, 9000, 0, 0)
		segs := b.segs()
		if len(segs) != 1 || segs[0].Flags != spec.SYN|spec.ACK {
			t.Fatalf("%s: no SYN,ACK: %v", name, b.out)
		}
		wantISS := spec.Seq(1002).Add(b.h.p.ReopenISSGap)
		if segs[0].Seq != wantISS || !segs[0].Seq.GT(1001) {
			t.Errorf("%s: ISS %d, want %d (above the old sequence space)", name, segs[0].Seq, wantISS)
		}
		b.wantState(spec.SynReceived)
	}
}

// R6191-DROP: a SYN that fails the test is dropped silently (rfc9293,
// freebsd); Linux answers with an ACK; smoltcp drops any bare SYN.
func TestR6191_OldSynInTimeWait(t *testing.T) {
	for name, replies := range map[string]bool{"rfc9293": false, "freebsd": false, "linux": true, "smoltcp": false} {
		b := listenAfterTimeWait(t, name, func(p *spec.Profile) { p.Timestamps = false })
		b.in(spec.SYN, 4000, 0, 0) // below RCV.NXT
		if got := len(b.segs()) == 1; got != replies {
			t.Errorf("%s: reply %v, want %v", name, b.out, replies)
		}
		b.wantState(spec.TimeWait)
	}
}

// R6191-TS, R9293-SHLD4: with timestamps, a newer TSval reopens even with a
// lower sequence number; an older one is dropped.
func TestR6191_TimestampReopen(t *testing.T) {
	b := newBench(t, "rfc9293")
	ts := func(v uint32) spec.Options { return spec.Options{HasTS: true, TS: spec.Timestamp{Val: v}} }
	b.listen()
	b.inSeg(spec.Segment{Flags: spec.SYN, Seq: 5000, Wnd: 9000, Opts: ts(100)})
	b.inSeg(spec.Segment{Flags: spec.ACK, Seq: 5001, Ack: 1001, Wnd: 9000, Opts: ts(101)})
	b.mustCall(spec.Call{Kind: spec.CallAccept, FD: 3}, 4)
	b.mustCall(spec.Call{Kind: spec.CallClose, FD: 4}, 0)
	b.inSeg(spec.Segment{Flags: spec.ACK, Seq: 5001, Ack: 1002, Wnd: 9000, Opts: ts(102)})
	b.inSeg(spec.Segment{Flags: spec.FIN | spec.ACK, Seq: 5001, Ack: 1002, Wnd: 9000, Opts: ts(103)})
	b.wantState(spec.TimeWait)
	b.inSeg(spec.Segment{Flags: spec.SYN, Seq: 100, Wnd: 9000, Opts: ts(99)}) // older: dropped
	b.noSegs()
	b.wantState(spec.TimeWait)
	b.inSeg(spec.Segment{Flags: spec.SYN, Seq: 100, Wnd: 9000, Opts: ts(200)}) // newer: reopens
	b.wantState(spec.SynReceived)
}

// R9293-MAY2-RETURN: if the reopening SYN proves an old duplicate (the
// peer answers our SYN,ACK with RST), TIME-WAIT comes back with its
// deadline; Linux does not do this.
func TestR9293_MAY2_ReturnToTimeWait(t *testing.T) {
	for name, back := range map[string]bool{"rfc9293": true, "linux": false} {
		b := listenAfterTimeWait(t, name, func(p *spec.Profile) { p.Timestamps = false })
		deadline := b.conn().Timer[spec.TimerTimeWait]
		b.in(spec.SYN, 9000, 0, 0)
		b.wantState(spec.SynReceived)
		b.in(spec.RST, 9001, 0, 0)
		if got := b.state() == spec.TimeWait; got != back {
			t.Fatalf("%s: back to TIME-WAIT %v, want %v", name, got, back)
		}
		if back && b.conn().Timer[spec.TimerTimeWait] != deadline {
			t.Fatalf("%s: deadline changed", name)
		}
	}
}

// AMB-REOPEN-NOLISTEN: without a listener a reopening SYN cannot be
// taken; TIME-WAIT stays.
func TestAMB_ReopenWithoutListener(t *testing.T) {
	b := listenAfterTimeWait(t, "rfc9293", func(p *spec.Profile) { p.Timestamps = false })
	b.mustCall(spec.Call{Kind: spec.CallClose, FD: 3}, 0)
	b.in(spec.SYN, 9000, 0, 0)
	b.wantState(spec.TimeWait)
	b.wantFired("AMB-REOPEN-NOLISTEN")
}

// R1122-TIMEWAIT, AMB-SOCKET-TW: bind(2) to a port held by TIME-WAIT needs
// SO_REUSEADDR (Linux: on both sockets); connect(2) to the same 4-tuple is
// refused, or (Linux, timestamps) takes TIME-WAIT over with a higher ISS.
func TestR1122_BindAndConnectOverTimeWait(t *testing.T) {
	type want struct{ bindPlain, bindReuse spec.Errno }
	for name, w := range map[string]want{
		"rfc9293": {spec.EADDRINUSE, spec.OK},
		"linux":   {spec.EADDRINUSE, spec.EADDRINUSE}, // the old socket lacked SO_REUSEADDR
	} {
		b := newBench(t, name, func(p *spec.Profile) { p.Timestamps = false })
		b.activeOpen()
		b.activeClose()
		bind := func(reuse bool) spec.Errno {
			b.mustCall(spec.Call{Kind: spec.CallSocket}, 3)
			if reuse {
				b.mustCall(spec.Call{Kind: spec.CallSetsockopt, FD: 3, Opt: spec.OptReuseAddr, Val: 1}, 0)
			}
			_, err, _ := b.call(spec.Call{Kind: spec.CallBind, FD: 3, Addr: spec.SockAddr{Port: 8080}})
			return err
		}
		if got := bind(false); got != w.bindPlain {
			t.Errorf("%s: plain bind %s, want %s", name, got, w.bindPlain)
		}
		b.mustCall(spec.Call{Kind: spec.CallClose, FD: 3}, 0)
		if got := bind(true); got != w.bindReuse {
			t.Errorf("%s: SO_REUSEADDR bind %s, want %s", name, got, w.bindReuse)
		}
		if w.bindReuse == spec.OK {
			_, err, _ := b.call(spec.Call{Kind: spec.CallConnect, FD: 3, Addr: b.peer})
			if err != spec.EADDRNOTAVAIL {
				t.Errorf("%s: connect over TIME-WAIT = %s, want EADDRNOTAVAIL", name, err)
			}
		}
	}
}

// R9293-MAY2-ISS: Linux's connect(2) over a TIME-WAIT that saw timestamps
// takes it over; the new ISS is old SND.NXT + 65537.
func TestR9293_ConnectTakesOverTimeWaitLinux(t *testing.T) {
	b := newBench(t, "linux")
	ts := spec.Options{HasTS: true, TS: spec.Timestamp{Val: 10}}
	b.mustCall(spec.Call{Kind: spec.CallSocket}, 3)
	b.mustCall(spec.Call{Kind: spec.CallSetsockopt, FD: 3, Opt: spec.OptReuseAddr, Val: 1}, 0)
	b.mustCall(spec.Call{Kind: spec.CallBind, FD: 3, Addr: spec.SockAddr{Port: 8080}}, 0)
	b.mustCall(spec.Call{Kind: spec.CallSetsockopt, FD: 3, Opt: spec.OptNonBlock, Val: 1}, 0)
	b.call(spec.Call{Kind: spec.CallConnect, FD: 3, Addr: b.peer})
	b.inSeg(spec.Segment{Flags: spec.SYN | spec.ACK, Seq: 5000, Ack: 1001, Wnd: 9000, Opts: ts})
	b.mustCall(spec.Call{Kind: spec.CallClose, FD: 3}, 0)
	b.inSeg(spec.Segment{Flags: spec.FIN | spec.ACK, Seq: 5001, Ack: 1002, Wnd: 9000, Opts: ts})
	b.wantState(spec.TimeWait)
	b.mustCall(spec.Call{Kind: spec.CallSocket}, 3)
	b.mustCall(spec.Call{Kind: spec.CallSetsockopt, FD: 3, Opt: spec.OptReuseAddr, Val: 1}, 0)
	b.mustCall(spec.Call{Kind: spec.CallBind, FD: 3, Addr: spec.SockAddr{Port: 8080}}, 0)
	b.call(spec.Call{Kind: spec.CallConnect, FD: 3, Addr: b.peer})
	if s := b.segs(); len(s) != 1 || s[0].Flags != spec.SYN || s[0].Seq != spec.Seq(1002+65537) {
		t.Fatalf("want SYN with ISS old SND.NXT+65537: %v", b.out)
	}
}

// R9293-MUST13 (MaxTimeWait): over the cap, the connection skips
// TIME-WAIT and the overflow is counted (Linux tcp_max_tw_buckets).
func TestR9293_TimeWaitCap(t *testing.T) {
	b := newBench(t, "linux", func(p *spec.Profile) { p.MaxTimeWait = 0 })
	_ = b
	b = passiveBench(t, "linux", func(p *spec.Profile) { p.Timestamps = false; p.MaxTimeWait = 1 })
	b.activeClose()
	// A second connection from another peer port.
	b.peer.Port++
	b.in(spec.SYN, 5000, 0, 0)
	b.in(spec.ACK, 5001, 1001, 0)
	b.mustCall(spec.Call{Kind: spec.CallAccept, FD: 3}, 4)
	b.mustCall(spec.Call{Kind: spec.CallClose, FD: 4}, 0)
	b.in(spec.FIN|spec.ACK, 5001, 1002, 0)
	b.wantSegs(". 1002 5002 0")
	b.wantState(spec.Closed)
	if b.h.Snapshot().TimeWaitOverflow != 1 {
		t.Fatal("overflow not counted")
	}
}

// AMB-SOCKET-TW: a socket that half-closed and then saw the peer's FIN is
// detached when TIME-WAIT begins: reads drain then EOF, writes EPIPE, the
// socket shows CLOSED, shutdown is ENOTCONN.
func TestAMB_SocketDetachesAtTimeWait(t *testing.T) {
	b := passiveBench(t, "rfc9293", func(p *spec.Profile) { p.Timestamps = false })
	b.mustCall(spec.Call{Kind: spec.CallShutdown, FD: 4, How: spec.ShutWR}, 0)
	b.in(spec.ACK, 5001, 1002, 0)
	b.in(spec.FIN|spec.ACK, 5001, 1002, 30)
	b.wantState(spec.TimeWait)
	b.mustCall(spec.Call{Kind: spec.CallGetsockopt, FD: 4, Opt: spec.OptState}, int64(spec.Closed))
	b.mustCall(spec.Call{Kind: spec.CallRead, FD: 4, N: 100}, 30)
	b.mustCall(spec.Call{Kind: spec.CallRead, FD: 4, N: 100}, 0)
	ret, err, _ := b.call(spec.Call{Kind: spec.CallShutdown, FD: 4, How: spec.ShutWR})
	if ret != -1 || err != spec.ENOTCONN {
		t.Fatalf("shutdown in TIME-WAIT = %d %s, want ENOTCONN", ret, err)
	}
}
