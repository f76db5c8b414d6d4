package fuzz

import "github.com/tcpclose/tcpclose/wire"

// SegmentCodec checks the packet codec (package wire) on arbitrary bytes:
// decoding never panics; a whole IPv4 or IPv6 TCP packet that decodes
// re-encodes canonically, decodes again to the same packet, and encoding
// that packet again gives the same bytes (wire.RoundTrip).
func SegmentCodec(b []byte) error { return wire.RoundTrip(b) }
