package linux

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/tcpclose/tcpclose/spec"
)

// EncodeIPv4 builds the IPv4 packet that carries seg, with correct IP and
// TCP checksums. The payload is seg.Len zero octets. Options come in the
// order Linux puts them on a SYN (MSS, SACK-permitted, Timestamps, NOP,
// window scale) and as NOP, NOP, Timestamps otherwise.
func EncodeIPv4(seg spec.Segment, ipID uint16) ([]byte, error) {
	ip := &layers.IPv4{
		Version: 4, IHL: 5, TTL: 64, Id: ipID, Flags: layers.IPv4DontFragment,
		Protocol: layers.IPProtocolTCP,
		SrcIP:    seg.Src.IP[:], DstIP: seg.Dst.IP[:],
	}
	tcp := &layers.TCP{
		SrcPort: layers.TCPPort(seg.Src.Port), DstPort: layers.TCPPort(seg.Dst.Port),
		Seq: uint32(seg.Seq), Window: seg.Wnd,
		FIN: seg.Flags&spec.FIN != 0, SYN: seg.Flags&spec.SYN != 0, RST: seg.Flags&spec.RST != 0,
		PSH: seg.Flags&spec.PSH != 0, ACK: seg.Flags&spec.ACK != 0, URG: seg.Flags&spec.URG != 0,
	}
	if tcp.ACK {
		tcp.Ack = uint32(seg.Ack)
	}
	tcp.Options = encodeOptions(seg.Opts)
	if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
		return nil, fmt.Errorf("encode %s: %w", seg, err)
	}
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	payload := gopacket.Payload(make([]byte, seg.Len))
	if err := gopacket.SerializeLayers(buf, opts, ip, tcp, payload); err != nil {
		return nil, fmt.Errorf("encode %s: %w", seg, err)
	}
	return buf.Bytes(), nil
}

func encodeOptions(o spec.Options) []layers.TCPOption {
	var out []layers.TCPOption
	nop := layers.TCPOption{OptionType: layers.TCPOptionKindNop, OptionLength: 1}
	if o.MSS != 0 {
		d := make([]byte, 2)
		binary.BigEndian.PutUint16(d, o.MSS)
		out = append(out, layers.TCPOption{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: d})
	}
	if o.SackOK {
		if !o.HasTS {
			out = append(out, nop, nop)
		}
		out = append(out, layers.TCPOption{OptionType: layers.TCPOptionKindSACKPermitted, OptionLength: 2})
	}
	if o.HasTS {
		if !o.SackOK {
			out = append(out, nop, nop)
		}
		d := make([]byte, 8)
		binary.BigEndian.PutUint32(d[0:4], o.TS.Val)
		binary.BigEndian.PutUint32(d[4:8], o.TS.Ecr)
		out = append(out, layers.TCPOption{OptionType: layers.TCPOptionKindTimestamps, OptionLength: 10, OptionData: d})
	}
	if o.WScale != 0 {
		out = append(out, nop, layers.TCPOption{OptionType: layers.TCPOptionKindWindowScale, OptionLength: 3, OptionData: []byte{o.WScale - 1}})
	}
	return out
}

// ErrNotTCP is returned by DecodeIPv4 for packets that are not IPv4 TCP
// (IPv6, ICMP, ARP...).
var ErrNotTCP = errors.New("not an IPv4 TCP packet")

// DecodeIPv4 parses an IPv4 packet carrying TCP into a spec.Segment
// (flags, sequence and acknowledgment numbers, payload length, the window
// as sent, and the MSS, Timestamps, window-scale and SACK-permitted
// options). The checksums are not verified.
func DecodeIPv4(b []byte) (spec.Segment, error) {
	if len(b) < 20 || b[0]>>4 != 4 {
		return spec.Segment{}, ErrNotTCP
	}
	var ip layers.IPv4
	if err := ip.DecodeFromBytes(b, gopacket.NilDecodeFeedback); err != nil {
		return spec.Segment{}, fmt.Errorf("decode IPv4: %w", err)
	}
	if ip.Protocol != layers.IPProtocolTCP {
		return spec.Segment{}, ErrNotTCP
	}
	if ip.Flags&layers.IPv4MoreFragments != 0 || ip.FragOffset != 0 {
		return spec.Segment{}, fmt.Errorf("decode IPv4: fragment")
	}
	var tcp layers.TCP
	if err := tcp.DecodeFromBytes(ip.Payload, gopacket.NilDecodeFeedback); err != nil {
		return spec.Segment{}, fmt.Errorf("decode TCP: %w", err)
	}
	var s spec.Segment
	copy(s.Src.IP[:], ip.SrcIP.To4())
	copy(s.Dst.IP[:], ip.DstIP.To4())
	s.Src.Port, s.Dst.Port = uint16(tcp.SrcPort), uint16(tcp.DstPort)
	s.Seq = spec.Seq(tcp.Seq)
	for _, f := range []struct {
		on  bool
		bit spec.Flags
	}{{tcp.FIN, spec.FIN}, {tcp.SYN, spec.SYN}, {tcp.RST, spec.RST}, {tcp.PSH, spec.PSH}, {tcp.ACK, spec.ACK}, {tcp.URG, spec.URG}} {
		if f.on {
			s.Flags |= f.bit
		}
	}
	if tcp.ACK {
		s.Ack = spec.Seq(tcp.Ack)
	}
	s.Len = uint32(len(tcp.Payload))
	s.Wnd = tcp.Window
	for _, o := range tcp.Options {
		switch o.OptionType {
		case layers.TCPOptionKindMSS:
			if len(o.OptionData) == 2 {
				s.Opts.MSS = binary.BigEndian.Uint16(o.OptionData)
			}
		case layers.TCPOptionKindSACKPermitted:
			s.Opts.SackOK = true
		case layers.TCPOptionKindTimestamps:
			if len(o.OptionData) == 8 {
				s.Opts.HasTS = true
				s.Opts.TS.Val = binary.BigEndian.Uint32(o.OptionData[0:4])
				s.Opts.TS.Ecr = binary.BigEndian.Uint32(o.OptionData[4:8])
			}
		case layers.TCPOptionKindWindowScale:
			if len(o.OptionData) == 1 {
				s.Opts.WScale = o.OptionData[0] + 1
			}
		}
	}
	return s, nil
}
