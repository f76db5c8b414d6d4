package cli

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
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

States are kept as 64-bit fingerprints (about 30 bytes of memory a state);
parents, edges and a large frontier go to temporary files (-tmp). The report
gives the probability that a fingerprint collision hid a state, and a
resources line (states per second, peak RSS, bytes per state). -max-states,
-max-mem and -max-time stop the search with a truncated report.

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
	ipv6 := fs.Bool("ipv6", false, "run the hosts over IPv6 (fd00::1, fd00::2) instead of IPv4")
	maxStates := fs.Int("max-states", 4_000_000, "stop after `n` states (the report says it was truncated)")
	maxMem := fs.String("max-mem", "", "stop once the explorer holds more than `size` of memory, e.g. 8GB or 500MB (the report says it was truncated)")
	maxTime := fs.Duration("max-time", 0, "stop after `duration` of wall time, e.g. 10m (the report says it was truncated)")
	frontierMem := fs.String("frontier-mem", "2MiB", "frontier states kept in memory per BFS level; the rest spills to a temporary file (`size`)")
	tmpDir := fs.String("tmp", "", "`dir`ectory for the state records, edges and spilled frontier (default: the system's)")
	workers := fs.Int("workers", 0, "goroutines expanding states (`n`; 0: one per core); counts do not depend on it")
	fpKey := fs.Uint64("fp-key", 0, "key of the 64-bit state fingerprints (`n`; 0: the default); another key re-checks that no collision hid a state")
	traces := fs.Int("traces", 3, "example traces to print per finding (`n`)")
	pos, code := t.parseOrList(fs, cmd, "scenarios", func(w io.Writer) {
		for _, s := range explore.Scenarios() {
			fmt.Fprintln(w, s)
		}
	}, args, stdout, stderr)
	if code >= 0 {
		return code
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
	case *workers < 0:
		return t.fail(stderr, cmd, "-workers must be at least 0, not %d", *workers)
	}
	var memBound, frontierBound int64
	if *maxMem != "" {
		v, err := parseSize(*maxMem)
		if err != nil {
			return t.fail(stderr, cmd, "-max-mem: %s", err)
		}
		memBound = v
	}
	frontierBound, err := parseSize(*frontierMem)
	if err != nil {
		return t.fail(stderr, cmd, "-frontier-mem: %s", err)
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
	cfg.MaxTime = *maxTime
	cfg.MaxMem, cfg.FrontierMem, cfg.TempDir, cfg.Workers, cfg.FPKey = memBound, int(min(frontierBound, 1<<40)), *tmpDir, *workers, *fpKey
	if *shared {
		cfg.Clock = explore.Shared
	}
	cfg.IPv6 = *ipv6
	var progress func(explore.Stats)
	if tty, _ := terminal(stderr); tty {
		last := time.Time{}
		progress = func(s explore.Stats) {
			if time.Since(last) < 200*time.Millisecond {
				return
			}
			last = time.Now()
			fmt.Fprintf(stderr, "\r\033[K%s", progressLine(s))
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
	fmt.Fprintf(w, "resources: %s\n", rep.Resources())
	w.Flush()
	if len(rep.Violations) > 0 || rep.Stuck > 0 {
		return ExitFail
	}
	return ExitOK
}

// progressLine is one line of progress: depth, states and the rate since
// the start, the frontier still to expand, edges, memory in use and time.
func progressLine(s explore.Stats) string {
	rate := 0.0
	if sec := s.Elapsed.Seconds(); sec > 0 {
		rate = float64(s.States) / sec
	}
	return fmt.Sprintf("depth %d: %s states (%s/s), frontier %s, %s edges, %.0f MB, %s",
		s.Depth, thousands(int64(s.States)), thousands(int64(rate)), thousands(int64(s.Frontier)), thousands(int64(s.Edges)),
		float64(s.Mem)/1e6, s.Elapsed.Round(100*time.Millisecond))
}

// thousands prints n with commas between groups of three digits.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// parseSize reads a byte count: a number with an optional unit, B, KB, MB,
// GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024).
func parseSize(v string) (int64, error) {
	t := strings.TrimSpace(v)
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := t, ""
	if i >= 0 {
		num, unit = t[:i], strings.TrimSpace(t[i:])
	}
	mult := map[string]float64{"": 1, "b": 1, "k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9, "t": 1e12, "tb": 1e12,
		"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40}[strings.ToLower(unit)]
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || mult == 0 || f < 0 || f*mult > 1<<62 {
		return 0, fmt.Errorf("%q is not a size (examples: 500MB, 8GB, 1.5GiB)", v)
	}
	return int64(f * mult), nil
}
