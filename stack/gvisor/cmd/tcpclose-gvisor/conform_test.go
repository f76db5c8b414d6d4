package main

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/tcpclose/tcpclose/conform"
	"github.com/tcpclose/tcpclose/internal/golden"
	"github.com/tcpclose/tcpclose/stack"
	"github.com/tcpclose/tcpclose/stack/gvisor"
)

// untriagedFile lists the kinds of divergence found with the test's seed
// that no known cause explains yet: recorded, not hidden. The test fails
// on a kind neither explained nor listed.
const untriagedFile = "testdata/untriaged-gvisor.txt"

// TestConformGvisor runs a model-based conformance campaign against
// netstack (2,000 scenarios, or TCPCLOSE_CONFORM_N; 10,000 with
// TCPCLOSE_LONG=1) and fails on any kind of divergence that no known
// cause explains (conform.KnownCauses, docs/deviations.md). Netstack runs
// on a virtual clock, so the campaign is deterministic for its seed.
func TestConformGvisor(t *testing.T) {
	n := 2000
	if os.Getenv("TCPCLOSE_LONG") != "" {
		n = 10000
	}
	if v, err := strconv.Atoi(os.Getenv("TCPCLOSE_CONFORM_N")); err == nil && v > 0 {
		n = v
	}
	const seed = 20261123
	rep, err := conform.Run(conform.Config{Registry: stack.Registry{}.With(gvisor.Entry()), Stack: "gvisor", N: n, Seed: seed, ShrinkRuns: -1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	rep.Write(&b)
	if len(rep.Errors) > 0 {
		t.Errorf("harness errors:\n%s", b.String())
	}
	listed := map[string]bool{}
	if data, err := os.ReadFile(untriagedFile); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
				listed[l] = true
			}
		}
	}
	var untriaged []string
	for _, k := range rep.Kinds {
		if k.Cause != nil {
			continue
		}
		untriaged = append(untriaged, k.Key)
		if !listed[k.Key] && !golden.Rewrite() {
			t.Errorf("new kind of divergence (seed %d, scenario %d): %s\n  stack: %s\n  model: %s\n  tags: %v\nreplay with: go run ./cmd/tcpclose-gvisor conform -stack gvisor -seed %d -n %d -out DIR",
				seed, k.Scenario, k.Key, k.Stack, k.Model, k.Tags, seed, n)
		}
	}
	if golden.Rewrite() {
		sort.Strings(untriaged)
		text := fmt.Sprintf("# Kinds of divergence on gvisor (seed %d, %d scenarios) that no known cause explains yet.\n# Regenerate: TCPCLOSE_LONG=1 go test ./cmd/tcpclose-gvisor -run TestConformGvisor -rewrite (10,000 scenarios; the default 2,000 are its first)\n%s\n", seed, n, strings.Join(untriaged, "\n"))
		if err := os.WriteFile(untriagedFile, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d scenarios on gvisor in %s (%.0f/s): %d diverged, %d kinds, %d explained by known causes",
		rep.Scenarios, rep.Elapsed, rep.Rate(), rep.Diverged, len(rep.Kinds), len(rep.Kinds)-rep.New())
}
