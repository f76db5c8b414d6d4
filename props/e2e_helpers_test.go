package props_test

// Helpers of the end-to-end properties (props/e2e_*_test.go): generated
// cases, the simulator configuration they stand for, and the checks shared
// by the rapid and gopter versions of each property.

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tcpclose/tcpclose/check"
	"github.com/tcpclose/tcpclose/sim"
	"github.com/tcpclose/tcpclose/spec"
)

// e2eCase is one generated run: a seed, a profile, the applications'
// script shape and sizes, and the network.
type e2eCase struct {
	Seed    uint64
	Profile string
	// Shape picks the applications (see e2eScripts).
	Shape          int
	WriteA, WriteB int64
	DelayMs        int // one-way delay A->B; B->A is DelayMs+AsymMs
	AsymMs         int
	JitterMs       int
	LossPct        int
	DupPct         int
	ReorderPct     int
	// Overrides are profile settings applied to both sides.
	Overrides []string
}

func (c e2eCase) String() string {
	return fmt.Sprintf("seed=%d profile=%s shape=%d write=%d/%d delay=%d+%dms jitter=%dms loss=%d%% dup=%d%% reorder=%d%% overrides=%v",
		c.Seed, c.Profile, c.Shape, c.WriteA, c.WriteB, c.DelayMs, c.AsymMs, c.JitterMs, c.LossPct, c.DupPct, c.ReorderPct, c.Overrides)
}

// Script shapes of the graceful-close cases. Every shape reads everything
// the peer sends before closing, so every close is a normal one.
const (
	// Both sides write, half-close, read to EOF, close (the FINs may
	// cross).
	shapeBothHalfClose = iota
	// The client writes and half-closes; the server reads to EOF, then
	// writes its reply into the half-open connection and closes.
	shapeReplyAfterEOF
	// Request and reply: the client closes first after reading the reply,
	// without waiting for EOF (its socket is gone when the FIN arrives).
	shapeRequestReply
	numShapes
)

func e2eScripts(shape int, a, b int64) [2]sim.Program {
	switch shape {
	case shapeReplyAfterEOF:
		return [2]sim.Program{
			{sim.Connect(), sim.Write(a), sim.Shutdown(), sim.ReadEOF(), sim.Close()},
			{sim.Listen(), sim.Accept(), sim.ReadEOF(), sim.Write(b), sim.Close()},
		}
	case shapeRequestReply:
		return [2]sim.Program{
			{sim.Connect(), sim.Write(a), sim.Read(b), sim.Close()},
			{sim.Listen(), sim.Accept(), sim.Read(a), sim.Write(b), sim.ReadEOF(), sim.Close()},
		}
	}
	return [2]sim.Program{
		{sim.Connect(), sim.Write(a), sim.Shutdown(), sim.ReadEOF(), sim.Close()},
		{sim.Listen(), sim.Accept(), sim.Write(b), sim.Shutdown(), sim.ReadEOF(), sim.Close()},
	}
}

// e2eFairLoss are the overrides that make loss fair in the sense the
// closing properties assume: no side gives up (R2 and SynR2 infinite), so
// that, with the network's bound on consecutive losses, every segment gets
// through in the end. FinWait2Timeout=0 removes the FIN-WAIT-2 timer that
// some profiles add (AMB-FW2-TIMER): the timer trades MUST-12 for memory
// and is checked by its own scenario, not by the graceful property.
// ClosingChecksFirst=false removes gVisor's closing-state receive checks
// (AMB-CLOSING-RCV): netstack's handleRcvdSegmentClosing aborts a closed-for-
// reading connection on any segment whose sequence number lies beyond
// RCV.NXT, a pure ACK included, so under loss (the peer's FIN lost, its
// next ACK arriving) a graceful close there can end in RST. That hazard is
// the stack's, pinned by scenarios/gvisor/closing-pure-ack-beyond-rst.pkt;
// the graceful properties check the RFC's promise. AckCarriesFIN=false
// likewise: where every ACK resends an outstanding FIN (FreeBSD's
// tcp_output, AMB-ACK-FIN), two sides in FIN-WAIT-1 with holes in both
// directions answer each other's out-of-order FIN,ACK with a FIN,ACK at
// every round trip, and the network's duplication (up to 30% here)
// multiplies them each round until the run's step budget is spent before
// the retransmissions fill the holes (gopter seed 1796704416972451954).
func e2eFairLoss() []string {
	return []string{"R2=-1", "SynR2=-1", "FinWait2Timeout=0", "ClosingChecksFirst=false", "AckCarriesFIN=false"}
}

// e2eMaxLossRun bounds consecutive random losses per direction.
const e2eMaxLossRun = 3

// e2eUntil bounds a run in virtual time: 6 h, or 200 maximal
// retransmission timeouts where a profile backs off further (lwip's RTOMax
// is 384 s, and the model keeps a backed-off RTO until a new RTT sample, RFC
// 6298 §5.7, so a long transfer under heavy loss needs more than 6 h).
func e2eUntil(p spec.Profile) time.Duration {
	return max(6*time.Hour, 200*p.RTOMax)
}

func (c e2eCase) link(extraMs int) sim.Link {
	return sim.Link{
		Delay:      time.Duration(c.DelayMs+extraMs) * time.Millisecond,
		Jitter:     time.Duration(c.JitterMs) * time.Millisecond,
		Loss:       float64(c.LossPct) / 100,
		Dup:        float64(c.DupPct) / 100,
		Reorder:    float64(c.ReorderPct) / 100,
		MaxLossRun: e2eMaxLossRun,
	}
}

// profile returns c's profile with its overrides.
func (c e2eCase) profile() (spec.Profile, error) {
	p, err := spec.LookupProfile(c.Profile)
	if err != nil {
		return p, err
	}
	for _, kv := range c.Overrides {
		k, v, _ := strings.Cut(kv, "=")
		if err := p.SetField(k, v); err != nil {
			return p, fmt.Errorf("case %v: %w", c, err)
		}
	}
	return p, nil
}

// config is the simulator configuration of a graceful-close case.
func (c e2eCase) config() (sim.Config, error) {
	p, err := c.profile()
	if err != nil {
		return sim.Config{}, err
	}
	return sim.Config{
		Seed:     c.Seed,
		Profiles: [2]spec.Profile{p, p},
		Net:      sim.Network{Links: [2]sim.Link{c.link(0), c.link(c.AsymMs)}},
		Programs: e2eScripts(c.Shape, c.WriteA, c.WriteB),
		Until:    e2eUntil(p),
	}, nil
}

func e2eRun(cfg sim.Config) (*sim.Result, error) {
	res, err := sim.Run(cfg)
	if err != nil {
		return nil, fmt.Errorf("seed %d: %w", cfg.Seed, err)
	}
	return res, nil
}

// e2eMustRun runs cfg and stops the test if it fails; cfgErr is the error
// of building cfg, which stops the test first.
func e2eMustRun(t testing.TB, cfg sim.Config, cfgErr error) *sim.Result {
	t.Helper()
	if cfgErr != nil {
		t.Fatal(cfgErr)
	}
	res, err := e2eRun(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// e2eReport is what a failing property prints: the seed, the outcome and
// the trace (its head and tail; TCPCLOSE_TRACE=1 prints all of it).
func e2eReport(res *sim.Result) string {
	if res == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(res.Summary())
	if res.Trace == nil {
		return b.String()
	}
	lines := strings.Split(strings.TrimRight(res.Trace.String(), "\n"), "\n")
	const keep = 150
	if len(lines) > 2*keep && os.Getenv("TCPCLOSE_TRACE") != "1" {
		head, tail := lines[:keep], lines[len(lines)-keep:]
		lines = append(append(head, fmt.Sprintf("... %d records left out (TCPCLOSE_TRACE=1 prints them) ...", len(lines)-2*keep)), tail...)
	}
	b.WriteString(strings.Join(lines, "\n"))
	b.WriteByte('\n')
	return b.String()
}

// e2eSeed returns the master seed of a loop of random runs: TCPCLOSE_SEED
// if set, otherwise the clock. Callers print it.
func e2eSeed() uint64 {
	if s := os.Getenv("TCPCLOSE_SEED"); s != "" {
		var v uint64
		if _, err := fmt.Sscan(s, &v); err == nil {
			return v
		}
	}
	return uint64(time.Now().UnixNano())
}

func e2eLong() bool { return os.Getenv("TCPCLOSE_LONG") == "1" }

// ---- facts drawn from a result ------------------------------------------

// graceful is what a graceful-close run of c must show (check.Graceful);
// the profile is filled in by e2eCheckGraceful.
func (c e2eCase) graceful() check.Graceful {
	return check.Graceful{
		Write: [2]int64{c.WriteA, c.WriteB},
		// A request-reply client closes without reading to EOF.
		Reads:        [2]bool{c.Shape != shapeRequestReply, true},
		NeedTimeWait: true,
	}
}

// e2eCheckGraceful checks a graceful close (check.CheckGraceful).
func e2eCheckGraceful(c e2eCase, res *sim.Result) error {
	p, err := c.profile()
	if err != nil {
		return err
	}
	g := c.graceful()
	g.Profile = p
	return e2eWhy(c, check.CheckGraceful(g, res))
}

// e2eWhy is nil without reasons, else one error naming the case and
// listing them.
func e2eWhy(c fmt.Stringer, why []string) error {
	if len(why) == 0 {
		return nil
	}
	return fmt.Errorf("case %v:\n  %s", c, strings.Join(why, "\n  "))
}
