//go:build linux

package lab

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// Run runs the named experiment, prints what it observed, what the linux
// profile predicts and a verdict to w, and returns the result. An error
// means the experiment could not be run (no root, an unknown name), not
// that the kernel differed.
func Run(name string, opts Options, w io.Writer) (Result, error) {
	desc := Describe(name)
	if desc == "" {
		return Result{Name: name}, fmt.Errorf("lab: unknown experiment %q (known: %v)", name, Names())
	}
	fmt.Fprintf(w, "== %s: %s\n", name, desc)
	var r Result
	var err error
	switch name {
	case "normal":
		r, err = runPlayed(name, opts, w, scenarioNormal)
	case "abort":
		r, err = runPlayed(name, opts, w, scenarioAbort)
	case "half-close":
		r, err = runPlayed(name, opts, w, scenarioHalfClose)
	case "states":
		r, err = runStates(opts, w)
	case "timewait":
		r, err = runTimeWait(opts, w)
	}
	if err != nil {
		return r, err
	}
	fmt.Fprintf(w, "verdict: %s", r.Verdict)
	if len(r.Differences) > 0 {
		fmt.Fprintf(w, " (%d difference(s))", len(r.Differences))
	}
	if len(r.Known) > 0 {
		fmt.Fprintf(w, " (%d known departure(s))", len(r.Known))
	}
	fmt.Fprintln(w)
	for _, d := range r.Differences {
		fmt.Fprintf(w, "  - %s\n", d)
	}
	for _, d := range r.Known {
		fmt.Fprintf(w, "  ~ %s\n", d)
	}
	return r, nil
}

// runPlayed plays a scenario on the kernel, with a capture on lo, and on
// the model, and compares segments and call results.
func runPlayed(name string, opts Options, w io.Writer, sc func(actor)) (Result, error) {
	r := Result{Name: name, Verdict: Agrees}
	l, err := newLab(true)
	if err != nil {
		return r, err
	}
	defer l.close()
	sc(l.k)
	if err := l.stopCapture(); err != nil {
		return r, err
	}
	kseg := l.segments()
	r.Segments = tcpdumpLines(kseg)
	r.Transcript = merged(l.k.calls, kseg)
	if err := l.savePcap(opts, name, &r); err != nil {
		return r, err
	}

	m, err := newModelActor()
	if err != nil {
		return r, err
	}
	sc(m)
	mseg := m.segments()

	fmt.Fprintf(w, "observed on lo (as tcpdump -n -i lo shows it):\n")
	for _, line := range r.Transcript {
		fmt.Fprintf(w, "  %s\n", line)
	}
	if len(r.PcapFiles) > 0 {
		fmt.Fprintf(w, "pcap: %s\n", r.PcapFiles[0])
	}
	kc, mc := canonical(kseg), canonical(mseg)
	if sideBySide(w, "segments, relative numbers (PSH, windows and options not compared):", kc, mc) {
		k, m := joinDiff(kc, mc)
		if slices.Equal(kc, withoutDelayedFinAck(mc)) {
			r.known("segments: kernel %s; model %s (%s)", k, m, knownFinAckDelayed)
		} else {
			r.differ("segments: kernel %s; model %s", k, m)
		}
	}
	kl, ml := callLines(l.k.calls), callLines(m.calls)
	if sideBySide(w, "calls:", kl, ml) {
		k, m := joinDiff(kl, ml)
		r.differ("calls: kernel %s; model %s", k, m)
	}
	return r, nil
}

// joinDiff returns the rows from the first that differs on, of each side.
func joinDiff(k, m []string) (string, string) {
	i := 0
	for i < len(k) && i < len(m) && k[i] == m[i] {
		i++
	}
	return "[" + join(k[i:]) + "]", "[" + join(m[i:]) + "]"
}

func join(s []string) string { return strings.Join(s, " / ") }
