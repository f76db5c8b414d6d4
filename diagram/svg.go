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
// states share one arrow with one label line per edge. An arrow that would
// pass through a box bends around it (one waypoint). Labels sit on their
// own arrow where they overlap no box, no other label and no other arrow,
// so that each label belongs to the arrow it is on.

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

// exit returns where the ray from (sx, sy), a point inside b, towards
// (tx, ty) leaves b.
func (b box) exit(sx, sy, tx, ty float64) (float64, float64) {
	dx, dy := tx-sx, ty-sy
	t := math.Inf(1)
	if dx > 0 {
		t = math.Min(t, (b.x+b.w/2-sx)/dx)
	} else if dx < 0 {
		t = math.Min(t, (b.x-b.w/2-sx)/dx)
	}
	if dy > 0 {
		t = math.Min(t, (b.y+b.h/2-sy)/dy)
	} else if dy < 0 {
		t = math.Min(t, (b.y-b.h/2-sy)/dy)
	}
	if math.IsInf(t, 1) || t < 0 {
		return sx, sy
	}
	return sx + dx*t, sy + dy*t
}

// hitsSegment reports whether the segment (x1,y1)-(x2,y2) passes through
// b grown by pad on every side (Liang-Barsky clipping).
func (b box) hitsSegment(x1, y1, x2, y2, pad float64) bool {
	minX, maxX := b.x-b.w/2-pad, b.x+b.w/2+pad
	minY, maxY := b.y-b.h/2-pad, b.y+b.h/2+pad
	dx, dy := x2-x1, y2-y1
	t0, t1 := 0.0, 1.0
	for _, pq := range [4][2]float64{{-dx, x1 - minX}, {dx, maxX - x1}, {-dy, y1 - minY}, {dy, maxY - y1}} {
		p, q := pq[0], pq[1]
		if p == 0 {
			if q < 0 {
				return false
			}
			continue
		}
		r := q / p
		if p < 0 {
			t0 = math.Max(t0, r)
		} else {
			t1 = math.Min(t1, r)
		}
		if t0 > t1 {
			return false
		}
	}
	return true
}

// pt is a point of an arrow's path.
type pt struct{ x, y float64 }

// pathHits counts the boxes of others that the path's segments pass
// through.
func pathHits(path []pt, others []box, pad float64) int {
	n := 0
	for _, o := range others {
		for i := 0; i+1 < len(path); i++ {
			if o.hitsSegment(path[i].x, path[i].y, path[i+1].x, path[i+1].y, pad) {
				n++
				break
			}
		}
	}
	return n
}

// at returns the point at fraction t of the path's length.
func at(path []pt, t float64) (pt, pt) {
	total := 0.0
	for i := 0; i+1 < len(path); i++ {
		total += math.Hypot(path[i+1].x-path[i].x, path[i+1].y-path[i].y)
	}
	want := total * t
	for i := 0; i+1 < len(path); i++ {
		l := math.Hypot(path[i+1].x-path[i].x, path[i+1].y-path[i].y)
		if want <= l || i+2 == len(path) {
			f := 0.0
			if l > 0 {
				f = math.Min(want/l, 1)
			}
			d := pt{(path[i+1].x - path[i].x) / math.Max(l, 1e-9), (path[i+1].y - path[i].y) / math.Max(l, 1e-9)}
			return pt{path[i].x + (path[i+1].x-path[i].x)*f, path[i].y + (path[i+1].y-path[i].y)*f}, d
		}
		want -= l
	}
	return path[0], pt{1, 0}
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
	if b, ok := boxes[endClose]; ok {
		// The CLOSED where connections end is a tall bar on the right,
		// from SYN-SENT's row to LAST-ACK's: the arrows into it arrive
		// side by side instead of converging on one point.
		top, bot := yOf[2]-rowH[2]/2, yOf[5]+rowH[5]/2
		b.y, b.h = (top+bot)/2, bot-top
		boxes[endClose] = b
	}
	// arrows and their labels
	type placed struct {
		path  []pt
		lb    box
		lines []string
	}
	var out []placed
	var taken []box
	for _, b := range boxes {
		taken = append(taken, b)
	}
	sort.SliceStable(order, func(i, j int) bool { // long labels first: they have the fewest places
		return len(arrows[order[i]]) > len(arrows[order[j]])
	})
	// Route every arrow first: straight, or bent at one waypoint to
	// pass no other state's box.
	paths := make([][]pt, len(order))
	for k, p := range order {
		a, b := boxes[p.from], boxes[p.to]
		var others []box
		for s, bx := range boxes {
			if s != p.from && s != p.to {
				others = append(others, bx)
			}
		}
		// parallel opposite arrows are drawn apart
		off := 0.0
		if _, ok := arrows[pair{p.to, p.from}]; ok {
			off = 7
		}
		dx, dy := b.x-a.x, b.y-a.y
		n := math.Hypot(dx, dy)
		nx, ny := -dy/n*off, dx/n*off
		x1, y1 := a.exit(a.x+nx, a.y+ny, b.x+nx, b.y+ny)
		x2, y2 := b.exit(b.x+nx, b.y+ny, a.x+nx, a.y+ny)
		if p.to == endClose {
			// Into the bar at about the source's height, so that the
			// arrows into it run side by side.
			x2 = b.x - b.w/2
			y2 = math.Min(math.Max(a.y+(grid[p.from][0]-1)*14, b.y-b.h/2+12), b.y+b.h/2-12)
			x1, y1 = a.clip(x2, y2)
			dx, dy = x2-a.x, y2-a.y
			n = math.Hypot(dx, dy)
		}
		path := []pt{{x1, y1}, {x2, y2}}
		if pathHits(path, others, 6) > 0 {
			best, bestHits := path, math.MaxInt
			for step := 1; step <= 16 && bestHits > 0; step++ {
				for _, f := range []float64{0.5, 0.35, 0.65, 0.2, 0.8} {
					for _, sign := range []float64{1, -1} {
						d := sign * float64(step) * 28
						mx, my := a.x+(b.x-a.x)*f, a.y+(b.y-a.y)*f
						w := pt{mx - dy/n*d, my + dx/n*d}
						sx, sy := a.clip(w.x, w.y)
						ex, ey := b.clip(w.x, w.y)
						if p.to == endClose {
							w = pt{path[0].x + (path[1].x-path[0].x)*f - dy/n*d, path[0].y + (path[1].y-path[0].y)*f + dx/n*d}
							sx, sy = a.clip(w.x, w.y)
							ex, ey = path[1].x, path[1].y
						}
						cand := []pt{{sx, sy}, w, {ex, ey}}
						if h := pathHits(cand, others, 6); h < bestHits {
							best, bestHits = cand, h
						}
					}
				}
			}
			path = best
		}
		paths[k] = path
	}
	crosses := func(c box, self int) int {
		n := 0
		for k, path := range paths {
			if k == self {
				continue
			}
			for i := 0; i+1 < len(path); i++ {
				if c.hitsSegment(path[i].x, path[i].y, path[i+1].x, path[i+1].y, 1) {
					n++
					break
				}
			}
		}
		return n
	}
	for k, p := range order {
		path := paths[k]
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
		// On the arrow first (the label's background interrupts it, so
		// the label reads as the arrow's), beside it only if no place on
		// it is free. Another arrow through the label counts as a clash:
		// the label would seem to belong to either.
		for _, side := range []float64{0, 1, -1, 2, -2} {
			for _, t := range ts {
				q, d := at(path, t)
				c := lb
				c.x = q.x + side*(lb.w/2+4)*(-d.y)
				c.y = q.y + side*(lb.h/2+4)*(d.x)
				hits := 0
				for _, tb := range taken {
					if c.overlaps(tb, 2) {
						hits += 2
					}
				}
				hits += crosses(c, k)
				if side != 0 {
					hits++ // off the arrow: worse than on it, better than a clash
				}
				if math.Abs(side) > 1 {
					hits++
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
		out = append(out, placed{path, best, lines})
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
		var pts []string
		for _, q := range p.path {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", q.x, q.y))
		}
		fmt.Fprintf(bw, `<polyline points="%s" fill="none" stroke="#37474f" stroke-width="1.3" marker-end="url(#h)"/>`+"\n", strings.Join(pts, " "))
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
