package wire

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestTsharkReadsOurs: Wireshark's tshark, if installed, reads every
// link type and format the writer writes, finds TCP in every packet and
// shows the pcapng packet comments. tshark takes seconds to start, so
// this runs only with TCPCLOSE_TSHARK=1 (about a minute).
func TestTsharkReadsOurs(t *testing.T) {
	if os.Getenv("TCPCLOSE_TSHARK") == "" {
		t.Skip("set TCPCLOSE_TSHARK=1 to run (needs tshark)")
	}
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed")
	}
	dir := t.TempDir()
	for _, f := range []Format{Pcap, Pcapng} {
		for _, lt := range allLinks {
			file, frames := writeCapture(t, f, lt, true)
			path := filepath.Join(dir, lt.String()+"."+f.String())
			if err := os.WriteFile(path, file, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(tshark, "-r", path, "-T", "fields", "-e", "tcp.seq_raw", "-e", "frame.comment").Output()
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			if len(lines) != len(frames) {
				t.Fatalf("%s: tshark shows %d packets, want %d:\n%s", path, len(lines), len(frames), out)
			}
			for i, l := range lines {
				seq, comment, _ := strings.Cut(l, "\t")
				if seq == "" {
					t.Errorf("%s packet %d: tshark finds no TCP: %q", path, i+1, l)
				}
				if f == Pcapng && i%3 == 0 && !strings.HasPrefix(comment, "packet ") {
					t.Errorf("%s packet %d: comment %q", path, i+1, comment)
				}
			}
		}
	}
}
