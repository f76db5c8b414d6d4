package script

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tcpclose/tcpclose/spec"
)

// Pos is where an element of a script starts: file name and 1-based line.
type Pos struct {
	File string
	Line int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d", p.File, p.Line) }

// Script is a parsed scenario script.
type Script struct {
	Name string // the file name given to Parse

	// Options are every --name[=value] line at the top, in order,
	// packetdrill's and ours alike.
	Options []Option

	// Profiles lists the profiles the script is expected to pass on
	// (--tcpclose_profiles); rfc9293 when the option is absent.
	Profiles []string
	// ProfilesGiven says whether --tcpclose_profiles was there (upstream
	// scripts have none).
	ProfilesGiven bool
	// LocalISS is the model's ISS (--tcpclose_local_iss); HasLocalISS
	// says whether it was given.
	LocalISS    spec.Seq
	HasLocalISS bool
	// RemoteISN is added to inbound sequence numbers and subtracted from
	// outbound acknowledgment numbers (--tcpclose_remote_isn).
	RemoteISN spec.Seq
	// Sets are the profile overrides of --tcpclose_set, in order.
	Sets []Setting

	// Tolerance and TolerancePercent are packetdrill's timing tolerance
	// (--tolerance_usecs, default 4 ms; --tolerance_percent, default
	// 12.5% of the gap since the previous event).
	Tolerance        time.Duration
	TolerancePercent float64
	// StrictSegments is packetdrill's --strict_segments: an outbound line
	// matches one segment only; without it, consecutive segments the stack
	// sent are merged until they carry the line's payload (packetdrill's
	// aggregation of TSO/GSO super-segments, run_packet.c).
	StrictSegments bool

	// IPVersion is --ip_version when not ipv4 ("ipv6",
	// "ipv4-mapped-ipv6"). An ipv6 script plays over IPv6 addresses; an
	// ipv4-mapped-ipv6 one over IPv4 packets, as packetdrill does (its
	// AF_INET6 sockets see the IPv4-mapped addresses, which spec.Addr
	// holds as the IPv4 ones).
	IPVersion string
	// LocalIP and RemoteIP are --local_ip and --remote_ip; zero for
	// packetdrill's defaults (Addrs).
	LocalIP, RemoteIP spec.Addr
	// PacketsBeyond, if set, names an option that makes every packet line
	// beyond the model (other addresses, TCP over UDP, MD5): the script
	// is beyond it from its first packet line.
	PacketsBeyond string

	// Init and Cleanup are packetdrill's untimed shell commands before the
	// first event and after the last one; nil if absent.
	Init, Cleanup *Command

	// Leading are the timed shell commands before the first packet or
	// call, as NewReader read them (ModelSetup applies their sysctls when
	// Events is empty, as it is for a script being read).
	Leading []*Command

	// Events are the timed lines, in file order.
	Events []*Event
}

// Option is one --name[=value] option line.
type Option struct {
	Pos
	Name     string // without the leading "--"
	Value    string
	HasValue bool
}

// Setting is a profile override: Field=Value, as spec.Profile.SetField takes it.
type Setting struct {
	Pos
	Field, Value string
	// From says where it came from: "--tcpclose_set" or the sysctl text.
	From string
}

// TimeKind says how an event's time is written.
type TimeKind uint8

// Kinds of event times (packetdrill's event_time).
const (
	TimeAbsolute      TimeKind = iota // 0.100
	TimeRelative                      // +0.1
	TimeAny                           // *  (outbound packets only)
	TimeAbsoluteRange                 // 0.1~0.3  (outbound packets only)
	TimeRelativeRange                 // +0~+0.2  (outbound packets only)
)

// EventTime is the time of an event as written. Start and End are offsets:
// from time 0 for absolute kinds, from the previous event for relative
// ones. End is used by ranges only.
type EventTime struct {
	Kind       TimeKind
	Start, End time.Duration
}

func (t EventTime) String() string {
	switch t.Kind {
	case TimeRelative:
		return "+" + fmtSeconds(t.Start)
	case TimeAny:
		return "*"
	case TimeAbsoluteRange:
		return fmtSeconds(t.Start) + "~" + fmtSeconds(t.End)
	case TimeRelativeRange:
		return "+" + fmtSeconds(t.Start) + "~+" + fmtSeconds(t.End)
	}
	return fmtSeconds(t.Start)
}

// fmtSeconds prints a duration as packetdrill writes times: seconds with
// as many decimals as needed ("0", "0.1", "1.25").
func fmtSeconds(d time.Duration) string {
	s := strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
	return s
}

// EventKind says what an event line does.
type EventKind uint8

// Event kinds.
const (
	EventPacket  EventKind = iota + 1 // < or > segment
	EventSyscall                      // socket call
	EventCommand                      // `shell command`
	EventCode                         // %{ python }%
)

// Event is one timed line of a script.
type Event struct {
	Pos
	Time    EventTime
	Kind    EventKind
	Packet  *Packet  // EventPacket
	Syscall *Syscall // EventSyscall
	Command *Command // EventCommand
	Code    string   // EventCode: the python text
	// Beyond, if set, names what on this line the model cannot predict
	// (a feature outside it, e.g. "TCP Fast Open (FO option)"): a run
	// that reaches the line stops there with a beyond-the-model verdict,
	// neither passing nor failing. The line is still parsed in full.
	Beyond string
}

func (e *Event) String() string {
	switch e.Kind {
	case EventPacket:
		return e.Time.String() + " " + e.Packet.String()
	case EventSyscall:
		if e.Syscall.Blocking {
			return e.Time.String() + "..." + fmtSeconds(e.Syscall.End) + " " + e.Syscall.String()
		}
		return e.Time.String() + " " + e.Syscall.String()
	case EventCommand:
		return e.Time.String() + " " + e.Command.String()
	case EventCode:
		return e.Time.String() + " %{" + abbreviate(e.Code) + "}%"
	}
	if e.Beyond != "" {
		return e.Time.String() + " (beyond the model: " + e.Beyond + ")"
	}
	return e.Time.String() + " ?"
}

// Direction of a scripted segment.
type Direction uint8

// Directions: Inbound segments are injected into the stack, Outbound ones
// are expected from it.
const (
	Inbound  Direction = iota + 1 // <
	Outbound                      // >
)

func (d Direction) String() string {
	if d == Inbound {
		return "<"
	}
	return ">"
}

// Packet is a scripted TCP segment. Sequence and acknowledgment numbers are
// as written (relative to the ISNs, see Run).
type Packet struct {
	Pos
	Dir Direction
	// SrcPort and DstPort are packetdrill's optional "50001>8080" ports;
	// zero when not written.
	SrcPort, DstPort uint16
	Flags            spec.Flags
	FlagText         string // as written, e.g. "F.", "SEW", "-"
	ECN              bool   // E or W was written (accepted, never checked)
	Seq              uint32
	Len              uint32
	HasAck           bool
	Ack              uint32
	HasWin           bool
	Win              uint16
	// Proto is "udp" or "icmp" for packetdrill's UDP and ICMP lines
	// (always beyond the model), "" for TCP.
	Proto string
	// AnySeq is NPLab's "...(len)": the sequence number is not checked.
	AnySeq bool
	// AbsSeq is NPLab's "0:0(0)!": the sequence number is absolute.
	AbsSeq bool
	// Beyond names what in the line the model cannot play, if anything.
	Beyond string
	// AnyOptions is "<...>": options are not checked.
	AnyOptions bool
	// Options are the options as written, in order; nil and !AnyOptions
	// means the segment carries none.
	Options []TCPOption
}

// OptionKind is a TCP option in a script.
type OptionKind uint8

// TCP options a script may write.
const (
	OptNOP OptionKind = iota + 1
	OptEOL
	OptMSS
	OptWScale
	OptSackOK
	OptSack
	OptTS
	OptOther // md5, FO, FOEXP, ECN and others: the line is beyond the model
)

// TCPOption is one TCP option as written.
type TCPOption struct {
	Kind     OptionKind
	Name     string // as written
	Val      uint32 // mss, wscale shift, TS val
	Ecr      uint32 // TS ecr
	SackText string // sack blocks as written
}

func (o TCPOption) String() string {
	switch o.Kind {
	case OptNOP:
		return "nop"
	case OptEOL:
		return "eol"
	case OptMSS:
		return fmt.Sprintf("mss %d", o.Val)
	case OptWScale:
		return fmt.Sprintf("wscale %d", o.Val)
	case OptSackOK:
		return "sackOK"
	case OptSack:
		return "sack " + o.SackText
	case OptTS:
		return fmt.Sprintf("TS val %d ecr %d", o.Val, o.Ecr)
	case OptOther:
		return o.Name
	}
	return "?"
}

// option returns the first option of kind k, if written.
func (p *Packet) option(k OptionKind) (TCPOption, bool) {
	for _, o := range p.Options {
		if o.Kind == k {
			return o, true
		}
	}
	return TCPOption{}, false
}

// SegOptions converts the written options to spec.Options (nop, eol and
// SACK blocks have no place there).
func (p *Packet) SegOptions() spec.Options {
	var so spec.Options
	for _, o := range p.Options {
		switch o.Kind {
		case OptMSS:
			so.MSS = uint16(o.Val)
		case OptWScale:
			so.WScale = uint8(o.Val) + 1
		case OptSackOK:
			so.SackOK = true
		case OptTS:
			so.HasTS, so.TS = true, spec.Timestamp{Val: o.Val, Ecr: o.Ecr}
		}
	}
	return so
}

func (p *Packet) String() string {
	var b strings.Builder
	b.WriteString(p.Dir.String())
	if p.Proto != "" {
		b.WriteString(" " + p.Proto)
		if p.FlagText != "" {
			b.WriteString(" " + p.FlagText)
		}
		return b.String()
	}
	if p.SrcPort != 0 || p.DstPort != 0 {
		fmt.Fprintf(&b, " %d>%d", p.SrcPort, p.DstPort)
	}
	if p.AnySeq {
		fmt.Fprintf(&b, " %s ...(%d)", p.FlagText, p.Len)
	} else {
		fmt.Fprintf(&b, " %s %d:%d(%d)", p.FlagText, p.Seq, p.Seq+p.Len, p.Len)
		if p.AbsSeq {
			b.WriteString("!")
		}
	}
	if p.HasAck {
		fmt.Fprintf(&b, " ack %d", p.Ack)
	}
	if p.HasWin {
		fmt.Fprintf(&b, " win %d", p.Win)
	}
	switch {
	case p.AnyOptions:
		b.WriteString(" <...>")
	case len(p.Options) > 0:
		parts := make([]string, len(p.Options))
		for i, o := range p.Options {
			parts[i] = o.String()
		}
		fmt.Fprintf(&b, " <%s>", strings.Join(parts, ","))
	}
	return b.String()
}

// Syscall is a scripted socket call with its expected result.
type Syscall struct {
	Pos
	Name string // as written ("recv", "send", ...)
	Args []Expr // as written
	// Call is the call the stack is asked to make.
	Call spec.Call
	// Blocking is packetdrill's "start...end" form: the call may block
	// and must return at End (same kind of time as the event's start:
	// absolute, or relative to the previous event).
	Blocking bool
	End      time.Duration
	// Ret is the expected return value; Errno is expected when Ret is -1
	// unless AnyErrno (packetdrill's "= -1" without an errno).
	Ret      int64
	Errno    spec.Errno
	AnyErrno bool
	Note     string // the "(text)" after the errno, not checked
	// HasValue: getsockopt's option value is checked against Value
	// (SO_ERROR: an errno number; TCP_INFO: a spec.State).
	HasValue  bool
	Value     int64
	ValueText string
	// Noop: the call is not made (it only reads what the model does not
	// keep, e.g. fcntl(F_GETFL), getsockopt(SO_RCVBUF)); its result is
	// unchecked.
	Noop bool
	// Unchecked lists parts of the call a stack's result cannot show
	// (reported, never failed).
	Unchecked []string
	RetText   string // the result as written, e.g. "-1 EINPROGRESS (Operation now in progress)"
}

func (s *Syscall) String() string {
	args := make([]string, len(s.Args))
	for i, a := range s.Args {
		args[i] = a.String()
	}
	return fmt.Sprintf("%s(%s) = %s", s.Name, strings.Join(args, ", "), s.RetText)
}

// ExprKind says what an expression is.
type ExprKind uint8

// Expression kinds of syscall arguments.
const (
	ExprEllipsis ExprKind = iota + 1 // ...
	ExprInt                          // 42, -1, 0x10
	ExprWord                         // SOCK_STREAM
	ExprString                       // "text"
	ExprList                         // [1]
	ExprStruct                       // {onoff=1, linger=0}
	ExprOr                           // O_RDWR|O_NONBLOCK
	ExprFunc                         // htons(8080)
	ExprAssign                       // name=value outside {...} (Text, Elems[0])
)

// Expr is a syscall argument.
type Expr struct {
	Pos
	Kind   ExprKind
	Int    int64
	Text   string  // word, string, function name
	Elems  []Expr  // list elements, | operands, function arguments
	Fields []Field // struct fields
}

// Field is name=value inside {...}.
type Field struct {
	Name string
	Val  Expr
}

func (e Expr) String() string {
	switch e.Kind {
	case ExprEllipsis:
		return "..."
	case ExprInt:
		return strconv.FormatInt(e.Int, 10)
	case ExprWord:
		return e.Text
	case ExprString:
		return strconv.Quote(e.Text)
	case ExprList:
		return "[" + joinExprs(e.Elems, ", ") + "]"
	case ExprOr:
		return joinExprs(e.Elems, "|")
	case ExprFunc:
		return e.Text + "(" + joinExprs(e.Elems, ", ") + ")"
	case ExprAssign:
		return e.Text + "=" + joinExprs(e.Elems, ", ")
	case ExprStruct:
		var parts []string
		for _, f := range e.Fields {
			parts = append(parts, f.Name+"="+f.Val.String())
		}
		for _, x := range e.Elems {
			parts = append(parts, x.String())
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return "?"
}

func joinExprs(es []Expr, sep string) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.String()
	}
	return strings.Join(parts, sep)
}

// Command is a shell command in backquotes. The model runner never runs
// it; sysctl settings in it that correspond to profile fields set those
// fields (see ModelSetup), and a stack implementing Commander runs it.
type Command struct {
	Pos
	Text string
	// Sysctls are the sysctl settings recognised in the command.
	Sysctls []Sysctl
	// Other lists the parts of the command that are not sysctl settings,
	// with their lines, so that they can be reported.
	Other []ShellPart
	// Sourced lists the shell scripts the command runs that were read
	// (ParseOptions.ReadFile); their settings are in Sysctls and Other,
	// marked Sourced.
	Sourced []string
}

func (c *Command) String() string { return "`" + c.Text + "`" }

// Sysctl is a "sysctl key=value" (or "echo value > /proc/sys/key") found
// in a shell command.
type Sysctl struct {
	Pos
	Key, Value string // key with dots: net.ipv4.tcp_rfc1337
	Text       string // the shell text it came from
	// Sourced says it comes from a shell script the command runs: as
	// in a shell script without "set -e", a setting the stack refuses
	// is noted, not fatal.
	Sourced bool
}

// ShellPart is one piece of a shell command (split at newlines, ';' and
// "&&").
type ShellPart struct {
	Pos
	Text string
	// Sourced: from a shell script the command runs (see Sysctl).
	Sourced bool
	// Expanded: the part runs a shell script that was read; its parts
	// follow it, Sourced.
	Expanded bool
}

// Excludes reports whether the script's --tcpclose_profiles is given and
// does not name profile: `tcpclose run` skips such a script unless -all.
// A script without the option (any upstream script) excludes none.
func (s *Script) Excludes(profile string) bool {
	return s.ProfilesGiven && !s.ListsProfile(profile)
}

// ListsProfile reports whether the script's --tcpclose_profiles (rfc9293
// when absent) names profile: the hook for run to skip scripts whose
// profiles exclude a stack's unless asked to play them all.
func (s *Script) ListsProfile(profile string) bool {
	for _, p := range s.Profiles {
		if p == profile {
			return true
		}
	}
	return false
}
