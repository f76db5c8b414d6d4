package impl_test

import (
	"fmt"

	"github.com/tcpclose/tcpclose/impl"
	"github.com/tcpclose/tcpclose/spec"
)

// A host listens on port 8080; a peer's SYN arrives and is answered with
// a SYN,ACK; the peer's RST then ends the half-open connection.
func Example() {
	s, err := impl.New(spec.MustProfile("rfc793"), spec.HostConfig{FixedISS: 1000})
	if err != nil {
		fmt.Println(err)
		return
	}
	host := spec.SockAddr{IP: spec.IPv4(192, 168, 0, 1), Port: 8080}
	peer := spec.SockAddr{IP: spec.IPv4(192, 0, 2, 1), Port: 50000}
	events := []spec.Event{
		{Kind: spec.EvCall, Call: spec.Call{Kind: spec.CallSocket}},
		{Kind: spec.EvCall, Call: spec.Call{Kind: spec.CallBind, FD: 3, Addr: host}},
		{Kind: spec.EvCall, Call: spec.Call{Kind: spec.CallListen, FD: 3, N: 8}},
		{Kind: spec.EvSegment, At: 1e6, Seg: spec.Segment{Src: peer, Dst: host, Flags: spec.SYN, Seq: 5000, Wnd: 65535}},
		{Kind: spec.EvSegment, At: 2e6, Seg: spec.Segment{Src: peer, Dst: host, Flags: spec.RST, Seq: 5001}},
	}
	var out []spec.Output
	for i := range events {
		out = s.Step(&events[i], out[:0])
		for _, o := range out {
			fmt.Println(o)
		}
	}
	fmt.Println("connections:", len(s.Snapshot().Conns))
	// Output:
	// socket(3) = 3
	// bind(3) = 0
	// listen(3) = 0
	// > S. 1000:1000(0) ack 5001 win 65535 <mss 1460> (192.168.0.1:8080->192.0.2.1:50000)
	// connections: 0
}
