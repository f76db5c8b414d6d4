package fuzz

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tcpclose/tcpclose/check"
	"github.com/tcpclose/tcpclose/impl"
	"github.com/tcpclose/tcpclose/internal/splitmix"
	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/spec"
)

// The encoding FuzzAgree reads. Every byte string decodes: a read past the
// end yields 0, and every value of every byte means something.
//
// Header (3 bytes):
//
//	h0  profile: Profiles()[h0 % n]; variant (AgreeVariants) (h0 / n) % len
//	h1  scene: bits 0-1 listen on 8080 / connect to the peer / both / nothing;
//	    bit 2 SO_REUSEADDR on fd 3 first; bit 3 O_NONBLOCK before connect;
//	    bits 4-6 the FixedISS (issTable); bit 7 the peer sends no timestamps
//	h2  bits 0-2 the listen backlog (backlogTable); bits 3-7 the ISN secret
//
// Then operations, one opcode byte each: kind = op & 7, p = op >> 3, and
// argument bytes after it:
//
//	0 call     p&15 call kind (callTable), p>>4 at the next deadline;
//	           F: fd (F&15, fdTable; the recent descriptors count), time (F>>4&7, dtTable),
//	           F>>7 picks a second value set; A: the call's argument (bind/connect address,
//	           backlog, byte count, shutdown direction, option and value); setsockopt reads V too
//	1 segment  p&15 the tuple (0-7 a connection of the snapshot, 8-15 fresh tuples),
//	           p>>4 at the next deadline; F flags (F>=0xC0: raw F&0x3F, else flagTable[F&15];
//	           F>>4&3 the peer ISS of a fresh tuple); S: SEQ = RCV.NXT + seqTable[S&15],
//	           length lenTable[S>>4]; A: ACK = ackBase[A&7] + ackOffTable[A>>3&7], window A>>6;
//	           O: timestamps (O&3 = 0 none, TSval tsTable[O>>2&7]), MSS on SYNs (O>>5&3),
//	           O>>7 SACK-permitted and window scale
//	2 reply    the peer answers a segment the host sent (p&15 counts back from the newest):
//	           SYN,ACK (or SYN: simultaneous open) to a SYN, otherwise R&7 flags with
//	           SEQ = RCV.NXT and ACK = the end of the host's segment (p>>4: ACK its start)
//	3 replay   p&3: 0 a duplicate of a segment the peer sent; 1 a segment the host sent,
//	           reflected with SEQ/ACK swapped; 2 reflected with addresses swapped only;
//	           3 reflected, SEQ/ACK swapped, FIN added. p>>2 counts back from the newest
//	4 clock    p&7: 0-2 the deadline (p>>3: the next one, TIME-WAIT, retransmission or
//	           another timer) minus 1 ns, exactly, plus 1 ns; 3-6 jumps (jumpTable);
//	           7 fire the next 4*(p>>3+1) deadlines one by one
//	5, 6 drive the natural next move of a connection (p&7 picks it, p>>3 = 3: a fresh
//	           connection): the peer's half of the handshake and of the close, the
//	           application's accept, read, write, shutdown, close and abort, and in
//	           TIME-WAIT reopening SYNs, RSTs, retransmitted FINs, the timer's edges. D picks the move
//	7 misc     p&3: 0 an event of no known kind; 1 a connection from open to TIME-WAIT
//	           (host closes first); 2 a connection from open through CLOSE-WAIT and LAST-ACK
//	           to CLOSED (peer closes first); 3 a raw segment: tuple, flags, SEQ and ACK
//	           (4 bytes each, big-endian), length byte
const (
	headerLen = 3
	// MaxAgreeEvents bounds the events one input makes, and so the cost
	// of running it.
	MaxAgreeEvents = 256
	// MaxAgreeInput bounds the bytes of one input that are read. It also
	// bounds the cost of minimizing a new input: Go's minimizer tries
	// removing every byte and every run of bytes (a number of runs
	// quadratic in the length), so with 4096 bytes one new input kept a
	// worker minimizing for the whole -fuzzminimizetime (60 s by
	// default), and a campaign with Go's default flags made two
	// executions a second. A byte drives one event or a whole lifecycle
	// (opDrive, opMisc), so 128 bytes still reach every state.
	MaxAgreeInput = 128
	// MaxAgreeOutputs bounds the outputs (segments, results, notices)
	// the model may produce in one input: the run stops after the step
	// that reaches it. One step can send a whole window (65,535 octets
	// to a peer's MSS of 1 made 65,535 segments, 40 ms of CPU each time
	// the minimizer tried the input).
	MaxAgreeOutputs = 2048
	// MaxAgreeTime bounds the simulated time of one input: no event is
	// played after it. A clock jump costs one output per timer expiry in
	// it (a SYN retransmitted every 10 s for a day made 8,640 segments
	// in one step), so the longest jump is 2 h (jumpTable).
	MaxAgreeTime = 24 * time.Hour
)

// The hosts' addresses: an input's header chooses IPv4 or IPv6. Each
// family has the host, its peer, a second peer (connections spread over
// both, so an IPv6 host numbers peers that come and go) and an address
// of the other family (connect fails, segments are dropped).
var (
	addrs4 = agreeAddrs{spec.IPv4(192, 168, 0, 1), spec.IPv4(192, 0, 2, 1), spec.IPv4(192, 0, 2, 9), stack6(0x36)}
	addrs6 = agreeAddrs{stack6(1), remote6(1), remote6(7), spec.IPv4(192, 0, 2, 1)}
)

type agreeAddrs struct{ host, peer, peer2, other spec.Addr }

// stack6 is fd3d:fa7b:d17d::n, remote6 2001:db8::n (packetdrill's IPv6
// networks).
func stack6(n byte) spec.Addr {
	return spec.AddrFrom16([16]byte{0xfd, 0x3d, 0xfa, 0x7b, 0xd1, 0x7d, 15: n})
}

func remote6(n byte) spec.Addr { return spec.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 15: n}) }

// AgreeVariant is a set of profile overrides a FuzzAgree input can apply
// to its base profile, reaching behaviour the built-in values leave
// dormant (a TIME-WAIT cap of one, abort entering TIME-WAIT, tcp_tw_reuse,
// tiny buffers, FIN-WAIT-2 timers...). An override that does not apply to
// a base profile leaves that base as it is.
type AgreeVariant struct {
	Name      string
	Overrides []string
}

// AgreeVariants returns the variants, the plain profile first.
func AgreeVariants() []AgreeVariant {
	return []AgreeVariant{
		{Name: "plain"},
		{Name: "tiny", Overrides: []string{"MaxTimeWait=1", "RecvBuf=3000", "SendBuf=3000", "MaxHeldRanges=2", "MSS=1000",
			"TimeWaitReuseAfter=1s", "TimeWait=1000s"}},
		{Name: "odd", Overrides: []string{"AbortEntersTimeWait=true", "ClosingStartsTimeWait=false", "ListenBacklogDrop=false",
			"CloseSynSentSendsRST=true", "RecvBuf=2000", "MaxHeldRanges=1", "MaxTimeWait=2", "OOWAckInterval=300ms",
			"ConnectOverTimeWait=reuse-with-ts", "BindTimeWaitNeedsBothReuse=true", "TimeWait=600s", "EphemeralHigh=49154", "ChallengeACKExempt=false"}},
		{Name: "793ish", Overrides: []string{"SynInSync=rfc793", "TimeWaitRST=exact-only", "TimeWait=30s", "R2=3",
			"SendBuf=1500", "HoldOutOfOrder=false"}},
		{Name: "zero", Overrides: []string{"RecvBuf=1", "ZeroLenEdgeAcceptable=true", "MaxHeldRanges=0",
			"TimeWaitRestart=on-ack", "OOWAckInterval=1ms", "TimeWait=0s", "AckOutOfOrder=false", "TimeWaitReopen=linux",
			"Timestamps=true", "TSMissingDrop=true", "TSRecentAfterACK=true"}},
		{Name: "reopen", Overrides: []string{"TimeWaitReopen=rfc6191", "ReopenISSGap=0", "ReopenReturnsToTimeWait=true",
			"Timestamps=true", "TimeWaitRST=ignored", "ConnectOverTimeWait=reuse-with-ts", "TimeWaitReuseAfter=1s"}},
		{Name: "timers", Overrides: []string{"FinWait2Timeout=5s", "FinWait2OrphanOnly=false", "FinWait2SendsRST=true",
			"TimeoutSendsRST=true", "R1=1", "R2=2", "SynR2=1", "SynAckR2=1", "RTOMax=2s",
			"RTOFormula=linux", "TimerGranularity=4ms", "SynLinearTimeouts=1", "LossProbe=true", "LossProbeAllowance=10ms",
			"AckDelay=40ms", "AckDelayMax=200ms", "QuickAcks=1", "FinPingpong=true", "SynSentQueuesText=true", "RTTFromTimestamps=true"}},
		{Name: "embryonic", Overrides: []string{"EmbryonicSyn=resend-or-reset", "EmbryonicRSTInWindow=true", "SynAckR2=2",
			"RSTCheck=in-window", "SynFinDropped=true", "SimOpenSynAckAccepted=true", "SynFinDroppedAnyState=true"}},
		{Name: "lenient", Overrides: []string{"RSTOnUnreadClose=false", "RSTOnDataAfterClose=false", "CloseInFinWait=ok",
			"RSTFlushesReceive=false", "ZeroWindowAcceptsFIN=true", "AckAboveSndNxt=drop-in-established",
			"ACKWindowCheck=false", "RSTCarriesACK=true", "HoldOutOfOrderFIN=false", "ResetErrnoCloseWait=ECONNRESET"}},
		{Name: "bsd", Overrides: []string{"AckCarriesFIN=true", "TimeWaitNoSeqTest=true", "ListenSynAckDropped=true",
			"OldSegmentAckProcessed=true", "ListenCloseDropsEmbryonic=true", "NoACKDroppedFirst=true", "RSTBelowRcvNxtAfterFin=true",
			"ACKWindowBytesAcked=true", "ResetErrnoSynRcvdActive=ECONNRESET"}},
		{Name: "wscale", Overrides: []string{"WindowScale=true", "WindowShift=2", "RecvBuf=300000", "AcceptBeyondAdvertised=true", "RecvBufRoundMSS=true"}},
	}
}

// AgreeProfile returns the profile the header byte h0 names: a built-in
// profile with a variant's overrides, which are skipped where the result
// would not validate.
func AgreeProfile(h0 byte) (spec.Profile, string) {
	names := Profiles()
	vs := AgreeVariants()
	base := names[int(h0)%len(names)]
	v := vs[(int(h0)/len(names))%len(vs)]
	p := spec.MustProfile(base)
	for _, kv := range v.Overrides {
		k, val, _ := strings.Cut(kv, "=")
		q := p
		if q.SetField(k, val) == nil && q.Validate() == nil {
			p = q
		}
	}
	if v.Name != "plain" {
		p.Name = base + "+" + v.Name
	}
	return p, base + "/" + v.Name
}

var (
	issTable     = [8]spec.Seq{0, 0xFFFFFF00, 0xFFFFFFFF, 0x7FFFFFF0, 1000, 0, 0x80000000, 1}
	backlogTable = [8]int64{1, 0, 2, 3, 8, 1, -1, 100}
	callTable    = [16]spec.CallKind{spec.CallRead, spec.CallWrite, spec.CallClose, spec.CallAccept, spec.CallShutdown,
		spec.CallSocket, spec.CallConnect, spec.CallBind, spec.CallListen, spec.CallSetsockopt, spec.CallGetsockopt,
		spec.CallRead, spec.CallWrite, spec.CallClose, spec.CallNone, spec.CallKind(40)}
	dtTable    = [8]time.Duration{0, 0, 0, 1, time.Millisecond, 100 * time.Millisecond, time.Second, -5}
	ioTable    = [16]int64{100, 1, 0, 1460, 3000, 70000, -1, 1 << 40, 10, 2000, 65535, 65536, 536, 999, 100000, 1 << 62}
	valTable   = [8]int64{1, 0, 2, 500, 3000, -1, 1 << 62, 60}
	flagTable  = [16]spec.Flags{spec.ACK, spec.FIN | spec.ACK, spec.PSH | spec.ACK, spec.RST, spec.SYN, spec.SYN | spec.ACK, spec.RST | spec.ACK, spec.FIN, 0, spec.SYN | spec.FIN, spec.SYN | spec.RST, spec.FIN | spec.PSH | spec.ACK, spec.SYN | spec.FIN | spec.RST | spec.ACK, spec.URG | spec.ACK, spec.ACK, spec.FIN | spec.ACK}
	freshISS   = [4]spec.Seq{5000, 0xFFFFFFF0, 0x7FFFFFFF, 0}
	ackOff     = [8]uint32{0, 1, ^uint32(0), 1 << 31, 65536, ^uint32(65535), 2, ^uint32(1)}
	wndTable   = [4]uint16{65535, 0, 1, 257} // 257: a window that needs its scale (257 << 7 under wscale 7)
	mssTable   = [4]uint16{0, 1460, 536, 64} // a small MSS, but not one segment per octet (MaxAgreeOutputs)
	jumpTable  = [4][4]time.Duration{{1, time.Millisecond, 200 * time.Millisecond, time.Second}, {3 * time.Second, 10 * time.Second, 30 * time.Second, 60 * time.Second}, {120 * time.Second, 240 * time.Second, 241 * time.Second, time.Hour}, {2 * time.Hour, 1 << 40, 2 * time.Minute, 500 * time.Millisecond}}
	replyFlags = [8]spec.Flags{spec.ACK, spec.FIN | spec.ACK, spec.PSH | spec.ACK, spec.RST, spec.RST | spec.ACK, spec.FIN | spec.PSH | spec.ACK, spec.ACK, spec.PSH | spec.ACK}
	replyLen   = [4]uint32{100, 1, 1460, 4000}
	peerISS    = [4]spec.Seq{7000, 0xFFFFFFFF, 0x80000000, 0}
)

// seqOff returns the offset from RCV.NXT that S&15 names, for a window of
// wnd octets.
func seqOff(i byte, wnd uint32) uint32 {
	return [16]uint32{0, 0, 1, ^uint32(0), wnd, wnd - 1, wnd + 1, 100, 1 << 31, 0xFFFF0000, 2, 65537, ^uint32(1), -wnd, 1460, 1<<31 - 1}[i&15]
}

func segLen(i byte, wnd uint32) uint32 {
	return [16]uint32{0, 0, 0, 0, 1, 1, 10, 100, 1000, 1460, wnd, wnd + 1, 65535, 65536, 2, 536}[i&15]
}

// Step is one event as an observer of an Agree run sees it, after both
// hosts took it.
type Step struct {
	N      int // 1, 2, ...
	Event  spec.Event
	Out    []spec.Output // the model's outputs
	Before *spec.HostSnap
	After  *spec.HostSnap
	Fired  []spec.RuleID // the rules the model applied
}

// AgreeRun is one FuzzAgree input being played.
type AgreeRun struct {
	data []byte
	pos  int

	Profile spec.Profile
	Label   string // "base/variant"
	m       *model.Host
	s       *impl.Stack
	snap    spec.HostSnap

	mem     check.Memory // what the host sent and returned lately
	peerTS  uint32
	noTS    bool
	lastOut []spec.Output

	outputs int // the model's outputs so far (MaxAgreeOutputs)

	hostIP, peerIP, peer2IP, otherIP spec.Addr

	// Log is every event played, in order.
	Log []spec.Event
	err error
	obs func(*Step)
}

// NewAgreeRun decodes the header of data and builds the two hosts. obs,
// if not nil, sees every step.
func NewAgreeRun(data []byte, obs func(*Step)) (*AgreeRun, error) {
	if len(data) > MaxAgreeInput {
		data = data[:MaxAgreeInput]
	}
	r := &AgreeRun{data: data, mem: check.NewMemory(), peerTS: 1000, obs: obs}
	h0, h1, h2 := r.next(), r.next(), r.next()
	r.Profile, r.Label = AgreeProfile(h0)
	a := addrs4
	if h2&0x80 != 0 { // the top bit of the ISN secret's too
		a = addrs6
	}
	r.hostIP, r.peerIP, r.peer2IP, r.otherIP = a.host, a.peer, a.peer2, a.other
	cfg := spec.HostConfig{Addr: r.hostIP, ISNSecret: splitmix.Mix(uint64(h2 >> 3)), FixedISS: issTable[h1>>4&7]}
	var err error
	if r.m, err = model.New(r.Profile, cfg); err != nil {
		return nil, fmt.Errorf("fuzz: agree %s: %w", r.Label, err)
	}
	if r.s, err = impl.New(r.Profile, cfg); err != nil {
		return nil, fmt.Errorf("fuzz: agree %s: %w", r.Label, err)
	}
	r.noTS = h1&0x80 != 0
	r.snap = r.m.Snapshot()
	scene := h1 & 3
	if scene == 3 {
		return r, nil
	}
	r.call(spec.Call{Kind: spec.CallSocket})
	if h1&4 != 0 {
		r.call(spec.Call{Kind: spec.CallSetsockopt, FD: 3, Opt: spec.OptReuseAddr, Val: 1})
	}
	if scene == 0 || scene == 2 {
		r.call(spec.Call{Kind: spec.CallBind, FD: 3, Addr: spec.SockAddr{IP: r.hostIP, Port: 8080}})
		r.call(spec.Call{Kind: spec.CallListen, FD: 3, N: backlogTable[h2&7]})
	}
	if scene == 1 || scene == 2 {
		fd := int32(3)
		if scene == 2 {
			r.call(spec.Call{Kind: spec.CallSocket})
			fd = 4
		}
		if h1&8 != 0 {
			r.call(spec.Call{Kind: spec.CallSetsockopt, FD: fd, Opt: spec.OptNonBlock, Val: 1})
		}
		r.call(spec.Call{Kind: spec.CallConnect, FD: fd, Addr: spec.SockAddr{IP: r.peerIP, Port: 8080}})
	}
	return r, nil
}

// Agree plays data through the model and the implementation and returns
// the first disagreement, with the events that led to it.
func Agree(data []byte) error {
	r, err := NewAgreeRun(data, nil)
	if err != nil {
		return err
	}
	return r.Run()
}

// Run plays the rest of the input; it stops at the first disagreement.
func (r *AgreeRun) Run() error {
	for r.err == nil && r.pos < len(r.data) && len(r.Log) < MaxAgreeEvents && r.outputs < MaxAgreeOutputs && r.now() < spec.Time(MaxAgreeTime) {
		r.op()
	}
	return r.err
}

// Err returns the first disagreement so far.
func (r *AgreeRun) Err() error { return r.err }

// next returns the next byte, 0 past the end.
func (r *AgreeRun) next() byte {
	if r.pos >= len(r.data) {
		r.pos++
		return 0
	}
	b := r.data[r.pos]
	r.pos++
	return b
}

func (r *AgreeRun) now() spec.Time { return r.m.Now() }

// AgreeError is a disagreement between the model and the implementation.
type AgreeError struct {
	Label  string
	Step   int
	What   string
	Events []spec.Event
}

func (e *AgreeError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "profile %s: step %d: %s\nevents:\n", e.Label, e.Step, e.What)
	for i, ev := range e.Events {
		fmt.Fprintf(&b, "  %3d  %s\n", i+1, ev)
	}
	return b.String()
}

// step runs ev through both hosts and compares what is observable.
func (r *AgreeRun) step(ev spec.Event) {
	if r.err != nil || len(r.Log) >= MaxAgreeEvents || r.outputs >= MaxAgreeOutputs || ev.At > spec.Time(MaxAgreeTime) {
		return
	}
	r.Log = append(r.Log, ev)
	n := len(r.Log)
	fail := func(format string, args ...any) {
		r.err = &AgreeError{Label: r.Label, Step: n, What: fmt.Sprintf(format, args...), Events: append([]spec.Event(nil), r.Log...)}
	}
	v, err := check.Agree(r.m, r.s, &ev)
	if err != nil {
		fail("after %s: %v", ev, err)
		return
	}
	mo, ms := v.Out, v.Snap
	r.outputs += len(mo)
	before := r.snap
	r.snap = ms
	r.lastOut = append(r.lastOut[:0], mo...)
	r.mem.Observe(mo)
	if r.obs != nil {
		r.obs(&Step{N: n, Event: ev, Out: mo, Before: &before, After: &r.snap, Fired: r.m.Fired()})
	}
}

func (r *AgreeRun) call(c spec.Call) {
	r.step(spec.Event{Kind: spec.EvCall, At: r.now(), Call: c})
}

// at returns the time of an event: now, or the next deadline when
// atDeadline holds and a timer is armed.
func (r *AgreeRun) at(atDeadline bool, dt time.Duration) spec.Time {
	if atDeadline {
		if d := r.m.NextDeadline(); d != spec.Never {
			return d
		}
	}
	return r.now().Add(dt)
}

func (r *AgreeRun) op() {
	o := r.next()
	p := o >> 3
	switch o & 7 {
	case 0:
		r.opCall(p)
	case 1:
		r.opSegment(p)
	case 2:
		r.opReply(p)
	case 3:
		r.opReplay(p)
	case 4:
		r.opClock(p)
	case 5, 6:
		r.opDrive(p)
	default:
		r.opMisc(p)
	}
}

func (r *AgreeRun) fd(i byte) int32 {
	i &= 15
	if i >= 4 && i < 8 {
		k := int(i - 4)
		if k < len(r.mem.FDs) {
			return r.mem.FDs[len(r.mem.FDs)-1-k]
		}
		return 3
	}
	return [16]int32{3, 4, 5, 6, 0, 0, 0, 0, -1, 1023, 7, 3, 4, 1024, 0, 2}[i]
}

func (r *AgreeRun) opCall(p byte) {
	c := spec.Call{Kind: callTable[p&15]}
	f := r.next()
	c.FD = r.fd(f)
	at := r.at(p>>4 != 0, dtTable[f>>4&7])
	switch c.Kind {
	case spec.CallBind, spec.CallConnect, spec.CallListen, spec.CallRead, spec.CallWrite,
		spec.CallShutdown, spec.CallSetsockopt, spec.CallGetsockopt:
		a := r.next()
		switch c.Kind {
		case spec.CallBind:
			c.Addr = spec.SockAddr{
				IP:   [4]spec.Addr{r.hostIP, {}, spec.IPv4(10, 0, 0, 1), r.hostIP}[a&3],
				Port: [8]uint16{8080, 0, 8081, 49152, 32768, 8080, 50000, 1}[a>>2&7],
			}
		case spec.CallConnect:
			c.Addr = spec.SockAddr{
				IP:   [4]spec.Addr{r.peerIP, {}, r.otherIP, r.peer2IP}[a&3],
				Port: [8]uint16{8080, 8081, 0, 50000, 8080, 8082, 1, 8080}[a>>2&7],
			}
		case spec.CallListen:
			c.N = backlogTable[a&7]
		case spec.CallRead, spec.CallWrite:
			c.N = ioTable[a&15]
		case spec.CallShutdown:
			c.How = spec.ShutHow(a & 3)
		default:
			c.Opt = spec.SockOpt(int(a&15) % (spec.NumOpts + 1))
			c.Val = valTable[a>>4&7]
			if c.Kind == spec.CallSetsockopt {
				v := r.next()
				c.Val2 = [4]int64{0, 1, 2, -1}[v&3]
				if a>>7 != 0 {
					c.Val = int64(int8(v))
				}
			}
		}
	}
	r.step(spec.Event{Kind: spec.EvCall, At: at, Call: c})
}

// freshTuples are the tuples a peer may use that need no connection.
func (r *AgreeRun) freshTuple(i byte) spec.FourTuple {
	local := spec.SockAddr{IP: r.hostIP, Port: 8080}
	switch i & 7 {
	case 0, 1, 2, 3:
		return spec.FourTuple{Local: local, Remote: spec.SockAddr{IP: r.peerAt(uint16(i)), Port: 50000 + uint16(i&3)}}
	case 4:
		return spec.FourTuple{Local: spec.SockAddr{IP: r.hostIP, Port: 9}, Remote: spec.SockAddr{IP: r.peerIP, Port: 50000}}
	case 5:
		return spec.FourTuple{Local: spec.SockAddr{IP: spec.IPv4(10, 9, 9, 9), Port: 8080}, Remote: spec.SockAddr{IP: r.peerIP, Port: 50000}}
	case 6:
		if i&8 != 0 {
			return spec.FourTuple{Local: local, Remote: spec.SockAddr{IP: r.otherIP, Port: 50000}}
		}
		return spec.FourTuple{Local: local, Remote: spec.SockAddr{IP: r.peerIP, Port: 0}}
	}
	return spec.FourTuple{Local: spec.SockAddr{IP: r.hostIP, Port: 8081}, Remote: spec.SockAddr{IP: r.peerIP, Port: 8080}}
}

// tuple picks a 4-tuple: i < 8 a connection of the snapshot (i modulo
// their number; a fresh tuple if there is none), otherwise a fresh one.
func (r *AgreeRun) tuple(i byte) (spec.FourTuple, *spec.ConnSnap) {
	i &= 15
	if n := len(r.snap.Conns); i < 8 && n > 0 {
		c := &r.snap.Conns[int(i)%n]
		return c.Tuple, c
	}
	tu := r.freshTuple(i)
	return tu, r.conn(tu)
}

func (r *AgreeRun) conn(tu spec.FourTuple) *spec.ConnSnap {
	for i := range r.snap.Conns {
		if r.snap.Conns[i].Tuple == tu {
			return &r.snap.Conns[i]
		}
	}
	return nil
}

func (r *AgreeRun) opSegment(p byte) {
	tu, cs := r.tuple(p)
	f, s, a, o := r.next(), r.next(), r.next(), r.next()
	var rcvNxt, sndNxt, sndUna, iss spec.Seq
	wnd := r.Profile.RecvBuf
	if cs != nil {
		rcvNxt, sndNxt, sndUna, iss = cs.RcvNxt, cs.SndNxt, cs.SndUna, cs.ISS
		if cs.State != spec.TimeWait {
			wnd = cs.RcvWnd
		}
	} else {
		rcvNxt = freshISS[f>>4&3]
	}
	seg := spec.Segment{Src: tu.Remote, Dst: tu.Local, Seq: rcvNxt.Add(seqOff(s, wnd)), Len: segLen(s>>4, wnd)}
	if f >= 0xC0 {
		seg.Flags = spec.Flags(f & 0x3F)
	} else {
		seg.Flags = flagTable[f&15]
	}
	base := [8]spec.Seq{sndNxt, sndUna, sndNxt, iss, iss + 1, rcvNxt, 0, sndUna}[a&7]
	seg.Ack = base.Add(ackOff[a>>3&7])
	seg.Wnd = wndTable[a>>6]
	r.segOpts(&seg, o)
	r.inject(r.at(p>>4 != 0, 0), seg)
}

// segOpts sets the options byte o names.
func (r *AgreeRun) segOpts(seg *spec.Segment, o byte) {
	if o&3 != 0 {
		seg.Opts.HasTS = true
		r.peerTS++
		seg.Opts.TS = spec.Timestamp{
			Val: [8]uint32{r.peerTS, r.peerTS - 2, r.peerTS + 1, r.peerTS - 1<<31, 0, r.peerTS + 1<<30, r.peerTS, 1}[o>>2&7],
			Ecr: r.mem.HostTS[seg.Tuple()],
		}
	}
	if seg.Flags&spec.SYN != 0 {
		seg.Opts.MSS = mssTable[o>>5&3]
	}
	if o>>7 != 0 {
		seg.Opts.SackOK = true
		// Window Scale (read on SYNs only): shift 7, 0, 14, or 15, which
		// is taken as 14 (RFC 7323 §2.3).
		seg.Opts.WScale = [4]uint8{8, 1, 15, 16}[o>>5&3]
	}
}

// peerTSOpt gives seg the Timestamps option a well-behaved peer sends,
// unless the input said the peer sends none.
func (r *AgreeRun) peerTSOpt(seg *spec.Segment, ecr uint32, haveEcr bool) {
	if r.noTS {
		return
	}
	r.peerTS++
	if !haveEcr {
		ecr = r.mem.HostTS[seg.Tuple()]
	}
	seg.Opts.HasTS = true
	seg.Opts.TS = spec.Timestamp{Val: r.peerTS, Ecr: ecr}
}

func (r *AgreeRun) inject(at spec.Time, seg spec.Segment) {
	r.mem.Inject(seg)
	r.step(spec.Event{Kind: spec.EvSegment, At: at, Seg: seg})
}

func (r *AgreeRun) opReply(p byte) {
	x := r.next()
	if len(r.mem.Sent) == 0 {
		return
	}
	h := r.mem.Sent[len(r.mem.Sent)-1-int(p&15)%len(r.mem.Sent)]
	rep := spec.Segment{Src: h.Dst, Dst: h.Src, Wnd: 65535}
	switch {
	case h.Flags&spec.RST != 0:
		// Nobody answers a RST; send the ACK a confused peer would.
		rep.Flags = spec.ACK
		rep.Seq, rep.Ack = h.Ack, h.Seq
	case h.Flags&(spec.SYN|spec.ACK) == spec.SYN:
		rep.Flags = spec.SYN | spec.ACK
		if x>>7 != 0 {
			rep.Flags = spec.SYN // simultaneous open
		}
		rep.Seq = peerISS[x>>5&3]
		rep.Ack = h.Seq.Add(1)
		rep.Opts.MSS = 1460
	default:
		rep.Seq = h.Ack
		if c := r.conn(rep.Tuple()); c != nil && c.State != spec.SynSent {
			rep.Seq = c.RcvNxt
		}
		rep.Ack = h.End()
		if p>>4 != 0 {
			rep.Ack = h.Seq
		}
		rep.Flags = replyFlags[x&7]
		if rep.Flags&spec.PSH != 0 {
			rep.Len = replyLen[x>>3&3]
		}
	}
	r.peerTSOpt(&rep, h.Opts.TS.Val, h.Opts.HasTS)
	r.inject(r.now(), rep)
}

func (r *AgreeRun) opReplay(p byte) {
	mode, k := p&3, int(p>>2)
	if mode == 0 {
		if len(r.mem.Injected) == 0 {
			return
		}
		r.inject(r.now(), r.mem.Injected[len(r.mem.Injected)-1-k%len(r.mem.Injected)])
		return
	}
	if len(r.mem.Sent) == 0 {
		return
	}
	h := r.mem.Sent[len(r.mem.Sent)-1-k%len(r.mem.Sent)]
	s := h
	s.Src, s.Dst = h.Dst, h.Src
	if mode != 2 {
		s.Seq, s.Ack = h.Ack, h.End()
		s.Flags |= spec.ACK
		if mode == 3 {
			s.Flags |= spec.FIN
		}
		if s.Opts.HasTS {
			s.Opts.TS = spec.Timestamp{Val: r.peerTS, Ecr: h.Opts.TS.Val}
		}
	}
	r.inject(r.now(), s)
}

// deadline returns the deadline p names: 0 the next one, 1 the earliest
// TIME-WAIT timer, 2 the earliest retransmission timer, 3 the earliest
// other timer (user, FIN-WAIT-2, linger); the next one when there is no
// such timer.
func (r *AgreeRun) deadline(which byte) spec.Time {
	if which != 0 {
		kinds := [][]spec.TimerKind{nil, {spec.TimerTimeWait}, {spec.TimerRetransmit}, {spec.TimerUser, spec.TimerFinWait2, spec.TimerLinger}}[which&3]
		best := spec.Never
		for i := range r.snap.Conns {
			for _, k := range kinds {
				if t := r.snap.Conns[i].Timers[k]; t != spec.Never && (best == spec.Never || t < best) {
					best = t
				}
			}
		}
		if best != spec.Never {
			return best
		}
	}
	return r.m.NextDeadline()
}

func (r *AgreeRun) opClock(p byte) {
	k := p & 7
	switch {
	case k <= 2:
		at := r.now()
		if d := r.deadline(p >> 3); d != spec.Never {
			at = d + spec.Time(k) - 1
		}
		r.step(spec.Event{Kind: spec.EvAdvance, At: at})
	case k <= 6:
		r.step(spec.Event{Kind: spec.EvAdvance, At: r.now().Add(jumpTable[k-3][p>>3])})
	default:
		for i := 0; i < 4*int(p>>3+1); i++ {
			d := r.m.NextDeadline()
			if d == spec.Never {
				return
			}
			r.step(spec.Event{Kind: spec.EvAdvance, At: d})
		}
	}
}

// pick chooses the connection a drive acts on: sel 0-3 the first
// connection in the states that selector prefers (TIME-WAIT; FIN-WAIT-1/2,
// CLOSING; ESTABLISHED, CLOSE-WAIT, LAST-ACK; SYN-SENT, SYN-RECEIVED),
// 4-7 a connection by index.
func (r *AgreeRun) pick(sel byte) *spec.ConnSnap {
	n := len(r.snap.Conns)
	if n == 0 {
		return nil
	}
	if sel < 4 {
		prefer := [4][]spec.State{
			{spec.TimeWait},
			{spec.FinWait1, spec.FinWait2, spec.Closing},
			{spec.Established, spec.CloseWait, spec.LastAck},
			{spec.SynSent, spec.SynReceived},
		}[sel]
		for i := range r.snap.Conns {
			for _, st := range prefer {
				if r.snap.Conns[i].State == st {
					return &r.snap.Conns[i]
				}
			}
		}
		return &r.snap.Conns[0]
	}
	return &r.snap.Conns[int(sel-4)%n]
}

func (r *AgreeRun) opDrive(p byte) {
	d := r.next()
	var c *spec.ConnSnap
	if p>>3 != 3 {
		c = r.pick(p & 7)
	}
	if c == nil {
		r.driveFresh(d)
		return
	}
	cc := *c
	peer := func(flags spec.Flags, seq, ack spec.Seq, n uint32, wnd uint16) {
		seg := spec.Segment{Src: cc.Tuple.Remote, Dst: cc.Tuple.Local, Flags: flags, Seq: seq, Ack: ack, Len: n, Wnd: wnd}
		r.peerTSOpt(&seg, 0, false)
		r.inject(r.now(), seg)
	}
	host := func(k spec.CallKind, n int64, how spec.ShutHow) {
		r.call(spec.Call{Kind: k, FD: cc.FD, N: n, How: how})
	}
	switch cc.State {
	case spec.SynSent:
		flags := [4]spec.Flags{spec.SYN | spec.ACK, spec.SYN, spec.RST | spec.ACK, spec.SYN | spec.ACK}[d&3]
		ack := cc.SndNxt
		if d&3 == 3 {
			ack = cc.SndNxt.Add(1000) // an unacceptable ACK
		}
		peer(flags, peerISS[d>>2&3], ack, 0, 65535)
	case spec.SynReceived:
		if cc.FD < 0 && d>>7 != 0 && r.acceptIfQueued(cc.Tuple) {
			return
		}
		switch d & 7 {
		case 0, 1:
			peer(spec.ACK, cc.RcvNxt, cc.SndNxt, 0, 65535)
		case 2:
			peer(spec.FIN|spec.ACK, cc.RcvNxt, cc.SndNxt, 0, 65535)
		case 3:
			peer(spec.RST, cc.RcvNxt, 0, 0, 0)
		case 4:
			peer(spec.SYN|spec.ACK, cc.RcvNxt-1, cc.SndNxt, 0, 65535)
		case 5:
			peer(spec.SYN, cc.RcvNxt-1, 0, 0, 65535) // the SYN again
		case 6:
			peer(spec.SYN, cc.RcvNxt.Add(1000), 0, 0, 65535)
		default:
			peer(spec.PSH|spec.ACK, cc.RcvNxt, cc.SndNxt, 100, 65535)
		}
	case spec.TimeWait:
		r.driveTimeWait(&cc, d, peer)
	default:
		if cc.FD < 0 && d>>7 != 0 && r.acceptIfQueued(cc.Tuple) {
			return
		}
		move := d & 15
		if cc.FD < 0 && move < 6 {
			move += 6
		}
		switch move {
		case 0:
			host(spec.CallClose, 0, 0)
		case 1:
			host(spec.CallShutdown, 0, spec.ShutWR)
		case 2:
			host(spec.CallWrite, [4]int64{10, 2000, 70000, 1}[d>>4&3], 0)
		case 3:
			host(spec.CallRead, [4]int64{100, 100000, 1, 0}[d>>4&3], 0)
		case 4:
			host(spec.CallShutdown, 0, [4]spec.ShutHow{spec.ShutRD, spec.ShutRDWR, spec.ShutRD, spec.ShutRDWR}[d>>4&3])
		case 5:
			// abort: SO_LINGER {on, 0} and close
			r.call(spec.Call{Kind: spec.CallSetsockopt, FD: cc.FD, Opt: spec.OptLinger, Val: 1, Val2: 0})
			host(spec.CallClose, 0, 0)
		case 6, 7:
			peer(spec.ACK, cc.RcvNxt, cc.SndNxt, 0, 65535)
		case 8, 9:
			peer(spec.FIN|spec.ACK, cc.RcvNxt, cc.SndNxt, 0, 65535)
		case 10:
			peer(spec.PSH|spec.ACK, cc.RcvNxt, cc.SndNxt, [4]uint32{100, 1460, 1, 3000}[d>>4&3], 65535)
		case 11:
			peer(spec.FIN|spec.PSH|spec.ACK, cc.RcvNxt.Add([4]uint32{0, 50, 0, 1}[d>>4&3]), cc.SndNxt, 30, 65535)
		case 12:
			peer(spec.ACK, cc.RcvNxt, cc.SndUna.Add(1), 0, 65535)
		case 13:
			peer(spec.RST, cc.RcvNxt, 0, 0, 0)
		case 14:
			peer(spec.RST|spec.ACK, cc.RcvNxt.Add(1), cc.SndNxt, 0, 0)
		default:
			peer(spec.ACK, cc.RcvNxt, cc.SndNxt, 0, 0) // zero window
		}
	}
}

func (r *AgreeRun) driveTimeWait(c *spec.ConnSnap, d byte, peer func(spec.Flags, spec.Seq, spec.Seq, uint32, uint16)) {
	switch d & 7 {
	case 0, 1:
		off := [8]uint32{1, 100000, 0, ^uint32(0), 1 << 31, 2, 65536, 1}[d>>3&7]
		peer(spec.SYN, c.RcvNxt.Add(off), 0, 0, 65535)
	case 2:
		peer(spec.FIN|spec.ACK, c.RcvNxt-1, c.SndNxt, 0, 65535)
	case 3:
		peer(spec.RST, c.RcvNxt.Add([4]uint32{0, 1, 1000, ^uint32(0)}[d>>3&3]), 0, 0, 0)
	case 4:
		peer(spec.RST|spec.ACK, c.RcvNxt.Add([4]uint32{0, 1, 1000, ^uint32(0)}[d>>3&3]), c.SndNxt, 0, 0)
	case 5:
		peer(spec.ACK, c.RcvNxt, c.SndNxt, 0, 65535)
	case 6:
		at := c.Timers[spec.TimerTimeWait]
		if at == spec.Never {
			at = r.now()
		} else {
			at += spec.Time(int(d>>3)%3) - 1
		}
		r.step(spec.Event{Kind: spec.EvAdvance, At: at})
	default:
		// A SYN at RCV.NXT whose timestamp is newer or older than the
		// last one seen (RFC 6191 decides on timestamps first).
		seg := spec.Segment{Src: c.Tuple.Remote, Dst: c.Tuple.Local, Flags: spec.SYN, Seq: c.RcvNxt.Add([2]uint32{0, ^uint32(0)}[d>>3&1]), Wnd: 65535}
		r.peerTS += 1000
		seg.Opts.HasTS = true
		seg.Opts.TS.Val = [4]uint32{r.peerTS, 1, r.peerTS - 1<<31, r.peerTS + 1<<20}[d>>4&3]
		seg.Opts.MSS = 1460
		r.inject(r.now(), seg)
	}
}

// acceptIfQueued calls accept on the listener holding t in its queue.
func (r *AgreeRun) acceptIfQueued(t spec.FourTuple) bool {
	for _, l := range r.snap.Listeners {
		for _, q := range l.Queue {
			if q == t {
				r.call(spec.Call{Kind: spec.CallAccept, FD: l.FD})
				return true
			}
		}
	}
	return false
}

// driveFresh opens a connection: an inbound SYN or a socket and connect.
func (r *AgreeRun) driveFresh(d byte) {
	if d&1 == 0 {
		seg := spec.Segment{Src: spec.SockAddr{IP: r.peerAt(uint16(d >> 1 & 3)), Port: 50000 + uint16(d>>1&3)}, Dst: spec.SockAddr{IP: r.hostIP, Port: 8080},
			Flags: spec.SYN, Seq: freshISS[d>>3&3], Wnd: 65535}
		seg.Opts.MSS = 1460
		r.peerTSOpt(&seg, 0, true)
		r.inject(r.now(), seg)
		return
	}
	r.call(spec.Call{Kind: spec.CallSocket})
	fd := r.lastResult(spec.CallSocket)
	if fd < 0 {
		return
	}
	if d&2 != 0 {
		r.call(spec.Call{Kind: spec.CallSetsockopt, FD: int32(fd), Opt: spec.OptNonBlock, Val: 1})
	}
	r.call(spec.Call{Kind: spec.CallConnect, FD: int32(fd), Addr: spec.SockAddr{IP: r.peerIP, Port: [4]uint16{8080, 8081, 8082, 8080}[d>>2&3]}})
}

// lastResult returns the return value of the last result of call k in
// the last step's outputs, or -1.
func (r *AgreeRun) lastResult(k spec.CallKind) int64 {
	for i := len(r.lastOut) - 1; i >= 0; i-- {
		if o := r.lastOut[i]; o.Kind == spec.OutResult && o.Call == k {
			return o.Ret
		}
	}
	return -1
}

func (r *AgreeRun) opMisc(p byte) {
	switch p & 3 {
	case 0:
		r.step(spec.Event{Kind: spec.EventKind(3 + p>>2), At: r.now()})
	case 1:
		r.lifecycle(p>>2, true)
	case 2:
		r.lifecycle(p>>2, false)
	default:
		tu, _ := r.tuple(r.next())
		seg := spec.Segment{Src: tu.Remote, Dst: tu.Local, Flags: spec.Flags(r.next() & 0x3F), Wnd: 65535}
		seg.Seq = spec.Seq(r.u32())
		seg.Ack = spec.Seq(r.u32())
		seg.Len = uint32(r.next())
		r.inject(r.now(), seg)
	}
}

func (r *AgreeRun) u32() uint32 {
	return uint32(r.next())<<24 | uint32(r.next())<<16 | uint32(r.next())<<8 | uint32(r.next())
}

// lifecycle runs one connection from open to TIME-WAIT (activeClose: the
// host closes first) or through CLOSE-WAIT and LAST-ACK to CLOSED (the
// peer closes first). v bit 0 opens it from the peer (needs a listener on
// 8080) rather than by connect; v>>1 varies the peer's port. Each
// segment is built from the model's snapshot; the walk stops where the
// host does something else.
func (r *AgreeRun) lifecycle(v byte, activeClose bool) {
	var tu spec.FourTuple
	var fd int32
	peer := func(flags spec.Flags, seq, ack spec.Seq, n uint32) {
		seg := spec.Segment{Src: tu.Remote, Dst: tu.Local, Flags: flags, Seq: seq, Ack: ack, Len: n, Wnd: 65535}
		if flags&spec.SYN != 0 {
			seg.Opts.MSS = 1460
		}
		r.peerTSOpt(&seg, 0, false)
		r.inject(r.now(), seg)
	}
	if v&1 == 0 && len(r.snap.Listeners) > 0 {
		l := r.snap.Listeners[0]
		tu = spec.FourTuple{Local: spec.SockAddr{IP: r.hostIP, Port: l.Port}, Remote: spec.SockAddr{IP: r.peerAt(uint16(v >> 1)), Port: 50010 + uint16(v>>1)}}
		if r.conn(tu) != nil {
			return
		}
		peer(spec.SYN, spec.Seq(splitmix.Mix(uint64(len(r.Log)))), 0, 0)
		c := r.conn(tu)
		if c == nil || c.State != spec.SynReceived {
			return
		}
		peer(spec.ACK, c.RcvNxt, c.SndNxt, 0)
		r.call(spec.Call{Kind: spec.CallAccept, FD: l.FD})
		if c = r.conn(tu); c == nil || c.FD < 0 {
			return
		}
		fd = c.FD
	} else {
		r.call(spec.Call{Kind: spec.CallSocket})
		ret := r.lastResult(spec.CallSocket)
		if ret < 0 {
			return
		}
		fd = int32(ret)
		r.call(spec.Call{Kind: spec.CallSetsockopt, FD: fd, Opt: spec.OptNonBlock, Val: 1})
		r.call(spec.Call{Kind: spec.CallConnect, FD: fd, Addr: spec.SockAddr{IP: r.peerIP, Port: 8080 + uint16(v>>1&3)}})
		var c *spec.ConnSnap
		for i := range r.snap.Conns {
			if r.snap.Conns[i].FD == fd && r.snap.Conns[i].State == spec.SynSent {
				c = &r.snap.Conns[i]
			}
		}
		if c == nil {
			return
		}
		tu = c.Tuple
		peer(spec.SYN|spec.ACK, spec.Seq(splitmix.Mix(uint64(len(r.Log)))), c.SndNxt, 0)
	}
	if activeClose {
		r.call(spec.Call{Kind: spec.CallClose, FD: fd})
		c := r.conn(tu)
		if c == nil || c.State != spec.FinWait1 {
			return
		}
		peer(spec.FIN|spec.ACK, c.RcvNxt, c.SndNxt, 0)
		return
	}
	c := r.conn(tu)
	if c == nil || c.State != spec.Established {
		return
	}
	peer(spec.FIN|spec.ACK, c.RcvNxt, c.SndNxt, 0)
	r.call(spec.Call{Kind: spec.CallRead, FD: fd, N: 100})
	r.call(spec.Call{Kind: spec.CallClose, FD: fd})
	if c = r.conn(tu); c == nil || c.State != spec.LastAck {
		return
	}
	peer(spec.ACK, c.RcvNxt, c.SndNxt, 0)
}

// ErrNoEvents is returned by Describe for an input that makes no event.
var ErrNoEvents = errors.New("fuzz: the input makes no event")

// Describe plays data as FuzzAgree does and returns the profile and the
// event list it decodes to, one event a line with the model's outputs
// under it, followed by the disagreement if there is one.
func Describe(data []byte) (string, error) {
	var outs [][]spec.Output
	r, err := NewAgreeRun(data, func(st *Step) { outs = append(outs, append([]spec.Output(nil), st.Out...)) })
	if err != nil {
		return "", err
	}
	runErr := r.Run()
	if len(r.Log) == 0 {
		return "", ErrNoEvents
	}
	var b strings.Builder
	fmt.Fprintf(&b, "profile %s\n", r.Label)
	for i, ev := range r.Log {
		fmt.Fprintf(&b, "%3d  %s\n", i+1, ev)
		if i < len(outs) {
			for _, o := range outs[i] {
				fmt.Fprintf(&b, "       %s\n", o)
			}
		}
	}
	if runErr != nil {
		fmt.Fprintf(&b, "\n%v", runErr)
	}
	return b.String(), nil
}

// peerAt spreads connections over the two peers by port parity.
func (r *AgreeRun) peerAt(port uint16) spec.Addr {
	if port&1 == 0 {
		return r.peerIP
	}
	return r.peer2IP
}
