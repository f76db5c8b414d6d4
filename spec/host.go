package spec

// Host is the one contract of a TCP host that tcpclose drives: the
// executable model (model.New) and the optimized implementation (impl.New)
// both return it, and every driver — the script runner, the simulator, the
// property tests, the fuzz targets, the explorer — speaks to a host through
// it alone. It is a pure state machine in the style of etcd-io/raft's Step:
// no clock, no goroutines, outputs as data.
type Host interface {
	// Step applies one event at ev.At (which must not be before Now) and
	// appends what the host produced to out, returning the extended slice.
	// Passing a reused out[:0] lets a caller step without allocating.
	Step(ev *Event, out []Output) []Output
	// NextDeadline is the earliest time a timer is due, or Never.
	NextDeadline() Time
	// Snapshot is the host's observable state, sorted, for comparison.
	Snapshot() HostSnap
	// Now is the host's clock: the time of the last event.
	Now() Time
}

// HostConfig describes one host, for model.New and impl.New alike.
type HostConfig struct {
	// Addr is the host's only address, IPv4 or IPv6 (the host speaks
	// that family only); the zero value means DefaultHostAddr().
	Addr Addr
	// ISNSecret keys the initial sequence number function (RFC 6528).
	ISNSecret uint64
	// FixedISS, when non-zero, is the ISS of every connection the host
	// opens that is not a TIME-WAIT takeover (scripts use it to put a
	// connection near the 2^32 wrap).
	FixedISS Seq
}

// PeerMSS is the send MSS assumed when the peer's SYN carries no MSS
// option: DefaultPeerMSS, or DefaultPeerMSS6 on an IPv6 host.
func (c HostConfig) PeerMSS() uint16 {
	if c.Addr.Is6() {
		return DefaultPeerMSS6
	}
	return DefaultPeerMSS
}

// HostProfile returns p as a host at c's address runs it: on an IPv6
// host the MSS is IPv6HeaderExtra octets less (Profile.MSS is the IPv4
// value). model.New and impl.New both apply it.
func (c HostConfig) HostProfile(p Profile) Profile {
	if c.Addr.Is6() && p.MSS > IPv6HeaderExtra {
		p.MSS -= IPv6HeaderExtra
	}
	return p
}

// DefaultHostAddr is the address packetdrill gives the host under test,
// 192.168.0.1.
func DefaultHostAddr() Addr { return IPv4(192, 168, 0, 1) }

// WithDefaults returns c with zero fields replaced by their defaults.
func (c HostConfig) WithDefaults() HostConfig {
	if c.Addr.IsZero() {
		c.Addr = DefaultHostAddr()
	}
	return c
}
