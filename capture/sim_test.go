package capture_test

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"

	"github.com/tcpclose/tcpclose/capture"
	"github.com/tcpclose/tcpclose/cli"
	"github.com/tcpclose/tcpclose/sim"
	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/wire"
)

// simCapture runs a built-in scenario on the model under a profile with
// the given loss and seed and returns its capture (every transmission at
// its sender, lost ones included), as `sim -pcap` writes it.
func simCapture(t testing.TB, scenario, profile string, seed uint64, loss float64, f wire.Format) ([]byte, *sim.Result) {
	t.Helper()
	sc, err := sim.LookupScenario(scenario)
	if err != nil {
		t.Fatal(err)
	}
	p, err := spec.LookupProfile(profile)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := sc.Config(p, seed)
	if err != nil {
		t.Fatal(err)
	}
	for i := range cfg.Net.Links {
		if loss > 0 {
			cfg.Net.Links[i].Loss = loss
		}
	}
	hosts, err := sim.Hosts(sim.KindModel)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Hosts = hosts
	res, err := sim.Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := cli.WritePcap(&buf, res.Trace, cli.PcapOptions{Format: f}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), res
}

func judgeAll(t testing.TB, b []byte) []*capture.Conn {
	t.Helper()
	var out []*capture.Conn
	for c, err := range capture.Judge(bytes.NewReader(b), capture.Options{}) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// hazards are the scenarios whose point is a hazard the model allows
// under their settings (an old segment accepted, TIME-WAIT assassinated).
var hazards = map[string]bool{"ghost-segment": true, "timewait-assassination": true}

// TestSimScenariosConform: every scenario, every profile, without loss
// and with 10% loss on five seeds, captured as sim -pcap writes it and
// judged: no finding in any connection.
func TestSimScenariosConform(t *testing.T) {
	runs, conns := 0, 0
	for _, sc := range sim.Scenarios() {
		for _, prof := range spec.ProfileNames() {
			for _, loss := range []float64{0, 0.1} {
				seeds := []uint64{1}
				if loss > 0 {
					seeds = []uint64{1, 2, 3, 4, 5}
				}
				for _, seed := range seeds {
					b, res := simCapture(t, sc.Name, prof, seed, loss, wire.Pcap)
					runs++
					for _, c := range judgeAll(t, b) {
						conns++
						if !c.Conforms() && !(hazards[sc.Name] && len(res.Hazards) > 0) {
							t.Errorf("%s/%s loss %.1f seed %d: %s\n  %v\n  %v", sc.Name, prof, loss, seed, c, c.Findings, c.Summary)
						}
					}
				}
			}
		}
	}
	t.Logf("%d runs, %d connections judged", runs, conns)
}

// TestReplayOnModel: every scenario, every profile, captured as pcapng
// (lost packets marked) with and without loss, replayed endpoint by
// endpoint on the model under the same profile: no endpoint is found in
// violation (some cannot be judged: incarnations that began while the
// other held TIME-WAIT).
func TestReplayOnModel(t *testing.T) {
	conform, viol, cannot := 0, 0, 0
	for _, sc := range sim.Scenarios() {
		for _, prof := range spec.ProfileNames() {
			cfg, err := sc.Config(spec.MustProfile(prof), 1)
			if err != nil {
				t.Fatal(err)
			}
			// The scenario's own settings (TimeWait=0...) are part of the
			// profile each side runs.
			profileOf := func(ep netip.AddrPort) (spec.Profile, bool) {
				if ep.Addr() == sim.DefaultAddrs()[sim.A].IP.Netip() {
					return cfg.Profiles[sim.A], true
				}
				return cfg.Profiles[sim.B], true
			}
			for _, loss := range []float64{0, 0.1} {
				b, _ := simCapture(t, sc.Name, prof, 1, loss, wire.Pcapng)
				for c, err := range capture.Judge(bytes.NewReader(b), capture.Options{Profile: profileOf}) {
					if err != nil {
						t.Fatal(err)
					}
					for _, s := range []capture.Side{capture.A, capture.B} {
						v := c.Ends[s].Model
						switch {
						case strings.HasPrefix(v, "conforms"):
							conform++
						case strings.HasPrefix(v, "cannot"):
							cannot++
						default:
							viol++
							t.Errorf("%s/%s loss %.1f conn %d %s: %s", sc.Name, prof, loss, c.ID, s, v)
						}
					}
				}
			}
		}
	}
	t.Logf("endpoints: %d conform, %d violations, %d cannot judge", conform, viol, cannot)
}
