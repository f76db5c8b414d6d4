package capture

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/tcpclose/tcpclose/spec"
)

// Side names an endpoint of a connection: A opened it (sent the first
// SYN) or, when the capture starts mid-connection, sent its first packet
// in the capture; B is the other.
type Side uint8

// The two endpoints.
const (
	A Side = iota
	B
)

func (s Side) String() string { return [...]string{"A", "B"}[s&1] }

// MarshalText writes the side as "A" or "B".
func (s Side) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Other is the other endpoint.
func (s Side) Other() Side { return 1 - s }

// Finding is one thing the judge found wrong with an endpoint.
type Finding struct {
	Packet int      `json:"packet"` // the packet (1-based in the file) where it shows
	Side   Side     `json:"side"`   // the endpoint at fault
	Rules  []string `json:"rules"`  // rule IDs of the catalogue it breaks
	Msg    string   `json:"msg"`
}

func (f Finding) String() string {
	return fmt.Sprintf("packet #%d: %s %s [%s]", f.Packet, f.Side, f.Msg, strings.Join(f.Rules, ", "))
}

// Endpoint is what the capture shows of one side of a connection.
// Outcome is the kind of an endpoint's model verdict (Endpoint.Model).
type Outcome int

// The outcomes of a model replay.
const (
	NotReplayed Outcome = iota // no profile was given
	Conforms                   // "conforms to P ...", or profiles fit (-profile auto)
	Violation                  // "violation of P at packet #N ...", or "no profile fits"
	CannotJudge                // "cannot judge: why"
)

// ModelOutcome classifies e.Model, so that tools count verdicts without
// parsing the text.
func (e *Endpoint) ModelOutcome() Outcome {
	switch {
	case e.Model == "":
		return NotReplayed
	case strings.HasPrefix(e.Model, "violation"), strings.HasPrefix(e.Model, "no profile fits"):
		return Violation
	case strings.HasPrefix(e.Model, "cannot"):
		return CannotJudge
	}
	return Conforms
}

type Endpoint struct {
	Addr    netip.AddrPort `json:"addr"`
	Packets int            `json:"packets"`
	Octets  uint64         `json:"octets"` // payload octets sent, retransmissions included

	// Verdict: "conforms", "violation at packet #N", or "cannot judge: why".
	Verdict string `json:"verdict"`
	// Model: with Options.Profile, the verdict of replaying this endpoint
	// on the model: "conforms to P (calls inferred: ...)", "violation of P
	// at packet #N: ...", or "cannot judge: why".
	Model string `json:"model,omitempty"`
	// Fits: with Options.Auto, the profiles whose replay it conforms to.
	Fits []string `json:"fits,omitempty"`

	haveISN  bool
	isn      spec.Seq
	haveSeq  bool
	sndMax   spec.Seq // highest sequence number sent, plus one
	haveAck  bool
	maxAck   spec.Seq
	wnd      uint32 // last window advertised, scaled
	wscale   uint8  // shift plus one offered on the SYN; 0 none
	fin      bool
	finSeq   spec.Seq // sequence number of the FIN
	finPkt   int      // first packet carrying the FIN
	finLast  int      // last packet carrying it
	finCount int
	finAcked int // packet of the peer's first ACK covering the FIN; 0 not yet
	ackedFIN int // packet where this side first acknowledged the peer's FIN
	rst      int // first RST sent
	lastPkt  int
	lastAt   time.Time
	twAt     time.Time // entered TIME-WAIT (as far as the capture shows); zero if not
	twPkt    int
	reACKed  int // the peer's FIN transmission last re-acknowledged
	syns     int // SYNs (without ACK) sent
	haveTS   bool
	tsVal    uint32 // last TSval sent
	// dataAfterPeerFIN: first packet with payload sent after this side
	// acknowledged the peer's FIN (a half-close with data after).
	dataAfterPeerFIN int
}

// Conn is one incarnation of a connection and the judge's report on it.
type Conn struct {
	ID       int         `json:"id"`  // 1, 2, ... in order of first packet
	Inc      int         `json:"inc"` // incarnation on this 4-tuple, from 1
	Ends     [2]Endpoint `json:"ends"`
	First    int         `json:"first"` // first and last packet numbers
	Last     int         `json:"last"`
	FirstAt  time.Time   `json:"first_at"`
	LastAt   time.Time   `json:"last_at"`
	Packets  int         `json:"packets"`
	MidStart bool        `json:"mid_start,omitempty"` // no SYN: the capture starts inside it
	State    string      `json:"state"`               // close kind, see Close
	Summary  []string    `json:"summary"`             // the close in sentences
	Pending  []string    `json:"pending,omitempty"`   // what was still open at the end of the capture
	Findings []Finding   `json:"findings,omitempty"`
	TimeWait string      `json:"time_wait,omitempty"` // who held TIME-WAIT and how long
	// Reopened: a new SYN on the tuple arrived while a side held this
	// incarnation's TIME-WAIT (the next incarnation says how it went).
	Reopened bool `json:"reopened,omitempty"`
	// ReopenOf: this incarnation's SYN arrived at the TIME-WAIT of the
	// previous one; how the TIME-WAIT side answered.
	ReopenOf    string `json:"reopen_of,omitempty"`
	ClosedFirst string `json:"closed_first,omitempty"`

	// Candidates: call lists the model replay tried, both endpoints.
	Candidates int `json:"candidates,omitempty"`

	pkts     []pk             // kept for the model replay
	kept     []pk             // every packet, for Trace (Options.Keep)
	notes    map[int][]string // per packet, for annotation
	annotate bool             // keep notes (Options.Notes is set)
	oowRST   int              // an out-of-window RST (packet), to see whether it was taken
	oowSide  Side
	oowLive  bool // the receiver of the out-of-window RST sent something after it
	ended    bool // both FINs acknowledged, or a RST
	endAt    time.Time
	// The previous incarnation's FINs, to recognise its TIME-WAIT
	// answering this one's SYN.
	closedBoth    bool // ended by both FINs acknowledged
	rstAfterClose int  // a RST after that (into TIME-WAIT)
	reopenAt      time.Time
	prevTW        [2]bool // the previous incarnation's sides in TIME-WAIT
	prevFIN       [2]bool
	prevFINSeq    [2]spec.Seq
	twACK         spec.Seq
	// The previous incarnation's sequence space and timestamps per side,
	// when its TIME-WAIT began, and a RST sent into it, to see whether a
	// reopen exposes the new incarnation to old duplicates.
	prev [2]prevEnd
	// prevRST: the RST into the previous incarnation's TIME-WAIT (packet),
	// after its close or answering the ACK its TIME-WAIT sent this
	// incarnation's SYN; 0 none.
	prevRST    int
	dupChecked bool // oldDuplicates ran
}

// prevEnd is what an incarnation keeps of one side of the previous one.
type prevEnd struct {
	haveSeq bool
	isn     spec.Seq
	sndMax  spec.Seq
	haveTS  bool
	tsVal   uint32
	twAt    time.Time
}

// shortestTimeWait: a TIME-WAIT that ends sooner than this is cut short
// by any stack's measure (Linux's 60 s is the shortest common one; RFC
// 9293's 2×MSL is 240 s). A reopen after it is not flagged.
const shortestTimeWait = 60 * time.Second

func (c *Conn) notef(n int, format string, a ...any) {
	if c.annotate {
		c.note(n, fmt.Sprintf(format, a...))
	}
}

func (c *Conn) note(n int, s string) {
	if !c.annotate {
		return
	}
	if c.notes == nil {
		c.notes = map[int][]string{}
	}
	c.notes[n] = append(c.notes[n], s)
}

func (c *Conn) flag(n int, side Side, msg string, rules ...string) {
	c.Findings = append(c.Findings, Finding{Packet: n, Side: side, Rules: rules, Msg: msg})
	if !c.annotate {
		return
	}
	c.notef(n, "VIOLATION by %s: %s [%s]", side, msg, strings.Join(rules, ", "))
}

// seen processes one packet of the connection, sent by side s.
func (c *Conn) seen(n int, at time.Time, s Side, seg *spec.Segment) bool {
	e, o := &c.Ends[s], &c.Ends[s.Other()]
	if c.Packets == 0 {
		c.First, c.FirstAt = n, at
		start := "opens"
		if c.MidStart {
			start = "already open when the capture starts"
		}
		c.notef(n, "conn %d inc%d %s", c.ID, c.Inc, start)
	}
	c.Packets++
	c.Last, c.LastAt = n, at
	e.Packets++
	e.Octets += uint64(seg.Len)
	if c.oowRST != 0 && s == c.oowSide.Other() && seg.Flags&spec.RST == 0 {
		c.oowLive = true
	}
	if c.oowRST != 0 && s == c.oowSide.Other() && seg.Flags&spec.RST != 0 && !c.oowLive {
		c.flag(n, s, fmt.Sprintf("answers as a closed connection after the out-of-window RST #%d", c.oowRST), "R9293-RST-WINDOW", "R9293-SEG-RST5961")
		c.oowRST = 0
	}
	e.lastPkt, e.lastAt = n, at
	if seg.Opts.HasTS {
		e.haveTS, e.tsVal = true, seg.Opts.TS.Val
	}
	if c.fromTimeWait(n, s, seg) {
		return false
	}

	if seg.Flags&spec.SYN != 0 {
		if seg.Flags&spec.ACK == 0 {
			e.syns++
		}
		if seg.Flags&spec.ACK != 0 && c.prevTW[s] && !c.dupChecked {
			c.dupChecked = true
			c.oldDuplicates(n, at, s)
		}
		if seg.Flags&spec.ACK != 0 && c.prevTW[s] && c.ReopenOf == "" {
			if o.syns <= 1 {
				c.ReopenOf = fmt.Sprintf("its SYN reopened %s's TIME-WAIT of incarnation %d: %s answered with SYN-ACK #%d (MAY-2)", s, c.Inc-1, s, n)
			} else {
				c.ReopenOf = fmt.Sprintf("its SYN reached %s's TIME-WAIT of incarnation %d, which did not answer; %s answered SYN number %d with SYN-ACK #%d", s, c.Inc-1, s, o.syns, n)
			}
		}
		if !e.haveISN {
			e.haveISN, e.isn = true, seg.Seq
			e.wscale = seg.Opts.WScale
		}
	}
	end := seg.Seq.Add(seg.SegLen())
	dataEnd := seg.Seq.Add(seg.Len)
	if seg.Flags&spec.SYN != 0 {
		dataEnd = dataEnd.Add(1)
	}

	// RST: acceptable if in the window the receiver last advertised.
	if seg.Flags&spec.RST != 0 && c.ended && c.closedBoth && c.rstAfterClose == 0 {
		c.rstAfterClose = n
		c.notef(n, "RST by %s after the close: into TIME-WAIT (RFC 1337; TimeWaitRST says whether it ends it)", s)
		return true
	}
	if seg.Flags&spec.RST != 0 {
		if e.rst == 0 {
			e.rst = n
		}
		switch {
		case !o.haveAck:
			c.notef(n, "RST by %s", s)
		case inWindow(seg.Seq, o.maxAck, o.wnd):
			c.notef(n, "RST by %s, in window (acceptable)", s)
			c.end(at)
		default:
			c.notef(n, "RST by %s, out of %s's window [%d, +%d): must be dropped", s, s.Other(), o.maxAck, o.wnd)
			if c.oowRST == 0 {
				c.oowRST, c.oowSide, c.oowLive = n, s, false
			}
		}
		if !o.haveAck {
			c.end(at)
		}
		return true
	}

	// Sequence space after the FIN.
	if e.fin && seg.Len > 0 && e.finSeq.LT(dataEnd) {
		c.flag(n, s, fmt.Sprintf("sends data (%d..%d) after its own FIN at %d", seg.Seq, dataEnd, e.finSeq), "R9293-SEND-CLOSING")
	}
	if seg.Flags&spec.FIN != 0 {
		switch {
		case !e.fin:
			e.fin, e.finSeq, e.finPkt, e.finLast, e.finCount = true, dataEnd, n, n, 1
			first := "first"
			if o.fin || o.rst != 0 {
				first = "second"
			} else {
				c.ClosedFirst = s.String()
			}
			c.notef(n, "FIN by %s (%s to close)", s, first)
		case dataEnd != e.finSeq:
			c.flag(n, s, fmt.Sprintf("resends its FIN with sequence number %d, first sent as %d (packet #%d)", dataEnd, e.finSeq, e.finPkt), "R9293-CLOSE-RELIABLE")
		default:
			e.finCount++
			e.finLast = n
			if o.ackedFIN != 0 {
				c.notef(n, "FIN by %s resent after %s acknowledged it (#%d): that ACK was lost or late", s, s.Other(), o.ackedFIN)
			} else {
				c.notef(n, "FIN by %s resent", s)
			}
		}
	}
	if !e.haveSeq || e.sndMax.LT(end) {
		e.haveSeq, e.sndMax = true, end
	}

	// Acknowledgment.
	if seg.Flags&spec.ACK != 0 {
		c.ack(n, at, s, seg)
	}
	if seg.Len > 0 && e.ackedFIN != 0 && e.dataAfterPeerFIN == 0 {
		e.dataAfterPeerFIN = n
	}
	if c.Ends[A].fin && c.Ends[B].fin && c.Ends[A].finAcked != 0 && c.Ends[B].finAcked != 0 && !c.ended {
		c.closedBoth = true
		c.end(at)
	}
	return true
}

// ack processes the acknowledgment field of a segment s sent.
func (c *Conn) ack(n int, at time.Time, s Side, seg *spec.Segment) {
	e, o := &c.Ends[s], &c.Ends[s.Other()]
	ack := seg.Ack
	if o.haveSeq && o.sndMax.LT(ack) && !c.MidStart {
		c.flag(n, s, fmt.Sprintf("acknowledges %d, beyond anything %s sent (%d)", ack, s.Other(), o.sndMax), "R9293-SEG-ACK-ESTAB")
	}
	if e.ackedFIN != 0 && ack != o.finSeq.Add(1) {
		rule, where := "R9293-SEG-FIN", ""
		if !e.twAt.IsZero() {
			rule, where = "R9293-SEG-FIN-TW", " from TIME-WAIT"
		}
		c.flag(n, s, fmt.Sprintf("re-ACKs%s with ack %d; %s's FIN was at %d, so the ACK must be %d", where, ack, s.Other(), o.finSeq, o.finSeq.Add(1)), rule)
	}
	if !e.haveAck || e.maxAck.LT(ack) {
		e.haveAck, e.maxAck = true, ack
	}
	switch {
	case o.fin && e.ackedFIN == 0 && ack == o.finSeq.Add(1):
		e.ackedFIN = n
		o.finAcked = n
		c.notef(n, "%s acknowledges %s's FIN", s, s.Other())
	case e.ackedFIN != 0 && ack == o.finSeq.Add(1) && o.finLast > e.ackedFIN && e.reACKed != o.finLast:
		e.reACKed = o.finLast
		where := ""
		if !e.twAt.IsZero() {
			where = " from TIME-WAIT"
		}
		c.notef(n, "%s re-ACKs %s's resent FIN%s", s, s.Other(), where)
	}
	win := uint32(seg.Wnd)
	if e.wscale != 0 && o.wscale != 0 && seg.Flags&spec.SYN == 0 {
		win <<= e.wscale - 1
	}
	e.wnd = win
	// TIME-WAIT: a side whose FIN is acknowledged and which acknowledged
	// the peer's FIN after sending its own (it closed first, or the
	// FINs crossed) ends in TIME-WAIT; one that acknowledged the peer's
	// FIN before or with its own ends in LAST-ACK, then CLOSED.
	for _, x := range []Side{A, B} {
		ex := &c.Ends[x]
		if ex.twAt.IsZero() && ex.fin && ex.finAcked != 0 && ex.ackedFIN != 0 && ex.finPkt < ex.ackedFIN {
			ex.twAt, ex.twPkt = at, n
			c.notef(n, "%s enters TIME-WAIT", x)
		}
	}
}

// oldDuplicates: s answered, with the SYN-ACK #n, a SYN that arrived at
// the TIME-WAIT it held for the previous incarnation. If that SYN's
// sequence number is not above what its sender used in the previous
// incarnation and no newer timestamp tells the two apart (RFC 6191),
// old duplicates still alive land inside the new connection's window:
// either TIME-WAIT was cut short (a RST into it: the RFC 1337
// assassination; otherwise a TIME-WAIT shorter than 2×MSL, MUST-13) or
// a reopen took a SYN it should not have. A TIME-WAIT that refused this
// incarnation's SYN (an ACK of the old FIN), took the RST that answered
// that ACK and then accepted the SYN was ended by the RST, whatever the
// sequence numbers.
func (c *Conn) oldDuplicates(n int, at time.Time, s Side) {
	o := s.Other()
	eo, po := &c.Ends[o], &c.prev[o]
	ps := &c.prev[s]
	if !eo.haveISN || !po.haveSeq || ps.twAt.IsZero() || at.Sub(ps.twAt) >= shortestTimeWait {
		return
	}
	if c.twACK != 0 && c.prevRST != 0 {
		c.flag(n, s, fmt.Sprintf("TIME-WAIT assassinated: %s's TIME-WAIT of incarnation %d refused this SYN with an ACK of the old FIN, took the RST #%d that answered it, and %s after entering TIME-WAIT accepts the SYN: the RST ended TIME-WAIT (RFC 1337 hazard; ignoring RST in TIME-WAIT prevents it)", s, c.Inc-1, c.prevRST, at.Sub(ps.twAt).Round(time.Microsecond)), "R1337-TWA", "R1337-F1")
		return
	}
	if po.sndMax.LEQ(eo.isn) {
		return // the new sequence space starts above the old one
	}
	if eo.haveTS && po.haveTS && po.tsVal < eo.tsVal && eo.tsVal-po.tsVal < 1<<31 {
		return // PAWS tells the old segments apart
	}
	ago := at.Sub(ps.twAt).Round(time.Microsecond)
	if c.prevRST != 0 {
		c.flag(n, s, fmt.Sprintf("TIME-WAIT assassinated: the RST #%d ended the TIME-WAIT %s entered for incarnation %d, and %s after it %s accepts a new SYN whose sequence number %d is inside the old incarnation's (up to %d), with no newer timestamp: old duplicates can be taken as new data (RFC 1337 hazard; ignoring RST in TIME-WAIT prevents it)", c.prevRST, s, c.Inc-1, ago, s, eo.isn, po.sndMax), "R1337-TWA", "R1337-F1")
		return
	}
	c.flag(n, s, fmt.Sprintf("accepts a new SYN %s after entering TIME-WAIT for incarnation %d, less than any stack's TIME-WAIT, whose sequence number %d is inside the old incarnation's (up to %d), with no newer timestamp: old duplicates can be taken as new data (TIME-WAIT cut short)", ago, c.Inc-1, eo.isn, po.sndMax), "R9293-MUST13", "R6191-SEQ")
}

// fromTimeWait recognises, at the start of an incarnation that reopened
// a tuple, the previous incarnation's TIME-WAIT answering the new SYN
// with an ACK of the old FIN (RFC 9293 §3.10.7.4 step 4 in TIME-WAIT,
// RFC 5961 §4), and the RST the SYN's sender answers that ACK with (the
// RFC 1337 hazard): neither belongs to the new connection.
func (c *Conn) fromTimeWait(n int, s Side, seg *spec.Segment) bool {
	o := s.Other()
	switch {
	case !c.prevFIN[o] || c.Ends[s].haveISN:
	case seg.Flags&(spec.SYN|spec.RST) == 0 && seg.Flags&spec.ACK != 0 && seg.Ack == c.prevFINSeq[o].Add(1):
		c.twACK = seg.Ack
		c.notef(n, "%s answers from the TIME-WAIT of incarnation %d: an ACK of its old FIN", s, c.Inc-1)
		if c.prevTW[s] && c.ReopenOf == "" {
			c.ReopenOf = fmt.Sprintf("its SYN reached %s's TIME-WAIT of incarnation %d, which refused to reopen: it answered with an ACK of the old FIN (#%d)", s, c.Inc-1, n)
		}
		return true
	}
	if seg.Flags&spec.RST != 0 && c.twACK != 0 && seg.Seq == c.twACK {
		if c.prevRST == 0 {
			c.prevRST = n
		}
		c.notef(n, "%s resets the TIME-WAIT of incarnation %d (RFC 1337: whether it ends TIME-WAIT is TimeWaitRST)", s, c.Inc-1)
		return true
	}
	return false
}

func (c *Conn) end(at time.Time) {
	if !c.ended {
		c.ended, c.endAt = true, at
	}
}

// inWindow: seq within [rcvNxt, rcvNxt+wnd), or equal to rcvNxt when the
// window is zero (RFC 9293 §3.10.7.4, Table 6, applied to a RST).
func inWindow(seq, rcvNxt spec.Seq, wnd uint32) bool {
	if wnd == 0 {
		return seq == rcvNxt
	}
	return rcvNxt.LEQ(seq) && seq.LT(rcvNxt.Add(wnd))
}

// finish writes the summary, the pending items and the verdicts, at the
// end of the connection's part of the capture (endOfCapture: the time of
// the capture's last packet, or zero when the capture goes on).
func (c *Conn) finish(endOfCapture time.Time) {
	a, b := &c.Ends[A], &c.Ends[B]
	var sum []string
	if c.MidStart {
		sum = append(sum, fmt.Sprintf("capture starts mid-connection (no SYN seen; judged from packet #%d)", c.First))
	}
	// Close kind.
	switch {
	case a.rst != 0 || b.rst != 0:
		first, s := A, a
		if a.rst == 0 || (b.rst != 0 && b.rst < a.rst) {
			first, s = B, b
		}
		c.State = "abort"
		if !a.haveAck && !b.haveAck || (first == B && !a.haveISN && !b.haveSeq) {
			c.State = "refused"
		}
		if (a.fin || b.fin) && c.State == "abort" {
			sum = append(sum, "closing with FIN, then reset")
		}
		acc := "acceptable"
		if c.oowRST == s.rst {
			acc = "out of window"
		}
		sum = append(sum, fmt.Sprintf("RST by %s at packet #%d (%s)", first, s.rst, acc))
	case a.fin && b.fin:
		x, y := A, B
		if b.finPkt < a.finPkt {
			x, y = B, A
		}
		ex, ey := &c.Ends[x], &c.Ends[y]
		c.ClosedFirst = x.String()
		switch {
		case ey.finPkt < ex.finAcked || ex.finAcked == 0:
			c.State = "simultaneous"
			sum = append(sum, fmt.Sprintf("simultaneous close: the FINs of %s (#%d) and %s (#%d) crossed", x, ex.finPkt, y, ey.finPkt))
		default:
			c.State = "four-way"
			sum = append(sum, fmt.Sprintf("four-way close: %s closed first (#%d), %s second (#%d)", x, ex.finPkt, y, ey.finPkt))
		}
		if ey.dataAfterPeerFIN != 0 {
			c.State = "half-close+data"
			sum = append(sum, fmt.Sprintf("half-close: %s sent data (#%d) after acknowledging %s's FIN", y, ey.dataAfterPeerFIN, x))
		}
	case a.fin || b.fin:
		x := A
		if !a.fin {
			x = B
		}
		c.ClosedFirst = x.String()
		c.State = "half-closed"
		sum = append(sum, fmt.Sprintf("half-closed: only %s sent a FIN (#%d)", x, c.Ends[x].finPkt))
	case a.haveAck || b.haveAck:
		c.State = "open"
	default:
		c.State = "attempt"
	}
	for _, s := range []Side{A, B} {
		e, o := &c.Ends[s], &c.Ends[s.Other()]
		if e.finCount > 1 && o.ackedFIN != 0 && o.ackedFIN < e.finLast {
			sum = append(sum, fmt.Sprintf("%s's final ACK (#%d) was lost or late: %s resent its FIN (#%d)", s.Other(), o.ackedFIN, s, e.finLast))
		}
	}
	// TIME-WAIT.
	var tw []string
	for _, s := range []Side{A, B} {
		e := &c.Ends[s]
		if e.twAt.IsZero() {
			continue
		}
		switch {
		case c.Reopened:
			tw = append(tw, fmt.Sprintf("%s held TIME-WAIT from #%d, %s until a new SYN arrived on the tuple", s, e.twPkt, c.reopenAt.Sub(e.twAt)))
		case !endOfCapture.IsZero():
			tw = append(tw, fmt.Sprintf("%s holds TIME-WAIT from #%d, at least %s until the capture ends", s, e.twPkt, endOfCapture.Sub(e.twAt)))
		default:
			tw = append(tw, fmt.Sprintf("%s held TIME-WAIT from #%d, at least %s (no packet of its tuple after)", s, e.twPkt, c.LastAt.Sub(e.twAt)))
		}
	}
	c.TimeWait = strings.Join(tw, "; ")
	// Pending at the end of the capture, and the FIN never acknowledged.
	for _, s := range []Side{A, B} {
		e, o := &c.Ends[s], &c.Ends[s.Other()]
		if e.fin && e.finAcked == 0 && e.rst == 0 && o.rst == 0 {
			if e.ackedFIN != 0 && o.lastPkt > e.finLast && e.finLast < e.lastPkt {
				c.flag(e.finLast, s.Other(), fmt.Sprintf("never acknowledges %s's FIN (#%d, sent %d times) though %s goes on and %s stopped resending it", s, e.finPkt, e.finCount, s.Other(), s), "R9293-SEG-FIN")
			} else {
				c.Pending = append(c.Pending, fmt.Sprintf("%s's FIN (#%d) not acknowledged when the capture ends", s, e.finPkt))
			}
		}
		if !e.fin && e.rst == 0 && o.rst == 0 && e.haveSeq {
			c.Pending = append(c.Pending, fmt.Sprintf("%s had not closed when the capture ends", s))
		}
	}
	if c.oowRST != 0 && !c.oowLive {
		r := c.oowSide.Other()
		e, o := &c.Ends[r], &c.Ends[c.oowSide]
		if e.haveSeq && o.haveAck && o.maxAck.LT(e.sndMax) && (e.finAcked == 0 || !e.fin) {
			c.flag(c.oowRST, r, fmt.Sprintf("falls silent after the out-of-window RST #%d with %d octets unacknowledged: it took the RST", c.oowRST, e.sndMax.Sub(o.maxAck)), "R9293-RST-WINDOW", "R9293-SEG-RST5961")
		} else {
			c.Pending = append(c.Pending, fmt.Sprintf("whether %s took the out-of-window RST #%d cannot be seen (nothing of its own outstanding)", r, c.oowRST))
		}
	}
	if c.Reopened {
		sum = append(sum, "a new SYN on the same 4-tuple arrived during its TIME-WAIT (see the next incarnation)")
	}
	if c.rstAfterClose != 0 {
		sum = append(sum, fmt.Sprintf("RST #%d after the close, into TIME-WAIT (RFC 1337)", c.rstAfterClose))
	}
	if c.ReopenOf != "" {
		sum = append(sum, c.ReopenOf)
	}
	c.Summary = sum
	sort.SliceStable(c.Findings, func(i, j int) bool { return c.Findings[i].Packet < c.Findings[j].Packet })
	for _, s := range []Side{A, B} {
		e := &c.Ends[s]
		e.Verdict = "conforms"
		for _, f := range c.Findings {
			if f.Side == s {
				e.Verdict = fmt.Sprintf("violation at packet #%d [%s]", f.Packet, strings.Join(f.Rules, ", "))
				break
			}
		}
		if e.Verdict == "conforms" && e.Packets == 0 {
			e.Verdict = "cannot judge: the capture shows nothing it sent"
		}
	}
}
