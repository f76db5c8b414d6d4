// Package model is the executable model of how TCP connections close: a
// host with sockets, listeners, connections and TIME-WAIT entries, written
// to be read beside RFC 9293 §3.10 and the other documents of the rule
// catalogue (package spec).
//
// The model is a deterministic state machine and satisfies spec.Host, the
// one host contract it shares with the optimized implementation (package
// impl): New(profile, spec.HostConfig) builds a host, and Host.Step takes
// one event (a clock advance, a socket call, an arriving segment) and
// appends what the host does (segments sent, call results, notices to the
// application) to the caller's slice. It reads no clock, draws no random
// numbers, keeps no global state and starts no goroutines: the same host
// and event always give the same outputs. Beyond the contract it offers
// what drivers of the oracle need: Clone, Fired, ConnState, Tuples.
//
// Every branch that implements a rule names the rule's ID (for example
// R9293-MUST13) in a call to h.rule, so that Host.Fired can say which rules
// an event exercised, and so that the traceability test can find where each
// rule is implemented. Every choice the RFCs leave open is read from the
// host's spec.Profile; the code never asks which profile it runs.
//
// Layers, each in its own file:
//
//	host.go     the host: clock, timers, connection table, Step
//	conn.go     the TCB (RFC 9293 §3.3.1) and segment transmission
//	calls.go    the RFC user calls OPEN, SEND, RECEIVE, CLOSE, ABORT (§3.10.1-3.10.5)
//	arrive.go   SEGMENT ARRIVES (§3.10.7)
//	timewait.go TIME-WAIT: RST, SYN, reopen (§3.6.1, RFC 1337, RFC 6191)
//	timers.go   timeouts (§3.10.8, RFC 6298)
//	sockets.go  the sockets layer over the RFC calls, with errno results
package model
