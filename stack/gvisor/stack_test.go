package gvisor

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"

	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
)

// TestAdvanceStopsAtOutput: Advance stops just after the first instant
// with output and stamps outputs with that instant, not with until.
func TestAdvanceStopsAtOutput(t *testing.T) {
	p, s := newGvisorPeer(t, Config{})
	fd := p.passiveOpen()
	p.want(p.call(closeFD(fd)), "> F. 1:1(0) ack 1", "close(4) = 0")
	out, err := s.Advance(spec.Time(10 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || out[0].At != spec.Time(time.Second) || s.Now() != spec.Time(time.Second) {
		t.Fatalf("Advance(10s) = %v, Now %s; want the FIN retransmission at 1s", dump(out), s.Now())
	}
	out, err = s.Advance(spec.Time(2500 * time.Millisecond))
	if err != nil || len(out) != 0 || s.Now() != spec.Time(2500*time.Millisecond) {
		t.Fatalf("Advance(2.5s) = %v, %v, Now %s; want nothing, at 2.5s", dump(out), err, s.Now())
	}
	// Time never runs backwards.
	if _, err := s.Advance(0); err != nil || s.Now() != spec.Time(2500*time.Millisecond) {
		t.Fatalf("Advance(0): %v, Now %s", err, s.Now())
	}
}

// TestInjectRunsTimersFirst: outputs of timers due before an Inject come
// back from it, stamped with their own times.
func TestInjectRunsTimersFirst(t *testing.T) {
	p, s := newGvisorPeer(t, Config{})
	fd := p.passiveOpen()
	p.want(p.call(closeFD(fd)), "> F. 1:1(0) ack 1", "close(4) = 0")
	seg := p.seg(spec.ACK, 0) // acknowledges the FIN
	out, err := s.Inject(spec.Time(1500*time.Millisecond), seg)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || out[0].At != spec.Time(time.Second) || out[0].Out.Seg.Flags != spec.FIN|spec.ACK {
		t.Fatalf("Inject at 1.5s = %v; want the FIN retransmitted at 1s", dump(out))
	}
	if st := s.ConnState(spec.FourTuple{Local: local, Remote: remote}); st != spec.FinWait2 {
		t.Fatalf("state %s after the ACK, want FIN-WAIT-2", st)
	}
}

// TestDeterministic: the same seed gives the same run, ISNs included; a
// different seed gives different ISNs.
func TestDeterministic(t *testing.T) {
	run := func(seed uint64) []stack.Observed {
		p, _ := newGvisorPeer(t, Config{Seed: seed})
		var all []stack.Observed
		p.s = recorder{Stack: p.s, out: &all}
		activeCloseTimeWait(p)
		return all
	}
	a, b, c := run(7), run(7), run(8)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("two runs with seed 7 differ:\n%s\n%s", dump(a), dump(b))
	}
	if sa, sc := segments(a)[0], segments(c)[0]; sa.Seq == sc.Seq {
		t.Errorf("seeds 7 and 8 give the same ISS %d", sa.Seq)
	}
}

// recorder keeps every output of a stack.
type recorder struct {
	stack.Stack
	out *[]stack.Observed
}

func (r recorder) keep(o []stack.Observed, err error) ([]stack.Observed, error) {
	*r.out = append(*r.out, o...)
	return o, err
}
func (r recorder) Inject(at spec.Time, s spec.Segment) ([]stack.Observed, error) {
	return r.keep(r.Stack.Inject(at, s))
}
func (r recorder) Call(at spec.Time, c spec.Call) ([]stack.Observed, error) {
	return r.keep(r.Stack.Call(at, c))
}
func (r recorder) Advance(u spec.Time) ([]stack.Observed, error) { return r.keep(r.Stack.Advance(u)) }
func (r recorder) ConnState(t spec.FourTuple) spec.State {
	return r.Stack.(connStater).ConnState(t)
}

// TestTimeWaitOption: Config.TimeWait and the sysctl set how long
// TIME-WAIT lasts. R9293-MUST13.
func TestTimeWaitOption(t *testing.T) {
	for name, cfg := range map[string]Config{
		"config": {TimeWait: 2 * time.Second},
		"sysctl": {Sysctls: [][2]string{{"gvisor.tcp_time_wait_timeout", "2"}}},
	} {
		t.Run(name, func(t *testing.T) {
			p, _ := newGvisorPeer(t, cfg)
			toTimeWait(p)
			start := p.at
			p.advance(start.Add(1900 * time.Millisecond))
			p.wantState(spec.TimeWait)
			p.advance(start.Add(2100 * time.Millisecond))
			p.wantState(spec.Closed)
		})
	}
}

func TestSysctl(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, kv := range [][2]string{
		{"net.ipv4.tcp_fin_timeout", "7"},
		{"net/ipv4/tcp_tw_reuse", "1"},
		{"tcp_sack", "0"},
		{"tcp_retries2", "5"},
		{"tcp_syn_retries", "3"},
		{"tcp_rto_min_us", "50000"},
		{"tcp_rto_max_ms", "30000"},
		{"gvisor.tcp_time_wait_timeout", "1.5s"},
	} {
		if err := s.Sysctl(kv[0], kv[1]); err != nil {
			t.Errorf("Sysctl(%s, %s): %v", kv[0], kv[1], err)
		}
	}
	check := func(opt tcpip.GettableTransportProtocolOption, want any) {
		t.Helper()
		if err := s.Netstack().TransportProtocolOption(tcp.ProtocolNumber, opt); err != nil {
			t.Fatal(err)
		}
		if got := reflect.ValueOf(opt).Elem().Interface(); got != want {
			t.Errorf("%T = %v, want %v", opt, got, want)
		}
	}
	check(new(tcpip.TCPLingerTimeoutOption), tcpip.TCPLingerTimeoutOption(7*time.Second))
	check(new(tcpip.TCPTimeWaitReuseOption), tcpip.TCPTimeWaitReuseGlobal)
	check(new(tcpip.TCPSACKEnabled), tcpip.TCPSACKEnabled(false))
	check(new(tcpip.TCPMaxRetriesOption), tcpip.TCPMaxRetriesOption(5))
	check(new(tcpip.TCPSynRetriesOption), tcpip.TCPSynRetriesOption(3))
	check(new(tcpip.TCPMinRTOOption), tcpip.TCPMinRTOOption(50*time.Millisecond))
	check(new(tcpip.TCPMaxRTOOption), tcpip.TCPMaxRTOOption(30*time.Second))
	check(new(tcpip.TCPTimeWaitTimeoutOption), tcpip.TCPTimeWaitTimeoutOption(1500*time.Millisecond))

	for _, kv := range [][2]string{
		{"net.ipv4.tcp_rfc1337", "1"}, {"tcp_tw_reuse", "3"}, {"tcp_sack", "yes"},
		{"tcp_fin_timeout", "-1"}, {"tcp_syn_retries", "300"},
	} {
		if err := s.Sysctl(kv[0], kv[1]); err == nil {
			t.Errorf("Sysctl(%s, %s) accepted", kv[0], kv[1])
		} else if !strings.Contains(err.Error(), kv[0]) {
			t.Errorf("error %q does not name %s", err, kv[0])
		}
	}
}

func TestSetProfileField(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, kv := range [][2]string{{"TimeWait", "30s"}, {"FinWait2Timeout", "10s"}, {"RTOMin", "100ms"},
		{"RTOMax", "20s"}, {"R2", "4"}, {"SynR2", "2"}, {"TimeWaitReuseAfter", "0s"}} {
		if err := s.SetProfileField(kv[0], kv[1]); err != nil {
			t.Errorf("SetProfileField(%s, %s): %v", kv[0], kv[1], err)
		}
	}
	var tw tcpip.TCPTimeWaitTimeoutOption
	var rto tcpip.TCPMinRTOOption
	var reuse tcpip.TCPTimeWaitReuseOption
	for _, o := range []tcpip.GettableTransportProtocolOption{&tw, &rto, &reuse} {
		if err := s.Netstack().TransportProtocolOption(tcp.ProtocolNumber, o); err != nil {
			t.Fatal(err)
		}
	}
	if tw != tcpip.TCPTimeWaitTimeoutOption(30*time.Second) || rto != tcpip.TCPMinRTOOption(100*time.Millisecond) ||
		reuse != tcpip.TCPTimeWaitReuseDisabled {
		t.Errorf("options: time-wait %v, min RTO %v, reuse %v", time.Duration(tw), time.Duration(rto), reuse)
	}
	for _, kv := range [][2]string{{"TimeWaitRST", "closes"}, {"TimeWait", "soon"}, {"RTOMin", "1"}} {
		if err := s.SetProfileField(kv[0], kv[1]); err == nil {
			t.Errorf("SetProfileField(%s, %s) accepted", kv[0], kv[1])
		}
	}
}

// TestCallErrors: bad descriptors, non-blocking calls, and calls on a
// closed stack.
func TestCallErrors(t *testing.T) {
	p, s := newGvisorPeer(t, Config{})
	p.want(p.call(read100(9)), "read(9) = -1 EBADF")
	p.listen()
	p.want(p.call(spec.Call{Kind: spec.CallSetsockopt, FD: 3, Opt: spec.OptNonBlock, Val: 1}), "setsockopt(3) = 0")
	p.want(p.call(spec.Call{Kind: spec.CallAccept, FD: 3}), "accept(3) = -1 EAGAIN")
	p.want(p.call(spec.Call{Kind: spec.CallGetsockopt, FD: 3, Opt: spec.OptState}), "getsockopt(3) = 1")
	p.want(p.call(spec.Call{Kind: spec.CallGetsockopt, FD: 3, Opt: spec.OptR2}), "getsockopt(3) = -1 ENOPROTOOPT")
	p.want(p.call(spec.Call{Kind: spec.CallSetsockopt, FD: 3, Opt: spec.OptLinger, Val: 1, Val2: -1}), "setsockopt(3) = -1 EINVAL")
	p.mustCall(spec.Call{Kind: spec.CallSocket}, 4)
	p.want(p.call(spec.Call{Kind: spec.CallBind, FD: 4, Addr: local}), "bind(4) = -1 EADDRINUSE")
	p.want(p.call(spec.Call{Kind: spec.CallBind, FD: 4, Addr: spec.SockAddr{IP: spec.IPv4(10, 0, 0, 1), Port: 1}}), "bind(4) = -1 EADDRNOTAVAIL")
	p.want(p.call(read100(4)), "read(4) = -1 ENOTCONN")
	p.want(p.call(spec.Call{Kind: spec.CallShutdown, FD: 4, How: spec.ShutWR}), "shutdown(4) = -1 ENOTCONN")
	p.want(p.call(write10(4)), "write(4) = -1 EPIPE")
	p.want(p.call(closeFD(4)), "close(4) = 0")
	p.want(p.call(closeFD(4)), "close(4) = -1 EBADF")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Call(p.at, read100(3)); err == nil {
		t.Error("Call on a closed stack succeeded")
	}
	if _, err := s.Advance(p.at + 1); err == nil {
		t.Error("Advance on a closed stack succeeded")
	}
}

// TestBlockedReadCompletes: a blocking read parks and returns when data
// arrives; the segment's ACK comes before the result.
func TestBlockedReadCompletes(t *testing.T) {
	p, _ := newGvisorPeer(t, Config{})
	fd := p.passiveOpen()
	p.want(p.call(read100(fd)))
	p.wait(time.Second)
	p.want(p.send(spec.PSH|spec.ACK, 5), "> . 1:1(0) ack 6", "read(4) = 5")
	p.want(p.call(read100(fd)))
	p.want(p.send(spec.FIN|spec.ACK, 0), "> . 1:1(0) ack 7", "read(4) = 0")
}

func TestErrnoAndState(t *testing.T) {
	cases := map[tcpip.Error]spec.Errno{
		nil:                            0,
		&tcpip.ErrClosedForReceive{}:   0,
		&tcpip.ErrConnectionReset{}:    spec.ECONNRESET,
		&tcpip.ErrConnectionRefused{}:  spec.ECONNREFUSED,
		&tcpip.ErrTimeout{}:            spec.ETIMEDOUT,
		&tcpip.ErrClosedForSend{}:      spec.EPIPE,
		&tcpip.ErrAborted{}:            spec.EPIPE,
		&tcpip.ErrWouldBlock{}:         spec.EAGAIN,
		&tcpip.ErrNoPortAvailable{}:    spec.EAGAIN,
		&tcpip.ErrPortInUse{}:          spec.EADDRINUSE,
		&tcpip.ErrBadLocalAddress{}:    spec.EADDRNOTAVAIL,
		&tcpip.ErrNotConnected{}:       spec.ENOTCONN,
		&tcpip.ErrConnectStarted{}:     spec.EINPROGRESS,
		&tcpip.ErrAlreadyConnecting{}:  spec.EALREADY,
		&tcpip.ErrAlreadyConnected{}:   spec.EISCONN,
		&tcpip.ErrConnectionAborted{}:  spec.ECONNABORTED,
		&tcpip.ErrInvalidOptionValue{}: spec.EINVAL,
		&tcpip.ErrNetworkUnreachable{}: 101,
	}
	for err, want := range cases {
		if got := Errno(err); got != want {
			t.Errorf("Errno(%v) = %s, want %s", err, got, want)
		}
	}
	states := map[tcp.EndpointState]spec.State{
		tcp.StateInitial: spec.Closed, tcp.StateBound: spec.Closed, tcp.StateConnecting: spec.Closed,
		tcp.StateError: spec.Closed, tcp.StateClose: spec.Closed, tcp.StateListen: spec.Listen,
		tcp.StateSynSent: spec.SynSent, tcp.StateSynRecv: spec.SynReceived, tcp.StateEstablished: spec.Established,
		tcp.StateFinWait1: spec.FinWait1, tcp.StateFinWait2: spec.FinWait2, tcp.StateCloseWait: spec.CloseWait,
		tcp.StateClosing: spec.Closing, tcp.StateLastAck: spec.LastAck, tcp.StateTimeWait: spec.TimeWait,
	}
	for in, want := range states {
		if got := State(uint32(in)); got != want {
			t.Errorf("State(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, cfg := range []Config{{MTU: 20}, {PeersPrefix: 33}, {Sysctls: [][2]string{{"nope", "1"}}}} {
		if s, err := New(cfg); err == nil {
			s.Close()
			t.Errorf("New(%+v) succeeded", cfg)
		}
	}
}
