package sim

import (
	"fmt"

	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/spec"
)

// Endpoint is a TCP host the simulator drives. The slice Step returns is read before the next call to Step on the
// same endpoint, so an implementation may reuse its buffer.
type Endpoint interface {
	// Step applies one event and returns the host's outputs in order
	// (docs/architecture.md).
	Step(ev spec.Event) []spec.Output
	// NextDeadline is the earliest armed timer, spec.Never if none.
	NextDeadline() spec.Time
	// Snapshot is the host's observable state.
	Snapshot() spec.HostSnap
}

// BufferedStepper is a host that writes its outputs into a caller's buffer,
// the signature of the optimized implementation (impl.Stack).
type BufferedStepper interface {
	Step(ev *spec.Event, out []spec.Output) []spec.Output
	NextDeadline() spec.Time
	Snapshot() spec.HostSnap
}

// Buffered adapts a BufferedStepper to Endpoint. The adapter owns one
// output buffer and reuses it on every Step.
func Buffered(s BufferedStepper) Endpoint { return &bufferedEndpoint{s: s} }

type bufferedEndpoint struct {
	s   BufferedStepper
	buf []spec.Output
}

func (b *bufferedEndpoint) Step(ev spec.Event) []spec.Output {
	b.buf = b.s.Step(&ev, b.buf[:0])
	return b.buf
}
func (b *bufferedEndpoint) NextDeadline() spec.Time { return b.s.NextDeadline() }
func (b *bufferedEndpoint) Snapshot() spec.HostSnap { return b.s.Snapshot() }

// HostConfig is what an EndpointFactory needs to build one side's host.
type HostConfig struct {
	Side    Side
	Profile spec.Profile
	Addr    spec.IPv4
	// ISNSecret keys the host's initial sequence numbers (RFC 6528).
	ISNSecret uint64
	// FixedISS, when non-zero, is the ISS of every connection the host
	// opens (spec.HostConfig.FixedISS).
	FixedISS spec.Seq
}

// EndpointFactory builds the host of one side.
type EndpointFactory func(HostConfig) (Endpoint, error)

// ModelFactory builds a *model.Host.
func ModelFactory(hc HostConfig) (Endpoint, error) {
	h, err := model.New(hc.Profile, spec.HostConfig{Addr: hc.Addr, ISNSecret: hc.ISNSecret, FixedISS: hc.FixedISS})
	if err != nil {
		return nil, fmt.Errorf("sim: side %s: %w", hc.Side, err)
	}
	return Buffered(h), nil
}

// Kind names which implementation runs on each side.
type Kind string

// Endpoint kinds, as the command line spells them.
const (
	KindModel Kind = "model" // the model on both sides
	KindImpl  Kind = "impl"  // the optimized implementation on both sides
	KindMixed Kind = "mixed" // the model on side A, the implementation on side B
)

// Kinds lists the endpoint kinds.
func Kinds() []Kind { return []Kind{KindModel, KindImpl, KindMixed} }

// Factories returns the factories of sides A and B for kind. impl builds
// the optimized implementation (typically wrapping impl.Stack with
// Buffered); it may be nil when kind is KindModel. This is the hook through
// which the command line plugs in the implementation.
func Factories(kind Kind, impl EndpointFactory) ([2]EndpointFactory, error) {
	switch kind {
	case KindModel, "":
		return [2]EndpointFactory{ModelFactory, ModelFactory}, nil
	case KindImpl, KindMixed:
		if impl == nil {
			return [2]EndpointFactory{}, fmt.Errorf("sim: endpoint kind %q needs the optimized implementation, which was not provided", kind)
		}
		if kind == KindImpl {
			return [2]EndpointFactory{impl, impl}, nil
		}
		return [2]EndpointFactory{ModelFactory, impl}, nil
	}
	return [2]EndpointFactory{}, fmt.Errorf("sim: unknown endpoint kind %q (want model, impl or mixed)", kind)
}
