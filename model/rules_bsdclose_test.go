package model

import (
	"fmt"
	"testing"

	"github.com/tcpclose/tcpclose/spec"
)

// The FreeBSD close rules (issue 13): each test runs the same exchange on
// the freebsd profile and on rfc9293 and checks that only the profile
// field makes the difference.

// AMB-ACK-FIN, AckCarriesFIN: in a simultaneous close the ACK of the
// peer's FIN resends our FIN (FreeBSD tcp_output), <SEQ=SND.NXT-1>; a
// challenge ACK (a SYN) carries none.
func TestAMB_AckCarriesFIN(t *testing.T) {
	for _, tc := range []struct {
		profile string
		want    string
	}{{"freebsd", "F. %d %d 0"}, {"rfc9293", ". %d %d 0"}} {
		b := passiveBench(t, tc.profile)
		b.mustCall(spec.Call{Kind: spec.CallShutdown, FD: b.fd, How: spec.ShutWR}, 0)
		b.wantSegs(fmt.Sprintf("F. %d %d 0", b.iss+1, b.irs+1))
		b.in(spec.FIN|spec.ACK, b.irs+1, b.iss+1, 0) // crosses ours: CLOSING
		b.wantState(spec.Closing)
		seq := b.iss + 2
		if tc.profile == "freebsd" {
			seq = b.iss + 1
		}
		b.wantSegs(fmt.Sprintf(tc.want, seq, b.irs+2))
		if b.fired("AMB-ACK-FIN") != (tc.profile == "freebsd") {
			t.Errorf("%s: AMB-ACK-FIN fired %t", tc.profile, !(tc.profile == "freebsd"))
		}
		b.advance(600 * 1e6)        // past the SYN throttle of earlier ACKs
		b.in(spec.SYN, b.irs, 0, 0) // a SYN: challenge ACK, never with FIN
		b.wantSegs(fmt.Sprintf(". %d %d 0", b.iss+2, b.irs+2))
	}
}

// AMB-TW-INPUT, TimeWaitNoSeqTest: FreeBSD's tcp_twcheck drops a FIN
// without ACK at any sequence number and acknowledges an in-window ACK
// that is not an exact duplicate; RFC 9293 acknowledges the first (step
// 1) and ignores the second.
func TestAMB_TimeWaitNoSeqTest(t *testing.T) {
	for _, tc := range []struct {
		profile string
		twcheck bool
	}{{"freebsd", true}, {"rfc9293", false}} {
		b := passiveBench(t, tc.profile)
		b.activeClose()
		b.in(spec.FIN, b.irs+70000, 0, 0) // no ACK, out of window
		if got := len(b.segs()) == 0; got != tc.twcheck {
			t.Errorf("%s: FIN without ACK dropped %t, want %t", tc.profile, got, tc.twcheck)
		}
		b.advance(600 * 1e6)
		b.in(spec.ACK, b.irs+3, b.iss+2, 0) // in window, not at RCV.NXT
		if got := len(b.segs()) == 1; got != tc.twcheck {
			t.Errorf("%s: non-duplicate ACK acknowledged %t, want %t", tc.profile, got, tc.twcheck)
		}
		b.in(spec.ACK, b.irs+2, b.iss+2, 0) // the exact duplicate ACK
		b.noSegs()
		b.wantState(spec.TimeWait)
		if b.fired("AMB-TW-INPUT") != tc.twcheck {
			t.Errorf("%s: AMB-TW-INPUT fired %t", tc.profile, !tc.twcheck)
		}
	}
}

// AMB-LISTEN-SYNACK, ListenSynAckDropped: a SYN,ACK at a listener draws
// nothing on FreeBSD head, <SEQ=SEG.ACK><CTL=RST> by RFC 9293 §3.10.7.2.
func TestAMB_ListenSynAckDropped(t *testing.T) {
	for _, tc := range []struct {
		profile string
		dropped bool
	}{{"freebsd", true}, {"rfc9293", false}} {
		b := newBench(t, tc.profile)
		b.listen()
		b.in(spec.SYN|spec.ACK, b.irs, 34, 0)
		if tc.dropped {
			b.noSegs()
		} else {
			b.wantSegs("R 34 0")
		}
		if b.fired("AMB-LISTEN-SYNACK") != tc.dropped {
			t.Errorf("%s: AMB-LISTEN-SYNACK fired %t", tc.profile, !tc.dropped)
		}
	}
}

// AMB-OLD-SEG-ACK, OldSegmentAckProcessed: the peer's last ACK sent with
// an old sequence number (RCV.NXT-1) still acknowledges our FIN on
// FreeBSD, so LAST-ACK ends; RFC 9293 answers it with an ACK and stays.
// In CLOSING a retransmitted FIN,ACK that acknowledges ours moves to
// TIME-WAIT, which sends the ACK.
func TestAMB_OldSegmentAckProcessed(t *testing.T) {
	for _, tc := range []struct {
		profile string
		acted   bool
	}{{"freebsd", true}, {"rfc9293", false}} {
		b := passiveBench(t, tc.profile)
		b.in(spec.FIN|spec.ACK, b.irs+1, b.iss+1, 0)
		b.wantState(spec.CloseWait)
		b.mustCall(spec.Call{Kind: spec.CallClose, FD: b.fd}, 0)
		b.wantState(spec.LastAck)
		b.in(spec.ACK, b.irs+1, b.iss+2, 0) // SEG.SEQ = RCV.NXT-1
		if tc.acted {
			b.noSegs()
			b.wantState(spec.Closed)
		} else {
			b.wantSegs(fmt.Sprintf(". %d %d 0", b.iss+2, b.irs+2))
			b.wantState(spec.LastAck)
		}
		if b.fired("AMB-OLD-SEG-ACK") != tc.acted {
			t.Errorf("%s: AMB-OLD-SEG-ACK fired %t", tc.profile, !tc.acted)
		}

		b = passiveBench(t, tc.profile)
		b.mustCall(spec.Call{Kind: spec.CallShutdown, FD: b.fd, How: spec.ShutWR}, 0)
		b.in(spec.FIN|spec.ACK, b.irs+1, b.iss+1, 0)
		b.wantState(spec.Closing)
		b.in(spec.FIN|spec.ACK, b.irs+1, b.iss+2, 0) // the FIN again, now acking ours
		b.wantSegs(fmt.Sprintf(". %d %d 0", b.iss+2, b.irs+2))
		want := spec.Closing
		if tc.acted {
			want = spec.TimeWait
		}
		b.wantState(want)
	}
}

// AMB-LISTEN-CLOSE, ListenCloseDropsEmbryonic: closing a listener with a
// half-open connection sends nothing on FreeBSD (a syncache entry), a RST
// on rfc9293 (ABORT in SYN-RECEIVED).
func TestAMB_ListenCloseDropsEmbryonic(t *testing.T) {
	for _, tc := range []struct {
		profile string
		silent  bool
	}{{"freebsd", true}, {"rfc9293", false}} {
		b := newBench(t, tc.profile)
		b.listen()
		b.in(spec.SYN, b.irs, 0, 0)
		b.wantState(spec.SynReceived)
		b.mustCall(spec.Call{Kind: spec.CallClose, FD: 3}, 0)
		b.wantState(spec.Closed)
		if got := len(b.segs()) == 0; got != tc.silent {
			t.Errorf("%s: listener close silent %t, want %t (%v)", tc.profile, got, tc.silent, b.segs())
		}
		if b.fired("AMB-LISTEN-CLOSE") != tc.silent {
			t.Errorf("%s: AMB-LISTEN-CLOSE fired %t", tc.profile, !tc.silent)
		}
	}
}
