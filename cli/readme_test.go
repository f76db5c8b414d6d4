package cli

import (
	"testing"

	"github.com/tcpclose/tcpclose/internal/golden"
)

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
	golden.Region(t, "../README.md", readmeBegin, readmeEnd, []byte(out), "go test ./cli -run TestReadme -rewrite")
}
