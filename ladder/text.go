package ladder

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tcpclose/tcpclose/sim"
	"github.com/tcpclose/tcpclose/spec"
)

// ANSI colours of the text ladder.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiBlue   = "\x1b[34m"
	ansiMag    = "\x1b[35m"
	ansiCyan   = "\x1b[36m"
)

// gapMark is the pause after which the text ladder marks the time that
// passed with a row of its own.
const gapMark = time.Second

// Text writes the ladder of trace t for a terminal: a header naming the
// sides, then one row per event. See the package documentation.
func Text(w io.Writer, t *sim.Trace, o Options) error {
	l := build(t, o)
	tw := &textWriter{o: o, l: l, w: bufio.NewWriter(w)}
	tw.measure()
	tw.header()
	prev := spec.Time(-1)
	for i := range l.rows {
		r := &l.rows[i]
		if !tw.visible(r) {
			continue
		}
		if d := r.at.Sub(prev); prev >= 0 && d >= gapMark {
			tw.gap(d)
		}
		tw.row(r, r.at != prev)
		prev = r.at
	}
	return tw.w.Flush()
}

type textWriter struct {
	o     Options
	l     *layout
	w     *bufio.Writer
	width int
	timeW int // time column
	sw    int // state columns
	mid   int // between the two lifelines
}

func (tw *textWriter) measure() {
	tw.width = tw.o.Width
	if tw.width == 0 {
		tw.width = 80
	}
	if tw.width < MinWidth {
		tw.width = MinWidth
	}
	tw.timeW = len("time")
	tw.sw = 6
	for i := range tw.l.rows {
		r := &tw.l.rows[i]
		tw.timeW = max(tw.timeW, len(r.at.String()))
		for _, s := range r.state {
			tw.sw = max(tw.sw, len(s))
		}
	}
	// time, space, state A, space, line, mid, line, space, state B
	tw.mid = tw.width - (tw.timeW + 1 + tw.sw + 1 + 1 + 1 + 1 + tw.sw)
	if tw.mid < 12 {
		tw.mid = 12 // only with absurdly long state names
	}
}

func (tw *textWriter) paint(s, code string) string {
	if !tw.o.Color || code == "" || s == "" {
		return s
	}
	return code + s + ansiReset
}

func (tw *textWriter) emit(at string, state [2]string, mid string) {
	var b strings.Builder
	b.WriteString(padLeft(at, tw.timeW))
	b.WriteByte(' ')
	b.WriteString(tw.paint(padRight(state[0], tw.sw), stateColor(state[0])))
	b.WriteByte(' ')
	b.WriteString(mid)
	b.WriteByte(' ')
	b.WriteString(tw.paint(state[1], stateColor(state[1])))
	line := strings.TrimRight(b.String(), " ")
	tw.w.WriteString(line)
	tw.w.WriteByte('\n')
}

func stateColor(s string) string {
	if s == "" {
		return ""
	}
	return ansiBold + ansiYellow
}

func (tw *textWriter) header() {
	if tw.o.Title != "" {
		tw.w.WriteString(tw.paint(tw.o.Title, ansiBold) + "\n")
	}
	left := fmt.Sprintf("A %s %s", tw.l.names[0], tw.l.addrs[0])
	right := fmt.Sprintf("B %s %s", tw.l.names[1], tw.l.addrs[1])
	left, right = strings.TrimSpace(left), strings.TrimSpace(right)
	pad := tw.width - tw.timeW - 1 - runeLen(left) - runeLen(right)
	if pad < 2 {
		pad = 2
	}
	tw.w.WriteString(padLeft("time", tw.timeW) + " " + tw.paint(left, ansiBold) + strings.Repeat(" ", pad) + tw.paint(right, ansiBold) + "\n")
	tw.emit("", tw.l.initial, "│"+strings.Repeat(" ", tw.mid)+"│")
}

func (tw *textWriter) gap(d time.Duration) {
	text := " " + d.Round(time.Millisecond).String() + " later "
	tw.emit("", [2]string{}, "┊"+tw.paint(center(text, tw.mid, '·'), ansiDim)+"┊")
}

// visible reports whether a row is drawn in the text ladder: arrivals are
// implied by the arrows unless something is notable about them.
func (tw *textWriter) visible(r *row) bool {
	if r.kind == rowArrive {
		return r.copy > 0 || r.reordered || r.state[0] != "" || r.state[1] != ""
	}
	return true
}

func (tw *textWriter) row(r *row, showTime bool) {
	at := ""
	if showTime {
		at = r.at.String()
	}
	switch r.kind {
	case rowSeg:
		tw.emit(at, r.state, tw.arrow(r))
	case rowArrive:
		if r.copy > 0 || r.reordered {
			tw.emit(at, r.state, tw.arrival(r))
		} else {
			tw.emit(at, r.state, tw.blank())
		}
	case rowState:
		tw.emit(at, r.state, tw.blank())
	case rowNote:
		lines := wrap(r.text, tw.mid-2)
		for i, s := range lines {
			st := r.state
			if i > 0 {
				at, st = "", [2]string{}
			}
			var mid string
			s = tw.paint(s, noteColor(r.class))
			if r.side == sim.B {
				mid = "│" + strings.Repeat(" ", max(0, tw.mid-1-runeLen(lines[i]))) + s + " │"
			} else {
				mid = "│ " + s + strings.Repeat(" ", max(0, tw.mid-1-runeLen(lines[i]))) + "│"
			}
			tw.emit(at, st, mid)
		}
	case rowNet, rowEnd:
		code := ansiDim
		if r.kind == rowNet && r.copy > 0 {
			code = ansiMag
		}
		if r.kind == rowEnd {
			code = ansiBold
		}
		for i, s := range wrap(r.text, tw.mid-4) {
			if i > 0 {
				at = ""
			}
			c := center(" "+s+" ", tw.mid, ' ')
			tw.emit(at, r.state, "│"+tw.paint(c, code)+"│")
		}
	}
}

func (tw *textWriter) blank() string { return "│" + strings.Repeat(" ", tw.mid) + "│" }

func noteColor(c noteClass) string {
	switch c {
	case classError:
		return ansiRed
	case classNotice:
		return ansiMag
	case classHazard:
		return ansiBold + ansiRed
	}
	return ""
}

func segColor(f spec.Flags) string {
	switch {
	case f.Has(spec.RST):
		return ansiRed
	case f.Has(spec.SYN):
		return ansiGreen
	case f.Has(spec.FIN):
		return ansiBlue
	}
	return ""
}

// fit returns the first label that fits in n columns, shortening the last
// one with an ellipsis if none does.
func fit(labels []string, suffix string, n int) string {
	for _, s := range labels {
		if runeLen(s)+runeLen(suffix) <= n {
			return s + suffix
		}
	}
	s := labels[len(labels)-1] + suffix
	if n <= 1 {
		return "…"
	}
	rs := []rune(s)
	if len(rs) > n {
		rs = append(rs[:n-1], '…')
	}
	return string(rs)
}

// arrow draws a segment between the lifelines.
func (tw *textWriter) arrow(r *row) string {
	code := segColor(r.flags)
	suffix := ""
	if r.reordered {
		suffix = " reordered"
	}
	if r.fate == delivered {
		// "──── label ────▶"
		label := fit(r.labels, suffix, tw.mid-5)
		fill := tw.mid - 3 - runeLen(label)
		lead := fill / 2
		body := strings.Repeat("─", lead) + " " + label + " " + strings.Repeat("─", fill-lead)
		if r.side == sim.A {
			return "├" + tw.paint(body+"▶", code) + "│"
		}
		return "│" + tw.paint("◀"+body, code) + "┤"
	}
	tails := []string{"✕ lost"}
	switch r.fate {
	case lost:
		if n := r.note; n != "" {
			tails = []string{"✕ " + n}
			if _, why, ok := strings.Cut(n, ": "); ok {
				tails = append(tails, "✕ "+why)
			}
			tails = append(tails, "✕ lost")
		}
	case expired:
		tails = []string{"✕ expired (MSL)", "✕ expired"}
	case inFlight:
		tails = []string{"… in flight"}
	}
	// The longest label that fits with the longest tail that fits.
	room := tw.mid - 4
	label, tail := "", ""
	for _, lb := range r.labels {
		for _, tl := range tails {
			if runeLen(lb)+runeLen(suffix)+runeLen(tl)+1 <= room {
				label, tail = lb+suffix, tl
				break
			}
		}
		if label != "" {
			break
		}
	}
	if label == "" {
		tail = tails[len(tails)-1]
		label = fit(r.labels, suffix, room-runeLen(tail)-1)
	}
	// The cross sits about two thirds of the way across when there is room.
	dashes := min(tw.mid-4-runeLen(label)-runeLen(tail), tw.mid*2/3-3-runeLen(label))
	if dashes < 1 {
		dashes = 1
	}
	if r.side == sim.A {
		body := "─ " + label + " " + strings.Repeat("─", dashes)
		s := tw.paint(body, code) + tw.paint(tail, ansiRed)
		return "├" + s + strings.Repeat(" ", max(0, tw.mid-runeLen(body)-runeLen(tail))) + "│"
	}
	body := strings.Repeat("─", dashes) + " " + label + " ─"
	s := tw.paint(reverseTail(tail), ansiRed) + tw.paint(body, code)
	return "│" + strings.Repeat(" ", max(0, tw.mid-runeLen(body)-runeLen(tail))) + s + "┤"
}

// reverseTail puts the cross of a tail next to the arrow on the right:
// "✕ lost" becomes "lost ✕".
func reverseTail(t string) string {
	mark, rest, ok := strings.Cut(t, " ")
	if !ok {
		return t
	}
	return rest + " " + mark
}

// arrival draws a notable arrival: a short arrow into the receiver.
func (tw *textWriter) arrival(r *row) string {
	tag := fmt.Sprintf("#%d", r.id)
	what := "arrives"
	if r.copy > 0 {
		tag += "'"
		what = "copy arrives"
	}
	if r.reordered {
		what += " reordered"
	}
	text := fit([]string{tag + " " + what}, "", tw.mid-6)
	code := ansiDim
	if r.copy > 0 {
		code = ansiMag
	}
	pad := strings.Repeat(" ", max(0, tw.mid-runeLen(text)-3))
	if r.side == sim.B { // A -> B
		return "│" + pad + tw.paint(text+" ─▶", code) + "│"
	}
	return "│" + tw.paint("◀─ "+text, code) + pad + "│"
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

func padRight(s string, n int) string {
	if k := runeLen(s); k < n {
		return s + strings.Repeat(" ", n-k)
	}
	return s
}

func padLeft(s string, n int) string {
	if k := runeLen(s); k < n {
		return strings.Repeat(" ", n-k) + s
	}
	return s
}

func center(s string, n int, fill rune) string {
	k := runeLen(s)
	if k >= n {
		return s
	}
	left := (n - k) / 2
	return strings.Repeat(string(fill), left) + s + strings.Repeat(string(fill), n-k-left)
}

// wrap breaks s into lines of at most n columns at spaces.
func wrap(s string, n int) []string {
	if n < 8 {
		n = 8
	}
	var lines []string
	for runeLen(s) > n {
		rs := []rune(s)
		cut := strings.LastIndex(string(rs[:n+1]), " ")
		if cut <= 0 {
			cut = len(string(rs[:n]))
			lines = append(lines, s[:cut])
			s = s[cut:]
			continue
		}
		lines = append(lines, s[:cut])
		s = strings.TrimLeft(s[cut:], " ")
	}
	return append(lines, s)
}
