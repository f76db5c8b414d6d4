package wire

import (
	"bytes"
	"errors"
	"net/netip"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/tcpclose/tcpclose/spec"
)

var (
	peer = spec.SockAddr{IP: spec.IPv4(192, 0, 2, 1), Port: 50000}
	host = spec.SockAddr{IP: spec.IPv4(192, 168, 0, 1), Port: 8080}
)

// roundTripSegs are the segments the Linux and gVisor adapters' codec
// tests used, now the codec's own.
var roundTripSegs = []spec.Segment{
	{Src: peer, Dst: host, Flags: spec.SYN, Seq: 0, Wnd: 65535,
		Opts: spec.Options{MSS: 1460, SackOK: true, HasTS: true, TS: spec.Timestamp{Val: 7, Ecr: 0}, WScale: 8}},
	{Src: peer, Dst: host, Flags: spec.SYN, Seq: 4294967295, Wnd: 1000, Opts: spec.Options{MSS: 536}},
	{Src: peer, Dst: host, Flags: spec.SYN, Seq: 1, Wnd: 1, Opts: spec.Options{SackOK: true}},
	{Src: peer, Dst: host, Flags: spec.SYN, Seq: 1, Wnd: 1, Opts: spec.Options{HasTS: true, TS: spec.Timestamp{Val: 1, Ecr: 2}}},
	{Src: peer, Dst: host, Flags: spec.ACK | spec.PSH, Seq: 1, Ack: 99, Len: 1000, Wnd: 257,
		Opts: spec.Options{HasTS: true, TS: spec.Timestamp{Val: 1, Ecr: 2}}},
	{Src: peer, Dst: host, Flags: spec.RST | spec.ACK, Seq: 5, Ack: 6},
	{Src: peer, Dst: host, Flags: spec.FIN | spec.ACK, Seq: 5, Ack: 6, Wnd: 9, Opts: spec.Options{SackOK: true}},
	{Src: host, Dst: peer, Flags: spec.FIN | spec.ACK, Seq: 0xfffffff0, Ack: 5, Wnd: 29200},
	{Src: host, Dst: peer, Flags: spec.PSH | spec.ACK, Seq: 9, Ack: 10, Len: 1001, Wnd: 100},
	{Src: host, Dst: peer, Flags: spec.RST, Seq: 77},
	{Src: host, Dst: peer, Flags: spec.URG | spec.ACK, Seq: 77, Ack: 1, Len: 1},
	{Src: host, Dst: peer, Flags: spec.SYN | spec.ACK, Seq: 1, Ack: 1, Opts: spec.Options{SackOK: true, WScale: 1}},
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	for _, s := range roundTripSegs {
		pkt, err := EncodeIPv4(s, 1)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		got, err := DecodeIPv4(pkt)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if got != s {
			t.Errorf("round trip:\n got %s %+v\nwant %s %+v", got, got.Opts, s, s.Opts)
		}
		if err := VerifyChecksums(pkt); err != nil {
			t.Errorf("%s: %v", s, err)
		}
		// An independent codec (gopacket) recomputes the same checksums.
		p := gopacket.NewPacket(pkt, layers.LayerTypeIPv4, gopacket.Default)
		ip := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		tcp := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
		ipSum, tcpSum := ip.Checksum, tcp.Checksum
		if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
			t.Fatal(err)
		}
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{ComputeChecksums: true, FixLengths: true}, ip, tcp, gopacket.Payload(tcp.Payload)); err != nil {
			t.Fatal(err)
		}
		p2 := gopacket.NewPacket(buf.Bytes(), layers.LayerTypeIPv4, gopacket.Default)
		if c := p2.Layer(layers.LayerTypeIPv4).(*layers.IPv4).Checksum; c != ipSum {
			t.Errorf("%s: IP checksum %#x, gopacket computes %#x", s, ipSum, c)
		}
		if c := p2.Layer(layers.LayerTypeTCP).(*layers.TCP).Checksum; c != tcpSum {
			t.Errorf("%s: TCP checksum %#x, gopacket computes %#x", s, tcpSum, c)
		}
	}
}

// TestEncodeLayout pins the canonical layout byte for byte: Linux's SYN
// (mss, sackOK+TS, nop+wscale: 20 octets of options).
func TestEncodeLayout(t *testing.T) {
	s := spec.Segment{Src: peer, Dst: host, Flags: spec.SYN, Seq: 0x01020304, Wnd: 0x1122,
		Opts: spec.Options{MSS: 1460, SackOK: true, HasTS: true, TS: spec.Timestamp{Val: 1, Ecr: 0}, WScale: 8}}
	b, err := EncodeIPv4(s, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 20+20+20 {
		t.Fatalf("packet of %d octets, want 60", len(b))
	}
	wantOpts := []byte{2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7}
	if got := b[40:60]; !bytes.Equal(got, wantOpts) {
		t.Errorf("options % x, want % x", got, wantOpts)
	}
	if b[9] != 6 || b[0] != 0x45 || b[6] != 0x40 || b[8] != 64 || b[32] != 0xa0 || b[33] != byte(spec.SYN) {
		t.Errorf("header fields wrong: % x", b[:40])
	}
	for _, c := range []struct {
		o    spec.Options
		want []byte
	}{
		{spec.Options{SackOK: true}, []byte{1, 1, 4, 2}},
		{spec.Options{HasTS: true, TS: spec.Timestamp{Val: 2, Ecr: 3}}, []byte{1, 1, 8, 10, 0, 0, 0, 2, 0, 0, 0, 3}},
		{spec.Options{MSS: 536, WScale: 1}, []byte{2, 4, 2, 0x18, 1, 3, 3, 0}},
	} {
		if got := AppendOptions(nil, c.o); !bytes.Equal(got, c.want) || optionsLen(c.o) != len(c.want) {
			t.Errorf("%+v: options % x (len %d), want % x", c.o, got, optionsLen(c.o), c.want)
		}
	}
}

// TestDecodeAnyOrder: options in another order (the layout the old pcap
// writer used, padded with end-of-options), unknown kinds and SACK
// blocks decode to the same options.
func TestDecodeAnyOrder(t *testing.T) {
	want := spec.Options{MSS: 1460, SackOK: true, HasTS: true, TS: spec.Timestamp{Val: 9, Ecr: 8}, WScale: 3}
	for name, raw := range map[string][]byte{
		"old cli layout": {2, 4, 5, 0xb4, 4, 2, 1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 8, 1, 3, 3, 2, 0, 0},
		"reversed":       {3, 3, 2, 8, 10, 0, 0, 0, 9, 0, 0, 0, 8, 4, 2, 2, 4, 5, 0xb4, 0},
		"unknown kinds":  {30, 4, 1, 2, 2, 4, 5, 0xb4, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2, 4, 2, 254, 2, 8, 10, 0, 0, 0, 9, 0, 0, 0, 8, 3, 3, 2, 0},
	} {
		got, err := DecodeOptions(raw, false)
		if err != nil || got != want {
			t.Errorf("%s: %+v, %v; want %+v", name, got, err, want)
		}
	}
	for name, raw := range map[string][]byte{
		"overrun":    {2, 4, 5},
		"zero len":   {2, 0, 1, 1},
		"mss len 3":  {2, 3, 5, 1},
		"ts len 8":   {8, 8, 0, 0, 0, 0, 0, 0},
		"len 1 kind": {30, 1, 1, 1},
	} {
		if got, err := DecodeOptions(raw, false); err == nil {
			t.Errorf("%s: decoded to %+v", name, got)
		}
	}
	// Cut by a capture: the whole options before the cut are kept.
	if got, err := DecodeOptions([]byte{2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0}, true); err != nil || got != (spec.Options{MSS: 1460, SackOK: true}) {
		t.Errorf("cut options: %+v, %v", got, err)
	}
}

func TestDecodeRejects(t *testing.T) {
	good, err := EncodeIPv4(spec.Segment{Src: peer, Dst: host, Flags: spec.ACK, Seq: 1, Ack: 2, Len: 3}, 0)
	if err != nil {
		t.Fatal(err)
	}
	mutate := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	cases := map[string][]byte{
		"empty":          nil,
		"ipv6":           mutate(func(b []byte) []byte { b[0] = 0x60; return b }),
		"truncated":      good[:30],
		"ip checksum":    mutate(func(b []byte) []byte { b[8]--; return b }),
		"tcp checksum":   mutate(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }),
		"data offset":    mutate(func(b []byte) []byte { b[32] = 0xf0; return b }),
		"total too long": mutate(func(b []byte) []byte { b[3] += 100; return b }),
		"fragment":       mutate(func(b []byte) []byte { b[6] |= 0x20; return b }),
	}
	for name, b := range cases {
		_, err := DecodeIPv4(b)
		if err == nil {
			err = VerifyChecksums(b)
		}
		if err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
	udp := mutate(func(b []byte) []byte { b[9] = 17; return b })
	if _, err := DecodeIPv4(udp); !errors.Is(err, ErrNotTCP) {
		t.Errorf("UDP: %v, want ErrNotTCP", err)
	}
	if _, err := DecodeIPv4([]byte{0x60, 0, 0, 0}); !errors.Is(err, ErrNotTCP) {
		t.Errorf("IPv6 to DecodeIPv4: %v, want ErrNotTCP", err)
	}
	if _, err := EncodeIPv4(spec.Segment{Src: peer, Dst: host, Len: 70000}, 0); err == nil {
		t.Error("70000-octet segment encoded")
	}
}

// TestDecodeTruncated: a capture cut after the TCP header still yields
// the segment, its length from the IP header, marked Truncated; a cut
// inside the options keeps the options before it.
func TestDecodeTruncated(t *testing.T) {
	s := roundTripSegs[0]
	s.Len = 500
	b, err := EncodeIPv4(s, 7)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Decode(b[:60])
	if err != nil || p.Seg != s || !p.Truncated || p.OptsCut {
		t.Errorf("cut after options: %+v, %v", p, err)
	}
	p, err = Decode(b[:48]) // MSS and sackOK whole, timestamps cut
	want := s
	want.Opts = spec.Options{MSS: 1460, SackOK: true}
	if err != nil || p.Seg != want || !p.OptsCut {
		t.Errorf("cut in options: %+v, %v", p, err)
	}
	if _, err := Decode(b[:30]); !errors.Is(err, ErrTruncated) {
		t.Errorf("cut in TCP header: %v, want ErrTruncated", err)
	}
	if _, err := DecodeIPv4(b[:60]); err == nil {
		t.Error("DecodeIPv4 took a truncated packet")
	}
}

func TestIPv6(t *testing.T) {
	src, dst := netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::2")
	for _, s := range roundTripSegs {
		b, err := AppendIPv6(nil, src, dst, &s)
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyChecksums(b); err != nil {
			t.Errorf("%s: %v", s, err)
		}
		p, err := Decode(b)
		want := s
		want.Src.IP, want.Dst.IP = spec.AddrFromNetip(src), spec.AddrFromNetip(dst)
		if err != nil || p.Family != IPv6 || p.Seg != want || p.Src != netip.AddrPortFrom(src, s.Src.Port) || p.Dst != netip.AddrPortFrom(dst, s.Dst.Port) {
			t.Errorf("%s: %+v, %v", s, p, err)
		}
		g := gopacket.NewPacket(b, layers.LayerTypeIPv6, gopacket.Default)
		if tcp, ok := g.Layer(layers.LayerTypeTCP).(*layers.TCP); !ok || uint32(tcp.Seq) != uint32(s.Seq) {
			t.Errorf("%s: gopacket reads %v", s, g)
		}
		b2, err := AppendPacket(nil, &p)
		if err != nil || !bytes.Equal(b, b2) {
			t.Errorf("%s: AppendPacket(Decode(b)) differs: %v", s, err)
		}
	}
	// A hop-by-hop and a destination-options header before TCP.
	s := roundTripSegs[4]
	b, _ := AppendIPv6(nil, src, dst, &s)
	ext := []byte{60, 0, 1, 4, 0, 0, 0, 0, 6, 0, 1, 4, 0, 0, 0, 0}
	withExt := append(append(append([]byte(nil), b[:40]...), ext...), b[40:]...)
	withExt[6] = 0
	withExt[5] += 16
	if err := VerifyChecksums(withExt); err != nil {
		t.Errorf("extension headers: %v", err)
	}
	if p, err := Decode(withExt); err != nil || p.Seg.Seq != s.Seq || p.Seg.Len != s.Len {
		t.Errorf("extension headers: %+v, %v", p, err)
	}
	frag := append([]byte(nil), b...)
	frag[6] = 44
	if _, err := Decode(frag); !errors.Is(err, ErrFragment) {
		t.Errorf("fragment header: %v", err)
	}
}

// TestEncodeSegment: a segment's own addresses choose the family, and
// DecodeSegment gives the segment back whole.
func TestEncodeSegment(t *testing.T) {
	v6a, v6b := spec.AddrFromNetip(netip.MustParseAddr("fd3d:fa7b:d17d::36")), spec.AddrFromNetip(netip.MustParseAddr("fd3d:fa7b:d17d:8888::1"))
	for _, s := range roundTripSegs {
		for _, fam := range []Family{IPv4, IPv6} {
			seg := s
			if fam == IPv6 {
				seg.Src.IP, seg.Dst.IP = v6a, v6b
			} else {
				seg.Src.IP, seg.Dst.IP = spec.IPv4(192, 0, 2, 1), spec.IPv4(192, 168, 0, 1)
			}
			b, err := EncodeSegment(seg, 7)
			if err != nil {
				t.Fatal(err)
			}
			if int(b[0]>>4) != map[Family]int{IPv4: 4, IPv6: 6}[fam] {
				t.Errorf("%s: IP version %d, want %s", seg, b[0]>>4, fam)
			}
			got, err := DecodeSegment(b)
			if err != nil || got != seg {
				t.Errorf("%s over %s: decoded %s (%s -> %s), %v", seg, fam, got, got.Src, got.Dst, err)
			}
		}
	}
	seg := roundTripSegs[0]
	seg.Src.IP, seg.Dst.IP = v6a, v6b
	if _, err := EncodeIPv4(seg, 0); err == nil {
		t.Error("EncodeIPv4 took IPv6 addresses")
	}
}
