package script

import "github.com/tcpclose/tcpclose/spec"

// Commander is a stack that runs a script's shell commands itself (a real
// stack judged by package stack/oracle). The runner reports the commands
// of other stacks as not run. The runner finds it with stack.As, so a
// wrapper that exposes Unwrap does not hide it.
type Commander interface {
	Command(at spec.Time, c *Command) error
}
