package script

import "github.com/tcpclose/tcpclose/spec"

// Stack is a TCP host the runner drives: the model, the optimized
// implementation, or a real stack (Linux through a TUN device, gVisor's
// netstack). Times are spec.Time values measured from the start of the
// script; a virtual stack moves its own clock, a real stack maps them onto
// its real clock.
//
// Socket calls use the script's file descriptor numbers (3, 4, ...); a
// stack whose descriptors differ maps them. Addresses in segments are
// those of the script: the stack under test is LocalAddr, the scripted
// peer is RemoteAddr.
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

// Default addresses of a script: the host under test and the scripted
// peer, as packetdrill chooses them.
var (
	LocalIP    = spec.IPv4{192, 168, 0, 1}
	RemoteIP   = spec.IPv4{192, 0, 2, 1}
	LocalPort  = uint16(8080)  // what bind(fd, ..., ...) binds
	RemotePort = uint16(50000) // the scripted peer's port for inbound connections
	// ConnectPort is the port connect(fd, ..., ...) connects to on RemoteIP.
	ConnectPort = uint16(8080)
)
