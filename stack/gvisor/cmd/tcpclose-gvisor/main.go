// Command tcpclose-gvisor is the tcpclose command line with gVisor's
// netstack among the stacks: every tcpclose command, with the registry
// entry gvisor.Entry added to those of cli.Stacks (model, impl, linux,
// linux-quickack). Netstack lives in its own Go module (stack/gvisor), so
// the main tcpclose command cannot offer it; from inside stack/gvisor/:
//
//	go run ./cmd/tcpclose-gvisor run -stack gvisor ../../scenarios
//	go run ./cmd/tcpclose-gvisor run -stack gvisor -profile rfc9293 -v ../../scenarios/close/passive-close.pkt
//	go run ./cmd/tcpclose-gvisor conform -stack gvisor -n 10000 -seed 1 -out /tmp/gvisor-divergences
//
// Exit status, as for tcpclose: 0 everything conforms, 1 a divergence, 2
// bad usage or input.
package main

import (
	"os"

	"github.com/tcpclose/tcpclose/cli"
	"github.com/tcpclose/tcpclose/stack/gvisor"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr, options()...))
}

// options make the tcpclose command line this binary.
func options() []cli.Option {
	return []cli.Option{cli.WithName("tcpclose-gvisor"), cli.WithStacks(gvisor.Entry())}
}
