package script

import (
	"github.com/tcpclose/tcpclose/spec"
)

// sutState is packetdrill's state of the socket under test (socket.h,
// enum socket_state_t): which script packet creates a new connection and
// when its initial sequence numbers are learned.
type sutState uint8

const (
	sutNone       sutState = iota // no socket yet (SOCKET_INIT)
	sutNew                        // socket() returned (SOCKET_NEW)
	sutListening                  // listen() on it (SOCKET_PASSIVE_LISTENING)
	sutConnecting                 // connect() on it (SOCKET_ACTIVE_CONNECTING)
	sutSynSent                    // the script's SYN went out (SOCKET_ACTIVE_SYN_SENT)
	sutSynAcked                   // the peer's SYN-ACK came in (SOCKET_ACTIVE_SYN_ACKED)
	sutPacketRcvd                 // a packet reached the listener (SOCKET_PASSIVE_PACKET_RECEIVED)
	sutSynAckSent                 // the stack's SYN-ACK went out (SOCKET_PASSIVE_SYNACK_SENT)
)

// firstFreshPort is where the remote ports of the second and later
// passive connections start: packetdrill takes each from the kernel's
// ephemeral range (run_packet.c, next_ephemeral_port), which starts here
// on Linux; the first passive connection comes from stack.RemotePort.
const firstFreshPort = 32768

// numbering is packetdrill's mapping between the script's sequence
// numbers and the stack's (run_packet.c, socket.h
// *_seq_script_to_live_offset), for the socket under test:
//
//   - the sequence number of a SYN or SYN-ACK line is absolute; every
//     other sequence number counts from the connection's ISN;
//   - an inbound connection's remote ISN is the sequence number of the
//     packet that reached the listener, an outbound one's that of the
//     peer's SYN-ACK;
//   - the local ISN is learned from the stack's SYN (after connect) or
//     SYN-ACK (after a packet reached the listener), the script's from
//     the line that expects it;
//   - every packet that reaches a listening socket under test makes a new
//     connection, from a fresh remote port.
//
// Departures, each only where packetdrill cannot say anything useful on a
// stack with random ISNs (socket keeps the numbering too): the SYN of a new connection on the same
// 4-tuple as the previous one (a TIME-WAIT takeover by connect) is
// checked in the previous connection's numbering, so that the ISS gap
// shows (so is the first SYN against --tcpclose_local_iss); and a SYN-ACK
// on another 4-tuple than the connection's (a second connection on one
// listener, scripted with explicit ports) learns the local ISN anew.
type numbering struct {
	state sutState
	fd    int32 // the script fd of the socket under test (-1 for a child)

	scriptLocal, liveLocal spec.Seq // the local ISN in the script and on the stack
	haveLocal              bool
	remote                 spec.Seq // the remote ISN on the stack (script's + shift)
	shift                  spec.Seq // --tcpclose_remote_isn, added to every inbound number

	children int // passive connections made so far

	// The previous connection whose local ISN was learned.
	prev                      spec.FourTuple
	prevScript, prevLive      spec.Seq
	havePrev                  bool
	fixedISS                  spec.Seq // --tcpclose_local_iss
	hasFixedISS, usedFixedISS bool
}

func newNumbering(s *Script) numbering {
	return numbering{fd: -1, shift: s.RemoteISN, remote: s.RemoteISN, fixedISS: s.LocalISS, hasFixedISS: s.HasLocalISS}
}

// socket is a socket() that returned script fd fd: the new socket is the
// one under test. Its numbers start when it makes a connection; until
// then packets keep the previous connection's numbering (packetdrill
// would number them from zero, absolute numbers no script can predict
// on a stack with random ISNs: this departure changes no verdict of a
// script packetdrill can pass).
func (n *numbering) socket(fd int32) {
	n.state, n.fd = sutNew, fd
}

// listen and connect change the state of the socket under test if fd
// names it (packetdrill changes the state of the socket fd names, which
// matters only when it is the one under test). A script without a
// socket() line (this project's tests) makes fd the socket under test.
func (n *numbering) listen(fd int32) {
	if fd == n.fd || n.state == sutNone {
		n.state, n.fd = sutListening, fd
	}
}

func (n *numbering) connect(fd int32) {
	if (fd == n.fd && n.state == sutNew) || n.state == sutNone {
		n.state, n.fd = sutConnecting, fd
	}
}

// inbound is called before a script packet is injected: a packet that
// reaches a listening socket under test (or no socket at all) makes a new
// connection from a fresh remote port, whose remote ISN is the packet's
// sequence number; the peer's SYN-ACK gives an active connection's. It
// returns the connection's remote address (base, the script's remote
// address, with a fresh port for every connection after the first) when
// it changes.
func (n *numbering) inbound(pk *Packet, base spec.SockAddr) (remote spec.SockAddr, changed bool) {
	switch {
	case n.state == sutNone || n.state == sutListening:
		n.state, n.fd = sutPacketRcvd, -1
		n.scriptLocal, n.liveLocal, n.haveLocal = 0, 0, false
		n.remote = n.shift.Add(pk.Seq)
		remote = base
		if n.children > 0 {
			remote.Port = uint16(firstFreshPort + n.children - 1)
		}
		n.children++
		return remote, true
	case n.state == sutSynSent && pk.Flags&(spec.SYN|spec.ACK) == spec.SYN|spec.ACK:
		n.state = sutSynAcked
		n.remote = n.shift.Add(pk.Seq)
	}
	return spec.SockAddr{}, false
}

// injectSeq and injectAck map an inbound packet's numbers onto the stack's.
func (n *numbering) injectSeq(pk *Packet) spec.Seq {
	if pk.Flags&spec.SYN != 0 {
		return n.shift.Add(pk.Seq)
	}
	return n.remote.Add(pk.Seq)
}

func (n *numbering) injectAck(pk *Packet) spec.Seq {
	if pk.Flags&spec.SYN != 0 {
		return n.liveLocal - n.scriptLocal + spec.Seq(pk.Ack)
	}
	return n.liveLocal.Add(pk.Ack)
}

// outbound is called when a script packet is matched against segment s
// the stack sent. It learns the local ISN where packetdrill does
// (learned), and returns the sequence number the script's SYN is checked
// against when a departure above makes it checkable (check false: the
// SYN's number is the script's own, as in packetdrill).
func (n *numbering) outbound(pk *Packet, s spec.Segment) (want uint32, check, learned bool) {
	tuple := spec.FourTuple{Local: s.Src, Remote: s.Dst}
	learn := false
	switch {
	case n.state == sutPacketRcvd && pk.Flags&(spec.SYN|spec.ACK) == spec.SYN|spec.ACK:
		n.state, learn = sutSynAckSent, true
	case n.state == sutConnecting && pk.Flags&(spec.SYN|spec.ACK) == spec.SYN:
		n.state = sutSynSent
		learn = s.Flags&(spec.SYN|spec.ACK) == spec.SYN
	case pk.Flags&spec.SYN != 0 && s.Flags&spec.SYN != 0 && n.haveLocal && tuple != n.prev:
		// A SYN-ACK on a new 4-tuple without a new socket (a second
		// connection on one listener, with explicit ports).
		learn = true
	}
	if !learn {
		return 0, false, false
	}
	switch {
	case pk.AnySeq:
	case n.havePrev && tuple == n.prev:
		want, check = uint32(s.Seq-n.prevLive+n.prevScript), true
	case n.hasFixedISS && !n.usedFixedISS:
		want, check = uint32(s.Seq-n.fixedISS), true
		n.usedFixedISS = true
	}
	n.scriptLocal, n.liveLocal, n.haveLocal = spec.Seq(pk.Seq), s.Seq, true
	n.prev, n.prevScript, n.prevLive, n.havePrev = tuple, n.scriptLocal, n.liveLocal, true
	return want, check, true
}

// outSeq and outAck map a segment the stack sent into the script's
// numbers.
func (n *numbering) outSeq(s spec.Segment) uint32 {
	if s.Flags&spec.SYN != 0 {
		return uint32(s.Seq - n.liveLocal + n.scriptLocal)
	}
	return uint32(s.Seq - n.liveLocal)
}

func (n *numbering) outAck(s spec.Segment) uint32 {
	if s.Flags&spec.SYN != 0 {
		return uint32(s.Ack - n.shift)
	}
	return uint32(s.Ack - n.remote)
}
