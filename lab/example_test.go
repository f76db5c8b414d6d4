//go:build linux

package lab_test

import (
	"fmt"
	"log"
	"os"

	"github.com/tcpclose/tcpclose/lab"
)

// Run one experiment and print its verdict. Needs root; compiled, not run.
func ExampleRun() {
	r, err := lab.Run("abort", lab.Options{Quick: true, PcapDir: os.TempDir()}, os.Stdout)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Verdict, r.PcapFiles)
}

// The experiments, in the order they are best run.
func ExampleNames() {
	for _, n := range lab.Names() {
		fmt.Printf("%s: %s\n", n, lab.Describe(n))
	}
	// Output:
	// normal: orderly close over loopback, captured segment by segment
	// abort: close with SO_LINGER {on, 0}: RST instead of FIN
	// timewait: TIME-WAIT lifetime and bind/connect reuse of its 4-tuple
	// half-close: shutdown(SHUT_WR), then the peer's data read to the end
	// states: state transitions of both sockets, as ss shows them
}
