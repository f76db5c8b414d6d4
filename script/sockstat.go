package script

import (
	"strconv"
	"strings"

	"github.com/tcpclose/tcpclose/spec"
)

// sockstatCheck is FreeBSD's suite's way of asserting a connection
// state from a shell line:
//
//	sockstat -4 -P tcp -s [-p PORT] | grep packetdril | grep -c TIME_WAIT | grep 1
//
// says that exactly Want connections (on Port, if given) are in State.
type sockstatCheck struct {
	State spec.State
	Name  string // the state as written
	Want  int
	Port  uint16
}

// sockstatStates are the FreeBSD state names (tcp_fsm.h tcpstates[]) the
// model has connections in.
var sockstatStates = map[string]spec.State{
	"SYN_SENT": spec.SynSent, "SYN_RCVD": spec.SynReceived, "ESTABLISHED": spec.Established,
	"CLOSE_WAIT": spec.CloseWait, "FIN_WAIT_1": spec.FinWait1, "CLOSING": spec.Closing,
	"LAST_ACK": spec.LastAck, "FIN_WAIT_2": spec.FinWait2, "TIME_WAIT": spec.TimeWait,
}

// parseSockstat reads a sockstat pipeline; ok is false when part is not
// one, beyond names a sockstat line the model cannot check.
func parseSockstat(part string) (c sockstatCheck, ok bool, beyond string) {
	stages := strings.Split(part, "|")
	args := strings.Fields(stages[0])
	if len(args) == 0 || args[0] != "sockstat" {
		return c, false, ""
	}
	for i := 1; i < len(args)-1; i++ {
		if args[i] == "-p" {
			n, err := strconv.ParseUint(args[i+1], 10, 16)
			if err != nil {
				return c, true, "sockstat with ports " + clip(args[i+1])
			}
			c.Port = uint16(n)
		}
	}
	counted, wanted := false, false
	for _, st := range stages[1:] {
		f := strings.Fields(st)
		switch {
		case len(f) == 2 && f[0] == "grep" && strings.HasPrefix(f[1], "packetdril"):
		case len(f) == 3 && f[0] == "grep" && f[1] == "-c" && !counted:
			s, known := sockstatStates[f[2]]
			if !known {
				return c, true, "sockstat count of " + clip(f[2]) + " (not a state the model keeps a connection in)"
			}
			c.State, c.Name, counted = s, f[2], true
		case len(f) == 2 && f[0] == "grep" && counted && !wanted:
			n, err := strconv.Atoi(f[1])
			if err != nil || n < 0 {
				return c, true, "sockstat pipeline " + abbreviate(part)
			}
			c.Want, wanted = n, true
		default:
			return c, true, "sockstat pipeline " + abbreviate(part)
		}
	}
	if !counted || !wanted {
		return c, true, "sockstat pipeline " + abbreviate(part)
	}
	return c, true, ""
}

// hostStack is a stack that shows its host's state (stack.VirtualStack):
// sockstat checks count the host's connections by state.
type hostStack interface {
	Host() spec.Host
}

// countState counts h's connections in state s; with port, those whose
// local or remote port is port.
func countState(h spec.Host, s spec.State, port uint16) int {
	n := 0
	for _, c := range h.Snapshot().Conns {
		if port != 0 && c.Tuple.Local.Port != port && c.Tuple.Remote.Port != port {
			continue
		}
		if c.State == s {
			n++
		}
	}
	return n
}
