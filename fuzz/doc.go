// Package fuzz holds tcpclose's native Go fuzz targets and the decoders
// behind them. Every target takes arbitrary bytes and never rejects an
// input: the bytes are decoded into something meaningful, and the target
// checks an invariant.
//
//   - FuzzAgree (Agree): the bytes become an event sequence (socket calls,
//     segments built from the model's own sequence variables, replies to
//     and replays of what the host sent, clock advances to the edges of
//     armed timers) for a profile named by the first byte. The sequence
//     runs through the model (the oracle) and the optimized
//     implementation; outputs, snapshots, clocks, deadlines and TIME-WAIT
//     counts must agree after every step (check.Agree, the comparator the
//     property tests use too).
//   - FuzzSim (Sim): the bytes choose an application shape, a profile, the
//     endpoints (model, impl, mixed), a network and a fault schedule
//     (sim.FaultsFromBytes). The end-to-end properties of the shape must
//     hold (package check, shared with the property tests): every octet
//     read once and in order before EOF on graceful closes, the right
//     notices (normal close or reset), TIME-WAIT lasting its time, no ghost
//     segment accepted while TIME-WAIT is honoured, both sides CLOSED
//     within the run's bound under fair loss.
//   - FuzzScript (Script): the bytes are a packetdrill-style script; it
//     parses or fails with a positioned error, and a script that parses
//     plays on the model and the implementation in lockstep, which must
//     agree.
//   - FuzzSegmentCodec (SegmentCodec): decoding arbitrary bytes as an
//     IPv4 or IPv6 TCP packet with package wire never panics, and what
//     decodes encodes and decodes again to the same packet and the same
//     bytes.
//
// The fuzz functions themselves (fuzz_test.go) only call these exported
// functions, so that OSS-Fuzz's native Go build, which compiles the file
// holding a fuzz function and none of the other test files, finds all it
// needs here. docs/fuzzing.md describes the targets, the seed corpora and
// the campaign script.
package fuzz
