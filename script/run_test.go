package script

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/tcpclose/tcpclose/internal/golden"
	"github.com/tcpclose/tcpclose/scenarios"
	"github.com/tcpclose/tcpclose/spec"
)

// recordingStack is the model stack that remembers every rule it applied.
type recordingStack struct {
	*ModelStack
	fired map[spec.RuleID]bool
}

func (r *recordingStack) Explain() []spec.RuleID {
	ids := r.ModelStack.Explain()
	for _, id := range ids {
		r.fired[id] = true
	}
	return ids
}

func loadScript(t *testing.T, path string) *Script {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse(filepath.Base(path), src)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return s
}

// loadCorpusScript parses the corpus script name ("close/passive-close.pkt").
func loadCorpusScript(t *testing.T, name string) *Script {
	t.Helper()
	sc, err := scenarios.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse(sc.Path, sc.Content)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return s
}

// runOn plays s on the model with the named profile and returns the
// result and the rules applied.
func runOn(t *testing.T, s *Script, profile string, verbose *bytes.Buffer) (*Result, map[spec.RuleID]bool) {
	t.Helper()
	su, err := ModelSetup(s, profile)
	if err != nil {
		t.Fatalf("setup on %s: %v", profile, err)
	}
	ms, err := NewModelStack(su.Profile, su.Config)
	if err != nil {
		t.Fatal(err)
	}
	st := &recordingStack{ms, map[spec.RuleID]bool{}}
	opts := RunOptions{}
	if verbose != nil {
		opts.Verbose = verbose
	}
	res, err := Run(s, st, opts)
	if err != nil {
		t.Fatalf("run on %s: %v", profile, err)
	}
	return res, st.fired
}

// commentRuleIDs returns the rule IDs a script names in its comments.
func commentRuleIDs(src []byte) []spec.RuleID {
	seen := map[spec.RuleID]bool{}
	var ids []spec.RuleID
	for _, line := range strings.Split(string(src), "\n") {
		i := strings.Index(line, "//")
		if i < 0 {
			continue
		}
		for _, m := range spec.FindRuleIDs(line[i:]) {
			if id := spec.RuleID(m); !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// TestScenarios plays every script of the corpus (package scenarios) on each
// profile it lists; each must pass. Every rule a script names in its
// comments must exist in the catalogue and must have been applied by the
// model on at least one of those profiles, so that the comments stay
// true.
func TestScenarios(t *testing.T) {
	for _, sc := range scenarios.All() {
		t.Run(sc.Test(), func(t *testing.T) {
			src := sc.Content
			s := loadCorpusScript(t, sc.Name)
			fired := map[spec.RuleID]bool{}
			for _, prof := range s.Profiles {
				var vb bytes.Buffer
				res, rules := runOn(t, s, prof, &vb)
				if !res.Passed() {
					t.Errorf("on %s:\n%v\nverbose:\n%s", prof, res.Divergence, vb.String())
					continue
				}
				if res.Checked == 0 {
					t.Errorf("on %s: nothing was checked", prof)
				}
				for id := range rules {
					fired[id] = true
				}
			}
			ids := commentRuleIDs(src)
			if len(ids) == 0 {
				t.Errorf("the script names no rule ID in its comments")
			}
			for _, id := range ids {
				if _, ok := spec.LookupRule(id); !ok {
					t.Errorf("comment names %s, which the catalogue lacks", id)
				} else if !fired[id] {
					t.Errorf("comment names %s, which the model never applied on %v", id, s.Profiles)
				}
			}
		})
	}
}

// TestPendingScriptsStillDiverge: the scripts under testdata/pending hold
// the RFC-correct expectation where the model is believed wrong. Each must
// still diverge on its profiles; when one passes, the model was fixed and
// the script belongs in the corpus (scenarios/<topic>/).
func TestPendingScriptsStillDiverge(t *testing.T) {
	files, _ := filepath.Glob("testdata/pending/*.pkt")
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".pkt"), func(t *testing.T) {
			s := loadScript(t, f)
			for _, prof := range s.Profiles {
				res, _ := runOn(t, s, prof, nil)
				if res.Passed() {
					t.Errorf("passes on %s now: move it to scenarios/<topic>/", prof)
				} else {
					t.Logf("on %s (expected while pending):\n%v", prof, res.Divergence)
				}
			}
		})
	}
}

// TestDivergenceReports runs the scripts under testdata/divergence, each
// with a deliberately wrong expectation, and compares the reports with
// the golden files beside them (go test ./script -run
// TestDivergenceReports -rewrite regenerates them).
func TestDivergenceReports(t *testing.T) {
	files, _ := filepath.Glob("testdata/divergence/*.pkt")
	if len(files) == 0 {
		t.Fatal("no divergence scripts")
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".pkt"), func(t *testing.T) {
			s := loadScript(t, f)
			var b strings.Builder
			for _, prof := range s.Profiles {
				res, _ := runOn(t, s, prof, nil)
				if res.Passed() {
					t.Errorf("on %s: the script passes, but it is meant to diverge", prof)
					continue
				}
				fmt.Fprintf(&b, "# %s on %s (%s)\n%v\n\n", s.Name, res.Stack, res.Divergence.Kind, res.Divergence)
			}
			goldenFile := strings.TrimSuffix(f, ".pkt") + ".golden"
			if golden.Rewrite() {
				if err := os.WriteFile(goldenFile, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(goldenFile)
			if err != nil {
				t.Fatalf("%v (run with -rewrite to create it)", err)
			}
			if got := b.String(); got != string(want) {
				t.Errorf("report differs from %s (run with -rewrite if intended)\ngot:\n%s\nwant:\n%s", goldenFile, got, want)
			}
		})
	}
}

// TestR9293_MUST13_TimeWaitLasts2MSL pins R9293-MUST13 through the
// active-close script: TIME-WAIT is still there 239.9 s after the last
// FIN and gone 0.1 s later; shortening TimeWait breaks the script at the
// line that probes it.
func TestR9293_MUST13_TimeWaitLasts2MSL(t *testing.T) {
	s := loadCorpusScript(t, "close/active-close-timewait.pkt")
	res, fired := runOn(t, s, "rfc9293", nil)
	if !res.Passed() || !fired["R9293-MUST13"] {
		t.Fatalf("passed=%v fired MUST13=%v\n%v", res.Passed(), fired["R9293-MUST13"], res.Divergence)
	}
	s.Sets = append(s.Sets, Setting{Field: "TimeWait", Value: "200s"})
	res, _ = runOn(t, s, "rfc9293", nil)
	d := res.Divergence
	if d == nil || d.Kind != DivUnexpected || d.Pos.Line != 38 {
		t.Fatalf("with TimeWait=200s want an unexpected RST before line 38, got %v", d)
	}
}

// TestR5961_RST_CHALLENGE_VersusRFC793 pins R5961-RST-CHALLENGE: the
// rfc9293 script, played on rfc793, diverges where the in-window RST
// resets the connection instead of drawing a challenge ACK.
func TestR5961_RST_CHALLENGE_VersusRFC793(t *testing.T) {
	s := loadCorpusScript(t, "rst/rst-in-window-rfc9293.pkt")
	res, fired := runOn(t, s, "rfc793", nil)
	d := res.Divergence
	if d == nil || d.Kind != DivMissing || d.Pos.Line != 20 {
		t.Fatalf("want the challenge ACK of line 20 missing on rfc793, got %v", d)
	}
	if !fired["R9293-RST-WINDOW"] || fired["R5961-RST-CHALLENGE"] {
		t.Errorf("rules applied: %v", sortedIDs(fired))
	}
	if !strings.Contains(d.Error(), "R9293-RST-ABORT") {
		t.Errorf("the report should show the reset rule:\n%v", d)
	}
}

func sortedIDs(m map[spec.RuleID]bool) []string {
	var out []string
	for id := range m {
		out = append(out, string(id))
	}
	sort.Strings(out)
	return out
}

// TestRuleIDsExist: every rule ID named anywhere in this package (source,
// scripts, golden reports, README) is in the catalogue.
func TestRuleIDsExist(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	more, _ := filepath.Glob("testdata/*/*")
	files = append(append(files, more...), "README.md")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // directories
		}
		for _, m := range spec.FindRuleIDs(string(b)) {
			if _, ok := spec.LookupRule(spec.RuleID(m)); !ok {
				t.Errorf("%s names %s, which the catalogue lacks", f, m)
			}
		}
	}
}
