package gvisor

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
)

// Addresses of the tests: the stack under test and the scripted peer.
var (
	local  = spec.SockAddr{IP: stack.LocalIP(), Port: stack.LocalPort}
	remote = spec.SockAddr{IP: stack.RemoteIP(), Port: stack.RemotePort}
)

// connStater is what both netstack and the model tell about connections
// that no socket holds any more (orphans, TIME-WAIT).
type connStater interface {
	ConnState(spec.FourTuple) spec.State
}

// peer plays the remote end of connections to a stack.Stack. It keeps the
// sequence numbers on both sides and writes a trace of everything in and
// out, in packetdrill's notation with sequence numbers relative to each
// side's first ISS, without windows and options: the form in which
// netstack and the model are compared.
type peer struct {
	t     testing.TB
	s     stack.Stack
	at    spec.Time
	trace []string

	iss    spec.Seq // the peer's ISS (numbering origin of its sequence space)
	sndNxt spec.Seq // the peer's next sequence number
	rcvNxt spec.Seq // what the peer expects from the stack next
	theirs spec.Seq // the stack's first ISS (numbering origin)
	known  bool     // theirs is known

	// strict: a wanted output that does not come fails the test (netstack,
	// whose observed behaviour the scenarios encode); otherwise it is
	// noted in misses (the model, whose differences are recorded).
	strict bool
	misses []string
	// noPSH leaves PSH out of the trace and of comparisons (the model
	// never sets it; that one difference is recorded once, not in every
	// scenario that sends data).
	noPSH bool

	rtt time.Duration // passiveOpen: delay of the handshake's final ACK

	ts    bool // put timestamps on the peer's segments
	tsVal uint32
	tsEcr uint32
}

func newPeer(t testing.TB, s stack.Stack) *peer {
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return &peer{t: t, s: s, iss: 1000, sndNxt: 1000, tsVal: 100, strict: true}
}

// newGvisorPeer is a peer of a fresh netstack with cfg.
func newGvisorPeer(t testing.TB, cfg Config) (*peer, *Stack) {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return newPeer(t, s), s
}

func (p *peer) relTheirs(s spec.Seq) uint32 { return s.Sub(p.theirs) }
func (p *peer) relOurs(s spec.Seq) uint32   { return s.Sub(p.iss) }

func (p *peer) note(format string, args ...any) {
	line := fmt.Sprintf("%s "+format, append([]any{p.at}, args...)...)
	p.trace = append(p.trace, line)
	p.t.Log(line)
}

// observe takes in what the stack did: it learns the stack's sequence
// numbers and appends the outputs to the trace.
func (p *peer) observe(out []stack.Observed, err error) []stack.Observed {
	p.t.Helper()
	if err != nil {
		p.t.Fatalf("at %s: %v", p.at, err)
	}
	for _, o := range out {
		switch o.Out.Kind {
		case spec.OutSegment:
			s := o.Out.Seg
			if s.Flags&spec.SYN != 0 {
				if !p.known {
					p.theirs, p.known = s.Seq, true
				}
				p.rcvNxt = s.Seq.Add(1)
			} else if s.Flags&spec.RST == 0 && s.End().GT(p.rcvNxt) {
				p.rcvNxt = s.End()
			}
			if s.Opts.HasTS {
				p.tsEcr = s.Opts.TS.Val
			}
			p.t.Logf("%s > %s", o.At, s)
		case spec.OutResult:
			p.t.Logf("%s %s", o.At, o.Out)
		default:
			continue
		}
		p.trace = append(p.trace, o.At.String()+" "+p.body(o.Out))
	}
	return out
}

// body is an output as the trace shows it, without its time.
func (p *peer) body(o spec.Output) string {
	if o.Kind != spec.OutSegment {
		return o.String()
	}
	s := o.Seg
	if p.noPSH {
		s.Flags &^= spec.PSH
	}
	line := fmt.Sprintf("> %s %d:%d(%d)", s.Flags, p.relTheirs(s.Seq), p.relTheirs(s.Seq.Add(s.Len)), s.Len)
	if s.Flags&spec.ACK != 0 {
		line += fmt.Sprintf(" ack %d", p.relOurs(s.Ack))
	}
	return line
}

// want checks that out, segments and results in order, is exactly lines
// (trace bodies such as "> F. 1:1(0) ack 2" or "close(4) = 0").
func (p *peer) want(out []stack.Observed, lines ...string) {
	p.t.Helper()
	var got []string
	for _, o := range out {
		if o.Out.Kind == spec.OutSegment || o.Out.Kind == spec.OutResult {
			got = append(got, p.body(o.Out))
		}
	}
	if p.noPSH {
		for i, l := range lines {
			lines[i] = strings.Replace(l, "> P", "> ", 1)
		}
	}
	if strings.Join(got, "\n") == strings.Join(lines, "\n") {
		return
	}
	msg := fmt.Sprintf("at %s: want [%s], got [%s]", p.at, strings.Join(lines, "; "), strings.Join(got, "; "))
	if p.strict {
		p.t.Fatal(msg)
	}
	p.misses = append(p.misses, msg)
	p.t.Log("MISS " + msg)
}

// wantState checks the connection's state as the stack holds it.
func (p *peer) wantState(want spec.State) {
	p.t.Helper()
	if got := p.connState(); got != want {
		msg := fmt.Sprintf("at %s: want connection in %s, got %s", p.at, want, got)
		if p.strict {
			p.t.Fatal(msg)
		}
		p.misses = append(p.misses, msg)
		p.t.Log("MISS " + msg)
	}
}

// wantSockState checks getsockopt(fd, TCP_INFO).
func (p *peer) wantSockState(fd int32, want spec.State) {
	p.t.Helper()
	out := p.call(spec.Call{Kind: spec.CallGetsockopt, FD: fd, Opt: spec.OptState})
	p.want(out, spec.ResultOut(fd, spec.CallGetsockopt, int64(want), spec.OK).String())
}

func (p *peer) call(c spec.Call) []stack.Observed {
	p.t.Helper()
	p.note("call %s", c)
	return p.observe(p.s.Call(p.at, c))
}

// mustCall makes c and wants exactly its result, ret.
func (p *peer) mustCall(c spec.Call, ret int64) {
	p.t.Helper()
	out := p.call(c)
	r := results(out)
	if len(r) != 1 || r[0].Ret != ret || r[0].Call != c.Kind {
		p.t.Fatalf("%s: want result %d, got %s", c, ret, dump(out))
	}
}

func (p *peer) inject(seg spec.Segment) []stack.Observed {
	p.t.Helper()
	line := fmt.Sprintf("< %s %d:%d(%d)", seg.Flags, p.relOurs(seg.Seq), p.relOurs(seg.Seq.Add(seg.Len)), seg.Len)
	if seg.Flags&spec.ACK != 0 {
		line += fmt.Sprintf(" ack %d", p.relTheirs(seg.Ack))
	}
	p.note("%s", line)
	return p.observe(p.s.Inject(p.at, seg))
}

// advance runs the stack to until and returns everything it did.
func (p *peer) advance(until spec.Time) []stack.Observed {
	p.t.Helper()
	var all []stack.Observed
	for p.s.Now() < until {
		out, err := p.s.Advance(until)
		if len(out) > 0 {
			p.at = out[0].At
		}
		all = append(all, p.observe(out, err)...)
	}
	p.at = until
	return all
}

func (p *peer) wait(d time.Duration) []stack.Observed {
	p.t.Helper()
	return p.advance(p.at.Add(d))
}

// seg builds a segment from the peer at its current sequence numbers.
func (p *peer) seg(f spec.Flags, n uint32) spec.Segment {
	s := spec.Segment{Src: remote, Dst: local, Flags: f, Seq: p.sndNxt, Len: n, Wnd: 65535}
	if f&spec.ACK != 0 {
		s.Ack = p.rcvNxt
	}
	if p.ts {
		p.tsVal++
		s.Opts.HasTS, s.Opts.TS = true, spec.Timestamp{Val: p.tsVal, Ecr: p.tsEcr}
	}
	return s
}

// send injects a segment from the peer and advances its SND.NXT.
func (p *peer) send(f spec.Flags, n uint32) []stack.Observed {
	p.t.Helper()
	s := p.seg(f, n)
	p.sndNxt = s.End()
	return p.inject(s)
}

// resend injects a segment at sequence number seq (relative to the peer's
// ISS) without moving SND.NXT: a retransmission or an old duplicate.
func (p *peer) resend(f spec.Flags, seq, n uint32) []stack.Observed {
	p.t.Helper()
	s := p.seg(f, n)
	s.Seq = p.iss.Add(seq)
	return p.inject(s)
}

func segments(out []stack.Observed) []spec.Segment {
	var s []spec.Segment
	for _, o := range out {
		if o.Out.Kind == spec.OutSegment {
			s = append(s, o.Out.Seg)
		}
	}
	return s
}

func results(out []stack.Observed) []spec.Output {
	var r []spec.Output
	for _, o := range out {
		if o.Out.Kind == spec.OutResult {
			r = append(r, o.Out)
		}
	}
	return r
}

// expect checks that out holds exactly one segment with flags f, sequence
// number seq (relative to the stack's ISS), n octets and, with ACK, ack
// (relative to the peer's ISS).
func (p *peer) expect(out []stack.Observed, f spec.Flags, seq, ack, n uint32) spec.Segment {
	p.t.Helper()
	segs := segments(out)
	if len(segs) != 1 {
		p.t.Fatalf("want one segment %s %d:%d(%d) ack %d, got %d:\n%s", f, seq, seq+n, n, ack, len(segs), dump(out))
	}
	s := segs[0]
	if s.Flags != f || p.relTheirs(s.Seq) != seq || s.Len != n || (f&spec.ACK != 0 && p.relOurs(s.Ack) != ack) {
		p.t.Fatalf("want %s %d:%d(%d) ack %d (relative), got %s %d:%d(%d) ack %d (relative): %s",
			f, seq, seq+n, n, ack, s.Flags, p.relTheirs(s.Seq), p.relTheirs(s.Seq)+s.Len, s.Len, p.relOurs(s.Ack), s)
	}
	if s.Src != local || s.Dst != remote {
		p.t.Fatalf("segment %s goes %s->%s, want %s->%s", s, s.Src, s.Dst, local, remote)
	}
	return s
}

func (p *peer) expectNone(out []stack.Observed) {
	p.t.Helper()
	if segs := segments(out); len(segs) != 0 {
		p.t.Fatalf("want no segment, got:\n%s", dump(out))
	}
}

// expectResult checks that out holds a result of call k on fd with ret and
// errno e.
func (p *peer) expectResult(out []stack.Observed, k spec.CallKind, fd int32, ret int64, e spec.Errno) {
	p.t.Helper()
	for _, r := range results(out) {
		if r.Call == k && r.FD == fd {
			if r.Ret != ret || (ret == -1 && r.Err != e) {
				p.t.Fatalf("want %s(%d) = %d %s, got %s", k, fd, ret, e, r)
			}
			return
		}
	}
	p.t.Fatalf("no result of %s(%d) in:\n%s", k, fd, dump(out))
}

// state reads the TCP state of fd through getsockopt(TCP_INFO).
func (p *peer) state(fd int32) spec.State {
	p.t.Helper()
	r := results(p.call(spec.Call{Kind: spec.CallGetsockopt, FD: fd, Opt: spec.OptState}))
	if len(r) != 1 || r[0].Ret < 0 {
		p.t.Fatalf("getsockopt(%d, TCP_INFO): %v", fd, r)
	}
	return spec.State(r[0].Ret)
}

// connState is the state of the test's connection as the stack holds it,
// socket or not.
func (p *peer) connState() spec.State {
	p.t.Helper()
	cs, ok := p.s.(connStater)
	if !ok {
		p.t.Fatalf("%s cannot tell connection states", p.s.Name())
	}
	st := cs.ConnState(spec.FourTuple{Local: local, Remote: remote})
	p.note("state %s", st)
	return st
}

// listen opens a listener on local as fd 3.
func (p *peer) listen() int32 {
	p.t.Helper()
	p.mustCall(spec.Call{Kind: spec.CallSocket}, 3)
	p.mustCall(spec.Call{Kind: spec.CallSetsockopt, FD: 3, Opt: spec.OptReuseAddr, Val: 1}, 0)
	p.mustCall(spec.Call{Kind: spec.CallBind, FD: 3, Addr: local}, 0)
	p.mustCall(spec.Call{Kind: spec.CallListen, FD: 3, N: 8}, 0)
	return 3
}

// passiveOpen opens a listener (fd 3), completes a handshake with
// timestamps and accepts the connection as fd 4.
func (p *peer) passiveOpen() int32 {
	p.t.Helper()
	p.listen()
	p.ts = true
	syn := p.seg(spec.SYN, 0)
	syn.Opts.MSS = 1460
	p.sndNxt = syn.End()
	out := p.inject(syn)
	p.expect(out, spec.SYN|spec.ACK, 0, 1, 0)
	if p.rtt > 0 {
		p.wait(p.rtt)
	}
	p.expectNone(p.send(spec.ACK, 0))
	p.mustCall(spec.Call{Kind: spec.CallAccept, FD: 3}, 4)
	return 4
}

// activeOpen connects fd 3 from local to the peer and completes the
// handshake.
func (p *peer) activeOpen() int32 {
	p.t.Helper()
	return p.activeOpenReuse(false)
}

// activeOpenReuse is activeOpen, setting SO_REUSEADDR first if reuse.
func (p *peer) activeOpenReuse(reuse bool) int32 {
	p.t.Helper()
	p.mustCall(spec.Call{Kind: spec.CallSocket}, 3)
	if reuse {
		p.mustCall(spec.Call{Kind: spec.CallSetsockopt, FD: 3, Opt: spec.OptReuseAddr, Val: 1}, 0)
	}
	p.mustCall(spec.Call{Kind: spec.CallBind, FD: 3, Addr: local}, 0)
	out := p.call(spec.Call{Kind: spec.CallConnect, FD: 3, Addr: remote})
	p.expect(out, spec.SYN, 0, 0, 0)
	if len(results(out)) != 0 {
		p.t.Fatalf("connect returned at once: %s", dump(out))
	}
	p.ts = segments(out)[0].Opts.HasTS
	synack := p.seg(spec.SYN|spec.ACK, 0)
	synack.Opts.MSS = 1460
	p.sndNxt = synack.End()
	out = p.inject(synack)
	p.expect(out, spec.ACK, 1, 1, 0)
	p.expectResult(out, spec.CallConnect, 3, 0, spec.OK)
	return 3
}

func dump(out []stack.Observed) string {
	var b strings.Builder
	for _, o := range out {
		b.WriteString(o.At.String() + " " + o.Out.String() + "\n")
	}
	return b.String()
}
