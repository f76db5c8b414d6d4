package spec

import (
	"fmt"

	"github.com/tcpclose/tcpclose/internal/enum"
)

// OutputKind says what an Output carries.
type OutputKind uint8

// Output kinds.
const (
	// OutSegment: the host sends Seg.
	OutSegment OutputKind = iota + 1
	// OutResult: a socket call on FD returns Ret (and Err when Ret is -1).
	// A call that blocks returns no OutResult until a later event completes
	// it; every call returns exactly one OutResult in the end.
	OutResult
	// OutNotice: the application holding FD is told Notice about Tuple.
	OutNotice
)

var outputKindNames = [...]string{OutSegment: "segment", OutResult: "result", OutNotice: "notice"}

func (k OutputKind) String() string { return enum.Name(outputKindNames[:], "OutputKind", k) }

// Notice is an asynchronous report to the application (RFC 9293 §3.9.1.8 and
// the signals of §3.10.7). RFC 9293 MUST-12: when the peer closes, the
// application is told whether it closed normally (NoticePeerClosed) or
// aborted (NoticeReset).
type Notice uint8

// Notices.
const (
	NoticeNone Notice = iota
	// NoticeEstablished: the connection reached ESTABLISHED.
	NoticeEstablished
	// NoticePeerClosed: the peer's FIN arrived in order ("connection
	// closing"): the peer closed normally.
	NoticePeerClosed
	// NoticeReset: a valid RST arrived ("connection reset"): the peer
	// aborted.
	NoticeReset
	// NoticeRefused: a RST answered our SYN ("connection refused").
	NoticeRefused
	// NoticeTimeout: the user timeout or R2 gave up on the connection.
	NoticeTimeout
	// NoticeDeliveryProblem: retransmissions reached R1 (SHLD-9).
	NoticeDeliveryProblem
	// NoticeCloseDone: everything we sent, FIN included, is acknowledged
	// (the CLOSE may be acknowledged "ok", RFC 9293 §3.10.7.4 FIN-WAIT-2).
	NoticeCloseDone
	NumNotices int = iota
)

var noticeNames = [...]string{"none", "established", "peer-closed", "reset", "refused", "timeout", "delivery-problem", "close-done"}

func (n Notice) String() string { return enum.Name(noticeNames[:], "Notice", n) }

// Output is one thing a host does in response to an event. It is a flat
// value (no pointers) so that the optimized implementation can write
// outputs into a caller's buffer without allocating.
type Output struct {
	Kind   OutputKind
	Seg    Segment   // OutSegment
	FD     int32     // OutResult, OutNotice
	Call   CallKind  // OutResult: the call that returns
	Ret    int64     // OutResult
	Err    Errno     // OutResult when Ret == -1
	Notice Notice    // OutNotice
	Tuple  FourTuple // OutNotice: the connection concerned
}

func (o Output) String() string {
	switch o.Kind {
	case OutSegment:
		return fmt.Sprintf("> %s (%s->%s)", o.Seg, o.Seg.Src, o.Seg.Dst)
	case OutResult:
		if o.Ret == -1 {
			return fmt.Sprintf("%s(%d) = -1 %s", o.Call, o.FD, o.Err)
		}
		return fmt.Sprintf("%s(%d) = %d", o.Call, o.FD, o.Ret)
	case OutNotice:
		return fmt.Sprintf("notice fd %d: %s (%s)", o.FD, o.Notice, o.Tuple)
	}
	return fmt.Sprintf("Output(%d)", uint8(o.Kind))
}

// SegmentOut builds a segment output.
func SegmentOut(s Segment) Output { return Output{Kind: OutSegment, Seg: s} }

// ResultOut builds a call result. Ret -1 carries err.
func ResultOut(fd int32, c CallKind, ret int64, err Errno) Output {
	return Output{Kind: OutResult, FD: fd, Call: c, Ret: ret, Err: err}
}

// NoticeOut builds a notice.
func NoticeOut(fd int32, n Notice, t FourTuple) Output {
	return Output{Kind: OutNotice, FD: fd, Notice: n, Tuple: t}
}
