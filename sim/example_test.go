package sim_test

import (
	"fmt"

	"github.com/tcpclose/tcpclose/sim"
	"github.com/tcpclose/tcpclose/spec"
)

// A client's final ACK is lost. The server retransmits its FIN after one
// RTO, the client's TIME-WAIT acknowledges it again, and both applications
// are told the peer closed normally (RFC 9293 MUST-12, MUST-13).
func Example() {
	sc, err := sim.LookupScenario("lost-final-ack")
	if err != nil {
		panic(err)
	}
	p := spec.MustProfile("rfc793") // no timestamps: shorter lines
	cfg, err := sc.Config(p, 1, "TimeWait=10s")
	if err != nil {
		panic(err)
	}
	res, err := sim.Run(cfg)
	if err != nil {
		panic(err)
	}
	for _, r := range res.Trace.Records {
		switch r.Kind {
		case sim.RecSend, sim.RecDrop, sim.RecState, sim.RecNotice, sim.RecEnd:
			fmt.Println(r)
		}
	}
	// Output:
	// 0.000000 A  send   #1 S 1990317317:1990317317(0) win 65535 <mss 1460> inc1
	// 0.000000 A  state  10.0.0.1:40000<->10.0.0.2:8080 inc1 CLOSED -> SYN-SENT
	// 0.010000 B  send   #2 S. 656875821:656875821(0) ack 1990317318 win 65535 <mss 1460> inc2
	// 0.010000 B  state  10.0.0.2:8080<->10.0.0.1:40000 inc2 CLOSED -> SYN-RECEIVED
	// 0.020000 A  notice fd 3: established
	// 0.020000 A  send   #3 . 1990317318:1990317318(0) ack 656875822 win 65535 inc1
	// 0.020000 A  state  10.0.0.1:40000<->10.0.0.2:8080 inc1 SYN-SENT -> ESTABLISHED
	// 0.020000 A  send   #4 . 1990317318:1990318318(1000) ack 656875822 win 65535 inc1
	// 0.020000 A  send   #5 F. 1990318318:1990318318(0) ack 656875822 win 65535 inc1
	// 0.020000 A  state  10.0.0.1:40000<->10.0.0.2:8080 inc1 ESTABLISHED -> FIN-WAIT-1
	// 0.030000 B  state  10.0.0.2:8080<->10.0.0.1:40000 inc2 SYN-RECEIVED -> ESTABLISHED
	// 0.030000 B  send   #6 . 656875822:656875822(0) ack 1990318318 win 64535 inc2
	// 0.030000 B  notice fd 4: peer-closed
	// 0.030000 B  send   #7 . 656875822:656875822(0) ack 1990318319 win 65535 inc2
	// 0.030000 B  state  10.0.0.2:8080<->10.0.0.1:40000 inc2 ESTABLISHED -> CLOSE-WAIT
	// 0.030000 B  send   #8 F. 656875822:656875822(0) ack 1990318319 win 65535 inc2
	// 0.030000 B  state  10.0.0.2:8080<->10.0.0.1:40000 inc2 CLOSE-WAIT -> LAST-ACK
	// 0.040000 A  notice fd 3: close-done
	// 0.040000 A  state  10.0.0.1:40000<->10.0.0.2:8080 inc1 FIN-WAIT-1 -> FIN-WAIT-2
	// 0.040000 A  notice fd 3: peer-closed
	// 0.040000 A  send   #9 . 1990318319:1990318319(0) ack 656875823 win 65535 inc1 (fault A3.:drop)
	// 0.040000 A  drop   #9 . 1990318319:1990318319(0) ack 656875823 win 65535 (lost: fault A3.:drop)
	// 0.040000 A  state  10.0.0.1:40000<->10.0.0.2:8080 inc1 FIN-WAIT-2 -> TIME-WAIT
	// 1.030000 B  send   #10 F. 656875822:656875822(0) ack 1990318319 win 65535 inc2
	// 1.040000 A  send   #11 . 1990318319:1990318319(0) ack 656875823 win 65535 inc1
	// 1.050000 B  notice fd 4: close-done
	// 1.050000 B  state  10.0.0.2:8080<->10.0.0.1:40000 inc2 LAST-ACK -> CLOSED
	// 11.040000 A  state  10.0.0.1:40000<->10.0.0.2:8080 inc1 TIME-WAIT -> CLOSED
	// 11.040000 -  end    closed (A closed true at 11.040000, B closed true at 1.050000)
}
