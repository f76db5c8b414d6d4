package linux

import (
	"fmt"

	"github.com/tcpclose/tcpclose/spec"
)

// LinuxState is a TCP state number as the kernel reports it (enum in
// include/net/tcp_states.h), through TCP_INFO and sock_diag.
type LinuxState uint8

// Linux TCP states.
const (
	TCPEstablished LinuxState = iota + 1
	TCPSynSent
	TCPSynRecv
	TCPFinWait1
	TCPFinWait2
	TCPTimeWait
	TCPClose
	TCPCloseWait
	TCPLastAck
	TCPListen
	TCPClosing
	TCPNewSynRecv
)

var linuxStateNames = [...]string{"UNKNOWN", "ESTAB", "SYN-SENT", "SYN-RECV", "FIN-WAIT-1", "FIN-WAIT-2",
	"TIME-WAIT", "UNCONN", "CLOSE-WAIT", "LAST-ACK", "LISTEN", "CLOSING", "NEW-SYN-RECV"}

// String spells the state as ss(8) does ("ESTAB", "TIME-WAIT", "UNCONN").
func (s LinuxState) String() string {
	if int(s) < len(linuxStateNames) {
		return linuxStateNames[s]
	}
	return fmt.Sprintf("LinuxState(%d)", uint8(s))
}

// Spec maps the kernel's state to the RFC state the model uses. A request
// socket (NEW_SYN_RECV) is SYN-RECEIVED; TCP_CLOSE is CLOSED.
func (s LinuxState) Spec() spec.State {
	switch s {
	case TCPEstablished:
		return spec.Established
	case TCPSynSent:
		return spec.SynSent
	case TCPSynRecv, TCPNewSynRecv:
		return spec.SynReceived
	case TCPFinWait1:
		return spec.FinWait1
	case TCPFinWait2:
		return spec.FinWait2
	case TCPTimeWait:
		return spec.TimeWait
	case TCPCloseWait:
		return spec.CloseWait
	case TCPLastAck:
		return spec.LastAck
	case TCPListen:
		return spec.Listen
	case TCPClosing:
		return spec.Closing
	}
	return spec.Closed
}
