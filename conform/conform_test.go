package conform

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
	"github.com/tcpclose/tcpclose/stack/oracle"
)

// oldEntry is the model always running another profile, whatever it is
// given: a stack that departs from the campaign's profile on purpose.
func oldEntry(name, profile string) stack.Entry {
	return stack.Entry{Name: name, Profile: "rfc9293", ChoosesISS: true, New: func(spec.Profile, stack.Options) (stack.Stack, error) {
		st, err := oracle.ModelEntry().New(spec.MustProfile(profile), stack.Options{Seed: 99})
		if err != nil {
			return nil, err
		}
		return stack.NewReal(st, stack.RealConfig{}), nil
	}}
}

func registry() stack.Registry {
	return stack.Registry{}.With(oracle.ModelEntry(), oracle.ImplEntry(), oldEntry("old", "rfc793"), oldEntry("smol", "smoltcp"))
}

// TestModelAgainstItself: the model never diverges from itself, on any
// profile; a failure here is a bug in the harness.
func TestModelAgainstItself(t *testing.T) {
	for _, p := range spec.ProfileNames() {
		rep, err := Run(Config{Registry: registry(), Stack: "model", Profile: p, N: 300, Seed: 7}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Diverged != 0 || len(rep.Errors) != 0 {
			var b bytes.Buffer
			rep.Write(&b)
			t.Errorf("profile %s:\n%s", p, b.String())
		}
		if rep.Steps < 300*8 {
			t.Errorf("profile %s: only %d steps", p, rep.Steps)
		}
	}
}

// TestFindsShrinksAndReplays: a stack that runs RFC 793 against the
// rfc9293 model diverges; every kind is shrunk to a script that passes on
// the model and diverges on the stack.
func TestFindsShrinksAndReplays(t *testing.T) {
	out := t.TempDir()
	rep, err := Run(Config{Registry: registry(), Stack: "old", N: 300, Seed: 1, Out: out, Explain: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Kinds) == 0 {
		t.Fatal("no divergence found between RFC 793 and RFC 9293")
	}
	files, _ := filepath.Glob(filepath.Join(out, "*.pkt"))
	if len(files) != len(rep.Kinds) {
		t.Errorf("%d scripts for %d kinds", len(files), len(rep.Kinds))
	}
	explained := false
	for _, k := range rep.Kinds {
		if k.Shrunk > k.Steps {
			t.Errorf("%s: shrunk to %d from %d", k.Key, k.Shrunk, k.Steps)
		}
		if !strings.HasPrefix(k.Replay, "passes on the model") || !strings.Contains(k.Replay, "; the stack diverges") {
			t.Errorf("%s: replay: %s\n%s", k.Key, k.Replay, k.Script)
		}
		src, err := os.ReadFile(k.File)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := script.Parse(k.File, src); err != nil {
			t.Errorf("%s: %v", k.File, err)
		}
		for _, c := range k.Candidates {
			// The stack is the model on rfc793: single fields of
			// rfc793 explain some kinds.
			if strings.HasSuffix(c, "(no divergence)") {
				explained = true
			}
		}
	}
	if !explained {
		t.Error("no kind was explained by a single profile field")
	}
}

// TestDeterministic: the same seed gives the same campaign.
func TestDeterministic(t *testing.T) {
	keys := func() string {
		rep, err := Run(Config{Registry: registry(), Stack: "smol", N: 200, Seed: 42, ShrinkRuns: -1, Workers: 2}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, k := range rep.Kinds {
			b.WriteString(k.Key + "\n")
		}
		return b.String()
	}
	a, b := keys(), keys()
	if a != b || a == "" {
		t.Errorf("two runs differ or found nothing:\n%s\n---\n%s", a, b)
	}
}

func TestCauses(t *testing.T) {
	k := &Kind{Field: "flags", State: "FIN-WAIT-1", Event: "seg . data", Stack: "R. 2:2(0) ack 5 win 0 at 1", Model: "R 2:2(0) at 1", Tags: []string{"closed"}}
	c := Cause{ID: "x", Stacks: []string{"gvisor", "linux"}, Field: "^flags$", Stack: `^R\. `, Model: `^R `, Tags: []string{"closed"}}
	if !c.Matches(k) || !c.appliesTo("linux-quickack") || c.appliesTo("model") {
		t.Error("cause does not match")
	}
	c.NotTags = []string{"closed"}
	if c.Matches(k) {
		t.Error("NotTags ignored")
	}
	for _, c := range KnownCauses() {
		if c.ID == "" || c.Summary == "" || len(c.Stacks) == 0 {
			t.Errorf("incomplete cause %+v", c)
		}
		switch c.Verdict {
		case VerdictStackDeparts, VerdictProfileFix, VerdictModelFix, VerdictModelFixed, VerdictNoField:
		default:
			t.Errorf("%s: verdict %q", c.ID, c.Verdict)
		}
	}
}

// TestEvidenceScripts: the shrunk scripts kept as evidence for
// docs/deviations.md parse and pass on the model (their expected lines
// are the model's); on their stacks they diverge (tcpclose run).
func TestEvidenceScripts(t *testing.T) {
	files, _ := filepath.Glob("testdata/evidence/*.pkt")
	if len(files) == 0 {
		t.Skip("no evidence scripts")
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s, err := script.Parse(filepath.Base(f), src)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		rep, err := oracle.Run(oracle.ModelEntry(), s, oracle.Config{})
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		res := rep.Model
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if !res.Passed() && res.Divergence.Kind != script.DivBlocked {
			t.Errorf("%s does not pass on the model: %v", f, res.Divergence)
		}
	}
}

// quietStack is the model with every RST it sends dropped: a stack that
// departs in many kinds, whose shrunk scenarios often lose the whole
// set-up (the first kept step is then not at time 0).
type quietStack struct{ stack.Stack }

func (q quietStack) filter(obs []stack.Observed, err error) ([]stack.Observed, error) {
	out := obs[:0]
	for _, o := range obs {
		if o.Out.Kind == spec.OutSegment && o.Out.Seg.Flags&spec.RST != 0 {
			continue
		}
		out = append(out, o)
	}
	return out, err
}

func (q quietStack) Inject(at spec.Time, seg spec.Segment) ([]stack.Observed, error) {
	return q.filter(q.Stack.Inject(at, seg))
}

func (q quietStack) Call(at spec.Time, c spec.Call) ([]stack.Observed, error) {
	return q.filter(q.Stack.Call(at, c))
}

func (q quietStack) Advance(until spec.Time) ([]stack.Observed, error) {
	return q.filter(q.Stack.Advance(until))
}

func quietEntry() stack.Entry {
	return stack.Entry{Name: "quiet", Profile: "rfc9293", ChoosesISS: true, New: func(p spec.Profile, _ stack.Options) (stack.Stack, error) {
		st, err := oracle.ModelEntry().New(p, stack.Options{Seed: 99})
		if err != nil {
			return nil, err
		}
		return stack.NewReal(quietStack{st}, stack.RealConfig{}), nil
	}}
}

// TestWrittenScriptsReplay: every script a campaign writes parses under
// its own name, passes on the model (its expected lines are the model's)
// and is what the report's replay ran; no report names a file that was
// not written. Stacks that depart in different ways, several seeds.
func TestWrittenScriptsReplay(t *testing.T) {
	reg := registry().With(quietEntry())
	written := 0
	for _, tc := range []struct {
		stack string
		seed  uint64
	}{{"quiet", 5}, {"quiet", 1}, {"old", 2}, {"smol", 3}} {
		out := t.TempDir()
		rep, err := Run(Config{Registry: reg, Stack: tc.stack, N: 300, Seed: tc.seed, Out: out}, nil)
		if err != nil {
			t.Fatal(err)
		}
		files, _ := filepath.Glob(filepath.Join(out, "*.pkt"))
		if len(files) != len(rep.Kinds) {
			t.Errorf("%s seed %d: %d scripts for %d kinds", tc.stack, tc.seed, len(files), len(rep.Kinds))
		}
		for _, k := range rep.Kinds {
			if k.File == "" || filepath.Dir(k.File) != out {
				t.Errorf("%s: kind %s: file %q not in %s", tc.stack, k.Key, k.File, out)
				continue
			}
			if strings.Contains(k.Replay, "does not parse") || strings.Contains(k.Replay, "kind.pkt") {
				t.Errorf("%s: %s: replay: %s", tc.stack, k.File, k.Replay)
			}
			src, err := os.ReadFile(k.File)
			if err != nil {
				t.Fatal(err)
			}
			written++
			s, err := script.Parse(k.File, src)
			if err != nil {
				t.Errorf("%s seed %d: written script does not parse: %v\n%s", tc.stack, tc.seed, err, src)
				continue
			}
			rep, err := oracle.Run(oracle.ModelEntry(), s, oracle.Config{})
			if err != nil {
				t.Errorf("%s: %v", k.File, err)
				continue
			}
			res := rep.Model
			if !res.Passed() && res.Divergence.Kind != script.DivBlocked && !stillBlocked(src, res.Divergence.Pos.Line) {
				t.Errorf("%s does not pass on the model: %v\n%s", k.File, res.Divergence, src)
			}
		}
	}
	if written < 10 {
		t.Errorf("only %d scripts written: the test proves little", written)
	}
	t.Logf("%d written scripts replayed", written)
}

// stillBlocked says whether line n of src is a call the campaign's run
// ended before it returned: the script cannot say when it returns, so the
// model may depart there (on its timing) and nowhere before.
func stillBlocked(src []byte, n int) bool {
	lines := strings.Split(string(src), "\n")
	return n >= 1 && n <= len(lines) && strings.Contains(lines[n-1], "had not returned when the run ended")
}
