//go:build linux

package lab

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack/linux"
)

// needRoot skips a test that needs a network namespace.
func needRoot(t *testing.T) {
	t.Helper()
	ns, err := linux.NewNetNS()
	if err != nil {
		if errors.Is(err, linux.ErrNotPermitted) || os.Geteuid() != 0 {
			t.Skipf("needs root to create a network namespace: %v", err)
		}
		t.Fatal(err)
	}
	ns.Close()
}

func run(t *testing.T, name string, opts Options) Result {
	t.Helper()
	needRoot(t)
	var out bytes.Buffer
	r, err := Run(name, opts, &out)
	t.Logf("%s", out.String())
	if err != nil {
		t.Fatal(err)
	}
	if (r.Verdict == Differs) != (len(r.Differences) > 0) || (r.Verdict == Known) != (len(r.Differences) == 0 && len(r.Known) > 0) {
		t.Errorf("verdict %q with %d differences and %d known departures", r.Verdict, len(r.Differences), len(r.Known))
	}
	if !strings.Contains(out.String(), "verdict: "+string(r.Verdict)) {
		t.Errorf("the verdict was not printed")
	}
	for _, d := range r.Differences {
		if strings.HasPrefix(d, "calls:") {
			t.Errorf("call results differ from the model: %s", d)
		}
	}
	return r
}

func hasLine(lines []string, subs ...string) bool {
	for _, l := range lines {
		ok := true
		for _, s := range subs {
			ok = ok && strings.Contains(l, s)
		}
		if ok {
			return true
		}
	}
	return false
}

// pcapRecords counts the records of a pcap file and checks its header.
func pcapRecords(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 24 || binary.LittleEndian.Uint32(b) != 0xa1b2c3d4 || binary.LittleEndian.Uint32(b[20:]) != 1 /* LINKTYPE_ETHERNET */ {
		t.Fatalf("%s: not a pcap file with Ethernet link type", path)
	}
	n := 0
	for b = b[24:]; len(b) >= 16; n++ {
		l := int(binary.LittleEndian.Uint32(b[8:12]))
		if len(b) < 16+l {
			t.Fatalf("%s: truncated record %d", path, n)
		}
		b = b[16+l:]
	}
	if len(b) != 0 {
		t.Fatalf("%s: %d stray octets", path, len(b))
	}
	return n
}

// TestNormalClose: an orderly close on loopback shows the client's FIN
// and the server's FIN, each acknowledged (R9293-SEG-FIN), and the pcap
// file holds every captured frame.
func TestNormalClose(t *testing.T) {
	r := run(t, "normal", Options{Quick: true, PcapDir: t.TempDir()})
	if !hasLine(r.Segments, ".8080: Flags [S]") || !hasLine(r.Segments, "> 127.0.0.1.8080: Flags [F.]") ||
		!hasLine(r.Segments, "127.0.0.1.8080 >", "Flags [F.]") {
		t.Errorf("missing SYN or FINs in\n%s", strings.Join(r.Segments, "\n"))
	}
	if len(r.PcapFiles) != 1 {
		t.Fatalf("pcap files: %v", r.PcapFiles)
	}
	if n := pcapRecords(t, r.PcapFiles[0]); n < len(r.Segments) {
		t.Errorf("pcap holds %d frames, capture saw %d segments", n, len(r.Segments))
	}
}

// TestAbort: SO_LINGER {on, 0} sends RST|ACK (R9293-CALL-ABORT), the
// peer's read fails with ECONNRESET, then returns 0, as the model says.
func TestAbort(t *testing.T) {
	r := run(t, "abort", Options{Quick: true})
	if r.Verdict != Agrees {
		t.Errorf("abort differs from the linux profile: %v", r.Differences)
	}
	if !hasLine(r.Segments, "> 127.0.0.1.8080: Flags [R.]") || hasLine(r.Segments, "Flags [F.]") {
		t.Errorf("want a RST|ACK from the client and no FIN:\n%s", strings.Join(r.Segments, "\n"))
	}
	if !hasLine(r.Transcript, "server: read(4, ..., 1000) = -1 ECONNRESET") {
		t.Errorf("server read did not see ECONNRESET:\n%s", strings.Join(r.Transcript, "\n"))
	}
}

// TestHalfClose: after shutdown(SHUT_WR) the client's writes fail with
// EPIPE and it still reads the server's 3000 octets, then end-of-file
// (R9293-SEG-FIN, half-duplex close).
func TestHalfClose(t *testing.T) {
	r := run(t, "half-close", Options{Quick: true})
	want := []string{"client: shutdown(3, SHUT_WR) = 0", "client: write(3, ..., 10) = -1 EPIPE",
		"client: read(3, ..., 1000) = 1000", "client: read(3, ..., 1000) = 0"}
	for _, w := range want {
		if !hasLine(r.Transcript, w) {
			t.Errorf("transcript lacks %q:\n%s", w, strings.Join(r.Transcript, "\n"))
		}
	}
}

// TestStates: the states seen through sock_diag fit the model's: the
// client ends in TIME-WAIT (R9293-MUST13), the server's connection is
// gone.
func TestStates(t *testing.T) {
	r := run(t, "states", Options{Quick: true})
	if r.Verdict != Agrees {
		t.Errorf("states differ from the linux profile: %v", r.Differences)
	}
	var last = map[string]string{}
	for _, c := range r.States {
		last[c.Who] = c.State
	}
	if last["client"] != spec.TimeWait.String() || last["server"] != spec.Closed.String() {
		t.Errorf("final states %v, want client TIME-WAIT and server CLOSED", last)
	}
}

// TestTimeWait: the TIME-WAIT entry starts with the linux profile's 60 s
// (R9293-MUST13 as Linux shortens it), and bind(2) to its port follows
// BindTimeWaitNeedsBothReuse. With TCPCLOSE_LAB_FULL=1 the entry is
// watched until it goes.
func TestTimeWait(t *testing.T) {
	full := os.Getenv("TCPCLOSE_LAB_FULL") == "1"
	r := run(t, "timewait", Options{Quick: !full})
	tw := spec.MustProfile("linux").TimeWait
	if r.TimeWaitTimer > tw || r.TimeWaitTimer < tw-time.Second {
		t.Errorf("TIME-WAIT timer %v, want just under %v", r.TimeWaitTimer, tw)
	}
	if full {
		if r.TimeWaitLifetime < tw-time.Second || r.TimeWaitLifetime > tw+2*time.Second {
			t.Errorf("TIME-WAIT lived %v, want about %v", r.TimeWaitLifetime, tw)
		}
	} else if r.TimeWaitLifetime != 0 {
		t.Errorf("quick mode measured a lifetime")
	}
	if len(r.Reuse) != len(reuseCases) {
		t.Fatalf("%d reuse rows, want %d", len(r.Reuse), len(reuseCases))
	}
	for _, row := range r.Reuse {
		if strings.HasPrefix(row.Case, "bind") && row.Kernel != row.Predicted {
			t.Errorf("%s: kernel %s, model %s", row.Case, row.Kernel, row.Predicted)
		}
		if strings.HasPrefix(row.Kernel, "setup") {
			t.Errorf("%s: %s", row.Case, row.Kernel)
		}
	}
}

func TestUnknownExperiment(t *testing.T) {
	if _, err := Run("nope", Options{}, &bytes.Buffer{}); err == nil {
		t.Error("Run accepted an unknown experiment")
	}
}
