package stack

import "github.com/tcpclose/tcpclose/spec"

// Stack is a TCP host the runner drives: the model, the optimized
// implementation, or a real stack (Linux through a TUN device, gVisor's
// netstack). Times are spec.Time values measured from the start of the
// script; a virtual stack moves its own clock, a real stack maps them onto
// its real clock.
//
// The slice of outputs Inject, Call and Advance return is the caller's to
// read until its next call on the same stack: a stack may reuse it (a
// VirtualStack does, so that driving a host allocates nothing per step).
// A caller that keeps outputs longer copies them, as every driver in this
// module does (they keep the Observed values, not the slice).
//
// Socket calls use the script's file descriptor numbers (3, 4, ...); a
// stack whose descriptors differ maps them. Addresses in segments are
// those of the script: the stack under test is LocalIP, the scripted peer
// is RemoteIP.
type Stack interface {
	// Name identifies the stack in reports, e.g. "model/rfc9293".
	Name() string
	// Inject delivers seg to the stack at time at. Outputs the stack
	// produced at once are returned; later ones come from Advance.
	Inject(at spec.Time, seg spec.Segment) ([]Observed, error)
	// Call starts socket call c at time at. A call that blocks returns its
	// OutResult later, from Advance.
	Call(at spec.Time, c spec.Call) ([]Observed, error)
	// Advance lets time run toward until. It stops at until, or earlier
	// just after the first instant at which the stack produced output,
	// and returns those outputs with the time they happened.
	Advance(until spec.Time) ([]Observed, error)
	// Now is the stack's clock.
	Now() spec.Time
	// Close releases the stack's resources.
	Close() error
}

// Observed is an output with the time the stack produced it.
type Observed struct {
	At  spec.Time
	Out spec.Output
}

// Explainer is a stack that can say which rules it applied. The runner
// asks after every Inject, Call and Advance and shows the rules with a
// divergence.
type Explainer interface {
	// Explain returns the IDs of the rules the stack applied during its
	// most recent Inject, Call or Advance, in order.
	Explain() []spec.RuleID
}

// FieldModeller is a stack that declares which segment fields it models.
// A scripted field the stack does not model is reported as unchecked,
// never as failed. A stack that does not implement FieldModeller models
// every field.
type FieldModeller interface {
	Models(field string) bool
}

// Segment fields a FieldModeller may decline. Flags (other than PSH),
// sequence and acknowledgment numbers and the payload length are always
// checked; timestamp values never are (presence is).
const (
	FieldPSH    = "PSH"    // the PSH flag
	FieldWindow = "win"    // the window
	FieldMSS    = "mss"    // the MSS option
	FieldWScale = "wscale" // the window scale option
	FieldSackOK = "sackOK" // the SACK-permitted option
	FieldSack   = "sack"   // SACK blocks
	FieldTS     = "TS"     // presence of the Timestamps option
)

// Noter is a stack that could not be configured exactly as its profile
// says. Each note names the field, the profile's value and what the stack
// does instead; divergences that follow from them are expected.
type Noter interface {
	Notes() []string
}

// Sysctler is a stack that takes Linux sysctl settings by name
// ("net.ipv4.tcp_fin_timeout"). Package stack/oracle runs a script's
// sysctl commands on such a stack (those the profile does not already
// carry).
type Sysctler interface {
	SetSysctl(name, value string) error
}

// Unwrapper is a stack that wraps another (Real, a caller's own
// wrapper).
type Unwrapper interface {
	Unwrap() Stack
}

// As returns the first stack in the chain st, st.Unwrap(), ... that
// implements T, so that an optional interface (Explainer, FieldModeller,
// Noter, Sysctler, a test's own) stays reachable however a stack is
// wrapped. A wrapper that implements T itself is found before the stack
// it wraps: its answer is the one that counts.
func As[T any](st Stack) (T, bool) {
	for st != nil {
		if t, ok := st.(T); ok {
			return t, true
		}
		u, ok := st.(Unwrapper)
		if !ok {
			break
		}
		st = u.Unwrap()
	}
	var zero T
	return zero, false
}

// The addresses of a script, as packetdrill chooses them: the host under
// test is LocalIP (spec.DefaultHostAddr), the scripted peer RemoteIP.
// bind(fd, ..., ...) binds LocalPort; connect(fd, ..., ...) connects to
// RemoteIP:ConnectPort; an inbound connection comes from
// RemoteIP:RemotePort.
const (
	LocalPort   uint16 = 8080
	RemotePort  uint16 = 50000
	ConnectPort uint16 = 8080
)

// LocalIP is the address of the host under test, 192.168.0.1.
func LocalIP() spec.Addr { return spec.DefaultHostAddr() }

// RemoteIP is the address of the scripted peer, 192.0.2.1.
func RemoteIP() spec.Addr { return spec.IPv4(192, 0, 2, 1) }

// LocalIP6 is the address of the host under test in an IPv6 script,
// fd3d:fa7b:d17d::1: packetdrill draws one at random in
// fd3d:fa7b:d17d::/48 (config.c, DEFAULT_V6_LIVE_LOCAL_IP_STRING and
// DEFAULT_V6_LIVE_PREFIX_LEN); the runner takes the first.
func LocalIP6() spec.Addr {
	return spec.AddrFrom16([16]byte{0xfd, 0x3d, 0xfa, 0x7b, 0xd1, 0x7d, 15: 1})
}

// RemoteIP6 is the address of the scripted peer in an IPv6 script,
// 2001:db8::1 (packetdrill's config.c, DEFAULT_V6_LIVE_REMOTE_IP_STRING).
func RemoteIP6() spec.Addr {
	return spec.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 15: 1})
}

// LocalAddr is LocalIP:LocalPort, what bind(fd, ..., ...) binds.
func LocalAddr() spec.SockAddr { return spec.SockAddr{IP: LocalIP(), Port: LocalPort} }

// RemoteAddr is RemoteIP:RemotePort, the scripted peer of an inbound
// connection.
func RemoteAddr() spec.SockAddr { return spec.SockAddr{IP: RemoteIP(), Port: RemotePort} }

// ConnectAddr is RemoteIP:ConnectPort, what connect(fd, ..., ...)
// connects to.
func ConnectAddr() spec.SockAddr { return spec.SockAddr{IP: RemoteIP(), Port: ConnectPort} }
