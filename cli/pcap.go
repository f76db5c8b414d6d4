package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tcpclose/tcpclose/sim"
	"github.com/tcpclose/tcpclose/wire"
)

// PcapOptions says how WritePcap lays a trace out. The zero value writes
// classic pcap with virtual time 0 at DefaultPcapEpoch.
type PcapOptions struct {
	// Epoch is the wall-clock instant virtual time 0 is mapped to; the
	// zero time means DefaultPcapEpoch(), so the same run always gives
	// the same file.
	Epoch time.Time
	// Format is wire.Pcap (the default) or wire.Pcapng. Only pcapng
	// carries packet comments: each says which transmission of the trace
	// the packet is, and a segment the network lost says so and why.
	Format wire.Format
}

// DefaultPcapEpoch is the instant virtual time 0 is mapped to unless
// PcapOptions say otherwise: 2026-01-01 00:00:00 UTC.
func DefaultPcapEpoch() time.Time { return time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC) }

// PcapFormatFor picks the capture format from a file name: pcapng for
// names ending in .pcapng, classic pcap otherwise.
func PcapFormatFor(path string) wire.Format {
	if strings.HasSuffix(strings.ToLower(path), ".pcapng") {
		return wire.Pcapng
	}
	return wire.Pcap
}

// WritePcap writes the segments of a simulator trace as a capture file
// (link type Ethernet) that tcpdump and Wireshark read: every transmission
// as it leaves its sender, at its virtual send time, including the ones
// the network then lost; the copies the network made are not in it, since
// no sender sent them. Frames are encoded by package wire: correct IPv4
// and TCP headers and checksums, the segment's TCP options in the
// canonical order, and a payload of zeros of the segment's length.
func WritePcap(w io.Writer, t *sim.Trace, o PcapOptions) error {
	if o.Epoch.IsZero() {
		o.Epoch = DefaultPcapEpoch()
	}
	if o.Format == 0 {
		o.Format = wire.Pcap
	}
	pw, err := wire.NewWriter(w, o.Format, wire.LinkEthernet)
	if err != nil {
		return fmt.Errorf("pcap: %w", err)
	}
	lost := map[int]string{} // SegID -> why the network lost it
	if o.Format == wire.Pcapng {
		for i := range t.Records {
			if r := &t.Records[i]; r.Kind == sim.RecDrop && r.Copy == 0 && r.SegID != 0 {
				lost[r.SegID] = r.Note
			}
		}
	}
	var ipID [2]uint16
	var buf []byte
	for i := range t.Records {
		r := &t.Records[i]
		if r.Kind != sim.RecSend || r.Side > sim.B {
			continue
		}
		ipID[r.Side]++
		src, dst := r.Seg.Src.IP.Netip(), r.Seg.Dst.IP.Netip()
		fam := wire.IPv4
		if src.Is6() || dst.Is6() {
			fam = wire.IPv6
		}
		buf, err = wire.AppendFrameHeader(buf[:0], wire.LinkEthernet, fam, src, dst)
		if err == nil {
			buf, err = wire.AppendSegment(buf, &r.Seg, ipID[r.Side])
		}
		if err != nil {
			return fmt.Errorf("pcap: segment #%d: %w", r.SegID, err)
		}
		var comment string
		if o.Format == wire.Pcapng {
			comment = sendComment(r, lost[r.SegID])
		}
		if err := pw.Write(o.Epoch.Add(time.Duration(r.At)), buf, comment); err != nil {
			return fmt.Errorf("pcap: segment #%d: %w", r.SegID, err)
		}
	}
	if err := pw.Flush(); err != nil {
		return fmt.Errorf("pcap: %w", err)
	}
	return nil
}

// sendComment is the packet comment of one transmission: "sim #12 A→B
// inc1", then "; LOST (why)" if the network lost it (random loss or a
// fault), else the note the trace has on the send, if any.
func sendComment(r *sim.Record, lost string) string {
	c := fmt.Sprintf("sim #%d %s→%s inc%d", r.SegID, r.Side, r.Side.Peer(), r.Inc)
	switch {
	case lost == "lost":
		c += "; LOST (random loss)"
	case lost != "":
		c += "; LOST (" + strings.TrimPrefix(lost, "lost: ") + ")"
	case r.Note != "":
		c += " (" + r.Note + ")"
	}
	return c
}
