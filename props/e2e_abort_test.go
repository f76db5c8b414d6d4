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

// e2eCheckAbort: the peer of an abort is told "reset" once, its calls fail
// with ECONNRESET, it is never told the peer closed normally, and it reads
// no octet the aborting side had not sent before its RST; where a RST
// flushes the receive queue it reads nothing after the notice
// (R9293-CALL-ABORT, R9293-ABORT-SYNC, R9293-RST-ABORT, R9293-MUST12,
// R1122-INFORM, AMB-RST-FLUSH).
func e2eCheckAbort(c e2eAbort, res *sim.Result) error {
	p, err := c.profile()
	if err != nil {
		return err
	}
	return e2eWhy(c, check.CheckAbort(p, c.WriteA, res))
}

func e2eGenAbort(t *rapid.T) e2eAbort {
	return e2eAbort{e2eCase: e2eGenGraceful(t), AbortAfterMs: rapid.IntRange(0, 3000).Draw(t, "abortAfterMs")}
}

// TestE2EAbortRapid: after ABORT the peer is told "reset" and receives no
// byte after it, under loss, duplication and reordering. R9293-CALL-ABORT,
// R9293-ABORT-SYNC, R9293-RST-ABORT, R9293-MUST12, R1122-INFORM.
func TestE2EAbortRapid(t *testing.T) { e2eAbortProp().Rapid(t) }

// e2eAbortProp is the abort property (check.CheckAbort).
func e2eAbortProp() e2eProp[e2eAbort] {
	return e2eProp[e2eAbort]{name: "the peer of an abort is told reset", rapid: e2eGenAbort,
		gopter: gopter.CombineGens(e2eGopterGraceful(), gen.IntRange(0, 3000)).Map(func(v []any) e2eAbort {
			return e2eAbort{e2eCase: v[0].(e2eCase), AbortAfterMs: v[1].(int)}
		}),
		check: e2eCheckAbort}
}

// TestE2EAbortGopter is the abort property driven by gopter.
// R9293-CALL-ABORT, R9293-MUST12.
func TestE2EAbortGopter(t *testing.T) { e2eAbortProp().Gopter(t, 100) }

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
	e2eProp[e2eUnread]{rapid: e2eGenUnread, check: e2eCheckUnread}.Rapid(t)
}
