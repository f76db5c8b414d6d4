package gvisor

import (
	"testing"
)

// TestScenarios runs every scenario against netstack, wanting exactly the
// outputs each scenario names.
func TestScenarios(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			p, s := newGvisorPeer(t, Config{Seed: 1})
			for _, o := range sc.overrides {
				if err := s.SetProfileField(o[0], o[1]); err != nil {
					t.Fatal(err)
				}
			}
			sc.run(p)
		})
	}
}
