//go:build linux

package lab

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack/linux"
	codec "github.com/tcpclose/tcpclose/wire"
	"golang.org/x/sys/unix"
)

// packet is one captured frame.
type packet struct {
	When  time.Time
	Frame []byte // Ethernet frame as lo hands it to AF_PACKET
	Seg   spec.Segment
	IsTCP bool
}

// capture reads every frame that crosses lo, once (the copy lo's
// transmit side shows, PACKET_OUTGOING, is skipped, as libpcap does).
type capture struct {
	fd, stop int
	mu       sync.Mutex
	pkts     []packet
	err      error
	done     chan struct{}
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// startCapture opens an AF_PACKET socket on lo inside ns and starts reading.
func startCapture(ns *linux.NetNS) (*capture, error) {
	c := &capture{fd: -1, stop: -1, done: make(chan struct{})}
	err := ns.Do(func() error {
		ifi, err := net.InterfaceByName("lo")
		if err != nil {
			return err
		}
		c.fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, int(htons(unix.ETH_P_ALL)))
		if err != nil {
			return fmt.Errorf("AF_PACKET socket: %w", err)
		}
		if err := unix.SetsockoptInt(c.fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1); err != nil {
			unix.Close(c.fd)
			return fmt.Errorf("SO_TIMESTAMPNS: %w", err)
		}
		if err := unix.Bind(c.fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}); err != nil {
			unix.Close(c.fd)
			return fmt.Errorf("bind to lo: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	c.stop, err = unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(c.fd)
		return nil, fmt.Errorf("capture: eventfd: %w", err)
	}
	go c.loop()
	return c, nil
}

func (c *capture) loop() {
	defer close(c.done)
	buf := make([]byte, 1<<17)
	fds := []unix.PollFd{{Fd: int32(c.fd), Events: unix.POLLIN}, {Fd: int32(c.stop), Events: unix.POLLIN}}
	for {
		c.drain(buf)
		fds[0].Revents, fds[1].Revents = 0, 0
		if _, err := unix.Poll(fds, -1); err != nil && !errors.Is(err, unix.EINTR) {
			c.setErr(fmt.Errorf("capture: poll: %w", err))
			return
		}
		if fds[1].Revents != 0 {
			c.drain(buf)
			return
		}
	}
}

// drain reads the waiting frames, each with the time the kernel stamped
// on it (SO_TIMESTAMPNS), as tcpdump's times are.
func (c *capture) drain(buf []byte) {
	oob := make([]byte, 128)
	for {
		n, oobn, _, from, err := unix.Recvmsg(c.fd, buf, oob, unix.MSG_DONTWAIT)
		if err != nil {
			if !errors.Is(err, unix.EAGAIN) && !errors.Is(err, unix.EINTR) {
				c.setErr(fmt.Errorf("capture: recvfrom: %w", err))
			}
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return
		}
		now := time.Now()
		if cmsgs, err := unix.ParseSocketControlMessage(oob[:oobn]); err == nil {
			for _, m := range cmsgs {
				if m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SCM_TIMESTAMPNS && len(m.Data) >= 16 {
					sec := int64(binary.NativeEndian.Uint64(m.Data[0:8]))
					nsec := int64(binary.NativeEndian.Uint64(m.Data[8:16]))
					now = time.Unix(sec, nsec)
				}
			}
		}
		if ll, ok := from.(*unix.SockaddrLinklayer); ok && ll.Pkttype == unix.PACKET_OUTGOING {
			continue
		}
		p := packet{When: now, Frame: append([]byte(nil), buf[:n]...)}
		if n > 14 && binary.BigEndian.Uint16(buf[12:14]) == unix.ETH_P_IP {
			if seg, err := codec.DecodeIPv4(buf[14:n]); err == nil {
				p.Seg, p.IsTCP = seg, true
			}
		}
		c.mu.Lock()
		c.pkts = append(c.pkts, p)
		c.mu.Unlock()
	}
}

func (c *capture) setErr(err error) {
	c.mu.Lock()
	if c.err == nil {
		c.err = err
	}
	c.mu.Unlock()
}

// Stop ends the capture and returns what it saw.
func (c *capture) Stop() ([]packet, error) {
	one := []byte{1, 0, 0, 0, 0, 0, 0, 0}
	if _, err := unix.Write(c.stop, one); err != nil {
		return nil, fmt.Errorf("capture: stop: %w", err)
	}
	<-c.done
	unix.Close(c.stop)
	unix.Close(c.fd)
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pkts, c.err
}
