package gvisor

import (
	"errors"
	"testing"

	"github.com/tcpclose/tcpclose/spec"
)

func TestEncodeDecodeRoundTrip(t *testing.T) {
	segs := []spec.Segment{
		{Src: remote, Dst: local, Flags: spec.SYN, Seq: 1000, Wnd: 65535,
			Opts: spec.Options{MSS: 1460, SackOK: true, HasTS: true, TS: spec.Timestamp{Val: 7, Ecr: 0}, WScale: 8}},
		{Src: remote, Dst: local, Flags: spec.SYN, Seq: 1, Wnd: 1, Opts: spec.Options{SackOK: true}},
		{Src: remote, Dst: local, Flags: spec.SYN, Seq: 1, Wnd: 1, Opts: spec.Options{HasTS: true, TS: spec.Timestamp{Val: 1, Ecr: 2}}},
		{Src: local, Dst: remote, Flags: spec.FIN | spec.ACK, Seq: 0xfffffff0, Ack: 5, Wnd: 29200},
		{Src: local, Dst: remote, Flags: spec.PSH | spec.ACK, Seq: 9, Ack: 10, Len: 1001, Wnd: 100},
		{Src: local, Dst: remote, Flags: spec.RST, Seq: 77},
		{Src: local, Dst: remote, Flags: spec.URG | spec.ACK, Seq: 77, Ack: 1, Len: 1},
	}
	for _, s := range segs {
		b, err := EncodeSegment(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		got, err := DecodeSegment(b)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if got != s {
			t.Errorf("round trip:\n got %s (%s->%s)\nwant %s (%s->%s)", got, got.Src, got.Dst, s, s.Src, s.Dst)
		}
	}
}

func TestEncodeLayout(t *testing.T) {
	s := spec.Segment{Src: remote, Dst: local, Flags: spec.SYN, Seq: 0x01020304, Wnd: 0x1122,
		Opts: spec.Options{MSS: 1460, SackOK: true, HasTS: true, TS: spec.Timestamp{Val: 1, Ecr: 0}, WScale: 8}}
	b, err := EncodeSegment(s)
	if err != nil {
		t.Fatal(err)
	}
	// Linux's SYN layout: mss, sackOK+TS, nop+wscale: 20 octets of options.
	if len(b) != 20+20+20 {
		t.Fatalf("packet of %d octets, want 60", len(b))
	}
	wantOpts := []byte{2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7}
	if got := b[40:60]; string(got) != string(wantOpts) {
		t.Errorf("options % x, want % x", got, wantOpts)
	}
	if b[9] != 6 || b[0] != 0x45 || b[32] != 0xa0 || b[33] != byte(spec.SYN) {
		t.Errorf("header fields wrong: % x", b[:40])
	}
	if checksum(b[:20], 0) != 0 || checksum(b[20:], pseudoHeaderSum(s.Src.IP, s.Dst.IP, 40)) != 0 {
		t.Error("checksums do not verify")
	}
}

func TestDecodeRejects(t *testing.T) {
	good, err := EncodeSegment(spec.Segment{Src: remote, Dst: local, Flags: spec.ACK, Seq: 1, Ack: 2, Len: 3})
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
	}
	for name, b := range cases {
		if _, err := DecodeSegment(b); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
	udp := mutate(func(b []byte) []byte { b[9] = 17; b[10], b[11] = 0, 0; return b })
	ipsum := checksum(udp[:20], 0)
	udp[10], udp[11] = byte(ipsum>>8), byte(ipsum)
	if _, err := DecodeSegment(udp); !errors.Is(err, errNotTCP) {
		t.Errorf("UDP: %v, want errNotTCP", err)
	}
}

func TestEncodeRejectsOversize(t *testing.T) {
	if _, err := EncodeSegment(spec.Segment{Src: remote, Dst: local, Len: 70000}); err == nil {
		t.Error("70000-octet segment encoded")
	}
}

// FuzzDecodeSegment: decoding never panics, and whatever decodes encodes
// back to a packet that decodes to the same segment.
func FuzzDecodeSegment(f *testing.F) {
	for _, s := range []spec.Segment{
		{Src: remote, Dst: local, Flags: spec.SYN, Seq: 1, Opts: spec.Options{MSS: 536, HasTS: true, WScale: 1}},
		{Src: local, Dst: remote, Flags: spec.FIN | spec.ACK, Seq: 2, Ack: 3, Len: 4},
	} {
		b, err := EncodeSegment(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeSegment(b)
		if err != nil {
			return
		}
		b2, err := EncodeSegment(s)
		if err != nil {
			t.Fatalf("re-encode %s: %v", s, err)
		}
		s2, err := DecodeSegment(b2)
		if err != nil || s2 != s {
			t.Fatalf("re-decode: %v, %s != %s", err, s2, s)
		}
	})
}
