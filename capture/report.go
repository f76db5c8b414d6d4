package capture

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/tcpclose/tcpclose/wire"
)

// WriteText writes the report on one connection as a few readable lines.
func WriteText(w io.Writer, c *Conn) error {
	var b strings.Builder
	fmt.Fprintf(&b, "conn %d  %s -> %s  inc %d  packets #%d..#%d (%d)  %s\n", c.ID, c.Ends[A].Addr, c.Ends[B].Addr, c.Inc,
		c.First, c.Last, c.Packets, c.LastAt.Sub(c.FirstAt))
	fmt.Fprintf(&b, "  state: %s", c.State)
	if c.ClosedFirst != "" {
		fmt.Fprintf(&b, " (%s closed first)", c.ClosedFirst)
	}
	b.WriteString("\n")
	for _, s := range c.Summary {
		fmt.Fprintf(&b, "  - %s\n", s)
	}
	if c.TimeWait != "" {
		fmt.Fprintf(&b, "  TIME-WAIT: %s\n", c.TimeWait)
	}
	for _, p := range c.Pending {
		fmt.Fprintf(&b, "  pending: %s\n", p)
	}
	for _, s := range []Side{A, B} {
		fmt.Fprintf(&b, "  %s %s: %s\n", s, c.Ends[s].Addr, c.Ends[s].Verdict)
		if c.Ends[s].Model != "" {
			fmt.Fprintf(&b, "    model: %s\n", c.Ends[s].Model)
		}
	}
	for _, f := range c.Findings {
		fmt.Fprintf(&b, "    %s\n", f)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the report on one connection as one line of JSON.
func WriteJSON(w io.Writer, c *Conn) error {
	b, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("json: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// Notebook collects the judge's notes per packet (give its Add as
// Options.Notes), to annotate the capture afterwards.
type Notebook struct{ notes map[int]string }

// Add records the notes on one packet.
func (nb *Notebook) Add(packet, conn int, notes []string) {
	if nb.notes == nil {
		nb.notes = map[int]string{}
	}
	s := strings.Join(notes, "; ")
	if old := nb.notes[packet]; old != "" {
		s = old + "; " + s
	}
	nb.notes[packet] = s
}

// Annotate copies the capture read from src to dst as pcapng, with the
// notes as packet comments (Wireshark shows them; a display filter
// `frame.comment contains "VIOLATION"` lists the violations), after the
// packet's own comment if it had one. The link type is the
// first packet's; a packet of another link type is an error.
func (nb *Notebook) Annotate(dst io.Writer, src io.Reader) error {
	r, err := wire.NewReader(src)
	if err != nil {
		return err
	}
	var w *wire.Writer
	var link wire.LinkType
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if w == nil {
			link = rec.Link
			if w, err = wire.NewWriter(dst, wire.Pcapng, link); err != nil {
				return err
			}
		}
		if rec.Link != link {
			return fmt.Errorf("annotate: record #%d: link type %s in a capture of %s", rec.N, rec.Link, link)
		}
		comment := nb.notes[rec.N]
		if rec.Comment != "" && comment != "" {
			comment = rec.Comment + " | " + comment
		} else if rec.Comment != "" {
			comment = rec.Comment
		}
		if err := w.Write(rec.Time, rec.Data, comment); err != nil {
			return fmt.Errorf("annotate: record #%d: %w", rec.N, err)
		}
	}
	if w == nil {
		if w, err = wire.NewWriter(dst, wire.Pcapng, wire.LinkEthernet); err != nil {
			return err
		}
	}
	return w.Flush()
}
