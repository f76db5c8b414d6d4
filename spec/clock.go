package spec

import (
	"encoding/binary"
	"time"
)

// TimerKind names a per-connection timer. When several timers are due at
// the same instant they fire in order of deadline, then connection ID, then
// TimerKind; model and implementation must agree on this order because it
// orders their outputs.
type TimerKind uint8

// Timers, in tie-break order.
const (
	TimerUser       TimerKind = iota // user timeout (RFC 9293 §3.10.8, RFC 5482)
	TimerRetransmit                  // retransmission and zero-window probe (RFC 6298)
	TimerFinWait2                    // FIN-WAIT-2 timeout (profile)
	TimerTimeWait                    // 2MSL
	TimerLinger                      // SO_LINGER wait of a blocking close(2)
	TimerDelAck                      // delayed ACK (RFC 9293 §3.8.6.3, profile AckDelay)
	NumTimers       int       = iota
)

var timerNames = [...]string{"user", "retransmit", "fin-wait-2", "time-wait", "linger", "delack"}

func (k TimerKind) String() string {
	if int(k) < len(timerNames) {
		return timerNames[k]
	}
	return "timer?"
}

// InitialSeq chooses an initial sequence number the way RFC 6528 does
// (RFC 9293 §3.4.1): a 4-microsecond clock plus a keyed function of the
// connection's 4-tuple. The keyed function here is a fixed 64-bit mix of the
// secret and the tuple: deterministic, so model and implementation agree.
func InitialSeq(secret uint64, t FourTuple, now Time) Seq {
	// IPv4 tuples hash their 4-byte addresses (12 bytes in all), IPv6
	// tuples their 16-byte ones (36 bytes).
	var buf [36]byte
	var b []byte
	if !t.Local.IP.Is6() && !t.Remote.IP.Is6() {
		l, r := t.Local.IP.As4(), t.Remote.IP.As4()
		b = buf[:12]
		copy(b[0:4], l[:])
		binary.BigEndian.PutUint16(b[4:6], t.Local.Port)
		copy(b[6:10], r[:])
		binary.BigEndian.PutUint16(b[10:12], t.Remote.Port)
	} else {
		b = buf[:36]
		copy(b[0:16], t.Local.IP[:])
		binary.BigEndian.PutUint16(b[16:18], t.Local.Port)
		copy(b[18:34], t.Remote.IP[:])
		binary.BigEndian.PutUint16(b[34:36], t.Remote.Port)
	}
	h := secret ^ 0x9e3779b97f4a7c15
	for _, c := range b {
		h ^= uint64(c)
		h *= 0x100000001b3
		h ^= h >> 29
	}
	m := uint32(int64(now) / int64(4*time.Microsecond))
	return Seq(m + uint32(h))
}

// TSClock is the Timestamps option clock: milliseconds of virtual time,
// starting at 1 so that a TSval is never zero.
func TSClock(now Time) uint32 { return uint32(int64(now)/int64(time.Millisecond)) + 1 }

// DefaultPeerMSS is the send MSS assumed when the peer's SYN carries no MSS
// option (RFC 9293 §3.7.1, MUST-15: 536 octets for IPv4).
const DefaultPeerMSS = 536

// DefaultPeerMSS6 is DefaultPeerMSS for IPv6: 1220 octets (1280 - 60,
// RFC 9293 §3.7.1 MUST-15).
const DefaultPeerMSS6 = 1220

// IPv6HeaderExtra is how many octets more an IPv6 header takes than an
// IPv4 one (40 against 20): an IPv6 host's MSS is its profile's (the IPv4
// value for the link) less this, as Linux (tcp_v6_syn_recv_sock,
// tcp_mtu_to_mss) and FreeBSD (tcp_mssopt) derive both from the MTU:
// 1440 octets on a 1500-octet link.
const IPv6HeaderExtra = 20
