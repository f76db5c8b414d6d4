package gvisor

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/tcpclose/tcpclose/spec"
)

// Header sizes and field values of the packets the adapter builds.
const (
	ipv4HeaderLen = 20
	tcpHeaderLen  = 20
	protoTCP      = 6
	defaultTTL    = 64
	flagsMask     = spec.Flags(0x3f) // FIN..URG; ECE and CWR play no part
	maxOptionsLen = 40
	maxIPv4Packet = 65535
)

// EncodeSegment returns an IPv4 packet carrying seg: a 20-octet IPv4
// header (DF set, TTL 64), the TCP header with seg's options, and seg.Len
// octets of payload. Both checksums are computed. The TCP options are laid
// out as Linux lays them out on a SYN: MSS, SACK-permitted, timestamps,
// window scale, padded with NOPs.
func EncodeSegment(seg spec.Segment) ([]byte, error) {
	opts := encodeOptions(seg.Opts)
	if len(opts) > maxOptionsLen {
		return nil, fmt.Errorf("encode %s: %d octets of options exceed %d", seg, len(opts), maxOptionsLen)
	}
	thl := tcpHeaderLen + len(opts)
	total := ipv4HeaderLen + thl + int(seg.Len)
	if seg.Len > maxIPv4Packet || total > maxIPv4Packet {
		return nil, fmt.Errorf("encode %s: packet of %d octets exceeds the IPv4 limit", seg, total)
	}
	b := make([]byte, total)
	ip := b[:ipv4HeaderLen]
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(total))
	binary.BigEndian.PutUint16(ip[6:], 0x4000) // DF
	ip[8] = defaultTTL
	ip[9] = protoTCP
	copy(ip[12:16], seg.Src.IP[:])
	copy(ip[16:20], seg.Dst.IP[:])
	binary.BigEndian.PutUint16(ip[10:], checksum(ip, 0))

	t := b[ipv4HeaderLen:]
	binary.BigEndian.PutUint16(t[0:], seg.Src.Port)
	binary.BigEndian.PutUint16(t[2:], seg.Dst.Port)
	binary.BigEndian.PutUint32(t[4:], uint32(seg.Seq))
	if seg.Flags&spec.ACK != 0 {
		binary.BigEndian.PutUint32(t[8:], uint32(seg.Ack))
	}
	t[12] = byte(thl/4) << 4
	t[13] = byte(seg.Flags & flagsMask)
	binary.BigEndian.PutUint16(t[14:], seg.Wnd)
	copy(t[tcpHeaderLen:], opts)
	for i := thl; i < len(t); i++ {
		t[i] = 'x'
	}
	binary.BigEndian.PutUint16(t[16:], checksum(t, pseudoHeaderSum(seg.Src.IP, seg.Dst.IP, len(t))))
	return b, nil
}

func encodeOptions(o spec.Options) []byte {
	var b []byte
	if o.MSS != 0 {
		b = append(b, 2, 4, byte(o.MSS>>8), byte(o.MSS))
	}
	switch {
	case o.SackOK && o.HasTS:
		b = append(b, 4, 2)
	case o.SackOK:
		b = append(b, 1, 1, 4, 2)
	case o.HasTS:
		b = append(b, 1, 1)
	}
	if o.HasTS {
		b = append(b, 8, 10)
		b = binary.BigEndian.AppendUint32(b, o.TS.Val)
		b = binary.BigEndian.AppendUint32(b, o.TS.Ecr)
	}
	if o.WScale != 0 {
		b = append(b, 1, 3, 3, o.WScale-1)
	}
	for len(b)%4 != 0 {
		b = append(b, 1)
	}
	return b
}

// errNotTCP marks packets that are not IPv4/TCP (netstack may send other
// traffic, such as IGMP, which the adapter ignores).
var errNotTCP = errors.New("not an IPv4 TCP packet")

// DecodeSegment parses an IPv4 packet carrying TCP back into a segment. It
// checks lengths and both checksums; a packet that is not TCP over IPv4
// yields an error wrapping errNotTCP.
func DecodeSegment(b []byte) (spec.Segment, error) {
	var seg spec.Segment
	if len(b) < ipv4HeaderLen || b[0]>>4 != 4 {
		return seg, fmt.Errorf("decode: %w", errNotTCP)
	}
	ihl := int(b[0]&0xf) * 4
	total := int(binary.BigEndian.Uint16(b[2:]))
	if ihl < ipv4HeaderLen || total < ihl || total > len(b) {
		return seg, fmt.Errorf("decode: bad IPv4 lengths (ihl %d, total %d, have %d)", ihl, total, len(b))
	}
	if b[9] != protoTCP {
		return seg, fmt.Errorf("decode: protocol %d: %w", b[9], errNotTCP)
	}
	if checksum(b[:ihl], 0) != 0 {
		return seg, fmt.Errorf("decode: bad IPv4 header checksum")
	}
	copy(seg.Src.IP[:], b[12:16])
	copy(seg.Dst.IP[:], b[16:20])
	t := b[ihl:total]
	if len(t) < tcpHeaderLen {
		return seg, fmt.Errorf("decode: TCP header truncated (%d octets)", len(t))
	}
	thl := int(t[12]>>4) * 4
	if thl < tcpHeaderLen || thl > len(t) {
		return seg, fmt.Errorf("decode: bad TCP data offset %d", thl)
	}
	if checksum(t, pseudoHeaderSum(seg.Src.IP, seg.Dst.IP, len(t))) != 0 {
		return seg, fmt.Errorf("decode: bad TCP checksum")
	}
	seg.Src.Port = binary.BigEndian.Uint16(t[0:])
	seg.Dst.Port = binary.BigEndian.Uint16(t[2:])
	seg.Seq = spec.Seq(binary.BigEndian.Uint32(t[4:]))
	seg.Flags = spec.Flags(t[13]) & flagsMask
	if seg.Flags&spec.ACK != 0 {
		seg.Ack = spec.Seq(binary.BigEndian.Uint32(t[8:]))
	}
	seg.Wnd = binary.BigEndian.Uint16(t[14:])
	seg.Len = uint32(len(t) - thl)
	opts, err := decodeOptions(t[tcpHeaderLen:thl])
	if err != nil {
		return seg, fmt.Errorf("decode: %w", err)
	}
	seg.Opts = opts
	return seg, nil
}

func decodeOptions(b []byte) (spec.Options, error) {
	var o spec.Options
	for i := 0; i < len(b); {
		kind := b[i]
		if kind == 0 {
			break
		}
		if kind == 1 {
			i++
			continue
		}
		if i+1 >= len(b) || b[i+1] < 2 || i+int(b[i+1]) > len(b) {
			return o, fmt.Errorf("option kind %d at offset %d overruns the header", kind, i)
		}
		l := int(b[i+1])
		v := b[i+2 : i+l]
		switch {
		case kind == 2 && l == 4:
			o.MSS = binary.BigEndian.Uint16(v)
		case kind == 3 && l == 3:
			o.WScale = v[0] + 1
		case kind == 4 && l == 2:
			o.SackOK = true
		case kind == 8 && l == 10:
			o.HasTS = true
			o.TS = spec.Timestamp{Val: binary.BigEndian.Uint32(v), Ecr: binary.BigEndian.Uint32(v[4:])}
		case kind == 2 || kind == 3 || kind == 4 || kind == 8:
			return o, fmt.Errorf("option kind %d has length %d", kind, l)
		}
		// SACK blocks (kind 5) and unknown options are skipped.
		i += l
	}
	return o, nil
}

// pseudoHeaderSum is the one's-complement sum of the TCP pseudo-header
// (RFC 9293 §3.1).
func pseudoHeaderSum(src, dst spec.IPv4, tcpLen int) uint32 {
	var s uint32
	s += uint32(src[0])<<8 | uint32(src[1])
	s += uint32(src[2])<<8 | uint32(src[3])
	s += uint32(dst[0])<<8 | uint32(dst[1])
	s += uint32(dst[2])<<8 | uint32(dst[3])
	s += protoTCP
	s += uint32(tcpLen)
	return s
}

// checksum is the Internet checksum (RFC 1071) of b, starting from the
// partial sum initial. Over data whose checksum field is correct it is 0.
func checksum(b []byte, initial uint32) uint16 {
	s := initial
	for len(b) >= 2 {
		s += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint32(b[0]) << 8
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}
