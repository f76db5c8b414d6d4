// Package stack is the face every TCP stack tcpclose drives shows to the
// script runner, the conformance campaigns and the command line: the
// Stack interface and the optional interfaces a stack may add (Explainer,
// FieldModeller, Noter, Sysctler), Virtual — which turns any spec.Host
// (model.New, impl.New) into a Stack on a virtual clock — Real, which
// wraps a real stack (the Linux kernel, gVisor's netstack, one of yours)
// with the fields it is judged on, its configuration notes and its
// sysctls, and the Registry of named stacks (Entry, Factory, Options)
// that `tcpclose run` and `tcpclose conform` choose from.
//
// Package stack depends on spec alone: real-stack adapters (stack/linux,
// stack/gvisor, out-of-process agents) import it and nothing heavier, and
// the script runner (package script) drives any Stack without knowing
// which. Package stack/oracle plays scenario scripts on a stack with the
// model as second opinion, as `tcpclose run` does; docs/oracle.md shows
// how to judge a stack of your own from Go.
//
// A wrapper (Real, a caller's own) forwards the optional interfaces of
// the stack it wraps explicitly and exposes it through Unwrap; As finds
// an optional interface through any chain of wrappers, so wrapping never
// hides one.
package stack
