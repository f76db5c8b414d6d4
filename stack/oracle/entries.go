package oracle

import (
	"github.com/tcpclose/tcpclose/impl"
	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
)

// ModelEntry is the executable model (package model) as a stack: the
// host of model.New driven by stack.Virtual, named "model/<profile>", on
// a virtual clock. By default each script runs on the first profile it
// lists. It is also the second opinion of Run.
func ModelEntry() stack.Entry {
	return stack.Entry{
		Name: "model", Doc: "the executable model (package model)", AnyAddr: true,
		New: func(p spec.Profile, o stack.Options) (stack.Stack, error) {
			h, err := model.New(p, o.HostConfig())
			if err != nil {
				return nil, err
			}
			return stack.Virtual(h, stack.Named("model/"+p.Name)), nil
		},
	}
}

// ImplEntry is the optimized implementation (package impl) as a stack:
// the host of impl.New driven by stack.Virtual, named "impl/<profile>";
// like the model, each script runs on the first profile it lists unless
// one is named.
func ImplEntry() stack.Entry {
	return stack.Entry{
		Name: "impl", Doc: "the optimized implementation (package impl)", AnyAddr: true,
		New: func(p spec.Profile, o stack.Options) (stack.Stack, error) {
			h, err := impl.New(p, o.HostConfig())
			if err != nil {
				return nil, err
			}
			return stack.Virtual(h, stack.Named("impl/"+p.Name)), nil
		},
	}
}
