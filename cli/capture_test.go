package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpclose/tcpclose/wire"
)

// TestCheckCapture: `sim -pcap` then `check` on the file conforms (exit
// 0) in text and JSON; -annotate writes pcapng whose comments carry the
// notes; a bad file exits 2 with one line naming the record.
func TestCheckCapture(t *testing.T) {
	dir := t.TempDir()
	pcap := filepath.Join(dir, "run.pcap")
	if code, _, stderr := run("sim", "lost-final-ack", "-pcap", pcap); code != ExitOK {
		t.Fatalf("sim: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := run("check", pcap)
	if code != ExitOK || !strings.Contains(stdout, "four-way (A closed first)") || !strings.Contains(stdout, "1 conform, 0 break a rule") {
		t.Fatalf("check: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = run("check", "-json", pcap)
	var c struct {
		State string
		Ends  [2]struct{ Verdict string }
	}
	if err := json.Unmarshal([]byte(stdout), &c); code != ExitOK || err != nil || c.State != "four-way" || c.Ends[1].Verdict != "conforms" {
		t.Fatalf("check -json: exit %d, %v: %s", code, err, stdout)
	}
	ann := filepath.Join(dir, "ann.pcapng")
	if code, _, stderr := run("check", "-annotate", ann, pcap); code != ExitOK {
		t.Fatalf("check -annotate: exit %d: %s", code, stderr)
	}
	f, err := os.Open(ann)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := wire.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var comments []string
	for {
		rec, err := r.Next()
		if err != nil {
			break
		}
		comments = append(comments, rec.Comment)
	}
	all := strings.Join(comments, "\n")
	if len(comments) != 11 || !strings.Contains(all, "A enters TIME-WAIT") || !strings.Contains(all, "re-ACKs B's resent FIN from TIME-WAIT") {
		t.Errorf("annotated comments:\n%s", all)
	}
	b, _ := os.ReadFile(pcap)
	bad := filepath.Join(dir, "bad.pcap")
	if err := os.WriteFile(bad, b[:len(b)-5], 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = run("check", bad)
	if code != ExitUsage || !strings.Contains(stderr, "record #11") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Errorf("cut file: exit %d, stderr %q", code, stderr)
	}
}

// TestCheckCaptureProfile: -profile replays the endpoints on the model;
// the profile the run used conforms, another one is a violation (exit 1).
func TestCheckCaptureProfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.pcapng")
	if code, _, stderr := run("sim", "unread-rst", "-profile", "linux", "-pcap", path); code != ExitOK {
		t.Fatalf("sim: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := run("check", "-profile", "linux", path)
	if code != ExitOK || strings.Count(stdout, "model: conforms to linux") != 2 {
		t.Fatalf("linux: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = run("check", "-profile", "rfc793", path)
	if code != ExitFail || !strings.Contains(stdout, "model: violation of rfc793 at packet #") {
		t.Fatalf("rfc793: exit %d\n%s", code, stdout)
	}
	if code, _, stderr := run("check", "-profile", "nosuch", path); code != ExitUsage || !strings.Contains(stderr, "nosuch") {
		t.Errorf("unknown profile: exit %d %s", code, stderr)
	}
}

// TestCheckCaptureLadderAutoVantage: -conn N draws the connection's
// ladder after its report; -profile auto lists the profiles each
// endpoint fits; -vantage takes a|b|between|auto and refuses anything
// else with one line.
func TestCheckCaptureLadderAutoVantage(t *testing.T) {
	dir := t.TempDir()
	pcap := filepath.Join(dir, "run.pcapng")
	if code, _, stderr := run("sim", "unread-rst", "-profile", "linux", "-loss", "0.1", "-seed", "3", "-pcap", pcap); code > 1 {
		t.Fatalf("sim: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := run("check", "-conn", "1", "-width", "100", pcap)
	if code != ExitOK || !strings.Contains(stdout, "A connects 10.0.0.1:40000") || !strings.Contains(stdout, "├") || !strings.Contains(stdout, "#1 S 0:0(0)") {
		t.Fatalf("check -conn 1: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = run("check", "-profile", "auto", pcap)
	if code != ExitOK || !strings.Contains(stdout, "model: consistent with") || strings.Contains(stdout, "rfc793, smoltcp (7 of 7") {
		t.Fatalf("check -profile auto: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, v := range []string{"a", "b", "between", "auto"} {
		if code, stdout, stderr := run("check", "-profile", "linux", "-vantage", v, pcap); code == ExitUsage || !strings.Contains(stdout, "model replay: ") {
			t.Errorf("-vantage %s: exit %d\n%s%s", v, code, stdout, stderr)
		}
	}
	code, _, stderr = run("check", "-vantage", "middle", pcap)
	if code != ExitUsage || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.Contains(stderr, "middle") {
		t.Errorf("-vantage middle: exit %d: %q", code, stderr)
	}
}
