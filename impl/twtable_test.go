package impl

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tcpclose/tcpclose/spec"
)

func newTestTW() *twTable {
	t := &twTable{}
	t.init(newHashKey())
	return t
}

func addTW(t *twTable, key uint64, id uint64, dl spec.Time) uint32 {
	return t.insert(twEntry{key: key, deadline: dl, meta: twMeta(id, -1, false, false, false, false)})
}

// popAll expires every entry in order and returns their IDs.
func popAll(t *twTable) []uint64 {
	var ids []uint64
	for {
		i, e, ok := t.peek()
		if !ok {
			return ids
		}
		ids = append(ids, e.id())
		t.remove(i)
	}
}

// TestTimeWaitFIFORestart: a restart re-appends the entry; its old FIFO
// slot goes stale and is skipped (R9293-SEG-FIN-TW restarts the 2MSL
// timer).
func TestTimeWaitFIFORestart(t *testing.T) {
	tw := newTestTW()
	a := addTW(tw, 1, 1, 10)
	addTW(tw, 2, 2, 10)
	addTW(tw, 3, 3, 20)
	tw.setDeadline(a, 30)
	if tw.fifoLen() != 4 {
		t.Fatalf("FIFO holds %d slots, want 4 (one stale)", tw.fifoLen())
	}
	if got := popAll(tw); !slices.Equal(got, []uint64{2, 3, 1}) {
		t.Fatalf("expiry order %v, want [2 3 1]", got)
	}
	if tw.fifoLen() != 0 || tw.n != 0 {
		t.Fatalf("after expiry: fifo %d, n %d", tw.fifoLen(), tw.n)
	}
}

// TestTimeWaitSlotReuse: an entry removed early leaves a stale FIFO slot;
// the entry number is reused by a later entry, which the stale slot must
// not expire.
func TestTimeWaitSlotReuse(t *testing.T) {
	tw := newTestTW()
	a := addTW(tw, 1, 1, 10)
	tw.remove(a)
	b := addTW(tw, 2, 2, 20)
	if a != b {
		t.Fatalf("entry %d not reused (got %d)", a, b)
	}
	i, e, ok := tw.peek()
	if !ok || i != b || e.deadline != 20 {
		t.Fatalf("peek = %d %+v %v; want entry %d at 20", i, e, ok, b)
	}
}

// TestTimeWaitTieBreak: equal deadlines expire in connection-ID order even
// when armed in the opposite order, and an older deadline (a restored
// TIME-WAIT, R9293-MAY2-RETURN) expires before newer ones.
func TestTimeWaitTieBreak(t *testing.T) {
	tw := newTestTW()
	addTW(tw, 1, 5, 100)
	addTW(tw, 2, 3, 100)
	addTW(tw, 3, 9, 100)
	addTW(tw, 4, 7, 50)         // restored: deadline in the past of the FIFO tail
	addTW(tw, 5, 8, spec.Never) // no timer: never expires
	if got := popAll(tw); !slices.Equal(got, []uint64{7, 3, 5, 9}) {
		t.Fatalf("expiry order %v, want [7 3 5 9]", got)
	}
	if tw.n != 1 {
		t.Fatalf("%d entries left, want the one without a timer", tw.n)
	}
}

// TestTimeWaitTableRandom runs random inserts, removals, restarts and
// expiries against a plain reference and checks every expiry.
func TestTimeWaitTableRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	tw := newTestTW()
	type ref struct {
		i  uint32
		id uint64
		dl spec.Time
	}
	live := map[uint64]*ref{} // by key
	now := spec.Time(0)
	nextID := uint64(0)
	var freed []uint64
	const twLen = 1000
	for step := 0; step < 200000; step++ {
		switch op := r.IntN(10); {
		case op < 4: // insert at now+twLen, or an odd deadline
			key := r.Uint64N(5000) + 1
			if live[key] != nil {
				continue
			}
			nextID++
			dl := now + twLen
			switch r.IntN(10) {
			case 0:
				dl = now + spec.Time(r.IntN(twLen)) + 1
			case 1:
				dl = spec.Never
			}
			id := nextID
			if r.IntN(5) == 0 && len(freed) > 0 {
				// an older ID of a gone entry, as a restored TIME-WAIT has
				id, freed = freed[len(freed)-1], freed[:len(freed)-1]
			}
			live[key] = &ref{i: addTW(tw, key, id, dl), id: id, dl: dl}
		case op < 5: // remove at random (RST, reopen)
			for k, e := range live {
				tw.remove(e.i)
				delete(live, k)
				freed = append(freed, e.id)
				break
			}
		case op < 7: // restart
			for _, e := range live {
				if e.dl != spec.Never {
					e.dl = now + twLen
					tw.setDeadline(e.i, e.dl)
				}
				break
			}
		default: // time passes; expire what is due, checking order
			now += spec.Time(r.IntN(50))
			for {
				var want *ref
				var wantKey uint64
				for k, e := range live {
					if e.dl == spec.Never {
						continue
					}
					if want == nil || e.dl < want.dl || (e.dl == want.dl && e.id < want.id) {
						want, wantKey = e, k
					}
				}
				i, e, ok := tw.peek()
				if (want == nil) != !ok {
					t.Fatalf("step %d: peek ok=%v, reference has %v", step, ok, want)
				}
				if want == nil || want.dl > now {
					if ok && e.deadline != want.dl {
						t.Fatalf("step %d: next deadline %d, want %d", step, e.deadline, want.dl)
					}
					break
				}
				if i != want.i || e.deadline != want.dl || e.id() != want.id || e.key != wantKey {
					t.Fatalf("step %d: expired entry %d (id %d dl %d), want %d (id %d dl %d)", step, i, e.id(), e.deadline, want.i, want.id, want.dl)
				}
				tw.remove(i)
				delete(live, wantKey)
			}
		}
		if tw.n != len(live) {
			t.Fatalf("step %d: %d entries, want %d", step, tw.n, len(live))
		}
	}
	for k, e := range live {
		if i, ok := tw.lookup(k); !ok || i != e.i {
			t.Fatalf("lookup(%d) = %d %v, want %d", k, i, ok, e.i)
		}
	}
}

// TestIndexManyEntries fills the index with adversarially regular keys
// (one remote address, consecutive ports; consecutive addresses), removes
// a random half, and checks every lookup against a Go map; probe runs must
// stay short because the hash is keyed.
func TestIndexManyEntries(t *testing.T) {
	keys := []uint64{}
	for p := 0; p < 60000; p++ {
		keys = append(keys, tupleKey(spec.IPv4(192, 0, 2, 1), uint16(p+1), 8080))
	}
	for i := 0; i < 140000; i++ {
		keys = append(keys, tupleKey(spec.IPv4(10, byte(i>>16), byte(i>>8), byte(i)), 443, 8080))
	}
	tw := newTestTW()
	ref := map[uint64]uint32{}
	for n, k := range keys {
		ref[k] = addTW(tw, k, uint64(n+1), 0)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for _, k := range keys {
		if r.IntN(2) == 0 {
			tw.remove(ref[k])
			delete(ref, k)
		}
	}
	for _, k := range keys {
		i, ok := tw.lookup(k)
		want, wok := ref[k]
		if ok != wok || (ok && i != want) {
			t.Fatalf("lookup %#x = %d %v, want %d %v", k, i, ok, want, wok)
		}
	}
	// Longest probe run.
	run, longest := 0, 0
	for _, s := range tw.idx.slots {
		if s == 0 {
			run = 0
			continue
		}
		run++
		longest = max(longest, run)
	}
	if longest > 200 {
		t.Errorf("longest probe run %d slots among %d entries", longest, tw.n)
	}
	if tw.idx.n != len(ref) {
		t.Errorf("index holds %d, want %d", tw.idx.n, len(ref))
	}
}

// TestTimeWaitEntrySize pins the compact entry at 48 bytes, for IPv4 and
// IPv6 hosts alike: an IPv6 entry adds only its share of its peer's
// number (peerTable: 16 bytes of address and 4 of count per peer, plus a
// map slot; BenchmarkStackTimeWaitMemory/ipv6 measures the worst case,
// every entry a peer of its own).
func TestTimeWaitEntrySize(t *testing.T) {
	if n := unsafeSizeofTW(); n != 48 {
		t.Fatalf("twEntry is %d bytes, want 48", n)
	}
}

// TestIndexDistanceOverflow forces probe distances past what a slot
// records (keys chosen, knowing the seed, to share one home slot) and
// checks that the index grows and stays exact.
func TestIndexDistanceOverflow(t *testing.T) {
	tw := newTestTW()
	// Fill without the load check so that runs grow long.
	ref := map[uint64]uint32{}
	// 40 keys whose hashes share home slot 0 of the initial 64-slot table.
	var keys []uint64
	for k := uint64(1); len(keys) < 40; k++ {
		if tw.idx.hash(k)&63 == 0 {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		e := addTWNoIndex(tw, k)
		tw.idx.n++
		if !tw.idx.place(tw.idx.hash(k), e) {
			tw.idx.grow()
		}
		ref[k] = e
	}
	for k, e := range ref {
		if i, ok := tw.idx.find(k); !ok || i != e {
			t.Fatalf("find(%#x) = %d %v, want %d", k, i, ok, e)
		}
	}
	n := 0
	for _, s := range tw.idx.slots {
		if s != 0 {
			n++
		}
	}
	if n != len(ref) {
		t.Fatalf("%d slots used, want %d", n, len(ref))
	}
	if len(tw.idx.slots) == 64 {
		t.Fatalf("no distance overflow: the test lost its point")
	}
}

// addTWNoIndex stores an entry in the slab only.
func addTWNoIndex(t *twTable, key uint64) uint32 {
	i := t.hi
	if int(i>>twChunkBits) == len(t.chunks) {
		t.chunks = append(t.chunks, new([twChunk]twEntry))
	}
	t.hi++
	*t.at(i) = twEntry{key: key, meta: twLive}
	return i
}

// TestConnSize keeps the full TCB fixed-size and compact.
func TestConnSize(t *testing.T) {
	if n := unsafeSizeofConn(); n > 320 {
		t.Fatalf("conn is %d bytes, want at most 320", n)
	}
}
