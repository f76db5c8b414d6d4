//go:build linux

package capture_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tcpclose/tcpclose/capture"
	"github.com/tcpclose/tcpclose/spec"
)

// The real-capture test (TCPCLOSE_REAL_CAPTURES=1, root, ip, nft,
// tcpdump and ethtool; tools/realcapture.sh runs it): two private network namespaces
// joined by a veth pair, the Linux kernel closing connections in every
// pattern while nftables drops a share of the TCP segments at random
// (numgen random) on the way into and out of B's namespace, tcpdump
// capturing on A's side of the pair (the vantage point is A: what A sent
// and received is in the capture as it happened), and the capture judged
// under the linux profile. The test creates its own namespaces and
// removes them; it touches nothing else.

const (
	realEnv  = "TCPCLOSE_REAL_CAPTURES"
	roleEnv  = "TCPCLOSE_REAL_ROLE" // set in the helper processes
	realAddA = "10.99.0.1"
	realAddB = "10.99.0.2"
)

// realPatterns are the close patterns the helpers play, one connection
// each (timewait-reuse: two on one 4-tuple).
var realPatterns = []string{"active", "passive", "simultaneous", "half-close", "unread-rst", "linger0", "refused", "timewait-reuse"}

func TestMain(m *testing.M) {
	if role := os.Getenv(roleEnv); role != "" {
		if err := realRole(role, os.Args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, "real helper:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// realRole plays one side of a pattern: "server PATTERN PORT" or
// "client PATTERN PORT CLIENTPORT".
func realRole(role string, args []string) error {
	var rest []string
	for _, a := range args {
		if !strings.HasPrefix(a, "-test.") {
			rest = append(rest, a)
		}
	}
	if len(rest) < 2 {
		return fmt.Errorf("args %q", rest)
	}
	pattern, port := rest[0], rest[1]
	switch role {
	case "server":
		return realServer(pattern, port)
	case "client":
		if len(rest) < 3 {
			return fmt.Errorf("args %q", rest)
		}
		cport, _ := strconv.Atoi(rest[2])
		return realClient(pattern, port, cport)
	}
	return fmt.Errorf("role %q", role)
}

const realDeadline = 60 * time.Second

func realServer(pattern, port string) error {
	if pattern == "refused" {
		return nil
	}
	l, err := net.Listen("tcp4", realAddB+":"+port)
	if err != nil {
		return err
	}
	defer l.Close()
	l.(*net.TCPListener).SetDeadline(time.Now().Add(realDeadline))
	fmt.Println("ready")
	n := 1
	if pattern == "timewait-reuse" {
		n = 2
	}
	for i := 0; i < n; i++ {
		c, err := l.Accept()
		if err != nil {
			return err
		}
		tc, buf := deadlined(c), make([]byte, 4096)
		switch pattern {
		case "active", "linger0", "timewait-reuse":
			if pattern == "timewait-reuse" {
				// The server closes first and holds TIME-WAIT; the client's
				// second SYN from the same port meets it.
				io.ReadFull(tc, buf[:100])
				tc.Write(buf[:100])
				tc.Close()
				continue
			}
			io.ReadFull(tc, buf[:100])
			tc.Write(buf[:100])
			io.Copy(io.Discard, tc)
			tc.Close()
		case "passive":
			io.ReadFull(tc, buf[:100])
			tc.Write(buf[:100])
			tc.Close()
		case "simultaneous":
			io.ReadFull(tc, buf[:1])
			time.Sleep(until(buf[0]))
			tc.CloseWrite()
			io.Copy(io.Discard, tc)
			tc.Close()
		case "half-close":
			io.Copy(io.Discard, tc)
			tc.Write(make([]byte, 3000))
			tc.Close()
		case "unread-rst":
			time.Sleep(300 * time.Millisecond)
			tc.Close() // 100 octets unread: a RST
		}
	}
	return nil
}

// until: the simultaneous close happens at the next multiple of 200 ms
// after the byte's tenth of a second, for both sides.
func until(b byte) time.Duration {
	now := time.Now()
	at := now.Truncate(time.Second).Add(time.Duration(b%10)*100*time.Millisecond + time.Second)
	return at.Sub(now)
}

func realClient(pattern, port string, cport int) error {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(realAddA), Port: cport}, Timeout: realDeadline,
		Control: func(_, _ string, c syscall.RawConn) error {
			var serr error
			c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1) })
			return serr
		}}
	c, err := d.Dial("tcp4", realAddB+":"+port)
	if pattern == "refused" {
		if err == nil {
			c.Close()
			return errors.New("connect to a closed port succeeded")
		}
		return nil
	}
	if err != nil {
		return err
	}
	tc, buf := deadlined(c), make([]byte, 4096)
	switch pattern {
	case "active":
		tc.Write(buf[:100])
		io.ReadFull(tc, buf[:100])
		tc.Close()
	case "passive", "unread-rst", "timewait-reuse":
		tc.Write(buf[:100])
		io.Copy(io.Discard, tc)
		tc.Close()
		if pattern != "timewait-reuse" {
			break
		}
		// The second connection from the same port meets the server's
		// TIME-WAIT.
		time.Sleep(100 * time.Millisecond)
		c2, err := d.Dial("tcp4", realAddB+":"+port)
		if err != nil {
			return fmt.Errorf("reconnect: %w", err)
		}
		t2 := deadlined(c2)
		t2.Write(buf[:100])
		io.Copy(io.Discard, t2)
		t2.Close()
	case "simultaneous":
		b := byte(time.Now().Second() % 10)
		tc.Write([]byte{b})
		time.Sleep(until(b))
		tc.CloseWrite()
		io.Copy(io.Discard, tc)
		tc.Close()
	case "half-close":
		tc.Write(buf[:1000])
		tc.CloseWrite()
		io.Copy(io.Discard, tc)
		tc.Close()
	case "linger0":
		tc.Write(buf[:100])
		io.ReadFull(tc, buf[:100])
		tc.SetLinger(0)
		tc.Close()
	}
	return nil
}

// deadlined is c as the TCP connection it is, with the helpers'
// deadline set.
func deadlined(c net.Conn) *net.TCPConn {
	tc := c.(*net.TCPConn)
	tc.SetDeadline(time.Now().Add(realDeadline))
	return tc
}

// startServer starts the server process srv and waits until it prints
// "ready" (it listens), its output ends (it does not listen: refused), or
// a second passes.
func startServer(srv *exec.Cmd) error {
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	srv.Stdout = w
	err = srv.Start()
	w.Close()
	if err != nil {
		r.Close()
		return err
	}
	ready := make(chan struct{})
	go func() {
		defer r.Close()
		sc := bufio.NewScanner(r)
		for sc.Scan() && sc.Text() != "ready" {
		}
		close(ready)
		io.Copy(io.Discard, r)
	}()
	select {
	case <-ready:
	case <-time.After(time.Second):
	}
	return nil
}

// realNet is the pair of namespaces.
type realNet struct{ a, b string }

func sh(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func newRealNet(t *testing.T, lossPct int) *realNet {
	id := fmt.Sprintf("%d-%d", os.Getpid()%100000, lossPct)
	n := &realNet{a: "tcz-a" + id, b: "tcz-b" + id}
	sh(t, "ip", "netns", "add", n.a)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", n.a).Run() })
	sh(t, "ip", "netns", "add", n.b)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", n.b).Run() })
	sh(t, "ip", "-n", n.a, "link", "add", "tcz-va", "type", "veth", "peer", "name", "tcz-vb", "netns", n.b)
	sh(t, "ip", "-n", n.a, "addr", "add", realAddA+"/24", "dev", "tcz-va")
	sh(t, "ip", "-n", n.b, "addr", "add", realAddB+"/24", "dev", "tcz-vb")
	for _, ns := range []string{n.a, n.b} {
		sh(t, "ip", "-n", ns, "link", "set", "lo", "up")
	}
	// The model does not scale windows or keep SACK scoreboards (yet):
	// the kernels in the namespaces do neither either.
	for _, ns := range []string{n.a, n.b} {
		sh(t, "ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv4.tcp_window_scaling=0", "net.ipv4.tcp_sack=0")
	}
	sh(t, "ip", "-n", n.a, "link", "set", "tcz-va", "up")
	sh(t, "ip", "-n", n.b, "link", "set", "tcz-vb", "up")
	// Offloads off: the capture shows segments as they go on the wire.
	sh(t, "ip", "netns", "exec", n.a, "ethtool", "-K", "tcz-va", "tso", "off", "gso", "off", "gro", "off")
	sh(t, "ip", "netns", "exec", n.b, "ethtool", "-K", "tcz-vb", "tso", "off", "gso", "off", "gro", "off")
	if lossPct > 0 {
		rules := fmt.Sprintf(`table inet tcz {
	chain in { type filter hook input priority 0; meta l4proto tcp numgen random mod 100 < %d drop; }
	chain out { type filter hook output priority 0; meta l4proto tcp numgen random mod 100 < %d drop; }
}`, lossPct, lossPct)
		cmd := exec.Command("ip", "netns", "exec", n.b, "nft", "-f", "-")
		cmd.Stdin = strings.NewReader(rules)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("nft: %v\n%s", err, out)
		}
	}
	return n
}

// TestRealLinux: every close pattern, several times, with and without
// loss in B's namespace, captured at A and judged under linux (vantage
// a). It logs the table of verdicts per pattern; a rule-check finding
// fails the test, the model replay's verdicts are reported.
func TestRealLinux(t *testing.T) {
	if os.Getenv(realEnv) == "" {
		t.Skipf("set %s=1 (root, ip, nft, tcpdump) to capture the Linux kernel", realEnv)
	}
	for _, tool := range []string{"ip", "nft", "tcpdump", "ethtool"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s: %v (apt-get install -y iproute2 nftables tcpdump ethtool)", tool, err)
		}
	}
	reps := 5
	if s := os.Getenv("TCPCLOSE_REAL_REPS"); s != "" {
		reps, _ = strconv.Atoi(s)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p := spec.MustProfile("linux")
	for _, loss := range []int{0, 10} {
		n := newRealNet(t, loss)
		dir := t.TempDir()
		if d := os.Getenv("TCPCLOSE_REAL_DIR"); d != "" {
			dir = d
		}
		file := filepath.Join(dir, fmt.Sprintf("real-linux-loss%d.pcap", loss))
		dump := exec.Command("ip", "netns", "exec", n.a, "tcpdump", "-i", "tcz-va", "-U", "-s", "256", "-w", file, "tcp")
		var dumpErr bytes.Buffer
		dump.Stderr = &dumpErr
		if err := dump.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second) // tcpdump attaches
		portOf := map[uint16]string{}
		port := 20000
		for rep := 0; rep < reps; rep++ {
			for _, pat := range realPatterns {
				port++
				sport, cport := strconv.Itoa(port), 40000+port%20000
				portOf[uint16(port)] = pat
				ctx, cancel := context.WithTimeout(context.Background(), 2*realDeadline)
				srv := exec.CommandContext(ctx, "ip", "netns", "exec", n.b, self, pat, sport)
				srv.Env = append(os.Environ(), roleEnv+"=server")
				if err := startServer(srv); err != nil {
					t.Fatal(err)
				}
				cli := exec.CommandContext(ctx, "ip", "netns", "exec", n.a, self, pat, sport, strconv.Itoa(cport))
				cli.Env = append(os.Environ(), roleEnv+"=client")
				if out, err := cli.CombinedOutput(); err != nil {
					t.Logf("loss %d%% %s rep %d: client: %v %s", loss, pat, rep, err, out)
				}
				if err := srv.Wait(); err != nil {
					t.Logf("loss %d%% %s rep %d: server: %v", loss, pat, rep, err)
				}
				cancel()
			}
		}
		time.Sleep(500 * time.Millisecond)
		dump.Process.Signal(syscall.SIGINT)
		dump.Wait()
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v: %s", err, dumpErr.String())
		}
		type row struct{ conns, findings, conform, viol, cannot int }
		tab := map[string]*row{}
		for c, err := range capture.Judge(bytes.NewReader(b), capture.Options{Vantage: capture.VantageA,
			Profile: func(netip.AddrPort) (spec.Profile, bool) { return p, true }}) {
			if err != nil {
				t.Fatal(err)
			}
			pat := portOf[c.Ends[capture.B].Addr.Port()]
			if tab[pat] == nil {
				tab[pat] = &row{}
			}
			r := tab[pat]
			r.conns++
			if !c.Conforms() {
				r.findings++
				t.Errorf("loss %d%% %s: %s\n  %v", loss, pat, c, c.Findings)
			}
			for s, e := range c.Ends {
				switch e.ModelOutcome() {
				case capture.Conforms:
					r.conform++
				case capture.CannotJudge:
					r.cannot++
				default:
					r.viol++
				}
				if e.ModelOutcome() != capture.Conforms && testing.Verbose() {
					t.Logf("loss %d%% %s conn %d %s: %s", loss, pat, c.ID, capture.Side(s), e.Model)
				}
			}
		}
		t.Logf("loss %d%% (%s): pattern | connections | rule-check findings | model: endpoints conform / violation / cannot judge", loss, file)
		for _, pat := range realPatterns {
			if r := tab[pat]; r != nil {
				t.Logf("  %-15s %3d  %3d  %3d / %3d / %3d", pat, r.conns, r.findings, r.conform, r.viol, r.cannot)
			}
		}
	}
}
