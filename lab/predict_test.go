//go:build linux

package lab

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/tcpclose/tcpclose/spec"
)

var rewrite = flag.Bool("rewrite", false, "rewrite testdata/model-predictions.txt")

// TestModelPredictions pins what the model predicts for every experiment:
// each segment with its time and sender, each call with its result, each
// change of state. The predictions are the model's, played on package
// sim; a change here changes what `tcpclose lab` sets beside the kernel
// (go test ./lab -run TestModelPredictions -rewrite regenerates it).
func TestModelPredictions(t *testing.T) {
	var b strings.Builder
	dump := func(name string, m *modelActor) {
		fmt.Fprintf(&b, "== %s\n", name)
		// Sequence numbers relative to the ISN of the SYN that opened the
		// connection: ISNs depend on the hosts' secrets.
		isn := map[spec.FourTuple]spec.Seq{}
		for _, s := range m.segments() {
			g := s.Seg
			t := spec.FourTuple{Local: g.Src, Remote: g.Dst}
			if g.Flags&spec.SYN != 0 {
				isn[t] = g.Seq
			}
			g.Seq -= isn[t]
			if g.Flags&spec.ACK != 0 {
				g.Ack -= isn[spec.FourTuple{Local: g.Dst, Remote: g.Src}]
			}
			fmt.Fprintf(&b, "%10.6f seg %-6s %s\n", s.At.Seconds(), s.From, g)
		}
		for _, c := range m.calls {
			fmt.Fprintf(&b, "%10.6f call %-6s %s\n", c.At.Seconds(), c.Who, c)
		}
		for _, c := range m.changes() {
			fmt.Fprintf(&b, "%10.6f state %-6s %s\n", c.At.Seconds(), c.Who, c.State)
		}
	}
	for _, sc := range []struct {
		name string
		play func(actor)
	}{{"normal", scenarioNormal}, {"abort", scenarioAbort}, {"half-close", scenarioHalfClose}, {"states", scenarioStates}} {
		dump(sc.name, modelRun(t, sc.play))
	}
	for i, c := range reuseCases {
		m, err := newModelActor(c.overrides...)
		if err != nil {
			t.Fatal(err)
		}
		got := scenarioReuse(m, c)
		dump(fmt.Sprintf("reuse %d: %s (%s): %s", i, c.name, sysctlText(c.sysctls), got), m)
	}
	const file = "testdata/model-predictions.txt"
	if *rewrite {
		if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("the model's predictions changed (go test ./lab -run TestModelPredictions -rewrite):\n%s", lineDiff(string(want), b.String()))
	}
}

// lineDiff lists the lines of want and got from the first that differs.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	i := 0
	for i < len(w) && i < len(g) && w[i] == g[i] {
		i++
	}
	return fmt.Sprintf("from line %d:\nwant: %s\ngot:  %s", i+1, strings.Join(w[i:min(len(w), i+5)], "\n      "), strings.Join(g[i:min(len(g), i+5)], "\n      "))
}
