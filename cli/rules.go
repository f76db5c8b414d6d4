package cli

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/tcpclose/tcpclose/spec"
)

const rulesDescription = `
Lists the rule catalogue (spec.Rules): every normative statement about
closing a TCP connection in the documents tcpclose models, and the
ambiguities it settled. For each rule: its ID, force and source, a
summary, the files that implement it and the tests and scripts that check
it (recorded in spec/coverage.json by the traceability scan), and with
-profile the value of the profile field that decides it.

A rule is uncovered when it is modelled but no code or no test names it.
Arguments, if any, select rules by ID prefix: R5961, R9293 or AMB, or a
whole rule ID.`

func (t *Tool) runRules(args []string, stdout, stderr io.Writer) int {
	const cmd = "rules"
	fs := t.flagSet(cmd, "[-profile P] [-uncovered] [-v] [ID-PREFIX...]", rulesDescription)
	profile := fs.String("profile", "", "show the value each rule's deciding field has in this profile: "+strings.Join(spec.ProfileNames(), ", "))
	uncovered := fs.Bool("uncovered", false, "list only the uncovered rules")
	verbose := fs.Bool("v", false, "list every test, not only the first three")
	prefixes, code := t.parseOrExit(fs, cmd, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	var prof *spec.Profile
	if *profile != "" {
		p, err := spec.LookupProfile(*profile)
		if err != nil {
			return t.fail(stderr, cmd, "%s", err)
		}
		prof = &p
	}
	for _, px := range prefixes {
		found := false
		for _, r := range spec.Rules() {
			if strings.HasPrefix(string(r.ID), px) {
				found = true
				break
			}
		}
		if !found {
			return t.fail(stderr, cmd, "no rule ID starts with %q", px)
		}
	}
	cov, err := spec.Coverage()
	if err != nil {
		return t.fail(stderr, cmd, "coverage data: %s", err)
	}
	byID := map[spec.RuleID]spec.RuleCoverage{}
	for _, c := range cov {
		byID[c.ID] = c
	}
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	var total, impl, tested, unc int
	for _, r := range spec.Rules() {
		if len(prefixes) > 0 && !hasAnyPrefix(string(r.ID), prefixes) {
			continue
		}
		c := byID[r.ID]
		isUnc := r.NotModelled == "" && (len(c.Implemented) == 0 || len(c.Tested) == 0)
		total++
		if len(c.Implemented) > 0 {
			impl++
		}
		if len(c.Tested) > 0 {
			tested++
		}
		if isUnc {
			unc++
		}
		if *uncovered && !isUnc {
			continue
		}
		label := ""
		if r.Label != "" {
			label = " (" + r.Label + ")"
		}
		fmt.Fprintf(w, "%s  %s  %s%s\n", r.ID, r.Keyword, r.Source, label)
		fmt.Fprintf(w, "  %s\n", r.Summary)
		if r.NotModelled != "" {
			fmt.Fprintf(w, "  not modelled: %s\n", r.NotModelled)
		} else {
			fmt.Fprintf(w, "  implemented: %s\n", listOrNone(c.Implemented, 0))
			limit := 3
			if *verbose {
				limit = 0
			}
			fmt.Fprintf(w, "  tested:      %s\n", listOrNone(c.Tested, limit))
		}
		if prof != nil && r.Profile != "" {
			v, err := prof.FieldValue(r.Profile)
			if err != nil {
				v = "?"
			}
			fmt.Fprintf(w, "  decided by:  %s = %s (%s)\n", r.Profile, v, prof.Name)
		}
	}
	fmt.Fprintf(w, "%d rules: %d implemented, %d tested, %d uncovered\n", total, impl, tested, unc)
	return ExitOK
}

func hasAnyPrefix(s string, ps []string) bool {
	for _, p := range ps {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// listOrNone joins xs, at most limit of them (0: all).
func listOrNone(xs []string, limit int) string {
	if len(xs) == 0 {
		return "none (UNCOVERED)"
	}
	if limit > 0 && len(xs) > limit {
		return strings.Join(xs[:limit], ", ") + fmt.Sprintf(" (+%d more)", len(xs)-limit)
	}
	return strings.Join(xs, ", ")
}
