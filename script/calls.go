package script

import (
	"fmt"
	"math"

	"github.com/tcpclose/tcpclose/spec"
)

// mapCall turns a parsed system call into the spec.Call a stack makes and
// the result it is expected to give. Anything this package cannot map
// exactly is an error naming the line.
func mapCall(sc *Syscall, s *Script) error {
	m := callMapper{sc: sc, ipv6: s.IPVersion != "", s: s}
	return m.run()
}

type callMapper struct {
	sc   *Syscall
	ipv6 bool    // --ip_version is ipv6 or ipv4-mapped-ipv6: AF_INET6 sockets are the script's own
	s    *Script // its addresses are the defaults of ... (Script.Addrs)
}

// noop makes the call one the runner does not make: it only reads
// something the model does not keep, and its result is left unchecked.
func (m callMapper) noop(why string) error {
	m.sc.Noop = true
	m.sc.Unchecked = append(m.sc.Unchecked, why)
	return nil
}

func (m callMapper) errf(e *Expr, format string, args ...any) error {
	pos := m.sc.Pos
	if e != nil && e.Line != 0 {
		pos = e.Pos
	}
	return &ParseError{pos, fmt.Sprintf("%s: ", m.sc.Name) + fmt.Sprintf(format, args...)}
}

func (m callMapper) args(n int, form string) error {
	if len(m.sc.Args) != n {
		return m.errf(nil, "wants %d arguments: %s", n, form)
	}
	return nil
}

func (m callMapper) fd(i int) (int32, error) {
	e := &m.sc.Args[i]
	if e.Kind != ExprInt || e.Int < 0 || e.Int > math.MaxInt32 {
		return 0, m.errf(e, "argument %d must be a file descriptor number, not %s", i+1, e)
	}
	return int32(e.Int), nil
}

// num reads an integer argument, accepting [n] as packetdrill's int
// pointers are written.
func (m callMapper) num(i int, what string) (int64, error) {
	e := &m.sc.Args[i]
	if e.Kind == ExprList && len(e.Elems) == 1 {
		e = &e.Elems[0]
	}
	if e.Kind != ExprInt {
		return 0, m.errf(e, "%s must be a number, not %s", what, e)
	}
	return e.Int, nil
}

func (m callMapper) word(i int, allowed ...string) (string, error) {
	e := &m.sc.Args[i]
	if e.Kind == ExprWord {
		for _, a := range allowed {
			if e.Text == a {
				return a, nil
			}
		}
	}
	return "", m.errf(e, "argument %d: %s is not supported (want one of %v)", i+1, e, allowed)
}

func (m callMapper) ellipsisOrInt(i int) error {
	e := &m.sc.Args[i]
	if e.Kind == ExprEllipsis || e.Kind == ExprInt || (e.Kind == ExprList && len(e.Elems) == 1 && e.Elems[0].Kind == ExprInt) {
		return nil
	}
	return m.errf(e, "argument %d must be ... or a length, not %s", i+1, e)
}

// addr reads a socket address: ... means def.
func (m callMapper) addr(i int, def spec.SockAddr) (spec.SockAddr, error) {
	e := &m.sc.Args[i]
	if e.Kind == ExprEllipsis {
		return def, nil
	}
	if e.Kind != ExprStruct {
		return def, m.errf(e, "address must be ... or {sa_family=AF_INET, sin_port=htons(P), sin_addr=inet_addr(\"A\")}, not %s", e)
	}
	var a spec.SockAddr
	var seen [3]bool
	for _, f := range e.Fields {
		switch f.Name {
		case "sa_family":
			if f.Val.Kind != ExprWord || f.Val.Text != "AF_INET" {
				if f.Val.Kind == ExprWord && f.Val.Text == "AF_INET6" {
					return a, m.errf(e, "IPv6 is not supported")
				}
				return a, m.errf(e, "sa_family must be AF_INET, not %s", &f.Val)
			}
			seen[0] = true
		case "sin_port":
			v := f.Val
			if v.Kind == ExprFunc && v.Text == "htons" && len(v.Elems) == 1 {
				v = v.Elems[0]
			}
			if v.Kind != ExprInt || v.Int < 0 || v.Int > 65535 {
				return a, m.errf(e, "sin_port must be htons(P) with 0 <= P <= 65535, not %s", &f.Val)
			}
			a.Port, seen[1] = uint16(v.Int), true
		case "sin_addr":
			v := f.Val
			if v.Kind != ExprFunc || v.Text != "inet_addr" || len(v.Elems) != 1 || v.Elems[0].Kind != ExprString {
				return a, m.errf(e, "sin_addr must be inet_addr(\"a.b.c.d\"), not %s", &f.Val)
			}
			sa, err := spec.ParseSockAddr(v.Elems[0].Text + ":0")
			if err != nil {
				return a, m.errf(e, "sin_addr: %v", err)
			}
			a.IP, seen[2] = sa.IP, true
		default:
			return a, m.errf(e, "unknown sockaddr field %s", f.Name)
		}
	}
	if !seen[0] || !seen[1] || !seen[2] {
		return a, m.errf(e, "sockaddr needs sa_family, sin_port and sin_addr")
	}
	return a, nil
}

func (m callMapper) run() error {
	sc := m.sc
	c := &sc.Call
	var err error
	switch sc.Name {
	case "socket":
		c.Kind = spec.CallSocket
		if err = m.args(3, "socket(..., SOCK_STREAM, IPPROTO_TCP)"); err != nil {
			return err
		}
		if d := sc.Args[0]; d.Kind != ExprEllipsis && !(d.Kind == ExprWord && (d.Text == "AF_INET" || d.Text == "PF_INET")) {
			if d.Kind == ExprWord && (d.Text == "AF_INET6" || d.Text == "PF_INET6") {
				if !m.ipv6 {
					return m.errf(&d, "IPv6 sockets in an IPv4 script (--ip_version=ipv6 or ipv4-mapped-ipv6 makes them the script's own)")
				}
				break
			}
			return m.errf(&d, "domain must be ... or AF_INET, not %s", &d)
		}
		if t := sc.Args[1]; t.Kind == ExprWord && (t.Text == "SOCK_DGRAM" || t.Text == "SOCK_RAW") {
			return m.errf(&t, "%s sockets (the model is TCP)", t.Text)
		}
		if _, err = m.word(1, "SOCK_STREAM"); err != nil {
			return err
		}
		if p := sc.Args[2]; !(p.Kind == ExprWord && p.Text == "IPPROTO_TCP") && !(p.Kind == ExprInt && p.Int == 0) && p.Kind != ExprEllipsis {
			return m.errf(&p, "protocol must be IPPROTO_TCP, not %s", &p)
		}
	case "bind":
		c.Kind = spec.CallBind
		if err = m.args(3, "bind(fd, ..., ...)"); err != nil {
			return err
		}
		if c.FD, err = m.fd(0); err != nil {
			return err
		}
		if c.Addr, err = m.addr(1, m.s.LocalAddr()); err != nil {
			return err
		}
		if err = m.ellipsisOrInt(2); err != nil {
			return err
		}
	case "connect":
		c.Kind = spec.CallConnect
		if err = m.args(3, "connect(fd, ..., ...)"); err != nil {
			return err
		}
		if c.FD, err = m.fd(0); err != nil {
			return err
		}
		if c.Addr, err = m.addr(1, m.s.ConnectAddr()); err != nil {
			return err
		}
		if err = m.ellipsisOrInt(2); err != nil {
			return err
		}
	case "listen":
		c.Kind = spec.CallListen
		if err = m.args(2, "listen(fd, backlog)"); err != nil {
			return err
		}
		if c.FD, err = m.fd(0); err != nil {
			return err
		}
		if c.N, err = m.num(1, "backlog"); err != nil {
			return err
		}
	case "accept":
		c.Kind = spec.CallAccept
		if err = m.args(3, "accept(fd, ..., ...)"); err != nil {
			return err
		}
		if c.FD, err = m.fd(0); err != nil {
			return err
		}
		for i := 1; i < 3; i++ {
			if sc.Args[i].Kind != ExprEllipsis {
				sc.Unchecked = append(sc.Unchecked, "accept's peer address")
				break
			}
		}
	case "read", "write", "recv", "send":
		c.Kind = spec.CallRead
		if sc.Name == "write" || sc.Name == "send" {
			c.Kind = spec.CallWrite
		}
		form := sc.Name + "(fd, ..., n)"
		n := 3
		if sc.Name == "recv" || sc.Name == "send" {
			form, n = sc.Name+"(fd, ..., n, 0)", 4
		}
		if err = m.args(n, form); err != nil {
			return err
		}
		if c.FD, err = m.fd(0); err != nil {
			return err
		}
		if b := sc.Args[1]; b.Kind != ExprEllipsis {
			return m.errf(&b, "buffer contents are not modelled; write ...")
		}
		if c.N, err = m.num(2, "byte count"); err != nil {
			return err
		}
		if c.N < 0 {
			return m.errf(&sc.Args[2], "negative byte count")
		}
		if n == 4 {
			if f := sc.Args[3]; f.Kind != ExprInt || f.Int != 0 {
				return m.errf(&f, "%s with flags %s", sc.Name, &f)
			}
		}
	case "sendto", "recvfrom":
		// sendto(fd, ..., n, flags, addr, len) and recvfrom alike: on a
		// connected TCP socket with no flags, write and read.
		c.Kind = spec.CallRead
		if sc.Name == "sendto" {
			c.Kind = spec.CallWrite
		}
		if len(sc.Args) != 6 {
			return m.errf(nil, "%s with %d arguments", sc.Name, len(sc.Args))
		}
		if c.FD, err = m.fd(0); err != nil {
			return err
		}
		if b := sc.Args[1]; b.Kind != ExprEllipsis {
			return m.errf(&b, "buffer contents")
		}
		if c.N, err = m.num(2, "byte count"); err != nil {
			return err
		}
		if c.N < 0 {
			return m.errf(&sc.Args[2], "negative byte count")
		}
		if f := sc.Args[3]; f.Kind != ExprInt || f.Int != 0 {
			return m.errf(&f, "%s with flags %s", sc.Name, &f)
		}
		for i := 4; i < 6; i++ {
			if a := sc.Args[i]; a.Kind != ExprEllipsis && !(a.Kind == ExprInt && a.Int == 0) {
				return m.errf(&a, "%s to an address", sc.Name)
			}
		}
	case "shutdown":
		c.Kind = spec.CallShutdown
		if err = m.args(2, "shutdown(fd, SHUT_RD|SHUT_WR|SHUT_RDWR)"); err != nil {
			return err
		}
		if c.FD, err = m.fd(0); err != nil {
			return err
		}
		how, err := m.word(1, "SHUT_RD", "SHUT_WR", "SHUT_RDWR")
		if err != nil {
			return err
		}
		c.How = map[string]spec.ShutHow{"SHUT_RD": spec.ShutRD, "SHUT_WR": spec.ShutWR, "SHUT_RDWR": spec.ShutRDWR}[how]
	case "close":
		c.Kind = spec.CallClose
		if err = m.args(1, "close(fd)"); err != nil {
			return err
		}
		if c.FD, err = m.fd(0); err != nil {
			return err
		}
	case "fcntl":
		return m.fcntl()
	case "setsockopt":
		return m.sockopt(true)
	case "getsockopt":
		return m.sockopt(false)
	default:
		return m.errf(nil, "not a system call the model has")
	}
	return nil
}

func (m callMapper) fcntl() error {
	sc := m.sc
	c := &sc.Call
	if len(sc.Args) < 2 {
		return m.errf(nil, "fcntl with %d arguments", len(sc.Args))
	}
	var err error
	if c.FD, err = m.fd(0); err != nil {
		return err
	}
	cmd := sc.Args[1]
	if cmd.Kind == ExprWord && cmd.Text == "F_GETFL" && len(sc.Args) == 2 {
		// The file status flags are the socket's own (O_RDWR, and
		// O_NONBLOCK as set); the model keeps no file flags.
		return m.noop("fcntl(F_GETFL) result (file flags are not modelled)")
	}
	if cmd.Kind != ExprWord || cmd.Text != "F_SETFL" {
		return m.errf(&cmd, "fcntl %s", &cmd)
	}
	if err = m.args(3, "fcntl(fd, F_SETFL, flags)"); err != nil {
		return err
	}
	c.Kind, c.Opt = spec.CallSetsockopt, spec.OptNonBlock
	flags := []Expr{sc.Args[2]}
	if sc.Args[2].Kind == ExprOr {
		flags = sc.Args[2].Elems
	}
	for _, f := range flags {
		switch {
		case f.Kind == ExprWord && f.Text == "O_NONBLOCK":
			c.Val = 1
		case f.Kind == ExprWord && f.Text == "O_RDWR":
		case f.Kind == ExprInt && f.Int == 0:
		default:
			return m.errf(&f, "file status flag %s", &f)
		}
	}
	return nil
}

type sockoptInfo struct {
	level string // SOL_SOCKET or SOL_TCP
	opt   spec.SockOpt
	set   bool // may be set
	get   bool // may be read
}

var sockopts = map[string]sockoptInfo{
	"SO_REUSEADDR":     {"SOL_SOCKET", spec.OptReuseAddr, true, true},
	"SO_LINGER":        {"SOL_SOCKET", spec.OptLinger, true, true},
	"SO_ERROR":         {"SOL_SOCKET", spec.OptError, false, true},
	"TCP_USER_TIMEOUT": {"SOL_TCP", spec.OptUserTimeout, true, true},
	"TCP_LINGER2":      {"SOL_TCP", spec.OptLinger2, true, true},
	"TCP_NODELAY":      {"SOL_TCP", spec.OptNoDelay, true, false},
	"TCP_INFO":         {"SOL_TCP", spec.OptState, false, true},
	"TCP_QUICKACK":     {"SOL_TCP", spec.OptQuickAck, true, true},
	// TCP_R2 is this project's extension: R2 as a retransmission count
	// (RFC 9293 MUST-21); a negative value means no limit.
	"TCP_R2": {"SOL_TCP", spec.OptR2, true, true},
}

func (m callMapper) sockopt(set bool) error {
	sc := m.sc
	c := &sc.Call
	form := "setsockopt(fd, level, option, value, length)"
	c.Kind = spec.CallSetsockopt
	if !set {
		form = "getsockopt(fd, level, option, value, length)"
		c.Kind = spec.CallGetsockopt
	}
	if err := m.args(5, form); err != nil {
		return err
	}
	var err error
	if c.FD, err = m.fd(0); err != nil {
		return err
	}
	lv, on := sc.Args[1], sc.Args[2]
	if lv.Kind != ExprWord || on.Kind != ExprWord {
		return m.errf(&lv, "level and option must be names such as SOL_SOCKET, SO_LINGER")
	}
	info, ok := sockopts[on.Text]
	if !ok || (set && !info.set) || (!set && !info.get) {
		if !set {
			// Reading an option the model does not keep changes
			// nothing; only its value goes unchecked.
			return m.noop(fmt.Sprintf("getsockopt(%s) value (not modelled)", on.Text))
		}
		return m.errf(&on, "socket option %s", on.Text)
	}
	level := lv.Text
	if level == "IPPROTO_TCP" {
		level = "SOL_TCP"
	}
	if level != info.level {
		return m.errf(&lv, "%s belongs to level %s, not %s", on.Text, info.level, lv.Text)
	}
	c.Opt = info.opt
	val := &sc.Args[3]
	if err := m.ellipsisOrInt(4); err != nil {
		return err
	}
	if set {
		return m.setValue(val)
	}
	return m.getValue(val)
}

func (m callMapper) setValue(val *Expr) error {
	c := &m.sc.Call
	if c.Opt == spec.OptLinger {
		on, secs, err := m.linger(val)
		if err != nil {
			return err
		}
		c.Val, c.Val2 = on, secs
		return nil
	}
	v, err := m.num(3, "option value")
	if err != nil {
		return err
	}
	c.Val = v
	return nil
}

func (m callMapper) linger(val *Expr) (int64, int64, error) {
	if val.Kind != ExprStruct || len(val.Fields) != 2 || val.Fields[0].Name != "onoff" || val.Fields[1].Name != "linger" ||
		val.Fields[0].Val.Kind != ExprInt || val.Fields[1].Val.Kind != ExprInt {
		return 0, 0, m.errf(val, "SO_LINGER value must be {onoff=N, linger=N}, not %s", val)
	}
	return val.Fields[0].Val.Int, val.Fields[1].Val.Int, nil
}

func (m callMapper) getValue(val *Expr) error {
	sc := m.sc
	if val.Kind == ExprEllipsis {
		sc.Unchecked = append(sc.Unchecked, "option value (...)")
		return nil
	}
	sc.HasValue, sc.ValueText = true, val.String()
	switch sc.Call.Opt {
	case spec.OptError:
		e := val
		if e.Kind == ExprList && len(e.Elems) == 1 {
			e = &e.Elems[0]
		}
		switch e.Kind {
		case ExprInt:
			sc.Value = e.Int
		case ExprWord:
			n, err := spec.ParseErrno(e.Text)
			if err != nil {
				return m.errf(e, "SO_ERROR value: %v", err)
			}
			sc.Value = int64(n)
		default:
			return m.errf(e, "SO_ERROR value must be [0] or [ERRNO], not %s", e)
		}
	case spec.OptState:
		if val.Kind != ExprStruct || len(val.Fields) != 1 || val.Fields[0].Name != "tcpi_state" || val.Fields[0].Val.Kind != ExprWord {
			return m.errf(val, "TCP_INFO: only {tcpi_state=STATE} is supported, not %s", val)
		}
		st, err := spec.ParseState(val.Fields[0].Val.Text)
		if err != nil {
			return m.errf(val, "TCP_INFO: %v", err)
		}
		sc.Value = int64(st)
	case spec.OptLinger:
		on, secs, err := m.linger(val)
		if err != nil {
			return err
		}
		sc.Value = on
		sc.Unchecked = append(sc.Unchecked, fmt.Sprintf("l_linger=%d (the call's result carries l_onoff only)", secs))
	default:
		v, err := m.num(3, "option value")
		if err != nil {
			return err
		}
		sc.Value = v
	}
	return nil
}
