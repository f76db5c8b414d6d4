//go:build !mutants

package props

import (
	"fmt"

	"github.com/tcpclose/tcpclose/impl"
	"github.com/tcpclose/tcpclose/spec"
)

// newImpl builds the implementation the properties compare with the
// model. The default build has no mutants (impl.NewMutant needs -tags
// mutants), so m must be impl.MutantNone.
func newImpl(p spec.Profile, cfg spec.HostConfig, m impl.Mutant) (*impl.Stack, error) {
	if m != impl.MutantNone {
		return nil, fmt.Errorf("props: mutant %s needs go test -tags mutants", m)
	}
	return impl.New(p, cfg)
}
