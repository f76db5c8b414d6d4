package execstack

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/tcpclose/tcpclose/spec"
)

// Version is the protocol version this package speaks.
const Version = 1

// MaxLine is the longest line either side accepts, newline included: an
// IPv4 packet of 64 KiB in hex fits.
const MaxLine = 1<<17 + 256

// callNames are the calls of the protocol, spelled as scripts spell them.
var callNames = map[string]spec.CallKind{}

func init() {
	for k := spec.CallKind(1); int(k) < spec.NumCalls; k++ {
		callNames[k.String()] = k
	}
}

// optByName maps the option names of the protocol (those of scripts).
func optByName(s string) (spec.SockOpt, bool) {
	for o := spec.SockOpt(1); int(o) < spec.NumOpts; o++ {
		if o.String() == s {
			return o, true
		}
	}
	return 0, false
}

// FormatCall renders c's name and arguments as the protocol's call line
// after "call T ": "bind 3 192.168.0.1:8080", "setsockopt 3 SO_LINGER 1 0".
func FormatCall(c spec.Call) string {
	switch c.Kind {
	case spec.CallSocket:
		return "socket"
	case spec.CallBind, spec.CallConnect:
		return fmt.Sprintf("%s %d %s", c.Kind, c.FD, c.Addr)
	case spec.CallListen, spec.CallRead, spec.CallWrite:
		return fmt.Sprintf("%s %d %d", c.Kind, c.FD, c.N)
	case spec.CallShutdown:
		return fmt.Sprintf("%s %d %s", c.Kind, c.FD, c.How)
	case spec.CallSetsockopt:
		return fmt.Sprintf("%s %d %s %d %d", c.Kind, c.FD, c.Opt, c.Val, c.Val2)
	case spec.CallGetsockopt:
		return fmt.Sprintf("%s %d %s", c.Kind, c.FD, c.Opt)
	}
	return fmt.Sprintf("%s %d", c.Kind, c.FD)
}

// ParseCall is the inverse of FormatCall.
func ParseCall(f []string) (spec.Call, error) {
	if len(f) == 0 {
		return spec.Call{}, fmt.Errorf("call without a name")
	}
	k, ok := callNames[f[0]]
	if !ok {
		return spec.Call{}, fmt.Errorf("unknown call %q", f[0])
	}
	c := spec.Call{Kind: k}
	if k == spec.CallSocket {
		return c, nil
	}
	want := map[spec.CallKind]int{
		spec.CallBind: 3, spec.CallConnect: 3, spec.CallListen: 3, spec.CallRead: 3, spec.CallWrite: 3,
		spec.CallShutdown: 3, spec.CallSetsockopt: 5, spec.CallGetsockopt: 3,
	}[k]
	if want == 0 {
		want = 2
	}
	if len(f) != want {
		return c, fmt.Errorf("%s takes %d arguments, not %d", f[0], want-1, len(f)-1)
	}
	fd, err := strconv.ParseInt(f[1], 10, 32)
	if err != nil {
		return c, fmt.Errorf("%s: bad descriptor %q", f[0], f[1])
	}
	c.FD = int32(fd)
	switch k {
	case spec.CallBind, spec.CallConnect:
		c.Addr, err = spec.ParseSockAddr(f[2])
	case spec.CallListen, spec.CallRead, spec.CallWrite:
		c.N, err = strconv.ParseInt(f[2], 10, 64)
	case spec.CallShutdown:
		switch f[2] {
		case "SHUT_RD":
			c.How = spec.ShutRD
		case "SHUT_WR":
			c.How = spec.ShutWR
		case "SHUT_RDWR":
			c.How = spec.ShutRDWR
		default:
			err = fmt.Errorf("bad direction %q", f[2])
		}
	case spec.CallSetsockopt, spec.CallGetsockopt:
		o, ok := optByName(f[2])
		if !ok {
			return c, fmt.Errorf("%s: unknown option %q", f[0], f[2])
		}
		c.Opt = o
		if k == spec.CallSetsockopt {
			if c.Val, err = strconv.ParseInt(f[3], 10, 64); err == nil {
				c.Val2, err = strconv.ParseInt(f[4], 10, 64)
			}
		}
	}
	if err != nil {
		return c, fmt.Errorf("%s: %w", f[0], err)
	}
	return c, nil
}

// FormatOutput renders o, observed at time at, as a reply line.
func FormatOutput(at spec.Time, o spec.Output, packet []byte) string {
	switch o.Kind {
	case spec.OutSegment:
		return fmt.Sprintf("seg %d %s", int64(at), hex.EncodeToString(packet))
	case spec.OutResult:
		if o.Ret == -1 {
			return fmt.Sprintf("ret %d %d %s -1 %s", int64(at), o.FD, o.Call, o.Err)
		}
		return fmt.Sprintf("ret %d %d %s %d", int64(at), o.FD, o.Call, o.Ret)
	case spec.OutNotice:
		return fmt.Sprintf("notice %d %d %s %s %s", int64(at), o.FD, o.Notice, o.Tuple.Local, o.Tuple.Remote)
	}
	return "log unknown output"
}

// parseTime parses a time in nanoseconds since the start.
func parseTime(s string) (spec.Time, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("bad time %q (want nanoseconds since the start)", s)
	}
	return spec.Time(n), nil
}

// parseResult parses the fields after "ret T": FD CALL RET [ERRNO].
func parseResult(f []string) (spec.Output, error) {
	if len(f) != 3 && len(f) != 4 {
		return spec.Output{}, fmt.Errorf("ret wants FD CALL RET [ERRNO]")
	}
	fd, err := strconv.ParseInt(f[0], 10, 32)
	if err != nil {
		return spec.Output{}, fmt.Errorf("ret: bad descriptor %q", f[0])
	}
	k, ok := callNames[f[1]]
	if !ok {
		return spec.Output{}, fmt.Errorf("ret: unknown call %q", f[1])
	}
	ret, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil {
		return spec.Output{}, fmt.Errorf("ret: bad return value %q", f[2])
	}
	e := spec.OK
	if ret == -1 {
		if len(f) != 4 {
			return spec.Output{}, fmt.Errorf("ret: -1 without an errno")
		}
		if e, err = spec.ParseErrno(f[3]); err != nil {
			return spec.Output{}, fmt.Errorf("ret: %w", err)
		}
	} else if len(f) == 4 {
		return spec.Output{}, fmt.Errorf("ret: errno %s with return value %d", f[3], ret)
	}
	return spec.ResultOut(int32(fd), k, ret, e), nil
}

// parseNotice parses the fields after "notice T": FD NOTICE LOCAL REMOTE.
func parseNotice(f []string) (spec.Output, error) {
	if len(f) != 4 {
		return spec.Output{}, fmt.Errorf("notice wants FD NOTICE LOCAL REMOTE")
	}
	fd, err := strconv.ParseInt(f[0], 10, 32)
	if err != nil {
		return spec.Output{}, fmt.Errorf("notice: bad descriptor %q", f[0])
	}
	n := spec.NoticeNone
	for i := 1; i < spec.NumNotices; i++ {
		if spec.Notice(i).String() == f[1] {
			n = spec.Notice(i)
		}
	}
	if n == spec.NoticeNone {
		return spec.Output{}, fmt.Errorf("notice: unknown notice %q", f[1])
	}
	var t spec.FourTuple
	if t.Local, err = spec.ParseSockAddr(f[2]); err == nil {
		t.Remote, err = spec.ParseSockAddr(f[3])
	}
	if err != nil {
		return spec.Output{}, fmt.Errorf("notice: %w", err)
	}
	return spec.NoticeOut(int32(fd), n, t), nil
}

// Caps are the capabilities an agent states in its handshake.
type Caps struct {
	Version int
	// Name names the stack and its version ("lwip-2.1.3").
	Name string
	// Clock is "virtual" (the agent's clock moves only when told) or
	// "wall" (it runs on its own).
	Clock string
	// IPv6 says the agent takes IPv6 packets (none of tcpclose's scripts
	// send them yet).
	IPv6 bool
	// State says the agent answers "state".
	State bool
	// Exact says the agent models every segment field as the model does
	// (window, MSS, timestamps); a real stack says no and those fields
	// are left unchecked.
	Exact bool
	// Profile is the built-in profile the stack is compared against by
	// default ("lwip"), or "".
	Profile string
	// Sets lists the profile fields the agent can be set to ("all" for
	// every one); other fields that differ from Profile become notes.
	Sets []string
	// Calls and Opts list the socket calls and options the agent makes;
	// others return -1 EOPNOTSUPP without reaching it.
	Calls, Opts []string
	// ISS says the agent takes a fixed initial sequence number (iss= in
	// the hello); otherwise it chooses its own.
	ISS bool
}

// parseCaps parses the fields of the agent's "hello" line after the
// version.
func parseCaps(f []string) (Caps, error) {
	c := Caps{Clock: "virtual"}
	for _, kv := range f {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return c, fmt.Errorf("capability %q is not key=value", kv)
		}
		switch k {
		case "name":
			c.Name = v
		case "clock":
			if v != "virtual" && v != "wall" {
				return c, fmt.Errorf("clock=%s: want virtual or wall", v)
			}
			c.Clock = v
		case "ipv6", "state", "exact", "iss":
			b := v == "yes"
			if !b && v != "no" {
				return c, fmt.Errorf("%s=%s: want yes or no", k, v)
			}
			switch k {
			case "ipv6":
				c.IPv6 = b
			case "state":
				c.State = b
			case "exact":
				c.Exact = b
			case "iss":
				c.ISS = b
			}
		case "profile":
			if v != "" {
				if _, err := spec.LookupProfile(v); err != nil {
					return c, fmt.Errorf("profile=%s: %w", v, err)
				}
			}
			c.Profile = v
		case "sets":
			c.Sets = splitList(v)
		case "calls":
			c.Calls = splitList(v)
			for _, n := range c.Calls {
				if _, ok := callNames[n]; !ok {
					return c, fmt.Errorf("calls: unknown call %q", n)
				}
			}
		case "opts":
			c.Opts = splitList(v)
		default:
			// Unknown capabilities are ignored: a later minor addition
			// must not break this side.
		}
	}
	if c.Name == "" {
		return c, fmt.Errorf("no name= capability")
	}
	return c, nil
}

func splitList(v string) []string {
	if v == "" || v == "none" {
		return nil
	}
	return strings.Split(v, ",")
}

// quote shortens a protocol line for an error message.
func quote(line string) string {
	const max = 72
	if len(line) > max {
		line = line[:max] + "..."
	}
	return strconv.Quote(line)
}
