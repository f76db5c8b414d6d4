package ladder

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tcpclose/tcpclose/sim"
	"github.com/tcpclose/tcpclose/spec"
)

func run(t *testing.T, scenario, profile string, seed uint64, overrides ...string) *sim.Trace {
	t.Helper()
	sc, err := sim.LookupScenario(scenario)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := sc.Config(spec.MustProfile(profile), seed, overrides...)
	if err != nil {
		t.Fatal(err)
	}
	res, err := sim.Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return res.Trace
}

func text(t *testing.T, tr *sim.Trace, o Options) string {
	t.Helper()
	var b bytes.Buffer
	if err := Text(&b, tr, o); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// Every line of every scenario's ladder fits the width asked for, and the
// two lifelines stay in the same columns on every row.
func TestTextFitsWidth(t *testing.T) {
	for _, sc := range sim.Scenarios() {
		tr := run(t, sc.Name, "rfc9293", 1)
		for _, w := range []int{MinWidth, 80, 100, 160} {
			out := text(t, tr, Options{Width: w})
			lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
			left, right := -1, -1
			for i, ln := range lines {
				if n := utf8.RuneCountInString(ln); n > w {
					t.Errorf("%s width %d: line %d has %d columns: %q", sc.Name, w, i+1, n, ln)
				}
				if i < 1 {
					continue
				}
				rs := []rune(ln)
				l, r := -1, -1
				for k, c := range rs {
					if strings.ContainsRune("│├┊", c) && l < 0 {
						l = k
					} else if strings.ContainsRune("│┤┊", c) {
						r = k
					}
				}
				if left < 0 {
					left, right = l, r
				}
				if l != left || r != right {
					t.Errorf("%s width %d: line %d lifelines at %d,%d, want %d,%d: %q", sc.Name, w, i+1, l, r, left, right, ln)
				}
			}
		}
	}
}

// A narrow ladder that cuts a segment's options or window says so ("<…>",
// "…"); it never drops them silently.
func TestTextMarksCutOptions(t *testing.T) {
	for _, sc := range sim.Scenarios() {
		tr := run(t, sc.Name, "rfc9293", 1)
		for _, w := range []int{MinWidth, 80, 100} {
			out := text(t, tr, Options{Width: w})
			for _, r := range tr.Records {
				if r.Kind != sim.RecSend || r.Copy > 0 {
					continue
				}
				o := r.Seg.Opts
				hasOpts := o.MSS != 0 || o.SackOK || o.HasTS || o.WScale != 0
				id := fmt.Sprintf("#%d ", r.SegID)
				for _, ln := range strings.Split(out, "\n") {
					if !strings.Contains(ln, id) {
						continue
					}
					if hasOpts && !strings.Contains(ln, "<") && !strings.Contains(ln, "…") {
						t.Errorf("%s width %d: segment %d's options dropped without a mark: %q", sc.Name, w, r.SegID, ln)
					}
					if !strings.Contains(ln, " win ") && !strings.Contains(ln, "…") {
						t.Errorf("%s width %d: segment %d's window dropped without a mark: %q", sc.Name, w, r.SegID, ln)
					}
					break
				}
			}
		}
	}
}

// Sequence numbers are relative to each side's ISN unless Absolute is set.
func TestRelativeAndAbsoluteNumbers(t *testing.T) {
	tr := run(t, "normal", "rfc793", 1)
	var syn, synack spec.Segment
	for _, r := range tr.Records {
		if r.Kind == sim.RecSend && r.SegID == 1 {
			syn = r.Seg
		}
		if r.Kind == sim.RecSend && r.SegID == 2 {
			synack = r.Seg
		}
	}
	rel := text(t, tr, Options{Width: 120})
	for _, want := range []string{"#1 S 0:0(0) win 65535 <mss 1460>", "#2 S. 0:0(0) ack 1 win 65535 <mss 1460>", "#3 . 1:1(0) ack 1 win"} {
		if !strings.Contains(rel, want) {
			t.Errorf("relative ladder lacks %q", want)
		}
	}
	abs := text(t, tr, Options{Width: 120, Absolute: true})
	want := fmt.Sprintf("#2 S. %d:%d(0) ack %d", synack.Seq, synack.Seq, syn.Seq+1)
	if !strings.Contains(abs, want) {
		t.Errorf("absolute ladder lacks %q:\n%s", want, abs)
	}
}

// A segment the network lost ends in a cross with the reason; a copy the
// network made and its late arrival are shown.
func TestLossAndCopiesMarked(t *testing.T) {
	out := text(t, run(t, "lost-final-ack", "rfc9293", 1), Options{Width: 120})
	if !regexpLine(out, "#9 .*✕ lost: fault A3.:drop") {
		t.Errorf("lost segment not marked:\n%s", out)
	}
	out = text(t, run(t, "ghost-segment", "rfc9293", 1), Options{Width: 120})
	for _, want := range []string{"network copies #21", "#21' copy arrives reordered", "HAZARD #21"} {
		if !strings.Contains(out, want) {
			t.Errorf("ghost-segment ladder lacks %q", want)
		}
	}
}

func regexpLine(out, pattern string) bool {
	for _, ln := range strings.Split(out, "\n") {
		parts := strings.Split(pattern, ".*")
		ok, rest := true, ln
		for _, p := range parts {
			i := strings.Index(rest, p)
			if i < 0 {
				ok = false
				break
			}
			rest = rest[i+len(p):]
		}
		if ok {
			return true
		}
	}
	return false
}

// States appear beside the side that enters them, and every notice the
// applications were told is on the ladder.
func TestStatesAndNotices(t *testing.T) {
	tr := run(t, "simultaneous", "rfc9293", 1, "TimeWait=2s")
	out := text(t, tr, Options{Width: 100})
	for _, want := range []string{"FIN-WAIT-1", "CLOSING", "TIME-WAIT", "notice: peer-closed", "end of run: closed"} {
		if !strings.Contains(out, want) {
			t.Errorf("ladder lacks %q", want)
		}
	}
	notices := 0
	for _, r := range tr.Records {
		if r.Kind == sim.RecNotice {
			notices++
		}
	}
	if got := strings.Count(out, "notice: "); got != notices {
		t.Errorf("%d notices drawn, trace has %d", got, notices)
	}
}

// Colour codes appear only when asked for.
func TestColor(t *testing.T) {
	tr := run(t, "abort", "rfc9293", 1)
	if out := text(t, tr, Options{}); strings.Contains(out, "\x1b[") {
		t.Error("escape codes without Color")
	}
	if out := text(t, tr, Options{Color: true}); !strings.Contains(out, ansiRed) {
		t.Error("no red RST with Color")
	}
}

// The set-up calls are hidden unless AllCalls is set.
func TestAllCalls(t *testing.T) {
	tr := run(t, "normal", "rfc9293", 1)
	if out := text(t, tr, Options{Width: 100}); strings.Contains(out, "socket(") {
		t.Error("socket() shown without AllCalls")
	}
	if out := text(t, tr, Options{Width: 100, AllCalls: true}); !strings.Contains(out, "socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = 3") {
		t.Error("socket() not shown with AllCalls")
	}
}

// svgText is a text element of the SVG ladder with its estimated box.
type svgText struct {
	x, y, w float64
	anchor  string
	class   string
	text    string
}

func (s svgText) box() (x0, x1, y0, y1 float64) {
	w := float64(utf8.RuneCountInString(s.text)) * charW
	switch s.anchor {
	case "end":
		x0 = s.x - w
	case "middle":
		x0 = s.x - w/2
	default:
		x0 = s.x
	}
	return x0, x0 + w, s.y - fontSize + 2, s.y + 3
}

func parseSVG(t *testing.T, b []byte) []svgText {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	var out []svgText
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "text" {
			continue
		}
		var st svgText
		for _, a := range se.Attr {
			switch a.Name.Local {
			case "x":
				st.x, _ = strconv.ParseFloat(a.Value, 64)
			case "y":
				st.y, _ = strconv.ParseFloat(a.Value, 64)
			case "text-anchor":
				st.anchor = a.Value
			case "class":
				st.class = a.Value
			}
		}
		var content string
		if err := d.DecodeElement(&content, &se); err != nil {
			t.Fatal(err)
		}
		st.text = content
		out = append(out, st)
	}
	return out
}

// lossyRun is scenario on profile linux over a network that loses,
// duplicates and reorders segments.
func lossyRun(t *testing.T, scenario string, seed uint64) *sim.Trace {
	t.Helper()
	sc, err := sim.LookupScenario(scenario)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := sc.Config(spec.MustProfile("linux"), seed)
	if err != nil {
		t.Fatal(err)
	}
	for i := range cfg.Net.Links {
		cfg.Net.Links[i].Loss, cfg.Net.Links[i].Dup, cfg.Net.Links[i].Reorder = 0.2, 0.05, 0.05
	}
	res, err := sim.Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return res.Trace
}

// The SVG ladder is well-formed and no two pieces of text overlap (a
// label, a lost marker, a "later" mark, a note), in every scenario, clean
// and over a lossy network.
func TestSVGLabelsDoNotOverlap(t *testing.T) {
	type run1 struct {
		name string
		tr   *sim.Trace
	}
	var runs []run1
	for _, sc := range sim.Scenarios() {
		runs = append(runs, run1{sc.Name, run(t, sc.Name, "rfc9293", 1)})
	}
	for seed := uint64(1); seed <= 8; seed++ {
		for _, name := range []string{"normal", "half-close", "lost-final-ack"} {
			runs = append(runs, run1{fmt.Sprintf("%s lossy seed %d", name, seed), lossyRun(t, name, seed)})
		}
	}
	for _, sc := range runs {
		tr := sc.tr
		var b bytes.Buffer
		if err := SVG(&b, tr, Options{Title: sc.name}); err != nil {
			t.Fatal(err)
		}
		texts := parseSVG(t, b.Bytes())
		arrows := 0
		for _, r := range tr.Records {
			if r.Kind == sim.RecSend {
				arrows++
			}
		}
		if got := strings.Count(b.String(), "<line ") - 2; got < arrows {
			t.Errorf("%s: %d lines for %d segments", sc.name, got, arrows)
		}
		for i := range texts {
			for j := i + 1; j < len(texts); j++ {
				a0, a1, ay0, ay1 := texts[i].box()
				b0, b1, by0, by1 := texts[j].box()
				if a0 < b1 && b0 < a1 && ay0 < by1 && by0 < ay1 {
					t.Errorf("%s: %q and %q overlap", sc.name, texts[i].text, texts[j].text)
				}
			}
		}
	}
}

// A window draws only its part of the run: the states at its start head
// the ladder, nothing sent outside it is drawn, and its end says where the
// run ends; -conn picks the time a connection lived.
func TestWindow(t *testing.T) {
	tr := run(t, "timewait-assassination", "rfc9293", 1)
	if n := Conns(tr); n != 2 {
		t.Fatalf("Conns = %d, want 2", n)
	}
	out := text(t, tr, Options{Width: 100, From: spec.Time(20 * time.Millisecond), To: spec.Time(30 * time.Millisecond)})
	if !strings.Contains(out, "TIME-WAIT") || !strings.Contains(out, "#93 R") || strings.Contains(out, "#1 S") || !strings.Contains(out, "end of window") {
		t.Errorf("window 20-30 ms:\n%s", out)
	}
	full := text(t, tr, Options{Width: 100})
	c2 := text(t, tr, Options{Width: 100, Conn: 2})
	if strings.Contains(c2, "#1 S") || !strings.Contains(c2, "#94 S") || len(c2) >= len(full) {
		t.Errorf("conn 2:\n%s", c2)
	}
	var b bytes.Buffer
	if err := SVG(&b, tr, Options{Conn: 1, To: spec.Time(10 * time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
}
