package model

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tcpclose/tcpclose/spec"
)

// bench drives one model host against a scripted peer, smoltcp-style: each
// rule test sets up a connection, sends segments, and checks exactly what
// the host answers.
type bench struct {
	t     *testing.T
	h     *Host
	now   spec.Time
	out   []spec.Output
	local spec.SockAddr
	peer  spec.SockAddr
	iss   spec.Seq // our ISS (fixed)
	irs   spec.Seq // the peer's ISN
	fd    int32    // the connected socket
	lfd   int32    // the listening socket, if any
}

const (
	testISS = spec.Seq(1000)
	peerISN = spec.Seq(5000)
)

func newBench(t *testing.T, profile string, mods ...func(*spec.Profile)) *bench {
	t.Helper()
	p := spec.MustProfile(profile)
	for _, m := range mods {
		m(&p)
	}
	h, err := New(p, spec.HostConfig{Addr: spec.IPv4(192, 168, 0, 1), ISNSecret: 7, FixedISS: testISS})
	if err != nil {
		t.Fatal(err)
	}
	return &bench{t: t, h: h,
		local: spec.SockAddr{IP: spec.IPv4(192, 168, 0, 1), Port: 8080},
		peer:  spec.SockAddr{IP: spec.IPv4(192, 0, 2, 1), Port: 50000},
		iss:   testISS, irs: peerISN, fd: -1, lfd: -1}
}

func (b *bench) tuple() spec.FourTuple { return spec.FourTuple{Local: b.local, Remote: b.peer} }

func (b *bench) step(ev spec.Event) []spec.Output {
	ev.At = b.now
	b.out = b.h.Step(&ev, nil)
	return b.out
}

// call makes a socket call and returns its result (Ret, Err); ok is false
// if the call blocked.
func (b *bench) call(c spec.Call) (ret int64, err spec.Errno, ok bool) {
	b.step(spec.Event{Kind: spec.EvCall, Call: c})
	for _, o := range b.out {
		if o.Kind == spec.OutResult && o.Call == c.Kind && (o.FD == c.FD || c.Kind == spec.CallSocket) {
			return o.Ret, o.Err, true
		}
	}
	return 0, 0, false
}

func (b *bench) mustCall(c spec.Call, want int64) {
	b.t.Helper()
	ret, err, ok := b.call(c)
	if !ok || ret != want {
		b.t.Fatalf("%s = %d %s (returned %v), want %d\noutputs: %v", c, ret, err, ok, want, b.out)
	}
}

// in delivers a segment from the peer; seq and ack are absolute.
func (b *bench) in(flags spec.Flags, seq, ack spec.Seq, n uint32) []spec.Output {
	s := spec.Segment{Src: b.peer, Dst: b.local, Flags: flags, Seq: seq, Ack: ack, Len: n, Wnd: 65535}
	return b.step(spec.Event{Kind: spec.EvSegment, Seg: s})
}

func (b *bench) inSeg(s spec.Segment) []spec.Output {
	if s.Src == (spec.SockAddr{}) {
		s.Src, s.Dst = b.peer, b.local
	}
	return b.step(spec.Event{Kind: spec.EvSegment, Seg: s})
}

// advance moves the clock by d.
func (b *bench) advance(d time.Duration) []spec.Output {
	b.now = b.now.Add(d)
	return b.step(spec.Event{Kind: spec.EvAdvance})
}

func (b *bench) advanceTo(t spec.Time) []spec.Output {
	b.now = t
	return b.step(spec.Event{Kind: spec.EvAdvance})
}

func (b *bench) state() spec.State { return b.h.ConnState(b.tuple()) }

func (b *bench) conn() *Conn { return b.h.conns[b.tuple()] }

func (b *bench) wantState(s spec.State) {
	b.t.Helper()
	if got := b.state(); got != s {
		b.t.Fatalf("state %s, want %s (last outputs %v)", got, s, b.out)
	}
}

// outputsOf returns what get picks from the last outputs of kind k.
func outputsOf[T any](b *bench, k spec.OutputKind, get func(spec.Output) T) []T {
	var xs []T
	for _, o := range b.out {
		if o.Kind == k {
			xs = append(xs, get(o))
		}
	}
	return xs
}

// segs returns the segments among the last outputs.
func (b *bench) segs() []spec.Segment {
	return outputsOf(b, spec.OutSegment, func(o spec.Output) spec.Segment { return o.Seg })
}

// wantSegs checks the last outputs' segments against short forms like
// "F. 1001 5001 0" (flags seq ack len, absolute numbers; ack omitted for
// segments without ACK: "R 1001 0").
func (b *bench) wantSegs(want ...string) {
	b.t.Helper()
	var got []string
	for _, s := range b.segs() {
		got = append(got, short(s))
	}
	if strings.Join(got, " | ") != strings.Join(want, " | ") {
		b.t.Fatalf("segments:\n got  %q\n want %q\noutputs: %v", got, want, b.out)
	}
}

func short(s spec.Segment) string {
	if s.Flags&spec.ACK != 0 {
		return fmt.Sprintf("%s %d %d %d", s.Flags, uint32(s.Seq), uint32(s.Ack), s.Len)
	}
	return fmt.Sprintf("%s %d %d", s.Flags, uint32(s.Seq), s.Len)
}

func (b *bench) noSegs() {
	b.t.Helper()
	if ss := b.segs(); len(ss) != 0 {
		b.t.Fatalf("unexpected segments %v", ss)
	}
}

// notices returns the notices among the last outputs.
func (b *bench) notices() []spec.Notice {
	return outputsOf(b, spec.OutNotice, func(o spec.Output) spec.Notice { return o.Notice })
}

func (b *bench) hasNotice(n spec.Notice) bool { return slices.Contains(b.notices(), n) }

func (b *bench) fired(id spec.RuleID) bool { return slices.Contains(b.h.Fired(), id) }

// wantFired fails the test unless the host has recorded rule id.
func (b *bench) wantFired(id spec.RuleID) {
	b.t.Helper()
	if !b.fired(id) {
		b.t.Fatalf("%s not recorded (outputs %v)", id, b.out)
	}
}

// listen: socket 3 bound to port 8080 and listening.
func (b *bench) listen() {
	b.t.Helper()
	b.mustCall(spec.Call{Kind: spec.CallSocket}, 3)
	b.mustCall(spec.Call{Kind: spec.CallBind, FD: 3, Addr: spec.SockAddr{Port: 8080}}, 0)
	b.mustCall(spec.Call{Kind: spec.CallListen, FD: 3, N: 8}, 0)
}

// passiveOpen: listen on 8080, peer connects, accept returns fd 4. After
// it: our SND.NXT = iss+1, RCV.NXT = irs+1.
func (b *bench) passiveOpen() {
	b.t.Helper()
	b.listen()
	b.in(spec.SYN, b.irs, 0, 0)
	b.wantSegs(fmt.Sprintf("S. %d %d 0", b.iss, b.irs+1))
	b.in(spec.ACK, b.irs+1, b.iss+1, 0)
	b.wantState(spec.Established)
	b.mustCall(spec.Call{Kind: spec.CallAccept, FD: 3}, 4)
	b.fd, b.lfd = 4, 3
}

// connectNonBlock: socket 3 bound to port 8080, non-blocking, connects
// to the peer (EINPROGRESS: the SYN is out, nothing answered yet).
func (b *bench) connectNonBlock() {
	b.t.Helper()
	b.mustCall(spec.Call{Kind: spec.CallSocket}, 3)
	b.mustCall(spec.Call{Kind: spec.CallBind, FD: 3, Addr: spec.SockAddr{Port: 8080}}, 0)
	b.mustCall(spec.Call{Kind: spec.CallSetsockopt, FD: 3, Opt: spec.OptNonBlock, Val: 1}, 0)
	if ret, err, _ := b.call(spec.Call{Kind: spec.CallConnect, FD: 3, Addr: b.peer}); ret != -1 || err != spec.EINPROGRESS {
		b.t.Fatalf("connect = %d %s", ret, err)
	}
}

// passiveBench is newBench after passiveOpen: connection fd 4 in
// ESTABLISHED, accepted from listener fd 3.
func passiveBench(t *testing.T, profile string, mods ...func(*spec.Profile)) *bench {
	t.Helper()
	b := newBench(t, profile, mods...)
	b.passiveOpen()
	return b
}

// activeOpen: connect from local port 8080 (bound) to the peer.
func (b *bench) activeOpen() {
	b.t.Helper()
	b.connectNonBlock()
	b.wantSegs(fmt.Sprintf("S %d 0", b.iss))
	b.in(spec.SYN|spec.ACK, b.irs, b.iss+1, 0)
	b.wantSegs(fmt.Sprintf(". %d %d 0", b.iss+1, b.irs+1))
	b.wantState(spec.Established)
	b.fd = 3
}

// activeClose drives us from ESTABLISHED to TIME-WAIT: close, peer ACKs
// our FIN, peer sends FIN, we ACK.
func (b *bench) activeClose() {
	b.t.Helper()
	b.mustCall(spec.Call{Kind: spec.CallClose, FD: b.fd}, 0)
	b.wantSegs(fmt.Sprintf("F. %d %d 0", b.iss+1, b.irs+1))
	b.in(spec.ACK, b.irs+1, b.iss+2, 0)
	b.wantState(spec.FinWait2)
	b.in(spec.FIN|spec.ACK, b.irs+1, b.iss+2, 0)
	b.wantSegs(fmt.Sprintf(". %d %d 0", b.iss+2, b.irs+2))
	b.wantState(spec.TimeWait)
}
