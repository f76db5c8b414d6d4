package impl

import (
	"time"

	"github.com/tcpclose/tcpclose/spec"
)

// memo is what a reopened TIME-WAIT needs to come back (MAY-2 (2)).
type memo struct {
	ok       bool
	id       uint64
	sndNxt   spec.Seq
	rcvNxt   spec.Seq
	tsok     bool
	tsRecent uint32
	wsOK     bool
	deadline spec.Time
	reuse    bool
	explicit bool
	oowSent  bool
	lastOOW  spec.Time
}

// segmentArrives dispatches an arriving segment (RFC 9293 §3.10.7).
func (s *Stack) segmentArrives(seg *spec.Segment) {
	if seg.Dst.IP != s.cfg.Addr || seg.Src.Port == 0 || seg.Dst.Port == 0 || seg.Len > maxPayload ||
		!spec.SameFamily(seg.Src.IP, s.cfg.Addr) {
		return
	}
	key := s.key(seg.Src, seg.Dst.Port)
	h := s.cidx.hash(key) // both indexes share the Stack's seed
	if s.synFinDropped(seg) {
		if _, ok := s.cidx.findHashed(key, h); ok {
			return
		}
		if _, ok := s.tw.idx.findHashed(key, h); ok {
			return
		}
	}
	if i, ok := s.cidx.findHashed(key, h); ok {
		c := s.conns.at(i)
		if c.state == spec.SynSent {
			s.arriveSynSent(c, seg)
		} else {
			s.arriveOther(c, seg)
		}
		return
	}
	if i, ok := s.tw.idx.findHashed(key, h); ok {
		s.arriveTimeWait(i, seg)
		return
	}
	if l := s.listener(seg.Dst.Port); l != nil {
		s.arriveListen(l, seg, key)
		return
	}
	s.replyClosed(seg) // R9293-SEG-CLOSED
}

// synFinDropped: SYN|FIN dropped in every connection state
// (AMB-SYNFIN-STATE).
func (s *Stack) synFinDropped(seg *spec.Segment) bool {
	return s.p.SynFinDropped && s.p.SynFinDroppedAnyState && seg.Flags&(spec.SYN|spec.FIN) == spec.SYN|spec.FIN
}

// replyClosed answers a segment for which no connection exists
// (R9293-RSTGEN-CLOSED).
func (s *Stack) replyClosed(seg *spec.Segment) { s.replyClosedTS(seg, false, 0) }

// replyClosedTS is replyClosed for a connection that negotiated
// timestamps (ts) with TS.Recent recent, whose RST may carry them
// (RSTCarriesTS).
func (s *Stack) replyClosedTS(seg *spec.Segment, ts bool, recent uint32) {
	if seg.Flags&spec.RST != 0 {
		return
	}
	r := spec.Segment{Src: seg.Dst, Dst: seg.Src}
	if seg.Flags&spec.ACK != 0 {
		r.Flags, r.Seq = spec.RST, seg.Ack
	} else {
		r.Flags, r.Seq, r.Ack = spec.RST|spec.ACK, 0, seg.End()
	}
	if ts && s.p.RSTCarriesTS {
		s.tsOpt(&r, recent) // R7323-TS-EVERY
	}
	s.send(r)
}

// rstForACK sends <SEQ=SEG.ACK><CTL=RST> (R9293-RSTGEN-UNSYNC).
func (s *Stack) rstForACK(seg *spec.Segment) { s.rstForACKTS(seg, false, 0) }

// rstForACKTS is rstForACK for a connection that negotiated timestamps
// (RSTCarriesTS).
func (s *Stack) rstForACKTS(seg *spec.Segment, ts bool, recent uint32) {
	r := spec.Segment{Src: seg.Dst, Dst: seg.Src, Flags: spec.RST, Seq: seg.Ack}
	if ts && s.p.RSTCarriesTS {
		s.tsOpt(&r, recent) // R7323-TS-EVERY
	}
	s.send(r)
}

// arriveListen is §3.10.7.2.
func (s *Stack) arriveListen(l *sock, seg *spec.Segment, key uint64) {
	switch {
	case seg.Flags&spec.RST != 0: // R9293-RST-LISTEN
	case seg.Flags&spec.ACK != 0:
		if seg.Flags&spec.SYN != 0 && s.p.ListenSynAckDropped { // AMB-LISTEN-SYNACK
			return
		}
		s.rstForACK(seg)
	case seg.Flags&spec.SYN != 0:
		if seg.Flags&spec.FIN != 0 && s.p.SynFinDropped {
			return
		}
		s.acceptSyn(l, seg, key, s.issFor(key), memo{})
	}
}

// issFor chooses the ISS of a new connection (RFC 9293 §3.4.1).
func (s *Stack) issFor(key uint64) spec.Seq {
	if s.cfg.FixedISS != 0 {
		return s.cfg.FixedISS
	}
	return spec.InitialSeq(s.cfg.ISNSecret, s.tuple(key), s.now)
}

// acceptSyn creates a passive connection in SYN-RECEIVED
// (R9293-SEG-LISTEN-SYN).
func (s *Stack) acceptSyn(l *sock, seg *spec.Segment, key uint64, iss spec.Seq, prev memo) {
	if int(s.children[l.fd]) >= max(l.backlog, 1) {
		if !s.p.ListenBacklogDrop {
			s.replyClosed(seg)
		}
		return
	}
	c := s.newConn(key)
	c.flags |= fPassive | fExplicit
	c.parent = int16(l.fd)
	c.set(fReuse, l.reuse)
	c.userTimeout, c.fw2Timeout = l.userTimeout, l.linger2
	if l.r2Set {
		c.r2 = l.r2
	}
	s.recat(c)
	c.state = spec.SynReceived
	c.irs, c.rcvNxt = seg.Seq, seg.Seq.Add(1)
	c.iss, c.sndUna, c.sndNxt, c.sndEnd = iss, iss, iss.Add(1), iss.Add(1)
	s.negotiateWS(c, seg)
	c.sndWnd = s.peerWnd(c, seg)
	c.maxSndWnd, c.sndWL1 = c.sndWnd, seg.Seq
	c.sendMSS = s.peerMSS(seg)
	s.roundRcvBuf(c)
	if s.p.Timestamps && seg.Opts.HasTS {
		c.flags |= fTSOK
		c.tsRecent = seg.Opts.TS.Val
	}
	c.tset(tSackOK, seg.Opts.SackOK)
	if prev.ok {
		c.flags |= fHasPrev
		c.set(fPrevTSOK, prev.tsok)
		c.prevID, c.prevSndNxt, c.prevRcvNxt = prev.id, prev.sndNxt, prev.rcvNxt
		c.prevTSRecent, c.prevDeadline = prev.tsRecent, prev.deadline
		c.prevLastOOW, c.prevFlags = prev.lastOOW, 0
		if prev.wsOK {
			c.prevFlags |= prevWS
		}
		if prev.reuse {
			c.prevFlags |= prevReuse
		}
		if prev.explicit {
			c.prevFlags |= prevExplicit
		}
		if prev.oowSent {
			c.prevFlags |= prevOOWSent
		}
	}
	s.sendSyn(c)
	c.flags |= fTiming
	c.rttSeq, c.rttStart = iss, s.now
	s.armRetransmit(c)
}

func (s *Stack) peerMSS(seg *spec.Segment) uint16 {
	m := s.cfg.PeerMSS()
	if seg.Opts.MSS != 0 {
		m = seg.Opts.MSS
	}
	if s.mutant(MutantIgnorePeerMSS) {
		m = s.p.MSS
	}
	return min(m, s.p.MSS)
}

// arriveSynSent is §3.10.7.3.
func (s *Stack) arriveSynSent(c *conn, seg *spec.Segment) {
	ackOK := false
	if seg.Flags&spec.ACK != 0 {
		if seg.Ack.LEQ(c.iss) || seg.Ack.GT(c.sndNxt) {
			if seg.Flags&spec.RST == 0 {
				s.rstForACK(seg)
			}
			return
		}
		ackOK = true
	}
	if seg.Flags&spec.RST != 0 {
		if ackOK {
			s.deleteConn(c, endRefused)
		}
		return
	}
	if seg.Flags&spec.SYN == 0 {
		return
	}
	c.irs, c.rcvNxt = seg.Seq, seg.Seq.Add(1)
	c.sendMSS = s.peerMSS(seg)
	s.roundRcvBuf(c)
	if s.p.Timestamps && seg.Opts.HasTS {
		c.flags |= fTSOK
		c.tsRecent = seg.Opts.TS.Val
	}
	s.negotiateWS(c, seg)
	c.sndWnd = s.peerWnd(c, seg)
	c.maxSndWnd, c.sndWL1 = c.sndWnd, seg.Seq
	c.tset(tSackOK, seg.Opts.SackOK)
	if ackOK {
		c.sndWL2 = seg.Ack
		s.ackNew(c, seg)
	}
	if c.synAcked() {
		s.synFallback(c)
		c.state = spec.Established
		s.notify(c, spec.NoticeEstablished)
		rest := *seg
		rest.Flags &^= spec.SYN
		rest.Seq = rest.Seq.Add(1)
		s.textAndFin(c, &rest, true)
		return
	}
	if seg.Len > 0 && s.p.SynSentQueuesText && !s.mutant(MutantSynTextDropped) { // R9293-SYNSENT-TEXT
		c.synText = min(seg.Len, s.rcvWnd(c))
	}
	c.state = spec.SynReceived // simultaneous open
	s.sendSyn(c)
}

// arriveOther is §3.10.7.4 for SYN-RECEIVED through LAST-ACK.
func (s *Stack) arriveOther(c *conn, in *spec.Segment) {
	seg := *in
	if c.state == spec.SynReceived && c.has(fPassive) && s.p.EmbryonicSyn == spec.EmbryonicSynResend &&
		seg.Flags == spec.SYN && seg.Seq == c.irs {
		// A retransmission of the peer's SYN: our SYN,ACK was lost; send
		// it again at once, throttled like out-of-window ACKs
		// (R9293-SEG-SYN-SYNRCVD, R5961-THROTTLE).
		if iv := s.p.OOWAckInterval; iv > 0 && c.has(fOOWSent) && s.now.Sub(c.lastOOW) < iv {
			return
		} else if iv > 0 {
			c.lastOOW = s.now
			c.flags |= fOOWSent
		}
		s.sendSyn(c)
		c.retrans++
		c.flags &^= fTiming
		return
	}
	if s.bareSynDropped(&seg) && c.state != spec.SynReceived {
		return
	}
	if s.noACKDroppedFirst(c, &seg) {
		return
	}
	if s.rstAfterFin(c, &seg) {
		s.rstArrives(c, &seg)
		return
	}
	if !s.timestampsPass(c, &seg) {
		return
	}
	forceAck := false
	if !s.acceptable(c.rcvNxt, s.rcvWnd(c), &seg) {
		switch {
		case s.simOpenSynAck(c, &seg): // AMB-SIMOPEN
			seg.Flags &^= spec.SYN
			seg.Seq = seg.Seq.Add(1)
		case s.rcvWnd(c) == 0 && seg.Seq == c.rcvNxt: // R9293-SEG-ZEROWND
			keepFin := seg.Flags&spec.FIN != 0 && seg.Len == 0 && seg.Flags&spec.SYN == 0 && s.p.ZeroWindowAcceptsFIN
			if !keepFin {
				seg.Flags &^= spec.FIN
				forceAck = seg.Len > 0 || in.Flags&spec.FIN != 0
			}
			seg.Len = 0
		default: // R9293-SEG-UNACCEPT
			if seg.Flags&spec.RST != 0 {
				return
			}
			if s.oldSegmentAck(c, &seg) {
				return
			}
			s.sendOOWAck(c, &seg)
			return
		}
	}
	if !s.p.TSRecentAfterACK {
		s.updateTSRecent(c, &seg)
	}
	if seg.Flags&spec.RST != 0 {
		s.rstArrives(c, &seg)
		return
	}
	if seg.Flags&spec.SYN != 0 {
		s.synArrives(c, &seg)
		return
	}
	if seg.Flags&spec.ACK == 0 { // R9293-SEG-NOACK
		return
	}
	if s.p.ClosingChecksFirst && s.closingChecks(c, &seg) {
		return
	}
	queued := c.synText > 0
	if !s.ackArrives(c, &seg) {
		return
	}
	if queued && c.synText == 0 {
		forceAck = true // the SYN's text was delivered (R9293-SYNSENT-TEXT)
	}
	s.textAndFin(c, &seg, forceAck)
}

// rstAfterFin takes a RST at RCV.NXT-1 after the peer's FIN as valid
// where the profile says so (AMB-RST-AFTER-FIN), moving it to RCV.NXT.
func (s *Stack) rstAfterFin(c *conn, seg *spec.Segment) bool {
	if !s.p.RSTBelowRcvNxtAfterFin || seg.Flags&spec.RST == 0 || seg.Seq != c.rcvNxt-1 ||
		(c.state != spec.CloseWait && c.state != spec.Closing && c.state != spec.LastAck) {
		return false
	}
	seg.Seq = c.rcvNxt
	return true
}

// oldSegmentAck processes the ACK field of a segment wholly below RCV.NXT
// where the profile says so (OldSegmentAckProcessed, AMB-OLD-SEG-ACK),
// then acknowledges it unless the ACK ended the connection or something
// was sent already; CLOSING sends TIME-WAIT's ACK first. It reports
// whether it handled seg.
func (s *Stack) oldSegmentAck(c *conn, seg *spec.Segment) bool {
	if !s.p.OldSegmentAckProcessed || c.state == spec.SynReceived || seg.Flags&(spec.ACK|spec.SYN) != spec.ACK ||
		!seg.Seq.LT(c.rcvNxt) || !seg.End().LEQ(c.rcvNxt) {
		return false
	}
	old := *seg
	old.Len, old.Flags = 0, old.Flags&^spec.FIN
	closes := c.finSent() && old.Ack == c.sndNxt && (c.state == spec.Closing || c.state == spec.LastAck)
	if closes && c.state == spec.Closing {
		s.sendSeg(c, spec.ACK, c.sndNxt, 0)
	}
	n := len(s.out)
	s.ackArrives(c, &old)
	if !closes && len(s.out) == n && c.state != spec.Closed {
		s.sendOOWAck(c, seg)
	}
	return true
}

// noACKDroppedFirst: a segment with neither ACK, SYN nor RST is dropped in
// a synchronized state before the sequence test (AMB-NOACK-FIRST).
func (s *Stack) noACKDroppedFirst(c *conn, seg *spec.Segment) bool {
	return s.p.NoACKDroppedFirst && c.state != spec.SynReceived && seg.Flags&(spec.ACK|spec.SYN|spec.RST) == 0
}

// closingChecks is ClosingChecksFirst (AMB-CLOSING-RCV): the checks of
// FIN-WAIT-1 through LAST-ACK before the ACK is processed; it reports
// whether the segment is consumed, and takes a second FIN at RCV.NXT.
func (s *Stack) closingChecks(c *conn, seg *spec.Segment) bool {
	switch c.state {
	case spec.FinWait1, spec.FinWait2, spec.CloseWait, spec.Closing, spec.LastAck:
	default:
		return false
	}
	peerFin := c.state.PeerFinReceived()
	rcvClosed := c.has(fRcvShut) || peerFin
	if peerFin && seg.Seq.GT(c.rcvNxt) {
		return true // R9293-SEG-TEXT-LATE
	}
	if seg.Ack.GT(c.sndNxt) {
		s.sendChallengeAck(c, seg)
		return true
	}
	textEnd := seg.Seq.Add(seg.Len)
	newSeg := seg.SegLen() > 0 && seg.End().GT(c.rcvNxt)
	if (c.state != spec.CloseWait && rcvClosed && textEnd.GT(c.rcvNxt)) ||
		(c.state != spec.FinWait1 && c.has(fOrphan) && newSeg && (seg.Flags&spec.FIN == 0 || seg.End() != c.rcvNxt.Add(1))) {
		s.sendAbortRST(c) // R2525-RST-LATE-DATA, R9293-SHLD3
		s.deleteConn(c, endLocal)
		return true
	}
	if rcvClosed && textEnd.GT(c.rcvNxt) {
		return true // R9293-SEG-TEXT-LATE
	}
	if peerFin && seg.Flags&spec.FIN != 0 && seg.Len == 0 && seg.Seq == c.rcvNxt {
		c.rcvNxt = c.rcvNxt.Add(1) // R9293-SEG-FIN: a second FIN
		s.sendAck(c)
		seg.Flags &^= spec.FIN
	}
	return false
}

// timestampsPass applies RFC 7323 before the sequence test (R7323-PAWS,
// R7323-TS-MISSING, R7323-PAWS-RST).
func (s *Stack) timestampsPass(c *conn, seg *spec.Segment) bool {
	if !c.has(fTSOK) {
		return true
	}
	if seg.Flags&spec.RST != 0 {
		return !s.mutant(MutantPAWSOnRST) || !seg.Opts.HasTS || int32(seg.Opts.TS.Val-c.tsRecent) >= 0
	}
	if !seg.Opts.HasTS {
		return !s.p.TSMissingDrop
	}
	if int32(seg.Opts.TS.Val-c.tsRecent) < 0 {
		if s.p.NoPAWS {
			return true
		}
		s.sendOOWAck(c, seg)
		return false
	}
	return true
}

// updateTSRecent records SEG.TSval (R7323-TSRECENT).
func (s *Stack) updateTSRecent(c *conn, seg *spec.Segment) {
	if c.has(fTSOK) && seg.Opts.HasTS && seg.Seq.LEQ(c.rcvNxt) && int32(seg.Opts.TS.Val-c.tsRecent) >= 0 {
		c.tsRecent = seg.Opts.TS.Val
	}
}

func (s *Stack) simOpenSynAck(c *conn, seg *spec.Segment) bool {
	return s.p.SimOpenSynAckAccepted && c.state == spec.SynReceived && !c.has(fPassive) &&
		seg.Flags&(spec.SYN|spec.ACK|spec.RST) == spec.SYN|spec.ACK &&
		seg.Seq.Add(1) == c.rcvNxt && seg.Ack == c.sndNxt
}

// rstArrives is step two (R9293-RST-WINDOW, R5961-RST-EXACT,
// R5961-RST-CHALLENGE).
func (s *Stack) rstArrives(c *conn, seg *spec.Segment) {
	check := s.p.RSTCheck
	if c.state == spec.SynReceived && c.has(fPassive) && s.p.EmbryonicRSTInWindow {
		check = spec.RSTInWindow // Linux request sockets: any in-window RST
	}
	if check == spec.RSTExact && seg.Seq != c.rcvNxt && !s.mutant(MutantRSTAnyInWindow) {
		s.sendChallengeAck(c, seg)
		return
	}
	switch c.state {
	case spec.SynReceived:
		if c.has(fPassive) { // R9293-NOTE1
			var m memo
			if c.has(fHasPrev) {
				m = memo{ok: true, id: c.prevID, sndNxt: c.prevSndNxt, rcvNxt: c.prevRcvNxt,
					tsok: c.has(fPrevTSOK), tsRecent: c.prevTSRecent, deadline: c.prevDeadline,
					reuse: c.prevFlags&prevReuse != 0, explicit: c.prevFlags&prevExplicit != 0,
					oowSent: c.prevFlags&prevOOWSent != 0, lastOOW: c.prevLastOOW, wsOK: c.prevFlags&prevWS != 0}
			}
			key := c.key
			s.deleteConn(c, endLocal)
			if m.ok && s.p.ReopenReturnsToTimeWait {
				s.restoreTimeWait(key, &m)
			}
			return
		}
		s.deleteConn(c, endRefused)
	default: // R9293-RST-ABORT, R9293-RST-LATE
		s.deleteConn(c, endReset)
	}
}

// synArrives is step four.
func (s *Stack) synArrives(c *conn, seg *spec.Segment) {
	if c.state == spec.SynReceived && c.has(fPassive) {
		ts, recent := c.has(fTSOK), c.tsRecent
		s.deleteConn(c, endLocal) // R9293-SEG-SYN-SYNRCVD
		if s.p.EmbryonicSyn == spec.EmbryonicSynResend {
			s.replyClosedTS(seg, ts, recent) // Linux embryonic_reset answers with a RST
		}
		return
	}
	s.synPolicy(c, seg)
}

// bareSynDropped: under the challenge-if-ack SYN policy (smoltcp) a SYN
// without ACK is dropped before the sequence test (AMB-SYN-SYNC).
func (s *Stack) bareSynDropped(seg *spec.Segment) bool {
	return s.p.SynInSync == spec.SynChallengeIfACK && seg.Flags&(spec.SYN|spec.ACK|spec.RST) == spec.SYN
}

// synPolicy answers a SYN in a synchronized state (AMB-SYN-SYNC).
func (s *Stack) synPolicy(c *conn, seg *spec.Segment) {
	switch s.p.SynInSync {
	case spec.SynChallengeACK:
		if !s.mutant(MutantNoSynChallenge) {
			s.sendChallengeAck(c, seg)
		}
	case spec.SynRFC793:
		s.sendAbortRST(c)
		s.deleteConn(c, endReset)
	case spec.SynChallengeIfACK:
		if seg.Flags&spec.ACK != 0 {
			s.sendChallengeAck(c, seg)
		}
	}
}

// ackArrives is step five; it reports whether processing goes on.
func (s *Stack) ackArrives(c *conn, seg *spec.Segment) bool {
	if c.state == spec.SynReceived {
		if !(c.sndUna.LT(seg.Ack) && seg.Ack.LEQ(c.sndNxt)) {
			s.rstForACKTS(seg, c.has(fTSOK), c.tsRecent)
			return false
		}
		s.establish(c, seg)
	}
	if seg.Ack.GT(c.sndNxt) && !s.mutant(MutantAckAboveSndNxt) {
		if c.state == spec.Established {
			switch s.p.AckAboveSndNxt {
			case spec.AckAboveDropInEstablished: // AMB-ACK-ABOVE
				return false
			case spec.AckAboveTextFirst:
				return true
			}
		}
		s.sendChallengeAck(c, seg)
		return false
	}
	bound := c.maxSndWnd
	if s.p.ACKWindowBytesAcked && s.p.ACKWindowCheck { // AMB-ACK-BYTES-ACKED
		bound = min(bound, c.sndUna.Sub(c.iss.Add(1)))
	}
	if s.p.ACKWindowCheck && seg.Ack.LT(c.sndUna-spec.Seq(bound)) { // R5961-ACK
		s.sendChallengeAck(c, seg)
		return false
	}
	if s.p.TSRecentAfterACK && seg.Ack.GEQ(c.sndUna) {
		s.updateTSRecent(c, seg)
	}
	advanced := seg.Ack.GT(c.sndUna) // R9293-SEQ-MOD: 2^31 away is old
	if advanced {
		s.ackNew(c, seg)
	}
	// The window comes only from a segment whose ACK is not old and which
	// is newer than the last used (SND.WL1, SND.WL2).
	if s.p.WindowFromEveryACK || (seg.Ack.GEQ(c.sndUna) && (c.sndWL1.LT(seg.Seq) || (c.sndWL1 == seg.Seq && c.sndWL2.LEQ(seg.Ack)) || s.mutant(MutantStaleAckWindow))) {
		c.sndWnd, c.sndWL1, c.sndWL2 = s.peerWnd(c, seg), seg.Seq, seg.Ack
		c.maxSndWnd = max(c.maxSndWnd, c.sndWnd)
	}
	if !advanced && c.sndWnd == 0 && c.retrans > 0 {
		c.retrans = 0 // MUST-37
	}
	moves := !s.p.ClosingChecksFirst || takenAt(seg, c.rcvNxt) // AMB-CLOSING-RCV
	switch c.state {
	case spec.FinWait1:
		if moves && c.finAcked() {
			c.state = spec.FinWait2
			s.notify(c, spec.NoticeCloseDone)
			s.armFinWait2(c)
		}
	case spec.Closing:
		if !c.finAcked() {
			s.output(c) // data queued before CLOSE, and the FIN, still go out
		}
		if moves && c.finAcked() {
			s.notify(c, spec.NoticeCloseDone)
			s.enterTimeWait(c, s.p.ClosingStartsTimeWait)
		}
		return false
	case spec.LastAck:
		if !c.finAcked() {
			s.output(c)
		}
		if moves && c.finAcked() {
			s.notify(c, spec.NoticeCloseDone)
			s.deleteConn(c, endNormal)
		}
		return false
	}
	s.output(c)
	return true
}

// takenAt reports whether a receiver that takes segments in only at
// rcvNxt takes seg (AMB-CLOSING-RCV).
func takenAt(seg *spec.Segment, rcvNxt spec.Seq) bool {
	if seg.Len == 0 {
		return seg.Seq == rcvNxt
	}
	return seg.Seq.LEQ(rcvNxt) && rcvNxt.LT(seg.Seq.Add(seg.Len))
}

// establish completes the handshake from SYN-RECEIVED.
func (s *Stack) establish(c *conn, seg *spec.Segment) {
	c.state = spec.Established
	if c.synText > 0 { // R9293-SYNSENT-TEXT
		c.deliver(c.synText)
		c.synText = 0
	}
	c.sndWnd, c.sndWL1, c.sndWL2 = s.peerWnd(c, seg), seg.Seq, seg.Ack
	c.maxSndWnd = max(c.maxSndWnd, c.sndWnd)
	if c.has(fPassive) {
		if l := s.sockAt(int32(c.parent)); l != nil && l.state == sockListening {
			l.qpush(c.key)
			c.flags |= fQueued
		}
	} else {
		s.notify(c, spec.NoticeEstablished)
	}
	if c.has(fFinQueued) {
		c.state = spec.FinWait1 // R9293-CLOSE-SYNRCVD
	}
}

// ackNew processes an ACK of new data (R6298-KARN, R6298-RTTM,
// R6298-TIMER).
func (s *Stack) ackNew(c *conn, seg *spec.Segment) {
	ack := seg.Ack
	if c.has(fTiming) && c.rttSeq.LT(ack) {
		s.sampleRTT(c, s.now.Sub(c.rttStart))
		c.flags &^= fTiming
	} else if r, ok := s.tsSample(c, seg); ok {
		s.sampleRTT(c, r)
	} else if s.mutant(MutantKarnWithoutTS) && c.rttSeq.LT(ack) && c.retrans > 0 {
		s.sampleRTT(c, s.now.Sub(c.rttStart))
	}
	c.sndUna = ack
	if c.thas(tProbeSent) && c.sndUna.GEQ(c.probeHigh) {
		c.tflags &^= tProbeSent
	}
	c.retrans = 0
	c.flags &^= fR1Noted
	if c.has(fInRecovery) {
		if c.sndUna.LT(c.recover) && c.sndUna != c.sndNxt {
			s.retransmit(c) // a partial ACK after a timeout: resend the new head now
		} else {
			c.flags &^= fInRecovery
		}
	}
	c.tflags &^= tProbeArmed
	if c.sndUna == c.sndNxt {
		c.timer[spec.TimerRetransmit] = spec.Never
		c.timer[spec.TimerUser] = spec.Never
	} else {
		c.timer[spec.TimerRetransmit] = s.now.Add(c.rto)
		if c.userTimeout > 0 && !s.mutant(MutantUserTimeoutNotRearmed) {
			c.timer[spec.TimerUser] = s.now.Add(c.userTimeout)
		}
	}
	s.retime(c)
	if c.sndUna != c.sndNxt {
		s.armProbe(c, true)
	}
}

// tsSample is the RTT from an ACK's echoed timestamp (R6298-RTTM), as the
// model's Conn.tsSample.
func (s *Stack) tsSample(c *conn, seg *spec.Segment) (time.Duration, bool) {
	if !s.p.RTTFromTimestamps || !c.has(fTSOK) || !seg.Opts.HasTS || seg.Opts.TS.Ecr == 0 {
		return 0, false
	}
	if int32(spec.TSClock(s.now)-seg.Opts.TS.Ecr) < 0 {
		return 0, false
	}
	sent := spec.Time(int64(seg.Opts.TS.Ecr-1) * int64(time.Millisecond))
	if sent > s.now {
		return 0, false
	}
	return s.now.Sub(sent), true
}

// textAndFin is steps seven and eight.
func (s *Stack) textAndFin(c *conn, seg *spec.Segment, forceAck bool) {
	needAck := forceAck
	delayable := false
	start := seg.Seq
	end := start.Add(seg.Len)
	wndEnd := c.rcvNxt.Add(s.rcvWnd(c))
	textState := c.state == spec.Established || c.state == spec.FinWait1 || c.state == spec.FinWait2
	if s.mutant(MutantTextAfterFIN) && c.state == spec.CloseWait {
		textState = true
	}
	if textState {
		if seg.Len > 0 && end.GT(c.rcvNxt) {
			if c.has(fRcvShut) && c.state != spec.Established && s.p.RSTOnDataAfterClose {
				// R9293-SHLD3, R2525-RST-LATE-DATA
				s.deleteConn(c, endLocal)
				s.replyClosed(seg)
				return
			}
			before := c.rcvNxt
			s.textArrived(c)
			if s.receiveText(c, start, end, wndEnd) {
				needAck = true
				delayable = !forceAck && start.LEQ(before) && c.rcvNxt.GT(before) && c.heldN == 0
			}
		}
	}
	enterTW := false
	if seg.Flags&spec.FIN != 0 {
		fin := end
		switch {
		case fin == c.rcvNxt && !c.state.PeerFinReceived():
			wasEstab := c.state == spec.Established || c.state == spec.SynReceived
			enterTW = s.processFin(c)
			if !needAck || delayable {
				delayable = !forceAck && wasEstab
			}
			needAck = true
		case fin.GT(c.rcvNxt) && !c.state.PeerFinReceived() && (fin.LT(wndEnd) || (s.p.ZeroWindowAcceptsFIN && fin == wndEnd)):
			if s.p.HoldOutOfOrderFIN && s.p.HoldOutOfOrder && (seg.Len > 0 || !s.p.HeldFINNeedsText) && (!c.has(fHeldFin) || fin.LT(c.heldFinSeq)) {
				c.flags |= fHeldFin
				c.heldFinSeq = fin
			}
			if s.p.AckOutOfOrder {
				needAck = true
			}
		case fin.LT(c.rcvNxt):
			needAck = true
			delayable = false
		}
	}
	if !enterTW && c.has(fHeldFin) && c.heldFinSeq == c.rcvNxt && !c.state.PeerFinReceived() {
		enterTW = s.processFin(c) // R9293-MUST58
		needAck = true
		delayable = false
	}
	if needAck {
		if enterTW {
			s.sendAck(c)
		} else if !s.output(c) {
			s.ackReceived(c, delayable)
		}
	}
	if enterTW {
		s.enterTimeWait(c, true)
	}
}

// receiveText takes the octets [start,end) of an acceptable segment
// (R9293-SEG-TRIM, R9293-MUST58, R9293-SHLD31); it reports whether an ACK
// is due.
func (s *Stack) receiveText(c *conn, start, end, wndEnd spec.Seq) bool {
	if end.GT(wndEnd) {
		end = wndEnd
	}
	if c.has(fHeldFin) && end.GT(c.heldFinSeq) {
		end = c.heldFinSeq
	}
	if start.LT(c.rcvNxt) {
		start = c.rcvNxt
	}
	if !start.LT(end) {
		return true
	}
	if start != c.rcvNxt {
		if s.p.HoldOutOfOrder {
			s.hold(c, start, end)
		}
		return s.p.AckOutOfOrder
	}
	c.deliver(end.Sub(start))
	if c.heldN > 0 {
		held := s.conns.heldOf(c)
		k := 0
		for k < int(c.heldN) && held[k].start.LEQ(c.rcvNxt) {
			if r := held[k]; r.end.GT(c.rcvNxt) {
				c.deliver(r.end.Sub(c.rcvNxt))
			}
			k++
		}
		if k > 0 {
			copy(held, held[k:c.heldN])
			c.heldN -= uint8(k)
		}
	}
	return true
}

func (c *conn) deliver(n uint32) {
	c.rcvNxt = c.rcvNxt.Add(n)
	if !c.has(fOrphan) {
		c.unread += n
	}
}

// hold inserts [start,end) into the held ranges exactly as the model
// does: insertion by start, merge overlaps, keep at most MaxHeldRanges.
func (s *Stack) hold(c *conn, start, end spec.Seq) {
	held := s.conns.heldOf(c)
	rs := append(s.heldTmp[:0], held[:c.heldN]...)
	rs = append(rs, seqRange{start, end})
	for i := len(rs) - 1; i > 0 && rs[i].start.LT(rs[i-1].start); i-- {
		rs[i], rs[i-1] = rs[i-1], rs[i]
	}
	merged := rs[:0]
	for _, r := range rs {
		if n := len(merged); n > 0 && r.start.LEQ(merged[n-1].end) {
			if r.end.GT(merged[n-1].end) {
				merged[n-1].end = r.end
			}
			continue
		}
		merged = append(merged, r)
	}
	if len(merged) > s.p.MaxHeldRanges {
		merged = merged[:s.p.MaxHeldRanges]
	}
	c.heldN = uint8(copy(held, merged))
	s.heldTmp = rs[:0]
}

// processFin is step eight for a FIN at RCV.NXT (R9293-SEG-FIN,
// R9293-MUST12); it reports whether TIME-WAIT follows.
func (s *Stack) processFin(c *conn) bool {
	c.rcvNxt = c.rcvNxt.Add(1)
	c.flags &^= fHeldFin
	c.heldN = 0
	s.notify(c, spec.NoticePeerClosed)
	if sk := s.sockOf(c); sk != nil {
		sk.eof = true
	}
	switch c.state {
	case spec.SynReceived, spec.Established:
		c.state = spec.CloseWait
		if s.p.FinPingpong && s.p.AckDelay > 0 && !s.mutant(MutantFinAckAtOnce) { // AMB-DELACK-FIN
			c.tflags |= tPingpong
		}
	case spec.FinWait1:
		// A FIN-WAIT-1 whose FIN is acknowledged has already moved to
		// FIN-WAIT-2 in step five (R9293-NOTE2).
		c.state = spec.Closing
	case spec.FinWait2:
		return true
	}
	return false
}
