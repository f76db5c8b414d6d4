package sim

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/tcpclose/tcpclose/spec"
)

// Link is one direction of the network.
type Link struct {
	// Delay is the base one-way delay; Jitter adds a uniform draw from
	// [0, Jitter]. Jitter alone never reorders: segments that are not
	// picked for reordering arrive in the order they were sent.
	Delay, Jitter time.Duration
	// Loss, Dup and Reorder are per-segment probabilities of being lost,
	// duplicated (the copy takes its own path) and reordered (the segment
	// is held an extra uniform draw from [0, ReorderSpread] and may pass
	// later segments).
	Loss, Dup, Reorder float64
	// ReorderSpread bounds the extra delay of a reordered segment or a
	// duplicate; 0 means 2×(Delay+Jitter), at least 1 ms.
	ReorderSpread time.Duration
	// MaxLossRun makes loss fair: after this many consecutive random
	// losses in this direction the next segment is not lost at random.
	// 0 means no bound.
	MaxLossRun int
}

// Network is the network between the two sides.
type Network struct {
	// Links[A] carries segments from A to B, Links[B] from B to A.
	Links [2]Link
	// MSL is the maximum segment lifetime: a segment that would be in
	// flight longer dies at MSL (the assumption TIME-WAIT rests on). 0
	// means half the larger TimeWait of the two profiles, or 60 s if both
	// are 0.
	MSL time.Duration
}

// Symmetric is a network whose two directions are l.
func Symmetric(l Link, msl time.Duration) Network { return Network{Links: [2]Link{l, l}, MSL: msl} }

func (l Link) validate(dir string) error {
	for _, p := range []struct {
		name string
		v    float64
	}{{"Loss", l.Loss}, {"Dup", l.Dup}, {"Reorder", l.Reorder}} {
		if !(p.v >= 0 && p.v <= 1) {
			return fmt.Errorf("link %s: %s = %v is not a probability", dir, p.name, p.v)
		}
	}
	if l.Delay < 0 || l.Jitter < 0 || l.ReorderSpread < 0 || l.MaxLossRun < 0 {
		return fmt.Errorf("link %s: negative delay, jitter, spread or loss run", dir)
	}
	return nil
}

func (l Link) spread() time.Duration {
	if l.ReorderSpread > 0 {
		return l.ReorderSpread
	}
	return max(2*(l.Delay+l.Jitter), time.Millisecond)
}

// NetStats counts what the network did.
type NetStats struct {
	Sent       int // segments handed to the network
	Delivered  int // arrivals (duplicates included)
	Lost       int // lost at random
	Faulted    int // dropped by the fault schedule
	Duplicated int // copies made
	Reordered  int // segments held to pass later ones (random or delay faults)
	Expired    int // died of old age (MSL)
	Unroutable int // addressed to neither side
}

// ---- the event queue ----------------------------------------------------

type evKind uint8

const (
	evDeliver evKind = iota
	evExpire
	evWake
)

type event struct {
	at   spec.Time
	seq  uint64
	kind evKind
	side Side // evDeliver: destination; evExpire: sender; evWake: the application
	seg  spec.Segment
	id   int
	cp   int
	inc  int
	sent spec.Time
}

type queue []*event

func (q queue) Len() int { return len(q) }
func (q queue) Less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].seq < q[j].seq
}
func (q queue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)   { *q = append(*q, x.(*event)) }
func (q *queue) Pop() any {
	old := *q
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return e
}

// ---- the network --------------------------------------------------------

type network struct {
	cfg    Network
	msl    time.Duration
	faults Faults
	rng    *rand.Rand

	q       queue
	seq     uint64
	pending int // deliveries and expiries queued

	nextID   int
	sentAny  [2]int
	sentFlag [2][64]int
	lastArr  [2]spec.Time
	lossRun  [2]int
	stats    NetStats
}

func (n *network) push(e *event) {
	n.seq++
	e.seq = n.seq
	if e.kind != evWake {
		n.pending++
	}
	heap.Push(&n.q, e)
}

func (n *network) pop() *event {
	e := heap.Pop(&n.q).(*event)
	if e.kind != evWake {
		n.pending--
	}
	return e
}

// head is when the first queued event is due; ok is false if none is.
// (An event may be due at time 0, which is spec.Never's value.)
func (n *network) head() (at spec.Time, ok bool) {
	if len(n.q) == 0 {
		return 0, false
	}
	return n.q[0].at, true
}

func (n *network) fault(from Side, seg *spec.Segment) (Fault, bool) {
	n.sentAny[from]++
	fl := seg.Flags & 63
	n.sentFlag[from][fl]++
	for _, f := range n.faults {
		if f.Side != from {
			continue
		}
		if (f.Any && f.Nth == n.sentAny[from]) || (!f.Any && f.Flags == fl && f.Nth == n.sentFlag[from][fl]) {
			return f, true
		}
	}
	return Fault{}, false
}

func (n *network) draw(d time.Duration, u float64) time.Duration {
	return time.Duration(u * float64(d+1))
}

// send hands seg from side from to the network at now. It returns the
// trace records of what happened at once (the send, a drop, a
// duplication) and schedules the arrivals and expiries.
func (n *network) send(from Side, seg spec.Segment, inc int, now spec.Time, rec func(Record)) {
	n.nextID++
	id := n.nextID
	n.stats.Sent++
	l := n.cfg.Links[from]
	// Seven draws per segment, whatever happens to it, so that one
	// segment's fate does not shift the randomness of the others.
	var u [7]float64
	for i := range u {
		u[i] = n.rng.Float64()
	}
	f, faulted := n.fault(from, &seg)
	base := now.Add(l.Delay + n.draw(l.Jitter, u[1]))
	send := Record{At: now, Side: from, Kind: RecSend, Seg: seg, SegID: id, Inc: inc}
	if faulted && f.Action == FaultDrop {
		n.stats.Faulted++
		send.Note = "fault " + f.String()
		rec(send)
		rec(Record{At: now, Side: from, Kind: RecDrop, Seg: seg, SegID: id, Inc: inc, Note: "lost: fault " + f.String()})
		return
	}
	if !faulted && l.Loss > 0 && u[0] < l.Loss && (l.MaxLossRun == 0 || n.lossRun[from] < l.MaxLossRun) {
		n.lossRun[from]++
		n.stats.Lost++
		rec(send)
		rec(Record{At: now, Side: from, Kind: RecDrop, Seg: seg, SegID: id, Inc: inc, Note: "lost"})
		return
	}
	if !faulted {
		n.lossRun[from] = 0
	}
	arrive := base
	switch {
	case faulted && f.Action == FaultDelay:
		arrive = max(base, n.lastArr[from]).Add(f.D)
		n.stats.Reordered++
		send.Note = "fault " + f.String()
	case !faulted && l.Reorder > 0 && u[2] < l.Reorder:
		arrive = base.Add(n.draw(l.spread(), u[3]))
		n.stats.Reordered++
		send.Note = "reordered"
	default:
		arrive = max(base, n.lastArr[from])
		n.lastArr[from] = arrive
	}
	cpAt := spec.Never
	switch {
	case faulted && f.Action == FaultDup:
		cpAt = arrive.Add(f.D)
		send.Note = "fault " + f.String()
	case !faulted && l.Dup > 0 && u[4] < l.Dup:
		cpAt = now.Add(l.Delay + n.draw(l.Jitter, u[5]) + n.draw(l.spread(), u[6]))
	}
	send.ArriveAt = n.schedule(from, seg, id, 0, inc, now, arrive)
	rec(send)
	if cpAt != spec.Never {
		n.stats.Duplicated++
		at := n.schedule(from, seg, id, 1, inc, now, cpAt)
		rec(Record{At: now, Side: from, Kind: RecDuplicate, Seg: seg, SegID: id, Copy: 1, Inc: inc, ArriveAt: at})
	}
}

// schedule queues one copy's arrival, or its death at MSL if it would be
// in flight longer. It returns the arrival time (spec.Never if it dies).
func (n *network) schedule(from Side, seg spec.Segment, id, cp, inc int, now, at spec.Time) spec.Time {
	e := &event{at: at, kind: evDeliver, side: from.Peer(), seg: seg, id: id, cp: cp, inc: inc, sent: now}
	if at.Sub(now) > n.msl {
		e.at, e.kind, e.side = now.Add(n.msl), evExpire, from
		at = spec.Never
	}
	n.push(e)
	return at
}
