package execstack

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
	"github.com/tcpclose/tcpclose/wire"
)

// Config says how to start an agent.
type Config struct {
	// Argv is the agent's command: the program and its arguments.
	Argv []string
	// Dir is the agent's working directory ("" for this process's).
	Dir string
	// Addr is the stack's address; zero means stack.LocalIP().
	Addr spec.Addr
	// Seed is passed on in the hello (seed=), for agents that draw random
	// numbers.
	Seed uint64
	// FixedISS, when non-zero, is passed on in the hello (iss=) to agents
	// that take one (Caps.ISS).
	FixedISS spec.Seq
	// Profile is what the stack should behave as: the fields the agent
	// can be set to (Caps.Sets) are sent with "set"; the others that
	// differ from the agent's own profile become notes (Notes).
	Profile spec.Profile
	// Log, if set, receives the transcript: every request ("> "), every
	// reply line ("< ") and the agent's standard error ("! ").
	Log io.Writer
	// Timeout bounds each exchange (0: DefaultTimeout). On the wall
	// clock an advance gets the time it asks for on top.
	Timeout time.Duration
}

// DefaultTimeout is the time an agent gets to answer one request.
const DefaultTimeout = 10 * time.Second

// maxReplies bounds the lines of one reply, so that a runaway agent
// cannot fill memory.
const maxReplies = 1 << 16

// Stack is a stack in an agent process, driven over the protocol. It
// implements stack.Stack and stack.Noter. It is not safe for concurrent
// use.
type Stack struct {
	cfg   Config
	name  string // "exec:PATH" in errors
	caps  Caps
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan lineOrErr
	tail  *tailBuffer
	done  chan struct{} // closed when the process has exited
	werr  error         // the process's exit status, once done

	now   spec.Time
	ipID  uint16
	notes []string
	err   error // set once the agent failed or the stack was closed
}

type lineOrErr struct {
	line string
	err  error
}

var _ stack.Stack = (*Stack)(nil)

// Start spawns the agent, does the handshake and sends the profile.
func Start(cfg Config) (*Stack, error) {
	if len(cfg.Argv) == 0 || cfg.Argv[0] == "" {
		return nil, errors.New("exec: no agent command")
	}
	if cfg.Addr == (spec.Addr{}) {
		cfg.Addr = stack.LocalIP()
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	s := &Stack{cfg: cfg, name: "exec:" + cfg.Argv[0], lines: make(chan lineOrErr, 64), tail: &tailBuffer{}, done: make(chan struct{})}
	s.cmd = exec.Command(cfg.Argv[0], cfg.Argv[1:]...)
	s.cmd.Dir = cfg.Dir
	s.cmd.Stderr = s.tail
	if cfg.Log != nil {
		s.cmd.Stderr = io.MultiWriter(s.tail, &prefixWriter{w: cfg.Log, prefix: "! "})
	}
	var err error
	if s.stdin, err = s.cmd.StdinPipe(); err != nil {
		return nil, fmt.Errorf("%s: %w", s.name, err)
	}
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.name, err)
	}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: start: %w", s.name, err)
	}
	go s.read(stdout)
	if err := s.handshake(); err != nil {
		s.kill()
		return nil, err
	}
	return s, nil
}

// read delivers the agent's lines, each at most MaxLine long, then the
// error that ended them. It returns when the agent's output ends.
func (s *Stack) read(r io.Reader) {
	br := bufio.NewReaderSize(r, MaxLine)
	for {
		b, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			s.lines <- lineOrErr{err: fmt.Errorf("a reply line longer than %d bytes", MaxLine)}
			break
		}
		if err != nil {
			if len(b) > 0 {
				s.lines <- lineOrErr{err: fmt.Errorf("an unterminated line %s", quote(string(b)))}
			} else {
				s.lines <- lineOrErr{err: io.EOF}
			}
			break
		}
		line := strings.TrimRight(string(b), "\r\n")
		if s.cfg.Log != nil {
			fmt.Fprintf(s.cfg.Log, "< %s\n", line)
		}
		s.lines <- lineOrErr{line: line}
	}
	// Drain the pipe so the agent never blocks writing, then reap it.
	_, _ = io.Copy(io.Discard, r)
	s.werr = s.cmd.Wait()
	close(s.done)
}

// next returns the agent's next line, or an error naming the request.
func (s *Stack) next(req string, deadline *time.Timer) (string, error) {
	select {
	case l := <-s.lines:
		if l.err == nil {
			return l.line, nil
		}
		if errors.Is(l.err, io.EOF) {
			return "", s.fail(req, s.exited())
		}
		return "", s.fail(req, "sent "+l.err.Error())
	case <-deadline.C:
		return "", s.fail(req, fmt.Sprintf("no reply within %s", s.cfg.Timeout))
	}
}

// exited describes how the agent ended, with its last line of stderr.
func (s *Stack) exited() string {
	msg := "the agent closed its output"
	select {
	case <-s.done:
		msg = "the agent exited (status 0)"
		if s.werr != nil {
			msg = "the agent exited (" + s.werr.Error() + ")"
		}
	case <-time.After(time.Second):
	}
	if t := s.tail.last(); t != "" {
		msg += "; its stderr: " + t
	}
	return msg
}

// fail records the agent as failed: the error names the agent, the
// request and what went wrong, in one line; the agent is killed.
func (s *Stack) fail(req, what string) error {
	s.err = fmt.Errorf("%s: %s in reply to %s", s.name, what, quote(req))
	s.kill()
	return s.err
}

func (s *Stack) kill() {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
	}
	_ = s.stdin.Close()
}

// send writes a request line.
func (s *Stack) send(req string) error {
	if s.cfg.Log != nil {
		fmt.Fprintf(s.cfg.Log, "> %s\n", req)
	}
	if _, err := io.WriteString(s.stdin, req+"\n"); err != nil {
		return s.fail(req, "cannot write the request: "+s.exited())
	}
	return nil
}

func (s *Stack) handshake() error {
	hello := fmt.Sprintf("hello %d addr=%s seed=%d", Version, s.cfg.Addr, s.cfg.Seed)
	if s.cfg.FixedISS != 0 {
		hello += fmt.Sprintf(" iss=%d", uint32(s.cfg.FixedISS))
	}
	if err := s.send(hello); err != nil {
		return err
	}
	t := time.NewTimer(s.cfg.Timeout)
	defer t.Stop()
	line, err := s.next(hello, t)
	if err != nil {
		return err
	}
	f := strings.Fields(line)
	if len(f) < 2 || f[0] != "hello" {
		return s.fail(hello, "sent "+quote(line)+", not a hello")
	}
	if f[1] != fmt.Sprint(Version) {
		return s.fail(hello, fmt.Sprintf("the agent speaks protocol version %s, this tcpclose speaks %d", f[1], Version))
	}
	if s.caps, err = parseCaps(f[2:]); err != nil {
		return s.fail(hello, "bad hello: "+err.Error())
	}
	s.caps.Version = Version
	if s.caps.Clock == "wall" {
		s.notes = append(s.notes, s.caps.Name+" runs on the wall clock")
	}
	return s.configure()
}

// configure sends the profile fields the agent can be set to and notes
// the others that differ from its own profile.
func (s *Stack) configure() error {
	all := slices.Contains(s.caps.Sets, "all")
	var own *spec.Profile
	if s.caps.Profile != "" {
		p, _ := spec.LookupProfile(s.caps.Profile)
		own = &p
	}
	for _, f := range spec.Fields() {
		v, _ := s.cfg.Profile.FieldValue(f)
		if v == "0 (off)" {
			v = "0s"
		}
		if !all && !slices.Contains(s.caps.Sets, f) {
			if own != nil {
				if ov, _ := own.FieldValue(f); ov != v && ov != strings.Replace(v, "0s", "0 (off)", 1) {
					s.notes = append(s.notes, fmt.Sprintf("%s: %s=%s cannot be set, it stays %s", s.caps.Name, f, v, ov))
				}
			}
			continue
		}
		if _, err := s.exchange(fmt.Sprintf("set %s %s", f, v), nil); err != nil {
			return err
		}
	}
	return nil
}

// Caps returns the capabilities the agent stated.
func (s *Stack) Caps() Caps { return s.caps }

// Notes implements stack.Noter: profile fields the agent could not be
// set to and what it said about the others.
func (s *Stack) Notes() []string { return s.notes }

// Name implements stack.Stack.
func (s *Stack) Name() string { return s.caps.Name }

// Now implements stack.Stack: the agent's clock as of its last reply.
func (s *Stack) Now() spec.Time { return s.now }

// exchange sends req and reads the reply up to its "done" line. Outputs
// are returned in order; "note" lines are collected.
func (s *Stack) exchange(req string, extra func(f []string) (bool, error)) ([]stack.Observed, error) {
	if s.err != nil {
		return nil, s.err
	}
	if err := s.send(req); err != nil {
		return nil, err
	}
	timeout := s.cfg.Timeout
	if s.caps.Clock == "wall" {
		f := strings.Fields(req)
		if len(f) > 1 {
			if at, err := parseTime(f[1]); err == nil && at > s.now {
				timeout += at.Sub(s.now)
			}
		}
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	var out []stack.Observed
	for n := 0; ; n++ {
		if n > maxReplies {
			return out, s.fail(req, fmt.Sprintf("more than %d reply lines", maxReplies))
		}
		line, err := s.next(req, t)
		if err != nil {
			return out, err
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			return out, s.fail(req, "sent an empty line")
		}
		bad := func(err error) ([]stack.Observed, error) {
			return out, s.fail(req, fmt.Sprintf("sent %s: %v", quote(line), err))
		}
		switch f[0] {
		case "done":
			if len(f) != 2 {
				return bad(errors.New("done wants the agent's time"))
			}
			at, err := parseTime(f[1])
			if err != nil {
				return bad(err)
			}
			if at < s.now {
				return bad(fmt.Errorf("the agent's clock went back from %d", int64(s.now)))
			}
			s.now = at
			return out, nil
		case "error":
			return out, s.fail(req, "the agent failed: "+strings.TrimSpace(strings.TrimPrefix(line, "error")))
		case "log":
			continue
		case "note":
			if len(s.notes) < 1000 {
				s.notes = append(s.notes, s.caps.Name+": "+strings.TrimSpace(strings.TrimPrefix(line, "note")))
			}
			continue
		case "seg", "ret", "notice":
			if len(f) < 2 {
				return bad(errors.New("no time"))
			}
			at, err := parseTime(f[1])
			if err != nil {
				return bad(err)
			}
			if at < s.now {
				return bad(fmt.Errorf("output at %d, before the agent's last time %d", int64(at), int64(s.now)))
			}
			var o spec.Output
			switch f[0] {
			case "seg":
				if len(f) != 3 {
					return bad(errors.New("seg wants T HEX"))
				}
				b, err := hex.DecodeString(f[2])
				if err != nil {
					return bad(fmt.Errorf("bad hex: %w", err))
				}
				seg, err := wire.DecodeSegment(b)
				if errors.Is(err, wire.ErrNotTCP) {
					continue
				}
				if err != nil {
					return bad(err)
				}
				o = spec.SegmentOut(seg)
			case "ret":
				if o, err = parseResult(f[2:]); err != nil {
					return bad(err)
				}
			case "notice":
				if o, err = parseNotice(f[2:]); err != nil {
					return bad(err)
				}
			}
			out = append(out, stack.Observed{At: at, Out: o})
			continue
		}
		if extra != nil {
			if ok, err := extra(f); ok {
				if err != nil {
					return bad(err)
				}
				continue
			}
		}
		return bad(fmt.Errorf("unknown message %q", f[0]))
	}
}

// Inject implements stack.Stack. Addresses left zero in seg default to
// the script's: the peer is stack.RemoteIP(), the host its own address.
func (s *Stack) Inject(at spec.Time, seg spec.Segment) ([]stack.Observed, error) {
	if seg.Src.IP == (spec.Addr{}) {
		seg.Src.IP = stack.RemoteIP()
	}
	if seg.Dst.IP == (spec.Addr{}) {
		seg.Dst.IP = s.cfg.Addr
	}
	s.ipID++
	b, err := wire.EncodeSegment(seg, s.ipID)
	if err != nil {
		return nil, fmt.Errorf("%s: inject at %s: %w", s.name, at, err)
	}
	return s.exchange(fmt.Sprintf("inject %d %s", int64(max(at, s.now)), hex.EncodeToString(b)), nil)
}

// Call implements stack.Stack. A call the agent does not list among its
// capabilities returns -1 EOPNOTSUPP without reaching it (and a note).
func (s *Stack) Call(at spec.Time, c spec.Call) ([]stack.Observed, error) {
	unsupported := len(s.caps.Calls) > 0 && !slices.Contains(s.caps.Calls, c.Kind.String()) ||
		(c.Kind == spec.CallSetsockopt || c.Kind == spec.CallGetsockopt) && len(s.caps.Opts) > 0 && !slices.Contains(s.caps.Opts, c.Opt.String())
	if unsupported {
		out, err := s.runTo(at, nil, nil)
		if err != nil {
			return out, err
		}
		note := fmt.Sprintf("%s does not support %s: it returns -1 EOPNOTSUPP", s.caps.Name, c)
		if !slices.Contains(s.notes, note) {
			s.notes = append(s.notes, note)
		}
		return append(out, stack.Observed{At: s.now, Out: spec.ResultOut(c.FD, c.Kind, -1, spec.EOPNOTSUPP)}), nil
	}
	return s.exchange(fmt.Sprintf("call %d %s", int64(max(at, s.now)), FormatCall(c)), nil)
}

// runTo advances to at without stopping at outputs.
func (s *Stack) runTo(at spec.Time, out []stack.Observed, err error) ([]stack.Observed, error) {
	for err == nil && s.now < at {
		var more []stack.Observed
		more, err = s.Advance(at)
		out = append(out, more...)
	}
	return out, err
}

// Advance implements stack.Stack.
func (s *Stack) Advance(until spec.Time) ([]stack.Observed, error) {
	return s.exchange(fmt.Sprintf("advance %d", int64(max(until, s.now))), nil)
}

// Conns asks the agent for its connections and their states (agents with
// Caps.State).
func (s *Stack) Conns() (map[spec.FourTuple]spec.State, error) {
	m := make(map[spec.FourTuple]spec.State)
	if !s.caps.State {
		return m, fmt.Errorf("%s: the agent does not report state", s.name)
	}
	_, err := s.exchange("state", func(f []string) (bool, error) {
		if f[0] != "conn" {
			return false, nil
		}
		if len(f) != 4 {
			return true, errors.New("conn wants LOCAL REMOTE STATE")
		}
		var t spec.FourTuple
		var err error
		if t.Local, err = spec.ParseSockAddr(f[1]); err != nil {
			return true, err
		}
		if t.Remote, err = spec.ParseSockAddr(f[2]); err != nil {
			return true, err
		}
		st, err := spec.ParseState(f[3])
		if err != nil {
			return true, err
		}
		m[t] = st
		return true, nil
	})
	return m, err
}

// Close implements stack.Stack: it says "quit", gives the agent the
// exchange timeout to exit, then kills it.
func (s *Stack) Close() error {
	if errors.Is(s.err, errClosed) {
		return nil
	}
	failed := s.err
	s.err = errClosed
	if failed != nil {
		s.kill()
		<-s.done
		return nil
	}
	_, _ = io.WriteString(s.stdin, "quit\n")
	_ = s.stdin.Close()
	select {
	case <-s.done:
	case <-time.After(s.cfg.Timeout):
		s.kill()
		<-s.done
		return fmt.Errorf("%s: the agent did not exit within %s of quit", s.name, s.cfg.Timeout)
	}
	if s.werr != nil {
		return fmt.Errorf("%s: the agent exited after quit with %v", s.name, s.werr)
	}
	return nil
}

var errClosed = errors.New("execstack: stack closed")

// tailBuffer keeps the last few KiB an agent wrote on stderr.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

const tailMax = 4096

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > tailMax {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-tailMax:]...)
	}
	return len(p), nil
}

// last returns the last non-empty line.
func (t *tailBuffer) last() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := strings.Split(strings.TrimSpace(string(t.buf)), "\n")
	l := strings.TrimSpace(lines[len(lines)-1])
	if len(l) > 200 {
		l = l[:200] + "..."
	}
	return l
}

// prefixWriter writes each line with a prefix.
type prefixWriter struct {
	w      io.Writer
	prefix string
	mid    bool
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	n := len(b)
	for len(b) > 0 {
		if !p.mid {
			if _, err := io.WriteString(p.w, p.prefix); err != nil {
				return 0, err
			}
		}
		i := strings.IndexByte(string(b), '\n')
		if i < 0 {
			p.mid = true
			_, err := p.w.Write(b)
			return n, err
		}
		if _, err := p.w.Write(b[:i+1]); err != nil {
			return 0, err
		}
		p.mid = false
		b = b[i+1:]
	}
	return n, nil
}
