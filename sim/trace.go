package sim

import (
	"fmt"
	"strings"

	"github.com/tcpclose/tcpclose/spec"

	"github.com/tcpclose/tcpclose/internal/enum"
)

// Side names one of the two endpoints. In the built-in scenarios A is the
// client (it connects) and B the server (it listens).
type Side uint8

// The two sides.
const (
	A Side = iota
	B
)

func (s Side) String() string {
	switch s {
	case A:
		return "A"
	case B:
		return "B"
	}
	return "-"
}

// Peer is the other side.
func (s Side) Peer() Side { return 1 - s }

// NoSide marks records that belong to the network rather than a host
// (a segment that expired in flight).
const NoSide Side = 255

// RecordKind says what a trace record reports.
type RecordKind uint8

// Record kinds.
const (
	RecSend      RecordKind = iota + 1 // Side sent Seg (SegID, Inc, ArriveAt if it will arrive)
	RecDeliver                         // Seg (SegID, Copy) arrived at Side
	RecDrop                            // Seg sent by Side was lost (Note says why)
	RecDuplicate                       // the network made copy Copy of SegID, arriving at ArriveAt
	RecExpire                          // Seg (SegID, Copy) outlived MSL in flight and died
	RecCall                            // Side's application made Call
	RecResult                          // a call of Side's application returned (Out)
	RecNotice                          // Side's application was told Out.Notice
	RecState                           // Side's connection Tuple went From -> To
	RecHazard                          // the simulator saw a hazard (Note), caused by SegID
	RecEnd                             // the run ended (Note says why)
)

var recNames = [...]string{"", "send", "recv", "drop", "dup", "expire", "call", "result", "notice", "state", "HAZARD", "end"}

func (k RecordKind) String() string { return enum.Name(recNames[:], "RecordKind", k) }

// Record is one entry of the global trace. Fields a kind does not use are
// zero. Records are flat values so that other packages can draw ladder
// diagrams, SVG or pcap files from a Trace.
type Record struct {
	At   spec.Time
	Side Side
	Kind RecordKind
	// Segments: the segment with its 4-tuple (Seg.Src, Seg.Dst), the
	// network's ID of the transmission (1, 2, ... in send order), the
	// copy (0 for the original, 1 for the network's duplicate), the
	// incarnation of the sender's connection (0 if none sent it: a
	// reply from CLOSED or a listener), and when it will arrive.
	Seg      spec.Segment
	SegID    int
	Copy     int
	Inc      int
	ArriveAt spec.Time
	// Calls, results and notices.
	Call spec.Call
	Out  spec.Output
	// State changes: the connection Tuple (as seen from Side), its
	// incarnation, and its states before and after the step.
	Tuple    spec.FourTuple
	From, To spec.State
	// Note explains drops, hazards and the end of the run.
	Note string
}

// Trace is the global record of a run, ordered by virtual time (records at
// the same instant are in the order they happened).
type Trace struct {
	Seed    uint64
	Names   [2]string
	Records []Record
}

func (t *Trace) add(r Record) { t.Records = append(t.Records, r) }

// String renders the trace compactly, one record a line:
//
//	0.010000 B  recv   #1 S 1234:1234(0) win 65535 <mss 1460> inc1
func (t *Trace) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# seed %d, A=%s, B=%s\n", t.Seed, t.Names[A], t.Names[B])
	for i := range t.Records {
		b.WriteString(t.Records[i].String())
		b.WriteByte('\n')
	}
	return b.String()
}

func segTag(id, cp int) string {
	if cp > 0 {
		return fmt.Sprintf("#%d'", id)
	}
	return fmt.Sprintf("#%d", id)
}

// String renders one record as Trace.String does.
func (r Record) String() string {
	head := fmt.Sprintf("%s %s  %-6s ", r.At, r.Side, r.Kind)
	switch r.Kind {
	case RecSend:
		s := fmt.Sprintf("%s%s %s inc%d", head, segTag(r.SegID, 0), r.Seg, r.Inc)
		if r.Note != "" {
			s += " (" + r.Note + ")"
		}
		return s
	case RecDeliver, RecExpire:
		s := fmt.Sprintf("%s%s %s inc%d", head, segTag(r.SegID, r.Copy), r.Seg, r.Inc)
		if r.Kind == RecExpire {
			s += " (older than MSL)"
		}
		return s
	case RecDrop:
		return fmt.Sprintf("%s%s %s (%s)", head, segTag(r.SegID, r.Copy), r.Seg, r.Note)
	case RecDuplicate:
		return fmt.Sprintf("%s%s copy of #%d arrives %s", head, segTag(r.SegID, r.Copy), r.SegID, r.ArriveAt)
	case RecCall:
		return head + r.Call.String()
	case RecResult:
		o := r.Out
		if o.Ret == -1 {
			return fmt.Sprintf("%s%s(%d) = -1 %s", head, o.Call, o.FD, o.Err)
		}
		return fmt.Sprintf("%s%s(%d) = %d", head, o.Call, o.FD, o.Ret)
	case RecNotice:
		return fmt.Sprintf("%sfd %d: %s", head, r.Out.FD, r.Out.Notice)
	case RecState:
		return fmt.Sprintf("%s%s inc%d %s -> %s", head, r.Tuple, r.Inc, r.From, r.To)
	case RecHazard:
		return fmt.Sprintf("%s%s: %s", head, segTag(r.SegID, r.Copy), r.Note)
	}
	return head + r.Note
}

// Filter returns the records for which keep reports true.
func (t *Trace) Filter(keep func(*Record) bool) []Record {
	var out []Record
	for i := range t.Records {
		if keep(&t.Records[i]) {
			out = append(out, t.Records[i])
		}
	}
	return out
}
