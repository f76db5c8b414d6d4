//go:build linux

package stacks

import (
	"fmt"
	"time"

	"github.com/tcpclose/tcpclose/linuxstack"
	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/spec"
)

// LinuxTolerance is the timing tolerance a Linux run gets at least: the
// kernel's timers tick in jiffies (4 ms at HZ=250) and fire late under
// load, and each Inject or Call waits for a settle period.
const LinuxTolerance = 25 * time.Millisecond

// LinuxSettle is the quiet period that ends each Inject and Call on
// Linux (linuxstack.Config.Settle): the kernel answers a segment on the
// TUN device within microseconds, and a short settle keeps a script's
// real time close to its script time. Output that comes later is
// collected by the next step with the time it happened.
const LinuxSettle = 2 * time.Millisecond

// LinuxEntry is the running kernel, driven through a TUN device in a
// private network namespace (package linuxstack), compared against the
// linux profile by default. Building it needs root.
func LinuxEntry() Entry {
	return Entry{
		Name: "linux", Profile: "linux", Tolerance: LinuxTolerance, RealTime: true, ChoosesISS: true,
		Doc: "the running Linux kernel, through TUN in a private network namespace (root)",
		New: func(p spec.Profile, _ Options) (script.Stack, error) { return newLinux(p, false) },
	}
}

// LinuxQuickAckEntry is the kernel as LinuxEntry, with the quickack
// metric on the route to the scripted peer (ip route ... quickack 1):
// every segment is acknowledged at once, as the model does, instead of
// after Linux's delayed-ACK timer (docs/deviations.md, Linux item 1).
// Conformance campaigns use it so that the known delayed ACK does not
// hide everything after it.
func LinuxQuickAckEntry() Entry {
	e := LinuxEntry()
	e.Name = "linux-quickack"
	e.Doc = "the running Linux kernel with the quickack route metric: no delayed ACKs (root)"
	e.New = func(p spec.Profile, _ Options) (script.Stack, error) { return newLinux(p, true) }
	return e
}

func newLinux(p spec.Profile, quickAck bool) (script.Stack, error) {
	sysctls, notes := LinuxSysctls(p)
	st, err := linuxstack.New(linuxstack.Config{Sysctls: sysctls, Settle: LinuxSettle})
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
	return NewReal(st, RealConfig{Sysctl: st.SetSysctl, Notes: notes, MaxSleep: time.Second}), nil
}
