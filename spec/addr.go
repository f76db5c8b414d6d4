package spec

import (
	"fmt"
	"net/netip"
)

// IPv4 is an IPv4 address. The closing rules do not depend on the IP
// version, so the model keeps addresses small and comparable.
type IPv4 [4]byte

func (a IPv4) String() string { return netip.AddrFrom4(a).String() }

// SockAddr is an IPv4 address and TCP port.
type SockAddr struct {
	IP   IPv4
	Port uint16
}

func (a SockAddr) String() string { return fmt.Sprintf("%s:%d", a.IP, a.Port) }

// IsZero reports whether a is the unspecified address 0.0.0.0:0.
func (a SockAddr) IsZero() bool { return a == SockAddr{} }

// ParseSockAddr parses "a.b.c.d:port".
func ParseSockAddr(s string) (SockAddr, error) {
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return SockAddr{}, fmt.Errorf("parse socket address %q: %w", s, err)
	}
	if !ap.Addr().Is4() {
		return SockAddr{}, fmt.Errorf("parse socket address %q: only IPv4 is modelled", s)
	}
	return SockAddr{IP: ap.Addr().As4(), Port: ap.Port()}, nil
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
	for i := range a.IP {
		if a.IP[i] != b.IP[i] {
			if a.IP[i] < b.IP[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case a.Port < b.Port:
		return -1
	case a.Port > b.Port:
		return 1
	}
	return 0
}
