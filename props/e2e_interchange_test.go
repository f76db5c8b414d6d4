package props_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tcpclose/tcpclose/sim"
	"pgregory.net/rapid"
)

// e2eInterchangeable checks that the hosts of kind give the same global
// trace as the model for case c: every segment, call result, notice and
// state change, at the same virtual time.
func e2eInterchangeable(t *rapid.T, c e2eCase, kind sim.Kind) {
	cfg, err := c.config()
	if err != nil {
		t.Fatal(err)
	}
	want, err := e2eRun(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Hosts, err = sim.Hosts(kind); err != nil {
		t.Fatal(err)
	}
	got, err := e2eRun(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if i, ok := e2eFirstDiff(want.Trace.Records, got.Trace.Records); !ok {
		var w, g sim.Record
		if i < len(want.Trace.Records) {
			w = want.Trace.Records[i]
		}
		if i < len(got.Trace.Records) {
			g = got.Trace.Records[i]
		}
		t.Fatalf("case %v: %s endpoints change the trace at record %d:\n  model: %v\n  other: %v\n%s",
			c, kind, i, w, g, cmp.Diff(w, g))
	}
}

// e2eFirstDiff returns the index of the first record that differs, and
// whether the traces are equal.
func e2eFirstDiff(a, b []sim.Record) (int, bool) {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i, false
		}
	}
	return min(len(a), len(b)), len(a) == len(b)
}

// TestE2EInterchangeImplRapid: model and optimized implementation give the
// same global trace for the same seed, impl on both sides and mixed.
// R9293-CLOSE-RELIABLE.
func TestE2EInterchangeImplRapid(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := e2eGenGraceful(t)
		kind := rapid.SampledFrom([]sim.Kind{sim.KindImpl, sim.KindMixed}).Draw(t, "kind")
		e2eInterchangeable(t, c, kind)
	})
}
