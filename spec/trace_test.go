package spec_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpclose/tcpclose/internal/rulescan"
	"github.com/tcpclose/tcpclose/spec"
)

var rewrite = flag.Bool("rewrite", false, "regenerate docs/rules.md and spec/coverage.json")

func scan(t *testing.T) *rulescan.Report {
	t.Helper()
	r, err := rulescan.Scan("..")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestTraceability fails when a modelled MUST or SHOULD rule is named by no
// test, when a modelled rule is named by no code, or when any file names a
// rule ID the catalogue lacks.
func TestTraceability(t *testing.T) {
	r := scan(t)
	if len(r.Unknown) > 0 {
		t.Errorf("rule IDs not in the catalogue:\n  %s", strings.Join(r.Unknown, "\n  "))
	}
	if u := r.Untested(); len(u) > 0 {
		t.Errorf("MUST/SHOULD rules no test names: %v", u)
	}
	if u := r.Unimplemented(); len(u) > 0 {
		t.Errorf("modelled rules no code names: %v", u)
	}
}

// TestRulesDoc fails when docs/rules.md or spec/coverage.json is stale.
func TestRulesDoc(t *testing.T) {
	r := scan(t)
	files := map[string][]byte{
		filepath.Join("..", "docs", "rules.md"): r.Markdown(),
		"coverage.json":                         r.JSON(),
	}
	for path, want := range files {
		if *rewrite {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go test ./spec -run TestRulesDoc -rewrite", path)
		}
	}
}

// TestProfilesDoc fails when docs/profiles.md is stale.
func TestProfilesDoc(t *testing.T) {
	path := filepath.Join("..", "docs", "profiles.md")
	want := spec.ProfilesMarkdown()
	if *rewrite {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, want) {
		t.Errorf("%s is stale: run go test ./spec -run TestProfilesDoc -rewrite", path)
	}
}
