package sim

import (
	"fmt"
	"strings"
	"time"

	"github.com/tcpclose/tcpclose/spec"
)

// Op is an application action. Each action is one or more blocking socket
// calls; an application runs its actions one after another, like a
// single-threaded program with blocking sockets, so at most one call is
// outstanding per side.
type Op uint8

// Application actions.
const (
	OpListen   Op = iota + 1 // socket, SO_REUSEADDR, bind to the side's port, listen
	OpAccept                 // accept(2) on the listener: the new socket becomes current
	OpConnect                // socket, SO_REUSEADDR, bind to the side's port (the same 4-tuple every time), connect
	OpWrite                  // write N octets (as many write(2) calls as it takes)
	OpRead                   // read N more octets (stopping early at end-of-file or an error), or with ToEOF until end-of-file or an error
	OpShutdown               // shutdown(SHUT_WR): half-close
	OpClose                  // close(2): CLOSE, or RST if unread data remains and the profile says so
	OpAbort                  // SO_LINGER {on, 0}, then close(2): ABORT
	OpWait                   // do nothing for D
)

var opNames = [...]string{"", "listen", "accept", "connect", "write", "read", "shutdown", "close", "abort", "wait"}

func (o Op) String() string {
	if int(o) < len(opNames) && o != 0 {
		return opNames[o]
	}
	return fmt.Sprintf("Op(%d)", uint8(o))
}

// Cond holds an action back until all its parts hold.
type Cond struct {
	// At: not before this virtual time (measured from the start).
	At time.Duration
	// EOF: the current connection has seen the peer's FIN (read returned
	// 0 or the peer-closed notice arrived).
	EOF bool
	// MinRead: the current connection has read at least this many octets.
	MinRead int64
	// Notices: any of these notices has arrived on the current connection.
	Notices []spec.Notice
}

func (c Cond) zero() bool { return c.At == 0 && !c.EOF && c.MinRead == 0 && len(c.Notices) == 0 }

func (c Cond) String() string {
	var parts []string
	if c.At > 0 {
		parts = append(parts, "at "+spec.Time(c.At).String())
	}
	if c.EOF {
		parts = append(parts, "after EOF")
	}
	if c.MinRead > 0 {
		parts = append(parts, fmt.Sprintf("after %d read", c.MinRead))
	}
	if len(c.Notices) > 0 {
		ns := make([]string, len(c.Notices))
		for i, n := range c.Notices {
			ns[i] = n.String()
		}
		parts = append(parts, "after "+strings.Join(ns, "|"))
	}
	return strings.Join(parts, ", ")
}

// Action is one step of an application program.
type Action struct {
	Op Op
	// N: octets to write or read.
	N int64
	// ToEOF: OpRead reads until end-of-file or an error, whatever N.
	ToEOF bool
	// D: how long OpWait waits; how long OpConnect waits before a retry.
	D time.Duration
	// Retries: how many times OpConnect starts again (with a fresh
	// socket) after bind or connect fails.
	Retries int
	// When holds the action back until it holds.
	When Cond
}

func (a Action) String() string {
	var s string
	switch a.Op {
	case OpWrite:
		s = fmt.Sprintf("write %d", a.N)
	case OpRead:
		if a.ToEOF {
			s = "read to EOF"
		} else {
			s = fmt.Sprintf("read %d", a.N)
		}
	case OpWait:
		s = "wait " + a.D.String()
	case OpConnect:
		s = "connect"
		if a.Retries > 0 {
			s += fmt.Sprintf(" (retry %d× every %s)", a.Retries, a.D)
		}
	default:
		s = a.Op.String()
	}
	if !a.When.zero() {
		s += " [" + a.When.String() + "]"
	}
	return s
}

// Program is an application program: its actions, run in order.
type Program []Action

func (s Program) String() string {
	parts := make([]string, len(s))
	for i, a := range s {
		parts[i] = a.String()
	}
	return strings.Join(parts, "; ")
}

// Constructors for actions.

// Listen is OpListen.
func Listen() Action { return Action{Op: OpListen} }

// Accept is OpAccept.
func Accept() Action { return Action{Op: OpAccept} }

// Connect is OpConnect.
func Connect() Action { return Action{Op: OpConnect} }

// ConnectRetry is OpConnect retrying up to n times, every d.
func ConnectRetry(n int, d time.Duration) Action {
	return Action{Op: OpConnect, Retries: n, D: d}
}

// Write is OpWrite of n octets.
func Write(n int64) Action { return Action{Op: OpWrite, N: n} }

// Read is OpRead of n octets.
func Read(n int64) Action { return Action{Op: OpRead, N: n} }

// ReadEOF reads until end-of-file (or an error).
func ReadEOF() Action { return Action{Op: OpRead, ToEOF: true} }

// Shutdown is OpShutdown (SHUT_WR).
func Shutdown() Action { return Action{Op: OpShutdown} }

// Close is OpClose.
func Close() Action { return Action{Op: OpClose} }

// Abort is OpAbort.
func Abort() Action { return Action{Op: OpAbort} }

// Wait is OpWait for d.
func Wait(d time.Duration) Action { return Action{Op: OpWait, D: d} }

// At holds a back until virtual time t.
func (a Action) At(t time.Duration) Action { a.When.At = t; return a }

// AfterEOF holds a back until the current connection has seen the peer's FIN.
func (a Action) AfterEOF() Action { a.When.EOF = true; return a }

// AfterRead holds a back until the current connection has read n octets.
func (a Action) AfterRead(n int64) Action { a.When.MinRead = n; return a }

// AfterNotice holds a back until one of ns arrives on the current connection.
func (a Action) AfterNotice(ns ...spec.Notice) Action {
	a.When.Notices = append([]spec.Notice(nil), ns...)
	return a
}

// AfterEnd holds a back until the current connection has ended as far as
// the application can tell: our FIN was acknowledged (close-done), or it
// was reset, refused or timed out.
func (a Action) AfterEnd() Action {
	return a.AfterNotice(spec.NoticeCloseDone, spec.NoticeReset, spec.NoticeRefused, spec.NoticeTimeout)
}

// ---- reports ------------------------------------------------------------

// NoticeAt is a notice with the time it arrived.
type NoticeAt struct {
	At     spec.Time
	FD     int32
	Notice spec.Notice
}

// CallError is a call that failed.
type CallError struct {
	At   spec.Time
	Call spec.CallKind
	Err  spec.Errno
}

// Session is what one connection looked like to the application: from
// connect(2) or accept(2) to close(2).
type Session struct {
	FD     int32
	Tuple  spec.FourTuple
	Opened spec.Time
	// Established: connect(2) succeeded, or accept(2) returned it.
	Established bool
	// Written counts octets write(2) accepted; Read octets read(2) returned.
	Written, Read int64
	// EOF: read(2) returned 0; EOFAt when; ReadAtEOF the octets read by then.
	EOF       bool
	EOFAt     spec.Time
	ReadAtEOF int64
	// SawReset, SawTimeout: a call failed with ECONNRESET, ETIMEDOUT.
	SawReset, SawTimeout bool
	Errors               []CallError
	Notices              []NoticeAt
	Closed               bool // the application closed the socket
	Aborted              bool // ... with SO_LINGER {on, 0}
	// Closing: the application called shutdown, close or abort, first at
	// CloseAt.
	Closing bool
	CloseAt spec.Time
}

// Told reports whether notice n arrived on this connection.
func (s *Session) Told(n spec.Notice) bool {
	for _, x := range s.Notices {
		if x.Notice == n {
			return true
		}
	}
	return false
}

// Count counts the notices n on this connection.
func (s *Session) Count(n spec.Notice) int {
	c := 0
	for _, x := range s.Notices {
		if x.Notice == n {
			c++
		}
	}
	return c
}

// SideReport is what one side's application saw.
type SideReport struct {
	Name string
	// Sessions in the order they were opened (failed connects included).
	Sessions []*Session
	// Errors of calls made outside a connection (listen, bind...).
	Errors []CallError
	// ProgramDone: every action ran.
	ProgramDone bool
	// Closed: the host had no connection left at the end of the run (no
	// TIME-WAIT either); ClosedAt is when its last connection went.
	Closed   bool
	ClosedAt spec.Time
}

// TimeToClosed is how long the side took to reach CLOSED after its
// application first called shutdown, close or abort on its last
// connection; ok is false if the side never closed or never asked to.
func (r *SideReport) TimeToClosed() (d time.Duration, ok bool) {
	if !r.Closed || len(r.Sessions) == 0 {
		return 0, false
	}
	s := r.Sessions[len(r.Sessions)-1]
	if !s.Closing {
		return 0, false
	}
	return r.ClosedAt.Sub(s.CloseAt), true
}

// Written is the total written over all sessions.
func (r *SideReport) Written() int64 {
	var n int64
	for _, s := range r.Sessions {
		n += s.Written
	}
	return n
}

// Read is the total read over all sessions.
func (r *SideReport) Read() int64 {
	var n int64
	for _, s := range r.Sessions {
		n += s.Read
	}
	return n
}

// Established returns the sessions that reached ESTABLISHED, in order.
func (r *SideReport) Established() []*Session {
	var out []*Session
	for _, s := range r.Sessions {
		if s.Established {
			out = append(out, s)
		}
	}
	return out
}

// ---- the application engine ---------------------------------------------

const readChunk = 1 << 16

// app runs one side's program.
type app struct {
	side   Side
	prog   Program
	local  spec.SockAddr
	remote spec.SockAddr
	rep    *SideReport

	pc    int // current action
	phase int // step within the action; 0 = not started
	// the outstanding call
	pending  bool
	pendKind spec.CallKind
	pendFD   int32

	lfd     int32 // listener
	fd      int32 // current connection's socket
	sock    int32 // socket being set up by OpConnect
	cur     *Session
	left    int64 // octets still to write or read
	until   spec.Time
	retries int
}

func newApp(side Side, s Program, local, remote spec.SockAddr, rep *SideReport) *app {
	return &app{side: side, prog: s, local: local, remote: remote, rep: rep, lfd: -1, fd: -1, sock: -1}
}

func (a *app) done() bool { return a.pc >= len(a.prog) && !a.pending }

func (a *app) condHolds(c Cond, now spec.Time) (bool, spec.Time) {
	if spec.Time(c.At) > now {
		return false, spec.Time(c.At)
	}
	s := a.cur
	if c.EOF && (s == nil || !(s.EOF || s.Told(spec.NoticePeerClosed))) {
		return false, spec.Never
	}
	if c.MinRead > 0 && (s == nil || s.Read < c.MinRead) {
		return false, spec.Never
	}
	if len(c.Notices) > 0 {
		ok := false
		for _, n := range c.Notices {
			if s != nil && s.Told(n) {
				ok = true
				break
			}
		}
		if !ok {
			return false, spec.Never
		}
	}
	return true, spec.Never
}

// next returns the call the application makes now, if any. When it
// returns none, wake is the time it wants to be asked again (spec.Never:
// only when something happens).
func (a *app) next(now spec.Time) (c spec.Call, ok bool, wake spec.Time) {
	defer func() {
		if ok && a.cur != nil && c.FD == a.cur.FD && !a.cur.Closing &&
			(c.Kind == spec.CallShutdown || c.Kind == spec.CallClose || (c.Kind == spec.CallSetsockopt && c.Opt == spec.OptLinger)) {
			a.cur.Closing, a.cur.CloseAt = true, now
		}
	}()
	for !a.pending && a.pc < len(a.prog) {
		act := a.prog[a.pc]
		if a.phase == 0 {
			if hold, at := a.condHolds(act.When, now); !hold {
				return c, false, at
			}
			a.phase = 1
			a.retries = act.Retries
			a.left = act.N
			if act.Op == OpWait {
				a.until = now.Add(act.D)
			}
		}
		c, ok, wake = a.step(act, now)
		if ok {
			a.pending, a.pendKind, a.pendFD = true, c.Kind, c.FD
			return c, true, spec.Never
		}
		if wake != spec.Never {
			return c, false, wake
		}
	}
	return c, false, spec.Never
}

// setupCall is the call of phases 1 to 3 of OpListen and OpConnect:
// socket, SO_REUSEADDR, bind to the side's address; ok is false in the
// other phases.
func (a *app) setupCall() (c spec.Call, ok bool) {
	switch a.phase {
	case 1:
		return spec.Call{Kind: spec.CallSocket}, true
	case 2:
		return spec.Call{Kind: spec.CallSetsockopt, FD: a.sock, Opt: spec.OptReuseAddr, Val: 1}, true
	case 3:
		return spec.Call{Kind: spec.CallBind, FD: a.sock, Addr: a.local}, true
	}
	return spec.Call{}, false
}

func (a *app) finish() { a.pc++; a.phase = 0 }

// step produces the next call of action act in its current phase, or
// finishes the action (and returns no call) or asks to wait until wake.
func (a *app) step(act Action, now spec.Time) (spec.Call, bool, spec.Time) {
	none := spec.Call{}
	needFD := func() bool {
		if a.fd < 0 {
			a.rep.Errors = append(a.rep.Errors, CallError{At: now, Call: spec.CallNone, Err: spec.EBADF})
			a.finish()
			return false
		}
		return true
	}
	switch act.Op {
	case OpListen:
		if c, ok := a.setupCall(); ok {
			return c, true, 0
		}
		switch a.phase {
		case 4:
			return spec.Call{Kind: spec.CallListen, FD: a.sock, N: 16}, true, 0
		}
		a.lfd, a.sock = a.sock, -1
	case OpConnect:
		if c, ok := a.setupCall(); ok {
			return c, true, 0
		}
		switch a.phase {
		case 4:
			a.cur = &Session{FD: a.sock, Opened: now, Tuple: spec.FourTuple{Local: a.local, Remote: a.remote}}
			a.rep.Sessions = append(a.rep.Sessions, a.cur)
			a.fd = a.sock
			return spec.Call{Kind: spec.CallConnect, FD: a.sock, Addr: a.remote}, true, 0
		case 5: // failed: release the socket, then wait and retry
			return spec.Call{Kind: spec.CallClose, FD: a.sock}, true, 0
		case 6:
			a.until = now.Add(act.D)
			a.phase = 7
			fallthrough
		case 7:
			if now < a.until {
				return none, false, a.until
			}
			a.phase = 1
			return a.step(act, now)
		}
		a.sock = -1
	case OpAccept:
		if a.phase == 1 {
			return spec.Call{Kind: spec.CallAccept, FD: a.lfd}, true, 0
		}
	case OpWrite:
		if a.phase == 1 && a.left > 0 {
			if !needFD() {
				return none, false, 0
			}
			return spec.Call{Kind: spec.CallWrite, FD: a.fd, N: a.left}, true, 0
		}
	case OpRead:
		if a.phase == 1 && (act.ToEOF || a.left > 0) {
			if !needFD() {
				return none, false, 0
			}
			n := int64(readChunk)
			if !act.ToEOF {
				n = min(n, a.left)
			}
			return spec.Call{Kind: spec.CallRead, FD: a.fd, N: n}, true, 0
		}
	case OpShutdown:
		if a.phase == 1 {
			if !needFD() {
				return none, false, 0
			}
			return spec.Call{Kind: spec.CallShutdown, FD: a.fd, How: spec.ShutWR}, true, 0
		}
	case OpClose:
		if a.phase == 1 {
			if !needFD() {
				return none, false, 0
			}
			return spec.Call{Kind: spec.CallClose, FD: a.fd}, true, 0
		}
	case OpAbort:
		switch a.phase {
		case 1:
			if !needFD() {
				return none, false, 0
			}
			return spec.Call{Kind: spec.CallSetsockopt, FD: a.fd, Opt: spec.OptLinger, Val: 1, Val2: 0}, true, 0
		case 2:
			return spec.Call{Kind: spec.CallClose, FD: a.fd}, true, 0
		}
	case OpWait:
		if now < a.until {
			return none, false, a.until
		}
	}
	a.finish()
	return none, false, 0
}

// result takes the result of the outstanding call.
func (a *app) result(o spec.Output, now spec.Time) {
	a.pending = false
	act := a.prog[a.pc]
	failed := o.Ret == -1
	if failed {
		e := CallError{At: now, Call: o.Call, Err: o.Err}
		if a.cur != nil && o.FD == a.cur.FD && act.Op != OpListen {
			a.cur.Errors = append(a.cur.Errors, e)
			switch o.Err {
			case spec.ECONNRESET:
				a.cur.SawReset = true
			case spec.ETIMEDOUT:
				a.cur.SawTimeout = true
			}
		} else {
			a.rep.Errors = append(a.rep.Errors, e)
		}
	}
	switch act.Op {
	case OpListen:
		if failed {
			a.finish()
			return
		}
		if a.phase == 1 {
			a.sock = int32(o.Ret)
		}
		a.phase++
	case OpConnect:
		switch a.phase {
		case 1:
			if failed {
				a.finish()
				return
			}
			a.sock = int32(o.Ret)
			a.phase++
		case 2:
			a.phase++
		case 3, 4:
			if !failed {
				if a.phase == 4 {
					a.cur.Established = true
				}
				a.phase++
				if a.phase == 5 {
					a.phase = 8 // done
				}
				return
			}
			if a.retries > 0 {
				a.retries--
				if a.phase == 4 {
					a.cur.Closed = true
				}
				a.phase = 5
				return
			}
			a.finish()
		case 5:
			if a.fd == a.sock {
				a.fd = -1
			}
			a.phase = 6
		}
	case OpAccept:
		if failed {
			a.finish()
			return
		}
		a.fd = int32(o.Ret)
		a.cur = &Session{FD: a.fd, Opened: now, Established: true}
		a.rep.Sessions = append(a.rep.Sessions, a.cur)
		a.finish()
	case OpWrite:
		if failed {
			a.finish()
			return
		}
		a.cur.Written += o.Ret
		a.left -= o.Ret
		if a.left <= 0 {
			a.finish()
		}
	case OpRead:
		switch {
		case failed:
			a.finish()
		case o.Ret == 0:
			if !a.cur.EOF {
				a.cur.EOF, a.cur.EOFAt, a.cur.ReadAtEOF = true, now, a.cur.Read
			}
			a.finish()
		default:
			a.cur.Read += o.Ret
			a.left -= o.Ret
			if !act.ToEOF && a.left <= 0 {
				a.finish()
			}
		}
	case OpShutdown:
		a.finish()
	case OpClose, OpAbort:
		if act.Op == OpAbort && a.phase == 1 {
			a.phase++
			return
		}
		if a.cur != nil && a.cur.FD == a.fd {
			a.cur.Closed = true
			a.cur.Aborted = act.Op == OpAbort
		}
		a.fd = -1
		a.finish()
	default:
		a.finish()
	}
}

// notice records a notice for the session holding its fd.
func (a *app) notice(o spec.Output, now spec.Time) {
	n := NoticeAt{At: now, FD: o.FD, Notice: o.Notice}
	for i := len(a.rep.Sessions) - 1; i >= 0; i-- {
		s := a.rep.Sessions[i]
		if s.FD == o.FD && !s.Closed {
			s.Notices = append(s.Notices, n)
			if s.Tuple == (spec.FourTuple{}) {
				s.Tuple = o.Tuple
			}
			return
		}
	}
}
