package lab

import (
	"fmt"
	"time"
)

// Verdict says whether the kernel agreed with the linux profile.
type Verdict string

// Verdicts.
const (
	Agrees  Verdict = "agrees"
	Differs Verdict = "differs"
)

// Options tune a run.
type Options struct {
	// Quick shortens the slow parts: the TIME-WAIT experiment reads the
	// entry's timer instead of waiting the full 60 s for it to go.
	Quick bool
	// PcapDir, when not empty, receives one pcap file per capture
	// (NAME.pcap, link type Ethernet, as tcpdump -i lo -w writes).
	PcapDir string
}

// Result is what an experiment found.
type Result struct {
	Name    string
	Verdict Verdict
	// Differences lists, one line each, where the kernel and the profile
	// disagree, with the evidence.
	Differences []string
	// Segments are the captured segments (normal, abort, half-close,
	// states), as tcpdump lines.
	Segments []string
	// Transcript is the calls and segments of half-close, in order.
	Transcript []string
	// TimeWaitTimer is the TIME-WAIT entry's timer just after it appeared;
	// TimeWaitLifetime is how long it lived (full mode only, else 0).
	TimeWaitTimer, TimeWaitLifetime time.Duration
	// Reuse is the reuse table of the timewait experiment.
	Reuse []ReuseCase
	// States is the state log of the states experiment.
	States []StateChange
	// PcapFiles lists the pcap files written.
	PcapFiles []string
}

// ReuseCase is one row of the reuse table: what bind(2) and connect(2)
// to a 4-tuple held by TIME-WAIT returned, beside the model's prediction.
type ReuseCase struct {
	Case      string
	Sysctls   string
	Kernel    string // "OK", "EADDRINUSE", "EADDRNOTAVAIL", ...
	Predicted string
}

// StateChange is one state a connection was seen in, from when.
type StateChange struct {
	At    time.Duration
	Who   string // "client", "server", "listener"
	State string // RFC spelling (spec.State), CLOSED when gone
	Note  string // ss details (timer)
}

func (r *Result) differ(format string, args ...any) {
	r.Differences = append(r.Differences, fmt.Sprintf(format, args...))
	r.Verdict = Differs
}

// experiment is one entry of the catalogue.
type experiment struct {
	name, what string
}

var catalogue = []experiment{
	{"normal", "orderly close over loopback, captured segment by segment"},
	{"abort", "close with SO_LINGER {on, 0}: RST instead of FIN"},
	{"timewait", "TIME-WAIT lifetime and bind/connect reuse of its 4-tuple"},
	{"half-close", "shutdown(SHUT_WR), then the peer's data read to the end"},
	{"states", "state transitions of both sockets, as ss shows them"},
}

// Names lists the experiments, in the order they are best run.
func Names() []string {
	n := make([]string, len(catalogue))
	for i, e := range catalogue {
		n[i] = e.name
	}
	return n
}

// Describe returns the one-line description of an experiment.
func Describe(name string) string {
	for _, e := range catalogue {
		if e.name == name {
			return e.what
		}
	}
	return ""
}
