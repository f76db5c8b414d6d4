package sim

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/tcpclose/tcpclose/spec"

	"github.com/tcpclose/tcpclose/internal/enum"
	"github.com/tcpclose/tcpclose/internal/splitmix"
)

// Config describes a run.
type Config struct {
	// Seed seeds the network's random draws and the hosts' ISN secrets.
	Seed uint64
	// Names label the sides in reports; default "client" and "server".
	Names [2]string
	// Profiles of sides A and B.
	Profiles [2]spec.Profile
	// Hosts build the sides' hosts; a nil factory builds the model. See
	// Hosts for the impl and mixed kinds.
	Hosts [2]HostFactory
	// Addrs are the sides' socket addresses: each side binds its own
	// port, and A connects to B. Zero means 10.0.0.1:40000 for A and
	// 10.0.0.2:8080 for B.
	Addrs [2]spec.SockAddr
	// FixedISS, when non-zero, is a side's ISS for every connection it
	// opens (instead of the RFC 6528 clock).
	FixedISS [2]spec.Seq
	Net      Network
	Faults   Faults
	Programs [2]Program
	// Until bounds the run in virtual time; 0 means one hour.
	Until time.Duration
	// MaxSteps bounds the host steps of a run; 0 means one million.
	MaxSteps int
	// NoTrace keeps no trace (long runs); rerun the seed to get it.
	NoTrace bool
}

// DefaultAddrs are the sides' addresses when Config.Addrs is zero.
func DefaultAddrs() [2]spec.SockAddr {
	return [2]spec.SockAddr{
		{IP: spec.IPv4(10, 0, 0, 1), Port: 40000},
		{IP: spec.IPv4(10, 0, 0, 2), Port: 8080},
	}
}

// EndReason says why a run ended.
type EndReason uint8

// End reasons.
const (
	// EndClosed: both programs ran to the end, both hosts are CLOSED
	// (no connection, no TIME-WAIT, no timer) and nothing is in flight.
	EndClosed EndReason = iota + 1
	// EndTimeBound: Config.Until was reached.
	EndTimeBound
	// EndStalled: nothing can happen any more (no timer, nothing in
	// flight, the applications wait for what cannot come), yet a host
	// keeps a connection or a program is unfinished.
	EndStalled
	// EndStepBudget: Config.MaxSteps host steps were taken.
	EndStepBudget
)

var endReasonNames = [...]string{EndClosed: "closed", EndTimeBound: "time bound", EndStalled: "stalled", EndStepBudget: "step budget"}

func (r EndReason) String() string { return enum.Name(endReasonNames[:], "EndReason", r) }

// HazardKind names a hazard the simulator watches for.
type HazardKind uint8

// Hazards.
const (
	// HazardGhost: a segment sent by an older incarnation of a 4-tuple
	// was accepted by a newer one (it moved RCV.NXT over its octets,
	// moved SND.UNA, changed the connection's state or ended it): RFC 1337
	// hazards H1-H3.
	HazardGhost HazardKind = iota + 1
	// HazardAssassination: a RST ended TIME-WAIT before its 2MSL timer
	// (RFC 1337 §2).
	HazardAssassination
)

var hazardNames = [...]string{HazardGhost: "ghost segment accepted", HazardAssassination: "TIME-WAIT assassinated"}

func (k HazardKind) String() string { return enum.Name(hazardNames[:], "HazardKind", k) }

// Hazard is one hazard seen.
type Hazard struct {
	Kind  HazardKind
	At    spec.Time
	Side  Side // the receiver
	Tuple spec.FourTuple
	Seg   spec.Segment
	SegID int
	Copy  int
	// SegInc is the incarnation of the segment's sender; ConnInc the
	// receiving connection's, PeerInc the incarnation of the sender's
	// side that the receiving connection is paired with.
	SegInc, ConnInc, PeerInc int
	Note                     string
}

func (h Hazard) String() string {
	return fmt.Sprintf("%s %s at %s: %s", h.At, h.Side, h.Kind, h.Note)
}

// Result is the outcome of a run.
type Result struct {
	Seed   uint64
	Trace  *Trace // nil with Config.NoTrace
	Sides  [2]SideReport
	End    spec.Time
	Reason EndReason
	Net    NetStats
	// Hazards in the order they were seen.
	Hazards []Hazard
	// Steps counts host steps.
	Steps int
	// MSL is the MSL the network enforced.
	MSL time.Duration
}

// Ghosts returns the hazards of kind HazardGhost.
func (r *Result) Ghosts() []Hazard { return r.hazards(HazardGhost) }

// Assassinations returns the hazards of kind HazardAssassination.
func (r *Result) Assassinations() []Hazard { return r.hazards(HazardAssassination) }

func (r *Result) hazards(k HazardKind) []Hazard {
	var out []Hazard
	for _, h := range r.Hazards {
		if h.Kind == k {
			out = append(out, h)
		}
	}
	return out
}

// Summary is a few lines on how the run ended.
func (r *Result) Summary() string {
	// "lost" counts every segment the ladder marks lost, at random or by
	// the fault schedule.
	lost := fmt.Sprint(r.Net.Lost + r.Net.Faulted)
	if r.Net.Faulted > 0 {
		lost += fmt.Sprintf(" (%d by faults)", r.Net.Faulted)
	}
	s := fmt.Sprintf("seed %d: ended %s at %s after %d steps; net sent %d delivered %d lost %s dup %d reordered %d expired %d\n",
		r.Seed, r.Reason, r.End, r.Steps, r.Net.Sent, r.Net.Delivered, lost, r.Net.Duplicated, r.Net.Reordered, r.Net.Expired)
	for side := A; side <= B; side++ {
		rep := &r.Sides[side]
		closed := "not closed"
		if rep.Closed {
			closed = "closed at " + rep.ClosedAt.String()
			if d, ok := rep.TimeToClosed(); ok {
				closed += fmt.Sprintf(" (%s after its close)", d)
			}
		}
		s += fmt.Sprintf("  %s %s: wrote %d read %d, %s, program done %v\n", side, rep.Name, rep.Written(), rep.Read(), closed, rep.ProgramDone)
		for i, ss := range rep.Sessions {
			var ns []string
			for _, n := range ss.Notices {
				ns = append(ns, n.Notice.String())
			}
			var es []string
			for _, e := range ss.Errors {
				es = append(es, e.Call.String()+":"+e.Err.String())
			}
			s += fmt.Sprintf("    conn %d fd %d %s: wrote %d read %d eof %v notices %v errors %v\n",
				i+1, ss.FD, ss.Tuple, ss.Written, ss.Read, ss.EOF, ns, es)
		}
	}
	for _, h := range r.Hazards {
		s += "  HAZARD " + h.String() + "\n"
	}
	return s
}

// track follows one connection of a host between steps.
type track struct {
	snap spec.ConnSnap
	inc  int // this incarnation's number (global, increasing)
	peer int // the incarnation of the other side it talks to; 0 until a SYN pairs them
	prev *track
	held []heldRange // octets that arrived beyond RCV.NXT inside the window
}

type heldRange struct {
	lo, hi      spec.Seq
	ghost       bool // sent by an older incarnation than the peer's
	id, cp, inc int
	seg         spec.Segment
}

type runner struct {
	cfg   Config
	hosts [2]spec.Host
	apps  [2]*app
	net   network
	trace *Trace
	res   *Result
	addrs [2]spec.SockAddr

	now     spec.Time
	tracks  [2][]track
	nextInc int
	wakeAt  [2]spec.Time
	outs    []spec.Output
	states  []Record
}

// Run runs a simulation.
func Run(cfg Config) (*Result, error) {
	r, err := newRunner(cfg, false)
	if err != nil {
		return nil, err
	}
	r.loop()
	return r.res, nil
}

// newRunner checks cfg and builds the hosts. With sharedAddr both sides
// may have one IP address, as two sockets on loopback do.
func newRunner(cfg Config, sharedAddr bool) (*runner, error) {
	if cfg.Names[A] == "" {
		cfg.Names[A] = "client"
	}
	if cfg.Names[B] == "" {
		cfg.Names[B] = "server"
	}
	def := DefaultAddrs()
	for s := range cfg.Addrs {
		if cfg.Addrs[s] == (spec.SockAddr{}) {
			cfg.Addrs[s] = def[s]
		}
	}
	if cfg.Addrs[A].IP == cfg.Addrs[B].IP && !sharedAddr {
		return nil, fmt.Errorf("sim: both sides have address %s", cfg.Addrs[A].IP)
	}
	if cfg.Until <= 0 {
		cfg.Until = time.Hour
	}
	if cfg.MaxSteps <= 0 {
		cfg.MaxSteps = 1_000_000
	}
	for s, l := range cfg.Net.Links {
		if err := l.validate(Side(s).String() + "->" + Side(s).Peer().String()); err != nil {
			return nil, fmt.Errorf("sim: %w", err)
		}
	}
	msl := cfg.Net.MSL
	if msl < 0 {
		return nil, fmt.Errorf("sim: negative MSL")
	}
	if msl == 0 {
		msl = max(cfg.Profiles[A].TimeWait, cfg.Profiles[B].TimeWait) / 2
		if msl == 0 {
			msl = 60 * time.Second
		}
	}
	r := &runner{cfg: cfg, addrs: cfg.Addrs}
	r.res = &Result{Seed: cfg.Seed, MSL: msl}
	if !cfg.NoTrace {
		r.trace = &Trace{Seed: cfg.Seed, Names: cfg.Names}
		r.res.Trace = r.trace
	}
	r.net = network{cfg: cfg.Net, msl: msl, faults: cfg.Faults,
		rng: rand.New(rand.NewPCG(cfg.Seed, 0x746370636c6f7365))}
	for s := A; s <= B; s++ {
		f := cfg.Hosts[s]
		if f == nil {
			f = ModelHost
		}
		h, err := f(s, cfg.Profiles[s], spec.HostConfig{Addr: cfg.Addrs[s].IP,
			ISNSecret: splitmix.Mix(cfg.Seed ^ uint64(s+1)*0x9e3779b97f4a7c15), FixedISS: cfg.FixedISS[s]})
		if err != nil {
			return nil, fmt.Errorf("sim: side %s: %w", s, err)
		}
		r.hosts[s] = h
		r.res.Sides[s].Name = cfg.Names[s]
		r.apps[s] = newApp(s, cfg.Programs[s], cfg.Addrs[s], cfg.Addrs[s.Peer()], &r.res.Sides[s])
	}
	return r, nil
}

func (r *runner) rec(x Record) {
	if r.trace != nil {
		r.trace.add(x)
	}
}

func (r *runner) loop() {
	r.runApps()
	reason := EndReason(0)
	for reason == 0 {
		if r.finished() {
			reason = EndClosed
			break
		}
		if r.res.Steps >= r.cfg.MaxSteps {
			reason = EndStepBudget
			break
		}
		next, which := r.nextEvent()
		if which < 0 {
			reason = EndStalled
			break
		}
		if next > spec.Time(r.cfg.Until) {
			r.now = max(r.now, spec.Time(r.cfg.Until))
			reason = EndTimeBound
			break
		}
		r.fire(next, which)
	}
	r.res.Reason, r.res.End = reason, r.now
	r.res.Net = r.net.stats
	for s := A; s <= B; s++ {
		rep := &r.res.Sides[s]
		rep.ProgramDone = r.apps[s].done()
		rep.Closed = len(r.tracks[s]) == 0
		if !rep.Closed {
			rep.ClosedAt = spec.Never
		}
	}
	r.rec(Record{At: r.now, Side: NoSide, Kind: RecEnd, Note: fmt.Sprintf("%s (A closed %v at %s, B closed %v at %s)",
		reason, r.res.Sides[A].Closed, r.res.Sides[A].ClosedAt, r.res.Sides[B].Closed, r.res.Sides[B].ClosedAt)})
}

// nextEvent returns when the next thing happens and what it is: a timer
// of side 0 (A) or 1 (B), or 2, the network (a delivery, an expiry, an
// application's wake-up); -1 if nothing is due ever. Ties go to A's
// timers, then B's, then the network.
func (r *runner) nextEvent() (next spec.Time, which int) {
	next, which = spec.Never, -1
	for s := A; s <= B; s++ {
		if d := r.hosts[s].NextDeadline(); d != spec.Never && (which < 0 || d < next) {
			next, which = d, int(s)
		}
	}
	if h, ok := r.net.head(); ok && (which < 0 || h < next) {
		next, which = h, 2
	}
	return next, which
}

// fire moves the clock to next and makes what nextEvent found happen,
// then lets the applications make the calls they can.
func (r *runner) fire(next spec.Time, which int) {
	r.now = max(r.now, next)
	if which < 2 {
		r.step(Side(which), spec.Event{Kind: spec.EvAdvance, At: r.now}, nil)
	} else {
		r.event(r.net.pop())
	}
	r.runApps()
}

func (r *runner) finished() bool {
	return r.apps[A].done() && r.apps[B].done() && len(r.tracks[A]) == 0 && len(r.tracks[B]) == 0 &&
		r.hosts[A].NextDeadline() == spec.Never && r.hosts[B].NextDeadline() == spec.Never && r.net.pending == 0
}

func (r *runner) event(e *event) {
	switch e.kind {
	case evDeliver:
		r.net.stats.Delivered++
		r.step(e.side, spec.Event{Kind: spec.EvSegment, At: r.now, Seg: e.seg}, e)
	case evExpire:
		r.net.stats.Expired++
		r.rec(Record{At: r.now, Side: NoSide, Kind: RecExpire, Seg: e.seg, SegID: e.id, Copy: e.cp, Inc: e.inc})
	case evWake:
		if r.wakeAt[e.side] == e.at {
			r.wakeAt[e.side] = spec.Never
		}
	}
}

// runApps lets each application make the calls it can make now.
func (r *runner) runApps() {
	for s := A; s <= B; s++ {
		a := r.apps[s]
		for {
			c, ok, wake := a.next(r.now)
			if !ok {
				if wake != spec.Never && wake > r.now && wake != r.wakeAt[s] {
					r.wakeAt[s] = wake
					r.net.push(&event{at: wake, kind: evWake, side: s})
				}
				break
			}
			r.rec(Record{At: r.now, Side: s, Kind: RecCall, Call: c})
			r.step(s, spec.Event{Kind: spec.EvCall, At: r.now, Call: c}, nil)
		}
	}
}

func findTrack(ts []track, t spec.FourTuple) *track {
	for i := range ts {
		if ts[i].snap.Tuple == t {
			return &ts[i]
		}
	}
	return nil
}

// step applies ev to side s and handles what follows: outputs, state
// changes, incarnations, hazards. d is the delivery that caused it, if any.
func (r *runner) step(s Side, ev spec.Event, d *event) {
	r.res.Steps++
	if d != nil {
		r.rec(Record{At: r.now, Side: s, Kind: RecDeliver, Seg: d.seg, SegID: d.id, Copy: d.cp, Inc: d.inc})
	}
	r.outs = r.hosts[s].Step(&ev, r.outs[:0])
	before := r.tracks[s]
	after := r.observe(s)

	// Outputs, in order.
	a := r.apps[s]
	for _, o := range r.outs {
		switch o.Kind {
		case spec.OutSegment:
			t := spec.FourTuple{Local: o.Seg.Src, Remote: o.Seg.Dst}
			inc := 0
			if tr := findTrack(after, t); tr != nil {
				inc = tr.inc
			} else if tr := findTrack(before, t); tr != nil {
				inc = tr.inc
			}
			if o.Seg.Dst.IP != r.addrs[s.Peer()].IP || o.Seg.Src.IP != r.addrs[s].IP {
				r.net.stats.Unroutable++
				r.rec(Record{At: r.now, Side: s, Kind: RecDrop, Seg: o.Seg, Inc: inc, Note: "no route"})
				continue
			}
			r.net.send(s, o.Seg, inc, r.now, r.rec)
		case spec.OutResult:
			r.rec(Record{At: r.now, Side: s, Kind: RecResult, Out: o})
			if a.pending && o.Call == a.pendKind && (o.FD == a.pendFD || o.Call == spec.CallSocket) {
				a.result(o, r.now)
			}
		case spec.OutNotice:
			r.rec(Record{At: r.now, Side: s, Kind: RecNotice, Out: o, Tuple: o.Tuple})
			a.notice(o, r.now)
		}
	}
	for _, x := range r.states {
		r.rec(x)
	}

	// Sessions learn their tuple from the connection holding their fd.
	if cur := a.cur; cur != nil && cur.Tuple == (spec.FourTuple{}) {
		for _, tr := range after {
			if tr.snap.FD == cur.FD {
				cur.Tuple = tr.snap.Tuple
			}
		}
	}
	if d != nil {
		r.delivered(s, d, before, after)
	}
	if len(after) == 0 && len(before) > 0 {
		r.res.Sides[s].ClosedAt = r.now
	}
}

// observe takes the host's snapshot, records state changes in r.states
// and numbers incarnations. It returns the new tracks.
func (r *runner) observe(s Side) []track {
	snap := r.hosts[s].Snapshot()
	before := r.tracks[s]
	after := make([]track, 0, len(snap.Conns))
	r.states = r.states[:0]
	for _, c := range snap.Conns {
		old := findTrack(before, c.Tuple)
		nt := track{snap: c}
		from := spec.Closed
		switch {
		case old == nil:
			r.nextInc++
			nt.inc = r.nextInc
		case old.snap.State == spec.SynReceived && c.State == spec.TimeWait && old.prev != nil:
			// The reopened connection was reset and TIME-WAIT came back
			// (MAY-2 (2)): the old incarnation returns.
			from = old.snap.State
			nt.inc, nt.peer = old.prev.inc, old.prev.peer
		case (old.snap.State == spec.TimeWait || old.snap.State >= spec.Established) && (c.State == spec.SynReceived || c.State == spec.SynSent),
			old.snap.State != spec.TimeWait && c.State != spec.TimeWait && old.snap.ISS != c.ISS:
			// A new connection replaced the old one within one step
			// (TIME-WAIT reopened by a SYN, or a takeover).
			from = old.snap.State
			r.nextInc++
			prev := *old
			prev.prev = nil
			nt.inc, nt.prev = r.nextInc, &prev
		default:
			from = old.snap.State
			nt.inc, nt.peer, nt.prev, nt.held = old.inc, old.peer, old.prev, old.held
		}
		if from != c.State || nt.inc != incOf(old) {
			r.states = append(r.states, Record{At: r.now, Side: s, Kind: RecState, Tuple: c.Tuple, Inc: nt.inc, From: from, To: c.State})
		}
		after = append(after, nt)
	}
	for _, old := range before {
		if findTrack(after, old.snap.Tuple) == nil {
			r.states = append(r.states, Record{At: r.now, Side: s, Kind: RecState, Tuple: old.snap.Tuple, Inc: old.inc, From: old.snap.State, To: spec.Closed})
		}
	}
	r.tracks[s] = after
	return after
}

func incOf(t *track) int {
	if t == nil {
		return 0
	}
	return t.inc
}

// delivered pairs incarnations and looks for hazards after segment d
// arrived at side s.
func (r *runner) delivered(s Side, d *event, before, after []track) {
	t := d.seg.Tuple()
	bt, at := findTrack(before, t), findTrack(after, t)
	if d.seg.Flags&spec.SYN != 0 && d.inc != 0 && at != nil && at.peer == 0 {
		at.peer = d.inc
	}
	if bt == nil {
		return
	}
	if d.seg.Flags&spec.RST != 0 && bt.snap.State == spec.TimeWait && (at == nil || at.inc != bt.inc) {
		if dl := bt.snap.Timers[spec.TimerTimeWait]; dl > r.now {
			r.hazard(Hazard{Kind: HazardAssassination, At: r.now, Side: s, Tuple: t, Seg: d.seg, SegID: d.id, Copy: d.cp,
				SegInc: d.inc, ConnInc: bt.inc, PeerInc: bt.peer,
				Note: fmt.Sprintf("RST ended TIME-WAIT of %s inc%d %s before its 2MSL timer (due at %s)", t, bt.inc, dl.Sub(r.now), dl)})
		}
	}
	ghost := d.inc != 0 && bt.peer != 0 && d.inc < bt.peer
	h := Hazard{Kind: HazardGhost, At: r.now, Side: s, Tuple: t, Seg: d.seg, SegID: d.id, Copy: d.cp,
		SegInc: d.inc, ConnInc: bt.inc, PeerInc: bt.peer}
	b := bt.snap
	// Sequence numbers are relative to the connection's initial ones, as
	// the ladder prints them.
	const relNote = "; numbers relative to its ISS/IRS"
	// Did the connection take d itself?
	if ghost {
		var why string
		switch {
		case at == nil:
			why = "it ended the connection (" + b.State.String() + " -> CLOSED)"
		case at.inc != bt.inc:
			why = "it replaced the connection"
		case at.snap.State != b.State:
			why = fmt.Sprintf("it moved the connection %s -> %s", b.State, at.snap.State)
		case d.seg.SegLen() > 0 && overlaps(d.seg.Seq, d.seg.End(), b.RcvNxt, at.snap.RcvNxt):
			lo, hi := clip(d.seg.Seq, d.seg.End(), b.RcvNxt, at.snap.RcvNxt)
			why = fmt.Sprintf("its octets [%d,%d) were taken as new (RCV.NXT %d -> %d)", uint32(lo-b.IRS), uint32(hi-b.IRS), uint32(b.RcvNxt-b.IRS), uint32(at.snap.RcvNxt-b.IRS))
		case d.seg.Flags&spec.ACK != 0 && at.snap.SndUna != b.SndUna:
			why = fmt.Sprintf("its ACK moved SND.UNA %d -> %d", uint32(b.SndUna-b.ISS), uint32(at.snap.SndUna-b.ISS))
		}
		if why != "" {
			h.Note = fmt.Sprintf("segment of inc%d accepted by %s inc%d (paired with inc%d): %s%s", d.inc, t, bt.inc, bt.peer, why, relNote)
			r.hazard(h)
			return
		}
	}
	if at == nil || at.inc != bt.inc {
		return
	}
	// Octets held out of order and delivered later: when RCV.NXT moves
	// past octets that neither d nor any segment of the right incarnation
	// brought, an old segment's held octets filled the gap.
	r0, r1 := b.RcvNxt, at.snap.RcvNxt
	if r1.GT(r0) {
		for _, g := range at.held {
			if !g.ghost || !overlaps(g.lo, g.hi, r0, r1) {
				continue
			}
			lo, hi := clip(g.lo, g.hi, r0, r1)
			left := []seqSpan{{lo, hi}}
			if !ghost {
				left = subtract(left, d.seg.Seq, d.seg.End())
			}
			for _, l := range at.held {
				if !l.ghost {
					left = subtract(left, l.lo, l.hi)
				}
			}
			if len(left) > 0 {
				lo, hi = left[0].lo, left[0].hi
				h.SegID, h.Copy, h.SegInc, h.Seg = g.id, g.cp, g.inc, g.seg
				h.Note = fmt.Sprintf("held octets [%d,%d) of inc%d segment #%d were delivered by %s inc%d (paired with inc%d) when #%d filled the gap (RCV.NXT %d -> %d)%s",
					uint32(lo-b.IRS), uint32(hi-b.IRS), g.inc, g.id, t, bt.inc, bt.peer, d.id, uint32(r0-b.IRS), uint32(r1-b.IRS), relNote)
				r.hazard(h)
				break
			}
		}
	}
	// Remember what lies beyond RCV.NXT inside the window: it may be held.
	kept := at.held[:0]
	for _, g := range at.held {
		if g.hi.GT(r1) {
			kept = append(kept, g)
		}
	}
	at.held = kept
	if n := d.seg.SegLen(); n > 0 && d.inc != 0 && d.seg.End().GT(r1) {
		lo, hi := clip(d.seg.Seq, d.seg.End(), r1, r0.Add(b.RcvWnd))
		if lo.LT(hi) && len(at.held) < 64 {
			at.held = append(at.held, heldRange{lo: lo, hi: hi, ghost: ghost, id: d.id, cp: d.cp, inc: d.inc, seg: d.seg})
		}
	}
}

// overlaps reports whether [a,b) and [c,d) share an octet.
func overlaps(a, b, c, d spec.Seq) bool { return a.LT(d) && c.LT(b) && a.LT(b) && c.LT(d) }

// clip is [a,b) ∩ [c,d), empty (lo >= hi) if they do not overlap.
func clip(a, b, c, d spec.Seq) (spec.Seq, spec.Seq) {
	lo, hi := a.Max(c), b
	if d.LT(hi) {
		hi = d
	}
	return lo, hi
}

type seqSpan struct{ lo, hi spec.Seq }

// subtract removes [c,d) from every span of spans.
func subtract(spans []seqSpan, c, d spec.Seq) []seqSpan {
	var out []seqSpan
	for _, sp := range spans {
		if !overlaps(sp.lo, sp.hi, c, d) {
			out = append(out, sp)
			continue
		}
		if sp.lo.LT(c) {
			out = append(out, seqSpan{sp.lo, c})
		}
		if d.LT(sp.hi) {
			out = append(out, seqSpan{d, sp.hi})
		}
	}
	return out
}

func (r *runner) hazard(h Hazard) {
	r.res.Hazards = append(r.res.Hazards, h)
	r.rec(Record{At: h.At, Side: h.Side, Kind: RecHazard, Seg: h.Seg, SegID: h.SegID, Copy: h.Copy, Inc: h.SegInc, Tuple: h.Tuple, Note: h.Note})
}
