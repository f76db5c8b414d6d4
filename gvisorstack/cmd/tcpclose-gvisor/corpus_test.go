package main

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/stacks"
)

const scenarios = "../../../script/testdata/scenarios"

// expectedGvisor lists the scenario scripts that do not pass on netstack
// with the gvisor profile: the line where netstack first departs from
// the script, and why (docs/deviations.md, gVisor section). A script not
// listed must pass; a listed one must fail at that line. Regenerate the
// lines with go test -run TestCorpusGvisor -v and read the reports.
var expectedGvisor = map[string]struct {
	line int
	why  string
}{
	// Scripts written for other profiles: the model with the gvisor
	// profile departs from them alike.
	"active-close-timewait.pkt":     {19, "rfc9293 script: RTO 1 s; gvisor's RTOMin is 200 ms (model alike)"},
	"linger-abort.pkt":              {21, "rfc9293/rfc793 script: bare RST on abort; gvisor sends R. (RSTCarriesACK, model alike)"},
	"rst-in-window-rfc793.pkt":      {18, "rfc793 script: in-window RST accepted; gvisor sends a challenge ACK (model alike)"},
	"syn-in-established-rfc793.pkt": {16, "rfc793 script: SYN resets; gvisor sends a challenge ACK (model alike)"},
	"timewait-rst-challenge.pkt":    {19, "rfc9293 script: challenge ACK for a RST in TIME-WAIT; gvisor ignores it (TimeWaitRST=ignored, model alike)"},
	"timewait-rst.pkt":              {24, "rfc9293 script: a RST ends TIME-WAIT; gvisor ignores it (TimeWaitRST=ignored, model alike)"},
	"unread-close-rfc793.pkt":       {19, "rfc793 script: FIN despite unread data; gvisor resets (model alike)"},
	"unread-close.pkt":              {17, "rfc9293 script: bare RST; gvisor sends R. (RSTCarriesACK, model alike)"},
	"zero-window-fin.pkt":           {21, "RecvBuf=1000 cannot be set on netstack (model and stack depart differently)"},
	"timewait-reopen.pkt":           {30, "rfc9293 script: reopen ISS = SND.NXT+65537; gvisor draws a fresh ISN (ReopenISSGap=0, model's fresh ISN differs too)"},
	"r2-give-up.pkt":                {26, "gVisor discards an RTT sample of 0 (RTO stays 1 s): no profile field (deviations: gVisor 5)"},
	"user-timeout.pkt":              {22, "gVisor discards an RTT sample of 0 (RTO stays 1 s): no profile field (deviations: gVisor 5)"},
	// Netstack departs from its profile.
	"connect-refused.pkt":    {10, "SO_ERROR reports ECONNREFUSED again after connect returned it (deviations: gVisor 8)"},
	"data-after-close.pkt":   {19, "the RST answering data after close() carries ACK (deviations: gVisor 2)"},
	"out-of-order-fin.pkt":   {20, "a held out-of-order bare FIN is dropped when the gap fills (deviations: gVisor 9)"},
	"simultaneous-close.pkt": {25, "TCP_INFO of a socket whose connection is in TIME-WAIT reads TIME-WAIT (deviations: gVisor 3)"},
	"stale-ack-window.pkt":   {29, "SND.WND is taken from an ACK below SND.UNA (deviations: gVisor 10)"},
}

// TestCorpusGvisor plays every scenario script on netstack and on the
// model with the gvisor profile, and fails on any divergence not in
// expectedGvisor (and on an expected one that went away).
func TestCorpusGvisor(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(scenarios, "*.pkt"))
	if err != nil || len(files) == 0 {
		t.Skipf("no scenario scripts under %s: %v", scenarios, err)
	}
	sort.Strings(files)
	reg := registry()
	pass := 0
	for _, f := range files {
		name := filepath.Base(f)
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s, err := script.Parse(name, src)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		rep, err := stacks.RunScript(reg, s, stacks.RunConfig{Stack: "gvisor"})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		exp, expected := expectedGvisor[name]
		var b bytes.Buffer
		rep.Write(&b)
		switch {
		case rep.StackPassed() && expected:
			t.Errorf("%s now passes on gvisor; remove it from expectedGvisor (%s)", name, exp.why)
		case rep.StackPassed():
			pass++
		case !expected:
			t.Errorf("new divergence on gvisor:\n%s", b.String())
		case rep.Stack.Divergence.Pos.Line != exp.line:
			t.Errorf("%s: gvisor now departs at line %d, not %d (%s):\n%s", name, rep.Stack.Divergence.Pos.Line, exp.line, exp.why, b.String())
		}
		if testing.Verbose() {
			t.Logf("%s", strings.TrimSpace(b.String()))
		}
	}
	t.Logf("%d of %d scenario scripts pass on gvisor (profile gvisor)", pass, len(files))
}
