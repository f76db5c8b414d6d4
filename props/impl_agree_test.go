package props

import (
	"flag"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/tcpclose/tcpclose/check"
	"github.com/tcpclose/tcpclose/impl"
	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/spec"
)

// The differential test: random event sequences run through model.Host
// (the oracle) and impl.Stack; outputs, snapshots, clocks and deadlines
// must agree after every step. TCPCLOSE_LONG=1 runs many more and longer
// sequences.

var (
	hostIP = spec.IPv4(192, 168, 0, 1)
	peerIP = spec.IPv4(192, 0, 2, 1)
	// The IPv6 host and peers (packetdrill's IPv6 defaults, and a
	// second peer so that IPv6 hosts number several peers).
	hostIP6  = spec.AddrFromNetip(netip.MustParseAddr("fd3d:fa7b:d17d::36"))
	peerIP6  = spec.AddrFromNetip(netip.MustParseAddr("fd3d:fa7b:d17d:8888::1"))
	peer2IP6 = spec.AddrFromNetip(netip.MustParseAddr("2001:db8::7"))
)

// agreeProfiles is every built-in profile plus variants that reach
// behaviour the built-in values leave dormant: a TIME-WAIT cap of one,
// abort entering TIME-WAIT, tcp_tw_reuse, small buffers and windows.
func agreeProfiles(t testing.TB) []spec.Profile {
	var ps []spec.Profile
	for _, n := range spec.ProfileNames() {
		ps = append(ps, spec.MustProfile(n))
	}
	variant := func(base, name string, kv ...string) {
		p := spec.MustProfile(base)
		p.Name = name
		for i := 0; i < len(kv); i += 2 {
			if err := p.SetField(kv[i], kv[i+1]); err != nil {
				t.Fatalf("variant %s: %v", name, err)
			}
		}
		ps = append(ps, p)
	}
	variant("linux", "linux-tiny", "MaxTimeWait", "1", "RecvBuf", "3000", "SendBuf", "3000",
		"TimeWaitReuseAfter", "1s", "MaxHeldRanges", "2", "MSS", "1000", "TimeWait", "1000s")
	variant("rfc9293", "rfc9293-odd", "AbortEntersTimeWait", "true", "ClosingStartsTimeWait", "false",
		"ListenBacklogDrop", "false", "CloseSynSentSendsRST", "true", "RecvBuf", "2000", "MaxHeldRanges", "1",
		"MaxTimeWait", "2", "OOWAckInterval", "300ms", "ConnectOverTimeWait", "reuse-with-ts",
		"BindTimeWaitNeedsBothReuse", "true", "TimeWait", "600s", "EphemeralHigh", "49154")
	variant("smoltcp", "smoltcp-793", "SynInSync", "rfc793", "TimeWaitRST", "exact-only",
		"TimeWait", "30s", "R2", "3", "SendBuf", "1500", "HoldOutOfOrder", "false")
	// Every timer choice on, with values unlike Linux's: a coarse clock,
	// long delayed ACKs, one quick ACK, a short probe allowance.
	variant("rfc9293", "rfc9293-timers", "RTOFormula", "linux", "TimerGranularity", "10ms", "SynLinearTimeouts", "2",
		"SynTimeoutFallback", "false", "RTTFromTimestamps", "false", "LossProbe", "true", "LossProbeAllowance", "50ms",
		"AckDelay", "100ms", "AckDelayMax", "150ms", "QuickAcks", "1", "FinPingpong", "true", "SynSentQueuesText", "false")
	variant("freebsd", "freebsd-zero", "RecvBuf", "1", "ZeroLenEdgeAcceptable", "true", "MaxHeldRanges", "0",
		"TimeWaitRestart", "on-ack", "OOWAckInterval", "1ms", "TimeWait", "0s",
		"AckOutOfOrder", "false", "TimeWaitReopen", "linux", "Timestamps", "true", "TSMissingDrop", "true")
	// Window scaling with a buffer beyond 16 bits, a small shift (so the
	// field saturates) and acceptance up to the free buffer.
	variant("rfc9293", "rfc9293-wscale", "WindowScale", "true", "WindowShift", "2", "RecvBuf", "300000",
		"AcceptBeyondAdvertised", "true", "MaxHeldRanges", "2", "RecvBufRoundMSS", "true")
	return ps
}

func TestImplAgreesWithModel(t *testing.T) {
	checks, steps := 150, 200
	if os.Getenv("TCPCLOSE_LONG") == "1" {
		checks, steps = 5000, 500
	}
	restore := setRapidDefaults(map[string]string{"rapid.checks": fmt.Sprint(checks), "rapid.steps": fmt.Sprint(steps)})
	defer restore()
	cov := map[spec.RuleID]int{}
	overflow := false
	ran, total := 0, 0
	for _, p := range agreeProfiles(t) {
		for _, role := range []string{"listen", "connect"} {
			total++
			t.Run(p.Name+"/"+role, rapid.MakeCheck(func(rt *rapid.T) {
				ran++
				a := newAgree(rt, p, role)
				a.cov = cov
				rt.Repeat(a.actions())
				overflow = overflow || a.snap.TimeWaitOverflow > 0
			}))
		}
	}
	if t.Failed() || ran < total || testing.Short() {
		return
	}
	// The generator must keep reaching the TIME-WAIT behaviour that
	// differs between profiles; each of these fires dozens of times in a
	// default run.
	for _, r := range []spec.RuleID{
		"R9293-MAY2-ISS", "R6191-TS", "R6191-DROP", "AMB-REOPEN-NOLISTEN", "R1337-F1", "R1337-TWA",
		"R5961-RST-OOW", "R5961-RST-CHALLENGE", "R5961-THROTTLE", "R7323-PAWS", "R9293-TO-TW", "AMB-TW-FIN",
		"R9293-SEG-ACK-TW", "R1122-TIMEWAIT", "R9293-NOTE3", "R9293-SEG-FIN-TW", "R9293-CLOSE-SIMULTANEOUS",
	} {
		if cov[r] == 0 {
			t.Errorf("no sequence exercised %s: the generator lost its reach", r)
		}
	}
	if !overflow {
		t.Errorf("no sequence overflowed MaxTimeWait")
	}
}

// setRapidDefaults sets rapid flags the user did not set on the command
// line (or through RAPID_* variables), and returns a function restoring
// them.
func setRapidDefaults(vals map[string]string) func() {
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var undo []func()
	for name, v := range vals {
		env := "RAPID_" + strings.ToUpper(strings.TrimPrefix(name, "rapid."))
		f := flag.Lookup(name)
		if f == nil || set[name] || os.Getenv(env) != "" {
			continue
		}
		old := f.Value.String()
		if f.Value.Set(v) == nil {
			undo = append(undo, func() { _ = f.Value.Set(old) })
		}
	}
	return func() {
		for _, u := range undo {
			u()
		}
	}
}

type agree struct {
	t    *rapid.T
	p    spec.Profile
	role string
	// m is the host the generator reads: the model, or a lone impl; s is
	// the implementation compared with m (nil in single-host runs); check
	// is an extra per-step check (invariants), "" when the step is fine.
	m       spec.Host
	s       *impl.Stack
	check   func(ev spec.Event, out []spec.Output, snap *spec.HostSnap) string
	snap    spec.HostSnap
	mem     check.Memory // what the host sent and returned lately
	peerTS  uint32
	log     []string
	steps   int
	setup   int                 // steps of the opening calls
	cov     map[spec.RuleID]int // rules the model applied
	lastOut []spec.Output       // the model's outputs of the last step
	// The host's address and the peers': IPv4 or IPv6 as drawn, and an
	// address of the other family (connect fails, segments are dropped).
	hostIP, peerIP, peer2IP, otherIP spec.Addr
}

func newAgree(t *rapid.T, p spec.Profile, role string) *agree {
	return newAgreeWith(t, p, role, agreeOpts{})
}

// agreeOpts vary the agreement run: a mutant implementation, one host
// alone (for invariant runs), a per-step check.
type agreeOpts struct {
	mutant impl.Mutant
	// single runs one host: "model" or "impl" (the latter with mutant);
	// "" runs the model against the implementation.
	single string
	check  func(ev spec.Event, out []spec.Output, snap *spec.HostSnap) string
}

func newAgreeWith(t *rapid.T, p spec.Profile, role string, o agreeOpts) *agree {
	v6 := rapid.Bool().Draw(t, "ipv6")
	host, peer, peer2, other := hostIP, peerIP, spec.IPv4(192, 0, 2, 9), peerIP6
	if v6 {
		host, peer, peer2, other = hostIP6, peerIP6, peer2IP6, peerIP
	}
	cfg := spec.HostConfig{
		Addr:      host,
		ISNSecret: rapid.Uint64().Draw(t, "isnSecret"),
		FixedISS:  rapid.SampledFrom([]spec.Seq{0, 0xFFFFFF00, 0xFFFFFFFF, 0x7FFFFFF0, 1000}).Draw(t, "fixedISS"),
	}
	var m spec.Host
	var s *impl.Stack
	if o.single != "impl" {
		mh, err := model.New(p, cfg)
		if err != nil {
			t.Fatalf("model.New: %v", err)
		}
		m = mh
	}
	if o.single != "model" {
		is, err := newImpl(p, cfg, o.mutant)
		if err != nil {
			t.Fatalf("impl.New: %v", err)
		}
		s = is
	}
	if o.single == "impl" {
		m, s = s, nil
	}
	a := &agree{t: t, p: p, role: role, m: m, s: s, check: o.check, mem: check.NewMemory(), peerTS: 1000,
		hostIP: host, peerIP: peer, peer2IP: peer2, otherIP: other}
	a.snap = m.Snapshot()
	// Open the scene for the role: a listener on 8080 or a connect.
	a.call(spec.Call{Kind: spec.CallSocket})
	if rapid.Bool().Draw(t, "reuseFirst") {
		a.call(spec.Call{Kind: spec.CallSetsockopt, FD: 3, Opt: spec.OptReuseAddr, Val: 1})
	}
	if role == "listen" {
		a.call(spec.Call{Kind: spec.CallBind, FD: 3, Addr: spec.SockAddr{IP: a.hostIP, Port: 8080}})
		a.call(spec.Call{Kind: spec.CallListen, FD: 3, N: int64(rapid.SampledFrom([]int{1, 0, 2, 3, 8}).Draw(t, "backlog"))})
	} else {
		if rapid.Bool().Draw(t, "nonblockFirst") {
			a.call(spec.Call{Kind: spec.CallSetsockopt, FD: 3, Opt: spec.OptNonBlock, Val: 1})
		}
		a.call(spec.Call{Kind: spec.CallConnect, FD: 3, Addr: spec.SockAddr{IP: a.peerIP, Port: 8080}})
	}
	a.setup = a.steps
	return a
}

func (a *agree) actions() map[string]func(*rapid.T) {
	return map[string]func(*rapid.T){
		"call":     a.actCall,
		"drive":    a.actDrive,
		"drive2":   a.actDrive,
		"drive3":   a.actDrive,
		"drive4":   a.actDrive,
		"segment":  a.actSegment,
		"segment2": a.actSegment, // twice the weight
		"reply":    a.actReply,
		"replay":   a.actReplay,
		"advance":  a.actAdvance,
		"deadline": a.actDeadline,
		"bogus":    a.actBogus,
		"life":     a.actLifecycle,
	}
}

// step runs ev through both hosts and compares everything observable.
func (a *agree) step(ev spec.Event) {
	a.steps++
	a.log = append(a.log, ev.String())
	if a.s == nil {
		mo := a.m.Step(&ev, nil)
		a.observe(ev, mo, a.m.Snapshot())
		return
	}
	v, err := check.Agree(a.m, a.s, &ev)
	if err != nil {
		a.fail("step %d (%s): %v", a.steps, ev, err)
	}
	a.observe(ev, v.Out, v.Snap)
}

// observe runs the per-step check and records what the generator reads
// from the step: the snapshot, the outputs, rules, segments, descriptors.
func (a *agree) observe(ev spec.Event, mo []spec.Output, ms spec.HostSnap) {
	if a.check != nil {
		if msg := a.check(ev, mo, &ms); msg != "" {
			a.fail("step %d (%s): %s", a.steps, ev, msg)
		}
	}
	a.snap = ms
	a.lastOut = mo
	if f, ok := a.m.(interface{ Fired() []spec.RuleID }); ok && a.cov != nil {
		for _, r := range f.Fired() {
			a.cov[r]++
		}
	}
	a.mem.Observe(mo)
}

func (a *agree) fail(format string, args ...any) {
	a.t.Fatalf("profile %s, role %s: %s\nevents:\n  %s", a.p.Name, a.role, fmt.Sprintf(format, args...),
		strings.Join(a.log, "\n  "))
}

// at draws the time of the next event: mostly now, sometimes a little
// later, rarely in the past (taken as now).
func (a *agree) at(t *rapid.T) spec.Time {
	now := a.m.Now()
	d := rapid.SampledFrom([]time.Duration{0, 0, 0, 1, time.Millisecond, 100 * time.Millisecond, time.Second, -5}).Draw(t, "dt")
	return now.Add(d)
}

func (a *agree) call(c spec.Call) {
	a.step(spec.Event{Kind: spec.EvCall, At: a.m.Now(), Call: c})
}

func (a *agree) drawFD(t *rapid.T) int32 {
	pool := []int32{3, 4, 5}
	pool = append(pool, a.mem.FDs...)
	pool = append(pool, -1, 1023, 7)
	return rapid.SampledFrom(pool).Draw(t, "fd")
}

func (a *agree) actCall(t *rapid.T) {
	kinds := []spec.CallKind{spec.CallRead, spec.CallWrite, spec.CallClose, spec.CallAccept, spec.CallShutdown,
		spec.CallSocket, spec.CallConnect, spec.CallBind, spec.CallListen, spec.CallSetsockopt,
		spec.CallGetsockopt, spec.CallRead, spec.CallWrite, spec.CallClose, spec.CallNone, spec.CallKind(40)}
	c := spec.Call{Kind: rapid.SampledFrom(kinds).Draw(t, "call"), FD: a.drawFD(t)}
	switch c.Kind {
	case spec.CallBind:
		c.Addr = spec.SockAddr{
			IP:   rapid.SampledFrom([]spec.Addr{a.hostIP, {}, spec.IPv4(10, 0, 0, 1)}).Draw(t, "bindIP"),
			Port: rapid.SampledFrom([]uint16{8080, 0, 8081, 49152, 32768}).Draw(t, "bindPort"),
		}
	case spec.CallConnect:
		c.Addr = spec.SockAddr{
			IP:   rapid.SampledFrom([]spec.Addr{a.peerIP, {}, spec.IPv4(198, 51, 100, 7), a.peer2IP, a.otherIP}).Draw(t, "connIP"),
			Port: rapid.SampledFrom([]uint16{8080, 8081, 0, 50000}).Draw(t, "connPort"),
		}
	case spec.CallListen:
		c.N = rapid.SampledFrom([]int64{1, 0, 2, -1, 100}).Draw(t, "backlog")
	case spec.CallRead, spec.CallWrite:
		c.N = rapid.SampledFrom([]int64{100, 1, 0, 1460, 3000, 70000, -1, 1 << 40}).Draw(t, "n")
	case spec.CallShutdown:
		c.How = spec.ShutHow(rapid.IntRange(0, 3).Draw(t, "how"))
	case spec.CallSetsockopt, spec.CallGetsockopt:
		c.Opt = spec.SockOpt(rapid.IntRange(0, spec.NumOpts).Draw(t, "opt"))
		c.Val = rapid.SampledFrom([]int64{1, 0, 2, 500, 3000, -1, 1 << 62}).Draw(t, "val")
		c.Val2 = rapid.SampledFrom([]int64{0, 1, 2, -1}).Draw(t, "val2")
	}
	a.step(spec.Event{Kind: spec.EvCall, At: a.at(t), Call: c})
}

// peerTuples are the tuples the peer may use: existing connections first
// (from the model's snapshot), then fresh ones.
func (a *agree) drawTuple(t *rapid.T) (spec.FourTuple, *spec.ConnSnap) {
	var opts []spec.FourTuple
	for i := range a.snap.Conns {
		opts = append(opts, a.snap.Conns[i].Tuple)
	}
	local := spec.SockAddr{IP: a.hostIP, Port: 8080}
	opts = append(opts,
		spec.FourTuple{Local: local, Remote: spec.SockAddr{IP: a.peerIP, Port: 50000}},
		spec.FourTuple{Local: local, Remote: spec.SockAddr{IP: a.peerIP, Port: 50001}},
		spec.FourTuple{Local: local, Remote: spec.SockAddr{IP: a.peerIP, Port: 50002}},
		spec.FourTuple{Local: spec.SockAddr{IP: a.hostIP, Port: 9}, Remote: spec.SockAddr{IP: a.peerIP, Port: 50000}},
		spec.FourTuple{Local: spec.SockAddr{IP: spec.IPv4(10, 9, 9, 9), Port: 8080}, Remote: spec.SockAddr{IP: a.peerIP, Port: 50000}},
		spec.FourTuple{Local: local, Remote: spec.SockAddr{IP: a.peerIP, Port: 0}},
		spec.FourTuple{Local: local, Remote: spec.SockAddr{IP: a.peer2IP, Port: 50000}},
		spec.FourTuple{Local: local, Remote: spec.SockAddr{IP: a.peer2IP, Port: 50001}},
		spec.FourTuple{Local: local, Remote: spec.SockAddr{IP: a.otherIP, Port: 50000}},
	)
	tu := rapid.SampledFrom(opts).Draw(t, "tuple")
	for i := range a.snap.Conns {
		if a.snap.Conns[i].Tuple == tu {
			return tu, &a.snap.Conns[i]
		}
	}
	return tu, nil
}

var flagSets = []spec.Flags{
	spec.ACK, spec.FIN | spec.ACK, spec.PSH | spec.ACK, spec.RST, spec.SYN, spec.SYN | spec.ACK,
	spec.RST | spec.ACK, spec.FIN, 0, spec.SYN | spec.FIN, spec.SYN | spec.RST, spec.FIN | spec.PSH | spec.ACK,
	spec.SYN | spec.FIN | spec.RST | spec.ACK, spec.URG | spec.ACK,
}

func (a *agree) actSegment(t *rapid.T) {
	tu, cs := a.drawTuple(t)
	var rcvNxt, sndNxt, sndUna spec.Seq
	wnd := uint32(a.p.RecvBuf)
	if cs != nil {
		rcvNxt, sndNxt, sndUna = cs.RcvNxt, cs.SndNxt, cs.SndUna
		if cs.State != spec.TimeWait {
			wnd = cs.RcvWnd
		}
	} else {
		rcvNxt = spec.Seq(rapid.SampledFrom([]uint32{5000, 0xFFFFFFF0, 0x7FFFFFFF, 0}).Draw(t, "peerISS"))
	}
	seqOff := rapid.SampledFrom([]uint32{0, 0, 1, ^uint32(0), wnd, wnd - 1, wnd + 1, 100, 1 << 31, 0xFFFF0000, 2, 65537}).Draw(t, "seqOff")
	seg := spec.Segment{
		Src:   tu.Remote,
		Dst:   tu.Local,
		Flags: rapid.SampledFrom(flagSets).Draw(t, "flags"),
		Seq:   rcvNxt.Add(seqOff),
	}
	if rapid.IntRange(0, 20).Draw(t, "randomFlags") == 0 {
		seg.Flags = spec.Flags(rapid.IntRange(0, 63).Draw(t, "flagBits"))
	}
	ackBase := rapid.SampledFrom([]spec.Seq{sndNxt, sndUna, sndNxt, spec.Seq(rapid.Uint32().Draw(t, "rawAck"))}).Draw(t, "ackBase")
	seg.Ack = ackBase.Add(rapid.SampledFrom([]uint32{0, 1, ^uint32(0), 1 << 31, 65536, ^uint32(65535)}).Draw(t, "ackOff"))
	seg.Len = rapid.SampledFrom([]uint32{0, 0, 0, 1, 10, 1000, 1460, wnd, wnd + 1, 65535, 65536}).Draw(t, "len")
	seg.Wnd = rapid.SampledFrom([]uint16{65535, 0, 1, 1000, 3000, 257}).Draw(t, "wnd")
	if seg.Flags&spec.SYN != 0 && rapid.Bool().Draw(t, "mss") {
		seg.Opts.MSS = rapid.SampledFrom([]uint16{1460, 536, 1, 9000}).Draw(t, "mssVal")
	}
	if seg.Flags&spec.SYN != 0 {
		seg.Opts.SackOK = rapid.Bool().Draw(t, "sackOK") // the loss probe needs it
	}
	a.tsOpt(t, &seg)
	wsOpt(t, &seg)
	a.inject(t, seg)
}

// tsOpt gives seg a Timestamps option most of the time, with TSval
// around what the host last echoed.
func (a *agree) tsOpt(t *rapid.T, seg *spec.Segment) {
	if rapid.IntRange(0, 4).Draw(t, "hasTS") == 0 {
		return
	}
	a.peerTS += uint32(rapid.IntRange(0, 3).Draw(t, "tsTick"))
	ecr := a.mem.HostTS[seg.Tuple()]
	seg.Opts.HasTS = true
	seg.Opts.TS = spec.Timestamp{
		Val: rapid.SampledFrom([]uint32{a.peerTS, a.peerTS - 1, a.peerTS + 1, a.peerTS - 1<<31, 0, a.peerTS + 1<<30}).Draw(t, "tsval"),
		Ecr: ecr,
	}
}

// wsOpt gives a SYN a Window Scale option half the time: a usual shift,
// none, the largest (14) or one above it (taken as 14, RFC 7323 §2.3).
func wsOpt(t *rapid.T, seg *spec.Segment) {
	if seg.Flags&spec.SYN == 0 || rapid.Bool().Draw(t, "hasWS") {
		return
	}
	seg.Opts.WScale = 1 + rapid.SampledFrom([]uint8{7, 0, 2, 14, 15, 255}).Draw(t, "wscale")
}

func (a *agree) inject(t *rapid.T, seg spec.Segment) {
	a.mem.Inject(seg)
	a.step(spec.Event{Kind: spec.EvSegment, At: a.at(t), Seg: seg})
}

// actReply plays the peer plausibly: it answers a segment the host sent,
// acknowledging it and perhaps sending data or its own FIN, so runs reach
// every state.
func (a *agree) actReply(t *rapid.T) {
	if len(a.mem.Sent) == 0 {
		return
	}
	h := rapid.SampledFrom(a.mem.Sent).Draw(t, "replyTo")
	r := spec.Segment{Src: h.Dst, Dst: h.Src, Wnd: 65535}
	switch {
	case h.Flags&spec.RST != 0:
		return
	case h.Flags&(spec.SYN|spec.ACK) == spec.SYN:
		r.Flags = spec.SYN | spec.ACK
		r.Seq = spec.Seq(rapid.SampledFrom([]uint32{7000, 0xFFFFFFFF, 0x80000000}).Draw(t, "peerISS"))
		r.Ack = h.Seq.Add(1)
		r.Opts.MSS = 1460
		if rapid.IntRange(0, 5).Draw(t, "simOpen") == 0 {
			r.Flags = spec.SYN // simultaneous open
		}
		r.Wnd = rapid.SampledFrom([]uint16{65535, 1000}).Draw(t, "synAckWnd")
		wsOpt(t, &r)
	default:
		r.Seq = h.Ack
		for i := range a.snap.Conns {
			if c := &a.snap.Conns[i]; c.Tuple == r.Tuple() && c.State != spec.SynSent {
				r.Seq = c.RcvNxt
			}
		}
		r.Ack = h.End()
		r.Flags = rapid.SampledFrom([]spec.Flags{spec.ACK, spec.FIN | spec.ACK, spec.PSH | spec.ACK, spec.RST, spec.RST | spec.ACK}).Draw(t, "replyFlags")
		if r.Flags&spec.PSH != 0 {
			r.Len = rapid.SampledFrom([]uint32{100, 1, 1460, 4000}).Draw(t, "replyLen")
		}
	}
	a.tsOpt(t, &r)
	if r.Opts.HasTS && h.Opts.HasTS {
		r.Opts.TS.Ecr = h.Opts.TS.Val
	}
	a.inject(t, r)
}

// actReplay sends again a segment the peer sent before (a duplicate), or
// reflects one the host sent.
func (a *agree) actReplay(t *rapid.T) {
	pool := append([]spec.Segment(nil), a.mem.Injected...)
	for _, s := range a.mem.Sent {
		s.Src, s.Dst = s.Dst, s.Src
		pool = append(pool, s)
	}
	if len(pool) == 0 {
		return
	}
	a.inject(t, rapid.SampledFrom(pool).Draw(t, "replayed"))
}

func (a *agree) actAdvance(t *rapid.T) {
	d := rapid.SampledFrom([]time.Duration{time.Millisecond, 200 * time.Millisecond, time.Second, 3 * time.Second,
		10 * time.Second, 60 * time.Second, 240 * time.Second, 1}).Draw(t, "advance")
	a.step(spec.Event{Kind: spec.EvAdvance, At: a.m.Now().Add(d)})
}

// actDeadline advances to the next armed deadline, one nanosecond before
// it or one after.
func (a *agree) actDeadline(t *rapid.T) {
	d := a.m.NextDeadline()
	if d == spec.Never {
		return
	}
	off := rapid.SampledFrom([]spec.Time{0, -1, 1}).Draw(t, "deadlineOff")
	ev := spec.Event{Kind: spec.EvAdvance, At: d + off}
	if rapid.IntRange(0, 3).Draw(t, "deadlineWithSegment") == 0 {
		// Something arrives exactly as the timer is due.
		tu, _ := a.drawTuple(t)
		ev = spec.Event{Kind: spec.EvSegment, At: d + off, Seg: spec.Segment{Src: tu.Remote, Dst: tu.Local, Flags: spec.ACK}}
	}
	a.step(ev)
}

// actDrive makes the natural next move for a connection in its state: the
// peer's half of the handshake and of the close, the application's
// accept, write, shutdown and close, and in TIME-WAIT the segments whose
// handling differs between profiles (reopening SYNs, RSTs, retransmitted
// FINs).
func (a *agree) actDrive(t *rapid.T) {
	n := len(a.snap.Conns)
	if n == 0 || rapid.IntRange(0, 6).Draw(t, "fresh") == 0 {
		if a.role == "listen" || rapid.Bool().Draw(t, "freshInbound") {
			port := rapid.SampledFrom([]uint16{50000, 50001, 50002, 50003}).Draw(t, "peerPort")
			seg := spec.Segment{Src: spec.SockAddr{IP: a.peerAt(port), Port: port}, Dst: spec.SockAddr{IP: a.hostIP, Port: 8080},
				Flags: spec.SYN, Seq: spec.Seq(rapid.SampledFrom([]uint32{5000, 0xFFFFFFF0, 1 << 31}).Draw(t, "synISS")), Wnd: 65535}
			seg.Opts.MSS = 1460
			a.tsOpt(t, &seg)
			wsOpt(t, &seg)
			a.inject(t, seg)
			return
		}
		a.call(spec.Call{Kind: spec.CallSocket})
		if len(a.mem.FDs) > 0 {
			a.call(spec.Call{Kind: spec.CallConnect, FD: a.mem.FDs[len(a.mem.FDs)-1], Addr: spec.SockAddr{IP: a.peerIP, Port: 8080}})
		}
		return
	}
	c := a.snap.Conns[rapid.IntRange(0, n-1).Draw(t, "driveConn")]
	// Prefer the connections closest to TIME-WAIT, and TIME-WAIT itself,
	// where the profiles differ most.
	prefer := [][]spec.State{
		{spec.TimeWait},
		{spec.FinWait1, spec.FinWait2, spec.Closing},
		{spec.Established, spec.CloseWait, spec.LastAck},
	}
	if k := rapid.IntRange(0, 4).Draw(t, "prefer"); k < len(prefer) {
		for i := range a.snap.Conns {
			if slices.Contains(prefer[k], a.snap.Conns[i].State) {
				c = a.snap.Conns[i]
				break
			}
		}
	}
	peer := func(flags spec.Flags, seq, ack spec.Seq, n uint32) {
		seg := spec.Segment{Src: c.Tuple.Remote, Dst: c.Tuple.Local, Flags: flags, Seq: seq, Ack: ack, Len: n,
			Wnd: rapid.SampledFrom([]uint16{65535, 65535, 0, 500, 257, 3}).Draw(t, "peerWnd")}
		a.tsOpt(t, &seg)
		wsOpt(t, &seg)
		a.inject(t, seg)
	}
	host := func(k spec.CallKind, n int64, how spec.ShutHow) {
		a.step(spec.Event{Kind: spec.EvCall, At: a.at(t), Call: spec.Call{Kind: k, FD: c.FD, N: n, How: how}})
	}
	switch c.State {
	case spec.SynSent:
		flags := rapid.SampledFrom([]spec.Flags{spec.SYN | spec.ACK, spec.SYN, spec.RST | spec.ACK}).Draw(t, "synSentReply")
		peer(flags, spec.Seq(rapid.SampledFrom([]uint32{9000, 0xFFFFFFFF}).Draw(t, "peerISS")), c.SndNxt, 0)
	case spec.SynReceived:
		flags := rapid.SampledFrom([]spec.Flags{spec.ACK, spec.ACK, spec.FIN | spec.ACK, spec.RST, spec.SYN | spec.ACK}).Draw(t, "synRcvdReply")
		seq := c.RcvNxt
		if flags&spec.SYN != 0 {
			seq--
		}
		peer(flags, seq, c.SndNxt, 0)
	case spec.TimeWait:
		switch rapid.IntRange(0, 5).Draw(t, "twMove") {
		case 0, 1:
			off := rapid.SampledFrom([]uint32{1, 100000, 0, ^uint32(0), 1 << 31}).Draw(t, "reopenOff")
			peer(spec.SYN, c.RcvNxt.Add(off), 0, 0)
		case 2:
			peer(spec.FIN|spec.ACK, c.RcvNxt-1, c.SndNxt, 0)
		case 3:
			peer(rapid.SampledFrom([]spec.Flags{spec.RST, spec.RST | spec.ACK}).Draw(t, "twRST"),
				c.RcvNxt.Add(rapid.SampledFrom([]uint32{0, 1, 1000}).Draw(t, "twRSTOff")), c.SndNxt, 0)
		case 4:
			peer(spec.ACK, c.RcvNxt, c.SndNxt, 0)
		default:
			a.step(spec.Event{Kind: spec.EvAdvance, At: c.Timers[spec.TimerTimeWait] - spec.Time(rapid.IntRange(-1, 1).Draw(t, "twEdge"))})
		}
	default:
		if c.FD < 0 {
			for _, l := range a.snap.Listeners {
				for _, q := range l.Queue {
					if q == c.Tuple && rapid.Bool().Draw(t, "accept") {
						a.step(spec.Event{Kind: spec.EvCall, At: a.at(t), Call: spec.Call{Kind: spec.CallAccept, FD: l.FD}})
						return
					}
				}
			}
		}
		move := rapid.IntRange(0, 9).Draw(t, "move")
		if c.FD >= 0 && move < 4 {
			switch move {
			case 0:
				host(spec.CallClose, 0, 0)
			case 1:
				host(spec.CallShutdown, 0, spec.ShutWR)
			case 2:
				host(spec.CallWrite, rapid.SampledFrom([]int64{10, 2000, 70000}).Draw(t, "writeN"), 0)
			default:
				host(spec.CallRead, rapid.SampledFrom([]int64{100, 100000}).Draw(t, "readN"), 0)
			}
			return
		}
		switch move {
		case 4, 5:
			peer(spec.ACK, c.RcvNxt, c.SndNxt, 0)
		case 6, 7:
			peer(spec.FIN|spec.ACK, c.RcvNxt, c.SndNxt, 0)
		case 8:
			peer(spec.PSH|spec.ACK, c.RcvNxt, c.SndNxt, rapid.SampledFrom([]uint32{100, 1460}).Draw(t, "dataN"))
		default:
			peer(spec.FIN|spec.PSH|spec.ACK, c.RcvNxt.Add(rapid.SampledFrom([]uint32{0, 50}).Draw(t, "oooOff")), c.SndNxt, 30)
		}
	}
}

// actBogus sends an event of no known kind (the clock still advances).
func (a *agree) actBogus(t *rapid.T) {
	a.step(spec.Event{Kind: spec.EventKind(rapid.IntRange(3, 255).Draw(t, "kind")), At: a.at(t)})
}

func (a *agree) conn(tu spec.FourTuple) *spec.ConnSnap {
	for i := range a.snap.Conns {
		if a.snap.Conns[i].Tuple == tu {
			return &a.snap.Conns[i]
		}
	}
	return nil
}

// lastResult returns the return value of the last call result of kind k
// in the model's outputs of the last step, or -1.
func (a *agree) lastResult(out []spec.Output, k spec.CallKind) int64 {
	for i := len(out) - 1; i >= 0; i-- {
		if out[i].Kind == spec.OutResult && out[i].Call == k {
			return out[i].Ret
		}
	}
	return -1
}

// actLifecycle runs one connection from open to TIME-WAIT, closing from
// the host first, so that runs hold several TIME-WAIT entries at once (the
// TIME-WAIT cap, bind and connect over TIME-WAIT). Every segment is built
// from the model's snapshot; the walk stops where the host does something
// else.
// peerAt spreads connections over the two peers by port, so that an
// IPv6 host numbers peers that come and go (impl's peerTable).
func (a *agree) peerAt(port uint16) spec.Addr {
	if port&1 == 0 {
		return a.peerIP
	}
	return a.peer2IP
}

func (a *agree) actLifecycle(t *rapid.T) {
	var tu spec.FourTuple
	var fd int64
	peerSeg := func(flags spec.Flags, seq, ack spec.Seq) {
		seg := spec.Segment{Src: tu.Remote, Dst: tu.Local, Flags: flags, Seq: seq, Ack: ack, Wnd: 65535}
		a.tsOpt(t, &seg)
		a.inject(t, seg)
	}
	if a.role == "listen" {
		port := rapid.SampledFrom([]uint16{50010, 50011, 50012, 50013}).Draw(t, "lifePort")
		tu = spec.FourTuple{Local: spec.SockAddr{IP: a.hostIP, Port: 8080}, Remote: spec.SockAddr{IP: a.peerAt(port), Port: port}}
		if a.conn(tu) != nil {
			return
		}
		peerSeg(spec.SYN, spec.Seq(rapid.Uint32().Draw(t, "lifeISS")), 0)
		c := a.conn(tu)
		if c == nil || c.State != spec.SynReceived {
			return
		}
		peerSeg(spec.ACK, c.RcvNxt, c.SndNxt)
		if len(a.snap.Listeners) == 0 {
			return
		}
		a.step(spec.Event{Kind: spec.EvCall, At: a.m.Now(), Call: spec.Call{Kind: spec.CallAccept, FD: a.snap.Listeners[0].FD}})
		if c = a.conn(tu); c == nil || c.FD < 0 {
			return
		}
		fd = int64(c.FD)
	} else {
		a.call(spec.Call{Kind: spec.CallSocket})
		fd = a.lastResult(a.lastOut, spec.CallSocket)
		if fd < 0 {
			return
		}
		a.call(spec.Call{Kind: spec.CallSetsockopt, FD: int32(fd), Opt: spec.OptNonBlock, Val: 1})
		if rapid.Bool().Draw(t, "lifeBind") {
			// An explicit bind: connect's automatic port choice must
			// then avoid this port, even after the socket is gone.
			a.call(spec.Call{Kind: spec.CallBind, FD: int32(fd)})
		}
		rport := rapid.SampledFrom([]uint16{8080, 8081, 8082}).Draw(t, "lifeRemotePort")
		a.call(spec.Call{Kind: spec.CallConnect, FD: int32(fd), Addr: spec.SockAddr{IP: a.peerAt(rport), Port: rport}})
		found := false
		for i := range a.snap.Conns {
			if c := &a.snap.Conns[i]; c.FD == int32(fd) && c.State == spec.SynSent {
				tu, found = c.Tuple, true
			}
		}
		if !found {
			return
		}
		peerSeg(spec.SYN|spec.ACK, spec.Seq(rapid.Uint32().Draw(t, "lifeISS")), a.conn(tu).SndNxt)
	}
	a.call(spec.Call{Kind: spec.CallClose, FD: int32(fd)})
	c := a.conn(tu)
	if c == nil || c.State != spec.FinWait1 {
		return
	}
	peerSeg(spec.FIN|spec.ACK, c.RcvNxt, c.SndNxt)
}
