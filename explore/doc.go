// Package explore is an exhaustive breadth-first explorer of two model
// hosts (package model) joined by a bounded channel per direction that may
// lose, reorder and duplicate segments.
//
// # The system
//
// A state is: host A (10.0.0.1) and host B (10.0.0.2), each a model.Host;
// the position of each side's application in its Program; a per-side
// monitor of what the application has seen (for the safety checks); and
// the segments in flight in each direction, a bag of at most
// Config.Capacity segments. The transitions are:
//
//   - an application action allowed by the side's Program in its current
//     position (connect or listen, accept, write, read, shutdown(SHUT_WR),
//     close, abort with SO_LINGER {1, 0}, close the listener); every allowed
//     action is a nondeterministic choice, so a Program stands for every
//     application that makes those calls in some order;
//   - the delivery of any segment in flight (reordering);
//   - the loss of any segment in flight (Config.Loss);
//   - the duplication of any segment in flight (Config.Dup);
//   - a timer expiry: with independent clocks, a host with an armed timer
//     jumps to its next deadline (Host.Step with EvAdvance at
//     Host.NextDeadline); with a shared clock, both hosts jump to the
//     earlier of their deadlines.
//
// Application calls and segment arrivals happen at the host's current
// time. Segments a host sends go into the channel towards the other host;
// into a full channel they are lost (Loss) or the transition is cut (no
// Loss: the state is then marked, and verdicts depending on it are
// reported as inconclusive).
//
// # Checks
//
// Safety properties (Properties) are checked on every transition and
// state; each violation comes with a shortest trace (BFS parent pointers,
// replayed). The liveness-like check finds the states from which no state
// with no TCB on either host ("both CLOSED") is reachable, by a backward
// search over the recorded edges; terminal such states are deadlocks.
// Reachability is existential: a state counts as live if some choice of
// application actions, losses and timer expiries leads to both-CLOSED.
//
// # Abstractions, and why they are sound for these checks
//
// Sequence numbers, windows and ISNs are not abstracted: the hosts are the
// model itself, and segments are kept whole. What is abstracted:
//
//   - Bounds. Capacity C bounds segments in flight per direction; R sets
//     R2 and SynR2 (and caps R1) so every retransmission sequence ends;
//     programs bound writes. With these the state space is finite: clocks
//     only move to armed deadlines, every timer is finite, and each timer
//     expiry either ends a connection or uses up a retransmission.
//   - Time. Events happen only at the instants timers expire (zero delay
//     between a cause and its effect). Every order of events and timer
//     expiries is still reachable, since an arrival can be taken before or
//     after any expiry; what is lost is intermediate time, which in the
//     model only feeds RTT samples (so RTOs stay at their initial and
//     backed-off values) and the RFC 5961 throttle. With independent
//     clocks (the default, as in Billington and Han's models) timer
//     lengths only order a host's own timers, so every timer is in effect
//     a nondeterministic event: an over-approximation of real timing that
//     lets TIME-WAIT end before the peer's last retransmission (see
//     FINDINGS.md). The shared clock keeps timer lengths meaningful across
//     hosts but still lets a segment stay in flight arbitrarily long (no
//     MSL).
//   - State identity. A host is identified by model.Host.Fingerprint, with
//     every time relative to its own clock, after canonicalFingerprint
//     removes fields the model never reads again (RTT timing while no
//     segment is timed, the memo of a reopened TIME-WAIT outside
//     SYN-RECEIVED, and everything a TIME-WAIT entry does not use). The
//     absolute clock joins the state where it can still matter: while the
//     host may choose an ISS (it listens, or has not connected; RFC 6528
//     ISNs follow the clock) and whenever timestamps are on (TSval is the
//     clock). Two states with equal identity then have the same future up
//     to a shift of time, so merging them loses no behaviour. States are
//     stored as keyed 64-bit fingerprints of that identity (see Scale).
//   - Timestamps are turned off by default (Config.KeepTimestamps keeps
//     them, at the price of absolute clocks in every state). None of the
//     properties concerns PAWS or the RFC 6191 timestamp test.
//   - Host steps are memoised: a segment arrival or timer expiry at a host
//     depends only on the host's identity and the event, so its result
//     (new host, outputs, snapshots) is shared by every state that
//     contains that host. Tests check that the memo changes nothing.
//   - Atomic application actions: the calls of one action (socket,
//     O_NONBLOCK, bind, listen or connect; SO_LINGER then close) run without
//     interleaving, which loses nothing since only the last creates or
//     ends a TCB. Sockets are non-blocking, so no call parks.
//   - The monitor flag "abnormal" is per host, not per connection: once a
//     host has aborted any connection, resets of the other side are never
//     blamed on it. This can hide a reset-after-fin violation, never
//     invent one.
//
// # Scale
//
// The search keeps about 30 bytes of memory per state (rfc9293, C=2,
// R=2: 3.6 million states in 130 MB of resident memory), as TLC and SPIN
// do:
//
//   - The visited set holds a keyed 64-bit fingerprint per state
//     (Config.FPKey) in an open-addressing table outside the Go heap, 13 to
//     16 bytes a state. Two states may share a fingerprint; the report
//     gives the probability that this hid a state, TLC's "optimistic"
//     estimate d·(g−d)/2^64 for d distinct and g generated states, and the
//     bound d²/2^65. A second run with another key checks it.
//   - Hosts and segments are interned: a few thousand distinct host
//     states make up millions of system states, so a frontier state is
//     about 25 bytes of indexes, kept in byte slabs up to
//     Config.FrontierMem per level and spilled to a temporary file beyond.
//   - Per state, only a flag byte stays in memory. The BFS parent, the
//     label of the transition from it and the signature go to a record
//     file; shortest traces are rebuilt by following parents and replaying
//     the labels from the initial state. Edges go to an edge file, and the
//     backward search for states that can reach both-CLOSED is a fixpoint
//     of passes over it, last edge first.
//   - Both cores: workers decode and expand chunks of the frontier in
//     parallel, and one goroutine merges the chunks in frontier order, so
//     counts, findings and traces do not depend on scheduling
//     (Config.Workers; a test compares one worker with four).
//   - Config.MaxMem and Config.MaxTime stop the search with a truncated
//     report that says why, like Config.MaxStates.
//
// No symmetry or partial-order reduction is applied; FINDINGS.md (§7) says
// why none is sound for these checks here.
//
// Run is the entry point; Report prints counts, stuck and deadlocked
// states grouped by the hosts' connection states with a shortest trace
// each, and violations with their traces.
package explore
