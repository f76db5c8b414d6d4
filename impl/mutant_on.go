//go:build mutants

package impl

import (
	"fmt"

	"github.com/tcpclose/tcpclose/spec"
)

// mutation is the defect a Stack was built with (NewMutant); only the
// mutants build has it.
type mutation struct{ mut Mutant }

// mutant reports whether the Stack was built with the defect m.
func (s *Stack) mutant(m Mutant) bool { return s.mut == m }

// NewMutant is New for a Stack built with the deliberate defect m, for
// the mutation tests of package props (go test -tags mutants);
// MutantNone gives New's Stack. It exists only in the mutants build.
func NewMutant(p spec.Profile, cfg spec.HostConfig, m Mutant) (*Stack, error) {
	if m >= numMutants {
		return nil, fmt.Errorf("impl: unknown mutant %d", m)
	}
	s, err := New(p, cfg)
	if err != nil {
		return nil, err
	}
	s.mut = m
	s.peers.eager = m == MutantPeerEagerFree
	return s, nil
}
