package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
	"github.com/tcpclose/tcpclose/stack/oracle"
)

// rfc793Entry is the model that always runs RFC 793, whatever profile it
// is given, judged as a real stack: a stack that departs from rfc9293.
func rfc793Entry() stack.Entry {
	return stack.Entry{Name: "old", Profile: "rfc9293", Doc: "RFC 793, whatever it is told", New: func(_ spec.Profile, o stack.Options) (stack.Stack, error) {
		st, err := oracle.ModelEntry().New(spec.MustProfile("rfc793"), o)
		if err != nil {
			return nil, err
		}
		return stack.NewReal(st, stack.RealConfig{Notes: []string{"always rfc793"}}), nil
	}}
}

// TestWithStacks: a tool built with more entries lists them, runs them,
// and reports with its own name; the default tool does not know them.
func TestWithStacks(t *testing.T) {
	tool := New(WithName("tcpclose-old"), WithStacks(rfc793Entry()))
	tool.Getenv = func(string) string { return "" }
	var out, errb bytes.Buffer
	code := tool.Main([]string{"run", "-stack", "old", "../stack/oracle/testdata/wrong-fin.pkt", "testdata/passive-close.pkt"}, &out, &errb)
	if code != ExitFail {
		t.Fatalf("exit %d, want %d; %s", code, ExitFail, errb.String())
	}
	for _, want := range []string{
		"wrong-fin.pkt [profile rfc9293]: stack and model depart alike",
		"passive-close.pkt [profile rfc9293]: pass",
		"note: always rfc793",
		"2 scripts, profile rfc9293: 1 pass on old, 1 pass on the model; 1 fail alike on both",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if code := tool.Main([]string{"help", "run"}, &out, &errb); code != ExitOK || !strings.Contains(out.String(), "Usage: tcpclose-old run -stack exec:PATH|impl|linux|linux-quickack|lwip|lwip-quickack|model|old") {
		t.Errorf("help run: exit %d:\n%s", code, out.String())
	}
	out.Reset()
	tool.Main([]string{"help"}, &out, &errb)
	if !strings.Contains(out.String(), "model, old)") || !strings.Contains(out.String(), "tcpclose-old <command>") {
		t.Errorf("usage does not list the added stack under the tool's name:\n%s", out.String())
	}
	errb.Reset()
	if code, _, stderr := run("run", "-stack", "old", "testdata/passive-close.pkt"); code != ExitUsage || !strings.Contains(stderr, `unknown stack "old"`) {
		t.Errorf("the default tool knows old: exit %d, %q", code, stderr)
	}
}

// TestRunConformHelp: run and conform describe themselves and their exit
// statuses like every other command.
func TestRunConformHelp(t *testing.T) {
	for _, cmd := range []string{"run", "conform"} {
		code, stdout, _ := run(cmd, "-h")
		if code != ExitOK {
			t.Errorf("%s -h: exit %d", cmd, code)
		}
		for _, want := range []string{"Usage: tcpclose " + cmd + " -stack ", "Exit status: 0", "-stack string", "-set Field=Value"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("%s -h lacks %q:\n%s", cmd, want, stdout)
			}
		}
	}
	if code, _, stderr := run("conform", "-stack", "model", "-n", "0"); code != ExitUsage || !strings.Contains(stderr, "positive") {
		t.Errorf("conform -n 0: exit %d, %q", code, stderr)
	}
	if code, _, stderr := run("conform", "-stack", "model", "-set", "X=1"); code != ExitUsage || !strings.Contains(stderr, "X") {
		t.Errorf("conform -set X=1: exit %d, %q", code, stderr)
	}
	if code, stdout, _ := run("conform", "-stack", "model", "-n", "50", "-seed", "3"); code != ExitOK || !strings.Contains(stdout, "seed 3") {
		t.Errorf("conform on the model: exit %d:\n%s", code, stdout)
	}
}
