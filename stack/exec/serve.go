package execstack

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
	"github.com/tcpclose/tcpclose/wire"
)

// Agent describes a stack written in Go that Serve offers over the
// protocol.
type Agent struct {
	// Name is the name= capability ("impl").
	Name string
	// Exact is the exact= capability: the stack models the window and
	// options as the model does.
	Exact bool
	// New builds the stack once the hello and the profile have arrived:
	// every profile field is set ("sets=all"), starting from rfc9293.
	New func(p spec.Profile, cfg spec.HostConfig) (stack.Stack, error)
}

// Serve answers the protocol on r and w for the stack a builds, until
// "quit" or the end of r. It returns an error for a request it cannot
// parse (after answering "error ..."), or when writing fails.
func Serve(a Agent, r io.Reader, w io.Writer) error {
	br := bufio.NewReaderSize(r, MaxLine)
	bw := bufio.NewWriter(w)
	sv := &server{a: a, w: bw}
	for {
		b, err := br.ReadSlice('\n')
		if errors.Is(err, io.EOF) && len(b) == 0 {
			return sv.close()
		}
		if err != nil {
			return fmt.Errorf("read request: %w", err)
		}
		line := strings.TrimRight(string(b), "\r\n")
		quit, err := sv.handle(line)
		if err != nil {
			fmt.Fprintf(bw, "error %s\n", err)
			_ = bw.Flush()
			_ = sv.close()
			return fmt.Errorf("request %s: %w", quote(line), err)
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		if quit {
			return sv.close()
		}
	}
}

type server struct {
	a     Agent
	w     *bufio.Writer
	hello bool
	addr  spec.Addr
	seed  uint64
	iss   spec.Seq
	prof  spec.Profile
	st    stack.Stack
	ipID  uint16
}

func (sv *server) close() error {
	if sv.st != nil {
		return sv.st.Close()
	}
	return nil
}

func (sv *server) handle(line string) (quit bool, err error) {
	f := strings.Fields(line)
	if len(f) == 0 {
		return false, errors.New("empty request")
	}
	if !sv.hello {
		return false, sv.handshake(f)
	}
	var out []stack.Observed
	switch f[0] {
	case "quit":
		return true, nil
	case "set":
		if sv.st != nil {
			return false, errors.New("set after the first event")
		}
		if len(f) != 3 {
			return false, errors.New("set wants FIELD VALUE")
		}
		if err := sv.prof.SetField(f[1], f[2]); err != nil {
			return false, err
		}
	case "state":
		if sv.st != nil {
			if c, ok := sv.st.(interface {
				Conns() map[spec.FourTuple]spec.State
			}); ok {
				for t, s := range c.Conns() {
					fmt.Fprintf(sv.w, "conn %s %s %s\n", t.Local, t.Remote, s)
				}
			}
		}
	case "inject", "call", "advance":
		if len(f) < 2 {
			return false, fmt.Errorf("%s without a time", f[0])
		}
		at, err := parseTime(f[1])
		if err != nil {
			return false, err
		}
		if err := sv.start(); err != nil {
			return false, err
		}
		switch f[0] {
		case "inject":
			if len(f) != 3 {
				return false, errors.New("inject wants T HEX")
			}
			b, err := hex.DecodeString(f[2])
			if err != nil {
				return false, fmt.Errorf("inject: bad hex: %w", err)
			}
			seg, err := wire.DecodeSegment(b)
			if err != nil {
				return false, fmt.Errorf("inject: %w", err)
			}
			out, err = sv.st.Inject(at, seg)
			if err != nil {
				return false, err
			}
		case "call":
			c, err := ParseCall(f[2:])
			if err != nil {
				return false, err
			}
			if out, err = sv.st.Call(at, c); err != nil {
				return false, err
			}
		case "advance":
			if len(f) != 2 {
				return false, errors.New("advance wants T")
			}
			if out, err = sv.st.Advance(at); err != nil {
				return false, err
			}
		}
	default:
		return false, fmt.Errorf("unknown request %q", f[0])
	}
	for _, o := range out {
		var pkt []byte
		if o.Out.Kind == spec.OutSegment {
			sv.ipID++
			if pkt, err = wire.EncodeSegment(o.Out.Seg, sv.ipID); err != nil {
				return false, err
			}
		}
		sv.w.WriteString(FormatOutput(o.At, o.Out, pkt))
		sv.w.WriteByte('\n')
	}
	now := spec.Time(0)
	if sv.st != nil {
		now = sv.st.Now()
	}
	fmt.Fprintf(sv.w, "done %d\n", int64(now))
	return false, nil
}

func (sv *server) handshake(f []string) error {
	if f[0] != "hello" || len(f) < 2 {
		return fmt.Errorf("want hello, not %q", f[0])
	}
	if f[1] != strconv.Itoa(Version) {
		fmt.Fprintf(sv.w, "hello %d name=%s\n", Version, sv.a.Name)
		return fmt.Errorf("tcpclose speaks protocol %s, this agent %d", f[1], Version)
	}
	sv.addr = stack.LocalIP()
	for _, kv := range f[2:] {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "addr":
			a, err := spec.ParseSockAddr(v + ":0")
			if err != nil {
				return err
			}
			sv.addr = a.IP
		case "seed":
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return fmt.Errorf("bad seed %q", v)
			}
			sv.seed = n
		case "iss":
			n, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				return fmt.Errorf("bad iss %q", v)
			}
			sv.iss = spec.Seq(n)
		}
	}
	p, err := spec.LookupProfile("rfc9293")
	if err != nil {
		return err
	}
	sv.prof = p
	sv.hello = true
	exact := "no"
	if sv.a.Exact {
		exact = "yes"
	}
	fmt.Fprintf(sv.w, "hello %d name=%s clock=virtual ipv6=no state=no exact=%s iss=yes sets=all\n", Version, sv.a.Name, exact)
	return nil
}

func (sv *server) start() error {
	if sv.st != nil {
		return nil
	}
	st, err := sv.a.New(sv.prof, spec.HostConfig{Addr: sv.addr, ISNSecret: sv.seed, FixedISS: sv.iss})
	if err != nil {
		return err
	}
	sv.st = st
	return nil
}
