//go:build linux

package linux

import (
	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
)

// modelStack is the model as a stack.Virtual, so that a scenario can be
// played against the model and the kernel alike; h answers ConnState.
type modelStack struct {
	*stack.VirtualStack
	h interface {
		ConnState(spec.FourTuple) spec.State
	}
}

func newModelStack(p spec.Profile) *modelStack {
	h, err := model.New(p, spec.HostConfig{Addr: stack.LocalIP(), ISNSecret: 1})
	if err != nil {
		panic(err)
	}
	return &modelStack{stack.Virtual(h, stack.Named("model/"+p.Name)), h}
}
