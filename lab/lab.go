package lab

import (
	"fmt"
	"strings"
	"time"
)

// Verdict says whether the kernel agreed with the linux profile.
type Verdict string

// Verdicts. Known means every difference is a documented departure of
// Linux from the profile (an item of docs/deviations.md): the lab counts
// it as a pass, so that it can serve as a regression gate on a stock
// kernel; Differs means at least one difference nobody has explained.
const (
	Agrees  Verdict = "agrees"
	Known   Verdict = "known departures"
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
	// Known lists, one line each, differences that docs/deviations.md
	// documents as Linux departing from the profile, with the item.
	Known []string
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

// known records a difference docs/deviations.md explains; it leaves a
// Differs verdict as it is.
func (r *Result) known(format string, args ...any) {
	r.Known = append(r.Known, fmt.Sprintf(format, args...))
	if r.Verdict == Agrees {
		r.Verdict = Known
	}
}

// Linux departures the lab meets, by docs/deviations.md item.
const (
	// knownFinAckDelayed: Linux item 1, the ACK of a FIN received in
	// ESTABLISHED waits for the application's own FIN (delayed-ACK
	// pingpong mode), so the passive close takes three segments.
	knownFinAckDelayed = "docs/deviations.md Linux item 1: the ACK of the peer's FIN is delayed and rides on our FIN"
	// knownTwReuseLoopback: Linux item 2, tcp_tw_reuse=2 reuses TIME-WAIT
	// on loopback, which no profile value can say.
	knownTwReuseLoopback = "docs/deviations.md Linux item 2: tcp_tw_reuse=2 (the default) reuses TIME-WAIT on loopback only"
)

// withoutDelayedFinAck returns the model's segments with each bare ACK of
// the peer's FIN (the segment before it) dropped that the same side's next
// segment, carrying the same ACK from
// the same sequence number (its FIN or data), follows at once: what the
// kernel sends when the ACK of the peer's FIN waits for what the
// application sends next (knownFinAckDelayed). Lines are canonical's:
// "server > client . 1:1(0) ack 102".
func withoutDelayedFinAck(segs []string) []string {
	start := func(r string) string { s, _, _ := strings.Cut(r, ":"); return s }
	var out []string
	for i, s := range segs {
		if i+1 < len(segs) {
			a, b := strings.Fields(s), strings.Fields(segs[i+1])
			finBefore := i > 0 && strings.Contains(strings.Fields(segs[i-1])[3], "F") && !strings.HasPrefix(segs[i-1], a[0]+" ")
			if finBefore && len(a) == 7 && len(b) == 7 && a[3] == "." && strings.HasSuffix(a[4], "(0)") &&
				a[0] == b[0] && a[6] == b[6] && start(a[4]) == start(b[4]) {
				continue
			}
		}
		out = append(out, s)
	}
	return out
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
