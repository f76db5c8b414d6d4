package oracle

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
)

// RealMaxSleep is the longest single wait of a wall-clock stack that Judge
// wraps in stack.Real itself (stack.RealConfig.MaxSleep).
const RealMaxSleep = time.Second

// Judge returns st as Run judges the stack of entry e:
//
//   - a stack that declares no fields of its own (no stack.FieldModeller
//     anywhere in its chain of wrappers) is wrapped in stack.Real, so it
//     is checked on flags, sequence and acknowledgment numbers, lengths,
//     the MSS option and the presence of timestamps — not on the window,
//     window scaling, SACK or PSH, which depend on buffer sizes the model
//     does not share; on the wall clock (e.RealTime) it waits in steps of
//     RealMaxSleep;
//   - a stack.Sysctler (every stack.Real) becomes a script.Commander: a
//     script's sysctl settings are set on it, except those the profile
//     already carries (IsProfileSysctl: the factory set them), and any
//     other shell text is an error, never silently skipped.
//
// Virtual stacks (stack.Virtual: the model, the implementation) declare
// their fields and take no sysctls, so Judge returns them unchanged. The
// result forwards every optional interface of st through Unwrap
// (stack.As).
func Judge(st stack.Stack, e stack.Entry) stack.Stack {
	if _, ok := stack.As[stack.FieldModeller](st); !ok {
		cfg := stack.RealConfig{}
		if e.RealTime {
			cfg.MaxSleep = RealMaxSleep
		}
		st = stack.NewReal(st, cfg)
	}
	if sys, ok := stack.As[stack.Sysctler](st); ok {
		if _, ok := stack.As[script.Commander](st); !ok {
			st = &commander{Stack: st, sys: sys}
		}
	}
	return st
}

// RunOptions are the runner's options for the stack of entry e, as Run
// sets them: timing checked with at least e.Tolerance, the peer's
// timestamp echoes mapped onto the stack's clock, a late line played at
// once on the wall clock.
func RunOptions(e stack.Entry, verbose io.Writer) script.RunOptions {
	return script.RunOptions{Verbose: verbose, MinTolerance: e.Tolerance, MapTSEcr: true, PlayLate: e.RealTime}
}

// commander runs a script's shell commands on a stack.Sysctler.
type commander struct {
	stack.Stack
	sys   stack.Sysctler
	notes []string
}

// Unwrap implements stack.Unwrapper.
func (c *commander) Unwrap() stack.Stack { return c.Stack }

// commandNotes are what the commander did not do, for Report.Notes.
func (c *commander) commandNotes() []string { return c.notes }

// commandNoter is the commander as oracle.Run finds it through wrappers.
type commandNoter interface{ commandNotes() []string }

// Command implements script.Commander: sysctl settings are made in the
// stack (those the profile carries were made by its factory), and a
// shell script the command runs (read by the parser, packetdrill's
// defaults.sh) is played as a shell without "set -e" would: a setting the
// stack refuses is noted, not fatal. Parts that change nothing a fresh
// namespace must be told (script.KnownShell) are skipped; any other
// shell text is an error, never silently skipped.
func (c *commander) Command(at spec.Time, cmd *script.Command) error {
	var errs []string
	for _, sc := range cmd.Sysctls {
		if IsProfileSysctl(sc.Key) {
			continue // set through the profile by the factory
		}
		if err := c.sys.SetSysctl(sc.Key, sc.Value); err != nil {
			if sc.Sourced {
				c.notes = append(c.notes, fmt.Sprintf("%s: not set (the shell script goes on): %v", sc.Pos, err))
				continue
			}
			errs = append(errs, fmt.Sprintf("%s: %v", sc.Pos, err))
		}
	}
	for _, o := range cmd.Other {
		switch {
		case strings.HasPrefix(o.Text, "tc "):
			c.notes = append(c.notes, fmt.Sprintf("%s: not run on %s (its TUN device keeps the namespace's default queueing discipline): %s", o.Pos, c.Name(), o.Text))
		case o.Expanded, script.KnownShell(o.Text):
		case o.Sourced:
			c.notes = append(c.notes, fmt.Sprintf("%s: not run on %s: %s", o.Pos, c.Name(), o.Text))
		default:
			errs = append(errs, fmt.Sprintf("%s: shell command not supported on %s: %s", o.Pos, c.Name(), o.Text))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

// profileSysctlKeys are the Linux sysctls that package script maps onto
// profile fields (script.ModelSetup, through spec.Sysctls): a real stack
// gets them through the profile its factory is given, so the commander
// does not apply them a second time.
func profileSysctlKeys() []string {
	var keys []string
	for _, s := range spec.Sysctls() {
		if s.OS == "linux" && s.Kind == spec.SysctlField {
			keys = append(keys, strings.TrimPrefix(s.Key, "net.ipv4."))
		}
	}
	return keys
}

// IsProfileSysctl says whether package script maps sysctl key (with or
// without "net.ipv4.") onto a profile field.
func IsProfileSysctl(key string) bool {
	return slices.Contains(profileSysctlKeys(), strings.TrimPrefix(strings.ReplaceAll(key, "/", "."), "net.ipv4."))
}
