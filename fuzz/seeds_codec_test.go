package fuzz

import (
	"net/netip"

	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/wire"
)

// codecSeeds is the FuzzSegmentCodec seed corpus: packets the encoder
// makes for every flag combination the closing rules see and every
// option, plus truncated and foreign packets.
func codecSeeds() []namedSeed {
	a := spec.SockAddr{IP: spec.IPv4(192, 0, 2, 1), Port: 50000}
	b := spec.SockAddr{IP: spec.IPv4(192, 168, 0, 1), Port: 8080}
	segs := []struct {
		name string
		seg  spec.Segment
	}{
		{"syn-all-options", spec.Segment{Src: a, Dst: b, Flags: spec.SYN, Seq: 0xFFFFFFFF, Wnd: 65535,
			Opts: spec.Options{MSS: 1460, SackOK: true, HasTS: true, TS: spec.Timestamp{Val: 7}, WScale: 8}}},
		{"syn-mss", spec.Segment{Src: a, Dst: b, Flags: spec.SYN, Opts: spec.Options{MSS: 536}}},
		{"synack-sack", spec.Segment{Src: b, Dst: a, Flags: spec.SYN | spec.ACK, Seq: 1, Ack: 1, Opts: spec.Options{SackOK: true, WScale: 1}}},
		{"data-ts", spec.Segment{Src: a, Dst: b, Flags: spec.PSH | spec.ACK, Seq: 1, Ack: 2, Len: 100, Wnd: 1000,
			Opts: spec.Options{HasTS: true, TS: spec.Timestamp{Val: 1, Ecr: 2}}}},
		{"fin-ack", spec.Segment{Src: a, Dst: b, Flags: spec.FIN | spec.ACK, Seq: 5, Ack: 6}},
		{"rst", spec.Segment{Src: a, Dst: b, Flags: spec.RST, Seq: 5}},
		{"rst-ack", spec.Segment{Src: a, Dst: b, Flags: spec.RST | spec.ACK, Seq: 5, Ack: 9}},
		{"all-flags", spec.Segment{Src: a, Dst: b, Flags: 0x3F, Seq: 1 << 31, Ack: 1 << 31, Len: 1}},
	}
	var seeds []namedSeed
	for _, s := range segs {
		pkt, err := wire.EncodeIPv4(s.seg, 1)
		if err != nil {
			panic(err)
		}
		seeds = append(seeds, namedSeed{s.name, pkt})
		if s.name == "syn-all-options" {
			seeds = append(seeds, namedSeed{"truncated-options", pkt[:len(pkt)-3]},
				namedSeed{"ip-header-only", pkt[:20]})
			frag := append([]byte(nil), pkt...)
			frag[6] |= 0x20 // more fragments
			seeds = append(seeds, namedSeed{"fragment", frag})
			bad := append([]byte(nil), pkt...)
			bad[32] = 0xF0 // TCP data offset 60 beyond the packet
			seeds = append(seeds, namedSeed{"bad-data-offset", bad})
			badOpt := append([]byte(nil), pkt...)
			badOpt[41] = 0 // zero-length option
			seeds = append(seeds, namedSeed{"zero-length-option", badOpt})
		}
	}
	v6, err := wire.AppendIPv6(nil, netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::2"), &segs[0].seg)
	if err != nil {
		panic(err)
	}
	seeds = append(seeds, namedSeed{"ipv6-syn-all-options", v6}, namedSeed{"ipv6-header-only", v6[:40]},
		namedSeed{"ipv6", []byte{0x60, 0, 0, 0, 0, 0, 6, 64}},
		namedSeed{"udp", append([]byte{0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 192, 0, 2, 1, 192, 168, 0, 1}, make([]byte, 8)...)})
	return seeds
}
