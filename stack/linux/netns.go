//go:build linux

package linux

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// NetNS is a private network namespace held by one locked OS thread. Work
// that must run inside the namespace (creating sockets, devices, netlink
// sockets, writing sysctls) goes through Do.
type NetNS struct {
	reqs    chan nsReq
	stop    chan struct{}
	stopped chan struct{}
	ino     uint64 // inode of the private namespace
	hostIno uint64 // inode of the namespace the thread left

	mu     sync.Mutex
	closed bool
}

type nsReq struct {
	fn   func() error
	done chan error
}

// ErrNotPermitted is wrapped by NewNetNS when the process may not create a
// network namespace (not root, or CAP_SYS_ADMIN missing).
var ErrNotPermitted = errors.New("creating a network namespace needs CAP_SYS_ADMIN (run as root)")

// NewNetNS creates a private network namespace with its loopback device up.
// Nothing in it is connected to the host's network.
func NewNetNS() (*NetNS, error) {
	n := &NetNS{
		reqs:    make(chan nsReq),
		stop:    make(chan struct{}),
		stopped: make(chan struct{}),
	}
	ready := make(chan error, 1)
	go n.serve(ready)
	if err := <-ready; err != nil {
		return nil, err
	}
	if err := n.Do(func() error { return setLinkUp("lo") }); err != nil {
		n.Close()
		return nil, fmt.Errorf("netns: bring up lo: %w", err)
	}
	return n, nil
}

// serve locks the goroutine to its thread, moves the thread into a new
// network namespace and runs requests there. The thread is never unlocked:
// when serve returns, the Go runtime ends the thread rather than reuse it.
func (n *NetNS) serve(ready chan<- error) {
	runtime.LockOSThread()
	defer close(n.stopped)
	host, err := threadNetNSIno()
	if err != nil {
		ready <- fmt.Errorf("netns: %w", err)
		return
	}
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		if errors.Is(err, unix.EPERM) {
			err = fmt.Errorf("%w: %w", ErrNotPermitted, err)
		}
		ready <- fmt.Errorf("netns: unshare(CLONE_NEWNET): %w", err)
		return
	}
	ino, err := threadNetNSIno()
	if err != nil {
		ready <- fmt.Errorf("netns: %w", err)
		return
	}
	if ino == host {
		ready <- fmt.Errorf("netns: unshare(CLONE_NEWNET) left the thread in the host namespace")
		return
	}
	n.ino, n.hostIno = ino, host
	ready <- nil
	for {
		select {
		case r := <-n.reqs:
			r.done <- n.inside(r.fn)
		case <-n.stop:
			return
		}
	}
}

// inside runs fn after checking that the thread is still in the private
// namespace: a last guard against touching the host's network.
func (n *NetNS) inside(fn func() error) (err error) {
	ino, err := threadNetNSIno()
	if err != nil {
		return fmt.Errorf("netns: %w", err)
	}
	if ino != n.ino || ino == n.hostIno {
		return fmt.Errorf("netns: thread is in namespace %d, not the private %d; refusing", ino, n.ino)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("netns: panic inside namespace: %v", r)
		}
	}()
	return fn()
}

func threadNetNSIno() (uint64, error) {
	var st unix.Stat_t
	if err := unix.Stat("/proc/thread-self/ns/net", &st); err != nil {
		return 0, fmt.Errorf("stat /proc/thread-self/ns/net: %w", err)
	}
	return st.Ino, nil
}

// Do runs fn on the namespace's thread and returns its error. Sockets and
// other descriptors fn creates belong to the namespace.
func (n *NetNS) Do(fn func() error) error {
	n.mu.Lock()
	closed := n.closed
	n.mu.Unlock()
	if closed {
		return errors.New("netns: closed")
	}
	r := nsReq{fn: fn, done: make(chan error, 1)}
	select {
	case n.reqs <- r:
	case <-n.stopped:
		return errors.New("netns: closed")
	}
	return <-r.done
}

// ID is the inode number of the namespace (what ls -L -i /proc/PID/ns/net
// shows).
func (n *NetNS) ID() uint64 { return n.ino }

// Close stops the namespace's thread. The namespace itself lives on while
// descriptors created in it stay open.
func (n *NetNS) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	n.mu.Unlock()
	close(n.stop)
	<-n.stopped
	return nil
}

// sysctlPath turns "net.ipv4.tcp_rfc1337" into its /proc/sys path. Only
// net.* names are accepted: they are the ones a network namespace owns.
func sysctlPath(name string) (string, error) {
	if !strings.HasPrefix(name, "net.") || strings.Contains(name, "..") || strings.ContainsAny(name, " \t\n") {
		return "", fmt.Errorf("sysctl %q: only net.* names are per namespace", name)
	}
	return "/proc/sys/" + strings.ReplaceAll(name, ".", "/"), nil
}

// SetSysctl sets a net.* sysctl inside the namespace, as
// "sysctl -w name=value" would there. Values with several fields
// (net.ipv4.ip_local_port_range) are given separated by spaces or tabs.
func (n *NetNS) SetSysctl(name, value string) error {
	path, err := sysctlPath(name)
	if err != nil {
		return err
	}
	err = n.Do(func() error {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		if _, err := f.WriteString(value + "\n"); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	})
	if err != nil {
		return fmt.Errorf("set sysctl %s=%q: %w", name, value, err)
	}
	return nil
}

// Sysctl reads a net.* sysctl inside the namespace, with blanks collapsed
// to single spaces.
func (n *NetNS) Sysctl(name string) (string, error) {
	path, err := sysctlPath(name)
	if err != nil {
		return "", err
	}
	var v string
	err = n.Do(func() error {
		b, err := os.ReadFile(path)
		v = strings.Join(strings.Fields(string(b)), " ")
		return err
	})
	if err != nil {
		return "", fmt.Errorf("read sysctl %s: %w", name, err)
	}
	return v, nil
}
