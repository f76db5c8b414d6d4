package ladder

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/tcpclose/tcpclose/sim"
	"github.com/tcpclose/tcpclose/spec"
)

// Geometry of the SVG ladder, in pixels. Text is 12 px monospace; charW
// is the advance of one character (DejaVu Sans Mono and most monospace
// fonts: 0.6 em), used to measure labels so that none overlap.
const (
	fontSize   = 12.0
	charW      = 7.25
	rowH       = 18.0
	margin     = 16.0
	noteMax    = 44 // notes wrap at this many characters
	minGap     = 360.0
	lostFrac   = 0.55       // a lost segment's arrow ends this far across
	lostDrop   = rowH * 1.2 // and this far below its row
	headHeight = 62.0
)

// Colours of the SVG ladder.
var svgColors = map[string]string{
	"syn": "#2e7d32", "fin": "#1565c0", "rst": "#c62828", "data": "#37474f",
	"copy": "#8e24aa", "state": "#b26a00", "notice": "#8e24aa", "error": "#c62828",
	"call": "#455a64", "hazard": "#c62828", "life": "#90a4ae", "time": "#607d8b",
}

func segClass(f spec.Flags) string {
	switch {
	case f.Has(spec.RST):
		return "rst"
	case f.Has(spec.SYN):
		return "syn"
	case f.Has(spec.FIN):
		return "fin"
	}
	return "data"
}

// SVG writes the ladder of trace t as an SVG picture. Each arrow runs
// from the instant its segment was sent to the instant it arrived, so it
// slopes by the transit time; rows are spaced by event, with extra room
// (growing with the logarithm of the pause) where virtual time passes.
// Arrow labels sit at the sending end, one per row, so they never
// overlap one another; notes and states sit outside the lifelines.
func SVG(w io.Writer, t *sim.Trace, o Options) error {
	l := build(t, o)
	s := &svgWriter{l: l, o: o, w: bufio.NewWriter(w)}
	s.place()
	s.draw()
	return s.w.Flush()
}

type svgWriter struct {
	l *layout
	o Options
	w *bufio.Writer

	slot  []int     // row -> slot
	y     []float64 // slot -> y
	times []spec.Time
	// notes per row, wrapped; each extra line takes a slot of its own
	noteLines map[int][]string

	xTime, xNotesA, xStateA, xA, xB, xStateB, xNotesB, width, height float64
	gaps                                                             []svgGap
}

type svgGap struct {
	y0, y1 float64
	d      time.Duration
}

// place assigns every row a slot and every slot a height, and measures
// the columns.
func (s *svgWriter) place() {
	rows := s.l.rows
	s.slot = make([]int, len(rows))
	s.noteLines = map[int][]string{}
	maxLabel, maxNote, maxState, timeW := 20, 0, len("CLOSED"), len("time")
	for _, n := range s.l.names {
		maxState = max(maxState, runeLen(n)+2)
	}
	newSlot := func(at spec.Time) int {
		s.times = append(s.times, at)
		return len(s.times) - 1
	}
	newSlot(0) // the header row with the initial states
	for i := 0; i < len(rows); i++ {
		r := &rows[i]
		timeW = max(timeW, len(r.at.String()))
		for _, st := range r.state {
			maxState = max(maxState, runeLen(st))
		}
		switch r.kind {
		case rowSeg:
			maxLabel = max(maxLabel, runeLen(r.labels[0])+runeLen(" reordered"))
		case rowNet:
			if r.copy > 0 {
				maxLabel = max(maxLabel, runeLen(r.labels[0])+runeLen(" copy"))
			}
		case rowNote:
			lines := wrap(r.text, noteMax)
			s.noteLines[i] = lines
			for _, ln := range lines {
				maxNote = max(maxNote, runeLen(ln))
			}
		}
		s.slot[i] = newSlot(r.at)
		for k := 1; k < len(s.noteLines[i]); k++ {
			newSlot(r.at)
		}
	}
	// A lost segment's arrow ends in a cross and a note below its row
	// (lostDrop): the next row starts below them, so that neither the
	// next label nor a "later" mark lands on them.
	lostAt := map[int]bool{}
	for i := range rows {
		r := &rows[i]
		if (r.kind == rowSeg || r.kind == rowNet && r.copy > 0) && (r.fate == lost || r.fate == expired || r.fate == inFlight) {
			lostAt[s.slot[i]] = true
		}
	}
	// heights
	s.y = make([]float64, len(s.times))
	y := headHeight + margin
	for k := range s.times {
		if k > 0 && lostAt[k-1] {
			y += lostDrop + 8
		}
		if k > 0 {
			d := s.times[k].Sub(s.times[k-1])
			extra := 0.0
			if d > 0 {
				extra = math.Min(48, 4+8*math.Log10(1+float64(d)/float64(time.Millisecond)))
			}
			y0 := y
			y += rowH + extra
			if d >= gapMark {
				s.gaps = append(s.gaps, svgGap{y0, y, d})
			}
		}
		s.y[k] = y
	}
	s.height = y + rowH + margin
	// columns
	s.xTime = margin + float64(timeW)*charW
	s.xNotesA = s.xTime + 16 + float64(maxNote)*charW
	s.xStateA = s.xNotesA + 14 + float64(maxState)*charW
	s.xA = s.xStateA + 10
	gap := math.Max(minGap, float64(maxLabel)*charW+70)
	s.xB = s.xA + gap
	s.xStateB = s.xB + 10
	s.xNotesB = s.xStateB + float64(maxState)*charW + 14
	s.width = s.xNotesB + float64(maxNote)*charW + margin
}

func xmlEscape(t string) string {
	var b strings.Builder
	for _, r := range t {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (s *svgWriter) text(x, y float64, anchor, class, t string) {
	fmt.Fprintf(s.w, `<text x="%.1f" y="%.1f" text-anchor="%s" class="%s">%s</text>`+"\n", x, y, anchor, class, xmlEscape(t))
}

func (s *svgWriter) line(x1, y1, x2, y2 float64, class string, head bool, dashed bool) {
	extra := ""
	if head {
		extra += fmt.Sprintf(` marker-end="url(#h-%s)"`, class)
	}
	if dashed {
		extra += ` stroke-dasharray="6 4"`
	}
	fmt.Fprintf(s.w, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" class="a-%s"%s/>`+"\n", x1, y1, x2, y2, class, extra)
}

func (s *svgWriter) cross(x, y float64) {
	fmt.Fprintf(s.w, `<path d="M%.1f %.1fl8 8m0 -8l-8 8" class="cross"/>`+"\n", x-4, y-4)
}

func (s *svgWriter) sideX(side sim.Side) float64 {
	if side == sim.A {
		return s.xA
	}
	return s.xB
}

func (s *svgWriter) draw() {
	fmt.Fprintf(s.w, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="%.0f">`+"\n",
		s.width, s.height, s.width, s.height, fontSize)
	title := s.o.Title
	if title == "" {
		title = "ladder diagram"
	}
	fmt.Fprintf(s.w, "<title>%s</title>\n", xmlEscape(title))
	s.w.WriteString("<defs>\n")
	for _, c := range []string{"syn", "fin", "rst", "data", "copy"} {
		fmt.Fprintf(s.w, `<marker id="h-%s" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto"><path d="M0 0L10 5L0 10z" fill="%s"/></marker>`+"\n", c, svgColors[c])
	}
	s.w.WriteString("</defs>\n<style>\n")
	s.w.WriteString("text{paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round;fill:#263238}\n")
	for _, c := range []string{"syn", "fin", "rst", "data", "copy"} {
		fmt.Fprintf(s.w, ".a-%s{stroke:%s;stroke-width:1.4}\n.l-%s{fill:%s}\n", c, svgColors[c], c, svgColors[c])
	}
	fmt.Fprintf(s.w, ".life{stroke:%s;stroke-width:2}\n.cross{stroke:%s;stroke-width:2.2;fill:none}\n", svgColors["life"], svgColors["rst"])
	fmt.Fprintf(s.w, ".state{fill:%s;font-weight:bold}\n.notice{fill:%s}\n.error{fill:%s}\n.call{fill:%s}\n.hazard{fill:%s;font-weight:bold}\n.time{fill:%s}\n.head{font-weight:bold;font-size:13px}\n.lost{fill:%s}\n.gap{fill:%s;font-style:italic}\n",
		svgColors["state"], svgColors["notice"], svgColors["error"], svgColors["call"], svgColors["hazard"], svgColors["time"], svgColors["rst"], svgColors["time"])
	s.w.WriteString("</style>\n")
	fmt.Fprintf(s.w, `<rect width="100%%" height="100%%" fill="#fff"/>`+"\n")

	// header and lifelines
	if s.o.Title != "" {
		s.text(margin, margin+4, "start", "head", s.o.Title)
	}
	top := headHeight - 6
	for side := sim.A; side <= sim.B; side++ {
		x := s.sideX(side)
		s.text(x, top-18, "middle", "head", fmt.Sprintf("%s %s", side, s.l.names[side]))
		s.text(x, top-4, "middle", "time", s.l.addrs[side])
		fmt.Fprintf(s.w, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" class="life"/>`+"\n", x, top+2, x, s.height-margin)
	}
	s.text(s.xTime, top-4, "end", "time", "time")
	// the initial states
	s.stateText(sim.A, s.y[0], s.l.initial[0])
	s.stateText(sim.B, s.y[0], s.l.initial[1])
	for _, g := range s.gaps {
		// Centred between the rows, clear of the next arrow's label
		// (which sits just above its row).
		s.text((s.xA+s.xB)/2, (g.y0+g.y1-16)/2+4, "middle", "gap", "⋯ "+g.d.Round(time.Millisecond).String()+" later ⋯")
	}
	// times
	for k := 1; k < len(s.times); k++ {
		if s.times[k] != s.times[k-1] || k == 1 {
			s.text(s.xTime, s.y[k]+4, "end", "time", s.times[k].String())
		}
	}
	rows := s.l.rows
	// arrows first, so that text lies on top of them
	for i := range rows {
		r := &rows[i]
		switch {
		case r.kind == rowSeg:
			s.arrow(r, s.y[s.slot[i]], false)
		case r.kind == rowNet && r.copy > 0:
			s.arrow(r, s.y[s.slot[i]], true)
		}
	}
	for i := range rows {
		r := &rows[i]
		y := s.y[s.slot[i]]
		for side := sim.A; side <= sim.B; side++ {
			if st := r.state[side]; st != "" {
				s.stateText(side, y, st)
			}
		}
		switch r.kind {
		case rowSeg:
			s.segLabel(r, y, r.labels[0], false)
		case rowNet:
			if r.copy > 0 {
				s.segLabel(r, y, r.labels[0], true)
			} else {
				s.text((s.xA+s.xB)/2, y+4, "middle", "lost", r.text)
			}
		case rowEnd:
			s.text((s.xA+s.xB)/2, y+4, "middle", "head", r.text)
		case rowNote:
			for k, ln := range s.noteLines[i] {
				yy := s.y[s.slot[i]+k] + 4
				class := [...]string{"call", "call", "error", "notice", "hazard", "head"}[r.class]
				if r.side == sim.A {
					s.text(s.xNotesA, yy, "end", class, ln)
				} else {
					s.text(s.xNotesB, yy, "start", class, ln)
				}
			}
		}
	}
	s.w.WriteString("</svg>\n")
}

func (s *svgWriter) stateText(side sim.Side, y float64, st string) {
	if side == sim.A {
		s.text(s.xStateA, y+4, "end", "state", st)
	} else {
		s.text(s.xStateB, y+4, "start", "state", st)
	}
}

// arrow draws a segment's line; copy is a network duplicate.
func (s *svgWriter) arrow(r *row, y float64, copy bool) {
	class := segClass(r.flags)
	if copy {
		class = "copy"
	}
	x1, x2 := s.sideX(r.side), s.sideX(r.side.Peer())
	switch r.fate {
	case delivered:
		y2 := s.y[s.slot[r.arrive]]
		s.line(x1, y, x2, y2, class, true, copy)
	case lost, expired, inFlight:
		xe := x1 + (x2-x1)*lostFrac
		ye := y + lostDrop
		if r.fate == expired && r.arrive >= 0 {
			ye = math.Max(ye, s.y[s.slot[r.arrive]])
		}
		s.line(x1, y, xe, ye, class, r.fate == inFlight, copy || r.fate == inFlight)
		if r.fate != inFlight {
			s.cross(xe, ye)
		}
		what := "lost"
		switch {
		case r.fate == expired:
			what = "expired (MSL)"
		case r.fate == inFlight:
			what = "in flight at the end"
		case r.note != "":
			what = r.note
		}
		if r.side == sim.A {
			s.text(xe+10, ye+4, "start", "lost", what)
		} else {
			s.text(xe-10, ye+4, "end", "lost", what)
		}
	}
}

// segLabel writes an arrow's label at its sending end, just above it.
func (s *svgWriter) segLabel(r *row, y float64, label string, copy bool) {
	class := "l-" + segClass(r.flags)
	if copy {
		class = "l-copy"
		label += " copy"
	}
	if r.reordered {
		label += " reordered"
	}
	if r.side == sim.A {
		s.text(s.xA+8, y-4, "start", class, label)
	} else {
		s.text(s.xB-8, y-4, "end", class, label)
	}
}
