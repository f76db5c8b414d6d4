//go:build linux

package fuzz

import (
	"bytes"
	"fmt"

	"github.com/tcpclose/tcpclose/stack/linux"
)

// SegmentCodec checks the Linux adapter's segment codec on arbitrary
// bytes: decoding never panics; a packet that decodes re-encodes (unless
// the re-encoded options push it past the IPv4 limit), decodes again to
// the same segment, and encoding that segment again gives the same bytes.
func SegmentCodec(b []byte) error {
	seg, err := linux.DecodeIPv4(b)
	if err != nil {
		return nil
	}
	const ipID = 0x1234
	pkt, err := linux.EncodeIPv4(seg, ipID)
	if err != nil {
		if seg.Len > 65535-20-60 {
			return nil // the options Linux would send do not fit with this payload
		}
		return fmt.Errorf("encode(decode(%x)) = %s: %w", b, seg, err)
	}
	seg2, err := linux.DecodeIPv4(pkt)
	if err != nil {
		return fmt.Errorf("decode(encode(%s)): %w", seg, err)
	}
	if seg2 != seg {
		return fmt.Errorf("decode(encode(decode(%x))):\n got %s %+v\nwant %s %+v", b, seg2, seg2.Opts, seg, seg.Opts)
	}
	pkt2, err := linux.EncodeIPv4(seg2, ipID)
	if err != nil || !bytes.Equal(pkt, pkt2) {
		return fmt.Errorf("encoding %s is not stable: %x then %x (%v)", seg, pkt, pkt2, err)
	}
	return nil
}
