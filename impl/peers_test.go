package impl

import (
	"testing"
	"time"

	"github.com/tcpclose/tcpclose/impl/workload"
	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/spec"
)

// TestIPv6PeersFollowConnections drives an IPv6 host through the
// adversarial stream (SYN floods from spoofed peers, RSTs to TIME-WAIT,
// segments for tuples nobody holds) next to the model: every output and
// snapshot agrees, the host numbers exactly the peers its connections
// and TIME-WAIT entries name, and once every TIME-WAIT has expired it
// numbers none.
func TestIPv6PeersFollowConnections(t *testing.T) {
	g := workload.New(workload.Adversarial, 5*time.Millisecond, 1<<20).IPv6()
	p := spec.MustProfile("linux")
	cfg := spec.HostConfig{Addr: g.HostAddr(), FixedISS: workload.ISS}
	s, err := New(p, cfg)
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.New(p, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !s.v6 {
		t.Fatal("an IPv6 address does not make an IPv6 host")
	}
	var so, mo []spec.Output
	step := func(ev *spec.Event) {
		so, mo = s.Step(ev, so[:0]), m.Step(ev, mo[:0])
		if len(so) != len(mo) {
			t.Fatalf("after %s: impl %v, model %v", ev, so, mo)
		}
		for i := range so {
			if so[i] != mo[i] {
				t.Fatalf("after %s: output %d: impl %s, model %s", ev, i, so[i], mo[i])
			}
		}
	}
	for _, ev := range g.Setup() {
		step(&ev)
	}
	var ev spec.Event
	for n := 0; g.Conns() < 400; n++ {
		g.Next(&ev)
		step(&ev)
		if n%97 == 0 {
			checkPeers(t, s)
			if a, b := s.Snapshot(), m.Snapshot(); !a.Equal(&b) {
				t.Fatalf("after %s: snapshots differ:\nimpl  %+v\nmodel %+v", &ev, a, b)
			}
		}
	}
	if s.TimeWaitCount() == 0 {
		t.Fatal("the stream left nothing in TIME-WAIT: the test lost its point")
	}
	checkPeers(t, s)
	ev = spec.Event{Kind: spec.EvAdvance, At: s.Now().Add(p.TimeWait + time.Hour)}
	step(&ev)
	checkPeers(t, s)
	if s.TimeWaitCount() != 0 || s.peers.held() != 0 {
		t.Errorf("after every timer: %d TIME-WAIT, %d peers numbered; want none", s.TimeWaitCount(), s.peers.held())
	}
}

// checkPeers: the peers numbered are exactly those the connection and
// TIME-WAIT tables name, each counted once per entry.
func checkPeers(t *testing.T, s *Stack) {
	t.Helper()
	want := map[uint32]uint32{}
	for i := uint32(0); i < s.conns.hi; i++ {
		if c := s.conns.at(i); c.state != spec.Closed {
			want[uint32(c.key>>32)]++
		}
	}
	for i := uint32(0); i < s.tw.hi; i++ {
		if e := s.tw.at(i); e.meta&twLive != 0 {
			want[uint32(e.key>>32)]++
		}
	}
	if len(want) != s.peers.held() {
		t.Fatalf("%d peers numbered, %d named by connections", s.peers.held(), len(want))
	}
	for n, refs := range want {
		if s.peers.refs[n] != refs || s.peers.num[s.peers.addr[n]] != n {
			t.Fatalf("peer %d (%s): %d references counted, %d entries name it", n, s.peers.addr[n], s.peers.refs[n], refs)
		}
	}
}

// TestIPv6FamilyMismatch: an IPv6 host refuses to connect to an IPv4
// peer and drops a segment from one, as the model does.
func TestIPv6FamilyMismatch(t *testing.T) {
	host, _ := spec.ParseAddr("fd3d:fa7b:d17d::36")
	for _, cfg := range []spec.HostConfig{{Addr: host}, {}} {
		other := spec.IPv4(192, 0, 2, 1)
		if cfg.Addr.IsZero() {
			other, _ = spec.ParseAddr("fd3d:fa7b:d17d:8888::1")
		}
		evs := []spec.Event{
			{Kind: spec.EvCall, Call: spec.Call{Kind: spec.CallSocket}},
			{Kind: spec.EvCall, Call: spec.Call{Kind: spec.CallConnect, FD: 3, Addr: spec.SockAddr{IP: other, Port: 80}}},
			{Kind: spec.EvSegment, Seg: spec.Segment{Src: spec.SockAddr{IP: other, Port: 5}, Dst: spec.SockAddr{IP: cfg.WithDefaults().Addr, Port: 9}, Flags: spec.SYN}},
		}
		for _, newHost := range []func() spec.Host{
			func() spec.Host { h, _ := New(spec.MustProfile("linux"), cfg); return h },
			func() spec.Host { h, _ := model.New(spec.MustProfile("linux"), cfg); return h },
		} {
			h := newHost()
			var out []spec.Output
			for i := range evs {
				out = h.Step(&evs[i], out)
			}
			if len(out) != 2 || out[1].Err != spec.EAFNOSUPPORT {
				t.Errorf("%T at %s: outputs %v; want socket, connect EAFNOSUPPORT and no reply to the SYN", h, cfg.Addr, out)
			}
		}
	}
}
