package diagram

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// RenderOptions tune a rendering.
type RenderOptions struct {
	// NoLoops leaves out the edges that keep the state (challenge ACKs,
	// retransmissions, a FIN acknowledged again in TIME-WAIT).
	NoLoops bool
}

func (g *Graph) edges(o RenderOptions) []Edge {
	var es []Edge
	for _, e := range g.Edges {
		if o.NoLoops && e.Loop() {
			continue
		}
		es = append(es, e)
	}
	return es
}

// mermaidID turns a state name into a Mermaid identifier.
func mermaidID(s string) string { return strings.ReplaceAll(s, "-", "_") }

// Mermaid writes the graph as a Mermaid state diagram (stateDiagram-v2).
func (g *Graph) Mermaid(w io.Writer, o RenderOptions) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "---\ntitle: %s (generated from the model by tcpclose diagram)\n---\n", g.Profile)
	bw.WriteString("stateDiagram-v2\n")
	for _, s := range g.States {
		if id := mermaidID(s); id != s {
			fmt.Fprintf(bw, "    state \"%s\" as %s\n", s, id)
		}
	}
	bw.WriteString("    [*] --> CLOSED\n")
	for _, e := range g.edges(o) {
		fmt.Fprintf(bw, "    %s --> %s: %s\n", mermaidID(e.From), mermaidID(e.To), e.Label())
	}
	return bw.Flush()
}

func dotQuote(s string) string {
	return `"` + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`) + `"`
}

// Dot writes the graph in Graphviz's dot language.
func (g *Graph) Dot(w io.Writer, o RenderOptions) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "// %s state diagram, generated from the model by tcpclose diagram\n", g.Profile)
	fmt.Fprintf(bw, "digraph %s {\n", dotQuote(g.Profile))
	bw.WriteString("  rankdir=TB;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n")
	bw.WriteString("  start [shape=point];\n  start -> \"CLOSED\";\n")
	for _, s := range g.States {
		fmt.Fprintf(bw, "  %s;\n", dotQuote(s))
	}
	for _, e := range g.edges(o) {
		fmt.Fprintf(bw, "  %s -> %s [label=%s];\n", dotQuote(e.From), dotQuote(e.To), dotQuote(e.Label()))
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

// Table writes one edge a line: "FROM  --event / output-->  TO".
func (g *Graph) Table(w io.Writer, o RenderOptions) error {
	bw := bufio.NewWriter(w)
	n := 0
	for _, s := range g.States {
		n = max(n, len(s))
	}
	for _, e := range g.edges(o) {
		fmt.Fprintf(bw, "%-*s  --%s-->  %s\n", n, e.From, e.Label(), e.To)
	}
	return bw.Flush()
}
