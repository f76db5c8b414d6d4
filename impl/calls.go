package impl

import "github.com/tcpclose/tcpclose/spec"

// reply is the answer of an RFC 9293 user call (§3.10.1-3.10.5).
type reply uint8

const (
	replyOK         reply = iota
	replyQueued           // RECEIVE with nothing on hand
	errConnClosing        // "error: connection closing"
	errConnNotExist       // "error: connection does not exist"
	errInsufficient       // "error: insufficient resources"
	errClosing            // "error: closing"
)

// ending says how a connection left its socket.
type ending uint8

const (
	endNormal ending = iota
	endTimeWait
	endReset
	endRefused
	endTimeout
	endLocal
)

// open performs an active OPEN (R9293-OPEN).
func (s *Stack) open(c *conn, iss spec.Seq) {
	c.state = spec.SynSent
	c.iss, c.sndUna, c.sndNxt, c.sndEnd = iss, iss, iss.Add(1), iss.Add(1)
	c.sendMSS = s.cfg.PeerMSS()
	s.sendSyn(c)
	c.flags |= fTiming
	c.rttSeq, c.rttStart = iss, s.now
	s.armRetransmit(c)
}

// sendCall is SEND (§3.10.2) of n octets; it returns how many were taken.
func (s *Stack) sendCall(c *conn, n uint32) (uint32, reply) {
	switch c.state {
	case spec.Closed, spec.Listen:
		return 0, errConnNotExist
	case spec.FinWait1, spec.FinWait2, spec.Closing, spec.LastAck, spec.TimeWait:
		return 0, errConnClosing
	}
	if c.has(fFinQueued) {
		return 0, errConnClosing
	}
	room := s.p.SendBuf - min(s.p.SendBuf, c.inSendBuffer())
	take := min(n, room)
	if take == 0 && n > 0 {
		return 0, errInsufficient
	}
	c.sndEnd = c.sndEnd.Add(take)
	switch c.state {
	case spec.SynSent, spec.SynReceived: // R9293-SEND-UNSYNC
	default:
		s.output(c)
	}
	return take, replyOK
}

// receiveCall is RECEIVE (§3.10.3) of at most want octets.
func (s *Stack) receiveCall(c *conn, want uint32) (uint32, reply) {
	switch c.state {
	case spec.Closed:
		return 0, errConnNotExist
	case spec.Listen, spec.SynSent, spec.SynReceived:
		return 0, replyQueued
	}
	if c.unread > 0 { // AMB-RECV-LATE
		n := min(want, c.unread)
		before := s.rcvWnd(c)
		c.unread -= n
		s.windowUpdate(c, before)
		return n, replyOK
	}
	switch c.state {
	case spec.Established, spec.FinWait1, spec.FinWait2:
		return 0, replyQueued
	}
	return 0, errConnClosing
}

// windowUpdate sends an ACK when reading opened a window smaller than one
// segment (§3.8.6.2.2).
func (s *Stack) windowUpdate(c *conn, before uint32) {
	if !c.state.Synchronized() || c.state.PeerFinReceived() {
		return
	}
	th := min(s.p.RecvBuf/2, uint32(s.p.MSS))
	if before < th && s.rcvWnd(c) >= th {
		s.sendAck(c)
	}
}

// closeCall is CLOSE (§3.10.4).
func (s *Stack) closeCall(c *conn) reply {
	switch c.state {
	case spec.Closed:
		return errConnNotExist
	case spec.Listen:
		s.deleteConn(c, endLocal)
		return replyOK
	case spec.SynSent: // R9293-CLOSE-SYNSENT
		if s.p.CloseSynSentSendsRST {
			s.sendSeg(c, spec.RST, c.sndNxt, 0)
		}
		s.deleteConn(c, endLocal)
		return errClosing
	case spec.SynReceived: // R9293-CLOSE-SYNRCVD
		c.flags |= fFinQueued
		if c.unsent() == 0 {
			c.state = spec.FinWait1
			s.transmitNew(c, spec.FIN|spec.ACK, 0)
		}
		return replyOK
	case spec.Established: // R9293-CLOSE-ESTAB
		c.flags |= fFinQueued
		c.state = spec.FinWait1
		s.output(c)
		return replyOK
	case spec.FinWait1, spec.FinWait2: // R9293-CLOSE-FINWAIT
		if s.p.CloseInFinWait == spec.CloseReplyOK {
			return replyOK
		}
		return errConnClosing
	case spec.CloseWait: // R9293-CLOSE-CLOSEWAIT
		c.flags |= fFinQueued
		c.state = spec.LastAck
		if s.mutant(MutantCloseWaitToClosing) {
			c.state = spec.Closing
		}
		s.output(c)
		return replyOK
	default:
		return errConnClosing
	}
}

// abortCall is ABORT (§3.10.5) of a full connection; forceRST makes the
// late states send a RST too (close with unread data, SHLD-3).
func (s *Stack) abortCall(c *conn, forceRST bool) reply {
	switch c.state {
	case spec.Closed:
		return errConnNotExist
	case spec.Listen, spec.SynSent: // R9293-ABORT-UNSYNC
		s.deleteConn(c, endLocal)
		return replyOK
	case spec.SynReceived, spec.Established, spec.FinWait1, spec.FinWait2, spec.CloseWait: // R9293-ABORT-SYNC
		s.sendAbortRST(c)
	default: // R9293-ABORT-LATE
		if forceRST {
			s.sendAbortRST(c)
		}
	}
	if s.p.AbortEntersTimeWait { // R9293-NOTE3
		s.detach(c, endLocal)
		s.enterTimeWait(c, true)
		return replyOK
	}
	s.deleteConn(c, endLocal)
	return replyOK
}

// deleteConn deletes the TCB (CLOSED) and tells its socket how it ended.
func (s *Stack) deleteConn(c *conn, why ending) {
	s.detach(c, why)
	if c.parent >= 0 {
		if l := s.sockAt(int32(c.parent)); l != nil {
			l.qremove(c.key)
		}
	}
	s.removeConn(c)
}

// notify tells the application holding c about n.
func (s *Stack) notify(c *conn, n spec.Notice) {
	if sk := s.sockOf(c); sk != nil {
		s.emit(spec.Output{Kind: spec.OutNotice, FD: sk.fd, Notice: n, Tuple: s.tuple(c.key)})
		if n == spec.NoticeEstablished {
			sk.established = true
		}
	}
}

// detach separates c from its socket, telling the application how the
// connection ended (R9293-MUST12, AMB-SOCKET-TW).
func (s *Stack) detach(c *conn, why ending) {
	sk := s.sockOf(c)
	if c.fd != -1 {
		c.fd = -1
		s.recat(c)
	}
	if sk == nil {
		return
	}
	s.setSockState(sk, sockClosed)
	switch why {
	case endReset:
		s.emit(spec.Output{Kind: spec.OutNotice, FD: sk.fd, Notice: spec.NoticeReset, Tuple: s.tuple(c.key)})
		sk.err = spec.ECONNRESET
		if c.state == spec.CloseWait {
			sk.err = s.p.ResetErrnoCloseWait
		}
		if s.p.RSTFlushesReceive {
			sk.unread = 0
		} else {
			sk.unread = c.unread
		}
	case endRefused:
		s.emit(spec.Output{Kind: spec.OutNotice, FD: sk.fd, Notice: spec.NoticeRefused, Tuple: s.tuple(c.key)})
		sk.err = spec.ECONNREFUSED
		if c.state == spec.SynReceived {
			sk.err = s.p.ResetErrnoSynRcvdActive
		}
	case endTimeout:
		s.emit(spec.Output{Kind: spec.OutNotice, FD: sk.fd, Notice: spec.NoticeTimeout, Tuple: s.tuple(c.key)})
		sk.err = spec.ETIMEDOUT
		sk.unread = c.unread
	case endLocal:
		sk.unread = 0
	default:
		sk.unread = c.unread
	}
	c.unread = 0
}
