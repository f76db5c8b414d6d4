package cli

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/spec"
)

const checkDescription = `
Plays each scenario script against the model and reports, per script and
profile, "conforms" or the first divergence: the script's file and line,
what the script expects, what the model did, and the rules the model
applied at that step with their summaries.

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
	fs := t.flagSet(cmd, "[-profile P] [-set Field=Value] [-v] SCRIPT...", checkDescription)
	profile := fs.String("profile", "", "check on this profile instead of the script's --tcpclose_profiles: "+strings.Join(spec.ProfileNames(), ", "))
	var sets listFlag
	fs.Var(&sets, "set", "override a profile field, `Field=Value` (repeatable)")
	verbose := fs.Bool("v", false, "print what every script line did, and shell commands the model does not run")
	files, code := t.parseOrExit(fs, cmd, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	if len(files) == 0 {
		return t.fail(stderr, cmd, "name at least one script file")
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
	status := ExitOK
	worse := func(c int) {
		if c > status {
			status = c
		}
	}
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	for _, file := range files {
		s, err := loadScript(file)
		if err != nil {
			out.Flush()
			worse(t.fail(stderr, cmd, "%s", err))
			continue
		}
		for _, prof := range profilesFor(s, *profile) {
			st, err := modelFor(s, prof, sets)
			if err != nil {
				out.Flush()
				worse(t.fail(stderr, cmd, "%s", err))
				continue
			}
			opts := script.RunOptions{}
			if *verbose {
				opts.Verbose = out
			}
			res, err := script.Run(s, st, opts)
			st.Close()
			if err != nil {
				out.Flush()
				worse(t.fail(stderr, cmd, "%s on %s: %s", file, prof, err))
				continue
			}
			writeVerdict(out, res)
			if *verbose {
				for _, c := range res.Commands {
					fmt.Fprintf(out, "  not run: %s\n", c)
				}
			}
			if !res.Passed() {
				worse(ExitFail)
			}
		}
	}
	return status
}
