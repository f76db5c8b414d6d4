package spec

import (
	"fmt"

	"github.com/tcpclose/tcpclose/internal/enum"
)

// State is a TCP connection state (RFC 9293 §3.3.2, R9293-STATES). Closed is
// the fictional state in which no TCB exists.
type State uint8

// The eleven states of RFC 9293 §3.3.2, in the order the RFC lists them.
const (
	Closed State = iota
	Listen
	SynSent
	SynReceived
	Established
	FinWait1
	FinWait2
	CloseWait
	Closing
	LastAck
	TimeWait
	NumStates int = iota
)

var stateNames = [...]string{
	Closed:      "CLOSED",
	Listen:      "LISTEN",
	SynSent:     "SYN-SENT",
	SynReceived: "SYN-RECEIVED",
	Established: "ESTABLISHED",
	FinWait1:    "FIN-WAIT-1",
	FinWait2:    "FIN-WAIT-2",
	CloseWait:   "CLOSE-WAIT",
	Closing:     "CLOSING",
	LastAck:     "LAST-ACK",
	TimeWait:    "TIME-WAIT",
}

// String returns the state's name as RFC 9293 spells it, e.g. "FIN-WAIT-1".
func (s State) String() string { return enum.Name(stateNames[:], "State", s) }

// ParseState accepts an RFC name ("TIME-WAIT"), the Linux spelling
// ("TIME_WAIT", "TCP_TIME_WAIT") or the abbreviations of Figure 5
// ("ESTAB", "SYN-RCVD").
func ParseState(s string) (State, error) {
	norm := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_':
			c = '-'
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		}
		norm = append(norm, c)
	}
	n := string(norm)
	if len(n) > 4 && n[:4] == "TCP-" {
		n = n[4:]
	}
	switch n {
	case "ESTAB":
		return Established, nil
	case "SYN-RCVD", "SYN-RECV":
		return SynReceived, nil
	case "FINWAIT-1", "FIN-WAIT1":
		return FinWait1, nil
	case "FINWAIT-2", "FIN-WAIT2":
		return FinWait2, nil
	case "CLOSE":
		return Closed, nil
	}
	for i, name := range stateNames {
		if name == n {
			return State(i), nil
		}
	}
	return 0, fmt.Errorf("unknown TCP state %q", s)
}

// Synchronized reports whether s is one of the synchronized states of
// RFC 9293 §3.5.2 group 3: ESTABLISHED through TIME-WAIT.
func (s State) Synchronized() bool {
	return s >= Established && s <= TimeWait
}

// PeerFinReceived reports whether, in state s, the peer's FIN has been
// received (CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT).
func (s State) PeerFinReceived() bool {
	return s == CloseWait || s == Closing || s == LastAck || s == TimeWait
}

// OurFinQueued reports whether, in state s, the local side has closed its
// sending direction (FIN-WAIT-1, FIN-WAIT-2, CLOSING, LAST-ACK, TIME-WAIT).
func (s State) OurFinQueued() bool {
	return s == FinWait1 || s == FinWait2 || s == Closing || s == LastAck || s == TimeWait
}
