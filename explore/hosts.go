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

// table interns values under keys: each distinct key gets the next index
// and its value once. Lookups share a read lock; a new value is built
// outside any lock and added under the write lock, where a value another
// goroutine added in the meantime wins.
type table[K comparable, V any] struct {
	mu   sync.RWMutex
	ids  map[K]uint32
	vals []V
	what string // "host" or "segment", for errors
}

// lookup returns the value interned under k, if any.
func (t *table[K, V]) lookup(k K) (v V, ok bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	id, ok := t.ids[k]
	if ok {
		v = t.vals[id]
	}
	return v, ok
}

// add interns v under k, unless a value is there already, and returns
// the one interned; setID gives a new value its index.
func (t *table[K, V]) add(k K, v V, setID func(*V, uint32)) V {
	t.mu.Lock()
	defer t.mu.Unlock()
	if id, ok := t.ids[k]; ok {
		return t.vals[id]
	}
	if t.ids == nil {
		t.ids = make(map[K]uint32)
	}
	id := uint32(len(t.vals))
	setID(&v, id)
	t.ids[k] = id
	t.vals = append(t.vals, v)
	return v
}

// get returns the value of index id; an index past the end is a corrupt
// frontier entry.
func (t *table[K, V]) get(id uint32) (V, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if int(id) >= len(t.vals) {
		var zero V
		return zero, fmt.Errorf("explore: corrupt frontier: %s %d of %d", t.what, id, len(t.vals))
	}
	return t.vals[id], nil
}

func (t *table[K, V]) len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.vals)
}

// hostTable holds the distinct host states.
type hostTable struct{ table[hostKey, *hostRec] }

// intern returns the record of h, whose digest is given, adding it if new
// (h then belongs to the table and must not be stepped).
func (t *hostTable) intern(h *model.Host, digest [sha256.Size]byte) *hostRec {
	k := hostKey{h.Addr(), digest, h.Now()}
	if r, ok := t.lookup(k); ok {
		return r
	}
	r := &hostRec{h: h, digest: digest, snap: h.Snapshot(), next: h.NextDeadline()}
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
	return t.add(k, r, func(r **hostRec, id uint32) { (*r).id = id })
}

// chanSeg is a segment in flight with its canonical encoding and its
// index in the segment table.
type chanSeg struct {
	seg spec.Segment
	enc string
	id  uint32
}

// segTable holds the distinct segments in flight, by their encoding.
type segTable struct{ table[string, chanSeg] }

func (t *segTable) intern(s spec.Segment) chanSeg {
	enc := encodeSeg(s)
	if c, ok := t.lookup(enc); ok {
		return c
	}
	return t.add(enc, chanSeg{seg: s, enc: enc}, func(c *chanSeg, id uint32) { c.id = id })
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

func (d *decoder) uvarint() uint64 { return readVarint(d, binary.Uvarint) }

func (d *decoder) varint() int64 { return readVarint(d, binary.Varint) }

// readVarint reads one varint with read (binary.Uvarint or binary.Varint).
func readVarint[T uint64 | int64](d *decoder, read func([]byte) (T, int)) T {
	if d.err != nil {
		return 0
	}
	v, k := read(d.p)
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
