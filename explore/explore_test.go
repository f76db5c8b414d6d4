package explore

import (
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/spec"
)

func run(t *testing.T, cfg Config) *Report {
	t.Helper()
	r, err := Run(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.CanonMisses != 0 {
		t.Errorf("canonicalFingerprint did not recognise %d records: has model.Host.Fingerprint changed layout?", r.CanonMisses)
	}
	t.Log(r.Summary())
	return r
}

func closeCfg(profile string, c, r int) Config {
	cfg := MustConfig("close", profile)
	cfg.Capacity, cfg.R = c, r
	return cfg
}

// onlyFinWait2 checks that every stuck state has a side whose
// application closed while the connection sat in FIN-WAIT-2.
func onlyFinWait2(t *testing.T, r *Report) {
	t.Helper()
	for _, g := range r.StuckGroups {
		if !strings.Contains(g.Signature, "FIN-WAIT-2 (app closed)") {
			t.Errorf("stuck group without an orphaned FIN-WAIT-2: %s (%d states)\n%s", g.Signature, g.States, g.Example)
		}
	}
}

// AMB-FW2-TIMER: with no FIN-WAIT-2 timer (rfc9293, rfc793) a side whose
// application closed can wait in FIN-WAIT-2 for ever once its peer has
// gone; the linux profile's orphan FIN-WAIT-2 timer removes every such
// state. The counts are exact for these bounds.
func TestFinWait2HangRFCProfiles_AMB_FW2_TIMER(t *testing.T) {
	for _, tc := range []struct {
		profile         string
		c, r            int
		states, edges   int
		stuck, deadlock int
	}{
		{"rfc9293", 1, 0, 462, 1227, 20, 5},
		{"rfc793", 1, 0, 462, 1227, 20, 5},
		{"rfc9293", 2, 0, 1437, 5537, 36, 5},
		{"rfc9293", 1, 1, 15581, 59549, 580, 66},
	} {
		r := run(t, closeCfg(tc.profile, tc.c, tc.r))
		got := []int{r.States, r.Edges, r.Stuck, r.Deadlocks}
		want := []int{tc.states, tc.edges, tc.stuck, tc.deadlock}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s C=%d R=%d: states, edges, stuck, deadlocks = %v, want %v", tc.profile, tc.c, tc.r, got, want)
		}
		if r.StuckInconclusive != 0 || r.Truncated || len(r.Violations) != 0 {
			t.Errorf("%s: inconclusive %d, truncated %t, violations %d", tc.profile, r.StuckInconclusive, r.Truncated, len(r.Violations))
		}
		onlyFinWait2(t, r)
		if n := r.StuckMatching("FIN-WAIT-2 (app closed) | CLOSED"); n == 0 {
			t.Errorf("%s: no stuck state with A in FIN-WAIT-2 and B gone", tc.profile)
		}
	}
}

// AMB-FW2-TIMER: the linux profile's FIN-WAIT-2 timer (FinWait2Timeout,
// FinWait2OrphanOnly) leaves no stuck state with closing applications.
func TestFinWait2TimerLinux_AMB_FW2_TIMER(t *testing.T) {
	for _, b := range [][2]int{{1, 0}, {2, 0}, {1, 1}} {
		r := run(t, closeCfg("linux", b[0], b[1]))
		if r.Stuck != 0 || r.Deadlocks != 0 || r.StuckInconclusive != 0 {
			t.Errorf("linux C=%d R=%d: stuck %d (+%d), deadlocks %d, want none\n%s", b[0], b[1], r.Stuck, r.StuckInconclusive, r.Deadlocks, r)
		}
	}
	// Without the timer the linux profile hangs like the RFC.
	cfg := closeCfg("linux", 1, 0)
	cfg.Profile.FinWait2Timeout = 0
	r := run(t, cfg)
	if r.Stuck == 0 {
		t.Errorf("linux without FinWait2Timeout: no stuck state")
	}
	onlyFinWait2(t, r)
}

// AMB-FW2-TIMER: the linux timer runs only for orphaned connections, so an
// application that half-closes with shutdown(SHUT_WR) and never closes
// still hangs in FIN-WAIT-2; FinWait2OrphanOnly=false removes the hang.
func TestFinWait2OrphanOnly_AMB_FW2_TIMER(t *testing.T) {
	cfg := closeCfg("linux", 1, 0)
	cfg.A = Program{Role: Active, PeerPort: ServerPort, Shutdown: true}
	r := run(t, cfg)
	if n := r.StuckMatching("FIN-WAIT-2 (app shut wr)"); n == 0 || n != r.Stuck {
		t.Errorf("shutdown-only A under linux: %d stuck states in FIN-WAIT-2 (app shut wr) of %d, want all and some\n%s", n, r.Stuck, r)
	}
	cfg.Profile.FinWait2OrphanOnly = false
	if r := run(t, cfg); r.Stuck != 0 {
		t.Errorf("FinWait2OrphanOnly=false: %d stuck states, want 0", r.Stuck)
	}
}

// Billington and Han's deadlock (R9293-SEG-FIN-UNSYNC, R9293-CLOSE-SYNRCVD):
// in a simultaneous open one side closes in SYN-RECEIVED, its FIN overtakes
// its SYN,ACK and is discarded by the peer still in SYN-SENT; on a lossless
// reordering channel without retransmission nothing resends it.
func TestBillingtonHanDeadlock_R9293_SEG_FIN_UNSYNC(t *testing.T) {
	base := MustConfig("simopen", "rfc9293")
	base.Capacity, base.R, base.Loss = 3, 1, false
	noRetx := base
	noRetx.Timers = []spec.TimerKind{spec.TimerUser, spec.TimerFinWait2, spec.TimerTimeWait, spec.TimerLinger}
	for _, accepted := range []bool{false, true} {
		cfg := noRetx
		cfg.Profile.SimOpenSynAckAccepted = accepted
		r := run(t, cfg)
		if r.Deadlocks == 0 || r.StuckInconclusive != 0 {
			t.Fatalf("SimOpenSynAckAccepted=%t: deadlocks %d (inconclusive %d), want some\n%s", accepted, r.Deadlocks, r.StuckInconclusive, r)
		}
		for _, g := range r.DeadlockGroups {
			if g.Signature != "CLOSING (app closed) | FIN-WAIT-2 (app closed)" && g.Signature != "FIN-WAIT-2 (app closed) | CLOSING (app closed)" {
				t.Errorf("unexpected deadlock %s", g.Signature)
			}
		}
		ex := r.DeadlockGroups[0].Example.String()
		for _, want := range []string{"SYN-RECEIVED", "app: close", "deliver F."} {
			if !strings.Contains(ex, want) {
				t.Errorf("deadlock trace lacks %q:\n%s", want, ex)
			}
		}
	}
	// With retransmission the FIN is resent and every run can end.
	cfg := base
	cfg.Capacity = 2
	r := run(t, cfg)
	if r.Stuck != 0 || r.Deadlocks != 0 {
		t.Errorf("with retransmission: stuck %d, deadlocks %d, want 0\n%s", r.Stuck, r.Deadlocks, r)
	}
}

// A client/server close started before the server is established cannot
// deadlock: the closer's FIN carries the ACK that completes the handshake,
// and a close in SYN-SENT leaves a CLOSED end that answers with RST.
func TestEarlyCloseClientServer_R9293_CLOSE_SYNSENT(t *testing.T) {
	cfg := MustConfig("early", "rfc9293")
	cfg.Capacity, cfg.R, cfg.Loss = 3, 1, false
	cfg.Timers = []spec.TimerKind{spec.TimerTimeWait}
	r := run(t, cfg)
	if r.Stuck != 0 || r.StuckInconclusive != 0 || len(r.Violations) != 0 {
		t.Errorf("early close: %s\n%s", r.Summary(), r)
	}
}

// twoStage is the smallest program pair in which a side is told
// peer-closed and later can be told reset: B closes first, A answers with
// shutdown(SHUT_WR) and keeps its socket.
func twoStage(profile string) Config {
	cfg := MustConfig("close", profile)
	cfg.Capacity, cfg.R = 1, 1
	cfg.A = Program{Role: Active, PeerPort: ServerPort, Shutdown: true}
	cfg.B = Program{Role: Passive, Port: ServerPort, Close: true, CloseListener: true}
	return cfg
}

// R9293-MUST13, R9293-MUST12: with one shared clock TIME-WAIT (2MSL)
// outlasts the peer's FIN retransmissions, so a side told peer-closed is
// never told reset by a peer that closed normally. Shortening TIME-WAIT
// below the retransmission span (a deliberately broken configuration)
// must produce the violation.
func TestTimeWaitProtectsLastAck_R9293_MUST13(t *testing.T) {
	cfg := twoStage("rfc9293")
	cfg.Clock = Shared
	if r := run(t, cfg); len(r.Violations) != 0 {
		t.Fatalf("shared clock, TimeWait %s: %s", cfg.Profile.TimeWait, r)
	}
	cfg.Profile.TimeWait = 2 * time.Second // below the peer's FIN retransmission span
	r := run(t, cfg)
	v, ok := r.Violation("reset-after-fin")
	if !ok {
		t.Fatalf("TimeWait=2s: no reset-after-fin violation\n%s", r)
	}
	ex := v.Examples[0].String()
	for _, want := range []string{"notice peer-closed", "timers [time-wait]", "notice reset"} {
		if !strings.Contains(ex, want) {
			t.Errorf("violation trace lacks %q:\n%s", want, ex)
		}
	}
	// With independent clocks TIME-WAIT can always expire first.
	cfg.Profile.TimeWait = 240 * time.Second
	cfg.Clock = Independent
	if _, ok := run(t, cfg).Violation("reset-after-fin"); !ok {
		t.Errorf("independent clocks: no reset-after-fin violation")
	}
}

// Counts, verdicts and traces do not depend on scheduling, on the memo or
// on the run; raw fingerprints give the same verdicts with more states.
// linux throttles out-of-window ACKs (OOWAckInterval), whose timestamp
// once exposed a fingerprint that ignored time (see epoch).
func TestDeterministicAndCrossChecked(t *testing.T) {
	for _, p := range []string{"rfc9293", "linux"} {
		cfg := MustConfig("abort", p)
		cfg.Capacity, cfg.R = 1, 1
		a, b := run(t, cfg), run(t, cfg)
		a.Elapsed, b.Elapsed = 0, 0
		if a.String() != b.String() {
			t.Errorf("%s: two runs differ:\n%s\n----\n%s", p, a, b)
		}
		e, err := newExplorer(cfg)
		if err != nil {
			t.Fatal(err)
		}
		e.noMemo = true
		c, err := e.run(nil)
		e.close()
		if err != nil {
			t.Fatal(err)
		}
		c.Elapsed = 0
		if c.String() != a.String() {
			t.Errorf("%s: without the memo the report differs:\n%s\n----\n%s", p, c.Summary(), a.Summary())
		}
		cfg.RawFingerprints = true
		raw := run(t, cfg)
		if raw.States < a.States {
			t.Errorf("%s: raw fingerprints: %d states, fewer than canonical %d", p, raw.States, a.States)
		}
		if !reflect.DeepEqual(sigs(raw.StuckGroups), sigs(a.StuckGroups)) || !reflect.DeepEqual(sigs(raw.DeadlockGroups), sigs(a.DeadlockGroups)) ||
			len(raw.Violations) != len(a.Violations) {
			t.Errorf("%s: raw fingerprints change the verdicts:\nraw %s\ncanonical %s", p, raw.Summary(), a.Summary())
		}
	}
}

// canonicalFingerprint merges only hosts that behave alike: over every
// reachable state of small systems, a host and the first host seen with
// the same canonical fingerprint but a different raw one answer each
// segment in flight to them, and their next timer, with the same outputs
// and the same canonical successor.
func TestCanonicalMergesOnlyEquivalentHosts(t *testing.T) {
	for _, p := range []string{"rfc9293", "linux", "smoltcp"} {
		cfg := MustConfig("abort", p)
		cfg.Capacity, cfg.R = 1, 1
		e, err := newExplorer(cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer e.close()
		e.noMemo = true
		canon := func(h *model.Host) string {
			c, miss := canonicalFingerprint(h.Fingerprint(), e.prof.OOWAckInterval)
			if miss != 0 {
				t.Fatalf("unrecognised record in %s", h.Fingerprint())
			}
			return c
		}
		init, _ := e.initial()
		rep := map[string]*model.Host{}
		seen := map[uint64]bool{}
		q := []*sys{init}
		compared := 0
		for len(q) > 0 {
			s := q[0]
			q = q[1:]
			for x := 0; x < 2; x++ {
				h := s.hr[x].h
				c := canon(h)
				r, ok := rep[c]
				if !ok {
					rep[c] = h
					continue
				}
				if r.Fingerprint() == h.Fingerprint() {
					continue
				}
				evs := []spec.Event{{Kind: spec.EvAdvance}}
				for _, cs := range s.ch[1-x] {
					evs = append(evs, spec.Event{Kind: spec.EvSegment, Seg: cs.seg})
				}
				for _, ev := range evs {
					h1, h2 := h.Clone(), r.Clone()
					e1, e2 := ev, ev
					e1.At, e2.At = h1.Now(), h2.Now()
					if ev.Kind == spec.EvAdvance {
						if h1.NextDeadline() == spec.Never {
							continue
						}
						e1.At, e2.At = h1.NextDeadline(), h2.NextDeadline()
					}
					o1, o2 := h1.Step(&e1, nil), h2.Step(&e2, nil)
					compared++
					if !reflect.DeepEqual(o1, o2) || canon(h1) != canon(h2) {
						t.Fatalf("%s: hosts merged by canonicalFingerprint differ on %v:\n%s\n%s\noutputs %v\n        %v",
							p, ev, h.Fingerprint(), r.Fingerprint(), o1, o2)
					}
				}
			}
			for _, l := range e.enabled(s) {
				st := e.apply(s, l, false)
				if st.cut {
					continue
				}
				if k := e.key(st.n); !seen[k] {
					seen[k] = true
					q = append(q, st.n)
				}
			}
		}
		if compared == 0 {
			t.Errorf("%s: no merged pair compared", p)
		}
		t.Logf("%s: %d states, %d merged-host comparisons", p, len(seen), compared)
	}
}

func sigs(gs []Group) []string {
	var s []string
	for _, g := range gs {
		s = append(s, g.Signature)
	}
	sort.Strings(s)
	return s
}

// Each shortest trace replays to a state of its group.
func TestTracesEndInTheirGroup(t *testing.T) {
	r := run(t, closeCfg("rfc9293", 1, 1))
	for _, g := range r.StuckGroups {
		if len(g.Example.Steps) == 0 {
			continue
		}
		last := g.Example.Steps[len(g.Example.Steps)-1].State
		if !strings.HasPrefix(last, "A "+strings.Replace(g.Signature, " | ", " | B ", 1)) {
			t.Errorf("trace of %q ends in %q", g.Signature, last)
		}
	}
}

func TestProgressCallback(t *testing.T) {
	var calls []Stats
	r, err := Run(closeCfg("rfc9293", 1, 1), func(s Stats) { calls = append(calls, s) })
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) < 2 {
		t.Fatalf("%d progress calls", len(calls))
	}
	last := calls[len(calls)-1]
	if last.States != r.States || last.Edges != r.Edges || last.Frontier != 0 || last.Depth != r.Depth {
		t.Errorf("last progress %+v, report %s", last, r.Summary())
	}
	for i := 1; i < len(calls); i++ {
		if calls[i].States < calls[i-1].States || calls[i].Frontier < 0 {
			t.Errorf("progress went backwards: %+v after %+v", calls[i], calls[i-1])
		}
	}
}

func TestMaxStatesTruncates(t *testing.T) {
	cfg := closeCfg("rfc9293", 2, 2)
	cfg.MaxStates = 5000
	r := run(t, cfg)
	if !r.Truncated || r.States != 5000 || r.StuckInconclusive == 0 {
		t.Errorf("truncated run: %s", r.Summary())
	}
}

func TestConfigErrors(t *testing.T) {
	bad := []func(*Config){
		func(c *Config) { c.Capacity = 0 },
		func(c *Config) { c.R = -1; c.Profile.R2 = -1 },
		func(c *Config) { c.A.PeerPort = 0 },
		func(c *Config) { c.A.Role = Passive },
		func(c *Config) { c.B.Writes = 1 },
		func(c *Config) { c.Profile.MSS = 0 },
		func(c *Config) { c.Dups = -1 },
	}
	for i, f := range bad {
		cfg := closeCfg("rfc9293", 1, 0)
		f(&cfg)
		if _, err := Run(cfg, nil); err == nil {
			t.Errorf("case %d: no error", i)
		}
	}
	if _, err := NewConfig("nope", "rfc9293"); err == nil {
		t.Error("unknown scenario accepted")
	}
	if _, err := NewConfig("close", "nope"); err == nil {
		t.Error("unknown profile accepted")
	}
}

// Every rule ID the package names exists in the catalogue.
func TestRuleIDsExist(t *testing.T) {
	files, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.IsDir() || !(strings.HasSuffix(f.Name(), ".go") || strings.HasSuffix(f.Name(), ".md")) {
			continue
		}
		b, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range spec.FindRuleIDs(string(b)) {
			if _, ok := spec.LookupRule(spec.RuleID(id)); !ok {
				t.Errorf("%s names unknown rule %s", f.Name(), id)
			}
		}
	}
}

// canonicalFingerprint drops only dead fields: two TIME-WAIT entries that
// differ in retransmission state collapse, two that differ in RCV.NXT do
// not.
func TestCanonicalFingerprint(t *testing.T) {
	tw := func(rto, rcv string) string {
		return "tw1 ov0|C0 10.0.0.1:49152<->10.0.0.2:8080 TIME-WAIT fd-1 par-1 pfalse qfalse otrue rstrue rafalse ebfalse s1,2,3,2 w65535,65535 wl5,2 ftrue m1460 r4," + rcv +
			" u0 h[] hffalse,0 tsfalse,0 -,-,-,240000000000,-, recfalse,0 lf0 rto" + rto + " rx0 r1false srtt0,0,false tmtrue,2,0 oowfalse,- ut0 r23 fw0 prev1,2,false,0,-,false,false,false,-|"
	}
	a, m1 := canonicalFingerprint(tw("1000", "6"), 0)
	b, m2 := canonicalFingerprint(tw("8000", "6"), 0)
	c, m3 := canonicalFingerprint(tw("1000", "7"), 0)
	if m1+m2+m3 != 0 {
		t.Fatalf("misses %d %d %d", m1, m2, m3)
	}
	if a != b || a == c {
		t.Errorf("canonical forms:\n%s\n%s\n%s", a, b, c)
	}
	oow := func(rel string) string {
		return strings.Replace(tw("1000", "6"), "oowfalse,-", "oowtrue,"+rel, 1)
	}
	expired, _ := canonicalFingerprint(oow("-500000000"), 500*time.Millisecond)
	running, _ := canonicalFingerprint(oow("-400000000"), 500*time.Millisecond)
	if expired != a || running == a {
		t.Errorf("throttle: expired %q, running %q", expired, running)
	}
	want := "tw1 ov0|C0 10.0.0.1:49152<->10.0.0.2:8080 TIME-WAIT fd-1 par-1 rafalse ebfalse snxt3 rnxt6 tsfalse,0 -,-,-,240000000000,-, oowfalse,-|"
	if a != want {
		t.Errorf("canonical TIME-WAIT\n got  %s\n want %s", a, want)
	}
	if _, miss := canonicalFingerprint("tw0 ov0|C0 garbage|", 0); miss != 1 {
		t.Errorf("garbage record not reported")
	}
}

// TestBoundsTable prints the state-space table of FINDINGS.md. It runs
// only with TCPCLOSE_LONG=1 (tens of minutes).
func TestBoundsTable(t *testing.T) {
	if os.Getenv("TCPCLOSE_LONG") == "" {
		t.Skip("set TCPCLOSE_LONG=1")
	}
	// TCPCLOSE_BOUNDS=quick: rfc9293 and linux, C <= 3, R <= 2, at most
	// 2,000,000 states a run (about half an hour on two shared cores).
	// TCPCLOSE_BOUNDS=deep: every profile at C=3 R=3 only, each run
	// bounded by 8 GB and TCPCLOSE_BOUNDS_TIME (default 10m).
	profiles, minC, minR, maxR, maxStates := []string{"rfc9293", "rfc793", "linux", "freebsd", "gvisor", "smoltcp"}, 1, 0, 3, 6_000_000
	var maxTime time.Duration
	switch os.Getenv("TCPCLOSE_BOUNDS") {
	case "quick":
		profiles, maxR, maxStates = []string{"rfc9293", "linux"}, 2, 2_000_000
	case "deep":
		minC, minR, maxStates, maxTime = 3, 3, 1<<31-1, 10*time.Minute
		if d, err := time.ParseDuration(os.Getenv("TCPCLOSE_BOUNDS_TIME")); err == nil {
			maxTime = d
		}
	}
	t.Logf("| scenario | profile | C | R | states | edges | depth | stuck | deadlocks | FW2-stuck | violations | time | peak mem |")
	for _, sc := range []string{"close"} {
		for _, p := range profiles {
			for c := minC; c <= 3; c++ {
				for r := minR; r <= maxR; r++ {
					cfg := MustConfig(sc, p)
					cfg.Capacity, cfg.R = c, r
					cfg.MaxStates, cfg.MaxTime, cfg.MaxMem = maxStates, maxTime, 8e9
					rep, err := Run(cfg, nil)
					if err != nil {
						t.Fatal(err)
					}
					tr := ""
					if rep.Truncated {
						tr = " (" + rep.StopReason + ")"
					}
					var vs []string
					for _, v := range rep.Violations {
						vs = append(vs, fmt.Sprintf("%s %d", v.Property.Name, v.Count))
					}
					t.Logf("| %s | %s | %d | %d | %d%s | %d | %d | %d (+%d) | %d | %d | %s | %s | %.0f MB |", sc, p, c, r, rep.States, tr, rep.Edges, rep.Depth,
						rep.Stuck, rep.StuckInconclusive, rep.Deadlocks, rep.StuckMatching("FIN-WAIT-2"), strings.Join(vs, ", "),
						rep.Elapsed.Round(10*time.Millisecond), float64(rep.PeakMem)/1e6)
				}
			}
		}
	}
}

// R9293-CLOSE-RELIABLE, R9293-SEG-TEXT, R9293-RST-ABORT: B writes an octet
// and closes (or aborts); A reads and closes. Reads never return more
// than was written, end-of-file comes only after every octet, and nothing
// is read after a reset beyond what the profile keeps.
func TestDataProperties_R9293_CLOSE_RELIABLE(t *testing.T) {
	for _, p := range []string{"rfc9293", "linux"} {
		cfg := MustConfig("close", p)
		cfg.Capacity, cfg.R, cfg.Clock = 1, 0, Shared // independent clocks add reset-after-fin (see above)
		cfg.A = Program{Role: Active, PeerPort: ServerPort, Read: true, Close: true}
		cfg.B = Program{Role: Passive, Port: ServerPort, Writes: 1, WriteSize: 1, Shutdown: true, Abort: true, CloseListener: true}
		r := run(t, cfg)
		if len(r.Violations) != 0 {
			t.Errorf("%s: %s", p, r)
		}
		if r.GoalStates == 0 {
			t.Errorf("%s: no goal state", p)
		}
	}
}

// AMB-FW2-TIMER with duplication: duplicates add states but no new kind of
// stuck state, and none under linux.
func TestDuplication_AMB_FW2_TIMER(t *testing.T) {
	cfg := closeCfg("rfc9293", 2, 0)
	cfg.Dups = 1
	r := run(t, cfg)
	if r.States != 22382 || r.Stuck != 498 {
		t.Errorf("rfc9293 C=2 R=0 Dups=1: %s, want 22382 states, 498 stuck", r.Summary())
	}
	onlyFinWait2(t, r)
	cfg.Profile = spec.MustProfile("linux")
	if r := run(t, cfg); r.Stuck != 0 || len(r.Violations) != 0 {
		t.Errorf("linux with duplication: %s", r.Summary())
	}
}

// TestIPv6SameSpace: over IPv6 the closing rules are the same, so the
// state space, its stuck and deadlocked groups and its violations are
// those of IPv4, and the traces name the IPv6 hosts.
func TestIPv6SameSpace(t *testing.T) {
	for _, sc := range []string{"close", "abort"} {
		cfg := MustConfig(sc, "rfc9293")
		cfg.Capacity, cfg.R = 1, 1
		v4 := run(t, cfg)
		cfg.IPv6 = true
		v6 := run(t, cfg)
		if v4.States != v6.States || v4.Edges != v6.Edges || !reflect.DeepEqual(sigs(v4.StuckGroups), sigs(v6.StuckGroups)) ||
			!reflect.DeepEqual(sigs(v4.DeadlockGroups), sigs(v6.DeadlockGroups)) || len(v4.Violations) != len(v6.Violations) {
			t.Errorf("%s: IPv6 changes the space:\nIPv4 %s\nIPv6 %s", sc, v4.Summary(), v6.Summary())
		}
	}
}
