package explore

import (
	"encoding/binary"
	"fmt"
	"math"
	mbits "math/bits"
	"sync/atomic"
	"unsafe"
)

// This file holds the compact visited set: 64-bit keyed fingerprints of
// states in an open-addressing table, with the per-state arrays kept
// outside the Go heap.

// Constants of the fingerprint hash (wyhash's).
const (
	hp0 = 0xa0761d6478bd642f
	hp1 = 0xe7037ed1a0b428db
	hp2 = 0x8ebc6af09c88c6e3
	hp3 = 0x589965cc75374cc3
)

// DefaultFPKey is the fingerprint key used when Config.FPKey is 0.
const DefaultFPKey = 0x7463_7063_6c6f_7365 // "tcpclose"

func mix(a, b uint64) uint64 {
	hi, lo := mbits.Mul64(a, b)
	return hi ^ lo
}

// fingerprint is a keyed 64-bit hash of p (the wyhash construction: a
// folded 128-bit multiply per 16 bytes). Two distinct states share a
// fingerprint with probability about 2^-64 for a fixed key; a different
// key gives independent fingerprints, so a search repeated with another
// key checks that no state was omitted by a collision.
func fingerprint(key uint64, p []byte) uint64 {
	n := uint64(len(p))
	s := key ^ mix(key^hp0, hp1)
	for len(p) > 16 {
		s = mix(binary.LittleEndian.Uint64(p)^hp1, binary.LittleEndian.Uint64(p[8:])^s)
		p = p[16:]
	}
	var t [16]byte
	copy(t[:], p)
	a, b := binary.LittleEndian.Uint64(t[:]), binary.LittleEndian.Uint64(t[8:])
	return mix(hp1^n, mix(a^hp1, b^s^hp2)^hp3)
}

// omission estimates the probability that fingerprint collisions made
// the search miss a state, as TLC does: the "optimistic" estimate
// d·(g−d)/2^64 for d distinct states out of g generated (each of the g−d
// successors found already seen could instead have been a new state that
// collided with one of at most d fingerprints), and the birthday bound
// d²/2^65 that any two of the d states collide.
func omission(distinct, generated int64) (optimistic, birthday float64) {
	d, g := float64(distinct), float64(generated)
	return d * math.Max(g-d, 0) / math.Exp2(64), d * d / math.Exp2(65)
}

// offheapCounter counts the bytes mapped by bigArray and fpTable (for
// Config.MaxMem and the report).
type offheapCounter struct{ n atomic.Int64 }

// bigArray is an append-only array of a pointer-free type in chunks
// mapped outside the Go heap: appending never copies, and the garbage
// collector never sees it.
type bigArray[T uint8 | uint16 | uint32 | uint64] struct {
	chunks [][]T
	raw    [][]byte
	n      int
	mem    *offheapCounter
}

const chunkShift = 16 // elements per chunk: 65,536

func (a *bigArray[T]) len() int { return a.n }

func (a *bigArray[T]) append(v T) error {
	if a.n>>chunkShift == len(a.chunks) {
		var z T
		size := int(unsafe.Sizeof(z)) << chunkShift
		b, err := mapBytes(size)
		if err != nil {
			return fmt.Errorf("explore: mapping %d bytes: %w", size, err)
		}
		a.raw = append(a.raw, b)
		a.chunks = append(a.chunks, unsafe.Slice((*T)(unsafe.Pointer(&b[0])), 1<<chunkShift))
		if a.mem != nil {
			a.mem.n.Add(int64(size))
		}
	}
	a.chunks[a.n>>chunkShift][a.n&(1<<chunkShift-1)] = v
	a.n++
	return nil
}

func (a *bigArray[T]) at(i int) T { return a.chunks[i>>chunkShift][i&(1<<chunkShift-1)] }

func (a *bigArray[T]) ptr(i int) *T { return &a.chunks[i>>chunkShift][i&(1<<chunkShift-1)] }

func (a *bigArray[T]) free() {
	for _, b := range a.raw {
		if a.mem != nil {
			a.mem.n.Add(-int64(len(b)))
		}
		unmapBytes(b)
	}
	*a = bigArray[T]{mem: a.mem}
}

// fpTable is the visited set: linear probing over slots that hold a state
// index plus one (0: empty); the fingerprint of state i is fps[i], and its
// home slot is the high half of fp × len(slots). A slot costs 4 bytes;
// the table grows by half when it is 3/4 full, so with the fingerprint the
// set costs 13.3 to 16 bytes a state.
type fpTable struct {
	slots []uint32
	raw   []byte
	fps   bigArray[uint64]
	mem   *offheapCounter
}

func (t *fpTable) home(fp uint64) int {
	hi, _ := mbits.Mul64(fp, uint64(len(t.slots)))
	return int(hi)
}

func newFPTable(mem *offheapCounter) (*fpTable, error) {
	t := &fpTable{mem: mem, fps: bigArray[uint64]{mem: mem}}
	return t, t.resize(1 << 16)
}

func (t *fpTable) resize(nslots int) error {
	if t.raw != nil {
		t.mem.n.Add(-int64(len(t.raw)))
		unmapBytes(t.raw)
	}
	b, err := mapBytes(4 * nslots)
	if err != nil {
		return fmt.Errorf("explore: mapping the visited set (%d bytes): %w", 4*nslots, err)
	}
	t.mem.n.Add(int64(len(b)))
	t.raw = b
	t.slots = unsafe.Slice((*uint32)(unsafe.Pointer(&b[0])), nslots)
	for i := 0; i < t.fps.len(); i++ {
		t.place(t.fps.at(i), uint32(i))
	}
	return nil
}

func (t *fpTable) place(fp uint64, i uint32) {
	for j := t.home(fp); ; j++ {
		if j == len(t.slots) {
			j = 0
		}
		if t.slots[j] == 0 {
			t.slots[j] = i + 1
			return
		}
	}
}

// find returns the index of the state with fingerprint fp, or -1.
func (t *fpTable) find(fp uint64) int32 {
	for j := t.home(fp); ; j++ {
		if j == len(t.slots) {
			j = 0
		}
		s := t.slots[j]
		if s == 0 {
			return -1
		}
		if t.fps.at(int(s-1)) == fp {
			return int32(s - 1)
		}
	}
}

// add records fp as the fingerprint of the next state index, which it
// returns; fp must not be present.
func (t *fpTable) add(fp uint64) (int32, error) {
	i := t.fps.len()
	if i >= math.MaxInt32 {
		return 0, fmt.Errorf("explore: more than %d states", math.MaxInt32)
	}
	if err := t.fps.append(fp); err != nil {
		return 0, err
	}
	if (i+1)*4 > len(t.slots)*3 {
		if err := t.resize(len(t.slots) / 2 * 3); err != nil {
			return 0, err
		}
	} else {
		t.place(fp, uint32(i))
	}
	return int32(i), nil
}

func (t *fpTable) free() {
	if t.raw != nil {
		t.mem.n.Add(-int64(len(t.raw)))
		unmapBytes(t.raw)
		t.raw, t.slots = nil, nil
	}
	t.fps.free()
}
