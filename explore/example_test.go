package explore_test

import (
	"fmt"

	"github.com/tcpclose/tcpclose/explore"
)

// Explore the closing of one connection under RFC 9293 with one segment
// in flight per direction and no retransmission: the only states that can
// never reach both-CLOSED have a side waiting in FIN-WAIT-2 after its
// application closed.
func Example() {
	cfg, err := explore.NewConfig("close", "rfc9293")
	if err != nil {
		panic(err)
	}
	cfg.Capacity, cfg.R = 1, 0
	r, err := explore.Run(cfg, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println("states", r.States, "edges", r.Edges, "depth", r.Depth)
	fmt.Println("stuck", r.Stuck, "in FIN-WAIT-2", r.StuckMatching("FIN-WAIT-2 (app closed)"), "deadlocks", r.Deadlocks)
	fmt.Println("violations", len(r.Violations))
	// Output:
	// states 462 edges 1227 depth 15
	// stuck 20 in FIN-WAIT-2 20 deadlocks 5
	// violations 0
}
