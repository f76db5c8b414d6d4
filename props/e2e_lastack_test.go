package props_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/leanovate/gopter/gen"
	"github.com/tcpclose/tcpclose/check"
	"github.com/tcpclose/tcpclose/sim"
	"github.com/tcpclose/tcpclose/spec"
	"pgregory.net/rapid"
)

// e2eLostAck is a lost-final-ACK case: the client writes, half-closes and
// reads to EOF; the server reads to EOF, half-closes and closes once the
// connection has ended. The client's ACK of the server's FIN is lost Drops
// times in a row (the first one and the re-ACKs of retransmitted FINs).
type e2eLostAck struct {
	e2eCase
	Drops int
}

func (c e2eLostAck) String() string { return fmt.Sprintf("%v drops=%d", c.e2eCase, c.Drops) }

func (c e2eLostAck) config() (sim.Config, error) {
	cfg, err := c.e2eCase.config()
	if err != nil {
		return cfg, err
	}
	cfg.Programs = [2]sim.Program{
		{sim.Connect(), sim.Write(c.WriteA), sim.Shutdown(), sim.ReadEOF(), sim.Close()},
		{sim.Listen(), sim.Accept(), sim.ReadEOF(), sim.Shutdown(), sim.Close().AfterEnd()},
	}
	// Find the client's ACKs of the server's FIN by running: a run is
	// deterministic, so a fault on the Nth ACK changes nothing before it.
	// Each round drops the next ACK of the FIN that the last round saw.
	for i := 0; i < c.Drops; i++ {
		res, err := e2eRun(cfg)
		if err != nil {
			return cfg, err
		}
		nth, ok := e2eNextFinAck(res, cfg.Faults)
		if !ok {
			break
		}
		cfg.Faults = append(cfg.Faults, sim.Fault{Side: sim.A, Nth: nth, Flags: spec.ACK, Action: sim.FaultDrop})
	}
	return cfg, nil
}

// e2eNextFinAck finds the first segment of the client, flags exactly ACK,
// acknowledging the server's FIN, that no fault already drops; it returns
// its number among the client's ACK-only segments.
func e2eNextFinAck(res *sim.Result, done sim.Faults) (int, bool) {
	var finEnd spec.Seq
	fin := false
	n := 0
	for _, r := range res.Trace.Records {
		if r.Kind != sim.RecSend {
			continue
		}
		if r.Side == sim.B && r.Seg.Flags&spec.FIN != 0 {
			finEnd, fin = r.Seg.End(), true
		}
		if r.Side != sim.A || r.Seg.Flags != spec.ACK {
			continue
		}
		n++
		if fin && r.Seg.Ack == finEnd && (len(done) == 0 || n > done[len(done)-1].Nth) {
			return n, true
		}
	}
	return 0, false
}

// e2eCheckLostAck: the passive closer still ends normally: its FIN is
// retransmitted, TIME-WAIT acknowledges it again, and its application is
// told close-done, never reset (R9293-MUST13, AMB-TW-FIN,
// R9293-SEG-FIN-TW, R9293-MUST12).
func e2eCheckLostAck(c e2eLostAck, res *sim.Result) error {
	var why []string
	// The faults must have hit the ACKs of the server's FIN.
	var finEnd spec.Seq
	for _, r := range res.Trace.Records {
		if r.Kind == sim.RecSend && r.Side == sim.B && r.Seg.Flags&spec.FIN != 0 {
			finEnd = r.Seg.End()
		}
	}
	drops := res.Trace.Filter(func(r *sim.Record) bool { return r.Kind == sim.RecDrop })
	if len(drops) != c.Drops {
		why = append(why, fmt.Sprintf("generator: %d segments dropped, want %d", len(drops), c.Drops))
	}
	for _, d := range drops {
		if d.Seg.Flags != spec.ACK || d.Seg.Ack != finEnd || d.Side != sim.A {
			why = append(why, fmt.Sprintf("generator: dropped %v, not an ACK of the server's FIN", d))
		}
	}
	for s := sim.A; s <= sim.B; s++ {
		for _, x := range check.WrongNotices(&res.Sides[s]) {
			why = append(why, x+" (R9293-MUST12)")
		}
	}
	if est := res.Sides[sim.B].Established(); len(est) != 1 || !est[0].Told(spec.NoticeCloseDone) {
		why = append(why, "the server was not told its close completed")
	}
	if res.Reason != sim.EndClosed {
		why = append(why, fmt.Sprintf("run ended %s", res.Reason))
	}
	return e2eWhy(c, why)
}

func e2eGenLostAck(t *rapid.T) e2eLostAck {
	return e2eLostAck{
		e2eCase: e2eCase{
			Seed:     rapid.Uint64().Draw(t, "seed"),
			Profile:  rapid.SampledFrom(spec.ProfileNames()).Draw(t, "profile"),
			WriteA:   rapid.Int64Range(0, e2eMaxWrite).Draw(t, "writeA"),
			DelayMs:  rapid.IntRange(1, 300).Draw(t, "delayMs"),
			AsymMs:   rapid.IntRange(0, 100).Draw(t, "asymMs"),
			JitterMs: rapid.IntRange(0, 50).Draw(t, "jitterMs"),
		},
		Drops: rapid.IntRange(1, 3).Draw(t, "drops"),
	}
}

// TestE2ELostFinalAckRapid: when the active closer's last ACK is lost, the
// passive closer still ends normally because TIME-WAIT acknowledges its
// retransmitted FIN. R9293-MUST13, AMB-TW-FIN, R9293-SEG-FIN-TW,
// R9293-MUST12.
func TestE2ELostFinalAckRapid(t *testing.T) { e2eLostAckProp().Rapid(t) }

// e2eLostAckProp is the lost-final-ACK property (e2eCheckLostAck).
func e2eLostAckProp() e2eProp[e2eLostAck] {
	return e2eProp[e2eLostAck]{name: "TIME-WAIT re-acknowledges a retransmitted FIN", rapid: e2eGenLostAck,
		gopter: e2eGopterPlus(gen.IntRange(1, 3), func(base e2eCase, drops int) e2eLostAck {
			base.LossPct, base.DupPct, base.ReorderPct, base.Overrides = 0, 0, 0, nil
			return e2eLostAck{e2eCase: base, Drops: drops}
		}),
		check: e2eCheckLostAck}
}

// TestE2ELostFinalAckGopter is the lost-final-ACK property driven by
// gopter. R9293-MUST13, AMB-TW-FIN.
func TestE2ELostFinalAckGopter(t *testing.T) { e2eLostAckProp().Gopter(t, 100) }

// e2eLadder renders the records that matter on a ladder: segments, state
// changes, notices, hazards and the end (calls and results left out). With
// after > 0 it stops that many records after the last hazard.
func e2eLadder(res *sim.Result, after int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# seed %d\n", res.Seed)
	last := -1
	for i, r := range res.Trace.Records {
		if r.Kind == sim.RecHazard {
			last = i
		}
	}
	shown := 0
	for i, r := range res.Trace.Records {
		switch r.Kind {
		case sim.RecCall, sim.RecResult:
			continue
		}
		if after > 0 && last >= 0 && i > last {
			if shown == after {
				fmt.Fprintf(&b, "... %d more records (%s at %s)\n", len(res.Trace.Records)-i, res.Reason, res.End)
				break
			}
			shown++
		}
		b.WriteString(r.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// e2eSearch draws up to n cases from a seeded generator and returns the
// first whose run the check rejects, with its result. The seed is logged.
func e2eSearch[C fmt.Stringer](t *testing.T, n int, draw func(*rand.Rand) C, cfgOf func(C) (sim.Config, error), check func(C, *sim.Result) error) (C, *sim.Result, error) {
	t.Helper()
	seed := e2eSeed()
	t.Logf("search seed %d (TCPCLOSE_SEED=%d reproduces it)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	var zero C
	for i := 0; i < n; i++ {
		c := draw(rng)
		cfg, err := cfgOf(c)
		res := e2eMustRun(t, cfg, err)
		if err := check(c, res); err != nil {
			return c, res, err
		}
	}
	return zero, nil, nil
}

// TestE2ELostFinalAckTimeWaitZero breaks MUST-13 on purpose: with TimeWait
// set to 0 the active closer forgets the connection at once, its peer's
// retransmitted FIN draws a RST, and the passive side reports a reset. The
// simulator must find this counterexample; the test prints its trace.
// R9293-MUST13, AMB-TW-FIN, R9293-MUST12.
func TestE2ELostFinalAckTimeWaitZero(t *testing.T) {
	draw := func(r *rand.Rand) e2eLostAck {
		return e2eLostAck{e2eCase: e2eCase{
			Seed: r.Uint64(), Profile: spec.ProfileNames()[r.IntN(len(spec.ProfileNames()))],
			WriteA: int64(r.IntN(1000)), DelayMs: 1 + r.IntN(100), Overrides: []string{"TimeWait=0"},
		}, Drops: 1}
	}
	c, res, err := e2eSearch(t, 200, draw, e2eLostAck.config, e2eCheckLostAck)
	if res == nil {
		t.Fatal("TimeWait=0 broke nothing in 200 lost-final-ACK runs: the property cannot fail")
	}
	if !strings.Contains(err.Error(), "reset") {
		t.Fatalf("want the passive closer reset, got: %v", err)
	}
	t.Logf("counterexample (as expected with TimeWait=0): %v\n%s", err, e2eLadder(res, 0))
	// The same case with TIME-WAIT honoured passes.
	c.Overrides = nil
	cfg, _ := c.config()
	if res2, _ := e2eRun(cfg); e2eCheckLostAck(c, res2) != nil {
		t.Errorf("the same case with TIME-WAIT fails too:\n%s", e2eReport(res2))
	}
}
