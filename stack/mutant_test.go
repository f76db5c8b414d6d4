//go:build mutants

package stack_test

import (
	"testing"

	"github.com/tcpclose/tcpclose/impl"
	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/stack"
)

// TestCorpusCatchesMutants: the corpus can fail: an implementation with a
// deliberate defect diverges from some script.
func TestCorpusCatchesMutants(t *testing.T) {
	all := corpus(t)
	for _, m := range []impl.Mutant{impl.MutantCloseWaitToClosing, impl.MutantTWNoRestartOnFIN, impl.MutantNoRSTOnUnreadClose,
		impl.MutantProbeBacksOff, impl.MutantDelAckNoSecondSegment, impl.MutantFinAckAtOnce, impl.MutantSynLinearForever,
		impl.MutantRTONotRounded, impl.MutantSynTextDropped, impl.MutantKarnWithoutTS,
		impl.MutantWindowUnscaled, impl.MutantWScaleUncapped} {
		failed := 0
		for _, s := range all {
			for _, prof := range s.Profiles {
				su, err := script.ModelSetup(s, prof)
				if err != nil {
					t.Fatal(err)
				}
				h, err := impl.NewMutant(su.Profile, su.Config, m)
				if err != nil {
					t.Fatal(err)
				}
				res, err := script.Run(s, stack.Virtual(h), script.RunOptions{})
				if err != nil || !res.Passed() {
					failed++
				}
			}
		}
		if failed == 0 {
			t.Errorf("mutant %s passes the whole corpus", m)
		}
		t.Logf("mutant %s: %d runs diverge", m, failed)
	}
}
