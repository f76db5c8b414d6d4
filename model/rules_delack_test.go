package model

import (
	"fmt"
	"testing"
	"time"

	"github.com/tcpclose/tcpclose/spec"
)

// R9293-SHLD18, R9293-MUST40, AMB-DELACK-FIN: under the linux profile the
// ACK of a FIN received in ESTABLISHED waits AckDelay (pingpong mode,
// FinPingpong), and a close() within it sends a FIN that carries the ACK:
// the close takes three segments. rfc9293 acknowledges at once.
func TestR9293_SHLD18_DelayedFinAck(t *testing.T) {
	// Right after the handshake no delay has been learnt yet (Linux:
	// icsk_ack.ato is 0, the timer fires within a jiffy): at once.
	b := passiveBench(t, "linux")
	b.in(spec.FIN|spec.ACK, 5001, 1001, 0)
	b.wantSegs(". 1001 5002 0")

	b = passiveBench(t, "linux")
	b.in(spec.ACK, 5001, 1001, 10) // the first text: a quick ACK, and the delay is AckDelay
	b.wantSegs(". 1001 5011 0")
	b.in(spec.FIN|spec.ACK, 5011, 1001, 0)
	b.noSegs()
	b.wantState(spec.CloseWait)
	if !b.fired("AMB-DELACK-FIN") || !b.fired("R9293-SHLD18") {
		t.Fatal("delayed ACK of the FIN not recorded")
	}
	b.advance(b.h.p.AckDelay - time.Millisecond)
	b.noSegs()
	b.advance(time.Millisecond)
	b.wantSegs(". 1001 5012 0") // R9293-MUST40: within the delay
	if b.conn().Pingpong {
		t.Fatal("a delayed ACK that timed out ends pingpong mode")
	}

	b = passiveBench(t, "linux")
	b.in(spec.ACK, 5001, 1001, 10)
	b.mustCall(spec.Call{Kind: spec.CallRead, FD: 4, N: 100}, 10)
	b.in(spec.FIN|spec.ACK, 5011, 1001, 0)
	b.noSegs()
	b.advance(10 * time.Millisecond)
	b.mustCall(spec.Call{Kind: spec.CallClose, FD: 4}, 0)
	b.wantSegs("F. 1001 5012 0") // our FIN carries the ACK
	b.advance(time.Second)
	if ss := b.segs(); len(ss) != 0 && ss[0].Flags == spec.ACK {
		t.Fatalf("the delayed ACK went out after the FIN carried it: %v", ss)
	}

	b = passiveBench(t, "rfc9293")
	b.in(spec.FIN|spec.ACK, 5001, 1001, 0)
	b.wantSegs(". 1001 5002 0")
}

// R9293-SHLD19, R1122-DELACK-QUICK: the first QuickAcks segments of text
// are acknowledged at once; after that one segment waits, and the second
// full-sized one is acknowledged at once. After an idle RTO the quick
// ACKs come back.
func TestR9293_SHLD19_AckEverySecondSegment(t *testing.T) {
	b := passiveBench(t, "linux", func(p *spec.Profile) { p.QuickAcks = 2 })
	mss := uint32(b.conn().SendMSS)
	seq := spec.Seq(5001)
	data := func() {
		b.in(spec.ACK, seq, 1001, mss)
		seq = seq.Add(mss)
	}
	data()
	b.wantSegs(fmt.Sprintf(". 1001 %d 0", uint32(seq)))
	data()
	b.wantSegs(fmt.Sprintf(". 1001 %d 0", uint32(seq)))
	if !b.fired("R1122-DELACK-QUICK") {
		t.Fatal("quick ACKs not recorded")
	}
	data()
	b.noSegs()
	data()
	b.wantSegs(fmt.Sprintf(". 1001 %d 0", uint32(seq))) // two full segments unacknowledged
	if !b.fired("R9293-SHLD19") {
		t.Fatal("SHLD-19 not recorded")
	}
	data()
	b.noSegs()
	b.advance(b.h.p.AckDelay)
	b.wantSegs(fmt.Sprintf(". 1001 %d 0", uint32(seq)))
	b.advance(2 * b.conn().RTO)
	data()
	b.wantSegs(fmt.Sprintf(". 1001 %d 0", uint32(seq))) // quick again after idle
}

// AMB-QUICKACK-OPT: TCP_QUICKACK 1 sends a delayed ACK at once and leaves
// pingpong mode; 0 enters it, and getsockopt reads the mode back.
func TestAMB_QuickAckOption(t *testing.T) {
	b := passiveBench(t, "linux")
	b.in(spec.ACK, 5001, 1001, 10)
	b.mustCall(spec.Call{Kind: spec.CallRead, FD: 4, N: 100}, 10)
	b.in(spec.FIN|spec.ACK, 5011, 1001, 0)
	b.noSegs()
	b.mustCall(spec.Call{Kind: spec.CallGetsockopt, FD: 4, Opt: spec.OptQuickAck}, 0)
	b.mustCall(spec.Call{Kind: spec.CallSetsockopt, FD: 4, Opt: spec.OptQuickAck, Val: 1}, 0)
	b.wantSegs(". 1001 5012 0")
	b.mustCall(spec.Call{Kind: spec.CallGetsockopt, FD: 4, Opt: spec.OptQuickAck}, 1)
	b.advance(time.Second)
	b.noSegs()
}

// R6298-SYN-FALLBACK: a SYN that timed out leaves no RTT sample (Karn),
// so data transfer starts with an RTO of 3 s, not the backed-off 2 s.
func TestR6298_SYN_FALLBACK(t *testing.T) {
	for _, fallback := range []bool{true, false} {
		b := newBench(t, "rfc9293", func(p *spec.Profile) { p.Timestamps = false; p.SynTimeoutFallback = fallback })
		b.connectNonBlock()
		b.advance(time.Second)
		b.wantSegs("S 1000 0")
		b.in(spec.SYN|spec.ACK, 5000, 1001, 0)
		want := 2 * time.Second
		if fallback {
			want = 3 * time.Second
		}
		if c := b.conn(); c.HaveRTT || c.RTO != want {
			t.Fatalf("fallback %t: RTO %v (sample %t), want %v", fallback, c.RTO, c.HaveRTT, want)
		}
		if fallback != b.fired("R6298-SYN-FALLBACK") {
			t.Fatalf("fallback %t: rule fired %t", fallback, !fallback)
		}
	}
}

// AMB-RTO-FORMULA, R6298-GRANULARITY: Linux adds RTOMin to SRTT and rounds
// up to whole jiffies; RFC 6298 floors SRTT + 4·RTTVAR at RTOMin.
func TestAMB_RTOFormula(t *testing.T) {
	for _, f := range []spec.RTOFormula{spec.RTOFormulaRFC6298, spec.RTOFormulaLinux} {
		b := newBench(t, "linux", func(p *spec.Profile) { p.Timestamps = false; p.RTOFormula = f })
		b.connectNonBlock()
		b.advance(10*time.Millisecond + 500*time.Microsecond)
		b.in(spec.SYN|spec.ACK, 5000, 1001, 0)
		// SRTT 10.5 ms, RTTVAR 5.25 ms: RFC max(200, 31.5) = 200 ms; Linux
		// 10.5 + max(21, 200) = 210.5 ms, rounded up to 212 ms (53 jiffies).
		want := 200 * time.Millisecond
		if f == spec.RTOFormulaLinux {
			want = 212 * time.Millisecond
		}
		if got := b.conn().RTO; got != want {
			t.Fatalf("%s: RTO %v, want %v", f, got, want)
		}
	}
}

// AMB-SYN-LINEAR: Linux's first SynLinearTimeouts SYN retransmissions keep
// the RTO; then it doubles. The open gives up after SynR2 + SynLinearTimeouts
// (AMB-SYN-LINEAR-R2, TestAMB_SynLinearR2).
func TestAMB_SynLinearTimeouts(t *testing.T) {
	b := newBench(t, "linux")
	b.connectNonBlock()
	var at []time.Duration
	linear := 0
	for now := time.Duration(0); now < 20*time.Second; now += time.Millisecond * 250 {
		b.advance(250 * time.Millisecond)
		if len(b.segs()) > 0 {
			at = append(at, now+250*time.Millisecond)
		}
		if b.fired("AMB-SYN-LINEAR") {
			linear++
		}
	}
	want := fmt.Sprint([]time.Duration{1e9, 2e9, 3e9, 4e9, 5e9, 7e9, 11e9, 19e9})
	if fmt.Sprint(at) != want {
		t.Fatalf("SYN retransmissions at %v, want %v", at, want)
	}
	if linear != b.h.p.SynLinearTimeouts {
		t.Fatalf("AMB-SYN-LINEAR recorded %d times, want %d", linear, b.h.p.SynLinearTimeouts)
	}
}

// AMB-SYN-LINEAR-R2: Linux 6.18 (net/ipv4/tcp_timer.c tcp_write_timeout)
// gives a connect up after tcp_syn_retries + tcp_syn_linear_timeouts = 10
// retransmissions, at the eleventh expiry: 1+1+1+1+1+2+4+8+16+32+64 = 131 s.
// The time bound (retransmits_timed_out with tcp_model_timeout(6, 1 s) =
// 127 s) is not earlier at the defaults.
func TestAMB_SynLinearR2(t *testing.T) {
	b := newBench(t, "linux")
	b.mustCall(spec.Call{Kind: spec.CallSocket}, 3)
	b.mustCall(spec.Call{Kind: spec.CallBind, FD: 3, Addr: spec.SockAddr{Port: 8080}}, 0)
	b.call(spec.Call{Kind: spec.CallConnect, FD: 3, Addr: b.peer})
	syns, extra := 1, 0
	for b.state() == spec.SynSent {
		b.advanceTo(b.h.NextDeadline())
		syns += len(b.segs())
		if b.fired("AMB-SYN-LINEAR-R2") {
			extra++
		}
	}
	if want := 1 + b.h.p.SynR2 + b.h.p.SynLinearTimeouts; syns != want || b.now != spec.Time(131*time.Second) {
		t.Fatalf("%d SYNs, gave up at %v; want %d SYNs, 131 s", syns, b.now, want)
	}
	if extra == 0 {
		t.Fatal("AMB-SYN-LINEAR-R2 not recorded")
	}
	if res := b.out[len(b.out)-1]; res.Kind != spec.OutResult || res.Err != spec.ETIMEDOUT {
		t.Fatalf("connect must fail with ETIMEDOUT: %v", b.out)
	}
}

// AMB-SYN-LINEAR-R2, the time bound: with tcp_syn_retries = 1 Linux gives
// up once tcp_model_timeout(1, 1 s) = 3 s have passed since the first SYN
// (retransmits_timed_out), before the count 1 + 4 is reached: SYNs at 0,
// 1 and 2 s, ETIMEDOUT at 3 s (Linux 6.18 measured 3.08 s).
func TestAMB_SynLinearR2TimeBound(t *testing.T) {
	b := newBench(t, "linux", func(p *spec.Profile) { p.SynR2 = 1 })
	b.mustCall(spec.Call{Kind: spec.CallSocket}, 3)
	b.mustCall(spec.Call{Kind: spec.CallBind, FD: 3, Addr: spec.SockAddr{Port: 8080}}, 0)
	b.call(spec.Call{Kind: spec.CallConnect, FD: 3, Addr: b.peer})
	syns := 1
	for b.state() == spec.SynSent {
		b.advanceTo(b.h.NextDeadline())
		syns += len(b.segs())
	}
	if syns != 3 || b.now != spec.Time(3*time.Second) {
		t.Fatalf("%d SYNs, gave up at %v; want 3 SYNs, 3 s", syns, b.now)
	}
	for _, tc := range []struct {
		r2   int
		want time.Duration
	}{{1, 3 * time.Second}, {6, 127 * time.Second}, {8, 367 * time.Second}, {-1, 0}} {
		p := spec.MustProfile("linux")
		p.SynR2 = tc.r2
		if got := p.SynGiveUpTime(); got != tc.want {
			t.Errorf("SynGiveUpTime with SynR2 %d = %v, want %v", tc.r2, got, tc.want)
		}
	}
}

// passiveOpenSack is passiveOpen with a peer that offers SACK, which the
// loss probe needs.
func (b *bench) passiveOpenSack() {
	b.t.Helper()
	b.listen()
	b.inSeg(spec.Segment{Flags: spec.SYN, Seq: b.irs, Wnd: 65535, Opts: spec.Options{SackOK: true}})
	b.advance(10 * time.Millisecond)
	b.in(spec.ACK, b.irs+1, b.iss+1, 0)
	b.wantState(spec.Established)
	b.mustCall(spec.Call{Kind: spec.CallAccept, FD: 3}, 4)
	b.fd, b.lfd = 4, 3
}

// R8985-TLP, R8985-TLP-RTO: a lone FIN is probed after 2·SRTT plus the
// delayed-ACK allowance (never later than the RTO); the probe neither
// backs off the RTO nor counts as a retransmission, and the RTO comes a
// full RTO after the probe. Without SACK there is no probe.
func TestR8985_TLP_LoneFIN(t *testing.T) {
	b := newBench(t, "linux", func(p *spec.Profile) { p.Timestamps = false })
	b.passiveOpenSack()
	c := b.conn()
	rto := c.RTO // SRTT 10 ms: 10 + 200 = 212 ms in jiffies? 210 ms exactly
	pto := min(b.h.p.Ticks(2*c.SRTT)+b.h.p.LossProbeAllowance, rto)
	b.mustCall(spec.Call{Kind: spec.CallClose, FD: 4}, 0)
	b.wantSegs("F. 1001 5001 0")
	if !c.ProbeArmed || c.Timer[spec.TimerRetransmit] != b.now.Add(pto) {
		t.Fatalf("probe not armed at PTO %v (RTO %v): %v", pto, rto, c.Timer[spec.TimerRetransmit].Sub(b.now))
	}
	b.advance(pto)
	b.wantSegs("F. 1001 5001 0")
	if c.Retrans != 0 || c.RTO != rto || !b.fired("R8985-TLP-RTO") {
		t.Fatalf("after the probe: retrans %d RTO %v (was %v)", c.Retrans, c.RTO, rto)
	}
	b.advance(rto - time.Nanosecond)
	b.noSegs()
	b.advance(time.Nanosecond)
	b.wantSegs("F. 1001 5001 0") // the RTO: now it backs off
	if c.Retrans != 1 || c.RTO != 2*rto {
		t.Fatalf("after the RTO: retrans %d RTO %v", c.Retrans, c.RTO)
	}

	b = newBench(t, "linux", func(p *spec.Profile) { p.Timestamps = false })
	b.passiveOpen() // no SACK: no probe
	b.mustCall(spec.Call{Kind: spec.CallClose, FD: 4}, 0)
	if b.conn().ProbeArmed {
		t.Fatal("probe armed without SACK")
	}
}

// R8985-TLP: with several segments in flight the probe resends the last
// one, after 2·SRTT plus two ticks.
func TestR8985_TLP_TailData(t *testing.T) {
	b := newBench(t, "linux", func(p *spec.Profile) { p.Timestamps = false })
	b.passiveOpenSack()
	c := b.conn()
	mss := uint32(c.SendMSS)
	b.mustCall(spec.Call{Kind: spec.CallWrite, FD: 4, N: int64(2*mss + 100)}, int64(2*mss+100))
	if len(b.segs()) != 3 {
		t.Fatalf("want three segments, got %v", b.segs())
	}
	pto := b.h.p.Ticks(2*c.SRTT) + 2*b.h.p.TimerGranularity
	b.advance(pto)
	b.wantSegs(fmt.Sprintf(". %d 5001 100", 1001+2*mss))
}

// R6298-RTTM, R6298-KARN: after a retransmission, an ACK echoing the
// retransmission's timestamp gives an RTT sample where the profile takes
// samples from timestamps; without timestamps Karn's rule leaves the
// backed-off RTO.
func TestR6298_RTTMAfterRetransmission(t *testing.T) {
	for _, ts := range []bool{true, false} {
		b := newBench(t, "rfc9293")
		b.listen()
		syn := spec.Segment{Flags: spec.SYN, Seq: b.irs, Wnd: 65535}
		if ts {
			syn.Opts = spec.Options{HasTS: true, TS: spec.Timestamp{Val: 7}}
		}
		b.inSeg(syn)
		ack := spec.Segment{Flags: spec.ACK, Seq: b.irs + 1, Ack: b.iss + 1, Wnd: 65535}
		if ts {
			ack.Opts = spec.Options{HasTS: true, TS: spec.Timestamp{Val: 8, Ecr: spec.TSClock(b.now)}}
		}
		b.inSeg(ack)
		b.mustCall(spec.Call{Kind: spec.CallAccept, FD: 3}, 4)
		b.mustCall(spec.Call{Kind: spec.CallClose, FD: 4}, 0)
		b.advance(b.conn().RTO)
		b.wantSegs("F. 1001 5001 0")
		backedOff := b.conn().RTO
		b.advance(50 * time.Millisecond)
		fin := spec.Segment{Flags: spec.ACK, Seq: b.irs + 1, Ack: b.iss + 2, Wnd: 65535}
		if ts {
			fin.Opts = spec.Options{HasTS: true, TS: spec.Timestamp{Val: 9, Ecr: spec.TSClock(b.now.Add(-50 * time.Millisecond))}}
		}
		b.inSeg(fin)
		c := b.conn()
		if ts && (c.SRTT == 0 || c.RTO == backedOff || !b.fired("R6298-RTTM")) {
			t.Fatalf("timestamps: no sample from the echo (SRTT %v RTO %v)", c.SRTT, c.RTO)
		}
		if !ts && c.RTO != backedOff {
			t.Fatalf("no timestamps: Karn keeps the backed-off RTO %v, got %v", backedOff, c.RTO)
		}
	}
}

// R9293-SYNSENT-TEXT: text on the SYN of a simultaneous open is kept and
// delivered on ESTABLISHED where the profile queues it (rfc9293), and
// discarded by Linux.
func TestR9293_SynSentText(t *testing.T) {
	for _, prof := range []string{"rfc9293", "linux"} {
		b := newBench(t, prof, func(p *spec.Profile) { p.Timestamps = false; p.AckDelay = 0 })
		b.connectNonBlock()
		b.in(spec.SYN, 5000, 0, 10)
		b.wantSegs("S. 1000 5001 0")
		b.in(spec.ACK, 5001, 1001, 0)
		b.wantState(spec.Established)
		if prof == "rfc9293" {
			b.wantSegs(". 1001 5011 0")
			b.mustCall(spec.Call{Kind: spec.CallRead, FD: 3, N: 100}, 10)
		} else {
			b.noSegs()
			if b.conn().RcvNxt != 5001 {
				t.Fatal("linux discards the SYN's text")
			}
		}
	}
}
