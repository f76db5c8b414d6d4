package stacks

import (
	"github.com/tcpclose/tcpclose/implstack"
	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/spec"
)

// ImplEntry is the optimized implementation (package impl, driven through
// package implstack) as a stack, on a virtual clock; like the model, each
// script runs on the first profile it lists unless one is named.
func ImplEntry() Entry {
	return Entry{
		Name: "impl", Doc: "the optimized implementation (package impl)",
		New: func(p spec.Profile, o Options) (script.Stack, error) {
			st, err := implstack.Open(p, spec.HostConfig{Addr: script.LocalIP, ISNSecret: o.Seed, FixedISS: o.FixedISS})
			if err != nil {
				return nil, err
			}
			return st, nil
		},
	}
}
