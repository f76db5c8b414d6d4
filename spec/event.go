package spec

import (
	"fmt"
	"strings"

	"github.com/tcpclose/tcpclose/internal/enum"
)

// EventKind says what an Event carries.
type EventKind uint8

// Event kinds.
const (
	// EvAdvance moves the clock to At, firing every timer due at or before
	// At in deadline order.
	EvAdvance EventKind = iota
	// EvCall is a socket call made by the application at At.
	EvCall
	// EvSegment is a segment arriving from the network at At.
	EvSegment
)

var eventKindNames = [...]string{EvAdvance: "advance", EvCall: "call", EvSegment: "segment"}

func (k EventKind) String() string { return enum.Name(eventKindNames[:], "EventKind", k) }

// Event is one input to a host: a clock advance, a socket call or an
// arriving segment. Every event first advances the clock to At (firing due
// timers), then does its own work. An At earlier than the host's clock is
// treated as the host's clock: time never runs backwards.
type Event struct {
	Kind EventKind
	At   Time
	Call Call
	Seg  Segment
}

func (e Event) String() string {
	switch e.Kind {
	case EvCall:
		return fmt.Sprintf("%s %s", e.At, e.Call)
	case EvSegment:
		return fmt.Sprintf("%s < %s", e.At, e.Seg)
	}
	return fmt.Sprintf("%s advance", e.At)
}

// CallKind is a socket call.
type CallKind uint8

// Socket calls of the sockets layer. Each maps onto the RFC 9293 user calls
// (OPEN, SEND, RECEIVE, CLOSE, ABORT) as the model documents.
const (
	CallNone CallKind = iota
	CallSocket
	CallBind
	CallListen
	CallAccept
	CallConnect
	CallRead
	CallWrite
	CallShutdown
	CallClose
	CallSetsockopt
	CallGetsockopt
	NumCalls int = iota
)

var callNames = [...]string{"none", "socket", "bind", "listen", "accept", "connect", "read", "write", "shutdown", "close", "setsockopt", "getsockopt"}

func (c CallKind) String() string { return enum.Name(callNames[:], "CallKind", c) }

// ShutHow is the second argument of shutdown(2).
type ShutHow uint8

// shutdown(2) directions.
const (
	ShutRD ShutHow = iota
	ShutWR
	ShutRDWR
)

var shutHowNames = [...]string{ShutRD: "SHUT_RD", ShutWR: "SHUT_WR", ShutRDWR: "SHUT_RDWR"}

func (h ShutHow) String() string { return enum.Name(shutHowNames[:], "ShutHow", h) }

// SockOpt names a socket option the sockets layer models.
type SockOpt uint8

// Socket options. OptNonBlock stands for fcntl(F_SETFL, O_NONBLOCK).
const (
	OptNone        SockOpt = iota
	OptReuseAddr           // SO_REUSEADDR, Val 0/1
	OptLinger              // SO_LINGER, Val = l_onoff, Val2 = l_linger seconds
	OptNonBlock            // O_NONBLOCK via fcntl, Val 0/1
	OptUserTimeout         // TCP_USER_TIMEOUT, Val milliseconds (RFC 5482)
	OptLinger2             // TCP_LINGER2, Val seconds (FIN-WAIT-2 timeout)
	OptError               // SO_ERROR (getsockopt only)
	OptState               // TCP_INFO tcpi_state (getsockopt only): Ret is a State
	OptNoDelay             // TCP_NODELAY: accepted, no effect in the model
	OptR2                  // R2 as a retransmission count (RFC 9293 MUST-21); Val < 0 means infinity
	OptQuickAck            // TCP_QUICKACK, Val 0/1: leave (1) or enter (0) delayed-ACK pingpong mode
	NumOpts        int     = iota
)

var optNames = [...]string{"none", "SO_REUSEADDR", "SO_LINGER", "O_NONBLOCK", "TCP_USER_TIMEOUT", "TCP_LINGER2", "SO_ERROR", "TCP_INFO", "TCP_NODELAY", "TCP_R2", "TCP_QUICKACK"}

func (o SockOpt) String() string { return enum.Name(optNames[:], "SockOpt", o) }

// Call is a socket call with its arguments. Fields a call does not use are
// zero.
type Call struct {
	Kind CallKind
	FD   int32
	Addr SockAddr // bind, connect
	N    int64    // read/write byte count, listen backlog
	How  ShutHow  // shutdown
	Opt  SockOpt  // setsockopt, getsockopt
	Val  int64    // option value
	Val2 int64    // second option value (SO_LINGER l_linger)
}

func (c Call) String() string {
	var b strings.Builder
	b.WriteString(c.Kind.String())
	b.WriteByte('(')
	switch c.Kind {
	case CallSocket:
		b.WriteString("AF_INET, SOCK_STREAM, IPPROTO_TCP")
	case CallBind, CallConnect:
		fmt.Fprintf(&b, "%d, %s", c.FD, c.Addr)
	case CallListen:
		fmt.Fprintf(&b, "%d, %d", c.FD, c.N)
	case CallRead, CallWrite:
		fmt.Fprintf(&b, "%d, ..., %d", c.FD, c.N)
	case CallShutdown:
		fmt.Fprintf(&b, "%d, %s", c.FD, c.How)
	case CallSetsockopt:
		if c.Opt == OptLinger {
			fmt.Fprintf(&b, "%d, %s, {onoff=%d, linger=%d}", c.FD, c.Opt, c.Val, c.Val2)
		} else {
			fmt.Fprintf(&b, "%d, %s, %d", c.FD, c.Opt, c.Val)
		}
	case CallGetsockopt:
		fmt.Fprintf(&b, "%d, %s", c.FD, c.Opt)
	default:
		fmt.Fprintf(&b, "%d", c.FD)
	}
	b.WriteByte(')')
	return b.String()
}
