package explore

import (
	"fmt"

	"github.com/tcpclose/tcpclose/spec"
)

// Property is a safety property checked on every transition or state.
type Property struct {
	Name  string
	Rules []spec.RuleID
	Doc   string
}

// Property indexes.
const (
	propFinOnce = iota
	propFinComplete
	propDataBound
	propResetNoData
	propResetAfterFin
	propSyncConsistent
	numProps
)

// Properties lists the safety properties, in report order.
func Properties() []Property {
	return []Property{
		propFinOnce: {"fin-once", []spec.RuleID{"R9293-CLOSE-ACTIVE", "R9293-CLOSE-PASSIVE", "R9293-CLOSE-RELIABLE"},
			"a host sends a FIN only after its application called shutdown(SHUT_WR) or close, and every FIN of a connection has the same sequence number, ISS+1+octets written: one FIN per direction, after all the data"},
		propFinComplete: {"fin-complete", []spec.RuleID{"R9293-MUST12", "R9293-CLOSE-RELIABLE", "R9293-SEG-FIN"},
			"when an application learns that its peer closed (peer-closed notice, or read returning 0 with no error reported), the peer's application did close, and every octet it wrote has been received (notice) or read (end-of-file)"},
		propDataBound: {"data-bound", []spec.RuleID{"R9293-SEG-TEXT"},
			"an application never reads more octets than its peer's application wrote"},
		propResetNoData: {"reset-no-data", []spec.RuleID{"R9293-RST-ABORT", "AMB-RST-FLUSH"},
			"after a reset notice an application reads no new data: nothing at all if RSTFlushesReceive, otherwise at most what was unread when the RST came"},
		propResetAfterFin: {"reset-after-fin", []spec.RuleID{"R9293-MUST12", "R1122-INFORM"},
			"an application told that its peer closed normally is later told reset only if the peer host aborted or gave up (ABORT, close with unread data, a reset for late data, an in-window SYN under RFC 793, or a give-up timer: user timeout, R2, FIN-WAIT-2)"},
		propSyncConsistent: {"sync-consistent", []spec.RuleID{"R9293-SEG-SYNSENT-SYN", "R9293-SEG-ACK-SYNRCVD", "R9293-SEG-ACK-ESTAB"},
			"whenever both ends of a 4-tuple are synchronized (ESTABLISHED to LAST-ACK), they agree on the incarnation (A.ISS = B.IRS, A.IRS = B.ISS) and each receiver's RCV.NXT lies in [SND.UNA, SND.NXT] of its sender"},
	}
}

type violation struct {
	prop   int
	detail string
}

func (st *step) violate(p int, f string, args ...any) {
	st.viol = append(st.viol, violation{p, fmt.Sprintf(f, args...)})
}

func findConn(snap spec.HostSnap, t spec.FourTuple) (spec.ConnSnap, bool) {
	for _, c := range snap.Conns {
		if c.Tuple == t {
			return c, true
		}
	}
	return spec.ConnSnap{}, false
}

// checkSegment checks a segment host x sent (fin-once).
func (st *step) checkSegment(x int, seg spec.Segment, post spec.HostSnap) {
	if seg.Flags&spec.FIN == 0 {
		return
	}
	m := st.n.mon[x]
	if !m.wrClosed {
		st.violate(propFinOnce, "%s sent FIN %s before its application closed", sideName[x], seg)
		return
	}
	t := spec.FourTuple{Local: seg.Src, Remote: seg.Dst}
	c, ok := findConn(post, t)
	if !ok || c.State == spec.TimeWait {
		c, ok = findConn(st.pre, t)
	}
	if !ok || c.State == spec.TimeWait {
		return
	}
	want := c.ISS.Add(1 + m.written)
	if got := seg.Seq.Add(seg.Len); got != want {
		st.violate(propFinOnce, "%s sent FIN at %d, want ISS+1+written = %d+1+%d = %d", sideName[x], uint32(got), uint32(c.ISS), m.written, uint32(want))
	}
}

// checkResult handles a call result on side x's connection socket.
func (st *step) checkResult(x int, o spec.Output) {
	m := &st.n.mon[x]
	peer := st.n.mon[1-x]
	failed := o.Ret == -1 && o.Err != spec.EAGAIN && o.Err != spec.EINPROGRESS
	switch o.Call {
	case spec.CallWrite:
		if o.Ret > 0 {
			m.written += uint32(o.Ret)
		}
	case spec.CallRead:
		switch {
		case o.Ret > 0:
			n := uint32(o.Ret)
			m.read += n
			if m.read > peer.written {
				st.violate(propDataBound, "%s has read %d octets, its peer wrote %d", sideName[x], m.read, peer.written)
			}
			if m.reset {
				if n > m.afterReset {
					st.violate(propResetNoData, "%s read %d octets after its reset notice; %d were unread at the reset (RSTFlushesReceive=%t)", sideName[x], n, m.afterReset, st.e.prof.RSTFlushesReceive)
					m.afterReset = 0
				} else {
					m.afterReset -= n
				}
			}
		case o.Ret == 0 && !m.errSeen && !m.reset:
			if !peer.wrClosed {
				st.violate(propFinComplete, "%s read end-of-file but its peer's application never closed", sideName[x])
			} else if m.read != peer.written {
				st.violate(propFinComplete, "%s read end-of-file after %d octets; its peer wrote %d", sideName[x], m.read, peer.written)
			}
		}
	}
	if failed {
		m.errSeen = true
	}
}

// checkNotice handles a notice to side x's application.
func (st *step) checkNotice(x int, o spec.Output, post spec.HostSnap) {
	n := st.n
	m := &n.mon[x]
	peer := n.mon[1-x]
	switch o.Notice {
	case spec.NoticeEstablished:
		n.app[x].est = true
	case spec.NoticePeerClosed:
		m.peerClosed = true
		if !peer.wrClosed {
			st.violate(propFinComplete, "%s told peer-closed but its peer's application never closed", sideName[x])
			return
		}
		before, ok1 := findConn(st.pre, o.Tuple)
		after, ok2 := findConn(post, o.Tuple)
		if ok1 && ok2 && before.State != spec.TimeWait {
			got := after.RcvNxt.Sub(before.IRS) - 2 // SYN and FIN take one each
			if got != peer.written {
				st.violate(propFinComplete, "%s told peer-closed having received %d octets; its peer wrote %d", sideName[x], got, peer.written)
			}
		}
	case spec.NoticeReset:
		n.app[x].dead = true
		if m.peerClosed && !peer.abnormal {
			st.violate(propResetAfterFin, "%s told reset after peer-closed, but %s neither aborted nor gave up", sideName[x], sideName[1-x])
		}
		m.reset = true
		m.afterReset = 0
		if !st.e.prof.RSTFlushesReceive {
			if c, ok := findConn(st.pre, o.Tuple); ok {
				m.afterReset = c.Unread
			}
		}
	case spec.NoticeRefused, spec.NoticeTimeout:
		n.app[x].dead = true
	}
}

// checkState checks the state invariants of s (sync-consistent).
func (e *explorer) checkState(s *sys) []violation {
	a, b := s.hr[0].snap, s.hr[1].snap
	var vs []violation
	for _, ca := range a.Conns {
		if !ca.State.Synchronized() || ca.State == spec.TimeWait {
			continue
		}
		cb, ok := findConn(b, spec.FourTuple{Local: ca.Tuple.Remote, Remote: ca.Tuple.Local})
		if !ok || !cb.State.Synchronized() || cb.State == spec.TimeWait {
			continue
		}
		if ca.ISS != cb.IRS || ca.IRS != cb.ISS {
			vs = append(vs, violation{propSyncConsistent, fmt.Sprintf("A %s (ISS %d IRS %d) and B %s (ISS %d IRS %d) are on different incarnations",
				ca.State, uint32(ca.ISS), uint32(ca.IRS), cb.State, uint32(cb.ISS), uint32(cb.IRS))})
			continue
		}
		for _, p := range [2][2]spec.ConnSnap{{ca, cb}, {cb, ca}} {
			snd, rcv := p[0], p[1]
			if rcv.RcvNxt.LT(snd.SndUna) || rcv.RcvNxt.GT(snd.SndNxt) {
				vs = append(vs, violation{propSyncConsistent, fmt.Sprintf("RCV.NXT %d of %s is outside [SND.UNA %d, SND.NXT %d] of %s",
					uint32(rcv.RcvNxt), rcv.Tuple.Local, uint32(snd.SndUna), uint32(snd.SndNxt), snd.Tuple.Local)})
			}
		}
	}
	return vs
}
