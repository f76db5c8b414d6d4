//go:build linux

package conform

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/tcpclose/tcpclose/stack"
	"github.com/tcpclose/tcpclose/stack/linux"
)

// TestCampaignLinux runs a conformance campaign against the kernel (with
// the quickack route metric) when TCPCLOSE_LONG is set: 300 scenarios,
// or TCPCLOSE_CONFORM_N (tools/conform.sh runs 10,000). It fails on a
// kind of divergence that no known cause explains and that
// testdata/untriaged-linux.txt does not list. The kernel runs on the wall
// clock, so kinds at the edge of the timing tolerance may come and go.
func TestCampaignLinux(t *testing.T) {
	if os.Getenv("TCPCLOSE_LONG") == "" {
		t.Skip("a campaign on the kernel takes real time; set TCPCLOSE_LONG=1 (tools/conform.sh)")
	}
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		t.Skipf("needs /dev/net/tun: %v", err)
	}
	if ns, err := linux.NewNetNS(); err != nil {
		if errors.Is(err, linux.ErrNotPermitted) || os.Geteuid() != 0 {
			t.Skipf("needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN): %v", err)
		}
		t.Fatal(err)
	} else {
		ns.Close()
	}
	n := 300
	if v, err := strconv.Atoi(os.Getenv("TCPCLOSE_CONFORM_N")); err == nil && v > 0 {
		n = v
	}
	const seed = 20261123
	rep, err := Run(Config{Registry: stack.Registry{}.With(linux.QuickAckEntry()), Stack: "linux-quickack", N: n, Seed: seed, ShrinkRuns: -1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	if data, err := os.ReadFile("testdata/untriaged-linux.txt"); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			listed[strings.TrimSpace(l)] = true
		}
	}
	var b bytes.Buffer
	rep.Write(&b)
	for _, k := range rep.Kinds {
		if k.Cause == nil && !listed[k.Key] {
			t.Errorf("new kind of divergence on linux (seed %d, scenario %d): %s\n  stack: %s\n  model: %s\n  tags: %v", seed, k.Scenario, k.Key, k.Stack, k.Model, k.Tags)
		}
	}
	t.Logf("%d scenarios on linux in %s (%.1f/s): %d diverged, %d kinds, %d explained", rep.Scenarios, rep.Elapsed, rep.Rate(), rep.Diverged, len(rep.Kinds), len(rep.Kinds)-rep.New())
}
