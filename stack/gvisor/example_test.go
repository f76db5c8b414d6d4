package gvisor_test

import (
	"fmt"
	"log"
	"time"

	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
	"github.com/tcpclose/tcpclose/stack/gvisor"
)

// A peer closes a connection to netstack: netstack ACKs the FIN, the
// application closes, netstack sends its own FIN, retransmitted one second
// later (virtual time) because the peer stays silent.
func Example() {
	s, err := gvisor.New(gvisor.Config{Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	local := spec.SockAddr{IP: stack.LocalIP(), Port: stack.LocalPort}
	peer := spec.SockAddr{IP: stack.RemoteIP(), Port: stack.RemotePort}
	var iss spec.Seq // netstack's ISS
	show := func(out []stack.Observed, err error) {
		if err != nil {
			log.Fatal(err)
		}
		for _, o := range out {
			if o.Out.Kind == spec.OutSegment {
				sg := o.Out.Seg
				if sg.Flags&spec.SYN != 0 {
					iss = sg.Seq
				}
				fmt.Printf("%s > %s seq %d ack %d\n", o.At, sg.Flags, sg.Seq-iss, sg.Ack-1000)
			} else {
				fmt.Printf("%s %s\n", o.At, o.Out)
			}
		}
	}
	for _, c := range []spec.Call{
		{Kind: spec.CallSocket},
		{Kind: spec.CallBind, FD: 3, Addr: local},
		{Kind: spec.CallListen, FD: 3, N: 1},
	} {
		show(s.Call(0, c))
	}
	seg := func(f spec.Flags, seq, ack spec.Seq) spec.Segment {
		return spec.Segment{Src: peer, Dst: local, Flags: f, Seq: seq, Ack: ack, Wnd: 65535, Opts: spec.Options{MSS: 1460}}
	}
	show(s.Inject(0, seg(spec.SYN, 1000, 0)))
	show(s.Inject(0, seg(spec.ACK, 1001, iss+1)))
	show(s.Call(0, spec.Call{Kind: spec.CallAccept, FD: 3}))
	show(s.Inject(spec.Time(time.Second), seg(spec.FIN|spec.ACK, 1001, iss+1)))
	show(s.Call(spec.Time(2*time.Second), spec.Call{Kind: spec.CallClose, FD: 4}))
	show(s.Advance(spec.Time(10 * time.Second)))
	fmt.Println(s.ConnState(spec.FourTuple{Local: local, Remote: peer}))
	// Output:
	// 0.000000 socket(3) = 3
	// 0.000000 bind(3) = 0
	// 0.000000 listen(3) = 0
	// 0.000000 > S. seq 0 ack 1
	// 0.000000 accept(3) = 4
	// 1.000000 > . seq 1 ack 2
	// 2.000000 > F. seq 1 ack 2
	// 2.000000 close(4) = 0
	// 3.000000 > F. seq 1 ack 2
	// LAST-ACK
}
