// Package impl is the optimized implementation of tcpclose's closing
// rules: a host (Stack) that behaves exactly as the executable model
// (package model) does, output for output and snapshot for snapshot, for
// every profile and every event sequence, while using fixed-size state,
// no allocation per event in steady state, and data structures whose cost
// does not grow with the number of connections.
//
// Layout:
//
//   - Full connections (every state but TIME-WAIT) are fixed-size conn
//     values in a chunked slab, found by 4-tuple through an open-addressing
//     index with a keyed hash (one random key per Stack).
//   - Their timers sit in one binary heap with a node per connection, keyed
//     by the connection's earliest timer (deadline, connection ID, kind):
//     the model's firing order.
//   - TIME-WAIT connections move to a compact table of 48-byte entries
//     (twTable) with its own index; they expire through a FIFO of entry
//     numbers in which stale slots are recognised by position, because
//     every TIME-WAIT lasts the same time.
//   - Keys are 64 bits: the peer's IPv4 address and both ports (the local
//     address is the host's own). An IPv6 host numbers its peers
//     (peerTable) and keys carry the number, so IPv6 entries are as small.
//   - Sockets sit in a table by descriptor; per-port counters answer
//     bind(2) and automatic port choice without scanning connections.
//
// New(profile, spec.HostConfig) returns a *Stack, which satisfies spec.Host
// like model.New's host, so every driver takes either. impl never imports
// the model; package check compares the two (check.Agree) for the property
// tests of package props and the fuzz targets of package fuzz.
//
// The mutation tests build a Stack with a deliberate defect
// (NewMutant, mutant.go). NewMutant and the per-Stack defect exist only in
// the build with -tags mutants; in the default build every guard
// s.mutant(m) is the constant false (mutant_off.go) and compiles away.
package impl
