//go:build linux

package linux

import (
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
	"time"
	"unsafe"

	"github.com/tcpclose/tcpclose/spec"
	"golang.org/x/sys/unix"
)

// DiagTimer is the timer sock_diag reports for a socket (idiag_timer).
type DiagTimer uint8

// Timers as ss(8) names them.
const (
	TimerOff       DiagTimer = iota
	TimerOn                  // retransmission (or probe) timer
	TimerKeepalive           // keepalive, or FIN-WAIT-2 of a full socket
	TimerTimeWait            // a TIME-WAIT (or orphaned FIN-WAIT-2) mini-socket
	TimerPersist             // zero-window probe
)

var diagTimerNames = [...]string{"off", "on", "keepalive", "timewait", "persist"}

func (t DiagTimer) String() string {
	if int(t) < len(diagTimerNames) {
		return diagTimerNames[t]
	}
	return fmt.Sprintf("timer(%d)", uint8(t))
}

// SockInfo is one IPv4 TCP socket as sock_diag (and so ss -tan) shows it.
type SockInfo struct {
	Tuple   spec.FourTuple // local and remote address
	State   LinuxState
	Timer   DiagTimer
	Expires time.Duration // time left on Timer (millisecond resolution)
	Retrans uint8
	RecvQ   uint32 // bytes queued to read (listeners: accept queue length)
	SendQ   uint32 // bytes not yet acknowledged (listeners: backlog)
	Inode   uint32 // 0 for orphans and TIME-WAIT entries
}

// String prints the socket as ss -tano would.
func (s SockInfo) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-10s %6d %6d %21s %21s", s.State, s.RecvQ, s.SendQ, s.Tuple.Local, s.Tuple.Remote)
	if s.Timer != TimerOff {
		fmt.Fprintf(&b, " timer:(%s,%.3fsec,%d)", s.Timer, s.Expires.Seconds(), s.Retrans)
	}
	return b.String()
}

const (
	sizeofInetDiagReqV2 = 56
	sizeofInetDiagMsg   = 72
)

// Sockets lists the namespace's IPv4 TCP sockets through netlink
// sock_diag (NETLINK_SOCK_DIAG, inet_diag_req_v2, every state), sorted by
// tuple. TIME-WAIT entries come with their remaining lifetime.
func (n *NetNS) Sockets() ([]SockInfo, error) {
	var out []SockInfo
	err := n.Do(func() error {
		var err error
		out, err = sockDiag()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sock_diag: %w", err)
	}
	return out, nil
}

// DiagSocket is a sock_diag netlink socket made inside a namespace, for
// polling socket states quickly without a trip to the namespace thread.
type DiagSocket struct{ fd int }

// NewDiagSocket opens a sock_diag socket in the namespace.
func (n *NetNS) NewDiagSocket() (*DiagSocket, error) {
	var fd int
	err := n.Do(func() error {
		var err error
		fd, err = unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sock_diag socket: %w", err)
	}
	return &DiagSocket{fd: fd}, nil
}

// Sockets dumps the IPv4 TCP sockets, as NetNS.Sockets does.
func (d *DiagSocket) Sockets() ([]SockInfo, error) {
	out, err := dumpTCP(d.fd)
	if err != nil {
		return nil, fmt.Errorf("sock_diag: %w", err)
	}
	return out, nil
}

// Close closes the netlink socket.
func (d *DiagSocket) Close() error { return unix.Close(d.fd) }

func sockDiag() ([]SockInfo, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return nil, fmt.Errorf("socket: %w", err)
	}
	defer unix.Close(fd)
	return dumpTCP(fd)
}

func dumpTCP(fd int) ([]SockInfo, error) {
	msg := make([]byte, unix.SizeofNlMsghdr+sizeofInetDiagReqV2)
	hdr := (*unix.NlMsghdr)(unsafe.Pointer(&msg[0]))
	hdr.Len = uint32(len(msg))
	hdr.Type = unix.SOCK_DIAG_BY_FAMILY
	hdr.Flags = unix.NLM_F_REQUEST | unix.NLM_F_DUMP
	hdr.Seq = 1
	req := msg[unix.SizeofNlMsghdr:]
	req[0] = unix.AF_INET
	req[1] = unix.IPPROTO_TCP
	binary.NativeEndian.PutUint32(req[4:8], 0xffffffff) // every state
	if err := unix.Sendto(fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return nil, fmt.Errorf("send: %w", err)
	}
	var out []SockInfo
	buf := make([]byte, 1<<16)
	for {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err != nil {
			return nil, fmt.Errorf("receive: %w", err)
		}
		msgs, err := parseNetlink(buf[:n])
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			switch m.Header.Type {
			case unix.NLMSG_DONE:
				sort.Slice(out, func(i, j int) bool { return out[i].Tuple.Less(out[j].Tuple) })
				return out, nil
			case unix.NLMSG_ERROR:
				if len(m.Data) >= 4 {
					if e := int32(binary.NativeEndian.Uint32(m.Data[:4])); e != 0 {
						return nil, unix.Errno(-e)
					}
				}
				return nil, fmt.Errorf("netlink error")
			case unix.SOCK_DIAG_BY_FAMILY:
				if si, ok := parseDiagMsg(m.Data); ok {
					out = append(out, si)
				}
			}
		}
	}
}

// parseDiagMsg decodes struct inet_diag_msg.
func parseDiagMsg(b []byte) (SockInfo, bool) {
	if len(b) < sizeofInetDiagMsg || b[0] != unix.AF_INET {
		return SockInfo{}, false
	}
	var s SockInfo
	s.State = LinuxState(b[1])
	s.Timer = DiagTimer(b[2])
	s.Retrans = b[3]
	id := b[4:52]
	s.Tuple.Local.Port = binary.BigEndian.Uint16(id[0:2])
	s.Tuple.Remote.Port = binary.BigEndian.Uint16(id[2:4])
	s.Tuple.Local.IP = spec.AddrFrom4([4]byte(id[4:8]))
	s.Tuple.Remote.IP = spec.AddrFrom4([4]byte(id[20:24]))
	rest := b[52:]
	s.Expires = time.Duration(binary.NativeEndian.Uint32(rest[0:4])) * time.Millisecond
	s.RecvQ = binary.NativeEndian.Uint32(rest[4:8])
	s.SendQ = binary.NativeEndian.Uint32(rest[8:12])
	s.Inode = binary.NativeEndian.Uint32(rest[16:20])
	return s, true
}
