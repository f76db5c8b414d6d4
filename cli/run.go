package cli

import (
	"io"

	"github.com/tcpclose/tcpclose/conform"
	"github.com/tcpclose/tcpclose/stacks"
)

// runRun is `tcpclose run`: scenario scripts on a stack of t.Stacks
// (stacks.RunCommand parses its own flags and prints its own usage).
func (t *Tool) runRun(args []string, stdout, stderr io.Writer) int {
	return stacks.RunCommand(t.Stacks, args, stdout, stderr)
}

// runConform is `tcpclose conform`: model-based conformance campaigns
// against a stack of t.Stacks (conform.Command).
func (t *Tool) runConform(args []string, stdout, stderr io.Writer) int {
	return conform.Command(t.Stacks, args, stdout, stderr)
}
