package gvisor

import (
	"testing"
	"time"

	"github.com/tcpclose/tcpclose/impl"
	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
)

// The close-handshake benchmark: two hosts of one implementation wired
// back to back go through a whole connection (open, 100 octets of data,
// active close, the final ACK, TIME-WAIT entry, and virtual time run past
// TIME-WAIT so that the next iteration reuses the same 4-tuple). The hosts
// are made once. Its ratio line
// gives gVisor and the model over impl (docs/performance.md, section 6).
//
// Every host is driven through the same stack.Stack face: the model and
// the optimized implementation as stack.Virtual of their spec.Host,
// netstack through its adapter.
var closeBenches = []closeBench{
	{name: "impl", pair: implPair},
	{name: "model", pair: modelPair},
	{name: "gvisor", pair: gvisorPair},
}

// ratioBase is the implementation the other ones are measured against.
const ratioBase = "impl"

type closeBench struct {
	name string
	pair func(tb testing.TB) [2]stack.Stack
}

var (
	clientIP = stack.LocalIP()  // 192.168.0.1
	serverIP = stack.RemoteIP() // 192.0.2.1
	server   = spec.SockAddr{IP: serverIP, Port: 8080}
	client   = spec.SockAddr{IP: clientIP, Port: 40000}
)

func modelPair(tb testing.TB) [2]stack.Stack {
	var st [2]stack.Stack
	for i, ip := range []spec.Addr{clientIP, serverIP} {
		m, err := newModelStack(spec.MustProfile("gvisor"), ip)
		if err != nil {
			tb.Fatal(err)
		}
		st[i] = m
	}
	return st
}

func implPair(tb testing.TB) [2]stack.Stack {
	var st [2]stack.Stack
	for i, ip := range []spec.Addr{clientIP, serverIP} {
		h, err := impl.New(spec.MustProfile("gvisor"), spec.HostConfig{Addr: ip})
		if err != nil {
			tb.Fatal(err)
		}
		st[i] = implStack{stack.Virtual(h, stack.Named("impl/gvisor"))}
	}
	return st
}

// implStack tells connection states from the implementation's snapshot.
type implStack struct{ *stack.VirtualStack }

func (s implStack) ConnState(t spec.FourTuple) spec.State {
	snap := s.Host().Snapshot()
	for _, c := range snap.Conns {
		if c.Tuple == t {
			return c.State
		}
	}
	return spec.Closed
}

func gvisorPair(tb testing.TB) [2]stack.Stack {
	a, err := New(Config{Addr: clientIP, Peers: spec.IPv4(192, 0, 2, 0), Seed: 1})
	if err != nil {
		tb.Fatal(err)
	}
	b, err := New(Config{Addr: serverIP, Peers: spec.IPv4(192, 168, 0, 0), Seed: 2})
	if err != nil {
		a.Close()
		tb.Fatal(err)
	}
	tb.Cleanup(func() { a.Close(); b.Close() })
	return [2]stack.Stack{a, b}
}

// wire carries segments between two stacks, without loss or delay.
type wire struct {
	tb  testing.TB
	st  [2]stack.Stack
	at  spec.Time
	res [2][]spec.Output
	q   []hop
}

type hop struct {
	to  int
	seg spec.Segment
}

func (w *wire) take(from int, out []stack.Observed, err error) {
	if err != nil {
		w.tb.Fatal(err)
	}
	for i := range out { // by index: an Observed is about 100 bytes
		switch o := &out[i].Out; o.Kind {
		case spec.OutSegment:
			w.q = append(w.q, hop{1 - from, o.Seg})
		case spec.OutResult:
			w.res[from] = append(w.res[from], *o)
		}
	}
}

// pump delivers queued segments until the wire is quiet. The queue is
// walked by index and reset, so that its array is reused and the harness
// allocates nothing in steady state.
func (w *wire) pump() {
	for i := 0; i < len(w.q); i++ {
		h := w.q[i]
		out, err := w.st[h.to].Inject(w.at, h.seg)
		w.take(h.to, out, err)
	}
	w.q = w.q[:0]
}

// call makes c on side and returns its result, which must have come by
// the time the wire is quiet.
func (w *wire) call(side int, c spec.Call) spec.Output {
	out, err := w.st[side].Call(w.at, c)
	w.take(side, out, err)
	w.pump()
	res := w.res[side]
	for i := range res {
		if r := &res[i]; r.Call == c.Kind && (r.FD == c.FD || c.Kind == spec.CallSocket) {
			found := *r
			w.res[side] = append(res[:i], res[i+1:]...)
			return found
		}
	}
	w.tb.Fatalf("%s on side %d did not return", c, side)
	return spec.Output{}
}

func (w *wire) must(side int, c spec.Call, ret int64) {
	if r := w.call(side, c); r.Ret != ret {
		w.tb.Fatalf("%s on side %d = %s, want %d", c, side, r, ret)
	}
}

// listen opens the server's listener (server fd 3).
func (w *wire) listen() {
	w.must(1, spec.Call{Kind: spec.CallSocket}, 3)
	w.must(1, spec.Call{Kind: spec.CallBind, FD: 3, Addr: server}, 0)
	w.must(1, spec.Call{Kind: spec.CallListen, FD: 3, N: 16}, 0)
}

// connection runs one connection from open to the client's TIME-WAIT.
func (w *wire) connection() {
	const c, s = 0, 1
	w.must(c, spec.Call{Kind: spec.CallSocket}, 3)
	w.must(c, spec.Call{Kind: spec.CallBind, FD: 3, Addr: client}, 0)
	w.must(c, spec.Call{Kind: spec.CallConnect, FD: 3, Addr: server}, 0)
	w.must(s, spec.Call{Kind: spec.CallAccept, FD: 3}, 4)
	w.must(c, spec.Call{Kind: spec.CallWrite, FD: 3, N: 100}, 100)
	w.must(s, spec.Call{Kind: spec.CallRead, FD: 4, N: 1000}, 100)
	w.must(c, spec.Call{Kind: spec.CallClose, FD: 3}, 0) // FIN, ACKed
	w.must(s, spec.Call{Kind: spec.CallRead, FD: 4, N: 1000}, 0)
	w.must(s, spec.Call{Kind: spec.CallClose, FD: 4}, 0) // FIN, final ACK
}

// expire lets virtual time run past TIME-WAIT on both hosts.
func (w *wire) expire() {
	w.at = w.at.Add(61 * time.Second)
	for i, st := range w.st {
		for st.Now() < w.at {
			out, err := st.Advance(w.at)
			w.take(i, out, err)
		}
	}
	w.q = w.q[:0]
}

func (w *wire) checkTimeWait() {
	t := spec.FourTuple{Local: client, Remote: server}
	if st := w.st[0].(connStater).ConnState(t); st != spec.TimeWait {
		w.tb.Fatalf("client connection in %s after the close handshake, want TIME-WAIT", st)
	}
	if st := w.st[1].(connStater).ConnState(spec.FourTuple{Local: server, Remote: client}); st != spec.Closed {
		w.tb.Fatalf("server connection in %s after the close handshake, want CLOSED", st)
	}
}

func newWire(tb testing.TB, b closeBench) *wire {
	w := &wire{tb: tb, st: b.pair(tb)}
	w.listen()
	return w
}

// TestCloseHandshakeWire checks the benchmark's workload on every
// implementation: the client ends in TIME-WAIT, the server in CLOSED, and
// the same 4-tuple works again after TIME-WAIT.
func TestCloseHandshakeWire(t *testing.T) {
	for _, b := range closeBenches {
		t.Run(b.name, func(t *testing.T) {
			w := newWire(t, b)
			for range 3 {
				w.connection()
				w.checkTimeWait()
				w.expire()
			}
		})
	}
}

// BenchmarkCloseHandshake times one connection's whole life, open to the
// end of TIME-WAIT, per implementation.
// Besides the time per connection, each sub-benchmark reports cpu-ns/op:
// the process's CPU time (user and system, every thread, so netstack's
// own goroutines count) per connection, which a machine shared with other
// work inflates far less than the elapsed time. Its last sub-benchmark,
// "ratio", reports each implementation's time and CPU time per connection
// over ratioBase's, from all the runs just made (with -count, the ratio of
// the totals).
//
//	go test -run '^$' -bench CloseHandshake -benchmem -count 6 .
func BenchmarkCloseHandshake(b *testing.B) {
	type total struct {
		ns, cpu time.Duration
		n       int
	}
	totals := make(map[string]total)
	for _, cb := range closeBenches {
		b.Run(cb.name, func(b *testing.B) {
			w := newWire(b, cb)
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			// The TIME-WAIT expiry is timed with the connection: stopping
			// the timer around it would cost two stop-the-world pauses an
			// iteration (StopTimer and StartTimer read the memory
			// statistics), more than impl's whole connection, and leave
			// each iteration to start on cold caches.
			for range b.N {
				w.connection()
				w.expire()
			}
			b.StopTimer()
			cpu := cpuTime() - cpu0
			if cpu > 0 {
				b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
			}
			t := totals[cb.name]
			totals[cb.name] = total{t.ns + b.Elapsed(), t.cpu + cpu, t.n + b.N}
		})
	}
	perConn := func(t total) float64 { return float64(t.ns) / float64(t.n) }
	cpuPerConn := func(t total) float64 { return float64(t.cpu) / float64(t.n) }
	base, ok := totals[ratioBase]
	if !ok || base.ns == 0 {
		return // the base was filtered out of this run
	}
	b.Run("ratio", func(b *testing.B) {
		for _, cb := range closeBenches {
			if t, ok := totals[cb.name]; ok && cb.name != ratioBase {
				b.ReportMetric(perConn(t)/perConn(base), cb.name+"/"+ratioBase)
				if base.cpu > 0 {
					b.ReportMetric(cpuPerConn(t)/cpuPerConn(base), cb.name+"/"+ratioBase+"-cpu")
				}
			}
		}
		b.ReportMetric(0, "ns/op")
	})
}

// BenchmarkSettle is the cost of the determinism barrier alone, on an idle
// stack: part of every Inject, Call and Advance step of the netstack
// adapter, and so part of BenchmarkCloseHandshake/gvisor (about 35 steps
// per connection on the two hosts).
func BenchmarkSettle(b *testing.B) {
	s, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for range b.N {
		s.settle()
	}
}
