package archdoc

import (
	"os"
	"strings"
	"testing"

	"github.com/tcpclose/tcpclose/internal/golden"
)

const docFile = "../../docs/architecture.md"

// TestArchitectureDoc: the package map in docs/architecture.md is what the
// code looks like now (go test ./internal/archdoc -rewrite regenerates
// it); every package is drawn and has a doc comment.
func TestArchitectureDoc(t *testing.T) {
	pkgs, err := List("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pkgs {
		if p.Doc == "" {
			t.Errorf("package %s has no doc comment", p.Path)
		}
	}
	gen := Render(pkgs)
	doc, err := os.ReadFile(docFile)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Splice(string(doc), gen)
	if err != nil {
		t.Fatal(err)
	}
	golden.File(t, docFile, []byte(want), "go test ./internal/archdoc -rewrite")
	for _, p := range pkgs {
		if !strings.Contains(gen, "`"+p.Path+"`") {
			t.Errorf("package %s is not in the map", p.Path)
		}
	}
}

// TestReduceAndFloors: the drawing keeps an import only when no longer
// path implies it, and floors count the longest path down.
func TestReduceAndFloors(t *testing.T) {
	pkgs := []Package{
		{Path: "cli", Imports: []string{"model", "sim", "spec"}},
		{Path: "sim", Imports: []string{"model", "spec"}},
		{Path: "model", Imports: []string{"spec"}},
		{Path: "spec"},
	}
	e := reduce(pkgs)
	if strings.Join(e["cli"], ",") != "sim" || strings.Join(e["sim"], ",") != "model" || strings.Join(e["model"], ",") != "spec" {
		t.Errorf("reduced edges: %v", e)
	}
	f := floors(pkgs)
	if f["spec"] != 0 || f["model"] != 1 || f["sim"] != 2 || f["cli"] != 3 {
		t.Errorf("floors: %v", f)
	}
}
