package script

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
)

// RunOptions tune a run.
type RunOptions struct {
	// Verbose, if set, receives a line-by-line account: what each line
	// did, which fields were checked and which were left open.
	Verbose io.Writer
	// AnyTimeWait bounds how long an outbound segment timed "*" is waited
	// for; 0 means 10 minutes of script time.
	AnyTimeWait time.Duration
	// MinTolerance, if positive, is a floor under every timing tolerance
	// (the script's --tolerance_usecs and --tolerance_percent still apply
	// when larger). Real stacks on the wall clock need it: the kernel's
	// timers tick in jiffies and each Inject or Call takes a settle
	// period, which a virtual clock does not.
	MinTolerance time.Duration
	// TimerSlack, if set, widens the tolerance of a line by how late the
	// stack's timers may fire for the time since the previous event
	// (spec.Profile.TimerSlack: a kernel's timer wheel), so that a
	// wall-clock run is judged against the window its timers can really
	// fire in.
	TimerSlack func(d time.Duration) time.Duration
	// MapTSEcr rewrites the TS ecr of inbound segments as packetdrill
	// does for a live stack: a scripted ecr is taken to echo the TS val
	// the script expects the stack to send, and is shifted by the
	// difference between the TS val the stack actually sent and the
	// scripted one (in the latest outbound segment that scripts a TS val
	// and matched). A real stack draws a random timestamp offset and
	// checks the echo in SYN-SENT (Linux resets a SYN,ACK whose ecr it
	// never sent); the model ignores ecr.
	MapTSEcr bool
	// PlayLate plays an inbound segment, call or command that the runner
	// reaches after its time (beyond the tolerance) late, instead of
	// reporting a timing divergence; a blocking call started late keeps
	// its scripted duration. On a real stack such lateness is the
	// harness's (a slow namespace, a loaded machine), not the stack's;
	// on a virtual clock it means the script asks for the impossible.
	PlayLate bool
	// NoTrace leaves Result.Trace empty, so that a long script's run
	// keeps no per-line record (check does not print it).
	NoTrace bool
}

const defaultAnyTimeWait = 10 * time.Minute

// stepRec is one Inject, Call or Advance of the stack.
type stepRec struct {
	at    spec.Time
	what  string
	rules []spec.RuleID
}

type obs struct {
	stack.Observed
	step *stepRec
}

type pendingCall struct {
	ev       *Event
	start    spec.Time // when the call was made
	end      spec.Time // scripted return time
	tol      time.Duration
	deadline spec.Time // end + tol
}

type runner struct {
	s    *Script
	st   stack.Stack
	opts RunOptions
	ex   stack.Explainer
	fm   stack.FieldModeller
	cmd  Commander
	res  *Result

	segs    []obs
	pending map[int32]*pendingCall
	cur     *Event // the line being played

	base        spec.Time // when the previous event happened
	prevScript  spec.Time // the previous event's script time
	havePrev    bool
	prevInbound bool
	last        spec.Time // latest script time reached (events, call ends)
	lastStep    *stepRec  // latest step that applied rules

	lastEv      *Event
	started     bool            // a packet or call has been played
	initBeyond  string          // the untimed first command is beyond the model
	pendingDiv  *Divergence     // a sockstat check that failed
	deferred    *Beyond         // a shell command beyond the model, awaiting a line it affects
	checkBeyond bool            // a sockstat check the model cannot make
	tsOffset    uint32          // actual minus scripted TS val (MapTSEcr)
	fds         map[int32]int32 // script fd → stack fd, where they differ (packetdrill's to_live_fd)
	num         numbering       // packetdrill's sequence numbering of the socket under test
	tuple       spec.FourTuple  // Local: the stack under test; Remote: the scripted peer
}

// Run plays script s against stack st as packetdrill would, and reports
// the first divergence in the Result. The error is for failures of the
// run itself (the stack failed, a time ran backwards beyond repair), not
// for a stack that behaves other than the script says.
//
// Sequence numbers follow packetdrill (run_packet.c, socket.h): the
// sequence number of a SYN or SYN-ACK line is absolute, every other
// number counts from the connection's ISNs. The remote ISN is the number
// of the packet that reached the listening socket under test (or of the
// peer's SYN-ACK after connect); the local ISN is learned from the
// stack's SYN-ACK or SYN, which the script's number names whatever the
// stack chose. Every packet that reaches a listening socket under test
// makes a new connection from a fresh remote port (stack.RemotePort
// first, then 32768, 32769, ...). --tcpclose_remote_isn=N is added to
// every inbound number. Departures (numbering): a SYN on the 4-tuple of
// the previous connection (a TIME-WAIT takeover) is checked in that
// connection's numbering, the first SYN against --tcpclose_local_iss,
// and a SYN-ACK on another 4-tuple learns the local ISN anew.
//
// Times: relative times count from when the previous event happened
// (consecutive inbound packets from the previous one's script time), as in
// packetdrill; the tolerance is --tolerance_usecs or --tolerance_percent of
// the gap since the previous event, whichever is larger.
//
// Run does not close st.
func Run(s *Script, st stack.Stack, opts RunOptions) (*Result, error) {
	if len(s.Events) == 0 {
		return nil, fmt.Errorf("%s: script has no events", s.Name)
	}
	i := 0
	return run(s, st, opts, func() (*Event, error) {
		if i >= len(s.Events) {
			return nil, nil
		}
		i++
		return s.Events[i-1], nil
	})
}

// RunReader plays a script as it is read: each event is parsed when the
// run reaches it and dropped once played, so memory follows the
// connection's live state, not the script's size. A parse error after
// the first event is returned as the error, with what was played so far
// in the Result.
//
// As packetdrill reads a whole script before it runs it, the rest of a
// script is still read (and dropped) after a divergence or a line beyond
// the model: a syntax error anywhere is an error.
func RunReader(rd *Reader, st stack.Stack, opts RunOptions) (*Result, error) {
	res, err := run(rd.Script(), st, opts, rd.Next)
	if err != nil {
		return res, err
	}
	for {
		ev, err := rd.Next()
		if err != nil {
			return res, err
		}
		if ev == nil {
			return res, nil
		}
	}
}

func run(s *Script, st stack.Stack, opts RunOptions, next func() (*Event, error)) (*Result, error) {
	r := &runner{
		s: s, st: st, opts: opts,
		res:     &Result{Script: s.Name, Stack: st.Name()},
		pending: map[int32]*pendingCall{},
		num:     newNumbering(s),
		tuple: spec.FourTuple{
			Local:  s.LocalAddr(),
			Remote: s.RemoteAddr(),
		},
	}
	if r.opts.AnyTimeWait <= 0 {
		r.opts.AnyTimeWait = defaultAnyTimeWait
	}
	// Optional interfaces are found through wrappers (stack.As).
	r.ex, _ = stack.As[stack.Explainer](st)
	r.fm, _ = stack.As[stack.FieldModeller](st)
	r.cmd, _ = stack.As[Commander](st)
	r.base = st.Now()
	if s.Init != nil {
		if err := r.command(s.Init, st.Now(), false); err != nil {
			return r.res, err
		}
	}
	for {
		ev, err := next()
		if err != nil {
			return r.res, err
		}
		if ev == nil {
			break
		}
		r.lastEv = ev
		d, err := r.event(ev)
		if err != nil {
			return r.res, err
		}
		if d != nil {
			r.res.Events++
			r.res.Divergence = d
			return r.res, nil
		}
		if r.res.Beyond != nil {
			return r.res, nil
		}
		r.res.Events++
	}
	if r.lastEv == nil {
		return nil, fmt.Errorf("%s: script has no events", s.Name)
	}
	d, err := r.finish()
	if err != nil {
		return r.res, err
	}
	r.res.Divergence = d
	if s.Cleanup != nil && d == nil {
		if err := r.command(s.Cleanup, st.Now(), true); err != nil {
			return r.res, err
		}
	}
	return r.res, nil
}

func (r *runner) verbosef(format string, args ...any) {
	if r.opts.Verbose != nil {
		fmt.Fprintf(r.opts.Verbose, format+"\n", args...)
	}
}

// tolerance is packetdrill's: the larger of --tolerance_usecs and
// --tolerance_percent of the gap since the previous event.
func (r *runner) tolerance(t spec.Time) time.Duration {
	tol := max(r.s.Tolerance, r.opts.MinTolerance)
	if r.havePrev && t > r.prevScript {
		dyn := time.Duration(r.s.TolerancePercent / 100 * float64(t-r.prevScript))
		tol = max(tol, dyn)
		if r.opts.TimerSlack != nil {
			tol += r.opts.TimerSlack(time.Duration(t - r.prevScript))
		}
	}
	return tol
}

// record notes a stack step and sorts its outputs: segments queue up to
// be matched, results go to the calls waiting for them, notices to the
// result.
func (r *runner) record(what string, at spec.Time, outs []stack.Observed, skip int) (*stepRec, *Divergence) {
	step := &stepRec{at: at, what: what}
	if r.ex != nil {
		step.rules = append([]spec.RuleID(nil), r.ex.Explain()...)
		if len(step.rules) > 0 {
			r.lastStep = step
		}
	}
	for i, o := range outs {
		if i == skip {
			continue
		}
		step.at = o.At
		switch o.Out.Kind {
		case spec.OutSegment:
			r.segs = append(r.segs, obs{o, step})
		case spec.OutNotice:
			r.res.Notices = append(r.res.Notices, o)
			r.verbosef("%s: notice fd %d: %s (%s)", o.At, o.Out.FD, o.Out.Notice, o.Out.Tuple)
		case spec.OutResult:
			if d := r.blockedReturns(obs{o, step}); d != nil {
				return step, d
			}
		}
	}
	return step, nil
}

// advanceTo lets the stack run to t, collecting what it does.
func (r *runner) advanceTo(t spec.Time) (*Divergence, error) {
	for i := 0; ; i++ {
		before := r.st.Now()
		outs, err := r.st.Advance(t)
		if err != nil {
			return nil, fmt.Errorf("%s: advance to %s: %w", r.st.Name(), t, err)
		}
		if _, d := r.record(fmt.Sprintf("timers up to %s", t), r.st.Now(), outs, -1); d != nil {
			return d, nil
		}
		if len(outs) == 0 {
			if r.st.Now() < t && r.st.Now() == before {
				return nil, fmt.Errorf("%s: Advance(%s) made no progress from %s", r.st.Name(), t, before)
			}
			return nil, nil
		}
		if i > 1e6 {
			return nil, fmt.Errorf("%s: more than a million outputs before %s", r.st.Name(), t)
		}
	}
}

// flushBlocked checks the blocking calls whose scripted end (plus
// tolerance) comes before t: the stack runs to that deadline, and a call
// that has not returned by then diverges.
func (r *runner) flushBlocked(t spec.Time) (*Divergence, error) {
	for {
		var first *pendingCall
		var fd int32
		for f, pc := range r.pending {
			if pc.deadline < t && (first == nil || pc.deadline < first.deadline || (pc.deadline == first.deadline && f < fd)) {
				first, fd = pc, f
			}
		}
		if first == nil {
			return nil, nil
		}
		if d, err := r.advanceTo(first.deadline); d != nil || err != nil {
			return d, err
		}
		if r.pending[fd] == first {
			delete(r.pending, fd)
			return r.diverge(&Divergence{
				Pos: first.ev.Pos, Kind: DivBlocked,
				Detail: fmt.Sprintf("the call had not returned by %s (scripted end %s, tolerance %s)", first.deadline, first.end, first.tol),
				Script: r.callLine(first.ev, first.start, first.end),
			}, nil), nil
		}
		r.last = max(r.last, first.deadline)
	}
}

// trace records what the stack did for a line that it played as the
// script says.
func (r *runner) trace(ev *Event, at spec.Time, did string, step *stepRec) {
	if r.opts.NoTrace {
		return
	}
	lt := LineTrace{Pos: ev.Pos, At: at, Did: did}
	if step != nil {
		lt.Rules = step.rules
	}
	r.res.Trace = append(r.res.Trace, lt)
}

func (r *runner) diverge(d *Divergence, step *stepRec) *Divergence {
	d.Stack = r.st.Name()
	if step == nil || len(step.rules) == 0 {
		step = r.lastStep
	}
	if step != nil && len(step.rules) > 0 {
		d.Rules, d.RulesAt, d.RulesStep = step.rules, step.at, step.what
	}
	return d
}

// scriptLine prints a line with its resolved time; a blocking call shows
// start...end.
func (r *runner) scriptLine(ev *Event, at spec.Time) string {
	switch ev.Kind {
	case EventPacket:
		return fmt.Sprintf("%s %s", at, ev.Packet)
	case EventSyscall:
		return fmt.Sprintf("%s %s", at, ev.Syscall)
	case EventCommand:
		return fmt.Sprintf("%s %s", at, ev.Command)
	}
	return at.String()
}

func (r *runner) callLine(ev *Event, start, end spec.Time) string {
	if ev.Syscall.Blocking {
		return fmt.Sprintf("%s...%s %s", start, end, ev.Syscall)
	}
	return r.scriptLine(ev, start)
}

// event plays one line.
func (r *runner) event(ev *Event) (*Divergence, error) {
	base := r.base
	inbound := ev.Kind == EventPacket && ev.Packet.Dir == Inbound
	if inbound && r.prevInbound && ev.Time.Kind == TimeRelative {
		base = r.prevScript // consecutive inbound packets anchor on script time
	}
	var t, lo, hi spec.Time
	switch ev.Time.Kind {
	case TimeAbsolute:
		t = spec.Time(ev.Time.Start)
	case TimeRelative, TimeAny:
		t = base.Add(ev.Time.Start)
	case TimeAbsoluteRange:
		t, hi = spec.Time(ev.Time.Start), spec.Time(ev.Time.End)
	case TimeRelativeRange:
		t, hi = base.Add(ev.Time.Start), base.Add(ev.Time.End)
	}
	lo = t
	if ev.Time.Kind != TimeAbsoluteRange && ev.Time.Kind != TimeRelativeRange {
		hi = t
	}
	tol := r.tolerance(t)
	r.cur = ev
	defer func() {
		r.prevScript, r.havePrev, r.prevInbound = t, true, inbound
	}()

	if d, err := r.flushBlocked(lo); d != nil || err != nil {
		return d, err
	}
	if ev.Beyond == "" && r.initBeyond != "" {
		ev.Beyond, r.initBeyond = r.initBeyond+" (first shell command)", ""
	}
	if ev.Beyond != "" && ev.Kind != EventCommand {
		return r.beyond(ev, t)
	}
	if ev.Kind == EventPacket || ev.Kind == EventSyscall {
		if r.deferred != nil {
			r.res.Beyond = r.deferred
			return nil, nil
		}
		r.started = true
	}
	if ev.Kind == EventPacket && ev.Packet.Dir == Outbound {
		return r.outbound(ev, t, lo, hi, tol)
	}
	// Inbound packets, calls and commands happen at t: first let the
	// stack run up to t.
	if d, err := r.advanceTo(t); d != nil || err != nil {
		return d, err
	}
	if len(r.segs) > 0 {
		o := r.segs[0]
		return r.diverge(&Divergence{
			Pos: ev.Pos, Kind: DivUnexpected,
			Detail: "the stack sent a segment that no line before this one expects",
			Script: r.scriptLine(ev, t),
			Actual: fmt.Sprintf("%s %s", o.At, r.describe(o.Out.Seg)),
		}, o.step), nil
	}
	now := r.st.Now()
	if now > t.Add(tol) && !r.opts.PlayLate {
		return r.diverge(&Divergence{
			Pos: ev.Pos, Kind: DivTiming,
			Detail: fmt.Sprintf("the line is for %s but the stack's clock already reads %s (tolerance %s)", t, now, tol),
			Script: r.scriptLine(ev, t),
		}, nil), nil
	}
	at := max(t, now)
	r.base = at
	r.last = max(r.last, at)
	switch ev.Kind {
	case EventPacket:
		return r.inject(ev, at)
	case EventSyscall:
		end := spec.Time(ev.Syscall.End)
		if ev.Time.Kind == TimeRelative {
			end = base.Add(ev.Syscall.End)
		}
		if r.opts.PlayLate && at > t {
			end = end.Add(at.Sub(t)) // started late: the scripted duration still holds
		}
		return r.call(ev, at, end)
	case EventCommand:
		if err := r.command(ev.Command, at, false); err != nil {
			return nil, err
		}
		if d := r.pendingDiv; d != nil {
			r.pendingDiv = nil
			return d, nil
		}
		if ev.Beyond != "" && r.checkBeyond {
			return r.beyond(ev, t)
		}
		if ev.Beyond != "" && r.deferred == nil {
			// What a shell command does shows only in the lines after
			// it: the run stops at the next packet or call, and a
			// script that ends first conforms.
			r.deferred = &Beyond{Pos: ev.Pos, Feature: ev.Beyond}
			r.verbosef("%s: beyond the model if a packet or call follows: %s", ev.Pos, ev.Beyond)
		}
		return nil, nil
	case EventCode:
		r.verbosef("%s: %s empty python block", ev.Pos, at)
		return nil, nil
	}
	return nil, fmt.Errorf("%s: event of unknown kind", ev.Pos)
}

// beyond ends the run at a line the model cannot predict: every line
// before it conformed. Segments the stack sent that no line has matched
// yet are not judged: a later outbound line might have expected them.
func (r *runner) beyond(ev *Event, _ spec.Time) (*Divergence, error) {
	r.res.Beyond = &Beyond{Pos: ev.Pos, Feature: ev.Beyond}
	r.verbosef("%s: beyond the model: %s", ev.Pos, ev.Beyond)
	return nil, nil
}

func (r *runner) command(c *Command, at spec.Time, cleanup bool) error {
	if r.cmd != nil {
		if err := r.cmd.Command(at, c); err != nil {
			return fmt.Errorf("%s: %s: %w", c.Pos, r.st.Name(), err)
		}
		r.verbosef("%s: %s shell command run by %s", c.Pos, at, r.st.Name())
		return nil
	}
	if cleanup {
		r.res.Commands = append(r.res.Commands, fmt.Sprintf("%s: %s", c.Pos, abbreviate(c.Text)))
		return nil
	}
	// FreeBSD's sockstat state checks become checks of the stack's
	// connection states.
	rest := *c
	rest.Other = nil
	for _, part := range c.Other {
		chk, ok, why := parseSockstat(part.Text)
		if !ok {
			rest.Other = append(rest.Other, part)
			continue
		}
		hs, counts := r.st.(hostStack)
		if why == "" && !counts {
			why = "sockstat on " + r.st.Name()
		}
		if why != "" {
			// An assertion the model cannot check: beyond at once.
			r.setBeyond(c, why)
			r.checkBeyond = true
			return nil
		}
		got := countState(hs.Host(), chk.State, chk.Port)
		r.res.Checked++
		if got != chk.Want {
			r.pendingDiv = r.diverge(&Divergence{
				Pos: part.Pos, Kind: DivResult,
				Detail: fmt.Sprintf("%d connections in %s, the script's sockstat expects %d", got, chk.Name, chk.Want),
				Script: fmt.Sprintf("%s `%s`", at, part.Text),
			}, nil)
			return nil
		}
		r.verbosef("%s: sockstat: %d connections in %s, as expected", part.Pos, got, chk.Name)
	}
	beyond, reports := shellBeyond(&rest, r.started)
	r.res.Commands = append(r.res.Commands, reports...)
	for _, rep := range reports {
		r.verbosef("%s: not run by %s (known): %s", c.Pos, r.st.Name(), rep)
	}
	if beyond != "" {
		r.setBeyond(c, beyond)
	}
	return nil
}

// setBeyond marks command c's line beyond the model; for the untimed first
// command, the first event.
func (r *runner) setBeyond(c *Command, why string) {
	if r.cur != nil && r.cur.Command == c {
		r.cur.Beyond = why
	} else {
		r.initBeyond = why
	}
}

// inject builds the inbound segment in absolute numbers and delivers it.
func (r *runner) inject(ev *Event, at spec.Time) (*Divergence, error) {
	pk := ev.Packet
	if remote, changed := r.num.inbound(pk, r.s.RemoteAddr()); changed {
		r.tuple = spec.FourTuple{Local: r.s.LocalAddr(), Remote: remote}
		r.verbosef("%s: a new connection from %s (packetdrill: a packet reached the listening socket under test)", ev.Pos, remote)
	}
	src, dst := r.tuple.Remote, r.tuple.Local
	if pk.SrcPort != 0 {
		src.Port, dst.Port = pk.SrcPort, pk.DstPort
	}
	seg := spec.Segment{
		Src: src, Dst: dst, Flags: pk.Flags,
		Seq: r.num.injectSeq(pk), Len: pk.Len, Wnd: pk.Win,
		Opts: pk.SegOptions(),
	}
	if pk.HasAck || pk.Flags&spec.ACK != 0 {
		seg.Ack = r.num.injectAck(pk)
	}
	if r.opts.MapTSEcr && seg.Opts.HasTS && seg.Opts.TS.Ecr != 0 {
		seg.Opts.TS.Ecr += r.tsOffset
	}
	if pk.AbsSeq {
		seg.Seq = spec.Seq(pk.Seq)
	}
	outs, err := r.st.Inject(at, seg)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: inject %s: %w", ev.Pos, r.st.Name(), seg, err)
	}
	r.verbosef("%s: %s %s: injected as %s (%s->%s)", ev.Pos, at, pk, seg, seg.Src, seg.Dst)
	step, d := r.record(fmt.Sprintf("%s, line %d", pk, ev.Line), at, outs, -1)
	if d == nil {
		r.trace(ev, at, "injected "+pk.String(), step)
	}
	return d, nil
}

// call starts a socket call and checks its result if it returns at once.
func (r *runner) call(ev *Event, at, end spec.Time) (*Divergence, error) {
	sc := ev.Syscall
	if sc.Noop {
		r.res.Unchecked += len(sc.Unchecked)
		r.verbosef("%s: %s: not made; unchecked: %s", ev.Pos, r.callLine(ev, at, end), strings.Join(sc.Unchecked, ", "))
		r.trace(ev, at, "not made: "+sc.String(), nil)
		return nil, nil
	}
	call := sc.Call
	switch call.Kind {
	case spec.CallListen:
		r.num.listen(call.FD)
	case spec.CallConnect:
		r.num.connect(call.FD)
	}
	call.FD = r.liveFD(call.FD)
	outs, err := r.st.Call(at, call)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %s: %w", ev.Pos, r.st.Name(), sc.Call, err)
	}
	own := -1
	for i, o := range outs {
		if o.Out.Kind == spec.OutResult && o.Out.Call == sc.Call.Kind && (o.Out.FD == call.FD || sc.Call.Kind == spec.CallSocket) {
			own = i
			break
		}
	}
	step, d := r.record(fmt.Sprintf("%s, line %d", sc.Call, ev.Line), at, outs, own)
	if d != nil {
		return d, nil
	}
	if own < 0 {
		if !sc.Blocking {
			return r.diverge(&Divergence{
				Pos: ev.Pos, Kind: DivBlocked,
				Detail: "the call blocked; the script expects it to return at once (write start...end for a blocking call)",
				Script: r.scriptLine(ev, at),
			}, step), nil
		}
		if _, dup := r.pending[call.FD]; dup {
			return nil, fmt.Errorf("%s: a second blocking call on fd %d while one is pending", ev.Pos, sc.Call.FD)
		}
		etol := r.tolerance(end)
		r.pending[call.FD] = &pendingCall{ev: ev, start: at, end: end, tol: etol, deadline: end.Add(etol)}
		r.verbosef("%s: %s: blocked", ev.Pos, r.callLine(ev, at, end))
		return nil, nil
	}
	o := obs{outs[own], step}
	if sc.Blocking {
		etol := r.tolerance(end)
		if d := r.checkReturnTime(ev, o, at, end, etol); d != nil {
			return d, nil
		}
	}
	return r.checkResult(ev, o, at, end), nil
}

// liveFD is the stack's fd for a script fd.
func (r *runner) liveFD(fd int32) int32 {
	if l, ok := r.fds[fd]; ok {
		return l
	}
	return fd
}

// blockedReturns handles a call result that arrives after its call
// started.
func (r *runner) blockedReturns(o obs) *Divergence {
	pc := r.pending[o.Out.FD]
	if pc == nil || pc.ev.Syscall.Call.Kind != o.Out.Call {
		return r.diverge(&Divergence{
			Pos: r.cur.Pos, Kind: DivResult,
			Detail: "the stack returned from a call that is not waiting",
			Actual: fmt.Sprintf("%s %s", o.At, o.Out),
		}, o.step)
	}
	delete(r.pending, o.Out.FD)
	r.last = max(r.last, o.At)
	if d := r.checkReturnTime(pc.ev, o, pc.start, pc.end, pc.tol); d != nil {
		return d
	}
	return r.checkResult(pc.ev, o, pc.start, pc.end)
}

func (r *runner) checkReturnTime(ev *Event, o obs, start, end spec.Time, tol time.Duration) *Divergence {
	if o.At < end.Add(-tol) || o.At > end.Add(tol) {
		return r.diverge(&Divergence{
			Pos: ev.Pos, Kind: DivTiming,
			Detail: fmt.Sprintf("the call returned at %s; the script expects it to return at %s (tolerance %s)", o.At, end, tol),
			Script: r.callLine(ev, start, end),
			Actual: fmt.Sprintf("%s %s", o.At, r.describeResult(ev.Syscall, o.Out)),
		}, o.step)
	}
	return nil
}

// checkResult compares a call's result with the script.
func (r *runner) checkResult(ev *Event, o obs, start, end spec.Time) *Divergence {
	sc := ev.Syscall
	ret, errno, val := o.Out.Ret, o.Out.Err, int64(0)
	if sc.Call.Kind == spec.CallGetsockopt {
		if errno == spec.OK {
			ret, val = 0, o.Out.Ret
		} else {
			ret = -1
		}
	}
	if (sc.Call.Kind == spec.CallSocket || sc.Call.Kind == spec.CallAccept) && errno == spec.OK && ret >= 0 && sc.Ret >= 0 {
		// packetdrill's script fds name sockets; the stack's own
		// numbers may differ (run_system_call.c, to_live_fd).
		if ret != sc.Ret {
			if r.fds == nil {
				r.fds = map[int32]int32{}
			}
			r.fds[int32(sc.Ret)] = int32(ret)
			r.verbosef("%s: script fd %d is the stack's fd %d", ev.Pos, sc.Ret, ret)
		} else if r.fds != nil {
			delete(r.fds, int32(sc.Ret))
		}
		ret = sc.Ret
		if sc.Call.Kind == spec.CallSocket {
			r.num.socket(int32(sc.Ret))
		}
	}
	var why []string
	if ret != sc.Ret {
		why = append(why, fmt.Sprintf("returned %d, expected %d", ret, sc.Ret))
	} else if ret == -1 && errno != sc.Errno && !sc.AnyErrno {
		why = append(why, fmt.Sprintf("errno %s, expected %s", errno, sc.Errno))
	}
	checked := 1
	if ret == 0 && sc.HasValue {
		checked++
		if val != sc.Value {
			why = append(why, fmt.Sprintf("option value %s, expected %s", r.optValue(sc, val), sc.ValueText))
		}
	}
	r.res.Checked += checked
	r.res.Unchecked += len(sc.Unchecked)
	if len(why) > 0 {
		return r.diverge(&Divergence{
			Pos: ev.Pos, Kind: DivResult,
			Detail: strings.Join(why, "; "),
			Script: r.callLine(ev, start, end),
			Actual: fmt.Sprintf("%s %s", o.At, r.describeResult(sc, o.Out)),
		}, o.step)
	}
	un := ""
	if len(sc.Unchecked) > 0 {
		un = "; unchecked: " + strings.Join(sc.Unchecked, ", ")
	}
	r.verbosef("%s: %s: returned at %s: ok%s", ev.Pos, r.callLine(ev, start, end), o.At, un)
	r.trace(ev, o.At, r.describeResult(sc, o.Out), o.step)
	return nil
}

func (r *runner) optValue(sc *Syscall, v int64) string {
	switch sc.Call.Opt {
	case spec.OptError:
		if v == 0 {
			return "[0]"
		}
		return "[" + spec.Errno(v).String() + "]"
	case spec.OptState:
		return "{tcpi_state=" + spec.State(v).String() + "}"
	case spec.OptLinger:
		return fmt.Sprintf("{onoff=%d, ...}", v)
	}
	return fmt.Sprintf("[%d]", v)
}

func (r *runner) describeResult(sc *Syscall, o spec.Output) string {
	if sc.Call.Kind == spec.CallGetsockopt && o.Err == spec.OK {
		return fmt.Sprintf("%s(%d, ...) = 0, value %s", o.Call, o.FD, r.optValue(sc, o.Ret))
	}
	if o.Err != spec.OK {
		return fmt.Sprintf("%s(%d, ...) = -1 %s (%s)", o.Call, o.FD, o.Err, o.Err.Text())
	}
	return fmt.Sprintf("%s(%d, ...) = %d", o.Call, o.FD, o.Ret)
}

// outbound waits for the next segment and compares it with the line.
func (r *runner) outbound(ev *Event, t, lo, hi spec.Time, tol time.Duration) (*Divergence, error) {
	deadline := hi.Add(tol)
	if ev.Time.Kind == TimeAny {
		deadline = t.Add(r.opts.AnyTimeWait)
	}
	if d, err := r.awaitSegment(deadline); d != nil || err != nil {
		return d, err
	}
	if len(r.segs) == 0 {
		r.last = max(r.last, deadline)
		return r.diverge(&Divergence{
			Pos: ev.Pos, Kind: DivMissing,
			Detail: fmt.Sprintf("the stack sent nothing by %s", deadline),
			Script: r.scriptLine(ev, t),
		}, nil), nil
	}
	o := r.segs[0]
	r.segs = r.segs[1:]
	merged := 1
	if !r.s.StrictSegments && o.Out.Seg.Len > 0 && o.Out.Seg.Len < ev.Packet.Len {
		var d *Divergence
		var err error
		if o, merged, d, err = r.aggregate(o, ev.Packet.Len, deadline); d != nil || err != nil {
			return d, err
		}
	}
	r.base = o.At
	r.last = max(r.last, o.At)
	when := t.String()
	if ev.Time.Kind == TimeAny {
		when = "*"
	} else if hi != lo {
		when = lo.String() + "~" + hi.String()
	}
	diffs, checked, unchecked := r.compare(ev.Packet, o.Out.Seg)
	r.res.Checked += len(checked)
	r.res.Unchecked += len(unchecked)
	if ts, ok := ev.Packet.option(OptTS); ok && len(diffs) == 0 && o.Out.Seg.Opts.HasTS {
		r.tsOffset = o.Out.Seg.Opts.TS.Val - ts.Val
	}
	if len(diffs) > 0 {
		return r.diverge(&Divergence{
			Pos: ev.Pos, Kind: DivSegment, Fields: diffs,
			Script: fmt.Sprintf("%s %s", when, ev.Packet),
			Actual: fmt.Sprintf("%s %s", o.At, r.describe(o.Out.Seg)),
		}, o.step), nil
	}
	if ev.Time.Kind != TimeAny && (o.At < lo.Add(-tol) || o.At > hi.Add(tol)) {
		return r.diverge(&Divergence{
			Pos: ev.Pos, Kind: DivTiming,
			Detail: fmt.Sprintf("expected at %s (tolerance %s), happened at %s", when, tol, o.At),
			Script: fmt.Sprintf("%s %s", when, ev.Packet),
			Actual: fmt.Sprintf("%s %s", o.At, r.describe(o.Out.Seg)),
		}, o.step), nil
	}
	un := ""
	if len(unchecked) > 0 {
		un = "; unchecked: " + strings.Join(unchecked, ", ")
	}
	if merged > 1 {
		un += fmt.Sprintf("; %d segments merged (packetdrill's TSO/GSO aggregation)", merged)
	}
	r.verbosef("%s: %s %s: matched at %s; checked: %s%s", ev.Pos, when, ev.Packet, o.At, strings.Join(checked, " "), un)
	r.trace(ev, o.At, r.describe(o.Out.Seg), o.step)
	return nil, nil
}

// awaitSegment lets the stack run until it sends a segment or the
// deadline passes.
func (r *runner) awaitSegment(deadline spec.Time) (*Divergence, error) {
	for len(r.segs) == 0 && r.st.Now() < deadline {
		before := r.st.Now()
		outs, err := r.st.Advance(deadline)
		if err != nil {
			return nil, fmt.Errorf("%s: advance to %s: %w", r.st.Name(), deadline, err)
		}
		if _, d := r.record(fmt.Sprintf("timers up to %s", deadline), r.st.Now(), outs, -1); d != nil {
			return d, nil
		}
		if len(outs) == 0 && r.st.Now() == before {
			return nil, fmt.Errorf("%s: Advance(%s) made no progress from %s", r.st.Name(), deadline, before)
		}
	}
	return nil, nil
}

// aggregate merges the segments that follow first, as packetdrill merges
// the packets it sniffs until they carry an outbound line's payload of
// want bytes (run_packet.c, do_outbound_script_packet without
// --strict_segments): each must continue the previous one's sequence
// space on the same addresses with the same flags (FIN and PSH aside),
// acknowledgment, window and options, and every fragment but the last
// carries as many bytes as the one before. The merged segment has the
// first's sequence number and the last's header and time. A segment that
// does not fit stays queued, and the line is compared with what was
// merged so far.
func (r *runner) aggregate(first obs, want uint32, deadline spec.Time) (obs, int, *Divergence, error) {
	merged, n := first, 1
	prev := first.Out.Seg
	total := prev.Len
	for total < want {
		if d, err := r.awaitSegment(deadline); d != nil || err != nil {
			return merged, n, d, err
		}
		if len(r.segs) == 0 {
			break
		}
		cur := r.segs[0].Out.Seg
		const loose = spec.FIN | spec.PSH
		if cur.Src != prev.Src || cur.Dst != prev.Dst || cur.Flags&^loose != prev.Flags&^loose ||
			cur.Seq != prev.Seq.Add(prev.Len) || cur.Ack != prev.Ack || cur.Wnd != prev.Wnd ||
			!sameOptionLayout(cur.Opts, prev.Opts) || cur.Len == 0 ||
			(cur.Len < want-total && cur.Len != prev.Len) {
			break
		}
		next := r.segs[0]
		r.segs = r.segs[1:]
		seg := cur
		seg.Seq = first.Out.Seg.Seq
		seg.Len = total + cur.Len
		merged = obs{Observed: stack.Observed{At: next.At, Out: spec.SegmentOut(seg)}, step: next.step}
		prev, total, n = cur, total+cur.Len, n+1
	}
	return merged, n, nil, nil
}

// sameOptionLayout approximates packetdrill's data-offset check between
// fragments: the same options present.
func sameOptionLayout(a, b spec.Options) bool {
	return (a.MSS != 0) == (b.MSS != 0) && (a.WScale != 0) == (b.WScale != 0) &&
		a.SackOK == b.SackOK && a.HasTS == b.HasTS
}

func (r *runner) models(field string) bool { return r.fm == nil || r.fm.Models(field) }

// describe prints an observed segment in the script's numbering.
func (r *runner) describe(s spec.Segment) string {
	rel := s
	rel.Seq = spec.Seq(r.num.outSeq(s))
	if s.Flags&spec.ACK != 0 {
		rel.Ack = spec.Seq(r.num.outAck(s))
	}
	out := "> " + rel.String()
	if s.Src != r.tuple.Local || s.Dst != r.tuple.Remote {
		out += fmt.Sprintf(" (%s->%s)", s.Src, s.Dst)
	}
	return out
}

// compare checks an observed segment against a scripted one. It returns
// the fields that differ and the names of the fields checked and left
// open.
func (r *runner) compare(pk *Packet, s spec.Segment) (diffs []FieldDiff, checked, unchecked []string) {
	diff := func(field, exp, act string) { diffs = append(diffs, FieldDiff{field, exp, act}) }
	// The stack's SYN or SYN-ACK of a new connection teaches the local
	// ISN and the connection's addresses (numbering).
	synWant, synCheck, learned := r.num.outbound(pk, s)
	if learned && isScriptAddrs(r.s, s) {
		r.tuple = spec.FourTuple{Local: s.Src, Remote: s.Dst}
	}
	// Flags: PSH only if the stack models it.
	want, got := pk.Flags, s.Flags
	if !r.models(stack.FieldPSH) {
		want, got = want&^spec.PSH, got&^spec.PSH
		if pk.Flags&spec.PSH != 0 {
			unchecked = append(unchecked, "PSH (not modelled)")
		}
	}
	checked = append(checked, "flags")
	if want != got {
		diff("flags", pk.Flags.String(), s.Flags.String())
	}
	if pk.ECN {
		unchecked = append(unchecked, "ECE/CWR (not represented)")
	}
	checked = append(checked, "seq")
	// A RST with sequence number 0 answers a segment without ACK
	// (RFC 9293 §3.10.7.1): its 0 is absolute, whatever the ISN.
	rst0 := pk.Flags&spec.RST != 0 && pk.Seq == 0 && s.Flags&spec.RST != 0 && s.Seq == 0
	if pk.AnySeq {
		checked = checked[:len(checked)-1]
		unchecked = append(unchecked, "seq (...)")
	} else if pk.AbsSeq {
		if uint32(s.Seq) != pk.Seq {
			diff("seq", fmt.Sprint(pk.Seq)+"!", fmt.Sprint(uint32(s.Seq)))
		}
	} else if synCheck {
		if synWant != pk.Seq {
			diff("seq", fmt.Sprint(pk.Seq), fmt.Sprint(synWant))
		}
	} else if rel := r.num.outSeq(s); rel != pk.Seq && !rst0 {
		diff("seq", fmt.Sprint(pk.Seq), fmt.Sprint(rel))
	}
	checked = append(checked, "len")
	if s.Len != pk.Len {
		diff("len", fmt.Sprint(pk.Len), fmt.Sprint(s.Len))
	}
	if pk.Flags&spec.ACK != 0 {
		if pk.HasAck {
			checked = append(checked, "ack")
			if s.Flags&spec.ACK != 0 {
				if rel := r.num.outAck(s); rel != pk.Ack {
					diff("ack", fmt.Sprint(pk.Ack), fmt.Sprint(rel))
				}
			}
		} else {
			unchecked = append(unchecked, "ack (not scripted)")
		}
	}
	switch {
	case !pk.HasWin:
		unchecked = append(unchecked, "win (not scripted)")
	case !r.models(stack.FieldWindow):
		unchecked = append(unchecked, "win (not modelled)")
	default:
		checked = append(checked, "win")
		if s.Wnd != pk.Win {
			diff("win", fmt.Sprint(pk.Win), fmt.Sprint(s.Wnd))
		}
	}
	r.compareOptions(pk, s, diff, &checked, &unchecked)
	// Addresses.
	exp := r.tuple
	if pk.SrcPort != 0 {
		exp.Local.Port, exp.Remote.Port = pk.SrcPort, pk.DstPort
	}
	checked = append(checked, "addresses")
	if s.Src != exp.Local || s.Dst != exp.Remote {
		diff("addresses", exp.Local.String()+"->"+exp.Remote.String(), s.Src.String()+"->"+s.Dst.String())
	}
	return diffs, checked, unchecked
}

func (r *runner) compareOptions(pk *Packet, s spec.Segment, diff func(f, e, a string), checked, unchecked *[]string) {
	if pk.AnyOptions {
		*unchecked = append(*unchecked, "options (<...>)")
		return
	}
	layout := false
	for _, o := range pk.Options {
		if o.Kind == OptNOP || o.Kind == OptEOL {
			layout = true
		}
	}
	type optCase struct {
		field      string
		kind       OptionKind
		has        bool
		val        uint32
		valued     bool
		formatting func(uint32) string
	}
	cases := []optCase{
		{stack.FieldMSS, OptMSS, s.Opts.MSS != 0, uint32(s.Opts.MSS), true, func(v uint32) string { return fmt.Sprintf("mss %d", v) }},
		{stack.FieldWScale, OptWScale, s.Opts.WScale != 0, uint32(s.Opts.WScale) - 1, true, func(v uint32) string { return fmt.Sprintf("wscale %d", v) }},
		{stack.FieldSackOK, OptSackOK, s.Opts.SackOK, 0, false, func(uint32) string { return "sackOK" }},
		{stack.FieldTS, OptTS, s.Opts.HasTS, 0, false, func(uint32) string { return "TS" }},
	}
	for _, c := range cases {
		o, want := pk.option(c.kind)
		if !r.models(c.field) {
			if want || c.has {
				*unchecked = append(*unchecked, c.field+" (not modelled)")
			}
			continue
		}
		*checked = append(*checked, c.field)
		switch {
		case want && !c.has:
			diff(c.field, c.formatting(o.Val), "absent")
		case !want && c.has:
			diff(c.field, "absent", c.formatting(c.val))
		case want && c.valued && o.Val != c.val:
			diff(c.field, c.formatting(o.Val), c.formatting(c.val))
		case want && c.kind == OptTS:
			*unchecked = append(*unchecked, "TS val/ecr")
		}
	}
	if _, ok := pk.option(OptSack); ok {
		*unchecked = append(*unchecked, "sack blocks (not represented)")
	}
	if layout {
		*unchecked = append(*unchecked, "option layout (nop, eol, order)")
	}
}

// finish waits for the blocking calls still out, then lets the stack run
// to the script's last time: any segment it sent by then that no line
// expects is a divergence.
func (r *runner) finish() (*Divergence, error) {
	if d, err := r.flushBlocked(spec.Time(math.MaxInt64)); d != nil || err != nil {
		return d, err
	}
	if d, err := r.advanceTo(r.last); d != nil || err != nil {
		return d, err
	}
	last := r.lastEv
	if len(r.segs) > 0 {
		o := r.segs[0]
		return r.diverge(&Divergence{
			Pos: last.Pos, Kind: DivUnexpected,
			Detail: fmt.Sprintf("the stack sent a segment that no line expects, by the script's end at %s", r.last),
			Actual: fmt.Sprintf("%s %s", o.At, r.describe(o.Out.Seg)),
		}, o.step), nil
	}
	r.verbosef("%s: end of script at %s: nothing unexpected", last.Pos, r.last)
	return nil, nil
}

// isScriptAddrs reports whether s travels from the script's local address to
// its remote one (IPv4 or IPv6, as the script chose).
func isScriptAddrs(sc *Script, s spec.Segment) bool {
	l, rem := sc.Addrs()
	return s.Src.IP == l && s.Dst.IP == rem
}
