package gvisor

import (
	"fmt"
	"strings"

	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
)

// Entry is netstack in-process on a manual clock (virtual time: exact
// timing, no tolerance) as the registry's "gvisor" stack, compared
// against the gvisor profile by default. Its factory sets the profile
// fields netstack can be told (Stack.SetProfileField) where the profile
// differs from gvisor's, reports the others as notes, and wraps the
// stack in stack.Real, so that package stack/oracle and `tcpclose-gvisor
// run` judge it on the fields of a real stack.
func Entry() stack.Entry {
	return stack.Entry{
		Name: "gvisor", Profile: "gvisor", ChoosesISS: true,
		Doc: "gVisor's netstack (" + Version + "), in-process, virtual clock",
		New: newEntryStack,
	}
}

// newEntryStack builds netstack and sets the profile fields netstack can
// be told where p differs from the gvisor profile; the others become
// notes.
func newEntryStack(p spec.Profile, o stack.Options) (stack.Stack, error) {
	st, err := New(Config{Seed: o.Seed})
	if err != nil {
		return nil, err
	}
	notes, err := configure(st, p)
	if err != nil {
		st.Close()
		return nil, err
	}
	return stack.NewReal(st, stack.RealConfig{Sysctl: st.Sysctl, Notes: notes}), nil
}

// configure applies the fields of p that differ from the gvisor
// profile and returns notes for those netstack cannot be set to.
func configure(st *Stack, p spec.Profile) ([]string, error) {
	base := spec.MustProfile("gvisor")
	var notes []string
	for _, d := range stack.ProfileDiff(base, p) {
		field, value := d[0], d[1]
		was, _ := base.FieldValue(field)
		if v, ok := strings.CutSuffix(value, " (off)"); ok {
			value = v + "s"
		}
		if field == "FinWait2Timeout" && value == "0s" {
			notes = append(notes, fmt.Sprintf("gvisor cannot be set to %s=%s (it keeps %s): netstack always ends an orphaned FIN-WAIT-2", field, d[1], was))
			continue
		}
		if err := st.SetProfileField(field, value); err != nil {
			notes = append(notes, fmt.Sprintf("gvisor cannot be set to %s=%s (it keeps %s): %v", field, d[1], was, err))
		}
	}
	return notes, nil
}
