//go:build linux

package stacks

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tcpclose/tcpclose/linuxstack"
	"github.com/tcpclose/tcpclose/script"
)

const scenarioDir = "../script/testdata/scenarios"

// expectation is how a scenario script fares on a stack: the line where
// the stack first departs from it, and why (docs/deviations.md).
type expectation struct {
	line int
	why  string
}

// expectedLinux lists the scenario scripts that do not pass on the kernel
// with the linux profile (both stack entries unless noted in quickack).
// A script not listed must pass; a listed one must fail at that line.
var expectedLinux = map[string]expectation{
	"active-close-timewait.pkt":     {19, "rfc9293 script: RTO 1 s; Linux's RTO floor is 200 ms (model alike)"},
	"linger-abort.pkt":              {21, "rfc9293/rfc793 script: bare RST on abort; Linux sends R. (RSTCarriesACK, model alike)"},
	"r2-give-up.pkt":                {20, "rfc9293/rfc793 script: RTO 1 s; Linux's is 200 ms (model alike)"},
	"rst-in-window-rfc793.pkt":      {18, "rfc793 script: in-window RST accepted; Linux sends a challenge ACK (model alike)"},
	"simultaneous-close.pkt":        {31, "rfc9293 script: TIME-WAIT lasts 240 s; Linux's 60 s (model alike)"},
	"syn-in-established-rfc793.pkt": {16, "rfc793 script: SYN resets; Linux sends a challenge ACK (model alike)"},
	"timewait-reopen.pkt":           {29, "rfc9293 script: the reopening SYN's timestamps; Linux's TimeWaitReopen=linux (model alike)"},
	"timewait-rst-challenge.pkt":    {19, "rfc9293 script: challenge ACK for a RST in TIME-WAIT; Linux kills TIME-WAIT on a RST at RCV.NXT (model alike)"},
	"unread-close-rfc793.pkt":       {19, "rfc793 script: FIN despite unread data; Linux resets (model alike)"},
	"unread-close.pkt":              {17, "rfc9293 script: bare RST; Linux sends R. (model alike)"},
	"user-timeout.pkt":              {21, "rfc9293/rfc793 script: RTO 1 s; Linux's is 200 ms plus SRTT (model departs too)"},
	"zero-window-fin.pkt":           {21, "RecvBuf=1000 cannot be set on Linux (its window is 64 KiB): the FIN is not into a zero window"},
}

// expectedDelayedACK adds the scripts that fail on plain Linux, whose
// delayed ACK after a FIN (docs/deviations.md, Linux 1) the quickack
// route metric removes.
var expectedDelayedACK = map[string]expectation{
	"blocking-calls.pkt": {24, "the ACK of the peer's FIN is delayed (Linux 1)"},
	"seq-wrap.pkt":       {26, "the ACK of the peer's FIN is delayed (Linux 1)"},
}

// longScript is how much script time a scenario may take by default; the
// rest run with TCPCLOSE_LONG=1 (the kernel's clock is the wall clock).
const longScript = 10 * time.Second

// TestCorpusLinux plays every scenario script on the kernel (plain and
// with the quickack route metric) and on the model with the linux
// profile, and fails on any departure not in the expectations.
func TestCorpusLinux(t *testing.T) {
	needRoot(t)
	files, err := filepath.Glob(filepath.Join(scenarioDir, "*.pkt"))
	if err != nil || len(files) == 0 {
		t.Skipf("no scenario scripts under %s: %v", scenarioDir, err)
	}
	sort.Strings(files)
	long := os.Getenv("TCPCLOSE_LONG") != ""
	reg := Default()
	for _, stack := range []string{"linux", "linux-quickack"} {
		t.Run(stack, func(t *testing.T) {
			var mu sync.Mutex
			pass, ran := 0, 0
			sem := make(chan struct{}, 4)
			var wg sync.WaitGroup
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
				if d := scriptDuration(t, s); d > longScript && !long {
					t.Logf("%s: skipped, %s of script time (TCPCLOSE_LONG=1 runs it)", name, d)
					continue
				}
				wg.Add(1)
				sem <- struct{}{}
				go func() {
					defer wg.Done()
					defer func() { <-sem }()
					rep, err := RunScript(reg, s, RunConfig{Stack: stack})
					mu.Lock()
					defer mu.Unlock()
					ran++
					if err != nil {
						t.Errorf("%s: %v", name, err)
						return
					}
					exp, expected := expectedLinux[name]
					if e, ok := expectedDelayedACK[name]; ok && stack == "linux" {
						exp, expected = e, true
					}
					var b bytes.Buffer
					rep.Write(&b)
					switch {
					case rep.StackPassed() && expected:
						t.Logf("%s now passes on %s (expected to fail at line %d: %s)", name, stack, exp.line, exp.why)
						pass++
					case rep.StackPassed():
						pass++
					case !expected:
						t.Errorf("new divergence on %s:\n%s", stack, b.String())
					case rep.Stack.Divergence.Pos.Line != exp.line:
						t.Errorf("%s: %s now departs at line %d, not %d (%s):\n%s", name, stack, rep.Stack.Divergence.Pos.Line, exp.line, exp.why, b.String())
					}
					if testing.Verbose() {
						t.Logf("%s", strings.TrimSpace(b.String()))
					}
				}()
			}
			wg.Wait()
			t.Logf("%d of %d scenario scripts run pass on %s (profile linux); %d skipped as long", pass, ran, stack, len(files)-ran)
		})
	}
}

// scriptDuration is how long s takes on the model.
func scriptDuration(t *testing.T, s *script.Script) time.Duration {
	t.Helper()
	su, err := script.ModelSetup(s, "linux")
	if err != nil {
		return 0
	}
	st, err := script.NewModelStack(su.Profile, su.Config)
	if err != nil {
		return 0
	}
	if _, err := script.Run(s, st, script.RunOptions{}); err != nil {
		return 0
	}
	return time.Duration(st.Now())
}

// needRoot skips a test that needs the kernel in a private namespace.
func needRoot(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		t.Skipf("needs /dev/net/tun: %v", err)
	}
	ns, err := linuxstack.NewNetNS()
	if err != nil {
		if errors.Is(err, linuxstack.ErrNotPermitted) || os.Geteuid() != 0 {
			t.Skipf("needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN): %v", err)
		}
		t.Fatal(err)
	}
	ns.Close()
}
