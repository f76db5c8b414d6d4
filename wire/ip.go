package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"github.com/tcpclose/tcpclose/spec"

	"github.com/tcpclose/tcpclose/internal/enum"
)

// Family is the IP version of a packet.
type Family uint8

// The families the codec knows.
const (
	IPv4 Family = 4
	IPv6 Family = 6
)

var familyNames = [...]string{IPv4: "IPv4", IPv6: "IPv6"}

func (f Family) String() string { return enum.Name(familyNames[:], "Family", f) }

// Errors a decoder returns (wrapped, with where) for packets it does not
// take apart; test with errors.Is.
var (
	// ErrNotTCP: the packet is not TCP over IPv4 or IPv6 (ARP, UDP,
	// ICMP, IGMP...). Not a fault of the packet.
	ErrNotTCP = errors.New("not a TCP/IP packet")
	// ErrFragment: an IP fragment; the codec does not reassemble.
	ErrFragment = errors.New("IP fragment")
	// ErrTruncated: the bytes end before the TCP header does (a snap
	// length too short to judge from).
	ErrTruncated = errors.New("TCP header cut short")
)

// Packet is one TCP/IP packet as the codec sees it.
type Packet struct {
	Family Family
	// Src and Dst are the addresses and ports of either family. For
	// IPv4 they are Seg.Src and Seg.Dst again.
	Src, Dst netip.AddrPort
	// Seg is the TCP segment. Seg.Len is the payload length the IP
	// header gives, even when the capture holds fewer octets. Its
	// addresses are Src's and Dst's as spec.Addr values (an IPv4-mapped
	// IPv6 address reads as IPv4 there, as the model sees it).
	Seg  spec.Segment
	IPID uint16 // IPv4 identification (0 for IPv6)
	// Truncated: the bytes end before the packet does (a capture's
	// snap length): the payload, perhaps part of the options.
	Truncated bool
	// OptsCut: the cut fell inside the TCP options; Seg.Opts holds those
	// wholly captured.
	OptsCut bool
}

// EncodeIPv4 returns the IPv4 packet that carries seg (see AppendIPv4).
func EncodeIPv4(seg spec.Segment, ipID uint16) ([]byte, error) {
	return AppendIPv4(nil, &seg, ipID)
}

// AppendIPv4 appends the IPv4 packet that carries seg: a 20-octet header
// (DF set, TTL 64, the identification given), the TCP header with seg's
// options in the canonical order, and seg.Len zero octets of payload,
// with both checksums computed.
func AppendIPv4(b []byte, seg *spec.Segment, ipID uint16) ([]byte, error) {
	if seg.Src.IP.Is6() || seg.Dst.IP.Is6() {
		return b, fmt.Errorf("encode %s: IPv4 needs IPv4 addresses", seg)
	}
	src, dst := seg.Src.IP.As4(), seg.Dst.IP.As4()
	total := IPv4HeaderLen + TCPHeaderLen + optionsLen(seg.Opts) + int(seg.Len)
	if total > MaxIPv4Packet {
		return b, fmt.Errorf("encode %s: packet of %d octets exceeds the IPv4 limit", seg, total)
	}
	start := len(b)
	b = append(b, 0x45, 0)
	b = binary.BigEndian.AppendUint16(b, uint16(total))
	b = binary.BigEndian.AppendUint16(b, ipID)
	b = append(b, 0x40, 0, defaultTTL, protoTCP, 0, 0) // DF
	b = append(b, src[:]...)
	b = append(b, dst[:]...)
	binary.BigEndian.PutUint16(b[start+10:], checksum(b[start:], 0))
	pseudo := sum16(sum16(0, src[:]), dst[:]) + protoTCP + uint32(total-IPv4HeaderLen)
	return appendTCP(b, seg, pseudo), nil
}

// EncodeSegment returns the packet that carries seg: IPv6 when either of
// its addresses is IPv6 (AppendIPv6 with seg's addresses), else IPv4
// (AppendIPv4).
func EncodeSegment(seg spec.Segment, ipID uint16) ([]byte, error) {
	return AppendSegment(nil, &seg, ipID)
}

// AppendSegment appends the packet that carries seg, as EncodeSegment.
func AppendSegment(b []byte, seg *spec.Segment, ipID uint16) ([]byte, error) {
	if seg.Src.IP.Is6() || seg.Dst.IP.Is6() {
		return AppendIPv6(b, seg.Src.IP.Netip(), seg.Dst.IP.Netip(), seg)
	}
	return AppendIPv4(b, seg, ipID)
}

// DecodeSegment parses a whole IPv4 or IPv6 packet carrying TCP into a
// segment, as DecodeIPv4 does for IPv4.
func DecodeSegment(b []byte) (spec.Segment, error) {
	p, err := Decode(b)
	if err != nil {
		return spec.Segment{}, err
	}
	if p.Truncated {
		return spec.Segment{}, fmt.Errorf("decode: %s packet cut short (%d octets given)", p.Family, len(b))
	}
	return p.Seg, nil
}

// AppendIPv6 appends the IPv6 packet that carries seg from src to dst
// (the ports are seg's; its addresses are ignored): a 40-octet
// header (hop limit 64, no extension headers) and the TCP segment as
// AppendIPv4 lays it out.
func AppendIPv6(b []byte, src, dst netip.Addr, seg *spec.Segment) ([]byte, error) {
	if !src.Is6() || !dst.Is6() {
		return b, fmt.Errorf("encode %s: IPv6 needs IPv6 addresses, have %s and %s", seg, src, dst)
	}
	plen := TCPHeaderLen + optionsLen(seg.Opts) + int(seg.Len)
	if plen > MaxIPv6Payload {
		return b, fmt.Errorf("encode %s: payload of %d octets exceeds the IPv6 limit", seg, plen)
	}
	b = append(b, 0x60, 0, 0, 0)
	b = binary.BigEndian.AppendUint16(b, uint16(plen))
	b = append(b, protoTCP, defaultTTL)
	s16, d16 := src.As16(), dst.As16()
	b = append(b, s16[:]...)
	b = append(b, d16[:]...)
	pseudo := sum16(sum16(0, s16[:]), d16[:]) + protoTCP + uint32(plen)
	return appendTCP(b, seg, pseudo), nil
}

// AppendPacket appends p as an IPv4 or IPv6 packet as its Family says,
// with p.Src and p.Dst as addresses and ports.
func AppendPacket(b []byte, p *Packet) ([]byte, error) {
	seg := p.Seg
	seg.Src.Port, seg.Dst.Port = p.Src.Port(), p.Dst.Port()
	switch p.Family {
	case IPv4:
		if !p.Src.Addr().Is4() || !p.Dst.Addr().Is4() {
			return b, fmt.Errorf("encode %s: IPv4 needs IPv4 addresses, have %s and %s", &seg, p.Src, p.Dst)
		}
		seg.Src.IP, seg.Dst.IP = spec.AddrFrom4(p.Src.Addr().As4()), spec.AddrFrom4(p.Dst.Addr().As4())
		return AppendIPv4(b, &seg, p.IPID)
	case IPv6:
		return AppendIPv6(b, p.Src.Addr(), p.Dst.Addr(), &seg)
	}
	return b, fmt.Errorf("encode: unknown family %d", p.Family)
}

// DecodeIPv4 parses a whole IPv4 packet carrying TCP into a segment, as
// the adapters of real stacks need: anything but IPv4 TCP is ErrNotTCP,
// and a packet shorter than its IP length is an error. Checksums are not
// verified (see VerifyChecksums).
func DecodeIPv4(b []byte) (spec.Segment, error) {
	if len(b) == 0 || b[0]>>4 != 4 {
		return spec.Segment{}, fmt.Errorf("decode: %w", ErrNotTCP)
	}
	p, err := Decode(b)
	if err != nil {
		return spec.Segment{}, err
	}
	if p.Truncated {
		return spec.Segment{}, fmt.Errorf("decode: IPv4 length %d exceeds the %d octets given", IPv4HeaderLen+p.Seg.Len, len(b))
	}
	return p.Seg, nil
}

// Decode parses an IPv4 or IPv6 packet carrying TCP. Octets after the
// IP length (link padding) are ignored. A packet cut short by a capture
// decodes as far as it goes and is marked Truncated, as long as the
// fixed TCP header is whole (else ErrTruncated). Checksums are not
// verified: captures taken on a sending host often carry unfilled ones
// (checksum offload).
func Decode(b []byte) (Packet, error) {
	if len(b) == 0 {
		return Packet{}, fmt.Errorf("decode: empty packet: %w", ErrNotTCP)
	}
	switch b[0] >> 4 {
	case 4:
		return decode4(b)
	case 6:
		return decode6(b)
	}
	return Packet{}, fmt.Errorf("decode: IP version %d: %w", b[0]>>4, ErrNotTCP)
}

func decode4(b []byte) (Packet, error) {
	var p Packet
	if len(b) < IPv4HeaderLen {
		return p, fmt.Errorf("decode: IPv4 header cut short (%d octets): %w", len(b), ErrTruncated)
	}
	ihl := int(b[0]&0xf) * 4
	total := int(binary.BigEndian.Uint16(b[2:]))
	if ihl < IPv4HeaderLen || total < ihl {
		return p, fmt.Errorf("decode: bad IPv4 lengths (header %d, total %d)", ihl, total)
	}
	if ihl > len(b) {
		return p, fmt.Errorf("decode: IPv4 options cut short: %w", ErrTruncated)
	}
	if b[9] != protoTCP {
		return p, fmt.Errorf("decode: IPv4 protocol %d: %w", b[9], ErrNotTCP)
	}
	if ff := binary.BigEndian.Uint16(b[6:]); ff&0x2000 != 0 || ff&0x1fff != 0 {
		return p, fmt.Errorf("decode: %w", ErrFragment)
	}
	p.Family = IPv4
	p.IPID = binary.BigEndian.Uint16(b[4:])
	src, dst := [4]byte(b[12:16]), [4]byte(b[16:20])
	p.Seg.Src.IP, p.Seg.Dst.IP = spec.AddrFrom4(src), spec.AddrFrom4(dst)
	if err := decodeTCP(&p, b[ihl:], total-ihl); err != nil {
		return Packet{}, err
	}
	p.Src = netip.AddrPortFrom(netip.AddrFrom4(src), p.Seg.Src.Port)
	p.Dst = netip.AddrPortFrom(netip.AddrFrom4(dst), p.Seg.Dst.Port)
	return p, nil
}

// decode6 parses an IPv6 packet.
func decode6(b []byte) (Packet, error) {
	var p Packet
	off, end, err := ipv6TCP(b)
	if err != nil {
		return p, err
	}
	p.Family = IPv6
	if err := decodeTCP(&p, b[off:], end-off); err != nil {
		return Packet{}, err
	}
	src, dst := netip.AddrFrom16([16]byte(b[8:24])), netip.AddrFrom16([16]byte(b[24:40]))
	p.Seg.Src.IP, p.Seg.Dst.IP = spec.AddrFromNetip(src), spec.AddrFromNetip(dst)
	p.Src = netip.AddrPortFrom(src, p.Seg.Src.Port)
	p.Dst = netip.AddrPortFrom(dst, p.Seg.Dst.Port)
	return p, nil
}

// ipv6TCP finds the TCP segment in an IPv6 packet, walking the extension
// headers that can come before it (hop-by-hop, routing, destination
// options, AH): it starts at off and ends, by the IPv6 length, at end.
func ipv6TCP(b []byte) (off, end int, err error) {
	if len(b) < IPv6HeaderLen {
		return 0, 0, fmt.Errorf("decode: IPv6 header cut short (%d octets): %w", len(b), ErrTruncated)
	}
	plen := int(binary.BigEndian.Uint16(b[4:]))
	if plen == 0 {
		return 0, 0, fmt.Errorf("decode: IPv6 jumbogram or empty payload: %w", ErrNotTCP)
	}
	next, off, end := b[6], IPv6HeaderLen, IPv6HeaderLen+plen
	for next != protoTCP {
		var hl int
		switch next {
		case 0, 43, 60: // hop-by-hop, routing, destination options
			hl = 8
			if off+2 <= len(b) {
				hl = (int(b[off+1]) + 1) * 8
			}
		case 51: // authentication header
			hl = 8
			if off+2 <= len(b) {
				hl = (int(b[off+1]) + 2) * 4
			}
		case 44:
			return 0, 0, fmt.Errorf("decode: %w", ErrFragment)
		default:
			return 0, 0, fmt.Errorf("decode: IPv6 next header %d: %w", next, ErrNotTCP)
		}
		if off+hl > end {
			return 0, 0, fmt.Errorf("decode: IPv6 extension header of %d octets overruns the payload", hl)
		}
		if off+2 > len(b) {
			return 0, 0, fmt.Errorf("decode: IPv6 extension header cut short: %w", ErrTruncated)
		}
		next = b[off]
		off += hl
	}
	if off > len(b) {
		return 0, 0, fmt.Errorf("decode: IPv6 extension headers cut short: %w", ErrTruncated)
	}
	return off, end, nil
}

// decodeTCP parses the TCP segment in t, whose length by the IP header is
// n (t may be longer, with link padding, or shorter, cut by a capture).
func decodeTCP(p *Packet, t []byte, n int) error {
	if len(t) > n {
		t = t[:n]
	}
	if n < TCPHeaderLen {
		return fmt.Errorf("decode: IP length leaves %d octets for TCP", n)
	}
	if len(t) < TCPHeaderLen {
		return fmt.Errorf("decode: %d octets of TCP header: %w", len(t), ErrTruncated)
	}
	thl := int(t[12]>>4) * 4
	if thl < TCPHeaderLen || thl > n {
		return fmt.Errorf("decode: bad TCP data offset %d (segment of %d octets)", thl, n)
	}
	tcpFields(&p.Seg, t)
	p.Seg.Len = uint32(n - thl)
	p.Truncated = len(t) < n
	opts := t[TCPHeaderLen:min(thl, len(t))]
	p.OptsCut = len(t) < thl
	o, err := DecodeOptions(opts, p.OptsCut)
	if err != nil {
		return fmt.Errorf("decode: %s: %w", &p.Seg, err)
	}
	p.Seg.Opts = o
	return nil
}

// VerifyChecksums checks the IPv4 header checksum and the TCP checksum of
// a whole IPv4 or IPv6 packet carrying TCP.
func VerifyChecksums(b []byte) error {
	p, err := Decode(b)
	if err != nil {
		return err
	}
	if p.Truncated {
		return fmt.Errorf("checksum: packet cut short")
	}
	var pseudo uint32
	var t []byte
	switch p.Family {
	case IPv4:
		ihl := int(b[0]&0xf) * 4
		if checksum(b[:ihl], 0) != 0 {
			return fmt.Errorf("checksum: bad IPv4 header checksum")
		}
		total := int(binary.BigEndian.Uint16(b[2:]))
		t = b[ihl:total]
		pseudo = sum16(0, b[12:20]) + protoTCP + uint32(len(t))
	case IPv6:
		off, end, _ := ipv6TCP(b)
		t = b[off:end]
		pseudo = sum16(0, b[8:40]) + protoTCP + uint32(len(t))
	}
	if checksum(t, pseudo) != 0 {
		return fmt.Errorf("checksum: bad TCP checksum")
	}
	return nil
}
