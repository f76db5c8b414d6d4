//go:build linux

package lab

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack/linux"
)

// oldPort is the client port whose 4-tuple the reuse cases leave in
// TIME-WAIT.
const oldPort = 40000

// reuseSpec is one case of the reuse table.
type reuseSpec struct {
	name      string
	sysctls   [][2]string // set in the kernel's namespace
	overrides [][2]string // the same settings in the profile's terms
	oldReuse  bool        // the socket that left TIME-WAIT had SO_REUSEADDR
	newReuse  bool        // the new socket sets SO_REUSEADDR
	how       string      // "bind", "bind+connect", "connect" (ephemeral port), "connect-other" (ephemeral port, another server port)
	wait      time.Duration
	note      string
	// known names the docs/deviations.md item that explains a
	// difference in this row, if any.
	known string
}

var (
	tsOff       = [2]string{"net.ipv4.tcp_timestamps", "0"}
	pinRange    = [2]string{"net.ipv4.ip_local_port_range", fmt.Sprintf("%d %d", oldPort, oldPort)}
	pinProfileL = [2]string{"EphemeralLow", fmt.Sprint(oldPort)}
	pinProfileH = [2]string{"EphemeralHigh", fmt.Sprint(oldPort)}
	reuseAfter  = [2]string{"TimeWaitReuseAfter", "1s"} // tcp_tw_reuse_delay = 1000 ms
	noTS        = [2]string{"Timestamps", "false"}
)

func twReuse(v string) [2]string { return [2]string{"net.ipv4.tcp_tw_reuse", v} }

var reuseCases = []reuseSpec{
	{name: "bind, neither socket SO_REUSEADDR", how: "bind"},
	{name: "bind, new socket SO_REUSEADDR only", how: "bind", newReuse: true},
	{name: "bind, old socket SO_REUSEADDR only", how: "bind", oldReuse: true},
	{name: "bind, both SO_REUSEADDR", how: "bind", oldReuse: true, newReuse: true},
	{name: "bind+connect same 4-tuple, timestamps", how: "bind+connect", oldReuse: true, newReuse: true,
		sysctls: [][2]string{twReuse("0")}},
	{name: "bind+connect same 4-tuple, no timestamps", how: "bind+connect", oldReuse: true, newReuse: true,
		sysctls: [][2]string{twReuse("0"), tsOff}, overrides: [][2]string{noTS}},
	{name: "connect, ephemeral port, after 1.1 s", how: "connect", wait: 1100 * time.Millisecond,
		sysctls: [][2]string{twReuse("0"), pinRange}, overrides: [][2]string{pinProfileL, pinProfileH}},
	{name: "connect, ephemeral port, to another server port", how: "connect-other",
		sysctls: [][2]string{twReuse("0"), pinRange}, overrides: [][2]string{pinProfileL, pinProfileH},
		note: "a TIME-WAIT entry holds its 4-tuple, not its port"},
	{name: "connect, ephemeral port, at once", how: "connect",
		sysctls: [][2]string{twReuse("1"), pinRange}, overrides: [][2]string{pinProfileL, pinProfileH, reuseAfter}},
	{name: "connect, ephemeral port, after 1.1 s", how: "connect", wait: 1100 * time.Millisecond,
		sysctls: [][2]string{twReuse("1"), pinRange}, overrides: [][2]string{pinProfileL, pinProfileH, reuseAfter},
		note: "the model's ephemeral-port search applies bind's SO_REUSEADDR rule to the TIME-WAIT entry before TimeWaitReuseAfter is consulted"},
	{name: "connect, ephemeral port, after 1.1 s", how: "connect", wait: 1100 * time.Millisecond,
		sysctls: [][2]string{twReuse("2"), pinRange}, overrides: [][2]string{pinProfileL, pinProfileH},
		note: "tcp_tw_reuse=2 (the default) reuses on loopback only; the linux profile models non-loopback hosts", known: knownTwReuseLoopback},
	{name: "connect, ephemeral port, no timestamps, after 1.1 s", how: "connect", wait: 1100 * time.Millisecond,
		sysctls: [][2]string{twReuse("1"), pinRange, tsOff}, overrides: [][2]string{pinProfileL, pinProfileH, reuseAfter, noTS}},
}

// scenarioReuse leaves client port oldPort's connection in TIME-WAIT,
// waits, and tries to take the 4-tuple again; it returns what the new
// socket got ("bind: EADDRINUSE", "OK").
func scenarioReuse(a actor, c reuseSpec) string {
	b2i := func(b bool) int64 {
		if b {
			return 1
		}
		return 0
	}
	old := spec.SockAddr{IP: labAddr, Port: oldPort}
	a.call(server, spec.Call{Kind: spec.CallSocket})
	a.call(server, spec.Call{Kind: spec.CallSetsockopt, FD: 3, Opt: spec.OptReuseAddr, Val: 1})
	a.call(server, spec.Call{Kind: spec.CallBind, FD: 3, Addr: srvAddr})
	a.call(server, spec.Call{Kind: spec.CallListen, FD: 3, N: 8})
	a.call(client, spec.Call{Kind: spec.CallSocket})
	a.call(client, spec.Call{Kind: spec.CallSetsockopt, FD: 3, Opt: spec.OptReuseAddr, Val: b2i(c.oldReuse)})
	ephemeral := strings.HasPrefix(c.how, "connect")
	if !ephemeral {
		if _, e := a.call(client, spec.Call{Kind: spec.CallBind, FD: 3, Addr: old}); e != spec.OK {
			return "setup: bind " + e.String()
		}
	}
	if _, e := a.call(client, spec.Call{Kind: spec.CallConnect, FD: 3, Addr: srvAddr}); e != spec.OK {
		return "setup: connect " + e.String()
	}
	a.call(server, spec.Call{Kind: spec.CallAccept, FD: 3})
	a.call(client, spec.Call{Kind: spec.CallClose, FD: 3})
	a.call(server, spec.Call{Kind: spec.CallRead, FD: 4, N: 100})
	a.call(server, spec.Call{Kind: spec.CallClose, FD: 4})
	a.sleep(10*time.Millisecond + c.wait)
	dst := srvAddr
	if c.how == "connect-other" {
		dst.Port++
		a.call(server, spec.Call{Kind: spec.CallSocket})
		a.call(server, spec.Call{Kind: spec.CallBind, FD: 4, Addr: dst})
		a.call(server, spec.Call{Kind: spec.CallListen, FD: 4, N: 8})
	}

	a.call(client, spec.Call{Kind: spec.CallSocket})
	a.call(client, spec.Call{Kind: spec.CallSetsockopt, FD: 3, Opt: spec.OptReuseAddr, Val: b2i(c.newReuse)})
	if !ephemeral {
		if _, e := a.call(client, spec.Call{Kind: spec.CallBind, FD: 3, Addr: old}); e != spec.OK {
			return "bind: " + e.String()
		}
		if c.how == "bind" {
			return "bind: OK"
		}
	}
	if _, e := a.call(client, spec.Call{Kind: spec.CallConnect, FD: 3, Addr: dst}); e != spec.OK {
		return "connect: " + e.String()
	}
	return "connect: OK"
}

func sysctlText(kv [][2]string) string {
	if len(kv) == 0 {
		return "defaults"
	}
	var s []string
	for _, x := range kv {
		s = append(s, strings.TrimPrefix(x[0], "net.ipv4.")+"="+strings.ReplaceAll(x[1], " ", ","))
	}
	return strings.Join(s, " ")
}

// reuseRow runs one case on the kernel (in its own namespace) and on the
// model.
func reuseRow(c reuseSpec) (ReuseCase, error) {
	row := ReuseCase{Case: c.name, Sysctls: sysctlText(c.sysctls)}
	l, err := newLab(false, c.sysctls...)
	if err != nil {
		return row, err
	}
	row.Kernel = scenarioReuse(l.k, c)
	l.close()
	m, err := newModelActor(c.overrides...)
	if err != nil {
		return row, err
	}
	row.Predicted = scenarioReuse(m, c)
	return row, nil
}

// timeWaitLife leaves a TIME-WAIT entry and reads its timer; unless
// quick, it then polls sock_diag until the entry is gone.
func timeWaitLife(quick bool, w io.Writer) (timer, life time.Duration, err error) {
	l, err := newLab(false)
	if err != nil {
		return 0, 0, err
	}
	defer l.close()
	open(l.k)
	l.k.call(client, spec.Call{Kind: spec.CallClose, FD: 3})
	l.k.call(server, spec.Call{Kind: spec.CallRead, FD: 4, N: 100})
	l.k.call(server, spec.Call{Kind: spec.CallClose, FD: 4})
	d, err := l.ns.NewDiagSocket()
	if err != nil {
		return 0, 0, err
	}
	defer d.Close()
	find := func() (linux.SockInfo, bool, error) {
		socks, err := d.Sockets()
		if err != nil {
			return linux.SockInfo{}, false, err
		}
		for _, s := range socks {
			if s.State == linux.TCPTimeWait {
				return s, true, nil
			}
		}
		return linux.SockInfo{}, false, nil
	}
	var entered time.Time
	for deadline := time.Now().Add(time.Second); ; {
		s, ok, err := find()
		if err != nil {
			return 0, 0, err
		}
		if ok {
			entered, timer = time.Now(), s.Expires
			fmt.Fprintf(w, "TIME-WAIT entry (ss -tan): %s\n", s)
			break
		}
		if time.Now().After(deadline) {
			return 0, 0, fmt.Errorf("lab: no TIME-WAIT entry appeared after an active close")
		}
		time.Sleep(time.Millisecond)
	}
	if quick {
		return timer, 0, nil
	}
	fmt.Fprintf(w, "waiting for the entry to go (polling sock_diag every 50 ms)...\n")
	for {
		time.Sleep(50 * time.Millisecond)
		_, ok, err := find()
		if err != nil {
			return 0, 0, err
		}
		if !ok {
			return timer, time.Since(entered), nil
		}
		if time.Since(entered) > 10*time.Minute {
			return 0, 0, fmt.Errorf("lab: TIME-WAIT entry still there after 10 minutes")
		}
	}
}

// runTimeWait measures TIME-WAIT and prints the reuse table.
func runTimeWait(opts Options, w io.Writer) (Result, error) {
	r := Result{Name: "timewait", Verdict: Agrees}
	prof := spec.MustProfile("linux")

	rows := make([]ReuseCase, len(reuseCases))
	errs := make([]error, len(reuseCases))
	var wg sync.WaitGroup
	for i, c := range reuseCases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rows[i], errs[i] = reuseRow(c)
		}()
	}

	timer, life, err := timeWaitLife(opts.Quick, w)
	wg.Wait()
	if err != nil {
		return r, err
	}
	for _, e := range errs {
		if e != nil {
			return r, e
		}
	}
	r.TimeWaitTimer, r.TimeWaitLifetime, r.Reuse = timer, life, rows

	fmt.Fprintf(w, "TIME-WAIT timer when the entry appeared: %s; linux profile TimeWait: %s\n", secs(timer), prof.TimeWait)
	if d := prof.TimeWait - timer; d < 0 || d > time.Second {
		r.differ("TIME-WAIT timer %s at entry, profile TimeWait %s", secs(timer), prof.TimeWait)
	}
	if life > 0 {
		fmt.Fprintf(w, "TIME-WAIT lifetime measured: %s (timer wheel slack included)\n", secs(life))
		if d := life - prof.TimeWait; d < -time.Second || d > 2*time.Second {
			r.differ("TIME-WAIT lived %s, profile TimeWait %s", secs(life), prof.TimeWait)
		}
	} else {
		fmt.Fprintf(w, "(quick mode: lifetime not measured; set TCPCLOSE_LAB_FULL=1 or Quick=false to wait it out)\n")
	}

	fmt.Fprintf(w, "reuse of a 4-tuple in TIME-WAIT (127.0.0.1:%d -> 127.0.0.1:%d):\n", oldPort, srvPort)
	fmt.Fprintf(w, "  %-52s %-62s %-22s %-22s %s\n", "case", "sysctls", "kernel", "model (linux)", "verdict")
	for i, row := range rows {
		v := Agrees
		if row.Kernel != row.Predicted {
			v = Differs
			msg := fmt.Sprintf("reuse %q with %s: kernel %s, model %s", row.Case, row.Sysctls, row.Kernel, row.Predicted)
			if k := reuseCases[i].known; k != "" {
				v = Known
				r.known("%s (%s)", msg, k)
			} else {
				if n := reuseCases[i].note; n != "" {
					msg += " (" + n + ")"
				}
				r.differ("%s", msg)
			}
		}
		fmt.Fprintf(w, "  %-52s %-62s %-22s %-22s %s\n", row.Case, row.Sysctls, row.Kernel, row.Predicted, v)
	}
	return r, nil
}
