package script

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
)

// fakeStack is a Stack with canned behaviour: outputs scheduled at fixed
// times (delivered by Advance), and replies to injected segments and calls.
type fakeStack struct {
	now      spec.Time
	timed    []Observed
	injected []spec.Segment
	calls    []spec.Call
	onCall   func(c spec.Call, at spec.Time) []Observed
	onSeg    func(s spec.Segment, at spec.Time) []Observed
	callErr  error
	stuck    bool // Advance never moves
	commands []*Command
}

func (f *fakeStack) Name() string   { return "fake" }
func (f *fakeStack) Now() spec.Time { return f.now }
func (f *fakeStack) Close() error   { return nil }

func (f *fakeStack) Inject(at spec.Time, seg spec.Segment) ([]Observed, error) {
	f.now = max(f.now, at)
	f.injected = append(f.injected, seg)
	if f.onSeg != nil {
		return f.onSeg(seg, f.now), nil
	}
	return nil, nil
}

func (f *fakeStack) Call(at spec.Time, c spec.Call) ([]Observed, error) {
	if f.callErr != nil {
		return nil, f.callErr
	}
	f.now = max(f.now, at)
	f.calls = append(f.calls, c)
	if f.onCall != nil {
		return f.onCall(c, f.now), nil
	}
	ret := int64(0)
	if c.Kind == spec.CallWrite {
		ret = c.N
	}
	return []Observed{{At: f.now, Out: spec.ResultOut(c.FD, c.Kind, ret, spec.OK)}}, nil
}

func (f *fakeStack) Advance(until spec.Time) ([]Observed, error) {
	if f.stuck {
		return nil, nil
	}
	first := spec.Time(-1)
	for _, o := range f.timed {
		if o.At <= until && (first < 0 || o.At < first) {
			first = o.At
		}
	}
	if first < 0 {
		f.now = max(f.now, until)
		return nil, nil
	}
	var out, rest []Observed
	for _, o := range f.timed {
		if o.At == first {
			out = append(out, o)
		} else {
			rest = append(rest, o)
		}
	}
	f.timed = rest
	f.now = max(f.now, first)
	return out, nil
}

// modelling wraps a fake stack with a FieldModeller.
type modelling struct {
	*fakeStack
	fields map[string]bool
}

func (m modelling) Models(f string) bool { return m.fields[f] }

type commanding struct{ *fakeStack }

func (c commanding) Command(at spec.Time, cmd *Command) error {
	c.commands = append(c.commands, cmd)
	return nil
}

var (
	localAddr  = spec.SockAddr{IP: stack.LocalIP(), Port: stack.LocalPort}
	remoteAddr = spec.SockAddr{IP: stack.RemoteIP(), Port: stack.RemotePort}
)

func seg(flags spec.Flags, seq, ack, n uint32) spec.Segment {
	return spec.Segment{Src: localAddr, Dst: remoteAddr, Flags: flags, Seq: spec.Seq(seq), Ack: spec.Seq(ack), Len: n, Wnd: 100}
}

func at(d time.Duration) spec.Time { return spec.Time(d) }

func runFake(t *testing.T, src string, st Stack) *Result {
	t.Helper()
	s := mustParse(t, src)
	res, err := Run(s, st, RunOptions{})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}

// TestRunPSH: PSH is checked on a stack that models it (every stack
// without a FieldModeller), reported unchecked on one that does not.
func TestRunPSH(t *testing.T) {
	src := "0 write(3, ..., 10) = 10\n+0 > P. 1:11(10) ack 1\n"
	mk := func() *fakeStack {
		return &fakeStack{onCall: func(c spec.Call, now spec.Time) []Observed {
			return []Observed{
				{At: now, Out: spec.ResultOut(3, spec.CallWrite, 10, spec.OK)},
				{At: now, Out: spec.SegmentOut(seg(spec.ACK, 1, 1, 10))},
			}
		}}
	}
	res := runFake(t, src, mk())
	if d := res.Divergence; d == nil || d.Kind != DivSegment || d.Fields[0].Field != "flags" || d.Fields[0].Expected != "P." || d.Fields[0].Actual != "." {
		t.Errorf("stack modelling PSH: want a flags divergence, got %v", d)
	}
	res = runFake(t, src, modelling{mk(), map[string]bool{FieldWindow: true}})
	if !res.Passed() {
		t.Errorf("stack not modelling PSH: %v", res.Divergence)
	}
	if res.Unchecked < 2 { // PSH, win not scripted
		t.Errorf("unchecked = %d", res.Unchecked)
	}
}

// TestRunWindowAndOptions: window and options are checked only where the
// stack models them; a field left open is never a failure.
func TestRunWindowAndOptions(t *testing.T) {
	src := "0 write(3, ..., 10) = 10\n+0 > . 1:11(10) ack 1 win 7 <mss 5,sackOK,TS val 1 ecr 2>\n"
	s := seg(spec.ACK, 1, 1, 10)
	s.Opts = spec.Options{MSS: 5, HasTS: true, TS: spec.Timestamp{Val: 99, Ecr: 98}}
	mk := func() *fakeStack {
		return &fakeStack{onCall: func(c spec.Call, now spec.Time) []Observed {
			return []Observed{{At: now, Out: spec.ResultOut(3, spec.CallWrite, 10, spec.OK)}, {At: now, Out: spec.SegmentOut(s)}}
		}}
	}
	res := runFake(t, src, mk())
	d := res.Divergence
	if d == nil || len(d.Fields) != 2 || d.Fields[0].Field != "win" || d.Fields[1].Field != FieldSackOK {
		t.Fatalf("full stack: want win and sackOK to differ, got %v", d)
	}
	res = runFake(t, src, modelling{mk(), map[string]bool{FieldMSS: true, FieldTS: true}})
	if !res.Passed() {
		t.Errorf("stack modelling mss and TS only: %v", res.Divergence)
	}
	s.Opts.MSS = 6
	res = runFake(t, src, modelling{mk(), map[string]bool{FieldMSS: true}})
	if d := res.Divergence; d == nil || d.Fields[0].Field != FieldMSS || d.Fields[0].Expected != "mss 5" || d.Fields[0].Actual != "mss 6" {
		t.Errorf("mss value: %v", d)
	}
}

// TestRunTiming: packetdrill's tolerance (4 ms, or a percentage of the gap
// since the previous event), ranges and "*".
func TestRunTiming(t *testing.T) {
	cases := []struct {
		name string
		src  string
		when time.Duration // when the fake sends its segment
		pass bool
	}{
		{"exact", "0 write(3, ..., 1) = 1\n0.5 > . 1:1(0) ack 1\n", 500 * time.Millisecond, true},
		{"within 4ms", "--tolerance_percent=0\n0 write(3, ..., 1) = 1\n0.5 > . 1:1(0) ack 1\n", 503 * time.Millisecond, true},
		{"beyond 4ms", "--tolerance_percent=0\n0 write(3, ..., 1) = 1\n0.5 > . 1:1(0) ack 1\n", 505 * time.Millisecond, false},
		{"early", "--tolerance_percent=0\n0 write(3, ..., 1) = 1\n0.5 > . 1:1(0) ack 1\n", 490 * time.Millisecond, false},
		{"tolerance_usecs", "--tolerance_usecs=20000\n--tolerance_percent=0\n0 write(3, ..., 1) = 1\n0.5 > . 1:1(0) ack 1\n", 515 * time.Millisecond, true},
		{"12.5% of 1s", "0 write(3, ..., 1) = 1\n1 > . 1:1(0) ack 1\n", 1120 * time.Millisecond, true},
		{"beyond 12.5% of 1s", "0 write(3, ..., 1) = 1\n1 > . 1:1(0) ack 1\n", 1130 * time.Millisecond, false},
		{"absolute range", "0 write(3, ..., 1) = 1\n0.1~0.3 > . 1:1(0) ack 1\n", 200 * time.Millisecond, true},
		{"after absolute range", "--tolerance_percent=0\n0 write(3, ..., 1) = 1\n0.1~0.3 > . 1:1(0) ack 1\n", 310 * time.Millisecond, false},
		{"relative range", "0 write(3, ..., 1) = 1\n+0.1~+0.3 > . 1:1(0) ack 1\n", 250 * time.Millisecond, true},
		{"any time", "0 write(3, ..., 1) = 1\n* > . 1:1(0) ack 1\n", 9 * time.Minute, true},
		{"relative to the segment seen", "--tolerance_percent=0\n0 write(3, ..., 1) = 1\n* > . 1:1(0) ack 1\n+0.5 write(3, ..., 1) = 1\n", 2 * time.Second, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := &fakeStack{timed: []Observed{{At: at(c.when), Out: spec.SegmentOut(seg(spec.ACK, 1, 1, 0))}}}
			res := runFake(t, c.src, f)
			if res.Passed() != c.pass {
				t.Errorf("passed = %v, want %v: %v", res.Passed(), c.pass, res.Divergence)
			}
			if c.name == "relative to the segment seen" && (len(f.calls) != 2 || f.now != at(2500*time.Millisecond)) {
				t.Errorf("second call at %s", f.now)
			}
		})
	}
}

// TestRunSequenceMapping: the local ISN is learned from the stack's SYN,
// the remote ISN comes from --tcpclose_remote_isn; inbound numbers are
// shifted by them, across the 2^32 wrap.
func TestRunSequenceMapping(t *testing.T) {
	f := &fakeStack{}
	f.onCall = func(c spec.Call, now spec.Time) []Observed {
		if c.Kind == spec.CallConnect {
			syn := seg(spec.SYN, 4294967290, 0, 0)
			syn.Src.Port = 40000
			syn.Dst.Port = stack.ConnectPort
			return []Observed{{At: now, Out: spec.SegmentOut(syn)}}
		}
		return []Observed{{At: now, Out: spec.ResultOut(c.FD, c.Kind, 3, spec.OK)}}
	}
	f.onSeg = func(s spec.Segment, now spec.Time) []Observed {
		a := spec.Segment{Src: s.Dst, Dst: s.Src, Flags: spec.ACK, Seq: s.Ack, Ack: s.Seq + 1, Wnd: 100}
		return []Observed{{At: now, Out: spec.SegmentOut(a)}, {At: now, Out: spec.ResultOut(3, spec.CallConnect, 0, spec.OK)}}
	}
	res := runFake(t, `--tcpclose_remote_isn=4294967295
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0...0 connect(3, ..., ...) = 0
+0 > S 0:0(0)
+0 < S. 0:0(0) ack 1 win 1000
+0 > . 1:1(0) ack 1
`, f)
	if !res.Passed() {
		t.Fatalf("%v", res.Divergence)
	}
	got := f.injected[0]
	want := spec.Segment{Src: spec.SockAddr{IP: stack.RemoteIP(), Port: stack.ConnectPort}, Dst: spec.SockAddr{IP: stack.LocalIP(), Port: 40000},
		Flags: spec.SYN | spec.ACK, Seq: 4294967295, Ack: 4294967291, Wnd: 1000}
	if got != want {
		t.Errorf("injected %v (%s->%s), want %v (%s->%s)", got, got.Src, got.Dst, want, want.Src, want.Dst)
	}
}

// TestRunCalls: results are checked when the call returns, blocking calls
// later; a result nobody waits for, a stack error and a stack that does
// not advance are reported.
func TestRunCalls(t *testing.T) {
	t.Run("blocking call returns later", func(t *testing.T) {
		f := &fakeStack{
			onCall: func(c spec.Call, now spec.Time) []Observed { return nil },
			timed:  []Observed{{At: at(time.Second), Out: spec.ResultOut(4, spec.CallRead, 7, spec.OK)}},
		}
		if res := runFake(t, "0...1 read(4, ..., 10) = 7\n", f); !res.Passed() {
			t.Errorf("%v", res.Divergence)
		}
		f = &fakeStack{
			onCall: func(c spec.Call, now spec.Time) []Observed { return nil },
			timed:  []Observed{{At: at(time.Second), Out: spec.ResultOut(4, spec.CallRead, 8, spec.OK)}},
		}
		res := runFake(t, "0...1 read(4, ..., 10) = 7\n", f)
		if d := res.Divergence; d == nil || d.Kind != DivResult || !strings.Contains(d.Detail, "returned 8, expected 7") {
			t.Errorf("wrong value: %v", d)
		}
	})
	t.Run("getsockopt value", func(t *testing.T) {
		f := &fakeStack{onCall: func(c spec.Call, now spec.Time) []Observed {
			return []Observed{{At: now, Out: spec.ResultOut(4, spec.CallGetsockopt, int64(spec.TimeWait), spec.OK)}}
		}}
		res := runFake(t, "0 getsockopt(4, SOL_TCP, TCP_INFO, {tcpi_state=TCP_FIN_WAIT2}, ...) = 0\n", f)
		if d := res.Divergence; d == nil || !strings.Contains(d.Detail, "option value {tcpi_state=TIME-WAIT}, expected {tcpi_state=TCP_FIN_WAIT2}") {
			t.Errorf("%v", d)
		}
	})
	t.Run("unexpected result", func(t *testing.T) {
		f := &fakeStack{timed: []Observed{{At: at(time.Second / 2), Out: spec.ResultOut(9, spec.CallRead, 1, spec.OK)}}}
		res := runFake(t, "0 close(3) = 0\n+1 close(3) = 0\n", f)
		if d := res.Divergence; d == nil || d.Kind != DivResult || d.Pos.Line != 2 {
			t.Errorf("%v", d)
		}
	})
	t.Run("stack error", func(t *testing.T) {
		f := &fakeStack{callErr: errors.New("boom")}
		_, err := Run(mustParse(t, "0 close(3) = 0\n"), f, RunOptions{})
		if err == nil || !strings.Contains(err.Error(), "t.pkt:1: fake: close(3): boom") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("stuck stack", func(t *testing.T) {
		f := &fakeStack{stuck: true}
		_, err := Run(mustParse(t, "0 close(3) = 0\n1 close(3) = 0\n"), f, RunOptions{})
		if err == nil || !strings.Contains(err.Error(), "made no progress") {
			t.Errorf("err = %v", err)
		}
	})
}

// TestRunShellBeyond: a shell command the model cannot follow stops the
// run at its line, beyond the model; what came before conformed.
func TestRunShellBeyond(t *testing.T) {
	cases := []struct{ src, want string }{
		{"0 close(3) = 0\n+0 `tc qdisc add dev tun0 root netem loss 100%`\n+1 close(3) = 0\n", "t.pkt:2: shell command `tc qdisc"},
		{"0 close(3) = 0\n+0 `sysctl -q net.ipv4.tcp_rfc1337=1`\n+0 close(3) = 0\n", "t.pkt:2: sysctl net.ipv4.tcp_rfc1337=1 after the first packet or call"},
		{"0 close(3) = 0\n+0 `sysctl -q net.ipv4.tcp_fin_timeout=0`\n+0 close(3) = 0\n", "t.pkt:2: t.pkt:2: sysctl net.ipv4.tcp_fin_timeout=0: 0 has no profile equivalent"},
		{"0 close(3) = 0\n+0 `sysctl -q net.ipv4.tcp_bogus=1`\n+0 close(3) = 0\n", "t.pkt:2: sysctl net.ipv4.tcp_bogus (not in the model's sysctl table)"},
		{"0 close(3) = 0\n+0 `sysctl -w net.inet.tcp.blackhole=2`\n+0 close(3) = 0\n", "t.pkt:2: sysctl net.inet.tcp.blackhole=2"},
		{"`sockstat -4 | grep -c TIME_WAIT`\n0 close(3) = 0\n", "t.pkt:2: sockstat pipeline sockstat -4"},
		{"0 close(3) = 0\n+0 %{ assert tcpi_snd_cwnd == 10 }%\n", "t.pkt:2: python code (assert tcpi_snd_cwnd == 10)"},
	}
	for _, c := range cases {
		res, err := Run(mustParse(t, c.src), &fakeStack{}, RunOptions{})
		if err != nil || res.Divergence != nil || res.Beyond == nil || res.Passed() || !res.IsBeyond() {
			t.Errorf("%q: %v %v %v", c.src, err, res.Divergence, res.Beyond)
			continue
		}
		if got := res.Beyond.Pos.String() + ": " + res.Beyond.Feature; !strings.HasPrefix(got, c.want) {
			t.Errorf("%q: beyond %q, want %q", c.src, got, c.want)
		}
	}
	// A shell command shows only in the lines after it: a script that
	// ends first conforms.
	res, err := Run(mustParse(t, "0 close(3) = 0\n+0 `tcpdrop -s TIME_WAIT`\n"), &fakeStack{}, RunOptions{})
	if err != nil || !res.Passed() {
		t.Errorf("command at the end: %v %v %v", err, res.Divergence, res.Beyond)
	}
	// Known commands and unmodelled sysctls are reported, not beyond.
	res, err = Run(mustParse(t, "`../common/defaults.sh`\n0 close(3) = 0\n+0 `sysctl -w net.inet.tcp.sack.enable=1 net.inet.tcp.blackhole=0`\n"), &fakeStack{}, RunOptions{})
	if err != nil || !res.Passed() || len(res.Commands) != 3 {
		t.Errorf("known commands: %v %v %v", err, res.Beyond, res.Commands)
	}
}

// TestRunNoticesAndCommands: notices are recorded and never fail a
// script; shell commands are run by a Commander and reported otherwise.
func TestRunNoticesAndCommands(t *testing.T) {
	src := "`sysctl -q net.ipv4.tcp_rfc1337=1; ../common/defaults.sh`\n0 close(3) = 0\n+1 `echo hi`\n"
	f := &fakeStack{timed: []Observed{{At: at(time.Second / 2), Out: spec.NoticeOut(3, spec.NoticeReset, spec.FourTuple{})}}}
	var vb bytes.Buffer
	res, err := Run(mustParse(t, src), f, RunOptions{Verbose: &vb})
	if err != nil || !res.Passed() {
		t.Fatalf("%v %v", err, res.Divergence)
	}
	if len(res.Notices) != 1 || res.Notices[0].Out.Notice != spec.NoticeReset {
		t.Errorf("notices %v", res.Notices)
	}
	if len(res.Commands) != 3 {
		t.Errorf("commands %v", res.Commands)
	}
	for _, want := range []string{"t.pkt:1: not run by fake (known): t.pkt:1: sysctl -q net.ipv4.tcp_rfc1337=1", "t.pkt:1: not run by fake (known): t.pkt:1: ../common/defaults.sh", "notice fd 3: reset"} {
		if !strings.Contains(vb.String(), want) {
			t.Errorf("verbose lacks %q:\n%s", want, vb.String())
		}
	}
	c := commanding{&fakeStack{}}
	res, err = Run(mustParse(t, src), c, RunOptions{})
	if err != nil || !res.Passed() || len(res.Commands) != 0 || len(c.commands) != 2 {
		t.Errorf("commander: %v %v %v %d", err, res.Divergence, res.Commands, len(c.commands))
	}
}
