//go:build linux

package linux

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
	"github.com/tcpclose/tcpclose/wire"
	"golang.org/x/sys/unix"
)

// TUNName is the name of the TUN device a Stack creates in its namespace.
const TUNName = "tcpc0"

// DefaultSettle is how long Inject and Call wait, after the last output,
// for more output caused by the same event.
const DefaultSettle = 10 * time.Millisecond

// Config tunes a Stack. The zero value is ready to use.
type Config struct {
	// Settle is the quiet period that ends Inject and Call: they return
	// once no output has arrived for Settle (0: DefaultSettle). The
	// kernel answers a segment within microseconds; timers (delayed ACK,
	// retransmission) come later, from Advance.
	Settle time.Duration
	// Sysctls are set, in order, once the namespace exists and before the
	// TUN device is created ("net.ipv4.tcp_rfc1337" -> "1").
	Sysctls [][2]string
}

// Stack is the real Linux TCP stack in a private network namespace,
// reached through a TUN device. It implements stack.Stack. The host
// under test has address stack.LocalIP() on the TUN device, and
// stack.RemoteIP()'s /24 is routed out through it, so every segment the
// kernel sends to the scripted peer is read back from the device.
//
// The kernel sends no notices (spec.OutNotice): a Stack reports only
// segments and call results.
type Stack struct {
	ns     *NetNS
	tunFD  int
	stopFD int // eventfd that ends readLoop
	start  time.Time
	settle time.Duration
	name   string

	mu      sync.Mutex
	queue   []stack.Observed
	wake    chan struct{}
	fds     map[int32]int // script fd -> kernel fd
	closing map[int32]bool
	ipID    uint16
	closed  bool
	readErr error

	tunMu  sync.Mutex // serializes drainTUN
	tunBuf []byte

	calls  sync.WaitGroup
	reader sync.WaitGroup
}

var _ stack.Stack = (*Stack)(nil)

// New creates a namespace, a TUN device in it with the script's local
// address and a route to the script's peer, and starts reading the
// kernel's segments. The script's clock starts now.
func New(cfg Config) (*Stack, error) {
	ns, err := NewNetNS()
	if err != nil {
		return nil, fmt.Errorf("linux: %w", err)
	}
	s := &Stack{
		ns:      ns,
		settle:  cfg.Settle,
		wake:    make(chan struct{}, 1),
		fds:     make(map[int32]int),
		closing: make(map[int32]bool),
		name:    "linux",
		tunFD:   -1,
		tunBuf:  make([]byte, 65536),
	}
	if s.settle <= 0 {
		s.settle = DefaultSettle
	}
	var uts unix.Utsname
	if unix.Uname(&uts) == nil {
		s.name = "linux/" + unix.ByteSliceToString(uts.Release[:])
	}
	// No IPv6: nothing but the script's segments should leave the device
	// (router solicitations and the like). Best effort: IPv6 may be
	// absent from the kernel.
	_ = ns.SetSysctl("net.ipv6.conf.all.disable_ipv6", "1")
	_ = ns.SetSysctl("net.ipv6.conf.default.disable_ipv6", "1")
	for _, kv := range cfg.Sysctls {
		if err := ns.SetSysctl(kv[0], kv[1]); err != nil {
			ns.Close()
			return nil, fmt.Errorf("linux: %w", err)
		}
	}
	if err := ns.Do(s.setupTUN); err != nil {
		ns.Close()
		return nil, fmt.Errorf("linux: %w", err)
	}
	s.stopFD, err = unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(s.tunFD)
		ns.Close()
		return nil, fmt.Errorf("linux: eventfd: %w", err)
	}
	s.start = time.Now()
	s.reader.Add(1)
	go s.readLoop()
	return s, nil
}

// setupTUN runs inside the namespace.
func (s *Stack) setupTUN() error {
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open /dev/net/tun: %w", err)
	}
	ifr, err := unix.NewIfreq(TUNName)
	if err != nil {
		unix.Close(fd)
		return err
	}
	ifr.SetUint16(unix.IFF_TUN | unix.IFF_NO_PI)
	if err := unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
		unix.Close(fd)
		return fmt.Errorf("TUNSETIFF %s: %w", TUNName, err)
	}
	s.tunFD = fd
	idx, err := ifIndex(TUNName)
	if err == nil {
		err = setLinkUp(TUNName)
	}
	if err == nil {
		err = addAddr(idx, stack.LocalIP().As4(), 32)
	}
	if err == nil {
		remote := stack.RemoteIP().As4()
		remote[3] = 0
		err = addRoute(idx, remote, 24, stack.LocalIP().As4())
	}
	if err != nil {
		unix.Close(fd)
		return fmt.Errorf("set up %s: %w", TUNName, err)
	}
	return nil
}

// readLoop waits for the TUN device to become readable and drains it,
// until Close signals the event descriptor.
func (s *Stack) readLoop() {
	defer s.reader.Done()
	fds := []unix.PollFd{{Fd: int32(s.tunFD), Events: unix.POLLIN}, {Fd: int32(s.stopFD), Events: unix.POLLIN}}
	for {
		fds[0].Revents, fds[1].Revents = 0, 0
		if _, err := unix.Poll(fds, -1); err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			s.fail(fmt.Errorf("poll %s: %w", TUNName, err))
			return
		}
		if fds[1].Revents != 0 {
			return
		}
		if fds[0].Revents&(unix.POLLERR|unix.POLLHUP|unix.POLLNVAL) != 0 {
			s.fail(fmt.Errorf("poll %s: revents %#x", TUNName, fds[0].Revents))
			return
		}
		s.drainTUN()
	}
}

// drainTUN reads every packet waiting in the TUN device and turns each
// IPv4 TCP packet into an output. Calls drain it before they report
// their result, so that segments the kernel sent during a system call come
// before the call's result, as they do in the model.
func (s *Stack) drainTUN() {
	s.tunMu.Lock()
	defer s.tunMu.Unlock()
	for {
		n, err := unix.Read(s.tunFD, s.tunBuf)
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			if !errors.Is(err, unix.EAGAIN) {
				s.fail(fmt.Errorf("read %s: %w", TUNName, err))
			}
			return
		}
		seg, err := wire.DecodeIPv4(s.tunBuf[:n])
		if err != nil {
			continue
		}
		s.push(stack.Observed{At: s.Now(), Out: spec.SegmentOut(seg)})
	}
}

func (s *Stack) fail(err error) {
	s.mu.Lock()
	if s.readErr == nil && !s.closed {
		s.readErr = err
	}
	s.mu.Unlock()
}

func (s *Stack) push(o stack.Observed) {
	s.mu.Lock()
	s.queue = append(s.queue, o)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Name is "linux/" and the kernel release.
func (s *Stack) Name() string { return s.name }

// Now is the time since New on the monotonic clock.
func (s *Stack) Now() spec.Time { return spec.Time(time.Since(s.start)) }

// NS returns the stack's network namespace.
func (s *Stack) NS() *NetNS { return s.ns }

// SetSysctl sets a net.* sysctl inside the stack's namespace.
func (s *Stack) SetSysctl(name, value string) error { return s.ns.SetSysctl(name, value) }

// Sockets lists the namespace's TCP sockets through sock_diag.
func (s *Stack) Sockets() ([]SockInfo, error) { return s.ns.Sockets() }

// sleepUntil waits until the script time at.
func (s *Stack) sleepUntil(at spec.Time) {
	if d := at.Sub(s.Now()); d > 0 {
		time.Sleep(d)
	}
}

// Inject writes seg into the TUN device at time at (at once if at has
// passed) and returns the outputs that follow within the settle period,
// with any still queued from before.
func (s *Stack) Inject(at spec.Time, seg spec.Segment) ([]stack.Observed, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	s.sleepUntil(at)
	s.mu.Lock()
	s.ipID++
	id := s.ipID
	s.mu.Unlock()
	pkt, err := wire.EncodeIPv4(seg, id)
	if err != nil {
		return nil, fmt.Errorf("linux: inject: %w", err)
	}
	if _, err := unix.Write(s.tunFD, pkt); err != nil {
		return nil, fmt.Errorf("linux: inject %s: write %s: %w", seg, TUNName, err)
	}
	return s.collect(s.settle), nil
}

// Advance waits until until, or until outputs appear; then it returns
// them, with the others that follow within a millisecond.
func (s *Stack) Advance(until spec.Time) ([]stack.Observed, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	for {
		s.mu.Lock()
		n := len(s.queue)
		s.mu.Unlock()
		if n > 0 {
			return s.collect(time.Millisecond), nil
		}
		d := until.Sub(s.Now())
		if d <= 0 {
			return nil, nil
		}
		t := time.NewTimer(d)
		select {
		case <-s.wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// collect waits until no output has arrived for quiet (at most 20 quiet
// periods in all) and drains the queue.
func (s *Stack) collect(quiet time.Duration) []stack.Observed {
	limit := time.Now().Add(20 * quiet)
	t := time.NewTimer(quiet)
	defer t.Stop()
loop:
	for {
		select {
		case <-s.wake:
			if time.Now().After(limit) {
				break loop
			}
			if !t.Stop() {
				<-t.C
			}
			t.Reset(quiet)
		case <-t.C:
			break loop
		}
	}
	s.mu.Lock()
	out := s.queue
	s.queue = nil
	s.mu.Unlock()
	sort.SliceStable(out, func(i, j int) bool { return out[i].At < out[j].At })
	return out
}

func (s *Stack) usable() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("linux: stack closed")
	}
	return s.readErr
}

// Close closes every socket (shutting them down first so that blocked
// calls return), the TUN device and the namespace.
func (s *Stack) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	var real []int
	for _, r := range s.fds {
		real = append(real, r)
	}
	s.mu.Unlock()
	for _, r := range real {
		_ = unix.Shutdown(r, unix.SHUT_RDWR)
		_ = unix.SetNonblock(r, true)
	}
	done := make(chan struct{})
	go func() { s.calls.Wait(); close(done) }()
	var errs []string
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		errs = append(errs, "some socket calls were still blocked")
	}
	s.mu.Lock()
	for fd, r := range s.fds {
		unix.Close(r)
		delete(s.fds, fd)
	}
	s.mu.Unlock()
	one := []byte{1, 0, 0, 0, 0, 0, 0, 0}
	if _, err := unix.Write(s.stopFD, one); err != nil {
		errs = append(errs, fmt.Sprintf("stop reader: %v", err))
	}
	s.reader.Wait()
	unix.Close(s.stopFD)
	unix.Close(s.tunFD)
	s.ns.Close()
	if len(errs) > 0 {
		return fmt.Errorf("linux: close: %s", strings.Join(errs, "; "))
	}
	return nil
}
