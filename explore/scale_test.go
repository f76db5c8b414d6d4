package explore

import (
	"strings"
	"testing"
)

// withoutKey drops the fingerprint line, which names the key.
func withoutKey(r *Report) string {
	r.Elapsed = 0
	var keep []string
	for _, l := range strings.Split(r.String(), "\n") {
		if !strings.HasPrefix(l, "generated ") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// Counts, findings and traces do not depend on the number of workers, on
// the frontier spilling to disk at every state, or on the fingerprint key.
func TestSameReportAnyWorkersSpillOrKey(t *testing.T) {
	for _, sc := range []string{"abort", "simopen", "half"} {
		base := MustConfig(sc, "rfc9293")
		base.Capacity, base.R, base.Workers = 1, 0, 1
		if sc == "abort" {
			base.Capacity = 2
		}
		want := run(t, base)
		wantS := withoutKey(want)
		for _, v := range []struct {
			name string
			set  func(*Config)
		}{
			{"4 workers", func(c *Config) { c.Workers = 4 }},
			{"frontier spilled", func(c *Config) { c.FrontierMem = 1; c.TempDir = t.TempDir() }},
			{"another key", func(c *Config) { c.FPKey = 12345 }},
		} {
			cfg := base
			v.set(&cfg)
			got := run(t, cfg)
			if got.Generated != want.Generated {
				t.Errorf("%s, %s: generated %d, want %d", sc, v.name, got.Generated, want.Generated)
			}
			if s := withoutKey(got); s != wantS {
				t.Errorf("%s, %s: report differs:\n%s\n----\n%s", sc, v.name, got.Summary(), want.Summary())
			}
		}
	}
}

// -max-mem: a bound below what the search needs stops it with a
// truncated report that says why; inconclusive verdicts, not stuck ones.
func TestMaxMemStops(t *testing.T) {
	cfg := closeCfg("rfc9293", 2, 1)
	cfg.MaxMem = 1 // any use at all
	r := run(t, cfg)
	if !r.Truncated || !strings.Contains(r.StopReason, "memory bound") || !strings.Contains(r.Summary(), "memory bound") {
		t.Errorf("memory-bounded run: %s", r.Summary())
	}
	if r.Stuck != 0 || r.StuckInconclusive == 0 {
		t.Errorf("memory-bounded run: stuck %d, inconclusive %d; want 0 and some", r.Stuck, r.StuckInconclusive)
	}
}

// The report gives the omission probability and the resources.
func TestReportFootprint(t *testing.T) {
	r := run(t, closeCfg("rfc9293", 1, 0))
	if r.Generated < int64(r.States) || r.OmissionBirthday <= 0 || r.OmissionOptimistic <= 0 || r.FPKey != DefaultFPKey {
		t.Errorf("generated %d, omission %g / %g, key %#x", r.Generated, r.OmissionOptimistic, r.OmissionBirthday, r.FPKey)
	}
	if !strings.Contains(r.String(), "probability of a missed state") || !strings.Contains(r.Resources(), "states/s") {
		t.Errorf("report lacks the omission probability or resources:\n%s\n%s", r, r.Resources())
	}
	if r.HostStates == 0 || r.Passes == 0 || r.Workers == 0 || r.PeakMem == 0 {
		t.Errorf("resources: %s", r.Resources())
	}
}
