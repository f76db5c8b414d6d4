package impl

import "fmt"

// Mutant names a deliberate, realistic defect that a Stack can be built
// with (NewMutant, in the build with -tags mutants only), so that the
// property tests in package props can show that they catch it: a mutation
// test of the agreement and invariant properties. The zero value,
// MutantNone, is the correct implementation; every other value changes
// one decision in one place, guarded by s.mutant(m), which is constant
// false in the default build (mutant_off.go) and compares a per-Stack
// field under -tags mutants (mutant_on.go).
type Mutant uint8

// The mutants. Each comment says what the defective Stack does instead of
// the right thing.
const (
	// MutantNone is the correct implementation.
	MutantNone Mutant = iota
	// MutantTWNoRestartOnFIN: a retransmitted FIN in TIME-WAIT is
	// acknowledged but does not restart the 2MSL timer.
	MutantTWNoRestartOnFIN
	// MutantRSTAnyInWindow: under the exact RST check, any RST in the
	// receive window resets the connection (no challenge ACK).
	MutantRSTAnyInWindow
	// MutantNoRSTOnUnreadClose: close(2) with unread data closes with a
	// FIN instead of a RST.
	MutantNoRSTOnUnreadClose
	// MutantReopenFreshISS: a SYN reopening TIME-WAIT gets a fresh ISS
	// instead of one above the old incarnation's sequence space.
	MutantReopenFreshISS
	// MutantWindowEdgeOffByOne: the acceptability test checks
	// SEG.SEQ+SEG.LEN instead of SEG.SEQ+SEG.LEN-1 against the window, so
	// a segment ending exactly at RCV.NXT (all old) counts as acceptable.
	MutantWindowEdgeOffByOne
	// MutantCloseWaitToClosing: CLOSE in CLOSE-WAIT enters CLOSING
	// instead of LAST-ACK.
	MutantCloseWaitToClosing
	// MutantNoSynChallenge: an in-window SYN in a synchronized state is
	// dropped without the challenge ACK.
	MutantNoSynChallenge
	// MutantPAWSOnRST: the timestamp (PAWS) check is applied to RSTs,
	// silently dropping a RST whose TSval is older than TS.Recent.
	MutantPAWSOnRST
	// MutantFW2TimerNonOrphan: the FIN-WAIT-2 timer runs even while the
	// application still holds the socket, where the profile limits it
	// to orphans.
	MutantFW2TimerNonOrphan
	// MutantNoTimeWaitCap: the TIME-WAIT cap (MaxTimeWait) is not
	// enforced on entry to TIME-WAIT.
	MutantNoTimeWaitCap
	// MutantStaleAckWindow: the send window is taken from any acceptable
	// ACK, without the SND.WL1/SND.WL2 test, so a reordered old segment
	// shrinks it.
	MutantStaleAckWindow
	// MutantNoRTOBackoff: the retransmission timeout is not doubled after
	// a timeout.
	MutantNoRTOBackoff
	// MutantIgnorePeerMSS: the peer's MSS option is ignored; segments are
	// sized by our own MSS.
	MutantIgnorePeerMSS
	// MutantUserTimeoutNotRearmed: an ACK of new data does not restart
	// the user timeout.
	MutantUserTimeoutNotRearmed
	// MutantTimeWaitShort: TIME-WAIT is armed one nanosecond short of its
	// duration.
	MutantTimeWaitShort
	// MutantFINRetransmitAtSndNxt: a FIN alone at the head of the
	// retransmission queue is resent at SND.NXT instead of its own
	// sequence number.
	MutantFINRetransmitAtSndNxt
	// MutantAckAboveSndNxt: an ACK of data never sent is taken as
	// acknowledging up to SND.NXT's future, moving SND.UNA past SND.NXT.
	MutantAckAboveSndNxt
	// MutantTextAfterFIN: segment text arriving in CLOSE-WAIT, after the
	// peer's FIN, is delivered.
	MutantTextAfterFIN
	// MutantProbeBacksOff: the tail loss probe doubles the RTO as a
	// timeout does (RFC 8985 §7.3 rearms it unchanged).
	MutantProbeBacksOff
	// MutantDelAckNoSecondSegment: a delayed ACK waits even when two full
	// segments are unacknowledged (RFC 9293 SHLD-19).
	MutantDelAckNoSecondSegment
	// MutantFinAckAtOnce: the ACK of a FIN in ESTABLISHED is sent at once
	// where the profile delays it (FinPingpong).
	MutantFinAckAtOnce
	// MutantSynLinearForever: SYN retransmissions never back off where the
	// profile makes only the first SynLinearTimeouts linear.
	MutantSynLinearForever
	// MutantRTONotRounded: the Linux RTO formula is not rounded up to
	// whole timer ticks (TimerGranularity).
	MutantRTONotRounded
	// MutantSynTextDropped: text on a SYN in SYN-SENT is discarded where
	// the profile queues it (SynSentQueuesText).
	MutantSynTextDropped
	// MutantKarnWithoutTS: an ACK of retransmitted data gives an RTT
	// sample from the retransmission time even without timestamps.
	MutantKarnWithoutTS
	// MutantWindowUnscaled: with window scaling negotiated, the peer's
	// window field is taken in octets, without its shift (RFC 7323 §2.3).
	MutantWindowUnscaled
	// MutantWScaleUncapped: a Window Scale shift above 14 is used as sent,
	// not taken as 14 (RFC 7323 §2.3).
	MutantWScaleUncapped
	// MutantPeerEagerFree: an IPv6 host releases a peer's number as soon
	// as no connection holds it, even within a Step, so a connection
	// entering TIME-WAIT can leave an entry whose number goes to the
	// next new peer.
	MutantPeerEagerFree
	numMutants
)

var mutantNames = [...]string{
	"none", "tw-no-restart-on-fin", "rst-any-in-window", "no-rst-on-unread-close", "reopen-fresh-iss",
	"window-edge-off-by-one", "close-wait-to-closing", "no-syn-challenge", "paws-on-rst",
	"fw2-timer-non-orphan", "no-timewait-cap", "stale-ack-window", "no-rto-backoff", "ignore-peer-mss",
	"user-timeout-not-rearmed", "timewait-short", "fin-retransmit-at-snd-nxt", "ack-above-snd-nxt",
	"text-after-fin", "probe-backs-off", "delack-no-second-segment", "fin-ack-at-once", "syn-linear-forever",
	"rto-not-rounded", "syn-text-dropped", "karn-without-ts", "window-unscaled", "wscale-uncapped", "peer-eager-free",
}

func (m Mutant) String() string {
	if int(m) < len(mutantNames) {
		return mutantNames[m]
	}
	return fmt.Sprintf("Mutant(%d)", uint8(m))
}

// Mutants returns every mutant but MutantNone, in order.
func Mutants() []Mutant {
	ms := make([]Mutant, 0, numMutants-1)
	for m := MutantNone + 1; m < numMutants; m++ {
		ms = append(ms, m)
	}
	return ms
}
