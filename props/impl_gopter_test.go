package props

import (
	"fmt"
	"math/rand"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/commands"
	"github.com/leanovate/gopter/gen"

	"github.com/tcpclose/tcpclose/check"
	"github.com/tcpclose/tcpclose/impl"
	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/spec"
)

// The agreement test again, with gopter's commands package and a
// generator of its own, written apart from the rapid one in
// impl_agree_test.go so that each generator cross-checks the other: what
// one never thinks of, the other may.
//
// The gopter state is the model host (the oracle) with what the generator
// reads from it (its snapshot, the segments it sent); the system under
// test is the implementation. A command is one event, built from the
// model's snapshot when generated; its time is absolute, or relative to
// the host's clock or to its next deadline (one nanosecond before, at,
// one after), resolved when the command runs so that a shrunk sequence
// still lands on the deadlines. After every command the outputs,
// snapshots, clocks, deadlines and TIME-WAIT counts must agree.
//
// Replaying a failure: the test logs its seed; TCPCLOSE_GOPTER_SEED=<seed>
// go test ./props -run 'TestImplAgreesWithModelGopter/<profile>/<role>'
// runs the same sequences (gopter.DefaultTestParametersWithSeed).
// TCPCLOSE_LONG=1 runs many more and longer sequences.

// gopterSeed returns the seed of this run: TCPCLOSE_GOPTER_SEED if set.
func gopterSeed(t testing.TB) int64 {
	if v := os.Getenv("TCPCLOSE_GOPTER_SEED"); v != "" {
		s, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatalf("TCPCLOSE_GOPTER_SEED=%q: %v", v, err)
		}
		return s
	}
	return time.Now().UnixNano()
}

// gopterSizes returns the number of sequences per profile and role and
// the largest sequence length.
func gopterSizes() (tests, maxLen int) {
	if os.Getenv("TCPCLOSE_LONG") == "1" {
		return 1000, 400
	}
	return 60, 160
}

// gMode is what a gopter run checks.
type gMode struct {
	mutant impl.Mutant
	// invariants: run the implementation (with mutant) alone and check
	// the invariants, instead of comparing it with the model.
	invariants bool
}

// gState is the gopter state: the host the generator reads.
type gState struct {
	p     spec.Profile
	role  string
	cfg   spec.HostConfig
	mode  gMode
	h     spec.Host // the model; in invariant runs the implementation
	inv   *invChecker
	snap  spec.HostSnap
	last  []spec.Output // h's outputs of the last command
	sent  []spec.Segment
	fds   []int32
	setup []spec.Event  // the opening calls, run by the initial state
	sOut  []spec.Output // h's outputs of the set-up
	bad   string        // an invariant violated (invariant runs)
	peerT uint32
	stats *gStats
	// lastSock is the descriptor the last socket() returned.
	lastSock int32
	events   int // events the last command ran
}

func (s *gState) String() string {
	return fmt.Sprintf("%s/%s isnSecret=%d fixedISS=%d setup=%v", s.p.Name, s.role, s.cfg.ISNSecret, s.cfg.FixedISS, s.setup)
}

// step runs one event on the state's host; its outputs are appended to
// s.last (a command may run several events).
func (s *gState) step(ev spec.Event) {
	out := s.h.Step(&ev, nil)
	s.last = append(s.last, out...)
	s.snap = s.h.Snapshot()
	if f, ok := s.h.(interface{ Fired() []spec.RuleID }); ok && s.stats.cov != nil {
		for _, r := range f.Fired() {
			s.stats.cov[r]++
		}
	}
	s.stats.overflow = s.stats.overflow || s.snap.TimeWaitOverflow > 0
	if s.inv != nil && s.bad == "" {
		if m := s.inv.step(ev, out, &s.snap); m != "" {
			s.bad = fmt.Sprintf("%s: %s", ev, m)
		}
	}
	for _, o := range out {
		switch o.Kind {
		case spec.OutSegment:
			s.sent = check.AppendRing(s.sent, o.Seg, 12)
		case spec.OutResult:
			if (o.Call == spec.CallSocket || o.Call == spec.CallAccept) && o.Ret >= 0 {
				s.fds = check.AppendRing(s.fds, int32(o.Ret), 6)
			}
			if o.Call == spec.CallSocket && o.Ret >= 0 {
				s.lastSock = int32(o.Ret)
			}
		}
	}
}

// gSUT is the system under test: the implementation, with the log of the
// events it ran.
type gSUT struct {
	s        *impl.Stack
	h        spec.Host
	lastSock int32
	log      []string
	setup    string // a difference already in the set-up
}

// gResult is what the implementation did for one command.
type gResult struct {
	ev    spec.Event
	out   []spec.Output
	view  check.View // the implementation's, after the command
	setup string
	log   []string // the events run so far, set-up included
}

// gStats counts what a property ran.
type gStats struct {
	seqs, steps int
	failLen     int // events in the last failing sequence (the shrunk one at the end)
	firstFail   int // sequences run when the first failure was seen (0: none)
	firstFailAt time.Time
	violated    string // the invariant of the last failure (invariant runs)
	curLen      int
	curFail     bool
	cov         map[spec.RuleID]int // rules the model applied
	overflow    bool                // some run overflowed MaxTimeWait
}

// endRun closes the count of the sequence that just ran.
func (st *gStats) endRun() {
	if st.curFail {
		st.failLen = st.curLen
		if st.firstFail == 0 {
			st.firstFail, st.firstFailAt = st.seqs, time.Now()
		}
	}
	st.curLen, st.curFail = 0, false
}

// done records a command's outcome; the command ran events events.
func (st *gStats) done(r *gopter.PropResult, events int) *gopter.PropResult {
	st.steps++
	st.curLen += events
	if r.Status != gopter.PropTrue {
		st.curFail = true
	}
	return r
}

// timeRel says what a command's time is relative to.
type timeRel uint8

const (
	relNow      timeRel = iota // the host's clock plus off
	relDeadline                // the host's next deadline plus off (its clock if none)
)

// gCmd is one event, or a short walk of events (macro) whose numbers and
// descriptors are read from the host as it runs.
type gCmd struct {
	ev    spec.Event
	rel   timeRel
	off   spec.Time
	name  string
	macro []gStep
}

// gStep is one event of a macro command.
type gStep struct {
	ev spec.Event
	// conn picks the connection the event is resolved against: 0 none,
	// 1 the segment's own tuple (a call: the walk's last one), 2 the connection of the descriptor the
	// last socket() returned (remembered once found).
	conn int
	// seqRel, ackRel: SEG.SEQ = the connection's RCV.NXT, SEG.ACK = its
	// SND.NXT. fdConn: Call.FD = the connection's descriptor. fdSock:
	// Call.FD = the last socket() result.
	seqRel, ackRel, fdConn, fdSock bool
	// acceptAll: accept(2) again while the connection has no descriptor
	// and the listener's queue has others before it.
	acceptAll bool
}

// play runs a macro on host h, calling each with every resolved event.
func (c *gCmd) play(h spec.Host, lastSock func() int32, each func(spec.Event)) {
	var tu spec.FourTuple
	have := false
	for _, st := range c.macro {
		ev := st.ev
		ev.At = h.Now()
		if st.fdSock {
			ev.Call.FD = lastSock()
		}
		snap := h.Snapshot()
		var cs *spec.ConnSnap
		switch st.conn {
		case 1:
			if ev.Kind == spec.EvSegment {
				tu, have = ev.Seg.Tuple(), true
			}
		case 2:
			if !have {
				for i := range snap.Conns {
					if snap.Conns[i].FD == lastSock() {
						tu, have = snap.Conns[i].Tuple, true
					}
				}
			}
		}
		if have {
			for i := range snap.Conns {
				if snap.Conns[i].Tuple == tu {
					cs = &snap.Conns[i]
				}
			}
		}
		if cs != nil {
			if st.conn == 2 && ev.Kind == spec.EvSegment {
				ev.Seg.Src, ev.Seg.Dst = tu.Remote, tu.Local
			}
			if st.seqRel {
				ev.Seg.Seq = cs.RcvNxt
			}
			if st.ackRel {
				ev.Seg.Ack = cs.SndNxt
			}
			if st.fdConn {
				ev.Call.FD = cs.FD
			}
		}
		each(ev)
		for n := 0; st.acceptAll && have && n < 8; n++ {
			snap = h.Snapshot()
			waiting := false
			for i := range snap.Conns {
				if snap.Conns[i].Tuple == tu && snap.Conns[i].FD < 0 {
					waiting = true
				}
			}
			if !waiting || len(snap.Listeners) == 0 || len(snap.Listeners[0].Queue) == 0 {
				break
			}
			each(ev)
		}
	}
}

func (c *gCmd) String() string {
	if c.macro != nil {
		var parts []string
		for _, st := range c.macro {
			e := st.ev.String()
			parts = append(parts, e[strings.IndexByte(e, ' ')+1:])
		}
		return c.name + "{" + strings.Join(parts, "; ") + "}"
	}
	ev := c.ev
	ev.At = 0
	if ev.Kind == spec.EvAdvance {
		switch c.rel {
		case relDeadline:
			return fmt.Sprintf("advance to deadline%+d", c.off)
		}
		return fmt.Sprintf("advance %s", time.Duration(c.off))
	}
	s := ev.String()
	s = s[strings.IndexByte(s, ' ')+1:] // without the time
	switch c.rel {
	case relDeadline:
		return fmt.Sprintf("at deadline%+d: %s", c.off, s)
	}
	return fmt.Sprintf("after %s: %s", time.Duration(c.off), s)
}

// resolve fixes the command's time against host h.
func (c *gCmd) resolve(now, next spec.Time) spec.Event {
	ev := c.ev
	ev.At = now + c.off
	if c.rel == relDeadline && next != spec.Never {
		ev.At = next + c.off
	}
	return ev
}

func (c *gCmd) Run(sut commands.SystemUnderTest) commands.Result {
	if sut == nil {
		return nil
	}
	u := sut.(*gSUT)
	r := &gResult{setup: u.setup}
	run := func(ev spec.Event) {
		r.ev = ev
		u.log = append(u.log, ev.String())
		for _, o := range u.h.Step(&ev, nil) {
			r.out = append(r.out, o)
			if o.Kind == spec.OutResult && o.Call == spec.CallSocket && o.Ret >= 0 {
				u.lastSock = int32(o.Ret)
			}
		}
	}
	if c.macro != nil {
		c.play(u.h, func() int32 { return u.lastSock }, run)
	} else {
		run(c.resolve(u.s.Now(), u.s.NextDeadline()))
	}
	r.view = check.Observe(u.s, r.out)
	r.log = u.log
	return r
}

func (c *gCmd) NextState(st commands.State) commands.State {
	s := st.(*gState)
	s.last = s.last[:0]
	s.events = max(1, len(c.macro))
	if c.macro != nil {
		c.play(s.h, func() int32 { return s.lastSock }, s.step)
	} else {
		s.step(c.resolve(s.h.Now(), s.h.NextDeadline()))
	}
	return s
}

func (c *gCmd) PreCondition(commands.State) bool { return true }

func (c *gCmd) PostCondition(st commands.State, res commands.Result) *gopter.PropResult {
	s := st.(*gState)
	return s.stats.done(c.post(s, res), s.events)
}

func (c *gCmd) post(s *gState, res commands.Result) *gopter.PropResult {
	if s.mode.invariants {
		if s.bad != "" {
			s.stats.violated = s.inv.violated
			return &gopter.PropResult{Status: gopter.PropFalse, Labels: []string{"invariant: " + s.bad}}
		}
		return &gopter.PropResult{Status: gopter.PropTrue}
	}
	r, _ := res.(*gResult)
	if r == nil {
		return &gopter.PropResult{Status: gopter.PropTrue} // after a failure
	}
	var msg string
	switch {
	case r.setup != "":
		msg = r.setup
	default:
		mv := check.Observe(s.h, s.last)
		if err := check.Compare(&mv, &r.view); err != nil {
			msg = err.Error()
		}
	}
	if msg == "" {
		return &gopter.PropResult{Status: gopter.PropTrue}
	}
	return &gopter.PropResult{Status: gopter.PropFalse, Labels: []string{
		fmt.Sprintf("at %s: %s\nevents:\n  %s", r.ev, msg, strings.Join(r.log, "\n  "))}}
}

// gCommands is the commands.Commands of one profile and role.
func gCommands(p spec.Profile, role string, mode gMode, stats *gStats) commands.Commands {
	fixed := []spec.Seq{0, 0xFFFFFF00, 0xFFFFFFFF, 0x7FFFFFF0, 1000}
	return &commands.ProtoCommands{
		InitialStateGen: gopter.CombineGens(gen.UInt64(), gen.IntRange(0, len(fixed)-1), gen.Bool(),
			gen.OneConstOf(1, 0, 2, 3, 8), gen.Bool(), gen.Bool()).Map(func(v []interface{}) *gState {
			s := &gState{p: p, role: role, mode: mode, peerT: 5000, stats: stats,
				cfg: spec.HostConfig{Addr: hostIP, ISNSecret: v[0].(uint64), FixedISS: fixed[v[1].(int)]}}
			if v[5].(bool) {
				s.cfg.Addr = hostIP6
			}
			if mode.invariants {
				is, err := newImpl(p, s.cfg, mode.mutant)
				if err != nil {
					panic(err)
				}
				s.h = is
				s.inv = newInvChecker(p)
			} else {
				s.h = model.MustNew(p, s.cfg)
			}
			s.snap = s.h.Snapshot()
			call := func(c spec.Call) { s.setup = append(s.setup, spec.Event{Kind: spec.EvCall, Call: c}) }
			call(spec.Call{Kind: spec.CallSocket})
			if v[2].(bool) {
				call(spec.Call{Kind: spec.CallSetsockopt, FD: 3, Opt: spec.OptReuseAddr, Val: 1})
			}
			if role == "listen" {
				call(spec.Call{Kind: spec.CallBind, FD: 3, Addr: spec.SockAddr{IP: s.host(), Port: 8080}})
				call(spec.Call{Kind: spec.CallListen, FD: 3, N: int64(v[3].(int))})
			} else {
				if v[4].(bool) {
					call(spec.Call{Kind: spec.CallSetsockopt, FD: 3, Opt: spec.OptNonBlock, Val: 1})
				}
				call(spec.Call{Kind: spec.CallConnect, FD: 3, Addr: spec.SockAddr{IP: s.peerFor(0), Port: 8080}})
			}
			for _, ev := range s.setup {
				s.step(ev)
			}
			s.sOut = append(s.sOut, s.last...)
			return s
		}),
		NewSystemUnderTestFunc: func(st commands.State) commands.SystemUnderTest {
			stats.endRun()
			stats.seqs++
			if mode.invariants {
				return nil
			}
			s := st.(*gState)
			is, err := newImpl(p, s.cfg, mode.mutant)
			if err != nil {
				panic(err)
			}
			u := &gSUT{s: is, h: is, lastSock: s.lastSock}
			var all []spec.Output
			for _, ev := range s.setup {
				u.log = append(u.log, ev.String())
				all = append(all, is.Step(&ev, nil)...)
			}
			if !check.OutputsEqual(all, s.sOut) {
				u.setup = fmt.Sprintf("set-up outputs differ (-model +impl)\n%s", cmp.Diff(s.sOut, all))
			}
			return u
		},
		GenCommandFunc: func(st commands.State) gopter.Gen { return genCommand(st.(*gState)) },
	}
}

// genCommand draws the next command from the state.
func genCommand(s *gState) gopter.Gen {
	return gen.Weighted([]gen.WeightedGen{
		{Weight: 3, Gen: gCmdGen(s, (*gGen).call)},
		{Weight: 10, Gen: gCmdGen(s, (*gGen).drive)},
		{Weight: 4, Gen: gCmdGen(s, (*gGen).segment)},
		{Weight: 3, Gen: gCmdGen(s, (*gGen).reply)},
		{Weight: 1, Gen: gCmdGen(s, (*gGen).replay)},
		{Weight: 2, Gen: gCmdGen(s, (*gGen).advance)},
		{Weight: 3, Gen: gCmdGen(s, (*gGen).deadline)},
		{Weight: 1, Gen: gCmdGen(s, (*gGen).lifecycle)},
	})
}

// gGen builds one command from gopter's random source.
// host is the host's address (IPv4 or IPv6, as the initial state drew).
func (s *gState) host() spec.Addr { return s.cfg.Addr }

// peerFor is the peer for a port: one of two of the host's family, by
// the port's parity (so an IPv6 host numbers peers that come and go).
func (s *gState) peerFor(port uint16) spec.Addr {
	if s.cfg.Addr.Is6() {
		return [2]spec.Addr{peerIP6, peer2IP6}[port&1]
	}
	return [2]spec.Addr{peerIP, spec.IPv4(192, 0, 2, 9)}[port&1]
}

// other is an address of the other family.
func (s *gState) other() spec.Addr {
	if s.cfg.Addr.Is6() {
		return peerIP
	}
	return peerIP6
}

type gGen struct {
	s *gState
	r *rand.Rand
}

func gCmdGen(s *gState, f func(*gGen) *gCmd) gopter.Gen {
	return func(gp *gopter.GenParameters) *gopter.GenResult {
		c := f(&gGen{s: s, r: gp.Rng})
		return gopter.NewGenResult(commands.Command(c), gopter.NoShrinker)
	}
}

func gPick[T any](g *gGen, xs ...T) T { return xs[g.r.Intn(len(xs))] }

// dt is a small delay: mostly none.
func (g *gGen) dt() spec.Time {
	return gPick(g, spec.Time(0), 0, 0, 0, 1, spec.Time(time.Millisecond), spec.Time(50*time.Millisecond), spec.Time(time.Second))
}

func (g *gGen) fd() int32 {
	pool := append([]int32{3, 4, 5, -1, 1023}, g.s.fds...)
	return gPick(g, pool...)
}

func (g *gGen) callCmd(c spec.Call) *gCmd {
	return &gCmd{ev: spec.Event{Kind: spec.EvCall, Call: c}, off: g.dt(), name: "call"}
}

func (g *gGen) segCmd(seg spec.Segment) *gCmd {
	g.ts(&seg)
	g.ws(&seg)
	return &gCmd{ev: spec.Event{Kind: spec.EvSegment, Seg: seg}, off: g.dt(), name: "segment"}
}

// ws gives a peer SYN a Window Scale option half the time: a usual
// shift, none, the largest (14) or one above it (taken as 14).
func (g *gGen) ws(seg *spec.Segment) {
	if seg.Flags&spec.SYN == 0 || g.r.Intn(2) == 0 {
		return
	}
	seg.Opts.WScale = 1 + gPick[uint8](g, 7, 0, 2, 14, 15, 255)
}

// ts gives a peer segment a Timestamps option most of the time: TSval
// near the peer's clock, TSecr the host's last TSval on the tuple.
func (g *gGen) ts(seg *spec.Segment) {
	if g.r.Intn(5) == 0 {
		return
	}
	g.s.peerT += uint32(g.r.Intn(3))
	seg.Opts.HasTS = true
	seg.Opts.TS.Val = g.s.peerT
	switch g.r.Intn(20) {
	case 0, 1:
		seg.Opts.TS.Val-- // old: PAWS
	case 2:
		seg.Opts.TS.Val -= 1 << 31 // ancient
	case 3:
		seg.Opts.TS.Val += 1 << 20 // far ahead (the peer's clock jumps)
		g.s.peerT += 1 << 20
	}
	for i := len(g.s.sent) - 1; i >= 0; i-- {
		if h := &g.s.sent[i]; h.Src == seg.Dst && h.Dst == seg.Src && h.Opts.HasTS {
			seg.Opts.TS.Ecr = h.Opts.TS.Val
			break
		}
	}
}

// call is any socket call, with arguments near the interesting values.
func (g *gGen) call() *gCmd {
	c := spec.Call{Kind: gPick(g, spec.CallRead, spec.CallWrite, spec.CallClose, spec.CallShutdown, spec.CallAccept,
		spec.CallSocket, spec.CallConnect, spec.CallBind, spec.CallListen, spec.CallSetsockopt, spec.CallGetsockopt,
		spec.CallRead, spec.CallClose, spec.CallKind(0), spec.CallKind(99)), FD: g.fd()}
	switch c.Kind {
	case spec.CallBind:
		c.Addr = spec.SockAddr{IP: gPick(g, g.s.host(), spec.Addr{}, spec.IPv4(127, 0, 0, 1)), Port: gPick[uint16](g, 8080, 0, 49152, 49153, 9)}
	case spec.CallConnect:
		c.Addr = spec.SockAddr{IP: gPick(g, g.s.peerFor(0), spec.Addr{}, spec.IPv4(203, 0, 113, 9), g.s.peerFor(1), g.s.other()), Port: gPick[uint16](g, 8080, 8081, 0, 50001)}
	case spec.CallListen:
		c.N = gPick[int64](g, 0, 1, 2, 5, -3)
	case spec.CallRead, spec.CallWrite:
		c.N = gPick[int64](g, 1, 10, 536, 1460, 4000, 65535, 200000, 0, -5)
	case spec.CallShutdown:
		c.How = spec.ShutHow(g.r.Intn(4))
	case spec.CallSetsockopt, spec.CallGetsockopt:
		c.Opt = spec.SockOpt(g.r.Intn(spec.NumOpts + 1))
		c.Val = gPick[int64](g, 0, 1, 1, 2, 100, 1500, -1, 1<<40)
		c.Val2 = gPick[int64](g, 0, 1, 3, -2)
	}
	return g.callCmd(c)
}

// towardTW ranks states by how close an active close has brought them
// to TIME-WAIT.
var towardTW = [spec.NumStates]int{spec.SynSent: 3, spec.SynReceived: 3, spec.Established: 4, spec.FinWait1: 5,
	spec.FinWait2: 6, spec.Closing: 6, spec.CloseWait: 2, spec.LastAck: 2}

// conn picks a connection of the snapshot: mostly the one furthest
// along toward TIME-WAIT (so that runs complete closes and pile up
// TIME-WAIT entries), sometimes a TIME-WAIT entry, sometimes any.
func (g *gGen) conn() *spec.ConnSnap {
	cs := g.s.snap.Conns
	if len(cs) == 0 {
		return nil
	}
	switch g.r.Intn(6) {
	case 0, 1, 2:
		best := -1
		for i := range cs {
			if cs[i].State != spec.TimeWait && (best < 0 || towardTW[cs[i].State] > towardTW[cs[best].State]) {
				best = i
			}
		}
		if best >= 0 {
			return &cs[best]
		}
	case 3:
		var tw []int
		for i := range cs {
			if cs[i].State == spec.TimeWait {
				tw = append(tw, i)
			}
		}
		if len(tw) > 0 {
			return &cs[gPick(g, tw...)]
		}
	}
	return &cs[g.r.Intn(len(cs))]
}

func (g *gGen) peerSeg(c *spec.ConnSnap, flags spec.Flags, seq, ack spec.Seq, n uint32) *gCmd {
	return g.segCmd(spec.Segment{Src: c.Tuple.Remote, Dst: c.Tuple.Local, Flags: flags, Seq: seq, Ack: ack, Len: n,
		Wnd: gPick[uint16](g, 65535, 65535, 65535, 0, 100, 1460, 257, 3)})
}

// drive makes a plausible next move of the peer or the application for a
// connection in its state, or opens a new one.
func (g *gGen) drive() *gCmd {
	c := g.conn()
	if c == nil || g.r.Intn(6) == 0 {
		if g.s.role == "listen" || g.r.Intn(2) == 0 {
			port := gPick[uint16](g, 40000, 40001, 40002, 40003, 40004)
			seg := spec.Segment{Src: spec.SockAddr{IP: g.s.peerFor(port), Port: port},
				Dst: spec.SockAddr{IP: g.s.host(), Port: 8080}, Flags: spec.SYN, Wnd: 65535,
				Seq: gPick[spec.Seq](g, 1, 0x80000000, 0xFFFFFFFE, 777777)}
			seg.Opts.MSS = gPick[uint16](g, 1460, 536, 0, 100)
			seg.Opts.SackOK = g.r.Intn(2) == 0 // the loss probe needs it
			return g.segCmd(seg)
		}
		if len(g.s.fds) > 0 && g.r.Intn(2) == 0 {
			return g.callCmd(spec.Call{Kind: spec.CallConnect, FD: g.s.fds[len(g.s.fds)-1], Addr: spec.SockAddr{IP: g.s.peerFor(0), Port: gPick[uint16](g, 8080, 8081)}})
		}
		return g.callCmd(spec.Call{Kind: spec.CallSocket})
	}
	una, nxt, rcv := c.SndUna, c.SndNxt, c.RcvNxt
	switch c.State {
	case spec.SynSent:
		return g.peerSeg(c, gPick(g, spec.SYN|spec.ACK, spec.SYN|spec.ACK, spec.SYN, spec.RST|spec.ACK, spec.ACK),
			gPick[spec.Seq](g, 424242, 0xFFFFFFFF), nxt, 0)
	case spec.SynReceived:
		f := gPick(g, spec.ACK, spec.ACK, spec.ACK, spec.ACK, spec.FIN|spec.ACK, spec.PSH|spec.ACK, spec.RST, spec.SYN)
		seq := rcv
		if f == spec.SYN {
			seq = c.IRS
		}
		return g.peerSeg(c, f, seq, nxt, map[bool]uint32{true: 20}[f&spec.PSH != 0])
	case spec.TimeWait:
		switch g.r.Intn(7) {
		case 0, 1:
			return g.peerSeg(c, spec.SYN, rcv.Add(gPick[uint32](g, 0, 1, 1000, 1<<31, ^uint32(0))), 0, 0)
		case 2, 3:
			return g.peerSeg(c, spec.FIN|spec.ACK, rcv-1, nxt, 0)
		case 4:
			return g.peerSeg(c, gPick(g, spec.RST, spec.RST|spec.ACK), rcv.Add(gPick[uint32](g, 0, 0, 1, 500, ^uint32(0))), nxt, 0)
		case 5:
			return g.peerSeg(c, gPick(g, spec.ACK, spec.PSH|spec.ACK), rcv.Add(gPick[uint32](g, 0, 1, 70000)), nxt, gPick[uint32](g, 0, 5))
		default:
			return &gCmd{ev: spec.Event{Kind: spec.EvAdvance}, rel: relDeadline, off: gPick[spec.Time](g, -1, 0, 1), name: "tw-edge"}
		}
	}
	if c.FD < 0 && len(g.s.snap.Listeners) > 0 && len(g.s.snap.Listeners[0].Queue) > 0 && g.r.Intn(3) > 0 {
		return g.callCmd(spec.Call{Kind: spec.CallAccept, FD: g.s.snap.Listeners[0].FD})
	}
	if c.FD >= 0 && g.r.Intn(5) < 3 {
		// The application: in ESTABLISHED and CLOSE-WAIT mostly closing
		// (the host closing first is what leads to TIME-WAIT).
		k := gPick(g, spec.CallClose, spec.CallClose, spec.CallClose, spec.CallShutdown, spec.CallWrite, spec.CallWrite, spec.CallRead, spec.CallRead, spec.CallSetsockopt)
		cl := spec.Call{Kind: k, FD: c.FD, How: spec.ShutWR, N: gPick[int64](g, 1, 300, 3000, 100000)}
		if k == spec.CallClose && c.Unread > 0 && g.r.Intn(3) > 0 {
			cl = spec.Call{Kind: spec.CallRead, FD: c.FD, N: 1 << 20} // read it all, then close
		}
		if k == spec.CallSetsockopt {
			cl.Opt = gPick(g, spec.OptLinger, spec.OptUserTimeout, spec.OptUserTimeout, spec.OptLinger2, spec.OptR2, spec.OptNonBlock)
			cl.Val, cl.Val2 = gPick[int64](g, 1, 0, 2, 500), gPick[int64](g, 0, 1, 5)
			if cl.Opt == spec.OptUserTimeout {
				cl.Val = gPick[int64](g, 1, 700, 1500, 3000) // milliseconds
			}
		}
		return g.callCmd(cl)
	}
	if c.State >= spec.FinWait1 && g.r.Intn(2) == 0 {
		// The peer's half of the close: acknowledge our FIN, send its own.
		return g.peerSeg(c, gPick(g, spec.FIN|spec.ACK, spec.FIN|spec.ACK, spec.ACK), rcv, nxt, 0)
	}
	switch g.r.Intn(8) {
	case 0, 1:
		// All, nothing, one octet, or part of what is outstanding.
		part := una.Add(min(nxt.Sub(una)/2, 1460))
		return g.peerSeg(c, spec.ACK, rcv, gPick(g, nxt, nxt, una, una.Add(1), part, part), 0)
	case 2:
		return g.peerSeg(c, spec.FIN|spec.ACK, rcv, gPick(g, nxt, una), 0)
	case 3:
		return g.peerSeg(c, spec.ACK, rcv, nxt, 0)
	case 4:
		return g.peerSeg(c, spec.PSH|spec.ACK, rcv.Add(gPick[uint32](g, 0, 0, 10, 1000)), nxt, gPick[uint32](g, 1, 100, 1460, 3000))
	case 5:
		return g.peerSeg(c, gPick(g, spec.RST, spec.RST|spec.ACK), rcv.Add(gPick[uint32](g, 0, 1, c.RcvWnd-1, c.RcvWnd)), nxt, 0)
	case 6:
		return g.peerSeg(c, gPick(g, spec.SYN, spec.SYN|spec.ACK), rcv.Add(gPick[uint32](g, 0, 5, ^uint32(0), 1<<30)), nxt, 0)
	default:
		return g.peerSeg(c, spec.FIN|spec.PSH|spec.ACK, rcv.Add(gPick[uint32](g, 0, 1, 40)), nxt, gPick[uint32](g, 1, 40))
	}
}

// lifecycle walks one connection from open to TIME-WAIT, the host
// closing first: a handshake, close(2), the peer's FIN acknowledging
// ours. Its numbers and descriptors are read from the host as the walk
// runs, so that runs pile up TIME-WAIT entries (for the TIME-WAIT cap,
// bind and connect over TIME-WAIT) and a shrunk walk stays meaningful.
func (g *gGen) lifecycle() *gCmd {
	c := &gCmd{name: "lifecycle"}
	seg := func(f spec.Flags) spec.Event {
		return spec.Event{Kind: spec.EvSegment, Seg: spec.Segment{Flags: f, Wnd: 65535}}
	}
	call := func(k spec.CallKind) spec.Event { return spec.Event{Kind: spec.EvCall, Call: spec.Call{Kind: k}} }
	if g.s.role == "listen" {
		port := gPick[uint16](g, 41000, 41001, 41002, 41003, 41004, 41005)
		syn := seg(spec.SYN)
		syn.Seg.Src, syn.Seg.Dst = spec.SockAddr{IP: g.s.peerFor(port), Port: port}, spec.SockAddr{IP: g.s.host(), Port: 8080}
		syn.Seg.Seq = spec.Seq(g.r.Uint32())
		syn.Seg.Opts.MSS = 1460
		g.ts(&syn.Seg)
		ack := syn
		ack.Seg.Flags, ack.Seg.Opts.MSS = spec.ACK, 0
		acc := call(spec.CallAccept)
		acc.Call.FD = 3
		fin := ack
		fin.Seg.Flags = spec.FIN | spec.ACK
		c.macro = []gStep{{ev: syn}, {ev: ack, conn: 1, seqRel: true, ackRel: true}, {ev: acc, conn: 1, acceptAll: true},
			{ev: call(spec.CallClose), conn: 1, fdConn: true}, {ev: fin, conn: 1, seqRel: true, ackRel: true}}
		return c
	}
	nb := call(spec.CallSetsockopt)
	nb.Call.Opt, nb.Call.Val = spec.OptNonBlock, 1
	con := call(spec.CallConnect)
	con.Call.Addr = spec.SockAddr{IP: g.s.peerFor(0), Port: gPick[uint16](g, 8080, 8081, 8082)}
	synack := seg(spec.SYN | spec.ACK)
	synack.Seg.Seq = spec.Seq(g.r.Uint32())
	synack.Seg.Opts.MSS = 1460
	g.ts(&synack.Seg)
	fin := seg(spec.FIN | spec.ACK)
	fin.Seg.Opts = synack.Seg.Opts
	fin.Seg.Opts.MSS = 0
	c.macro = []gStep{{ev: call(spec.CallSocket)}, {ev: nb, fdSock: true}, {ev: con, fdSock: true},
		{ev: synack, conn: 2, ackRel: true}, {ev: call(spec.CallClose), fdSock: true, conn: 2},
		{ev: fin, conn: 2, seqRel: true, ackRel: true}}
	return c
}

// segment is any segment for a known or made-up tuple, numbered around
// the connection's sequence space.
func (g *gGen) segment() *gCmd {
	local := spec.SockAddr{IP: g.s.host(), Port: 8080}
	tuples := []spec.FourTuple{
		{Local: local, Remote: spec.SockAddr{IP: g.s.peerFor(0), Port: 40000}},
		{Local: local, Remote: spec.SockAddr{IP: g.s.peerFor(40009), Port: 40009}},
		{Local: local, Remote: spec.SockAddr{IP: g.s.other(), Port: 40000}},
		{Local: spec.SockAddr{IP: g.s.host(), Port: 49152}, Remote: spec.SockAddr{IP: g.s.peerFor(0), Port: 8080}},
		{Local: spec.SockAddr{IP: g.s.host(), Port: 7}, Remote: spec.SockAddr{IP: g.s.peerFor(0), Port: 40000}},
		{Local: spec.SockAddr{IP: spec.IPv4(10, 1, 1, 1), Port: 8080}, Remote: spec.SockAddr{IP: g.s.peerFor(0), Port: 40000}},
		{Local: local, Remote: spec.SockAddr{IP: g.s.peerFor(0)}},
	}
	for _, c := range g.s.snap.Conns {
		tuples = append(tuples, c.Tuple, c.Tuple)
	}
	tu := gPick(g, tuples...)
	var rcv, nxt spec.Seq
	wnd := g.s.p.RecvBuf
	for _, c := range g.s.snap.Conns {
		if c.Tuple == tu {
			rcv, nxt = c.RcvNxt, c.SndNxt
			if c.State != spec.TimeWait {
				wnd = c.RcvWnd
			}
		}
	}
	seg := spec.Segment{Src: tu.Remote, Dst: tu.Local, Wnd: gPick[uint16](g, 65535, 0, 1, 2000, 257),
		Flags: spec.Flags(g.r.Intn(64)),
		Seq:   rcv.Add(gPick[uint32](g, 0, 0, 1, ^uint32(0), wnd, wnd-1, wnd+1, 1<<31, 1<<31-1, 70000)),
		Ack:   nxt.Add(gPick[uint32](g, 0, 0, 1, ^uint32(0), 1<<31, 1<<31+1, ^uint32(0)-70000)),
		Len:   gPick[uint32](g, 0, 0, 0, 1, 99, 1460, wnd, wnd+1, 65535, 65536)}
	if g.r.Intn(2) == 0 {
		seg.Flags = gPick(g, spec.ACK, spec.ACK|spec.PSH, spec.FIN|spec.ACK, spec.RST, spec.RST|spec.ACK, spec.SYN, spec.SYN|spec.ACK)
	}
	if seg.Flags&spec.SYN != 0 {
		seg.Opts.MSS = gPick[uint16](g, 0, 1460, 1, 65535)
		seg.Opts.SackOK = g.r.Intn(2) == 0
	}
	return g.segCmd(seg)
}

// reply answers a segment the host sent, as a live peer would.
func (g *gGen) reply() *gCmd {
	if len(g.s.sent) == 0 {
		return g.advance()
	}
	h := gPick(g, g.s.sent...)
	r := spec.Segment{Src: h.Dst, Dst: h.Src, Wnd: 65535, Seq: h.Ack, Ack: h.End()}
	switch {
	case h.Flags&spec.RST != 0:
		return g.replay()
	case h.Flags&(spec.SYN|spec.ACK) == spec.SYN:
		r.Flags = gPick(g, spec.SYN|spec.ACK, spec.SYN|spec.ACK, spec.SYN)
		r.Seq = gPick[spec.Seq](g, 31337, 0x7FFFFFFF, 0xFFFFFFF0)
		r.Opts.MSS = gPick[uint16](g, 1460, 536)
	default:
		r.Flags = gPick(g, spec.ACK, spec.ACK, spec.FIN|spec.ACK, spec.PSH|spec.ACK, spec.RST)
		if r.Flags&spec.PSH != 0 {
			r.Len = gPick[uint32](g, 1, 200, 1460)
		}
	}
	return g.segCmd(r)
}

// replay sends a segment the host sent back to it (a reflection).
func (g *gGen) replay() *gCmd {
	if len(g.s.sent) == 0 {
		return g.advance()
	}
	h := gPick(g, g.s.sent...)
	h.Src, h.Dst = h.Dst, h.Src
	return &gCmd{ev: spec.Event{Kind: spec.EvSegment, Seg: h}, off: g.dt(), name: "replay"}
}

func (g *gGen) advance() *gCmd {
	d := gPick(g, time.Millisecond, 300*time.Millisecond, time.Second, 5*time.Second, 30*time.Second, 61*time.Second, 121*time.Second, 241*time.Second)
	return &gCmd{ev: spec.Event{Kind: spec.EvAdvance}, off: spec.Time(d), name: "advance"}
}

// deadline advances to the next deadline, one nanosecond before it, or
// one after; sometimes a segment arrives at that instant instead.
func (g *gGen) deadline() *gCmd {
	c := &gCmd{ev: spec.Event{Kind: spec.EvAdvance}, rel: relDeadline, off: gPick[spec.Time](g, -1, 0, 1), name: "deadline"}
	if g.r.Intn(4) == 0 {
		if cs := g.conn(); cs != nil {
			c.ev = spec.Event{Kind: spec.EvSegment, Seg: spec.Segment{Src: cs.Tuple.Remote, Dst: cs.Tuple.Local,
				Flags: gPick(g, spec.ACK, spec.FIN|spec.ACK), Seq: cs.RcvNxt, Ack: cs.SndNxt, Wnd: 65535}}
		}
	}
	return c
}

// gRun runs the gopter property of one profile and role and returns its
// result and counters.
func gRun(p spec.Profile, role string, mode gMode, seed int64, tests, maxLen int) (*gopter.TestResult, *gStats) {
	stats := &gStats{cov: map[spec.RuleID]int{}}
	params := gopter.DefaultTestParametersWithSeed(seed)
	params.MinSuccessfulTests = tests
	params.MaxSize = maxLen
	params.MaxShrinkCount = 400
	cmds := gCommands(p, role, mode, stats)
	prop := commands.Prop(cmds)
	res := prop.Check(params)
	stats.endRun()
	return res, stats
}

// gReport formats a failed result for people.
func gReport(res *gopter.TestResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s after %d passed sequences", res.Status, res.Succeeded)
	for _, l := range res.Labels {
		fmt.Fprintf(&b, "\n%s", l)
	}
	if res.Error != nil {
		fmt.Fprintf(&b, "\nerror: %v\n%s", res.Error, res.ErrorStack)
	}
	for _, a := range res.Args {
		fmt.Fprintf(&b, "\nshrunk counterexample (%d shrinks): %v", a.Shrinks, a.Arg)
	}
	return b.String()
}

// TestImplAgreesWithModelGopter is the model-vs-implementation agreement
// property driven by gopter's commands package, for every profile (and
// the variants of agreeProfiles) and both roles.
func TestImplAgreesWithModelGopter(t *testing.T) {
	seed := gopterSeed(t)
	tests, maxLen := gopterSizes()
	t.Logf("gopter seed %d (TCPCLOSE_GOPTER_SEED=%d replays it)", seed, seed)
	start := time.Now()
	var seqs, steps int
	cov := map[spec.RuleID]int{}
	overflow, failed := false, false
	for _, p := range agreeProfiles(t) {
		for _, role := range []string{"listen", "connect"} {
			t.Run(p.Name+"/"+role, func(t *testing.T) {
				res, st := gRun(p, role, gMode{}, seed, tests, maxLen)
				seqs += st.seqs
				steps += st.steps
				overflow = overflow || st.overflow
				for r, n := range st.cov {
					cov[r] += n
				}
				if !res.Passed() {
					failed = true
					t.Errorf("%s\nreplay: TCPCLOSE_GOPTER_SEED=%d go test ./props -run 'TestImplAgreesWithModelGopter/%s/%s'",
						gReport(res), seed, p.Name, role)
				}
			})
		}
	}
	el := time.Since(start)
	t.Logf("gopter: %d sequences, %d steps (generation, shrinking and replays included) in %s: %.0f sequences/s",
		seqs, steps, el.Round(time.Millisecond), float64(seqs)/el.Seconds())
	if failed || testing.Short() {
		return
	}
	// Reach: the behaviour that differs between profiles, TIME-WAIT above
	// all, must keep being exercised.
	for _, r := range []spec.RuleID{
		"R9293-MAY2-ISS", "R9293-MAY2-RETURN", "R6191-TS", "R6191-DROP", "R1337-F1", "R1337-TWA", "R5961-RST-OOW",
		"R5961-RST-CHALLENGE", "R5961-THROTTLE", "R7323-PAWS", "R9293-TO-TW", "AMB-TW-FIN", "R9293-SEG-ACK-TW",
		"R9293-SEG-FIN-TW", "R9293-CLOSE-SIMULTANEOUS", "R9293-SHLD3", "R9293-MUST20", "AMB-FW2-TIMER",
		"R9293-SEG-SYN-CHALLENGE", "R9293-SEG-SYN-793", "R6298-BACKOFF", "R9293-TO-USER",
	} {
		if cov[r] == 0 {
			t.Errorf("no gopter sequence exercised %s: the generator lost its reach", r)
		}
	}
	if !overflow {
		t.Errorf("no gopter sequence overflowed MaxTimeWait")
	}
}
