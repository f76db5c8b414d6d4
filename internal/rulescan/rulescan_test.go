package rulescan

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func write(t *testing.T, root, rel, body string) {
	t.Helper()
	p := filepath.Join(root, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestScanAttributes checks that code, test functions and scripts are
// told apart, and that unknown IDs are reported.
func TestScanAttributes(t *testing.T) {
	root := t.TempDir()
	write(t, root, "m/a.go", "package m\n// R9293-MUST13 implemented here\nvar _ = \"R9293-MUST12\"\n")
	write(t, root, "m/a_test.go", "package m\nimport \"testing\"\n// R9293-MUST13\nfunc TestX(t *testing.T) { _ = \"AMB-TW-FIN\" }\n")
	write(t, root, "m/testdata/s.pkt", "// pins R1337-F1\n")
	write(t, root, "scenarios/close/c.pkt", "// R1337-F1 in the corpus\n")
	write(t, root, "m/testdata/notes.txt", "R1337-F1 in a text file does not count\n")
	write(t, root, "m/b.go", "package m\n// R9293-NOSUCH-RULE\n")
	write(t, root, "docs/x.md", "R9293-ALSO-NOSUCH ignored: docs are generated\n")
	r, err := Scan(root)
	if err != nil {
		t.Fatal(err)
	}
	get := func(id string) Coverage {
		for _, c := range r.Rules {
			if string(c.ID) == id {
				return c
			}
		}
		t.Fatalf("%s missing", id)
		return Coverage{}
	}
	if c := get("R9293-MUST13"); !slices.Equal(c.Implemented, []string{"m/a.go"}) || !slices.Equal(c.Tested, []string{"m.TestX"}) {
		t.Errorf("R9293-MUST13: %+v", c)
	}
	if c := get("AMB-TW-FIN"); !slices.Equal(c.Tested, []string{"m.TestX"}) {
		t.Errorf("AMB-TW-FIN: %+v", c)
	}
	if c := get("R1337-F1"); !slices.Equal(c.Tested, []string{"m/testdata/s.pkt", "scenarios/close/c.pkt"}) {
		t.Errorf("R1337-F1: %+v", c)
	}
	if len(r.Unknown) != 1 || r.Unknown[0] != "R9293-NOSUCH-RULE (m/b.go)" {
		t.Errorf("unknown: %v", r.Unknown)
	}
	if u := r.Untested(); !slices.Contains(u, "R9293-MUST12") || slices.Contains(u, "R9293-MUST13") {
		t.Errorf("untested: %v", u)
	}
}
