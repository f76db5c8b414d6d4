package implstack_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tcpclose/tcpclose/impl"
	"github.com/tcpclose/tcpclose/implstack"
	"github.com/tcpclose/tcpclose/scenarios"
	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/spec"
)

// corpus parses the scenario corpus (package scenarios).
func corpus(t *testing.T) []*script.Script {
	t.Helper()
	var out []*script.Script
	for _, sc := range scenarios.All() {
		s, err := script.Parse(sc.Path, sc.Content)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// TestCorpus plays the whole scenario corpus on the implementation, on
// every profile each script lists (with the script's own overrides), as
// package script plays it on the model: every script must pass.
func TestCorpus(t *testing.T) {
	runs, checked, scripts := 0, 0, 0
	for _, s := range corpus(t) {
		scripts++
		name := strings.TrimSuffix(strings.TrimPrefix(s.Name, scenarios.Dir+"/"), ".pkt")
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
	all := corpus(t)
	for _, m := range []impl.Mutant{impl.MutantCloseWaitToClosing, impl.MutantTWNoRestartOnFIN, impl.MutantNoRSTOnUnreadClose} {
		failed := 0
		for _, s := range all {
			for _, prof := range s.Profiles {
				p, cfg, err := implstack.Config(s, prof)
				if err != nil {
					t.Fatal(err)
				}
				cfg.Mutant = m
				res, err := script.Run(s, implstack.New(p, cfg), script.RunOptions{})
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
	if _, err := implstack.Open(p, impl.Config{}); err == nil {
		t.Fatal("Open accepted an invalid profile")
	}
	st := implstack.New(p, impl.Config{})
	if _, err := st.Advance(1); err == nil {
		t.Fatal("Advance on a stack with an invalid profile did not fail")
	}
	if st.Name() != "impl/linux" {
		t.Errorf("name %q", st.Name())
	}
}
