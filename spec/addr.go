package spec

import (
	"fmt"
	"net/netip"
)

// Addr is an IPv4 or IPv6 address: 16 bytes, comparable, free of
// pointers, so that a SockAddr or FourTuple is a cheap map key and a
// Segment stays a flat value. An IPv4 address is held in its
// IPv4-mapped form ::ffff:a.b.c.d (RFC 4291 §2.5.5.2), which is also what
// an AF_INET6 socket talking IPv4 sees ("ipv4-mapped-ipv6" scripts): the
// closing rules do not depend on the IP version, only the wire does.
//
// The zero Addr is the unspecified address (0.0.0.0 or ::, INADDR_ANY or
// in6addr_any); every constructor maps both unspecified addresses to it.
// It prints as 0.0.0.0.
type Addr [16]byte

// v4Prefix is the first 12 bytes of an IPv4-mapped address.
var v4Prefix = [12]byte{10: 0xff, 11: 0xff}

// IPv4 returns the IPv4 address a.b.c.d (the zero Addr for 0.0.0.0).
func IPv4(a, b, c, d byte) Addr { return AddrFrom4([4]byte{a, b, c, d}) }

// AddrFrom4 returns the IPv4 address ip (the zero Addr for 0.0.0.0).
func AddrFrom4(ip [4]byte) Addr {
	if ip == ([4]byte{}) {
		return Addr{}
	}
	var a Addr
	copy(a[:12], v4Prefix[:])
	copy(a[12:], ip[:])
	return a
}

// AddrFrom16 returns the IPv6 address ip; an IPv4-mapped address is the
// IPv4 address, :: and ::ffff:0.0.0.0 the zero Addr.
func AddrFrom16(ip [16]byte) Addr {
	a := Addr(ip)
	if a.Is4() && a.As4() == ([4]byte{}) {
		return Addr{}
	}
	return a
}

// AddrFromNetip converts a netip.Addr (its zone dropped); the invalid
// netip.Addr is the zero Addr.
func AddrFromNetip(ip netip.Addr) Addr {
	if !ip.IsValid() {
		return Addr{}
	}
	return AddrFrom16(ip.As16())
}

// IsZero reports whether a is the unspecified address.
func (a Addr) IsZero() bool { return a == Addr{} }

// Is4 reports whether a is an IPv4 address (held IPv4-mapped). The zero
// Addr is neither IPv4 nor IPv6.
func (a Addr) Is4() bool { return [12]byte(a[:12]) == v4Prefix }

// Is6 reports whether a is an IPv6 address that is not IPv4-mapped.
func (a Addr) Is6() bool { return !a.Is4() && !a.IsZero() }

// As4 returns the IPv4 address's four bytes (the last four bytes of a,
// whatever its family).
func (a Addr) As4() [4]byte { return [4]byte(a[12:]) }

// SameFamily reports whether a and b are both IPv4 or both IPv6 (the
// zero Addr counts as either).
func SameFamily(a, b Addr) bool {
	return a.IsZero() || b.IsZero() || a.Is4() == b.Is4()
}

// Netip returns a as a netip.Addr: a 4-byte address for IPv4 (and for
// the zero Addr, 0.0.0.0), a 16-byte one for IPv6.
func (a Addr) Netip() netip.Addr {
	if a.Is6() {
		return netip.AddrFrom16(a)
	}
	return netip.AddrFrom4(a.As4())
}

func (a Addr) String() string { return a.Netip().String() }

// Compare orders addresses bytewise: IPv4 addresses among themselves in
// their usual order.
func (a Addr) Compare(b Addr) int {
	for i := range a {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// SockAddr is an IP address and TCP port.
type SockAddr struct {
	IP   Addr
	Port uint16
}

// String prints a.b.c.d:port, or [v6]:port for IPv6.
func (a SockAddr) String() string {
	if a.IP.Is6() {
		return fmt.Sprintf("[%s]:%d", a.IP, a.Port)
	}
	return fmt.Sprintf("%s:%d", a.IP, a.Port)
}

// IsZero reports whether a is the unspecified address with port 0.
func (a SockAddr) IsZero() bool { return a == SockAddr{} }

// AddrPort returns a as a netip.AddrPort.
func (a SockAddr) AddrPort() netip.AddrPort { return netip.AddrPortFrom(a.IP.Netip(), a.Port) }

// SockAddrFrom converts a netip.AddrPort.
func SockAddrFrom(ap netip.AddrPort) SockAddr {
	return SockAddr{IP: AddrFromNetip(ap.Addr()), Port: ap.Port()}
}

// ParseAddr parses an IPv4 or IPv6 address (an IPv6 zone is refused).
func ParseAddr(s string) (Addr, error) {
	ip, err := netip.ParseAddr(s)
	if err != nil {
		return Addr{}, fmt.Errorf("parse address %q: %w", s, err)
	}
	if ip.Zone() != "" {
		return Addr{}, fmt.Errorf("parse address %q: zones are not modelled", s)
	}
	return AddrFromNetip(ip), nil
}

// ParseSockAddr parses "a.b.c.d:port" or "[v6]:port".
func ParseSockAddr(s string) (SockAddr, error) {
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return SockAddr{}, fmt.Errorf("parse socket address %q: %w", s, err)
	}
	if ap.Addr().Zone() != "" {
		return SockAddr{}, fmt.Errorf("parse socket address %q: zones are not modelled", s)
	}
	return SockAddrFrom(ap), nil
}

// FourTuple names a connection from the local host's point of view
// (RFC 9293 §3.3.1: the pair of sockets).
type FourTuple struct {
	Local, Remote SockAddr
}

func (t FourTuple) String() string { return t.Local.String() + "<->" + t.Remote.String() }

// Less orders tuples deterministically (used wherever the model must pick an
// order among connections).
func (t FourTuple) Less(u FourTuple) bool {
	if c := cmpAddr(t.Local, u.Local); c != 0 {
		return c < 0
	}
	return cmpAddr(t.Remote, u.Remote) < 0
}

func cmpAddr(a, b SockAddr) int {
	if c := a.IP.Compare(b.IP); c != 0 {
		return c
	}
	switch {
	case a.Port < b.Port:
		return -1
	case a.Port > b.Port:
		return 1
	}
	return 0
}
