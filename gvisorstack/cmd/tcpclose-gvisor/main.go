// Command tcpclose-gvisor is tcpclose's run and conform commands with
// gVisor's netstack among the stacks. Netstack lives in its own Go module
// (gvisorstack), so the main tcpclose command cannot offer it; from
// inside gvisorstack/:
//
//	go run ./cmd/tcpclose-gvisor run --stack gvisor ../scenarios
//	go run ./cmd/tcpclose-gvisor run --stack gvisor --profile rfc9293 -v ../scenarios/close/passive-close.pkt
//	go run ./cmd/tcpclose-gvisor conform --stack gvisor --n 10000 --seed 1 --out /tmp/gvisor-divergences
//
// The stacks are those of stacks.Default (model, linux) and gvisor
// (netstack in-process on a virtual clock, compared against the gvisor
// profile by default). Exit status: 0 every script passed, 1 a
// divergence, 2 bad usage or input.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/tcpclose/tcpclose/conform"
	"github.com/tcpclose/tcpclose/stacks"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return stacks.ExitUsage
	}
	reg := registry()
	switch args[0] {
	case "run":
		return stacks.RunCommand(reg, args[1:], stdout, stderr)
	case "conform":
		return conform.Command(reg, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		usage(stdout)
		return 0
	}
	fmt.Fprintf(stderr, "tcpclose-gvisor: unknown command %q (run, conform)\n", args[0])
	return stacks.ExitUsage
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "usage: tcpclose-gvisor run --stack gvisor|linux|model [--profile P] [--set F=V]... [-v] SCRIPT...\n")
	fmt.Fprintf(w, "       tcpclose-gvisor conform --stack gvisor [--profile P] [--n N] [--seed X] [--out DIR]\n")
}
