//go:build linux

package linux

import (
	"errors"
	"fmt"

	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
	"golang.org/x/sys/unix"
)

// maxIO bounds the buffer of one read or write call.
const maxIO = 16 << 20

// Call makes socket call c for real at time at. Calls that can block
// (accept, connect, read, write, close) run on their own goroutine; their
// result comes back here if they return within the settle period, or
// later from Advance. Script descriptors (3, 4, ...) are allocated as the
// model allocates them, lowest free first, and mapped to the kernel's.
func (s *Stack) Call(at spec.Time, c spec.Call) ([]stack.Observed, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	s.sleepUntil(at)
	switch c.Kind {
	case spec.CallSocket:
		s.doSocket()
	case spec.CallAccept, spec.CallConnect, spec.CallRead, spec.CallWrite, spec.CallClose:
		r, ok := s.realFD(c.FD)
		if !ok {
			s.result(c.FD, c.Kind, -1, spec.EBADF)
			break
		}
		if c.Kind == spec.CallClose {
			s.mu.Lock()
			s.closing[c.FD] = true
			s.mu.Unlock()
		}
		s.calls.Add(1)
		go func() {
			defer s.calls.Done()
			s.blocking(c, r)
		}()
	case spec.CallNone:
		return nil, fmt.Errorf("linux: call %s: no call", c)
	default:
		r, ok := s.realFD(c.FD)
		if !ok {
			s.result(c.FD, c.Kind, -1, spec.EBADF)
			break
		}
		s.immediate(c, r)
	}
	return s.collect(s.settle), nil
}

// result reports a call's result, after the segments the kernel sent
// while the call ran.
func (s *Stack) result(fd int32, k spec.CallKind, ret int64, err spec.Errno) {
	s.drainTUN()
	s.push(stack.Observed{At: s.Now(), Out: spec.ResultOut(fd, k, ret, err)})
}

func toErrno(err error) spec.Errno {
	var e unix.Errno
	if errors.As(err, &e) {
		return spec.Errno(e)
	}
	return spec.EINVAL
}

// realFD maps a script descriptor to the kernel's; a descriptor being
// closed is no longer usable.
func (s *Stack) realFD(fd int32) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.fds[fd]
	if !ok || s.closing[fd] {
		return 0, false
	}
	return r, true
}

// allocFD gives kernel descriptor r the lowest free script descriptor.
func (s *Stack) allocFD(r int) int32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	fd := int32(3)
	for {
		if _, used := s.fds[fd]; !used {
			break
		}
		fd++
	}
	s.fds[fd] = r
	return fd
}

func (s *Stack) doSocket() {
	r, err := s.ns.Perform(-1, spec.Call{Kind: spec.CallSocket})
	if err != spec.OK {
		s.result(-1, spec.CallSocket, -1, err)
		return
	}
	fd := s.allocFD(int(r))
	s.result(fd, spec.CallSocket, int64(fd), spec.OK)
}

// blocking runs a call that may block, on the caller's goroutine.
func (s *Stack) blocking(c spec.Call, r int) {
	ret, err := s.ns.Perform(r, c)
	switch {
	case c.Kind == spec.CallClose:
		s.mu.Lock()
		delete(s.fds, c.FD)
		delete(s.closing, c.FD)
		s.mu.Unlock()
	case c.Kind == spec.CallAccept && err == spec.OK:
		ret = int64(s.allocFD(int(ret)))
	}
	s.result(c.FD, c.Kind, ret, err)
}

// immediate runs a call that never blocks.
func (s *Stack) immediate(c spec.Call, r int) {
	ret, err := s.ns.Perform(r, c)
	s.result(c.FD, c.Kind, ret, err)
}

func sockaddr(a spec.SockAddr) *unix.SockaddrInet4 {
	return &unix.SockaddrInet4{Port: int(a.Port), Addr: a.IP.As4()} // IPv4 only (see doc.go)
}

// retryEINTR repeats a call the kernel interrupted.
func retryEINTR(f func() error) error {
	for {
		err := f()
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// Perform makes socket call c for real on kernel descriptor r and waits
// for it to return: a blocking call blocks the caller. It returns the
// call's return value or -1 and the errno. CallSocket ignores r, creates
// the socket inside the namespace and returns its kernel descriptor;
// CallAccept returns the accepted kernel descriptor. Reads and writes move
// c.N zero octets (at most 16 MiB).
func (n *NetNS) Perform(r int, c spec.Call) (int64, spec.Errno) {
	ret, err := perform(n, r, c)
	if err != nil {
		return -1, toErrno(err)
	}
	return ret, spec.OK
}

func perform(n *NetNS, r int, c spec.Call) (int64, error) {
	switch c.Kind {
	case spec.CallSocket:
		var nr int
		err := n.Do(func() error {
			var err error
			nr, err = unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
			return err
		})
		return int64(nr), err
	case spec.CallAccept:
		var nr int
		err := retryEINTR(func() (err error) {
			nr, _, err = unix.Accept4(r, unix.SOCK_CLOEXEC)
			return err
		})
		return int64(nr), err
	case spec.CallConnect:
		return 0, unix.Connect(r, sockaddr(c.Addr))
	case spec.CallRead:
		buf := make([]byte, min(max(c.N, 0), maxIO))
		var k int
		err := retryEINTR(func() (err error) {
			k, err = unix.Read(r, buf)
			return err
		})
		return int64(k), err
	case spec.CallWrite:
		buf := make([]byte, min(max(c.N, 0), maxIO))
		var k int
		err := retryEINTR(func() (err error) {
			k, err = unix.Write(r, buf)
			return err
		})
		return int64(k), err
	case spec.CallClose:
		return 0, unix.Close(r)
	case spec.CallBind:
		return 0, unix.Bind(r, sockaddr(c.Addr))
	case spec.CallListen:
		return 0, unix.Listen(r, int(min(max(c.N, 0), 1<<16)))
	case spec.CallShutdown:
		if c.How > spec.ShutRDWR {
			return 0, unix.EINVAL
		}
		return 0, unix.Shutdown(r, int(c.How)) // SHUT_RD, SHUT_WR, SHUT_RDWR are 0, 1, 2
	case spec.CallSetsockopt:
		return 0, setsockopt(r, c)
	case spec.CallGetsockopt:
		return getsockopt(r, c)
	}
	return 0, unix.EINVAL
}

func setsockopt(r int, c spec.Call) error {
	switch c.Opt {
	case spec.OptReuseAddr:
		return unix.SetsockoptInt(r, unix.SOL_SOCKET, unix.SO_REUSEADDR, int(c.Val))
	case spec.OptLinger:
		return unix.SetsockoptLinger(r, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: int32(c.Val), Linger: int32(c.Val2)})
	case spec.OptNonBlock:
		return unix.SetNonblock(r, c.Val != 0)
	case spec.OptUserTimeout:
		return unix.SetsockoptInt(r, unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT, int(c.Val))
	case spec.OptLinger2:
		return unix.SetsockoptInt(r, unix.IPPROTO_TCP, unix.TCP_LINGER2, int(c.Val))
	case spec.OptNoDelay:
		return unix.SetsockoptInt(r, unix.IPPROTO_TCP, unix.TCP_NODELAY, int(c.Val))
	case spec.OptQuickAck:
		return unix.SetsockoptInt(r, unix.IPPROTO_TCP, unix.TCP_QUICKACK, int(c.Val))
	}
	// SO_ERROR and TCP_INFO cannot be set; Linux has no per-socket R2
	// counter (tcp_retries2 is a sysctl and counts time).
	return unix.ENOPROTOOPT
}

func getsockopt(r int, c spec.Call) (int64, error) {
	var v int
	var err error
	switch c.Opt {
	case spec.OptError:
		v, err = unix.GetsockoptInt(r, unix.SOL_SOCKET, unix.SO_ERROR)
	case spec.OptState:
		var info *unix.TCPInfo
		info, err = unix.GetsockoptTCPInfo(r, unix.IPPROTO_TCP, unix.TCP_INFO)
		if err == nil {
			v = int(LinuxState(info.State).Spec())
		}
	case spec.OptReuseAddr:
		v, err = unix.GetsockoptInt(r, unix.SOL_SOCKET, unix.SO_REUSEADDR)
	case spec.OptLinger:
		var l *unix.Linger
		l, err = unix.GetsockoptLinger(r, unix.SOL_SOCKET, unix.SO_LINGER)
		if err == nil {
			v = int(l.Onoff)
		}
	case spec.OptNonBlock:
		var fl int
		fl, err = unix.FcntlInt(uintptr(r), unix.F_GETFL, 0)
		if fl&unix.O_NONBLOCK != 0 {
			v = 1
		}
	case spec.OptUserTimeout:
		v, err = unix.GetsockoptInt(r, unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT)
	case spec.OptLinger2:
		v, err = unix.GetsockoptInt(r, unix.IPPROTO_TCP, unix.TCP_LINGER2)
	case spec.OptNoDelay:
		v, err = unix.GetsockoptInt(r, unix.IPPROTO_TCP, unix.TCP_NODELAY)
	case spec.OptQuickAck:
		v, err = unix.GetsockoptInt(r, unix.IPPROTO_TCP, unix.TCP_QUICKACK)
	default:
		err = unix.ENOPROTOOPT
	}
	return int64(v), err
}
