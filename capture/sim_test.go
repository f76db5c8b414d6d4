package capture_test

import (
	"bytes"
	"fmt"
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
	b, res, _ := simRun(t, scenario, profile, seed, func(l *sim.Link) {
		if loss > 0 {
			l.Loss = loss
		}
	}, f)
	return b, res
}

// simRun runs a built-in scenario on the model under a profile and seed,
// with links changed by link, and returns its capture in format f, the
// result and the configuration it ran.
func simRun(t testing.TB, scenario, profile string, seed uint64, link func(*sim.Link), f wire.Format) ([]byte, *sim.Result, sim.Config) {
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
		link(&cfg.Net.Links[i])
	}
	if cfg.Hosts, err = sim.Hosts(sim.KindModel); err != nil {
		t.Fatal(err)
	}
	res, err := sim.Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := cli.WritePcap(&buf, res.Trace, cli.PcapOptions{Format: f}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), res, cfg
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

// TestSimScenariosConform: every scenario but the hazards (see
// TestHazardsFlagged), every profile, without loss and with 10% loss on
// five seeds, captured as sim -pcap writes it and judged: no finding in
// any connection.
func TestSimScenariosConform(t *testing.T) {
	runs, conns := 0, 0
	for _, sc := range sim.Scenarios() {
		if hazards[sc.Name] {
			continue
		}
		for _, prof := range spec.ProfileNames() {
			for _, loss := range []float64{0, 0.1} {
				seeds := []uint64{1}
				if loss > 0 {
					seeds = []uint64{1, 2, 3, 4, 5}
				}
				for _, seed := range seeds {
					b, _ := simCapture(t, sc.Name, prof, seed, loss, wire.Pcap)
					runs++
					for _, c := range judgeAll(t, b) {
						conns++
						// timewait-reopen on a profile whose TIME-WAIT refuses
						// the SYN and takes the RST that answers the refusal
						// (rfc793): the RST ends TIME-WAIT early, the RFC 1337
						// assassination, which the judge flags and the
						// simulator does not count as a hazard in that run.
						if !c.Conforms() && !(sc.Name == "timewait-reopen" && assassinationOnly(c)) {
							t.Errorf("%s/%s loss %.1f seed %d: %s\n  %v\n  %v", sc.Name, prof, loss, seed, c, c.Findings, c.Summary)
						}
					}
				}
			}
		}
	}
	t.Logf("%d runs, %d connections judged", runs, conns)
}

// assassinationOnly: every finding of c names R1337-TWA.
func assassinationOnly(c *capture.Conn) bool {
	for _, f := range c.Findings {
		if !strings.Contains(strings.Join(f.Rules, " "), "R1337-TWA") {
			return false
		}
	}
	return true
}

// netFaults are a run's random network faults.
type netFaults struct{ loss, dup, reorder float64 }

// simCaptureNet runs a scenario on the model with the given random
// faults on every link and returns its capture in format f, and the
// profile each side ran (the scenario's own settings included).
func simCaptureNet(t testing.TB, scenario, profile string, seed uint64, nf netFaults, f wire.Format) ([]byte, func(netip.AddrPort) (spec.Profile, bool)) {
	t.Helper()
	b, _, cfg := simRun(t, scenario, profile, seed, func(l *sim.Link) {
		l.Loss, l.Dup, l.Reorder = max(l.Loss, nf.loss), max(l.Dup, nf.dup), max(l.Reorder, nf.reorder)
	}, f)
	profiles := cfg.Profiles
	return b, func(ep netip.AddrPort) (spec.Profile, bool) {
		if ep.Addr() == sim.DefaultAddrs()[sim.A].IP.Netip() {
			return profiles[sim.A], true
		}
		return profiles[sim.B], true
	}
}

// tally counts model verdicts.
type tally struct{ conform, viol, cannot int }

func (tl *tally) add(v string) bool {
	switch {
	case strings.HasPrefix(v, "conforms"):
		tl.conform++
	case strings.HasPrefix(v, "cannot"):
		tl.cannot++
	default:
		tl.viol++
		return false
	}
	return true
}

// replaySets are the sets TestReplayOnModel judges: sim's pcapng marks
// the lost packets, its pcap does not (the search infers them).
// maxViol is the set's known false violations: 0 but for reordering,
// where a segment held back past the next expected packet is not yet
// always found by the search (docs/capture.md); the ceiling keeps it
// from growing.
var replaySets = []struct {
	name    string
	nf      netFaults
	f       wire.Format
	seeds   []uint64
	maxViol int
}{
	{"no faults", netFaults{}, wire.Pcapng, []uint64{1}, 0},
	{"10% loss, marked", netFaults{loss: 0.1}, wire.Pcapng, []uint64{1, 2}, 0},
	{"10% loss, unmarked", netFaults{loss: 0.1}, wire.Pcap, []uint64{1, 2}, 0},
	{"10% duplication", netFaults{dup: 0.1}, wire.Pcapng, []uint64{1, 2}, 0},
	{"10% reordering", netFaults{reorder: 0.1}, wire.Pcapng, []uint64{1, 2}, 0},
}

// TestReplayOnModel: every scenario, every profile, under each set of
// network faults, replayed endpoint by endpoint on the model under the
// profile it ran: no endpoint is found in violation (some cannot be
// judged: incarnations that began while the other held TIME-WAIT). The
// hazard scenarios are judged in TestHazardsFlagged.
func TestReplayOnModel(t *testing.T) {
	for _, set := range replaySets {
		var tl tally
		var bad []string
		for _, sc := range sim.Scenarios() {
			if hazards[sc.Name] {
				continue
			}
			for _, prof := range spec.ProfileNames() {
				for _, seed := range set.seeds {
					b, profileOf := simCaptureNet(t, sc.Name, prof, seed, set.nf, set.f)
					for c, err := range capture.Judge(bytes.NewReader(b), capture.Options{Profile: profileOf}) {
						if err != nil {
							t.Fatal(err)
						}
						for _, s := range []capture.Side{capture.A, capture.B} {
							if !tl.add(c.Ends[s].Model) {
								bad = append(bad, fmt.Sprintf("%s: %s/%s seed %d conn %d %s: %s", set.name, sc.Name, prof, seed, c.ID, s, c.Ends[s].Model))
							}
						}
					}
				}
			}
		}
		t.Logf("%-20s endpoints: %d conform, %d violations, %d cannot judge", set.name, tl.conform, tl.viol, tl.cannot)
		if tl.viol > set.maxViol {
			t.Errorf("%s: %d false violations, at most %d expected:\n%s", set.name, tl.viol, set.maxViol, strings.Join(bad, "\n"))
		}
	}
}

// TestRegressSimultaneousCloseUnderLoss: the minimal case of the 27
// false violations gencapture's linux run showed (simultaneous, linux,
// seed 1882, 5% loss). A's data segment, B's FIN and B's ACK all reach A
// at one instant, and A's shutdown came after the data and before the
// FIN; the search tried only the first two positions among the
// arrivals, so it found no placement that lets the model send A's FIN.
func TestRegressSimultaneousCloseUnderLoss(t *testing.T) {
	b, _ := simCaptureLoss(t, "simultaneous", "linux", 1882, 0.05)
	p := spec.MustProfile("linux")
	for c, err := range capture.Judge(bytes.NewReader(b), capture.Options{Profile: func(netip.AddrPort) (spec.Profile, bool) { return p, true }}) {
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []capture.Side{capture.A, capture.B} {
			if v := c.Ends[s].Model; !strings.HasPrefix(v, "conforms") {
				t.Errorf("%s: %s", s, v)
			}
		}
		if v := c.Ends[capture.A].Model; !strings.Contains(v, "after 2 of the segments arriving with it") {
			t.Errorf("A's close should be placed after 2 of the 3 segments arriving with its FIN: %s", v)
		}
	}
}

// simCaptureLoss is simCapture in pcapng with a loss probability set on
// every link (the scenario's own faults kept).
func simCaptureLoss(t testing.TB, scenario, profile string, seed uint64, loss float64) ([]byte, *sim.Result) {
	return simCapture(t, scenario, profile, seed, loss, wire.Pcapng)
}

// TestHazardsFlagged: the hazard scenarios on every profile, without
// loss and with 10% loss: a run where the simulator saw TIME-WAIT
// assassinated is flagged naming R1337-TWA, one where it saw only a ghost
// segment accepted is flagged naming R9293-MUST13. A run where no old
// duplicate happened to land may still be flagged with R9293-MUST13 (the
// exposure: a new SYN taken into the old sequence space within 2×MSL,
// as TimeWait=0 or a 10 s TIME-WAIT allows), never with R1337-TWA.
func TestHazardsFlagged(t *testing.T) {
	var flagged, missed, clean, exposed, falsePos int
	for name := range hazards {
		for _, prof := range spec.ProfileNames() {
			for _, loss := range []float64{0, 0.1} {
				for seed := uint64(1); seed <= 3; seed++ {
					b, res := simCapture(t, name, prof, seed, loss, wire.Pcapng)
					want := ""
					switch {
					case len(res.Assassinations()) > 0:
						want = "R1337-TWA"
					case len(res.Ghosts()) > 0:
						want = "R9293-MUST13"
					}
					var rules []string
					for _, c := range judgeAll(t, b) {
						for _, f := range c.Findings {
							rules = append(rules, f.Rules...)
						}
					}
					got := strings.Join(rules, " ")
					switch {
					case want == "" && got == "":
						clean++
					case want == "" && !strings.Contains(got, "R1337"):
						exposed++
					case want == "":
						falsePos++
						t.Errorf("%s/%s loss %.1f seed %d: no hazard, flagged %s", name, prof, loss, seed, got)
					case strings.Contains(got, want):
						flagged++
					default:
						missed++
						t.Errorf("%s/%s loss %.1f seed %d: hazards %v, flagged %q, want %s", name, prof, loss, seed, res.Hazards, got, want)
					}
				}
			}
		}
	}
	t.Logf("hazard runs flagged with the right rule: %d; missed: %d; runs without a hazard: %d clean, %d flagged as exposed (R9293-MUST13), %d flagged wrongly", flagged, missed, clean, exposed, falsePos)
}

// TestRegressLostSynAckDelay: unread-rst, linux, seed 1657, 5% loss: B's
// first SYN-ACK is lost, and its retransmission and its answer to A's
// retransmitted SYN leave at one instant. The delay between the capture
// and B was measured without the lost SYN-ACK (a lost segment was
// skipped as an answer too), so it came out long and the model could
// not send B's SYN-ACKs in time: a false violation (65 in a 45 000-run
// linux capture). A lost segment answers what its sender had seen.
func TestRegressLostSynAckDelay(t *testing.T) {
	b, profileOf := simCaptureNet(t, "unread-rst", "linux", 1657, netFaults{loss: 0.05}, wire.Pcapng)
	for c, err := range capture.Judge(bytes.NewReader(b), capture.Options{Profile: profileOf}) {
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []capture.Side{capture.A, capture.B} {
			if v := c.Ends[s].Model; !strings.HasPrefix(v, "conforms") {
				t.Errorf("%s: %s", s, v)
			}
		}
	}
}
