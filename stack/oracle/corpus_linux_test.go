//go:build linux

package oracle_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tcpclose/tcpclose/scenarios"
	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/stack"
	"github.com/tcpclose/tcpclose/stack/linux"
	"github.com/tcpclose/tcpclose/stack/oracle"
)

var rewriteExpect = flag.Bool("rewrite", false, "rewrite testdata/expected-*.txt from this run")

// Expected departures of the scenario corpus on the kernel, one file per
// stack entry (testdata/expected-linux.txt, expected-linux-quickack.txt):
// script, line, reason. Reasons starting TRIAGE are the report's own
// words, not yet triaged.

// longestScript bounds the script time of what runs even with
// TCPCLOSE_LONG: two scripts wait an hour and ten minutes for timers
// that are the profile's choice, not the stack's behaviour
// (timers/fw2-no-timeout.pkt, timers/fw2-orphan-timeout-freebsd.pkt);
// on the wall clock they are not worth it.
const longestScript = 20 * time.Minute

// corpusParallel is how many scripts run at once, each in its own
// network namespace; they mostly wait on the wall clock.
const corpusParallel = 8

// longScript is how much script time a scenario may take by default; the
// rest run with TCPCLOSE_LONG=1 (the kernel's clock is the wall clock),
// which also runs the plain linux entry besides linux-quickack.
const longScript = 5 * time.Second

// TestCorpusLinux plays the scenario scripts on the kernel (with the
// quickack route metric; with TCPCLOSE_LONG=1 also plain, and every
// script however long) and on the model with the linux profile, and fails
// on any departure not in the expectations.
//
// It runs only with TCPCLOSE_LINUX_CORPUS=1 (the short scripts on
// linux-quickack, about 30 s) or TCPCLOSE_LONG=1 (everything): on the wall
// clock, with 25 ms of tolerance, a loaded machine moves a departure by a
// line or makes a known one vanish, which must not turn `go test ./...`
// red. tools/conform.sh runs it.
func TestCorpusLinux(t *testing.T) {
	if os.Getenv("TCPCLOSE_LINUX_CORPUS") == "" && os.Getenv("TCPCLOSE_LONG") == "" {
		t.Skip("the corpus on the kernel runs on the wall clock; set TCPCLOSE_LINUX_CORPUS=1 (short scripts) or TCPCLOSE_LONG=1 (all)")
	}
	needRoot(t)
	files := scenarios.All()
	long := os.Getenv("TCPCLOSE_LONG") != ""
	var only *regexp.Regexp // TCPCLOSE_CORPUS_RUN: the scripts to run (the others keep their entries)
	if pat := os.Getenv("TCPCLOSE_CORPUS_RUN"); pat != "" {
		var err error
		if only, err = regexp.Compile(pat); err != nil {
			t.Fatal(err)
		}
	}
	reg := stack.Registry{}.With(linux.Entry(), linux.QuickAckEntry())
	stackNames := []string{"linux-quickack"}
	if long {
		stackNames = []string{"linux", "linux-quickack"}
	}
	for _, name := range stackNames {
		t.Run(name, func(t *testing.T) {
			var mu sync.Mutex
			pass, ran := 0, 0
			file := "testdata/expected-" + name + ".txt"
			e, _ := reg.Lookup(name)
			exp, err := oracle.LoadExpectations(file)
			if err != nil && !*rewriteExpect {
				t.Fatal(err)
			}
			next := oracle.Expectations{}
			sem := make(chan struct{}, corpusParallel)
			var wg sync.WaitGroup
			for _, sc := range files {
				name := sc.Name
				if only != nil && !only.MatchString(name) {
					if x, ok := exp[name]; ok {
						next[name] = x
					}
					continue
				}
				s, err := script.Parse(name, sc.Content)
				if err != nil {
					t.Errorf("%v", err)
					continue
				}
				if d := scriptDuration(t, s); (d > longScript && !long) || d > longestScript {
					if x, ok := exp[name]; ok {
						next[name] = x
					}
					continue
				}
				wg.Add(1)
				sem <- struct{}{}
				go func() {
					defer wg.Done()
					defer func() { <-sem }()
					rep, err := oracle.Run(e, s, oracle.Config{})
					mu.Lock()
					defer mu.Unlock()
					ran++
					if long {
						fmt.Fprintf(os.Stderr, "corpus %s: %d done, %s\n", e.Name, ran, name)
					}
					if errors.Is(err, stack.ErrAddrs) {
						t.Logf("%s: skipped: %v", name, err) // IPv6 scripts: the adapter is IPv4 only
						return
					}
					if err != nil {
						t.Errorf("%s: %v", name, err)
						return
					}
					if exp.Next(next, name, rep) {
						pass++
					}
					var b bytes.Buffer
					rep.Write(&b)
					if msg := exp.Check(name, rep); msg != "" && !*rewriteExpect {
						if _, known := exp[name]; known {
							// On the wall clock a known departure may come a line
							// earlier or later, or not at all, with the load.
							t.Log(msg)
						} else {
							t.Errorf("%s:\n%s", msg, b.String())
						}
					}
					if testing.Verbose() {
						t.Logf("%s", strings.TrimSpace(b.String()))
					}
				}()
			}
			wg.Wait()
			if *rewriteExpect {
				if err := next.Write(file, "Scenario scripts that depart on "+name+" with the linux profile: script | line | reason.\nRegenerate: go test ./stack/oracle -run TestCorpusLinux -rewrite (root; TCPCLOSE_LONG=1 for every script)."); err != nil {
					t.Fatal(err)
				}
			}
			t.Logf("%d of %d scenario scripts run pass on %s (profile linux); %d skipped as long", pass, ran, name, len(files)-ran)
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
	st, err := oracle.ModelEntry().New(su.Profile, stack.Options{FixedISS: su.Config.FixedISS})
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
	ns, err := linux.NewNetNS()
	if err != nil {
		if errors.Is(err, linux.ErrNotPermitted) || os.Geteuid() != 0 {
			t.Skipf("needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN): %v", err)
		}
		t.Fatal(err)
	}
	ns.Close()
}
