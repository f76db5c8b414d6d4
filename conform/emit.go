package conform

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack/oracle"
)

// secs prints a time as a script does: seconds, as many decimals as
// needed.
func secs(t spec.Time) string {
	s := strconv.FormatFloat(time.Duration(t).Seconds(), 'f', 6, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// emit writes the run res of kind k as a script whose expected lines are
// the model's outputs: it passes on the model and diverges on the stack.
func (c *campaign) emit(k *Kind, res result) string {
	sc := res.sc
	var b strings.Builder
	fmt.Fprintf(&b, "// tcpclose conform: %s (%s) departs from model/%s.\n", c.cfg.Stack, c.stackName, c.profName)
	fmt.Fprintf(&b, "// Kind: %s\n", k.Key)
	fmt.Fprintf(&b, "//   stack: %s\n//   model: %s\n", k.Stack, k.Model)
	if len(k.Rules) > 0 {
		var ids []string
		for _, id := range k.Rules {
			if !contains(ids, string(id)) {
				ids = append(ids, string(id))
			}
		}
		fmt.Fprintf(&b, "//   rules the model applied: %s\n", strings.Join(ids, " "))
	}
	fmt.Fprintf(&b, "// Scenario %d of tcpclose conform --stack %s --profile %s", k.Scenario, c.cfg.Stack, c.profName)
	for _, s := range c.cfg.Sets {
		fmt.Fprintf(&b, " --set %s", s)
	}
	fmt.Fprintf(&b, " --seed %d (%d occurrences); %d steps, shrunk to %d.\n", c.cfg.Seed, k.Count, k.Steps, k.Shrunk)
	fmt.Fprintf(&b, "// The lines below the set-up are what the model does; replay with\n//   tcpclose run --stack %s THIS.pkt\n", c.cfg.Stack)
	fmt.Fprintf(&b, "--tcpclose_profiles=%s\n", c.profName)
	for _, s := range c.cfg.Sets {
		fmt.Fprintf(&b, "--tcpclose_set=%s\n", s)
	}
	fmt.Fprintf(&b, "--tcpclose_remote_isn=%d\n\n", uint32(sc.PeerISN))

	var iss spec.Seq
	haveISS := false
	type line struct {
		at    spec.Time
		order int
		text  string
	}
	var lines []line
	n := 0
	add := func(at spec.Time, text string) {
		lines = append(lines, line{at, n, text})
		n++
	}
	for _, e := range res.rec {
		switch e.Kind {
		case stepCall, stepEnd:
			add(e.At, callLine(e, res.rec[len(res.rec)-1].At))
		case stepSeg:
			add(e.At, inLine(e.Seg, sc.PeerISN, iss))
		case stepAdvance:
			add(e.At, "// "+secs(e.At)+": time passes")
		}
		for _, o := range e.Outs {
			if !o.Seg {
				continue
			}
			if !haveISS && o.Raw.Flags&spec.SYN != 0 {
				iss, haveISS = o.Raw.Seq, true
			}
			add(o.At, outLine(o, sc.PeerISN, iss))
		}
	}
	sort.SliceStable(lines, func(i, j int) bool {
		if lines[i].at != lines[j].at {
			return lines[i].at < lines[j].at
		}
		return lines[i].order < lines[j].order
	})
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l.text, "//"):
			fmt.Fprintf(&b, "%s\n", l.text)
		case strings.HasPrefix(l.text, "..."):
			fmt.Fprintf(&b, "%s%s\n", secs(l.at), l.text)
		default:
			fmt.Fprintf(&b, "%s %s\n", secs(l.at), l.text)
		}
	}
	return b.String()
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// callLine prints a call with the model's result; a call that returned
// later is written start...end.
func callLine(e recEvent, end spec.Time) string {
	c := e.Call
	var call string
	switch c.Kind {
	case spec.CallSocket:
		call = "socket(..., SOCK_STREAM, IPPROTO_TCP)"
	case spec.CallBind:
		call = fmt.Sprintf("bind(%d, ..., ...)", c.FD)
	case spec.CallListen:
		call = fmt.Sprintf("listen(%d, %d)", c.FD, c.N)
	case spec.CallAccept:
		call = fmt.Sprintf("accept(%d, ..., ...)", c.FD)
	case spec.CallConnect:
		call = fmt.Sprintf("connect(%d, ..., ...)", c.FD)
	case spec.CallRead:
		call = fmt.Sprintf("read(%d, ..., %d)", c.FD, c.N)
	case spec.CallWrite:
		call = fmt.Sprintf("write(%d, ..., %d)", c.FD, c.N)
	case spec.CallShutdown:
		call = fmt.Sprintf("shutdown(%d, %s)", c.FD, c.How)
	case spec.CallClose:
		call = fmt.Sprintf("close(%d)", c.FD)
	case spec.CallSetsockopt:
		switch c.Opt {
		case spec.OptLinger:
			call = fmt.Sprintf("setsockopt(%d, SOL_SOCKET, SO_LINGER, {onoff=%d, linger=%d}, 8)", c.FD, c.Val, c.Val2)
		case spec.OptNonBlock:
			call = fmt.Sprintf("fcntl(%d, F_SETFL, O_RDWR|O_NONBLOCK)", c.FD)
		case spec.OptReuseAddr:
			call = fmt.Sprintf("setsockopt(%d, SOL_SOCKET, SO_REUSEADDR, [%d], 4)", c.FD, c.Val)
		default:
			call = fmt.Sprintf("setsockopt(%d, SOL_TCP, %s, [%d], 4)", c.FD, c.Opt, c.Val)
		}
	case spec.CallGetsockopt:
		switch c.Opt {
		case spec.OptState:
			call = fmt.Sprintf("getsockopt(%d, SOL_TCP, TCP_INFO, {tcpi_state=%s}, ...)", c.FD, stateValue(e.Res))
		case spec.OptError:
			call = fmt.Sprintf("getsockopt(%d, SOL_SOCKET, SO_ERROR, [%s], [4])", c.FD, errValue(e.Res))
		default:
			call = fmt.Sprintf("getsockopt(%d, SOL_TCP, %s, ..., ...)", c.FD, c.Opt)
		}
	}
	ret := "0"
	if e.Res == nil {
		// Still blocked when the run ended: a script cannot say
		// "never", so it says "a minute later"; the run the script
		// reports diverges before that.
		return fmt.Sprintf("...%s %s = 0 // had not returned when the run ended", secs(end.Add(time.Minute)), call)
	}
	r := e.Res.Res
	switch {
	case r.Ret == -1:
		ret = fmt.Sprintf("-1 %s (%s)", r.Err, r.Err.Text())
	case c.Kind == spec.CallGetsockopt:
		ret = "0"
	default:
		ret = strconv.FormatInt(r.Ret, 10)
	}
	if e.Blocked {
		// Blocking: the line's time is the start; print the end in
		// the call itself.
		return fmt.Sprintf("...%s %s = %s", secs(e.Res.At), call, ret)
	}
	return fmt.Sprintf("%s = %s", call, ret)
}

// linuxState is the tcpi_state name of Linux's TCP_INFO for st.
func linuxState(st spec.State) string {
	switch st {
	case spec.Listen:
		return "TCP_LISTEN"
	case spec.SynSent:
		return "TCP_SYN_SENT"
	case spec.SynReceived:
		return "TCP_SYN_RECV"
	case spec.Established:
		return "TCP_ESTABLISHED"
	case spec.FinWait1:
		return "TCP_FIN_WAIT1"
	case spec.FinWait2:
		return "TCP_FIN_WAIT2"
	case spec.CloseWait:
		return "TCP_CLOSE_WAIT"
	case spec.Closing:
		return "TCP_CLOSING"
	case spec.LastAck:
		return "TCP_LAST_ACK"
	case spec.TimeWait:
		return "TCP_TIME_WAIT"
	}
	return "TCP_CLOSE"
}

func stateValue(o *out) string {
	if o == nil || o.Res.Ret < 0 || o.Res.Ret >= int64(spec.NumStates) {
		return "TCP_CLOSE"
	}
	return linuxState(spec.State(o.Res.Ret))
}

func errValue(o *out) string {
	if o == nil || o.Res.Ret <= 0 {
		return "0"
	}
	return spec.Errno(o.Res.Ret).String()
}

// inLine prints an inbound segment in the script's numbering: SEG.SEQ
// relative to the peer's ISN, SEG.ACK to the model's first ISS.
func inLine(s spec.Segment, peer, iss spec.Seq) string {
	seq := uint32(s.Seq - peer)
	t := fmt.Sprintf("< %s %d:%d(%d)", s.Flags, seq, seq+s.Len, s.Len)
	if s.Flags&spec.ACK != 0 {
		t += fmt.Sprintf(" ack %d", uint32(s.Ack-iss))
	}
	t += fmt.Sprintf(" win %d", s.Wnd)
	return t + options(s.Opts)
}

// outLine prints a segment of the model's in the script's numbering.
func outLine(o out, peer, iss spec.Seq) string {
	s := o.Raw
	seq := uint32(s.Seq - iss)
	if o.Abs0 {
		seq = 0
	}
	t := fmt.Sprintf("> %s %d:%d(%d)", s.Flags, seq, seq+s.Len, s.Len)
	if s.Flags&spec.ACK != 0 {
		t += fmt.Sprintf(" ack %d", uint32(s.Ack-peer))
	}
	t += fmt.Sprintf(" win %d", s.Wnd)
	return t + options(s.Opts)
}

func options(o spec.Options) string {
	var l []string
	if o.MSS != 0 {
		l = append(l, fmt.Sprintf("mss %d", o.MSS))
	}
	if o.HasTS {
		l = append(l, fmt.Sprintf("TS val %d ecr %d", o.TS.Val, o.TS.Ecr))
	}
	if len(l) == 0 {
		return ""
	}
	return " <" + strings.Join(l, ",") + ">"
}

// replay plays kind k's script on the stack and the model through
// oracle.Run and says what happened. name is the file the script is (or
// would be) written to.
func (c *campaign) replay(k *Kind, name string) string {
	s, err := script.Parse(name, []byte(k.Script))
	if err != nil {
		return "the script does not parse: " + err.Error()
	}
	rep, err := oracle.Run(c.entry, s, oracle.Config{Profile: c.profName})
	if err != nil {
		return "the script does not run: " + err.Error()
	}
	model := "passes on the model"
	if !rep.ModelPassed() {
		md := rep.Model.Divergence
		model = fmt.Sprintf("the model departs at line %d (%s)", md.Pos.Line, md.Kind)
		if !rep.StackPassed() && md.Kind == script.DivBlocked && rep.Stack.Events < rep.Model.Events {
			model = fmt.Sprintf("passes on the model up to the call still blocked at line %d", md.Pos.Line)
		}
	}
	if rep.StackPassed() {
		return model + "; passes on the stack (not reproduced by the script)"
	}
	d := rep.Stack.Divergence
	return fmt.Sprintf("%s; the stack diverges at line %d: %s", model, d.Pos.Line, firstLine(d.Error()))
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	if i := strings.Index(l, ": "); i >= 0 {
		return l[i+2:]
	}
	return l
}
