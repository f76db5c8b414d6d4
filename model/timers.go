package model

import (
	"time"

	"github.com/tcpclose/tcpclose/spec"
)

// fire handles an expired timer (RFC 9293 §3.10.8).
func (h *Host) fire(c *Conn, k spec.TimerKind) {
	switch k {
	case spec.TimerUser:
		h.rule("R9293-TO-USER")
		h.giveUp(c)
	case spec.TimerRetransmit:
		if c.ProbeArmed {
			h.lossProbe(c)
			return
		}
		h.retransmitTimeout(c)
	case spec.TimerFinWait2:
		h.rule("AMB-FW2-TIMER")
		if h.p.FinWait2SendsRST {
			h.send(c.abortRST(h))
		}
		h.deleteConn(c, endTimeout)
	case spec.TimerTimeWait:
		h.rule("R9293-TO-TW")
		h.deleteConn(c, endNormal)
	case spec.TimerLinger:
		h.finishLinger(c)
	case spec.TimerDelAck:
		h.delayedAckTimeout(c)
	}
}

// retransmitTimeout: the retransmission timer expired. Give up at R2
// (R9293-MUST20, R9293-R2-CLOSE), warn at R1 (R9293-SHLD9), otherwise
// resend the head of the queue and back off (R9293-TO-RETX, R6298-BACKOFF).
func (h *Host) retransmitTimeout(c *Conn) {
	r2 := c.R2
	if !c.synAcked() {
		r2 = h.p.SynR2
		if c.Passive {
			r2 = h.p.SynAckR2
		}
		h.rule("R9293-MUST23")
	}
	if c.SndUna != c.SndNxt && r2 >= 0 && c.Retrans >= r2 {
		h.rule("R9293-MUST20")
		h.rule("R9293-R2-CLOSE")
		h.rule("R9293-SHLD11") // R2 as a count; its duration follows the RTO backoff
		h.giveUp(c)
		return
	}
	outstanding := c.SndUna != c.SndNxt
	c.ProbeSent = false
	if !c.synAcked() {
		c.SynTimedOut = true
	}
	h.rule("R9293-TO-RETX")
	c.retransmit(h)
	if outstanding {
		c.InRecovery, c.Recover = true, c.SndNxt
		c.Retrans++
		c.Timing = false // Karn: no sample from a retransmitted segment (R6298-KARN)
		if c.Retrans == h.p.R1 && !c.R1Noted {
			h.rule("R9293-SHLD9")
			h.rule("R9293-SHLD10") // R1 as a retransmission count from the profile
			h.rule("R9293-MUST47")
			c.R1Noted = true
			h.notify(c, spec.NoticeDeliveryProblem)
		}
	}
	if c.State == spec.SynSent && c.Retrans <= h.p.SynLinearTimeouts {
		h.rule("AMB-SYN-LINEAR") // Linux: the first SYN retransmissions keep the RTO
	} else {
		h.rule("R6298-BACKOFF")
		c.RTO = min(2*c.RTO, h.p.RTOMax)
	}
	if c.SndUna != c.SndNxt || c.unsent() > 0 {
		c.Timer[spec.TimerRetransmit] = h.now.Add(c.RTO)
	}
	c.armUserTimeout(h)
}

// giveUp ends a connection whose peer stopped answering: the user is told
// (R9293-TO-USER), a RST is sent if the profile says so, and the TCB goes.
// CLOSE turns into ABORT (R9293-CALL-CLOSE).
func (h *Host) giveUp(c *Conn) {
	h.rule("R9293-CALL-CLOSE")
	if h.p.TimeoutSendsRST && c.State != spec.SynSent {
		h.send(c.abortRST(h))
	}
	h.deleteConn(c, endTimeout)
}

// armFinWait2 starts the FIN-WAIT-2 timer where the profile has one
// (AMB-FW2-TIMER): at once, or only once the socket is closed.
func (h *Host) armFinWait2(c *Conn) {
	if c.State != spec.FinWait2 {
		return
	}
	d := h.p.FinWait2Timeout
	if c.FW2Timeout > 0 {
		d = c.FW2Timeout
	}
	if d <= 0 || (h.p.FinWait2OrphanOnly && !c.Orphan) {
		return
	}
	if c.Timer[spec.TimerFinWait2] == spec.Never {
		c.Timer[spec.TimerFinWait2] = h.now.Add(d)
	}
}

// finishLinger completes a close(2) blocked by SO_LINGER: the FIN was
// acknowledged, the connection ended, or the linger time ran out.
func (h *Host) finishLinger(c *Conn) {
	c.Timer[spec.TimerLinger] = spec.Never
	fd := c.LingerFD
	c.LingerFD = -1
	if s := h.socks[fd]; s != nil && s.Blocked.Kind == spec.CallClose {
		h.releaseSocket(s)
		h.result(fd, spec.CallClose, 0, spec.OK)
	}
}

// armProbe schedules a tail loss probe in place of the retransmission
// timer where the profile has one and the peer offered SACK (R8985-TLP):
// PTO = 2·SRTT, plus LossProbeAllowance with one segment in flight or two
// ticks with more, 1 s before any RTT sample; never later than the RTO
// (RTOAt). advancing: an ACK just restarted the RTO (now + RTO);
// otherwise the RTO keeps its deadline. One probe per tail
// (ProbeSent); none in recovery after a timeout, nor before the SYN is
// acknowledged.
func (c *Conn) armProbe(h *Host, advancing bool) {
	if !h.p.LossProbe || !c.SackOK || c.ProbeSent || c.InRecovery || c.Retrans > 0 ||
		!c.synAcked() || c.SndUna == c.SndNxt || !c.State.Synchronized() {
		return
	}
	rtoAt := c.Timer[spec.TimerRetransmit]
	if c.ProbeArmed {
		rtoAt = c.RTOAt
	}
	if advancing || rtoAt == spec.Never {
		rtoAt = h.now.Add(c.RTO)
	}
	pto := h.p.RTOInitial
	if c.HaveRTT {
		pto = h.p.Ticks(2 * c.SRTT)
		if c.SndNxt.Sub(c.SndUna) <= uint32(c.SendMSS)+1 {
			pto += h.p.LossProbeAllowance
		} else {
			pto += 2 * h.p.TimerGranularity
		}
	}
	h.rule("R8985-TLP")
	c.ProbeArmed, c.RTOAt = true, rtoAt
	c.Timer[spec.TimerRetransmit] = min(h.now.Add(pto), rtoAt)
}

// lossProbe is the probe timeout (R8985-TLP): the last segment in flight
// goes again, and the RTO timer is rearmed without back-off and without
// counting a retransmission (R8985-TLP-RTO): at the RTO deadline, or a
// full RTO from now when the probe resent the head of the queue.
func (h *Host) lossProbe(c *Conn) {
	c.ProbeArmed = false
	h.rule("R8985-TLP")
	start := c.probeSegment(h)
	c.ProbeSent, c.ProbeHigh = true, c.SndNxt
	if c.Timing && c.RTTSeq.GEQ(start) {
		h.rule("R6298-KARN")
		c.Timing = false
	}
	h.rule("R8985-TLP-RTO")
	at := c.RTOAt
	if start == c.SndUna || at <= h.now {
		at = h.now.Add(c.RTO)
	}
	c.Timer[spec.TimerRetransmit] = at
}

// probeSegment sends the last segment in flight again: the octets after
// the last whole MSS from SND.UNA (the model sends MSS-sized segments from
// the head), with the FIN if it was sent. It returns the segment's first
// sequence number.
func (c *Conn) probeSegment(h *Host) spec.Seq {
	dataEnd := c.SndNxt
	if c.finSent() {
		dataEnd = c.SndEnd
	}
	n := dataEnd.Sub(c.SndUna)
	mss := uint32(c.SendMSS)
	last := n % mss
	if last == 0 && n > 0 {
		last = mss
	}
	start := dataEnd - spec.Seq(last)
	flags := spec.ACK
	if c.finSent() {
		flags |= spec.FIN
	}
	h.send(c.mkseg(h, flags, start, last))
	return start
}

// ackSent notes that a segment acknowledging RCV.NXT left: a pending
// delayed ACK is served (its timer stops) and a quick ACK used up; the
// last one resets the delay to AckDelay (Linux tcp_dec_quickack_mode).
func (c *Conn) ackSent(h *Host) {
	c.AckWup = c.RcvNxt
	c.Timer[spec.TimerDelAck] = spec.Never
	if c.AckPending {
		c.AckPending = false
		if c.QuickLeft > 0 {
			c.QuickLeft--
			if c.QuickLeft == 0 {
				c.Ato = h.p.AckDelay
			}
		}
	}
}

// textArrived refills the quick ACKs on the first text of a connection
// and after it was idle for an RTO (R1122-DELACK-QUICK), and adapts the
// delayed-ACK time to the time since the last text (Linux
// tcp_event_data_recv).
func (c *Conn) textArrived(h *Host) {
	d := h.p.AckDelay
	if d > 0 {
		switch m := h.now.Sub(c.LastRecv); {
		case !c.DataSeen:
			h.rule("R1122-DELACK-QUICK")
			c.QuickLeft = max(c.QuickLeft, h.p.QuickAcks)
			c.Ato = d
		case m > c.RTO:
			h.rule("R1122-DELACK-QUICK")
			c.QuickLeft = max(c.QuickLeft, h.p.QuickAcks)
		default:
			if m <= d/2 {
				c.Ato = c.Ato/2 + d/2
			} else if m < c.Ato {
				c.Ato = c.Ato/2 + m
			}
			c.Ato = min(c.Ato, c.RTO)
		}
	}
	c.DataSeen, c.LastRecv = true, h.now
}

// ackDelay is how long the ACK now due may wait (Linux
// tcp_send_delayed_ack): the current delay, above AckDelay capped by SRTT
// (at least AckDelay), by AckDelayMax; 0 before any text arrived (Linux's
// timer then fires at the next tick, within a jiffy: taken as at once).
func (c *Conn) ackDelay(h *Host) time.Duration {
	d := c.Ato
	if d > h.p.AckDelay && c.HaveRTT {
		d = min(d, max(c.SRTT, h.p.AckDelay))
	}
	if h.p.AckDelayMax > 0 {
		d = min(d, h.p.AckDelayMax)
	}
	return d
}

// ackReceived acknowledges received text or a FIN: at once, or after
// AckDelay where the profile delays ACKs (R9293-SHLD18, R9293-MUST40) and
// the ACK may wait: not in quick-ACK mode, and less than two full
// segments unacknowledged (R9293-SHLD19). delayable is false for
// anything but new in-order text or a FIN.
func (c *Conn) ackReceived(h *Host, delayable bool) {
	c.AckPending = true
	switch {
	case !delayable || h.p.AckDelay <= 0:
	case !c.Pingpong && c.QuickLeft > 0:
		h.rule("R1122-DELACK-QUICK")
	case c.RcvNxt.Sub(c.AckWup) > uint32(c.SendMSS):
		h.rule("R9293-SHLD19")
	case c.ackDelay(h) <= 0:
	default:
		h.rule("R9293-SHLD18")
		h.rule("R9293-MUST40")
		if c.Timer[spec.TimerDelAck] == spec.Never {
			c.Timer[spec.TimerDelAck] = h.now.Add(c.ackDelay(h))
		}
		return
	}
	c.sendAck(h)
}

// delayedAckTimeout sends the delayed ACK (R9293-MUST40); a delayed ACK
// that had to time out ends pingpong mode and resets the delay, or
// outside it doubles the delay up to the RTO (Linux
// tcp_delack_timer_handler).
func (h *Host) delayedAckTimeout(c *Conn) {
	h.rule("R9293-MUST40")
	if c.Pingpong {
		c.Pingpong, c.Ato = false, h.p.AckDelay
	} else {
		c.Ato = min(2*c.Ato, c.RTO)
	}
	if c.AckPending && c.State.Synchronized() {
		c.sendAck(h)
	}
}

// synFallback starts data transfer with an RTO of 3 s when the SYN or
// SYN,ACK timed out and the handshake gave no RTT sample
// (R6298-SYN-FALLBACK; Linux tcp_init_metrics, TCP_TIMEOUT_FALLBACK).
func (c *Conn) synFallback(h *Host) {
	if h.p.SynTimeoutFallback && c.SynTimedOut && !c.HaveRTT {
		h.rule("R6298-SYN-FALLBACK")
		c.RTO = min(3*time.Second, h.p.RTOMax)
	}
}

// quickAckOpt is setsockopt(TCP_QUICKACK) (AMB-QUICKACK-OPT; Linux
// __tcp_sock_set_quickack): 1 leaves pingpong mode and, in ESTABLISHED or
// CLOSE-WAIT with nothing left to read, sends a delayed ACK at once
// (__tcp_cleanup_rbuf); 0 enters pingpong mode.
func (c *Conn) quickAckOpt(h *Host, on bool) {
	if !on {
		c.Pingpong = true
		return
	}
	c.Pingpong = false
	if c.Timer[spec.TimerDelAck] != spec.Never && c.Unread == 0 && (c.State == spec.Established || c.State == spec.CloseWait) {
		c.sendAck(h)
	}
}
