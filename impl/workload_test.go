package impl

import (
	"testing"
	"time"

	"github.com/tcpclose/tcpclose/impl/workload"
	"github.com/tcpclose/tcpclose/spec"
)

func newBenchStack(tb testing.TB, profile string, g *workload.Gen) *Stack {
	tb.Helper()
	s, err := New(spec.MustProfile(profile), spec.HostConfig{Addr: g.HostAddr(), FixedISS: workload.ISS})
	if err != nil {
		tb.Fatal(err)
	}
	for _, ev := range g.Setup() {
		s.Step(&ev, nil)
	}
	return s
}

// TestWorkloadNormalClose checks that the benchmark stream does what it
// says: every connection is accepted, read, written and closed, the
// host-first half ends in TIME-WAIT, and no RST is ever sent.
func TestWorkloadNormalClose(t *testing.T) {
	g := workload.New(workload.NormalClose, time.Millisecond, 1<<20)
	s := newBenchStack(t, "linux", g)
	var out []spec.Output
	var ev spec.Event
	results := map[spec.CallKind]int64{}
	for g.Conns() < 200 {
		g.Next(&ev)
		out = s.Step(&ev, out[:0])
		for _, o := range out {
			switch {
			case o.Kind == spec.OutSegment && o.Seg.Flags&spec.RST != 0:
				t.Fatalf("normal stream drew a RST at %s: %s", ev, o)
			case o.Kind == spec.OutResult:
				results[o.Call] += o.Ret
			}
		}
	}
	if results[spec.CallAccept] != 4*200 || results[spec.CallRead] != 100*200 || results[spec.CallWrite] != 200*200 {
		t.Errorf("call results %v", results)
	}
	if s.TimeWaitCount() != 100 || s.ConnCount() != 0 {
		t.Errorf("TIME-WAIT %d, other connections %d; want 100 and 0", s.TimeWaitCount(), s.ConnCount())
	}
}
