package main

import (
	"fmt"
	"strings"

	"github.com/tcpclose/tcpclose/gvisorstack"
	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stacks"
)

// registry is the main module's registry with gVisor's netstack added.
func registry() stacks.Registry {
	return stacks.Default().With(gvisorEntry())
}

// gvisorEntry is netstack in-process on a manual clock (virtual time:
// exact timing, no tolerance), compared against the gvisor profile by
// default.
func gvisorEntry() stacks.Entry {
	return stacks.Entry{
		Name: "gvisor", Profile: "gvisor", ChoosesISS: true,
		Doc: "gVisor's netstack (" + gvisorstack.Version + "), in-process, virtual clock",
		New: newGvisor,
	}
}

// newGvisor builds netstack and sets the profile fields netstack can be
// told (gvisorstack.Stack.SetProfileField) where p differs from the
// gvisor profile; the others become notes.
func newGvisor(p spec.Profile, o stacks.Options) (script.Stack, error) {
	st, err := gvisorstack.New(gvisorstack.Config{Seed: o.Seed})
	if err != nil {
		return nil, err
	}
	notes, err := configureGvisor(st, p)
	if err != nil {
		st.Close()
		return nil, err
	}
	return stacks.NewReal(st, stacks.RealConfig{Sysctl: st.Sysctl, Notes: notes}), nil
}

// configureGvisor applies the fields of p that differ from the gvisor
// profile and returns notes for those netstack cannot be set to.
func configureGvisor(st *gvisorstack.Stack, p spec.Profile) ([]string, error) {
	base := spec.MustProfile("gvisor")
	var notes []string
	for _, d := range stacks.ProfileDiff(base, p) {
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
