package props_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/tcpclose/tcpclose/check"
	"github.com/tcpclose/tcpclose/sim"
	"github.com/tcpclose/tcpclose/spec"
	"pgregory.net/rapid"
)

// e2eGhost is a reuse case: the client sends W1 octets, the server reads
// them and closes first (so the server holds TIME-WAIT), the client
// closes, then reconnects from the same port (same 4-tuple) at
// ReconnectMs, waits PreWriteMs and sends W2 octets. The network copies
// some of the first connection's client segments and delivers the copies
// late: ghosts of the old incarnation.
type e2eGhost struct {
	Seed        uint64
	Profile     string
	Overrides   []string
	W1, W2      int64
	DelayMs     int
	ReconnectMs int
	PreWriteMs  int
	Ghosts      []e2eGhostSeg
}

// e2eGhostSeg duplicates the client's Nth segment, the copy arriving
// DelayMs after the original.
type e2eGhostSeg struct{ Nth, DelayMs int }

func (g e2eGhost) String() string {
	return fmt.Sprintf("seed=%d profile=%s overrides=%v w=%d/%d delay=%dms reconnect=%dms prewrite=%dms ghosts=%v",
		g.Seed, g.Profile, g.Overrides, g.W1, g.W2, g.DelayMs, g.ReconnectMs, g.PreWriteMs, g.Ghosts)
}

// config builds the run. MSL is half the profile's own TimeWait, before
// overrides: TIME-WAIT is honoured when TimeWait = 2×MSL.
func (g e2eGhost) config() (sim.Config, error) {
	c := e2eCase{Seed: g.Seed, Profile: g.Profile, DelayMs: g.DelayMs, Overrides: g.Overrides}
	p, err := c.profile()
	if err != nil {
		return sim.Config{}, err
	}
	msl := spec.MustProfile(g.Profile).TimeWait / 2
	var fs sim.Faults
	for _, x := range g.Ghosts {
		fs = append(fs, sim.Fault{Side: sim.A, Nth: x.Nth, Any: true, Action: sim.FaultDup, D: time.Duration(x.DelayMs) * time.Millisecond})
	}
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	return sim.Config{
		Seed:     g.Seed,
		Profiles: [2]spec.Profile{p, p},
		Net:      sim.Symmetric(sim.Link{Delay: ms(g.DelayMs)}, msl),
		Faults:   fs,
		Programs: [2]sim.Program{
			{sim.Connect(), sim.Write(g.W1), sim.ReadEOF(), sim.Close(),
				sim.ConnectRetry(1000, 5*time.Millisecond).At(ms(g.ReconnectMs)), sim.Wait(ms(g.PreWriteMs)),
				sim.Write(g.W2), sim.Shutdown(), sim.ReadEOF(), sim.Close()},
			{sim.Listen(), sim.Accept(), sim.Read(g.W1), sim.Close(), sim.Accept(), sim.ReadEOF(), sim.Close()},
		},
		Until: 2 * time.Hour,
		// A ghost taken as data can desynchronize the two ends into an
		// endless exchange of ACKs (RFC 1337 hazard H2, where ACKs are
		// not throttled); the budget ends such runs.
		MaxSteps: 20000,
	}, nil
}

// e2eCheckNoGhost: no segment of an old incarnation is accepted by a new
// one, and no RST ends TIME-WAIT early (R1337-TWA, R1337-F1,
// R9293-MUST13, R1122-TIMEWAIT).
func e2eCheckNoGhost(g e2eGhost, res *sim.Result) error {
	return e2eWhy(g, check.CheckNoGhost(res))
}

// e2eHonoured are the overrides under which TIME-WAIT is honoured: it
// lasts 2×MSL (the profile's own TimeWait, with MSL set to half of it) and
// no RST ends it (RFC 1337 F1).
func e2eHonoured() []string { return []string{"TimeWaitRST=ignored"} }

func e2eGenGhost(t *rapid.T) e2eGhost {
	g := e2eGhost{
		Seed:        rapid.Uint64().Draw(t, "seed"),
		Profile:     rapid.SampledFrom(spec.ProfileNames()).Draw(t, "profile"),
		W1:          rapid.Int64Range(1, e2eMaxWrite).Draw(t, "w1"),
		W2:          rapid.Int64Range(1, e2eMaxWrite).Draw(t, "w2"),
		DelayMs:     rapid.IntRange(1, 20).Draw(t, "delayMs"),
		ReconnectMs: rapid.IntRange(0, 200).Draw(t, "reconnectMs"),
		PreWriteMs:  rapid.IntRange(0, 100).Draw(t, "preWriteMs"),
	}
	ts := rapid.Bool().Draw(t, "timestamps")
	g.Overrides = append(e2eHonoured(), fmt.Sprintf("Timestamps=%v", ts))
	msl := int(spec.MustProfile(g.Profile).TimeWait / time.Millisecond / 2)
	n := rapid.IntRange(1, 4).Draw(t, "ghosts")
	for i := 0; i < n; i++ {
		d := rapid.IntRange(1, 300).Draw(t, "ghostDelayMs")
		if rapid.Bool().Draw(t, "oldGhost") { // up to just past MSL
			d = rapid.IntRange(msl/2, msl+msl/10).Draw(t, "oldGhostDelayMs")
		}
		g.Ghosts = append(g.Ghosts, e2eGhostSeg{Nth: rapid.IntRange(3, 3+int(g.W1/1460)).Draw(t, "ghostNth"), DelayMs: d})
	}
	return g
}

// TestE2EGhostTimeWaitHonouredRapid: with TIME-WAIT honoured (2×MSL, RSTs
// ignored) and the network's MSL bound, no segment of an old incarnation
// is ever accepted by a new incarnation on the same 4-tuple, however the
// old segments are delayed and whenever the client reconnects.
// R9293-MUST13, R1122-TIMEWAIT, R1337-F1, R1337-TWA.
func TestE2EGhostTimeWaitHonouredRapid(t *testing.T) {
	e2eProp[e2eGhost]{rapid: e2eGenGhost, check: e2eCheckNoGhost}.Rapid(t)
}

// e2eDrawGhost draws a small reuse case for the hazard searches: quick
// reuse, ghosts delayed by up to 150 ms.
func e2eDrawGhost(r *rand.Rand, overrides ...string) e2eGhost {
	g := e2eGhost{
		Seed: r.Uint64(), Profile: "rfc9293", Overrides: overrides,
		W1: 2000 + r.Int64N(28000), W2: 2000 + r.Int64N(28000),
		DelayMs: 1 + r.IntN(3), ReconnectMs: r.IntN(80), PreWriteMs: r.IntN(60),
	}
	for i, n := 0, 2+r.IntN(2); i < n; i++ {
		g.Ghosts = append(g.Ghosts, e2eGhostSeg{Nth: 3 + r.IntN(1+int(g.W1/1460)), DelayMs: 1 + r.IntN(150)})
	}
	return g
}

// TestE2EGhostTimeWaitZero breaks MUST-13 on purpose: without TIME-WAIT
// (TimeWait=0) and without timestamps, the simulator finds an old segment
// whose octets a new incarnation delivers as its own, and prints the
// trace. The same case with TIME-WAIT honoured is clean. R9293-MUST13,
// R1122-TIMEWAIT.
func TestE2EGhostTimeWaitZero(t *testing.T) {
	draw := func(r *rand.Rand) e2eGhost { return e2eDrawGhost(r, "TimeWait=0", "Timestamps=false") }
	g, res, err := e2eSearch(t, 2000, draw, e2eGhost.config, e2eCheckNoGhost)
	if res == nil {
		t.Fatal("TimeWait=0 let no ghost through in 2000 runs: the property cannot fail")
	}
	if len(res.Ghosts()) == 0 {
		t.Fatalf("want a ghost, got: %v", err)
	}
	t.Logf("counterexample (as expected with TimeWait=0): %v\n%s", err, e2eLadder(res, 40))
	g.Overrides = append(e2eHonoured(), "Timestamps=false")
	cfg, _ := g.config()
	if res2, _ := e2eRun(cfg); e2eCheckNoGhost(g, res2) != nil {
		t.Errorf("the same case with TIME-WAIT honoured lets a ghost through:\n%s", e2eReport(res2))
	}
}

// TestE2EGhostAssassination: RFC 1337's TIME-WAIT assassination. With RSTs
// allowed to end TIME-WAIT (TimeWaitRST=closes, RFC 9293's rule) and no
// timestamps, the simulator finds a run where an old duplicate draws an
// ACK from TIME-WAIT, the client's RST answer ends TIME-WAIT, the client
// reconnects and another old duplicate is delivered as new data (hazard
// H1), and prints the trace. With TimeWaitRST=ignored (RFC 1337 F1) the
// same case is clean. R1337-TWA, R1337-F1, AMB-TW-RST.
func TestE2EGhostAssassination(t *testing.T) {
	draw := func(r *rand.Rand) e2eGhost { return e2eDrawGhost(r, "TimeWaitRST=closes", "Timestamps=false") }
	both := func(g e2eGhost, res *sim.Result) error {
		if len(res.Assassinations()) > 0 && len(res.Ghosts()) > 0 {
			return e2eCheckNoGhost(g, res)
		}
		return nil
	}
	g, res, err := e2eSearch(t, 5000, draw, e2eGhost.config, both)
	if res == nil {
		t.Fatal("no assassination followed by a ghost in 5000 runs with TimeWaitRST=closes: the property cannot fail")
	}
	t.Logf("counterexample (as expected with TimeWaitRST=closes): %v\n%s", err, e2eLadder(res, 40))
	g.Overrides = []string{"TimeWaitRST=ignored", "Timestamps=false"}
	cfg, _ := g.config()
	res2, _ := e2eRun(cfg)
	if err := e2eCheckNoGhost(g, res2); err != nil {
		t.Errorf("the same case with TimeWaitRST=ignored is not clean: %v\n%s", err, e2eReport(res2))
	}
}
