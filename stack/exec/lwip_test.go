package execstack

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpclose/tcpclose/internal/golden"
	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/stack"
	"github.com/tcpclose/tcpclose/stack/oracle"
)

// lwipAgent skips the test when the lwIP agent is not built (make -C
// agents/lwip; .ci/run builds it).
func lwipAgent(t *testing.T) {
	t.Helper()
	if _, err := FindLwIPAgent(); err != nil {
		t.Skipf("skipping: %v", err)
	}
}

func runScript(t *testing.T, reg stack.Registry, name, path string) *oracle.Report {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := script.Parse(path, src)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := runOn(reg, name, s)
	if errors.Is(err, stack.ErrAddrs) {
		return nil // IPv6 or other addresses: the agents play IPv4 only
	}
	if err != nil {
		t.Fatalf("%s on %s: %v", path, name, err)
	}
	return rep
}

// TestLwIPBugs: each script of agents/lwip/testdata shows one lwIP bug:
// the model passes it, lwIP departs from it at the line the script
// names.
func TestLwIPBugs(t *testing.T) {
	lwipAgent(t)
	files, err := filepath.Glob("../../agents/lwip/testdata/*.pkt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no lwIP scripts: %v", err)
	}
	// The line at which lwIP departs from each script.
	want := map[string]int{
		"late-fin-after-close.pkt":       22, // no RST
		"rst-window-edge.pkt":            20, // the challenge ACK, seen at the next line
		"time-wait-after-idle-close.pkt": 30, // R. instead of the ACK
	}
	reg := With(baseRegistry())
	for _, f := range files {
		rep := runScript(t, reg, "lwip", f)
		if !rep.ModelPassed() {
			t.Errorf("%s: the model fails: %s", f, rep.Model.Summary())
		}
		line, ok := want[filepath.Base(f)]
		switch {
		case !ok:
			t.Errorf("%s: no expected line in TestLwIPBugs", f)
		case rep.StackPassed():
			t.Errorf("%s: lwIP passes; the bug is gone?", f)
		case rep.Stack.Divergence.Pos.Line != line:
			t.Errorf("%s: lwIP departs at line %d, want %d: %s", f, rep.Stack.Divergence.Pos.Line, line, rep.Stack.Summary())
		}
	}
}

// TestLwIPCorpus plays the scenario corpus on lwIP and compares each
// script's verdict with testdata/lwip-corpus.txt (go test -run
// TestLwIPCorpus -rewrite records a new one).
func TestLwIPCorpus(t *testing.T) {
	lwipAgent(t)
	files, err := oracle.ExpandScripts([]string{"../../scenarios"})
	if err != nil {
		t.Fatal(err)
	}
	reg := With(baseRegistry())
	var got strings.Builder
	for _, f := range files {
		verdict := "not played (the agent speaks IPv4 only)"
		if rep := runScript(t, reg, "lwip", f); rep != nil {
			verdict = rep.Verdict()
		}
		fmt.Fprintf(&got, "%s: %s\n", strings.TrimPrefix(f, "../../"), verdict)
	}
	const corpusFile = "testdata/lwip-corpus.txt"
	if golden.Rewrite() {
		if err := os.WriteFile(corpusFile, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(corpusFile)
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != string(want) {
		gl, wl := strings.Split(got.String(), "\n"), strings.Split(string(want), "\n")
		for i := range max(len(gl), len(wl)) {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Errorf("verdict changed:\n  was: %s\n  now: %s", w, g)
			}
		}
	}
}
