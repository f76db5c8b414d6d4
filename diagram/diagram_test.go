package diagram

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/tcpclose/tcpclose/spec"
)

func generate(t *testing.T, profile string, sets ...string) *Graph {
	t.Helper()
	p := spec.MustProfile(profile)
	for _, kv := range sets {
		k, v, _ := strings.Cut(kv, "=")
		if err := p.SetField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	g, err := Generate(p)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func has(g *Graph, from, label, to string) bool {
	for _, e := range g.Edges {
		if e.From == from && e.Label() == label && e.To == to {
			return true
		}
	}
	return false
}

// The classical closing transitions of RFC 9293 Figure 5 come out of the
// model for the rfc9293 profile.
func TestFigure5Transitions(t *testing.T) {
	g := generate(t, "rfc9293")
	for _, e := range [][3]string{
		{"CLOSED", "connect / snd SYN", "SYN-SENT"},
		{"CLOSED", "listen", "LISTEN"},
		{"LISTEN", "rcv SYN / snd SYN,ACK", "SYN-RECEIVED"},
		{"SYN-SENT", "rcv SYN,ACK / snd ACK", "ESTABLISHED"},
		{"SYN-SENT", "rcv SYN / snd SYN,ACK", "SYN-RECEIVED"},
		{"SYN-RECEIVED", "rcv ACK of SYN", "ESTABLISHED"},
		{"SYN-RECEIVED", "rcv RST", "LISTEN"},
		{"ESTABLISHED", "close / snd FIN", "FIN-WAIT-1"},
		{"ESTABLISHED", "rcv FIN / snd ACK", "CLOSE-WAIT"},
		{"FIN-WAIT-1", "rcv ACK of FIN", "FIN-WAIT-2"},
		{"FIN-WAIT-1", "rcv FIN / snd ACK", "CLOSING"},
		{"FIN-WAIT-1", "rcv FIN + ACK of FIN / snd ACK", "TIME-WAIT"},
		{"FIN-WAIT-2", "rcv FIN / snd ACK", "TIME-WAIT"},
		{"CLOSE-WAIT", "close / snd FIN", "LAST-ACK"},
		{"CLOSING", "rcv ACK of FIN", "TIME-WAIT"},
		{"LAST-ACK", "rcv ACK of FIN", "CLOSED"},
		{"TIME-WAIT", "2MSL timeout", "CLOSED"},
		{"TIME-WAIT", "rcv FIN / snd ACK", "TIME-WAIT"},
		{"ESTABLISHED", "abort / snd RST", "CLOSED"},
	} {
		if !has(g, e[0], e[1], e[2]) {
			t.Errorf("rfc9293 lacks %s --%s--> %s", e[0], e[1], e[2])
		}
	}
	if len(g.States) != spec.NumStates {
		t.Errorf("%d states reached, want all %d: %v", len(g.States), spec.NumStates, g.States)
	}
}

// The profile's own choices show as edges: the FIN-WAIT-2 timer (linux),
// a RST ending TIME-WAIT or not, a SYN reopening TIME-WAIT or not.
func TestProfileEdges(t *testing.T) {
	rfc, linux, rfc793 := generate(t, "rfc9293"), generate(t, "linux"), generate(t, "rfc793")
	if !has(linux, "FIN-WAIT-2", "FIN-WAIT-2 timeout", "CLOSED") {
		t.Error("linux lacks the FIN-WAIT-2 timer")
	}
	if has(rfc, "FIN-WAIT-2", "FIN-WAIT-2 timeout", "CLOSED") {
		t.Error("rfc9293 has a FIN-WAIT-2 timer")
	}
	if !has(rfc, "TIME-WAIT", "rcv RST", "CLOSED") {
		t.Error("rfc9293: a RST does not end TIME-WAIT")
	}
	if ign := generate(t, "rfc9293", "TimeWaitRST=ignored"); has(ign, "TIME-WAIT", "rcv RST", "CLOSED") {
		t.Error("TimeWaitRST=ignored: a RST still ends TIME-WAIT")
	}
	if !has(rfc, "TIME-WAIT", "rcv SYN / snd SYN,ACK", "SYN-RECEIVED") {
		t.Error("rfc9293: a SYN does not reopen TIME-WAIT")
	}
	if has(rfc793, "TIME-WAIT", "rcv SYN / snd SYN,ACK", "SYN-RECEIVED") {
		t.Error("rfc793 (TimeWaitReopen=never) reopens TIME-WAIT")
	}
	if !has(rfc793, "ESTABLISHED", "rcv RST in window", "CLOSED") || has(rfc, "ESTABLISHED", "rcv RST in window", "CLOSED") {
		t.Error("an in-window RST should reset under rfc793 only")
	}
}

// Every built-in profile's search converges, deterministically.
func TestAllProfiles(t *testing.T) {
	for _, name := range spec.ProfileNames() {
		g1, g2 := generate(t, name), generate(t, name)
		var a, b bytes.Buffer
		g1.Mermaid(&a, RenderOptions{})
		g2.Mermaid(&b, RenderOptions{})
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Errorf("%s: two generations differ", name)
		}
		if len(g1.Edges) < 40 {
			t.Errorf("%s: only %d edges", name, len(g1.Edges))
		}
	}
}

func TestRenderings(t *testing.T) {
	g := generate(t, "linux")
	var m, d, s bytes.Buffer
	if err := g.Mermaid(&m, RenderOptions{NoLoops: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.String(), "stateDiagram-v2") || !strings.Contains(m.String(), "    FIN_WAIT_2 --> CLOSED: FIN-WAIT-2 timeout\n") {
		t.Errorf("mermaid:\n%s", m.String())
	}
	if strings.Contains(m.String(), "TIME_WAIT --> TIME_WAIT") {
		t.Error("NoLoops kept a loop")
	}
	if err := g.Dot(&d, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(d.String(), `"TIME-WAIT" -> "CLOSED after TIME-WAIT" [label="2MSL timeout`) {
		t.Errorf("dot:\n%s", d.String())
	}
	// Collapsed for Graphviz: one edge per pair of nodes, none into the
	// CLOSED where connections start but from the start point.
	seen := map[string]bool{}
	for _, l := range strings.Split(d.String(), "\n") {
		from, rest, ok := strings.Cut(strings.TrimSpace(l), " -> ")
		if !ok {
			continue
		}
		to, _, _ := strings.Cut(rest, " [")
		to = strings.TrimSuffix(to, ";")
		if seen[from+to] {
			t.Errorf("dot: two edges %s -> %s", from, to)
		}
		seen[from+to] = true
		if to == `"CLOSED"` && from != "start" {
			t.Errorf("dot: an edge into the starting CLOSED: %s", l)
		}
	}
	if err := g.SVG(&s, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(&s)
	for {
		if _, err := dec.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("SVG not well-formed: %v", err)
		}
	}
}

// TestSVGNoEdgeThroughABoxNoLabelClash: in the SVG state diagram of every
// profile, no arrow passes through a state's box (other than where it
// starts and ends), and no label overlaps a box or another label.
func TestSVGNoEdgeThroughABoxNoLabelClash(t *testing.T) {
	num := func(s string) float64 {
		var f float64
		if _, err := fmt.Sscan(s, &f); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		return f
	}
	rectRE := regexp.MustCompile(`<rect x="([-0-9.]+)" y="([-0-9.]+)" width="([0-9.]+)" height="([0-9.]+)"( rx="8"| fill="#fff" fill-opacity)`)
	lineRE := regexp.MustCompile(`<polyline points="([^"]+)"`)
	for _, prof := range spec.ProfileNames() {
		var b bytes.Buffer
		if err := generate(t, prof).SVG(&b, RenderOptions{}); err != nil {
			t.Fatal(err)
		}
		var states, labels []box
		for _, m := range rectRE.FindAllStringSubmatch(b.String(), -1) {
			w, h := num(m[3]), num(m[4])
			bx := box{num(m[1]) + w/2, num(m[2]) + h/2, w, h}
			if strings.Contains(m[5], "rx") {
				states = append(states, bx)
			} else {
				labels = append(labels, bx)
			}
		}
		if len(states) < 10 || len(labels) < 10 {
			t.Fatalf("%s: %d states, %d labels: the test reads the SVG wrong", prof, len(states), len(labels))
		}
		for _, m := range lineRE.FindAllStringSubmatch(b.String(), -1) {
			var path []pt
			for _, xy := range strings.Fields(m[1]) {
				x, y, _ := strings.Cut(xy, ",")
				path = append(path, pt{num(x), num(y)})
			}
			// Shrunk by 3 px, the boxes an arrow starts and ends on
			// are not hit by it.
			if n := pathHits(path, states, -3); n > 0 {
				t.Errorf("%s: the arrow %s passes through %d state boxes", prof, m[1], n)
			}
		}
		for i, l := range labels {
			for _, s := range states {
				if l.overlaps(s, 0) {
					t.Errorf("%s: a label at (%.0f, %.0f) overlaps a state box", prof, l.x, l.y)
				}
			}
			for _, m := range labels[:i] {
				if l.overlaps(m, 0) {
					t.Errorf("%s: labels at (%.0f, %.0f) and (%.0f, %.0f) overlap", prof, l.x, l.y, m.x, m.y)
				}
			}
		}
	}
}
