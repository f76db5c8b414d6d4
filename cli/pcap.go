package cli

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/tcpclose/tcpclose/sim"
	"github.com/tcpclose/tcpclose/spec"
)

// PcapEpoch is the wall-clock instant virtual time 0 is mapped to in pcap
// files, fixed so that the same run always gives the same file.
var PcapEpoch = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

// WritePcap writes the segments of a simulator trace as a pcap file
// (link type Ethernet) that tcpdump and Wireshark read: every transmission
// as it leaves its sender, at its virtual send time (PcapEpoch plus the
// virtual time), including the ones the network then lost; the copies the
// network made are not in it, since no sender sent them. Frames carry
// correct IPv4 and TCP headers and checksums, the TCP options the segment
// had, and a payload of zeros of the segment's length.
func WritePcap(w io.Writer, t *sim.Trace) error {
	pw := pcapgo.NewWriter(w)
	if err := pw.WriteFileHeader(65536, layers.LinkTypeEthernet); err != nil {
		return fmt.Errorf("pcap header: %w", err)
	}
	var ipID [2]uint16
	buf := gopacket.NewSerializeBuffer()
	for i := range t.Records {
		r := &t.Records[i]
		if r.Kind != sim.RecSend || r.Side > sim.B {
			continue
		}
		ipID[r.Side]++
		if err := frame(buf, &r.Seg, ipID[r.Side]); err != nil {
			return fmt.Errorf("pcap: segment #%d: %w", r.SegID, err)
		}
		data := buf.Bytes()
		ci := gopacket.CaptureInfo{
			Timestamp:     PcapEpoch.Add(time.Duration(r.At)),
			CaptureLength: len(data),
			Length:        len(data),
		}
		if err := pw.WritePacket(ci, data); err != nil {
			return fmt.Errorf("pcap: %w", err)
		}
	}
	return nil
}

// mac makes a locally administered MAC address from an IPv4 address.
func mac(ip spec.IPv4) net.HardwareAddr {
	return net.HardwareAddr{0x02, 0x00, ip[0], ip[1], ip[2], ip[3]}
}

// frame serializes one segment as an Ethernet frame into buf.
func frame(buf gopacket.SerializeBuffer, s *spec.Segment, id uint16) error {
	eth := &layers.Ethernet{SrcMAC: mac(s.Src.IP), DstMAC: mac(s.Dst.IP), EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{
		Version: 4, IHL: 5, TTL: 64, Id: id, Flags: layers.IPv4DontFragment,
		Protocol: layers.IPProtocolTCP,
		SrcIP:    net.IP(s.Src.IP[:]), DstIP: net.IP(s.Dst.IP[:]),
	}
	tcp := &layers.TCP{
		SrcPort: layers.TCPPort(s.Src.Port), DstPort: layers.TCPPort(s.Dst.Port),
		Seq: uint32(s.Seq), Window: s.Wnd,
		FIN: s.Flags.Has(spec.FIN), SYN: s.Flags.Has(spec.SYN), RST: s.Flags.Has(spec.RST),
		PSH: s.Flags.Has(spec.PSH), ACK: s.Flags.Has(spec.ACK), URG: s.Flags.Has(spec.URG),
	}
	if tcp.ACK {
		tcp.Ack = uint32(s.Ack)
	}
	o := s.Opts
	if o.MSS != 0 {
		tcp.Options = append(tcp.Options, layers.TCPOption{OptionType: layers.TCPOptionKindMSS, OptionLength: 4,
			OptionData: binary.BigEndian.AppendUint16(nil, o.MSS)})
	}
	if o.SackOK {
		tcp.Options = append(tcp.Options, layers.TCPOption{OptionType: layers.TCPOptionKindSACKPermitted, OptionLength: 2})
	}
	if o.HasTS {
		d := binary.BigEndian.AppendUint32(nil, o.TS.Val)
		d = binary.BigEndian.AppendUint32(d, o.TS.Ecr)
		tcp.Options = append(tcp.Options, layers.TCPOption{OptionType: layers.TCPOptionKindNop, OptionLength: 1},
			layers.TCPOption{OptionType: layers.TCPOptionKindNop, OptionLength: 1},
			layers.TCPOption{OptionType: layers.TCPOptionKindTimestamps, OptionLength: 10, OptionData: d})
	}
	if o.WScale != 0 {
		tcp.Options = append(tcp.Options, layers.TCPOption{OptionType: layers.TCPOptionKindNop, OptionLength: 1},
			layers.TCPOption{OptionType: layers.TCPOptionKindWindowScale, OptionLength: 3, OptionData: []byte{o.WScale - 1}})
	}
	if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
		return err
	}
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	return gopacket.SerializeLayers(buf, opts, eth, ip, tcp, gopacket.Payload(make([]byte, s.Len)))
}
