package script

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tcpclose/tcpclose/spec"
)

// parseCommand splits a backquoted shell command into parts (at newlines,
// ';' and "&&") and recognises the sysctl settings among them:
//
//	sysctl [-q] [-w] [-e] net.ipv4.tcp_rfc1337=1 [key=value ...]
//	echo 1 > /proc/sys/net/ipv4/tcp_rfc1337
//
// Every other part is kept in Other so that it can be reported.
func parseCommand(pos Pos, text string) *Command {
	c := &Command{Pos: pos, Text: text}
	line := pos.Line
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		ln := lines[i]
		first := line
		// A backslash at the end of a line continues it.
		for strings.HasSuffix(strings.TrimRight(ln, " \t"), "\\") && i+1 < len(lines) {
			ln = strings.TrimSuffix(strings.TrimRight(ln, " \t"), "\\") + " " + lines[i+1]
			i++
			line++
		}
		if k := strings.Index(ln, " #"); k >= 0 { // a shell comment
			ln = ln[:k]
		}
		for _, part := range splitShell(ln) {
			part = strings.TrimSpace(part)
			if part == "" || strings.HasPrefix(part, "#") {
				continue
			}
			here := Pos{pos.File, first}
			if ss, ok := parseSysctl(here, part); ok {
				c.Sysctls = append(c.Sysctls, ss...)
			} else {
				c.Other = append(c.Other, ShellPart{here, part})
			}
		}
		line++
	}
	return c
}

func splitShell(s string) []string {
	var out []string
	for _, a := range strings.Split(s, "&&") {
		out = append(out, strings.Split(a, ";")...)
	}
	return out
}

func parseSysctl(pos Pos, part string) ([]Sysctl, bool) {
	f := strings.Fields(part)
	if len(f) == 0 {
		return nil, false
	}
	switch f[0] {
	case "sysctl", "/sbin/sysctl", "/usr/sbin/sysctl":
		var out []Sysctl
		for _, a := range f[1:] {
			if strings.HasPrefix(a, "-") {
				if a == "-q" || a == "-w" || a == "-e" || a == "-qw" || a == "-wq" {
					continue
				}
				return nil, false
			}
			k, v, ok := strings.Cut(a, "=")
			if !ok || k == "" {
				return nil, false
			}
			out = append(out, Sysctl{Pos: pos, Key: strings.ReplaceAll(k, "/", "."), Value: v, Text: part})
		}
		return out, len(out) > 0
	case "../common/set_sysctls.py", "../../common/set_sysctls.py", "../../../common/set_sysctls.py":
		// packetdrill's helper: set_sysctls.py /proc/sys/a/b=V ...
		var out []Sysctl
		for _, a := range f[1:] {
			k, v, ok := strings.Cut(a, "=")
			if !ok || !strings.HasPrefix(k, "/proc/sys/") {
				return nil, false
			}
			out = append(out, Sysctl{Pos: pos, Key: strings.ReplaceAll(strings.TrimPrefix(k, "/proc/sys/"), "/", "."), Value: v, Text: part})
		}
		return out, len(out) > 0
	case "echo":
		// echo V > /proc/sys/a/b/c
		if len(f) == 4 && f[2] == ">" && strings.HasPrefix(f[3], "/proc/sys/") {
			key := strings.ReplaceAll(strings.TrimPrefix(f[3], "/proc/sys/"), "/", ".")
			return []Sysctl{{Pos: pos, Key: key, Value: f[1], Text: part}}, true
		}
	}
	return nil, false
}

// SysctlEffect says what a sysctl setting does to a profile.
type SysctlEffect struct {
	// Sets are the profile fields it sets (Field=Value), if any.
	Sets []Setting
	// Note explains a setting that maps to no field, or how it maps.
	Note string
}

// sysctlState carries tcp_tw_reuse and tcp_tw_reuse_delay across settings
// (the delay applies only when reuse is on).
type sysctlState struct {
	twReuse      bool
	twReuseDelay time.Duration
}

// effect maps a sysctl onto profile fields through spec's table
// (spec.Sysctls). known is false for a key the table does not have; row
// is the table's row when known. A value the profile cannot express gives
// an error.
func (st *sysctlState) effect(s Sysctl) (eff SysctlEffect, row spec.Sysctl, known bool, err error) {
	row, known = spec.LookupSysctl(s.Key)
	if !known {
		// Linux keys may be written without net.ipv4.
		if row, known = spec.LookupSysctl("net.ipv4." + s.Key); !known {
			return eff, row, false, nil
		}
	}
	sets, note, err := row.Map(s.Value)
	if err != nil {
		return eff, row, true, fmt.Errorf("%s: %w", s.Pos, err)
	}
	eff.Note = note
	switch row.Key {
	case "net.ipv4.tcp_tw_reuse":
		n, _ := strconv.Atoi(strings.TrimSpace(s.Value))
		st.twReuse = n == 1
		if st.twReuse {
			sets = []spec.FieldSet{{Field: "TimeWaitReuseAfter", Value: st.reuseDelay().String()}}
		}
	case "net.ipv4.tcp_tw_reuse_delay":
		n, _ := strconv.Atoi(strings.TrimSpace(s.Value))
		st.twReuseDelay = time.Duration(n) * time.Millisecond
		if !st.twReuse {
			sets, eff.Note = nil, "takes effect with tcp_tw_reuse=1"
		}
	}
	for _, fs := range sets {
		eff.Sets = append(eff.Sets, Setting{Pos: s.Pos, Field: fs.Field, Value: fs.Value, From: s.Key + "=" + s.Value})
	}
	return eff, row, true, nil
}

func (st *sysctlState) reuseDelay() time.Duration {
	if st.twReuseDelay > 0 {
		return st.twReuseDelay
	}
	return time.Second // Linux tcp_tw_reuse_delay default, 1000 ms
}

// knownShell reports whether a shell part that is not a sysctl setting is
// one whose effect the model knows: packetdrill's defaults.sh (the Linux
// defaults the linux profile is made of), the restore scripts suites run
// at the end, flushing the TCP metrics cache, echo.
func knownShell(part string) bool {
	f := strings.Fields(part)
	if len(f) == 0 {
		return true
	}
	switch {
	case strings.HasSuffix(f[0], "common/defaults.sh"):
		return true
	case strings.HasPrefix(f[0], "/tmp/sysctl_restore_"):
		return true
	case f[0] == "ip" && len(f) >= 3 && f[1] == "tcp_metrics" && f[2] == "flush":
		return true
	case f[0] == "echo" && !strings.Contains(part, ">"):
		return true
	}
	return false
}

// shellBeyond says, for a shell command the model does not run, whether
// it takes the script beyond the model and why; reports lists what is
// merely reported. started says whether a packet or call came before
// (the profile is fixed when a run starts).
func shellBeyond(c *Command, started bool) (beyond string, reports []string) {
	var st sysctlState
	for _, sc := range c.Sysctls {
		eff, row, known, err := st.effect(sc)
		switch {
		case err != nil:
			return err.Error(), reports
		case !known:
			return fmt.Sprintf("sysctl %s (not in the model's sysctl table)", clip(sc.Key)), reports
		case row.Kind == spec.SysctlBeyond && !row.IsDefault(sc.Value):
			return fmt.Sprintf("sysctl %s=%s (%s)", sc.Key, clip(sc.Value), row.Source), reports
		case row.Kind == spec.SysctlField && started && len(eff.Sets) > 0:
			return fmt.Sprintf("sysctl %s=%s after the first packet or call (the model's profile is fixed when the run starts)", sc.Key, clip(sc.Value)), reports
		}
		reports = append(reports, fmt.Sprintf("%s: %s", sc.Pos, sc.Text))
	}
	for _, part := range c.Other {
		if !knownShell(part.Text) {
			return "shell command `" + abbreviate(part.Text) + "`", reports
		}
		reports = append(reports, fmt.Sprintf("%s: %s", part.Pos, part.Text))
	}
	return "", reports
}
