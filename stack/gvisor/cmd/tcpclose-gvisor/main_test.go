package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(nil, &out, &errb); code != 2 || !strings.Contains(errb.String(), "usage") {
		t.Errorf("no arguments: exit %d, %q", code, errb.String())
	}
	errb.Reset()
	if code := run([]string{"frobnicate"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "unknown command") {
		t.Errorf("unknown command: exit %d, %q", code, errb.String())
	}
	out.Reset()
	if code := run([]string{"run", "--stack", "gvisor", "../../../stacks/testdata/passive-close.pkt"}, &out, &errb); code != 0 {
		t.Errorf("run: exit %d\n%s%s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "[profile gvisor]: pass") {
		t.Errorf("run output:\n%s", out.String())
	}
}

// TestGvisorConfigured: profile fields netstack can be told are set; the
// others are reported.
func TestGvisorConfigured(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"run", "--stack", "gvisor", "--set", "TimeWait=5s", "--set", "RSTCheck=in-window", "../../../stacks/testdata/passive-close.pkt"}, &out, &errb)
	if code != 0 && code != 1 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "note: gvisor cannot be set to RSTCheck=in-window") || strings.Contains(out.String(), "TimeWait=5s (it keeps") {
		t.Errorf("notes:\n%s", out.String())
	}
}
