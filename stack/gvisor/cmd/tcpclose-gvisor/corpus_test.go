package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/tcpclose/tcpclose/internal/golden"
	"github.com/tcpclose/tcpclose/scenarios"
	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/stack"
	"github.com/tcpclose/tcpclose/stack/gvisor"
	"github.com/tcpclose/tcpclose/stack/oracle"
)

// expectedFile lists the scenario scripts that do not pass on netstack
// with the gvisor profile: script | line where netstack first departs |
// why (docs/deviations.md, gVisor section). Reasons starting TRIAGE are
// the report's own words, not yet triaged.
const expectedFile = "testdata/expected-gvisor.txt"

// TestCorpusGvisor plays every scenario script on netstack and on the
// model with the gvisor profile, and fails on any departure not in
// expectedFile (and on an expected one that went away). Netstack runs on
// a virtual clock: the outcome is exact. -rewrite rewrites the file,
// keeping the reasons of entries whose line did not change.
func TestCorpusGvisor(t *testing.T) {
	files := scenarios.All()
	exp, err := oracle.LoadExpectations(expectedFile)
	if err != nil && !golden.Rewrite() {
		t.Fatal(err)
	}
	next := oracle.Expectations{}
	e := gvisor.Entry()
	pass := 0
	for _, sc := range files {
		name := sc.Name
		s, err := script.Parse(name, sc.Content)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		rep, err := oracle.Run(e, s, oracle.Config{})
		if errors.Is(err, stack.ErrAddrs) {
			t.Logf("%s: skipped: %v", name, err) // IPv6 scripts: the adapter is IPv4 only
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if exp.Next(next, name, rep) {
			pass++
		}
		var b bytes.Buffer
		rep.Write(&b)
		if msg := exp.Check(name, rep); msg != "" && !golden.Rewrite() {
			t.Errorf("%s:\n%s", msg, b.String())
		}
		if testing.Verbose() {
			t.Logf("%s", strings.TrimSpace(b.String()))
		}
	}
	if golden.Rewrite() {
		if err := next.Write(expectedFile, "Scenario scripts that depart on gvisor (netstack) with the gvisor profile: script | line | reason.\nRegenerate: go test ./cmd/tcpclose-gvisor -run TestCorpusGvisor -rewrite"); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d of %d scenario scripts pass on gvisor (profile gvisor)", pass, len(files))
}
