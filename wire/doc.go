// Package wire is tcpclose's one codec for packets on the wire: TCP
// segments (spec.Segment) to and from IPv4 and IPv6 packets with correct
// checksums, the link framings captures use (Ethernet, Linux cooked SLL
// and SLL2, raw IP, BSD loopback), and capture files (pcap and pcapng,
// including pcapng packet comments).
//
// Encoding is canonical: TCP options always come in the order Linux puts
// them on a SYN (MSS, SACK-permitted, Timestamps, window scale, with the
// NOPs Linux uses), payloads are zero octets, TTL is 64 and IPv4 sets DF.
// Decoding is tolerant: options in any order, unknown options skipped,
// packets cut short by a capture's snap length decoded as far as they go
// and marked Truncated.
//
// The package is pure: no globals that change, no clock, no I/O but the
// io.Reader and io.Writer it is given. Every other package that needs
// packet bytes or capture files uses this one.
package wire
