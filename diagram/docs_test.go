package diagram

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/tcpclose/tcpclose/spec"
)

var rewrite = flag.Bool("rewrite", false, "regenerate the state diagrams in docs/")

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
		if *rewrite {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
		} else if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go test ./diagram -run TestDocs -rewrite", path)
		}
		if name != "rfc9293" {
			continue
		}
		arch := filepath.Join("..", "docs", "architecture.md")
		src, err := os.ReadFile(arch)
		if err != nil {
			t.Fatal(err)
		}
		i := bytes.Index(src, []byte(embedBegin))
		j := bytes.Index(src, []byte(embedEnd))
		if i < 0 || j < i {
			t.Fatalf("%s lacks the generated diagram region (%q ... %q)", arch, embedBegin, embedEnd)
		}
		block := mermaidBlock(t, g)
		region := src[i+len(embedBegin) : j]
		if *rewrite {
			out := append([]byte{}, src[:i+len(embedBegin)]...)
			out = append(out, block...)
			out = append(out, src[j:]...)
			if err := os.WriteFile(arch, out, 0o644); err != nil {
				t.Fatal(err)
			}
		} else if !bytes.Equal(region, block) {
			t.Errorf("the diagram in %s is stale: run go test ./diagram -run TestDocs -rewrite", arch)
		}
	}
}
