package capture

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/spec"
)

// pk is one packet of a connection kept for replay.
type pk struct {
	n    int
	at   time.Time
	side Side
	seg  spec.Segment
	lost bool // the capture says the network lost it (sim's LOST comments)
}

// hidden is an application call the replay inserts, at an expected
// packet's time: after the packets that reach the endpoint at that same
// instant, or before them (early).
type hidden struct {
	before int // index into the endpoint's expected packets
	call   string
	// after: how many of the packets arriving at that same instant come
	// before the call; -1 all of them.
	after int
}

// maxReplays bounds the search for hidden calls per endpoint.
const maxReplays = 64

// replayResult is the outcome of one replay.
type replayResult struct {
	matched int    // expected packets matched in order
	detail  string // why the next one did not match
	rules   []spec.RuleID
	written int64
}

// Replay judges endpoint x of the connection by driving the model under
// profile p: the peer's packets (those not marked lost) are its input at
// their capture time plus the one-way delay the handshake shows, its
// application calls are inferred (write of what it sends, then close,
// shutdown or an abortive close, tried in turn wherever the capture shows
// a segment the model did not send), and every segment it sent with a
// SYN, FIN, RST or payload must come out of the model, in order, with
// the same flags, sequence and acknowledgment numbers and length. Pure
// ACKs are not compared (delayed-ACK timing is the stack's own). It
// returns the verdict and the number of candidate call lists tried.
func (c *Conn) replay(pkts []pk, x Side, p spec.Profile) (string, int) {
	e := &c.Ends[x]
	if c.MidStart || !e.haveISN {
		return "cannot judge: no handshake in the capture", 0
	}
	if (c.prevTW[x] || c.prevTW[x.Other()]) && !strings.HasPrefix(c.ReopenOf, "its SYN reopened") {
		return "cannot judge: this incarnation began while a side held the previous one's TIME-WAIT, which did not simply reopen, and the replay starts from a fresh host", 0
	}
	var want []int // indexes of x's compared packets
	var synAt, answerAt time.Time
	for i := range pkts {
		q := &pkts[i]
		if q.side == x && (q.seg.Flags&(spec.SYN|spec.FIN|spec.RST) != 0 || q.seg.Len > 0) {
			want = append(want, i)
		}
		// The SYN-ACK answers the last SYN that arrived before it.
		if q.seg.Flags&spec.SYN != 0 && q.seg.Flags&spec.ACK == 0 && !q.lost && answerAt.IsZero() {
			synAt = q.at
		}
		if q.seg.Flags&spec.SYN != 0 && q.seg.Flags&spec.ACK != 0 && answerAt.IsZero() {
			answerAt = q.at
		}
	}
	// The capture is taken where each packet leaves its sender (as sim
	// -pcap writes it): a packet reaches the other side one delay later,
	// which the handshake shows (the SYN-ACK answers the SYN at once).
	var delay time.Duration
	if !synAt.IsZero() && !answerAt.IsZero() && answerAt.After(synAt) {
		delay = answerAt.Sub(synAt)
	}
	var candidates []hidden
	for _, after := range []int{-1, 0, 1} {
		for _, c := range []string{"write", "close", "read-close", "shutdown", "abort"} {
			candidates = append(candidates, hidden{call: c, after: after})
		}
	}
	var calls []hidden
	tried := 0
	best := c.replayOnce(pkts, x, p, want, calls, delay)
	tried++
	for best.matched < len(want) && tried < maxReplays {
		improved := false
		for _, cand := range candidates {
			if tried >= maxReplays {
				break
			}
			cand.before = best.matched
			try := append(append([]hidden(nil), calls...), cand)
			r := c.replayOnce(pkts, x, p, want, try, delay)
			tried++
			if r.matched > best.matched {
				best, calls, improved = r, try, true
				break
			}
		}
		if !improved {
			break
		}
	}
	if best.matched == len(want) {
		var cs []string
		for _, h := range calls {
			cs = append(cs, fmt.Sprintf("%s before #%d", h.call, pkts[want[h.before]].n))
			if h.after >= 0 {
				cs[len(cs)-1] += fmt.Sprintf(" (after %d of the segments arriving with it)", h.after)
			}
		}
		return fmt.Sprintf("conforms to %s (calls inferred: %s; %d candidates tried)", p.Name, strings.Join(cs, ", "), tried), tried
	}
	n := pkts[want[best.matched]].n
	rules := make([]string, 0, len(best.rules))
	for _, r := range best.rules {
		rules = append(rules, string(r))
	}
	return fmt.Sprintf("violation of %s at packet #%d: %s (rules the model applied: %s; %d candidates tried)", p.Name, n, best.detail, strings.Join(rules, ", "), tried), tried
}

// replayOnce runs the model once with the given hidden calls and reports
// how many expected packets it matched.
func (c *Conn) replayOnce(pkts []pk, x Side, p spec.Profile, want []int, calls []hidden, delay time.Duration) replayResult {
	e, o := &c.Ends[x], &c.Ends[x.Other()]
	local, remote := spec.SockAddrFrom(e.Addr), spec.SockAddrFrom(o.Addr)
	h, err := model.New(p, spec.HostConfig{Addr: local.IP, FixedISS: e.isn})
	if err != nil {
		return replayResult{detail: err.Error()}
	}
	t0 := c.FirstAt
	at := func(t time.Time) spec.Time { return spec.Time(t.Sub(t0)) + 1 }
	var res replayResult
	var out []spec.Output
	var got []spec.Segment
	sock, fd := int32(-1), int32(-1)
	accepting := false
	run := func(ev spec.Event) {
		if ev.At < h.Now() {
			ev.At = h.Now()
		}
		out = h.Step(&ev, out[:0])
		for _, op := range out {
			switch op.Kind {
			case spec.OutSegment:
				if op.Seg.Flags&(spec.SYN|spec.FIN|spec.RST) != 0 || op.Seg.Len > 0 {
					got = append(got, op.Seg)
					res.rules = h.Fired()
				}
			case spec.OutResult:
				if ev.Kind == spec.EvCall && ev.Call.Kind == spec.CallSocket {
					sock = int32(op.Ret)
				} else if accepting && op.FD == sock && fd < 0 && op.Ret >= 0 {
					fd = int32(op.Ret) // the accept
				}
			}
		}
	}
	call := func(t spec.Time, cl spec.Call) { run(spec.Event{Kind: spec.EvCall, At: t, Call: cl}) }
	call(0, spec.Call{Kind: spec.CallSocket})
	call(0, spec.Call{Kind: spec.CallSetsockopt, FD: sock, Opt: spec.OptReuseAddr, Val: 1})
	call(0, spec.Call{Kind: spec.CallBind, FD: sock, Addr: local})
	if x == B {
		call(0, spec.Call{Kind: spec.CallListen, FD: sock, N: 16})
		accepting = true
		call(0, spec.Call{Kind: spec.CallAccept, FD: sock})
	} else {
		fd = sock
	}
	// What x sends: its sequence space less the SYN and the FIN.
	dataLeft := int64(e.sndMax.Sub(e.isn)) - 1
	if e.fin {
		dataLeft--
	}
	doCall := func(t spec.Time, name string) {
		switch name {
		case "write":
			if left := dataLeft - res.written; left > 0 {
				call(t, spec.Call{Kind: spec.CallWrite, FD: fd, N: left})
				res.written += left
			}
		case "close":
			call(t, spec.Call{Kind: spec.CallClose, FD: fd})
		case "shutdown":
			call(t, spec.Call{Kind: spec.CallShutdown, FD: fd, How: spec.ShutWR})
		case "abort":
			call(t, spec.Call{Kind: spec.CallSetsockopt, FD: fd, Opt: spec.OptLinger, Val: 1, Val2: 0})
			call(t, spec.Call{Kind: spec.CallClose, FD: fd})
		case "read-close":
			call(t, spec.Call{Kind: spec.CallRead, FD: fd, N: 1 << 30})
			call(t, spec.Call{Kind: spec.CallClose, FD: fd})
		}
	}
	k := 0 // next expected packet
	match := func() bool {
		for len(got) > 0 && k < len(want) {
			w, g := pkts[want[k]].seg, got[0]
			if g.Flags != w.Flags || g.Seq != w.Seq || g.Len != w.Len || (g.Flags&spec.ACK != 0 && g.Ack != w.Ack) {
				res.detail = fmt.Sprintf("the capture shows %s, the model sends %s", &w, &g)
				return false
			}
			got = got[1:]
			k++
		}
		return true
	}
	// Events in the order x meets them: the peer's packets arrive
	// delay after the capture saw them; ties go to the arrival.
	order := make([]int, len(pkts))
	eff := make([]time.Time, len(pkts))
	for i := range pkts {
		order[i], eff[i] = i, pkts[i].at
		if pkts[i].side != x {
			eff[i] = eff[i].Add(delay)
		}
	}
	sort.SliceStable(order, func(a, b int) bool {
		ia, ib := order[a], order[b]
		if !eff[ia].Equal(eff[ib]) {
			return eff[ia].Before(eff[ib])
		}
		return pkts[ia].side != x && pkts[ib].side == x
	})
	ci := 0
	arrived := 0 // arrivals at the current instant
	var instant time.Time
	for _, i := range order {
		q := &pkts[i]
		t := at(eff[i])
		if !eff[i].Equal(instant) {
			instant, arrived = eff[i], 0
		}
		// Calls placed among the arrivals at the expected packet's instant.
		if q.side != x && k < len(want) && ci < len(calls) && calls[ci].after >= 0 && calls[ci].before == k && eff[i].Equal(eff[want[k]]) && arrived == calls[ci].after {
			for ci < len(calls) && calls[ci].before == k {
				doCall(t, calls[ci].call)
				ci++
			}
		}
		if q.side != x {
			arrived++
		}
		if q.side == x {
			if k < len(want) && want[k] == i {
				for ci < len(calls) && calls[ci].before == k {
					doCall(t, calls[ci].call)
					ci++
				}
			}
			if x == A && q.seg.Flags&spec.SYN != 0 && q.seg.Flags&spec.ACK == 0 && k == 0 {
				call(t, spec.Call{Kind: spec.CallConnect, FD: sock, Addr: remote})
			} else {
				run(spec.Event{Kind: spec.EvAdvance, At: t})
			}
		} else if !q.lost {
			run(spec.Event{Kind: spec.EvSegment, At: t, Seg: q.seg})
		}
		if !match() {
			res.matched = k
			return res
		}
	}
	res.matched = k
	if k < len(want) && res.detail == "" {
		res.detail = fmt.Sprintf("the capture shows %s, the model sends nothing", &pkts[want[k]].seg)
	}
	return res
}
