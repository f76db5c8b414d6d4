package stack_test

import (
	"testing"

	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
)

// echoHost is a spec.Host that answers every event with one segment and
// has no timers: what is left to time is stack.Virtual's own work.
type echoHost struct {
	now spec.Time
	seg spec.Segment
}

func (h *echoHost) Step(ev *spec.Event, out []spec.Output) []spec.Output {
	h.now = max(h.now, ev.At)
	return append(out, spec.Output{Kind: spec.OutSegment, Seg: h.seg})
}
func (h *echoHost) NextDeadline() spec.Time { return spec.Never }
func (h *echoHost) Snapshot() spec.HostSnap { return spec.HostSnap{} }
func (h *echoHost) Now() spec.Time          { return h.now }

// BenchmarkVirtualInject is the cost stack.Virtual adds to one host step:
// the timer walk, the event, and stamping the output.
func BenchmarkVirtualInject(b *testing.B) {
	v := stack.Virtual(&echoHost{})
	seg := spec.Segment{Flags: spec.ACK, Seq: 1, Ack: 2, Wnd: 100}
	b.ReportAllocs()
	for i := range b.N {
		out, err := v.Inject(spec.Time(i), seg)
		if err != nil || len(out) != 1 {
			b.Fatal(out, err)
		}
	}
}
