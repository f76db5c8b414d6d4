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
	if len(why) > 0 {
		return fmt.Errorf("case %v:\n  %s", h, strings.Join(why, "\n  "))
	}
	return nil
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
		gopter: gopter.CombineGens(e2eGopterGraceful(), gen.Int64Range(0, e2eMaxWrite)).Map(func(v []any) e2eHalfClose {
			h := e2eHalfClose{e2eCase: v[0].(e2eCase), Pieces: []int64{v[1].(int64)}}
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
	if err != nil {
		t.Fatal(err)
	}
	res, err := e2eRun(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := e2eCheckHalfClose(h, res); err != nil {
		t.Fatalf("%v\n%s", err, e2eReport(res))
	}
}
