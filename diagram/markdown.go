package diagram

import (
	"bytes"
	"fmt"
	"strings"
)

// Markdown renders the page docs/state-diagram-PROFILE.md: the Mermaid
// diagram without the edges that keep the state, then every edge the
// model makes in a table, loops included.
func (g *Graph) Markdown() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# State diagram of the %s profile\n\n", g.Profile)
	fmt.Fprintf(&b, "Generated from the model's own transitions by `go test ./diagram -run TestDocs -rewrite`\n")
	fmt.Fprintf(&b, "(the same as `tcpclose diagram -profile %s`); do not edit by hand. How the\n", g.Profile)
	b.WriteString("generator drives the model is in the documentation of package `diagram`.\n\n")
	fmt.Fprintf(&b, "%d host states explored, %d transitions. The picture leaves out the transitions\n", g.Explored, len(g.Edges))
	b.WriteString("that keep the state (challenge ACKs, retransmissions); the table lists them all.\n\n")
	b.WriteString("```mermaid\n")
	g.Mermaid(&b, RenderOptions{NoLoops: true})
	b.WriteString("```\n\n")
	b.WriteString("| From | Event | Sends | To |\n|---|---|---|---|\n")
	for _, e := range g.Edges {
		out := strings.TrimPrefix(e.Output, "snd ")
		if out == "" {
			out = "-"
		}
		to := e.To
		if e.Loop() {
			to = "(same)"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", e.From, e.Event, out, to)
	}
	return b.Bytes()
}
