package model

import (
	"fmt"
	"strings"

	"github.com/tcpclose/tcpclose/spec"
)

// Fingerprint returns a canonical encoding of the host's whole state with
// every time expressed relative to the host's clock and connection IDs
// replaced by their rank. Two hosts with equal fingerprints (and the same
// profile and config) respond identically to every future event sequence
// shifted in time; the explorer uses it to recognise states it has seen.
func (h *Host) Fingerprint() string {
	var b strings.Builder
	// rel renders a deadline (spec.Never: not armed); stamp renders an
	// instant that is meaningful only while its flag holds, where 0 is an
	// ordinary instant, not a sentinel.
	rel := func(t spec.Time) string {
		if t == spec.Never {
			return "-"
		}
		return fmt.Sprint(int64(t - h.now))
	}
	stamp := func(valid bool, t spec.Time) string {
		if !valid {
			return "-"
		}
		return fmt.Sprint(int64(t - h.now))
	}
	conns := h.sortedConns()
	rank := make(map[uint64]int, len(conns))
	for i, c := range conns {
		rank[c.ID] = i
	}
	fmt.Fprintf(&b, "tw%d ov%d|", h.twCount, h.timeWaitOverflow)
	for _, c := range conns {
		fmt.Fprintf(&b, "C%d %s %s fd%d par%d p%t q%t o%t rs%t ra%t eb%t ", rank[c.ID], c.Tuple, c.State, c.FD, c.Parent,
			c.Passive, c.Queued, c.Orphan, c.RcvShut, c.ReuseAddr, c.ExplicitBind)
		fmt.Fprintf(&b, "s%d,%d,%d,%d w%d,%d wl%d,%d f%t m%d ", c.ISS, c.SndUna, c.SndNxt, c.SndEnd,
			c.SndWnd, c.MaxSndWnd, c.SndWL1, c.SndWL2, c.FinQueued, c.SendMSS)
		fmt.Fprintf(&b, "r%d,%d u%d h%v hf%t,%d ts%t,%d ", c.IRS, c.RcvNxt, c.Unread, c.Held, c.HeldFin, c.HeldFinSeq, c.TSOK, c.TSRecent)
		fmt.Fprintf(&b, "ws%t,%d,%d rb%d ", c.WSOK, c.SndShift, c.RcvShift, c.RcvBuf)
		for k := range c.Timer {
			b.WriteString(rel(c.Timer[k]))
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, " rec%t,%d", c.InRecovery, c.Recover)
		fmt.Fprintf(&b, " lf%d rto%d rx%d r1%t srtt%d,%d,%t tm%t,%d,%s oow%t,%s ut%d r2%d fw%d",
			c.LingerFD, c.RTO, c.Retrans, c.R1Noted, c.SRTT, c.RTTVar, c.HaveRTT, c.Timing, c.RTTSeq, stamp(c.Timing, c.RTTStart),
			c.OOWSent, stamp(c.OOWSent, c.LastOOW), c.UserTimeout, c.R2, c.FW2Timeout)
		// Timer-branch state, where the profile can read it: the loss
		// probe's, the delayed ACK's, SYN timeouts before the handshake
		// ends, and text kept from a SYN.
		if h.p.LossProbe {
			fmt.Fprintf(&b, " tlp%t,%t,%t,%s,%d", c.ProbeArmed, c.ProbeSent, c.SackOK, stamp(c.ProbeArmed, c.RTOAt), c.ProbeHigh)
		}
		if h.p.AckDelay > 0 {
			fmt.Fprintf(&b, " da%t,%t,%d,%d,%d,%s", c.AckPending, c.DataSeen, c.QuickLeft, c.Ato, c.AckWup,
				stamp(c.DataSeen, c.LastRecv))
		}
		if c.Pingpong { // TCP_QUICKACK reads it back on every profile
			b.WriteString(" pp")
		}
		if h.p.SynTimeoutFallback && !c.synAcked() {
			fmt.Fprintf(&b, " sto%t", c.SynTimedOut)
		}
		if c.SynText > 0 {
			fmt.Fprintf(&b, " st%d", c.SynText)
		}
		if c.PrevTW != nil {
			m := c.PrevTW
			fmt.Fprintf(&b, " pws%t", m.WSOK)
			fmt.Fprintf(&b, " prev%d,%d,%t,%d,%s,%t,%t,%t,%s", m.SndNxt, m.RcvNxt, m.TSOK, m.TSRecent, rel(m.Deadline),
				m.ReuseAddr, m.ExplicitBind, m.OOWSent, stamp(m.OOWSent, m.LastOOW))
		}
		b.WriteByte('|')
	}
	fds := h.sortedFDs()
	for _, fd := range fds {
		s := h.socks[fd]
		conn := -1
		if c := h.conns[s.Tuple]; c != nil && c.ID == s.ConnID {
			conn = rank[c.ID]
		}
		q := s.Queue
		fmt.Fprintf(&b, "S%d st%d %s %s b%t,%t ra%t nb%t l%t,%d ut%d l2%d r2%d,%t bl%d q%v %s c%d e%t err%d eof%t u%d sh%t,%t blk%v cl%t|",
			fd, s.State, s.Local, s.Remote, s.Bound, s.ExplicitBind, s.ReuseAddr, s.NonBlock, s.LingerOn, s.LingerSecs,
			s.UserTimeout, s.Linger2, s.R2, s.R2Set, s.Backlog, q, s.Tuple, conn, s.Established, s.Err, s.EOF,
			s.Unread, s.ShutRD, s.ShutWR, s.Blocked, s.Closing)
	}
	return b.String()
}
