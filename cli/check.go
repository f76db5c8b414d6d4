package cli

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/tcpclose/tcpclose/scenarios"
	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/spec"
)

const checkDescription = `
Plays each scenario script against the model and reports, per script and
profile, "conforms" or the first divergence: the script's file and line,
what the script expects, what the model did, and the rules the model
applied at that step with their summaries.

With no SCRIPT, checks the whole scenario corpus built into the tool
(scenarios/, each script on the profiles it lists) and prints the
divergences, if any, and a one-line summary.

Scripts are packetdrill's language (see script/README.md). A script runs
on the profiles its --tcpclose_profiles option lists (rfc9293 if absent)
unless -profile is given; -set overrides apply on top of the script's own
--tcpclose_set settings.

Exit status: 0 when every script conforms on every profile, 1 when one
diverges, 2 when a script cannot be read or parsed, or names an unknown
profile (the other scripts are still checked).`

func (t *Tool) runCheck(args []string, stdout, stderr io.Writer) int {
	const cmd = "check"
	if capturesIn(args) {
		return t.runCheckCapture(args, stdout, stderr)
	}
	fs := t.flagSet(cmd, "[-profile P] [-set Field=Value] [-v] [SCRIPT...]", checkDescription)
	profile := fs.String("profile", "", "check on this profile instead of the script's --tcpclose_profiles: "+strings.Join(spec.ProfileNames(), ", "))
	var sets listFlag
	fs.Var(&sets, "set", "override a profile field, `Field=Value` (repeatable)")
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
	o := checkOptions{profile: *profile, sets: sets, verbose: *verbose}
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	if len(files) == 0 {
		return t.checkCorpus(out, stderr, o)
	}
	status := ExitOK
	for _, file := range files {
		s, err := loadScript(file)
		if err != nil {
			out.Flush()
			status = max(status, t.fail(stderr, cmd, "%s", err))
			continue
		}
		c := t.checkScript(out, stderr, s, o)
		status = max(status, c.status)
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
