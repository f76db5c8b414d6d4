package cli

import (
	"io"
	"strings"

	"github.com/tcpclose/tcpclose/diagram"
	"github.com/tcpclose/tcpclose/spec"
)

const diagramDescription = `
Prints the state diagram of a profile, generated from the model's own
transitions: the model is driven through the application's calls, the
segments a peer can send and the timers, from every state it reaches, and
every transition it makes is an edge labelled "event / what it sends"
(package diagram documents how). Nothing is drawn by hand, so the diagram
changes when the model or the profile does.

Formats: mermaid (a Mermaid stateDiagram-v2, as in docs/), dot (Graphviz),
svg (a picture laid out like RFC 9293 Figure 5, self-loops listed in the
state boxes), table (one edge a line).`

func (t *Tool) runDiagram(args []string, stdout, stderr io.Writer) int {
	const cmd = "diagram"
	fs := t.flagSet(cmd, "[-profile P] [-set Field=Value] [-format mermaid|dot|svg|table] [-no-loops]", diagramDescription)
	profile := fs.String("profile", spec.DefaultProfile, "profile: "+strings.Join(spec.ProfileNames(), ", "))
	var sets listFlag
	fs.Var(&sets, "set", "override a profile field, `Field=Value` (repeatable)")
	format := &choiceFlag{v: "mermaid", choices: []string{"mermaid", "dot", "svg", "table"}}
	fs.Var(format, "format", "output format: mermaid, dot, svg or table")
	noLoops := fs.Bool("no-loops", false, "leave out the transitions that keep the state")
	pos, code := t.parseOrExit(fs, cmd, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	if len(pos) > 0 {
		return t.fail(stderr, cmd, "takes no arguments (use -profile %s)", pos[0])
	}
	p, err := profileWith(*profile, sets)
	if err != nil {
		return t.fail(stderr, cmd, "%s", err)
	}
	g, err := diagram.Generate(p)
	if err != nil {
		return t.fail(stderr, cmd, "%s", strings.TrimPrefix(err.Error(), "diagram: "))
	}
	o := diagram.RenderOptions{NoLoops: *noLoops}
	switch format.v {
	case "mermaid":
		err = g.Mermaid(stdout, o)
	case "dot":
		err = g.Dot(stdout, o)
	case "svg":
		err = g.SVG(stdout, o)
	case "table":
		err = g.Table(stdout, o)
	}
	if err != nil {
		return t.fail(stderr, cmd, "%s", err)
	}
	return ExitOK
}
