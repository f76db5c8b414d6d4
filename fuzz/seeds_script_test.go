package fuzz

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// scenarioDir holds the project's scenario scripts.
var scenarioDir = filepath.Join("..", "script", "testdata", "scenarios")

// scriptSeeds is the FuzzScript seed corpus: the top-level scenario
// scripts, the first script of each scenario directory, the inputs of
// script's own FuzzParse corpus, and a few malformed texts. The copies
// are a snapshot; -regen refreshes them.
func scriptSeeds() []namedSeed {
	var seeds []namedSeed
	top, _ := filepath.Glob(filepath.Join(scenarioDir, "*.pkt"))
	sub, _ := filepath.Glob(filepath.Join(scenarioDir, "*", "*.pkt"))
	sort.Strings(sub)
	firstOf := map[string]bool{}
	files := append([]string(nil), top...)
	for _, f := range sub {
		if d := filepath.Dir(f); !firstOf[d] {
			firstOf[d] = true
			files = append(files, f)
		}
	}
	sort.Strings(files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		rel, _ := filepath.Rel(scenarioDir, f)
		name := "scenario-" + strings.NewReplacer("/", "-", ".pkt", "").Replace(filepath.ToSlash(rel))
		seeds = append(seeds, namedSeed{name, b})
	}
	parse, _ := filepath.Glob(filepath.Join("..", "script", "testdata", "fuzz", "FuzzParse", "*"))
	sort.Strings(parse)
	for _, f := range parse {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if data, err := readCorpusFile(b); err == nil {
			seeds = append(seeds, namedSeed{"parse-" + filepath.Base(f), data})
		}
	}
	for _, s := range []namedSeed{
		{"empty", nil},
		{"unterminated-packet", []byte("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 < S 0:0(0 win")},
		{"time-backwards", []byte("1 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n0.5 bind(3, ..., ...) = 0\n")},
		{"rto-1ns", []byte("--tcpclose_set=RTOMin=1ns\n--tcpclose_set=RTOInitial=1ns\n--tcpclose_set=RTOMax=1ns\n--tcpclose_set=R2=-1\n" +
			"0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 connect(3, ..., ...) = 0\n+0 > S 0:0(0) <...>\n+1000 close(3) = 0\n")},
	} {
		seeds = append(seeds, s)
	}
	return seeds
}

// TestScriptScenarios plays every scenario script of the project on the
// model and the implementation in lockstep (FuzzScript's check): they
// must agree at every step, whether or not the script passes.
func TestScriptScenarios(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(scenarioDir, "*.pkt"))
	sub, _ := filepath.Glob(filepath.Join(scenarioDir, "*", "*.pkt"))
	files = append(files, sub...)
	if len(files) == 0 {
		t.Skip("no scenario scripts")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := Script(b); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}
