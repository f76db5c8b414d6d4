package impl

import (
	"time"

	"github.com/tcpclose/tcpclose/spec"
)

// finSent reports whether our FIN has been transmitted (it occupies sndEnd).
func (c *conn) finSent() bool { return c.has(fFinQueued) && c.sndNxt == c.sndEnd.Add(1) }

// finAcked reports whether our FIN has been acknowledged.
func (c *conn) finAcked() bool { return c.has(fFinQueued) && c.sndUna == c.sndEnd.Add(1) }

// synAcked reports whether our SYN has been acknowledged.
func (c *conn) synAcked() bool { return c.sndUna.GT(c.iss) }

// unsent is the number of written octets not yet sent.
func (c *conn) unsent() uint32 {
	if c.state == spec.SynSent || c.state == spec.SynReceived {
		return c.sndEnd.Sub(c.iss.Add(1))
	}
	if c.sndNxt.GEQ(c.sndEnd) {
		return 0
	}
	return c.sndEnd.Sub(c.sndNxt)
}

// inSendBuffer counts written octets not yet acknowledged.
func (c *conn) inSendBuffer() uint32 {
	start := c.sndUna
	if !c.synAcked() {
		start = c.iss.Add(1)
	}
	if c.sndEnd.LEQ(start) {
		return 0
	}
	return c.sndEnd.Sub(start)
}

// rcvFree is the free part of the receive buffer.
func (s *Stack) rcvFree(c *conn) uint32 {
	if c.unread >= c.rcvBuf {
		return 0
	}
	return c.rcvBuf - c.unread
}

// roundRcvBuf rounds the receive buffer up to a multiple of the send MSS
// where the profile says so (RecvBufRoundMSS).
func (s *Stack) roundRcvBuf(c *conn) {
	if m := uint32(c.sendMSS); s.p.RecvBufRoundMSS && m > 0 && s.p.RecvBuf > m {
		c.rcvBuf = (s.p.RecvBuf + m - 1) / m * m
	}
}

// wndField is the window field of a segment other than a SYN: the free
// buffer shifted right by Rcv.Wind.Shift, at most 65535 (R7323-WS-SEND).
func (s *Stack) wndField(c *conn) uint16 {
	return uint16(min(s.rcvFree(c)>>c.rcvShift, 65535))
}

// rcvWnd is RCV.WND for the acceptability test: the window advertised,
// or the whole free buffer where the profile accepts beyond it
// (AMB-WND-ADVERTISED).
func (s *Stack) rcvWnd(c *conn) uint32 {
	free := s.rcvFree(c)
	if s.p.AcceptBeyondAdvertised {
		return free
	}
	return min(free, 65535<<c.rcvShift)
}

// negotiateWS reads the Window Scale option of the peer's SYN
// (R7323-WS-NEGOTIATE); a shift above 14 is taken as 14 (R7323-WS-CAP).
func (s *Stack) negotiateWS(c *conn, seg *spec.Segment) {
	c.wsOK, c.sndShift, c.rcvShift = false, 0, 0
	if !s.p.WindowScale || seg.Opts.WScale == 0 {
		return
	}
	c.wsOK, c.sndShift, c.rcvShift = true, min(seg.Opts.WScale-1, spec.MaxWindowShift), s.p.WindowShift
	if s.mutant(MutantWScaleUncapped) {
		c.sndShift = seg.Opts.WScale - 1
	}
}

// peerWnd is SEG.WND in octets: shifted left by Snd.Wind.Shift
// (R7323-WS-RECV), except on a SYN (R7323-WS-SYN-UNSCALED).
func (s *Stack) peerWnd(c *conn, seg *spec.Segment) uint32 {
	if seg.Flags&spec.SYN != 0 || s.mutant(MutantWindowUnscaled) {
		return uint32(seg.Wnd)
	}
	return uint32(seg.Wnd) << c.sndShift
}

func (s *Stack) tsOpt(g *spec.Segment, recent uint32) {
	g.Opts.HasTS = true
	g.Opts.TS = spec.Timestamp{Val: spec.TSClock(s.now), Ecr: recent}
}

// sendSeg sends a segment of c, formed in the output buffer: every
// segment but a RST without ACK acknowledges RCV.NXT, and with timestamps
// negotiated every segment carries them (R7323-TS-EVERY). It returns the
// segment (valid until the next output).
func (s *Stack) sendSeg(c *conn, flags spec.Flags, seq spec.Seq, n uint32) *spec.Segment {
	g := s.segOut()
	g.Src, g.Dst, g.Flags, g.Seq, g.Len = s.local(c.key), s.remote(c.key), flags, seq, n
	if flags&spec.ACK != 0 {
		g.Ack = c.rcvNxt
		s.ackSent(c)
	}
	if flags&spec.RST == 0 {
		g.Wnd = s.wndField(c)
	}
	if c.has(fTSOK) {
		s.tsOpt(g, c.tsRecent)
	}
	return g
}

// sendAck sends <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, or resends our
// outstanding FIN on it where the profile says so (AMB-ACK-FIN).
func (s *Stack) sendAck(c *conn) {
	if s.p.AckCarriesFIN && c.finSent() && !c.finAcked() {
		s.sendSeg(c, spec.FIN|spec.ACK, c.sndNxt-1, 0)
		return
	}
	s.sendSeg(c, spec.ACK, c.sndNxt, 0)
}

// oowAllowed applies RFC 5961 §7 throttling (R5961-THROTTLE) to an ACK
// that is not exempt, updating the rate-limit clock.
func (s *Stack) oowAllowed(exempt bool, last *spec.Time, sent bool) (allowed, nowSent bool) {
	iv := s.p.OOWAckInterval
	if iv > 0 && !exempt {
		if sent && s.now.Sub(*last) < iv {
			return false, sent
		}
		*last = s.now
		return true, true
	}
	return true, sent
}

// oowExempt: data, or a FIN where OOWAckExemptFIN says so, never a SYN.
func (s *Stack) oowExempt(seg *spec.Segment) bool {
	return seg.Flags&spec.SYN == 0 && (seg.Len > 0 || (s.p.OOWAckExemptFIN && seg.Flags&spec.FIN != 0))
}

// sendOOWAck sends the ACK that answers an unacceptable segment, unless
// throttled.
func (s *Stack) sendOOWAck(c *conn, seg *spec.Segment) {
	s.throttledAck(c, s.oowExempt(seg), seg.Flags&spec.SYN != 0)
}

// sendChallengeAck sends an RFC 5961 challenge ACK, unless throttled;
// exempt only where ChallengeACKExempt says so.
func (s *Stack) sendChallengeAck(c *conn, seg *spec.Segment) {
	s.throttledAck(c, s.p.ChallengeACKExempt && s.oowExempt(seg), true)
}

// throttledAck sends an ACK unless throttled; a challenge ACK never
// carries a FIN (AckCarriesFIN).
func (s *Stack) throttledAck(c *conn, exempt, challenge bool) {
	ok, sent := s.oowAllowed(exempt, &c.lastOOW, c.has(fOOWSent))
	c.set(fOOWSent, sent)
	if !ok {
		return
	}
	if challenge {
		s.sendSeg(c, spec.ACK, c.sndNxt, 0)
		return
	}
	s.sendAck(c)
}

// sendSyn sends our SYN or SYN,ACK with its options.
func (s *Stack) sendSyn(c *conn) {
	flags := spec.SYN
	if c.state != spec.SynSent {
		flags |= spec.ACK // SYN,ACK: we have the peer's SYN
	}
	g := s.segOut()
	g.Src, g.Dst, g.Flags, g.Seq = s.local(c.key), s.remote(c.key), flags, c.iss
	if flags&spec.ACK != 0 {
		g.Ack = c.rcvNxt
		c.ackWup = c.rcvNxt
	}
	g.Wnd = uint16(min(s.rcvFree(c), 65535)) // R7323-WS-SYN-UNSCALED
	g.Opts.MSS = s.p.MSS
	if s.p.Timestamps && (c.state == spec.SynSent || c.has(fTSOK)) {
		s.tsOpt(g, c.tsRecent)
	}
	if s.p.WindowScale && (c.state == spec.SynSent || c.wsOK) { // R7323-WS-NEGOTIATE
		g.Opts.WScale = s.p.WindowShift + 1
	}
}

// sendAbortRST sends the RST an ABORT sends: <SEQ=SND.NXT><CTL=RST>, with
// ACK where the profile says so (R9293-ABORT-SYNC).
func (s *Stack) sendAbortRST(c *conn) {
	flags := spec.RST
	if s.p.RSTCarriesACK {
		flags |= spec.ACK
	}
	s.sendSeg(c, flags, c.sndNxt, 0)
}

// segSize is the most data one segment carries: the send MSS less the
// Timestamps option when it rides on every segment (R9293-EFF-MSS).
func (s *Stack) segSize(c *conn) uint32 {
	m := uint32(c.sendMSS)
	if c.has(fTSOK) && m > spec.TSOptLen && !s.mutant(MutantSegmentIgnoresOptions) {
		m -= spec.TSOptLen
	}
	return m
}

// output sends new data within the send window, then the FIN
// (R9293-CLOSE-ACTIVE, R2525-FIN-PROMPT). It reports whether it sent
// anything.
func (s *Stack) output(c *conn) bool {
	switch c.state {
	case spec.Established, spec.CloseWait, spec.FinWait1, spec.LastAck, spec.Closing:
	default:
		return false
	}
	sent := false
	mss := s.segSize(c)
	for {
		unsent := c.unsent()
		if unsent == 0 {
			break
		}
		wndEnd := c.sndUna.Add(c.sndWnd)
		if c.sndNxt.GEQ(wndEnd) {
			break
		}
		n := min(unsent, wndEnd.Sub(c.sndNxt), mss)
		flags := spec.ACK
		if c.has(fFinQueued) && n == unsent && c.state.OurFinQueued() {
			flags |= spec.FIN
		}
		s.transmitNew(c, flags, n)
		sent = true
	}
	if c.has(fFinQueued) && !c.finSent() && c.unsent() == 0 && c.state.OurFinQueued() {
		s.transmitNew(c, spec.FIN|spec.ACK, 0)
		sent = true
	}
	// Zero-window probing (R9293-MUST36).
	if c.unsent() > 0 && c.sndUna == c.sndNxt && c.timer[spec.TimerRetransmit] == spec.Never {
		s.setTimer(c, spec.TimerRetransmit, s.now.Add(c.rto))
	}
	return sent
}

// transmitNew sends n new octets at SND.NXT (plus FIN if flags has it).
func (s *Stack) transmitNew(c *conn, flags spec.Flags, n uint32) {
	if !c.has(fTiming) && c.retrans == 0 {
		c.flags |= fTiming
		c.rttSeq, c.rttStart = c.sndNxt, s.now
	}
	g := s.sendSeg(c, flags, c.sndNxt, n)
	c.sndNxt = c.sndNxt.Add(g.SegLen())
	s.armRetransmit(c)
	s.armProbe(c, false)
	s.armUserTimeout(c)
}

// armRetransmit starts the retransmission timer if it is not running
// (R6298-TIMER).
func (s *Stack) armRetransmit(c *conn) {
	if c.timer[spec.TimerRetransmit] == spec.Never {
		s.setTimer(c, spec.TimerRetransmit, s.now.Add(c.rto))
	}
}

// armUserTimeout starts the user timeout when data is outstanding.
func (s *Stack) armUserTimeout(c *conn) {
	if c.userTimeout > 0 && c.timer[spec.TimerUser] == spec.Never && c.sndUna != c.sndNxt {
		s.setTimer(c, spec.TimerUser, s.now.Add(c.userTimeout))
	}
}

// retransmit resends the head of the retransmission queue
// (R9293-TO-RETX).
func (s *Stack) retransmit(c *conn) {
	if !c.synAcked() {
		s.sendSyn(c)
		return
	}
	if c.sndUna == c.sndNxt {
		if c.unsent() > 0 { // zero-window probe (R9293-MUST36)
			s.sendSeg(c, spec.ACK, c.sndNxt, 1)
			c.sndNxt = c.sndNxt.Add(1)
		}
		return
	}
	dataEnd := c.sndNxt
	if c.finSent() {
		dataEnd = c.sndEnd
	}
	n := min(dataEnd.Sub(c.sndUna), s.segSize(c))
	flags := spec.ACK
	if c.finSent() && c.sndUna.Add(n) == c.sndEnd {
		flags |= spec.FIN
	}
	seq := c.sndUna
	if s.mutant(MutantFINRetransmitAtSndNxt) && n == 0 && flags&spec.FIN != 0 {
		seq = c.sndNxt
	}
	s.sendSeg(c, flags, seq, n)
}

// sampleRTT folds a round-trip sample into SRTT and RTTVAR (R6298-RTO).
func (s *Stack) sampleRTT(c *conn, r time.Duration) {
	if !c.has(fHaveRTT) {
		c.srtt, c.rttVar = r, r/2
		c.flags |= fHaveRTT
	} else {
		d := c.srtt - r
		if d < 0 {
			d = -d
		}
		c.rttVar = (3*c.rttVar + d) / 4
		c.srtt = (7*c.srtt + r) / 8
	}
	c.rto = s.rtoFrom(c.srtt, c.rttVar)
}

// rtoFrom is the RTO under the profile's formula (R6298-RTO,
// AMB-RTO-FORMULA, R6298-GRANULARITY).
func (s *Stack) rtoFrom(srtt, rttvar time.Duration) time.Duration {
	if s.p.RTOFormula == spec.RTOFormulaLinux {
		if s.mutant(MutantRTONotRounded) {
			return min(srtt+max(4*rttvar, s.p.RTOMin), s.p.RTOMax)
		}
		return min(s.p.Ticks(srtt+max(4*rttvar, s.p.RTOMin)), s.p.RTOMax)
	}
	k := max(4*rttvar, time.Millisecond)
	return min(max(srtt+k, s.p.RTOMin), s.p.RTOMax)
}

// acceptable is the test of RFC 9293 Table 6 (R9293-SEG-ACCEPT) against
// RCV.NXT and RCV.WND, with the profile's right-edge allowance
// (AMB-ZEROLEN-EDGE).
func (s *Stack) acceptable(rcvNxt spec.Seq, wnd uint32, seg *spec.Segment) bool {
	n := seg.SegLen()
	switch {
	case n == 0 && wnd == 0:
		return seg.Seq == rcvNxt
	case n == 0:
		if s.p.ZeroLenEdgeAcceptable && seg.Seq == rcvNxt.Add(wnd) {
			return true
		}
		return seg.Seq.InWindow(rcvNxt, wnd)
	case wnd == 0:
		return false
	case s.p.TextEdgeAcceptable && seg.Seq == rcvNxt.Add(wnd): // R9293-SEG-ACCEPT
		return true
	default:
		last := seg.Seq.Add(n - 1)
		if s.mutant(MutantWindowEdgeOffByOne) {
			last = seg.Seq.Add(n)
		}
		return seg.Seq.InWindow(rcvNxt, wnd) || last.InWindow(rcvNxt, wnd)
	}
}
