package props

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tcpclose/tcpclose/check"
	"github.com/tcpclose/tcpclose/impl"
	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/spec"
)

// runBoth feeds events to the model and the implementation and fails at
// the first difference in outputs or snapshots.
func runBoth(t *testing.T, p spec.Profile, events []spec.Event) {
	t.Helper()
	m := model.MustNew(p, spec.HostConfig{FixedISS: 5000})
	s, err := impl.New(p, spec.HostConfig{FixedISS: 5000})
	if err != nil {
		t.Fatal(err)
	}
	var out []spec.Output
	for i, ev := range events {
		mo := m.Step(&ev, nil)
		out = s.Step(&ev, out[:0])
		if !check.OutputsEqual(mo, out) {
			t.Fatalf("event %d (%s): outputs differ\n%s", i, ev, cmp.Diff(mo, out))
		}
		ms, is := m.Snapshot(), s.Snapshot()
		if !ms.Equal(&is) {
			t.Fatalf("after event %d (%s): snapshots differ\n%s", i, ev, cmp.Diff(ms, is))
		}
	}
}

// TestImplAgreesAtDescriptorLimit fills the descriptor table: socket(2)
// fails with EMFILE, and accept(2) with a full table takes the connection
// off the queue and still fails (as the model does); closing one
// descriptor lets the next accept succeed.
func TestImplAgreesAtDescriptorLimit(t *testing.T) {
	host := spec.SockAddr{IP: hostIP, Port: 8080}
	var evs []spec.Event
	call := func(c spec.Call) { evs = append(evs, spec.Event{Kind: spec.EvCall, Call: c}) }
	seg := func(port uint16, f spec.Flags, seq, ack spec.Seq) {
		evs = append(evs, spec.Event{Kind: spec.EvSegment, Seg: spec.Segment{
			Src: spec.SockAddr{IP: peerIP, Port: port}, Dst: host, Flags: f, Seq: seq, Ack: ack, Wnd: 65535}})
	}
	call(spec.Call{Kind: spec.CallSocket})
	call(spec.Call{Kind: spec.CallBind, FD: 3, Addr: host})
	call(spec.Call{Kind: spec.CallListen, FD: 3, N: 10})
	for port := uint16(50000); port < 50003; port++ {
		seg(port, spec.SYN, 100, 0)
		seg(port, spec.ACK, 101, 5001)
	}
	for range 1025 { // fds 4..1023, then EMFILE twice
		call(spec.Call{Kind: spec.CallSocket})
	}
	call(spec.Call{Kind: spec.CallAccept, FD: 3}) // EMFILE, connection dequeued
	call(spec.Call{Kind: spec.CallClose, FD: 700})
	call(spec.Call{Kind: spec.CallAccept, FD: 3}) // fd 700
	call(spec.Call{Kind: spec.CallAccept, FD: 3}) // EMFILE again
	call(spec.Call{Kind: spec.CallClose, FD: 3})  // the listener aborts what it holds
	call(spec.Call{Kind: spec.CallSocket})
	call(spec.Call{Kind: spec.CallGetsockopt, FD: 1023, Opt: spec.OptState})
	call(spec.Call{Kind: spec.CallClose, FD: 2000})
	call(spec.Call{Kind: spec.CallClose, FD: -7})
	for _, name := range spec.ProfileNames() {
		t.Run(name, func(t *testing.T) { runBoth(t, spec.MustProfile(name), evs) })
	}
}
