package impl

import "github.com/tcpclose/tcpclose/spec"

// enterTimeWait moves c to the TIME-WAIT table (R9293-MUST13,
// AMB-SOCKET-TW). Over the profile's cap the connection is closed instead
// and counted.
func (s *Stack) enterTimeWait(c *conn, startTimer bool) {
	if s.p.MaxTimeWait > 0 && s.tw.n >= s.p.MaxTimeWait && !s.mutant(MutantNoTimeWaitCap) {
		s.twOver++
		s.detach(c, endNormal)
		s.deleteConn(c, endNormal)
		return
	}
	s.detach(c, endTimeWait)
	dl := spec.Never
	if startTimer {
		dl = s.now.Add(s.p.TimeWait)
		if s.mutant(MutantTimeWaitShort) {
			dl--
		}
	}
	e := twEntry{key: c.key, deadline: dl, lastOOW: c.lastOOW,
		meta:   twMeta(c.id, int32(c.parent), c.has(fTSOK), c.has(fReuse), c.has(fOOWSent), c.has(fExplicit)),
		sndNxt: c.sndNxt, rcvNxt: c.rcvNxt, tsRecent: c.tsRecent}
	if c.wsOK {
		e.meta |= twWS
	}
	s.removeConn(c)
	s.insertTW(e)
}

func (s *Stack) insertTW(e twEntry) uint32 {
	p := e.parent()
	s.addCat(keyLPort(e.key), twCat(&e), true, int16(p))
	if p >= 0 {
		s.twParented++
	}
	s.holdKey(e.key)
	return s.tw.insert(e)
}

// deleteTW ends TIME-WAIT entry i (CLOSED).
func (s *Stack) deleteTW(i uint32) {
	e := s.tw.at(i)
	p := e.parent()
	if p >= 0 {
		s.twParented--
		if l := s.sockAt(p); l != nil {
			l.qremove(e.key)
		}
	}
	s.subCat(keyLPort(e.key), twCat(e), true, int16(p))
	s.dropKey(e.key)
	s.tw.remove(i)
}

// sendTW sends a segment of TIME-WAIT entry e: RCV.WND is the whole
// receive buffer, as nothing is unread.
func (s *Stack) sendTW(e *twEntry, flags spec.Flags) {
	g := s.segOut()
	g.Src, g.Dst, g.Flags, g.Seq = s.local(e.key), s.remote(e.key), flags, e.sndNxt
	if flags&spec.ACK != 0 {
		g.Ack = e.rcvNxt
	}
	if flags&spec.RST == 0 {
		g.Wnd = uint16(min(s.p.RecvBuf>>s.twShift(e), 65535)) // R7323-WS-SEND
	}
	if e.tsok() {
		s.tsOpt(g, e.tsRecent)
	}
}

// twShift is a TIME-WAIT entry's Rcv.Wind.Shift: the profile's if
// scaling was on.
func (s *Stack) twShift(e *twEntry) uint8 {
	if e.wsOK() {
		return s.p.WindowShift
	}
	return 0
}

// twRcvWnd is a TIME-WAIT entry's RCV.WND: the whole buffer (nothing is
// unread), capped at what the window field can say unless the profile
// accepts beyond it (AMB-WND-ADVERTISED).
func (s *Stack) twRcvWnd(e *twEntry) uint32 {
	if s.p.AcceptBeyondAdvertised {
		return s.p.RecvBuf
	}
	return min(s.p.RecvBuf, 65535<<s.twShift(e))
}

func (s *Stack) twOOWAck(e *twEntry, seg *spec.Segment) {
	ok, sent := s.oowAllowed(s.oowExempt(seg), &e.lastOOW, e.meta&twOOWSent != 0)
	if sent {
		e.meta |= twOOWSent
	} else {
		e.meta &^= twOOWSent
	}
	if ok {
		s.sendTW(e, spec.ACK)
	}
}

func (s *Stack) twUpdateTSRecent(e *twEntry, seg *spec.Segment) {
	if e.tsok() && seg.Opts.HasTS && seg.Seq.LEQ(e.rcvNxt) && int32(seg.Opts.TS.Val-e.tsRecent) >= 0 {
		e.tsRecent = seg.Opts.TS.Val
	}
}

// arriveTimeWait is segment arrival in TIME-WAIT; the profile decides what
// RSTs, SYNs, ACKs and timer restarts do.
func (s *Stack) arriveTimeWait(i uint32, seg *spec.Segment) {
	p := &s.p
	e := s.tw.at(i)
	if seg.Flags&(spec.SYN|spec.RST|spec.ACK) == spec.SYN && p.TimeWaitReopen != spec.ReopenNever {
		if s.timeWaitSyn(i, e, seg) {
			return
		}
	}
	if s.bareSynDropped(seg) {
		return
	}
	if p.TimeWaitAckUnlessExact {
		s.timeWaitExact(i, e, seg)
		return
	}
	tsok := e.tsok()
	paws := tsok && seg.Flags&spec.RST == 0 && seg.Opts.HasTS && int32(seg.Opts.TS.Val-e.tsRecent) < 0
	if tsok && seg.Flags&spec.RST == 0 && !seg.Opts.HasTS && p.TSMissingDrop {
		return // R7323-TS-MISSING
	}
	if p.TimeWaitNoSeqTest {
		s.timeWaitTwcheck(i, e, seg)
		return
	}
	if p.TimeWaitRestart == spec.TWRestartOnACK {
		s.timeWaitLinux(i, e, seg, paws)
		return
	}
	if paws { // R7323-PAWS
		s.twOOWAck(e, seg)
		return
	}
	if !s.acceptable(e.rcvNxt, s.twRcvWnd(e), seg) {
		if seg.Flags&spec.RST != 0 {
			return
		}
		s.twOOWAck(e, seg)
		if seg.Flags&spec.FIN != 0 && seg.End() == e.rcvNxt && !s.mutant(MutantTWNoRestartOnFIN) {
			s.restartTimeWait(i, e) // AMB-TW-FIN, R9293-SEG-ACK-TW
		}
		return
	}
	s.twUpdateTSRecent(e, seg)
	if seg.Flags&spec.RST != 0 {
		s.timeWaitRST(i, e, seg)
		return
	}
	if seg.Flags&spec.SYN != 0 {
		s.twSynPolicy(i, e, seg)
		return
	}
	if seg.Flags&spec.ACK == 0 {
		return
	}
	if seg.Ack.GT(e.sndNxt) {
		s.twOOWAck(e, seg)
		return
	}
	if seg.Flags&spec.FIN != 0 { // R9293-SEG-FIN-TW
		s.sendTW(e, spec.ACK)
		if !s.mutant(MutantTWNoRestartOnFIN) {
			s.restartTimeWait(i, e)
		}
	}
}

// timeWaitTwcheck is TIME-WAIT as BSD's tcp_twcheck runs it
// (TimeWaitNoSeqTest, AMB-TW-INPUT): no sequence test, no PAWS.
func (s *Stack) timeWaitTwcheck(i uint32, e *twEntry, seg *spec.Segment) {
	if seg.Flags&spec.RST != 0 {
		s.timeWaitRST(i, e, seg)
		return
	}
	if seg.Flags&spec.ACK == 0 { // R9293-SEG-NOACK
		return
	}
	if seg.Flags&spec.FIN != 0 && seg.End() == e.rcvNxt { // AMB-TW-FIN
		s.restartTimeWait(i, e)
	}
	if seg.Flags == spec.ACK && seg.Len == 0 && seg.Seq == e.rcvNxt && seg.Ack == e.sndNxt {
		return // R9293-SEG-ACK-TW: an exact duplicate ACK
	}
	s.sendTW(e, spec.ACK)
}

// twSynPolicy is synPolicy for a TIME-WAIT entry.
func (s *Stack) twSynPolicy(i uint32, e *twEntry, seg *spec.Segment) {
	switch s.p.SynInSync {
	case spec.SynChallengeACK:
		s.twOOWAck(e, seg)
	case spec.SynRFC793:
		flags := spec.RST
		if s.p.RSTCarriesACK {
			flags |= spec.ACK
		}
		s.sendTW(e, flags)
		s.deleteTW(i)
	case spec.SynChallengeIfACK:
		if seg.Flags&spec.ACK != 0 {
			s.twOOWAck(e, seg)
		}
	}
}

// timeWaitLinux is TIME-WAIT as Linux runs it (tcp_timewait_state_process).
func (s *Stack) timeWaitLinux(i uint32, e *twEntry, seg *spec.Segment, paws bool) {
	if !paws && seg.Seq == e.rcvNxt && (seg.SegLen() == 0 || seg.Flags&spec.RST != 0) {
		if seg.Flags&spec.RST != 0 {
			s.timeWaitRST(i, e, seg)
			return
		}
		s.restartTimeWait(i, e)
		s.twUpdateTSRecent(e, seg)
		return
	}
	if seg.Flags&spec.RST != 0 {
		return
	}
	if paws || seg.Flags&spec.ACK != 0 {
		s.restartTimeWait(i, e)
	}
	s.twOOWAck(e, seg)
}

// timeWaitExact is TIME-WAIT under TimeWaitAckUnlessExact
// (AMB-TW-ACK-EXACT): no window test, no PAWS, no rate limit.
func (s *Stack) timeWaitExact(i uint32, e *twEntry, seg *spec.Segment) {
	if seg.Flags&spec.RST != 0 {
		if s.acceptable(e.rcvNxt, s.twRcvWnd(e), seg) {
			s.timeWaitRST(i, e, seg)
		}
		return
	}
	if seg.Flags&spec.ACK == 0 {
		return
	}
	s.twUpdateTSRecent(e, seg)
	if seg.Flags&spec.FIN != 0 && seg.Seq.Add(1) == e.rcvNxt { // AMB-TW-FIN
		s.sendTW(e, spec.ACK)
		if s.p.TimeWaitRestart == spec.TWRestartOnFIN {
			s.restartTimeWait(i, e)
		}
		return
	}
	if seg.Seq != e.rcvNxt || seg.Len != 0 {
		s.sendTW(e, spec.ACK)
	}
}

// timeWaitRST applies the TIME-WAIT RST policy (AMB-TW-RST, R1337-F1).
func (s *Stack) timeWaitRST(i uint32, e *twEntry, seg *spec.Segment) {
	switch s.p.TimeWaitRST {
	case spec.TWRSTIgnored:
		return
	case spec.TWRSTExactOnly:
		if seg.Seq != e.rcvNxt {
			return
		}
	case spec.TWRSTCloses:
		if s.p.RSTCheck == spec.RSTExact && seg.Seq != e.rcvNxt {
			s.twOOWAck(e, seg)
			return
		}
	}
	s.deleteTW(i) // R9293-RST-LATE
}

// restartTimeWait restarts the 2MSL timer if it runs (R9293-SEG-FIN-TW).
func (s *Stack) restartTimeWait(i uint32, e *twEntry) {
	if e.deadline != spec.Never {
		s.tw.setDeadline(i, s.now.Add(s.p.TimeWait))
	}
}

// timeWaitSyn decides whether a SYN reopens TIME-WAIT entry i, and does it
// (R9293-MAY2, R9293-SHLD4); it reports whether the SYN was handled.
func (s *Stack) timeWaitSyn(i uint32, e *twEntry, seg *spec.Segment) bool {
	p := &s.p
	ok, silentIfNot := false, false
	switch p.TimeWaitReopen {
	case spec.ReopenSeq:
		ok, silentIfNot = seg.Seq.GT(e.rcvNxt), true
	case spec.ReopenRFC6191:
		ok, silentIfNot = s.rfc6191(e, seg), true
	case spec.ReopenLinux:
		tsok := e.tsok()
		paws := tsok && seg.Opts.HasTS && int32(seg.Opts.TS.Val-e.tsRecent) < 0
		ok = !paws && (seg.Seq.GT(e.rcvNxt) || (tsok && seg.Opts.HasTS && int32(e.tsRecent-seg.Opts.TS.Val) < 0))
	}
	if !ok {
		return silentIfNot // R6191-DROP
	}
	l := s.listener(seg.Dst.Port)
	if l == nil {
		return silentIfNot // AMB-REOPEN-NOLISTEN
	}
	if int(s.children[l.fd]) >= max(l.backlog, 1) {
		// The listener cannot take it: TIME-WAIT stays (R9293-MUST13).
		if !p.ListenBacklogDrop {
			s.replyClosed(seg)
		}
		return true
	}
	m := memo{ok: p.ReopenReturnsToTimeWait, id: e.id(), sndNxt: e.sndNxt, rcvNxt: e.rcvNxt,
		tsok: e.tsok(), tsRecent: e.tsRecent, deadline: e.deadline,
		reuse: e.reuse(), explicit: e.explicit(), oowSent: e.meta&twOOWSent != 0, lastOOW: e.lastOOW, wsOK: e.wsOK()}
	iss := e.sndNxt.Add(p.ReopenISSGap) // R9293-MAY2-ISS
	key := e.key
	if p.ReopenISSGap == 0 || s.mutant(MutantReopenFreshISS) {
		iss = s.issFor(key) // a fresh ISS: MAY-2 (1) is not guaranteed
	}
	s.deleteTW(i)
	s.acceptSyn(l, seg, key, iss, m)
	return true
}

// rfc6191 is the test of RFC 6191 §2 (R6191-TS, R6191-SEQ).
// "Higher" is against the last sequence number the old incarnation saw,
// the peer's FIN at RCV.NXT-1.
func (s *Stack) rfc6191(e *twEntry, seg *spec.Segment) bool {
	last := e.rcvNxt - 1
	newTS := s.p.Timestamps && seg.Opts.HasTS
	if e.tsok() {
		if newTS {
			d := int32(seg.Opts.TS.Val - e.tsRecent)
			return d > 0 || (d == 0 && seg.Seq.GT(last))
		}
		return seg.Seq.GT(last)
	}
	if newTS {
		return true
	}
	return seg.Seq.GT(last)
}

// restoreTimeWait brings back the TIME-WAIT a reopening SYN replaced
// (R9293-MAY2-RETURN), with its original deadline.
func (s *Stack) restoreTimeWait(key uint64, m *memo) {
	if m.deadline != spec.Never && m.deadline <= s.now {
		return
	}
	if s.p.MaxTimeWait > 0 && s.tw.n >= s.p.MaxTimeWait {
		s.twOver++
		return
	}
	e := twEntry{key: key, deadline: m.deadline, meta: twMeta(m.id, -1, m.tsok, m.reuse, m.oowSent, m.explicit),
		lastOOW: m.lastOOW, sndNxt: m.sndNxt, rcvNxt: m.rcvNxt, tsRecent: m.tsRecent}
	if m.wsOK {
		e.meta |= twWS
	}
	s.insertTW(e)
}
