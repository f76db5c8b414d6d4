package props_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/leanovate/gopter/gen"
	"github.com/tcpclose/tcpclose/check"
	"github.com/tcpclose/tcpclose/sim"
	"github.com/tcpclose/tcpclose/spec"
	"pgregory.net/rapid"
)

// The end-to-end properties of the close variants beside the graceful
// close (e2e_graceful_test.go): abort and close with unread data, half
// close with replies after EOF, and the simultaneous close.

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
		gopter: e2eGopterPlus(gen.IntRange(0, 3000), func(base e2eCase, after int) e2eAbort {
			return e2eAbort{e2eCase: base, AbortAfterMs: after}
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
	return e2eWhy(c, why)
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

// e2eHalfClose is a half-close case: the client writes A octets and
// half-closes; the server reads to EOF, then writes its reply in pieces
// with pauses into the half-open connection and closes.
type e2eHalfClose struct {
	e2eCase
	Pieces []int64
	Pauses []int // ms, one after each piece but the last
}

func (h e2eHalfClose) String() string {
	return fmt.Sprintf("%v pieces=%v pausesMs=%v", h.e2eCase, h.Pieces, h.Pauses)
}

func (h e2eHalfClose) total() int64 {
	var n int64
	for _, p := range h.Pieces {
		n += p
	}
	return n
}

func (h e2eHalfClose) config() (sim.Config, error) {
	cfg, err := h.e2eCase.config()
	if err != nil {
		return cfg, err
	}
	srv := sim.Program{sim.Listen(), sim.Accept(), sim.ReadEOF()}
	for i, p := range h.Pieces {
		srv = append(srv, sim.Write(p))
		if i < len(h.Pauses) {
			srv = append(srv, sim.Wait(time.Duration(h.Pauses[i])*time.Millisecond))
		}
	}
	cfg.Programs = [2]sim.Program{
		{sim.Connect(), sim.Write(h.WriteA), sim.Shutdown(), sim.ReadEOF(), sim.Close()},
		append(srv, sim.Close()),
	}
	return cfg, nil
}

// e2eCheckHalfClose: after the client's half-close the open direction
// carries the whole reply, in order, then EOF; the server wrote it all
// after it saw the client's FIN; nobody is reset (R9293-HALFCLOSE,
// R9293-CLOSE-RELIABLE, R9293-MUST12).
func e2eCheckHalfClose(h e2eHalfClose, res *sim.Result) error {
	c := h.e2eCase
	c.Shape, c.WriteB = shapeReplyAfterEOF, h.total()
	_, why := check.CountGraceful(c.graceful(), res)
	if len(why) == 0 {
		// Every write of the reply came after the server's EOF: the data
		// travelled in the half-open direction.
		eof := false
		for _, r := range res.Trace.Records {
			if r.Side != sim.B {
				continue
			}
			if r.Kind == sim.RecResult && r.Out.Call == spec.CallRead && r.Out.Ret == 0 {
				eof = true
			}
			if r.Kind == sim.RecCall && r.Call.Kind == spec.CallWrite && !eof {
				why = append(why, fmt.Sprintf("server wrote at %s, before its EOF", r.At))
			}
		}
		if !check.Passed(res, sim.B, spec.CloseWait) {
			why = append(why, "the server never was in CLOSE-WAIT")
		}
	}
	return e2eWhy(h, why)
}

func e2eGenHalfClose(t *rapid.T, maxTotal int64) e2eHalfClose {
	h := e2eHalfClose{e2eCase: e2eGenGraceful(t)}
	h.Shape = shapeReplyAfterEOF
	n := rapid.IntRange(1, 4).Draw(t, "pieces")
	left := maxTotal
	for i := 0; i < n; i++ {
		p := rapid.Int64Range(0, left).Draw(t, "piece")
		left -= p
		h.Pieces = append(h.Pieces, p)
		if i < n-1 {
			h.Pauses = append(h.Pauses, rapid.IntRange(0, 3000).Draw(t, "pauseMs"))
		}
	}
	return h
}

// TestE2EHalfCloseRapid: a half-closed connection carries the reply in its
// open direction to completion under loss, duplication and reordering.
// R9293-HALFCLOSE, R9293-CLOSE-RELIABLE, R9293-MUST12.
func TestE2EHalfCloseRapid(t *testing.T) { e2eHalfCloseProp(e2eMaxWrite).Rapid(t) }

// e2eHalfCloseProp is the half-close property with replies of up to
// maxTotal octets in all (gopter: one reply of up to e2eMaxWrite).
func e2eHalfCloseProp(maxTotal int64) e2eProp[e2eHalfClose] {
	return e2eProp[e2eHalfClose]{name: "the open direction of a half-closed connection carries its data",
		rapid: func(t *rapid.T) e2eHalfClose { return e2eGenHalfClose(t, maxTotal) },
		gopter: e2eGopterPlus(gen.Int64Range(0, e2eMaxWrite), func(base e2eCase, reply int64) e2eHalfClose {
			h := e2eHalfClose{e2eCase: base, Pieces: []int64{reply}}
			h.Shape = shapeReplyAfterEOF
			return h
		}),
		check: e2eCheckHalfClose}
}

// TestE2EHalfCloseGopter is the half-close property driven by gopter, with
// one reply of up to e2eMaxWrite octets. R9293-HALFCLOSE.
func TestE2EHalfCloseGopter(t *testing.T) { e2eHalfCloseProp(e2eMaxWrite).Gopter(t, 100) }

// TestE2EHalfCloseLargeReplyRapid is the half-close property with replies
// larger than a window: a regression test for the LAST-ACK hang (CLOSE in
// CLOSE-WAIT with data queued behind the window sent neither the data nor
// the FIN) and for the one-RTO-per-segment recovery after a timeout, both
// fixed in the model. R9293-HALFCLOSE,
// R9293-CLOSE-RELIABLE, R9293-CLOSE-CLOSEWAIT.
func TestE2EHalfCloseLargeReplyRapid(t *testing.T) { e2eHalfCloseProp(300000).Rapid(t) }

// TestE2ERegressLastAckStall keeps the minimal reproducer of the LAST-ACK
// hang, fixed in the model: no loss; the client half-closes at once; the
// server reads EOF, writes 65536 octets (one more than the client's
// window) and closes. The model used to send 65535 octets, enter LAST-ACK,
// take their ACK and stop: the last octet and the FIN were never sent. R9293-CLOSE-CLOSEWAIT,
// R9293-CLOSE-RELIABLE, R9293-HALFCLOSE.
func TestE2ERegressLastAckStall(t *testing.T) {
	h := e2eHalfClose{e2eCase: e2eCase{Seed: 1, Profile: "rfc9293", Shape: shapeReplyAfterEOF, DelayMs: 10}, Pieces: []int64{65536}}
	cfg, err := h.config()
	res := e2eMustRun(t, cfg, err)
	if err := e2eCheckHalfClose(h, res); err != nil {
		t.Fatalf("%v\n%s", err, e2eReport(res))
	}
}

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
	return e2eWhy(c, why)
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
		gopter: e2eGopterPlus(gen.IntRange(0, 1000), func(base e2eCase, frac int) e2eSimClose {
			base.LossPct, base.ReorderPct, base.JitterMs, base.Overrides = 0, 0, 0, nil
			base.DelayMs = max(base.DelayMs, 2)
			// frac in [0, 1000] places the offset in the open interval
			// (-(delay B->A), delay A->B).
			lo, hi := -(base.DelayMs + base.AsymMs - 1), base.DelayMs-1
			return e2eSimClose{e2eCase: base, OffsetMs: lo + (hi-lo)*frac/1000}
		}),
		check: e2eCheckSimClose}
}

// TestE2ESimultaneousCloseGopter is the simultaneous-close property driven
// by gopter. R9293-CLOSE-SIMULTANEOUS.
func TestE2ESimultaneousCloseGopter(t *testing.T) { e2eSimCloseProp().Gopter(t, 100) }
