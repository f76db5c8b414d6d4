package props_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/tcpclose/tcpclose/check"
	"github.com/tcpclose/tcpclose/sim"
	"github.com/tcpclose/tcpclose/spec"
	"pgregory.net/rapid"
)

// e2eSimClose is a simultaneous-close case: both sides exchange data, then
// half-close at nearly the same time, close enough that each FIN leaves
// before the other arrives (|OffsetMs| below the one-way delays).
type e2eSimClose struct {
	e2eCase
	OffsetMs int // the server closes OffsetMs after the client
}

func (c e2eSimClose) String() string { return fmt.Sprintf("%v offset=%dms", c.e2eCase, c.OffsetMs) }

const e2eSimCloseAt = 10 * time.Second

func (c e2eSimClose) config() (sim.Config, error) {
	cfg, err := c.e2eCase.config()
	if err != nil {
		return cfg, err
	}
	ta := e2eSimCloseAt
	tb := ta + time.Duration(c.OffsetMs)*time.Millisecond
	cfg.Programs = [2]sim.Program{
		{sim.Connect(), sim.Write(c.WriteA), sim.Read(c.WriteB), sim.Shutdown().At(ta), sim.ReadEOF(), sim.Close()},
		{sim.Listen(), sim.Accept(), sim.Write(c.WriteB), sim.Read(c.WriteA), sim.Shutdown().At(tb), sim.ReadEOF(), sim.Close()},
	}
	return cfg, nil
}

// e2eCheckSimClose: both sides pass CLOSING on their way to TIME-WAIT,
// and the close is otherwise graceful (R9293-CLOSE-SIMULTANEOUS,
// R9293-SEG-ACK-CLOSING, R9293-MUST13, R9293-MUST12).
func e2eCheckSimClose(c e2eSimClose, res *sim.Result) error {
	var why []string
	g := c.e2eCase
	g.Shape = shapeBothHalfClose
	if err := e2eCheckGraceful(g, res); err != nil {
		why = append(why, err.Error())
	}
	for s := sim.A; s <= sim.B; s++ {
		closing := check.Spans(res, spec.Closing)
		ok := false
		for _, sp := range closing {
			if sp.Side == s {
				ok = true
			}
		}
		if !ok {
			why = append(why, fmt.Sprintf("%s never entered CLOSING (R9293-CLOSE-SIMULTANEOUS)", s))
		}
		to := res.Trace.Filter(func(r *sim.Record) bool {
			return r.Kind == sim.RecState && r.Side == s && r.From == spec.Closing && r.To == spec.TimeWait
		})
		if len(to) == 0 {
			why = append(why, fmt.Sprintf("%s did not go from CLOSING to TIME-WAIT (R9293-SEG-ACK-CLOSING)", s))
		}
	}
	if len(why) > 0 {
		return fmt.Errorf("case %v:\n  %s", c, strings.Join(why, "\n  "))
	}
	return nil
}

func e2eGenSimClose(t *rapid.T) e2eSimClose {
	d1 := rapid.IntRange(2, 200).Draw(t, "delayMs")
	asym := rapid.IntRange(0, 100).Draw(t, "asymMs")
	return e2eSimClose{
		e2eCase: e2eCase{
			Seed:    rapid.Uint64().Draw(t, "seed"),
			Profile: rapid.SampledFrom(spec.ProfileNames()).Draw(t, "profile"),
			WriteA:  rapid.Int64Range(0, e2eMaxWrite).Draw(t, "writeA"),
			WriteB:  rapid.Int64Range(0, e2eMaxWrite).Draw(t, "writeB"),
			DelayMs: d1, AsymMs: asym,
			DupPct: rapid.IntRange(0, 30).Draw(t, "dupPct"),
		},
		// The FINs cross: B closes before A's FIN reaches it, A before
		// B's FIN reaches it.
		OffsetMs: rapid.IntRange(-(d1+asym)+1, d1-1).Draw(t, "offsetMs"),
	}
}

// TestE2ESimultaneousCloseRapid: when both sides close at once, both pass
// CLOSING and then TIME-WAIT. R9293-CLOSE-SIMULTANEOUS,
// R9293-SEG-ACK-CLOSING, R9293-MUST13.
func TestE2ESimultaneousCloseRapid(t *testing.T) { e2eSimCloseProp().Rapid(t) }

// e2eSimCloseProp is the simultaneous-close property (e2eCheckSimClose).
func e2eSimCloseProp() e2eProp[e2eSimClose] {
	return e2eProp[e2eSimClose]{name: "crossing FINs lead both sides through CLOSING", rapid: e2eGenSimClose,
		gopter: gopter.CombineGens(e2eGopterGraceful(), gen.IntRange(0, 1000)).Map(func(v []any) e2eSimClose {
			base := v[0].(e2eCase)
			base.LossPct, base.ReorderPct, base.JitterMs, base.Overrides = 0, 0, 0, nil
			base.DelayMs = max(base.DelayMs, 2)
			// frac in [0, 1000] places the offset in the open interval
			// (-(delay B->A), delay A->B).
			frac := v[1].(int)
			lo, hi := -(base.DelayMs + base.AsymMs - 1), base.DelayMs-1
			return e2eSimClose{e2eCase: base, OffsetMs: lo + (hi-lo)*frac/1000}
		}),
		check: e2eCheckSimClose}
}

// TestE2ESimultaneousCloseGopter is the simultaneous-close property driven
// by gopter. R9293-CLOSE-SIMULTANEOUS.
func TestE2ESimultaneousCloseGopter(t *testing.T) { e2eSimCloseProp().Gopter(t, 100) }
