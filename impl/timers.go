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
	if !s.mutant(MutantNoRTOBackoff) {
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

func secs(n int64) time.Duration { return time.Duration(n) * time.Second }
