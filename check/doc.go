// Package check holds the checks that the property tests (package props)
// and the fuzz targets (package fuzz) share, written once:
//
//   - the agreement of two hosts: View, Observe, Compare and Agree step or
//     compare the model (the oracle) and the optimized implementation
//     after the same events, outputs, snapshots (spec.HostSnap.Equal),
//     deadlines, clocks and TIME-WAIT counts, in the style of
//     etcd-io/raft's quorum/quick_test.go (two implementations, one
//     comparator); Memory is what a generator playing the peer remembers
//     of the run;
//   - the end-to-end checks of a simulator run (package sim): graceful
//     close, half-close, abort, lost final ACK, simultaneous close, and
//     the hazards of old incarnations (see e2e.go).
//
// The generators stay with their callers and independent of each other on
// purpose: rapid's and gopter's in props, the byte decoders in fuzz.
package check
