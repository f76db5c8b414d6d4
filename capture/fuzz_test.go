package capture_test

import (
	"bytes"
	"testing"

	"github.com/tcpclose/tcpclose/capture"
	"github.com/tcpclose/tcpclose/wire"
)

// FuzzJudge: judging arbitrary bytes as a capture never panics or hangs:
// it yields reports and at most one error, last, and every report has a
// verdict for both endpoints.
func FuzzJudge(f *testing.F) {
	for _, sc := range []string{"normal", "lost-final-ack", "timewait-reopen", "abort"} {
		b, _ := simCapture(f, sc, "linux", 1, 0, wire.Pcap)
		f.Add(b)
		b, _ = simCapture(f, sc, "rfc9293", 2, 0.2, wire.Pcapng)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		errs := 0
		for c, err := range capture.Judge(bytes.NewReader(b), capture.Options{Linger: 1}) {
			if errs > 0 {
				t.Fatal("report after the error")
			}
			if err != nil {
				errs++
				if err.Error() == "" {
					t.Fatal("empty error")
				}
				continue
			}
			if c.Ends[capture.A].Verdict == "" || c.Ends[capture.B].Verdict == "" {
				t.Fatalf("no verdict: %s", c)
			}
		}
	})
}
