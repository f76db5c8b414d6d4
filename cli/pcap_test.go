package cli

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpclose/tcpclose/wire"
)

// TestSimPcapng: a .pcapng name gives pcapng whose packet comments say
// which transmission each packet is; the lost final ACK of the
// lost-final-ack scenario is marked LOST, and no other packet is.
func TestSimPcapng(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.pcapng")
	if code, _, stderr := run("sim", "lost-final-ack", "-pcap", path); code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := wire.NewReader(f)
	if err != nil || r.Format() != wire.Pcapng {
		t.Fatalf("%v, format %v", err, r.Format())
	}
	lost, n := 0, 0
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if !strings.HasPrefix(rec.Comment, "sim #") {
			t.Errorf("packet %d: comment %q", rec.N, rec.Comment)
		}
		if strings.Contains(rec.Comment, "LOST") {
			lost++
			ip, _ := wire.Unframe(rec.Link, rec.Data)
			p, err := wire.Decode(ip)
			if err != nil || p.Seg.Flags.String() != "." {
				t.Errorf("lost packet %d is %s (%v), want the final ACK", rec.N, &p.Seg, err)
			}
		}
	}
	if lost != 1 || n < 7 {
		t.Errorf("%d packets, %d marked lost; want one lost final ACK", n, lost)
	}
}
