package cli_test

import (
	"fmt"
	"os"

	"github.com/tcpclose/tcpclose/cli"
)

// Run a subcommand in-process, as cmd/tcpclose does with os.Args: list
// the simulator's built-in scenarios.
func ExampleMain() {
	code := cli.Main([]string{"sim", "-list"}, os.Stdout, os.Stderr)
	fmt.Println("exit status", code)
	// Output:
	// normal                  request and reply, then the client closes first: FIN handshake, TIME-WAIT on the client
	// half-close              the client sends and half-closes; the server reads to EOF, then streams its reply into the half-open connection
	// simultaneous            both sides close at the same instant: the FINs cross, both pass CLOSING and end in TIME-WAIT
	// abort                   the client sends, then aborts with SO_LINGER {on, 0}: a RST, and the server's read fails with ECONNRESET
	// unread-rst              the server closes without reading what the client sent: RST where the profile follows SHLD-3, a silent FIN elsewhere
	// lost-final-ack          the client's ACK of the server's FIN is lost: the server retransmits its FIN and TIME-WAIT answers it (set TimeWait=0 to see the server reset instead)
	// ghost-segment           TIME-WAIT is off (TimeWait=0) and the client reconnects on the same 4-tuple at once: a duplicate of an old data segment, still within MSL, lands inside the new connection's window and its octets are delivered as new
	// timewait-assassination  RFC 1337: an old duplicate reaches the server's TIME-WAIT, the client answers its ACK with RST, the RST ends TIME-WAIT, the client reconnects and a second duplicate is delivered as new data (TimeWaitRST=ignored prevents it)
	// timewait-reopen         the server closes first and holds TIME-WAIT; the client reconnects from the same port at once and its SYN reopens TIME-WAIT (MAY-2, RFC 6191) or waits it out
	// fin-wait-2-timeout      the client closes, the server never answers with its FIN for 90 s: a FIN-WAIT-2 timer (Linux 60 s) ends the client, whose RST then resets the server's late FIN
	// exit status 0
}

// Bad input is one line naming the problem, and exit status 2.
func ExampleMain_badInput() {
	code := cli.Main([]string{"sim", "-profile", "bsd42", "normal"}, os.Stdout, os.Stdout)
	fmt.Println("exit status", code)
	// Output:
	// tcpclose sim: unknown profile "bsd42" (known: rfc9293, freebsd, gvisor, linux, linux-quickack, lwip, rfc793, smoltcp)
	// exit status 2
}

// Replay a script on a stack with the model as second opinion, as
// "tcpclose run -stack model" does; with -stack linux (root) the same
// script runs on the kernel.
func ExampleMain_run() {
	code := cli.Main([]string{"run", "-stack", "model", "testdata/passive-close.pkt"}, os.Stdout, os.Stderr)
	fmt.Println("exit", code)
	// Output:
	// testdata/passive-close.pkt [profile rfc9293]: pass
	//   model/rfc9293: passed (14 lines, 34 fields checked, 0 unchecked)
	//   model/rfc9293: passed (14 lines, 34 fields checked, 0 unchecked)
	// 1 scripts, profile (each script's first): 1 pass on model, 1 pass on the model; 1 pass, 0 diverge, 0 beyond the model, 0 errors
	// exit 0
}
