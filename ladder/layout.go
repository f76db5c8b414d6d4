package ladder

import (
	"fmt"
	"math"
	"strings"

	"github.com/tcpclose/tcpclose/sim"
	"github.com/tcpclose/tcpclose/spec"
)

// Options tune a ladder.
type Options struct {
	// Width is the width of the text ladder in columns; 0 means 80. The
	// ladder never uses fewer than MinWidth columns.
	Width int
	// Color adds ANSI colours to the text ladder. Leave it off when the
	// output is not a terminal.
	Color bool
	// Absolute prints raw sequence and acknowledgment numbers instead of
	// numbers relative to each side's initial sequence number, and
	// timestamp option values.
	Absolute bool
	// AllCalls shows every socket call; by default the successful
	// socket(2), setsockopt(2) and bind(2) calls that set a connection up
	// are left out.
	AllCalls bool
	// Title is a heading printed above the ladder (the SVG's title).
	Title string
	// From and To draw only the part of the run between these instants
	// (To 0: to the end). The states at From head the ladder; a segment
	// sent before From is not drawn, one that arrives after To is drawn
	// as in flight.
	From, To spec.Time
	// Conn, if not 0, draws only the time connection Conn lived: from the
	// first state change of either side's Conn-th connection to the last
	// (within From and To).
	Conn int
}

// window returns the instants the ladder draws, and false if Conn names a
// connection the run does not have.
func window(recs []sim.Record, o Options) (lo, hi spec.Time, ok bool) {
	lo, hi = o.From, o.To
	if hi <= 0 {
		hi = spec.Time(math.MaxInt64)
	}
	if o.Conn <= 0 {
		return lo, hi, true
	}
	conns := [2]map[int]int{{}, {}}
	first, last := spec.Time(-1), spec.Time(-1)
	for i := range recs {
		r := &recs[i]
		if r.Kind != sim.RecState || r.Side > sim.B {
			continue
		}
		m := conns[r.Side]
		if _, ok := m[r.Inc]; !ok {
			m[r.Inc] = len(m) + 1
		}
		if m[r.Inc] != o.Conn {
			continue
		}
		if first < 0 {
			first = r.At
		}
		last = r.At
	}
	if first < 0 {
		return 0, 0, false
	}
	return max(lo, first), min(hi, last), true
}

// Conns returns the number of connections of the run t: the most either
// side had (the ladder's -conn 1..N).
func Conns(t *sim.Trace) int {
	conns := [2]map[int]bool{{}, {}}
	for _, r := range t.Records {
		if r.Kind == sim.RecState && r.Side <= sim.B {
			conns[r.Side][r.Inc] = true
		}
	}
	return max(len(conns[0]), len(conns[1]))
}

// MinWidth is the narrowest text ladder.
const MinWidth = 60

type rowKind uint8

const (
	rowSeg    rowKind = iota + 1 // a segment sent (or a network copy of one)
	rowArrive                    // a segment arrived (drawn when notable)
	rowNote                      // a call, a result, a notice, a hazard: text beside a side
	rowState                     // only a state change
	rowNet                       // the network did something (a copy, an expiry)
	rowEnd                       // the run ended
)

type fate uint8

const (
	inFlight fate = iota // still in flight when the trace ends
	delivered
	lost
	expired
)

// noteClass says how a note is coloured.
type noteClass uint8

const (
	classCall noteClass = iota
	classResult
	classError
	classNotice
	classHazard
	classEnd
)

type row struct {
	kind rowKind
	at   spec.Time
	side sim.Side // sender (rowSeg), receiver (rowArrive), owner (rowNote, rowState)
	// state is the state a side entered at this row ("" if none).
	state [2]string

	// rowNote, rowNet, rowEnd
	text  string
	class noteClass

	// rowSeg: the label in full and shorter forms, longest first.
	labels []string
	flags  spec.Flags
	id     int
	copy   int
	fate   fate
	note   string // why it was lost, or the fault that touched it
	// arrive is the index of the rowArrive at which it arrived (delivered),
	// or of the rowNet at which it expired; -1 otherwise.
	arrive int
	// origin: for a network copy (copy > 0), the index of the original's
	// rowSeg; -1 otherwise.
	origin int
	// reordered: it arrived after a segment sent later in its direction.
	reordered bool
	// rowArrive: seg is the index of the arriving segment's row.
	seg int
}

type layout struct {
	rows    []row
	names   [2]string
	addrs   [2]string
	initial [2]string
}

type segKey struct{ id, copy int }

type tupleKey struct {
	side  sim.Side
	tuple spec.FourTuple
}

// build turns a trace into rows.
func build(t *sim.Trace, o Options) *layout {
	l := &layout{names: t.Names, initial: [2]string{"CLOSED", "CLOSED"}}
	for i, n := range l.names {
		if n == "" {
			l.names[i] = sim.Side(i).String()
		}
	}
	recs := t.Records
	reordered := findReordered(recs)
	isn := map[tupleKey][]spec.Seq{}
	accepted := acceptedISNs(recs)
	segRow := map[segKey]int{}
	// last row index of each side at the current instant, for attaching
	// state changes and merging a call with its result.
	last := [2]int{-1, -1}
	lastAt := [2]spec.Time{-1, -1}
	// connection ordinals per side: incarnation -> 1, 2, ...
	conns := [2]map[int]int{{}, {}}
	lo, hi, _ := window(recs, o)
	add := func(r row) int {
		l.rows = append(l.rows, r)
		i := len(l.rows) - 1
		if r.side <= sim.B && r.kind != rowNet && r.kind != rowEnd {
			last[r.side], lastAt[r.side] = i, r.at
		}
		return i
	}
	for ri := range recs {
		r := &recs[ri]
		in := r.At >= lo && r.At <= hi
		switch r.Kind {
		case sim.RecSend:
			if l.addrs[r.Side] == "" {
				l.addrs[r.Side] = r.Seg.Src.String()
				l.addrs[r.Side.Peer()] = r.Seg.Dst.String()
			}
			if r.Seg.Flags.Has(spec.SYN) {
				k := tupleKey{r.Side, spec.FourTuple{Local: r.Seg.Src, Remote: r.Seg.Dst}}
				if h := isn[k]; (len(h) == 0 || h[len(h)-1] != r.Seg.Seq) && accepted[k][r.Seg.Seq] {
					isn[k] = append(h, r.Seg.Seq)
				}
			}
			if !in {
				continue
			}
			i := add(row{kind: rowSeg, at: r.At, side: r.Side, flags: r.Seg.Flags, id: r.SegID,
				labels: segLabels(r, isn, o.Absolute), note: r.Note, arrive: -1, origin: -1,
				reordered: reordered[segKey{r.SegID, 0}]})
			segRow[segKey{r.SegID, 0}] = i
		case sim.RecDrop:
			if i, ok := segRow[segKey{r.SegID, r.Copy}]; ok {
				l.rows[i].fate = lost
				l.rows[i].note = r.Note
			}
		case sim.RecDuplicate:
			orig, ok := segRow[segKey{r.SegID, 0}]
			if !ok || !in {
				continue
			}
			o := l.rows[orig]
			labels := make([]string, len(o.labels))
			for k, s := range o.labels {
				labels[k] = strings.Replace(s, fmt.Sprintf("#%d ", r.SegID), fmt.Sprintf("#%d' ", r.SegID), 1)
			}
			i := add(row{kind: rowNet, at: r.At, side: o.side, flags: o.flags, id: r.SegID, copy: r.Copy,
				labels: labels, arrive: -1, origin: orig, reordered: reordered[segKey{r.SegID, r.Copy}],
				text: fmt.Sprintf("network copies #%d (the copy arrives %s)", r.SegID, r.ArriveAt)})
			segRow[segKey{r.SegID, r.Copy}] = i
		case sim.RecDeliver:
			s, ok := segRow[segKey{r.SegID, r.Copy}]
			if !ok || !in {
				continue
			}
			i := add(row{kind: rowArrive, at: r.At, side: r.Side, seg: s, id: r.SegID, copy: r.Copy,
				reordered: reordered[segKey{r.SegID, r.Copy}], arrive: -1, origin: -1})
			l.rows[s].fate = delivered
			l.rows[s].arrive = i
		case sim.RecExpire:
			s, ok := segRow[segKey{r.SegID, r.Copy}]
			if !ok || !in {
				continue
			}
			tag := fmt.Sprintf("#%d", r.SegID)
			if r.Copy > 0 {
				tag += "'"
			}
			i := add(row{kind: rowNet, at: r.At, side: sim.NoSide, arrive: -1, origin: -1,
				text: tag + " dies in flight (older than MSL)"})
			l.rows[s].fate = expired
			l.rows[s].arrive = i
		case sim.RecCall:
			if !in || !o.AllCalls && quietCall(r.Call.Kind) {
				continue
			}
			add(row{kind: rowNote, at: r.At, side: r.Side, class: classCall, text: r.Call.String() + " …", arrive: -1, origin: -1})
		case sim.RecResult:
			out := r.Out
			failed := out.Ret == -1
			if !in || !o.AllCalls && quietCall(out.Call) && !failed {
				continue
			}
			res := fmt.Sprintf("= %d", out.Ret)
			if failed {
				res = fmt.Sprintf("= -1 %s", out.Err)
			}
			class := classResult
			if failed {
				class = classError
			}
			// A call that returned at once: "close(3) = 0" on one row.
			if i := last[r.Side]; i >= 0 && lastAt[r.Side] == r.At && l.rows[i].kind == rowNote &&
				l.rows[i].class == classCall && strings.HasPrefix(l.rows[i].text, out.Call.String()+"(") &&
				strings.HasSuffix(l.rows[i].text, " …") {
				l.rows[i].text = strings.TrimSuffix(l.rows[i].text, " …") + " " + res
				l.rows[i].class = class
			} else {
				add(row{kind: rowNote, at: r.At, side: r.Side, class: class, text: fmt.Sprintf("%s(%d) %s", out.Call, out.FD, res), arrive: -1, origin: -1})
			}
			if out.Call == spec.CallListen && !failed {
				l.setState(r.Side, r.At, "LISTEN", &last, &lastAt, add)
			}
		case sim.RecNotice:
			if !in {
				continue
			}
			add(row{kind: rowNote, at: r.At, side: r.Side, class: classNotice, text: "notice: " + r.Out.Notice.String(), arrive: -1, origin: -1})
		case sim.RecState:
			if r.Side > sim.B {
				continue
			}
			m := conns[r.Side]
			if _, ok := m[r.Inc]; !ok {
				m[r.Inc] = len(m) + 1
			}
			name := abbrev(r.To)
			if len(m) > 1 {
				name = fmt.Sprintf("%d:%s", m[r.Inc], name)
			}
			if r.At < lo {
				l.initial[r.Side] = name // the state the window opens in
				continue
			}
			if !in {
				continue
			}
			l.setState(r.Side, r.At, name, &last, &lastAt, add)
		case sim.RecHazard:
			if !in {
				continue
			}
			add(row{kind: rowNote, at: r.At, side: r.Side, class: classHazard, text: fmt.Sprintf("HAZARD #%d: %s", r.SegID, r.Note), arrive: -1, origin: -1})
		case sim.RecEnd:
			if !in {
				add(row{kind: rowEnd, at: hi, side: sim.NoSide, class: classEnd, text: fmt.Sprintf("end of window (the run ends %s at %s)", endReason(r.Note), r.At), arrive: -1, origin: -1})
				continue
			}
			add(row{kind: rowEnd, at: r.At, side: sim.NoSide, class: classEnd, text: "end of run: " + endReason(r.Note), arrive: -1, origin: -1})
		}
	}
	return l
}

// setState shows side entering state: on the side's last row if that row
// is at the same instant and shows no state yet, otherwise on a row of
// its own.
func (l *layout) setState(side sim.Side, at spec.Time, state string, last *[2]int, lastAt *[2]spec.Time, add func(row) int) {
	if i := last[side]; i >= 0 && lastAt[side] == at && l.rows[i].state[side] == "" {
		l.rows[i].state[side] = state
		return
	}
	// Both sides changing state at one instant share a row.
	if n := len(l.rows); n > 0 {
		p := &l.rows[n-1]
		if p.kind == rowState && p.at == at && p.state[side] == "" {
			p.state[side] = state
			return
		}
	}
	r := row{kind: rowState, at: at, side: side, arrive: -1, origin: -1}
	r.state[side] = state
	add(r)
}

// quietCall reports whether a successful call is set-up noise.
func quietCall(k spec.CallKind) bool {
	return k == spec.CallSocket || k == spec.CallSetsockopt || k == spec.CallBind
}

// abbrev shortens state names the way RFC 9293 Figure 5 does.
func abbrev(s spec.State) string {
	switch s {
	case spec.SynReceived:
		return "SYN-RCVD"
	case spec.Established:
		return "ESTAB"
	}
	return s.String()
}

// findReordered marks the transmissions that arrived after a transmission
// sent later in the same direction.
func findReordered(recs []sim.Record) map[segKey]bool {
	out := map[segKey]bool{}
	maxID := [2]int{}
	for i := range recs {
		r := &recs[i]
		if r.Kind != sim.RecDeliver || r.Side > sim.B {
			continue
		}
		d := r.Side // the receiver
		if r.SegID < maxID[d] {
			out[segKey{r.SegID, r.Copy}] = true
		}
		if r.SegID > maxID[d] {
			maxID[d] = r.SegID
		}
	}
	return out
}

// segLabels formats a segment as packetdrill does, full first, then
// shorter forms for narrow ladders.
func segLabels(r *sim.Record, isn map[tupleKey][]spec.Seq, absolute bool) []string {
	s := r.Seg
	seq, ack := uint32(s.Seq), uint32(s.Ack)
	if !absolute {
		seq = relative(s.Seq, isn[tupleKey{r.Side, spec.FourTuple{Local: s.Src, Remote: s.Dst}}])
		ack = relative(s.Ack, isn[tupleKey{r.Side.Peer(), spec.FourTuple{Local: s.Dst, Remote: s.Src}}])
	}
	end := seq + s.Len
	core := fmt.Sprintf("#%d %s %d:%d(%d)", r.SegID, s.Flags, seq, end, s.Len)
	if s.Flags.Has(spec.ACK) {
		core += fmt.Sprintf(" ack %d", ack)
	}
	win := fmt.Sprintf(" win %d", s.Wnd)
	var opts []string
	if s.Opts.MSS != 0 {
		opts = append(opts, fmt.Sprintf("mss %d", s.Opts.MSS))
	}
	if s.Opts.SackOK {
		opts = append(opts, "sackOK")
	}
	if s.Opts.HasTS {
		if absolute {
			opts = append(opts, fmt.Sprintf("TS val %d ecr %d", s.Opts.TS.Val, s.Opts.TS.Ecr))
		} else {
			opts = append(opts, "TS")
		}
	}
	if s.Opts.WScale != 0 {
		opts = append(opts, fmt.Sprintf("wscale %d", s.Opts.WScale-1))
	}
	// The shorter forms, for narrow ladders, say what they leave out:
	// "<…>" stands for the options, a trailing "…" for the window too.
	if len(opts) > 0 {
		return []string{core + win + " <" + strings.Join(opts, ",") + ">", core + win + " <…>", core + " …"}
	}
	return []string{core + win, core + " …"}
}

// endReason is the reason of an end record without the details the
// summary repeats: "closed (A closed true at ...)" becomes "closed".
func endReason(note string) string {
	if i := strings.Index(note, " ("); i > 0 {
		return note[:i]
	}
	return note
}

// relative expresses n relative to the initial sequence number of the
// incarnation it belongs to: the latest of the ISNs seen on the 4-tuple
// (oldest first) that n does not precede. A segment of an older
// incarnation (an old duplicate, a TIME-WAIT restored after a reopen) is
// numbered from its own ISN, not the new one. With no ISN known, n is
// printed as it is.
func relative(n spec.Seq, isns []spec.Seq) uint32 {
	if len(isns) == 0 {
		return uint32(n)
	}
	for i := len(isns) - 1; i >= 0; i-- {
		if n.GEQ(isns[i]) {
			return n.Sub(isns[i])
		}
	}
	return n.Sub(isns[len(isns)-1])
}

// acceptedISNs finds the SYNs that begin an incarnation: every SYN,ACK,
// a side's first SYN on a 4-tuple, and a SYN the peer answered with a
// SYN,ACK. Other SYNs (old duplicates, SYNs dropped in TIME-WAIT) do not
// renumber the ladder.
func acceptedISNs(recs []sim.Record) map[tupleKey]map[spec.Seq]bool {
	out := map[tupleKey]map[spec.Seq]bool{}
	mark := func(k tupleKey, n spec.Seq) {
		if out[k] == nil {
			out[k] = map[spec.Seq]bool{}
		}
		out[k][n] = true
	}
	for i := range recs {
		r := &recs[i]
		if r.Kind != sim.RecSend || r.Side > sim.B || !r.Seg.Flags.Has(spec.SYN) {
			continue
		}
		own := tupleKey{r.Side, spec.FourTuple{Local: r.Seg.Src, Remote: r.Seg.Dst}}
		if r.Seg.Flags.Has(spec.ACK) {
			mark(own, r.Seg.Seq)
			mark(tupleKey{r.Side.Peer(), spec.FourTuple{Local: r.Seg.Dst, Remote: r.Seg.Src}}, r.Seg.Ack-1)
		} else if len(out[own]) == 0 {
			mark(own, r.Seg.Seq)
		}
	}
	return out
}
