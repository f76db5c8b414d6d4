package spec

// Seq is a TCP sequence number. All comparisons are modulo 2^32 as
// RFC 9293 §3.4 requires (R9293-SEQ-MOD): a < b means b lies in the half of the sequence
// space that follows a.
type Seq uint32

// Add returns s+n modulo 2^32.
func (s Seq) Add(n uint32) Seq { return s + Seq(n) }

// Sub returns the distance s-t modulo 2^32 as an unsigned count.
func (s Seq) Sub(t Seq) uint32 { return uint32(s - t) }

// LT reports whether s < t in sequence space.
func (s Seq) LT(t Seq) bool { return int32(s-t) < 0 }

// LEQ reports whether s =< t in sequence space.
func (s Seq) LEQ(t Seq) bool { return int32(s-t) <= 0 }

// GT reports whether s > t in sequence space.
func (s Seq) GT(t Seq) bool { return int32(s-t) > 0 }

// GEQ reports whether s >= t in sequence space.
func (s Seq) GEQ(t Seq) bool { return int32(s-t) >= 0 }

// InWindow reports whether lo =< s < lo+n in sequence space, the form of the
// tests in RFC 9293 Table 6. A zero-sized window contains nothing.
func (s Seq) InWindow(lo Seq, n uint32) bool {
	return uint32(s-lo) < n
}

// Max returns the later of s and t in sequence space.
func (s Seq) Max(t Seq) Seq {
	if s.LT(t) {
		return t
	}
	return s
}
