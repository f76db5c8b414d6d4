package model

import "github.com/tcpclose/tcpclose/spec"

// fire handles an expired timer (RFC 9293 §3.10.8).
func (h *Host) fire(c *Conn, k spec.TimerKind) {
	switch k {
	case spec.TimerUser:
		h.rule("R9293-TO-USER")
		h.giveUp(c)
	case spec.TimerRetransmit:
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
	h.rule("R6298-BACKOFF")
	c.RTO = min(2*c.RTO, h.p.RTOMax)
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
