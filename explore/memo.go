package explore

import (
	"crypto/sha256"
	"sync"

	"github.com/tcpclose/tcpclose/spec"
)

// memoKey identifies a host step: the host's digest, its absolute clock
// where that matters (see clockInKey), the side, and the event, with a
// clock advance given relative to the host's clock, or the application
// action.
type memoKey struct {
	digest [sha256.Size]byte
	clock  spec.Time
	side   uint8
	kind   spec.EventKind
	at     spec.Time
	seg    string
	// an application action (kind EvCall): the action and the
	// application's descriptors
	act     appAct
	fd, lfd int32
}

const (
	memoShards   = 32
	memoPerShard = 1 << 12
)

// memo caches host steps. The same host state meets the same segment or
// timer in many system states; the cached step (a host that is never
// stepped in place, its outputs and snapshots) serves them all. The
// result does not depend on the cache, so dropping a full shard is safe.
// Entries are small (the host itself is in the host table).
type memo struct {
	shards [memoShards]struct {
		sync.Mutex
		m map[memoKey]*hostStep
	}
}

func (m *memo) shard(k *memoKey) int {
	return int(k.digest[0]^k.digest[1]^byte(len(k.seg))^byte(k.at)^byte(k.act)) % memoShards
}

func (m *memo) get(k memoKey) *hostStep {
	s := &m.shards[m.shard(&k)]
	s.Lock()
	defer s.Unlock()
	return s.m[k]
}

func (m *memo) put(k memoKey, hs *hostStep) {
	s := &m.shards[m.shard(&k)]
	s.Lock()
	defer s.Unlock()
	if s.m == nil || len(s.m) >= memoPerShard {
		s.m = make(map[memoKey]*hostStep)
	}
	s.m[k] = hs
}
