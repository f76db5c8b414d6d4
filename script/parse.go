package script

import (
	"fmt"
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
	toks []token
	i    int
}

// Parse parses a script. name is used in positions (file:line). Parse
// never panics: malformed or unsupported input gives a *ParseError.
func Parse(name string, src []byte) (*Script, error) {
	toks, lerr := lex(src)
	if lerr != nil {
		return nil, &ParseError{Pos{name, lerr.line}, lerr.msg}
	}
	p := &parser{file: name, toks: toks}
	s, err := p.script()
	if err != nil {
		return nil, err
	}
	return s, nil
}

func (p *parser) peek() token       { return p.toks[p.i] }
func (p *parser) peekN(n int) token { return p.toks[min(p.i+n, len(p.toks)-1)] }
func (p *parser) next() token {
	t := p.toks[p.i]
	if p.i < len(p.toks)-1 {
		p.i++
	}
	return t
}

func (p *parser) pos(t token) Pos { return Pos{p.file, t.line} }

func (p *parser) errf(t token, format string, args ...any) *ParseError {
	return &ParseError{p.pos(t), fmt.Sprintf(format, args...)}
}

func (p *parser) isPunct(c string) bool {
	t := p.peek()
	return t.kind == tPunct && t.text == c
}

func (p *parser) expectPunct(c, what string) (token, error) {
	t := p.next()
	if t.kind != tPunct || t.text != c {
		return t, p.errf(t, "expected %q %s, found %s", c, what, t)
	}
	return t, nil
}

func (p *parser) script() (*Script, error) {
	s := &Script{
		Name:             p.file,
		Profiles:         []string{spec.DefaultProfile},
		Tolerance:        DefaultTolerance,
		TolerancePercent: DefaultTolerancePercent,
	}
	for p.peek().kind == tOption {
		t := p.next()
		o := Option{Pos: p.pos(t), Name: t.text}
		if k := strings.IndexByte(t.text, '='); k >= 0 {
			o.Name, o.Value, o.HasValue = t.text[:k], unquote(t.text[k+1:]), true
		}
		if err := s.applyOption(o); err != nil {
			return nil, err
		}
		s.Options = append(s.Options, o)
	}
	if t := p.peek(); t.kind == tBackQuote {
		p.next()
		s.Init = parseCommand(p.pos(t), t.text)
	}
	for p.peek().kind != tEOF {
		t := p.peek()
		switch t.kind {
		case tOption:
			return nil, p.errf(t, "option --%s must come before the first event", t.text)
		case tCode:
			return nil, p.errf(t, "%%{ python }%% code blocks are not supported")
		case tBackQuote:
			if p.peekN(1).kind == tEOF && len(s.Events) > 0 {
				p.next()
				s.Cleanup = parseCommand(p.pos(t), t.text)
				continue
			}
			return nil, p.errf(t, "shell command %s needs an event time here (only the first and last commands of a script may be untimed)", t)
		}
		ev, err := p.event()
		if err != nil {
			return nil, err
		}
		if len(s.Events) == 0 && (ev.Time.Start != 0 || (ev.Time.Kind != TimeAbsolute && ev.Time.Kind != TimeRelative)) {
			return nil, &ParseError{ev.Pos, fmt.Sprintf("first event should be at time 0, not %s", ev.Time)}
		}
		s.Events = append(s.Events, ev)
	}
	if len(s.Events) == 0 {
		return nil, &ParseError{Pos{p.file, p.peek().line}, "script has no events"}
	}
	return s, nil
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
	"mss": true, "mtu": true, "speed": true, "init_scripts": true, "strict_segments": true,
	"non_fatal": true, "tcp_ts_ecr_scaled": true, "tcp_ts_tick_usecs": true, "gateway_ip": true,
	"netmask_ip": true, "wire_client": true, "wire_server": true, "wire_server_ip": true,
	"wire_server_at": true, "wire_server_port": true, "wire_client_dev": true, "wire_server_dev": true,
	"so_filename": true, "so_flags": true, "dry_run": true, "is_anyip": true, "send_omit_free": true,
	"debug": true, "verbose": true, "code_command": true, "code_format": true, "code_sockopt": true,
	"psp_udp_port": true,
}

// IgnoredOption reports whether --name is a packetdrill option this runner
// accepts without effect.
func IgnoredOption(name string) bool { return packetdrillOptions[name] }

func (s *Script) applyOption(o Option) error {
	bad := func(format string, args ...any) error {
		return &ParseError{o.Pos, fmt.Sprintf("--%s: ", o.Name) + fmt.Sprintf(format, args...)}
	}
	need := func() error {
		if !o.HasValue || o.Value == "" {
			return bad("needs a value (--%s=...)", o.Name)
		}
		return nil
	}
	switch o.Name {
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
		if o.Value != "ipv4" {
			return bad("IPv6 is not supported (only --ip_version=ipv4)")
		}
	case "local_ip", "remote_ip", "bind_port", "connect_port", "define", "D":
		return bad("not supported: the runner uses the addresses of package stack (%s, peer %s)", stack.LocalAddr(), stack.RemoteIP())
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
		s.Profiles = names
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
		if !packetdrillOptions[o.Name] {
			return bad("unknown option")
		}
	}
	return nil
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
	case t.kind == tEllipsis || (t.kind == tWord && p.peekN(1).kind == tPunct && p.peekN(1).text == "("):
		sc, err := p.syscall()
		if err != nil {
			return nil, err
		}
		ev.Kind, ev.Syscall = EventSyscall, sc
	case t.kind == tBackQuote:
		p.next()
		ev.Kind, ev.Command = EventCommand, parseCommand(p.pos(t), t.text)
	case t.kind == tCode:
		return nil, p.errf(t, "%%{ python }%% code blocks are not supported")
	case t.kind == tWord && (t.text == "udp" || t.text == "icmp"):
		return nil, p.errf(t, "%s packets are not supported (TCP only)", t.text)
	default:
		return nil, p.errf(t, "expected a packet (< or >), a system call or a `shell command` after the time, found %s", t)
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
		return 0, fmt.Errorf("negative time %s", text)
	}
	if strings.HasPrefix(text, "0x") {
		return 0, fmt.Errorf("time %s is not decimal", text)
	}
	intPart, frac, _ := strings.Cut(text, ".")
	var d time.Duration
	for _, c := range intPart {
		d = d*10 + time.Duration(c-'0')*time.Second
		if d > maxScriptTime {
			return 0, fmt.Errorf("time %s is too large (at most %d s)", text, int64(maxScriptTime/time.Second))
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
		return 0, t, p.errf(t, "%s %s out of range (%d to %d)", what, t.text, lo, hi)
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

// packet parses "< [sport>dport] flags seq:end(len) [ack N] [win N] [<opts>]".
func (p *parser) packet() (*Packet, error) {
	dt := p.next()
	pk := &Packet{Pos: p.pos(dt), Dir: Inbound}
	if dt.text == ">" {
		pk.Dir = Outbound
	}
	t := p.peek()
	if t.kind == tWord {
		switch t.text {
		case "ipv4", "ipv6", "gre", "GREv0", "mpls", "encap", "udp", "icmp":
			return nil, p.errf(t, "%s packet headers are not supported (plain TCP segments only)", t.text)
		}
	}
	if t.kind == tPunct && (t.text == "(" || t.text == "[") {
		return nil, p.errf(t, "IP header fields (tos, ecn, ttl, flowlabel) are not supported")
	}
	if t.kind == tInt && p.peekN(1).kind == tPunct && p.peekN(1).text == ">" {
		sp, _, err := p.integer("source port", 1, 65535)
		if err != nil {
			return nil, err
		}
		p.next() // '>'
		dp, _, err := p.integer("destination port", 1, 65535)
		if err != nil {
			return nil, err
		}
		pk.SrcPort, pk.DstPort = uint16(sp), uint16(dp)
	}
	if err := p.flags(pk); err != nil {
		return nil, err
	}
	// seq:end(len)
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
	if _, err := p.expectPunct("(", "before the payload length (seq:end(len))"); err != nil {
		return nil, err
	}
	n, _, err := p.integer("payload length", 0, 65535)
	if err != nil {
		return nil, err
	}
	if _, err := p.expectPunct(")", "after the payload length"); err != nil {
		return nil, err
	}
	if uint32(end) != uint32(start)+uint32(n) {
		return nil, p.errf(et, "inconsistent TCP sequence numbers and payload size: %d:%d(%d)", start, end, n)
	}
	pk.Seq, pk.Len = uint32(start), uint32(n)
	// ack, win, urg in packetdrill's order
	if t := p.peek(); t.kind == tWord && t.text == "ack" {
		p.next()
		a, _, err := p.integer("ack number", 0, 1<<32-1)
		if err != nil {
			return nil, err
		}
		pk.HasAck, pk.Ack = true, uint32(a)
	}
	if t := p.peek(); t.kind == tWord && t.text == "win" {
		p.next()
		w, _, err := p.integer("window", 0, 65535)
		if err != nil {
			return nil, err
		}
		pk.HasWin, pk.Win = true, uint16(w)
	}
	if t := p.peek(); t.kind == tWord && t.text == "urg" {
		return nil, p.errf(t, "the urgent pointer is not supported")
	}
	if t := p.peek(); t.kind == tWord && (t.text == "ack" || t.text == "win") {
		return nil, p.errf(t, "%q out of place: write ack, then win, then <options>", t.text)
	}
	if p.isPunct("<") {
		if err := p.tcpOptions(pk); err != nil {
			return nil, err
		}
	}
	if pk.Dir == Inbound {
		if !pk.HasWin {
			return nil, &ParseError{pk.Pos, "window must be specified for inbound packets (win N)"}
		}
		if pk.AnyOptions {
			return nil, &ParseError{pk.Pos, "<...> (options not checked) is for outbound packets; write the options an inbound packet carries"}
		}
	}
	return pk, nil
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
	case t.kind == tFloat:
		return p.errf(t, "AccECN flags (%s) are not supported", t.text)
	case t.kind != tWord:
		return p.errf(t, "expected TCP flags (S F R P . E W, or - for none), found %s", t)
	}
	text := t.text
	if p.isPunct(".") {
		p.next()
		text += "."
	}
	for _, c := range t.text {
		switch c {
		case 'S', 'F', 'R', 'P', 'U':
		case 'E', 'W':
			pk.ECN = true
		default:
			return p.errf(t, "unknown TCP flag %q in %q (flags are S F R P U E W and . for ACK)", c, t.text)
		}
	}
	f, err := spec.ParseFlags(text)
	if err != nil {
		return p.errf(t, "%v", err)
	}
	if strings.Count(t.text, "E") > 1 || strings.Count(t.text, "W") > 1 {
		return p.errf(t, "flag repeated in %q", t.text)
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
	seen := map[OptionKind]bool{}
	for {
		t := p.next()
		if t.kind != tWord {
			return p.errf(t, "expected a TCP option (mss, wscale, sackOK, sack, TS, nop, eol), found %s", t)
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
			v, _, err := p.integer("window scale shift count", 0, 254)
			if err != nil {
				return err
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
				blocks = append(blocks, fmt.Sprintf("%d:%d", a, b))
			}
			if len(blocks) == 0 {
				return p.errf(t, "sack needs at least one block (start:end)")
			}
			o = TCPOption{Kind: OptSack, SackText: strings.Join(blocks, " ")}
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
		case "md5", "FO", "FOEXP", "ECN":
			return p.errf(t, "TCP option %s is not supported", t.text)
		default:
			return p.errf(t, "unknown TCP option %q", t.text)
		}
		if o.Kind != OptNOP && o.Kind != OptEOL {
			if seen[o.Kind] {
				return p.errf(t, "TCP option %s repeated", t.text)
			}
			seen[o.Kind] = true
		}
		pk.Options = append(pk.Options, o)
		if len(pk.Options) > 40 {
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

// syscall parses "[...end] name(args) = ret [ERRNO] [(note)]".
func (p *parser) syscall() (*Syscall, error) {
	sc := &Syscall{}
	if p.peek().kind == tEllipsis {
		p.next()
		d, err := p.seconds("the end time of a blocking call (start...end)")
		if err != nil {
			return nil, err
		}
		sc.Blocking, sc.End = true, d
	}
	nt := p.next()
	if nt.kind != tWord {
		return nil, p.errf(nt, "expected a system call name, found %s", nt)
	}
	sc.Pos, sc.Name = p.pos(nt), nt.text
	if _, err := p.expectPunct("(", "after the system call name"); err != nil {
		return nil, err
	}
	if !p.isPunct(")") {
		for {
			e, err := p.expr(0)
			if err != nil {
				return nil, err
			}
			sc.Args = append(sc.Args, e)
			if p.isPunct(",") {
				p.next()
				continue
			}
			break
		}
	}
	if _, err := p.expectPunct(")", "closing the argument list"); err != nil {
		return nil, err
	}
	if _, err := p.expectPunct("=", "before the expected result (call(...) = result)"); err != nil {
		return nil, err
	}
	rt := p.peek()
	ret, _, err := p.integer("return value", -1<<62, 1<<62)
	if err != nil {
		if rt.kind == tEllipsis {
			return nil, p.errf(rt, "an unchecked return value (= ...) is not supported")
		}
		return nil, err
	}
	sc.Ret = ret
	sc.RetText = rt.text
	if t := p.peek(); t.kind == tWord && t.line == rt.line {
		p.next()
		e, err := spec.ParseErrno(t.text)
		if err != nil {
			return nil, p.errf(t, "%v", err)
		}
		if ret != -1 {
			return nil, p.errf(t, "errno %s given for a return value of %d (errno goes with -1)", t.text, ret)
		}
		sc.Errno = e
		sc.RetText += " " + t.text
	} else if ret == -1 {
		return nil, p.errf(rt, "a return value of -1 needs its errno (e.g. = -1 ECONNRESET)")
	}
	if p.isPunct("(") && p.peek().line == rt.line {
		open := p.next()
		var words []string
		for !p.isPunct(")") {
			t := p.next()
			if t.kind == tEOF || len(words) > 40 {
				return nil, p.errf(open, "unterminated (note) after the result")
			}
			words = append(words, t.text)
		}
		p.next()
		sc.Note = strings.Join(words, " ")
		sc.RetText += " (" + sc.Note + ")"
	}
	if err := mapCall(sc); err != nil {
		return nil, err
	}
	return sc, nil
}

// expr parses a syscall argument; depth bounds nesting so that hostile
// input cannot exhaust the stack.
func (p *parser) expr(depth int) (Expr, error) {
	if depth > 16 {
		return Expr{}, p.errf(p.peek(), "expression nested too deeply")
	}
	e, err := p.primary(depth)
	if err != nil {
		return e, err
	}
	if !p.isPunct("|") {
		return e, nil
	}
	or := Expr{Pos: e.Pos, Kind: ExprOr, Elems: []Expr{e}}
	for p.isPunct("|") {
		p.next()
		x, err := p.primary(depth)
		if err != nil {
			return x, err
		}
		or.Elems = append(or.Elems, x)
	}
	return or, nil
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
			return e, p.errf(t, "integer %s out of range", t.text)
		}
		e.Kind, e.Int = ExprInt, n
	case t.kind == tString:
		e.Kind, e.Text = ExprString, t.text
	case t.kind == tWord && p.isPunct("("):
		p.next()
		e.Kind, e.Text = ExprFunc, t.text
		if !p.isPunct(")") {
			for {
				x, err := p.expr(depth + 1)
				if err != nil {
					return e, err
				}
				e.Elems = append(e.Elems, x)
				if !p.isPunct(",") {
					break
				}
				p.next()
			}
		}
		if _, err := p.expectPunct(")", "closing "+t.text+"(...)"); err != nil {
			return e, err
		}
	case t.kind == tWord:
		e.Kind, e.Text = ExprWord, t.text
	case t.kind == tPunct && t.text == "[":
		e.Kind = ExprList
		if !p.isPunct("]") {
			for {
				x, err := p.expr(depth + 1)
				if err != nil {
					return e, err
				}
				e.Elems = append(e.Elems, x)
				if !p.isPunct(",") {
					break
				}
				p.next()
			}
		}
		if _, err := p.expectPunct("]", "closing [...]"); err != nil {
			return e, err
		}
	case t.kind == tPunct && t.text == "{":
		e.Kind = ExprStruct
		for !p.isPunct("}") {
			nt := p.next()
			if nt.kind != tWord {
				return e, p.errf(nt, "expected a field name in {...}, found %s", nt)
			}
			if _, err := p.expectPunct("=", "after field "+nt.text); err != nil {
				return e, err
			}
			x, err := p.expr(depth + 1)
			if err != nil {
				return e, err
			}
			e.Fields = append(e.Fields, Field{nt.text, x})
			if !p.isPunct(",") {
				break
			}
			p.next()
		}
		if _, err := p.expectPunct("}", "closing {...}"); err != nil {
			return e, err
		}
	case t.kind == tFloat:
		return e, p.errf(t, "unexpected number %s in a system call argument", t.text)
	case t.kind == tIPv4:
		return e, p.errf(t, "write addresses as ... or {sa_family=AF_INET, sin_port=htons(P), sin_addr=inet_addr(\"%s\")}", t.text)
	default:
		return e, p.errf(t, "expected a system call argument, found %s", t)
	}
	return e, nil
}
