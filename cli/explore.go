package cli

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tcpclose/tcpclose/explore"
)

const exploreDescription = `
Explores every state two model hosts can reach over a bounded channel that
loses, reorders (and, with -dup, duplicates) segments, with timer expiries
as nondeterministic events, and checks the safety properties in every state
and which states can no longer reach "both CLOSED" (each with a shortest
trace). The scenario names the pair of applications (see -list); the
profile is the rule set both hosts run. explore/FINDINGS.md explains the
abstractions and what the explorer has found.

Exit status: 0 when no property is violated and no state is stuck, 1
otherwise, 2 on a usage error.`

func (t *Tool) runExplore(args []string, stdout, stderr io.Writer) int {
	const cmd = "explore"
	fs := t.flagSet(cmd, "[flags] [SCENARIO]", exploreDescription)
	profile := fs.String("profile", "rfc9293", "the `profile` both hosts run")
	var sets listFlag
	fs.Var(&sets, "set", "override a profile field, `Field=Value` (repeatable)")
	capacity := fs.Int("c", 2, "segments in flight per direction (channel `capacity`)")
	r := fs.Int("r", 2, "retransmissions before giving up (R2, SynR2, SynAckR2; `R`)")
	dups := fs.Int("dup", 0, "how many duplications a run may make (`n`)")
	lossless := fs.Bool("lossless", false, "no losses: a send into a full channel is cut instead")
	shared := fs.Bool("shared-clock", false, "one clock for both hosts (default: independent clocks)")
	maxStates := fs.Int("max-states", 4_000_000, "stop after `n` states (the report says it was truncated)")
	traces := fs.Int("traces", 3, "example traces to print per finding (`n`)")
	list := fs.Bool("list", false, "list the scenarios and exit")
	pos, code := t.parseOrExit(fs, cmd, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	if *list {
		for _, s := range explore.Scenarios() {
			fmt.Fprintln(stdout, s)
		}
		return ExitOK
	}
	scenario := "close"
	switch len(pos) {
	case 0:
	case 1:
		scenario = pos[0]
	default:
		return t.fail(stderr, cmd, "want at most one scenario, got %d: %s", len(pos), strings.Join(pos, " "))
	}
	switch {
	case *capacity < 1:
		return t.fail(stderr, cmd, "-c must be at least 1, not %d", *capacity)
	case *r < 0:
		return t.fail(stderr, cmd, "-r must be at least 0, not %d", *r)
	case *dups < 0:
		return t.fail(stderr, cmd, "-dup must be at least 0, not %d", *dups)
	case *maxStates < 1:
		return t.fail(stderr, cmd, "-max-states must be positive, not %d", *maxStates)
	}
	cfg, err := explore.NewConfig(scenario, *profile)
	if err != nil {
		return t.fail(stderr, cmd, "%s (scenarios: %s)", err, strings.Join(explore.Scenarios(), ", "))
	}
	for _, kv := range sets {
		if err := setField(&cfg.Profile, kv); err != nil {
			return t.fail(stderr, cmd, "%s", err)
		}
	}
	cfg.Capacity, cfg.R, cfg.Dups, cfg.Loss = *capacity, *r, *dups, !*lossless
	cfg.MaxStates, cfg.MaxTraces = *maxStates, max(*traces, 1)
	if *shared {
		cfg.Clock = explore.Shared
	}
	var progress func(explore.Stats)
	if tty, _ := terminal(stderr); tty {
		last := time.Time{}
		progress = func(s explore.Stats) {
			if time.Since(last) < 200*time.Millisecond {
				return
			}
			last = time.Now()
			fmt.Fprintf(stderr, "\r%s", progressLine(s, cfg.MaxStates))
		}
	}
	rep, err := explore.Run(cfg, progress)
	if progress != nil {
		fmt.Fprint(stderr, "\r\033[K")
	}
	if err != nil {
		return t.fail(stderr, cmd, "%s", err)
	}
	w := bufio.NewWriter(stdout)
	rep.WriteTo(w)
	w.Flush()
	if len(rep.Violations) > 0 || rep.Stuck > 0 {
		return ExitFail
	}
	return ExitOK
}

// progressLine draws "[#####.....] 1,234,567 states ..." against the state
// budget.
func progressLine(s explore.Stats, budget int) string {
	const width = 24
	filled := 0
	if budget > 0 {
		filled = min(width, s.States*width/budget)
	}
	bar := strings.Repeat("#", filled) + strings.Repeat(".", width-filled)
	return fmt.Sprintf("[%s] %d states, %d edges, depth %d, frontier %d, %s",
		bar, s.States, s.Edges, s.Depth, s.Frontier, s.Elapsed.Round(100*time.Millisecond))
}
