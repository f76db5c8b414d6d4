package script

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
)

// ParseError is a malformed or unsupported script construct, with where it
// is.
type ParseError struct {
	Pos Pos
	Msg string
}

func (e *ParseError) Error() string { return e.Pos.String() + ": " + e.Msg }

// Default timing tolerance, as packetdrill's (config.c).
const (
	DefaultTolerance        = 4 * time.Millisecond
	DefaultTolerancePercent = 12.5
)

// maxScriptTime bounds event times (about 11.5 days) so that arithmetic on
// them cannot overflow.
const maxScriptTime = 1e6 * time.Second

type parser struct {
	file string
	lx   *lexer
	buf  []token // lookahead
	// queue holds the events NewReader read ahead.
	queue []*Event
	s     *Script
	opts  ParseOptions

	nEvents   int
	lastFD    int64 // the last socket or accept result, for python state checks
	sawPacket bool  // for IPv6: the first packet line is beyond the model
	done      bool
}

// ParseOptions are what packetdrill takes from its command line rather
// than from the script.
type ParseOptions struct {
	// Platform is the symbol #ifdef sees defined ("Linux", "FreeBSD");
	// see PlatformFor. Empty means Linux.
	Platform string
	// Defines are -D SYM=VAL definitions: an #ifdef SYM is taken, and
	// the word SYM reads as VAL (packetdrill's word()). Script lines
	// --define=SYM=VAL add to them.
	Defines map[string]string
	// ReadFile, if set, reads the shell scripts a script's shell command
	// runs (packetdrill's `../common/defaults.sh`), relative to the
	// script's directory: their sysctl settings join the command's as if
	// written there (Sysctl.Sourced), so that the model's profile and a
	// real stack's namespace get them. Nothing is executed. Nil leaves
	// such a command a single known part.
	ReadFile func(path string) ([]byte, error)
}

// PlatformFor is the #ifdef platform symbol for a profile: FreeBSD for
// freebsd, Linux for every other (the NPLab packetdrill defines the name
// of the system it runs on).
func PlatformFor(profile string) string {
	if profile == "freebsd" {
		return "FreeBSD"
	}
	return "Linux"
}

// Parse parses a script. name is used in positions (file:line). Parse
// never panics: malformed input gives a *ParseError. #ifdef sees Linux.
func Parse(name string, src []byte) (*Script, error) {
	return ParseWith(name, src, ParseOptions{})
}

// ParseWith is Parse with packetdrill's command-line settings.
func ParseWith(name string, src []byte, opts ParseOptions) (*Script, error) {
	r, err := NewReader(name, src, opts)
	if err != nil {
		return nil, err
	}
	s := r.Script()
	for {
		ev, err := r.Next()
		if err != nil {
			return nil, err
		}
		if ev == nil {
			break
		}
		s.Events = append(s.Events, ev)
	}
	return s, nil
}

// Reader parses a script one event at a time, so that a script of any
// size is played in memory bounded by its live state: NewReader reads
// the options and the first shell command, Next returns each event as it
// is read.
type Reader struct{ p *parser }

// NewReader parses the options at the top of a script. Script() has them
// at once; its Events stay empty (Next returns them); its Cleanup is
// known when Next has returned nil.
func NewReader(name string, src []byte, opts ParseOptions) (*Reader, error) {
	p := &parser{file: name, opts: opts, lastFD: -1}
	syms := map[string]bool{}
	if opts.Platform == "" {
		opts.Platform = "Linux"
	}
	syms[opts.Platform] = true
	defs := map[string]string{}
	for k, v := range opts.Defines {
		defs[k] = v
	}
	p.lx = newLexer(string(src), syms, defs)
	if err := p.header(); err != nil {
		return nil, err
	}
	// The shell commands before the first packet or call set up the
	// model (ModelSetup): read them now.
	for len(p.queue) < maxLeading {
		t := p.peek()
		if t.kind == tEOF || t.kind == tOption || t.kind == tBackQuote {
			break
		}
		ev, err := p.nextEvent()
		if err != nil {
			return nil, err
		}
		if ev == nil {
			break
		}
		p.queue = append(p.queue, ev)
		if ev.Kind != EventCommand {
			break
		}
		p.s.Leading = append(p.s.Leading, ev.Command)
	}
	return &Reader{p}, nil
}

// maxLeading bounds the events read ahead by NewReader.
const maxLeading = 1000

// Script is the script being read: its options, and its Cleanup once
// Next has returned nil.
func (r *Reader) Script() *Script { return r.p.s }

// Next returns the next event, or nil at the end of the script.
func (r *Reader) Next() (*Event, error) {
	if len(r.p.queue) > 0 {
		ev := r.p.queue[0]
		r.p.queue = r.p.queue[1:]
		return ev, nil
	}
	ev, err := r.p.nextEvent()
	if err != nil {
		r.p.done = true
	}
	return ev, err
}

func (p *parser) fill(n int) {
	for len(p.buf) <= n {
		p.buf = append(p.buf, p.lx.next())
	}
}

func (p *parser) peek() token       { p.fill(0); return p.buf[0] }
func (p *parser) peekN(n int) token { p.fill(n); return p.buf[n] }
func (p *parser) next() token {
	p.fill(0)
	t := p.buf[0]
	if t.kind != tEOF {
		copy(p.buf, p.buf[1:])
		p.buf = p.buf[:len(p.buf)-1]
	}
	return t
}

// lexErr is the lexer's error, if any, as a ParseError.
func (p *parser) lexErr() error {
	if p.lx.err != nil {
		return &ParseError{Pos{p.file, p.lx.err.line}, p.lx.err.msg}
	}
	return nil
}

func (p *parser) pos(t token) Pos { return Pos{p.file, t.line} }

func (p *parser) errf(t token, format string, args ...any) *ParseError {
	if t.kind == tEOF && p.lx.err != nil {
		return &ParseError{Pos{p.file, p.lx.err.line}, p.lx.err.msg}
	}
	return &ParseError{p.pos(t), fmt.Sprintf(format, args...)}
}

func (p *parser) isPunct(c string) bool {
	t := p.peek()
	return t.kind == tPunct && t.text == c
}

func (p *parser) isWord(w string) bool {
	t := p.peek()
	return t.kind == tWord && t.text == w
}

func (p *parser) expectPunct(c, what string) (token, error) {
	t := p.next()
	if t.kind != tPunct || t.text != c {
		return t, p.errf(t, "expected %q %s, found %s", c, what, t)
	}
	return t, nil
}

// header reads the options and the untimed first shell command.
func (p *parser) header() error {
	s := &Script{
		Name:             p.file,
		Profiles:         []string{spec.DefaultProfile},
		Tolerance:        DefaultTolerance,
		TolerancePercent: DefaultTolerancePercent,
	}
	p.s = s
	for p.peek().kind == tOption {
		t := p.next()
		o := Option{Pos: p.pos(t), Name: t.text}
		if k := strings.IndexByte(t.text, '='); k >= 0 {
			o.Name, o.Value, o.HasValue = t.text[:k], unquote(t.text[k+1:]), true
		}
		if err := p.applyOption(o); err != nil {
			return err
		}
		s.Options = append(s.Options, o)
	}
	if t := p.peek(); t.kind == tBackQuote {
		p.next()
		s.Init = parseCommand(p.pos(t), t.text, p.opts.ReadFile)
	}
	if err := p.lexErr(); err != nil {
		return err
	}
	if t := p.peek(); t.kind == tEOF {
		if err := p.lexErr(); err != nil {
			return err
		}
		return &ParseError{Pos{p.file, t.line}, "script has no events"}
	}
	return nil
}

// nextEvent reads one timed line; nil at the end.
func (p *parser) nextEvent() (*Event, error) {
	s := p.s
	if p.done {
		return nil, nil
	}
	for {
		t := p.peek()
		switch t.kind {
		case tEOF:
			if err := p.lexErr(); err != nil {
				return nil, err
			}
			if p.nEvents == 0 {
				return nil, &ParseError{Pos{p.file, t.line}, "script has no events"}
			}
			p.done = true
			return nil, nil
		case tOption:
			return nil, p.errf(t, "option --%s must come before the first event", clip(t.text))
		case tBackQuote:
			if p.peekN(1).kind == tEOF && p.nEvents > 0 && p.lx.err == nil {
				p.next()
				s.Cleanup = parseCommand(p.pos(t), t.text, p.opts.ReadFile)
				continue
			}
			return nil, p.errf(t, "shell command %s needs an event time here (only the first and last commands of a script may be untimed)", t)
		}
		ev, err := p.event()
		if err != nil {
			return nil, err
		}
		if err := p.lexErr(); err != nil {
			return nil, err
		}
		if p.nEvents == 0 && (ev.Time.Start != 0 || (ev.Time.Kind != TimeAbsolute && ev.Time.Kind != TimeRelative)) {
			return nil, &ParseError{ev.Pos, fmt.Sprintf("first event should be at time 0, not %s", ev.Time)}
		}
		p.nEvents++
		return ev, nil
	}
}

func unquote(v string) string {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		return v[1 : len(v)-1]
	}
	return v
}

// packetdrillOptions are packetdrill options accepted and recorded; they
// have no effect on this runner.
var packetdrillOptions = map[string]bool{
	"mss": true, "mtu": true, "speed": true, "init_scripts": true,
	"non_fatal": true, "tcp_ts_ecr_scaled": true, "tcp_ts_tick_usecs": true, "gateway_ip": true,
	"netmask_ip": true, "wire_client": true, "wire_server": true, "wire_server_ip": true,
	"wire_server_at": true, "wire_server_port": true, "wire_client_dev": true, "wire_server_dev": true,
	"so_filename": true, "so_flags": true, "dry_run": true, "is_anyip": true, "send_omit_free": true,
	"debug": true, "verbose": true, "code_command": true, "code_format": true, "code_sockopt": true,
	"psp_udp_port": true, "define": true,
}

// IgnoredOption reports whether --name is a packetdrill option this runner
// accepts without effect.
func IgnoredOption(name string) bool { return packetdrillOptions[name] }

// nplabOptions are options of the NPLab packetdrill (FreeBSD's suite)
// that change what goes on the wire in ways the model does not follow:
// the script is beyond the model from its first packet line.
var nplabOptions = map[string]string{
	"udp_encapsulation":         "TCP over UDP encapsulation (--udp_encapsulation)",
	"tcp_md5_secret":            "TCP MD5 signatures (--tcp_md5_secret)",
	"sctp_checksum_calculation": "SCTP",
}

func (p *parser) applyOption(o Option) error {
	s := p.s
	bad := func(format string, args ...any) error {
		return &ParseError{o.Pos, fmt.Sprintf("--%s: ", clip(o.Name)) + fmt.Sprintf(format, args...)}
	}
	need := func() error {
		if !o.HasValue || o.Value == "" {
			return bad("needs a value (--%s=...)", clip(o.Name))
		}
		return nil
	}
	switch o.Name {
	case "strict_segments":
		s.StrictSegments = true
	case "tolerance_usecs":
		if err := need(); err != nil {
			return err
		}
		n, err := strconv.ParseInt(o.Value, 10, 64)
		if err != nil || n <= 0 || n > int64(maxScriptTime/time.Microsecond) {
			return bad("wants a positive number of microseconds, not %q", o.Value)
		}
		s.Tolerance = time.Duration(n) * time.Microsecond
	case "tolerance_percent":
		if err := need(); err != nil {
			return err
		}
		f, err := strconv.ParseFloat(o.Value, 64)
		if err != nil || !(f >= 0 && f <= 100) {
			return bad("wants a percentage between 0 and 100, not %q", o.Value)
		}
		s.TolerancePercent = f
	case "ip_version":
		if err := need(); err != nil {
			return err
		}
		switch o.Value {
		case "ipv4":
		case "ipv6", "ipv4-mapped-ipv6":
			s.IPVersion = o.Value
		default:
			return bad("wants ipv4, ipv6 or ipv4-mapped-ipv6, not %q", clip(o.Value))
		}
	case "local_ip", "remote_ip", "gateway_ip", "netmask_ip":
		if err := need(); err != nil {
			return err
		}
		a, err := spec.ParseAddr(o.Value)
		if err != nil || a.IsZero() {
			return bad("%q is not an IP address", clip(o.Value))
		}
		switch o.Name {
		case "local_ip":
			s.LocalIP = a
		case "remote_ip":
			s.RemoteIP = a
		}
	case "bind_port", "connect_port":
		if err := need(); err != nil {
			return err
		}
		n, err := strconv.ParseUint(o.Value, 10, 16)
		if err != nil {
			return bad("%q is not a port", clip(o.Value))
		}
		want := stack.ConnectPort
		if o.Name == "bind_port" {
			want = stack.LocalPort
		}
		if uint16(n) != want {
			s.addrBeyond(fmt.Sprintf("--%s=%d (the runner's is %d)", o.Name, n, want))
		}
	case "define", "D":
		k, v, ok := strings.Cut(o.Value, "=")
		if !ok || k == "" {
			return bad("wants SYMBOL=VALUE, not %q", clip(o.Value))
		}
		p.lx.defs[k] = v
	case "tcpclose_profiles":
		if err := need(); err != nil {
			return err
		}
		var names []string
		for _, n := range strings.Split(o.Value, ",") {
			n = strings.TrimSpace(n)
			if _, err := spec.LookupProfile(n); err != nil {
				return bad("%v", err)
			}
			names = append(names, n)
		}
		s.Profiles, s.ProfilesGiven = names, true
	case "tcpclose_local_iss":
		if err := need(); err != nil {
			return err
		}
		n, err := strconv.ParseUint(o.Value, 0, 32)
		if err != nil {
			return bad("wants a sequence number between 1 and 4294967295, not %q", o.Value)
		}
		if n == 0 {
			return bad("0 cannot be used: spec.HostConfig.FixedISS reads 0 as \"not fixed\"")
		}
		s.LocalISS, s.HasLocalISS = spec.Seq(n), true
	case "tcpclose_remote_isn":
		if err := need(); err != nil {
			return err
		}
		n, err := strconv.ParseUint(o.Value, 0, 32)
		if err != nil {
			return bad("wants a sequence number between 0 and 4294967295, not %q", o.Value)
		}
		s.RemoteISN = spec.Seq(n)
	case "tcpclose_set":
		if err := need(); err != nil {
			return err
		}
		k := strings.IndexByte(o.Value, '=')
		if k <= 0 {
			return bad("wants Field=Value (a spec.Profile field), not %q", o.Value)
		}
		field, val := o.Value[:k], o.Value[k+1:]
		scratch := spec.MustProfile(spec.DefaultProfile)
		if err := scratch.SetField(field, val); err != nil {
			return bad("%v", err)
		}
		s.Sets = append(s.Sets, Setting{Pos: o.Pos, Field: field, Value: val, From: "--tcpclose_set"})
	default:
		if f, ok := nplabOptions[o.Name]; ok {
			s.addrBeyond(f)
			return nil
		}
		if !packetdrillOptions[o.Name] {
			return bad("unknown option")
		}
	}
	return nil
}

// addrBeyond notes an option that puts the script's packets beyond the
// model (the first one named wins).
func (s *Script) addrBeyond(feature string) {
	if s.PacketsBeyond == "" {
		s.PacketsBeyond = feature
	}
}

// event parses one timed line.
func (p *parser) event() (*Event, error) {
	start := p.peek()
	et, err := p.eventTime()
	if err != nil {
		return nil, err
	}
	ev := &Event{Pos: p.pos(start), Time: et}
	t := p.peek()
	switch {
	case t.kind == tPunct && (t.text == "<" || t.text == ">"):
		pk, err := p.packet()
		if err != nil {
			return nil, err
		}
		ev.Kind, ev.Packet = EventPacket, pk
		ev.Beyond = pk.Beyond
		if !p.sawPacket {
			p.sawPacket = true
			switch {
			case p.s.addrProblem() != "" && ev.Beyond == "":
				ev.Beyond = p.s.addrProblem()
			case p.s.PacketsBeyond != "" && ev.Beyond == "":
				ev.Beyond = p.s.PacketsBeyond
			}
		}
	case t.kind == tEllipsis || (t.kind == tWord && p.peekN(1).kind == tPunct && p.peekN(1).text == "("):
		sc, beyond, err := p.syscall()
		if err != nil {
			return nil, err
		}
		ev.Kind, ev.Syscall, ev.Beyond = EventSyscall, sc, beyond
		if beyond == "" && (sc.Call.Kind == spec.CallSocket || sc.Call.Kind == spec.CallAccept) && sc.Ret >= 0 {
			p.lastFD = sc.Ret
		}
	case t.kind == tBackQuote:
		p.next()
		ev.Kind, ev.Command = EventCommand, parseCommand(p.pos(t), t.text, p.opts.ReadFile)
	case t.kind == tCode:
		p.next()
		ev.Kind, ev.Code = EventCode, t.text
		sc, beyond := p.python(t)
		if sc != nil {
			ev.Kind, ev.Syscall = EventSyscall, sc
		}
		ev.Beyond = beyond
	default:
		return nil, p.errf(t, "expected a packet (< or >), a system call, a `shell command` or a %%{ python }%% block after the time, found %s", t)
	}
	if ev.Time.Kind == TimeAny || ev.Time.Kind == TimeAbsoluteRange || ev.Time.Kind == TimeRelativeRange {
		if ev.Kind != EventPacket || ev.Packet.Dir != Outbound {
			what := "event time *"
			if ev.Time.Kind != TimeAny {
				what = "event time range"
			}
			return nil, &ParseError{ev.Pos, what + " can only be used with outbound packets"}
		}
	}
	if ev.Kind == EventSyscall && ev.Syscall.Blocking && ev.Syscall.End < ev.Time.Start {
		return nil, &ParseError{ev.Pos, fmt.Sprintf("blocking call ends (%s) before it starts (%s)", fmtSeconds(ev.Syscall.End), fmtSeconds(ev.Time.Start))}
	}
	return ev, nil
}

// stateAssert matches a python statement that asserts the connection's
// state: "assert tcpi_state == TCP_CLOSE_WAIT[, tcpi_state]" (Linux
// names) or TCPI_... names.
var stateAssert = regexp.MustCompile(`^assert\s+tcpi_state\s*==\s*(TCPI?_[A-Z0-9_]+)\s*(,\s*tcpi_state\s*)?$`)

// python turns a %{ }% block into a state check when all it does is
// assert tcpi_state (the check runs getsockopt TCP_INFO on the last socket
// the script created or accepted); any other python is beyond the model.
func (p *parser) python(t token) (*Syscall, string) {
	var states []spec.State
	for _, ln := range strings.FieldsFunc(t.text, func(r rune) bool { return r == '\n' || r == ';' }) {
		ln = strings.TrimSpace(ln)
		if ln == "" || strings.HasPrefix(ln, "#") {
			continue
		}
		m := stateAssert.FindStringSubmatch(ln)
		if m == nil {
			return nil, "python code (" + abbreviate(ln) + ")"
		}
		name := m[1]
		if strings.HasPrefix(name, "TCPI_") {
			name = "TCP_" + name[len("TCPI_"):]
		}
		st, err := spec.ParseState(name)
		if err != nil {
			return nil, "python state " + m[1] + " (not a TCP state the model has)"
		}
		states = append(states, st)
	}
	if len(states) == 0 {
		return nil, ""
	}
	for _, st := range states[1:] {
		if st != states[0] {
			return nil, "python asserting two states at once"
		}
	}
	if p.lastFD < 0 {
		return nil, "python state check before any socket"
	}
	sc := &Syscall{
		Pos: p.pos(t), Name: "getsockopt",
		Call:      spec.Call{Kind: spec.CallGetsockopt, FD: int32(p.lastFD), Opt: spec.OptState},
		HasValue:  true,
		Value:     int64(states[0]),
		ValueText: "{tcpi_state=" + states[0].String() + "}",
		RetText:   "0",
		Args: []Expr{{Kind: ExprInt, Int: p.lastFD}, {Kind: ExprWord, Text: "SOL_TCP"}, {Kind: ExprWord, Text: "TCP_INFO"},
			{Kind: ExprWord, Text: "{tcpi_state=" + states[0].String() + "}"}, {Kind: ExprEllipsis}},
	}
	return sc, ""
}

func (p *parser) eventTime() (EventTime, error) {
	t := p.peek()
	if t.kind == tPunct && t.text == "*" {
		p.next()
		return EventTime{Kind: TimeAny}, nil
	}
	rel := false
	if t.kind == tPunct && t.text == "+" {
		p.next()
		rel = true
	}
	d, err := p.seconds("an event time")
	if err != nil {
		return EventTime{}, err
	}
	et := EventTime{Kind: TimeAbsolute, Start: d}
	if rel {
		et.Kind = TimeRelative
	}
	if p.isPunct("~") {
		tt := p.next()
		if rel {
			if _, err := p.expectPunct("+", "in a relative time range (+a~+b)"); err != nil {
				return et, err
			}
		} else if p.isPunct("+") {
			return et, p.errf(tt, "time range mixes absolute and relative times (write a~b or +a~+b)")
		}
		end, err := p.seconds("the end of a time range")
		if err != nil {
			return et, err
		}
		if end < d {
			return et, p.errf(tt, "time range is backwards")
		}
		et.End = end
		et.Kind = TimeAbsoluteRange
		if rel {
			et.Kind = TimeRelativeRange
		}
	}
	return et, nil
}

// seconds reads a non-negative number of seconds.
func (p *parser) seconds(what string) (time.Duration, error) {
	t := p.next()
	if t.kind != tInt && t.kind != tFloat {
		return 0, p.errf(t, "expected %s (seconds, e.g. 0.100 or +.1), found %s", what, t)
	}
	d, err := parseSeconds(t.text)
	if err != nil {
		return 0, p.errf(t, "%s: %v", what, err)
	}
	return d, nil
}

// parseSeconds converts decimal seconds exactly to a Duration
// (nanosecond resolution; further digits are dropped).
func parseSeconds(text string) (time.Duration, error) {
	if strings.HasPrefix(text, "-") {
		return 0, fmt.Errorf("negative time %s", clip(text))
	}
	if strings.HasPrefix(text, "0x") {
		return 0, fmt.Errorf("time %s is not decimal", clip(text))
	}
	intPart, frac, _ := strings.Cut(text, ".")
	var d time.Duration
	for _, c := range intPart {
		d = d*10 + time.Duration(c-'0')*time.Second
		if d > maxScriptTime {
			return 0, fmt.Errorf("time %s is too large (at most %d s)", clip(text), int64(maxScriptTime/time.Second))
		}
	}
	scale := 100 * time.Millisecond
	for _, c := range frac {
		d += time.Duration(c-'0') * scale
		scale /= 10
		if scale == 0 {
			break
		}
	}
	return d, nil
}

// integer reads an integer token (decimal or 0x hex).
func (p *parser) integer(what string, lo, hi int64) (int64, token, error) {
	t := p.next()
	if t.kind != tInt {
		return 0, t, p.errf(t, "expected %s, found %s", what, t)
	}
	n, err := parseInt(t.text)
	if err != nil || n < lo || n > hi {
		return 0, t, p.errf(t, "%s %s out of range (%d to %d)", what, clip(t.text), lo, hi)
	}
	return n, t, nil
}

func parseInt(text string) (int64, error) {
	if strings.HasPrefix(text, "0x") {
		u, err := strconv.ParseUint(text[2:], 16, 63)
		return int64(u), err
	}
	return strconv.ParseInt(text, 10, 64)
}

// packet parses packetdrill's packet lines (parser.y tcp_packet_spec,
// udp_packet_spec, icmp_packet_spec):
//
//	< [ipv4 A > B: | ipv6 ... | gre ...: | mpls ...:] [(ip info)] [encap psp spi N]
//	  [sport>dport] flags seq:end(len) [ack N] [win N] [urg N] [<opts>] [/udp(a > b)]
//	< udp [ports] (len)
//	< icmp type [code] [mtu N] [id N] [[echoed]]
//
// What the model cannot play (UDP, ICMP, tunnels, IP header fields, FO,
// MD5, SACK blocks on inbound segments, ...) sets Packet.Beyond.
func (p *parser) packet() (pk *Packet, err error) {
	var n, seqEnd int64
	var seqTok token
	dt := p.next()
	pk = &Packet{Pos: p.pos(dt), Dir: Inbound}
	if dt.text == ">" {
		pk.Dir = Outbound
	}
	beyond := func(f string) {
		if pk.Beyond == "" {
			pk.Beyond = f
		}
	}
	// Outer headers, ending in ':'.
	for p.peek().kind == tWord {
		w := p.peek().text
		if w != "ipv4" && w != "ipv6" && w != "gre" && w != "mpls" {
			break
		}
		p.next()
		if err := p.skipTo(":", dt.line); err != nil {
			return nil, err
		}
		beyond(w + " encapsulation")
	}
	if p.isPunct("(") || p.isPunct("[") {
		open := p.next()
		closer := map[string]string{"(": ")", "[": "]"}[open.text]
		if err := p.skipTo(closer, open.line); err != nil {
			return nil, err
		}
		beyond("IP header fields (tos, ECN, ttl, flow label)")
	}
	if p.isWord("encap") {
		p.next()
		for t := p.peek(); t.kind == tWord && t.text != "udp" && t.text != "icmp" && !isFlagWord(t.text) || t.kind == tInt && !(p.peekN(1).kind == tPunct && p.peekN(1).text == ">"); t = p.peek() {
			p.next()
		}
		beyond("PSP encapsulation")
	}
	portsAt := func() bool {
		return p.peek().kind == tInt && p.peekN(1).kind == tPunct && p.peekN(1).text == ">"
	}
	if portsAt() {
		sp, _, err := p.integer("source port", 0, 65535)
		if err != nil {
			return nil, err
		}
		p.next() // '>'
		dp, _, err := p.integer("destination port", 0, 65535)
		if err != nil {
			return nil, err
		}
		pk.SrcPort, pk.DstPort = uint16(sp), uint16(dp)
		if sp == 0 || dp == 0 {
			beyond("port 0")
		}
	}
	switch {
	case p.isWord("udp"):
		p.next()
		pk.Proto = "udp"
		if portsAt() {
			p.next()
			p.next()
			p.next()
		}
		if _, err := p.expectPunct("(", "before the UDP payload length"); err != nil {
			return nil, err
		}
		if _, _, err := p.integer("UDP payload length", 0, 65535); err != nil {
			return nil, err
		}
		if _, err := p.expectPunct(")", "after the UDP payload length"); err != nil {
			return nil, err
		}
		beyond("UDP")
		return pk, nil
	case p.isWord("icmp"):
		p.next()
		pk.Proto = "icmp"
		ty := p.next()
		if ty.kind != tWord {
			return nil, p.errf(ty, "expected an ICMP type, found %s", ty)
		}
		pk.FlagText = ty.text
		if t := p.peek(); t.kind == tWord && t.text != "mtu" && t.text != "id" && t.line == ty.line {
			p.next()
			pk.FlagText += " " + t.text
		}
		for _, w := range []string{"mtu", "id"} {
			if p.isWord(w) {
				p.next()
				if _, _, err := p.integer("ICMP "+w, 0, 1<<32-1); err != nil {
					return nil, err
				}
			}
		}
		if p.isPunct("[") && p.peek().line == ty.line {
			open := p.next()
			if err := p.skipTo("]", open.line); err != nil {
				return nil, err
			}
		}
		beyond("ICMP (" + pk.FlagText + ")")
		return pk, nil
	}
	if err := p.flags(pk); err != nil {
		return nil, err
	}
	if pk.ECN {
		// ECE and CWR are not represented in spec.Flags.
		if pk.Flags&spec.SYN == 0 {
			beyond("ECN flags (E, W) outside a SYN")
		}
	}
	if pk.Flags&spec.URG != 0 {
		beyond("the URG flag (urgent data)")
	}
	// seq:end(len), or NPLab's ...(len): any sequence number.
	if p.peek().kind == tEllipsis {
		p.next()
		pk.AnySeq = true
	} else {
		start, _, err := p.integer("start sequence number", 0, 1<<32-1)
		if err != nil {
			return nil, err
		}
		if _, err := p.expectPunct(":", "between start and end sequence numbers (seq:end(len))"); err != nil {
			return nil, err
		}
		end, et, err := p.integer("end sequence number", 0, 1<<32-1)
		if err != nil {
			return nil, err
		}
		pk.Seq = uint32(start)
		seqEnd, seqTok = end, et
	}
	if _, err := p.expectPunct("(", "before the payload length (seq:end(len))"); err != nil {
		return nil, err
	}
	n, _, err = p.integer("payload length", 0, 65535)
	if err != nil {
		return nil, err
	}
	if _, err := p.expectPunct(")", "after the payload length"); err != nil {
		return nil, err
	}
	pk.Len = uint32(n)
	if p.isPunct("!") && p.peek().line == dt.line {
		// NPLab: the sequence number is absolute, not relative to the ISN.
		p.next()
		pk.AbsSeq = true
	}
	if !pk.AnySeq && uint32(seqEnd) != pk.Seq+pk.Len {
		return nil, p.errf(seqTok, "inconsistent TCP sequence numbers and payload size: %d:%d(%d)", pk.Seq, seqEnd, n)
	}
	// ack, win, urg in packetdrill's order
	if p.isWord("ack") {
		p.next()
		a, _, err := p.integer("ack number", 0, 1<<32-1)
		if err != nil {
			return nil, err
		}
		pk.HasAck, pk.Ack = true, uint32(a)
	}
	if p.isWord("win") {
		p.next()
		w, _, err := p.integer("window", 0, 1<<32-1)
		if err != nil {
			return nil, err
		}
		if w > 65535 {
			return nil, p.errf(p.peek(), "window %d is larger than 65535", w)
		}
		pk.HasWin, pk.Win = true, uint16(w)
	}
	if p.isWord("urg") {
		p.next()
		if _, _, err := p.integer("urgent pointer", 0, 65535); err != nil {
			return nil, err
		}
		beyond("the urgent pointer")
	}
	if t := p.peek(); t.kind == tWord && (t.text == "ack" || t.text == "win") && t.line == dt.line {
		return nil, p.errf(t, "%q out of place: write ack, then win, then <options>", clip(t.text))
	}
	if p.isPunct("<") {
		if err := p.tcpOptions(pk); err != nil {
			return nil, err
		}
	}
	// NPLab's TCP-over-UDP suffix: /udp(sport > dport).
	if p.isPunct("/") && p.peek().line == dt.line {
		p.next()
		if w := p.next(); w.kind != tWord {
			return nil, p.errf(w, "expected an encapsulation (udp) after /, found %s", w)
		}
		open, err := p.expectPunct("(", "after /udp")
		if err != nil {
			return nil, err
		}
		if err := p.skipTo(")", open.line); err != nil {
			return nil, err
		}
		beyond("TCP over UDP encapsulation")
	}
	if pk.Dir == Inbound {
		// packetdrill's own checks (tcp_packet.c, parser.y).
		if !pk.HasWin {
			return nil, &ParseError{pk.Pos, "window must be specified for inbound packets (win N)"}
		}
		if pk.AnyOptions {
			return nil, &ParseError{pk.Pos, "<...> for TCP options can only be used with outbound packets"}
		}
		if pk.AnySeq {
			beyond("an inbound segment with an unknown (...) sequence number")
		}
	}
	return pk, nil
}

func isFlagWord(w string) bool {
	for _, c := range w {
		if !strings.ContainsRune("SFRPUEW", c) {
			return false
		}
	}
	return w != ""
}

// skipTo consumes tokens up to and including the punctuation closer, with
// (), [] and {} balanced; it stops with an error at the end of the file or
// after 10,000 tokens.
func (p *parser) skipTo(closer string, line int) error {
	depth := 0
	for n := 0; n < 10000; n++ {
		t := p.next()
		if t.kind == tEOF {
			return p.errf(t, "expected %q (opened at line %d) before the end of the file", closer, line)
		}
		if t.kind != tPunct {
			continue
		}
		switch t.text {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			if depth == 0 {
				if t.text == closer {
					return nil
				}
				return p.errf(t, "expected %q, found %s", closer, t)
			}
			depth--
		default:
			if depth == 0 && t.text == closer {
				return nil
			}
		}
	}
	return &ParseError{Pos{p.file, line}, "construct too long"}
}

func (p *parser) flags(pk *Packet) error {
	t := p.next()
	switch {
	case t.kind == tPunct && t.text == "-":
		pk.FlagText = "-"
		return nil
	case t.kind == tPunct && t.text == ".":
		pk.FlagText, pk.Flags = ".", spec.ACK
		return nil
	case t.kind == tFloat && strings.HasPrefix(t.text, "."):
		pk.FlagText, pk.Flags = t.text, spec.ACK
		pk.Beyond = "AccECN flags (" + t.text + ")"
		return nil
	case t.kind != tWord:
		return p.errf(t, "expected TCP flags (S F R P . E W, or - for none), found %s", t)
	}
	text := t.text
	if p.isPunct(".") {
		p.next()
		text += "."
	} else if f := p.peek(); f.kind == tFloat && strings.HasPrefix(f.text, ".") && f.line == t.line {
		p.next()
		pk.Beyond = "AccECN flags (" + t.text + f.text + ")"
		text += "."
	}
	for _, c := range t.text {
		switch c {
		case 'S', 'F', 'R', 'P', 'U':
		case 'E', 'W':
			pk.ECN = true
		case 'A':
			pk.Beyond = "the AE flag (AccECN)"
		default:
			return p.errf(t, "unknown TCP flag %q in %q (flags are S F R P U E W and . for ACK)", c, clip(t.text))
		}
	}
	f, err := spec.ParseFlags(strings.NewReplacer("E", "", "W", "", "A", "").Replace(text))
	if err != nil {
		return p.errf(t, "%v", err)
	}
	pk.FlagText, pk.Flags = text, f
	return nil
}

func (p *parser) tcpOptions(pk *Packet) error {
	open := p.next() // '<'
	if p.peek().kind == tEllipsis {
		p.next()
		if _, err := p.expectPunct(">", "after <..."); err != nil {
			return err
		}
		pk.AnyOptions = true
		return nil
	}
	beyond := func(f string) {
		if pk.Beyond == "" {
			pk.Beyond = f
		}
	}
	// blob reads packetdrill's optional hex_blob (a word or an integer).
	blob := func() string {
		if t := p.peek(); t.kind == tWord || t.kind == tInt {
			p.next()
			return t.text
		}
		return ""
	}
	seen := map[OptionKind]bool{}
	for {
		t := p.next()
		if t.kind != tWord {
			return p.errf(t, "expected a TCP option (mss, wscale, sackOK, sack, TS, nop, eol, md5, FO, FOEXP, ECN), found %s", t)
		}
		var o TCPOption
		switch t.text {
		case "nop":
			o.Kind = OptNOP
		case "eol":
			o.Kind = OptEOL
		case "mss":
			v, _, err := p.integer("mss value", 0, 65535)
			if err != nil {
				return err
			}
			o = TCPOption{Kind: OptMSS, Val: uint32(v)}
		case "wscale":
			v, _, err := p.integer("window scale shift count", 0, 255)
			if err != nil {
				return err
			}
			if v > 254 {
				beyond("wscale 255")
			}
			o = TCPOption{Kind: OptWScale, Val: uint32(v)}
		case "sackOK":
			o.Kind = OptSackOK
		case "sack":
			var blocks []string
			for p.peek().kind == tInt {
				a, _, err := p.integer("SACK block start", 0, 1<<32-1)
				if err != nil {
					return err
				}
				if _, err := p.expectPunct(":", "in a SACK block (start:end)"); err != nil {
					return err
				}
				b, _, err := p.integer("SACK block end", 0, 1<<32-1)
				if err != nil {
					return err
				}
				if len(blocks) < 8 {
					blocks = append(blocks, fmt.Sprintf("%d:%d", a, b))
				}
			}
			if len(blocks) == 0 {
				return p.errf(t, "sack needs at least one block (start:end)")
			}
			o = TCPOption{Kind: OptSack, SackText: strings.Join(blocks, " ")}
			if pk.Dir == Inbound {
				beyond("SACK blocks on an inbound segment (the model has no SACK recovery)")
			}
		case "TS":
			if w := p.next(); w.kind != tWord || w.text != "val" {
				return p.errf(w, "expected \"val\" in TS val X ecr Y, found %s", w)
			}
			v, _, err := p.integer("TS val", 0, 1<<32-1)
			if err != nil {
				return err
			}
			if w := p.next(); w.kind != tWord || w.text != "ecr" {
				return p.errf(w, "expected \"ecr\" in TS val X ecr Y, found %s", w)
			}
			e, _, err := p.integer("TS ecr", 0, 1<<32-1)
			if err != nil {
				return err
			}
			o = TCPOption{Kind: OptTS, Val: uint32(v), Ecr: uint32(e)}
		case "md5":
			blob()
			o.Kind = OptOther
			beyond("TCP MD5 signature option (md5)")
		case "FO", "FOEXP":
			blob()
			o.Kind = OptOther
			beyond("TCP Fast Open (" + t.text + " option)")
		default:
			// ECN (AccECN) and options of packetdrill forks (exp,
			// mpcapable, ...): words and numbers up to , or >.
			for n := 0; ; n++ {
				x := p.peek()
				if x.kind == tEOF || (x.kind == tPunct && (x.text == "," || x.text == ">")) {
					break
				}
				if n > 64 {
					return p.errf(x, "TCP option %s too long", clip(t.text))
				}
				p.next()
			}
			o.Kind = OptOther
			beyond("TCP option " + clip(t.text))
		}
		o.Name = t.text
		if o.Kind != OptNOP && o.Kind != OptEOL && o.Kind != OptOther {
			if seen[o.Kind] {
				beyond("TCP option " + t.text + " repeated")
			}
			seen[o.Kind] = true
		}
		if len(pk.Options) < 40 {
			pk.Options = append(pk.Options, o)
		} else {
			return p.errf(open, "TCP option list too long")
		}
		sep := p.next()
		if sep.kind == tPunct && sep.text == ">" {
			return nil
		}
		if sep.kind != tPunct || sep.text != "," {
			return p.errf(sep, "expected , or > in the TCP option list, found %s", sep)
		}
	}
}

// syscall parses "[...end] name(args) = result [ERRNO] [(note)]"
// (parser.y syscall_spec). The call is then mapped onto a spec.Call; a
// call, option or value the model does not have makes the line beyond
// the model (the returned string names it), not an error.
func (p *parser) syscall() (*Syscall, string, error) {
	sc := &Syscall{}
	if p.peek().kind == tEllipsis {
		p.next()
		d, err := p.seconds("the end time of a blocking call (start...end)")
		if err != nil {
			return nil, "", err
		}
		sc.Blocking, sc.End = true, d
	}
	nt := p.next()
	if nt.kind != tWord {
		return nil, "", p.errf(nt, "expected a system call name, found %s", nt)
	}
	sc.Pos, sc.Name = p.pos(nt), nt.text
	if _, err := p.expectPunct("(", "after the system call name"); err != nil {
		return nil, "", err
	}
	if !p.isPunct(")") {
		for {
			e, err := p.expr(0)
			if err != nil {
				return nil, "", err
			}
			if len(sc.Args) < 64 {
				sc.Args = append(sc.Args, e)
			}
			if p.isPunct(",") {
				p.next()
				continue
			}
			break
		}
	}
	if _, err := p.expectPunct(")", "closing the argument list"); err != nil {
		return nil, "", err
	}
	if _, err := p.expectPunct("=", "before the expected result (call(...) = result)"); err != nil {
		return nil, "", err
	}
	rt := p.peek()
	res, err := p.expr(0)
	if err != nil {
		return nil, "", err
	}
	beyond := ""
	sc.RetText = clip(res.String())
	switch {
	case res.Kind == ExprInt:
		sc.Ret = res.Int
	case res.Kind == ExprEllipsis:
		beyond = "an unchecked result (= ...)"
	default:
		beyond = "a result the model cannot give (" + clip(res.String()) + ")"
	}
	if t := p.peek(); t.kind == tWord && t.line == rt.line {
		p.next()
		sc.RetText += " " + clip(t.text)
		e, err := spec.ParseErrno(t.text)
		switch {
		case err != nil:
			if beyond == "" {
				beyond = "errno " + clip(t.text) + " (the model never returns it)"
			}
		case sc.Ret != -1:
			if beyond == "" {
				beyond = fmt.Sprintf("errno %s with a result of %d", t.text, sc.Ret)
			}
		default:
			sc.Errno = e
		}
	} else if sc.Ret == -1 {
		sc.AnyErrno = true
	}
	if p.isPunct("(") && p.peek().line == rt.line {
		open := p.next()
		var words []string
		for !p.isPunct(")") {
			t := p.next()
			if t.kind == tEOF || len(words) > 40 {
				return nil, "", p.errf(open, "unterminated (note) after the result")
			}
			words = append(words, clip(t.text))
		}
		p.next()
		sc.Note = strings.Join(words, " ")
		sc.RetText += " (" + sc.Note + ")"
	}
	if beyond != "" {
		return sc, beyond, nil
	}
	if err := mapCall(sc, p.s); err != nil {
		var pe *ParseError
		if errors.As(err, &pe) {
			return sc, pe.Msg, nil
		}
		return nil, "", err
	}
	return sc, "", nil
}

// expr parses a syscall argument (parser.y expression); depth bounds
// nesting so that hostile input cannot exhaust the stack.
func (p *parser) expr(depth int) (Expr, error) {
	if depth > 16 {
		return Expr{}, p.errf(p.peek(), "expression nested too deeply")
	}
	e, err := p.primary(depth)
	if err != nil {
		return e, err
	}
	if e.Kind == ExprWord && p.isPunct("=") {
		// symbol = value (parser.y binary_expression), as in
		// [tcpi_state=...] or {fd=3, events=POLLIN}.
		p.next()
		v, err := p.expr(depth + 1)
		if err != nil {
			return v, err
		}
		return Expr{Pos: e.Pos, Kind: ExprAssign, Text: e.Text, Elems: []Expr{v}}, nil
	}
	if !p.isPunct("|") {
		return e, nil
	}
	or := Expr{Pos: e.Pos, Kind: ExprOr, Elems: []Expr{e}}
	for p.isPunct("|") {
		p.next()
		x, err := p.primary(depth + 1)
		if err != nil {
			return x, err
		}
		if len(or.Elems) < 64 {
			or.Elems = append(or.Elems, x)
		}
	}
	return or, nil
}

func (p *parser) exprList(depth int, closer string, e *Expr) error {
	if p.isPunct(closer) {
		p.next()
		return nil
	}
	for {
		x, err := p.expr(depth + 1)
		if err != nil {
			return err
		}
		if len(e.Elems) < 1024 {
			e.Elems = append(e.Elems, x)
		}
		if !p.isPunct(",") {
			break
		}
		p.next()
	}
	_, err := p.expectPunct(closer, "closing the list")
	return err
}

func (p *parser) primary(depth int) (Expr, error) {
	t := p.next()
	e := Expr{Pos: p.pos(t)}
	switch {
	case t.kind == tEllipsis:
		e.Kind = ExprEllipsis
	case t.kind == tInt:
		n, err := parseInt(t.text)
		if err != nil {
			// packetdrill keeps 64 bits; the model never needs more.
			e.Kind, e.Text = ExprWord, clip(t.text)
			return e, nil
		}
		e.Kind, e.Int = ExprInt, n
	case t.kind == tString:
		e.Kind, e.Text = ExprString, t.text
		for p.peek().kind == tString { // string concatenation
			if len(e.Text) < 1<<16 {
				e.Text += p.next().text
			} else {
				p.next()
			}
		}
		if p.peek().kind == tEllipsis { // "abc"...
			p.next()
		}
	case t.kind == tWord && p.isPunct("("):
		p.next()
		e.Kind, e.Text = ExprFunc, t.text
		if err := p.exprList(depth, ")", &e); err != nil {
			return e, err
		}
	case t.kind == tWord:
		e.Kind, e.Text = ExprWord, t.text
	case t.kind == tPunct && t.text == "[":
		e.Kind = ExprList
		if err := p.exprList(depth, "]", &e); err != nil {
			return e, err
		}
	case t.kind == tPunct && t.text == "{":
		// Structs of every kind: sockaddr, linger, msghdr
		// (msg_iov(1)=[...]), iovec ({..., 10}), pollfd, epoll_event,
		// cmsg and sub-expression lists.
		e.Kind = ExprStruct
		for !p.isPunct("}") {
			x, err := p.expr(depth + 1)
			if err != nil {
				return e, err
			}
			if x.Kind == ExprFunc && p.isPunct("=") { // msg_iov(1)=[...]
				p.next()
				v, err := p.expr(depth + 1)
				if err != nil {
					return e, err
				}
				x = Expr{Pos: x.Pos, Kind: ExprAssign, Text: x.String(), Elems: []Expr{v}}
			}
			if x.Kind == ExprAssign {
				if len(e.Fields) < 256 {
					e.Fields = append(e.Fields, Field{x.Text, x.Elems[0]})
				}
			} else if len(e.Elems) < 256 {
				e.Elems = append(e.Elems, x)
			}
			if !p.isPunct(",") {
				break
			}
			p.next()
		}
		if _, err := p.expectPunct("}", "closing {...}"); err != nil {
			return e, err
		}
	case t.kind == tFloat:
		return e, p.errf(t, "unexpected number %s in a system call argument", clip(t.text))
	case t.kind == tIPv4 || t.kind == tIPv6:
		return e, p.errf(t, "write addresses as ... or {sa_family=AF_INET, sin_port=htons(P), sin_addr=inet_addr(\"%s\")}", clip(t.text))
	default:
		return e, p.errf(t, "expected a system call argument, found %s", t)
	}
	return e, nil
}
