package wire

import (
	"bytes"
	"fmt"
)

// RoundTrip checks the codec's law on arbitrary bytes b, for fuzzers
// (FuzzDecode here, FuzzSegmentCodec in package fuzz): if b decodes to a
// whole packet, encoding it gives a packet that decodes to the same
// packet, and encoding that again gives the same bytes. Bytes that do
// not decode pass; so does a packet whose payload leaves no room for the
// canonical options (never the case: they are never longer than the
// options they came from).
func RoundTrip(b []byte) error {
	p, err := Decode(b)
	if err != nil || p.Truncated {
		return nil
	}
	pkt, err := AppendPacket(nil, &p)
	if err != nil {
		return fmt.Errorf("encode(decode(%x)) = %s: %w", b, &p.Seg, err)
	}
	p2, err := Decode(pkt)
	if err != nil {
		return fmt.Errorf("decode(encode(%s)): %w", &p.Seg, err)
	}
	if p2 != p {
		return fmt.Errorf("decode(encode(decode(%x))):\n got %s %+v\nwant %s %+v", b, &p2.Seg, p2, &p.Seg, p)
	}
	pkt2, err := AppendPacket(nil, &p2)
	if err != nil || !bytes.Equal(pkt, pkt2) {
		return fmt.Errorf("encoding %s is not stable: %x then %x (%v)", &p.Seg, pkt, pkt2, err)
	}
	if err := VerifyChecksums(pkt); err != nil {
		return fmt.Errorf("encode(%s): %w", &p.Seg, err)
	}
	return nil
}
