package capture

import (
	"fmt"
	"time"

	"github.com/tcpclose/tcpclose/sim"
	"github.com/tcpclose/tcpclose/spec"
)

// Trace returns the connection as a simulator trace, for package ladder
// to draw (tcpclose check -conn N): every packet a transmission numbered
// as in the capture, delivered to the other side the delay the capture
// shows later (see Options.Vantage), or lost if the capture marks it so;
// the findings as notes at their packets. It is empty unless the
// connection's packets were kept (Options.Keep names it, or
// Options.Profile is set and the connection is still being judged).
func (c *Conn) Trace() *sim.Trace {
	t := &sim.Trace{Names: [2]string{"connects", "accepts"}}
	if len(c.kept) == 0 {
		return t
	}
	d, ok := shifts(c.kept)
	t0 := c.FirstAt
	at := func(x time.Time) spec.Time { return spec.Time(x.Sub(t0)) }
	type ev struct {
		at  spec.Time
		rec sim.Record
	}
	var evs []ev
	for i := range c.kept {
		q := &c.kept[i]
		seg := q.seg
		seg.Src, seg.Dst = spec.SockAddrFrom(c.Ends[q.side].Addr), spec.SockAddrFrom(c.Ends[q.side.Other()].Addr)
		side := sim.Side(q.side)
		arrive := q.at
		if r := q.side.Other(); ok[r] {
			arrive = arrive.Add(d[r])
		}
		evs = append(evs, ev{at(q.at), sim.Record{At: at(q.at), Side: side, Kind: sim.RecSend, Seg: seg, SegID: q.n, Inc: c.Inc, ArriveAt: at(arrive)}})
		if q.lost {
			evs = append(evs, ev{at(q.at), sim.Record{At: at(q.at), Side: side, Kind: sim.RecDrop, Seg: seg, SegID: q.n, Note: "marked LOST in the capture"}})
		} else {
			evs = append(evs, ev{at(arrive), sim.Record{At: at(arrive), Side: side.Peer(), Kind: sim.RecDeliver, Seg: seg, SegID: q.n, Inc: c.Inc}})
		}
		for _, f := range c.Findings {
			if f.Packet == q.n {
				evs = append(evs, ev{at(q.at), sim.Record{At: at(q.at), Side: sim.Side(f.Side), Kind: sim.RecHazard, SegID: q.n, Note: fmt.Sprintf("VIOLATION by %s: %s %v", f.Side, f.Msg, f.Rules)}})
			}
		}
	}
	// In time order; at one instant, in the order made (a send before
	// its delivery).
	for i := 1; i < len(evs); i++ {
		for j := i; j > 0 && evs[j].at < evs[j-1].at; j-- {
			evs[j], evs[j-1] = evs[j-1], evs[j]
		}
	}
	for _, e := range evs {
		t.Records = append(t.Records, e.rec)
	}
	return t
}
