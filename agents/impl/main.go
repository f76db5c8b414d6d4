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

	"github.com/tcpclose/tcpclose/impl"
	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
	execstack "github.com/tcpclose/tcpclose/stack/exec"
)

func main() {
	useModel := flag.Bool("model", false, "serve the model instead of the implementation")
	flag.Parse()
	a := execstack.Agent{Name: "impl", Exact: true, New: func(p spec.Profile, cfg spec.HostConfig) (stack.Stack, error) {
		h, err := impl.New(p, cfg)
		if err != nil {
			return nil, err
		}
		return stack.Virtual(h, stack.Named("impl/"+p.Name)), nil
	}}
	if *useModel {
		a.Name = "model"
		a.New = func(p spec.Profile, cfg spec.HostConfig) (stack.Stack, error) {
			h, err := model.New(p, cfg)
			if err != nil {
				return nil, err
			}
			return stack.Virtual(h, stack.Named("model/"+p.Name)), nil
		}
	}
	if err := execstack.Serve(a, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "impl-agent: %v\n", err)
		os.Exit(1)
	}
}
