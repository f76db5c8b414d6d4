package impl

import (
	"hash/maphash"
	"math/bits"
)

// Slots of an index hold idx+1 in the low idxBits bits (0 marks an empty
// slot) and, in the high bits, the slot's distance from its home slot
// (Robin Hood hashing). The distance lets a lookup skip, without touching
// the entry, every slot whose key has another home, stop as soon as it
// passes where its key would be, and lets a deletion shift later slots
// back without rehashing anything.
const (
	idxBits = 27
	idxMask = 1<<idxBits - 1
	maxDist = 1<<(32-idxBits) - 1
)

// keySource gives the 64-bit key of a stored entry.
type keySource interface {
	keyAt(i uint32) uint64
}

// hashKey keys the indexes' hash: two random words drawn once per Stack
// from hash/maphash's seed source. The hash is wyhash's folded 64x64->128
// multiply of the key under them, the mix Go's own maps use where AES
// hashing is unavailable: a few cycles where maphash.Comparable costs an
// indirect call, and as unpredictable without the key.
type hashKey struct{ k0, k1 uint64 }

func newHashKey() hashKey {
	s := maphash.MakeSeed()
	return hashKey{k0: maphash.Comparable(s, uint64(0x9E3779B97F4A7C15)), k1: maphash.Comparable(s, uint64(0xe7037ed1a0b428db)) | 1}
}

func (k hashKey) hash(x uint64) uint64 {
	hi, lo := bits.Mul64(x^k.k0, k.k1)
	return hi ^ lo
}

// index maps 64-bit connection keys to entry numbers: open addressing with
// Robin Hood linear probing and backward-shift deletion (no tombstones,
// so steady churn never degrades it), under a keyed hash (hashKey, one
// key per Stack) so that crafted 4-tuples cannot pile up. It holds 4
// bytes per slot and stays between 3/8 and 3/4 full. Should a probe
// distance ever exceed what a slot can record, the table grows.
type index[K keySource] struct {
	slots []uint32
	mask  uint64
	n     int
	seed  hashKey
	src   K
	// pending is an entry (plus one) left unplaced when a probe
	// distance overflowed; grow places it.
	pending uint32
}

func newIndex[K keySource](seed hashKey, src K) index[K] {
	const initial = 64
	return index[K]{slots: make([]uint32, initial), mask: initial - 1, seed: seed, src: src}
}

func (x *index[K]) hash(key uint64) uint64 { return x.seed.hash(key) }

func slotDist(s uint32) uint32 { return s >> idxBits }

// find returns the entry stored under key.
func (x *index[K]) find(key uint64) (uint32, bool) { return x.findHashed(key, x.hash(key)) }

// findHashed is find for a key whose hash h (under this index's seed) is
// known already.
func (x *index[K]) findHashed(key, h uint64) (uint32, bool) {
	i := h & x.mask
	for d := uint32(0); ; d++ {
		s := x.slots[i]
		if s == 0 || slotDist(s) < d {
			return 0, false
		}
		if slotDist(s) == d {
			if e := s&idxMask - 1; x.src.keyAt(e) == key {
				return e, true
			}
		}
		i = (i + 1) & x.mask
	}
}

// insert stores entry e under key, which must not be present.
func (x *index[K]) insert(key uint64, e uint32) {
	if (x.n+1)*4 > len(x.slots)*3 {
		x.grow()
	}
	x.n++
	if !x.place(x.hash(key), e) {
		x.grow() // places whichever entry was left over
	}
}

// place puts e (whose key hashes to h) into the table, displacing
// richer slots. It reports false, leaving some entry (possibly another
// one) unplaced in pending, if a distance overflowed; grow then rehashes.
func (x *index[K]) place(h uint64, e uint32) bool {
	v := e + 1
	i := h & x.mask
	for d := uint32(0); ; d++ {
		if d > maxDist {
			x.pending = v
			return false
		}
		s := x.slots[i]
		if s == 0 {
			x.slots[i] = d<<idxBits | v
			return true
		}
		if sd := slotDist(s); sd < d {
			x.slots[i] = d<<idxBits | v
			v, d = s&idxMask, sd
		}
		i = (i + 1) & x.mask
	}
}

func (x *index[K]) grow() {
	old := x.slots
	x.slots = make([]uint32, 2*len(old))
	x.mask = uint64(len(x.slots) - 1)
	for _, s := range old {
		if s != 0 {
			x.reinsert(s&idxMask - 1)
		}
	}
	if x.pending != 0 {
		e := x.pending - 1
		x.pending = 0
		x.reinsert(e)
	}
}

func (x *index[K]) reinsert(e uint32) {
	if !x.place(x.hash(x.src.keyAt(e)), e) {
		x.grow()
	}
}

// remove deletes key, which maps to entry e, and shifts the rest of its
// run back one slot.
func (x *index[K]) remove(key uint64, e uint32) {
	i := x.hash(key) & x.mask
	for x.slots[i]&idxMask != e+1 {
		i = (i + 1) & x.mask
	}
	for {
		j := (i + 1) & x.mask
		s := x.slots[j]
		if s == 0 || slotDist(s) == 0 {
			break
		}
		x.slots[i] = s - 1<<idxBits
		i = j
	}
	x.slots[i] = 0
	x.n--
}

// bytes is the memory the index holds.
func (x *index[K]) bytes() int { return 4 * len(x.slots) }
