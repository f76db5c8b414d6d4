package implstack_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpclose/tcpclose/impl"
	"github.com/tcpclose/tcpclose/implstack"
	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/spec"
)

// corpus lists the scenario scripts of package script: the top level and
// the topic folders.
func corpus(t *testing.T) []string {
	t.Helper()
	files, _ := filepath.Glob("../script/testdata/scenarios/*.pkt")
	more, _ := filepath.Glob("../script/testdata/scenarios/*/*.pkt")
	files = append(files, more...)
	if len(files) == 0 {
		t.Fatal("no scenario scripts")
	}
	return files
}

// TestCorpus plays the whole scenario corpus on the implementation, on
// every profile each script lists (with the script's own overrides), as
// package script plays it on the model: every script must pass.
func TestCorpus(t *testing.T) {
	runs, checked, scripts := 0, 0, 0
	for _, f := range corpus(t) {
		scripts++
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.ToSlash(f), "../script/testdata/scenarios/"), ".pkt")
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s, err := script.Parse(filepath.Base(f), src)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		t.Run(name, func(t *testing.T) {
			for _, prof := range s.Profiles {
				p, cfg, err := implstack.Config(s, prof)
				if err != nil {
					t.Fatal(err)
				}
				var vb bytes.Buffer
				res, err := script.Run(s, implstack.New(p, cfg), script.RunOptions{Verbose: &vb})
				if err != nil {
					t.Fatalf("on %s: %v", prof, err)
				}
				runs++
				checked += res.Checked
				if !res.Passed() {
					t.Errorf("on %s:\n%v\nverbose:\n%s", prof, res.Divergence, vb.String())
				}
			}
		})
	}
	t.Logf("%d scripts, %d runs, %d fields checked", scripts, runs, checked)
}

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

// TestInvalidProfile: a stack with an invalid profile reports why.
func TestInvalidProfile(t *testing.T) {
	p := spec.MustProfile("linux")
	p.RecvBuf = 0
	if _, err := implstack.Open(p, spec.HostConfig{}); err == nil {
		t.Fatal("Open accepted an invalid profile")
	}
	st := implstack.New(p, spec.HostConfig{})
	if _, err := st.Advance(1); err == nil {
		t.Fatal("Advance on a stack with an invalid profile did not fail")
	}
	if st.Name() != "impl/linux" {
		t.Errorf("name %q", st.Name())
	}
}
