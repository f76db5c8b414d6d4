package linux

import (
	"fmt"

	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
)

// Sysctls translates profile p into the sysctls that make the Linux
// kernel behave as p says where the linux profile differs, and notes for
// the fields no sysctl sets (TIME-WAIT's 60 s, for one). The sysctls come
// from the one sysctl table, spec.Sysctls (the rows that set each field,
// through Sysctl.FromProfile), so that a script's sysctl settings and a
// profile's fields mean the same on the model and on the kernel. They are
// in the order to apply them.
func Sysctls(p spec.Profile) (sysctls [][2]string, notes []string) {
	base := spec.MustProfile("linux")
	done := map[string]bool{}
	for _, d := range stack.ProfileDiff(base, p) {
		field := d[0]
		rows := spec.SysctlsFor("linux", field)
		if len(rows) == 0 {
			notes = append(notes, note(base, p, field, "no sysctl sets it"))
			continue
		}
		for _, row := range rows {
			if done[row.Key] {
				continue
			}
			done[row.Key] = true
			v, set, why := row.FromProfile(p)
			switch {
			case set:
				sysctls = append(sysctls, [2]string{row.Key, v})
			case why != "":
				notes = append(notes, note(base, p, field, why))
			}
		}
	}
	return sysctls, notes
}

func note(base, p spec.Profile, field, why string) string {
	was, _ := base.FieldValue(field)
	now, _ := p.FieldValue(field)
	return fmt.Sprintf("linux cannot be set to %s=%s (it keeps %s): %s", field, now, was, why)
}
