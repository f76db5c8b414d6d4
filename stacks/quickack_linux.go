//go:build linux

package stacks

import (
	"encoding/binary"
	"fmt"
	"net"

	"github.com/tcpclose/tcpclose/linuxstack"
	"github.com/tcpclose/tcpclose/script"
	"golang.org/x/sys/unix"
)

// setQuickAck replaces the route to the scripted peer's network in ns
// with one carrying the quickack metric (ip route ... quickack 1,
// RTAX_QUICKACK): tcp_in_quickack_mode is then always true and Linux
// acknowledges every segment at once, as the model does, instead of
// entering delayed-ACK ("pingpong") mode, e.g. after a FIN.
func setQuickAck(ns *linuxstack.NetNS) error {
	return ns.Do(func() error {
		ifi, err := net.InterfaceByName(linuxstack.TUNName)
		if err != nil {
			return err
		}
		dst := script.RemoteIP
		dst[3] = 0
		src := script.LocalIP
		var body [unix.SizeofRtMsg]byte
		body[0] = unix.AF_INET       // rtm_family
		body[1] = 24                 // rtm_dst_len
		body[4] = unix.RT_TABLE_MAIN // rtm_table
		body[5] = unix.RTPROT_BOOT   // rtm_protocol
		body[6] = unix.RT_SCOPE_LINK // rtm_scope
		body[7] = unix.RTN_UNICAST   // rtm_type
		msg := append([]byte(nil), body[:]...)
		msg = append(msg, nlAttr(unix.RTA_DST, dst[:])...)
		msg = append(msg, nlAttr(unix.RTA_PREFSRC, src[:])...)
		msg = append(msg, nlAttr(unix.RTA_OIF, nlU32(uint32(ifi.Index)))...)
		msg = append(msg, nlAttr(unix.RTA_METRICS, nlAttr(unix.RTAX_QUICKACK, nlU32(1)))...)
		if err := nlRequest(unix.RTM_NEWROUTE, unix.NLM_F_CREATE|unix.NLM_F_REPLACE, msg); err != nil {
			return fmt.Errorf("route %s/24 quickack 1: %w", net.IP(dst[:]), err)
		}
		return nil
	})
}

func nlAttr(typ uint16, data []byte) []byte {
	l := unix.SizeofRtAttr + len(data)
	b := make([]byte, (l+3)&^3)
	binary.NativeEndian.PutUint16(b[0:2], uint16(l))
	binary.NativeEndian.PutUint16(b[2:4], typ)
	copy(b[unix.SizeofRtAttr:], data)
	return b
}

func nlU32(v uint32) []byte {
	b := make([]byte, 4)
	binary.NativeEndian.PutUint32(b, v)
	return b
}

// nlRequest sends one rtnetlink request and waits for its acknowledgment.
func nlRequest(typ, flags uint16, body []byte) error {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("netlink socket: %w", err)
	}
	defer unix.Close(fd)
	msg := make([]byte, unix.SizeofNlMsghdr, unix.SizeofNlMsghdr+len(body))
	binary.NativeEndian.PutUint32(msg[0:4], uint32(unix.SizeofNlMsghdr+len(body)))
	binary.NativeEndian.PutUint16(msg[4:6], typ)
	binary.NativeEndian.PutUint16(msg[6:8], unix.NLM_F_REQUEST|unix.NLM_F_ACK|flags)
	binary.NativeEndian.PutUint32(msg[8:12], 1)
	msg = append(msg, body...)
	if err := unix.Sendto(fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("netlink send: %w", err)
	}
	buf := make([]byte, 8192)
	for {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err != nil {
			return fmt.Errorf("netlink receive: %w", err)
		}
		for b := buf[:n]; len(b) >= unix.SizeofNlMsghdr; {
			l := int(binary.NativeEndian.Uint32(b[0:4]))
			if l < unix.SizeofNlMsghdr || l > len(b) {
				return fmt.Errorf("netlink: bad message length %d", l)
			}
			if binary.NativeEndian.Uint16(b[4:6]) == unix.NLMSG_ERROR {
				if l < unix.SizeofNlMsghdr+4 {
					return fmt.Errorf("netlink: short error message")
				}
				if e := int32(binary.NativeEndian.Uint32(b[16:20])); e != 0 {
					return unix.Errno(-e)
				}
				return nil
			}
			b = b[(l+3)&^3:]
		}
	}
}
