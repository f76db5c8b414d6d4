package conform

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stacks"
)

// Command implements
//
//	tcpclose conform --stack S [--profile P] [--set F=V]... [--n N] [--seed X] [--out DIR] [--workers W] [--steps K]
//
// It runs a campaign (Run) and prints its report. Exit status: 0 no
// divergence, 1 divergences (their scripts under --out), 2 bad usage, or
// a stack that cannot be run (one line on stderr).
func Command(reg stacks.Registry, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("conform", flag.ContinueOnError)
	cfg := Config{Registry: reg}
	fs.StringVar(&cfg.Stack, "stack", "", "stack under test: "+strings.Join(reg.Names(), ", "))
	fs.StringVar(&cfg.Profile, "profile", "", "profile of the model (default: the stack's own)")
	fs.IntVar(&cfg.N, "n", 1000, "number of scenarios")
	fs.Uint64Var(&cfg.Seed, "seed", 0, "seed (0: derived from the time, and printed)")
	fs.StringVar(&cfg.Out, "out", "", "directory for the shrunk scripts, one per divergence kind")
	fs.IntVar(&cfg.Workers, "workers", 0, "parallel scenarios (default: CPUs; 16 on the wall clock)")
	fs.IntVar(&cfg.Steps, "steps", 10, "random steps per scenario after the set-up")
	fs.IntVar(&cfg.ShrinkRuns, "shrink", 0, "reruns per divergence kind for shrinking (0: default, -1: none)")
	progress := fs.Bool("progress", false, "print progress to stderr (default: when stderr is a terminal)")
	fs.BoolVar(&cfg.Explain, "explain", false, "seek the profile fields that would explain each kind (about 60 reruns per kind)")
	var sets setList
	fs.Var(&sets, "set", "profile override Field=Value for both sides (repeatable)")
	pos, code := stacks.ParseFlags(fs, "conform", "tcpclose conform --stack "+strings.Join(reg.Names(), "|")+" [--profile P] [--set F=V]... [--n N] [--seed X] [--out DIR] [--explain]", args, stdout, stderr)
	if code >= 0 {
		return code
	}
	if len(pos) > 0 {
		fmt.Fprintf(stderr, "tcpclose conform: unexpected argument %q (conform takes only flags)\n", pos[0])
		return stacks.ExitUsage
	}
	if cfg.Stack == "" {
		fmt.Fprintf(stderr, "tcpclose conform: --stack is required (%s)\n", strings.Join(reg.Names(), ", "))
		return stacks.ExitUsage
	}
	if cfg.Profile != "" {
		if _, err := spec.LookupProfile(cfg.Profile); err != nil {
			fmt.Fprintf(stderr, "tcpclose conform: %v\n", err)
			return stacks.ExitUsage
		}
	}
	if cfg.Seed == 0 {
		cfg.Seed = uint64(time.Now().UnixNano())
	}
	cfg.Sets = sets
	cfg.Progress = ProgressTo(*progress, stderr)
	rep, err := Run(cfg, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "tcpclose conform: %v\n", err)
		return stacks.ExitUsage
	}
	rep.Write(stdout)
	if len(rep.Kinds) > 0 {
		return stacks.ExitDivergence
	}
	return stacks.ExitPass
}

type setList []string

func (l *setList) String() string     { return strings.Join(*l, ",") }
func (l *setList) Set(v string) error { *l = append(*l, v); return nil }

// Write prints the report: the campaign's numbers, then each divergence
// kind with what the stack and the model did, the rules, the script and
// its replay.
func (r *Report) Write(w io.Writer) {
	fmt.Fprintf(w, "stack %s (%s), profile %s", r.Stack, r.StackName, r.Profile)
	if len(r.Applied) > 0 {
		fmt.Fprintf(w, " with %s", strings.Join(r.Applied, ", "))
	}
	fmt.Fprintf(w, ", seed %d\n", r.Seed)
	for _, n := range r.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	fmt.Fprintf(w, "%d scenarios, %d steps, %s, %.1f scenarios/s; %d diverged in %d kinds (%d not explained by a known cause); %d harness errors\n",
		r.Scenarios, r.Steps, r.Elapsed.Round(time.Millisecond), r.Rate(), r.Diverged, len(r.Kinds), r.New(), len(r.Errors))
	r.writeCauses(w)
	for i, e := range r.Errors {
		if i == 5 {
			fmt.Fprintf(w, "  ... %d more\n", len(r.Errors)-5)
			break
		}
		fmt.Fprintf(w, "  error: %s\n", e)
	}
	for i, k := range r.Kinds {
		fmt.Fprintf(w, "\n%d. %s  (%d scenarios; first: scenario %d, %d steps, shrunk to %d)\n", i+1, k.Key, k.Count, k.Scenario, k.Steps, k.Shrunk)
		if k.Cause != nil {
			fmt.Fprintf(w, "   cause: %s (%s)\n", k.Cause.ID, k.Cause.Verdict)
		} else {
			fmt.Fprintf(w, "   cause: NEW (no known cause)\n")
		}
		fmt.Fprintf(w, "   stack: %s\n   model: %s\n", k.Stack, k.Model)
		if len(k.Tags) > 0 {
			fmt.Fprintf(w, "   tags: %s\n", strings.Join(k.Tags, " "))
		}
		if len(k.Rules) > 0 {
			var ids []string
			for _, id := range k.Rules {
				if !slices.Contains(ids, string(id)) {
					ids = append(ids, string(id))
				}
			}
			fmt.Fprintf(w, "   rules: %s\n", strings.Join(ids, " "))
		}
		if k.File != "" {
			fmt.Fprintf(w, "   script: %s\n", k.File)
		}
		if k.Replay != "" {
			fmt.Fprintf(w, "   replay: %s\n", k.Replay)
		}
		if k.Explained {
			if len(k.Candidates) == 0 {
				fmt.Fprintf(w, "   explained by no single profile field\n")
			}
			for _, c := range k.Candidates {
				fmt.Fprintf(w, "   profile candidate: %s\n", c)
			}
		}
	}
}

// writeCauses prints, per known cause, how many kinds and scenarios it
// explains.
func (r *Report) writeCauses(w io.Writer) {
	type tally struct {
		c            *Cause
		kinds, scens int
	}
	var order []*tally
	by := map[string]*tally{}
	newK, newS := 0, 0
	for _, k := range r.Kinds {
		if k.Cause == nil {
			newK++
			newS += k.Count
			continue
		}
		t := by[k.Cause.ID]
		if t == nil {
			t = &tally{c: k.Cause}
			by[k.Cause.ID] = t
			order = append(order, t)
		}
		t.kinds++
		t.scens += k.Count
	}
	if len(order) == 0 && newK == 0 {
		return
	}
	fmt.Fprintf(w, "causes:\n")
	for _, t := range order {
		fmt.Fprintf(w, "  %-34s %4d kinds %5d scenarios  %s: %s\n", t.c.ID, t.kinds, t.scens, t.c.Verdict, t.c.Summary)
	}
	if newK > 0 {
		fmt.Fprintf(w, "  %-34s %4d kinds %5d scenarios  to triage\n", "(no known cause)", newK, newS)
	}
}
