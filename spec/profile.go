package spec

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"
)

// A Profile fixes every choice the RFCs leave open: each MAY, each SHOULD a
// stack may decline, and each place where the text is ambiguous. A profile is
// data; the model and the implementation read it and never fork on the
// profile's name. Every field is listed in Choices with the rules it settles,
// and every built-in profile cites the source of each of its values in Cite.
type Profile struct {
	Name        string
	Description string
	// Cite gives, per field name, the source of this profile's value
	// (an RFC section, kernel source, a stack's own test).
	Cite map[string]string

	// ---- Time-keeping -------------------------------------------------

	// TimeWait is how long TIME-WAIT lasts: 2×MSL (MUST-13).
	TimeWait time.Duration
	// RTOInitial, RTOMin and RTOMax bound the retransmission timer
	// (RFC 6298 §2).
	RTOInitial, RTOMin, RTOMax time.Duration
	// R1 and R2 count transmissions of the same segment (RFC 9293 §3.8.3);
	// SynR2 is R2 for a SYN or SYN-ACK. R2 < 0 means infinity.
	R1, R2, SynR2 int
	// SynAckR2 is R2 for the SYN,ACK of a passive open (SYN-RECEIVED
	// from LISTEN).
	SynAckR2 int
	// FinWait2Timeout ends FIN-WAIT-2 after this long; 0 means never (the
	// RFC has no such timer).
	FinWait2Timeout time.Duration
	// FinWait2OrphanOnly: the FIN-WAIT-2 timer runs only once the
	// application has closed the socket (Linux, gVisor); otherwise it runs
	// whenever FIN-WAIT-2 is entered.
	FinWait2OrphanOnly bool
	// TimeoutSendsRST: when the user timeout or R2 gives up on a
	// synchronized connection, a RST is sent.
	TimeoutSendsRST bool
	// FinWait2SendsRST: when the FIN-WAIT-2 timer ends a connection, a RST
	// is sent.
	FinWait2SendsRST bool

	// ---- Timers: RTO variants, loss probe, delayed ACK ------------------

	// RTOFormula is how the RTO follows from SRTT and RTTVAR.
	RTOFormula RTOFormula
	// TimerGranularity is the tick of the stack's timer clock: an RTO
	// computed under RTOFormula linux is rounded up to whole ticks, and a
	// stack driven on the wall clock may fire a timer up to
	// TimerSlack(d) late (Linux: one jiffy at HZ=250, and the timer
	// wheel's coarser levels for longer timers). 0 means exact.
	TimerGranularity time.Duration
	// SynLinearTimeouts: the first this many retransmissions of a SYN do
	// not back off the RTO (Linux tcp_syn_linear_timeouts); 0 means every
	// expiry doubles it (RFC 6298 §5.5).
	SynLinearTimeouts int
	// SynTimeoutFallback: after the SYN or SYN,ACK was retransmitted and
	// the handshake gave no RTT sample, data transfer starts with an RTO
	// of at least 3 s (RFC 6298 §5.7).
	SynTimeoutFallback bool
	// RTTFromTimestamps: with timestamps negotiated, an ACK of new data
	// gives an RTT sample from its TSecr even when the data was
	// retransmitted (RFC 7323 §4.1 RTTM, RFC 6298 §3); otherwise only
	// Karn's rule applies: no sample from a retransmitted segment.
	RTTFromTimestamps bool
	// LossProbe: a tail loss probe (RFC 8985 §7) is sent before the RTO
	// when the peer offered SACK: after 2·SRTT (plus LossProbeAllowance
	// when one segment is in flight, plus 2 ticks otherwise), never later
	// than the RTO, the last segment is sent again; the RTO is rearmed
	// without back-off. One probe per tail.
	LossProbe bool
	// LossProbeAllowance is what the probe timeout adds to 2·SRTT when a
	// single segment is in flight, for the peer's delayed ACK (Linux
	// TCP_RTO_MIN, 200 ms).
	LossProbeAllowance time.Duration
	// AckDelay is how long an ACK of in-order text or a FIN is delayed
	// once text has arrived (RFC 9293 §3.8.6.3 SHLD-18, RFC 1122 §4.2.3.2:
	// under 0.5 s); 0 means every segment is acknowledged at once. The
	// delay adapts as Linux's ato does (net/ipv4/tcp_input.c
	// tcp_event_data_recv): it starts at AckDelay with the first text,
	// follows the time between segments (halved towards it), doubles up to
	// the RTO when a delayed ACK times out outside pingpong mode, is capped
	// by AckDelayMax (and by SRTT, at least AckDelay), and is one timer
	// tick before any text has arrived.
	AckDelay time.Duration
	// AckDelayMax caps a delayed ACK (Linux TCP_DELACK_MAX).
	AckDelayMax time.Duration
	// QuickAcks is how many segments of text are acknowledged at once
	// after the handshake and after the connection was idle for an RTO,
	// before ACKs are delayed (Linux TCP_MAX_QUICKACKS).
	QuickAcks int
	// FinPingpong: the ACK of a FIN received in ESTABLISHED is delayed
	// even while quick ACKs remain, so that the application's own FIN
	// can carry it (Linux tcp_fin enters pingpong mode).
	FinPingpong bool

	// ---- SYN-SENT ---------------------------------------------------------

	// SynSentQueuesText: text on a SYN received in SYN-SENT (a
	// simultaneous open) is queued and delivered once ESTABLISHED is
	// reached (RFC 9293 §3.10.7.3); otherwise it is discarded and the
	// peer's retransmission delivers it.
	SynSentQueuesText bool

	// ---- Resets -------------------------------------------------------

	// RSTCheck is how a RST's sequence number is validated outside
	// SYN-SENT.
	RSTCheck RSTCheck
	// TimeWaitRST is what a RST does to TIME-WAIT.
	TimeWaitRST TimeWaitRST
	// RSTCarriesACK: RSTs we form ourselves on ABORT (and close with
	// unread data) carry ACK with RCV.NXT, as Linux's "R." does; the RFC
	// form is <SEQ=SND.NXT><CTL=RST>.
	RSTCarriesACK bool
	// AbortEntersTimeWait: after sending a RST on ABORT the TCB enters
	// TIME-WAIT (RFC 9293 Note 3 / §3.5.2) instead of CLOSED (§3.10.5).
	AbortEntersTimeWait bool

	// ---- SYN handling -------------------------------------------------

	// SynInSync is how a SYN arriving in a synchronized state (other than
	// a TIME-WAIT reopen) is answered.
	SynInSync SynPolicy
	// TimeWaitReopen is whether and how a SYN reopens a TIME-WAIT
	// connection (MAY-2, SHLD-4).
	TimeWaitReopen Reopen
	// ReopenISSGap: on reopen, ISS = old SND.NXT + ReopenISSGap, which is
	// above every sequence number the old incarnation used (MAY-2 (1)).
	// 0 means a fresh ISS from the ISN generator, which need not lie above
	// the old sequence space (MAY-2 (1) not met).
	ReopenISSGap uint32
	// ReopenReturnsToTimeWait: if the reopened connection is reset
	// (the SYN was an old duplicate), the TIME-WAIT state it replaced is
	// restored (MAY-2 (2)).
	ReopenReturnsToTimeWait bool
	// SynFinDropped: a segment carrying both SYN and FIN is dropped in
	// LISTEN.
	SynFinDropped bool
	// SynFinDroppedAnyState: where SynFinDropped is set, a segment with
	// both SYN and FIN is dropped in every state of a connection (SYN-SENT,
	// the synchronized states, TIME-WAIT), not only by a listener, as
	// FreeBSD's net.inet.tcp.drop_synfin does.
	SynFinDroppedAnyState bool
	// CloseSynSentSendsRST: close() in SYN-SENT sends a RST (the RFC
	// deletes the TCB silently).
	CloseSynSentSendsRST bool
	// EmbryonicRSTInWindow: in a passive SYN-RECEIVED any RST in the
	// window resets the half-open connection, without the RFC 5961 exact
	// test (Linux request sockets, tcp_check_req).
	EmbryonicRSTInWindow bool
	// EmbryonicSyn is how a passive SYN-RECEIVED answers a SYN.
	EmbryonicSyn EmbryonicSyn

	// ---- ACK handling -------------------------------------------------

	// ACKWindowCheck: RFC 5961 §5 blind-data-injection check (MAY-12).
	ACKWindowCheck bool
	// AckAboveSndNxt: what an ACK for data never sent does in the
	// synchronized states.
	AckAboveSndNxt AckAbove
	// OOWAckInterval rate-limits the ACKs sent in reply to unacceptable
	// segments and challenge ACKs (RFC 5961 §7): at most one per interval
	// per connection; segments with data are exempt (and FINs too where
	// OOWAckExemptFIN says so), SYNs never. 0 means no limit.
	OOWAckInterval time.Duration
	// OOWAckExemptFIN: an unacceptable segment carrying a FIN (typically
	// the peer retransmitting a FIN whose ACK was lost) is answered even
	// within OOWAckInterval, as data is. RFC 5961 §7 leaves the policy to
	// the implementation; Linux exempts every segment that occupies
	// sequence space but a SYN (tcp_oow_rate_limited).
	OOWAckExemptFIN bool
	// ChallengeACKExempt: challenge ACKs (RFC 5961 §3.2 for a RST not at
	// RCV.NXT, §4.2 for a SYN, §5.2 for an ACK out of range, and the ACK
	// answering an ACK above SND.NXT) get the same exemptions as ACKs to
	// unacceptable segments (data, and FINs per OOWAckExemptFIN). False:
	// every challenge ACK counts against OOWAckInterval, whatever the
	// segment carries (Linux tcp_send_challenge_ack calls
	// __tcp_oow_rate_limited, which has no exemption).
	ChallengeACKExempt bool
	// AckOutOfOrder: an acceptable segment that does not begin at RCV.NXT
	// is acknowledged at once (MAY-13).
	AckOutOfOrder bool
	// ZeroLenEdgeAcceptable: a zero-length segment with SEG.SEQ =
	// RCV.NXT+RCV.WND is acceptable (Table 6 says it is not).
	ZeroLenEdgeAcceptable bool

	// ---- TIME-WAIT ----------------------------------------------------

	// TimeWaitRestart is what restarts the 2MSL timer in TIME-WAIT.
	TimeWaitRestart TWRestart
	// ClosingStartsTimeWait: CLOSING → TIME-WAIT starts the 2MSL timer
	// (RFC 9293 step 5 for CLOSING does not say so).
	ClosingStartsTimeWait bool
	// MaxTimeWait caps the number of TIME-WAIT entries a host keeps; over
	// the cap the connection goes straight to CLOSED and the overflow is
	// counted (Linux tcp_max_tw_buckets). 0 means no cap.
	MaxTimeWait int

	// ---- Closing and half-duplex close ----------------------------------

	// RSTOnUnreadClose: close() while received data is unread sends RST
	// instead of FIN and discards the connection (SHLD-3, RFC 2525 §2.17).
	RSTOnUnreadClose bool
	// RSTOnDataAfterClose: data arriving after close() (the application
	// can no longer read it) deletes the connection and is answered with
	// RST (SHLD-3, RFC 2525 §2.16); otherwise it is acknowledged and
	// discarded.
	RSTOnDataAfterClose bool
	// CloseInFinWait is the RFC-level reply to CLOSE in FIN-WAIT-1/2.
	CloseInFinWait CloseReply

	// ---- Receiving ----------------------------------------------------

	// HoldOutOfOrder: segments beyond RCV.NXT are held for later
	// (SHLD-31); otherwise they are dropped.
	HoldOutOfOrder bool
	// HoldOutOfOrderFIN: an out-of-order FIN is held with its segment.
	HoldOutOfOrderFIN bool
	// MaxHeldRanges bounds the out-of-order ranges held.
	MaxHeldRanges int
	// RecvBuf is the receive buffer in octets; RCV.WND is what is free.
	RecvBuf uint32
	// SendBuf is the send buffer in octets (what write(2) may queue).
	SendBuf uint32
	// MSS is the MSS we announce and the largest segment we send, over
	// IPv4; an IPv6 host uses spec.IPv6HeaderExtra octets less
	// (HostConfig.HostProfile).
	MSS uint16

	// RSTFlushesReceive: a RST discards received data the application has
	// not read (RFC 9293 step 2: "all segment queues should be flushed");
	// otherwise read(2) returns that data before the error.
	RSTFlushesReceive bool
	// ResetErrnoCloseWait is the pending socket error a valid RST sets in
	// CLOSE-WAIT, when the peer had already closed (in every other
	// synchronized state it is ECONNRESET): Linux tcp_reset sets EPIPE,
	// FreeBSD tcp_do_segment ECONNRESET.
	ResetErrnoCloseWait Errno
	// ZeroWindowAcceptsFIN: a FIN with no data at RCV.NXT is accepted while
	// RCV.WND = 0 (Table 6 counts the FIN as an octet and refuses it).
	ZeroWindowAcceptsFIN bool
	// SimOpenSynAckAccepted: in SYN-RECEIVED reached by simultaneous open,
	// the peer's SYN,ACK (whose SYN lies just below RCV.NXT) is trimmed and
	// its ACK processed, instead of being unacceptable (RFC 9293 A.2).
	SimOpenSynAckAccepted bool

	// ---- Timestamps (RFC 7323) ------------------------------------------

	// Timestamps: we offer the Timestamps option on SYNs.
	Timestamps bool
	// TSMissingDrop: on a connection with timestamps, a non-RST segment
	// without the option is dropped (RFC 7323 §3.2 SHOULD).
	TSMissingDrop bool
	// TSRecentAfterACK: TS.Recent is updated only from a segment whose ACK
	// is accepted (SND.UNA =< SEG.ACK =< SND.NXT and within the RFC 5961
	// §5 range), not as soon as the segment passes the sequence test.
	// RFC 7323 §4.3 leaves the order open; Linux tcp_ack calls
	// tcp_replace_ts_recent only after its ACK checks.
	TSRecentAfterACK bool

	// ---- Window scaling (RFC 7323 §2) -------------------------------------

	// WindowScale: we offer the Window Scale option on our SYN, and on
	// our SYN,ACK when the peer's SYN carried it (RFC 7323 §2.2); windows
	// are scaled once both sides sent it.
	WindowScale bool
	// WindowShift is the shift we announce (our Rcv.Wind.Shift), 0-14: a
	// stack picks the smallest shift that lets its largest receive buffer
	// fit in 16 bits.
	WindowShift uint8
	// AcceptBeyondAdvertised: the acceptability test uses the receive
	// buffer's free space, even where the window we advertise is smaller
	// (capped at 65535 without scaling, rounded down by the shift);
	// otherwise the advertised window is RCV.WND.
	AcceptBeyondAdvertised bool
	// RecvBufRoundMSS: once the peer's MSS is known, the receive buffer
	// is rounded up to a multiple of the send MSS (FreeBSD tcp_mss), so
	// RecvBuf 65536 becomes 65700 with an MSS of 1460, 66240 with 1440.
	// A TIME-WAIT entry keeps no buffer: its window is RecvBuf's.
	RecvBufRoundMSS bool

	// ---- Sockets and host -----------------------------------------------

	// EphemeralLow and EphemeralHigh bound automatic port choice.
	EphemeralLow, EphemeralHigh uint16
	// BindTimeWaitNeedsBothReuse: bind(2) to a port held by TIME-WAIT
	// succeeds only if the old and the new socket both set SO_REUSEADDR;
	// otherwise the new socket's SO_REUSEADDR is enough.
	BindTimeWaitNeedsBothReuse bool
	// ConnectOverTimeWait is what connect(2) to a 4-tuple held by
	// TIME-WAIT does.
	ConnectOverTimeWait TWConnect
	// TimeWaitReuseAfter: automatic port choice may take over a TIME-WAIT
	// entry with timestamps that is at least this old (Linux tcp_tw_reuse);
	// 0 disables it.
	TimeWaitReuseAfter time.Duration
	// ListenBacklogDrop: a SYN for a listener whose queue is full is
	// dropped silently (otherwise it is answered with RST).
	ListenBacklogDrop bool

	// ---- FreeBSD close rules (issue 13) ---------------------------------

	// AckCarriesFIN: while our FIN is sent and not yet acknowledged, every
	// ACK the output routine sends (the ACK of data or of the peer's FIN,
	// the ACK answering an unacceptable segment) resends the FIN:
	// <SEQ=SND.NXT-1><ACK=RCV.NXT><CTL=FIN,ACK> (FreeBSD tcp_output: a
	// FIN already sent with snd_nxt == snd_max is sent again). Challenge
	// ACKs are formed apart and carry no FIN.
	AckCarriesFIN bool
	// TimeWaitNoSeqTest: TIME-WAIT makes no sequence test (FreeBSD
	// tcp_twcheck): after the RST, SYN|FIN and reopen checks a segment
	// without ACK is dropped silently, a FIN ending at RCV.NXT restarts
	// the 2MSL timer, and every segment but an exact duplicate ACK (a bare
	// ACK with SEG.SEQ = RCV.NXT and SEG.ACK = SND.NXT) is acknowledged.
	// SynInSync is not consulted in TIME-WAIT.
	TimeWaitNoSeqTest bool
	// ListenSynAckDropped: a SYN,ACK arriving at a listener is dropped
	// silently instead of drawing <SEQ=SEG.ACK><CTL=RST>.
	ListenSynAckDropped bool
	// OldSegmentAckProcessed: a segment wholly below RCV.NXT (an old
	// duplicate) is acknowledged and its text and FIN dropped, but its
	// ACK field is still processed ("keep on processing for RST or ACK",
	// Stevens vol. 2 p. 960), so it can take LAST-ACK to CLOSED and
	// CLOSING to TIME-WAIT; RFC 9293 step 1 drops the whole segment.
	OldSegmentAckProcessed bool
	// ListenCloseDropsEmbryonic: close(2) on a listener drops its
	// half-open (SYN-RECEIVED) connections silently, as a syncache entry
	// with no socket is; otherwise each is aborted with a RST. Completed
	// connections still queued for accept(2) are reset either way.
	ListenCloseDropsEmbryonic bool

	// ---- Linux behaviours without a field before issue 13 ---------------

	// RSTBelowRcvNxtAfterFin: after the peer's FIN (CLOSE-WAIT, CLOSING,
	// LAST-ACK) a RST at RCV.NXT-1 is valid (Linux tcp_reset_check, for
	// peers that send their RST with the FIN's sequence number).
	RSTBelowRcvNxtAfterFin bool
	// ACKWindowBytesAcked: where ACKWindowCheck is made, the range of
	// acceptable old ACKs is bounded by the octets acknowledged so far
	// (SND.UNA-ISS-1) as well as by MAX.SND.WND (Linux tcp_ack uses
	// min(max_window, bytes_acked)), so right after the handshake an ACK
	// of the ISS draws a challenge ACK.
	ACKWindowBytesAcked bool
	// ResetErrnoSynRcvdActive is the socket error a valid RST leaves in a
	// SYN-RECEIVED reached by a simultaneous open: RFC 9293 says
	// "connection refused" (ECONNREFUSED); Linux tcp_reset maps only
	// SYN-SENT to ECONNREFUSED and gives ECONNRESET.
	ResetErrnoSynRcvdActive Errno

	// ---- Receiving after a close (gVisor netstack, issue 13) ------------

	// ClosingChecksFirst: in FIN-WAIT-1 through LAST-ACK an acceptable
	// segment with ACK meets these checks before its ACK is processed
	// (gVisor rcv.go handleRcvdSegmentClosing; RFC 9293 processes the
	// ACK first, step 5): after the peer's FIN a segment starting beyond
	// RCV.NXT is dropped silently; an ACK above SND.NXT draws an ACK and
	// is dropped; once reading is closed (close, SHUT_RD or the peer's
	// FIN) text beyond RCV.NXT aborts the connection with
	// <SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK> outside CLOSE-WAIT and is
	// dropped whole in CLOSE-WAIT; after close() any new segment but a FIN
	// ending at RCV.NXT+1 aborts it (not in FIN-WAIT-1); a FIN at
	// RCV.NXT after the peer's FIN is taken again: RCV.NXT advances and
	// is acknowledged; and the ACK of our FIN moves FIN-WAIT-1, CLOSING
	// and LAST-ACK on only when the segment carrying it is taken in at
	// RCV.NXT (rcv.go consumeSegment), not when it is out of order, old,
	// or a second FIN.
	ClosingChecksFirst bool
	// NoACKDroppedFirst: in the synchronized states a segment without
	// ACK, SYN and RST is dropped before the sequence test, so an
	// unacceptable one draws no ACK (RFC 9293 §3.10.7.4 tests the
	// sequence number first).
	NoACKDroppedFirst bool
	// TimeWaitAckUnlessExact: TIME-WAIT drops a segment without ACK and
	// acknowledges, without rate limit or window test, every segment with
	// text or not starting at RCV.NXT; a segment at RCV.NXT without text
	// (a new FIN, an ACK above SND.NXT) draws nothing. The retransmitted
	// FIN still restarts the timer per TimeWaitRestart.
	TimeWaitAckUnlessExact bool
	// NoPAWS: RFC 7323 PAWS is not applied: a segment whose TSval is older
	// than TS.Recent is processed as if it carried none.
	NoPAWS bool
	// TextEdgeAcceptable: a segment with text or a FIN whose SEG.SEQ is
	// RCV.NXT+RCV.WND (RCV.WND > 0) is acceptable, its text trimmed to
	// nothing (Table 6 wants SEG.SEQ < RCV.NXT+RCV.WND).
	TextEdgeAcceptable bool
	// HeldFINNeedsText: an out-of-order FIN is held (HoldOutOfOrderFIN)
	// only on a segment with text; a bare one is acknowledged and dropped.
	HeldFINNeedsText bool
	// ShutdownUnreadRST: a shutdown(2) that leaves both directions shut
	// (SHUT_RDWR, or SHUT_RD and SHUT_WR in turn) while received data is
	// unread aborts the connection with a RST, as close() does under
	// RSTOnUnreadClose; the socket stays open.
	ShutdownUnreadRST bool
	// RSTCarriesTS: the RST a SYN-RECEIVED connection sends in
	// answer to an unacceptable ACK or a SYN carries the Timestamps option
	// when the connection negotiated it.
	RSTCarriesTS bool
	// WindowFromEveryACK: SND.WND is taken from every segment whose ACK is
	// processed, old ACKs included, without the SND.WL1/SND.WL2 test of
	// RFC 9293 §3.10.7.4 step 5.
	WindowFromEveryACK bool
}

// RTOFormula is how the RTO follows from SRTT and RTTVAR.
type RTOFormula uint8

// RTO formulas.
const (
	// RTOFormulaRFC6298: RTO = max(RTOMin, SRTT + max(G, 4·RTTVAR)),
	// at most RTOMax (RFC 6298 §2.3-2.5, G = 1 ms).
	RTOFormulaRFC6298 RTOFormula = iota
	// RTOFormulaLinux: RTO = SRTT + max(4·RTTVAR, RTOMin), rounded up to
	// whole TimerGranularity ticks, at most RTOMax (Linux tcp_set_rto,
	// __tcp_set_rto, usecs_to_jiffies).
	RTOFormulaLinux
)

// RSTCheck is the RST acceptability test.
type RSTCheck uint8

// RST acceptability tests.
const (
	// RSTInWindow: valid iff SEG.SEQ is in the receive window (RFC 793,
	// RFC 9293 §3.5.3).
	RSTInWindow RSTCheck = iota
	// RSTExact: valid iff SEG.SEQ = RCV.NXT; in window otherwise draws a
	// challenge ACK (RFC 5961 §3.2, RFC 9293 §3.10.7.4).
	RSTExact
)

// TimeWaitRST is what a RST does in TIME-WAIT.
type TimeWaitRST uint8

// TIME-WAIT RST policies.
const (
	// TWRSTCloses: a valid RST (by RSTCheck) closes TIME-WAIT (RFC 9293).
	TWRSTCloses TimeWaitRST = iota
	// TWRSTIgnored: every RST is ignored in TIME-WAIT (RFC 1337 F1).
	TWRSTIgnored
	// TWRSTExactOnly: a RST with SEG.SEQ = RCV.NXT closes TIME-WAIT; any
	// other RST is dropped silently, without a challenge ACK (Linux).
	TWRSTExactOnly
)

// SynPolicy answers a SYN in a synchronized state.
type SynPolicy uint8

// SYN policies.
const (
	// SynChallengeACK: challenge ACK, drop (RFC 5961 §4.2).
	SynChallengeACK SynPolicy = iota
	// SynRFC793: in-window SYN resets the connection (a RST is sent);
	// out-of-window SYN draws an ACK at step one.
	SynRFC793
	// SynChallengeIfACK: a SYN without ACK is dropped silently, before
	// the sequence test; a SYN with ACK draws a challenge ACK (smoltcp).
	SynChallengeIfACK
)

// Reopen is the TIME-WAIT reopen policy.
type Reopen uint8

// TIME-WAIT reopen policies.
const (
	// ReopenNever: a SYN in TIME-WAIT is answered per SynInSync.
	ReopenNever Reopen = iota
	// ReopenSeq: reopen when SEG.SEQ > RCV.NXT (RFC 1122 MAY-2 with the
	// BSD sequence test).
	ReopenSeq
	// ReopenRFC6191: reopen per RFC 6191 (timestamps first, then the
	// sequence test); otherwise drop the SYN silently.
	ReopenRFC6191
	// ReopenLinux: reopen when SEG.SEQ > RCV.NXT or the SYN's TSval is
	// newer than TS.Recent; otherwise answer with an ACK (Linux
	// tcp_timewait_state_process).
	ReopenLinux
)

// EmbryonicSyn answers a SYN arriving in a passive SYN-RECEIVED.
type EmbryonicSyn uint8

// Answers to a SYN in a passive SYN-RECEIVED.
const (
	// EmbryonicSynRFC: a retransmitted SYN fails the sequence test and
	// draws an ACK; another SYN in the window returns the connection to
	// LISTEN silently (RFC 9293 §3.10.7.4 steps 1 and 4).
	EmbryonicSynRFC EmbryonicSyn = iota
	// EmbryonicSynResend: a retransmitted SYN (SEG.SEQ = IRS) makes the
	// SYN,ACK go out again (rate-limited like out-of-window ACKs, counted
	// as a retransmission); another SYN in the window is answered with a
	// RST as for no connection and the half-open connection dropped
	// (Linux tcp_check_req).
	EmbryonicSynResend
)

// AckAbove is what an ACK of unsent data does.
type AckAbove uint8

// Policies for SEG.ACK > SND.NXT.
const (
	// AckAboveSendACK: send an ACK, drop (RFC 9293 §3.10.7.4 step 5).
	AckAboveSendACK AckAbove = iota
	// AckAboveDropInEstablished: drop silently in ESTABLISHED, send an ACK
	// in the other synchronized states (Linux before 2026).
	AckAboveDropInEstablished
	// AckAboveTextFirst: in ESTABLISHED the ACK field is ignored but the
	// segment's text and FIN are still processed and acknowledged; in the
	// other synchronized states send an ACK and drop (gVisor netstack,
	// which receives before it looks at the ACK).
	AckAboveTextFirst
)

// TWRestart says which segments restart the 2MSL timer.
type TWRestart uint8

// TIME-WAIT restart policies.
const (
	// TWRestartOnFIN: only a retransmitted FIN restarts it (RFC 9293 step
	// 8, BSD).
	TWRestartOnFIN TWRestart = iota
	// TWRestartOnACK: any segment with ACK that is not a reopening SYN
	// restarts it, and so does an unacceptable segment (Linux).
	TWRestartOnACK
)

// CloseReply is the RFC-level reply to a CLOSE in FIN-WAIT-1/2.
type CloseReply uint8

// CLOSE replies in FIN-WAIT-1/2 (RFC 9293 §3.10.4).
const (
	CloseReplyError CloseReply = iota // "error: connection closing"
	CloseReplyOK                      // "ok" (no second FIN)
)

// TWConnect is what connect(2) does to a 4-tuple held by TIME-WAIT.
type TWConnect uint8

// connect(2) over TIME-WAIT.
const (
	// TWConnectRefused: EADDRNOTAVAIL.
	TWConnectRefused TWConnect = iota
	// TWConnectReuseWithTS: if the TIME-WAIT entry saw timestamps, it is
	// taken over and the new ISS is old SND.NXT + ReopenISSGap; otherwise
	// EADDRNOTAVAIL (Linux tcp_twsk_unique).
	TWConnectReuseWithTS
)

var enumNames = map[reflect.Type][]string{
	reflect.TypeOf(RSTInWindow):       {"in-window", "exact"},
	reflect.TypeOf(TWRSTCloses):       {"closes", "ignored", "exact-only"},
	reflect.TypeOf(SynChallengeACK):   {"challenge-ack", "rfc793", "challenge-if-ack"},
	reflect.TypeOf(ReopenNever):       {"never", "seq", "rfc6191", "linux"},
	reflect.TypeOf(AckAboveSendACK):   {"send-ack", "drop-in-established", "text-first-in-established"},
	reflect.TypeOf(EmbryonicSynRFC):   {"rfc", "resend-or-reset"},
	reflect.TypeOf(TWRestartOnFIN):    {"on-fin", "on-ack"},
	reflect.TypeOf(CloseReplyError):   {"error", "ok"},
	reflect.TypeOf(TWConnectRefused):  {"refused", "reuse-with-ts"},
	reflect.TypeOf(RTOFormulaRFC6298): {"rfc6298", "linux"},
}

func enumString(v reflect.Value) string {
	names := enumNames[v.Type()]
	i := int(v.Uint())
	if i < len(names) {
		return names[i]
	}
	return fmt.Sprintf("%s(%d)", v.Type().Name(), i)
}

func (c RSTCheck) String() string     { return enumString(reflect.ValueOf(c)) }
func (c TimeWaitRST) String() string  { return enumString(reflect.ValueOf(c)) }
func (c SynPolicy) String() string    { return enumString(reflect.ValueOf(c)) }
func (c Reopen) String() string       { return enumString(reflect.ValueOf(c)) }
func (c AckAbove) String() string     { return enumString(reflect.ValueOf(c)) }
func (c EmbryonicSyn) String() string { return enumString(reflect.ValueOf(c)) }
func (c TWRestart) String() string    { return enumString(reflect.ValueOf(c)) }
func (c CloseReply) String() string   { return enumString(reflect.ValueOf(c)) }
func (c TWConnect) String() string    { return enumString(reflect.ValueOf(c)) }
func (c RTOFormula) String() string   { return enumString(reflect.ValueOf(c)) }

// Choice describes one profile field: the question it answers and the
// rules that leave the question open.
type Choice struct {
	Field    string   // the Profile field
	Question string   // what the field decides, in a line
	Rules    []RuleID // the rules or ambiguities it settles
}

// Choices returns every profile field with the question it settles and the
// rules that leave the question open, in Profile's order: the caller's
// copy.
func Choices() []Choice {
	out := make([]Choice, len(choices))
	for i, c := range choices {
		c.Rules = slices.Clone(c.Rules)
		out[i] = c
	}
	return out
}

// FieldValue returns the value of field name in p, formatted for people.
func (p *Profile) FieldValue(name string) (string, error) {
	v := reflect.ValueOf(p).Elem().FieldByName(name)
	if !v.IsValid() {
		return "", fmt.Errorf("profile has no field %q", name)
	}
	switch x := v.Interface().(type) {
	case time.Duration:
		if x == 0 {
			return "0 (off)", nil
		}
		return x.String(), nil
	case fmt.Stringer:
		return x.String(), nil
	}
	return fmt.Sprint(v.Interface()), nil
}

// SetField sets a profile field from its textual form, as profile
// overrides on the command line and in scripts do ("TimeWait=30s",
// "TimeWaitRST=ignored", "HalfDuplexClose=false").
func (p *Profile) SetField(name, value string) error {
	v := reflect.ValueOf(p).Elem().FieldByName(name)
	if !v.IsValid() || name == "Name" || name == "Description" || name == "Cite" {
		return fmt.Errorf("profile has no settable field %q", name)
	}
	switch v.Kind() {
	case reflect.Bool:
		switch strings.ToLower(value) {
		case "true", "1", "yes", "on":
			v.SetBool(true)
		case "false", "0", "no", "off":
			v.SetBool(false)
		default:
			return fmt.Errorf("field %s wants true or false, not %q", name, value)
		}
		return nil
	case reflect.Int64:
		if v.Type() == reflect.TypeOf(time.Duration(0)) {
			d, err := time.ParseDuration(value)
			if err != nil {
				return fmt.Errorf("field %s wants a duration such as 60s: %w", name, err)
			}
			if d < 0 {
				return fmt.Errorf("field %s: negative duration %s", name, value)
			}
			v.SetInt(int64(d))
			return nil
		}
	case reflect.Uint16:
		if v.Type() == reflect.TypeOf(Errno(0)) {
			e, err := ParseErrno(value)
			if err != nil {
				return fmt.Errorf("field %s: %w", name, err)
			}
			v.SetUint(uint64(e))
			return nil
		}
	case reflect.Uint8:
		if names, ok := enumNames[v.Type()]; ok {
			for i, n := range names {
				if n == value {
					v.SetUint(uint64(i))
					return nil
				}
			}
			return fmt.Errorf("field %s wants one of %s, not %q", name, strings.Join(names, ", "), value)
		}
	}
	var n int64
	if _, err := fmt.Sscan(value, &n); err != nil {
		return fmt.Errorf("field %s wants a number, not %q", name, value)
	}
	switch v.Kind() {
	case reflect.Int:
		v.SetInt(n)
	case reflect.Uint8, reflect.Uint16, reflect.Uint32:
		if n < 0 || uint64(n) > (uint64(1)<<(8*v.Type().Size()))-1 {
			return fmt.Errorf("field %s: %d out of range", name, n)
		}
		v.SetUint(uint64(n))
	default:
		return fmt.Errorf("field %s cannot be set from text", name)
	}
	return nil
}

// Fields lists the choice fields of Profile in declaration order.
func Fields() []string {
	t := reflect.TypeOf(Profile{})
	var out []string
	for i := 0; i < t.NumField(); i++ {
		n := t.Field(i).Name
		if n == "Name" || n == "Description" || n == "Cite" {
			continue
		}
		out = append(out, n)
	}
	return out
}

// Validate checks that a profile is usable: timers positive where they
// must be, bounds ordered, buffers non-empty.
func (p *Profile) Validate() error {
	var errs []string
	if p.TimeWait < 0 {
		errs = append(errs, "TimeWait is negative")
	}
	if p.RTOMin <= 0 || p.RTOInitial <= 0 || p.RTOMax < p.RTOMin {
		errs = append(errs, "RTO bounds must satisfy 0 < RTOMin <= RTOMax and RTOInitial > 0")
	}
	if p.R2 >= 0 && p.R2 < p.R1 {
		errs = append(errs, "R2 must be at least R1 (or negative for infinity)")
	}
	if p.MSS == 0 || p.RecvBuf == 0 || p.SendBuf == 0 {
		errs = append(errs, "MSS, RecvBuf and SendBuf must be positive")
	}
	if p.WindowShift > MaxWindowShift {
		errs = append(errs, fmt.Sprintf("WindowShift above %d (RFC 7323 §2.3)", MaxWindowShift))
	}
	if p.RecvBuf > 1<<30 {
		errs = append(errs, "RecvBuf above 2^30 (the largest window RFC 7323 §2.3 can express)")
	}
	if p.EphemeralLow == 0 || p.EphemeralHigh < p.EphemeralLow {
		errs = append(errs, "ephemeral port range is empty")
	}
	if p.SynLinearTimeouts < 0 || p.QuickAcks < 0 {
		errs = append(errs, "SynLinearTimeouts and QuickAcks must not be negative")
	}
	if p.AckDelay >= 500*time.Millisecond || p.AckDelayMax >= 500*time.Millisecond {
		errs = append(errs, "AckDelay and AckDelayMax must be under 500 ms (RFC 9293 MUST-40)")
	}
	if p.MaxHeldRanges < 0 || p.MaxHeldRanges > 64 {
		errs = append(errs, "MaxHeldRanges must be between 0 and 64")
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return fmt.Errorf("profile %s: %s", p.Name, strings.Join(errs, "; "))
	}
	return nil
}
