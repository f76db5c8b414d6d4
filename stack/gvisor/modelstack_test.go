package gvisor

import (
	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
)

// modelStack is the model as a stack.Virtual, for comparing netstack with
// the model's gvisor profile; it also tells connection states
// (connStater), as netstack's adapter does.
type modelStack struct {
	*stack.VirtualStack
}

func newModelStack(p spec.Profile, addr spec.Addr) (modelStack, error) {
	h, err := model.New(p, spec.HostConfig{Addr: addr})
	if err != nil {
		return modelStack{}, err
	}
	return modelStack{stack.Virtual(h, stack.Named("model/"+p.Name))}, nil
}

// ConnState implements connStater with the model's own answer.
func (m modelStack) ConnState(t spec.FourTuple) spec.State {
	return m.Host().(interface {
		ConnState(spec.FourTuple) spec.State
	}).ConnState(t)
}
