package model

import (
	"fmt"
	"testing"
	"time"

	"github.com/tcpclose/tcpclose/spec"
)

// Linux behaviours that became profile fields in issue 13: each test runs
// the exchange on linux and rfc9293.

// AMB-NOACK-FIRST, NoACKDroppedFirst (Linux): a FIN without ACK below RCV.NXT in
// CLOSE-WAIT draws nothing on Linux, the step-1 ACK on rfc9293.
func TestAMB_NoACKDroppedFirstLinux(t *testing.T) {
	for _, tc := range []struct {
		profile string
		dropped bool
	}{{"linux", true}, {"rfc9293", false}} {
		b := passiveBench(t, tc.profile)
		b.in(spec.FIN|spec.ACK, b.irs+1, b.iss+1, 0)
		b.wantState(spec.CloseWait)
		b.advance(time.Second)
		b.in(spec.FIN, b.irs+1, 0, 0)
		if got := len(b.segs()) == 0; got != tc.dropped {
			t.Errorf("%s: FIN without ACK dropped silently %t, want %t", tc.profile, got, tc.dropped)
		}
		if b.fired("AMB-NOACK-FIRST") != tc.dropped {
			t.Errorf("%s: AMB-NOACK-FIRST fired %t", tc.profile, !tc.dropped)
		}
	}
}

// AMB-RST-AFTER-FIN, RSTBelowRcvNxtAfterFin: a RST at RCV.NXT-1 in
// CLOSE-WAIT resets the connection on Linux and is ignored on rfc9293.
func TestAMB_RSTBelowRcvNxtAfterFin(t *testing.T) {
	for _, tc := range []struct {
		profile string
		reset   bool
	}{{"linux", true}, {"rfc9293", false}} {
		b := passiveBench(t, tc.profile)
		b.in(spec.FIN|spec.ACK, b.irs+1, b.iss+1, 0)
		b.in(spec.RST, b.irs+1, 0, 0)
		want := spec.CloseWait
		if tc.reset {
			want = spec.Closed
		}
		b.wantState(want)
		if b.fired("AMB-RST-AFTER-FIN") != tc.reset {
			t.Errorf("%s: AMB-RST-AFTER-FIN fired %t", tc.profile, !tc.reset)
		}
	}
}

// AMB-ACK-BYTES-ACKED, ACKWindowBytesAcked: right after the handshake a
// FIN whose ACK is the ISS draws a challenge ACK on Linux (nothing has
// been acknowledged, so no old ACK is acceptable) and is taken on rfc9293.
func TestAMB_ACKWindowBytesAcked(t *testing.T) {
	for _, tc := range []struct {
		profile   string
		challenge bool
	}{{"linux", true}, {"rfc9293", false}} {
		b := passiveBench(t, tc.profile)
		b.in(spec.FIN|spec.ACK, b.irs+1, b.iss, 0)
		if tc.challenge {
			b.wantSegs(fmt.Sprintf(". %d %d 0", b.iss+1, b.irs+1))
			b.wantState(spec.Established)
		} else {
			b.wantSegs(fmt.Sprintf(". %d %d 0", b.iss+1, b.irs+2))
			b.wantState(spec.CloseWait)
		}
	}
}

// R9293-RST-SYNRCVD, ResetErrnoSynRcvdActive: a RST in a simultaneously
// opened SYN-RECEIVED leaves ECONNRESET on Linux, ECONNREFUSED on rfc9293.
func TestR9293_RSTSynRcvdActiveErrno(t *testing.T) {
	for _, tc := range []struct {
		profile string
		want    spec.Errno
	}{{"linux", spec.ECONNRESET}, {"rfc9293", spec.ECONNREFUSED}} {
		b := newBench(t, tc.profile)
		b.connectNonBlock()
		b.in(spec.SYN, b.irs, 0, 0)
		b.wantState(spec.SynReceived)
		b.in(spec.RST, b.irs+1, 0, 0)
		b.wantState(spec.Closed)
		b.mustCall(spec.Call{Kind: spec.CallGetsockopt, FD: 3, Opt: spec.OptError}, int64(tc.want))
	}
}
