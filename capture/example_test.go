package capture_test

import (
	"bytes"
	"fmt"
	"os"

	"github.com/tcpclose/tcpclose/capture"
	"github.com/tcpclose/tcpclose/cli"
	"github.com/tcpclose/tcpclose/sim"
	"github.com/tcpclose/tcpclose/spec"
)

// Judge a capture from Go: here the simulator's run of the lost-final-ack
// scenario, as `tcpclose sim lost-final-ack -pcap run.pcap` writes it.
func ExampleJudge() {
	sc, _ := sim.LookupScenario("lost-final-ack")
	cfg, _ := sc.Config(spec.MustProfile("rfc9293"), 1)
	cfg.Hosts, _ = sim.Hosts(sim.KindModel)
	res, _ := sim.Run(cfg)
	var pcap bytes.Buffer
	_ = cli.WritePcap(&pcap, res.Trace, cli.PcapOptions{})

	for c, err := range capture.Judge(&pcap, capture.Options{}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		_ = capture.WriteText(os.Stdout, c)
	}
	// Output:
	// conn 1  10.0.0.1:40000 -> 10.0.0.2:8080  inc 1  packets #1..#11 (11)  1.04s
	//   state: four-way (A closed first)
	//   - four-way close: A closed first (#5), B second (#8)
	//   - A's final ACK (#9) was lost or late: B resent its FIN (#10)
	//   TIME-WAIT: A holds TIME-WAIT from #9, at least 1s until the capture ends
	//   A 10.0.0.1:40000: conforms
	//   B 10.0.0.2:8080: conforms
}
