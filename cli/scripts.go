package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/sim"
	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
)

// parseDefines reads -D SYM=VAL flags into the map scripts expand
// (script.ParseOptions.Defines).
func parseDefines(defines []string) (map[string]string, error) {
	defs := map[string]string{}
	for _, kv := range defines {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("-D %q: want SYM=VAL", kv)
		}
		defs[k] = v
	}
	return defs, nil
}

// loadScript reads and parses a scenario script. Its errors are one line
// naming the file (and line, for a malformed script).
func loadScript(path string) (*script.Script, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("open %s: %v", path, pe.Err)
		}
		return nil, err
	}
	s, err := script.Parse(path, src)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// modelFor builds the model stack a script runs on with profile, the
// script's own settings, then the command line's overrides.
func modelFor(s *script.Script, profile string, sets []string) (*stack.VirtualStack, error) {
	su, err := script.ModelSetup(s, profile)
	if err != nil {
		return nil, err
	}
	for _, kv := range sets {
		if err := setField(&su.Profile, kv); err != nil {
			return nil, err
		}
	}
	h, err := model.New(su.Profile, su.Config)
	if err != nil {
		return nil, err
	}
	return stack.Virtual(h, stack.Named("model/"+su.Profile.Name)), nil
}

// profileWith looks up the named profile and applies the "Field=Value"
// overrides of -set to it.
func profileWith(name string, sets []string) (spec.Profile, error) {
	p, err := spec.LookupProfile(name)
	if err != nil {
		return p, err
	}
	for _, kv := range sets {
		if err := setField(&p, kv); err != nil {
			return p, err
		}
	}
	return p, nil
}

// setField applies one "Field=Value" override.
func setField(p *spec.Profile, kv string) error {
	k, v, ok := strings.Cut(kv, "=")
	if !ok || k == "" {
		return fmt.Errorf("-set %q: want Field=Value, e.g. TimeWait=30s", kv)
	}
	if err := p.SetField(strings.TrimSpace(k), strings.TrimSpace(v)); err != nil {
		return fmt.Errorf("-set %s: %v", kv, err)
	}
	return nil
}

// profilesFor lists the profiles a script runs on: the command line's if
// given, else the script's --tcpclose_profiles.
func profilesFor(s *script.Script, flagProfile string) []string {
	if flagProfile != "" {
		return []string{flagProfile}
	}
	if len(s.Profiles) > 0 {
		return s.Profiles
	}
	return []string{spec.DefaultProfile}
}

// simScript plays a script against the model and draws the ladder: the
// scripted peer is side A, the model side B.
func (t *Tool) simScript(path string, f *simFlags, stdout, stderr io.Writer) int {
	const cmd = "sim"
	for _, name := range []string{"loss", "dup", "reorder", "seed", "endpoints", "faults"} {
		if f.set[name] {
			return t.fail(stderr, cmd, "-%s applies to built-in scenarios; a script fixes every segment itself", name)
		}
	}
	s, err := loadScript(path)
	if err != nil {
		return t.fail(stderr, cmd, "%s", err)
	}
	profile := s.Profiles
	if f.set["profile"] || len(profile) == 0 {
		profile = []string{f.profile}
	}
	st, err := modelFor(s, profile[0], f.sets)
	if err != nil {
		return t.fail(stderr, cmd, "%s", err)
	}
	defer st.Close()
	rec := newRecorder(st)
	res, err := script.Run(s, rec, script.RunOptions{})
	if err != nil {
		return t.fail(stderr, cmd, "%s", err)
	}
	tr := rec.finish()
	title := fmt.Sprintf("%s · %s", path, st.Name())
	if code := t.writeOutputs(tr, f, title, stdout, stderr); code >= 0 {
		return code
	}
	bw := bufio.NewWriter(stdout)
	fmt.Fprintln(bw)
	writeVerdict(bw, res)
	if err := bw.Flush(); err != nil {
		return t.fail(stderr, cmd, "%s", err)
	}
	if !res.Passed() {
		return ExitFail
	}
	return ExitOK
}

// writeVerdict prints one script result: a line when it conforms, the
// divergence report otherwise.
func writeVerdict(w io.Writer, res *script.Result) {
	if res.IsBeyond() {
		fmt.Fprintf(w, "%s on %s: %s (%d lines, %d fields checked, %d unchecked)\n", res.Script, res.Stack, res.Beyond, res.Events, res.Checked, res.Unchecked)
		return
	}
	if res.Passed() {
		fmt.Fprintf(w, "%s on %s: conforms (%d lines, %d fields checked, %d unchecked)\n", res.Script, res.Stack, res.Events, res.Checked, res.Unchecked)
		return
	}
	fmt.Fprintf(w, "%s on %s: DIVERGES\n", res.Script, res.Stack)
	for _, ln := range strings.Split(strings.TrimRight(res.Divergence.Error(), "\n"), "\n") {
		fmt.Fprintf(w, "  %s\n", ln)
	}
}

// recorder is a script.Stack around the model that records what happens
// as a sim.Trace, so that a script run can be drawn as a ladder: the
// scripted peer is side A, the model side B. Segments take no time in
// transit.
type recorder struct {
	m      *stack.VirtualStack
	tr     sim.Trace
	states map[spec.FourTuple]spec.State
	inc    map[spec.FourTuple]int
	incs   int
	segs   int
}

func newRecorder(m *stack.VirtualStack) *recorder {
	return &recorder{
		m:      m,
		tr:     sim.Trace{Names: [2]string{"script", m.Name()}},
		states: map[spec.FourTuple]spec.State{},
		inc:    map[spec.FourTuple]int{},
	}
}

func (r *recorder) add(rec sim.Record) { r.tr.Records = append(r.tr.Records, rec) }

func (r *recorder) segment(at spec.Time, from sim.Side, seg spec.Segment) {
	r.segs++
	inc := 0
	if from == sim.B {
		inc = r.inc[spec.FourTuple{Local: seg.Src, Remote: seg.Dst}]
	}
	r.add(sim.Record{At: at, Side: from, Kind: sim.RecSend, Seg: seg, SegID: r.segs, Inc: inc, ArriveAt: at})
	r.add(sim.Record{At: at, Side: from.Peer(), Kind: sim.RecDeliver, Seg: seg, SegID: r.segs, Inc: inc})
}

// observe records the model's outputs, then its state changes.
func (r *recorder) observe(obs []stack.Observed, err error) ([]stack.Observed, error) {
	for _, o := range obs {
		switch o.Out.Kind {
		case spec.OutSegment:
			r.segment(o.At, sim.B, o.Out.Seg)
		case spec.OutResult:
			r.add(sim.Record{At: o.At, Side: sim.B, Kind: sim.RecResult, Out: o.Out})
		case spec.OutNotice:
			r.add(sim.Record{At: o.At, Side: sim.B, Kind: sim.RecNotice, Out: o.Out})
		}
	}
	r.snapshot()
	return obs, err
}

// snapshot records every connection whose state changed since the last
// look.
func (r *recorder) snapshot() {
	snap := r.m.Host().Snapshot()
	now := r.m.Now()
	seen := map[spec.FourTuple]bool{}
	for _, c := range snap.Conns {
		seen[c.Tuple] = true
		old, ok := r.states[c.Tuple]
		if !ok {
			old = spec.Closed
		}
		if old == c.State {
			continue
		}
		if old == spec.Closed {
			r.incs++
			r.inc[c.Tuple] = r.incs
		}
		r.add(sim.Record{At: now, Side: sim.B, Kind: sim.RecState, Tuple: c.Tuple, Inc: r.inc[c.Tuple], From: old, To: c.State})
		r.states[c.Tuple] = c.State
	}
	for _, tu := range sortedTuples(r.states) {
		if !seen[tu] {
			r.add(sim.Record{At: now, Side: sim.B, Kind: sim.RecState, Tuple: tu, Inc: r.inc[tu], From: r.states[tu], To: spec.Closed})
			delete(r.states, tu)
		}
	}
}

func sortedTuples(m map[spec.FourTuple]spec.State) []spec.FourTuple {
	var ts []spec.FourTuple
	for t := range m {
		ts = append(ts, t)
	}
	for i := 1; i < len(ts); i++ {
		for j := i; j > 0 && ts[j].Less(ts[j-1]); j-- {
			ts[j], ts[j-1] = ts[j-1], ts[j]
		}
	}
	return ts
}

func (r *recorder) finish() *sim.Trace {
	r.add(sim.Record{At: r.m.Now(), Side: sim.NoSide, Kind: sim.RecEnd, Note: "end of script"})
	return &r.tr
}

// Name implements stack.Stack.
func (r *recorder) Name() string { return r.m.Name() }

// Inject implements stack.Stack.
func (r *recorder) Inject(at spec.Time, seg spec.Segment) ([]stack.Observed, error) {
	r.segment(at, sim.A, seg)
	return r.observe(r.m.Inject(at, seg))
}

// Call implements stack.Stack.
func (r *recorder) Call(at spec.Time, c spec.Call) ([]stack.Observed, error) {
	r.add(sim.Record{At: at, Side: sim.B, Kind: sim.RecCall, Call: c})
	return r.observe(r.m.Call(at, c))
}

// Advance implements stack.Stack.
func (r *recorder) Advance(until spec.Time) ([]stack.Observed, error) {
	return r.observe(r.m.Advance(until))
}

// Now implements stack.Stack.
func (r *recorder) Now() spec.Time { return r.m.Now() }

// Close implements stack.Stack.
func (r *recorder) Close() error { return nil }

// Explain implements stack.Explainer.
func (r *recorder) Explain() []spec.RuleID { return r.m.Explain() }

// Unwrap implements stack.Unwrapper: the runner finds the model's other
// optional interfaces (the fields it models) through it.
func (r *recorder) Unwrap() stack.Stack { return r.m }

// Models implements script.FieldModeller.
func (r *recorder) Models(field string) bool { return r.m.Models(field) }
