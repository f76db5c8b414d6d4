// Package cli implements the tcpclose command: its subcommands, their
// flags, and how they report. cmd/tcpclose is a thin main around Main, so
// that another binary (or a test) can run the same commands in-process:
//
//	code := cli.Main(os.Args[1:], os.Stdout, os.Stderr)
//
// A binary that links more stacks is the same command with more registry
// entries: stack/gvisor's tcpclose-gvisor is
//
//	code := cli.Main(os.Args[1:], os.Stdout, os.Stderr,
//		cli.WithName("tcpclose-gvisor"), cli.WithStacks(gvisor.Entry()))
//
// The stacks run and conform drive are a stack.Registry (Stacks: model,
// impl, linux, linux-quickack); run judges a stack through package
// stack/oracle, conform through package conform.
//
// Conventions every subcommand follows:
//
//   - one flag.FlagSet per subcommand; flags may come before or after the
//     positional arguments; -h prints the subcommand's usage on stdout
//     and exits 0;
//   - results go to stdout; progress goes to stderr, and only when stderr
//     is a terminal;
//   - colour only when stdout is a terminal and NO_COLOR is unset;
//   - exit status 0 when everything conforms, 1 when something diverges or
//     a property is violated, 2 on a usage or input error (unknown flag or
//     subcommand, missing file, malformed script, unknown profile or
//     scenario, bad fault schedule), reported as one line on stderr:
//     "tcpclose sim: unknown profile "bsd" (known: rfc9293, ...)".
//
// The subcommands are a table (Tool.Commands). Each entry's Run has the
// signature func(args []string, stdout, stderr io.Writer) int.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/tcpclose/tcpclose/stack"
)

// Exit statuses.
const (
	ExitOK    = 0 // everything conforms
	ExitFail  = 1 // a divergence, a violation, a hazard
	ExitUsage = 2 // a usage or input error
)

// Command is one subcommand.
type Command struct {
	Name    string
	Summary string // one line for the command list
	Run     func(args []string, stdout, stderr io.Writer) int
}

// Tool is the command line: a name and a table of subcommands.
type Tool struct {
	// Name prefixes messages ("tcpclose sim: ...").
	Name string
	// Stacks are the stacks run and conform can drive; New uses Stacks()
	// (model, impl, linux, linux-quickack, exec:PATH, lwip, lwip-quickack) and the entries of WithStacks.
	Stacks stack.Registry
	// Commands in the order help lists them.
	Commands []Command
	// Getenv reads the environment (NO_COLOR, COLUMNS); nil means
	// os.Getenv. Tests replace it.
	Getenv func(string) string
}

// Option configures the tool New builds.
type Option func(*Tool)

// WithStacks adds registry entries to the stacks run and conform can
// drive (replacing entries of the same name).
func WithStacks(entries ...stack.Entry) Option {
	return func(t *Tool) { t.Stacks = t.Stacks.With(entries...) }
}

// WithName sets the tool's name, which prefixes its messages and usage
// ("tcpclose-gvisor run: ...").
func WithName(name string) Option {
	return func(t *Tool) { t.Name = name }
}

// New returns the tcpclose tool with every subcommand this build has,
// configured by opts.
func New(opts ...Option) *Tool {
	t := &Tool{Name: "tcpclose", Stacks: Stacks()}
	for _, o := range opts {
		o(t)
	}
	t.Commands = []Command{
		{"sim", "run two endpoints over a simulated network and draw the ladder diagram", t.runSim},
		{"check", "check scenario scripts against the model", t.runCheck},
		{"run", "run scenario scripts on a stack (" + t.stackList(", ") + ") with the model as second opinion", t.runRun},
		{"conform", "generate scenarios from the model, run them on a stack in lockstep, shrink every divergence to a script", t.runConform},
		{"explore", "explore every state of two hosts over a lossy channel; report violations and stuck states", t.runExplore},

		{"diagram", "print the state diagram generated from the model's transitions", t.runDiagram},
		{"rules", "list the rule catalogue with where each rule is implemented and tested", t.runRules},
		{"profiles", "list the profiles, or every field of one with its source", t.runProfiles},
		{"lab", "run experiments on the Linux kernel beside the model (Linux, root)", t.runLab},
		{"version", "print the version", t.runVersion},
		{"help", "print help for the tool or a subcommand", t.runHelp},
	}
	return t
}

// Main runs the tcpclose command line with args (without the program
// name) and returns the exit status; opts add stacks (WithStacks) or
// rename the tool (WithName).
func Main(args []string, stdout, stderr io.Writer, opts ...Option) int {
	return New(opts...).Main(args, stdout, stderr)
}

// Main runs the command line with args (without the program name).
func (t *Tool) Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		t.usage(stdout)
		return ExitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		t.usage(stdout)
		return ExitOK
	case "-version", "--version":
		name = "version"
	}
	c := t.lookup(name)
	if c == nil {
		return t.fail(stderr, "", "unknown command %q (run '%s help' for the list)", name, t.Name)
	}
	return c.Run(args[1:], stdout, stderr)
}

func (t *Tool) lookup(name string) *Command {
	for i := range t.Commands {
		if t.Commands[i].Name == name {
			return &t.Commands[i]
		}
	}
	return nil
}

func (t *Tool) usage(w io.Writer) {
	fmt.Fprintf(w, "%s: an executable model of how TCP connections close, and tools around it.\n\n", t.Name)
	fmt.Fprintf(w, "Usage:\n\n\t%s <command> [flags] [arguments]\n\nCommands:\n\n", t.Name)
	for _, c := range t.Commands {
		fmt.Fprintf(w, "\t%-9s %s\n", c.Name, c.Summary)
	}
	fmt.Fprintf(w, "\nRun '%s <command> -h' for a command's flags.\n", t.Name)
	fmt.Fprintf(w, "Exit status: 0 all conforms, 1 a divergence or violation, 2 a usage or input error, 3 (check) beyond the model: every script conforms up to a line the model does not cover.\n")
}

func (t *Tool) getenv(k string) string {
	if t.Getenv != nil {
		return t.Getenv(k)
	}
	return os.Getenv(k)
}

// fail reports a usage or input error as one line and returns ExitUsage.
func (t *Tool) fail(stderr io.Writer, cmd, format string, args ...any) int {
	prefix := t.Name
	if cmd != "" {
		prefix += " " + cmd
	}
	msg := fmt.Sprintf(format, args...)
	msg = strings.ReplaceAll(strings.TrimSpace(msg), "\n", "; ")
	fmt.Fprintf(stderr, "%s: %s\n", prefix, msg)
	return ExitUsage
}

// flagSet returns a FlagSet for subcommand cmd whose usage text is
// synopsis and description followed by the flags.
func (t *Tool) flagSet(cmd, synopsis, description string) *flag.FlagSet {
	fs := flag.NewFlagSet(t.Name+" "+cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: %s %s %s\n\n%s\n", t.Name, cmd, synopsis, strings.TrimSpace(description))
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintf(w, "\nFlags:\n")
			fs.PrintDefaults()
		}
	}
	return fs
}

// errHelp is returned by parse when -h was given and usage printed.
var errHelp = errors.New("help")

// parse parses args with fs, allowing flags after positional arguments
// (a "--" ends the flags). On -h it prints the usage on stdout and returns
// errHelp; other errors are rewritten into one readable line.
func (t *Tool) parse(fs *flag.FlagSet, args []string, stdout io.Writer) ([]string, error) {
	var pos []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.Usage()
			fs.SetOutput(io.Discard)
			return nil, errHelp
		}
		if err != nil {
			msg := err.Error()
			if f, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
				msg = fmt.Sprintf("unknown flag %s (run '%s -h' for the flags)", f, fs.Name())
			}
			return nil, errors.New(msg)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > 0 && len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// parseOrExit is parse for the common case: it returns the positional
// arguments and -1, or the exit status to return at once.
func (t *Tool) parseOrExit(fs *flag.FlagSet, cmd string, args []string, stdout, stderr io.Writer) ([]string, int) {
	pos, err := t.parse(fs, args, stdout)
	if errors.Is(err, errHelp) {
		return nil, ExitOK
	}
	if err != nil {
		return nil, t.fail(stderr, cmd, "%s", err)
	}
	return pos, -1
}

// parseOrList is parseOrExit for a command with a -list flag (help:
// "list the <what> and exit"): with -list it writes list to stdout and
// returns ExitOK as the code.
func (t *Tool) parseOrList(fs *flag.FlagSet, cmd, what string, list func(io.Writer), args []string, stdout, stderr io.Writer) ([]string, int) {
	listOnly := fs.Bool("list", false, "list the "+what+" and exit")
	pos, code := t.parseOrExit(fs, cmd, args, stdout, stderr)
	if code < 0 && *listOnly {
		list(stdout)
		return nil, ExitOK
	}
	return pos, code
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

// probFlag is a probability in [0, 1].
type probFlag struct {
	p   float64
	set bool
}

func (p *probFlag) String() string { return fmt.Sprint(p.p) }
func (p *probFlag) Set(s string) error {
	var v float64
	if _, err := fmt.Sscan(s, &v); err != nil || v < 0 || v > 1 || strings.TrimSpace(s) != s {
		return fmt.Errorf("%q is not a probability between 0 and 1", s)
	}
	p.p, p.set = v, true
	return nil
}

// choiceFlag is one of a fixed set of words.
type choiceFlag struct {
	v       string
	choices []string
}

func (c *choiceFlag) String() string { return c.v }
func (c *choiceFlag) Set(s string) error {
	for _, x := range c.choices {
		if s == x {
			c.v = s
			return nil
		}
	}
	return fmt.Errorf("%q is not one of %s", s, strings.Join(c.choices, ", "))
}
