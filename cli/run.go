package cli

import (
	"fmt"
	execstack "github.com/tcpclose/tcpclose/stack/exec"
	"io"
	"os"
	"strings"
	"time"

	"github.com/tcpclose/tcpclose/conform"
	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
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
Plays each scenario script (a directory stands for its *.pkt files) on the
stack and on the model with the same profile: -profile, or the stack's own
(linux for linux, gvisor for gvisor; each script's first
--tcpclose_profiles for model and impl), with the script's overrides and
then -set. For each script it prints whether it passes on the stack and
on the model and, where the stack diverges, the line, what the script
expected, what the stack did, what the model predicts and the rules the
model applied. Real stacks are judged on flags, sequence and
acknowledgment numbers, lengths, the MSS option and the presence of
timestamps, with their own timing tolerance (docs/oracle.md).

Exit status: 0 when every script passed on the stack and on the model, 1
when one diverged, 2 on bad arguments, an unreadable or invalid script,
or a stack that cannot be built.`

// runRun is `tcpclose run`: scenario scripts on a stack of t.Stacks with
// the model as second opinion (oracle.Run).
func (t *Tool) runRun(args []string, stdout, stderr io.Writer) int {
	const cmd = "run"
	fs := t.flagSet(cmd, "-stack "+t.stackList("|")+" [-profile P] [-set Field=Value]... [-seed N] [-v] SCRIPT|DIR...", runDescription)
	stackName := fs.String("stack", "", "stack under test: "+t.stackList(", "))
	profile := fs.String("profile", "", "profile for the stack and the model (default: the stack's own): "+strings.Join(spec.ProfileNames(), ", "))
	verbose := fs.Bool("v", false, "print the stack's run line by line")
	seed := fs.Uint64("seed", 0, "seed for stacks that take one")
	var sets listFlag
	fs.Var(&sets, "set", "override a profile field, `Field=Value` (repeatable)")
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
	if len(files) == 0 {
		return t.fail(stderr, cmd, "no scripts given")
	}
	files, err = oracle.ExpandScripts(files)
	if err != nil {
		return t.fail(stderr, cmd, "%s", err)
	}
	// Parse everything first: a bad script is a usage error before any
	// (possibly slow) run starts.
	var scripts []*script.Script
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return t.fail(stderr, cmd, "%s", err)
		}
		s, err := script.Parse(f, src)
		if err != nil {
			return t.fail(stderr, cmd, "%s", err)
		}
		scripts = append(scripts, s)
	}
	cfg := oracle.Config{Profile: *profile, Sets: sets, Seed: *seed}
	if *verbose {
		cfg.Verbose = stdout
	}
	prof := *profile
	if prof == "" {
		prof = e.Profile
	}
	if prof == "" {
		prof = "(each script's first)"
	}
	var onStack, onModel, agree int
	for _, s := range scripts {
		rep, err := oracle.Run(e, s, cfg)
		if err != nil {
			return t.fail(stderr, cmd, "%s", err)
		}
		rep.Write(stdout)
		if rep.StackPassed() {
			onStack++
		}
		if rep.ModelPassed() {
			onModel++
		}
		if !rep.Passed() && rep.Agree() {
			agree++
		}
	}
	n := len(scripts)
	fmt.Fprintf(stdout, "%d scripts, profile %s: %d pass on %s, %d pass on the model", n, prof, onStack, e.Name, onModel)
	if agree > 0 {
		fmt.Fprintf(stdout, "; %d fail alike on both", agree)
	}
	fmt.Fprintln(stdout)
	if onStack == n && onModel == n {
		return ExitOK
	}
	return ExitFail
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
