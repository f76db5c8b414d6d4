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

// Dot writes the graph in Graphviz's dot language, collapsed so that
// Graphviz lays it out readably: the edges between two states are one
// edge with one label line each; the edges that keep a state are listed
// in its box; and each state that can end a connection has its own small
// CLOSED beside it instead of one CLOSED with an edge from everywhere.
func (g *Graph) Dot(w io.Writer, o RenderOptions) error {
	type pair struct{ from, to string }
	var order []pair
	labels := map[pair][]string{}
	loops := map[string][]string{}
	for _, e := range g.edges(o) {
		if e.Loop() {
			loops[e.From] = append(loops[e.From], e.Label())
			continue
		}
		p := pair{e.From, e.To}
		if _, ok := labels[p]; !ok {
			order = append(order, p)
		}
		labels[p] = append(labels[p], e.Label())
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "// %s state diagram, generated from the model by tcpclose diagram\n", g.Profile)
	fmt.Fprintf(bw, "digraph %s {\n", dotQuote(g.Profile))
	bw.WriteString("  rankdir=TB; nodesep=0.5; ranksep=0.6;\n")
	bw.WriteString("  node [shape=box, style=\"rounded,filled\", fillcolor=\"#fff8e1\", color=\"#b26a00\", fontname=\"Helvetica\"];\n")
	bw.WriteString("  edge [fontname=\"Helvetica\", fontsize=9, color=\"#37474f\"];\n")
	bw.WriteString("  start [shape=point];\n  start -> \"CLOSED\";\n")
	for _, s := range g.States {
		if len(loops[s]) == 0 {
			fmt.Fprintf(bw, "  %s;\n", dotQuote(s))
			continue
		}
		// An HTML-like label: the name, then the events that keep the
		// state, one a line.
		var b strings.Builder
		fmt.Fprintf(&b, "<<b>%s</b>", htmlEsc(s))
		for _, l := range loops[s] {
			fmt.Fprintf(&b, "<br align=\"left\"/><font point-size=\"9\">&#8634; %s</font>", htmlEsc(l))
		}
		b.WriteString("<br align=\"left\"/>>")
		fmt.Fprintf(bw, "  %s [label=%s];\n", dotQuote(s), b.String())
	}
	for _, p := range order {
		lbl := dotQuote(strings.Join(labels[p], "\n"))
		if p.to == "CLOSED" {
			end := dotQuote("CLOSED after " + p.from)
			fmt.Fprintf(bw, "  %s [label=\"CLOSED\", shape=box, style=\"rounded,dashed\", fillcolor=\"#ffffff\", fontsize=10];\n", end)
			fmt.Fprintf(bw, "  %s -> %s [label=%s];\n", dotQuote(p.from), end, lbl)
			continue
		}
		fmt.Fprintf(bw, "  %s -> %s [label=%s];\n", dotQuote(p.from), dotQuote(p.to), lbl)
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

// htmlEsc escapes text for a Graphviz HTML-like label.
func htmlEsc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
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
