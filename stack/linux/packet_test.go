package linux

import (
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/tcpclose/tcpclose/spec"
)

func TestEncodeDecodeRoundTrip(t *testing.T) {
	a := spec.SockAddr{IP: spec.IPv4{192, 0, 2, 1}, Port: 50000}
	b := spec.SockAddr{IP: spec.IPv4{192, 168, 0, 1}, Port: 8080}
	segs := []spec.Segment{
		{Src: a, Dst: b, Flags: spec.SYN, Seq: 0, Wnd: 65535,
			Opts: spec.Options{MSS: 1460, SackOK: true, HasTS: true, TS: spec.Timestamp{Val: 7, Ecr: 0}, WScale: 8}},
		{Src: a, Dst: b, Flags: spec.SYN, Seq: 4294967295, Wnd: 1000, Opts: spec.Options{MSS: 536}},
		{Src: a, Dst: b, Flags: spec.ACK | spec.PSH, Seq: 1, Ack: 99, Len: 1000, Wnd: 257,
			Opts: spec.Options{HasTS: true, TS: spec.Timestamp{Val: 1, Ecr: 2}}},
		{Src: a, Dst: b, Flags: spec.RST | spec.ACK, Seq: 5, Ack: 6},
		{Src: a, Dst: b, Flags: spec.FIN | spec.ACK, Seq: 5, Ack: 6, Wnd: 9, Opts: spec.Options{SackOK: true}},
	}
	for _, s := range segs {
		pkt, err := EncodeIPv4(s, 1)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		got, err := DecodeIPv4(pkt)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if got != s {
			t.Errorf("round trip:\n got %s\nwant %s", got, s)
		}
		// The checksums must verify: recompute them and compare.
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
			t.Errorf("%s: IP checksum %#x, recomputed %#x", s, ipSum, c)
		}
		if c := p2.Layer(layers.LayerTypeTCP).(*layers.TCP).Checksum; c != tcpSum {
			t.Errorf("%s: TCP checksum %#x, recomputed %#x", s, tcpSum, c)
		}
	}
}

func TestDecodeRejectsNonTCP(t *testing.T) {
	if _, err := DecodeIPv4([]byte{0x60, 0, 0, 0}); err != ErrNotTCP {
		t.Errorf("IPv6 packet: err = %v, want ErrNotTCP", err)
	}
	if _, err := DecodeIPv4(nil); err != ErrNotTCP {
		t.Errorf("empty packet: err = %v, want ErrNotTCP", err)
	}
}
