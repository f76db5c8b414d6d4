package oracle_test

import (
	"fmt"
	"log"
	"os"

	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
	"github.com/tcpclose/tcpclose/stack/oracle"
)

// myStack stands for your adapter: any stack.Stack. Here it is the model
// running RFC 793 whatever it is asked, hidden behind a type that
// declares nothing, as a first adapter of a real stack would.
type myStack struct{ stack.Stack }

func newMyStack(_ spec.Profile, o stack.Options) (stack.Stack, error) {
	st, err := oracle.ModelEntry().New(spec.MustProfile("rfc793"), o)
	if err != nil {
		return nil, err
	}
	return myStack{st}, nil
}

// Judge your own stack against the model with the command line's
// verdicts: describe it as a stack.Entry (its factory, the profile it is
// compared against, its timing tolerance, whether it runs on the wall
// clock) and give oracle.Run each script. The stack is judged as
// `tcpclose run -stack linux` judges the kernel: on flags, sequence and
// acknowledgment numbers, lengths, the MSS option and the presence of
// timestamps (not the window: a bare stack is wrapped in stack.Real), with
// the peer's timestamp echoes mapped onto its clock and at least the
// entry's tolerance; the model runs on the same profile with the script's
// own settings.
func Example() {
	src := `// Unread data at close: RFC 2525 says reset, RFC 793 sends a FIN.
0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0    bind(3, ..., ...) = 0
+0    listen(3, 1) = 0
+0    < S 0:0(0) win 65535 <mss 1460>
+0    > S. 0:0(0) ack 1 win 65535 <mss 1460>
+0    < . 1:1(0) ack 1 win 65535
+0    accept(3, ..., ...) = 4
+0    < P. 1:11(10) ack 1 win 65535
+0    > . 1:1(0) ack 11 win 65525
+0    close(4) = 0
+0    > R 1:1(0) win 0
`
	s, err := script.Parse("unread.pkt", []byte(src))
	if err != nil {
		log.Fatal(err)
	}
	mine := stack.Entry{Name: "mine", Profile: "rfc9293", New: newMyStack}
	rep, err := oracle.Run(mine, s, oracle.Config{})
	if err != nil {
		log.Fatal(err)
	}
	rep.Write(os.Stdout)
	fmt.Println("stack passed:", rep.StackPassed(), "model passed:", rep.ModelPassed())
	// Output:
	// unread.pkt [profile rfc9293]: STACK DIVERGES (the model passes)
	//   model/rfc793: FAILED at unread.pkt:12 (segment differs) (11 lines, 25 fields checked, 3 unchecked)
	//   model/rfc9293: passed (11 lines, 31 fields checked, 0 unchecked)
	//   first difference at unread.pkt:12: segment differs
	//     script: 0.000000 > R 1:1(0) win 0
	//     expect: flags R (not F.)
	//     stack:  0.000000 > F. 1:1(0) ack 11 win 65535
	//     model:  0.000000 > R 1:1(0) win 0 (as the script says)
	//     rules the model applied at 0.000000 (unread.pkt:12):
	//       R9293-MAY1        RFC 9293 §3.6.1: A host may make CLOSE also end reading (half-duplex close).
	//       R9293-SHLD3       RFC 9293 §3.6.1: A half-duplex host sends RST when CLOSE finds unread data or when data arrives after CLOSE, so the loss is visible.
	//       R2525-RST-UNREAD  RFC 2525 §2.17: Closing with unread received data sends a RST instead of a FIN.
	//       R1122-HALFDUPLEX  RFC 1122 §4.2.2.13: Half-duplex close is allowed; then unread or late data draws a RST (RFC 9293 MAY-1, SHLD-3).
	//       R9293-ABORT-SYNC  RFC 9293 §3.10.5: ABORT in SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1/2 and CLOSE-WAIT sends <SEQ=SND.NXT><CTL=RST>, flushes every queue and deletes the TCB.
	//       R9293-CALL-ABORT  RFC 9293 §3.9.1.6: ABORT fails pending SENDs and RECEIVEs, removes the TCB and sends a RST.
	//       R1122-CLOSE-WAYS  RFC 1122 §4.2.2.13: A connection ends by the FIN handshake or by an abort with RST that discards state at once.
	// stack passed: false model passed: true
}
