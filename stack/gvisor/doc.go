// Package gvisor runs gVisor's netstack in-process as a stack.Stack, so
// that tcpclose scenarios, the model and the optimized implementation can
// be checked against a real TCP implementation. It is a Go module of its
// own (github.com/tcpclose/tcpclose/stack/gvisor), so that the main module
// does not depend on gVisor; stack/gvisor/test.sh runs its tests.
//
// A Stack owns one netstack stack.Stack with a single NIC (address
// stack.LocalIP(), 192.168.0.1, a route to 192.0.2.0/24 where the scripted peer lives)
// whose link is a channel endpoint, and a manual clock
// (faketime.ManualClock), so time is virtual and every run is
// deterministic:
//
//   - Inject builds an IPv4+TCP packet from a spec.Segment, with correct
//     checksums, and delivers it through the channel endpoint.
//   - Advance moves the manual clock from timer deadline to timer deadline;
//     segments the stack sends are read back from the channel endpoint and
//     parsed into spec.Segment values stamped with the time they were sent.
//   - Call maps the sockets-layer calls of spec.Call onto tcpip.Endpoint
//     methods the way gVisor's sentry does (pkg/sentry/socket/netstack),
//     with Linux errno values. A call that would block is parked and
//     returns its spec.OutResult from a later Inject, Call or Advance.
//
// Netstack processes segments on its own goroutines; after every action
// the adapter waits until those goroutines are idle (Stack.Pause/Resume
// until no work is left), so outputs never depend on scheduling.
//
// The adapter reports segments and call results. It reports no notices
// (spec.OutNotice): a real stack has no such channel to the application,
// and comparisons against the model must ignore them.
//
// The stack options that matter for closing are set with Config, with
// Sysctl (Linux sysctl names such as net.ipv4.tcp_fin_timeout) or with
// SetProfileField (spec.Profile field names such as TimeWait).
//
// Entry is the registry entry that configures a Stack from a profile and
// wraps it in stack.Real; the tcpclose-gvisor command (cmd/tcpclose-gvisor)
// is the tcpclose command line with this one entry added, and package
// stack/oracle judges it from Go with the same verdicts (docs/oracle.md).
package gvisor
