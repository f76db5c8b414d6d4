package wire

import (
	"encoding/binary"
	"fmt"

	"github.com/tcpclose/tcpclose/spec"
)

// Sizes of the headers the codec reads and writes.
const (
	TCPHeaderLen   = 20 // TCP header without options
	MaxOptionsLen  = 40 // room for options in a TCP header
	IPv4HeaderLen  = 20 // IPv4 header without options
	IPv6HeaderLen  = 40 // fixed IPv6 header
	MaxIPv4Packet  = 65535
	MaxIPv6Payload = 65535 // without jumbograms
)

// TCP option kinds (RFC 9293 §3.1, RFC 7323, RFC 2018).
const (
	optEOL       = 0
	optNOP       = 1
	optMSS       = 2
	optWScale    = 3
	optSackOK    = 4
	optTimestamp = 8
)

const (
	protoTCP   = 6
	defaultTTL = 64
	flagsMask  = spec.Flags(0x3f) // FIN..URG; ECE and CWR play no part
)

// AppendOptions appends the TCP options of o in the canonical order, the
// one Linux uses on a SYN: MSS; SACK-permitted and Timestamps together
// (4,2,8,10) or each behind two NOPs; NOP and window scale. The result is
// always a multiple of 4 octets long, at most 20.
func AppendOptions(b []byte, o spec.Options) []byte {
	if o.MSS != 0 {
		b = append(b, optMSS, 4, byte(o.MSS>>8), byte(o.MSS))
	}
	switch {
	case o.SackOK && o.HasTS:
		b = append(b, optSackOK, 2)
	case o.SackOK:
		b = append(b, optNOP, optNOP, optSackOK, 2)
	case o.HasTS:
		b = append(b, optNOP, optNOP)
	}
	if o.HasTS {
		b = append(b, optTimestamp, 10)
		b = binary.BigEndian.AppendUint32(b, o.TS.Val)
		b = binary.BigEndian.AppendUint32(b, o.TS.Ecr)
	}
	if o.WScale != 0 {
		b = append(b, optNOP, optWScale, 3, o.WScale-1)
	}
	return b
}

// optionsLen is len(AppendOptions(nil, o)) without building them.
func optionsLen(o spec.Options) int {
	n := 0
	if o.MSS != 0 {
		n += 4
	}
	if o.SackOK && !o.HasTS {
		n += 4
	}
	if o.HasTS {
		n += 12
	}
	if o.WScale != 0 {
		n += 4
	}
	return n
}

// DecodeOptions reads the TCP options in b, in any order: MSS,
// SACK-permitted, Timestamps and window scale are kept, SACK blocks and
// unknown kinds are skipped, and an end-of-options ends the list. A
// known option with the wrong length, or an option that runs past b, is
// an error, unless cut says b was cut short by the capture: then the
// options wholly inside b are kept and the rest is ignored.
func DecodeOptions(b []byte, cut bool) (spec.Options, error) {
	var o spec.Options
	for i := 0; i < len(b); {
		kind := b[i]
		if kind == optEOL {
			break
		}
		if kind == optNOP {
			i++
			continue
		}
		if i+1 >= len(b) || i+int(b[i+1]) > len(b) {
			if cut {
				break
			}
			return o, fmt.Errorf("option kind %d at offset %d overruns the header", kind, i)
		}
		l := int(b[i+1])
		if l < 2 {
			return o, fmt.Errorf("option kind %d at offset %d has length %d", kind, i, l)
		}
		v := b[i+2 : i+l]
		switch {
		case kind == optMSS && l == 4:
			o.MSS = binary.BigEndian.Uint16(v)
		case kind == optWScale && l == 3:
			o.WScale = min(v[0], 254) + 1
		case kind == optSackOK && l == 2:
			o.SackOK = true
		case kind == optTimestamp && l == 10:
			o.HasTS = true
			o.TS = spec.Timestamp{Val: binary.BigEndian.Uint32(v), Ecr: binary.BigEndian.Uint32(v[4:])}
		case kind == optMSS || kind == optWScale || kind == optSackOK || kind == optTimestamp:
			return o, fmt.Errorf("option kind %d at offset %d has length %d", kind, i, l)
		}
		i += l
	}
	return o, nil
}

// appendTCP appends the TCP header and payload of seg (zero octets of
// seg.Len), with the checksum computed from the pseudo-header sum given.
func appendTCP(b []byte, seg *spec.Segment, pseudo uint32) []byte {
	start := len(b)
	thl := TCPHeaderLen + optionsLen(seg.Opts)
	b = binary.BigEndian.AppendUint16(b, seg.Src.Port)
	b = binary.BigEndian.AppendUint16(b, seg.Dst.Port)
	b = binary.BigEndian.AppendUint32(b, uint32(seg.Seq))
	var ack uint32
	if seg.Flags&spec.ACK != 0 {
		ack = uint32(seg.Ack)
	}
	b = binary.BigEndian.AppendUint32(b, ack)
	b = append(b, byte(thl/4)<<4, byte(seg.Flags&flagsMask))
	b = binary.BigEndian.AppendUint16(b, seg.Wnd)
	b = append(b, 0, 0, 0, 0) // checksum, urgent pointer
	b = AppendOptions(b, seg.Opts)
	b = append(b, make([]byte, seg.Len)...)
	sum := checksum(b[start:], pseudo)
	binary.BigEndian.PutUint16(b[start+16:], sum)
	return b
}

// tcpFields fills seg from a TCP header h of length at least
// TCPHeaderLen (ports, sequence numbers, flags, window).
func tcpFields(seg *spec.Segment, h []byte) {
	seg.Src.Port = binary.BigEndian.Uint16(h[0:])
	seg.Dst.Port = binary.BigEndian.Uint16(h[2:])
	seg.Seq = spec.Seq(binary.BigEndian.Uint32(h[4:]))
	seg.Flags = spec.Flags(h[13]) & flagsMask
	if seg.Flags&spec.ACK != 0 {
		seg.Ack = spec.Seq(binary.BigEndian.Uint32(h[8:]))
	}
	seg.Wnd = binary.BigEndian.Uint16(h[14:])
}

// checksum is the Internet checksum (RFC 1071) of b, starting from the
// partial sum initial. Over data whose checksum field is right it is 0.
func checksum(b []byte, initial uint32) uint16 {
	s := uint64(initial)
	for len(b) >= 8 {
		s += uint64(binary.BigEndian.Uint32(b)) + uint64(binary.BigEndian.Uint32(b[4:]))
		b = b[8:]
	}
	for len(b) >= 2 {
		s += uint64(b[0])<<8 | uint64(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint64(b[0]) << 8
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

// sum16 adds the 16-bit words of b (even length) to s.
func sum16(s uint32, b []byte) uint32 {
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	return s
}
