package model_test

import (
	"fmt"
	"time"

	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/spec"
)

// A passive close on the model: the host accepts a connection, the peer
// closes, the application reads the end of the stream and closes too, and
// the host's FIN is acknowledged. Every event goes in through Step; what
// the host sends and returns comes out of it.
func Example() {
	h, err := model.New(spec.MustProfile("rfc9293"), spec.HostConfig{FixedISS: 1000})
	if err != nil {
		fmt.Println(err)
		return
	}
	host := spec.SockAddr{IP: spec.DefaultHostAddr(), Port: 8080}
	peer := spec.SockAddr{IP: spec.IPv4(192, 0, 2, 1), Port: 40000}
	var now spec.Time
	var out []spec.Output
	step := func(ev spec.Event) {
		ev.At = now
		out = h.Step(&ev, out[:0])
		for _, o := range out {
			fmt.Println(" ", o)
		}
		if cs := h.Snapshot().Conns; len(cs) > 0 {
			fmt.Println("    state", cs[0].State)
		}
	}
	call := func(c spec.Call) { step(spec.Event{Kind: spec.EvCall, Call: c}) }
	seg := func(f spec.Flags, seq, ack spec.Seq) {
		step(spec.Event{Kind: spec.EvSegment, Seg: spec.Segment{Src: peer, Dst: host, Flags: f, Seq: seq, Ack: ack, Wnd: 65535}})
	}

	call(spec.Call{Kind: spec.CallSocket})
	call(spec.Call{Kind: spec.CallBind, FD: 3, Addr: host})
	call(spec.Call{Kind: spec.CallListen, FD: 3, N: 1})
	seg(spec.SYN, 5000, 0)
	now = now.Add(10 * time.Millisecond)
	seg(spec.ACK, 5001, 1001)
	call(spec.Call{Kind: spec.CallAccept, FD: 3})
	seg(spec.FIN|spec.ACK, 5001, 1001) // the peer closes
	call(spec.Call{Kind: spec.CallRead, FD: 4, N: 100})
	call(spec.Call{Kind: spec.CallClose, FD: 4})
	now = now.Add(10 * time.Millisecond)
	seg(spec.ACK, 5002, 1002) // the peer acknowledges our FIN
	fmt.Println("connections left:", len(h.Snapshot().Conns))
	// Output:
	//   socket(3) = 3
	//   bind(3) = 0
	//   listen(3) = 0
	//   > S. 1000:1000(0) ack 5001 win 65535 <mss 1460> (192.168.0.1:8080->192.0.2.1:40000)
	//     state SYN-RECEIVED
	//     state ESTABLISHED
	//   accept(3) = 4
	//     state ESTABLISHED
	//   notice fd 4: peer-closed (192.168.0.1:8080<->192.0.2.1:40000)
	//   > . 1001:1001(0) ack 5002 win 65535 (192.168.0.1:8080->192.0.2.1:40000)
	//     state CLOSE-WAIT
	//   read(4) = 0
	//     state CLOSE-WAIT
	//   > F. 1001:1001(0) ack 5002 win 65535 (192.168.0.1:8080->192.0.2.1:40000)
	//   close(4) = 0
	//     state LAST-ACK
	// connections left: 0
}
