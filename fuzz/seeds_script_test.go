package fuzz

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/tcpclose/tcpclose/scenarios"
)

// scriptSeeds is the FuzzScript seed corpus: every sixth scenario script
// (package scenarios, in its order: each topic is sampled), the inputs of
// script's own FuzzParse corpus, and a few malformed texts. The copies
// are a snapshot; -rewrite refreshes them.
func scriptSeeds() []namedSeed {
	var seeds []namedSeed
	for i, sc := range scenarios.All() {
		if i%6 == 0 {
			name := "scenario-" + strings.NewReplacer("/", "-", ".pkt", "").Replace(sc.Name)
			seeds = append(seeds, namedSeed{name, sc.Content})
		}
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
	return append(seeds, []namedSeed{
		{"empty", nil},
		{"unterminated-packet", []byte("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 < S 0:0(0 win")},
		{"time-backwards", []byte("1 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n0.5 bind(3, ..., ...) = 0\n")},
		{"rto-1ns", []byte("--tcpclose_set=RTOMin=1ns\n--tcpclose_set=RTOInitial=1ns\n--tcpclose_set=RTOMax=1ns\n--tcpclose_set=R2=-1\n" +
			"0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 connect(3, ..., ...) = 0\n+0 > S 0:0(0) <...>\n+1000 close(3) = 0\n")},
	}...)
}

// TestScriptScenarios plays every scenario script of the project on the
// model and the implementation in lockstep (FuzzScript's check): they
// must agree at every step, whether or not the script passes.
func TestScriptScenarios(t *testing.T) {
	for _, sc := range scenarios.All() {
		if err := Script(sc.Content); err != nil {
			t.Errorf("%s: %v", sc.Path, err)
		}
	}
}
