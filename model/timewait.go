package model

import "github.com/tcpclose/tcpclose/spec"

// arriveTimeWait is segment arrival in TIME-WAIT. RFC 9293 §3.10.7.4 says
// only a retransmitted FIN is expected; the profile decides what else does
// (RSTs, SYNs, ACKs, timer restarts).
func (h *Host) arriveTimeWait(c *Conn, seg *spec.Segment) {
	p := &h.p
	// A SYN may reopen the connection (MAY-2). RFC 6191's test replaces
	// the sequence test for SYNs (R9293 §3.10.7.4 step 1 note).
	if seg.Flags&(spec.SYN|spec.RST|spec.ACK) == spec.SYN && p.TimeWaitReopen != spec.ReopenNever {
		if h.timeWaitSyn(c, seg) {
			return
		}
	}
	if h.bareSynDropped(seg) {
		return
	}
	if p.TimeWaitAckUnlessExact {
		h.timeWaitExact(c, seg)
		return
	}
	paws := c.TSOK && seg.Flags&spec.RST == 0 && seg.Opts.HasTS && int32(seg.Opts.TS.Val-c.TSRecent) < 0
	if c.TSOK && seg.Flags&spec.RST == 0 && !seg.Opts.HasTS && p.TSMissingDrop {
		h.rule("R7323-TS-MISSING")
		return
	}
	if p.TimeWaitNoSeqTest {
		h.timeWaitTwcheck(c, seg)
		return
	}
	if p.TimeWaitRestart == spec.TWRestartOnACK {
		h.timeWaitLinux(c, seg, paws)
		return
	}
	if paws {
		h.rule("R7323-PAWS")
		c.sendOOWAck(h, seg)
		return
	}
	if !c.acceptable(h, seg) {
		h.rule("R9293-SEG-UNACCEPT")
		if seg.Flags&spec.RST != 0 {
			return
		}
		h.rule("R9293-RSTGEN-SYNC")
		c.sendOOWAck(h, seg)
		// A retransmitted FIN ends exactly at RCV.NXT and so fails the
		// sequence test; it is the one segment TIME-WAIT exists for, and
		// it restarts the 2MSL timer (AMB-TW-FIN, R9293-SEG-ACK-TW).
		if seg.Flags&spec.FIN != 0 && seg.End() == c.RcvNxt {
			h.rule("AMB-TW-FIN")
			h.rule("R9293-SEG-ACK-TW")
			h.restartTimeWait(c)
		}
		return
	}
	c.updateTSRecent(h, seg)
	if seg.Flags&spec.RST != 0 {
		h.timeWaitRST(c, seg)
		return
	}
	if seg.Flags&spec.SYN != 0 {
		h.synPolicy(c, seg)
		return
	}
	if h.noACKDropped(seg) { // R9293-SEG-NOACK, AMB-FIN-NOACK
		return
	}
	if seg.Ack.GT(c.SndNxt) {
		h.rule("R9293-SEG-ACK-ESTAB")
		c.sendOOWAck(h, seg)
		return
	}
	if seg.Len > 0 {
		h.rule("R9293-SEG-TEXT-LATE")
	}
	if seg.Flags&spec.FIN != 0 {
		// A FIN at RCV.NXT (a peer that sent a second FIN): acknowledge
		// and restart (R9293-SEG-FIN-TW).
		h.rule("R9293-SEG-FIN-TW")
		c.sendAck(h)
		h.restartTimeWait(c)
	}
}

// timeWaitLinux is TIME-WAIT as Linux runs it (tcp_timewait_state_process):
// only a bare ACK or a RST exactly at RCV.NXT is in window; every other
// segment draws an ACK and, if it carries ACK or fails PAWS, restarts the
// timer (profile TimeWaitRestart = on-ack).
func (h *Host) timeWaitLinux(c *Conn, seg *spec.Segment, paws bool) {
	if !paws && seg.Seq == c.RcvNxt && (seg.SegLen() == 0 || seg.Flags&spec.RST != 0) {
		if seg.Flags&spec.RST != 0 {
			h.timeWaitRST(c, seg)
			return
		}
		h.rule("R9293-SEG-ACK-TW")
		h.restartTimeWait(c)
		c.updateTSRecent(h, seg)
		return
	}
	if seg.Flags&spec.RST != 0 {
		h.rule("R9293-SEG-UNACCEPT")
		return
	}
	if paws {
		h.rule("R7323-PAWS")
	}
	if paws || seg.Flags&spec.ACK != 0 {
		h.rule("R9293-SEG-ACK-TW")
		h.restartTimeWait(c)
	}
	h.rule("R9293-RSTGEN-SYNC")
	c.sendOOWAck(h, seg)
}

// timeWaitTwcheck is TIME-WAIT as BSD's tcp_twcheck runs it (profile
// TimeWaitNoSeqTest, AMB-TW-INPUT): no sequence test and no PAWS; a RST
// goes to the TIME-WAIT RST policy, a segment without ACK is dropped, a
// FIN ending at RCV.NXT restarts the 2MSL timer, and every segment but an
// exact duplicate ACK is acknowledged, without rate limit.
func (h *Host) timeWaitTwcheck(c *Conn, seg *spec.Segment) {
	h.rule("AMB-TW-INPUT")
	if seg.Flags&spec.RST != 0 {
		h.timeWaitRST(c, seg)
		return
	}
	if seg.Flags&spec.ACK == 0 {
		h.rule("R9293-SEG-NOACK")
		return
	}
	if seg.Flags&spec.FIN != 0 && seg.End() == c.RcvNxt {
		h.rule("AMB-TW-FIN")
		h.restartTimeWait(c)
	}
	if seg.Flags == spec.ACK && seg.Len == 0 && seg.Seq == c.RcvNxt && seg.Ack == c.SndNxt {
		h.rule("R9293-SEG-ACK-TW") // an exact duplicate ACK: nothing to answer
		return
	}
	h.rule("R9293-RSTGEN-SYNC")
	c.sendAck(h)
}

// timeWaitExact is TIME-WAIT under TimeWaitAckUnlessExact
// (AMB-TW-ACK-EXACT), as gVisor's handleTimeWaitSegment runs it: no window
// test, no PAWS, no rate limit; a retransmitted FIN is acknowledged and
// restarts the timer; anything else with text or not at RCV.NXT is
// acknowledged; the rest draws nothing.
func (h *Host) timeWaitExact(c *Conn, seg *spec.Segment) {
	h.rule("AMB-TW-ACK-EXACT")
	if seg.Flags&spec.RST != 0 {
		if c.acceptable(h, seg) {
			h.timeWaitRST(c, seg)
		}
		return
	}
	if seg.Flags&spec.ACK == 0 {
		h.rule("R9293-SEG-NOACK")
		return
	}
	c.updateTSRecent(h, seg)
	if seg.Flags&spec.FIN != 0 && seg.Seq.Add(1) == c.RcvNxt {
		h.rule("AMB-TW-FIN")
		c.sendAck(h)
		if h.p.TimeWaitRestart == spec.TWRestartOnFIN {
			h.rule("R9293-SEG-FIN-TW")
			h.restartTimeWait(c)
		}
		return
	}
	if seg.Seq != c.RcvNxt || seg.Len != 0 {
		h.rule("R9293-SEG-UNACCEPT")
		c.sendAck(h)
	}
}

// timeWaitRST applies the profile's TIME-WAIT RST policy to a RST that
// passed the sequence test (AMB-TW-RST).
func (h *Host) timeWaitRST(c *Conn, seg *spec.Segment) {
	h.rule("AMB-TW-RST")
	switch h.p.TimeWaitRST {
	case spec.TWRSTIgnored:
		h.rule("R1337-F1")
		return
	case spec.TWRSTExactOnly:
		if seg.Seq != c.RcvNxt {
			h.rule("R5961-RST-OOW")
			return
		}
	case spec.TWRSTCloses:
		if h.p.RSTCheck == spec.RSTExact && seg.Seq != c.RcvNxt {
			h.rule("R5961-RST-CHALLENGE")
			c.sendOOWAck(h, seg)
			return
		}
	}
	h.rule("R9293-RST-LATE")
	h.rule("R1337-TWA")
	h.deleteConn(c, endReset)
}

// restartTimeWait restarts the 2MSL timer (R9293-SEG-FIN-TW).
func (h *Host) restartTimeWait(c *Conn) {
	if c.Timer[spec.TimerTimeWait] != spec.Never {
		c.Timer[spec.TimerTimeWait] = h.now.Add(h.p.TimeWait)
	}
}

// timeWaitSyn decides whether a SYN (without ACK or RST) reopens the
// TIME-WAIT connection c, and does so if it does. It reports whether the
// SYN was fully handled.
func (h *Host) timeWaitSyn(c *Conn, seg *spec.Segment) bool {
	p := &h.p
	ok := false
	silentIfNot := false
	switch p.TimeWaitReopen {
	case spec.ReopenSeq:
		h.rule("R9293-MAY2")
		ok = seg.Seq.GT(c.RcvNxt)
		silentIfNot = true
	case spec.ReopenRFC6191:
		h.rule("R9293-SHLD4")
		ok = h.rfc6191(c, seg)
		silentIfNot = true
	case spec.ReopenLinux:
		h.rule("R9293-MAY2")
		paws := c.TSOK && seg.Opts.HasTS && int32(seg.Opts.TS.Val-c.TSRecent) < 0
		ok = !paws && (seg.Seq.GT(c.RcvNxt) || (c.TSOK && seg.Opts.HasTS && int32(c.TSRecent-seg.Opts.TS.Val) < 0))
	}
	if !ok {
		if silentIfNot {
			h.rule("R6191-DROP")
			return true
		}
		return false
	}
	l := h.listener(seg.Dst)
	if l == nil {
		// No listener to own a new connection (AMB-REOPEN-NOLISTEN): the
		// SYN is answered as TIME-WAIT answers any other segment.
		h.rule("AMB-REOPEN-NOLISTEN")
		if silentIfNot {
			return true
		}
		return false
	}
	if h.pendingChildren(l) >= max(l.Backlog, 1) {
		// The listener cannot take the SYN: TIME-WAIT stays, for MAY-2
		// lets it end only by accepting a new SYN (R9293-MUST13).
		h.rule("R9293-MUST13")
		if !h.p.ListenBacklogDrop {
			h.replyClosed(seg)
		}
		return true
	}
	h.rule("R9293-MAY2-ISS")
	memo := &twMemo{ID: c.ID, SndNxt: c.SndNxt, RcvNxt: c.RcvNxt, TSOK: c.TSOK, TSRecent: c.TSRecent, WSOK: c.WSOK,
		Deadline: c.Timer[spec.TimerTimeWait], ReuseAddr: c.ReuseAddr, ExplicitBind: c.ExplicitBind,
		LastOOW: c.LastOOW, OOWSent: c.OOWSent}
	iss := c.SndNxt.Add(p.ReopenISSGap)
	if p.ReopenISSGap == 0 {
		iss = h.issFor(c.Tuple) // a fresh ISS: MAY-2 (1) is not guaranteed
	}
	h.deleteConn(c, endNormal)
	if !p.ReopenReturnsToTimeWait {
		memo = nil
	}
	h.acceptSyn(l, seg, iss, memo)
	return true
}

// rfc6191 is the test of RFC 6191 §2: with timestamps on both incarnations
// the SYN must be newer by TSval (or equal TSval and a higher sequence
// number); otherwise the sequence number must be higher (R6191-TS,
// R6191-SEQ). "Higher" is measured against the last sequence number seen
// on the old incarnation, the peer's FIN at RCV.NXT-1, so a SYN at
// RCV.NXT passes (BSD and Linux test against RCV.NXT instead: profile
// value seq or linux).
func (h *Host) rfc6191(c *Conn, seg *spec.Segment) bool {
	last := c.RcvNxt - 1
	newTS := h.p.Timestamps && seg.Opts.HasTS
	if c.TSOK {
		if newTS {
			h.rule("R6191-TS")
			d := int32(seg.Opts.TS.Val - c.TSRecent)
			return d > 0 || (d == 0 && seg.Seq.GT(last))
		}
		h.rule("R6191-SEQ")
		return seg.Seq.GT(last)
	}
	if newTS {
		h.rule("R6191-TS")
		return true
	}
	h.rule("R6191-SEQ")
	return seg.Seq.GT(last)
}

// restoreTimeWait brings back the TIME-WAIT a reopening SYN replaced, when
// that SYN proved an old duplicate (R9293-MAY2-RETURN). Its original
// deadline is kept; if that has passed, TIME-WAIT is simply over.
func (h *Host) restoreTimeWait(t spec.FourTuple, m *twMemo) {
	h.rule("R9293-MAY2-RETURN")
	if m.Deadline != spec.Never && m.Deadline <= h.now {
		return
	}
	if h.p.MaxTimeWait > 0 && h.twCount >= h.p.MaxTimeWait {
		h.timeWaitOverflow++
		return
	}
	c := &Conn{ID: m.ID, Tuple: t, State: spec.TimeWait, FD: -1, Parent: -1, Orphan: true,
		ReuseAddr: m.ReuseAddr, ExplicitBind: m.ExplicitBind, LastOOW: m.LastOOW, OOWSent: m.OOWSent,
		SndUna: m.SndNxt, SndNxt: m.SndNxt, SndEnd: m.SndNxt, RcvNxt: m.RcvNxt,
		TSOK: m.TSOK, TSRecent: m.TSRecent, RTO: h.p.RTOInitial, LingerFD: -1, RcvBuf: h.p.RecvBuf}
	if m.WSOK {
		// TIME-WAIT keeps only whether scaling was on: our shift is the
		// profile's, and the peer's window is no longer used.
		c.WSOK, c.RcvShift = true, h.p.WindowShift
	}
	c.Timer[spec.TimerTimeWait] = m.Deadline
	h.conns[t] = c
	h.twCount++
}
