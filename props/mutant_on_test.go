//go:build mutants

package props

import (
	"github.com/tcpclose/tcpclose/impl"
	"github.com/tcpclose/tcpclose/spec"
)

// newImpl builds the implementation the properties compare with the
// model, with the defect m (impl.NewMutant).
func newImpl(p spec.Profile, cfg spec.HostConfig, m impl.Mutant) (*impl.Stack, error) {
	return impl.NewMutant(p, cfg, m)
}
