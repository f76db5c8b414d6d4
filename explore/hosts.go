package explore

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"

	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/spec"
)

// A system state is a combination of two host states, two application
// states and the segments in flight; the hosts and segments recur in
// millions of states (rfc9293, C=2, R=1: 428 distinct host states and 48
// distinct segments in 310,197 states). So each distinct host and segment
// is kept once, with what the search asks of it, and a state in the
// frontier is a few bytes of indexes into these tables.

// hostRec is one distinct host state.
type hostRec struct {
	id     uint32
	h      *model.Host // never stepped: a transition steps a clone
	digest [sha256.Size]byte
	snap   spec.HostSnap
	conns  string // connection states, "CLOSED" or e.g. "FIN-WAIT-2+TIME-WAIT"
	noTCB  bool
	next   spec.Time // h.NextDeadline()
}

// hostKey identifies a host state: its address (which the fingerprint
// leaves out: two fresh hosts print alike), its canonical digest and its
// clock.
type hostKey struct {
	addr   spec.Addr
	digest [sha256.Size]byte
	now    spec.Time
}

type hostTable struct {
	mu   sync.RWMutex
	ids  map[hostKey]uint32
	recs []*hostRec
}

// intern returns the record of h, whose digest is given, adding it if new
// (h then belongs to the table and must not be stepped).
func (t *hostTable) intern(h *model.Host, digest [sha256.Size]byte) *hostRec {
	k := hostKey{h.Addr(), digest, h.Now()}
	t.mu.RLock()
	id, ok := t.ids[k]
	var r *hostRec
	if ok {
		r = t.recs[id]
	}
	t.mu.RUnlock()
	if ok {
		return r
	}
	r = &hostRec{h: h, digest: digest, snap: h.Snapshot(), next: h.NextDeadline()}
	ts := h.Tuples()
	r.noTCB = len(ts) == 0
	if r.noTCB {
		r.conns = "CLOSED"
	} else {
		ss := make([]string, len(ts))
		for i, tu := range ts {
			ss[i] = h.ConnState(tu).String()
		}
		r.conns = strings.Join(ss, "+")
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if id, ok := t.ids[k]; ok {
		return t.recs[id]
	}
	if t.ids == nil {
		t.ids = make(map[hostKey]uint32)
	}
	r.id = uint32(len(t.recs))
	t.ids[k] = r.id
	t.recs = append(t.recs, r)
	return r
}

func (t *hostTable) get(id uint32) (*hostRec, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if int(id) >= len(t.recs) {
		return nil, fmt.Errorf("explore: corrupt frontier: host %d of %d", id, len(t.recs))
	}
	return t.recs[id], nil
}

func (t *hostTable) len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.recs)
}

// chanSeg is a segment in flight with its canonical encoding and its
// index in the segment table.
type chanSeg struct {
	seg spec.Segment
	enc string
	id  uint32
}

type segTable struct {
	mu   sync.RWMutex
	ids  map[string]uint32
	segs []chanSeg
}

func (t *segTable) intern(s spec.Segment) chanSeg {
	enc := encodeSeg(s)
	t.mu.RLock()
	id, ok := t.ids[enc]
	var c chanSeg
	if ok {
		c = t.segs[id]
	}
	t.mu.RUnlock()
	if ok {
		return c
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if id, ok := t.ids[enc]; ok {
		return t.segs[id]
	}
	if t.ids == nil {
		t.ids = make(map[string]uint32)
	}
	c = chanSeg{seg: s, enc: enc, id: uint32(len(t.segs))}
	t.ids[enc] = c.id
	t.segs = append(t.segs, c)
	return c
}

func (t *segTable) get(id uint32) (chanSeg, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if int(id) >= len(t.segs) {
		return chanSeg{}, fmt.Errorf("explore: corrupt frontier: segment %d of %d", id, len(t.segs))
	}
	return t.segs[id], nil
}

// encode appends the compact encoding of s: host and segment indexes,
// application and monitor states. It is not canonical across runs (the
// tables fill in scheduling order); key is.
func (s *sys) encode(b []byte) []byte {
	for x := 0; x < 2; x++ {
		b = binary.AppendUvarint(b, uint64(s.hr[x].id))
		a := s.app[x]
		b = append(b, bits(a.started, a.est, a.dead, a.shutWR, a.closed), a.writes)
		b = binary.AppendVarint(b, int64(a.fd))
		b = binary.AppendVarint(b, int64(a.lfd))
		m := s.mon[x]
		b = binary.AppendUvarint(b, uint64(m.written))
		b = binary.AppendUvarint(b, uint64(m.read))
		b = binary.AppendUvarint(b, uint64(m.afterReset))
		b = append(b, bits(m.wrClosed, m.peerClosed, m.reset, m.errSeen, m.abnormal))
		b = append(b, byte(len(s.ch[x])))
		for _, c := range s.ch[x] {
			b = binary.AppendUvarint(b, uint64(c.id))
		}
	}
	return append(b, s.dup)
}

type decoder struct {
	p   []byte
	err error
}

func (d *decoder) byte() byte {
	if d.err != nil || len(d.p) == 0 {
		d.err = fmt.Errorf("explore: corrupt frontier entry")
		return 0
	}
	v := d.p[0]
	d.p = d.p[1:]
	return v
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, k := binary.Uvarint(d.p)
	if k <= 0 {
		d.err = fmt.Errorf("explore: corrupt frontier entry")
		return 0
	}
	d.p = d.p[k:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, k := binary.Varint(d.p)
	if k <= 0 {
		d.err = fmt.Errorf("explore: corrupt frontier entry")
		return 0
	}
	d.p = d.p[k:]
	return v
}

func bit(v byte, i uint) bool { return v&(1<<i) != 0 }

// decode rebuilds a state from its encoding.
func (e *explorer) decode(p []byte) (*sys, error) {
	d := &decoder{p: p}
	s := &sys{}
	for x := 0; x < 2; x++ {
		hr, err := e.hosts.get(uint32(d.uvarint()))
		if err != nil {
			return nil, err
		}
		s.hr[x] = hr
		f := d.byte()
		s.app[x] = appState{started: bit(f, 0), est: bit(f, 1), dead: bit(f, 2), shutWR: bit(f, 3), closed: bit(f, 4)}
		s.app[x].writes = d.byte()
		s.app[x].fd = int32(d.varint())
		s.app[x].lfd = int32(d.varint())
		m := &s.mon[x]
		m.written, m.read, m.afterReset = uint32(d.uvarint()), uint32(d.uvarint()), uint32(d.uvarint())
		f = d.byte()
		m.wrClosed, m.peerClosed, m.reset, m.errSeen, m.abnormal = bit(f, 0), bit(f, 1), bit(f, 2), bit(f, 3), bit(f, 4)
		n := int(d.byte())
		if n > 0 {
			s.ch[x] = make([]chanSeg, n)
			for i := range s.ch[x] {
				c, err := e.segs.get(uint32(d.uvarint()))
				if err != nil {
					return nil, err
				}
				s.ch[x][i] = c
			}
		}
	}
	s.dup = d.byte()
	if d.err == nil && len(d.p) != 0 {
		d.err = fmt.Errorf("explore: corrupt frontier entry (%d bytes left)", len(d.p))
	}
	return s, d.err
}
