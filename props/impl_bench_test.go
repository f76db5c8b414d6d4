package props

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tcpclose/tcpclose/check"
	"github.com/tcpclose/tcpclose/impl"
	"github.com/tcpclose/tcpclose/impl/workload"
	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/spec"
)

// stepper is what the benchmark drives: the model or the implementation.
type stepper interface {
	step(ev *spec.Event)
}

type modelStepper struct{ h *model.Host }

func (m modelStepper) step(ev *spec.Event) { m.h.Step(ev, nil) }

type implStepper struct {
	s   *impl.Stack
	out []spec.Output
}

func (m *implStepper) step(ev *spec.Event) { m.out = m.s.Step(ev, m.out[:0]) }

func newHosts(tb testing.TB, profile string, g *workload.Gen) (*model.Host, *impl.Stack) {
	tb.Helper()
	p := spec.MustProfile(profile)
	m, err := model.New(p, spec.HostConfig{FixedISS: workload.ISS})
	if err != nil {
		tb.Fatal(err)
	}
	s, err := impl.New(p, spec.HostConfig{FixedISS: workload.ISS})
	if err != nil {
		tb.Fatal(err)
	}
	for _, ev := range g.Setup() {
		m.Step(&ev, nil)
		s.Step(&ev, nil)
	}
	return m, s
}

// benchGap spaces the events of the model-vs-impl streams: at 10 ms the
// linux profile holds about 300 TIME-WAIT entries in steady state; at 1 s
// a handful.
const benchGap = 10 * time.Millisecond

func warm(p spec.Profile, gap time.Duration) int {
	return int(max(2*p.TimeWait, 600*time.Second) / gap)
}

// BenchmarkModelVsImpl replays the same recorded streams through the model
// and the implementation: ns/op is per event.
func BenchmarkModelVsImpl(b *testing.B) {
	for _, mix := range []workload.Mix{workload.NormalClose, workload.Adversarial} {
		for _, prof := range []string{"linux", "rfc9293"} {
			for _, gap := range []time.Duration{benchGap, time.Second} {
				for _, which := range []string{"model", "impl"} {
					b.Run(fmt.Sprintf("%s/%s/gap=%s/%s", mix, prof, gap, which), func(b *testing.B) {
						g := workload.New(mix, gap, 1<<20)
						m, s := newHosts(b, prof, g)
						var st stepper = modelStepper{m}
						if which == "impl" {
							st = &implStepper{s: s, out: make([]spec.Output, 0, 64)}
						}
						var ev spec.Event
						for range warm(m.Profile(), gap) {
							g.Next(&ev)
							st.step(&ev)
						}
						b.ReportAllocs()
						b.ResetTimer()
						for range b.N {
							g.Next(&ev)
							st.step(&ev)
						}
						b.StopTimer()
						b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
						if which == "impl" {
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

// TestImplAgreesOnWorkloads replays the benchmark streams, which build up
// hundreds of TIME-WAIT entries and half-open connections, through both
// hosts: outputs must agree at every event, snapshots every few hundred.
func TestImplAgreesOnWorkloads(t *testing.T) {
	n := 12000
	if testing.Short() {
		n = 3000
	}
	for _, mix := range []workload.Mix{workload.NormalClose, workload.Adversarial} {
		for _, prof := range spec.ProfileNames() {
			t.Run(fmt.Sprintf("%s/%s", mix, prof), func(t *testing.T) {
				g := workload.New(mix, 50*time.Millisecond, 1<<20)
				m, s := newHosts(t, prof, g)
				var ev spec.Event
				var out []spec.Output
				for i := range n {
					g.Next(&ev)
					mo := m.Step(&ev, nil)
					out = s.Step(&ev, out[:0])
					if !check.OutputsEqual(mo, out) {
						t.Fatalf("event %d (%s): outputs differ\n%s", i, ev, cmp.Diff(mo, out))
					}
					if i%500 == 0 || i == n-1 {
						ms, is := m.Snapshot(), s.Snapshot()
						if i == n-1 {
							t.Logf("%d connections (%d in TIME-WAIT), %d outputs last", len(ms.Conns), s.TimeWaitCount(), len(out))
						}
						if !ms.Equal(&is) {
							t.Fatalf("after event %d (%s): snapshots differ\n%s", i, ev, cmp.Diff(ms, is))
						}
					}
				}
			})
		}
	}
}
