package cli

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/tcpclose/tcpclose/spec"
)

const profilesDescription = `
Without an argument, lists the built-in profiles. With a profile name,
prints every field of that profile: its value and the source of that value
(an RFC section, kernel source, a stack's own tests). -set shows the
profile with overrides applied, as 'tcpclose sim -set' would run it.
docs/profiles.md has the same data with the question each field settles.`

func (t *Tool) runProfiles(args []string, stdout, stderr io.Writer) int {
	const cmd = "profiles"
	fs := t.flagSet(cmd, "[-set Field=Value] [PROFILE]", profilesDescription)
	var sets listFlag
	fs.Var(&sets, "set", "override a profile field, `Field=Value` (repeatable)")
	pos, code := t.parseOrExit(fs, cmd, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	switch len(pos) {
	case 0:
		if len(sets) > 0 {
			return t.fail(stderr, cmd, "-set needs a profile name")
		}
		n := 0
		for _, name := range spec.ProfileNames() {
			n = max(n, len(name))
		}
		for _, name := range spec.ProfileNames() {
			p := spec.MustProfile(name)
			mark := ""
			if name == spec.DefaultProfile && !strings.Contains(p.Description, "default") {
				mark = " (default)"
			}
			fmt.Fprintf(w, "%-*s  %s%s\n", n, name, p.Description, mark)
		}
		return ExitOK
	case 1:
	default:
		return t.fail(stderr, cmd, "want at most one profile name, got %d: %s", len(pos), strings.Join(pos, " "))
	}
	p, err := spec.LookupProfile(pos[0])
	if err != nil {
		return t.fail(stderr, cmd, "%s", err)
	}
	changed := map[string]bool{}
	for _, kv := range sets {
		if err := setField(&p, kv); err != nil {
			return t.fail(stderr, cmd, "%s", err)
		}
		k, _, _ := strings.Cut(kv, "=")
		changed[strings.TrimSpace(k)] = true
	}
	fmt.Fprintf(w, "%s: %s\n\n", p.Name, p.Description)
	fw, vw := len("Field"), len("Value")
	vals := map[string]string{}
	for _, f := range spec.Fields() {
		v, err := p.FieldValue(f)
		if err != nil {
			v = "?"
		}
		vals[f] = v
		fw, vw = max(fw, len(f)), max(vw, len(v))
	}
	fmt.Fprintf(w, "%-*s  %-*s  %s\n", fw, "Field", vw, "Value", "Source")
	for _, f := range spec.Fields() {
		src := p.Cite[f]
		if changed[f] {
			src = "-set on the command line"
		}
		if src == "" {
			src = "-"
		}
		fmt.Fprintf(w, "%-*s  %-*s  %s\n", fw, f, vw, vals[f], src)
	}
	return ExitOK
}
