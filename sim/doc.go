// Package sim is a deterministic simulator of two TCP endpoints joined by
// an unreliable network with a virtual clock.
//
// A run (Run) takes a Config: a seed, a profile for each side, how each
// side's host is built (a HostFactory returning any spec.Host: ModelHost,
// ImplHost, or the caller's own), the network (per-direction delay,
// jitter, loss, duplication, reordering, and the MSL bound that kills any
// segment older than MSL), an optional explicit fault schedule (Faults) and
// a Program of socket actions for each side's application. It returns a
// Result: a global Trace of everything that happened, per-side application
// reports (bytes written and read, end-of-file, errors, every notice of
// RFC 9293 MUST-12), the time each side's last connection closed, and the
// hazards the simulator watches for: segments of an older incarnation of a
// 4-tuple accepted by a newer one (RFC 1337 H1) and TIME-WAIT ended early by
// a RST (RFC 1337 assassination).
//
// Everything is deterministic: the network draws from a PCG generator
// (math/rand/v2) seeded with Config.Seed, the simulation runs in one
// goroutine, and ties are broken in a fixed order (host timers of side A,
// then of side B, then network and application events in the order they
// were scheduled). The same seed and Config give the same Trace, record for
// record.
//
// Built-in scenarios (Scenarios, LookupScenario) are data: programs, network
// settings, faults and profile overrides, from which Scenario.Config builds
// a Config for a chosen profile.
package sim
