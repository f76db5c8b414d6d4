package props_test

// Helpers of the end-to-end properties (props/e2e_*_test.go): generated
// cases, the simulator configuration they stand for, and the checks shared
// by the rapid and gopter versions of each property.

import (
	"fmt"
	"os"
	"strings"
	"time"

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
func e2eFairLoss() []string { return []string{"R2=-1", "SynR2=-1", "FinWait2Timeout=0"} }

// e2eMaxLossRun bounds consecutive random losses per direction.
const e2eMaxLossRun = 3

// e2eUntil bounds a run in virtual time.
const e2eUntil = 6 * time.Hour

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
		Until:    e2eUntil,
	}, nil
}

func e2eRun(cfg sim.Config) (*sim.Result, error) {
	res, err := sim.Run(cfg)
	if err != nil {
		return nil, fmt.Errorf("seed %d: %w", cfg.Seed, err)
	}
	return res, nil
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

func e2eMix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
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

// e2eStateSpan is a stay of one connection in one state.
type e2eStateSpan struct {
	Side     sim.Side
	Tuple    spec.FourTuple
	Inc      int
	From, To spec.Time // To is spec.Never if the state lasted to the end
}

// e2eSpans lists the stays in state st, from the trace.
func e2eSpans(res *sim.Result, st spec.State) []e2eStateSpan {
	var out []e2eStateSpan
	open := map[[2]int]int{} // (side, inc) -> index in out
	for _, r := range res.Trace.Records {
		if r.Kind != sim.RecState {
			continue
		}
		k := [2]int{int(r.Side), r.Inc}
		if r.From == st {
			if i, ok := open[k]; ok {
				out[i].To = r.At
				delete(open, k)
			}
		}
		if r.To == st {
			open[k] = len(out)
			out = append(out, e2eStateSpan{Side: r.Side, Tuple: r.Tuple, Inc: r.Inc, From: r.At, To: spec.Never})
		}
	}
	return out
}

// e2ePassed reports whether side s entered state st.
func e2ePassed(res *sim.Result, s sim.Side, st spec.State) bool {
	for _, r := range res.Trace.Records {
		if r.Kind == sim.RecState && r.Side == s && r.To == st {
			return true
		}
	}
	return false
}

// e2eWrongNotices lists the notices a normal close must never give: reset,
// refused, timeout, and a second peer-closed.
func e2eWrongNotices(rep *sim.SideReport) []string {
	var out []string
	for i, s := range rep.Sessions {
		for _, n := range s.Notices {
			switch n.Notice {
			case spec.NoticeReset, spec.NoticeRefused, spec.NoticeTimeout:
				out = append(out, fmt.Sprintf("%s conn %d told %s at %s", rep.Name, i+1, n.Notice, n.At))
			}
		}
		if c := s.Count(spec.NoticePeerClosed); c > 1 {
			out = append(out, fmt.Sprintf("%s conn %d told peer-closed %d times", rep.Name, i+1, c))
		}
		for _, e := range s.Errors {
			out = append(out, fmt.Sprintf("%s conn %d: %s failed with %s at %s", rep.Name, i+1, e.Call, e.Err, e.At))
		}
	}
	for _, e := range rep.Errors {
		out = append(out, fmt.Sprintf("%s: %s failed with %s at %s", rep.Name, e.Call, e.Err, e.At))
	}
	return out
}

// e2eCounts are the counters of a graceful close.
type e2eCounts struct {
	Written, Read    int64
	Lost, Duplicated int64 // octets written and never read; octets read beyond those written
	WrongNotices     int
	MissingNotices   int // EOF or a socket open at the peer's FIN without the peer-closed notice
	EarlyEOF         int // EOF before every octet was read
	NotClosed        int
}

// e2eCount measures a graceful-close run of case c.
func e2eCount(c e2eCase, res *sim.Result) (e2eCounts, []string) {
	var n e2eCounts
	var why []string
	want := [2]int64{c.WriteA, c.WriteB}
	if res.Reason != sim.EndClosed || !res.Sides[sim.A].Closed || !res.Sides[sim.B].Closed {
		n.NotClosed++
		why = append(why, fmt.Sprintf("run ended %s at %s without both sides CLOSED (R9293-CLOSE-RELIABLE)", res.Reason, res.End))
	}
	var ss [2]*sim.Session
	for s := sim.A; s <= sim.B; s++ {
		est := res.Sides[s].Established()
		if len(est) != 1 {
			n.NotClosed++
			why = append(why, fmt.Sprintf("side %s has %d connections, want 1", s, len(est)))
			return n, why
		}
		ss[s] = est[0]
	}
	for w := sim.A; w <= sim.B; w++ {
		wr, rd := ss[w], ss[w.Peer()]
		n.Written += want[w]
		n.Read += rd.Read
		if wr.Written != want[w] {
			why = append(why, fmt.Sprintf("%s wrote %d of %d octets", w, wr.Written, want[w]))
		}
		if d := want[w] - rd.Read; d > 0 {
			n.Lost += d
			why = append(why, fmt.Sprintf("%d octets %s->%s never read (R9293-CLOSE-RELIABLE)", d, w, w.Peer()))
		} else if d < 0 {
			n.Duplicated -= d
			why = append(why, fmt.Sprintf("%d octets %s->%s read twice (R9293-CLOSE-RELIABLE)", -d, w, w.Peer()))
		}
		if rd.EOF && rd.ReadAtEOF != want[w] {
			n.EarlyEOF++
			why = append(why, fmt.Sprintf("%s saw EOF after %d of %d octets (R9293-CLOSE-RELIABLE)", w.Peer(), rd.ReadAtEOF, want[w]))
		}
	}
	for s := sim.A; s <= sim.B; s++ {
		wrong := e2eWrongNotices(&res.Sides[s])
		n.WrongNotices += len(wrong)
		for _, x := range wrong {
			why = append(why, x+" (R9293-MUST12)")
		}
		reads := !(c.Shape == shapeRequestReply && s == sim.A) // reads to EOF
		// The application learns of a normal close from read(2)
		// returning 0 or from the peer-closed notice; a connection
		// accepted after the FIN arrived can only learn it from read(2).
		if reads && !ss[s].EOF {
			n.MissingNotices++
			why = append(why, fmt.Sprintf("%s never saw EOF (R9293-MUST12)", s))
		}
	}
	return n, why
}

// e2eCheckGraceful checks a graceful close (R9293-CLOSE-RELIABLE,
// R9293-MUST12, R9293-MUST13): every octet read once, EOF right after the
// last, both applications told of a normal close, both sides CLOSED within
// the run's bound, and every TIME-WAIT that ended by its timer lasted
// 2×MSL (the profile's TimeWait).
func e2eCheckGraceful(c e2eCase, res *sim.Result) error {
	_, why := e2eCount(c, res)
	p, err := c.profile()
	if err != nil {
		return err
	}
	tw := e2eSpans(res, spec.TimeWait)
	if len(tw) == 0 {
		why = append(why, "no side passed TIME-WAIT (R9293-MUST13)")
	}
	killed := map[[2]int]bool{}
	for _, h := range res.Assassinations() {
		killed[[2]int{int(h.Side), h.ConnInc}] = true
	}
	for _, s := range tw {
		if s.To != spec.Never && s.To.Sub(s.From) < p.TimeWait && !killed[[2]int{int(s.Side), s.Inc}] {
			why = append(why, fmt.Sprintf("%s inc%d left TIME-WAIT after %s < TimeWait %s (R9293-MUST13)", s.Side, s.Inc, s.To.Sub(s.From), p.TimeWait))
		}
	}
	if len(why) > 0 {
		return fmt.Errorf("case %v:\n  %s", c, strings.Join(why, "\n  "))
	}
	return nil
}
