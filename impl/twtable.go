package impl

import (
	"unsafe"

	"github.com/tcpclose/tcpclose/spec"
)

// twEntry is one TIME-WAIT connection, 48 bytes for IPv4 and IPv6 alike.
// It keeps what TIME-WAIT behaviour and snapshots need and nothing else:
// the 4-tuple (the local address is the host's own; an IPv6 peer's
// 16-byte address is held once per peer in the Stack's peerTable, which
// the key names by number), SND.NXT, RCV.NXT, TS.Recent, the 2MSL
// deadline, the RFC 5961 §7 rate-limit clock, and in meta the connection ID
// and flags.
type twEntry struct {
	key      uint64    // remote IP or peer number, remote port, local port (tupleKey, tupleKey6)
	deadline spec.Time // 2MSL deadline; spec.Never when no timer runs
	lastOOW  spec.Time // last rate-limited ACK (with twOOWSent)
	meta     uint64    // id and flags, see tw* constants
	sndNxt   spec.Seq
	rcvNxt   spec.Seq
	tsRecent uint32
	// pos is the entry's FIFO position (truncated) while its timer is in
	// the FIFO, its token in the side heap while it is there, and the next
	// free entry while the entry is free.
	pos uint32
}

// Bits of twEntry.meta.
const (
	twIDMask     = 1<<45 - 1 // connection ID
	twWS         = 1 << 45   // window scaling was on (RCV.WND shifts by the profile's WindowShift)
	twExplicit   = 1 << 46   // its port was bound explicitly (bind, listen)
	twParentSh   = 47        // parent fd + 1 in 11 bits (0: none)
	twParentMask = 1<<11 - 1
	twPlaceSh    = 58 // where the timer is: none, FIFO or side heap
	twPlaceMask  = 3
	twOOWSent    = 1 << 60
	twReuse      = 1 << 61
	twTSOK       = 1 << 62
	twLive       = 1 << 63
)

const (
	placeNone = iota
	placeFIFO
	placeHeap
)

func (e *twEntry) id() uint64    { return e.meta & twIDMask }
func (e *twEntry) place() uint64 { return e.meta >> twPlaceSh & twPlaceMask }
func (e *twEntry) setPlace(p uint64) {
	e.meta = e.meta&^(twPlaceMask<<twPlaceSh) | p<<twPlaceSh
}
func (e *twEntry) parent() int32  { return int32(e.meta>>twParentSh&twParentMask) - 1 }
func (e *twEntry) tsok() bool     { return e.meta&twTSOK != 0 }
func (e *twEntry) reuse() bool    { return e.meta&twReuse != 0 }
func (e *twEntry) explicit() bool { return e.meta&twExplicit != 0 }
func (e *twEntry) wsOK() bool     { return e.meta&twWS != 0 }

func twMeta(id uint64, parent int32, tsok, reuse, oowSent, explicit bool) uint64 {
	m := id&twIDMask | uint64(parent+1)&twParentMask<<twParentSh | twLive
	if explicit {
		m |= twExplicit
	}
	if tsok {
		m |= twTSOK
	}
	if reuse {
		m |= twReuse
	}
	if oowSent {
		m |= twOOWSent
	}
	return m
}

const (
	twChunkBits = 12
	twChunk     = 1 << twChunkBits
	fifoChunk   = 1024
	maxSpare    = 4
)

// twTable holds the TIME-WAIT entries: a chunked slab (no copying as it
// grows, pointers stay valid), an index by 4-tuple, and the expiry order.
//
// Expiry: every TIME-WAIT lasts the same time, so deadlines arrive in the
// order entries are armed. A FIFO of entry numbers (4 bytes a slot) holds
// them in that order; a restart appends the entry again and the old slot
// goes stale. An entry records the FIFO position of its live slot, so a
// slot is current exactly when its position matches; stale slots are
// skipped when they reach the head. The few deadlines that do not arrive
// in order (a TIME-WAIT restored after a failed reopen keeps its old
// deadline; equal deadlines must expire in connection-ID order) go to a
// small side heap instead. Expiry therefore costs O(1) per entry whatever
// the number of entries.
type twTable struct {
	chunks []*[twChunk]twEntry
	hi     uint32 // entries ever handed out
	free   uint32 // first free entry + 1
	n      int
	idx    index[twKeys]

	// FIFO of entry numbers: a ring of chunks.
	ring     []*[fifoChunk]uint32
	ringHead int    // ring slot of the chunk holding position base
	base     uint64 // position of ring[ringHead][0]
	head     uint64 // next position to pop
	tail     uint64 // next position to push
	spare    []*[fifoChunk]uint32
	lastDL   spec.Time // deadline and ID of the last push (FIFO order check)
	lastID   uint64
	anyPush  bool

	heap    []twHeapNode
	heapTok uint32

	// The result of the last peek, valid until the table changes.
	peeked  bool
	peekIdx uint32
	peekOK  bool
}

type twHeapNode struct {
	deadline spec.Time
	id       uint64
	e        uint32
	tok      uint32
}

type twKeys struct{ t *twTable }

func (k twKeys) keyAt(i uint32) uint64 { return k.t.at(i).key }

func (t *twTable) init(seed hashKey) {
	t.idx = newIndex(seed, twKeys{t})
}

func (t *twTable) at(i uint32) *twEntry { return &t.chunks[i>>twChunkBits][i&(twChunk-1)] }

// lookup finds the entry for key.
func (t *twTable) lookup(key uint64) (uint32, bool) { return t.idx.find(key) }

// insert adds e (which must carry twLive and no placement) and arms its
// deadline. The key must not be present.
func (t *twTable) insert(e twEntry) uint32 {
	var i uint32
	if t.free != 0 {
		i = t.free - 1
		t.free = t.at(i).pos
	} else {
		i = t.hi
		if int(i>>twChunkBits) == len(t.chunks) {
			t.chunks = append(t.chunks, new([twChunk]twEntry))
		}
		t.hi++
	}
	t.peeked = false
	p := t.at(i)
	*p = e
	t.idx.insert(e.key, i)
	t.n++
	t.schedule(i, p)
	return i
}

// remove deletes entry i. Its FIFO slot or heap node goes stale.
func (t *twTable) remove(i uint32) {
	t.peeked = false
	p := t.at(i)
	t.idx.remove(p.key, i)
	p.meta = 0
	p.pos = t.free
	t.free = i + 1
	t.n--
}

// setDeadline moves entry i's deadline (a restart).
func (t *twTable) setDeadline(i uint32, d spec.Time) {
	t.peeked = false
	p := t.at(i)
	p.deadline = d
	t.schedule(i, p)
}

// schedule files entry i under its deadline: at the FIFO tail when that
// keeps the FIFO in (deadline, ID) order, otherwise in the side heap.
func (t *twTable) schedule(i uint32, p *twEntry) {
	if p.deadline == spec.Never {
		p.setPlace(placeNone)
		return
	}
	id := p.id()
	if !t.anyPush || p.deadline > t.lastDL || (p.deadline == t.lastDL && id > t.lastID) {
		t.anyPush, t.lastDL, t.lastID = true, p.deadline, id
		p.setPlace(placeFIFO)
		p.pos = uint32(t.push(i))
		return
	}
	p.setPlace(placeHeap)
	t.heapTok++
	p.pos = t.heapTok
	t.heapPush(twHeapNode{deadline: p.deadline, id: id, e: i, tok: t.heapTok})
}

// peek returns the entry whose deadline comes first (by deadline, then
// connection ID), dropping stale FIFO slots and heap nodes on the way.
func (t *twTable) peek() (uint32, *twEntry, bool) {
	if t.peeked {
		if !t.peekOK {
			return 0, nil, false
		}
		return t.peekIdx, t.at(t.peekIdx), true
	}
	i, p, ok := t.scan()
	t.peeked, t.peekIdx, t.peekOK = true, i, ok
	return i, p, ok
}

func (t *twTable) scan() (uint32, *twEntry, bool) {
	var fi uint32
	var fp *twEntry
	for t.head < t.tail {
		i := t.fifoAt(t.head)
		p := t.at(i)
		if p.meta&twLive != 0 && p.place() == placeFIFO && p.pos == uint32(t.head) {
			fi, fp = i, p
			break
		}
		t.pop()
	}
	for len(t.heap) > 0 {
		n := &t.heap[0]
		p := t.at(n.e)
		if p.meta&twLive != 0 && p.place() == placeHeap && p.pos == n.tok {
			if fp == nil || n.deadline < fp.deadline || (n.deadline == fp.deadline && n.id < fp.id()) {
				return n.e, p, true
			}
			break
		}
		t.heapPop()
	}
	return fi, fp, fp != nil
}

func (t *twTable) fifoAt(pos uint64) uint32 {
	off := pos - t.base
	return t.ring[(t.ringHead+int(off/fifoChunk))&(len(t.ring)-1)][off%fifoChunk]
}

func (t *twTable) push(i uint32) uint64 {
	pos := t.tail
	off := pos - t.base
	ci := int(off / fifoChunk)
	if off%fifoChunk == 0 {
		// a new chunk is needed at ring offset ci
		if ci == len(t.ring) || len(t.ring) == 0 {
			t.growRing()
		}
		var c *[fifoChunk]uint32
		if n := len(t.spare); n > 0 {
			c, t.spare = t.spare[n-1], t.spare[:n-1]
		} else {
			c = new([fifoChunk]uint32)
		}
		t.ring[(t.ringHead+ci)&(len(t.ring)-1)] = c
	}
	t.ring[(t.ringHead+ci)&(len(t.ring)-1)][off%fifoChunk] = i
	t.tail++
	return pos
}

func (t *twTable) growRing() {
	n := max(4, 2*len(t.ring))
	r := make([]*[fifoChunk]uint32, n)
	for k := 0; k < len(t.ring); k++ {
		r[k] = t.ring[(t.ringHead+k)&(len(t.ring)-1)]
	}
	t.ring, t.ringHead = r, 0
}

func (t *twTable) pop() {
	t.head++
	if t.head-t.base == fifoChunk {
		c := t.ring[t.ringHead]
		t.ring[t.ringHead] = nil
		if len(t.spare) < maxSpare {
			t.spare = append(t.spare, c)
		}
		t.ringHead = (t.ringHead + 1) & (len(t.ring) - 1)
		t.base += fifoChunk
	}
}

func heapLess(a, b *twHeapNode) bool {
	return a.deadline < b.deadline || (a.deadline == b.deadline && a.id < b.id)
}

func (t *twTable) heapPush(n twHeapNode) {
	t.heap = append(t.heap, n)
	h := t.heap
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !heapLess(&h[i], &h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

func (t *twTable) heapPop() {
	h := t.heap
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	t.heap = h
	i := 0
	for {
		l := 2*i + 1
		if l >= len(h) {
			break
		}
		m := l
		if r := l + 1; r < len(h) && heapLess(&h[r], &h[l]) {
			m = r
		}
		if !heapLess(&h[m], &h[i]) {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// fifoLen is the number of FIFO slots, stale ones included.
func (t *twTable) fifoLen() int { return int(t.tail - t.head) }

// bytes is the memory the table holds (slab, index, FIFO, heap).
func (t *twTable) bytes() int {
	b := len(t.chunks)*twChunk*48 + t.idx.bytes() + cap(t.heap)*24 + len(t.ring)*8
	for _, c := range t.ring {
		if c != nil {
			b += fifoChunk * 4
		}
	}
	return b + len(t.spare)*fifoChunk*4
}

func unsafeSizeofTW() uintptr   { return unsafe.Sizeof(twEntry{}) }
func unsafeSizeofConn() uintptr { return unsafe.Sizeof(conn{}) }
