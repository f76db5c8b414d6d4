package spec

import (
	"fmt"
	"strings"
)

// Flags are the TCP control bits, with the values they have on the wire.
type Flags uint8

// Control bits (RFC 9293 §3.1).
const (
	FIN Flags = 1 << iota
	SYN
	RST
	PSH
	ACK
	URG
)

// flagLetters are the flags in packetdrill's order with their letters.
var flagLetters = [...]struct {
	bit    Flags
	letter rune
}{{SYN, 'S'}, {FIN, 'F'}, {RST, 'R'}, {PSH, 'P'}, {URG, 'U'}, {ACK, '.'}}

// String prints flags in packetdrill's notation: S, F, R, P, then "." for ACK
// (e.g. "F.", "S.", "R."). A segment with no flags prints as "-".
func (f Flags) String() string {
	var b strings.Builder
	for _, fl := range flagLetters {
		if f&fl.bit != 0 {
			b.WriteRune(fl.letter)
		}
	}
	if b.Len() == 0 {
		return "-"
	}
	return b.String()
}

// ParseFlags parses packetdrill's flag notation ("S", "S.", "F.", "R", "P.",
// "." and "-" for none).
func ParseFlags(s string) (Flags, error) {
	if s == "-" {
		return 0, nil
	}
	if s == "" {
		return 0, fmt.Errorf("empty flag set")
	}
	var f Flags
next:
	for _, c := range s {
		if c == 'E' || c == 'W' {
			// ECE and CWR: accepted and ignored (congestion signals play
			// no part in closing).
			continue
		}
		for _, fl := range flagLetters {
			if c == fl.letter {
				if f&fl.bit != 0 {
					return 0, fmt.Errorf("flag %q repeated in %q", c, s)
				}
				f |= fl.bit
				continue next
			}
		}
		return 0, fmt.Errorf("unknown flag %q in %q", c, s)
	}
	return f, nil
}

// Has reports whether every bit of g is set in f.
func (f Flags) Has(g Flags) bool { return f&g == g }

// Timestamp is the TCP Timestamps option (RFC 7323 §3).
type Timestamp struct {
	Val, Ecr uint32
}

// Options are the TCP options the model reads or writes. Zero values mean
// "absent".
type Options struct {
	MSS    uint16 // Maximum Segment Size option (SYN only); 0 = absent
	HasTS  bool   // Timestamps option present
	TS     Timestamp
	SackOK bool // SACK-permitted (carried through; SACK itself is not modelled)
	// WScale is the window-scale shift plus one; 0 = absent (RFC 7323
	// §2.2: sent only on SYN and SYN,ACK).
	WScale uint8
}

// MaxWindowShift is the largest window-scale shift (RFC 7323 §2.3): a
// larger one received is taken as 14.
const MaxWindowShift = 14

// Segment is a TCP segment as the model sees it: header fields and a payload
// length (data is tracked as byte ranges, never copied).
type Segment struct {
	Src, Dst SockAddr
	Flags    Flags
	Seq      Seq
	Ack      Seq    // meaningful only with ACK
	Len      uint32 // payload octets; SYN and FIN are not counted here
	Wnd      uint16 // the window field as sent (scaled once RFC 7323 §2 window scaling is in effect)
	Opts     Options
}

// SegLen is SEG.LEN of RFC 9293 §3.4: payload octets plus one for SYN and one
// for FIN.
func (s *Segment) SegLen() uint32 {
	n := s.Len
	if s.Flags&SYN != 0 {
		n++
	}
	if s.Flags&FIN != 0 {
		n++
	}
	return n
}

// End is SEG.SEQ+SEG.LEN, the sequence number after the segment.
func (s *Segment) End() Seq { return s.Seq.Add(s.SegLen()) }

// Tuple returns the connection this segment belongs to, seen from the
// receiver (Dst is local).
func (s *Segment) Tuple() FourTuple { return FourTuple{Local: s.Dst, Remote: s.Src} }

// List returns the options present, each as tcpdump names it ("mss 1460",
// "sackOK", "TS val 1 ecr 0", "wscale 7"), in that order.
func (o Options) List() []string {
	var opts []string
	if o.MSS != 0 {
		opts = append(opts, fmt.Sprintf("mss %d", o.MSS))
	}
	if o.SackOK {
		opts = append(opts, "sackOK")
	}
	if o.HasTS {
		opts = append(opts, fmt.Sprintf("TS val %d ecr %d", o.TS.Val, o.TS.Ecr))
	}
	if o.WScale != 0 {
		opts = append(opts, fmt.Sprintf("wscale %d", o.WScale-1))
	}
	return opts
}

// String prints a segment in packetdrill's notation with absolute numbers,
// e.g. "F. 1000:1000(0) ack 2000 win 65535".
func (s Segment) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %d:%d(%d)", s.Flags, uint32(s.Seq), uint32(s.Seq.Add(s.Len)), s.Len)
	if s.Flags&ACK != 0 {
		fmt.Fprintf(&b, " ack %d", uint32(s.Ack))
	}
	fmt.Fprintf(&b, " win %d", s.Wnd)
	if opts := s.Opts.List(); len(opts) > 0 {
		fmt.Fprintf(&b, " <%s>", strings.Join(opts, ","))
	}
	return b.String()
}
