package props

import (
	"fmt"
	"os"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/tcpclose/tcpclose/check"
	"github.com/tcpclose/tcpclose/impl/workload"
	"github.com/tcpclose/tcpclose/spec"
)

// Benchmarks of docs/performance.md (tools/bench.sh runs them).
//
// BenchmarkEngines replays the same recorded event streams through the
// model and the implementation. The stream is recorded in chunks of
// recChunk events with the timer stopped, so that ns/op is the engine's
// cost per event alone, without the generator's. The streams:
//
//   - normal-close and adversarial mixes (impl/workload);
//   - gap=10ms: a loaded server (about 300 TIME-WAIT entries on linux,
//     1,300 on rfc9293, plus half-open connections in the adversarial
//     mix);
//   - gap=1s: an idle one (a handful of connections).

const recChunk = 1 << 16

// recorded is a workload stream recorded ahead of the engine, a chunk at
// a time.
type recorded struct {
	g   *workload.Gen
	buf []spec.Event
	i   int
}

func newRecorded(g *workload.Gen) *recorded {
	return &recorded{g: g, buf: make([]spec.Event, recChunk), i: recChunk}
}

// next returns the next event; when the chunk is used up it records the
// next one with b's timer stopped (b may be nil outside the timed loop).
func (r *recorded) next(b *testing.B) *spec.Event {
	if r.i == len(r.buf) {
		if b != nil {
			b.StopTimer()
		}
		for k := range r.buf {
			r.g.Next(&r.buf[k])
		}
		r.i = 0
		if b != nil {
			b.StartTimer()
		}
	}
	r.i++
	return &r.buf[r.i-1]
}

func BenchmarkEngines(b *testing.B) {
	for _, mix := range []workload.Mix{workload.NormalClose, workload.Adversarial} {
		for _, prof := range []string{"linux", "rfc9293"} {
			for _, gap := range []time.Duration{10 * time.Millisecond, time.Second} {
				for _, engine := range []string{"model", "impl"} {
					b.Run(fmt.Sprintf("mix=%s/profile=%s/gap=%s/engine=%s", mix, prof, gap, engine), func(b *testing.B) {
						g := workload.New(mix, gap, 1<<20)
						m, s := newHosts(b, prof, g)
						rec := newRecorded(g)
						var out []spec.Output
						step := func(ev *spec.Event) { m.Step(ev, nil) }
						if engine == "impl" {
							out = make([]spec.Output, 0, 64)
							step = func(ev *spec.Event) { out = s.Step(ev, out[:0]) }
						}
						for range warm(m.Profile(), gap) {
							step(rec.next(nil))
						}
						b.ReportAllocs()
						b.ResetTimer()
						for range b.N {
							step(rec.next(b))
						}
						b.StopTimer()
						b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
						if engine == "impl" {
							b.ReportMetric(float64(s.TimeWaitCount()+s.ConnCount()), "conns")
						} else {
							b.ReportMetric(float64(len(m.Snapshot().Conns)), "conns")
						}
					})
				}
			}
		}
	}
}

// BenchmarkAgreement measures the agreement properties themselves:
// sequences per second of the rapid and the gopter property (generation,
// both engines, comparison after every step), on the default profile.
func BenchmarkAgreement(b *testing.B) {
	p := spec.MustProfile(spec.DefaultProfile)
	b.Run("rapid", func(b *testing.B) {
		restore := setRapidDefaults(map[string]string{"rapid.checks": fmt.Sprint(b.N), "rapid.steps": "200"})
		defer restore()
		steps := 0
		rapid.Check(b, func(t *rapid.T) {
			a := newAgree(t, p, "listen")
			t.Repeat(a.actions())
			steps += a.steps
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "seqs/s")
		b.ReportMetric(float64(steps)/float64(b.N), "events/seq")
	})
	b.Run("gopter", func(b *testing.B) {
		// gopter's sequence length grows to MaxSize over a run; 400
		// averages about 200 commands, close to rapid's 200 steps.
		_, st := gRun(p, "listen", gMode{}, 1, b.N, 400)
		b.ReportMetric(float64(st.seqs)/b.Elapsed().Seconds(), "seqs/s")
		b.ReportMetric(float64(st.steps)/float64(max(st.seqs, 1)), "cmds/seq")
	})
}

// TestEnginesAgreeOnRecordedStreams: the streams of BenchmarkEngines run
// the same on both engines (a benchmark of two engines that disagree
// would compare nothing).
func TestEnginesAgreeOnRecordedStreams(t *testing.T) {
	n := 3000
	if os.Getenv("TCPCLOSE_LONG") == "1" {
		n = 100000
	}
	for _, mix := range []workload.Mix{workload.NormalClose, workload.Adversarial} {
		for _, gap := range []time.Duration{10 * time.Millisecond, time.Second} {
			g := workload.New(mix, gap, 1<<20)
			m, s := newHosts(t, "linux", g)
			rec := newRecorded(g)
			var out []spec.Output
			for i := range n {
				ev := rec.next(nil)
				mo := m.Step(ev, nil)
				out = s.Step(ev, out[:0])
				if !check.OutputsEqual(mo, out) {
					t.Fatalf("%s gap=%s event %d (%s): outputs differ", mix, gap, i, ev)
				}
			}
			ms, is := m.Snapshot(), s.Snapshot()
			if !ms.Equal(&is) {
				t.Fatalf("%s gap=%s: snapshots differ", mix, gap)
			}
		}
	}
}
