package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tcpclose/tcpclose/scenarios"
	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/spec"
)

// ExitBeyond is check's status when no script diverges or fails to read
// but at least one reaches a line beyond the model: everything before it
// conformed, and what follows cannot be judged.
const ExitBeyond = 3

const checkDescription = `
Plays each scenario script against the model and reports, per script and
profile, "conforms" or the first divergence: the script's file and line,
what the script expects, what the model did, and the rules the model
applied at that step with their summaries. A directory is checked
recursively (every *.pkt file in it), and a summary line follows.

With no SCRIPT, checks the whole scenario corpus built into the tool
(scenarios/, each script on the profiles it lists) and prints the
divergences, if any, and a one-line summary.

Scripts are packetdrill's language (see script/README.md), as google's
packetdrill and FreeBSD's (NPLab) packetdrill read it. A script runs on
the profiles its --tcpclose_profiles option lists (rfc9293 if absent)
unless -profile is given; -set overrides apply on top of the script's own
--tcpclose_set settings. #ifdef sees FreeBSD on the freebsd profile and
Linux on the others, and every -D symbol.

A line whose effect the model cannot predict (IPv6, UDP, ICMP, TCP Fast
Open, SACK recovery, an unknown socket option or system call, python
other than tcpi_state assertions, a shell command that is not a known
sysctl, ...) ends the run there: "conforms up to line N; beyond the model
from line N: <feature>". It neither passes nor fails the script.

Exit status: 0 when every script conforms on every profile, 1 when one
diverges, 2 when a script cannot be read or parsed, or names an unknown
profile (the other scripts are still checked), 3 when none diverges or
fails but at least one is beyond the model. 2 wins over 1, 1 over 3.`

// checkTally counts verdicts for the summary line.
type checkTally struct{ conform, diverge, beyond, errors int }

func (c checkTally) String() string {
	return fmt.Sprintf("%d conform, %d diverge, %d beyond the model, %d errors", c.conform, c.diverge, c.beyond, c.errors)
}

func (t *Tool) runCheck(args []string, stdout, stderr io.Writer) int {
	const cmd = "check"
	if capturesIn(args) {
		return t.runCheckCapture(args, stdout, stderr)
	}
	fs := t.flagSet(cmd, "[-profile P] [-set Field=Value] [-D SYM=VAL] [-v] [SCRIPT|DIR...]", checkDescription)
	profile := fs.String("profile", "", "check on this profile instead of the script's --tcpclose_profiles: "+strings.Join(spec.ProfileNames(), ", "))
	var sets, defines listFlag
	fs.Var(&sets, "set", "override a profile field, `Field=Value` (repeatable)")
	fs.Var(&defines, "D", "define a packetdrill symbol, `SYM=VAL` (repeatable; as packetdrill's -D)")
	verbose := fs.Bool("v", false, "print what every script line did, and shell commands the model does not run")
	files, code := t.parseOrExit(fs, cmd, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	if *profile != "" {
		if _, err := spec.LookupProfile(*profile); err != nil {
			return t.fail(stderr, cmd, "%s", err)
		}
	}
	for _, kv := range sets {
		p := spec.MustProfile(spec.DefaultProfile)
		if err := setField(&p, kv); err != nil {
			return t.fail(stderr, cmd, "%s", err)
		}
	}
	defs, err := parseDefines(defines)
	if err != nil {
		return t.fail(stderr, cmd, "%s", err)
	}
	var tally checkTally
	rank := map[int]int{ExitOK: 0, ExitBeyond: 1, ExitFail: 2, ExitUsage: 3}
	status := ExitOK
	worse := func(c int) {
		if rank[c] > rank[status] {
			status = c
		}
	}
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	if len(files) == 0 {
		return t.checkCorpus(out, stderr, checkOptions{profile: *profile, sets: sets, verbose: *verbose})
	}
	paths, dirs, err := expandScripts(files)
	if err != nil {
		out.Flush()
		worse(t.fail(stderr, cmd, "%s", err))
	}
	for _, file := range paths {
		c := t.checkFile(file, *profile, sets, defs, *verbose, out, stderr, &tally)
		worse(c)
	}
	if dirs || len(paths) > 1 {
		fmt.Fprintf(out, "%d scripts (%d runs): %s\n", len(paths), tally.conform+tally.diverge+tally.beyond+tally.errors, tally)
	}
	return status
}

// expandScripts replaces each directory by the *.pkt files under it, in
// lexical order; dirs reports whether there was one.
func expandScripts(args []string) (paths []string, dirs bool, err error) {
	for _, a := range args {
		fi, statErr := os.Stat(a)
		if statErr != nil || !fi.IsDir() {
			paths = append(paths, a) // checkFile reports what is wrong
			continue
		}
		dirs = true
		var found []string
		walkErr := filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.HasSuffix(p, ".pkt") {
				found = append(found, p)
			}
			return nil
		})
		if walkErr != nil {
			var pe *fs.PathError
			if errors.As(walkErr, &pe) {
				walkErr = fmt.Errorf("%s: %v", pe.Path, pe.Err)
			}
			err = walkErr
		}
		sort.Strings(found)
		paths = append(paths, found...)
	}
	return paths, dirs, err
}

// checkFile checks one script on each of its profiles, streaming it: each
// run reads the script as it plays it.
func (t *Tool) checkFile(file, profile string, sets []string, defs map[string]string, verbose bool, out *bufio.Writer, stderr io.Writer, tally *checkTally) int {
	const cmd = "check"
	fail := func(format string, args ...any) int {
		out.Flush()
		tally.errors++
		return t.fail(stderr, cmd, format, args...)
	}
	src, err := os.ReadFile(file)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return fail("open %s: %v", file, pe.Err)
		}
		return fail("%s", err)
	}
	hdr, err := script.NewReader(file, src, script.ParseOptions{Defines: defs, ReadFile: os.ReadFile})
	if err != nil {
		return fail("%s", err)
	}
	status := ExitOK
	for _, prof := range profilesFor(hdr.Script(), profile) {
		rd, err := script.NewReader(file, src, script.ParseOptions{Platform: script.PlatformFor(prof), Defines: defs, ReadFile: os.ReadFile})
		if err != nil {
			return fail("%s", err)
		}
		s := rd.Script()
		st, err := modelFor(s, prof, sets)
		if err != nil {
			status = max(status, fail("%s", err))
			continue
		}
		opts := script.RunOptions{NoTrace: true}
		if verbose {
			opts.Verbose = out
		}
		res, err := script.RunReader(rd, st, opts)
		st.Close()
		if err != nil {
			var pe *script.ParseError
			if errors.As(err, &pe) {
				return fail("%s", err)
			}
			status = max(status, fail("%s on %s: %s", file, prof, err))
			continue
		}
		writeVerdict(out, res)
		if verbose {
			for _, c := range res.Commands {
				fmt.Fprintf(out, "  not run: %s\n", c)
			}
		}
		switch {
		case res.Divergence != nil:
			tally.diverge++
			if status != ExitUsage {
				status = ExitFail
			}
		case res.Beyond != nil:
			tally.beyond++
			if status == ExitOK {
				status = ExitBeyond
			}
		default:
			tally.conform++
		}
	}
	return status
}

// checkOptions are check's flags.
type checkOptions struct {
	profile string   // -profile: instead of the script's own profiles
	sets    []string // -set overrides
	verbose bool     // -v
	quiet   bool     // print only divergences (the corpus run)
}

// checkCount is what checking one or more scripts found.
type checkCount struct {
	status         int // the exit status so far
	runs, conforms int
}

// checkScript plays s on the model on each of its profiles and writes the
// verdicts.
func (t *Tool) checkScript(out *bufio.Writer, stderr io.Writer, s *script.Script, o checkOptions) checkCount {
	const cmd = "check"
	var c checkCount
	for _, prof := range profilesFor(s, o.profile) {
		st, err := modelFor(s, prof, o.sets)
		if err != nil {
			out.Flush()
			c.status = max(c.status, t.fail(stderr, cmd, "%s", err))
			continue
		}
		opts := script.RunOptions{}
		if o.verbose {
			opts.Verbose = out
		}
		res, err := script.Run(s, st, opts)
		st.Close()
		if err != nil {
			out.Flush()
			c.status = max(c.status, t.fail(stderr, cmd, "%s on %s: %s", s.Name, prof, err))
			continue
		}
		c.runs++
		if res.Passed() {
			c.conforms++
		}
		if !o.quiet || o.verbose || !res.Passed() {
			writeVerdict(out, res)
		}
		if o.verbose {
			for _, cmd := range res.Commands {
				fmt.Fprintf(out, "  not run: %s\n", cmd)
			}
		}
		if !res.Passed() {
			c.status = max(c.status, ExitFail)
		}
	}
	return c
}

// checkCorpus checks every script of the built-in corpus (package
// scenarios) and ends with a one-line summary.
func (t *Tool) checkCorpus(out *bufio.Writer, stderr io.Writer, o checkOptions) int {
	o.quiet = true
	var total checkCount
	all := scenarios.All()
	for _, sc := range all {
		s, err := script.Parse(sc.Path, sc.Content)
		if err != nil {
			out.Flush()
			total.status = max(total.status, t.fail(stderr, "check", "%s", err))
			continue
		}
		c := t.checkScript(out, stderr, s, o)
		total.status = max(total.status, c.status)
		total.runs += c.runs
		total.conforms += c.conforms
	}
	fmt.Fprintf(out, "scenarios: %d scripts, %d runs on their profiles: %d conform, %d diverge\n",
		len(all), total.runs, total.conforms, total.runs-total.conforms)
	return total.status
}
