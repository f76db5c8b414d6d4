package capture

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/spec"
)

// Vantage says where the capture was taken, which decides what the
// replay may assume was lost out of its sight.
type Vantage uint8

// Vantage points.
const (
	// VantageAuto infers the vantage point per connection from its
	// handshake: the side that answers a handshake segment at once (the
	// SYN-ACK right after the SYN, or the ACK right after the SYN-ACK)
	// is the one the capture sits at; when both answer after a delay
	// the capture is between them.
	VantageAuto Vantage = iota
	// VantageA: the capture is at A. What A sent and received is in the
	// capture as it happened; A's segments may be lost on the way to B,
	// and B may have sent segments lost before they reached A.
	VantageA
	// VantageB: the capture is at B (the mirror of VantageA).
	VantageB
	// VantageBetween: the capture is on the path; a segment in it may
	// not have reached its destination, and a segment may have been
	// lost before it reached the capture point.
	VantageBetween
)

var vantageNames = [...]string{VantageAuto: "auto", VantageA: "a", VantageB: "b", VantageBetween: "between"}

func (v Vantage) String() string {
	if int(v) < len(vantageNames) {
		return vantageNames[v]
	}
	return fmt.Sprintf("Vantage(%d)", v)
}

// ParseVantage reads a vantage point: auto, a, b or between.
func ParseVantage(s string) (Vantage, error) {
	for v, n := range vantageNames {
		if strings.EqualFold(s, n) {
			return Vantage(v), nil
		}
	}
	return 0, fmt.Errorf("vantage %q: want auto, a, b or between", s)
}

// pk is one packet of a connection kept for replay.
type pk struct {
	n    int
	at   time.Time
	side Side
	seg  spec.Segment
	lost bool // the capture says the network lost it (sim's LOST comments)
}

// hiddenKind is the kind of an event the capture does not show.
type hiddenKind uint8

const (
	hiddenCall hiddenKind = iota // an application call
	hiddenDrop                   // a peer's segment in the capture that never reached the endpoint
	hiddenLate                   // a peer's segment that reached the endpoint later (reordered), just before one of its packets
	hiddenCopy                   // a network copy of a peer's segment reached the endpoint again, just before one of its packets
)

// hidden is one event the replay inserts. A call goes in at an expected
// packet's instant, among the peer's segments arriving at that same
// instant; a drop takes one of the peer's segments out of the input.
type hidden struct {
	kind   hiddenKind
	before int // index into the endpoint's expected packets
	call   string
	// after: how many of the packets arriving at that same instant come
	// before the call; -1 all of them.
	after int
	pkt   int // hiddenDrop, hiddenLate, hiddenCopy: index into the packets
	at    int // hiddenLate, hiddenCopy: the endpoint's packet it arrives just before (index)
}

// DefaultMaxCandidates bounds the replays tried per endpoint when
// Options.MaxCandidates is zero.
const DefaultMaxCandidates = 256

// DefaultTimerSlack is how late, when Options.TimerSlack is zero, a
// timer may fire in the capture against the model's exact deadline (a
// timer wheel's tick: Linux jiffies at HZ=100 are 10 ms).
const DefaultTimerSlack = 10 * time.Millisecond

// maxDropCandidates bounds the peer segments tried as lost per step.
const maxDropCandidates = 8

// callNames are the application calls the search tries, and "tick": the
// endpoint's timers due at that instant fire before the segments
// arriving with them (a timer and an arrival at one instant may come in
// either order).
var callNames = [...]string{"write", "close", "read-close", "shutdown", "abort", "tick"}

// replayResult is the outcome of one replay.
type replayResult struct {
	matched int    // expected packets matched in order
	detail  string // why the next one did not match
	rules   []spec.RuleID
	written int64
	ackBad  int // a pure ACK of the capture the model never sent (packet index+1); 0 none
	skipped int // model segments taken as lost before the capture point
	// progress: how many of x's packets (compared ones and pure ACKs, in
	// capture order) the replay explained before its first failure.
	progress int
}

// replayer holds what every replay of one endpoint shares.
type replayer struct {
	c        *Conn
	pkts     []pk
	x        Side
	p        spec.Profile
	want     []int       // indexes of x's compared packets (SYN, FIN, RST or data)
	acks     []int       // indexes of x's pure ACKs
	pos      map[int]int // x's packets (want and acks): index -> rank in capture order
	order    []int       // the packets in the order x meets them
	eff      []time.Time // when x meets each packet
	shift    time.Duration
	vantage  Vantage // as used (never auto)
	dropOK   bool    // the peer's segments in the capture may not have reached x
	skipOK   bool    // x's segments may be lost before the capture point
	slack    time.Duration
	dataLeft int64
}

// shifts measures how long after the capture saw a segment each side
// would have answered it: the least gap between a segment of the peer's
// and the first of the side's own that acknowledges it (B's SYN-ACK
// after the SYN it answers, A's ACK after the SYN-ACK, every ACK of
// data or of a FIN). Delayed ACKs and reordering only lengthen a gap,
// so the least one is the path's. ok[s] is false when the capture shows
// no such answer.
func shifts(pkts []pk) (d [2]time.Duration, ok [2]bool) {
	// first[s][end]: when the capture first saw s's segment ending at end.
	var first [2]map[spec.Seq]time.Time
	var maxAck [2]spec.Seq
	var haveAck [2]bool
	for i := range pkts {
		q := &pkts[i]
		s := q.side
		// A lost segment reached nobody, so it is answered by none; but
		// it was sent, so it answers what its sender had seen.
		if q.seg.SegLen() > 0 && !q.lost {
			if first[s] == nil {
				first[s] = map[spec.Seq]time.Time{}
			}
			if _, seen := first[s][q.seg.End()]; !seen {
				first[s][q.seg.End()] = q.at
			}
		}
		if q.seg.Flags&spec.ACK == 0 || q.seg.Flags&spec.RST != 0 {
			continue
		}
		if haveAck[s] && !maxAck[s].LT(q.seg.Ack) {
			continue
		}
		maxAck[s], haveAck[s] = q.seg.Ack, true
		if t, seen := first[s.Other()][q.seg.Ack]; seen && !q.at.Before(t) {
			if g := q.at.Sub(t); !ok[s] || g < d[s] {
				d[s], ok[s] = g, true
			}
		}
	}
	return d, ok
}

// inferVantage: the side that answers at once is where the capture is.
func inferVantage(d [2]time.Duration, ok [2]bool) Vantage {
	const near = 500 * time.Microsecond
	switch {
	case ok[A] && ok[B] && d[A] <= near && d[B] > 4*d[A]:
		return VantageA
	case ok[A] && ok[B] && d[B] <= near && d[A] > 4*d[B]:
		return VantageB
	}
	return VantageBetween
}

// Replay judges endpoint x of the connection by driving the model under
// profile p: the peer's packets (those not marked lost) are its input at
// their capture time plus the delay the handshake shows between the
// capture point and x, and every segment x sent with a SYN, FIN, RST or
// payload must come out of the model, in order, with the same flags,
// sequence and acknowledgment numbers and length; every pure ACK of x's
// must be one the model sent (same sequence and acknowledgment numbers,
// at any time: delayed-ACK timing is the stack's own). What the capture
// does not show is searched for, best first, within a bound: x's
// application calls (write of what it sends, close, read-then-close,
// shutdown, abortive close) placed wherever the capture shows a segment
// the model did not send, among the segments arriving at that instant;
// the peer's segments lost between the capture point and x (unless the
// capture is at x); x's retransmissions lost before the capture point
// (unless the capture is at x); and a timer firing up to the slack
// later than the model's deadline. It returns the verdict and the
// number of candidate replays tried.
func (c *Conn) replay(pkts []pk, x Side, p spec.Profile, o *Options) (string, int) {
	e := &c.Ends[x]
	if c.MidStart || !e.haveISN {
		return "cannot judge: no handshake in the capture", 0
	}
	if (c.prevTW[x] || c.prevTW[x.Other()]) && !strings.HasPrefix(c.ReopenOf, "its SYN reopened") {
		return "cannot judge: this incarnation began while a side held the previous one's TIME-WAIT, which did not simply reopen, and the replay starts from a fresh host", 0
	}
	rp := &replayer{c: c, pkts: pkts, x: x, p: p, slack: o.TimerSlack, vantage: o.Vantage}
	if rp.slack == 0 {
		rp.slack = DefaultTimerSlack
	}
	budget := o.MaxCandidates
	if budget == 0 {
		budget = DefaultMaxCandidates
	}
	d, ok := shifts(pkts)
	if rp.vantage == VantageAuto {
		rp.vantage = inferVantage(d, ok)
	}
	switch {
	case ok[x]:
		rp.shift = d[x]
	case ok[x.Other()]:
		rp.shift = d[x.Other()]
	}
	at := VantageA
	if x == B {
		at = VantageB
	}
	rp.dropOK = rp.vantage != at
	rp.skipOK = rp.vantage != at
	for i := range pkts {
		q := &pkts[i]
		if q.side != x {
			continue
		}
		if q.seg.Flags&(spec.SYN|spec.FIN|spec.RST) != 0 || q.seg.Len > 0 {
			rp.want = append(rp.want, i)
		} else if q.seg.Flags&spec.ACK != 0 {
			rp.acks = append(rp.acks, i)
		} else {
			continue
		}
		if rp.pos == nil {
			rp.pos = map[int]int{}
		}
		rp.pos[i] = len(rp.pos)
	}
	// What x sends: its sequence space less the SYN and the FIN.
	rp.dataLeft = int64(e.sndMax.Sub(e.isn)) - 1
	if e.fin {
		rp.dataLeft--
	}
	// Events in the order x meets them: the peer's packets arrive shift
	// after the capture saw them; ties go to the arrival.
	rp.order = make([]int, len(pkts))
	rp.eff = make([]time.Time, len(pkts))
	for i := range pkts {
		rp.order[i], rp.eff[i] = i, pkts[i].at
		if pkts[i].side != x {
			rp.eff[i] = rp.eff[i].Add(rp.shift)
		}
	}
	sort.SliceStable(rp.order, func(a, b int) bool {
		ia, ib := rp.order[a], rp.order[b]
		if !rp.eff[ia].Equal(rp.eff[ib]) {
			return rp.eff[ia].Before(rp.eff[ib])
		}
		return pkts[ia].side != x && pkts[ib].side == x
	})
	return rp.search(budget)
}

// node is one candidate list of hidden events in the search.
type node struct {
	h     []hidden
	r     replayResult
	next  int  // next candidate to try from this node
	stall bool // reached by a drop that matched nothing more
}

// complete: every expected packet matched and every pure ACK sent by the model.
func (rp *replayer) complete(r replayResult) bool {
	return r.progress == len(rp.pos)
}

// candidates lists the hidden events to try after n's: the calls at
// every position among the arrivals at the next expected packet's
// instant, then (when the capture may hide losses) the peer's segments
// just before it taken as lost.
func (rp *replayer) candidates(n *node) []hidden {
	k := n.r.matched
	if n.r.ackBad != 0 {
		// A pure ACK failed: calls and losses before it.
		k = 0
		for k < len(rp.want) && rp.want[k] < n.r.ackBad-1 {
			k++
		}
	}
	var out []hidden
	if k < len(rp.want) {
		w := rp.want[k]
		arrivals := 0
		for i := range rp.pkts {
			if rp.pkts[i].side != rp.x && rp.eff[i].Equal(rp.eff[w]) {
				arrivals++
			}
		}
		for after := -1; after < arrivals; after++ {
			for _, c := range callNames {
				if c == "write" && n.r.written >= rp.dataLeft {
					continue
				}
				out = append(out, hidden{kind: hiddenCall, call: c, before: k, after: after})
			}
		}
	}
	if !rp.dropOK {
		return out
	}
	// The packet of x's that failed: a peer's segment delivered late, or
	// a copy of one, just before it.
	f := -1
	switch {
	case n.r.ackBad != 0:
		f = n.r.ackBad - 1
	case k < len(rp.want):
		f = rp.want[k]
	}
	if f >= 0 {
		for _, kind := range []hiddenKind{hiddenLate, hiddenCopy} {
			cnt := 0
			for j := len(rp.order) - 1; j >= 0 && cnt < maxDropCandidates; j-- {
				i := rp.order[j]
				q := &rp.pkts[i]
				if q.side == rp.x || q.lost || !rp.eff[i].Before(rp.eff[f]) || n.dropped(i) {
					continue
				}
				out = append(out, hidden{kind: kind, pkt: i, at: f, before: k})
				cnt++
			}
		}
	}
	// The peer's segments met before the expected packet (or before the
	// end), after the previous one, most recent first.
	var lo, hi time.Time
	if k > 0 {
		lo = rp.eff[rp.want[k-1]]
	}
	if k < len(rp.want) {
		hi = rp.eff[rp.want[k]]
	}
	drops := 0
	for j := len(rp.order) - 1; j >= 0 && drops < maxDropCandidates; j-- {
		i := rp.order[j]
		q := &rp.pkts[i]
		if q.side == rp.x || q.lost || (!hi.IsZero() && rp.eff[i].After(hi)) {
			continue
		}
		if rp.eff[i].Before(lo) {
			break
		}
		if n.dropped(i) {
			continue
		}
		out = append(out, hidden{kind: hiddenDrop, pkt: i, before: k})
		drops++
	}
	return out
}

func (n *node) dropped(i int) bool {
	for _, h := range n.h {
		if (h.kind == hiddenDrop || h.kind == hiddenLate) && h.pkt == i {
			return true
		}
	}
	return false
}

// search tries candidate lists of hidden events, best first (the list
// that matched most, the most recent on ties), until one explains the
// whole capture, none is left, or the budget is spent.
func (rp *replayer) search(budget int) (string, int) {
	// Calls alone first; losses too only if calls cannot explain it.
	dropOK := rp.dropOK
	rp.dropOK = false
	v, tried, ok := rp.searchPhase(budget, 0)
	if !ok && dropOK && tried < budget {
		rp.dropOK = true
		v, tried, _ = rp.searchPhase(budget, tried)
	}
	return v, tried
}

// searchPhase is one best-first search; ok reports a complete explanation
// or a search that ran out of budget (no second phase then).
func (rp *replayer) searchPhase(budget, tried int) (string, int, bool) {
	root := &node{r: rp.replayOnce(nil)}
	tried++
	best := root
	open := []*node{root}
	exceeded := false
	var done *node
	if rp.complete(root.r) {
		done = root
	}
	for done == nil && len(open) > 0 {
		// The open node that explained most; the latest on ties.
		bi := len(open) - 1
		for i := len(open) - 2; i >= 0; i-- {
			if open[i].r.progress > open[bi].r.progress {
				bi = i
			}
		}
		n := open[bi]
		cands := rp.candidates(n)
		if n.next >= len(cands) {
			open = append(open[:bi], open[bi+1:]...)
			continue
		}
		if tried >= budget {
			exceeded = true
			break
		}
		cand := cands[n.next]
		n.next++
		h := append(append([]hidden(nil), n.h...), cand)
		r := rp.replayOnce(h)
		tried++
		child := &node{h: h, r: r}
		switch {
		case rp.complete(r):
			done = child
		case r.progress > n.r.progress:
			open = append(open, child)
		case cand.kind != hiddenCall && !n.stall && r.progress == n.r.progress:
			child.stall = true
			open = append(open, child)
		}
		if r.progress > best.r.progress {
			best = child
		}
	}
	where := fmt.Sprintf("vantage %s", rp.vantage)
	if done != nil {
		return fmt.Sprintf("conforms to %s (%s; %s; %d candidates tried)", rp.p.Name, where, rp.describe(done), tried), tried, true
	}
	v := rp.violation(best)
	if exceeded {
		return fmt.Sprintf("cannot judge: search exceeded %d candidates (%s; best found: %s)", budget, where, v), tried, true
	}
	return fmt.Sprintf("violation of %s at packet #%s (%s; %d candidates tried)", rp.p.Name, v, where, tried), tried, false
}

// describe lists a node's hidden events.
func (rp *replayer) describe(n *node) (s string) {
	var cs, ds, ls, ks []string
	for _, h := range n.h {
		switch h.kind {
		case hiddenCall:
			s := fmt.Sprintf("%s before #%d", h.call, rp.pkts[rp.want[h.before]].n)
			if h.after >= 0 {
				s += fmt.Sprintf(" (after %d of the segments arriving with it)", h.after)
			}
			cs = append(cs, s)
		case hiddenDrop:
			ds = append(ds, fmt.Sprintf("#%d", rp.pkts[h.pkt].n))
		case hiddenLate:
			ls = append(ls, fmt.Sprintf("#%d (before #%d)", rp.pkts[h.pkt].n, rp.pkts[h.at].n))
		case hiddenCopy:
			ks = append(ks, fmt.Sprintf("#%d (before #%d)", rp.pkts[h.pkt].n, rp.pkts[h.at].n))
		}
	}
	if len(ls) > 0 {
		defer func() { s += fmt.Sprintf("; reached %s late: %s", rp.x, strings.Join(ls, ", ")) }()
	}
	if len(ks) > 0 {
		defer func() { s += fmt.Sprintf("; a network copy reached %s: %s", rp.x, strings.Join(ks, ", ")) }()
	}
	s = "calls inferred: " + strings.Join(cs, ", ")
	if len(cs) == 0 {
		s = "no calls inferred"
	}
	if len(ds) > 0 {
		s += fmt.Sprintf("; lost on the way to %s: %s", rp.x, strings.Join(ds, ", "))
	}
	if n.r.skipped > 0 {
		s += fmt.Sprintf("; %d of its retransmissions lost before the capture point", n.r.skipped)
	}
	return s
}

// violation describes where the best replay failed: "N: what".
func (rp *replayer) violation(n *node) string {
	rules := make([]string, 0, len(n.r.rules))
	for _, r := range n.r.rules {
		rules = append(rules, string(r))
	}
	if n.r.ackBad != 0 {
		q := &rp.pkts[n.r.ackBad-1]
		return fmt.Sprintf("%d: the capture shows the pure ACK %s, which the model never sends (%s; rules the model applied: %s)", q.n, &q.seg, rp.describe(n), strings.Join(rules, ", "))
	}
	return fmt.Sprintf("%d: %s (%s; rules the model applied: %s)", rp.pkts[rp.want[n.r.matched]].n, n.r.detail, rp.describe(n), strings.Join(rules, ", "))
}

// cmpFlags are the flags compared: PSH (and URG, ECE, CWR) are the
// stack's own business (RFC 9293 §3.9.1 leaves PSH to the sender).
const cmpFlags = spec.SYN | spec.FIN | spec.RST | spec.ACK

// ackKey is a pure ACK's identity for comparison.
type ackKey struct{ seq, ack spec.Seq }

// replayOnce runs the model once with the given hidden events and
// reports how many expected packets it matched.
func (rp *replayer) replayOnce(hs []hidden) replayResult {
	c, x, pkts, want := rp.c, rp.x, rp.pkts, rp.want
	e, o := &c.Ends[x], &c.Ends[x.Other()]
	var calls []hidden
	var drop map[int]bool
	var extra map[int][]int // x's packet -> peer segments delivered just before it
	for _, h := range hs {
		switch h.kind {
		case hiddenCall:
			calls = append(calls, h)
			continue
		case hiddenLate, hiddenCopy:
			if extra == nil {
				extra = map[int][]int{}
			}
			extra[h.at] = append(extra[h.at], h.pkt)
		}
		if h.kind == hiddenDrop || h.kind == hiddenLate {
			if drop == nil {
				drop = map[int]bool{}
			}
			drop[h.pkt] = true
		}
	}
	sort.SliceStable(calls, func(a, b int) bool { return calls[a].before < calls[b].before })
	local, remote := spec.SockAddrFrom(e.Addr), spec.SockAddrFrom(o.Addr)
	h, err := model.New(rp.p, spec.HostConfig{Addr: local.IP, FixedISS: e.isn})
	if err != nil {
		return replayResult{detail: err.Error()}
	}
	t0 := c.FirstAt
	at := func(t time.Time) spec.Time { return spec.Time(t.Sub(t0)) + 1 }
	var res replayResult
	var out []spec.Output
	var got []spec.Segment
	var sent map[ackKey]bool
	var verified map[int]bool // x's pure ACKs the model had sent by then
	var pending []int         // x's pure ACKs not yet sent by the model
	if len(rp.acks) > 0 {
		sent, verified = map[ackKey]bool{}, map[int]bool{}
	}
	var hiEnd spec.Seq // end of the sequence space matched so far
	haveEnd := false
	sock, fd := int32(-1), int32(-1)
	accepting := false
	run := func(ev spec.Event) {
		if ev.At < h.Now() {
			ev.At = h.Now()
		}
		out = h.Step(&ev, out[:0])
		for _, op := range out {
			switch op.Kind {
			case spec.OutSegment:
				if op.Seg.Flags&(spec.SYN|spec.FIN|spec.RST) != 0 || op.Seg.Len > 0 {
					got = append(got, op.Seg)
					res.rules = h.Fired()
				}
				if sent != nil && op.Seg.Flags&(spec.SYN|spec.FIN|spec.RST) == 0 && op.Seg.Flags&spec.ACK != 0 && op.Seg.Len == 0 {
					sent[ackOf(&op.Seg)] = true
				}
			case spec.OutResult:
				if ev.Kind == spec.EvCall && ev.Call.Kind == spec.CallSocket {
					sock = int32(op.Ret)
				} else if accepting && op.FD == sock && fd < 0 && op.Ret >= 0 {
					fd = int32(op.Ret) // the accept
				}
			}
		}
	}
	call := func(t spec.Time, cl spec.Call) { run(spec.Event{Kind: spec.EvCall, At: t, Call: cl}) }
	call(0, spec.Call{Kind: spec.CallSocket})
	call(0, spec.Call{Kind: spec.CallSetsockopt, FD: sock, Opt: spec.OptReuseAddr, Val: 1})
	call(0, spec.Call{Kind: spec.CallBind, FD: sock, Addr: local})
	if x == B {
		call(0, spec.Call{Kind: spec.CallListen, FD: sock, N: 16})
		accepting = true
		call(0, spec.Call{Kind: spec.CallAccept, FD: sock})
	} else {
		fd = sock
	}
	doCall := func(t spec.Time, name string) {
		switch name {
		case "write":
			if left := rp.dataLeft - res.written; left > 0 {
				call(t, spec.Call{Kind: spec.CallWrite, FD: fd, N: left})
				res.written += left
			}
		case "close":
			call(t, spec.Call{Kind: spec.CallClose, FD: fd})
		case "shutdown":
			call(t, spec.Call{Kind: spec.CallShutdown, FD: fd, How: spec.ShutWR})
		case "abort":
			call(t, spec.Call{Kind: spec.CallSetsockopt, FD: fd, Opt: spec.OptLinger, Val: 1, Val2: 0})
			call(t, spec.Call{Kind: spec.CallClose, FD: fd})
		case "read-close":
			call(t, spec.Call{Kind: spec.CallRead, FD: fd, N: 1 << 30})
			call(t, spec.Call{Kind: spec.CallClose, FD: fd})
		case "tick":
			run(spec.Event{Kind: spec.EvAdvance, At: t})
		}
	}
	k := 0 // next expected packet
	match := func() bool {
		for len(got) > 0 && k < len(want) {
			w, g := pkts[want[k]].seg, got[0]
			if g.Flags&cmpFlags != w.Flags&cmpFlags || g.Seq != w.Seq || g.Len != w.Len || (g.Flags&spec.ACK != 0 && g.Ack != w.Ack) || g.Opts.HasTS != w.Opts.HasTS {
				// A retransmission of what was already matched may have
				// been lost before the capture point.
				if rp.skipOK && haveEnd && g.Flags&spec.SYN == 0 && g.End().LEQ(hiEnd) && g.SegLen() > 0 {
					got = got[1:]
					res.skipped++
					continue
				}
				res.detail = fmt.Sprintf("the capture shows %s, the model sends %s", &w, &g)
				return false
			}
			if end := w.End(); !haveEnd || hiEnd.LT(end) {
				hiEnd, haveEnd = end, true
			}
			got = got[1:]
			k++
		}
		return true
	}
	ci := 0
	arrived := 0 // arrivals at the current instant
	var instant time.Time
	for _, i := range rp.order {
		q := &pkts[i]
		t := at(rp.eff[i])
		if !rp.eff[i].Equal(instant) {
			instant, arrived = rp.eff[i], 0
		}
		// A pure ACK of x's the model has not sent within the delayed-ACK
		// allowance fails the replay.
		for len(pending) > 0 && pkts[pending[0]].at.Add(ackWait).Before(rp.eff[i]) {
			j := pending[0]
			if !sent[ackOf(&pkts[j].seg)] {
				return rp.finish(&res, k, verified, sent)
			}
			verified[j] = true
			pending = pending[1:]
		}
		// Calls placed among the arrivals at the expected packet's instant.
		if q.side != x && k < len(want) && ci < len(calls) && calls[ci].after >= 0 && calls[ci].before == k && rp.eff[i].Equal(rp.eff[want[k]]) && arrived == calls[ci].after {
			for ci < len(calls) && calls[ci].before == k {
				doCall(t, calls[ci].call)
				ci++
			}
		}
		if q.side != x {
			arrived++
		}
		if q.side == x {
			for _, j := range extra[i] {
				run(spec.Event{Kind: spec.EvSegment, At: t, Seg: pkts[j].seg})
			}
			if k < len(want) && want[k] == i {
				for ci < len(calls) && calls[ci].before == k {
					doCall(t, calls[ci].call)
					ci++
				}
			}
			if x == A && q.seg.Flags&spec.SYN != 0 && q.seg.Flags&spec.ACK == 0 && k == 0 {
				call(t, spec.Call{Kind: spec.CallConnect, FD: sock, Addr: remote})
			} else {
				run(spec.Event{Kind: spec.EvAdvance, At: t})
				// A timer may fire up to the slack later than the
				// model's deadline.
				if k < len(want) && want[k] == i && len(got) == 0 {
					if dl := h.NextDeadline(); dl != spec.Never && dl > t && dl <= t+spec.Time(rp.slack) {
						run(spec.Event{Kind: spec.EvAdvance, At: dl})
					}
				}
			}
			if _, isACK := rp.pos[i]; isACK && (k >= len(want) || want[k] != i) && q.seg.Flags&(spec.SYN|spec.FIN|spec.RST) == 0 && q.seg.Len == 0 {
				if sent[ackOf(&q.seg)] {
					verified[i] = true
				} else {
					pending = append(pending, i)
				}
			}
		} else if !q.lost && !drop[i] {
			run(spec.Event{Kind: spec.EvSegment, At: t, Seg: q.seg})
		}
		if !match() {
			return rp.finish(&res, k, verified, sent)
		}
	}
	// The pure ACKs still pending get their delayed-ACK allowance.
	if n := len(rp.acks); n > 0 && !verified[rp.acks[n-1]] && !sent[ackOf(&pkts[rp.acks[n-1]].seg)] {
		run(spec.Event{Kind: spec.EvAdvance, At: at(pkts[rp.acks[n-1]].at.Add(ackWait))})
	}
	return rp.finish(&res, k, verified, sent)
}

// ackWait is how much later than the capture's pure ACK the model may
// send it: RFC 1122 §4.2.3.2 bounds an ACK's delay at 0.5 s.
const ackWait = 500 * time.Millisecond

func ackOf(s *spec.Segment) ackKey { return ackKey{s.Seq, s.Ack} }

// finish records how far the replay explained x's packets: the expected
// ones up to k, and the pure ACKs the model sent too.
func (rp *replayer) finish(res *replayResult, k int, verified map[int]bool, sent map[ackKey]bool) replayResult {
	res.matched = k
	res.progress = len(rp.pos)
	w, a := 0, 0
	for w < len(rp.want) || a < len(rp.acks) {
		if a < len(rp.acks) && (w == len(rp.want) || rp.acks[a] < rp.want[w]) {
			i := rp.acks[a]
			if !verified[i] && !sent[ackOf(&rp.pkts[i].seg)] {
				res.progress, res.ackBad = rp.pos[i], i+1
				break
			}
			a++
			continue
		}
		if w >= k {
			res.progress = rp.pos[rp.want[w]]
			if res.detail == "" {
				res.detail = fmt.Sprintf("the capture shows %s, the model sends nothing", &rp.pkts[rp.want[w]].seg)
			}
			break
		}
		w++
	}
	return *res
}
