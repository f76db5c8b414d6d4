// Command tcpclose is the command line of tcpclose, an executable model
// of how TCP connections close: it simulates closes and draws them as
// ladder diagrams, checks scenario scripts against the model, prints the
// state diagram generated from the model, lists the rule catalogue and
// the profiles, and runs experiments on the Linux kernel.
//
//	tcpclose sim half-close
//	tcpclose check                      # the built-in scenario corpus
//	tcpclose diagram -format mermaid
//	tcpclose help
//
// The commands live in package cli; see docs/cli.md.
package main

import (
	"os"

	"github.com/tcpclose/tcpclose/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
