package props_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/tcpclose/tcpclose/check"
	"github.com/tcpclose/tcpclose/sim"
	"github.com/tcpclose/tcpclose/spec"
	"pgregory.net/rapid"
)

// e2eMaxWrite bounds what each side writes in the graceful cases: less
// than one receive window, so that CLOSE in CLOSE-WAIT never finds data
// still waiting for the window. Larger writes hit a model bug (see
// TestE2EGracefulCloseLargeWrites).
const e2eMaxWrite = 60000

// e2eGenGraceful draws a graceful-close case under loss, duplication and
// reordering.
func e2eGenGraceful(t *rapid.T) e2eCase {
	return e2eCase{
		Seed:       rapid.Uint64().Draw(t, "seed"),
		Profile:    rapid.SampledFrom(spec.ProfileNames()).Draw(t, "profile"),
		Shape:      rapid.IntRange(0, numShapes-1).Draw(t, "shape"),
		WriteA:     rapid.Int64Range(0, e2eMaxWrite).Draw(t, "writeA"),
		WriteB:     rapid.Int64Range(0, e2eMaxWrite).Draw(t, "writeB"),
		DelayMs:    rapid.IntRange(1, 200).Draw(t, "delayMs"),
		AsymMs:     rapid.IntRange(0, 100).Draw(t, "asymMs"),
		JitterMs:   rapid.IntRange(0, 50).Draw(t, "jitterMs"),
		LossPct:    rapid.IntRange(0, 30).Draw(t, "lossPct"),
		DupPct:     rapid.IntRange(0, 30).Draw(t, "dupPct"),
		ReorderPct: rapid.IntRange(0, 30).Draw(t, "reorderPct"),
		Overrides:  e2eFairLoss(),
	}
}

// TestE2EGracefulCloseRapid: under loss (fair: at most three in a row),
// duplication and reordering, a graceful close delivers every octet in
// both directions exactly once and in order before EOF, tells both
// applications the peer closed normally, and brings both sides to CLOSED
// in bounded virtual time. R9293-CLOSE-RELIABLE, R9293-MUST12,
// R1122-INFORM, R9293-MUST13.
func TestE2EGracefulCloseRapid(t *testing.T) { e2eGracefulProp().Rapid(t) }

// e2eGracefulProp is the graceful-close property (check.CheckGraceful).
func e2eGracefulProp() e2eProp[e2eCase] {
	return e2eProp[e2eCase]{name: "graceful close is reliable and reported normal",
		rapid: e2eGenGraceful, gopter: e2eGopterGraceful(), check: e2eCheckGraceful}
}

// e2eGopterGraceful generates the same cases for gopter.
func e2eGopterGraceful() gopter.Gen {
	return gopter.CombineGens(
		gen.UInt64(),
		gen.OneConstOf(toAny(spec.ProfileNames())...),
		gen.IntRange(0, numShapes-1),
		gen.Int64Range(0, e2eMaxWrite),
		gen.Int64Range(0, e2eMaxWrite),
		gen.IntRange(1, 200),
		gen.IntRange(0, 100),
		gen.IntRange(0, 50),
		gen.IntRange(0, 30),
		gen.IntRange(0, 30),
		gen.IntRange(0, 30),
	).Map(func(v []any) e2eCase {
		return e2eCase{
			Seed: v[0].(uint64), Profile: v[1].(string), Shape: v[2].(int),
			WriteA: v[3].(int64), WriteB: v[4].(int64),
			DelayMs: v[5].(int), AsymMs: v[6].(int), JitterMs: v[7].(int),
			LossPct: v[8].(int), DupPct: v[9].(int), ReorderPct: v[10].(int),
			Overrides: e2eFairLoss(),
		}
	})
}

func toAny[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// e2eGopterParams are gopter's parameters with a printed seed
// (TCPCLOSE_SEED reproduces a run).
func e2eGopterParams(t *testing.T, n int) *gopter.TestParameters {
	seed := e2eSeed()
	t.Logf("gopter seed %d (TCPCLOSE_SEED=%d reproduces this run)", seed, seed)
	p := gopter.DefaultTestParametersWithSeed(int64(seed))
	p.MinSuccessfulTests = n
	return p
}

// TestE2EGracefulCloseGopter is TestE2EGracefulCloseRapid driven by gopter.
// R9293-CLOSE-RELIABLE, R9293-MUST12, R9293-MUST13.
func TestE2EGracefulCloseGopter(t *testing.T) { e2eGracefulProp().Gopter(t, 100) }

// e2eGopterPlus generates a graceful-close case (e2eGopterGraceful) and one
// more value from extra, and builds a property's case from the two.
func e2eGopterPlus[X, C any](extra gopter.Gen, mk func(base e2eCase, x X) C) gopter.Gen {
	return gopter.CombineGens(e2eGopterGraceful(), extra).Map(func(v []any) C {
		return mk(v[0].(e2eCase), v[1].(X))
	})
}

// e2eDrawLossy draws a graceful-close case on a bad network: 20% loss
// (fair: at most three in a row), 20% duplication, 20% reordering.
func e2eDrawLossy(r *rand.Rand) e2eCase {
	names := spec.ProfileNames()
	return e2eCase{
		Seed: r.Uint64(), Profile: names[r.IntN(len(names))], Shape: r.IntN(numShapes),
		WriteA: r.Int64N(e2eMaxWrite + 1), WriteB: r.Int64N(e2eMaxWrite + 1),
		DelayMs: 1 + r.IntN(200), AsymMs: r.IntN(100), JitterMs: r.IntN(51),
		LossPct: 20, DupPct: 20, ReorderPct: 20,
		Overrides: e2eFairLoss(),
	}
}

// TestE2ELongCounters runs many graceful closes on a bad network and
// counts what must be zero: octets lost, octets duplicated, wrong notices
// (reset, refused, timeout, a second peer-closed, a failed call), missing
// EOFs, EOFs before the last octet, connections not CLOSED, ghosts. It
// prints the counters and the rate. 2,000 closes by default;
// TCPCLOSE_LONG=1 runs 100,000. TCPCLOSE_SEED fixes the seed.
// R9293-CLOSE-RELIABLE, R9293-MUST12, R1122-INFORM.
func TestE2ELongCounters(t *testing.T) {
	n := 2000
	if e2eLong() {
		n = 100000
	}
	seed := e2eSeed()
	t.Logf("seed %d (TCPCLOSE_SEED=%d reproduces this run), %d closes", seed, seed, n)
	rng := rand.New(rand.NewPCG(seed, 1))
	var total check.GracefulCounts
	var steps, ghosts, assassinations, warnings, segs, lost, dups, reorders int
	var virtual spec.Time
	var bad []e2eCase
	start := time.Now()
	for i := 0; i < n; i++ {
		c := e2eDrawLossy(rng)
		cfg, err := c.config()
		if err != nil {
			t.Fatal(err)
		}
		cfg.NoTrace = true
		res, err := e2eRun(cfg)
		if err != nil {
			t.Fatalf("case %v: %v", c, err)
		}
		k, why := check.CountGraceful(c.graceful(), res)
		total.Written += k.Written
		total.Read += k.Read
		total.Lost += k.Lost
		total.Duplicated += k.Duplicated
		total.WrongNotices += k.WrongNotices
		total.MissingNotices += k.MissingNotices
		total.EarlyEOF += k.EarlyEOF
		total.NotClosed += k.NotClosed
		g := len(res.Ghosts())
		ghosts += g
		assassinations += len(res.Assassinations())
		if len(why) > 0 || g > 0 {
			bad = append(bad, c)
		}
		for s := sim.A; s <= sim.B; s++ {
			for _, ss := range res.Sides[s].Sessions {
				warnings += ss.Count(spec.NoticeDeliveryProblem)
			}
		}
		steps += res.Steps
		segs += res.Net.Sent
		lost += res.Net.Lost
		dups += res.Net.Duplicated
		reorders += res.Net.Reordered
		virtual += res.End
	}
	el := time.Since(start)
	t.Logf("closes %d in %s: %.0f closes/s, %.0f host steps/s, %s of virtual time",
		n, el.Round(time.Millisecond), float64(n)/el.Seconds(), float64(steps)/el.Seconds(), time.Duration(virtual).Round(time.Second))
	t.Logf("network: %d segments, %d lost, %d duplicated, %d reordered", segs, lost, dups, reorders)
	t.Logf("octets written %d, read %d; lost %d, duplicated %d (must be 0)", total.Written, total.Read, total.Lost, total.Duplicated)
	t.Logf("wrong notices %d, missing EOF %d, EOF before the last octet %d, not CLOSED %d, ghosts %d (must be 0)",
		total.WrongNotices, total.MissingNotices, total.EarlyEOF, total.NotClosed, ghosts)
	t.Logf("for information: delivery-problem warnings (R1) %d, TIME-WAIT assassinations %d", warnings, assassinations)
	if len(bad) > 0 {
		for i, c := range bad[:min(len(bad), 5)] {
			t.Errorf("bad close %d of %d: %v", i+1, len(bad), c)
		}
		cfg, _ := bad[0].config()
		res, _ := e2eRun(cfg)
		t.Errorf("first bad close, run again with its trace: %v\n%s", e2eCheckGraceful(bad[0], res), e2eReport(res))
	}
}
