package capture_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/tcpclose/tcpclose/capture"
	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/wire"
)

// TestSearchBounded: a search that needs more replays than allowed ends
// with "cannot judge: search exceeded N candidates", naming the bound,
// never a hang or a violation.
func TestSearchBounded(t *testing.T) {
	b, profileOf := simCaptureNet(t, "simultaneous", "linux", 1882, netFaults{loss: 0.05}, wire.Pcapng)
	for c, err := range capture.Judge(bytes.NewReader(b), capture.Options{Profile: profileOf, MaxCandidates: 3}) {
		if err != nil {
			t.Fatal(err)
		}
		if v := c.Ends[capture.A].Model; !strings.HasPrefix(v, "cannot judge: search exceeded 3 candidates") {
			t.Errorf("A with a bound of 3: %s", v)
		}
		if c.Candidates > 6 {
			t.Errorf("%d candidates tried with a bound of 3 per endpoint", c.Candidates)
		}
	}
}

// TestVantageParse: the flag's values, and a one-line error otherwise.
func TestVantageParse(t *testing.T) {
	for _, s := range []string{"auto", "a", "B", "between"} {
		v, err := capture.ParseVantage(s)
		if err != nil || !strings.EqualFold(v.String(), s) {
			t.Errorf("%q: %v %v", s, v, err)
		}
	}
	if _, err := capture.ParseVantage("middle"); err == nil || strings.Contains(err.Error(), "\n") {
		t.Errorf("middle: %v", err)
	}
}

// TestVantageInferred: sim's captures record each packet when its sender
// sends it, so both sides answer a handshake segment one delay after the
// capture saw it: the inferred vantage is between.
func TestVantageInferred(t *testing.T) {
	b, profileOf := simCaptureNet(t, "normal", "rfc9293", 1, netFaults{}, wire.Pcapng)
	for c, err := range capture.Judge(bytes.NewReader(b), capture.Options{Profile: profileOf}) {
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range c.Ends {
			if !strings.Contains(e.Model, "vantage between") {
				t.Errorf("%s", e.Model)
			}
		}
	}
}

// TestProfileAuto: replayed under every profile, each endpoint of a run
// fits the profile it ran (the truth is never ruled out), and the
// unread-data RST tells linux's family from rfc793's.
func TestProfileAuto(t *testing.T) {
	var all []spec.Profile
	for _, n := range spec.ProfileNames() {
		all = append(all, spec.MustProfile(n))
	}
	total, fits := 0, 0
	for _, sc := range []string{"normal", "half-close", "abort", "unread-rst", "simultaneous"} {
		for _, prof := range spec.ProfileNames() {
			b, _ := simCaptureNet(t, sc, prof, 1, netFaults{}, wire.Pcapng)
			for c, err := range capture.Judge(bytes.NewReader(b), capture.Options{Auto: all}) {
				if err != nil {
					t.Fatal(err)
				}
				for s, e := range c.Ends {
					total++
					fits += len(e.Fits)
					if !slices.Contains(e.Fits, prof) {
						t.Errorf("%s/%s %s: %s does not list the profile it ran", sc, prof, capture.Side(s), e.Model)
					}
					if sc == "unread-rst" && prof == "linux" && s == int(capture.B) && slices.Contains(e.Fits, "rfc793") {
						t.Errorf("linux's unread-data RST fits rfc793: %s", e.Model)
					}
				}
			}
		}
	}
	t.Logf("%d endpoints, %.1f profiles fit each on average (of %d)", total, float64(fits)/float64(total), len(all))
}
