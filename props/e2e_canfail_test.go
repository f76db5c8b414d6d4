package props_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tcpclose/tcpclose/check"
	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/sim"
	"github.com/tcpclose/tcpclose/spec"
)

// TestE2EPropertiesCanFail breaks each end-to-end property on purpose, once,
// and checks that its check reports the breach, naming it. (The TIME-WAIT
// counterexamples have their own tests: TestE2ELostFinalAckTimeWaitZero,
// TestE2EGhostTimeWaitZero, TestE2EGhostAssassination.)
func TestE2EPropertiesCanFail(t *testing.T) {
	base := e2eCase{Seed: 3, Profile: "rfc9293", Shape: shapeBothHalfClose, WriteA: 5000, WriteB: 7000, DelayMs: 20, Overrides: e2eFairLoss()}
	mustRun := func(t *testing.T, cfg sim.Config) *sim.Result {
		t.Helper()
		res, err := e2eRun(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	expect := func(t *testing.T, err error, want string) {
		t.Helper()
		if err == nil {
			t.Fatalf("the check passed a broken run; want %q", want)
		}
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("want %q in:\n%v", want, err)
		}
	}

	t.Run("graceful/TIME-WAIT shorter than 2MSL", func(t *testing.T) {
		cfg, _ := base.config()
		for i := range cfg.Profiles {
			cfg.Profiles[i].TimeWait = time.Second
		}
		expect(t, e2eCheckGraceful(base, mustRun(t, cfg)), "(R9293-MUST13)")
	})
	t.Run("graceful/client aborts", func(t *testing.T) {
		cfg, _ := base.config()
		cfg.Programs[sim.A] = sim.Program{sim.Connect(), sim.Write(base.WriteA), sim.Wait(time.Second), sim.Abort()}
		expect(t, e2eCheckGraceful(base, mustRun(t, cfg)), "told reset")
	})
	t.Run("graceful/black hole from server to client", func(t *testing.T) {
		c := base
		c.LossPct = 100
		cfg, _ := c.config()
		cfg.Net.Links[sim.B].MaxLossRun = 0
		cfg.Until = time.Hour
		expect(t, e2eCheckGraceful(c, mustRun(t, cfg)), "without both sides CLOSED")
	})
	t.Run("half-close/reply before EOF", func(t *testing.T) {
		h := e2eHalfClose{e2eCase: base, Pieces: []int64{7000}}
		h.Shape = shapeReplyAfterEOF
		cfg, _ := h.config()
		cfg.Programs[sim.B] = sim.Program{sim.Listen(), sim.Accept(), sim.Write(7000), sim.ReadEOF(), sim.Close()}
		expect(t, e2eCheckHalfClose(h, mustRun(t, cfg)), "before its EOF")
	})
	t.Run("abort/normal close instead", func(t *testing.T) {
		// rfc793: close(2) with unread data is a plain CLOSE, so replacing
		// the abort by a close really does make the close graceful.
		c := e2eAbort{e2eCase: base, AbortAfterMs: 500}
		c.Profile = "rfc793"
		cfg, _ := c.config()
		cfg.Programs[sim.A][len(cfg.Programs[sim.A])-1] = sim.Close()
		err := e2eCheckAbort(c, mustRun(t, cfg))
		expect(t, err, "told reset 0 times")
		expect(t, err, "normal close after an abort")
	})
	t.Run("unread/profile without SHLD-3", func(t *testing.T) {
		c := e2eUnread{e2eCase: base, CloseAfterMs: 1000}
		c.Profile = "rfc793"
		cfg, _ := c.config()
		expect(t, e2eCheckUnread(c, mustRun(t, cfg)), "not told reset (R9293-SHLD3)")
	})
	t.Run("lost-final-ack/TimeWait=0", func(t *testing.T) {
		c := e2eLostAck{e2eCase: base, Drops: 1}
		c.Overrides = []string{"TimeWait=0"}
		cfg, _ := c.config()
		expect(t, e2eCheckLostAck(c, mustRun(t, cfg)), "told reset")
	})
	t.Run("simultaneous/one side closes 5 s later", func(t *testing.T) {
		c := e2eSimClose{e2eCase: base, OffsetMs: 5000}
		c.Overrides = nil
		cfg, _ := c.config()
		expect(t, e2eCheckSimClose(c, mustRun(t, cfg)), "never entered CLOSING")
	})
	t.Run("interchange/an endpoint that hides notices", func(t *testing.T) {
		cfg, _ := base.config()
		want := mustRun(t, cfg)
		cfg.Hosts[sim.B] = func(_ sim.Side, p spec.Profile, hc spec.HostConfig) (spec.Host, error) {
			h, err := model.New(p, hc)
			return e2eMute{h}, err
		}
		if _, ok := e2eFirstDiff(want.Trace.Records, mustRun(t, cfg).Trace.Records); ok {
			t.Fatal("traces equal although one endpoint hides its notices")
		}
	})
	t.Run("counters/black hole", func(t *testing.T) {
		c := base
		c.LossPct = 100
		cfg, _ := c.config()
		cfg.Net.Links[sim.A].MaxLossRun = 0
		cfg.Until = time.Hour
		cfg.NoTrace = true
		n, _ := check.CountGraceful(c.graceful(), mustRun(t, cfg))
		if n.NotClosed == 0 {
			t.Fatalf("counters missed a black hole: %+v", n)
		}
	})
}

// e2eMute is a model host that drops its peer-closed notices.
type e2eMute struct{ *model.Host }

func (m e2eMute) Step(ev *spec.Event, out []spec.Output) []spec.Output {
	n := len(out)
	out = m.Host.Step(ev, out)
	kept := out[:n]
	for _, o := range out[n:] {
		if o.Kind != spec.OutNotice || o.Notice != spec.NoticePeerClosed {
			kept = append(kept, o)
		}
	}
	return kept
}
