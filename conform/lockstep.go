package conform

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
)

// out is one output of a side, normalized for comparison.
type out struct {
	At  spec.Time
	Seg bool
	// Segment fields.
	Flags  spec.Flags // PSH cleared
	RelSeq uint32     // SEG.SEQ minus the side's ISS (before a reopen's SYN updates it)
	Abs0   bool       // a RST with SEG.SEQ 0: the reply to a segment without ACK
	Reopen bool       // a SYN on a connection that had an ISS already
	Ack    spec.Seq   // in the peer's sequence space, the same for both sides
	Len    uint32
	MSS    uint16
	TS     bool
	Raw    spec.Segment
	// Result fields.
	Res spec.Output
	Own bool // the result of the call just made, returned at once
}

func (o out) String() string {
	if !o.Seg {
		r := o.Res
		if r.Ret == -1 {
			return fmt.Sprintf("%s(%d) = -1 %s at %s", r.Call, r.FD, r.Err, o.At)
		}
		return fmt.Sprintf("%s(%d) = %d at %s", r.Call, r.FD, r.Ret, o.At)
	}
	seq := o.RelSeq
	if o.Abs0 {
		seq = 0
	}
	s := fmt.Sprintf("%s %d:%d(%d)", o.Raw.Flags, seq, seq+o.Len, o.Len)
	if o.Flags&spec.ACK != 0 {
		s += fmt.Sprintf(" ack %d", uint32(o.Ack))
	}
	s += fmt.Sprintf(" win %d", o.Raw.Wnd)
	if o.MSS != 0 {
		s += fmt.Sprintf(" <mss %d>", o.MSS)
	}
	if o.TS {
		s += " <TS>"
	}
	return s + " at " + o.At.String()
}

// side is one of the two stacks in a lockstep run.
type side struct {
	st      stack.Stack
	iss     spec.Seq
	haveISS bool
	tsVal   uint32 // the latest TSval it sent
	wnd     uint16 // the window it last advertised
	haveWnd bool
	outs    []out
}

// window is what happened since one step: the step and the model's
// state when it came.
type window struct {
	step  int
	kind  stepKind
	class string
	at    spec.Time
	state string
	snap  spec.ConnSnap
	have  bool
	after spec.ConnSnap // the connection just after the step
	hasAf bool
	rules []spec.RuleID
	late  time.Duration // how late the stack got the event (wall clock)
}

// divergence is the first window in which the stack and the model
// differ.
type divergence struct {
	Step         int // the step whose window differs
	Field        string
	State        string
	Event        string
	Stack, Model string
	Rules        []spec.RuleID
	At           spec.Time
	// Tags are facts about the scenario up to the divergent window that
	// known causes match on: "rto" (the model had retransmitted),
	// "zero-window" (the peer's last window was 0), "closed" (the
	// application had closed the connection's socket), "shut-rd"
	// (shutdown SHUT_RD or SHUT_RDWR), "peer-fin" (the peer's FIN had
	// arrived), "ts" (timestamps in use).
	Tags []string
}

// Key is the divergence's kind: first differing field, state and event
// class.
func (d *divergence) Key() string { return d.Field + " | " + d.State + " | " + d.Event }

// runner plays one scenario on the stack and the model in lockstep.
type runner struct {
	c     *campaign
	sc    *scenario
	model *stack.VirtualStack
	m, s  side
	tuple spec.FourTuple
	now   spec.Time
	win   window
	// injected are the model-side segments injected so far, for
	// duplicates.
	injected []spec.Segment
	last     spec.ConnSnap // the connection as last seen in the model
	haveLast bool
	// rec is the record of the run, for writing a script.
	rec   []recEvent
	steps int // steps played
	// calls and results count the model's calls and call results.
	calls, results int
	// Facts for the divergence's tags.
	maxEnd  spec.Seq // the end of the model's highest segment sent
	haveEnd bool
	rto     bool
	zeroWnd bool
	closed  bool
	shutRD  bool
}

// recEvent is a played step with its concrete model-side event.
type recEvent struct {
	Step int
	At   spec.Time
	Kind stepKind
	Call spec.Call
	Seg  spec.Segment
	Outs []out // the model's outputs in the step's window
	Res  *out  // the call's own result, if it came (perhaps later)
	// Blocked: the call did not return at once (its result, if any,
	// came from a later step).
	Blocked bool
}

func (r *runner) conn() (spec.ConnSnap, bool) {
	snap := r.model.Host().Snapshot()
	for _, c := range snap.Conns {
		if c.Tuple == r.tuple {
			r.last, r.haveLast = c, true
			return c, true
		}
	}
	return spec.ConnSnap{}, false
}

// play runs the scenario: its steps if next is nil, otherwise the steps
// next chooses (appended to the scenario).
func (r *runner) play(next func(conn *spec.ConnSnap, injected int) (step, bool)) (*divergence, error) {
	r.m.st = r.model
	if r.sc.Passive {
		r.tuple = spec.FourTuple{Local: stack.LocalAddr(), Remote: stack.RemoteAddr()}
	} else {
		r.tuple = spec.FourTuple{Local: stack.LocalAddr(), Remote: stack.ConnectAddr()}
	}
	for i := 0; ; i++ {
		var st step
		if next == nil {
			if i >= len(r.sc.Steps) {
				break
			}
			st = r.sc.Steps[i]
		} else if i < len(r.sc.Steps) {
			st = r.sc.Steps[i]
		} else {
			c, ok := r.conn()
			var cp *spec.ConnSnap
			if ok {
				cp = &c
			}
			if st, ok = next(cp, len(r.injected)); !ok {
				break
			}
			r.sc.Steps = append(r.sc.Steps, st)
		}
		t := r.when(st)
		if err := r.advance(t); err != nil {
			return nil, err
		}
		if i > 0 {
			if d := r.compare(t); d != nil {
				r.endMark(t)
				return d, nil
			}
		}
		if err := r.apply(i, st, t); err != nil {
			return nil, err
		}
		r.now = t
		r.steps = i + 1
	}
	end := r.now.Add(r.c.settle)
	if err := r.advance(end); err != nil {
		return nil, err
	}
	return r.compare(end), nil
}

// endMark records, after a divergence found at t, the end marker played
// on the model alone, so that a script of the run lasts until t.
func (r *runner) endMark(t spec.Time) {
	if n := len(r.rec); n > 0 && r.rec[n-1].Kind == stepEnd {
		return
	}
	c := spec.Call{Kind: spec.CallSocket, FD: -1}
	mo, err := r.model.Call(t, c)
	if err != nil {
		return
	}
	ev := recEvent{Step: -1, At: t, Kind: stepEnd, Call: c}
	for _, o := range mo {
		if o.Out.Kind == spec.OutResult && o.Out.Call == spec.CallSocket {
			ev.Res = &out{At: o.At, Res: o.Out}
		}
	}
	r.rec = append(r.rec, ev)
}

// when is the time of step st: the previous step's plus its gap, or just
// past the model's next deadline, moved off every timer deadline of the
// model by the campaign's margin.
func (r *runner) when(st step) spec.Time {
	t := r.now.Add(st.Gap)
	if st.ToDeadline {
		if d := r.model.Host().NextDeadline(); d != spec.Never && d.Sub(r.now) <= r.c.reach {
			t = max(d.Add(r.c.margin), r.now)
		}
	}
	if st.Kind == stepEnd && r.calls > r.results {
		// A call is still blocked in the model (a lingering close):
		// end after its timer, so that every call has its result.
		if c, ok := r.conn(); ok && c.Timers[spec.TimerLinger] != spec.Never {
			t = max(t, c.Timers[spec.TimerLinger].Add(r.c.margin))
		}
	}
	for range 8 {
		moved := false
		snap := r.model.Host().Snapshot()
		for _, c := range snap.Conns {
			for _, d := range c.Timers {
				if d != spec.Never && d > t.Add(-r.c.margin) && d < t.Add(r.c.margin) {
					t, moved = d.Add(r.c.margin), true
				}
			}
		}
		if !moved {
			break
		}
	}
	return t
}

// advance lets both sides run to t.
func (r *runner) advance(t spec.Time) error {
	for _, sd := range []*side{&r.m, &r.s} {
		for sd.st.Now() < t {
			before := sd.st.Now()
			obs, err := sd.st.Advance(t)
			if err != nil {
				return fmt.Errorf("%s: advance to %s: %w", sd.st.Name(), t, err)
			}
			r.observe(sd, obs)
			if len(obs) == 0 && sd.st.Now() == before {
				return fmt.Errorf("%s: advance to %s made no progress from %s", sd.st.Name(), t, before)
			}
		}
	}
	return nil
}

// observe normalizes a side's outputs and queues them for comparison;
// notices are dropped (a real stack has none).
func (r *runner) observe(sd *side, obs []stack.Observed) {
	if sd == &r.m {
		r.win.rules = append(r.win.rules, r.model.Explain()...)
	}
	for _, o := range obs {
		switch o.Out.Kind {
		case spec.OutSegment:
			seg := o.Out.Seg
			if sd == &r.m && seg.Flags&spec.RST == 0 {
				end := seg.End()
				if r.haveEnd && seg.SegLen() > 0 && seg.Seq.LT(r.maxEnd) && seg.Flags&spec.SYN == 0 {
					r.rto = true
				}
				if !r.haveEnd || end.GT(r.maxEnd) || seg.Flags&spec.SYN != 0 {
					r.maxEnd, r.haveEnd = end, true
				}
			}
			n := out{At: o.At, Seg: true, Flags: seg.Flags &^ spec.PSH, Ack: seg.Ack, Len: seg.Len, MSS: seg.Opts.MSS, TS: seg.Opts.HasTS, Raw: seg}
			if seg.Flags&spec.ACK == 0 {
				n.Ack = 0
			}
			if seg.Flags&spec.SYN != 0 {
				if sd.haveISS {
					n.Reopen = true
					n.RelSeq = uint32(seg.Seq - sd.iss)
				}
				sd.iss, sd.haveISS = seg.Seq, true
			} else {
				n.RelSeq = uint32(seg.Seq - sd.iss)
			}
			if seg.Flags&spec.RST != 0 && seg.Seq == 0 {
				n.Abs0 = true
			}
			if seg.Opts.HasTS {
				sd.tsVal = seg.Opts.TS.Val
			}
			if seg.Flags&spec.RST == 0 {
				sd.wnd, sd.haveWnd = seg.Wnd, true
			}
			sd.outs = append(sd.outs, n)
		case spec.OutResult:
			sd.outs = append(sd.outs, out{At: o.At, Res: o.Out})
			if sd == &r.m {
				r.results++
			}
		}
	}
}

// apply plays step i at t on both sides.
func (r *runner) apply(i int, st step, t spec.Time) error {
	conn, ok := r.conn()
	r.win = window{step: i, kind: st.Kind, at: t, snap: conn, have: ok}
	r.win.state = "no connection"
	if ok {
		r.win.state = conn.State.String()
	} else if r.sc.Passive && !r.listenerClosed() {
		r.win.state = "LISTEN only"
	}
	ev := recEvent{Step: i, At: t, Kind: st.Kind}
	switch st.Kind {
	case stepCall, stepEnd:
		c := st.Call
		r.win.class = callClass(c)
		if st.Kind == stepEnd {
			r.win.class = "end"
		}
		ev.Call = c
		r.calls++
		if c.Kind == spec.CallClose && c.FD != 3 || c.Kind == spec.CallClose && !r.sc.Passive {
			r.closed = true
		}
		if c.Kind == spec.CallShutdown && c.How != spec.ShutWR {
			r.shutRD = true
		}
		mo, err := r.model.Call(t, c)
		if err != nil {
			return err
		}
		ev.Blocked = true
		for _, o := range mo {
			if o.Out.Kind == spec.OutResult && o.Out.Call == c.Kind && (o.Out.FD == c.FD || c.Kind == spec.CallSocket) {
				ev.Blocked = false
				ev.Res = &out{At: o.At, Res: o.Out}
			}
		}
		r.observe(&r.m, mo)
		if !ev.Blocked {
			for j := len(r.m.outs) - 1; j >= 0; j-- {
				if o := &r.m.outs[j]; !o.Seg && o.Res.Call == c.Kind {
					o.Own = true
					break
				}
			}
		}
		r.noteLate(t)
		so, err := r.s.st.Call(t, c)
		if err != nil {
			return fmt.Errorf("%s: %s at %s: %w", r.s.st.Name(), c, t, err)
		}
		r.observe(&r.s, so)
	case stepSeg:
		seg, class := r.concretize(st.Seg, t)
		r.win.class = class
		r.injected = append(r.injected, seg)
		if seg.Flags&spec.RST == 0 {
			r.zeroWnd = seg.Wnd == 0
		}
		mseg, sseg := seg, seg
		if mseg.Opts.HasTS {
			mseg.Opts.TS.Ecr, sseg.Opts.TS.Ecr = r.m.tsVal, r.s.tsVal
		}
		ev.Seg = mseg
		if seg.Flags&spec.ACK != 0 && r.m.haveISS && r.s.haveISS {
			sseg.Ack = seg.Ack - r.m.iss + r.s.iss
		}
		mo, err := r.model.Inject(t, mseg)
		if err != nil {
			return err
		}
		r.observe(&r.m, mo)
		r.noteLate(t)
		so, err := r.s.st.Inject(t, sseg)
		if err != nil {
			return fmt.Errorf("%s: inject %s at %s: %w", r.s.st.Name(), sseg, t, err)
		}
		r.observe(&r.s, so)
	case stepAdvance:
		r.win.class = "advance"
	}
	r.win.after, r.win.hasAf = r.conn()
	r.rec = append(r.rec, ev)
	return nil
}

func (r *runner) listenerClosed() bool {
	for _, e := range r.rec {
		if e.Kind == stepCall && e.Call.Kind == spec.CallClose && e.Call.FD == 3 {
			return true
		}
	}
	return false
}

// concretize makes a symbolic segment concrete from the model's state.
func (r *runner) concretize(s segSpec, t spec.Time) (spec.Segment, string) {
	cur, have := r.conn()
	if s.Dup >= 0 && s.Dup < len(r.injected) {
		seg := r.injected[s.Dup]
		return seg, "dup " + s.class(seg, cur, have)
	}
	c := r.last
	if have {
		c = cur
	}
	seg := spec.Segment{Src: r.tuple.Remote, Dst: r.tuple.Local, Flags: s.Flags, Len: s.Len, Wnd: s.Win}
	if s.SeqRef == seqWndEnd && !(r.m.haveWnd && r.s.haveWnd && r.m.wnd == r.s.wnd && uint32(r.m.wnd) == c.RcvWnd) {
		// The edge of the window is probed only where the stack
		// advertised the same window as the model: otherwise the
		// divergence would be about buffer sizes, which the model does
		// not share with the stack.
		s.SeqRef = seqRcvNxt
	}
	switch s.SeqRef {
	case seqPeerISN:
		seg.Seq = r.sc.PeerISN + spec.Seq(s.SeqOff)
	case seqRcvNxt:
		seg.Seq = c.RcvNxt + spec.Seq(s.SeqOff)
	case seqWndEnd:
		seg.Seq = c.RcvNxt + spec.Seq(c.RcvWnd) + spec.Seq(s.SeqOff)
	}
	if !r.haveLast && s.SeqRef != seqPeerISN {
		seg.Seq = r.sc.PeerISN + 1 + spec.Seq(s.SeqOff)
	}
	if s.Flags&spec.ACK != 0 {
		switch s.AckRef {
		case ackSndNxt:
			seg.Ack = c.SndNxt + spec.Seq(s.AckOff)
		case ackSndUna:
			seg.Ack = c.SndUna + spec.Seq(s.AckOff)
		case ackISS:
			seg.Ack = c.ISS + spec.Seq(s.AckOff)
		}
		if !r.haveLast {
			seg.Ack = r.m.iss + 1 + spec.Seq(s.AckOff)
		}
	}
	if s.MSS {
		seg.Opts.MSS = 1460
	}
	if r.sc.TSOn && s.TS != tsNone {
		seg.Opts.HasTS = true
		seg.Opts.TS.Val = r.sc.TSBase + uint32(time.Duration(t)/time.Millisecond)
		if s.TS == tsOld {
			seg.Opts.TS.Val = r.sc.TSBase - 100000
		}
	}
	return seg, s.class(seg, cur, have)
}

// tolerance for an output at time at in a window that began at start.
func (r *runner) tolerance(at, start spec.Time) time.Duration {
	tol := r.c.tolerance + r.win.late + time.Duration(r.c.tolPct*float64(at.Sub(start)))
	if r.c.real {
		tol += r.c.profile.TimerSlack(at.Sub(start)) // the kernel's timer wheel (Profile.TimerGranularity)
	}
	return tol
}

// noteLate records how late the stack gets the window's event: on the
// wall clock a loaded machine or a fresh namespace can hand an event to
// the kernel after its time, and everything the event causes comes that
// much later. That lateness is the harness's, so it widens the window's
// tolerance.
func (r *runner) noteLate(t spec.Time) {
	if now := r.s.st.Now(); now > t {
		r.win.late = now.Sub(t)
	}
}

// compare checks the current window (outputs up to t) and starts a new
// one.
func (r *runner) compare(t spec.Time) *divergence {
	ms, ss := r.m.outs, r.s.outs
	r.m.outs, r.s.outs = nil, nil
	// Keep the model's outputs for the record.
	if n := len(r.rec); n > 0 {
		r.rec[n-1].Outs = append(r.rec[n-1].Outs, ms...)
	}
	r.noteResults(ms)
	w := r.win
	// d builds the divergence; at is when the concerned output came
	// (the model's, or the stack's if the model had none): an output
	// well after the window's event came from a timer, and is classed by
	// the timer rather than by the event.
	d := func(field, stack, model string, at spec.Time) *divergence {
		ev := w.class
		if w.kind == stepAdvance || at > w.at.Add(r.tolerance(at, w.at)) {
			ev = r.timerClass(at)
		}
		return &divergence{Step: w.step, Field: field, State: w.state, Event: ev, Stack: stack, Model: model, Rules: slices.Clone(w.rules), At: w.at, Tags: r.tags()}
	}
	mseg, mres := split(ms)
	sseg, sres := split(ss)
	for i := 0; i < max(len(mseg), len(sseg)); i++ {
		switch {
		case i >= len(sseg):
			return d("missing "+flagsNoPSH(mseg[i].Raw.Flags), "(nothing)", mseg[i].String(), mseg[i].At)
		case i >= len(mseg):
			return d("extra "+flagsNoPSH(sseg[i].Raw.Flags), sseg[i].String(), "(nothing)", sseg[i].At)
		}
		if f := r.segDiff(mseg[i], sseg[i], w.at); f != "" {
			return d(f, sseg[i].String(), mseg[i].String(), min(mseg[i].At, sseg[i].At))
		}
	}
	for i := 0; i < max(len(mres), len(sres)); i++ {
		switch {
		case i >= len(sres):
			return d("missing result "+mres[i].Res.Call.String(), "(nothing)", mres[i].String(), w.at)
		case i >= len(mres):
			return d("extra result "+sres[i].Res.Call.String(), sres[i].String(), "(nothing)", w.at)
		}
		a, b := mres[i].Res, sres[i].Res
		switch {
		case a.Call != b.Call || a.FD != b.FD:
			return d("result call", sres[i].String(), mres[i].String(), w.at)
		case a.Ret != b.Ret:
			return d(a.Call.String()+" return", sres[i].String(), mres[i].String(), w.at)
		case a.Ret == -1 && a.Err != b.Err:
			return d(a.Call.String()+" errno", sres[i].String(), mres[i].String(), w.at)
		case !mres[i].Own && absDur(mres[i].At.Sub(sres[i].At)) > r.tolerance(mres[i].At, w.at):
			// Only a blocked call's return time says something about
			// the stack; an immediate one's is the harness's.
			return d(a.Call.String()+" time", sres[i].String(), mres[i].String(), w.at)
		}
	}
	r.win.rules = nil
	return nil
}

// noteResults attaches call results to the calls they belong to in the
// record.
func (r *runner) noteResults(ms []out) {
	for _, o := range ms {
		if o.Seg || o.Own {
			continue
		}
		for j := len(r.rec) - 1; j >= 0; j-- {
			e := &r.rec[j]
			if (e.Kind == stepCall || e.Kind == stepEnd) && e.Blocked && e.Res == nil && e.Call.Kind == o.Res.Call && (e.Call.FD == o.Res.FD || e.Call.Kind == spec.CallSocket) {
				oo := o
				e.Res = &oo
				break
			}
		}
	}
}

func split(os []out) (segs, res []out) {
	for _, o := range os {
		if o.Seg {
			segs = append(segs, o)
		} else {
			res = append(res, o)
		}
	}
	return segs, res
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// segDiff names the first field in which two segments differ.
func (r *runner) segDiff(m, s out, start spec.Time) string {
	switch {
	case m.Flags != s.Flags:
		return "flags"
	case m.RelSeq != s.RelSeq && !(m.Abs0 && s.Abs0) && !(m.Flags&spec.SYN != 0 && !r.reopenComparable()):
		return "seq"
	case m.Flags&spec.ACK != 0 && m.Ack != s.Ack:
		return "ack"
	case m.Len != s.Len:
		return "len"
	case (m.MSS != 0) != (s.MSS != 0):
		return "mss"
	case m.TS != s.TS:
		return "timestamps"
	case absDur(m.At.Sub(s.At)) > r.tolerance(m.At, start):
		return "time"
	}
	return ""
}

// timerClass names the model's timers that were due at time at (armed
// just after the window's step), for outputs that came from a timer.
func (r *runner) timerClass(at spec.Time) string {
	var due []string
	if r.win.hasAf {
		for k, d := range r.win.after.Timers {
			if d != spec.Never && d <= at.Add(r.c.tolerance) {
				due = append(due, spec.TimerKind(k).String())
			}
		}
	}
	if len(due) == 0 {
		return "timer (none due in the model)"
	}
	return "timer " + strings.Join(due, ",")
}

func flagsNoPSH(f spec.Flags) string { return (f &^ spec.PSH).String() }

// reopenComparable says whether the ISS of a SYN the sides send in the
// current window can be compared: only when a SYN reopens TIME-WAIT and
// the profile says where the new ISS lies (ReopenISSGap); any other new
// connection draws a fresh ISS from each side's own generator.
func (r *runner) reopenComparable() bool {
	return r.win.state == spec.TimeWait.String() && r.c.profile.ReopenISSGap != 0
}

// tags lists the facts about the scenario so far (divergence.Tags).
func (r *runner) tags() []string {
	var t []string
	add := func(ok bool, tag string) {
		if ok {
			t = append(t, tag)
		}
	}
	add(r.rto, "rto")
	add(r.zeroWnd, "zero-window")
	add(r.closed, "closed")
	add(r.shutRD, "shut-rd")
	add(r.win.have && r.win.snap.State.PeerFinReceived() || r.win.hasAf && r.win.after.State.PeerFinReceived(), "peer-fin")
	add(r.sc.TSOn, "ts")
	return t
}

// newModel is the model with profile p as the campaign's second side,
// named "model/<profile>".
func newModel(p spec.Profile) (*stack.VirtualStack, error) {
	h, err := model.New(p, spec.HostConfig{Addr: stack.LocalIP()})
	if err != nil {
		return nil, err
	}
	return stack.Virtual(h, stack.Named("model/"+p.Name)), nil
}
