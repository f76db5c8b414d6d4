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
// fuzzJudgeMax bounds one FuzzJudge input. Whole simulated captures run to
// 20-27 KB, and the fuzzing engine minimizes every new interesting input
// before it goes on: on inputs that long it spent minutes minimizing with
// the exec counter standing still (36 execs in 45 s). Shorter inputs keep
// it fuzzing; the reader's own target (FuzzReader) takes whole files.
const fuzzJudgeMax = 4 << 10

// addJudgeSeed adds b cut to fuzzJudgeMax octets (its last record then torn,
// itself an input worth judging).
func addJudgeSeed(f *testing.F, b []byte) {
	f.Add(b[:min(len(b), fuzzJudgeMax)])
}

func FuzzJudge(f *testing.F) {
	for _, sc := range []string{"normal", "lost-final-ack", "timewait-reopen", "abort"} {
		b, _ := simCapture(f, sc, "linux", 1, 0, wire.Pcap)
		addJudgeSeed(f, b)
		b, _ = simCapture(f, sc, "rfc9293", 2, 0.2, wire.Pcapng)
		addJudgeSeed(f, b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > fuzzJudgeMax {
			return // see fuzzJudgeMax
		}
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
