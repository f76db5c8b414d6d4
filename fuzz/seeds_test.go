package fuzz

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/tcpclose/tcpclose/internal/golden"
	"github.com/tcpclose/tcpclose/sim"
	"github.com/tcpclose/tcpclose/spec"
)

var (
	decode   = flag.String("decode", "", "TestDecode: print what this corpus file decodes to (FuzzAgree, FuzzSim)")
	crashers = flag.Bool("crashers", false, "TestCrashers: replay testdata/crashers, the findings not yet fixed")
	export   = flag.String("export", "", "TestExportCorpus: write the corpora as raw inputs (libFuzzer's format) under this directory")
)

// seedSets are the generated seed corpora, per target.
func seedSets() map[string][]namedSeed {
	m := map[string][]namedSeed{
		"FuzzAgree":        agreeSeeds(),
		"FuzzSim":          simSeeds(),
		"FuzzScript":       scriptSeeds(),
		"FuzzSegmentCodec": codecSeeds(),
	}
	return m
}

// corpusFile renders data in the format of go test's corpus files.
func corpusFile(data []byte) []byte {
	return []byte(fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(data))))
}

// readCorpusFile parses a corpus file holding one []byte.
func readCorpusFile(b []byte) ([]byte, error) {
	head, rest, ok := bytes.Cut(b, []byte("\n"))
	if !ok || string(head) != "go test fuzz v1" {
		return nil, fmt.Errorf("not a go test fuzz v1 file")
	}
	line := strings.TrimSpace(string(rest))
	if !strings.HasPrefix(line, "[]byte(") || !strings.HasSuffix(line, ")") {
		return nil, fmt.Errorf("not a []byte value: %.40q", line)
	}
	s, err := strconv.Unquote(line[len("[]byte(") : len(line)-1])
	if err != nil {
		return nil, fmt.Errorf("bad []byte value: %w", err)
	}
	return []byte(s), nil
}

// readCorpus returns the inputs of dir, by file name.
func readCorpus(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		data, err := readCorpusFile(b)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[filepath.Base(f)] = data
	}
	return out
}

// TestGenerateSeeds checks that the committed seed corpora are what the
// generators make; -rewrite rewrites them. Files not made by a generator
// (crashers the fuzzer found, committed as regressions) are left alone.
//
//	go test ./fuzz -run TestGenerateSeeds -rewrite
func TestGenerateSeeds(t *testing.T) {
	for target, seeds := range seedSets() {
		dir := filepath.Join("testdata", "fuzz", target)
		if golden.Rewrite() {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			old, _ := filepath.Glob(filepath.Join(dir, "seed-*"))
			for _, f := range old {
				if err := os.Remove(f); err != nil {
					t.Fatal(err)
				}
			}
		}
		seen := map[string]bool{}
		for _, s := range seeds {
			name := "seed-" + s.name
			if seen[name] {
				t.Fatalf("%s: two seeds named %s", target, name)
			}
			seen[name] = true
			path := filepath.Join(dir, name)
			want := corpusFile(s.data)
			if golden.Rewrite() {
				if err := os.WriteFile(path, want, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			got, err := os.ReadFile(path)
			if target == "FuzzScript" && err == nil {
				// Copies of the scenario scripts: a snapshot, which need
				// not follow every edit of the originals.
				continue
			}
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s is stale or missing (go test ./fuzz -run TestGenerateSeeds -rewrite)", path)
			}
		}
		if !golden.Rewrite() {
			old, _ := filepath.Glob(filepath.Join(dir, "seed-*"))
			for _, f := range old {
				if !seen[filepath.Base(f)] {
					t.Errorf("%s is no longer generated (go test ./fuzz -run TestGenerateSeeds -rewrite)", f)
				}
			}
		}
	}
}

// agreeCoverage is what replaying FuzzAgree inputs through the model
// reached.
type agreeCoverage struct {
	states      [spec.NumStates]int
	transitions map[[2]spec.State]int
	rules       map[spec.RuleID]int
	overflow    bool
	rstInTW     int // a RST arrived in TIME-WAIT and the entry went
	reopened    int // TIME-WAIT became SYN-RECEIVED
}

func newAgreeCoverage() *agreeCoverage {
	return &agreeCoverage{transitions: map[[2]spec.State]int{}, rules: map[spec.RuleID]int{}}
}

func (c *agreeCoverage) observe(st *Step) {
	for _, r := range st.Fired {
		c.rules[r]++
	}
	if len(st.After.Listeners) > 0 {
		c.states[spec.Listen]++
	}
	if st.After.TimeWaitOverflow > 0 {
		c.overflow = true
	}
	before := map[spec.FourTuple]spec.State{}
	for _, x := range st.Before.Conns {
		before[x.Tuple] = x.State
	}
	after := map[spec.FourTuple]bool{}
	for _, x := range st.After.Conns {
		after[x.Tuple] = true
		c.states[x.State]++
		from, ok := before[x.Tuple]
		if !ok {
			from = spec.Closed
		}
		if from != x.State {
			c.transitions[[2]spec.State{from, x.State}]++
		}
		if from == spec.TimeWait && x.State == spec.SynReceived {
			c.reopened++
		}
	}
	for tu, from := range before {
		if after[tu] {
			continue
		}
		c.states[spec.Closed]++
		c.transitions[[2]spec.State{from, spec.Closed}]++
		if from == spec.TimeWait && st.Event.Kind == spec.EvSegment && st.Event.Seg.Flags&spec.RST != 0 && st.Event.Seg.Tuple() == tu {
			c.rstInTW++
		}
	}
}

func replayAgree(t *testing.T, inputs map[string][]byte, cov *agreeCoverage) {
	t.Helper()
	names := make([]string, 0, len(inputs))
	for n := range inputs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		r, err := NewAgreeRun(inputs[n], cov.observe)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if err := r.Run(); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
}

// TestAgreeSeedsReachEveryState replays the FuzzAgree corpus through the
// model (and the implementation) and fails if one of the eleven states of
// RFC 9293 §3.3.2 (R9293-STATES) is never reached, or one of the
// transitions and events the closing rules turn on never happens: the
// corpus must put the fuzzer at every depth from the start.
func TestAgreeSeedsReachEveryState(t *testing.T) {
	cov := newAgreeCoverage()
	replayAgree(t, readCorpus(t, filepath.Join("testdata", "fuzz", "FuzzAgree")), cov)
	for s := spec.State(0); int(s) < spec.NumStates; s++ {
		if cov.states[s] == 0 {
			t.Errorf("no seed reaches %s", s)
		}
	}
	for _, tr := range [][2]spec.State{
		{spec.Established, spec.FinWait1}, {spec.FinWait1, spec.FinWait2}, {spec.FinWait2, spec.TimeWait},
		{spec.FinWait1, spec.Closing}, {spec.Closing, spec.TimeWait}, {spec.FinWait1, spec.TimeWait},
		{spec.Established, spec.CloseWait}, {spec.CloseWait, spec.LastAck}, {spec.LastAck, spec.Closed},
		{spec.TimeWait, spec.Closed}, {spec.TimeWait, spec.SynReceived}, {spec.SynSent, spec.SynReceived},
		{spec.SynSent, spec.Established}, {spec.SynReceived, spec.Established}, {spec.SynSent, spec.Closed},
		{spec.SynReceived, spec.Closed}, {spec.Established, spec.Closed}, {spec.FinWait2, spec.Closed},
	} {
		if cov.transitions[tr] == 0 {
			t.Errorf("no seed makes the transition %s -> %s", tr[0], tr[1])
		}
	}
	if testing.Verbose() {
		var ts []string
		for tr, n := range cov.transitions {
			ts = append(ts, fmt.Sprintf("%s->%s %d", tr[0], tr[1], n))
		}
		sort.Strings(ts)
		t.Logf("states %v\ntransitions:\n  %s", cov.states, strings.Join(ts, "\n  "))
	}
}

// TestAgreeSeedsKeyEvents: the FuzzAgree corpus reaches the TIME-WAIT
// events where profiles differ: a SYN reopening TIME-WAIT (R9293-MAY2,
// R6191-TS, R9293-MAY2-ISS) and a reset reopened connection returning to it
// (R9293-MAY2-RETURN), RSTs in TIME-WAIT closing it (R1337-TWA) or ignored
// (R1337-F1, AMB-TW-RST), 2MSL expiring (R9293-TO-TW), a retransmitted
// FIN restarting it (AMB-TW-FIN), the TIME-WAIT cap, simultaneous close
// (R9293-CLOSE-SIMULTANEOUS), retransmissions running out (R9293-R2-CLOSE)
// and the FIN-WAIT-2 timer (AMB-FW2-TIMER).
func TestAgreeSeedsKeyEvents(t *testing.T) {
	cov := newAgreeCoverage()
	replayAgree(t, readCorpus(t, filepath.Join("testdata", "fuzz", "FuzzAgree")), cov)
	if cov.reopened == 0 {
		t.Error("no seed reopens TIME-WAIT with a SYN")
	}
	if cov.rstInTW == 0 {
		t.Error("no seed ends TIME-WAIT with a RST")
	}
	if !cov.overflow {
		t.Error("no seed overflows the TIME-WAIT cap")
	}
	for _, r := range []spec.RuleID{
		"R9293-MAY2", "R9293-MAY2-ISS", "R9293-MAY2-RETURN", "R6191-TS", "R6191-SEQ", "R6191-DROP",
		"R1337-TWA", "R1337-F1", "AMB-TW-RST", "R9293-TO-TW", "AMB-TW-FIN", "R9293-SEG-FIN-TW", "R9293-SEG-ACK-TW",
		"R9293-CLOSE-SIMULTANEOUS", "R9293-R2-CLOSE", "AMB-FW2-TIMER", "R9293-NOTE2", "R9293-NOTE3",
		"R5961-RST-CHALLENGE", "R9293-SHLD3", "R9293-CALL-ABORT", "R9293-CLOSE-PASSIVE", "R9293-CLOSE-ACTIVE",
		"R7323-PAWS", "AMB-REOPEN-NOLISTEN", "R1122-TIMEWAIT",
	} {
		if cov.rules[r] == 0 {
			t.Errorf("no seed makes the model apply %s", r)
		}
	}
	// With the campaign's cov-* inputs the corpus reaches 140 of the
	// catalogue's IDs (docs/fuzzing.md); losing many means the decoder
	// or the corpus lost its reach.
	n := 0
	for _, r := range spec.Rules() {
		if cov.rules[r.ID] > 0 {
			n++
		}
	}
	if n < 130 {
		t.Errorf("the corpus makes the model apply %d of the %d catalogued rules, want at least 130", n, len(spec.Rules()))
	}
}

// TestDecode prints what a corpus file decodes to: for FuzzAgree the
// event list with the model's outputs, for FuzzSim the case, the outcome
// and the trace.
//
//	go test ./fuzz -run TestDecode -v -decode testdata/fuzz/FuzzAgree/<file>
func TestDecode(t *testing.T) {
	if *decode == "" {
		t.Skip("no -decode file")
	}
	b, err := os.ReadFile(*decode)
	if err != nil {
		t.Fatal(err)
	}
	data, err := readCorpusFile(b)
	if err != nil {
		data = b // a raw input (OSS-Fuzz)
	}
	switch filepath.Base(filepath.Dir(*decode)) {
	case "FuzzSim":
		c := DecodeSim(data)
		cfg, err := c.Config()
		if err != nil {
			t.Fatal(err)
		}
		res, err := sim.Run(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%v\n%s\ncheck: %v\n%s", c, res.Summary(), SimCheck(data), res.Trace)
	case "FuzzScript":
		t.Logf("%s\ncheck: %v", data, Script(data))
	default:
		s, err := Describe(data)
		if err != nil {
			t.Fatal(err)
		}
		t.Log("\n" + s)
	}
}

// TestSimSeedsStrict: no FuzzSim corpus entry matches a known finding
// (the corpus must not lean on the filter).
func TestSimSeedsStrict(t *testing.T) {
	for name, data := range readCorpus(t, filepath.Join("testdata", "fuzz", "FuzzSim")) {
		if err := SimCheck(data); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestCrashers replays the findings not yet fixed (testdata/crashers/<Target>/),
// strictly, and says which still fail. Once one passes, move it into
// testdata/fuzz/<Target>/ as a regression.
//
//	go test ./fuzz -run TestCrashers -crashers -v
func TestCrashers(t *testing.T) {
	if !*crashers {
		t.Skip("-crashers not given")
	}
	run := map[string]func([]byte) error{"FuzzAgree": Agree, "FuzzSim": SimCheck, "FuzzScript": Script}
	dirs, _ := filepath.Glob(filepath.Join("testdata", "crashers", "*"))
	for _, dir := range dirs {
		f := run[filepath.Base(dir)]
		if f == nil {
			continue
		}
		for name, data := range readCorpus(t, dir) {
			if err := f(data); err != nil {
				t.Logf("%s/%s still fails:\n%.2000s", filepath.Base(dir), name, err)
			} else {
				t.Errorf("%s/%s passes now: move it to testdata/fuzz/%s/", filepath.Base(dir), name, filepath.Base(dir))
			}
		}
	}
}

// TestExportCorpus writes every corpus under testdata/fuzz as raw inputs,
// one file each, under <dir>/<Target>/: the seed corpora of the OSS-Fuzz
// build (.clusterfuzzlite/build.sh).
//
//	go test ./fuzz -run TestExportCorpus -export DIR
func TestExportCorpus(t *testing.T) {
	if *export == "" {
		t.Skip("no -export directory")
	}
	dirs, err := filepath.Glob(filepath.Join("testdata", "fuzz", "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range dirs {
		out := filepath.Join(*export, filepath.Base(dir))
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, data := range readCorpus(t, dir) {
			if err := os.WriteFile(filepath.Join(out, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
