package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/tcpclose/tcpclose/conform"
	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
	execstack "github.com/tcpclose/tcpclose/stack/exec"
	"github.com/tcpclose/tcpclose/stack/linux"
	"github.com/tcpclose/tcpclose/stack/oracle"
)

// Stacks returns the stacks of this module that run and conform can
// drive: the model and the optimized implementation (virtual clocks), and
// the Linux kernel in a private network namespace, plain ("linux") and
// without delayed ACKs ("linux-quickack"; both need root), and stacks in
// other processes (package stack/exec: "exec:PATH ARGS", the lwIP agent
// "lwip" and "lwip-quickack"). A binary that links more stacks adds them
// with WithStacks.
func Stacks() stack.Registry {
	return execstack.With(stack.Registry{}.With(oracle.ModelEntry(), oracle.ImplEntry(), linux.Entry(), linux.QuickAckEntry()))
}

func (t *Tool) stackList(sep string) string { return strings.Join(t.Stacks.Names(), sep) }

const runDescription = `
Plays each scenario script (a directory stands for its *.pkt files, found
recursively) on the stack and on the model with the same profile:
-profile, or the stack's own (linux for linux, gvisor for gvisor; each
script's first --tcpclose_profiles for model and impl), with the script's
overrides and then -set. For each script it prints whether it passes on
the stack and on the model and, where the stack diverges, the line, what
the script expected, what the stack did, what the model predicts and the
rules the model applied. Real stacks are judged on flags, sequence and
acknowledgment numbers, lengths, the MSS option and the presence of
timestamps, with their own timing tolerance (docs/oracle.md).
-tolerance_usecs and -tolerance_percent replace every script's own, as
packetdrill's command line does.

A script whose --tcpclose_profiles does not list the profile is skipped
unless -all (scripts without the option, such as upstream packetdrill
scripts, always run). A script still running on the stack after -timeout
of wall-clock time is stopped and reported as over the time limit. On a
terminal (or with -progress) a progress line goes to stderr before each
script; a summary line ends the output.

Exit status: 0 when every script played passed on the stack and on the
model, 1 when one diverged or went over the time limit, 2 on bad
arguments, an unreadable or invalid script (the others still run), or a
stack that cannot be built, 3 when none diverged but at least one reached
a line beyond the model. 2 wins over 1, 1 over 3.`

// runTally counts run's verdicts for the summary line.
type runTally struct {
	scripts, pass, diverge, beyond, overTime, errors, skipped int
	onStack, onModel, alike                                   int
}

// line is the summary line: the scripts played, how many passed on each
// side, then the verdicts as check counts them.
func (c runTally) line(stack, profile string) string {
	s := fmt.Sprintf("%d scripts, profile %s: %d pass on %s, %d pass on the model", c.scripts, profile, c.onStack, stack, c.onModel)
	if c.alike > 0 {
		s += fmt.Sprintf("; %d fail alike on both", c.alike)
	}
	s += fmt.Sprintf("; %d pass, %d diverge, %d beyond the model, %d errors", c.pass, c.diverge, c.beyond, c.errors)
	if c.overTime > 0 {
		s += fmt.Sprintf(", %d over the time limit", c.overTime)
	}
	if c.skipped > 0 {
		s += fmt.Sprintf(", %d skipped (their profiles do not list %s; -all plays them)", c.skipped, profile)
	}
	return s
}

// status is the exit status the tally calls for.
func (c runTally) status() int {
	switch {
	case c.errors > 0:
		return ExitUsage
	case c.diverge > 0 || c.overTime > 0:
		return ExitFail
	case c.beyond > 0:
		return ExitBeyond
	}
	return ExitOK
}

// runRun is `tcpclose run`: scenario scripts on a stack of t.Stacks with
// the model as second opinion (oracle.Run).
func (t *Tool) runRun(args []string, stdout, stderr io.Writer) int {
	const cmd = "run"
	fs := t.flagSet(cmd, "-stack "+t.stackList("|")+" [-profile P] [-set Field=Value]... [-D SYM=VAL]... [-all] [-timeout D] [-seed N] [-v] SCRIPT|DIR...", runDescription)
	stackName := fs.String("stack", "", "stack under test: "+t.stackList(", "))
	profile := fs.String("profile", "", "profile for the stack and the model (default: the stack's own): "+strings.Join(spec.ProfileNames(), ", "))
	verbose := fs.Bool("v", false, "print the stack's run line by line")
	seed := fs.Uint64("seed", 0, "seed for stacks that take one")
	all := fs.Bool("all", false, "also play scripts whose --tcpclose_profiles does not list the profile")
	limit := fs.Duration("timeout", 2*time.Minute, "stop a script still running on the stack after this much wall-clock time (0: no limit)")
	tolUsecs := fs.Int64("tolerance_usecs", 0, "timing tolerance in microseconds for every script (default: each script's, packetdrill's 4000)")
	tolPercent := fs.Float64("tolerance_percent", -1, "timing tolerance as a percentage of the gap for every script (default: each script's, packetdrill's 12.5)")
	progress := fs.Bool("progress", false, "print a progress line per script to stderr (default: only when stderr is a terminal)")
	var sets, defines listFlag
	fs.Var(&sets, "set", "override a profile field, `Field=Value` (repeatable)")
	fs.Var(&defines, "D", "define a packetdrill symbol, `SYM=VAL` (repeatable; as packetdrill's -D)")
	files, code := t.parseOrExit(fs, cmd, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	if *stackName == "" {
		return t.fail(stderr, cmd, "-stack is required (%s)", t.stackList(", "))
	}
	e, err := t.Stacks.Entry(*stackName)
	if err != nil {
		return t.fail(stderr, cmd, "%s", err)
	}
	if *profile != "" {
		if _, err := spec.LookupProfile(*profile); err != nil {
			return t.fail(stderr, cmd, "%s", err)
		}
	}
	if *tolUsecs < 0 || *tolPercent > 100 || *limit < 0 {
		return t.fail(stderr, cmd, "-tolerance_usecs and -timeout must not be negative, -tolerance_percent at most 100")
	}
	defs, err := parseDefines(defines)
	if err != nil {
		return t.fail(stderr, cmd, "%s", err)
	}
	if len(files) == 0 {
		return t.fail(stderr, cmd, "no scripts given")
	}
	files, err = oracle.ExpandScripts(files)
	if err != nil {
		return t.fail(stderr, cmd, "%s", err)
	}
	prof := *profile
	if prof == "" {
		prof = e.Profile
	}
	// Parse everything first: a bad script is reported before any
	// (possibly slow) run starts; the others still run.
	var tally runTally
	var scripts []*script.Script
	for _, f := range files {
		s, err := parseRunScript(f, prof, defs)
		if err != nil {
			tally.errors++
			t.fail(stderr, cmd, "%s", err)
			continue
		}
		scripts = append(scripts, s)
	}
	cfg := oracle.Config{Profile: *profile, Sets: sets, Seed: *seed, TimeLimit: *limit}
	cfg.Tolerance = time.Duration(*tolUsecs) * time.Microsecond
	if *tolPercent >= 0 {
		cfg.TolerancePercent = tolPercent
	}
	if *verbose {
		cfg.Verbose = stdout
	}
	// Progress on a terminal without asking; in a pipe or a log only
	// with -progress (as conform).
	showProgress := *progress
	if tty, _ := terminal(stderr); tty {
		showProgress = true
	}
	start := time.Now()
	for i, s := range scripts {
		if prof != "" && !*all && s.Excludes(prof) {
			tally.skipped++
			if *verbose {
				fmt.Fprintf(stdout, "%s: skipped: its --tcpclose_profiles does not list %s (-all plays it)\n", s.Name, prof)
			}
			continue
		}
		if showProgress {
			fmt.Fprintf(stderr, "run: %d/%d %s (%s so far)\n", i+1, len(scripts), s.Name, time.Since(start).Round(time.Second))
		}
		tally.scripts++
		rep, err := oracle.Run(e, s, cfg)
		switch {
		case errors.Is(err, oracle.ErrTimeLimit):
			tally.overTime++
			fmt.Fprintf(stdout, "%s: OVER THE TIME LIMIT on %s: stopped after %s (-timeout)\n", s.Name, e.Name, *limit)
			continue
		case err != nil:
			tally.errors++
			t.fail(stderr, cmd, "%s", err)
			continue
		}
		rep.Write(stdout)
		if rep.StackPassed() {
			tally.onStack++
		}
		if rep.ModelPassed() {
			tally.onModel++
		}
		switch {
		case !rep.Passed():
			tally.diverge++
			if rep.Agree() {
				tally.alike++
			}
		case rep.Stack.IsBeyond() || rep.Model.IsBeyond():
			tally.beyond++
		default:
			tally.pass++
		}
	}
	if prof == "" {
		prof = "(each script's first)"
	}
	fmt.Fprintln(stdout, tally.line(e.Name, prof))
	return tally.status()
}

// parseRunScript reads and parses one script for run, with #ifdef
// choosing the platform of profile (or of the script's first
// --tcpclose_profiles when profile is "").
func parseRunScript(file, profile string, defs map[string]string) (*script.Script, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	if profile == "" {
		hdr, err := script.NewReader(file, src, script.ParseOptions{Defines: defs, ReadFile: os.ReadFile})
		if err != nil {
			return nil, err
		}
		profile = profilesFor(hdr.Script(), "")[0]
	}
	return script.ParseWith(file, src, script.ParseOptions{Platform: script.PlatformFor(profile), Defines: defs, ReadFile: os.ReadFile})
}

const conformDescription = `
Model-based conformance testing: generates scenarios from the model's
state (-n of them, -steps random steps each after the set-up, from -seed),
plays each in lockstep on the stack and on the model, groups the
divergences by kind (first differing field, state, event), shrinks the
first scenario of each kind to a script (written under -out) and matches
it against the known causes (docs/deviations.md). -explain also seeks the
profile fields that would explain each kind.

Exit status: 0 when nothing diverged, 1 when something did, 2 on bad
arguments or a stack that cannot be built.`

// runConform is `tcpclose conform`: a conformance campaign against a
// stack of t.Stacks (conform.Run).
func (t *Tool) runConform(args []string, stdout, stderr io.Writer) int {
	const cmd = "conform"
	fs := t.flagSet(cmd, "-stack "+t.stackList("|")+" [-profile P] [-set Field=Value]... [-n N] [-seed X] [-out DIR] [-explain]", conformDescription)
	cfg := conform.Config{Registry: t.Stacks}
	fs.StringVar(&cfg.Stack, "stack", "", "stack under test: "+t.stackList(", "))
	fs.StringVar(&cfg.Profile, "profile", "", "profile of the model (default: the stack's own): "+strings.Join(spec.ProfileNames(), ", "))
	fs.IntVar(&cfg.N, "n", 1000, "number of scenarios")
	fs.Uint64Var(&cfg.Seed, "seed", 0, "seed (0: derived from the time, and printed)")
	fs.StringVar(&cfg.Out, "out", "", "directory for the shrunk scripts, one per divergence kind")
	fs.IntVar(&cfg.Workers, "workers", 0, "parallel scenarios (default: CPUs; 16 on the wall clock)")
	fs.IntVar(&cfg.Steps, "steps", 10, "random steps per scenario after the set-up")
	fs.IntVar(&cfg.ShrinkRuns, "shrink", 0, "reruns per divergence kind for shrinking (0: default, -1: none)")
	progress := fs.Bool("progress", false, "print progress to stderr (default: only when stderr is a terminal)")
	fs.BoolVar(&cfg.Explain, "explain", false, "seek the profile fields that would explain each kind (about 60 reruns per kind)")
	var sets listFlag
	fs.Var(&sets, "set", "override a profile field for both sides, `Field=Value` (repeatable)")
	pos, code := t.parseOrExit(fs, cmd, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	if len(pos) > 0 {
		return t.fail(stderr, cmd, "unexpected argument %q (conform takes only flags)", pos[0])
	}
	if cfg.Stack == "" {
		return t.fail(stderr, cmd, "-stack is required (%s)", t.stackList(", "))
	}
	if _, err := t.Stacks.Entry(cfg.Stack); err != nil {
		return t.fail(stderr, cmd, "%s", err)
	}
	if cfg.Profile != "" {
		if _, err := spec.LookupProfile(cfg.Profile); err != nil {
			return t.fail(stderr, cmd, "%s", err)
		}
	}
	if cfg.Seed == 0 {
		cfg.Seed = uint64(time.Now().UnixNano())
	}
	cfg.Sets = sets
	// Progress on a terminal without asking; in a pipe or a log only
	// with -progress.
	if tty, _ := terminal(stderr); *progress || tty {
		cfg.Progress = stderr
	}
	rep, err := conform.Run(cfg, stdout)
	if err != nil {
		return t.fail(stderr, cmd, "%s", err)
	}
	rep.Write(stdout)
	if len(rep.Kinds) > 0 {
		return ExitFail
	}
	return ExitOK
}
