package impl

import (
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/tcpclose/tcpclose/impl/workload"
	"github.com/tcpclose/tcpclose/spec"
)

// Benchmarks. ns/op is per event (BenchmarkStack) or per table operation
// (BenchmarkTimeWaitTable); see docs in the report for the commands.

// warmEvents is how many events bring a host to steady state: enough
// virtual time for every TIME-WAIT and half-open connection of the
// profile to have come and gone at least once.
func warmEvents(p spec.Profile, gap time.Duration) int {
	d := max(2*p.TimeWait, 600*time.Second)
	return int(d / gap)
}

func BenchmarkStack(b *testing.B) {
	type run struct {
		prof string
		gap  time.Duration
		v6   bool
	}
	runs := []run{{"linux", 10 * time.Millisecond, false}, {"linux", 100 * time.Microsecond, false},
		{"rfc9293", 10 * time.Millisecond, false}, {"rfc9293", 100 * time.Microsecond, false},
		{"linux", 100 * time.Microsecond, true}}
	for _, mix := range []workload.Mix{workload.NormalClose, workload.Adversarial} {
		for _, r := range runs {
			prof, gap := r.prof, r.gap
			name := fmt.Sprintf("%s/%s/gap=%s", mix, prof, gap)
			if r.v6 {
				name += "/ipv6"
			}
			b.Run(name, func(b *testing.B) {
				g := workload.New(mix, gap, 1<<22)
				if r.v6 {
					g.IPv6()
				}
				s := newBenchStack(b, prof, g)
				var ev spec.Event
				out := make([]spec.Output, 0, 64)
				for range warmEvents(s.p, gap) {
					g.Next(&ev)
					out = s.Step(&ev, out[:0])
				}
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					g.Next(&ev)
					out = s.Step(&ev, out[:0])
				}
				b.StopTimer()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
				b.ReportMetric(float64(s.TimeWaitCount()), "timewait")
				b.ReportMetric(float64(s.ConnCount()), "conns")
			})
		}
	}
}

// twKey is the key of the i-th synthetic TIME-WAIT entry.
func twKey(i int) uint64 {
	return tupleKey(spec.IPv4(10, byte(i>>16), byte(i>>8), byte(i)), uint16(1024+i>>24), 8080)
}

func fillTW(t *twTable, n int, base int, now spec.Time, d time.Duration) {
	for i := range n {
		t.insert(twEntry{key: twKey(base + i), deadline: now.Add(d), meta: twMeta(uint64(base+i+1), -1, true, false, false, false)})
	}
}

func bigSizes() []int {
	if os.Getenv("TCPCLOSE_BIG") == "1" {
		return []int{1_000_000, 10_000_000}
	}
	return []int{1_000_000}
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkTimeWaitTable measures the TIME-WAIT table at a steady size N:
// lookup of a present key, lookup of an absent key, insert (with the
// oldest entry expired to keep N constant, both counted), expiry alone,
// and bytes per entry (heap growth while filling, and the table's own
// accounting).
func BenchmarkTimeWaitTable(b *testing.B) {
	for _, n := range bigSizes() {
		seed := newHashKey()
		before := heapInUse()
		t := &twTable{}
		t.init(seed)
		fillTW(t, n, 0, 0, time.Minute)
		after := heapInUse()
		perEntry := float64(after-before) / float64(n)
		acct := float64(t.bytes()) / float64(n)
		name := fmt.Sprintf("N=%dM", n/1_000_000)
		refills := 0
		next, clock := n, spec.Time(0)
		b.Run(name+"/lookup-hit", func(b *testing.B) {
			x := uint32(1)
			for range b.N {
				x = x*1664525 + 1013904223
				if _, ok := t.lookup(twKey(int(x % uint32(n)))); !ok {
					b.Fatal("missing")
				}
			}
		})
		b.Run(name+"/lookup-miss", func(b *testing.B) {
			for i := range b.N {
				if _, ok := t.lookup(twKey(n + 1 + i%n)); ok {
					b.Fatal("present")
				}
			}
		})
		b.Run(name+"/insert+expire", func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				if i, _, ok := t.peek(); ok {
					t.remove(i)
				}
				clock++ // deadlines keep rising across calibration rounds
				t.insert(twEntry{key: twKey(next), deadline: spec.Time(time.Minute) + clock, meta: twMeta(uint64(next+1), -1, true, false, false, false)})
				next++
			}
		})
		b.Run(name+"/expire", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; {
				b.StopTimer()
				if t.n == 0 {
					// refill with later deadlines and fresh IDs, as time goes on
					refills++
					fillTW(t, n, (2+refills)*n, spec.Time(refills)*spec.Time(time.Hour), time.Minute)
				}
				b.StartTimer()
				for ; i < b.N && t.n > 0; i++ {
					e, _, _ := t.peek()
					t.remove(e)
				}
			}
		})
		b.Run(name+"/bytes", func(b *testing.B) {
			for range b.N {
			}
			b.ReportMetric(perEntry, "heapB/entry")
			b.ReportMetric(acct, "tableB/entry")
		})
		runtime.KeepAlive(t)
	}
}

// BenchmarkStackTimeWaitMemory drives N connections into TIME-WAIT through
// the full Stack (normal close, host first) and reports the heap the host
// holds per TIME-WAIT entry, all structures included.
func BenchmarkStackTimeWaitMemory(b *testing.B) {
	for _, n := range bigSizes() {
		for _, v6 := range []bool{false, true} {
			name := fmt.Sprintf("N=%dM", n/1_000_000)
			if v6 {
				name += "/ipv6" // every entry a peer of its own: the worst case
			}
			b.Run(name, func(b *testing.B) {
				for range b.N {
					g := workload.New(workload.NormalClose, time.Microsecond/10, 4*n)
					if v6 {
						g.IPv6()
					}
					before := heapInUse()
					s := newBenchStack(b, "rfc9293", g) // no TIME-WAIT cap
					var ev spec.Event
					out := make([]spec.Output, 0, 64)
					for g.Conns() < 2*n {
						g.Next(&ev)
						out = s.Step(&ev, out[:0])
					}
					after := heapInUse()
					if s.TimeWaitCount() != n {
						b.Fatalf("TIME-WAIT %d, want %d", s.TimeWaitCount(), n)
					}
					b.ReportMetric(float64(after-before)/float64(n), "heapB/timewait")
					runtime.KeepAlive(s)
				}
			})
		}
	}
}

// BenchmarkWorkloadGen is the cost of producing the stream alone, which
// the Stack and model-vs-impl benchmarks include.
func BenchmarkWorkloadGen(b *testing.B) {
	for _, mix := range []workload.Mix{workload.NormalClose, workload.Adversarial} {
		b.Run(mix.String(), func(b *testing.B) {
			g := workload.New(mix, time.Second, 1<<20)
			var ev spec.Event
			for range b.N {
				g.Next(&ev)
			}
		})
	}
}
