package props_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
	"github.com/tcpclose/tcpclose/sim"
	"github.com/tcpclose/tcpclose/spec"
	"pgregory.net/rapid"
)

// e2eAbort is an abort case: the client writes and, after a pause, aborts
// (SO_LINGER {on, 0}); the server keeps writing a little every two seconds
// so that a lost RST is answered again, then reads to EOF and closes.
type e2eAbort struct {
	e2eCase
	AbortAfterMs int
}

func (c e2eAbort) String() string {
	return fmt.Sprintf("%v abortAfter=%dms", c.e2eCase, c.AbortAfterMs)
}

// e2ePings is the part of a script that keeps a connection talking: n
// small writes two seconds apart.
func e2ePings(n int) sim.Program {
	var s sim.Program
	for i := 0; i < n; i++ {
		s = append(s, sim.Write(100), sim.Wait(2*time.Second))
	}
	return s
}

func (c e2eAbort) config() (sim.Config, error) {
	cfg, err := c.e2eCase.config()
	if err != nil {
		return cfg, err
	}
	srv := append(sim.Program{sim.Listen(), sim.Accept()}, e2ePings(15)...)
	cfg.Programs = [2]sim.Program{
		{sim.Connect(), sim.Write(c.WriteA), sim.Wait(time.Duration(c.AbortAfterMs) * time.Millisecond), sim.Abort()},
		append(srv, sim.ReadEOF(), sim.Close()),
	}
	return cfg, nil
}

// e2eSentBeforeRST returns how many octets side s sent before its first
// RST on its first connection: RST.SEQ - (ISS+1).
func e2eSentBeforeRST(res *sim.Result, s sim.Side) (int64, bool) {
	var iss spec.Seq
	inc := 0
	for _, r := range res.Trace.Records {
		if r.Kind != sim.RecSend || r.Side != s {
			continue
		}
		if inc == 0 && r.Seg.Flags&spec.SYN != 0 {
			iss, inc = r.Seg.Seq, r.Inc
		}
		if inc != 0 && r.Inc == inc && r.Seg.Flags&spec.RST != 0 {
			return int64(r.Seg.Seq.Sub(iss.Add(1))), true
		}
	}
	return 0, false
}

// e2eCheckAbort: the peer of an abort is told "reset" once, its calls fail
// with ECONNRESET, it is never told the peer closed normally, and it reads
// no octet the aborting side had not sent before its RST; where a RST
// flushes the receive queue it reads nothing after the notice
// (R9293-CALL-ABORT, R9293-ABORT-SYNC, R9293-RST-ABORT, R9293-MUST12,
// R1122-INFORM, AMB-RST-FLUSH).
func e2eCheckAbort(c e2eAbort, res *sim.Result) error {
	var why []string
	p, err := c.profile()
	if err != nil {
		return err
	}
	if !res.Sides[sim.A].Closed {
		why = append(why, "the aborting side kept a connection")
	}
	est := res.Sides[sim.B].Established()
	if len(est) == 1 {
		srv := est[0]
		if n := srv.Count(spec.NoticeReset); n != 1 {
			why = append(why, fmt.Sprintf("server told reset %d times, want once (R9293-MUST12)", n))
		}
		if !srv.SawReset {
			why = append(why, "no call of the server failed with ECONNRESET (R9293-RST-ABORT)")
		}
		if srv.Told(spec.NoticePeerClosed) || (srv.EOF && !srv.SawReset) {
			why = append(why, "server told of a normal close after an abort (R9293-MUST12)")
		}
		sent, ok := e2eSentBeforeRST(res, sim.A)
		if !ok {
			why = append(why, "the client never sent its RST (R9293-ABORT-SYNC)")
		} else if srv.Read > sent || srv.Read > c.WriteA {
			why = append(why, fmt.Sprintf("server read %d octets; the client sent %d before its RST, wrote %d", srv.Read, sent, c.WriteA))
		}
		if p.RSTFlushesReceive {
			told := false
			for _, r := range res.Trace.Records {
				if r.Side != sim.B {
					continue
				}
				if r.Kind == sim.RecNotice && r.Out.Notice == spec.NoticeReset {
					told = true
				}
				if told && r.Kind == sim.RecResult && r.Out.Call == spec.CallRead && r.Out.Ret > 0 {
					why = append(why, fmt.Sprintf("server read %d octets at %s after the reset flushed its queue (AMB-RST-FLUSH)", r.Out.Ret, r.At))
				}
			}
		}
		if res.Reason != sim.EndClosed {
			why = append(why, fmt.Sprintf("run ended %s", res.Reason))
		}
	} else if len(est) > 1 {
		why = append(why, "server accepted twice")
	}
	if len(why) > 0 {
		return fmt.Errorf("case %v:\n  %s", c, strings.Join(why, "\n  "))
	}
	return nil
}

func e2eGenAbort(t *rapid.T) e2eAbort {
	return e2eAbort{e2eCase: e2eGenGraceful(t), AbortAfterMs: rapid.IntRange(0, 3000).Draw(t, "abortAfterMs")}
}

// TestE2EAbortRapid: after ABORT the peer is told "reset" and receives no
// byte after it, under loss, duplication and reordering. R9293-CALL-ABORT,
// R9293-ABORT-SYNC, R9293-RST-ABORT, R9293-MUST12, R1122-INFORM.
func TestE2EAbortRapid(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := e2eGenAbort(t)
		cfg, err := c.config()
		if err != nil {
			t.Fatal(err)
		}
		res, err := e2eRun(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := e2eCheckAbort(c, res); err != nil {
			t.Fatalf("%v\n%s", err, e2eReport(res))
		}
	})
}

// TestE2EAbortGopter is the abort property driven by gopter.
// R9293-CALL-ABORT, R9293-MUST12.
func TestE2EAbortGopter(t *testing.T) {
	props := gopter.NewProperties(e2eGopterParams(t, 100))
	props.Property("the peer of an abort is told reset", prop.ForAll(
		func(base e2eCase, after int) (bool, error) {
			c := e2eAbort{e2eCase: base, AbortAfterMs: after}
			cfg, err := c.config()
			if err != nil {
				return false, err
			}
			res, err := e2eRun(cfg)
			if err != nil {
				return false, err
			}
			if err := e2eCheckAbort(c, res); err != nil {
				t.Logf("%v\n%s", err, e2eReport(res))
				return false, err
			}
			return true, nil
		}, e2eGopterGraceful(), gen.IntRange(0, 3000)))
	props.TestingRun(t)
}

// e2eUnread is a close-with-unread-data case: the client writes (at least
// one octet) and keeps writing a little every two seconds; the server
// closes after a pause without reading anything.
type e2eUnread struct {
	e2eCase
	CloseAfterMs int
}

func (c e2eUnread) String() string {
	return fmt.Sprintf("%v closeAfter=%dms", c.e2eCase, c.CloseAfterMs)
}

func (c e2eUnread) config() (sim.Config, error) {
	cfg, err := c.e2eCase.config()
	if err != nil {
		return cfg, err
	}
	cli := append(sim.Program{sim.Connect(), sim.Write(c.WriteA)}, e2ePings(15)...)
	cfg.Programs = [2]sim.Program{
		append(cli, sim.ReadEOF(), sim.Close()),
		{sim.Listen(), sim.Accept(), sim.Wait(time.Duration(c.CloseAfterMs) * time.Millisecond), sim.Close()},
	}
	return cfg, nil
}

// e2eCheckUnread: data the server's application never read is never lost
// silently: the client is told "reset" (R9293-SHLD3, R2525-RST-UNREAD,
// R2525-RST-LATE-DATA, R1122-HALFDUPLEX).
func e2eCheckUnread(c e2eUnread, res *sim.Result) error {
	var why []string
	est := res.Sides[sim.A].Established()
	switch {
	case len(est) != 1:
		why = append(why, fmt.Sprintf("client has %d connections", len(est)))
	case est[0].Written == 0:
		why = append(why, "client wrote nothing")
	case !est[0].Told(spec.NoticeReset):
		why = append(why, fmt.Sprintf("client wrote %d octets the server never read, and was not told reset (R9293-SHLD3)", est[0].Written))
	}
	if res.Reason != sim.EndClosed {
		why = append(why, fmt.Sprintf("run ended %s", res.Reason))
	}
	if len(why) > 0 {
		return fmt.Errorf("case %v:\n  %s", c, strings.Join(why, "\n  "))
	}
	return nil
}

// e2eRSTProfiles are the built-in profiles that follow both halves of
// SHLD-3: RST on close with unread data, RST on data after close.
func e2eRSTProfiles() []string {
	var out []string
	for _, n := range spec.ProfileNames() {
		p := spec.MustProfile(n)
		if p.RSTOnUnreadClose && p.RSTOnDataAfterClose {
			out = append(out, n)
		}
	}
	return out
}

func e2eGenUnread(t *rapid.T) e2eUnread {
	c := e2eUnread{e2eCase: e2eGenGraceful(t), CloseAfterMs: rapid.IntRange(0, 3000).Draw(t, "closeAfterMs")}
	c.Profile = rapid.SampledFrom(e2eRSTProfiles()).Draw(t, "rstProfile")
	c.WriteA = max(c.WriteA, 1)
	return c
}

// TestE2EUnreadCloseRapid: in the profiles that follow SHLD-3, closing
// with unread data (or receiving data after close) makes the peer see a
// reset: the loss is signalled, never silent. R9293-SHLD3,
// R2525-RST-UNREAD, R2525-RST-LATE-DATA, R1122-HALFDUPLEX.
func TestE2EUnreadCloseRapid(t *testing.T) {
	if len(e2eRSTProfiles()) == 0 {
		t.Fatal("no built-in profile follows SHLD-3")
	}
	rapid.Check(t, func(t *rapid.T) {
		c := e2eGenUnread(t)
		cfg, err := c.config()
		if err != nil {
			t.Fatal(err)
		}
		res, err := e2eRun(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := e2eCheckUnread(c, res); err != nil {
			t.Fatalf("%v\n%s", err, e2eReport(res))
		}
	})
}
