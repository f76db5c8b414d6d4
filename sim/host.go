package sim

import (
	"fmt"

	"github.com/tcpclose/tcpclose/impl"
	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/spec"
)

// HostFactory builds the host of one side: any spec.Host, from the side's
// profile and the host configuration the run chose for it (the side's
// address, an ISN secret drawn from the seed, the fixed ISS if any).
type HostFactory func(side Side, p spec.Profile, cfg spec.HostConfig) (spec.Host, error)

// ModelHost builds the executable model (model.New).
func ModelHost(_ Side, p spec.Profile, cfg spec.HostConfig) (spec.Host, error) {
	return model.New(p, cfg)
}

// ImplHost builds the optimized implementation (impl.New).
func ImplHost(_ Side, p spec.Profile, cfg spec.HostConfig) (spec.Host, error) {
	return impl.New(p, cfg)
}

// Kind names which engine runs on each side.
type Kind string

// Host kinds, as the command line spells them (-endpoints).
const (
	KindModel Kind = "model" // the model on both sides
	KindImpl  Kind = "impl"  // the optimized implementation on both sides
	KindMixed Kind = "mixed" // the model on side A, the implementation on side B
)

// Kinds lists the host kinds.
func Kinds() []Kind { return []Kind{KindModel, KindImpl, KindMixed} }

// Hosts returns the factories of sides A and B for kind ("" means
// KindModel), for Config.Hosts.
func Hosts(kind Kind) ([2]HostFactory, error) {
	switch kind {
	case KindModel, "":
		return [2]HostFactory{ModelHost, ModelHost}, nil
	case KindImpl:
		return [2]HostFactory{ImplHost, ImplHost}, nil
	case KindMixed:
		return [2]HostFactory{ModelHost, ImplHost}, nil
	}
	return [2]HostFactory{}, fmt.Errorf("sim: unknown endpoint kind %q (want model, impl or mixed)", kind)
}
