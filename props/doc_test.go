// Package props holds tcpclose's property-based tests (rapid and gopter):
// the optimized implementation agrees with the model step by step on
// generated event sequences, the model keeps its invariants, and two hosts
// over the simulator close end to end (data delivered, both sides told,
// both sides closed, no ghost segment accepted). It has only tests.
package props
