package spec_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpclose/tcpclose/internal/golden"
	"github.com/tcpclose/tcpclose/internal/rulescan"
	"github.com/tcpclose/tcpclose/spec"
)

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
		golden.File(t, path, want, "go test ./spec -run TestRulesDoc -rewrite")
	}
}

// TestProfilesDoc fails when docs/profiles.md is stale.
func TestProfilesDoc(t *testing.T) {
	path := filepath.Join("..", "docs", "profiles.md")
	want := spec.ProfilesMarkdown()
	golden.File(t, path, want, "go test ./spec -run TestProfilesDoc -rewrite")
}
