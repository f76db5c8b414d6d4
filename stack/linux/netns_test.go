//go:build linux

package linux

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/tcpclose/tcpclose/spec"
	"golang.org/x/sys/unix"
)

// newNS returns a private namespace or skips the test, saying why.
func newNS(t *testing.T) *NetNS {
	t.Helper()
	ns, err := NewNetNS()
	if err != nil {
		if errors.Is(err, ErrNotPermitted) || os.Geteuid() != 0 {
			t.Skipf("needs root to create a network namespace: %v", err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Close() })
	return ns
}

func TestSysctlStaysInNamespace(t *testing.T) {
	ns := newNS(t)
	host, err := os.ReadFile("/proc/sys/net/ipv4/tcp_fin_timeout")
	if err != nil {
		t.Skipf("cannot read the host's sysctl: %v", err)
	}
	want := "17"
	if strings.TrimSpace(string(host)) == want {
		want = "18"
	}
	if err := ns.SetSysctl("net.ipv4.tcp_fin_timeout", want); err != nil {
		t.Fatal(err)
	}
	got, err := ns.Sysctl("net.ipv4.tcp_fin_timeout")
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("inside: tcp_fin_timeout = %q, want %q", got, want)
	}
	after, _ := os.ReadFile("/proc/sys/net/ipv4/tcp_fin_timeout")
	if string(after) != string(host) {
		t.Errorf("host's tcp_fin_timeout changed from %q to %q", host, after)
	}
	if err := ns.SetSysctl("kernel.hostname", "x"); err == nil {
		t.Error("a non-net sysctl was accepted")
	}
}

func TestSockDiagSeesListener(t *testing.T) {
	ns := newNS(t)
	var fd int
	err := ns.Do(func() error {
		var err error
		fd, err = unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		if err := unix.Bind(fd, &unix.SockaddrInet4{Port: 7777, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
			return err
		}
		return unix.Listen(fd, 5)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	socks, err := ns.Sockets()
	if err != nil {
		t.Fatal(err)
	}
	if len(socks) != 1 || socks[0].State != TCPListen || socks[0].Tuple.Local != (spec.SockAddr{IP: spec.IPv4(127, 0, 0, 1), Port: 7777}) {
		t.Fatalf("sockets = %v, want one listener on 127.0.0.1:7777", socks)
	}
}
