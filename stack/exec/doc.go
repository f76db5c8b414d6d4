// Package execstack drives a TCP stack that runs in another process, an
// agent, over the line protocol of docs/stack-protocol.md: tcpclose writes
// requests on the agent's standard input (inject a segment, make a
// socket call, advance virtual time), the agent answers each on its
// standard output with what the stack did (segments it sent, call
// results, notices) and a closing "done" line.
//
// Stack is the client: it spawns the agent and implements stack.Stack
// so that `tcpclose
// run --stack exec:PATH` and `tcpclose conform --stack exec:PATH` drive
// any stack in any language. Every exchange has a timeout, replies are
// read with a bounded line length, and a bad agent (wrong version,
// garbage, a hang, a crash) gives one line naming the exchange that
// failed.
//
// Serve is the agent side for stacks written in Go: it serves any
// stack.Stack over the protocol (agents/impl serves the optimized
// implementation with it). Entries returns the registry entries: the
// "exec:" prefix and the shipped agents by name ("lwip").
package execstack
