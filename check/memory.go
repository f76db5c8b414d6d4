package check

import "github.com/tcpclose/tcpclose/spec"

// Memory is what a generator that plays the peer of one host remembers of
// the run, to aim its next event: the segments the host sent lately, the
// last TSval it sent on each connection, the segments the peer sent
// lately, and the descriptors socket(2) and accept(2) returned lately.
// The rapid generator of package props and the FuzzAgree decoder of
// package fuzz both keep one; how each draws from it stays its own.
type Memory struct {
	Sent     []spec.Segment // the host's last MemorySegments segments, oldest first
	Injected []spec.Segment // the peer's last MemorySegments segments, oldest first
	FDs      []int32        // the last MemoryFDs descriptors, oldest first
	HostTS   map[spec.FourTuple]uint32
}

// How much a Memory keeps.
const (
	MemorySegments = 16
	MemoryFDs      = 8
)

// NewMemory returns an empty Memory.
func NewMemory() Memory { return Memory{HostTS: map[spec.FourTuple]uint32{}} }

// Observe remembers what the host produced in one step.
func (m *Memory) Observe(out []spec.Output) {
	for _, o := range out {
		switch o.Kind {
		case spec.OutSegment:
			m.Sent = AppendRing(m.Sent, o.Seg, MemorySegments)
			if o.Seg.Opts.HasTS {
				m.HostTS[spec.FourTuple{Local: o.Seg.Src, Remote: o.Seg.Dst}] = o.Seg.Opts.TS.Val
			}
		case spec.OutResult:
			if (o.Call == spec.CallSocket || o.Call == spec.CallAccept) && o.Ret >= 0 {
				m.FDs = AppendRing(m.FDs, int32(o.Ret), MemoryFDs)
			}
		}
	}
}

// Inject remembers a segment the peer sent.
func (m *Memory) Inject(seg spec.Segment) {
	m.Injected = AppendRing(m.Injected, seg, MemorySegments)
}

// AppendRing appends v to s and drops the oldest elements beyond n.
func AppendRing[T any](s []T, v T, n int) []T {
	if len(s) >= n {
		copy(s, s[1:])
		s = s[:n-1]
	}
	return append(s, v)
}
