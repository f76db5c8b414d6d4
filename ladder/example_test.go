package ladder_test

import (
	"os"
	"time"

	"github.com/tcpclose/tcpclose/ladder"
	"github.com/tcpclose/tcpclose/sim"
	"github.com/tcpclose/tcpclose/spec"
)

// A half-close drawn for an 80-column terminal: the client sends 1000
// octets and shuts its side down; the server reads to end-of-file, then
// writes its own 1000 octets into the half-open connection and closes.
func Example() {
	sc := sim.Scenario{
		Name: "half-close, small",
		Programs: [2]sim.Program{
			{sim.Connect(), sim.Write(1000), sim.Shutdown(), sim.ReadEOF(), sim.Close()},
			{sim.Listen(), sim.Accept(), sim.ReadEOF(), sim.Write(1000), sim.Close()},
		},
		Net: sim.Symmetric(sim.Link{Delay: 10 * time.Millisecond}, 0),
	}
	cfg, err := sc.Config(spec.MustProfile("rfc793"), 1, "TimeWait=2s")
	if err != nil {
		panic(err)
	}
	res, err := sim.Run(cfg)
	if err != nil {
		panic(err)
	}
	if err := ladder.Text(os.Stdout, res.Trace, ladder.Options{Width: 80}); err != nil {
		panic(err)
	}
	// Output:
	// time A client 10.0.0.1:40000                          B server 10.0.0.2:8080
	//          CLOSED     │                                               │ CLOSED
	// 0.000000            │ connect(3, 10.0.0.2:8080) …                   │
	//          SYN-SENT   ├────── #1 S 0:0(0) win 65535 <mss 1460> ──────▶│
	//                     │                             listen(3, 16) = 0 │ LISTEN
	//                     │                                   accept(3) … │
	// 0.010000            │◀── #2 S. 0:0(0) ack 1 win 65535 <mss 1460> ───┤ SYN-RCVD
	// 0.020000            │ notice: established                           │
	//                     ├──────── #3 . 1:1(0) ack 1 win 65535 ─────────▶│
	//          ESTAB      │ connect(3) = 0                                │
	//                     │ write(3, ..., 1000) …                         │
	//                     ├───── #4 . 1:1001(1000) ack 1 win 65535 ──────▶│
	//                     │ write(3) = 1000                               │
	//                     │ shutdown(3, SHUT_WR) …                        │
	//                     ├───── #5 F. 1001:1001(0) ack 1 win 65535 ─────▶│
	//          FIN-WAIT-1 │ shutdown(3) = 0                               │
	//                     │ read(3, ..., 65536) …                         │
	// 0.030000            │                                 accept(3) = 4 │ ESTAB
	//                     │                         read(4, ..., 65536) … │
	//                     │◀─────── #6 . 1:1(0) ack 1001 win 64535 ───────┤
	//                     │                                read(4) = 1000 │
	//                     │                         read(4, ..., 65536) … │
	//                     │                           notice: peer-closed │
	//                     │◀─────── #7 . 1:1(0) ack 1002 win 65535 ───────┤
	//                     │                                   read(4) = 0 │ CLOSE-WAIT
	//                     │                         write(4, ..., 1000) … │
	//                     │◀──── #8 . 1:1001(1000) ack 1002 win 65535 ────┤
	//                     │                               write(4) = 1000 │
	//                     │                                    close(4) … │
	//                     │◀─── #9 F. 1001:1001(0) ack 1002 win 65535 ────┤
	//                     │                                  close(4) = 0 │ LAST-ACK
	// 0.040000 FIN-WAIT-2 │ notice: close-done                            │
	//                     ├─── #10 . 1002:1002(0) ack 1001 win 64535 ────▶│
	//                     │ read(3) = 1000                                │
	//                     │ read(3, ..., 65536) …                         │
	//                     │ notice: peer-closed                           │
	//                     ├─── #11 . 1002:1002(0) ack 1002 win 65535 ────▶│
	//          TIME-WAIT  │ read(3) = 0                                   │
	//                     │ close(3) = 0                                  │
	// 0.050000            │                                               │ CLOSED
	//                     ┊················· 1.99s later ·················┊
	// 2.040000 CLOSED     │                                               │
	//                     │              end of run: closed               │
}
