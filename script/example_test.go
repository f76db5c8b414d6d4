package script_test

import (
	"fmt"
	"log"

	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/stack"
)

const passiveClose = `// The peer closes; we acknowledge, close, and the peer acknowledges our FIN.
--tolerance_percent=0
    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
   +0 bind(3, ..., ...) = 0
   +0 listen(3, 1) = 0
   +0 < S 0:0(0) win 32792 <mss 1000>
   +0 > S. 0:0(0) ack 1 <mss 1460>
 +.01 < . 1:1(0) ack 1 win 32792
   +0 accept(3, ..., ...) = 4
 +.01 < F. 1:1(0) ack 1 win 32792
   +0 > . 1:1(0) ack 2
   +0 close(4) = 0
   +0 > F. 1:1(0) ack 2
 +.01 < . 2:2(0) ack 2 win 32792
`

func ExampleParse() {
	s, err := script.Parse("passive.pkt", []byte(passiveClose))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Profiles, len(s.Events), "events")
	for _, ev := range s.Events[3:6] {
		fmt.Printf("%s: %s\n", ev.Pos, ev)
	}
	// Output:
	// [rfc9293] 12 events
	// passive.pkt:6: +0 < S 0:0(0) win 32792 <mss 1000>
	// passive.pkt:7: +0 > S. 0:0(0) ack 1 <mss 1460>
	// passive.pkt:8: +0.01 < . 1:1(0) ack 1 win 32792
}

// Run plays a script on any stack.Stack; here the model, which the
// caller builds (package script does not import it): the profile and host
// configuration the script asks for (ModelSetup), model.New, and
// stack.Virtual to drive the host on its virtual clock.
func ExampleRun() {
	s, err := script.Parse("passive.pkt", []byte(passiveClose))
	if err != nil {
		log.Fatal(err)
	}
	su, err := script.ModelSetup(s, "rfc9293")
	if err != nil {
		log.Fatal(err)
	}
	h, err := model.New(su.Profile, su.Config)
	if err != nil {
		log.Fatal(err)
	}
	res, err := script.Run(s, stack.Virtual(h, stack.Named("model/rfc9293")), script.RunOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Summary())
	for _, n := range res.Notices {
		fmt.Println(n.At, n.Out.Notice)
	}
	// Output:
	// passive.pkt on model/rfc9293: passed (12 lines, 29 fields checked, 3 unchecked)
	// 0.020000 peer-closed
}

func ExampleParse_error() {
	_, err := script.Parse("bad.pkt", []byte("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 < S 0:0(0)\n"))
	fmt.Println(err)
	// Output:
	// bad.pkt:2: window must be specified for inbound packets (win N)
}
