package model

import (
	"time"

	"github.com/tcpclose/tcpclose/spec"
)

// Conn is a transmission control block (RFC 9293 §3.3.1) plus the little
// socket-facing state the closing rules need.
type Conn struct {
	ID     uint64
	Tuple  spec.FourTuple
	State  spec.State
	FD     int32 // the socket holding the connection; -1 if none
	Parent int32 // listener fd while a passive connection waits for accept; -1 otherwise

	Passive   bool // reached SYN-RECEIVED from LISTEN (RFC 9293 Note 1)
	Queued    bool // on the listener's accept queue
	Orphan    bool // the application closed its socket
	RcvShut   bool // the application can no longer read (close or SHUT_RD)
	ReuseAddr bool // SO_REUSEADDR of the socket that made it
	// ExplicitBind: its local port was bound explicitly (bind(2), or a
	// listener's); connect(2)'s automatic port choice skips such ports.
	ExplicitBind bool

	// Send sequence space (RFC 9293 §3.3.1). SndEnd is one past the last
	// octet the application has written; the FIN, once queued, takes
	// sequence number SndEnd.
	ISS, SndUna, SndNxt, SndEnd spec.Seq
	SndWnd, MaxSndWnd           uint32
	SndWL1, SndWL2              spec.Seq
	FinQueued                   bool
	SendMSS                     uint16

	// Receive sequence space. Unread counts in-order octets not yet read
	// by the application. Held are out-of-order ranges (SHLD-31).
	IRS, RcvNxt spec.Seq
	Unread      uint32
	Held        []seqRange
	HeldFin     bool
	HeldFinSeq  spec.Seq

	// Timestamps (RFC 7323).
	TSOK     bool
	TSRecent uint32

	// Window scaling (RFC 7323 §2): WSOK once both SYNs carried the
	// option; SndShift is Snd.Wind.Shift (the peer's shift, applied to the
	// windows it sends), RcvShift is Rcv.Wind.Shift (ours, applied to the
	// windows we send).
	WSOK               bool
	SndShift, RcvShift uint8
	// RcvBuf is this connection's receive buffer: the profile's RecvBuf,
	// rounded up to a multiple of the MSS where the profile says so
	// (RecvBufRoundMSS).
	RcvBuf uint32

	// Timers: deadline per spec.TimerKind, spec.Never when stopped.
	Timer    [spec.NumTimers]spec.Time
	LingerFD int32 // the fd blocked in close(2) while TimerLinger runs

	// Retransmission (RFC 6298) and R1/R2 (RFC 9293 §3.8.3).
	RTO      time.Duration
	Retrans  int // retransmissions of the segment at SND.UNA
	R1Noted  bool
	SRTT     time.Duration
	RTTVar   time.Duration
	HaveRTT  bool
	Timing   bool
	RTTSeq   spec.Seq
	RTTStart spec.Time // in SYN-SENT: the first SYN's time (Linux retrans_stamp, AMB-SYN-LINEAR-R2)

	// Loss probe (RFC 8985 §7, profile LossProbe). ProbeArmed: the
	// retransmission timer is the probe's, and RTOAt is when the RTO
	// itself would fire. ProbeSent: a probe went out for this tail, which
	// lasts until SND.UNA reaches ProbeHigh. SackOK: the peer's SYN
	// offered SACK, without which no probe is sent (Linux tcp_is_sack).
	ProbeArmed, ProbeSent, SackOK bool
	RTOAt                         spec.Time
	ProbeHigh                     spec.Seq
	// SynTimedOut: our SYN or SYN,ACK was retransmitted (R6298-SYN-FALLBACK).
	SynTimedOut bool

	// Delayed ACK (RFC 9293 §3.8.6.3, profiles AckDelay, QuickAcks,
	// FinPingpong). AckPending: received text or a FIN awaits its ACK;
	// AckWup is RCV.NXT as last acknowledged; QuickLeft counts the
	// segments still acknowledged at once; Pingpong is the delayed-ACK
	// mode a FIN or TCP_QUICKACK 0 enters; LastRecv is when text last
	// arrived (DataSeen: ever), for the quick ACKs after idle.
	AckPending, Pingpong, DataSeen bool
	QuickLeft                      int
	Ato                            time.Duration // the current delayed-ACK time (Linux icsk_ack.ato)
	AckWup                         spec.Seq
	LastRecv                       spec.Time

	// SynText counts the octets of text a SYN carried in SYN-SENT,
	// delivered once ESTABLISHED is reached (R9293-SYNSENT-TEXT).
	SynText uint32

	// Recovery after a retransmission timeout: while SND.UNA is below
	// Recover (SND.NXT when the timer last expired), each ACK that
	// advances SND.UNA resends the new head at once (RFC 6582 §3.2 partial
	// ACKs), so a lost window costs one timeout, not one per segment.
	InRecovery bool
	Recover    spec.Seq

	// RFC 5961 §7 throttling of out-of-window ACKs.
	LastOOW spec.Time
	OOWSent bool

	// Per-connection settings from socket options.
	UserTimeout time.Duration
	R2          int
	FW2Timeout  time.Duration // 0: the profile's

	// PrevTW remembers the TIME-WAIT state a SYN reopened (MAY-2 (2)).
	PrevTW *twMemo
}

type seqRange struct{ Start, End spec.Seq }

// twMemo is what a reopened TIME-WAIT needs to come back.
type twMemo struct {
	ID       uint64
	SndNxt   spec.Seq
	RcvNxt   spec.Seq
	TSOK     bool
	TSRecent uint32
	WSOK     bool
	Deadline spec.Time

	ReuseAddr    bool
	ExplicitBind bool
	LastOOW      spec.Time
	OOWSent      bool
}

func (c *Conn) clone() *Conn {
	n := *c
	n.Held = append([]seqRange(nil), c.Held...)
	if c.PrevTW != nil {
		m := *c.PrevTW
		n.PrevTW = &m
	}
	return &n
}

func (c *Conn) snap(h *Host) spec.ConnSnap {
	s := spec.ConnSnap{
		Tuple: c.Tuple, State: c.State, FD: c.FD,
		ISS: c.ISS, IRS: c.IRS, SndUna: c.SndUna, SndNxt: c.SndNxt, SndWnd: c.SndWnd,
		RcvNxt: c.RcvNxt, RcvWnd: c.rcvWnd(h), Unread: c.Unread, Unsent: c.unsent(),
		SndShift: c.SndShift, RcvShift: c.RcvShift, Timers: c.Timer,
	}
	s.Normalize()
	return s
}

// finSent reports whether our FIN has been transmitted (it occupies SndEnd).
func (c *Conn) finSent() bool { return c.FinQueued && c.SndNxt == c.SndEnd.Add(1) }

// finAcked reports whether our FIN has been acknowledged.
func (c *Conn) finAcked() bool { return c.FinQueued && c.SndUna == c.SndEnd.Add(1) }

// synAcked reports whether our SYN has been acknowledged.
func (c *Conn) synAcked() bool { return c.SndUna.GT(c.ISS) }

// unsent is the number of written octets not yet sent.
func (c *Conn) unsent() uint32 {
	if c.State == spec.SynSent || c.State == spec.SynReceived {
		return c.SndEnd.Sub(c.ISS.Add(1))
	}
	if c.SndNxt.GEQ(c.SndEnd) {
		return 0
	}
	return c.SndEnd.Sub(c.SndNxt)
}

// inSendBuffer counts written octets not yet acknowledged.
func (c *Conn) inSendBuffer() uint32 {
	start := c.SndUna
	if !c.synAcked() {
		start = c.ISS.Add(1)
	}
	if c.SndEnd.LEQ(start) {
		return 0
	}
	return c.SndEnd.Sub(start)
}

// rcvFree is the free part of the receive buffer. An orphaned connection
// discards what it receives, so its window stays open.
func (c *Conn) rcvFree(h *Host) uint32 {
	if c.Unread >= c.RcvBuf {
		return 0
	}
	return c.RcvBuf - c.Unread
}

// roundRcvBuf rounds the receive buffer up to a multiple of the send MSS
// once the peer's SYN has set it, where the profile says so
// (RecvBufRoundMSS, FreeBSD tcp_mss).
func (c *Conn) roundRcvBuf(h *Host) {
	if m := uint32(c.SendMSS); h.p.RecvBufRoundMSS && m > 0 && h.p.RecvBuf > m {
		c.RcvBuf = (h.p.RecvBuf + m - 1) / m * m
	}
}

// wndField is the window field of a segment we send other than a SYN:
// the free buffer shifted right by Rcv.Wind.Shift (R7323-WS-SEND), at
// most 65535.
func (c *Conn) wndField(h *Host) uint16 {
	if c.WSOK {
		h.rule("R7323-WS-SEND")
	}
	return uint16(min(c.rcvFree(h)>>c.RcvShift, 65535))
}

// rcvWnd is RCV.WND, the window the acceptability test uses: the free
// buffer, capped at the largest window the field can say (65535 <<
// Rcv.Wind.Shift) unless the profile accepts beyond the advertised edge
// (AMB-WND-ADVERTISED). The field rounds it down (wndField), so up to
// 2^Rcv.Wind.Shift - 1 octets past the advertised edge are accepted:
// the right edge never moves left.
func (c *Conn) rcvWnd(h *Host) uint32 {
	free := c.rcvFree(h)
	if h.p.AcceptBeyondAdvertised {
		return free
	}
	return min(free, 65535<<c.RcvShift)
}

// negotiateWS reads the Window Scale option of the peer's SYN: scaling is
// in effect when we offer it (the profile) and the SYN carried it
// (R7323-WS-NEGOTIATE); a shift above 14 is taken as 14 (R7323-WS-CAP).
func (c *Conn) negotiateWS(h *Host, seg *spec.Segment) {
	c.WSOK, c.SndShift, c.RcvShift = false, 0, 0
	if !h.p.WindowScale {
		return
	}
	h.rule("R7323-WS-NEGOTIATE")
	if seg.Opts.WScale == 0 {
		return
	}
	sh := seg.Opts.WScale - 1
	if sh > spec.MaxWindowShift {
		h.rule("R7323-WS-CAP")
		sh = spec.MaxWindowShift
	}
	c.WSOK, c.SndShift, c.RcvShift = true, sh, h.p.WindowShift
}

// peerWnd is SEG.WND in octets: the window field shifted left by
// Snd.Wind.Shift (R7323-WS-RECV), except on a SYN, whose window is never
// scaled (R7323-WS-SYN-UNSCALED).
func (c *Conn) peerWnd(h *Host, seg *spec.Segment) uint32 {
	if !c.WSOK {
		return uint32(seg.Wnd)
	}
	if seg.Flags&spec.SYN != 0 {
		h.rule("R7323-WS-SYN-UNSCALED")
		return uint32(seg.Wnd)
	}
	h.rule("R7323-WS-RECV")
	return uint32(seg.Wnd) << c.SndShift
}

// mkseg forms a segment from this connection. Every segment but a RST
// without ACK acknowledges RCV.NXT; with timestamps negotiated every
// segment carries them (R7323-TS-EVERY).
func (c *Conn) mkseg(h *Host, flags spec.Flags, seq spec.Seq, n uint32) spec.Segment {
	s := spec.Segment{Src: c.Tuple.Local, Dst: c.Tuple.Remote, Flags: flags, Seq: seq, Len: n}
	if flags&spec.ACK != 0 {
		s.Ack = c.RcvNxt
		c.ackSent(h)
	}
	if flags&spec.RST == 0 {
		s.Wnd = c.wndField(h)
	}
	if c.TSOK {
		h.rule("R7323-TS-EVERY")
		s.Opts.HasTS = true
		s.Opts.TS = spec.Timestamp{Val: spec.TSClock(h.now), Ecr: c.TSRecent}
	}
	return s
}

// sendAck sends <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>; where the profile
// says so (AckCarriesFIN) an ACK sent while our FIN is outstanding resends
// the FIN: <SEQ=SND.NXT-1><ACK=RCV.NXT><CTL=FIN,ACK> (AMB-ACK-FIN).
func (c *Conn) sendAck(h *Host) {
	if h.p.AckCarriesFIN && c.finSent() && !c.finAcked() {
		h.rule("AMB-ACK-FIN")
		h.send(c.mkseg(h, spec.FIN|spec.ACK, c.SndNxt-1, 0))
		return
	}
	h.send(c.mkseg(h, spec.ACK, c.SndNxt, 0))
}

// sendOOWAck sends the ACK that answers an unacceptable segment (or one
// failing PAWS), unless RFC 5961 §7 throttling holds it back: at most one
// per OOWAckInterval. Segments with data are exempt, and FINs where the
// profile says so (OOWAckExemptFIN); SYNs never are. A SYN's answer is
// formed as a challenge ACK is (BSD answers every SYN in a synchronized
// state through tcp_send_challenge_ack).
func (c *Conn) sendOOWAck(h *Host, seg *spec.Segment) {
	c.throttledAck(h, oowExempt(&h.p, seg), seg.Flags&spec.SYN != 0)
}

// sendChallengeAck sends an RFC 5961 challenge ACK (a RST not at RCV.NXT,
// a SYN, an ACK out of range or above SND.NXT), throttled as sendOOWAck
// is; where the profile gives challenge ACKs no exemption
// (ChallengeACKExempt false), data and FINs count against the limit too.
func (c *Conn) sendChallengeAck(h *Host, seg *spec.Segment) {
	c.throttledAck(h, h.p.ChallengeACKExempt && oowExempt(&h.p, seg), true)
}

// oowExempt reports whether seg's answer is exempt from the throttle:
// data, or a FIN where OOWAckExemptFIN says so, and never a SYN.
func oowExempt(p *spec.Profile, seg *spec.Segment) bool {
	return seg.Flags&spec.SYN == 0 && (seg.Len > 0 || (p.OOWAckExemptFIN && seg.Flags&spec.FIN != 0))
}

// throttledAck sends an ACK at SND.NXT unless R5961-THROTTLE holds it
// back; an exempt answer neither waits for nor starts the interval. A
// challenge ACK is formed apart from the output routine and never carries
// a FIN (AckCarriesFIN).
func (c *Conn) throttledAck(h *Host, exempt, challenge bool) {
	iv := h.p.OOWAckInterval
	if iv > 0 && !exempt {
		if c.OOWSent && h.now.Sub(c.LastOOW) < iv {
			h.rule("R5961-THROTTLE")
			return
		}
		c.LastOOW, c.OOWSent = h.now, true
	}
	if challenge {
		h.send(c.mkseg(h, spec.ACK, c.SndNxt, 0))
		return
	}
	c.sendAck(h)
}

// synSegment forms our SYN or SYN,ACK with its options.
func (c *Conn) synSegment(h *Host) spec.Segment {
	flags := spec.SYN
	if c.State != spec.SynSent {
		flags |= spec.ACK // SYN,ACK: we have the peer's SYN
	}
	s := spec.Segment{Src: c.Tuple.Local, Dst: c.Tuple.Remote, Flags: flags, Seq: c.ISS}
	if flags&spec.ACK != 0 {
		s.Ack = c.RcvNxt
		c.AckWup = c.RcvNxt
	}
	if c.WSOK {
		h.rule("R7323-WS-SYN-UNSCALED")
	}
	s.Wnd = uint16(min(c.rcvFree(h), 65535))
	s.Opts.MSS = h.p.MSS
	offerTS := h.p.Timestamps && (c.State == spec.SynSent || c.TSOK)
	if offerTS {
		s.Opts.HasTS = true
		s.Opts.TS = spec.Timestamp{Val: spec.TSClock(h.now), Ecr: c.TSRecent}
	}
	// Window Scale on our SYN where the profile offers it, on a SYN,ACK
	// only if the peer's SYN carried it (R7323-WS-NEGOTIATE).
	if h.p.WindowScale && (c.State == spec.SynSent || c.WSOK) {
		h.rule("R7323-WS-NEGOTIATE")
		s.Opts.WScale = h.p.WindowShift + 1
	}
	return s
}

// abortRST forms the RST an ABORT sends: <SEQ=SND.NXT><CTL=RST>, with ACK
// where the profile says so (R9293-ABORT-SYNC).
func (c *Conn) abortRST(h *Host) spec.Segment {
	flags := spec.RST
	if h.p.RSTCarriesACK {
		flags |= spec.ACK
	}
	return c.mkseg(h, flags, c.SndNxt, 0)
}

// output sends what may be sent now: new data within the send window, then
// the FIN once every octet before it is out (R9293-CLOSE-ACTIVE). The FIN
// rides on the last data segment when that segment reaches it. It reports
// whether it sent anything.
func (c *Conn) output(h *Host) bool {
	switch c.State {
	case spec.Established, spec.CloseWait, spec.FinWait1, spec.LastAck, spec.Closing:
	default:
		return false
	}
	sent := false
	mss := c.segSize()
	for {
		unsent := c.unsent()
		if unsent == 0 {
			break
		}
		wndEnd := c.SndUna.Add(c.SndWnd)
		if c.SndNxt.GEQ(wndEnd) {
			break
		}
		n := min(unsent, wndEnd.Sub(c.SndNxt), mss)
		if n == mss {
			h.rule("R9293-EFF-MSS") // a full segment: the MSS less the options
		}
		flags := spec.ACK
		fin := c.FinQueued && n == unsent && c.State.OurFinQueued()
		if fin {
			flags |= spec.FIN
			h.rule("R2525-FIN-PROMPT")
		}
		h.rule("R9293-SEND-OPEN")
		h.rule("R9293-CLOSE-RELIABLE") // data queued before CLOSE goes first
		c.transmitNew(h, flags, n)
		sent = true
	}
	if c.FinQueued && !c.finSent() && c.unsent() == 0 && c.State.OurFinQueued() {
		h.rule("R2525-FIN-PROMPT")
		c.transmitNew(h, spec.FIN|spec.ACK, 0)
		sent = true
	}
	// Zero-window probing (MUST-36): data waits, the window is shut and
	// nothing is outstanding to drive the retransmission timer.
	if c.unsent() > 0 && c.SndUna == c.SndNxt && c.Timer[spec.TimerRetransmit] == spec.Never {
		h.rule("R9293-MUST36")
		c.Timer[spec.TimerRetransmit] = h.now.Add(c.RTO)
	}
	return sent
}

// transmitNew sends a segment of n new octets at SND.NXT (plus FIN if
// flags has it) and advances SND.NXT.
func (c *Conn) transmitNew(h *Host, flags spec.Flags, n uint32) {
	seg := c.mkseg(h, flags, c.SndNxt, n)
	if !c.Timing && !c.isRetransmitting() {
		c.Timing, c.RTTSeq, c.RTTStart = true, c.SndNxt, h.now
	}
	c.SndNxt = c.SndNxt.Add(seg.SegLen())
	h.send(seg)
	c.armRetransmit(h)
	c.armProbe(h, false)
	c.armUserTimeout(h)
}

// segSize is the most data one segment carries: the send MSS less the
// options every data segment carries (R9293-EFF-MSS, RFC 9293 §3.7.1:
// Eff.snd.MSS counts the TCP options in TCPhdrsize; RFC 6691 §2). With
// timestamps negotiated that is the 12-octet Timestamps option with its
// padding (RFC 7323 §3.2, Linux tcp_current_mss, FreeBSD tcp_output
// len = t_maxseg - optlen, gVisor newSender MSS - maxOptionSize).
func (c *Conn) segSize() uint32 {
	m := uint32(c.SendMSS)
	if c.TSOK && m > spec.TSOptLen {
		m -= spec.TSOptLen
	}
	return m
}

func (c *Conn) isRetransmitting() bool { return c.Retrans > 0 }

// armRetransmit starts the retransmission timer if it is not running
// (R6298-TIMER 5.1).
func (c *Conn) armRetransmit(h *Host) {
	if c.Timer[spec.TimerRetransmit] == spec.Never {
		h.rule("R6298-TIMER")
		c.Timer[spec.TimerRetransmit] = h.now.Add(c.RTO)
	}
}

// armUserTimeout starts the user timeout when data is outstanding.
func (c *Conn) armUserTimeout(h *Host) {
	if c.UserTimeout > 0 && c.Timer[spec.TimerUser] == spec.Never && c.SndUna != c.SndNxt {
		c.Timer[spec.TimerUser] = h.now.Add(c.UserTimeout)
	}
}

// retransmit sends the segment at the front of the retransmission queue
// again (R9293-TO-RETX): the SYN, or up to one MSS from SND.UNA with the
// FIN if it follows, or a one-octet probe into a shut window.
func (c *Conn) retransmit(h *Host) {
	if !c.synAcked() {
		h.send(c.synSegment(h)) // the SYN is the head of the queue
		return
	}
	if c.SndUna == c.SndNxt {
		// Zero-window probe (MUST-36, SHLD-29): one octet of new data.
		if c.unsent() > 0 {
			h.rule("R9293-MUST36")
			seg := c.mkseg(h, spec.ACK, c.SndNxt, 1)
			c.SndNxt = c.SndNxt.Add(1)
			h.send(seg)
		}
		return
	}
	dataEnd := c.SndNxt
	if c.finSent() {
		dataEnd = c.SndEnd
	}
	n := min(dataEnd.Sub(c.SndUna), c.segSize())
	if n == c.segSize() {
		h.rule("R9293-EFF-MSS")
	}
	flags := spec.ACK
	if c.finSent() && c.SndUna.Add(n) == c.SndEnd {
		flags |= spec.FIN
	}
	h.send(c.mkseg(h, flags, c.SndUna, n))
}

// sampleRTT folds a round-trip sample into SRTT and RTTVAR and recomputes
// the RTO (R6298-RTO). Integer nanoseconds, truncating division, G = 1 ms.
func (c *Conn) sampleRTT(h *Host, r time.Duration) {
	h.rule("R6298-RTO")
	h.rule("R9293-MUST18")
	if !c.HaveRTT {
		c.SRTT, c.RTTVar, c.HaveRTT = r, r/2, true
	} else {
		d := c.SRTT - r
		if d < 0 {
			d = -d
		}
		c.RTTVar = (3*c.RTTVar + d) / 4
		c.SRTT = (7*c.SRTT + r) / 8
	}
	c.RTO = rtoFrom(&h.p, c.SRTT, c.RTTVar)
	if h.p.RTOFormula == spec.RTOFormulaLinux {
		h.rule("AMB-RTO-FORMULA")
		if h.p.TimerGranularity > 0 {
			h.rule("R6298-GRANULARITY")
		}
	}
}

// rtoFrom is the RTO that SRTT and RTTVAR give under the profile's
// formula: RFC 6298 §2.3-2.5 (G = 1 ms), or Linux's SRTT +
// max(4·RTTVAR, RTOMin) in whole ticks (AMB-RTO-FORMULA).
func rtoFrom(p *spec.Profile, srtt, rttvar time.Duration) time.Duration {
	if p.RTOFormula == spec.RTOFormulaLinux {
		return min(p.Ticks(srtt+max(4*rttvar, p.RTOMin)), p.RTOMax)
	}
	k := max(4*rttvar, time.Millisecond)
	return min(max(srtt+k, p.RTOMin), p.RTOMax)
}

// acceptable is the test of RFC 9293 Table 6 (R9293-SEG-ACCEPT), with the
// profile's allowance for a zero-length segment at the right edge.
func (c *Conn) acceptable(h *Host, seg *spec.Segment) bool {
	wnd := c.rcvWnd(h)
	if h.p.AcceptBeyondAdvertised && wnd > 65535<<c.RcvShift {
		h.rule("AMB-WND-ADVERTISED") // the free buffer, beyond what the field can say
	}
	n := seg.SegLen()
	switch {
	case n == 0 && wnd == 0:
		return seg.Seq == c.RcvNxt
	case n == 0:
		if h.p.ZeroLenEdgeAcceptable && seg.Seq == c.RcvNxt.Add(wnd) {
			h.rule("AMB-ZEROLEN-EDGE")
			return true
		}
		return seg.Seq.InWindow(c.RcvNxt, wnd)
	case wnd == 0:
		return false
	case h.p.TextEdgeAcceptable && seg.Seq == c.RcvNxt.Add(wnd):
		h.rule("R9293-SEG-ACCEPT") // the right edge itself is let in (TextEdgeAcceptable)
		return true
	default:
		return seg.Seq.InWindow(c.RcvNxt, wnd) || seg.Seq.Add(n-1).InWindow(c.RcvNxt, wnd)
	}
}
