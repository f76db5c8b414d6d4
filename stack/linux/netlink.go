//go:build linux

package linux

import (
	"encoding/binary"
	"fmt"
	"net"
	"unsafe"

	"golang.org/x/sys/unix"
)

// These helpers run inside the namespace (through NetNS.Do).

// setLinkUp sets IFF_UP on the named interface.
func setLinkUp(name string) error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socket for ioctl: %w", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("SIOCGIFFLAGS %s: %w", name, err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("SIOCSIFFLAGS %s: %w", name, err)
	}
	return nil
}

// rtnlRequest sends one rtnetlink request and waits for its
// acknowledgement.
func rtnlRequest(typ uint16, flags uint16, body []byte) error {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("netlink socket: %w", err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("netlink bind: %w", err)
	}
	msg := make([]byte, unix.SizeofNlMsghdr+len(body))
	hdr := (*unix.NlMsghdr)(unsafe.Pointer(&msg[0]))
	hdr.Len = uint32(len(msg))
	hdr.Type = typ
	hdr.Flags = unix.NLM_F_REQUEST | unix.NLM_F_ACK | flags
	hdr.Seq = 1
	copy(msg[unix.SizeofNlMsghdr:], body)
	if err := unix.Sendto(fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("netlink send: %w", err)
	}
	buf := make([]byte, 8192)
	for {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err != nil {
			return fmt.Errorf("netlink receive: %w", err)
		}
		msgs, err := parseNetlink(buf[:n])
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if m.Header.Type == unix.NLMSG_ERROR {
				if len(m.Data) < 4 {
					return fmt.Errorf("netlink: short error message")
				}
				if e := int32(binary.NativeEndian.Uint32(m.Data[:4])); e != 0 {
					return unix.Errno(-e)
				}
				return nil
			}
		}
	}
}

type nlMsg struct {
	Header unix.NlMsghdr
	Data   []byte
}

func parseNetlink(b []byte) ([]nlMsg, error) {
	var out []nlMsg
	for len(b) >= unix.SizeofNlMsghdr {
		h := *(*unix.NlMsghdr)(unsafe.Pointer(&b[0]))
		if h.Len < unix.SizeofNlMsghdr || int(h.Len) > len(b) {
			return nil, fmt.Errorf("netlink: bad message length %d", h.Len)
		}
		out = append(out, nlMsg{Header: h, Data: b[unix.SizeofNlMsghdr:h.Len]})
		l := nlAlign(int(h.Len))
		if l > len(b) {
			break
		}
		b = b[l:]
	}
	return out, nil
}

func nlAlign(n int) int { return (n + 3) &^ 3 }

func rtAttr(typ uint16, data []byte) []byte {
	l := unix.SizeofRtAttr + len(data)
	b := make([]byte, nlAlign(l))
	binary.NativeEndian.PutUint16(b[0:2], uint16(l))
	binary.NativeEndian.PutUint16(b[2:4], typ)
	copy(b[unix.SizeofRtAttr:], data)
	return b
}

func u32(v uint32) []byte {
	b := make([]byte, 4)
	binary.NativeEndian.PutUint32(b, v)
	return b
}

// addAddr gives interface ifindex the address ip/prefix.
func addAddr(ifindex int, ip [4]byte, prefix uint8) error {
	body := make([]byte, unix.SizeofIfAddrmsg)
	m := (*unix.IfAddrmsg)(unsafe.Pointer(&body[0]))
	m.Family = unix.AF_INET
	m.Prefixlen = prefix
	m.Scope = unix.RT_SCOPE_UNIVERSE
	m.Index = uint32(ifindex)
	body = append(body, rtAttr(unix.IFA_LOCAL, ip[:])...)
	body = append(body, rtAttr(unix.IFA_ADDRESS, ip[:])...)
	if err := rtnlRequest(unix.RTM_NEWADDR, unix.NLM_F_CREATE|unix.NLM_F_EXCL, body); err != nil {
		return fmt.Errorf("add address %s/%d: %w", net.IP(ip[:]), prefix, err)
	}
	return nil
}

// addRoute routes dst/prefix out of interface ifindex (scope link), with
// src as the preferred source address.
func addRoute(ifindex int, dst [4]byte, prefix uint8, src [4]byte) error {
	return route(ifindex, dst, prefix, src, unix.NLM_F_CREATE|unix.NLM_F_EXCL, nil)
}

// route sends RTM_NEWROUTE for dst/prefix out of interface ifindex (scope
// link, preferred source src) with the given request flags and, if
// metrics is not nil, an RTA_METRICS attribute holding it.
func route(ifindex int, dst [4]byte, prefix uint8, src [4]byte, flags uint16, metrics []byte) error {
	body := make([]byte, unix.SizeofRtMsg)
	m := (*unix.RtMsg)(unsafe.Pointer(&body[0]))
	m.Family = unix.AF_INET
	m.Dst_len = prefix
	m.Table = unix.RT_TABLE_MAIN
	m.Protocol = unix.RTPROT_BOOT
	m.Scope = unix.RT_SCOPE_LINK
	m.Type = unix.RTN_UNICAST
	body = append(body, rtAttr(unix.RTA_DST, dst[:])...)
	body = append(body, rtAttr(unix.RTA_PREFSRC, src[:])...)
	body = append(body, rtAttr(unix.RTA_OIF, u32(uint32(ifindex)))...)
	if metrics != nil {
		body = append(body, rtAttr(unix.RTA_METRICS, metrics)...)
	}
	if err := rtnlRequest(unix.RTM_NEWROUTE, flags, body); err != nil {
		return fmt.Errorf("route %s/%d: %w", net.IP(dst[:]), prefix, err)
	}
	return nil
}

// SetRouteQuickAck replaces, inside the namespace, the route to dst/prefix
// out of interface ifname (preferred source src) with one carrying the
// quickack metric (ip route replace ... quickack 1, RTAX_QUICKACK):
// tcp_in_quickack_mode is then always true and Linux acknowledges every
// segment at once instead of entering delayed-ACK ("pingpong") mode.
func (n *NetNS) SetRouteQuickAck(ifname string, dst [4]byte, prefix uint8, src [4]byte) error {
	return n.Do(func() error {
		idx, err := ifIndex(ifname)
		if err != nil {
			return err
		}
		if err := route(idx, dst, prefix, src, unix.NLM_F_CREATE|unix.NLM_F_REPLACE, rtAttr(unix.RTAX_QUICKACK, u32(1))); err != nil {
			return fmt.Errorf("quickack: %w", err)
		}
		return nil
	})
}

// ifIndex returns the index of the named interface.
func ifIndex(name string) (int, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, fmt.Errorf("socket for ioctl: %w", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return 0, err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFINDEX, ifr); err != nil {
		return 0, fmt.Errorf("SIOCGIFINDEX %s: %w", name, err)
	}
	return int(ifr.Uint32()), nil
}
