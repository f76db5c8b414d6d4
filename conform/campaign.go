package conform

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
)

// Config describes a campaign.
type Config struct {
	// Registry holds the stacks; Stack names the one under test.
	Registry stack.Registry
	Stack    string
	// Profile is the built-in profile of the model (and the stack's
	// configuration); "" means the stack's own (Entry.Profile, rfc9293
	// for the model).
	Profile string
	// Sets are profile overrides ("FinWait2Timeout=1s") for both sides.
	Sets []string
	// N is the number of scenarios; Seed makes them.
	N    int
	Seed uint64
	// Out, if set, is the directory the shrunk scripts are written to,
	// one per divergence kind.
	Out string
	// Workers run scenarios in parallel, each with its own stack (and,
	// for Linux, its own network namespace). 0: the number of CPUs on a
	// virtual clock, 16 on the wall clock.
	Workers int
	// Steps is the number of random steps after the set-up (0: 10).
	Steps int
	// ShrinkRuns bounds the reruns spent shrinking one divergence kind
	// (0: 200 on a virtual clock, 40 on the wall clock; <0: no shrinking).
	ShrinkRuns int
	// Tolerance is the timing tolerance; 0 means 1 ms on a virtual clock
	// and the stack's (Entry.Tolerance) on the wall clock, where 5% of
	// the time since the window's event is added.
	Tolerance time.Duration
	// Progress, if set, receives a line now and then.
	Progress io.Writer
	// Causes are the known causes of divergences (nil: KnownCauses()).
	Causes []Cause
	// Explain replays each kind's shrunk scenario with the model's
	// profile changed one field at a time, to find the profile fields
	// that would explain the stack (Kind.Candidates). It costs about 60
	// runs per kind: cheap on a virtual clock, minutes on the wall clock.
	Explain bool
}

// Report is the outcome of a campaign.
type Report struct {
	Stack     string // the registry name
	StackName string // the stack's own name, e.g. linux/6.18.44
	Profile   string
	Applied   []string // overrides
	Notes     []string // the stack's configuration notes
	Seed      uint64
	Scenarios int
	Steps     int // steps played in all
	Diverged  int // scenarios that diverged
	Elapsed   time.Duration
	// Kinds are the divergence kinds, by the scenario that first showed
	// them.
	Kinds []*Kind
	// Errors are failures of the harness (a stack that failed), by
	// scenario; they are not divergences.
	Errors []string
}

// Rate is scenarios per second.
func (r *Report) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Scenarios) / r.Elapsed.Seconds()
}

// Kind is one kind of divergence.
type Kind struct {
	Key   string // Field | State | Event
	Field string
	State string
	Event string
	Count int // scenarios that showed it
	// Scenario is the index of the first scenario that showed it.
	Scenario int
	// Stack and Model say what each did in the shrunk scenario (or the
	// original one if shrinking lost it).
	Stack, Model string
	Rules        []spec.RuleID
	// Steps and Shrunk count the scenario's steps before and after
	// shrinking.
	Steps, Shrunk int
	// Script is the shrunk scenario as a script; File is where it was
	// written (Config.Out).
	Script string
	File   string
	// Replay is the outcome of replaying Script with oracle.Run.
	Replay string
	// Candidates are the single profile changes that make the model do
	// what the stack did in the shrunk scenario (Config.Explain): the
	// profile fields the divergence may be due to. None means no single
	// field explains it.
	Candidates []string
	// Explained says whether the candidates were sought.
	Explained bool
	// Tags are the facts of its first scenario (divergence.Tags).
	Tags []string
	// Cause is the known cause that explains it, nil if none does: a new
	// divergence to triage.
	Cause *Cause
}

// New counts the kinds no known cause explains.
func (r *Report) New() int {
	n := 0
	for _, k := range r.Kinds {
		if k.Cause == nil {
			n++
		}
	}
	return n
}

// campaign is a Config made ready to run.
type campaign struct {
	cfg       Config
	entry     stack.Entry
	profName  string
	profile   spec.Profile
	real      bool
	tolerance time.Duration
	tolPct    float64
	margin    time.Duration // event times keep this far from model deadlines
	reach     time.Duration // longest wait for a deadline
	settle    time.Duration // how long after the last step outputs are awaited
	stackName string
	notes     []string
}

func newCampaign(cfg Config) (*campaign, error) {
	e, ok := cfg.Registry.Lookup(cfg.Stack)
	if !ok {
		return nil, fmt.Errorf("unknown stack %q (known: %s)", cfg.Stack, strings.Join(cfg.Registry.Names(), ", "))
	}
	c := &campaign{cfg: cfg, entry: e, real: e.RealTime}
	c.profName = cfg.Profile
	if c.profName == "" {
		c.profName = e.Profile
	}
	if c.profName == "" {
		c.profName = "rfc9293"
	}
	p, err := spec.LookupProfile(c.profName)
	if err != nil {
		return nil, err
	}
	for _, s := range cfg.Sets {
		f, v, ok := strings.Cut(s, "=")
		if !ok {
			return nil, fmt.Errorf("--set %q: want Field=Value", s)
		}
		if err := p.SetField(f, v); err != nil {
			return nil, fmt.Errorf("--set %s: %w", s, err)
		}
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("profile %s with the overrides: %w", c.profName, err)
	}
	c.profile = p
	if c.cfg.N <= 0 {
		return nil, errors.New("the number of scenarios must be positive")
	}
	if c.cfg.Steps <= 0 {
		c.cfg.Steps = 10
	}
	if c.real {
		c.tolerance, c.tolPct = e.Tolerance, 0.05
		c.margin, c.reach, c.settle = 60*time.Millisecond, 1200*time.Millisecond, 50*time.Millisecond
		if c.cfg.Workers <= 0 {
			c.cfg.Workers = 16
		}
		if c.cfg.ShrinkRuns == 0 {
			c.cfg.ShrinkRuns = 40
		}
	} else {
		// A virtual-clock stack whose timers tick coarsely (lwIP's 500 ms
		// tcp_slowtmr) declares that grain as its Entry.Tolerance.
		c.tolerance = max(time.Millisecond, e.Tolerance)
		c.margin, c.reach, c.settle = 2*time.Millisecond, 30*time.Minute, 0
		if c.cfg.Workers <= 0 {
			c.cfg.Workers = runtime.NumCPU()
		}
		if c.cfg.ShrinkRuns == 0 {
			c.cfg.ShrinkRuns = 200
		}
	}
	if cfg.Tolerance > 0 {
		c.tolerance = cfg.Tolerance
	}
	return c, nil
}

// result is the outcome of one scenario.
type result struct {
	sc    *scenario
	div   *divergence
	steps int
	rec   []recEvent
	err   error
	// blocked: a call was still blocked in the model when the run
	// ended; a script cannot say so.
	blocked bool
}

// runScenario plays sc on a fresh stack and a fresh model: its steps if
// g is nil, otherwise those g chooses.
func (c *campaign) runScenario(sc *scenario, g *gen) result {
	ms, err := newModel(c.profile)
	if err != nil {
		return result{sc: sc, err: err}
	}
	st, err := c.entry.New(c.profile, stack.Options{Seed: sc.Seed})
	if err != nil {
		return result{sc: sc, err: fmt.Errorf("%s: %w", c.cfg.Stack, err)}
	}
	r := &runner{c: c, sc: sc, model: ms}
	r.s.st = st
	var next func(*spec.ConnSnap, int) (step, bool)
	if g != nil {
		next = g.next
	}
	d, err := r.play(next)
	if cerr := st.Close(); err == nil && cerr != nil {
		err = cerr
	}
	return result{sc: sc, div: d, steps: r.steps, rec: r.rec, err: err, blocked: r.calls > r.results}
}

// Run runs the campaign: cfg.N scenarios on cfg.Stack and on the model,
// then shrinks the first scenario of each divergence kind and, with
// cfg.Out, writes its script. Progress and the seed go to stdout (nil: no
// output). The error is for a campaign that cannot run (unknown stack,
// bad profile, a stack that cannot be built at all).
func Run(cfg Config, stdout io.Writer) (*Report, error) {
	if stdout == nil {
		stdout = io.Discard
	}
	c, err := newCampaign(cfg)
	if err != nil {
		return nil, err
	}
	// Build one stack first: a stack that cannot be built (no root, no
	// TUN) fails the campaign with one clear error.
	probe, err := c.entry.New(c.profile, stack.Options{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.Stack, err)
	}
	c.stackName = probe.Name()
	if n, ok := stack.As[stack.Noter](probe); ok {
		c.notes = n.Notes()
	}
	probe.Close()
	rep := &Report{Stack: cfg.Stack, StackName: c.stackName, Profile: c.profName, Applied: cfg.Sets, Notes: c.notes, Seed: cfg.Seed, Scenarios: c.cfg.N}
	fmt.Fprintf(stdout, "conform: %d scenarios on %s (%s) against model/%s, seed %d, %d workers\n", c.cfg.N, cfg.Stack, c.stackName, c.profName, cfg.Seed, c.cfg.Workers)
	start := time.Now()

	results := make([]result, c.cfg.N)
	var wg sync.WaitGroup
	jobs := make(chan int)
	var mu sync.Mutex
	done := 0
	for range c.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				sc, g := newScenario(i, cfg.Seed, c.cfg.Steps, c.real)
				res := c.runScenario(sc, g)
				res.rec = nil // keep memory small; shrinking replays
				mu.Lock()
				results[i] = res
				done++
				if done%max(1, c.cfg.N/20) == 0 {
					progress(cfg.Progress, "conform: %d/%d scenarios, %.1f/s\n", done, c.cfg.N, float64(done)/time.Since(start).Seconds())
				}
				mu.Unlock()
			}
		}()
	}
	for i := range c.cfg.N {
		jobs <- i
	}
	close(jobs)
	wg.Wait()

	kinds := map[string]*Kind{}
	for i := range results {
		res := &results[i]
		rep.Steps += res.steps
		if res.err != nil {
			rep.Errors = append(rep.Errors, fmt.Sprintf("scenario %d: %v", i, res.err))
			continue
		}
		if res.div == nil {
			continue
		}
		rep.Diverged++
		k := kinds[res.div.Key()]
		if k == nil {
			k = &Kind{Key: res.div.Key(), Field: res.div.Field, State: res.div.State, Event: res.div.Event,
				Scenario: i, Stack: res.div.Stack, Model: res.div.Model, Rules: res.div.Rules, Steps: len(res.sc.Steps), Tags: res.div.Tags}
			kinds[k.Key] = k
			rep.Kinds = append(rep.Kinds, k)
		}
		k.Count++
	}
	sort.Slice(rep.Kinds, func(i, j int) bool { return rep.Kinds[i].Scenario < rep.Kinds[j].Scenario })
	rep.Elapsed = time.Since(start)
	fmt.Fprintf(stdout, "conform: %d scenarios in %s (%.1f/s): %d diverged, %d kinds, %d harness errors\n",
		rep.Scenarios, rep.Elapsed.Round(time.Millisecond), rep.Rate(), rep.Diverged, len(rep.Kinds), len(rep.Errors))

	// Shrink the first scenario of each kind, in parallel.
	if cfg.Out != "" {
		if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
			return rep, err
		}
	}
	// Name each kind's script first: the replay's messages cite it.
	for i, k := range rep.Kinds {
		k.File = fmt.Sprintf("%s-%02d-%s.pkt", cfg.Stack, i+1, slug(k))
		if cfg.Out != "" {
			k.File = filepath.Join(cfg.Out, k.File)
		}
	}
	progress(cfg.Progress, "conform: shrinking %d kinds\n", len(rep.Kinds))
	sem := make(chan struct{}, c.cfg.Workers)
	for _, k := range rep.Kinds {
		wg.Add(1)
		sem <- struct{}{}
		go func(k *Kind) {
			defer wg.Done()
			defer func() { <-sem }()
			c.finish(k, results[k.Scenario].sc)
		}(k)
	}
	wg.Wait()
	causes := cfg.Causes
	if causes == nil {
		causes = KnownCauses()
	}
	classify(cfg.Stack, causes, rep.Kinds)
	for _, k := range rep.Kinds {
		if cfg.Out == "" || k.Script == "" {
			k.File = ""
			continue
		}
		if err := os.WriteFile(k.File, []byte(k.Script), 0o644); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// finish shrinks kind k's first scenario, writes its script and replays
// it.
func (c *campaign) finish(k *Kind, sc *scenario) {
	steps := sc.Steps
	res, shrunk := c.shrink(sc, k.Key)
	if res.div == nil {
		// Not reproduced (timing on the wall clock): keep the original.
		res = c.runScenario(&scenario{Index: sc.Index, Seed: sc.Seed, PeerISN: sc.PeerISN, TSBase: sc.TSBase, TSOn: sc.TSOn, Passive: sc.Passive, Steps: steps}, nil)
		shrunk = len(steps)
	}
	k.Shrunk = shrunk
	if res.div != nil {
		k.Stack, k.Model, k.Rules, k.Tags = res.div.Stack, res.div.Model, res.div.Rules, res.div.Tags
	}
	k.Script = c.emit(k, res)
	k.Replay = c.replay(k, k.File)
	if c.cfg.Explain && res.div != nil {
		k.Explained = true
		c.explain(k, res.sc, res.div)
	}
}

// progress writes a progress line to w, if w is not nil.
func progress(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format, args...)
	}
}

// slug makes a file name part from a kind.
func slug(k *Kind) string {
	s := strings.ToLower(k.Field + "-" + k.State + "-" + k.Event)
	var b strings.Builder
	dash := false
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9'
		if ok {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.Trim(b.String(), "-")
	if len(out) > 60 {
		out = strings.TrimRight(out[:60], "-")
	}
	return out
}
