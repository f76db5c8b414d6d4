package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
)

// LinkType is a capture file's link-layer header type (the LINKTYPE_
// values of pcap and pcapng, www.tcpdump.org/linktypes.html).
type LinkType uint32

// The link types the codec frames and unframes.
const (
	LinkNull      LinkType = 0   // BSD loopback: 4-octet address family, host byte order
	LinkEthernet  LinkType = 1   // Ethernet II, with or without 802.1Q tags
	LinkRaw       LinkType = 101 // raw IPv4 or IPv6
	LinkLoop      LinkType = 108 // OpenBSD loopback: address family big-endian
	LinkLinuxSLL  LinkType = 113 // Linux cooked capture v1 (tcpdump -i any)
	LinkIPv4      LinkType = 228 // raw IPv4
	LinkIPv6      LinkType = 229 // raw IPv6
	LinkLinuxSLL2 LinkType = 276 // Linux cooked capture v2
	linkRawBSD    LinkType = 12  // DLT_RAW as some BSDs number it in files
	linkRawOpen   LinkType = 14  // DLT_RAW on OpenBSD
)

func (lt LinkType) String() string {
	switch lt {
	case LinkNull:
		return "null"
	case LinkEthernet:
		return "ethernet"
	case LinkRaw, linkRawBSD, linkRawOpen:
		return "raw"
	case LinkLoop:
		return "loop"
	case LinkLinuxSLL:
		return "linux-sll"
	case LinkIPv4:
		return "ipv4"
	case LinkIPv6:
		return "ipv6"
	case LinkLinuxSLL2:
		return "linux-sll2"
	}
	return fmt.Sprintf("linktype-%d", uint32(lt))
}

// ErrNotIP: a frame that carries something else than IP (ARP, LLDP...).
var ErrNotIP = errors.New("not an IP frame")

// ErrLinkType: a link type the codec does not unframe.
var ErrLinkType = errors.New("unsupported link type")

// EtherTypes and address families of IP.
const (
	etherIPv4 = 0x0800
	etherIPv6 = 0x86dd
	etherVLAN = 0x8100
	etherQinQ = 0x88a8
	afInet    = 2
)

// Unframe returns the IP packet inside a frame of link type lt. A frame
// that carries something else returns ErrNotIP; one too short for its
// link header returns ErrTruncated.
func Unframe(lt LinkType, f []byte) ([]byte, error) {
	switch lt {
	case LinkEthernet:
		if len(f) < 14 {
			return nil, fmt.Errorf("ethernet header cut short: %w", ErrTruncated)
		}
		et, off := binary.BigEndian.Uint16(f[12:]), 14
		for et == etherVLAN || et == etherQinQ {
			if len(f) < off+4 {
				return nil, fmt.Errorf("802.1Q tag cut short: %w", ErrTruncated)
			}
			et, off = binary.BigEndian.Uint16(f[off+2:]), off+4
		}
		return etherPayload(et, f[off:])
	case LinkRaw, linkRawBSD, linkRawOpen, LinkIPv4, LinkIPv6:
		return f, nil
	case LinkLinuxSLL:
		if len(f) < 16 {
			return nil, fmt.Errorf("linux cooked header cut short: %w", ErrTruncated)
		}
		return etherPayload(binary.BigEndian.Uint16(f[14:]), f[16:])
	case LinkLinuxSLL2:
		if len(f) < 20 {
			return nil, fmt.Errorf("linux cooked v2 header cut short: %w", ErrTruncated)
		}
		return etherPayload(binary.BigEndian.Uint16(f[0:]), f[20:])
	case LinkNull, LinkLoop:
		if len(f) < 4 {
			return nil, fmt.Errorf("loopback header cut short: %w", ErrTruncated)
		}
		af := binary.LittleEndian.Uint32(f)
		if lt == LinkLoop || af > 0xffff {
			af = binary.BigEndian.Uint32(f)
		}
		switch af {
		case afInet, 24, 28, 30: // AF_INET; AF_INET6 on NetBSD/OpenBSD, FreeBSD, Darwin
			return f[4:], nil
		}
		return nil, fmt.Errorf("address family %d: %w", af, ErrNotIP)
	}
	return nil, fmt.Errorf("%s: %w", lt, ErrLinkType)
}

func etherPayload(et uint16, p []byte) ([]byte, error) {
	if et != etherIPv4 && et != etherIPv6 {
		return nil, fmt.Errorf("ethertype %#04x: %w", et, ErrNotIP)
	}
	return p, nil
}

// AppendFrameHeader appends the link header of link type lt for an IP
// packet of family fam from src to dst. Ethernet addresses are made from
// the IP addresses (02:00 and the last four octets), so every host keeps
// one; the cooked headers say "sent by us" for packets from src.
func AppendFrameHeader(b []byte, lt LinkType, fam Family, src, dst netip.Addr) ([]byte, error) {
	et := uint16(etherIPv4)
	if fam == IPv6 {
		et = etherIPv6
	}
	switch lt {
	case LinkEthernet:
		b = appendMAC(b, dst)
		b = appendMAC(b, src)
		return binary.BigEndian.AppendUint16(b, et), nil
	case LinkRaw, LinkIPv4, LinkIPv6:
		if (lt == LinkIPv4 && fam != IPv4) || (lt == LinkIPv6 && fam != IPv6) {
			return b, fmt.Errorf("frame: %s packet on link type %s", fam, lt)
		}
		return b, nil
	case LinkLinuxSLL:
		b = append(b, 0, 4, 0, 1, 0, 6) // outgoing, ARPHRD_ETHER, 6-octet address
		b = appendMAC(b, src)
		b = append(b, 0, 0)
		return binary.BigEndian.AppendUint16(b, et), nil
	case LinkLinuxSLL2:
		b = binary.BigEndian.AppendUint16(b, et)
		b = append(b, 0, 0, 0, 0, 0, 1, 0, 1, 4, 6) // reserved, ifindex 1, ARPHRD_ETHER, outgoing, 6 octets
		b = appendMAC(b, src)
		return append(b, 0, 0), nil
	case LinkNull, LinkLoop:
		af := uint32(afInet)
		if fam == IPv6 {
			af = 24
		}
		if lt == LinkLoop {
			return binary.BigEndian.AppendUint32(b, af), nil
		}
		return binary.LittleEndian.AppendUint32(b, af), nil
	}
	return b, fmt.Errorf("frame: %s: %w", lt, ErrLinkType)
}

// appendMAC appends a locally administered MAC address made from ip.
func appendMAC(b []byte, ip netip.Addr) []byte {
	a := ip.As16()
	return append(b, 0x02, 0x00, a[12], a[13], a[14], a[15])
}
