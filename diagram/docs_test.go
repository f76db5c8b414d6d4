package diagram

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/tcpclose/tcpclose/internal/golden"
	"github.com/tcpclose/tcpclose/spec"
)

// docProfiles are the profiles whose diagrams docs/ carries.
var docProfiles = []string{"rfc9293", "linux"}

// embedded is the region of docs/architecture.md that holds the rfc9293
// diagram.
const (
	embedBegin = "<!-- generated: state diagram rfc9293 (go test ./diagram -run TestDocs -rewrite) -->\n"
	embedEnd   = "<!-- end of generated state diagram -->\n"
)

func mermaidBlock(t *testing.T, g *Graph) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("```mermaid\n")
	if err := g.Mermaid(&b, RenderOptions{NoLoops: true}); err != nil {
		t.Fatal(err)
	}
	b.WriteString("```\n")
	return b.Bytes()
}

// TestDocs fails when a state diagram in docs/ no longer matches what the
// generator makes of the model: regenerate with -rewrite.
func TestDocs(t *testing.T) {
	for _, name := range docProfiles {
		g, err := Generate(spec.MustProfile(name))
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("..", "docs", "state-diagram-"+name+".md")
		want := g.Markdown()
		golden.File(t, path, want, "go test ./diagram -run TestDocs -rewrite")
		if name != "rfc9293" {
			continue
		}
		arch := filepath.Join("..", "docs", "architecture.md")
		golden.Region(t, arch, embedBegin, embedEnd, mermaidBlock(t, g), "go test ./diagram -run TestDocs -rewrite")
	}
}
