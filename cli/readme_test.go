package cli

import (
	"bytes"
	"flag"
	"os"
	"testing"
)

var rewrite = flag.Bool("rewrite", false, "regenerate the example ladder in README.md")

const (
	readmeBegin = "<!-- generated: tcpclose sim lost-final-ack (go test ./cli -run TestReadme -rewrite) -->\n```\n"
	readmeEnd   = "```\n<!-- end of generated ladder -->\n"
)

// TestReadme fails when the example ladder in README.md is no longer what
// the README's first command prints (as piped, 80 columns, no colour).
func TestReadme(t *testing.T) {
	code, out, errs := run("sim", "lost-final-ack")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	src, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	i, j := bytes.Index(src, []byte(readmeBegin)), bytes.Index(src, []byte(readmeEnd))
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the generated ladder region")
	}
	region := src[i+len(readmeBegin) : j]
	if *rewrite {
		b := append([]byte{}, src[:i+len(readmeBegin)]...)
		b = append(b, out...)
		b = append(b, src[j:]...)
		if err := os.WriteFile("../README.md", b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(region, []byte(out)) {
		t.Error("the example ladder in README.md is stale: run go test ./cli -run TestReadme -rewrite")
	}
}
