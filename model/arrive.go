package model

import (
	"time"

	"github.com/tcpclose/tcpclose/spec"
)

// maxPayload is the largest payload an IPv4 datagram can carry; a segment
// claiming more is malformed and dropped.
const maxPayload = 65535

// segmentArrives dispatches an arriving segment (RFC 9293 §3.10.7) to the
// connection, the listener or the no-connection rules.
func (h *Host) segmentArrives(seg *spec.Segment) {
	if seg.Dst.IP != h.cfg.Addr || seg.Src.Port == 0 || seg.Dst.Port == 0 || seg.Len > maxPayload ||
		!spec.SameFamily(seg.Src.IP, h.cfg.Addr) {
		return // not for this host, or malformed (addresses of two families): dropped without reply
	}
	if c := h.conns[seg.Tuple()]; c != nil {
		if h.synFinDropped(seg) {
			return
		}
		switch c.State {
		case spec.SynSent:
			h.arriveSynSent(c, seg)
		case spec.TimeWait:
			h.arriveTimeWait(c, seg)
		default:
			h.arriveOther(c, seg)
		}
		return
	}
	if l := h.listener(seg.Dst); l != nil {
		h.arriveListen(l, seg)
		return
	}
	h.rule("R9293-SEG-CLOSED")
	h.replyClosed(seg)
}

// synFinDropped: where the profile drops SYN|FIN in every state
// (SynFinDropped and SynFinDroppedAnyState), a connection drops it before
// any other test (AMB-SYNFIN-STATE).
func (h *Host) synFinDropped(seg *spec.Segment) bool {
	if h.p.SynFinDropped && h.p.SynFinDroppedAnyState && seg.Flags&(spec.SYN|spec.FIN) == spec.SYN|spec.FIN {
		h.rule("AMB-SYNFIN-STATE")
		return true
	}
	return false
}

// noACKDropped: a synchronized connection drops a segment without ACK
// (R9293-SEG-NOACK), a FIN on it included (AMB-FIN-NOACK).
func (h *Host) noACKDropped(seg *spec.Segment) bool {
	if seg.Flags&spec.ACK != 0 {
		return false
	}
	h.rule("R9293-SEG-NOACK")
	if seg.Flags&spec.FIN != 0 {
		h.rule("AMB-FIN-NOACK")
	}
	return true
}

// replyClosed answers a segment for which no connection exists
// (R9293-SEG-CLOSED, R9293-RSTGEN-CLOSED): nothing to a RST; otherwise a
// RST shaped to be acceptable to the sender.
func (h *Host) replyClosed(seg *spec.Segment) { h.replyClosedFrom(nil, seg) }

// replyClosedFrom is replyClosed for connection c (nil: none), whose
// options the RST may carry (RSTCarriesTS).
func (h *Host) replyClosedFrom(c *Conn, seg *spec.Segment) {
	if seg.Flags&spec.RST != 0 {
		return
	}
	h.rule("R9293-RSTGEN-CLOSED")
	h.rule("R9293-RSTGEN-CLEAR") // plainly not for any connection of ours
	r := spec.Segment{Src: seg.Dst, Dst: seg.Src}
	if seg.Flags&spec.ACK != 0 {
		r.Flags, r.Seq = spec.RST, seg.Ack
	} else {
		r.Flags, r.Seq, r.Ack = spec.RST|spec.ACK, 0, seg.End()
	}
	c.rstTS(h, &r)
	h.send(r)
}

// rstForACK sends <SEQ=SEG.ACK><CTL=RST>, the answer to an unacceptable
// ACK in a non-synchronized state (R9293-RSTGEN-UNSYNC).
func (h *Host) rstForACK(seg *spec.Segment) { h.rstForACKFrom(nil, seg) }

// rstForACKFrom is rstForACK for connection c (nil: none), whose options
// the RST may carry (RSTCarriesTS).
func (h *Host) rstForACKFrom(c *Conn, seg *spec.Segment) {
	h.rule("R9293-RSTGEN-UNSYNC")
	r := spec.Segment{Src: seg.Dst, Dst: seg.Src, Flags: spec.RST, Seq: seg.Ack}
	c.rstTS(h, &r)
	h.send(r)
}

// rstTS adds the Timestamps option to a RST connection c forms from a
// segment, where the profile says so (RSTCarriesTS, R7323-TS-EVERY).
func (c *Conn) rstTS(h *Host, r *spec.Segment) {
	if c != nil && h.p.RSTCarriesTS && c.TSOK {
		h.rule("R7323-TS-EVERY")
		r.Opts.HasTS, r.Opts.TS = true, spec.Timestamp{Val: spec.TSClock(h.now), Ecr: c.TSRecent}
	}
}

// arriveListen is §3.10.7.2.
func (h *Host) arriveListen(l *Socket, seg *spec.Segment) {
	switch {
	case seg.Flags&spec.RST != 0:
		h.rule("R9293-RST-LISTEN")
	case seg.Flags&spec.ACK != 0:
		h.rule("R9293-SEG-LISTEN-ACK")
		if seg.Flags&spec.SYN != 0 && h.p.ListenSynAckDropped {
			h.rule("AMB-LISTEN-SYNACK")
			return
		}
		h.rstForACK(seg)
	case seg.Flags&spec.SYN != 0:
		if seg.Flags&spec.FIN != 0 && h.p.SynFinDropped {
			h.rule("R9293-SEG-LISTEN-SYN")
			return
		}
		h.acceptSyn(l, seg, h.issFor(seg.Tuple()), nil)
	default:
		h.rule("R9293-SEG-LISTEN-OTHER")
	}
}

// issFor chooses the ISS of a new connection (RFC 9293 §3.4.1).
func (h *Host) issFor(t spec.FourTuple) spec.Seq {
	if h.cfg.FixedISS != 0 {
		return h.cfg.FixedISS
	}
	return spec.InitialSeq(h.cfg.ISNSecret, t, h.now)
}

// acceptSyn creates a passive connection in SYN-RECEIVED for a SYN that
// reached listener l, and answers <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>
// (R9293-SEG-LISTEN-SYN). Text and a FIN carried by the SYN are not kept:
// the peer's retransmission delivers them once the connection is open.
func (h *Host) acceptSyn(l *Socket, seg *spec.Segment, iss spec.Seq, prev *twMemo) {
	if h.pendingChildren(l) >= max(l.Backlog, 1) {
		if !h.p.ListenBacklogDrop {
			h.replyClosed(seg)
		}
		return
	}
	h.rule("R9293-SEG-LISTEN-SYN")
	c := h.newConn(seg.Tuple())
	c.Passive, c.Parent, c.ReuseAddr, c.ExplicitBind = true, l.FD, l.ReuseAddr, true
	c.UserTimeout, c.FW2Timeout = l.UserTimeout, l.Linger2
	if l.R2Set {
		c.R2 = l.R2
	}
	c.State = spec.SynReceived
	c.IRS, c.RcvNxt = seg.Seq, seg.Seq.Add(1)
	c.ISS, c.SndUna, c.SndNxt, c.SndEnd = iss, iss, iss.Add(1), iss.Add(1)
	c.negotiateWS(h, seg)
	c.SndWnd = c.peerWnd(h, seg)
	c.MaxSndWnd, c.SndWL1 = c.SndWnd, seg.Seq
	c.SendMSS = peerMSS(h, seg)
	c.roundRcvBuf(h)
	if h.p.Timestamps && seg.Opts.HasTS {
		c.TSOK, c.TSRecent = true, seg.Opts.TS.Val
	}
	c.SackOK = seg.Opts.SackOK
	c.PrevTW = prev
	h.send(c.synSegment(h))
	c.Timing, c.RTTSeq, c.RTTStart = true, iss, h.now
	c.armRetransmit(h)
}

func peerMSS(h *Host, seg *spec.Segment) uint16 {
	m := h.cfg.PeerMSS()
	if seg.Opts.MSS != 0 {
		m = seg.Opts.MSS
	}
	return min(m, h.p.MSS)
}

// arriveSynSent is §3.10.7.3.
func (h *Host) arriveSynSent(c *Conn, seg *spec.Segment) {
	ackOK := false
	if seg.Flags&spec.ACK != 0 {
		if seg.Ack.LEQ(c.ISS) || seg.Ack.GT(c.SndNxt) {
			h.rule("R9293-SEG-SYNSENT-ACK")
			if seg.Flags&spec.RST == 0 {
				h.rstForACK(seg)
			}
			return
		}
		ackOK = true
	}
	if seg.Flags&spec.RST != 0 {
		h.rule("R9293-RST-SYNSENT")
		if h.p.RSTCheck == spec.RSTExact {
			// RFC 5961 asks for SEG.SEQ = RCV.NXT first, but RCV.NXT is not
			// known before the peer's SYN: only the ACK can be checked
			// (AMB-SYNSENT-RCVNXT).
			h.rule("R9293-SEG-SYNSENT-RST5961")
			h.rule("AMB-SYNSENT-RCVNXT")
		}
		if ackOK {
			h.deleteConn(c, endRefused)
		}
		return
	}
	if seg.Flags&spec.SYN == 0 {
		h.rule("R9293-SEG-SYNSENT-OTHER")
		if seg.Flags&spec.FIN != 0 {
			h.rule("R9293-SEG-FIN-UNSYNC")
		}
		return
	}
	h.rule("R9293-SEG-SYNSENT-SYN")
	c.IRS, c.RcvNxt = seg.Seq, seg.Seq.Add(1)
	c.SendMSS = peerMSS(h, seg)
	c.roundRcvBuf(h)
	if h.p.Timestamps && seg.Opts.HasTS {
		c.TSOK, c.TSRecent = true, seg.Opts.TS.Val
	}
	c.negotiateWS(h, seg)
	c.SndWnd = c.peerWnd(h, seg)
	c.MaxSndWnd, c.SndWL1 = c.SndWnd, seg.Seq
	c.SackOK = seg.Opts.SackOK
	if ackOK {
		c.SndWL2 = seg.Ack
		h.ackNew(c, seg)
	}
	if c.synAcked() {
		c.synFallback(h)
		c.State = spec.Established
		h.notify(c, spec.NoticeEstablished)
		rest := *seg
		rest.Flags &^= spec.SYN
		rest.Seq = rest.Seq.Add(1)
		h.textAndFin(c, &rest, true)
		return
	}
	// Simultaneous open: SYN-RECEIVED, answer with SYN,ACK. Text on the
	// SYN waits for ESTABLISHED where the profile keeps it.
	if seg.Len > 0 && h.p.SynSentQueuesText {
		h.rule("R9293-SYNSENT-TEXT")
		c.SynText = min(seg.Len, c.rcvWnd(h))
	}
	c.State = spec.SynReceived
	h.send(c.synSegment(h))
}

// arriveOther is §3.10.7.4 for SYN-RECEIVED through LAST-ACK (TIME-WAIT
// has its own function).
func (h *Host) arriveOther(c *Conn, in *spec.Segment) {
	if c.State == spec.FinWait1 {
		defer func() {
			if c.State == spec.TimeWait {
				h.rule("R9293-NOTE2") // FIN-WAIT-1 to TIME-WAIT on one segment
			}
		}()
	}
	seg := *in
	if c.State == spec.SynReceived && c.Passive && h.p.EmbryonicSyn == spec.EmbryonicSynResend &&
		seg.Flags == spec.SYN && seg.Seq == c.IRS {
		// A retransmission of the peer's SYN: our SYN,ACK was lost; send
		// it again at once, throttled like out-of-window ACKs.
		h.rule("R9293-SEG-SYN-SYNRCVD")
		if iv := h.p.OOWAckInterval; iv > 0 && c.OOWSent && h.now.Sub(c.LastOOW) < iv {
			h.rule("R5961-THROTTLE")
			return
		} else if iv > 0 {
			c.LastOOW, c.OOWSent = h.now, true
		}
		h.send(c.synSegment(h))
		c.Retrans++
		c.Timing = false
		return
	}
	if h.bareSynDropped(&seg) && c.State != spec.SynReceived {
		return
	}
	if h.noACKDroppedFirst(c, &seg) {
		return
	}
	if h.rstAfterFin(c, &seg) {
		h.rstArrives(c, &seg)
		return
	}
	if !h.timestampsPass(c, &seg) {
		return
	}
	// First: sequence number (Table 6).
	forceAck := false
	if !c.acceptable(h, &seg) {
		switch {
		case h.simOpenSynAck(c, &seg):
			h.rule("AMB-SIMOPEN")
			h.rule("R9293-A2")
			seg.Flags &^= spec.SYN
			seg.Seq = seg.Seq.Add(1)
		case c.rcvWnd(h) == 0 && seg.Seq == c.RcvNxt:
			// Zero window: the ACK (and a RST) still count, text does not
			// (R9293-SEG-ZEROWND, AMB-RST-ZEROWND, AMB-FIN-ZEROWND).
			h.rule("R9293-SEG-ZEROWND")
			if seg.Flags&spec.RST != 0 {
				h.rule("AMB-RST-ZEROWND")
			}
			keepFin := seg.Flags&spec.FIN != 0 && seg.Len == 0 && seg.Flags&spec.SYN == 0 && h.p.ZeroWindowAcceptsFIN
			if keepFin {
				h.rule("AMB-FIN-ZEROWND")
			} else {
				seg.Flags &^= spec.FIN
				forceAck = seg.Len > 0 || in.Flags&spec.FIN != 0
			}
			seg.Len = 0
		default:
			h.rule("R9293-SEG-UNACCEPT")
			if seg.Flags&spec.RST != 0 {
				return
			}
			if h.oldSegmentAck(c, &seg) {
				return
			}
			h.rule("R9293-RSTGEN-SYNC")
			h.rule("R9293-RSTGEN-CLEAR") // unclear whether it is ours: ACK, never RST
			c.sendOOWAck(h, &seg)
			return
		}
	}
	if !h.p.TSRecentAfterACK {
		c.updateTSRecent(h, &seg)
	}
	// Second: RST.
	if seg.Flags&spec.RST != 0 {
		h.rstArrives(c, &seg)
		return
	}
	// Fourth: SYN.
	if seg.Flags&spec.SYN != 0 {
		h.synArrives(c, &seg)
		return
	}
	// Fifth: ACK.
	if h.noACKDropped(&seg) {
		return
	}
	if h.p.ClosingChecksFirst && h.closingChecks(c, &seg) {
		return
	}
	queued := c.SynText > 0
	if !h.ackArrives(c, &seg) {
		return
	}
	if queued && c.SynText == 0 {
		forceAck = true // the SYN's text was delivered: acknowledge it
	}
	// Seventh and eighth: text and FIN.
	h.textAndFin(c, &seg, forceAck)
}

// rstAfterFin reports whether seg is a RST at RCV.NXT-1 after the peer's
// FIN that the profile takes as valid (RSTBelowRcvNxtAfterFin,
// AMB-RST-AFTER-FIN); it moves such a RST to RCV.NXT so that step two
// takes it.
func (h *Host) rstAfterFin(c *Conn, seg *spec.Segment) bool {
	if !h.p.RSTBelowRcvNxtAfterFin || seg.Flags&spec.RST == 0 || seg.Seq != c.RcvNxt-1 ||
		(c.State != spec.CloseWait && c.State != spec.Closing && c.State != spec.LastAck) {
		return false
	}
	h.rule("AMB-RST-AFTER-FIN")
	seg.Seq = c.RcvNxt
	return true
}

// oldSegmentAck handles a segment wholly below RCV.NXT where the profile
// processes the ACK field of old duplicates (OldSegmentAckProcessed,
// AMB-OLD-SEG-ACK): text and FIN are dropped, the ACK is processed as
// step five would, and the segment is acknowledged unless that ACK ended
// the connection (LAST-ACK) or something was sent already. A CLOSING
// connection whose FIN it acknowledges sends the ACK from TIME-WAIT. It
// reports whether it handled seg.
func (h *Host) oldSegmentAck(c *Conn, seg *spec.Segment) bool {
	if !h.p.OldSegmentAckProcessed || c.State == spec.SynReceived || seg.Flags&(spec.ACK|spec.SYN) != spec.ACK ||
		!seg.Seq.LT(c.RcvNxt) || !seg.End().LEQ(c.RcvNxt) {
		return false
	}
	h.rule("AMB-OLD-SEG-ACK")
	old := *seg
	old.Len, old.Flags = 0, old.Flags&^spec.FIN
	closes := c.finSent() && old.Ack == c.SndNxt && (c.State == spec.Closing || c.State == spec.LastAck)
	if closes && c.State == spec.Closing {
		h.send(c.mkseg(h, spec.ACK, c.SndNxt, 0)) // TIME-WAIT's ACK on entry
	}
	n := len(h.out)
	h.ackArrives(c, &old)
	if !closes && len(h.out) == n && c.State != spec.Closed {
		h.rule("R9293-RSTGEN-SYNC")
		c.sendOOWAck(h, seg)
	}
	return true
}

// noACKDroppedFirst: where the profile says so (NoACKDroppedFirst), a
// segment with neither ACK, SYN nor RST is dropped in a synchronized state
// before the sequence test (AMB-NOACK-FIRST).
func (h *Host) noACKDroppedFirst(c *Conn, seg *spec.Segment) bool {
	if h.p.NoACKDroppedFirst && c.State != spec.SynReceived && seg.Flags&(spec.ACK|spec.SYN|spec.RST) == 0 {
		h.rule("AMB-NOACK-FIRST")
		return true
	}
	return false
}

// closingChecks is ClosingChecksFirst (AMB-CLOSING-RCV): in FIN-WAIT-1
// through LAST-ACK an acceptable segment with ACK is checked before its
// ACK is processed, as gVisor's receiver does. It reports whether the
// segment is consumed; a second FIN at RCV.NXT after the peer's FIN is
// taken (RCV.NXT advances, an ACK goes out) and stripped from seg.
func (h *Host) closingChecks(c *Conn, seg *spec.Segment) bool {
	switch c.State {
	case spec.FinWait1, spec.FinWait2, spec.CloseWait, spec.Closing, spec.LastAck:
	default:
		return false
	}
	h.rule("AMB-CLOSING-RCV")
	peerFin := c.State.PeerFinReceived()
	rcvClosed := c.RcvShut || peerFin
	if peerFin && seg.Seq.GT(c.RcvNxt) {
		h.rule("R9293-SEG-TEXT-LATE") // beyond the peer's FIN: dropped, ACK unseen
		return true
	}
	if seg.Ack.GT(c.SndNxt) {
		h.rule("R9293-SEG-ACK-ESTAB")
		c.sendChallengeAck(h, seg)
		return true
	}
	textEnd := seg.Seq.Add(seg.Len)
	newSeg := seg.SegLen() > 0 && seg.End().GT(c.RcvNxt)
	if (c.State != spec.CloseWait && rcvClosed && textEnd.GT(c.RcvNxt)) ||
		(c.State != spec.FinWait1 && c.Orphan && newSeg && (seg.Flags&spec.FIN == 0 || seg.End() != c.RcvNxt.Add(1))) {
		// Text the application can no longer read, or anything but the
		// peer's FIN after close(): abort with RST,ACK at SND.NXT.
		h.rule("R2525-RST-LATE-DATA")
		h.rule("R9293-SHLD3")
		h.send(c.abortRST(h))
		h.deleteConn(c, endLocal)
		return true
	}
	if rcvClosed && textEnd.GT(c.RcvNxt) {
		h.rule("R9293-SEG-TEXT-LATE") // CLOSE-WAIT: text after the FIN, dropped whole
		return true
	}
	if peerFin && seg.Flags&spec.FIN != 0 && seg.Len == 0 && seg.Seq == c.RcvNxt {
		h.rule("R9293-SEG-FIN") // a second FIN, taken as the first was
		c.RcvNxt = c.RcvNxt.Add(1)
		c.sendAck(h)
		seg.Flags &^= spec.FIN
	}
	return false
}

// timestampsPass applies RFC 7323 before the sequence test: a missing
// option (R7323-TS-MISSING) and PAWS (R7323-PAWS). RSTs are exempt
// (R7323-PAWS-RST).
func (h *Host) timestampsPass(c *Conn, seg *spec.Segment) bool {
	if !c.TSOK {
		return true
	}
	if seg.Flags&spec.RST != 0 {
		h.rule("R7323-PAWS-RST")
		return true
	}
	if !seg.Opts.HasTS {
		if h.p.TSMissingDrop {
			h.rule("R7323-TS-MISSING")
			return false
		}
		return true
	}
	if int32(seg.Opts.TS.Val-c.TSRecent) < 0 {
		h.rule("R7323-PAWS")
		if h.p.NoPAWS {
			return true // no PAWS: an old TSval is let through
		}
		c.sendOOWAck(h, seg)
		return false
	}
	return true
}

// updateTSRecent records SEG.TSval from an acceptable segment that does not
// start beyond RCV.NXT (R7323-TSRECENT).
func (c *Conn) updateTSRecent(h *Host, seg *spec.Segment) {
	if c.TSOK && seg.Opts.HasTS && seg.Seq.LEQ(c.RcvNxt) && int32(seg.Opts.TS.Val-c.TSRecent) >= 0 {
		h.rule("R7323-TSRECENT")
		c.TSRecent = seg.Opts.TS.Val
	}
}

// simOpenSynAck recognises the peer's SYN,ACK in a simultaneously opened
// SYN-RECEIVED when the profile lets it through (AMB-SIMOPEN).
func (h *Host) simOpenSynAck(c *Conn, seg *spec.Segment) bool {
	return h.p.SimOpenSynAckAccepted && c.State == spec.SynReceived && !c.Passive &&
		seg.Flags&(spec.SYN|spec.ACK|spec.RST) == spec.SYN|spec.ACK &&
		seg.Seq.Add(1) == c.RcvNxt && seg.Ack == c.SndNxt
}

// rstArrives is step two for a segment that passed the sequence test.
func (h *Host) rstArrives(c *Conn, seg *spec.Segment) {
	check := h.p.RSTCheck
	if c.State == spec.SynReceived && c.Passive && h.p.EmbryonicRSTInWindow {
		check = spec.RSTInWindow // Linux request sockets: any in-window RST
	}
	switch check {
	case spec.RSTInWindow:
		h.rule("R9293-RST-WINDOW")
	case spec.RSTExact:
		h.rule("R9293-SEG-RST5961")
		if seg.Seq != c.RcvNxt {
			h.rule("R5961-RST-CHALLENGE")
			c.sendChallengeAck(h, seg)
			return
		}
		h.rule("R5961-RST-EXACT")
	}
	if seg.Len > 0 {
		h.rule("R9293-RST-DATA")
	}
	switch c.State {
	case spec.SynReceived:
		h.rule("R9293-RST-SYNRCVD")
		if c.Passive {
			h.rule("R9293-NOTE1")
			prev := c.PrevTW
			h.deleteConn(c, endLocal)
			if prev != nil && h.p.ReopenReturnsToTimeWait {
				h.restoreTimeWait(c.Tuple, prev)
			}
			return
		}
		h.deleteConn(c, endRefused)
	case spec.Established, spec.FinWait1, spec.FinWait2, spec.CloseWait:
		h.rule("R9293-RST-ABORT")
		h.deleteConn(c, endReset)
	default: // CLOSING, LAST-ACK
		h.rule("R9293-RST-LATE")
		h.rule("AMB-RST-LATE-NOTIFY")
		h.deleteConn(c, endReset)
	}
}

// synArrives is step four: a SYN in SYN-RECEIVED or a synchronized state.
func (h *Host) synArrives(c *Conn, seg *spec.Segment) {
	if c.State == spec.SynReceived && c.Passive {
		h.rule("R9293-SEG-SYN-SYNRCVD")
		h.deleteConn(c, endLocal)
		if h.p.EmbryonicSyn == spec.EmbryonicSynResend {
			h.replyClosedFrom(c, seg) // Linux embryonic_reset answers with a RST
		}
		return
	}
	h.synPolicy(c, seg)
}

// bareSynDropped: under the challenge-if-ack SYN policy (smoltcp) a SYN
// without ACK is dropped before the sequence test (AMB-SYN-SYNC).
func (h *Host) bareSynDropped(seg *spec.Segment) bool {
	if h.p.SynInSync == spec.SynChallengeIfACK && seg.Flags&(spec.SYN|spec.ACK|spec.RST) == spec.SYN {
		h.rule("AMB-SYN-SYNC")
		return true
	}
	return false
}

// synPolicy answers a SYN in a synchronized state per the profile
// (AMB-SYN-SYNC).
func (h *Host) synPolicy(c *Conn, seg *spec.Segment) {
	switch h.p.SynInSync {
	case spec.SynChallengeACK:
		h.rule("R9293-SEG-SYN-CHALLENGE")
		h.rule("R5961-SYN")
		c.sendChallengeAck(h, seg)
	case spec.SynRFC793:
		h.rule("R9293-SEG-SYN-793")
		h.send(c.abortRST(h))
		h.deleteConn(c, endReset)
	case spec.SynChallengeIfACK:
		h.rule("AMB-SYN-SYNC")
		if seg.Flags&spec.ACK != 0 {
			c.sendChallengeAck(h, seg)
		}
	}
}

// ackArrives is step five. It reports whether processing goes on to the
// text and FIN.
func (h *Host) ackArrives(c *Conn, seg *spec.Segment) bool {
	if c.State == spec.SynReceived {
		h.rule("R9293-SEG-ACK-SYNRCVD")
		if !(c.SndUna.LT(seg.Ack) && seg.Ack.LEQ(c.SndNxt)) {
			h.rstForACKFrom(c, seg)
			return false
		}
		h.establish(c, seg)
	}
	if seg.Ack.GT(c.SndNxt) {
		h.rule("R9293-SEG-ACK-ESTAB")
		if c.State == spec.Established {
			switch h.p.AckAboveSndNxt {
			case spec.AckAboveDropInEstablished:
				h.rule("AMB-ACK-ABOVE")
				return false
			case spec.AckAboveTextFirst:
				h.rule("AMB-ACK-ABOVE") // the ACK is ignored, text and FIN are not
				return true
			}
		}
		c.sendChallengeAck(h, seg)
		return false
	}
	bound := c.MaxSndWnd
	if h.p.ACKWindowBytesAcked && h.p.ACKWindowCheck {
		h.rule("AMB-ACK-BYTES-ACKED")
		bound = min(bound, c.SndUna.Sub(c.ISS.Add(1)))
	}
	if h.p.ACKWindowCheck && seg.Ack.LT(c.SndUna-spec.Seq(bound)) {
		h.rule("R9293-MAY12")
		h.rule("R5961-ACK")
		c.sendChallengeAck(h, seg)
		return false
	}
	if h.p.TSRecentAfterACK && seg.Ack.GEQ(c.SndUna) {
		c.updateTSRecent(h, seg) // only now that the ACK is accepted
	}
	// The ACK is tested against SND.UNA as old first, as Linux's tcp_ack
	// (before(ack, prior_snd_una)) and FreeBSD's tcp_do_segment
	// (SEQ_LEQ(th_ack, snd_una)) do: an ACK exactly 2^31 away is old, never
	// an advance past SND.NXT (R9293-SEQ-MOD).
	advanced := seg.Ack.GT(c.SndUna)
	if advanced {
		h.ackNew(c, seg)
	} else {
		h.rule("R1122-DUPACK")
	}
	// The window is taken only from a segment whose ACK is not old
	// (SND.UNA =< SEG.ACK =< SND.NXT) and which is newer than the last
	// used (SND.WL1, SND.WL2).
	if h.p.WindowFromEveryACK || (seg.Ack.GEQ(c.SndUna) && (c.SndWL1.LT(seg.Seq) || (c.SndWL1 == seg.Seq && c.SndWL2.LEQ(seg.Ack)))) {
		h.rule("R9293-SEG-ACK-WINDOW")
		c.SndWnd, c.SndWL1, c.SndWL2 = c.peerWnd(h, seg), seg.Seq, seg.Ack
		c.MaxSndWnd = max(c.MaxSndWnd, c.SndWnd)
	}
	if !advanced && c.SndWnd == 0 && c.Retrans > 0 {
		// The peer answers our probes of its zero window: the
		// connection stays open however long that lasts (MUST-37).
		c.Retrans = 0
	}
	// Under ClosingChecksFirst the ACK of our FIN changes state only on a
	// segment taken in at RCV.NXT (AMB-CLOSING-RCV).
	moves := !h.p.ClosingChecksFirst || takenAt(seg, c.RcvNxt)
	switch c.State {
	case spec.FinWait1:
		if moves && c.finAcked() {
			h.rule("R9293-SEG-ACK-FW1")
			c.State = spec.FinWait2
			h.notify(c, spec.NoticeCloseDone)
			h.armFinWait2(c)
		}
	case spec.FinWait2:
		h.rule("R9293-SEG-ACK-FW2")
	case spec.Closing:
		h.rule("R9293-SEG-ACK-CLOSING")
		if !c.finAcked() {
			c.output(h) // data queued before CLOSE, and the FIN, still go out (R9293-CLOSE-RELIABLE)
		}
		if moves && c.finAcked() {
			if !h.p.ClosingStartsTimeWait {
				h.rule("AMB-CLOSING-TIMER")
			}
			h.notify(c, spec.NoticeCloseDone)
			h.enterTimeWait(c, h.p.ClosingStartsTimeWait)
		}
		return false
	case spec.LastAck:
		h.rule("R9293-SEG-ACK-LASTACK")
		if !c.finAcked() {
			c.output(h) // CLOSE in CLOSE-WAIT queued the FIN behind data (R9293-CLOSE-CLOSEWAIT)
		}
		if moves && c.finAcked() {
			h.notify(c, spec.NoticeCloseDone)
			h.deleteConn(c, endNormal)
		}
		return false
	}
	c.output(h)
	return true
}

// takenAt reports whether a receiver that takes segments in only at
// rcvNxt (gVisor rcv.go consumeSegment) takes seg: a segment without text
// exactly at rcvNxt, or text covering rcvNxt.
func takenAt(seg *spec.Segment, rcvNxt spec.Seq) bool {
	if seg.Len == 0 {
		return seg.Seq == rcvNxt
	}
	return seg.Seq.LEQ(rcvNxt) && rcvNxt.LT(seg.Seq.Add(seg.Len))
}

// establish completes the handshake from SYN-RECEIVED.
func (h *Host) establish(c *Conn, seg *spec.Segment) {
	c.State = spec.Established
	if c.SynText > 0 {
		h.rule("R9293-SYNSENT-TEXT")
		c.deliver(c.SynText)
		c.SynText = 0
	}
	c.SndWnd, c.SndWL1, c.SndWL2 = c.peerWnd(h, seg), seg.Seq, seg.Ack
	c.MaxSndWnd = max(c.MaxSndWnd, c.SndWnd)
	if c.Passive {
		if l := h.socks[c.Parent]; l != nil && l.State == sockListening {
			l.Queue = append(l.Queue, c.Tuple)
			c.Queued = true
		}
	} else {
		h.notify(c, spec.NoticeEstablished)
	}
	if c.FinQueued {
		c.State = spec.FinWait1 // CLOSE was queued in SYN-RECEIVED (R9293-CLOSE-SYNRCVD)
	}
}

// ackNew processes an ACK of new data: advance SND.UNA, take an RTT sample
// unless the timed segment was retransmitted (R6298-KARN) or, where the
// profile says so, from the echoed timestamp (R6298-RTTM), and restart or
// stop the timers (R6298-TIMER).
func (h *Host) ackNew(c *Conn, seg *spec.Segment) {
	ack := seg.Ack
	h.rule("R9293-SEG-ACK-ESTAB")
	if c.Timing && c.RTTSeq.LT(ack) {
		h.rule("R6298-KARN")
		c.sampleRTT(h, h.now.Sub(c.RTTStart))
		c.Timing = false
	} else if r, ok := c.tsSample(h, seg); ok {
		h.rule("R6298-RTTM")
		c.sampleRTT(h, r)
	}
	c.SndUna = ack
	if c.ProbeSent && c.SndUna.GEQ(c.ProbeHigh) {
		c.ProbeSent = false // the tail the probe was for is acknowledged
	}
	c.Retrans, c.R1Noted = 0, false
	if c.InRecovery {
		if c.SndUna.LT(c.Recover) && c.SndUna != c.SndNxt {
			h.rule("R9293-TO-RETX") // a partial ACK after a timeout: resend the new head now
			c.retransmit(h)
		} else {
			c.InRecovery = false
		}
	}
	c.ProbeArmed = false
	if c.SndUna == c.SndNxt {
		c.Timer[spec.TimerRetransmit] = spec.Never
		c.Timer[spec.TimerUser] = spec.Never
	} else {
		h.rule("R6298-TIMER")
		c.Timer[spec.TimerRetransmit] = h.now.Add(c.RTO)
		c.armProbe(h, true)
		if c.UserTimeout > 0 {
			c.Timer[spec.TimerUser] = h.now.Add(c.UserTimeout)
		}
	}
}

// tsSample is the RTT an ACK's echoed timestamp gives where the profile
// takes RTT samples from timestamps (RTTFromTimestamps) and no sequence
// sample was possible: the TSecr of our clock (spec.TSClock, 1 ms ticks),
// if it is not in the future.
func (c *Conn) tsSample(h *Host, seg *spec.Segment) (time.Duration, bool) {
	if !h.p.RTTFromTimestamps || !c.TSOK || !seg.Opts.HasTS || seg.Opts.TS.Ecr == 0 {
		return 0, false
	}
	now := spec.TSClock(h.now)
	if int32(now-seg.Opts.TS.Ecr) < 0 {
		return 0, false
	}
	sent := spec.Time(int64(seg.Opts.TS.Ecr-1) * int64(time.Millisecond))
	if sent > h.now {
		return 0, false
	}
	return h.now.Sub(sent), true
}

// textAndFin is steps seven and eight. forceAck asks for an ACK even if
// the segment carries neither text nor FIN.
func (h *Host) textAndFin(c *Conn, seg *spec.Segment, forceAck bool) {
	needAck := forceAck
	delayable := false // the ACK is for new in-order text or a FIN only
	start := seg.Seq
	end := start.Add(seg.Len)
	wndEnd := c.RcvNxt.Add(c.rcvWnd(h))
	switch c.State {
	case spec.Established, spec.FinWait1, spec.FinWait2:
		if seg.Len > 0 && end.GT(c.RcvNxt) {
			if c.RcvShut && c.State != spec.Established && h.p.RSTOnDataAfterClose {
				h.rule("R9293-SHLD3")
				h.rule("R2525-RST-LATE-DATA")
				h.rule("R1122-HALFDUPLEX")
				h.deleteConn(c, endLocal)
				h.replyClosed(seg)
				return
			}
			h.rule("R9293-SEG-TEXT")
			if c.State != spec.Established {
				h.rule("R9293-HALFCLOSE") // we closed; the peer still sends
			}
			before := c.RcvNxt
			c.textArrived(h)
			if h.receiveText(c, start, end, wndEnd) {
				needAck = true
				delayable = !forceAck && start.LEQ(before) && c.RcvNxt.GT(before) && len(c.Held) == 0
			}
		}
	default:
		if seg.Len > 0 {
			h.rule("R9293-SEG-TEXT-LATE")
		}
	}
	enterTW := false
	if seg.Flags&spec.FIN != 0 {
		fin := end
		switch {
		case fin == c.RcvNxt && !c.State.PeerFinReceived():
			wasEstab := c.State == spec.Established || c.State == spec.SynReceived
			enterTW = h.processFin(c)
			if !needAck || delayable {
				delayable = !forceAck && wasEstab
			}
			needAck = true
		case fin.GT(c.RcvNxt) && !c.State.PeerFinReceived() && (fin.LT(wndEnd) || (h.p.ZeroWindowAcceptsFIN && fin == wndEnd)):
			h.rule("R9293-SHLD31")
			if h.p.HoldOutOfOrderFIN && h.p.HoldOutOfOrder && (seg.Len > 0 || !h.p.HeldFINNeedsText) && (!c.HeldFin || fin.LT(c.HeldFinSeq)) {
				c.HeldFin, c.HeldFinSeq = true, fin
			}
			if h.p.AckOutOfOrder {
				h.rule("R9293-MAY13")
				needAck = true
			}
		case fin.LT(c.RcvNxt):
			needAck = true // a retransmitted FIN: acknowledge it again
			delayable = false
		}
	}
	if !enterTW && c.HeldFin && c.HeldFinSeq == c.RcvNxt && !c.State.PeerFinReceived() {
		h.rule("R9293-MUST58")
		enterTW = h.processFin(c)
		needAck = true
		delayable = false
	}
	if needAck {
		if enterTW {
			c.sendAck(h)
		} else if !c.output(h) {
			c.ackReceived(h, delayable)
		}
	}
	if enterTW {
		h.enterTimeWait(c, true)
	}
}

// receiveText takes the octets [start,end) of an acceptable segment:
// trimmed to the window (R9293-SEG-TRIM), delivered if they begin at
// RCV.NXT together with any held ranges they make contiguous
// (R9293-MUST58), otherwise held (R9293-SHLD31). It reports whether an ACK
// is due.
func (h *Host) receiveText(c *Conn, start, end, wndEnd spec.Seq) bool {
	if end.GT(wndEnd) {
		end = wndEnd
	}
	if c.HeldFin && end.GT(c.HeldFinSeq) {
		end = c.HeldFinSeq
	}
	if start.LT(c.RcvNxt) {
		h.rule("R9293-SEG-TRIM")
		start = c.RcvNxt
	}
	if !start.LT(end) {
		return true // nothing new fits: acknowledge what we have
	}
	if start != c.RcvNxt {
		if h.p.HoldOutOfOrder {
			h.rule("R9293-SHLD31")
			c.hold(h, start, end)
		}
		if h.p.AckOutOfOrder {
			h.rule("R9293-MAY13")
			return true
		}
		return false
	}
	c.deliver(end.Sub(start))
	for len(c.Held) > 0 && c.Held[0].Start.LEQ(c.RcvNxt) {
		r := c.Held[0]
		c.Held = c.Held[1:]
		if r.End.GT(c.RcvNxt) {
			h.rule("R9293-MUST58")
			c.deliver(r.End.Sub(c.RcvNxt))
		}
	}
	if len(c.Held) == 0 {
		c.Held = nil
	}
	return true
}

// deliver moves n in-order octets past RCV.NXT into the receive buffer; an
// orphaned connection discards them (the application can read no more).
func (c *Conn) deliver(n uint32) {
	c.RcvNxt = c.RcvNxt.Add(n)
	if !c.Orphan {
		c.Unread += n
	}
}

// hold inserts [start,end) into the held ranges, merging overlaps, keeping
// at most MaxHeldRanges (the farthest range is dropped first).
func (c *Conn) hold(h *Host, start, end spec.Seq) {
	rs := append([]seqRange(nil), c.Held...)
	rs = append(rs, seqRange{start, end})
	// insertion sort by Start (few ranges)
	for i := len(rs) - 1; i > 0 && rs[i].Start.LT(rs[i-1].Start); i-- {
		rs[i], rs[i-1] = rs[i-1], rs[i]
	}
	merged := rs[:0]
	for _, r := range rs {
		if n := len(merged); n > 0 && r.Start.LEQ(merged[n-1].End) {
			if r.End.GT(merged[n-1].End) {
				merged[n-1].End = r.End
			}
			continue
		}
		merged = append(merged, r)
	}
	if len(merged) > h.p.MaxHeldRanges {
		merged = merged[:h.p.MaxHeldRanges]
	}
	if len(merged) == 0 {
		merged = nil
	}
	c.Held = merged
}

// processFin is step eight for a FIN at RCV.NXT: report "connection
// closing", advance RCV.NXT over it and change state
// (R9293-SEG-FIN, R9293-SEG-FIN-STATE). It reports whether the connection
// is to enter TIME-WAIT once the FIN is acknowledged.
func (h *Host) processFin(c *Conn) bool {
	h.rule("R9293-SEG-FIN")
	h.rule("R9293-CLOSE-SIGNAL")
	h.rule("R9293-MUST12")
	c.RcvNxt = c.RcvNxt.Add(1)
	c.HeldFin = false
	c.Held = nil
	h.notify(c, spec.NoticePeerClosed)
	if s := h.sockOf(c); s != nil {
		s.EOF = true
	}
	h.rule("R9293-SEG-FIN-STATE")
	switch c.State {
	case spec.SynReceived, spec.Established:
		h.rule("R9293-CLOSE-PASSIVE")
		c.State = spec.CloseWait
		if h.p.FinPingpong && h.p.AckDelay > 0 {
			h.rule("AMB-DELACK-FIN") // wait for the application's FIN to carry the ACK
			c.Pingpong = true
		}
	case spec.FinWait1:
		// Step 8 also says FIN-WAIT-1 goes to TIME-WAIT "if our FIN has
		// been ACKed (perhaps in this segment)"; step 5 has by then already
		// moved such a connection to FIN-WAIT-2, so that branch is only
		// ever taken through FIN-WAIT-2 below (R9293-NOTE2).
		h.rule("R9293-CLOSE-SIMULTANEOUS")
		c.State = spec.Closing
	case spec.FinWait2:
		h.rule("R9293-SEG-FIN-TW")
		return true
	}
	return false
}
