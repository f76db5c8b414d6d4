package conform

import (
	"fmt"
	"strings"
	"time"

	"github.com/tcpclose/tcpclose/spec"
)

// stepKind is what a step does.
type stepKind uint8

const (
	stepCall    stepKind = iota + 1 // a socket call
	stepSeg                         // a segment from the peer
	stepAdvance                     // time passes; nothing else happens
	stepEnd                         // the end marker: a socket() call
)

// step is one symbolic step of a scenario. Its time is the previous
// step's plus Gap, moved off the model's timer deadlines when played.
type step struct {
	Kind stepKind
	Gap  time.Duration
	// ToDeadline: the step's time is just past the model's next timer
	// deadline (if within reach) instead of Gap.
	ToDeadline bool
	Call       spec.Call
	Seg        segSpec
	Setup      bool // part of the connection's set-up
}

// seqRef is what an inbound SEG.SEQ is relative to.
type seqRef uint8

const (
	seqPeerISN seqRef = iota // the peer's ISN
	seqRcvNxt                // the model's RCV.NXT
	seqWndEnd                // RCV.NXT + RCV.WND
)

// ackRef is what an inbound SEG.ACK is relative to.
type ackRef uint8

const (
	ackSndNxt ackRef = iota
	ackSndUna
	ackISS
)

// tsMode says which timestamp an inbound segment carries.
type tsMode uint8

const (
	tsAuto tsMode = iota // the scenario's choice: a fresh TSval if timestamps are on
	tsNone               // none
	tsOld                // a TSval older than any sent (fails PAWS)
)

// segSpec is a symbolic inbound segment.
type segSpec struct {
	Flags  spec.Flags
	SeqRef seqRef
	SeqOff int32
	AckRef ackRef
	AckOff int32
	Len    uint32
	Win    uint16
	MSS    bool
	TS     tsMode
	// Dup >= 0 resends the Dup'th segment injected in this run, as it was
	// then.
	Dup int
}

// class is the event class of a concrete segment, judged against the
// model's connection c (have: the model has one): the flags, whether it
// carries data, and whether the model finds it acceptable (RFC 9293
// §3.10.7.4 first check: SEG.SEQ in the receive window; ACK not above
// SND.NXT; timestamp not stale).
func (s segSpec) class(seg spec.Segment, c spec.ConnSnap, have bool) string {
	cl := "seg " + flagsNoPSH(seg.Flags)
	if seg.Len > 0 {
		cl += " data"
	}
	if !have {
		return cl + " (no connection)"
	}
	var bad []string
	if seg.Seq != c.RcvNxt && !seg.Seq.InWindow(c.RcvNxt, max(c.RcvWnd, 1)) {
		bad = append(bad, "seq")
	}
	if seg.Flags&spec.ACK != 0 && seg.Ack.GT(c.SndNxt) {
		bad = append(bad, "ack>snd.nxt")
	}
	if s.TS == tsOld {
		bad = append(bad, "stale TS")
	}
	if len(bad) > 0 {
		cl += " bad " + strings.Join(bad, "+")
	}
	if seg.Flags&spec.ACK != 0 && seg.Ack.LT(c.SndUna) {
		cl += " old ack"
	}
	return cl
}

// callClass is the event class of a call step.
func callClass(c spec.Call) string {
	switch c.Kind {
	case spec.CallShutdown:
		return "call shutdown " + c.How.String()
	case spec.CallSetsockopt:
		if c.Opt == spec.OptLinger {
			return fmt.Sprintf("call setsockopt SO_LINGER{%d,%d}", c.Val, min(c.Val2, 1))
		}
		return "call setsockopt " + c.Opt.String()
	case spec.CallGetsockopt:
		return "call getsockopt " + c.Opt.String()
	}
	return "call " + c.Kind.String()
}
