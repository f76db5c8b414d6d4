package props_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/tcpclose/tcpclose/check"
	"github.com/tcpclose/tcpclose/sim"
	"github.com/tcpclose/tcpclose/spec"
)

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
