package impl

import "hash/maphash"

// Slots of an index hold idx+1 in the low idxBits bits (0 marks an empty
// slot) and a 5-bit tag taken from the top of the key's hash in the high
// bits, so that most probes that miss never touch the entry they point at.
const (
	idxBits = 27
	idxMask = 1<<idxBits - 1
	// maxIndexed bounds the entries one index can hold (about 134 million).
	maxIndexed = idxMask - 1
)

// keySource gives the 64-bit key of a stored entry.
type keySource interface {
	keyAt(i uint32) uint64
}

// index maps 64-bit connection keys to entry numbers: open addressing with
// linear probing, a keyed hash (hash/maphash, one seed per Stack) so that
// crafted 4-tuples cannot pile up in one run, and backward-shift deletion
// (no tombstones, so steady churn never degrades it). The table holds 4
// bytes per slot and stays between 3/8 and 3/4 full.
type index[K keySource] struct {
	slots []uint32
	mask  uint64
	n     int
	seed  maphash.Seed
	src   K
}

func newIndex[K keySource](seed maphash.Seed, src K) index[K] {
	const initial = 64
	return index[K]{slots: make([]uint32, initial), mask: initial - 1, seed: seed, src: src}
}

func (x *index[K]) hash(key uint64) uint64 { return maphash.Comparable(x.seed, key) }

// find returns the entry stored under key.
func (x *index[K]) find(key uint64) (uint32, bool) {
	h := x.hash(key)
	tag := uint32(h>>59) << idxBits
	for i := h & x.mask; ; i = (i + 1) & x.mask {
		s := x.slots[i]
		if s == 0 {
			return 0, false
		}
		if s&^idxMask == tag {
			if e := s&idxMask - 1; x.src.keyAt(e) == key {
				return e, true
			}
		}
	}
}

// insert stores entry e under key, which must not be present.
func (x *index[K]) insert(key uint64, e uint32) {
	if (x.n+1)*4 > len(x.slots)*3 {
		x.grow()
	}
	x.place(x.hash(key), e)
	x.n++
}

func (x *index[K]) place(h uint64, e uint32) {
	v := uint32(h>>59)<<idxBits | (e + 1)
	for i := h & x.mask; ; i = (i + 1) & x.mask {
		if x.slots[i] == 0 {
			x.slots[i] = v
			return
		}
	}
}

func (x *index[K]) grow() {
	old := x.slots
	x.slots = make([]uint32, 2*len(old))
	x.mask = uint64(len(x.slots) - 1)
	for _, s := range old {
		if s != 0 {
			e := s&idxMask - 1
			x.place(x.hash(x.src.keyAt(e)), e)
		}
	}
}

// remove deletes key (which maps to entry e) and closes the gap by shifting
// later members of the probe run back.
func (x *index[K]) remove(key uint64, e uint32) {
	h := x.hash(key)
	i := h & x.mask
	for x.slots[i]&idxMask != e+1 {
		i = (i + 1) & x.mask
	}
	for j := (i + 1) & x.mask; ; j = (j + 1) & x.mask {
		s := x.slots[j]
		if s == 0 {
			break
		}
		home := x.hash(x.src.keyAt(s&idxMask-1)) & x.mask
		// s may move to i unless its home lies cyclically in (i, j].
		if (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
			x.slots[i] = s
			i = j
		}
	}
	x.slots[i] = 0
	x.n--
}

// bytes is the memory the index holds.
func (x *index[K]) bytes() int { return 4 * len(x.slots) }
