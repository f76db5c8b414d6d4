// Package lab runs experiments on the real Linux kernel and sets each
// beside what the model predicts with the linux profile
// (spec.MustProfile("linux")).
//
// Every experiment runs over loopback inside a private network namespace
// (linux.NetNS), never on the host's network. Segments are captured
// with an AF_PACKET socket on lo, as tcpdump would show them (no libpcap),
// and may be written to pcap files; socket states come from netlink
// sock_diag, as ss shows them. The model's prediction comes from making
// the same calls on two model hosts in a sim.World whose network, like
// loopback, neither delays nor loses a segment.
//
// The experiments are listed by Names and run by Run; each prints what it
// observed, what the profile predicts and a verdict, and returns them in
// a Result. They need Linux and root.
package lab
