package sim

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tcpclose/tcpclose/spec"

	"github.com/tcpclose/tcpclose/internal/enum"
)

// FaultAction is what a Fault does to the segment it matches.
type FaultAction uint8

// Fault actions.
const (
	FaultDrop  FaultAction = iota // the segment is lost
	FaultDelay                    // the segment arrives D later than it would have
	FaultDup                      // a copy arrives D after the original
)

var faultActionNames = [...]string{"drop", "delay", "dup"}

func (a FaultAction) String() string { return enum.Name(faultActionNames[:], "FaultAction", a) }

// Fault is an explicit network fault: it matches the Nth segment (counting
// from 1) sent by Side whose flags are exactly Flags (any flags if Any is
// set). A segment a fault matches is exempt from random loss, duplication
// and reordering, but not from the MSL bound: a segment delayed beyond MSL
// dies.
type Fault struct {
	Side   Side
	Nth    int
	Any    bool       // match segments whatever their flags
	Flags  spec.Flags // the exact flags to match when Any is false
	Action FaultAction
	D      time.Duration // FaultDelay, FaultDup
}

// Faults is a fault schedule.
type Faults []Fault

// String prints a fault as ParseFaults reads it: "A3:drop",
// "B2F.:delay=1.5s", "A5.:dup=100ms".
func (f Fault) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s%d", f.Side, f.Nth)
	if !f.Any {
		b.WriteString(f.Flags.String())
	}
	b.WriteByte(':')
	b.WriteString(f.Action.String())
	if f.Action != FaultDrop {
		fmt.Fprintf(&b, "=%s", f.D)
	}
	return b.String()
}

func (fs Faults) String() string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = f.String()
	}
	return strings.Join(parts, ",")
}

// ParseFaults reads a comma-separated fault schedule. Each fault is
// SIDE N [FLAGS] ":" ACTION ["=" DURATION], where SIDE is A or B, N counts
// that side's segments (only those with exactly FLAGS, in packetdrill
// notation, if FLAGS is given), and ACTION is drop, delay=D or dup=D.
// Examples: "A3:drop", "B2F.:delay=1.5s", "A4.:dup=100ms".
func ParseFaults(s string) (Faults, error) {
	var fs Faults
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		f, err := parseFault(item)
		if err != nil {
			return nil, fmt.Errorf("sim: fault %q: %w", item, err)
		}
		fs = append(fs, f)
	}
	return fs, nil
}

func parseFault(item string) (Fault, error) {
	var f Fault
	head, act, ok := strings.Cut(item, ":")
	if !ok {
		return f, fmt.Errorf("missing ':' before the action")
	}
	if head == "" {
		return f, fmt.Errorf("missing side")
	}
	switch head[0] {
	case 'A', 'a':
		f.Side = A
	case 'B', 'b':
		f.Side = B
	default:
		return f, fmt.Errorf("side must be A or B, not %q", head[:1])
	}
	i := 1
	for i < len(head) && head[i] >= '0' && head[i] <= '9' {
		i++
	}
	n, err := strconv.Atoi(head[1:i])
	if err != nil || n < 1 {
		return f, fmt.Errorf("segment number must be a positive integer")
	}
	f.Nth = n
	if rest := head[i:]; rest == "" {
		f.Any = true
	} else if f.Flags, err = spec.ParseFlags(rest); err != nil {
		return f, err
	}
	name, dur, hasDur := strings.Cut(act, "=")
	switch name {
	case "drop":
		f.Action = FaultDrop
		if hasDur {
			return f, fmt.Errorf("drop takes no duration")
		}
		return f, nil
	case "delay":
		f.Action = FaultDelay
	case "dup":
		f.Action = FaultDup
	default:
		return f, fmt.Errorf("action must be drop, delay=D or dup=D, not %q", name)
	}
	if !hasDur {
		return f, fmt.Errorf("%s needs a duration (%s=100ms)", name, name)
	}
	if f.D, err = time.ParseDuration(dur); err != nil || f.D < 0 {
		return f, fmt.Errorf("bad duration %q", dur)
	}
	return f, nil
}

// FaultsFromBytes decodes a fault schedule from arbitrary bytes, for
// fuzzing: every four bytes make one fault. Byte 0 picks the side (bit 0)
// and the action (bits 1-2: drop, delay, dup, drop); byte 1 is N-1; bytes
// 2-3 are the delay in milliseconds, big-endian. Faults match segments of
// any flags. A trailing partial group is ignored.
func FaultsFromBytes(b []byte) Faults {
	fs := make(Faults, 0, len(b)/4)
	for ; len(b) >= 4; b = b[4:] {
		f := Fault{Side: Side(b[0] & 1), Nth: int(b[1]) + 1, Any: true}
		switch (b[0] >> 1) & 3 {
		case 1:
			f.Action = FaultDelay
		case 2:
			f.Action = FaultDup
		default:
			f.Action = FaultDrop
		}
		if f.Action != FaultDrop {
			f.D = time.Duration(uint16(b[2])<<8|uint16(b[3])) * time.Millisecond
		}
		fs = append(fs, f)
	}
	return fs
}

// Bytes encodes fs as FaultsFromBytes reads it. Flag filters are lost,
// N is taken modulo 256 and delays are rounded down to milliseconds (at
// most 65.535 s).
func (fs Faults) Bytes() []byte {
	out := make([]byte, 0, 4*len(fs))
	for _, f := range fs {
		b0 := byte(f.Side & 1)
		switch f.Action {
		case FaultDelay:
			b0 |= 1 << 1
		case FaultDup:
			b0 |= 2 << 1
		}
		ms := min(f.D/time.Millisecond, 65535)
		out = append(out, b0, byte(f.Nth-1), byte(ms>>8), byte(ms))
	}
	return out
}
