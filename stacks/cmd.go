package stacks

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/spec"
)

// Exit statuses of RunCommand (and of conform.Command).
const (
	ExitPass       = 0 // every script passed on the stack and on the model
	ExitDivergence = 1 // some script diverged on the stack or on the model
	ExitUsage      = 2 // bad arguments, an unreadable or invalid script, a stack that cannot be built
)

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// ParseFlags parses the flags of command cmd ("run", "conform") as every
// tcpclose command does: flags may come before, between or after the
// positional arguments; -h prints usage (a line, then fs's flags) on
// stdout and returns code ExitPass; any other error is one line on stderr
// naming the command, with code ExitUsage. On success code is -1.
func ParseFlags(fs *flag.FlagSet, cmd, usage string, args []string, stdout, stderr io.Writer) (pos []string, code int) {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	pos, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(stdout, "Usage: %s\n\nFlags:\n", usage)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
		return nil, ExitPass
	}
	if err != nil {
		msg := err.Error()
		if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
			msg = fmt.Sprintf("unknown flag %s (run 'tcpclose %s -h' for the flags)", name, cmd)
		}
		fmt.Fprintf(stderr, "tcpclose %s: %s\n", cmd, msg)
		return nil, ExitUsage
	}
	return pos, -1
}

// parseInterleaved parses flags that may come before, between or after
// the positional arguments.
func parseInterleaved(flags *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := flags.Parse(args); err != nil {
			return nil, err
		}
		args = flags.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// ExpandScripts turns the arguments into script files: a directory
// stands for the *.pkt files in it and in its subdirectories, sorted.
func ExpandScripts(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		fi, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			out = append(out, a)
			continue
		}
		var found []string
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".pkt") {
				found = append(found, p)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("%s: no *.pkt scripts", a)
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
}

// RunCommand implements
//
//	tcpclose run --stack linux|gvisor|impl|model [--profile P] [--set F=V]... [-v] SCRIPT...
//
// Each script (a directory stands for its *.pkt files) is played on the
// stack and on the model with the same profile: --profile, or the
// stack's own (linux for linux, gvisor for gvisor), with the script's
// overrides and then --set. For each script it prints whether it passes
// on the stack and on the model and, where the stack diverges, the
// line, what the script expected, what the stack did, what the model
// predicts and the rules the model applied. It returns ExitPass if every
// script passed on both, ExitDivergence if any diverged, ExitUsage (with
// one line on stderr) for bad arguments or scripts.
func RunCommand(reg Registry, args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("run", flag.ContinueOnError)
	stackName := flags.String("stack", "", "stack under test: "+strings.Join(reg.Names(), ", "))
	profile := flags.String("profile", "", "profile for the stack and the model (default: the stack's own)")
	verbose := flags.Bool("v", false, "print the stack's run line by line")
	seed := flags.Uint64("seed", 0, "seed for stacks that take one")
	var sets listFlag
	flags.Var(&sets, "set", "profile override Field=Value (repeatable)")
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "tcpclose run: "+format+"\n", a...)
		return ExitUsage
	}
	files, code := ParseFlags(flags, "run", "tcpclose run --stack "+strings.Join(reg.Names(), "|")+" [--profile P] [--set F=V]... [-v] SCRIPT|DIR...", args, stdout, stderr)
	if code >= 0 {
		return code
	}
	if *stackName == "" {
		return usage("--stack is required (%s)", strings.Join(reg.Names(), ", "))
	}
	e, ok := reg.Lookup(*stackName)
	if !ok {
		return usage("unknown stack %q (known: %s)", *stackName, strings.Join(reg.Names(), ", "))
	}
	if *profile != "" {
		if _, err := spec.LookupProfile(*profile); err != nil {
			return usage("%v", err)
		}
	}
	if len(files) == 0 {
		return usage("no scripts given")
	}
	files, err := ExpandScripts(files)
	if err != nil {
		return usage("%v", err)
	}
	// Parse everything first: a bad script is a usage error before any
	// (possibly slow) run starts.
	var scripts []*script.Script
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return usage("%v", err)
		}
		s, err := script.Parse(f, src)
		if err != nil {
			return usage("%v", err)
		}
		scripts = append(scripts, s)
	}
	cfg := RunConfig{Stack: *stackName, Profile: *profile, Sets: sets, Seed: *seed}
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
		rep, err := RunScript(reg, s, cfg)
		if err != nil {
			return usage("%v", err)
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
	fmt.Fprintf(stdout, "%d scripts, profile %s: %d pass on %s, %d pass on the model", n, prof, onStack, *stackName, onModel)
	if agree > 0 {
		fmt.Fprintf(stdout, "; %d fail alike on both", agree)
	}
	fmt.Fprintln(stdout)
	if onStack == n && onModel == n {
		return ExitPass
	}
	return ExitDivergence
}
