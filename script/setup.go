package script

import (
	"fmt"
	"strings"

	"github.com/tcpclose/tcpclose/spec"
)

// Setup is what a script asks of the model on one profile.
type Setup struct {
	Profile spec.Profile
	Config  spec.HostConfig
	// Applied lists every profile override in the order applied, with the
	// line it came from (--tcpclose_set or a sysctl).
	Applied []Setting
	// Notes describe sysctl settings that set no field or set one with a
	// caveat, and shell text that is not a sysctl setting; each starts
	// with file:line.
	Notes []string
}

// ModelSetup builds the profile and model configuration for running s on
// the named built-in profile: the profile, then the script's
// --tcpclose_set overrides, then the sysctl settings of its shell commands
// (those before the first packet or system call; the model's profile is
// fixed when the run starts), then --tcpclose_local_iss as
// spec.HostConfig.FixedISS. A sysctl that contradicts a --tcpclose_set, or
// that comes after the first packet or system call, is an error.
func ModelSetup(s *Script, profile string) (*Setup, error) {
	p, err := spec.LookupProfile(profile)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Name, err)
	}
	local, _ := s.Addrs()
	su := &Setup{Config: spec.HostConfig{Addr: local}}
	explicit := map[string]Setting{}
	for _, set := range s.Sets {
		if err := p.SetField(set.Field, set.Value); err != nil {
			return nil, fmt.Errorf("%s: %w", set.Pos, err)
		}
		explicit[set.Field] = set
		su.Applied = append(su.Applied, set)
	}
	var st sysctlState
	apply := func(c *Command, late bool) error {
		for _, part := range c.Other {
			if part.Expanded || knownShell(part.Text) {
				continue // read, or changes nothing the model has
			}
			su.Notes = append(su.Notes, fmt.Sprintf("%s: shell text not understood, not run: %s", part.Pos, part.Text))
		}
		for _, sc := range c.Sysctls {
			eff, _, known, err := st.effect(sc)
			if err != nil {
				// The run stops at this line, beyond the model.
				su.Notes = append(su.Notes, err.Error())
				continue
			}
			if !known {
				su.Notes = append(su.Notes, fmt.Sprintf("%s: sysctl %s has no profile field; ignored", sc.Pos, sc.Key))
				continue
			}
			if late && len(eff.Sets) > 0 {
				// The run stops at this line, beyond the model.
				su.Notes = append(su.Notes, fmt.Sprintf("%s: sysctl %s=%s comes after the first packet or system call; the model's profile is fixed when the run starts", sc.Pos, sc.Key, sc.Value))
				continue
			}
			if eff.Note != "" {
				su.Notes = append(su.Notes, fmt.Sprintf("%s: sysctl %s=%s: %s", sc.Pos, sc.Key, sc.Value, eff.Note))
			}
			for _, set := range eff.Sets {
				if ex, ok := explicit[set.Field]; ok {
					before := p
					if err := before.SetField(set.Field, set.Value); err != nil {
						return fmt.Errorf("%s: %w", set.Pos, err)
					}
					a, _ := before.FieldValue(set.Field)
					b, _ := p.FieldValue(set.Field)
					if a != b {
						return fmt.Errorf("%s: sysctl %s=%s sets %s=%s, contradicting --tcpclose_set=%s=%s at %s", sc.Pos, sc.Key, sc.Value, set.Field, set.Value, ex.Field, ex.Value, ex.Pos)
					}
				}
				if err := p.SetField(set.Field, set.Value); err != nil {
					return fmt.Errorf("%s: sysctl %s: %w", set.Pos, sc.Key, err)
				}
				su.Applied = append(su.Applied, set)
			}
		}
		return nil
	}
	if s.Init != nil {
		if err := apply(s.Init, false); err != nil {
			return nil, err
		}
	}
	late := false
	if len(s.Events) == 0 {
		for _, c := range s.Leading {
			if err := apply(c, false); err != nil {
				return nil, err
			}
		}
	}
	for _, ev := range s.Events {
		switch ev.Kind {
		case EventPacket, EventSyscall:
			late = true
		case EventCommand:
			if err := apply(ev.Command, late); err != nil {
				return nil, err
			}
		}
	}
	if s.Cleanup != nil {
		su.Notes = append(su.Notes, fmt.Sprintf("%s: cleanup command not run: %s", s.Cleanup.Pos, abbreviate(s.Cleanup.Text)))
	}
	if err := p.Validate(); err != nil {
		var list []string
		for _, a := range su.Applied {
			list = append(list, fmt.Sprintf("%s=%s at %s", a.Field, a.Value, a.Pos))
		}
		return nil, fmt.Errorf("%s: the script's overrides (%s) leave an invalid profile: %w", s.Name, strings.Join(list, ", "), err)
	}
	if s.HasLocalISS {
		su.Config.FixedISS = s.LocalISS
	}
	su.Profile = p
	return su, nil
}
