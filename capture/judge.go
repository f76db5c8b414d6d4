package capture

import (
	"errors"
	"fmt"
	"io"
	"iter"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/wire"
)

// Options tune Judge. The zero value is usable.
type Options struct {
	// Linger is how long, in capture time, a finished connection (both
	// FINs acknowledged, or reset) is kept after its last packet before
	// it is reported and forgotten, to see retransmissions, re-ACKs from
	// TIME-WAIT and reopens. Zero means 4 minutes (2 MSL of 2 minutes).
	Linger time.Duration
	// Notes, if set, receives every connection's notes and findings per
	// packet number, as the connection is reported (for annotation).
	Notes func(packet int, conn int, notes []string)
	// Stats, if set, is filled in as the capture is read.
	Stats *Stats
	// Profile, if set, also judges every endpoint for which it returns
	// a profile by replaying it on the model under that profile (see
	// Endpoint.Model). Replay keeps the packets of live connections in
	// memory.
	Profile func(endpoint netip.AddrPort) (spec.Profile, bool)
	// Vantage is where the capture was taken (VantageAuto: inferred per
	// connection from its handshake). It decides which losses the replay
	// may assume happened out of the capture's sight.
	Vantage Vantage
	// MaxCandidates bounds the replays the search for hidden events tries
	// per endpoint (0: DefaultMaxCandidates); past it the verdict is
	// "cannot judge: search exceeded N candidates".
	MaxCandidates int
	// Auto, if not empty, replays every endpoint under each of these
	// profiles and lists the ones it conforms to (Endpoint.Fits): which
	// stack could have sent this (tcpclose check -profile auto).
	Auto []spec.Profile
	// Keep, if not 0, keeps the packets of connection Keep for its Trace
	// (the ladder of tcpclose check -conn N).
	Keep int
	// TimerSlack is how much later than the model's deadline a timer may
	// fire in the capture (0: DefaultTimerSlack).
	TimerSlack time.Duration
}

// Stats count what the reader saw.
type Stats struct {
	Records   int // records in the file
	TCP       int // TCP/IP packets judged
	NotTCP    int // frames that are not TCP over IP (ARP, UDP...)
	Bad       int // frames that do not decode (fragments, cut before the TCP header, malformed)
	Conns     int // connections (incarnations) reported
	MaxLive   int // most connections held at once
	Truncated int // TCP packets cut short by the snap length
}

// key is a 4-tuple in canonical order (lower address-port first).
type key struct{ lo, hi netip.AddrPort }

func keyOf(src, dst netip.AddrPort) (key, bool) {
	if src.Compare(dst) <= 0 {
		return key{src, dst}, false
	}
	return key{dst, src}, true
}

// tracker holds the live connections.
type tracker struct {
	o      Options
	live   map[key]*Conn
	nextID int
	incs   map[key]int // incarnations per live tuple
	out    []*Conn
}

// Judge reads a capture from r and yields every connection's report, in
// the order the connections end (finished ones as the capture moves on,
// the rest, by first packet, at the end of the file). A read error ends
// the sequence with that error (a one-line message naming the record);
// the connections seen before it are reported first.
func Judge(r io.Reader, o Options) iter.Seq2[*Conn, error] {
	return func(yield func(*Conn, error) bool) {
		if o.Linger == 0 {
			o.Linger = 4 * time.Minute
		}
		st := o.Stats
		if st == nil {
			st = &Stats{}
		}
		t := &tracker{o: o, live: map[key]*Conn{}, incs: map[key]int{}}
		flush := func() bool {
			for _, c := range t.out {
				st.Conns++
				if !yield(c, nil) {
					return false
				}
			}
			t.out = t.out[:0]
			return true
		}
		rd, err := wire.NewReader(r)
		if err != nil {
			yield(nil, err)
			return
		}
		var last time.Time
		for {
			rec, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.finishAll(last)
				if flush() {
					yield(nil, err)
				}
				return
			}
			st.Records++
			if rec.Time.After(last) {
				last = rec.Time
			}
			ip, err := wire.Unframe(rec.Link, rec.Data)
			if err != nil {
				if errors.Is(err, wire.ErrNotIP) {
					st.NotTCP++
				} else {
					st.Bad++
				}
				continue
			}
			p, err := wire.Decode(ip)
			if err != nil {
				if errors.Is(err, wire.ErrNotTCP) {
					st.NotTCP++
				} else {
					st.Bad++
				}
				continue
			}
			st.TCP++
			if p.Truncated {
				st.Truncated++
			}
			t.packet(rec.N, rec.Time, &p, rec.Comment)
			if len(t.live) > st.MaxLive {
				st.MaxLive = len(t.live)
			}
			if rec.N%4096 == 0 {
				t.sweep(rec.Time)
			}
			if len(t.out) > 0 && !flush() {
				return
			}
		}
		t.finishAll(last)
		flush()
	}
}

// packet files one TCP packet under its connection.
func (t *tracker) packet(n int, at time.Time, p *wire.Packet, comment string) {
	k, _ := keyOf(p.Src, p.Dst)
	c := t.live[k]
	seg := &p.Seg
	syn := seg.Flags&spec.SYN != 0 && seg.Flags&spec.ACK == 0
	var prev *Conn
	if c != nil && syn && c.newIncarnation(seg, p.Src) {
		reopen := false
		for s := range c.Ends {
			if !c.Ends[s].twAt.IsZero() {
				reopen = true
			}
		}
		if reopen {
			c.Reopened, c.reopenAt = true, at
			c.note(n, "this SYN reopens the TIME-WAIT of the previous incarnation")
		}
		t.retire(k, c, time.Time{})
		prev = c
		c = nil
	}
	if c == nil {
		t.nextID++
		t.incs[k]++
		c = &Conn{ID: t.nextID, Inc: t.incs[k], annotate: t.o.Notes != nil}
		c.Ends[A].Addr, c.Ends[B].Addr = p.Src, p.Dst
		if !syn {
			c.MidStart = true
			if seg.Flags&spec.SYN != 0 { // a SYN-ACK first: its sender is B
				c.Ends[A].Addr, c.Ends[B].Addr = p.Dst, p.Src
			}
		}
		if prev != nil {
			// Sides keep their addresses: map the old sides onto the new.
			for s := range prev.Ends {
				ns := A
				if prev.Ends[s].Addr != c.Ends[A].Addr {
					ns = B
				}
				c.prevFIN[ns], c.prevFINSeq[ns] = prev.Ends[s].fin, prev.Ends[s].finSeq
				c.prevTW[ns] = !prev.Ends[s].twAt.IsZero()
				pe := &prev.Ends[s]
				c.prev[ns] = prevEnd{haveSeq: pe.haveSeq && pe.haveISN, isn: pe.isn, sndMax: pe.sndMax, haveTS: pe.haveTS, tsVal: pe.tsVal, twAt: pe.twAt}
			}
			c.prevRST = prev.rstAfterClose
		}
		t.live[k] = c
	}
	side := A
	if p.Src != c.Ends[A].Addr {
		side = B
	}
	q := pk{n: n, at: at, side: side, seg: *seg, lost: strings.Contains(comment, "LOST")}
	if c.seen(n, at, side, seg) && (t.o.Profile != nil || len(t.o.Auto) > 0) {
		c.pkts = append(c.pkts, q)
	}
	if t.o.Keep == c.ID {
		c.kept = append(c.kept, q)
	}
}

// newIncarnation: a SYN from src on this connection's tuple starts a new
// one, unless it is the connection's own SYN resent.
func (c *Conn) newIncarnation(seg *spec.Segment, src netip.AddrPort) bool {
	s := A
	if src != c.Ends[A].Addr {
		s = B
	}
	e := &c.Ends[s]
	if e.haveISN && e.isn == seg.Seq && !c.ended {
		return false // a retransmitted SYN
	}
	return c.ended || e.fin || c.Ends[s.Other()].fin || (e.haveISN && e.isn != seg.Seq)
}

// retire reports a connection and forgets it.
func (t *tracker) retire(k key, c *Conn, endOfCapture time.Time) {
	c.finish(endOfCapture)
	if t.o.Profile != nil && len(t.o.Auto) == 0 {
		for _, s := range []Side{A, B} {
			if p, ok := t.o.Profile(c.Ends[s].Addr); ok {
				v, n := c.replay(c.pkts, s, p, &t.o)
				c.Ends[s].Model = v
				c.Candidates += n
			}
		}
	}
	if len(t.o.Auto) > 0 {
		for _, s := range []Side{A, B} {
			c.fit(s, t.o.Auto, &t.o)
		}
	}
	c.pkts = nil
	if t.o.Notes != nil {
		ns := make([]int, 0, len(c.notes))
		for n := range c.notes {
			ns = append(ns, n)
		}
		sort.Ints(ns)
		for _, n := range ns {
			t.o.Notes(n, c.ID, c.notes[n])
		}
	}
	c.notes = nil
	delete(t.live, k)
	t.out = append(t.out, c)
}

// fit replays endpoint s under each profile and lists those it
// conforms to.
func (c *Conn) fit(s Side, profiles []spec.Profile, o *Options) {
	e := &c.Ends[s]
	var fits, other []string
	cannot := ""
	tried := 0
	for _, p := range profiles {
		v, n := c.replay(c.pkts, s, p, o)
		tried += n
		switch {
		case strings.HasPrefix(v, "conforms"):
			fits = append(fits, p.Name)
		case strings.HasPrefix(v, "cannot judge: search"):
			other = append(other, p.Name+" (search exceeded)")
		case strings.HasPrefix(v, "cannot"):
			cannot = v
		}
	}
	c.Candidates += tried
	e.Fits = fits
	switch {
	case cannot != "" && len(fits) == 0:
		e.Model = cannot
	case len(fits) == 0:
		e.Model = fmt.Sprintf("no profile fits (%d tried; %d candidates tried)", len(profiles), tried)
	default:
		e.Model = fmt.Sprintf("consistent with %s (%d of %d profiles; %d candidates tried)", strings.Join(fits, ", "), len(fits), len(profiles), tried)
	}
	if len(other) > 0 {
		e.Model += "; undecided: " + strings.Join(other, ", ")
	}
}

// sweep retires the finished connections quiet for Linger.
func (t *tracker) sweep(now time.Time) {
	for k, c := range t.live {
		if c.ended && now.Sub(c.LastAt) > t.o.Linger {
			t.retire(k, c, time.Time{})
			delete(t.incs, k) // a tuple quiet for Linger numbers its incarnations from 1 again
		}
	}
}

// finishAll retires every live connection at the end of the capture, in
// order of first packet.
func (t *tracker) finishAll(end time.Time) {
	type kc struct {
		k key
		c *Conn
	}
	all := make([]kc, 0, len(t.live))
	for k, c := range t.live {
		all = append(all, kc{k, c})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].c.ID < all[j].c.ID })
	for _, x := range all {
		t.retire(x.k, x.c, end)
	}
}

// String is a one-line summary: id, tuple, state and verdicts.
func (c *Conn) String() string {
	return fmt.Sprintf("conn %d %s <-> %s inc%d: %s; A %s; B %s", c.ID, c.Ends[A].Addr, c.Ends[B].Addr, c.Inc, c.State, c.Ends[A].Verdict, c.Ends[B].Verdict)
}

// Conforms reports whether neither endpoint broke a rule.
func (c *Conn) Conforms() bool { return len(c.Findings) == 0 }
