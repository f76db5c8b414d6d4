package lab

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tcpclose/tcpclose/spec"
)

// isns finds each side's initial sequence number from its SYN.
func isns(segs []sentSeg) (isn [2]spec.Seq, have [2]bool) {
	for _, s := range segs {
		if s.Seg.Flags&spec.SYN != 0 && !have[s.From] {
			isn[s.From], have[s.From] = s.Seg.Seq, true
		}
	}
	return isn, have
}

// tcpdumpLines formats segments as tcpdump -n -i lo prints them: the time
// since the experiment began, addresses, flags, relative sequence numbers
// after the SYN, window, options and length.
func tcpdumpLines(segs []sentSeg) []string {
	isn, have := isns(segs)
	var out []string
	for _, s := range segs {
		g := s.Seg
		rel := func(v spec.Seq, who side) uint32 {
			if have[who] && g.Flags&spec.SYN == 0 {
				return uint32(v - isn[who])
			}
			return uint32(v)
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%10.6f IP %s.%d > %s.%d: Flags [%s]", s.At.Seconds(), g.Src.IP, g.Src.Port, g.Dst.IP, g.Dst.Port, g.Flags)
		switch {
		case g.Len > 0:
			fmt.Fprintf(&b, ", seq %d:%d", rel(g.Seq, s.From), rel(g.Seq, s.From)+g.Len)
		case g.Flags&(spec.SYN|spec.FIN|spec.RST) != 0:
			fmt.Fprintf(&b, ", seq %d", rel(g.Seq, s.From))
		}
		if g.Flags&spec.ACK != 0 {
			ack := uint32(g.Ack)
			if have[1-s.From] {
				ack = uint32(g.Ack - isn[1-s.From])
			}
			fmt.Fprintf(&b, ", ack %d", ack)
		}
		fmt.Fprintf(&b, ", win %d", g.Wnd)
		if opts := g.Opts.List(); len(opts) > 0 {
			fmt.Fprintf(&b, ", options [%s]", strings.Join(opts, ","))
		}
		fmt.Fprintf(&b, ", length %d", g.Len)
		out = append(out, b.String())
	}
	return out
}

// canonical reduces segments to what the comparison looks at: who sent
// it, the flags without PSH, relative sequence and acknowledgment numbers
// and the length. Windows, options, ports and timing differ by design
// (Linux scales its window and uses loopback's MSS, the model neither).
func canonical(segs []sentSeg) []string {
	isn, _ := isns(segs)
	var out []string
	for _, s := range segs {
		g := s.Seg
		line := fmt.Sprintf("%s > %s %s %d:%d(%d)", s.From, 1-s.From, g.Flags&^spec.PSH,
			uint32(g.Seq-isn[s.From]), uint32(g.Seq-isn[s.From])+g.Len, g.Len)
		if g.Flags&spec.ACK != 0 {
			line += fmt.Sprintf(" ack %d", uint32(g.Ack-isn[1-s.From]))
		}
		out = append(out, line)
	}
	return out
}

// callLines formats a transcript of calls.
func callLines(calls []callRecord) []string {
	var out []string
	for _, c := range calls {
		out = append(out, fmt.Sprintf("%s: %s", c.Who, c))
	}
	return out
}

// sideBySide prints the kernel's lines beside the model's, marking with *
// the rows that differ, and reports whether any did.
func sideBySide(w io.Writer, title string, kernel, model []string) bool {
	width := len("kernel")
	for _, l := range kernel {
		width = max(width, len(l))
	}
	fmt.Fprintf(w, "%s\n  %-*s | %s\n", title, width, "kernel", "model (linux profile)")
	differ := false
	for i := 0; i < max(len(kernel), len(model)); i++ {
		var k, m string
		if i < len(kernel) {
			k = kernel[i]
		}
		if i < len(model) {
			m = model[i]
		}
		mark := " "
		if k != m {
			mark, differ = "*", true
		}
		fmt.Fprintf(w, "%s %-*s | %s\n", mark, width, k, m)
	}
	return differ
}

// merged interleaves calls and segments by time, for transcripts.
func merged(calls []callRecord, segs []sentSeg) []string {
	lines := tcpdumpLines(segs)
	var out []string
	i, j := 0, 0
	for i < len(calls) || j < len(segs) {
		if j >= len(segs) || (i < len(calls) && calls[i].At <= segs[j].At) {
			out = append(out, fmt.Sprintf("%10.6f %s: %s", calls[i].At.Seconds(), calls[i].Who, calls[i]))
			i++
			continue
		}
		out = append(out, lines[j])
		j++
	}
	return out
}

func secs(d time.Duration) string { return fmt.Sprintf("%.3f s", d.Seconds()) }
