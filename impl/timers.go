package impl

import (
	"time"

	"github.com/tcpclose/tcpclose/spec"
)

// fire handles an expired timer of a full connection (§3.10.8).
func (s *Stack) fire(c *conn, k spec.TimerKind) {
	switch k {
	case spec.TimerUser: // R9293-TO-USER
		s.giveUp(c)
	case spec.TimerRetransmit:
		if c.thas(tProbeArmed) {
			s.lossProbe(c)
			return
		}
		s.retransmitTimeout(c)
	case spec.TimerFinWait2: // AMB-FW2-TIMER
		if s.p.FinWait2SendsRST {
			s.sendAbortRST(c)
		}
		s.deleteConn(c, endTimeout)
	case spec.TimerTimeWait:
		s.deleteConn(c, endNormal)
	case spec.TimerLinger:
		s.finishLinger(c)
	case spec.TimerDelAck:
		s.delayedAckTimeout(c)
	}
}

// retransmitTimeout gives up at R2 (R9293-MUST20), warns at R1
// (R9293-SHLD9), otherwise resends and backs off (R6298-BACKOFF).
func (s *Stack) retransmitTimeout(c *conn) {
	r2 := c.r2
	if !c.synAcked() {
		r2 = s.p.SynR2 // R9293-MUST23
		if c.has(fPassive) {
			r2 = s.p.SynAckR2
		}
	}
	if c.sndUna != c.sndNxt && r2 >= 0 && int(c.retrans) >= r2 {
		s.giveUp(c)
		return
	}
	outstanding := c.sndUna != c.sndNxt
	c.tflags &^= tProbeSent
	if !c.synAcked() {
		c.tflags |= tSynTimedOut
	}
	s.retransmit(c)
	if outstanding {
		c.flags |= fInRecovery
		c.recover = c.sndNxt
		c.retrans++
		c.flags &^= fTiming
		if int(c.retrans) == s.p.R1 && !c.has(fR1Noted) {
			c.flags |= fR1Noted
			s.notify(c, spec.NoticeDeliveryProblem)
		}
	}
	linear := c.state == spec.SynSent && (int(c.retrans) <= s.p.SynLinearTimeouts || (s.p.SynLinearTimeouts > 0 && s.mutant(MutantSynLinearForever))) // AMB-SYN-LINEAR
	if !linear && !s.mutant(MutantNoRTOBackoff) {
		c.rto = min(2*c.rto, s.p.RTOMax)
	}
	if c.sndUna != c.sndNxt || c.unsent() > 0 {
		s.setTimer(c, spec.TimerRetransmit, s.now.Add(c.rto))
	}
	s.armUserTimeout(c)
}

// giveUp ends a connection whose peer stopped answering (R9293-CALL-CLOSE).
func (s *Stack) giveUp(c *conn) {
	if s.p.TimeoutSendsRST && c.state != spec.SynSent {
		s.sendAbortRST(c)
	}
	s.deleteConn(c, endTimeout)
}

// armFinWait2 starts the FIN-WAIT-2 timer where the profile has one.
func (s *Stack) armFinWait2(c *conn) {
	if c.state != spec.FinWait2 {
		return
	}
	d := s.p.FinWait2Timeout
	if c.fw2Timeout > 0 {
		d = c.fw2Timeout
	}
	if d <= 0 || (s.p.FinWait2OrphanOnly && !c.has(fOrphan) && !s.mutant(MutantFW2TimerNonOrphan)) {
		return
	}
	if c.timer[spec.TimerFinWait2] == spec.Never {
		s.setTimer(c, spec.TimerFinWait2, s.now.Add(d))
	}
}

// finishLinger completes a close(2) blocked by SO_LINGER.
func (s *Stack) finishLinger(c *conn) {
	s.setTimer(c, spec.TimerLinger, spec.Never)
	fd := int32(c.lingerFD)
	c.lingerFD = -1
	if sk := s.sockAt(fd); sk != nil && sk.blocked.Kind == spec.CallClose {
		s.releaseSocket(sk)
		s.result(fd, spec.CallClose, 0, spec.OK)
	}
}

// armProbe schedules the tail loss probe in place of the retransmission
// timer (R8985-TLP), as the model's Conn.armProbe.
func (s *Stack) armProbe(c *conn, advancing bool) {
	if !s.p.LossProbe || !c.thas(tSackOK) || c.thas(tProbeSent) || c.has(fInRecovery) || c.retrans > 0 ||
		!c.synAcked() || c.sndUna == c.sndNxt || !c.state.Synchronized() {
		return
	}
	rtoAt := c.timer[spec.TimerRetransmit]
	if c.thas(tProbeArmed) {
		rtoAt = c.rtoAt
	}
	if advancing || rtoAt == spec.Never {
		rtoAt = s.now.Add(c.rto)
	}
	pto := s.p.RTOInitial
	if c.has(fHaveRTT) {
		pto = s.p.Ticks(2 * c.srtt)
		if c.sndNxt.Sub(c.sndUna) <= uint32(c.sendMSS)+1 {
			pto += s.p.LossProbeAllowance
		} else {
			pto += 2 * s.p.TimerGranularity
		}
	}
	c.tflags |= tProbeArmed
	c.rtoAt = rtoAt
	s.setTimer(c, spec.TimerRetransmit, min(s.now.Add(pto), rtoAt))
}

// lossProbe resends the last segment in flight and rearms the RTO
// without back-off (R8985-TLP, R8985-TLP-RTO).
func (s *Stack) lossProbe(c *conn) {
	c.tflags &^= tProbeArmed
	start := s.probeSegment(c)
	c.tflags |= tProbeSent
	c.probeHigh = c.sndNxt
	if c.has(fTiming) && c.rttSeq.GEQ(start) {
		c.flags &^= fTiming // R6298-KARN
	}
	at := c.rtoAt
	if start == c.sndUna || at <= s.now {
		at = s.now.Add(c.rto)
	}
	if s.mutant(MutantProbeBacksOff) {
		c.rto = min(2*c.rto, s.p.RTOMax)
		at = s.now.Add(c.rto)
	}
	s.setTimer(c, spec.TimerRetransmit, at)
}

// probeSegment sends the last segment in flight again and returns its
// first sequence number.
func (s *Stack) probeSegment(c *conn) spec.Seq {
	dataEnd := c.sndNxt
	if c.finSent() {
		dataEnd = c.sndEnd
	}
	n := dataEnd.Sub(c.sndUna)
	mss := uint32(c.sendMSS)
	last := n % mss
	if last == 0 && n > 0 {
		last = mss
	}
	start := dataEnd - spec.Seq(last)
	flags := spec.ACK
	if c.finSent() {
		flags |= spec.FIN
	}
	s.sendSeg(c, flags, start, last)
	return start
}

// ackSent notes a segment acknowledging RCV.NXT: the delayed ACK is
// served and a quick ACK used up.
func (s *Stack) ackSent(c *conn) {
	c.ackWup = c.rcvNxt
	s.setTimer(c, spec.TimerDelAck, spec.Never)
	if c.thas(tAckPending) {
		c.tflags &^= tAckPending
		if c.quickLeft > 0 {
			c.quickLeft--
			if c.quickLeft == 0 {
				c.ato = s.p.AckDelay
			}
		}
	}
}

// textArrived refills the quick ACKs on the first text and after an idle
// RTO (R1122-DELACK-QUICK).
func (s *Stack) textArrived(c *conn) {
	if d := s.p.AckDelay; d > 0 {
		switch m := s.now.Sub(c.lastRecv); {
		case !c.thas(tDataSeen):
			c.quickLeft = max(c.quickLeft, int32(s.p.QuickAcks))
			c.ato = d
		case m > c.rto:
			c.quickLeft = max(c.quickLeft, int32(s.p.QuickAcks))
		default:
			if m <= d/2 {
				c.ato = c.ato/2 + d/2
			} else if m < c.ato {
				c.ato = c.ato/2 + m
			}
			c.ato = min(c.ato, c.rto)
		}
	}
	c.tflags |= tDataSeen
	c.lastRecv = s.now
}

// ackDelay is how long the ACK now due may wait, as the model's
// Conn.ackDelay.
func (s *Stack) ackDelay(c *conn) time.Duration {
	d := c.ato
	if d > s.p.AckDelay && c.has(fHaveRTT) {
		d = min(d, max(c.srtt, s.p.AckDelay))
	}
	if s.p.AckDelayMax > 0 {
		d = min(d, s.p.AckDelayMax)
	}
	return d
}

// ackReceived acknowledges received text or a FIN at once or after
// AckDelay (R9293-SHLD18, R9293-MUST40, R9293-SHLD19).
func (s *Stack) ackReceived(c *conn, delayable bool) {
	c.tflags |= tAckPending
	switch {
	case !delayable || s.p.AckDelay <= 0:
	case !c.thas(tPingpong) && c.quickLeft > 0:
	case c.rcvNxt.Sub(c.ackWup) > uint32(c.sendMSS) && !s.mutant(MutantDelAckNoSecondSegment):
	case s.ackDelay(c) <= 0:
	default:
		if c.timer[spec.TimerDelAck] == spec.Never {
			s.setTimer(c, spec.TimerDelAck, s.now.Add(s.ackDelay(c)))
		}
		return
	}
	s.sendAck(c)
}

// delayedAckTimeout sends the delayed ACK and ends pingpong mode.
func (s *Stack) delayedAckTimeout(c *conn) {
	if c.thas(tPingpong) {
		c.tflags &^= tPingpong
		c.ato = s.p.AckDelay
	} else {
		c.ato = min(2*c.ato, c.rto)
	}
	if c.thas(tAckPending) && c.state.Synchronized() {
		s.sendAck(c)
	}
}

// synFallback: a 3 s RTO after a handshake that timed out without an RTT
// sample (R6298-SYN-FALLBACK).
func (s *Stack) synFallback(c *conn) {
	if s.p.SynTimeoutFallback && c.thas(tSynTimedOut) && !c.has(fHaveRTT) {
		c.rto = min(3*time.Second, s.p.RTOMax)
	}
}

// quickAckOpt is setsockopt(TCP_QUICKACK) (AMB-QUICKACK-OPT), as the
// model's Conn.quickAckOpt.
func (s *Stack) quickAckOpt(c *conn, on bool) {
	if !on {
		c.tflags |= tPingpong
		return
	}
	c.tflags &^= tPingpong
	if c.timer[spec.TimerDelAck] != spec.Never && c.unread == 0 && (c.state == spec.Established || c.state == spec.CloseWait) {
		s.sendAck(c)
	}
}

func secs(n int64) time.Duration { return time.Duration(n) * time.Second }
