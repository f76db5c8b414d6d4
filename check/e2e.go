package check

import (
	"fmt"

	"github.com/tcpclose/tcpclose/sim"
	"github.com/tcpclose/tcpclose/spec"
)

// The end-to-end checks of a simulator run (sim.Result), shared by the
// property tests of package props and the FuzzSim target of package fuzz.
// Each returns the reasons the run is wrong, one line each naming the rule
// it breaks, or nil.

// Graceful describes what a graceful-close run must show.
type Graceful struct {
	// Profile is the sides' profile (its TimeWait bounds TIME-WAIT).
	Profile spec.Profile
	// Write is what each side's application writes.
	Write [2]int64
	// Reads says which sides read to end-of-file (a request-reply client
	// does not).
	Reads [2]bool
	// NeedTimeWait: some side must pass TIME-WAIT (false where the
	// profile's TimeWait may be zero).
	NeedTimeWait bool
}

// GracefulCounts are the counters of a graceful-close run.
type GracefulCounts struct {
	Written, Read    int64
	Lost, Duplicated int64 // octets written and never read; octets read beyond those written
	WrongNotices     int
	MissingNotices   int // a reading side that never saw end-of-file
	EarlyEOF         int // end-of-file before every octet was read
	NotClosed        int
}

// CountGraceful measures a graceful-close run: every octet read once and
// in order before end-of-file, both applications told of a normal close
// and nothing else, both sides CLOSED within the run's bound
// (R9293-CLOSE-RELIABLE, R9293-MUST12).
func CountGraceful(g Graceful, res *sim.Result) (GracefulCounts, []string) {
	var n GracefulCounts
	var why []string
	if res.Reason != sim.EndClosed || !res.Sides[sim.A].Closed || !res.Sides[sim.B].Closed {
		n.NotClosed++
		why = append(why, fmt.Sprintf("run ended %s at %s without both sides CLOSED (R9293-CLOSE-RELIABLE)", res.Reason, res.End))
	}
	var ss [2]*sim.Session
	for s := sim.A; s <= sim.B; s++ {
		est := res.Sides[s].Established()
		if len(est) != 1 {
			n.NotClosed++
			return n, append(why, fmt.Sprintf("side %s has %d connections, want 1", s, len(est)))
		}
		ss[s] = est[0]
	}
	for w := sim.A; w <= sim.B; w++ {
		wr, rd := ss[w], ss[w.Peer()]
		n.Written += g.Write[w]
		n.Read += rd.Read
		if wr.Written != g.Write[w] {
			why = append(why, fmt.Sprintf("%s wrote %d of %d octets", w, wr.Written, g.Write[w]))
		}
		if d := g.Write[w] - rd.Read; d > 0 {
			n.Lost += d
			why = append(why, fmt.Sprintf("%d octets %s->%s never read (R9293-CLOSE-RELIABLE)", d, w, w.Peer()))
		} else if d < 0 {
			n.Duplicated -= d
			why = append(why, fmt.Sprintf("%d octets %s->%s read twice (R9293-CLOSE-RELIABLE)", -d, w, w.Peer()))
		}
		if rd.EOF && rd.ReadAtEOF != g.Write[w] {
			n.EarlyEOF++
			why = append(why, fmt.Sprintf("%s saw EOF after %d of %d octets (R9293-CLOSE-RELIABLE)", w.Peer(), rd.ReadAtEOF, g.Write[w]))
		}
	}
	for s := sim.A; s <= sim.B; s++ {
		wrong := WrongNotices(&res.Sides[s])
		n.WrongNotices += len(wrong)
		for _, x := range wrong {
			why = append(why, x+" (R9293-MUST12)")
		}
		// The application learns of a normal close from read(2)
		// returning 0 or from the peer-closed notice; a connection
		// accepted after the FIN arrived can only learn it from read(2).
		if g.Reads[s] && !ss[s].EOF {
			n.MissingNotices++
			why = append(why, fmt.Sprintf("%s never saw EOF (R9293-MUST12)", s))
		}
	}
	return n, why
}

// CheckGraceful checks a graceful close (R9293-CLOSE-RELIABLE,
// R9293-MUST12, R9293-MUST13): CountGraceful's checks, then every
// TIME-WAIT that ended by its timer lasted the profile's TimeWait (2×MSL;
// an arriving RST or SYN may end it earlier where the profile lets it:
// RFC 1337's assassination, a reopening SYN), some side passed TIME-WAIT
// when g.NeedTimeWait, and no segment of an old incarnation was accepted.
func CheckGraceful(g Graceful, res *sim.Result) []string {
	_, why := CountGraceful(g, res)
	tw := Spans(res, spec.TimeWait)
	if g.NeedTimeWait && len(tw) == 0 {
		why = append(why, "no side passed TIME-WAIT (R9293-MUST13)")
	}
	for _, s := range tw {
		if s.To != spec.Never && s.To.Sub(s.From) < g.Profile.TimeWait && s.EndedBy&(spec.RST|spec.SYN) == 0 {
			why = append(why, fmt.Sprintf("%s inc%d left TIME-WAIT after %s < TimeWait %s (R9293-MUST13)", s.Side, s.Inc, s.To.Sub(s.From), g.Profile.TimeWait))
		}
	}
	for _, h := range res.Ghosts() {
		why = append(why, h.String())
	}
	return why
}

// CheckAbort checks an abort by side A after writing writeA octets
// (R9293-CALL-ABORT, R9293-ABORT-SYNC, R9293-RST-ABORT, R9293-MUST12,
// R1122-INFORM, AMB-RST-FLUSH): the aborting side keeps no connection; its
// peer is told "reset" once, a call fails with ECONNRESET, it is never
// told of a normal close, it reads no octet the aborting side had not sent
// before its RST, and none after the reset where a RST flushes the
// receive queue (p.RSTFlushesReceive).
func CheckAbort(p spec.Profile, writeA int64, res *sim.Result) []string {
	var why []string
	if !res.Sides[sim.A].Closed {
		why = append(why, "the aborting side kept a connection")
	}
	est := res.Sides[sim.B].Established()
	if len(est) > 1 {
		return append(why, "server accepted twice")
	}
	if len(est) == 0 {
		return why
	}
	srv := est[0]
	if n := srv.Count(spec.NoticeReset); n != 1 {
		why = append(why, fmt.Sprintf("server told reset %d times, want once (R9293-MUST12)", n))
	}
	if !srv.SawReset {
		why = append(why, "no call of the server failed with ECONNRESET (R9293-RST-ABORT)")
	}
	if srv.Told(spec.NoticePeerClosed) || (srv.EOF && !srv.SawReset) {
		why = append(why, "server told of a normal close after an abort (R9293-MUST12)")
	}
	if sent, ok := SentBeforeRST(res, sim.A); !ok {
		why = append(why, "the client never sent its RST (R9293-ABORT-SYNC)")
	} else if srv.Read > sent || srv.Read > writeA {
		why = append(why, fmt.Sprintf("server read %d octets; the client sent %d before its RST, wrote %d", srv.Read, sent, writeA))
	}
	if p.RSTFlushesReceive {
		told := false
		for _, r := range res.Trace.Records {
			if r.Side != sim.B {
				continue
			}
			if r.Kind == sim.RecNotice && r.Out.Notice == spec.NoticeReset {
				told = true
			}
			if told && r.Kind == sim.RecResult && r.Out.Call == spec.CallRead && r.Out.Ret > 0 {
				why = append(why, fmt.Sprintf("server read %d octets at %s after the reset flushed its queue (AMB-RST-FLUSH)", r.Out.Ret, r.At))
			}
		}
	}
	if res.Reason != sim.EndClosed {
		why = append(why, fmt.Sprintf("run ended %s at %s", res.Reason, res.End))
	}
	return why
}

// CheckNoGhost checks a run where TIME-WAIT is honoured (R1337-TWA,
// R1337-F1, R9293-MUST13, R1122-TIMEWAIT): no segment of an old
// incarnation accepted by a new one, no RST ending TIME-WAIT early (every
// hazard the simulator saw), and no endless exchange (the step budget).
func CheckNoGhost(res *sim.Result) []string {
	var why []string
	for _, h := range res.Hazards {
		why = append(why, h.String())
	}
	if res.Reason == sim.EndStepBudget {
		why = append(why, "step budget exhausted (an ACK war between desynchronized ends?)")
	}
	return why
}

// WrongNotices lists what a normal close must never give an application:
// the notices reset, refused and timeout, a second peer-closed, a failed
// call.
func WrongNotices(rep *sim.SideReport) []string {
	var out []string
	for i, s := range rep.Sessions {
		for _, n := range s.Notices {
			switch n.Notice {
			case spec.NoticeReset, spec.NoticeRefused, spec.NoticeTimeout:
				out = append(out, fmt.Sprintf("%s conn %d told %s at %s", rep.Name, i+1, n.Notice, n.At))
			}
		}
		if c := s.Count(spec.NoticePeerClosed); c > 1 {
			out = append(out, fmt.Sprintf("%s conn %d told peer-closed %d times", rep.Name, i+1, c))
		}
		for _, e := range s.Errors {
			out = append(out, fmt.Sprintf("%s conn %d: %s failed with %s at %s", rep.Name, i+1, e.Call, e.Err, e.At))
		}
	}
	for _, e := range rep.Errors {
		out = append(out, fmt.Sprintf("%s: %s failed with %s at %s", rep.Name, e.Call, e.Err, e.At))
	}
	return out
}

// Span is a stay of one connection in one state.
type Span struct {
	Side     sim.Side
	Tuple    spec.FourTuple
	Inc      int
	From, To spec.Time // To is spec.Never if the state lasted to the end
	// EndedBy are the flags of the segment whose arrival ended the stay
	// (delivered to the side on the same tuple at the same instant), 0
	// when something else (a timer, a call) ended it or it did not end.
	EndedBy spec.Flags
}

// Spans lists the stays in state st, from the trace, in the order they
// began.
func Spans(res *sim.Result, st spec.State) []Span {
	var out []Span
	open := map[[2]int]int{} // (side, inc) -> index in out
	var last [2]*sim.Record  // the last delivery to each side
	for i := range res.Trace.Records {
		r := &res.Trace.Records[i]
		if r.Kind == sim.RecDeliver && r.Side <= sim.B {
			last[r.Side] = r
		}
		if r.Kind != sim.RecState {
			continue
		}
		k := [2]int{int(r.Side), r.Inc}
		if r.From == st {
			if i, ok := open[k]; ok {
				out[i].To = r.At
				if l := last[r.Side]; l != nil && l.At == r.At && l.Seg.Tuple() == r.Tuple {
					out[i].EndedBy = l.Seg.Flags
				}
				delete(open, k)
			}
		}
		if r.To == st {
			open[k] = len(out)
			out = append(out, Span{Side: r.Side, Tuple: r.Tuple, Inc: r.Inc, From: r.At, To: spec.Never})
		}
	}
	return out
}

// Passed reports whether side s entered state st.
func Passed(res *sim.Result, s sim.Side, st spec.State) bool {
	for _, r := range res.Trace.Records {
		if r.Kind == sim.RecState && r.Side == s && r.To == st {
			return true
		}
	}
	return false
}

// SentBeforeRST returns how many octets side s sent before its first RST
// on its first connection, RST.SEQ - (ISS+1), and whether it sent one.
func SentBeforeRST(res *sim.Result, s sim.Side) (int64, bool) {
	var iss spec.Seq
	inc := 0
	for _, r := range res.Trace.Records {
		if r.Kind != sim.RecSend || r.Side != s {
			continue
		}
		if inc == 0 && r.Seg.Flags&spec.SYN != 0 {
			iss, inc = r.Seg.Seq, r.Inc
		}
		if inc != 0 && r.Inc == inc && r.Seg.Flags&spec.RST != 0 {
			return int64(r.Seg.Seq.Sub(iss.Add(1))), true
		}
	}
	return 0, false
}
