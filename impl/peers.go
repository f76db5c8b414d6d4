package impl

import "github.com/tcpclose/tcpclose/spec"

// peerTable numbers the remote addresses of an IPv6 host, so that a
// connection's 4-tuple still packs into the 64-bit key every table uses
// (tupleKey6): the local address is the host's own, so the peer's number
// and the two ports name the connection, as the IPv4 address and ports do
// on an IPv4 host (tupleKey). An IPv4 host never uses it.
//
// A number is held (ref) by every full connection and every TIME-WAIT
// entry whose key carries it. One whose count falls to zero, and one
// handed out for a lookup that found nothing, is only released by sweep,
// at the end of the Step: within a Step a key stays valid even while no
// table holds it (a connection entering TIME-WAIT leaves the connection
// table before it enters the TIME-WAIT table; a TIME-WAIT entry a
// connect takes over is deleted before the new connection is made).
//
// Cost: 16 bytes of address and 4 of count per peer, plus the map's slot
// (about 24 bytes at its load), shared by all the connections and
// TIME-WAIT entries of that peer (TestTimeWaitEntrySize6).
type peerTable struct {
	num   map[spec.Addr]uint32 // address -> number
	addr  []spec.Addr          // by number
	refs  []uint32             // by number; peerFree when free
	free  []uint32             // free numbers
	zero  []uint32             // numbers that may be unheld, for sweep
	eager bool                 // MutantPeerEagerFree: unref frees at once
}

const peerFree = ^uint32(0)

// intern returns a's number, handing out one if a has none.
func (t *peerTable) intern(a spec.Addr) uint32 {
	if n, ok := t.num[a]; ok {
		return n
	}
	if t.num == nil {
		t.num = make(map[spec.Addr]uint32)
	}
	var n uint32
	if k := len(t.free); k > 0 {
		n = t.free[k-1]
		t.free = t.free[:k-1]
		t.addr[n], t.refs[n] = a, 0
	} else {
		n = uint32(len(t.addr))
		t.addr = append(t.addr, a)
		t.refs = append(t.refs, 0)
	}
	t.num[a] = n
	t.zero = append(t.zero, n)
	return n
}

func (t *peerTable) ref(n uint32) { t.refs[n]++ }

func (t *peerTable) unref(n uint32) {
	t.refs[n]--
	if t.refs[n] == 0 {
		if t.eager {
			t.release(n)
			return
		}
		t.zero = append(t.zero, n)
	}
}

// sweep releases every number no connection or TIME-WAIT entry holds.
func (t *peerTable) sweep() {
	for _, n := range t.zero {
		if t.refs[n] == 0 {
			t.release(n)
		}
	}
	t.zero = t.zero[:0]
}

func (t *peerTable) release(n uint32) {
	delete(t.num, t.addr[n])
	t.refs[n] = peerFree
	t.free = append(t.free, n)
}

// held is the number of peers with a number.
func (t *peerTable) held() int { return len(t.num) }
