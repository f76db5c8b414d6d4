package diagram

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
)

// The SVG lays the states out as RFC 9293 Figure 5 does, with CLOSED drawn
// twice: where connections start (top) and where they end (right). Each
// state's box lists the edges that keep the state; the edges between two
// states share one arrow with one label line per edge. Labels are placed
// along their arrow where they overlap no box and no other label.

const (
	sFont    = 11.0
	sCharW   = 6.65 // advance of one character at sFont (monospace)
	sLineH   = 14.0
	sPadX    = 10.0
	sPadY    = 8.0
	sTitleH  = 20.0
	sMargin  = 20.0
	endClose = "CLOSED "
)

// grid positions (column, row) of the states.
var grid = map[string][2]float64{
	"CLOSED":       {1, 0},
	"LISTEN":       {1, 1},
	"SYN-RECEIVED": {0, 2},
	"SYN-SENT":     {2, 2},
	"ESTABLISHED":  {1, 3},
	"FIN-WAIT-1":   {0, 4},
	"CLOSE-WAIT":   {2, 4},
	"FIN-WAIT-2":   {0, 5},
	"CLOSING":      {1, 5},
	"LAST-ACK":     {2, 5},
	"TIME-WAIT":    {1, 6},
	endClose:       {3, 3.5},
}

type box struct{ x, y, w, h float64 } // centre, size

func (b box) overlaps(c box, pad float64) bool {
	return math.Abs(b.x-c.x)*2 < b.w+c.w+2*pad && math.Abs(b.y-c.y)*2 < b.h+c.h+2*pad
}

// clip returns where the segment from the centre of b towards (tx, ty)
// leaves b.
func (b box) clip(tx, ty float64) (float64, float64) {
	dx, dy := tx-b.x, ty-b.y
	if dx == 0 && dy == 0 {
		return b.x, b.y
	}
	sx, sy := math.Inf(1), math.Inf(1)
	if dx != 0 {
		sx = (b.w / 2) / math.Abs(dx)
	}
	if dy != 0 {
		sy = (b.h / 2) / math.Abs(dy)
	}
	s := math.Min(sx, sy)
	return b.x + dx*s, b.y + dy*s
}

func esc(t string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
	return r.Replace(t)
}

// SVG writes the graph as an SVG picture.
func (g *Graph) SVG(w io.Writer, o RenderOptions) error {
	type pair struct{ from, to string }
	loops := map[string][]string{}
	arrows := map[pair][]string{}
	var order []pair
	for _, e := range g.Edges {
		to := e.To
		if to == "CLOSED" {
			to = endClose
		}
		if e.Loop() {
			if !o.NoLoops {
				loops[e.From] = append(loops[e.From], "↺ "+e.Label())
			}
			continue
		}
		p := pair{e.From, to}
		if _, ok := arrows[p]; !ok {
			order = append(order, p)
		}
		arrows[p] = append(arrows[p], e.Label())
	}
	// boxes
	states := append([]string{}, g.States...)
	for p := range arrows {
		if p.to == endClose {
			states = append(states, endClose)
			break
		}
	}
	size := map[string][2]float64{}
	colW, rowH := 0.0, map[float64]float64{}
	for _, s := range states {
		wd := float64(len(s)) * sCharW * 1.15
		for _, l := range loops[s] {
			wd = math.Max(wd, float64(len([]rune(l)))*sCharW)
		}
		h := sTitleH + float64(len(loops[s]))*sLineH
		size[s] = [2]float64{wd + 2*sPadX, h + 2*sPadY - 6}
		colW = math.Max(colW, size[s][0])
		r := grid[s][1]
		rowH[r] = math.Max(rowH[r], size[s][1])
	}
	labelW := 0.0
	for _, ls := range arrows {
		for _, l := range ls {
			labelW = math.Max(labelW, float64(len([]rune(l)))*sCharW)
		}
	}
	gapX := math.Max(140, labelW*0.9)
	xOf := func(col float64) float64 { return sMargin + colW/2 + col*(colW+gapX) }
	rows := make([]float64, 0, len(rowH))
	for r := range rowH {
		rows = append(rows, r)
	}
	sort.Float64s(rows)
	yOf := map[float64]float64{}
	y := sMargin + 30
	prev := -1.0
	for _, r := range rows {
		if prev >= 0 {
			y += rowH[prev]/2 + 95 + rowH[r]/2
		} else {
			y += rowH[r] / 2
		}
		yOf[r] = y
		prev = r
	}
	boxes := map[string]box{}
	for _, s := range states {
		pos := grid[s]
		yy, ok := yOf[pos[1]]
		if !ok { // a fractional row (the ending CLOSED): between its neighbours
			lo, hi := math.Floor(pos[1]), math.Ceil(pos[1])
			yy = (yOf[lo] + yOf[hi]) / 2
		}
		boxes[s] = box{xOf(pos[0]), yy, size[s][0], size[s][1]}
	}
	// arrows and their labels
	type placed struct {
		x1, y1, x2, y2 float64
		lb             box
		lines          []string
	}
	var out []placed
	var taken []box
	for _, b := range boxes {
		taken = append(taken, b)
	}
	sort.Slice(order, func(i, j int) bool { // long labels first: they have the fewest places
		return len(arrows[order[i]]) > len(arrows[order[j]])
	})
	for _, p := range order {
		a, b := boxes[p.from], boxes[p.to]
		// parallel opposite arrows are drawn apart
		off := 0.0
		if _, ok := arrows[pair{p.to, p.from}]; ok {
			off = 7
		}
		dx, dy := b.x-a.x, b.y-a.y
		n := math.Hypot(dx, dy)
		nx, ny := -dy/n*off, dx/n*off
		x1, y1 := a.clip(b.x+nx, b.y+ny)
		x2, y2 := b.clip(a.x+nx, a.y+ny)
		x1, y1, x2, y2 = x1+nx, y1+ny, x2+nx, y2+ny
		lines := arrows[p]
		lw := 0.0
		for _, l := range lines {
			lw = math.Max(lw, float64(len([]rune(l)))*sCharW)
		}
		lb := box{w: lw + 6, h: float64(len(lines))*sLineH + 2}
		best, bestHits := lb, math.MaxInt
		ts := []float64{0.5}
		for d := 0.05; d <= 0.4; d += 0.05 {
			ts = append(ts, 0.5-d, 0.5+d)
		}
		for _, t := range ts {
			for _, side := range []float64{0, 1, -1, 2, -2} {
				c := lb
				c.x = x1 + (x2-x1)*t + side*(lb.w/2+4)*(-dy/n)
				c.y = y1 + (y2-y1)*t + side*(lb.h/2+4)*(dx/n)
				hits := 0
				for _, tb := range taken {
					if c.overlaps(tb, 2) {
						hits++
					}
				}
				if hits < bestHits {
					best, bestHits = c, hits
				}
				if hits == 0 {
					break
				}
			}
			if bestHits == 0 {
				break
			}
		}
		taken = append(taken, best)
		out = append(out, placed{x1, y1, x2, y2, best, lines})
	}
	// canvas
	maxX, maxY := 0.0, 0.0
	for _, b := range taken {
		maxX = math.Max(maxX, b.x+b.w/2)
		maxY = math.Max(maxY, b.y+b.h/2)
	}
	W, H := maxX+sMargin, maxY+sMargin
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="%.0f">`+"\n", W, H, W, H, sFont)
	fmt.Fprintf(bw, "<title>%s state diagram, generated from the model</title>\n", esc(g.Profile))
	bw.WriteString(`<defs><marker id="h" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto"><path d="M0 0L10 5L0 10z" fill="#37474f"/></marker></defs>` + "\n")
	bw.WriteString(`<rect width="100%" height="100%" fill="#fff"/>` + "\n")
	fmt.Fprintf(bw, `<text x="%.0f" y="%.0f" font-weight="bold" font-size="13">%s (generated from the model by tcpclose diagram)</text>`+"\n", sMargin, sMargin+4, esc(g.Profile))
	for _, p := range out {
		fmt.Fprintf(bw, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#37474f" stroke-width="1.3" marker-end="url(#h)"/>`+"\n", p.x1, p.y1, p.x2, p.y2)
	}
	for _, p := range out {
		lb := p.lb
		fmt.Fprintf(bw, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#fff" fill-opacity="0.92"/>`+"\n", lb.x-lb.w/2, lb.y-lb.h/2, lb.w, lb.h)
		for i, l := range p.lines {
			fmt.Fprintf(bw, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#1a237e">%s</text>`+"\n", lb.x, lb.y-lb.h/2+sLineH*float64(i+1)-3, esc(l))
		}
	}
	for _, s := range states {
		b := boxes[s]
		name := strings.TrimSpace(s)
		fmt.Fprintf(bw, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="8" fill="#fff8e1" stroke="#b26a00" stroke-width="1.5"/>`+"\n", b.x-b.w/2, b.y-b.h/2, b.w, b.h)
		fmt.Fprintf(bw, `<text x="%.1f" y="%.1f" text-anchor="middle" font-weight="bold" font-size="13" fill="#5d4037">%s</text>`+"\n", b.x, b.y-b.h/2+sPadY+11, esc(name))
		for i, l := range loops[s] {
			fmt.Fprintf(bw, `<text x="%.1f" y="%.1f" fill="#546e7a">%s</text>`+"\n", b.x-b.w/2+sPadX, b.y-b.h/2+sPadY+sTitleH+sLineH*float64(i)+6, esc(l))
		}
	}
	bw.WriteString("</svg>\n")
	return bw.Flush()
}
