// Command impl-agent serves the optimized implementation (package impl)
// or the model over the out-of-process stack protocol
// (docs/stack-protocol.md) on its standard input and output. It is the
// protocol's second agent, beside agents/lwip: it shows the protocol is
// not shaped around one stack, and comparing
//
//	tcpclose conform --stack impl
//	tcpclose conform --stack "exec:./impl-agent" --profile rfc9293
//
// measures what the protocol costs.
//
//	go build -o impl-agent ./agents/impl
//	impl-agent [-model]
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/tcpclose/tcpclose/implstack"
	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/spec"
	execstack "github.com/tcpclose/tcpclose/stack/exec"
)

func main() {
	useModel := flag.Bool("model", false, "serve the model instead of the implementation")
	flag.Parse()
	a := execstack.Agent{Name: "impl", Exact: true, New: func(p spec.Profile, addr spec.IPv4, seed uint64, iss spec.Seq) (script.Stack, error) {
		return implstack.Open(p, spec.HostConfig{Addr: addr, ISNSecret: seed, FixedISS: iss})
	}}
	if *useModel {
		a.Name = "model"
		a.New = func(p spec.Profile, addr spec.IPv4, seed uint64, iss spec.Seq) (script.Stack, error) {
			return script.NewModelStack(p, spec.HostConfig{Addr: addr, ISNSecret: seed, FixedISS: iss})
		}
	}
	if err := execstack.Serve(a, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "impl-agent: %v\n", err)
		os.Exit(1)
	}
}
