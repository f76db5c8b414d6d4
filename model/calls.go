package model

import "github.com/tcpclose/tcpclose/spec"

// Reply is the answer of an RFC 9293 user call (§3.10.1-3.10.5), in the
// RFC's words.
type Reply uint8

// Replies.
const (
	ReplyOK         Reply = iota
	ReplyQueued           // the request waits (RECEIVE with nothing on hand)
	ErrConnClosing        // "error: connection closing"
	ErrConnNotExist       // "error: connection does not exist"
	ErrConnReset          // "error: connection reset"
	ErrConnExists         // "error: connection already exists"
	ErrInsufficient       // "error: insufficient resources"
	ErrConnRefused        // "error: connection refused"
	ErrUserTimeout        // "error: connection aborted due to user timeout"
	ErrClosing            // "error: closing"
)

var replyText = [...]string{"ok", "queued", "error: connection closing", "error: connection does not exist",
	"error: connection reset", "error: connection already exists", "error: insufficient resources",
	"error: connection refused", "error: connection aborted due to user timeout", "error: closing"}

func (r Reply) String() string { return replyText[r] }

// ending says how a connection left its socket.
type ending uint8

const (
	endNormal   ending = iota // FIN handshake completed (LAST-ACK acked, TIME-WAIT over, FIN-WAIT-2 timer)
	endTimeWait               // entered TIME-WAIT: the socket detaches, the TCB lives on (AMB-SOCKET-TW)
	endReset                  // a valid RST arrived
	endRefused                // a RST answered our SYN
	endTimeout                // user timeout or R2
	endLocal                  // we aborted it ourselves
)

// open performs an active OPEN from CLOSED (R9293-OPEN): choose the ISS,
// send <SEQ=ISS><CTL=SYN>, enter SYN-SENT.
func (h *Host) open(c *Conn, iss spec.Seq) {
	h.rule("R9293-OPEN")
	c.State = spec.SynSent
	c.ISS, c.SndUna, c.SndNxt, c.SndEnd = iss, iss, iss.Add(1), iss.Add(1)
	c.SendMSS = h.cfg.PeerMSS()
	h.send(c.synSegment(h))
	c.Timing, c.RTTSeq, c.RTTStart = true, iss, h.now
	c.armRetransmit(h)
}

// sendCall is SEND (§3.10.2) of n octets; it returns how many were taken.
func (h *Host) sendCall(c *Conn, n uint32) (uint32, Reply) {
	switch c.State {
	case spec.Closed, spec.Listen:
		h.rule("R9293-SEND-CLOSED")
		return 0, ErrConnNotExist
	case spec.FinWait1, spec.FinWait2, spec.Closing, spec.LastAck, spec.TimeWait:
		h.rule("R9293-SEND-CLOSING")
		return 0, ErrConnClosing
	}
	if c.FinQueued { // CLOSE already queued in SYN-RECEIVED
		h.rule("R9293-SEND-CLOSING")
		return 0, ErrConnClosing
	}
	room := h.p.SendBuf - min(h.p.SendBuf, c.inSendBuffer())
	take := min(n, room)
	if take == 0 && n > 0 {
		return 0, ErrInsufficient
	}
	c.SndEnd = c.SndEnd.Add(take)
	switch c.State {
	case spec.SynSent, spec.SynReceived:
		h.rule("R9293-SEND-UNSYNC") // queued until ESTABLISHED
	default:
		c.output(h) // ESTABLISHED, CLOSE-WAIT
	}
	return take, ReplyOK
}

// receiveCall is RECEIVE (§3.10.3) of at most max octets.
func (h *Host) receiveCall(c *Conn, max uint32) (uint32, Reply) {
	switch c.State {
	case spec.Closed:
		return 0, ErrConnNotExist
	case spec.Listen, spec.SynSent, spec.SynReceived:
		return 0, ReplyQueued
	}
	if c.Unread > 0 {
		// In CLOSING, LAST-ACK and TIME-WAIT the RFC answers "closing"
		// even with data on hand; the model hands that data out first,
		// as CLOSE-WAIT does (AMB-RECV-LATE).
		if c.State == spec.Closing || c.State == spec.LastAck || c.State == spec.TimeWait {
			h.rule("AMB-RECV-LATE")
		}
		n := min(max, c.Unread)
		before := c.rcvWnd(h)
		c.Unread -= n
		c.windowUpdate(h, before)
		return n, ReplyOK
	}
	switch c.State {
	case spec.Established, spec.FinWait1, spec.FinWait2:
		h.rule("R9293-RECV-OPEN")
		return 0, ReplyQueued
	case spec.CloseWait:
		h.rule("R9293-RECV-CLOSEWAIT")
	default:
		h.rule("R9293-RECV-LATE")
	}
	return 0, ErrConnClosing
}

// windowUpdate sends an ACK when reading has opened a window that was
// smaller than one segment (receiver side of SWS avoidance, RFC 9293
// §3.8.6.2.2): min(RecvBuf/2, MSS) is the threshold.
func (c *Conn) windowUpdate(h *Host, before uint32) {
	if !c.State.Synchronized() || c.State.PeerFinReceived() {
		return
	}
	th := min(h.p.RecvBuf/2, uint32(h.p.MSS))
	if before < th && c.rcvWnd(h) >= th {
		h.rule("R9293-MUST36")
		c.sendAck(h)
	}
}

// queueFIN is CLOSE of a synchronized connection with nothing in the way:
// the FIN is queued behind the unsent data, the state moves on (FIN-WAIT-1
// from ESTABLISHED, LAST-ACK from CLOSE-WAIT) and what can be sent is.
func (c *Conn) queueFIN(h *Host, next spec.State) Reply {
	c.FinQueued = true
	c.State = next
	c.output(h)
	return ReplyOK
}

// closeCall is CLOSE (§3.10.4).
func (h *Host) closeCall(c *Conn) Reply {
	switch c.State {
	case spec.Closed:
		h.rule("R9293-SEND-CLOSED")
		return ErrConnNotExist
	case spec.Listen:
		h.rule("R9293-CLOSE-LISTEN")
		h.deleteConn(c, endLocal)
		return ReplyOK
	case spec.SynSent:
		h.rule("R9293-CLOSE-SYNSENT")
		if h.p.CloseSynSentSendsRST {
			h.send(c.mkseg(h, spec.RST, c.SndNxt, 0))
		}
		h.deleteConn(c, endLocal)
		return ErrClosing
	case spec.SynReceived:
		h.rule("R9293-CLOSE-SYNRCVD")
		c.FinQueued = true
		if c.unsent() == 0 {
			c.State = spec.FinWait1
			h.rule("R2525-FIN-PROMPT")
			c.transmitNew(h, spec.FIN|spec.ACK, 0)
		}
		return ReplyOK
	case spec.Established:
		h.rule("R9293-CLOSE-ESTAB")
		h.rule("R9293-CLOSE-ACTIVE")
		return c.queueFIN(h, spec.FinWait1)
	case spec.FinWait1, spec.FinWait2:
		h.rule("R9293-CLOSE-FINWAIT")
		if h.p.CloseInFinWait == spec.CloseReplyOK {
			return ReplyOK
		}
		return ErrConnClosing
	case spec.CloseWait:
		h.rule("R9293-CLOSE-CLOSEWAIT")
		h.rule("R1122-CLOSEWAIT")
		h.rule("R9293-CLOSE-PASSIVE")
		return c.queueFIN(h, spec.LastAck)
	default: // CLOSING, LAST-ACK, TIME-WAIT
		h.rule("R9293-CLOSE-LATE")
		return ErrConnClosing
	}
}

// abortCall is ABORT (§3.10.5). rst overrides the RFC's choice of sending
// a RST (used for close with unread data, SHLD-3, which must show the loss
// whatever the state).
func (h *Host) abortCall(c *Conn, forceRST bool) Reply {
	switch c.State {
	case spec.Closed:
		return ErrConnNotExist
	case spec.Listen, spec.SynSent:
		h.rule("R9293-ABORT-UNSYNC")
		h.deleteConn(c, endLocal)
		return ReplyOK
	case spec.SynReceived, spec.Established, spec.FinWait1, spec.FinWait2, spec.CloseWait:
		h.rule("R9293-ABORT-SYNC")
		h.rule("R9293-CALL-ABORT")
		h.send(c.abortRST(h))
	default: // CLOSING, LAST-ACK, TIME-WAIT
		h.rule("R9293-ABORT-LATE")
		if forceRST && c.State != spec.TimeWait {
			h.send(c.abortRST(h))
		}
	}
	if h.p.AbortEntersTimeWait && c.State != spec.TimeWait {
		h.rule("AMB-ABORT-NOTE3")
		h.rule("R9293-NOTE3")
		h.rule("R9293-RSTGEN-TW")
		h.detach(c, endLocal)
		h.enterTimeWait(c, true)
		return ReplyOK
	}
	h.deleteConn(c, endLocal)
	return ReplyOK
}

// enterTimeWait moves c to TIME-WAIT: stop the other timers, start 2MSL if
// asked (R9293-SEG-FIN-TW), detach the socket (AMB-SOCKET-TW). Over the
// profile's cap the connection is closed instead and counted.
func (h *Host) enterTimeWait(c *Conn, startTimer bool) {
	if h.p.MaxTimeWait > 0 && h.twCount >= h.p.MaxTimeWait {
		h.rule("R9293-MUST13")
		h.timeWaitOverflow++
		h.detach(c, endNormal)
		h.deleteConn(c, endNormal)
		return
	}
	h.detach(c, endTimeWait)
	c.State = spec.TimeWait
	c.Timer = [spec.NumTimers]spec.Time{}
	c.Held, c.HeldFin = nil, false
	c.Unread = 0
	c.RcvBuf = h.p.RecvBuf // a TIME-WAIT entry keeps no buffer (impl's compact entry)
	if startTimer {
		h.rule("R9293-MUST13")
		c.Timer[spec.TimerTimeWait] = h.now.Add(h.p.TimeWait)
	}
	h.twCount++
}

// deleteConn deletes the TCB (enter CLOSED) and tells its socket how it
// ended.
func (h *Host) deleteConn(c *Conn, why ending) {
	h.detach(c, why)
	if c.State == spec.TimeWait {
		h.twCount--
	}
	if c.Parent >= 0 {
		if l := h.socks[c.Parent]; l != nil {
			l.removeQueued(c.Tuple)
		}
	}
	c.State = spec.Closed
	c.Timer = [spec.NumTimers]spec.Time{}
	delete(h.conns, c.Tuple)
}
