//go:build mutants

package implstack

import (
	"fmt"

	"github.com/tcpclose/tcpclose/impl"
	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/spec"
)

// OpenMutant is Open for an implementation built with the deliberate
// defect m (impl.NewMutant), for the mutation tests; it exists only in the
// build with -tags mutants.
func OpenMutant(p spec.Profile, cfg spec.HostConfig, m impl.Mutant) (*Stack, error) {
	if cfg.Addr == (spec.IPv4{}) {
		cfg.Addr = script.LocalIP
	}
	s, err := impl.NewMutant(p, cfg, m)
	if err != nil {
		return nil, fmt.Errorf("implstack: %w", err)
	}
	return &Stack{s: s, name: "impl/" + p.Name}, nil
}
