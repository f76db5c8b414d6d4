package script

import (
	"fmt"

	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
)

// Addrs returns the addresses the script plays with: the host under test
// (local) and the scripted peer (remote). They are packetdrill's for the
// script's --ip_version (stack.LocalIP and stack.RemoteIP for ipv4 and
// ipv4-mapped-ipv6, whose packets are IPv4; stack.LocalIP6 and
// stack.RemoteIP6 for ipv6), unless --local_ip or --remote_ip names
// another address of that family.
func (s *Script) Addrs() (local, remote spec.Addr) {
	local, remote = stack.LocalIP(), stack.RemoteIP()
	if s.IPVersion == "ipv6" {
		local, remote = stack.LocalIP6(), stack.RemoteIP6()
	}
	if !s.LocalIP.IsZero() {
		local = s.LocalIP
	}
	if !s.RemoteIP.IsZero() {
		remote = s.RemoteIP
	}
	return local, remote
}

// LocalAddr is the address bind(fd, ..., ...) binds: the local address
// and stack.LocalPort.
func (s *Script) LocalAddr() spec.SockAddr {
	l, _ := s.Addrs()
	return spec.SockAddr{IP: l, Port: stack.LocalPort}
}

// RemoteAddr is the scripted peer of an inbound connection: the remote
// address and stack.RemotePort.
func (s *Script) RemoteAddr() spec.SockAddr {
	_, r := s.Addrs()
	return spec.SockAddr{IP: r, Port: stack.RemotePort}
}

// ConnectAddr is what connect(fd, ..., ...) connects to: the remote
// address and stack.ConnectPort.
func (s *Script) ConnectAddr() spec.SockAddr {
	_, r := s.Addrs()
	return spec.SockAddr{IP: r, Port: stack.ConnectPort}
}

// addrProblem names an address option whose family is not the script's
// (packetdrill refuses such a configuration), or "".
func (s *Script) addrProblem() string {
	v6 := s.IPVersion == "ipv6"
	for _, o := range []struct {
		name string
		a    spec.Addr
	}{{"local_ip", s.LocalIP}, {"remote_ip", s.RemoteIP}} {
		if !o.a.IsZero() && o.a.Is6() != v6 {
			v := s.IPVersion
			if v == "" {
				v = "ipv4"
			}
			return fmt.Sprintf("--%s=%s with --ip_version=%s (an address of the other family)", o.name, o.a, v)
		}
	}
	return ""
}
