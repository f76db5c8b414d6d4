//go:build mutants

package implstack_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tcpclose/tcpclose/impl"
	"github.com/tcpclose/tcpclose/implstack"
	"github.com/tcpclose/tcpclose/script"
)

// TestCorpusCatchesMutants: the corpus can fail: an implementation with a
// deliberate defect diverges from some script.
func TestCorpusCatchesMutants(t *testing.T) {
	for _, m := range []impl.Mutant{impl.MutantCloseWaitToClosing, impl.MutantTWNoRestartOnFIN, impl.MutantNoRSTOnUnreadClose} {
		failed := 0
		for _, f := range corpus(t) {
			src, _ := os.ReadFile(f)
			s, err := script.Parse(filepath.Base(f), src)
			if err != nil {
				t.Fatal(err)
			}
			for _, prof := range s.Profiles {
				p, cfg, err := implstack.Config(s, prof)
				if err != nil {
					t.Fatal(err)
				}
				st, err := implstack.OpenMutant(p, cfg, m)
				if err != nil {
					t.Fatal(err)
				}
				res, err := script.Run(s, st, script.RunOptions{})
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
