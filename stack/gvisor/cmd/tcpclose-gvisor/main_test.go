package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tcpclose/tcpclose/cli"
)

func run(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := cli.Main(args, &out, &errb, options()...)
	return code, out.String(), errb.String()
}

// TestCommandLine: the binary is the tcpclose command line under its own
// name, with gvisor among the stacks.
func TestCommandLine(t *testing.T) {
	if code, out, _ := run(); code != 2 || !strings.Contains(out, "tcpclose-gvisor <command>") || !strings.Contains(out, "lwip-quickack, model)") {
		t.Errorf("no arguments: exit %d, %q", code, out)
	}
	if code, _, errb := run("frobnicate"); code != 2 || !strings.Contains(errb, `tcpclose-gvisor: unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit %d, %q", code, errb)
	}
	if code, out, _ := run("version"); code != 0 || !strings.HasPrefix(out, "tcpclose-gvisor ") {
		t.Errorf("version: exit %d, %q", code, out)
	}
	if code, out, _ := run("help", "run"); code != 0 || !strings.Contains(out, "Usage: tcpclose-gvisor run -stack exec:PATH|gvisor|impl|linux|linux-quickack|lwip|lwip-quickack|model") || !strings.Contains(out, "Exit status") {
		t.Errorf("help run: exit %d, %q", code, out)
	}
	code, out, errb := run("run", "-stack", "gvisor", "../../../oracle/testdata/passive-close.pkt")
	if code != 0 {
		t.Errorf("run: exit %d\n%s%s", code, out, errb)
	}
	if !strings.Contains(out, "[profile gvisor]: pass") {
		t.Errorf("run output:\n%s", out)
	}
}

// TestGvisorConfigured: profile fields netstack can be told are set; the
// others are reported.
func TestGvisorConfigured(t *testing.T) {
	code, out, errb := run("run", "-stack", "gvisor", "-set", "TimeWait=5s", "-set", "RSTCheck=in-window", "../../../oracle/testdata/passive-close.pkt")
	if code != 0 && code != 1 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	if !strings.Contains(out, "note: gvisor cannot be set to RSTCheck=in-window") || strings.Contains(out, "TimeWait=5s (it keeps") {
		t.Errorf("notes:\n%s", out)
	}
}
