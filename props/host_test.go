package props

import (
	"github.com/tcpclose/tcpclose/impl"
	"github.com/tcpclose/tcpclose/spec"
)

// host is a TCP host as the generators drive it: *model.Host, or an
// *impl.Stack behind implHost.
type host interface {
	Step(ev spec.Event) []spec.Output
	Snapshot() spec.HostSnap
	NextDeadline() spec.Time
	Now() spec.Time
}

// implHost adapts impl.Stack to host. The outputs Step returns are valid
// until the next Step.
type implHost struct {
	s   *impl.Stack
	buf []spec.Output
}

func (h *implHost) Step(ev spec.Event) []spec.Output {
	h.buf = h.s.Step(&ev, h.buf[:0])
	return h.buf
}
func (h *implHost) Snapshot() spec.HostSnap { return h.s.Snapshot() }
func (h *implHost) NextDeadline() spec.Time { return h.s.NextDeadline() }
func (h *implHost) Now() spec.Time          { return h.s.Now() }
