//go:build linux

package linux

import (
	"fmt"
	"time"

	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
)

// Tolerance is the timing tolerance a Linux run gets at least: the
// kernel's timers tick in jiffies (4 ms at HZ=250) and fire late under
// load, and each Inject or Call waits for a settle period.
const Tolerance = 25 * time.Millisecond

// Settle is the quiet period that ends each Inject and Call of the
// registry's Linux stacks (Config.Settle): the kernel answers a segment on
// the TUN device within microseconds, and a short settle keeps a script's
// real time close to its script time. Output that comes later is
// collected by the next step with the time it happened.
const Settle = 2 * time.Millisecond

// Entry is the running kernel, driven through a TUN device in a private
// network namespace, as the registry's "linux" stack: compared against the
// linux profile by default, the profile's fields set through sysctls
// (Sysctls), the rest reported as notes. Building it needs root.
func Entry() stack.Entry {
	return stack.Entry{
		Name: "linux", Profile: "linux", Tolerance: Tolerance, RealTime: true, ChoosesISS: true,
		Doc: "the running Linux kernel, through TUN in a private network namespace (root)",
		New: func(p spec.Profile, _ stack.Options) (stack.Stack, error) { return newEntryStack(p, false) },
	}
}

// QuickAckEntry is the kernel as Entry, with the quickack metric on the
// route to the scripted peer (ip route ... quickack 1): every segment is
// acknowledged at once, as the model does, instead of after Linux's
// delayed-ACK timer (docs/deviations.md, Linux item 1). Conformance
// campaigns use it so that the known delayed ACK does not hide everything
// after it.
func QuickAckEntry() stack.Entry {
	e := Entry()
	e.Name = "linux-quickack"
	e.Profile = "linux-quickack"
	e.Doc = "the running Linux kernel with the quickack route metric: no delayed ACKs (root)"
	e.New = func(p spec.Profile, _ stack.Options) (stack.Stack, error) { return newEntryStack(p, true) }
	return e
}

func newEntryStack(p spec.Profile, quickAck bool) (stack.Stack, error) {
	sysctls, notes := Sysctls(p)
	st, err := New(Config{Sysctls: sysctls, Settle: Settle})
	if err != nil {
		return nil, err // the caller names the stack
	}
	if quickAck {
		if err := setQuickAck(st.NS()); err != nil {
			st.Close()
			return nil, fmt.Errorf("setting the quickack route: %w", err)
		}
		notes = append(notes, "route quickack 1: Linux acknowledges every segment at once (no delayed ACK)")
	}
	return stack.NewReal(st, stack.RealConfig{Notes: notes, MaxSleep: time.Second}), nil
}

// setQuickAck replaces the route to the scripted peer's network in ns
// with one carrying the quickack metric (NetNS.SetRouteQuickAck): Linux
// then acknowledges every segment at once, as the model does, instead of
// entering delayed-ACK ("pingpong") mode, e.g. after a FIN.
func setQuickAck(ns *NetNS) error {
	dst := stack.RemoteIP().As4()
	dst[3] = 0
	return ns.SetRouteQuickAck(TUNName, dst, 24, stack.LocalIP().As4())
}
