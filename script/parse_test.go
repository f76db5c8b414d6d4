package script

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tcpclose/tcpclose/scenarios"
	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
)

func mustParse(t *testing.T, src string) *Script {
	t.Helper()
	s, err := Parse("t.pkt", []byte(src))
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, src)
	}
	return s
}

func TestParseOptions(t *testing.T) {
	s := mustParse(t, `--tolerance_usecs=10000
--tolerance_percent=0 --mss=1000
--ip_version=ipv4
--tcpclose_profiles=rfc9293,rfc793
--tcpclose_local_iss=4294967000
--tcpclose_remote_isn=0x10
--tcpclose_set=TimeWait=30s
--tcpclose_set=TimeWaitRST=exact-only
0 close(3) = -1 EBADF (Bad file descriptor)
`)
	if s.Tolerance != 10*time.Millisecond || s.TolerancePercent != 0 {
		t.Errorf("tolerance %v %v", s.Tolerance, s.TolerancePercent)
	}
	if !cmp.Equal(s.Profiles, []string{"rfc9293", "rfc793"}) {
		t.Errorf("profiles %v", s.Profiles)
	}
	if !s.HasLocalISS || s.LocalISS != 4294967000 || s.RemoteISN != 16 {
		t.Errorf("isns %v %v %v", s.HasLocalISS, s.LocalISS, s.RemoteISN)
	}
	want := []Setting{
		{Pos: Pos{"t.pkt", 7}, Field: "TimeWait", Value: "30s", From: "--tcpclose_set"},
		{Pos: Pos{"t.pkt", 8}, Field: "TimeWaitRST", Value: "exact-only", From: "--tcpclose_set"},
	}
	if d := cmp.Diff(want, s.Sets); d != "" {
		t.Errorf("sets (-want +got):\n%s", d)
	}
	if len(s.Options) != 9 || s.Options[2].Name != "mss" || s.Options[2].Line != 2 || !IgnoredOption("mss") {
		t.Errorf("options %+v", s.Options)
	}
	// Defaults.
	d := mustParse(t, "0 close(3) = 0\n")
	if !cmp.Equal(d.Profiles, []string{"rfc9293"}) || d.Tolerance != 4*time.Millisecond || d.TolerancePercent != 12.5 || d.HasLocalISS {
		t.Errorf("defaults: %+v", d)
	}
}

func TestParseTimes(t *testing.T) {
	s := mustParse(t, `
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
0.100 close(3) = 0
.25 close(3) = 0
+0.1 close(3) = 0
* > . 1:1(0)
0.1~0.3 > . 1:1(0)
+0~+0.2 > . 1:1(0)
0.100...0.200 read(3, ..., 10) = 0
+.01...0.011 connect(3, ..., ...) = 0
1 close(3) = 0
`)
	want := []EventTime{
		{TimeAbsolute, 0, 0},
		{TimeAbsolute, 100 * time.Millisecond, 0},
		{TimeAbsolute, 250 * time.Millisecond, 0},
		{TimeRelative, 100 * time.Millisecond, 0},
		{TimeAny, 0, 0},
		{TimeAbsoluteRange, 100 * time.Millisecond, 300 * time.Millisecond},
		{TimeRelativeRange, 0, 200 * time.Millisecond},
		{TimeAbsolute, 100 * time.Millisecond, 0},
		{TimeRelative, 10 * time.Millisecond, 0},
		{TimeAbsolute, time.Second, 0},
	}
	var got []EventTime
	for _, e := range s.Events {
		got = append(got, e.Time)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("times (-want +got):\n%s", d)
	}
	if sc := s.Events[7].Syscall; !sc.Blocking || sc.End != 200*time.Millisecond {
		t.Errorf("blocking read: %+v", sc)
	}
	if sc := s.Events[8].Syscall; !sc.Blocking || sc.End != 11*time.Millisecond {
		t.Errorf("blocking connect: %+v", sc)
	}
	for i, e := range s.Events {
		if e.Line != i+2 {
			t.Errorf("event %d at line %d, want %d", i, e.Line, i+2)
		}
	}
	if got := s.Events[8].String(); got != "+0.01...0.011 connect(3, ..., ...) = 0" {
		t.Errorf("String() = %q", got)
	}
}

func TestParsePackets(t *testing.T) {
	cases := []struct {
		src  string
		want Packet
	}{
		{"< S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>", Packet{
			Dir: Inbound, Flags: spec.SYN, FlagText: "S", HasWin: true, Win: 32792,
			Options: []TCPOption{{Kind: OptMSS, Val: 1000}, {Kind: OptSackOK}, {Kind: OptNOP}, {Kind: OptNOP}, {Kind: OptNOP}, {Kind: OptWScale, Val: 7}}}},
		{"> F. 1:1(0) ack 1", Packet{Dir: Outbound, Flags: spec.FIN | spec.ACK, FlagText: "F.", Seq: 1, HasAck: true, Ack: 1}},
		{"> R. 1:1(0) ack 1 win 0", Packet{Dir: Outbound, Flags: spec.RST | spec.ACK, FlagText: "R.", Seq: 1, HasAck: true, Ack: 1, HasWin: true}},
		{"> P. 1:1001(1000) ack 1 <...>", Packet{Dir: Outbound, Flags: spec.PSH | spec.ACK, FlagText: "P.", Seq: 1, Len: 1000, HasAck: true, Ack: 1, AnyOptions: true}},
		{"< - 5:5(0) win 10", Packet{Dir: Inbound, FlagText: "-", Seq: 5, HasWin: true, Win: 10}},
		{"< . 1:1(0) ack 2 win 257 <nop,nop,TS val 100 ecr 7,eol>", Packet{Dir: Inbound, Flags: spec.ACK, FlagText: ".", Seq: 1, HasAck: true, Ack: 2, HasWin: true, Win: 257,
			Options: []TCPOption{{Kind: OptNOP}, {Kind: OptNOP}, {Kind: OptTS, Val: 100, Ecr: 7}, {Kind: OptEOL}}}},
		{"< SEW 0:0(0) win 1", Packet{Dir: Inbound, Flags: spec.SYN, FlagText: "SEW", ECN: true, HasWin: true, Win: 1}},
		{"< 50001>8080 S 0:0(0) win 1", Packet{Dir: Inbound, SrcPort: 50001, DstPort: 8080, Flags: spec.SYN, FlagText: "S", HasWin: true, Win: 1}},
		{"< . 1:1(0) ack 1 win 1 <sack 5:10 20:30>", Packet{Dir: Inbound, Flags: spec.ACK, FlagText: ".", Seq: 1, HasAck: true, Ack: 1, HasWin: true, Win: 1,
			Options: []TCPOption{{Kind: OptSack, SackText: "5:10 20:30"}}, Beyond: "SACK blocks on an inbound segment (the model has no SACK recovery)"}},
		{"< SF 4294967295:4294967295(0) win 1", Packet{Dir: Inbound, Flags: spec.SYN | spec.FIN, FlagText: "SF", Seq: 4294967295, HasWin: true, Win: 1}},
		{"< P. 4294967000:704(1000) ack 1 win 1", Packet{Dir: Inbound, Flags: spec.PSH | spec.ACK, FlagText: "P.", Seq: 4294967000, Len: 1000, HasAck: true, Ack: 1, HasWin: true, Win: 1}},
	}
	for _, c := range cases {
		s := mustParse(t, "0 "+c.src+"\n")
		got := *s.Events[0].Packet
		for i := range got.Options {
			got.Options[i].Name = "" // as written; checked in TestParseBeyond
		}
		c.want.Pos = Pos{"t.pkt", 1}
		if d := cmp.Diff(c.want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", c.src, d)
		}
	}
	pk := mustParse(t, "0 < S 0:0(0) win 1 <mss 1000,sackOK,TS val 5 ecr 0,nop,wscale 7>\n").Events[0].Packet
	if so := pk.SegOptions(); so != (spec.Options{MSS: 1000, SackOK: true, HasTS: true, TS: spec.Timestamp{Val: 5}, WScale: 8}) {
		t.Errorf("SegOptions = %+v", so)
	}
}

func TestParseSyscalls(t *testing.T) {
	local := spec.SockAddr{IP: stack.LocalIP(), Port: stack.LocalPort}
	remote := spec.SockAddr{IP: stack.RemoteIP(), Port: stack.ConnectPort}
	cases := []struct {
		src  string
		call spec.Call
		ret  int64
		err  spec.Errno
		val  int64 // getsockopt value, if hasVal
		has  bool
	}{
		{"socket(..., SOCK_STREAM, IPPROTO_TCP) = 3", spec.Call{Kind: spec.CallSocket}, 3, 0, 0, false},
		{"socket(AF_INET, SOCK_STREAM, 0) = 3", spec.Call{Kind: spec.CallSocket}, 3, 0, 0, false},
		{"bind(3, ..., ...) = 0", spec.Call{Kind: spec.CallBind, FD: 3, Addr: local}, 0, 0, 0, false},
		{`bind(3, {sa_family=AF_INET, sin_port=htons(9000), sin_addr=inet_addr("192.168.0.1")}, 16) = 0`,
			spec.Call{Kind: spec.CallBind, FD: 3, Addr: spec.SockAddr{IP: stack.LocalIP(), Port: 9000}}, 0, 0, 0, false},
		{"listen(3, 1) = 0", spec.Call{Kind: spec.CallListen, FD: 3, N: 1}, 0, 0, 0, false},
		{"accept(3, ..., ...) = 4", spec.Call{Kind: spec.CallAccept, FD: 3}, 4, 0, 0, false},
		{"connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)", spec.Call{Kind: spec.CallConnect, FD: 3, Addr: remote}, -1, spec.EINPROGRESS, 0, false},
		{"read(4, ..., 1000) = 1000", spec.Call{Kind: spec.CallRead, FD: 4, N: 1000}, 1000, 0, 0, false},
		{"recv(4, ..., 1000, 0) = 0", spec.Call{Kind: spec.CallRead, FD: 4, N: 1000}, 0, 0, 0, false},
		{"write(4, ..., 1000) = 1000", spec.Call{Kind: spec.CallWrite, FD: 4, N: 1000}, 1000, 0, 0, false},
		{"send(4, ..., 10, 0) = -1 EPIPE (Broken pipe)", spec.Call{Kind: spec.CallWrite, FD: 4, N: 10}, -1, spec.EPIPE, 0, false},
		{"shutdown(4, SHUT_RD) = 0", spec.Call{Kind: spec.CallShutdown, FD: 4, How: spec.ShutRD}, 0, 0, 0, false},
		{"shutdown(4, SHUT_WR) = 0", spec.Call{Kind: spec.CallShutdown, FD: 4, How: spec.ShutWR}, 0, 0, 0, false},
		{"shutdown(4, SHUT_RDWR) = 0", spec.Call{Kind: spec.CallShutdown, FD: 4, How: spec.ShutRDWR}, 0, 0, 0, false},
		{"close(4) = 0", spec.Call{Kind: spec.CallClose, FD: 4}, 0, 0, 0, false},
		{"setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0", spec.Call{Kind: spec.CallSetsockopt, FD: 3, Opt: spec.OptReuseAddr, Val: 1}, 0, 0, 0, false},
		{"setsockopt(4, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0", spec.Call{Kind: spec.CallSetsockopt, FD: 4, Opt: spec.OptLinger, Val: 1}, 0, 0, 0, false},
		{"setsockopt(4, SOL_SOCKET, SO_LINGER, {onoff=1, linger=5}, 8) = 0", spec.Call{Kind: spec.CallSetsockopt, FD: 4, Opt: spec.OptLinger, Val: 1, Val2: 5}, 0, 0, 0, false},
		{"setsockopt(4, SOL_TCP, TCP_USER_TIMEOUT, [3000], 4) = 0", spec.Call{Kind: spec.CallSetsockopt, FD: 4, Opt: spec.OptUserTimeout, Val: 3000}, 0, 0, 0, false},
		{"setsockopt(4, IPPROTO_TCP, TCP_LINGER2, [5], 4) = 0", spec.Call{Kind: spec.CallSetsockopt, FD: 4, Opt: spec.OptLinger2, Val: 5}, 0, 0, 0, false},
		{"setsockopt(4, SOL_TCP, TCP_NODELAY, [1], 4) = 0", spec.Call{Kind: spec.CallSetsockopt, FD: 4, Opt: spec.OptNoDelay, Val: 1}, 0, 0, 0, false},
		{"setsockopt(4, SOL_TCP, TCP_R2, [-1], 4) = 0", spec.Call{Kind: spec.CallSetsockopt, FD: 4, Opt: spec.OptR2, Val: -1}, 0, 0, 0, false},
		{"fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0", spec.Call{Kind: spec.CallSetsockopt, FD: 3, Opt: spec.OptNonBlock, Val: 1}, 0, 0, 0, false},
		{"fcntl(3, F_SETFL, O_RDWR) = 0", spec.Call{Kind: spec.CallSetsockopt, FD: 3, Opt: spec.OptNonBlock}, 0, 0, 0, false},
		{"getsockopt(4, SOL_SOCKET, SO_ERROR, [ECONNRESET], [4]) = 0", spec.Call{Kind: spec.CallGetsockopt, FD: 4, Opt: spec.OptError}, 0, 0, int64(spec.ECONNRESET), true},
		{"getsockopt(4, SOL_SOCKET, SO_ERROR, [0], [4]) = 0", spec.Call{Kind: spec.CallGetsockopt, FD: 4, Opt: spec.OptError}, 0, 0, 0, true},
		{"getsockopt(4, SOL_TCP, TCP_INFO, {tcpi_state=TCP_TIME_WAIT}, ...) = 0", spec.Call{Kind: spec.CallGetsockopt, FD: 4, Opt: spec.OptState}, 0, 0, int64(spec.TimeWait), true},
		{"getsockopt(4, SOL_TCP, TCP_USER_TIMEOUT, [3000], [4]) = 0", spec.Call{Kind: spec.CallGetsockopt, FD: 4, Opt: spec.OptUserTimeout}, 0, 0, 3000, true},
		{"getsockopt(4, SOL_SOCKET, SO_REUSEADDR, ..., ...) = 0", spec.Call{Kind: spec.CallGetsockopt, FD: 4, Opt: spec.OptReuseAddr}, 0, 0, 0, false},
	}
	for _, c := range cases {
		s := mustParse(t, "0 "+c.src+"\n")
		sc := s.Events[0].Syscall
		if sc.Call != c.call || sc.Ret != c.ret || sc.Errno != c.err || sc.HasValue != c.has || sc.Value != c.val {
			t.Errorf("%s:\n got %+v ret %d %v value %v/%d\nwant %+v ret %d %v value %v/%d",
				c.src, sc.Call, sc.Ret, sc.Errno, sc.HasValue, sc.Value, c.call, c.ret, c.err, c.has, c.val)
		}
		if sc.String() != c.src && !strings.HasPrefix(c.src, "bind(3, {") {
			t.Errorf("String() = %q, want %q", sc.String(), c.src)
		}
	}
	if sc := mustParse(t, "0 getsockopt(4, SOL_SOCKET, SO_LINGER, {onoff=1, linger=5}, [8]) = 0\n").Events[0].Syscall; len(sc.Unchecked) != 1 || sc.Value != 1 {
		t.Errorf("getsockopt SO_LINGER: %+v", sc)
	}
}

func TestParseCommands(t *testing.T) {
	s := mustParse(t, "// header\n`../common/defaults.sh\nsysctl -q net.ipv4.tcp_rfc1337=1 net.ipv4.tcp_fin_timeout=5; echo 1 > /proc/sys/net/ipv4/tcp_tw_reuse`\n"+
		"0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"+
		"+0 `sysctl -w net.core.somaxconn=5 && ip link`\n"+
		"`echo done`\n")
	if s.Init == nil || s.Init.Line != 2 || s.Cleanup == nil || s.Cleanup.Line != 6 {
		t.Fatalf("init %+v cleanup %+v", s.Init, s.Cleanup)
	}
	wantSys := []Sysctl{
		{Pos: Pos{"t.pkt", 3}, Key: "net.ipv4.tcp_rfc1337", Value: "1", Text: "sysctl -q net.ipv4.tcp_rfc1337=1 net.ipv4.tcp_fin_timeout=5"},
		{Pos: Pos{"t.pkt", 3}, Key: "net.ipv4.tcp_fin_timeout", Value: "5", Text: "sysctl -q net.ipv4.tcp_rfc1337=1 net.ipv4.tcp_fin_timeout=5"},
		{Pos: Pos{"t.pkt", 3}, Key: "net.ipv4.tcp_tw_reuse", Value: "1", Text: "echo 1 > /proc/sys/net/ipv4/tcp_tw_reuse"},
	}
	if d := cmp.Diff(wantSys, s.Init.Sysctls); d != "" {
		t.Errorf("sysctls (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]ShellPart{{Pos: Pos{"t.pkt", 2}, Text: "../common/defaults.sh"}}, s.Init.Other); d != "" {
		t.Errorf("other (-want +got):\n%s", d)
	}
	ev := s.Events[1]
	if ev.Kind != EventCommand || len(ev.Command.Sysctls) != 1 || len(ev.Command.Other) != 1 || ev.Command.Other[0].Text != "ip link" {
		t.Errorf("timed command: %+v", ev.Command)
	}
}

func TestParseComments(t *testing.T) {
	s := mustParse(t, "/* a\n * multi-line\n */ 0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3 // trailing\n/**/+0 close(3) = 0\n")
	if len(s.Events) != 2 || s.Events[0].Line != 3 || s.Events[1].Line != 4 {
		t.Errorf("events %v %v", s.Events[0].Pos, s.Events[1].Pos)
	}
}

// TestParseErrors: bad input gives an error naming file:line, never a
// panic.
func TestParseErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{"", "t.pkt:1: script has no events"},
		{"0 close(3) = 0\n/* open", "t.pkt:2: unterminated /* comment"},
		{"0 close(3) = 0\n`ls", "t.pkt:2: unterminated ` shell command"},
		{"0 bind(3, \"x\n", "t.pkt:1: unterminated string"},
		{"0 close(3) = 0\n%{ print(1)\n", "t.pkt:2: unterminated %{ code block"},
		{"0 close(3) = 0 \x01", "t.pkt:1: unexpected byte 0x01"},
		{"0 close(3) = 0\n--mss=1\n", "t.pkt:2: option --mss=1 must come before the first event"},
		{"--frobnicate=1\n0 close(3) = 0", "t.pkt:1: --frobnicate: unknown option"},
		{"--tolerance_usecs=0\n0 close(3) = 0", "t.pkt:1: --tolerance_usecs: wants a positive number"},
		{"--tolerance_percent=101\n0 close(3) = 0", "t.pkt:1: --tolerance_percent: wants a percentage"},
		{"--tcpclose_profiles=rfc9293,windows\n0 close(3) = 0", "t.pkt:1: --tcpclose_profiles: unknown profile \"windows\""},
		{"--tcpclose_local_iss=0\n0 close(3) = 0", "t.pkt:1: --tcpclose_local_iss: 0 cannot be used"},
		{"--tcpclose_local_iss=4294967296\n0 close(3) = 0", "t.pkt:1: --tcpclose_local_iss: wants a sequence number"},
		{"--tcpclose_set=Bogus=1\n0 close(3) = 0", "t.pkt:1: --tcpclose_set: profile has no settable field \"Bogus\""},
		{"--tcpclose_set=TimeWait\n0 close(3) = 0", "t.pkt:1: --tcpclose_set: wants Field=Value"},
		{"--tcpclose_profiles\n0 close(3) = 0", "t.pkt:1: --tcpclose_profiles: needs a value"},
		{"\n0.1 close(3) = 0", "t.pkt:2: first event should be at time 0"},
		{"0 close(3) = 0\n0.3~0.1 > . 1:1(0)", "t.pkt:2: time range is backwards"},
		{"0 close(3) = 0\n0~+1 > . 1:1(0)", "t.pkt:2: time range mixes absolute and relative"},
		{"0 close(3) = 0\n-1 close(3) = 0", "t.pkt:2: an event time: negative time -1"},
		{"0 close(3) = 0\n2000000 close(3) = 0", "t.pkt:2: an event time: time 2000000 is too large"},
		{"0 close(3) = 0\n+0.5...0.1 read(3, ..., 1) = 0", "t.pkt:2: blocking call ends (0.1) before it starts (0.5)"},
		{"0 close(3) = 0\nfoo", "t.pkt:2: expected an event time"},
		{"0 close(3) = 0\n+0 frob", "t.pkt:2: expected a packet"},
		{"0 > S 4294967296:4294967296(0)", "t.pkt:1: start sequence number 4294967296 out of range"},
		{"0 close(3) = 0\n* < . 1:1(0) win 1", "t.pkt:2: event time * can only be used with outbound packets"},
		{"0 close(3) = 0\n0~1 close(3) = 0", "t.pkt:2: event time range can only be used with outbound packets"},
		{"0 < S 0:0(0)", "t.pkt:1: window must be specified for inbound packets"},
		{"0 < S 0:0(0) win 1 <...>", "t.pkt:1: <...> for TCP options can only be used with outbound packets"},
		{"0 > S 0:5(0)", "t.pkt:1: inconsistent TCP sequence numbers and payload size: 0:5(0)"},
		{"0 > S 0:0(70000)", "t.pkt:1: payload length 70000 out of range"},
		{"0 > X 0:0(0)", "t.pkt:1: unknown TCP flag 'X' in \"X\""},
		{"0 > 0:0(0)", "t.pkt:1: expected TCP flags (S F R P . E W, or - for none), found \"0\""},
		{"0 > S 0 0(0)", "t.pkt:1: expected \":\" between start and end"},
		{"0 > S 0:0(0) <wscale 300>", "t.pkt:1: window scale shift count 300 out of range"},
		{"0 > S 0:0(0) <mss 1 nop>", "t.pkt:1: expected , or > in the TCP option list"},
		{"0 > S 0:0(0) <TS val 1>", "t.pkt:1: expected \"ecr\""},
		{"0 > S. 0:0(0) win 5 ack 1", "t.pkt:1: \"ack\" out of place"},
		{"0 close(3)", "t.pkt:1: expected \"=\" before the expected result"},
		{"0 connect(3, 192.0.2.1, 16) = 0", "t.pkt:1: write addresses as ..."},
		{"0 close(3) = 0\n`ls`\n+0 close(3) = 0", "t.pkt:2: shell command `ls` needs an event time"},
		{"0 bind(3, [[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]], 4) = 0", "t.pkt:1: expression nested too deeply"},
	}
	for _, c := range cases {
		s, err := Parse("t.pkt", []byte(c.src))
		if err == nil {
			t.Errorf("%q: parsed (%d events), want error %q", c.src, len(s.Events), c.want)
			continue
		}
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%q: error %v is not a *ParseError", c.src, err)
		}
		if !strings.HasPrefix(err.Error(), c.want[:strings.Index(c.want, ": ")+2]) || !strings.Contains(err.Error(), c.want[strings.Index(c.want, ": ")+2:]) {
			t.Errorf("%q:\n got %q\nwant %q", c.src, err, c.want)
		}
	}
}

// TestParseBeyond: valid packetdrill that the model cannot play parses,
// and the line says what is beyond the model.
func TestParseBeyond(t *testing.T) {
	cases := []struct{ src, want string }{
		{"0 > S 0:0(0) <mss 1000,frob>", "TCP option frob"},
		{"0 close(3) = 0\n+0 %{ print(1) }%\n", "python code (print(1))"},
		{"--ip_version=ipv6\n--local_ip=10.0.0.1\n0 close(3) = 0\n+0 < S 0:0(0) win 1", "--local_ip=10.0.0.1 with --ip_version=ipv6"},
		{"--remote_ip=2001:db8::9\n0 close(3) = 0\n+0 < S 0:0(0) win 1", "--remote_ip=2001:db8::9 with --ip_version=ipv4"},
		{"--udp_encapsulation=sctp\n0 close(3) = 0\n+0 > S 0:0(0)", "TCP over UDP"},
		{"0 < S 0:0(0) win 1 <FO abcd>", "TCP Fast Open (FO option)"},
		{"0 < S 0:0(0) win 1 <FOEXP>", "TCP Fast Open (FOEXP option)"},
		{"0 < . 1:1(0) ack 1 win 1 <sack 1:2 3:4>", "SACK blocks"},
		{"0 > . 1:1(0) ack 1 <nop,exp 0xf989 1,eol>", "TCP option exp"},
		{"0 < icmp unreachable port_unreachable [0:0(0)]", "ICMP (unreachable port_unreachable)"},
		{"0 < udp 1>2 (10)", "UDP"},
		{"0 > encap psp spi 7 . 1:1(0) ack 1", "PSP"},
		{"0 > ipv4 1.2.3.4 > 5.6.7.8: S 0:0(0)", "ipv4 encapsulation"},
		{"0 > [ect0] S 0:0(0)", "IP header fields"},
		{"0 > S.1 0:0(0)", "AccECN"},
		{"0 < S ...(0) win 1", "unknown (...) sequence number"},
		{"0 > S. ...(0) ack 1 win 1 <mss 1452>/udp(9811 > 2)", "TCP over UDP"},
		{"0 sendmsg(4, {msg_name(...)=..., msg_iov(1)=[{..., 10}], msg_flags=0}, MSG_ZEROCOPY) = 10", "sendmsg"},
		{"0 poll([{fd=3, events=POLLIN, revents=POLLIN}], 1, 0) = 1", "poll"},
		{"0 epoll_ctl(3, EPOLL_CTL_ADD, 4, {events=EPOLLIN, fd=4}) = 0", "epoll_ctl"},
		{"0 ioctl(3, SIOCINQ, [10]) = 0", "ioctl"},
		{"0 sendto(3, ..., 10, MSG_FASTOPEN, ..., ...) = -1", "sendto with flags MSG_FASTOPEN"},
		{"0 setsockopt(3, SOL_TCP, TCP_FASTOPEN, [1], 4) = 0", "TCP_FASTOPEN"},
		{"0 > S 0:0(0) <md5 abc>", "TCP MD5 signature option"},
		{"0 > S 0:0(0) <mss 1,mss 2>", "TCP option mss repeated"},
		{"0 > S 0:0(0) urg 5", "the urgent pointer"},
		{"0 > udp (10)", "UDP"},
		{"0 > (tos 0x1) S 0:0(0)", "IP header fields"},
		{"0 poll(3) = 0", "poll: not a system call the model has"},
		{"0 socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP) = 3", "socket: IPv6 sockets"},
		{"0 socket(..., SOCK_DGRAM, IPPROTO_UDP) = 3", "socket: SOCK_DGRAM sockets"},
		{"0 close(3, 4) = 0", "close: wants 1 arguments"},
		{"0 close(x) = 0", "close: argument 1 must be a file descriptor number"},
		{"0 close(3) = -1 EFROB", "errno EFROB (the model never returns it)"},
		{"0 close(3) = 0 EBADF", "errno EBADF with a result of 0"},
		{"0 close(3) = ...", "an unchecked result (= ...)"},
		{"0 read(3, \"abc\", 3) = 3", "read: buffer contents are not modelled"},
		{"0 recv(3, ..., 3, MSG_PEEK) = 3", "recv: recv with flags MSG_PEEK"},
		{"0 setsockopt(3, SOL_SOCKET, SO_RCVBUF, [1], 4) = 0", "setsockopt: socket option SO_RCVBUF"},
		{"0 setsockopt(3, SOL_TCP, SO_REUSEADDR, [1], 4) = 0", "setsockopt: SO_REUSEADDR belongs to level SOL_SOCKET"},
		{"0 setsockopt(3, SOL_SOCKET, SO_LINGER, [1], 4) = 0", "setsockopt: SO_LINGER value must be {onoff=N, linger=N}"},
		{"0 getsockopt(3, SOL_TCP, TCP_INFO, {tcpi_rtt=5}, ...) = 0", "getsockopt: TCP_INFO: only {tcpi_state=STATE} is supported"},
		{"0 getsockopt(3, SOL_TCP, TCP_INFO, {tcpi_state=HALF_OPEN}, ...) = 0", "getsockopt: TCP_INFO: unknown TCP state"},
		{"0 getsockopt(3, SOL_SOCKET, SO_ERROR, [EFROB], [4]) = 0", "getsockopt: SO_ERROR value: unknown errno"},
		{"0 setsockopt(3, SOL_SOCKET, SO_ERROR, [1], 4) = 0", "setsockopt: socket option SO_ERROR"},
		{"0 fcntl(3, F_SETFL, O_APPEND) = 0", "fcntl: file status flag O_APPEND"},
		{`0 connect(3, {sa_family=AF_INET6, sin_port=htons(1), sin_addr=inet_addr("::1")}, 28) = 0`, "connect: IPv6 is not supported"},
		{`0 connect(3, {sa_family=AF_INET, sin_port=htons(1)}, 16) = 0`, "connect: sockaddr needs sa_family, sin_port and sin_addr"},
	}
	for _, c := range cases {
		s, err := Parse("t.pkt", []byte(c.src))
		if err != nil {
			t.Errorf("%q: %v, want a line beyond the model", c.src, err)
			continue
		}
		ev := s.Events[len(s.Events)-1]
		if !strings.Contains(ev.Beyond, c.want) {
			t.Errorf("%q: beyond %q, want %q", c.src, ev.Beyond, c.want)
		}
	}
}

// TestParsePrefixesNeverPanic parses every prefix of every scenario: each
// gives a script or an error, never a panic.
func TestParsePrefixesNeverPanic(t *testing.T) {
	for _, f := range []string{"close/blocking-calls.pkt", "timewait/timewait-rst-rfc1337.pkt"} {
		sc, err := scenarios.Get(f)
		if err != nil {
			t.Fatal(err)
		}
		src := sc.Content
		for i := range src {
			Parse("p.pkt", src[:i]) //nolint:errcheck // only panics matter here
		}
	}
}

// TestParseSourcedShell: with ParseOptions.ReadFile, a shell command that
// runs a shell script (packetdrill's defaults.sh) has it read relative to
// the script's directory: its sysctls, quoted, with $((arithmetic)) and
// redirections, follow marked Sourced; the other parts too.
func TestParseSourcedShell(t *testing.T) {
	files := map[string]string{
		"common/defaults.sh": "#!/bin/bash\n# comment\nip tcp_metrics flush all > /dev/null 2>&1\n" +
			"sysctl -q net.ipv4.tcp_rmem=\"4096 540000 $((15*1024*1024))\"\n" +
			"sysctl -q net.ipv4.tcp_notsent_lowat=4294967295 > /dev/null 2>&1\n" +
			"sysctl -q net.ipv4.tcp_syn_retries=5\ntc qdisc add dev tun0 root pfifo\n",
	}
	read := func(p string) ([]byte, error) {
		if s, ok := files[p]; ok {
			return []byte(s), nil
		}
		return nil, os.ErrNotExist
	}
	s, err := ParseWith("dir/t.pkt", []byte("`../common/defaults.sh`\n0 close(3) = 0\n"), ParseOptions{ReadFile: read})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, sc := range s.Init.Sysctls {
		got = append(got, fmt.Sprintf("%s=%s %v %d", sc.Key, sc.Value, sc.Sourced, sc.Line))
	}
	want := []string{"net.ipv4.tcp_rmem=4096 540000 15728640 true 4", "net.ipv4.tcp_notsent_lowat=4294967295 true 5", "net.ipv4.tcp_syn_retries=5 true 6"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("sysctls (-want +got):\n%s", d)
	}
	if o := s.Init.Other; len(o) != 3 || !o[0].Expanded || o[0].Sourced || !o[1].Sourced || o[2].Text != "tc qdisc add dev tun0 root pfifo" {
		t.Errorf("other parts %+v", o)
	}
	if len(s.Init.Sourced) != 1 || s.Init.Sourced[0] != "common/defaults.sh" {
		t.Errorf("sourced %v", s.Init.Sourced)
	}
	for _, c := range []struct {
		in   string
		want string
	}{{"$((1+2*3))", "7"}, {"$((8/2-1))", "3"}, {"a$((2))b", "a2b"}, {"$((1+))", "$((1+))"}, {"$((x))", "$((x))"}, {"$((9999999999999999))", "$((9999999999999999))"}} {
		if got := expandArith(c.in); got != c.want {
			t.Errorf("expandArith(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
