package gvisor

import (
	"bytes"
	"io"
	"slices"
	"sync/atomic"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/waiter"

	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
)

// maxFD bounds the descriptor table, as the model's does.
const maxFD = 1024

// socket is what a script file descriptor names: a netstack endpoint and
// the little state the sentry keeps beside it.
type socket struct {
	fd       int32
	ep       tcpip.Endpoint
	wq       *waiter.Queue
	nonBlock bool

	// blocked is a call waiting to complete (Kind CallNone if none).
	blocked spec.Call
	written int64             // octets a blocked write has queued so far
	dest    tcpip.FullAddress // a blocked connect's destination

	// A close(2) waiting for SO_LINGER: done when the endpoint reports
	// EventHUp or EventErr, or when the linger timer fires.
	closing     bool
	lingerEntry waiter.Entry
	hup         atomic.Bool
	expired     atomic.Bool
	lingerTimer tcpip.Timer
}

// call performs c. It returns the call's result and true, or false when
// the call is parked on its socket.
func (s *Stack) call(c spec.Call) (spec.Output, bool) {
	if c.Kind == spec.CallSocket {
		return s.callSocket()
	}
	sk := s.socks[c.FD]
	if sk == nil || sk.closing {
		return fail(c, spec.EBADF), true
	}
	if sk.blocked.Kind != spec.CallNone && c.Kind != spec.CallClose &&
		c.Kind != spec.CallSetsockopt && c.Kind != spec.CallGetsockopt {
		// One blocked call per descriptor: the script's single thread
		// cannot make another while one is parked.
		return fail(c, spec.EAGAIN), true
	}
	switch c.Kind {
	case spec.CallBind:
		return result(c, 0, sk.ep.Bind(fullAddr(c.Addr)))
	case spec.CallListen:
		return result(c, 0, sk.ep.Listen(sentryBacklog(c.N)))
	case spec.CallAccept:
		return s.callAccept(sk, c, false)
	case spec.CallConnect:
		return s.callConnect(sk, c)
	case spec.CallRead:
		return s.callRead(sk, c, false)
	case spec.CallWrite:
		sk.written = 0
		return s.callWrite(sk, c, false)
	case spec.CallShutdown:
		return s.callShutdown(sk, c)
	case spec.CallClose:
		return s.callClose(sk, c)
	case spec.CallSetsockopt:
		return s.callSetsockopt(sk, c), true
	case spec.CallGetsockopt:
		return s.callGetsockopt(sk, c), true
	}
	return fail(c, spec.EINVAL), true
}

// maxListenBacklog is the sentry's cap on listen(2)'s backlog
// (pkg/sentry/syscalls/linux/sys_socket.go).
const maxListenBacklog = 1024

// sentryBacklog is the backlog the sentry hands the endpoint: the argument
// as an unsigned int, capped, plus one "to keep in parity with Linux".
func sentryBacklog(n int64) int {
	b := uint64(uint32(n))
	if n < 0 || b > maxListenBacklog {
		b = maxListenBacklog
	}
	return int(b) + 1
}

func fail(c spec.Call, e spec.Errno) spec.Output {
	return spec.ResultOut(c.FD, c.Kind, -1, e)
}

func ok(c spec.Call, ret int64) spec.Output {
	return spec.ResultOut(c.FD, c.Kind, ret, spec.OK)
}

// result is ret on success, -1 and the errno of err otherwise.
func result(c spec.Call, ret int64, err tcpip.Error) (spec.Output, bool) {
	if err != nil {
		return fail(c, Errno(err)), true
	}
	return ok(c, ret), true
}

func fullAddr(a spec.SockAddr) tcpip.FullAddress {
	fa := tcpip.FullAddress{Port: a.Port}
	if !a.IP.IsZero() {
		fa.Addr = tcpip.AddrFrom4(a.IP.As4())
	}
	return fa
}

func (s *Stack) newFD() (int32, bool) {
	fd := int32(3)
	for s.socks[fd] != nil {
		fd++
	}
	return fd, fd < maxFD
}

func (s *Stack) callSocket() (spec.Output, bool) {
	c := spec.Call{Kind: spec.CallSocket, FD: -1}
	fd, free := s.newFD()
	if !free {
		return fail(c, spec.EMFILE), true
	}
	wq := new(waiter.Queue)
	ep, err := s.st.NewEndpoint(tcp.ProtocolNumber, ipv4.ProtocolNumber, wq)
	if err != nil {
		return fail(c, Errno(err)), true
	}
	s.socks[fd] = &socket{fd: fd, ep: ep, wq: wq}
	return spec.ResultOut(fd, spec.CallSocket, int64(fd), spec.OK), true
}

// park blocks c on sk, or fails it with EAGAIN on a non-blocking socket.
func park(sk *socket, c spec.Call) (spec.Output, bool) {
	if sk.nonBlock {
		return fail(c, spec.EAGAIN), true
	}
	sk.blocked = c
	return spec.Output{}, false
}

func (s *Stack) callAccept(sk *socket, c spec.Call, retry bool) (spec.Output, bool) {
	fd, free := s.newFD()
	if !free {
		return fail(c, spec.EMFILE), true
	}
	nep, nwq, err := sk.ep.Accept(nil)
	switch err.(type) {
	case nil:
	case *tcpip.ErrWouldBlock:
		if retry {
			return spec.Output{}, false
		}
		return park(sk, c)
	default:
		return fail(c, Errno(err)), true
	}
	s.socks[fd] = &socket{fd: fd, ep: nep, wq: nwq}
	return ok(c, int64(fd)), true
}

// callConnect follows the sentry's sock.Connect: a blocking connect waits
// for the endpoint to become writable, then calls Connect again for the
// result.
func (s *Stack) callConnect(sk *socket, c spec.Call) (spec.Output, bool) {
	dest := fullAddr(c.Addr)
	err := sk.ep.Connect(dest)
	if sk.nonBlock {
		return result(c, 0, err)
	}
	switch err.(type) {
	case *tcpip.ErrConnectStarted, *tcpip.ErrAlreadyConnecting:
		sk.dest = dest
		return park(sk, c)
	case *tcpip.ErrNoPortAvailable:
		// The sentry: "TCP unlike UDP returns EADDRNOTAVAIL when it
		// can't find an available local ephemeral port".
		return fail(c, spec.EADDRNOTAVAIL), true
	}
	return result(c, 0, err)
}

func (s *Stack) pollConnect(sk *socket) (spec.Output, bool) {
	if sk.ep.Readiness(waiter.WritableEvents) == 0 {
		return spec.Output{}, false
	}
	return result(sk.blocked, 0, sk.ep.Connect(sk.dest))
}

// callRead is read(2) through the sentry's nonBlockingRead: EOF is
// ErrClosedForReceive, reported as 0.
func (s *Stack) callRead(sk *socket, c spec.Call, retry bool) (spec.Output, bool) {
	if c.N <= 0 {
		return ok(c, 0), true
	}
	w := tcpip.LimitedWriter{W: io.Discard, N: c.N}
	res, err := sk.ep.Read(&w, tcpip.ReadOptions{})
	switch err.(type) {
	case nil:
		return ok(c, int64(res.Count)), true
	case *tcpip.ErrClosedForReceive:
		return ok(c, 0), true
	case *tcpip.ErrWouldBlock:
		if retry {
			return spec.Output{}, false
		}
		return park(sk, c)
	}
	return fail(c, Errno(err)), true
}

// callWrite is write(2): a blocking write returns once all of it is
// queued, or with what was queued when an error stops it.
func (s *Stack) callWrite(sk *socket, c spec.Call, retry bool) (spec.Output, bool) {
	for sk.written < c.N {
		n, err := sk.ep.Write(bytes.NewReader(make([]byte, c.N-sk.written)), tcpip.WriteOptions{})
		sk.written += n
		switch err.(type) {
		case nil:
			if sk.nonBlock {
				return ok(c, sk.written), true
			}
			continue
		case *tcpip.ErrWouldBlock:
			if sk.written > 0 && sk.nonBlock {
				return ok(c, sk.written), true
			}
			if retry {
				return spec.Output{}, false
			}
			return park(sk, c)
		}
		if sk.written > 0 {
			return ok(c, sk.written), true
		}
		return fail(c, Errno(err)), true
	}
	return ok(c, max(c.N, 0)), true
}

func (s *Stack) callShutdown(sk *socket, c spec.Call) (spec.Output, bool) {
	var f tcpip.ShutdownFlags
	switch c.How {
	case spec.ShutRD:
		f = tcpip.ShutdownRead
	case spec.ShutWR:
		f = tcpip.ShutdownWrite
	case spec.ShutRDWR:
		f = tcpip.ShutdownRead | tcpip.ShutdownWrite
	default:
		return fail(c, spec.EINVAL), true
	}
	return result(c, 0, sk.ep.Shutdown(f))
}

// callClose is the sentry's sock.Release: Close the endpoint, then with
// SO_LINGER {on, t>0} wait until it reports EventHUp or EventErr, or t
// passes. SO_LINGER {on, 0} is handled by the endpoint's Close (abort).
func (s *Stack) callClose(sk *socket, c spec.Call) (spec.Output, bool) {
	lo := sk.ep.SocketOptions().GetLinger()
	if !lo.Enabled || lo.Timeout == 0 {
		sk.ep.Close()
		delete(s.socks, sk.fd)
		return ok(c, 0), true
	}
	sk.lingerEntry = waiter.NewFunctionEntry(waiter.EventHUp|waiter.EventErr, func(waiter.EventMask) { sk.hup.Store(true) })
	sk.wq.EventRegister(&sk.lingerEntry)
	sk.ep.Close()
	sk.closing = true
	sk.blocked = c
	sk.lingerTimer = s.clock.AfterFunc(lo.Timeout, func() { sk.expired.Store(true) })
	return spec.Output{}, false
}

func (s *Stack) pollClose(sk *socket) (spec.Output, bool) {
	if !sk.hup.Load() && !sk.expired.Load() {
		return spec.Output{}, false
	}
	sk.lingerTimer.Stop()
	sk.wq.EventUnregister(&sk.lingerEntry)
	delete(s.socks, sk.fd)
	return ok(sk.blocked, 0), true
}

// pollBlocked completes parked calls that can now return, in ascending fd
// order.
func (s *Stack) pollBlocked(out []stack.Observed) []stack.Observed {
	var fds []int32
	for fd, sk := range s.socks {
		if sk.blocked.Kind != spec.CallNone {
			fds = append(fds, fd)
		}
	}
	slices.Sort(fds)
	for _, fd := range fds {
		sk := s.socks[fd]
		if sk == nil || sk.blocked.Kind == spec.CallNone {
			continue
		}
		c := sk.blocked
		var res spec.Output
		var done bool
		switch c.Kind {
		case spec.CallAccept:
			res, done = s.callAccept(sk, c, true)
		case spec.CallConnect:
			res, done = s.pollConnect(sk)
		case spec.CallRead:
			res, done = s.callRead(sk, c, true)
		case spec.CallWrite:
			res, done = s.callWrite(sk, c, true)
		case spec.CallClose:
			res, done = s.pollClose(sk)
		}
		if done {
			sk.blocked = spec.Call{}
			out = append(out, stack.Observed{At: s.Now(), Out: res})
		}
	}
	return out
}

func (s *Stack) callSetsockopt(sk *socket, c spec.Call) spec.Output {
	so := sk.ep.SocketOptions()
	switch c.Opt {
	case spec.OptReuseAddr:
		so.SetReuseAddress(c.Val != 0)
	case spec.OptLinger:
		if c.Val2 < 0 {
			return fail(c, spec.EINVAL)
		}
		so.SetLinger(tcpip.LingerOption{Enabled: c.Val != 0, Timeout: time.Duration(c.Val2) * time.Second})
	case spec.OptNonBlock:
		sk.nonBlock = c.Val != 0
	case spec.OptUserTimeout:
		if c.Val < 0 {
			return fail(c, spec.EINVAL)
		}
		o := tcpip.TCPUserTimeoutOption(time.Duration(c.Val) * time.Millisecond)
		if err := sk.ep.SetSockOpt(&o); err != nil {
			return fail(c, Errno(err))
		}
	case spec.OptLinger2:
		o := tcpip.TCPLingerTimeoutOption(time.Duration(c.Val) * time.Second)
		if err := sk.ep.SetSockOpt(&o); err != nil {
			return fail(c, Errno(err))
		}
	case spec.OptNoDelay:
		so.SetDelayOption(c.Val == 0)
	default:
		// R2 as a count has no netstack counterpart per socket.
		return fail(c, spec.ENOPROTOOPT)
	}
	return ok(c, 0)
}

func (s *Stack) callGetsockopt(sk *socket, c spec.Call) spec.Output {
	so := sk.ep.SocketOptions()
	switch c.Opt {
	case spec.OptError:
		if err := so.GetLastError(); err != nil {
			return ok(c, int64(Errno(err)))
		}
		return ok(c, 0)
	case spec.OptState:
		return ok(c, int64(State(sk.ep.State())))
	case spec.OptReuseAddr:
		return ok(c, b2i(so.GetReuseAddress()))
	case spec.OptNonBlock:
		return ok(c, b2i(sk.nonBlock))
	case spec.OptLinger:
		return ok(c, b2i(so.GetLinger().Enabled))
	case spec.OptUserTimeout:
		var o tcpip.TCPUserTimeoutOption
		if err := sk.ep.GetSockOpt(&o); err != nil {
			return fail(c, Errno(err))
		}
		return ok(c, int64(time.Duration(o)/time.Millisecond))
	case spec.OptLinger2:
		var o tcpip.TCPLingerTimeoutOption
		if err := sk.ep.GetSockOpt(&o); err != nil {
			return fail(c, Errno(err))
		}
		if o < 0 {
			return ok(c, -1)
		}
		return ok(c, int64(time.Duration(o)/time.Second))
	case spec.OptNoDelay:
		return ok(c, b2i(!so.GetDelayOption()))
	}
	return fail(c, spec.ENOPROTOOPT)
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// State maps a netstack endpoint state (tcpip.Endpoint.State) to the RFC
// state, as the sentry maps it to Linux's TCP_INFO states: netstack's
// internal states (initial, bound, connecting, error) read CLOSED.
func State(st uint32) spec.State {
	if s, ok := rfcStates[tcp.EndpointState(st)]; ok {
		return s
	}
	return spec.Closed
}

// rfcStates are the netstack states that have an RFC counterpart.
var rfcStates = map[tcp.EndpointState]spec.State{
	tcp.StateEstablished: spec.Established, tcp.StateSynSent: spec.SynSent, tcp.StateSynRecv: spec.SynReceived,
	tcp.StateFinWait1: spec.FinWait1, tcp.StateFinWait2: spec.FinWait2, tcp.StateTimeWait: spec.TimeWait,
	tcp.StateCloseWait: spec.CloseWait, tcp.StateLastAck: spec.LastAck, tcp.StateListen: spec.Listen,
	tcp.StateClosing: spec.Closing,
}
