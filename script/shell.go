package script

import (
	"fmt"
	"path/filepath"
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
// Every other part is kept in Other so that it can be reported. With
// read set, a part that runs a shell script (its first word ends in .sh,
// as packetdrill's `../common/defaults.sh`) has that script read,
// relative to the script's directory, and its parts follow, marked
// Sourced; nothing is executed.
func parseCommand(pos Pos, text string, read func(string) ([]byte, error)) *Command {
	return parseShell(pos, text, read, 0)
}

// maxSourceDepth bounds shell scripts that run shell scripts.
const maxSourceDepth = 3

func parseShell(pos Pos, text string, read func(string) ([]byte, error), depth int) *Command {
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
				continue
			}
			sp := ShellPart{Pos: here, Text: part}
			if sub := sourceShell(here, part, read, depth); sub != nil {
				sp.Expanded = true
				c.Other = append(c.Other, sp)
				c.Sourced = append(c.Sourced, sub.Pos.File)
				c.Sourced = append(c.Sourced, sub.Sourced...)
				for _, x := range sub.Sysctls {
					x.Sourced = true
					c.Sysctls = append(c.Sysctls, x)
				}
				for _, x := range sub.Other {
					x.Sourced = true
					c.Other = append(c.Other, x)
				}
				continue
			}
			c.Other = append(c.Other, sp)
		}
		line++
	}
	return c
}

// sourceShell reads the shell script a part runs, if it runs one (its
// first word ends in .sh) and read can read it, and parses it.
func sourceShell(pos Pos, part string, read func(string) ([]byte, error), depth int) *Command {
	if read == nil || depth >= maxSourceDepth {
		return nil
	}
	w := shellWords(part)
	if len(w) == 0 || !strings.HasSuffix(w[0], ".sh") {
		return nil
	}
	path := w[0]
	if !filepath.IsAbs(path) {
		path = filepath.Join(filepath.Dir(pos.File), path)
	}
	src, err := read(path)
	if err != nil || len(src) > 1<<20 {
		return nil
	}
	return parseShell(Pos{path, 1}, string(src), read, depth+1)
}

// shellWords splits a shell part into words as a shell would for a
// simple command: quotes group and are removed, redirections (> file,
// 2>&1, ...) are dropped, and $((arithmetic)) of integers is expanded.
func shellWords(part string) []string {
	var words []string
	var cur strings.Builder
	in := false // a word is open
	quote := rune(0)
	flush := func() {
		if in {
			words = append(words, expandArith(cur.String()))
		}
		cur.Reset()
		in = false
	}
	for _, r := range part {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote, in = r, true
		case r == ' ' || r == '\t':
			flush()
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	flush()
	out := words[:0]
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch {
		case w == ">" || w == ">>" || w == "2>" || w == "&>" || w == "<" || w == "1>":
			i++ // and its target
		case strings.Contains(w, ">") && !strings.Contains(w, "="):
			// 2>&1, >/dev/null, 2>/dev/null
		default:
			out = append(out, w)
		}
	}
	return out
}

// expandArith replaces every $((expr)) in w whose expr is integers joined
// by + - * / (no parentheses inside) by its value; others stay as they are.
func expandArith(w string) string {
	for {
		i := strings.Index(w, "$((")
		if i < 0 {
			return w
		}
		j := strings.Index(w[i:], "))")
		if j < 0 {
			return w
		}
		v, ok := evalArith(w[i+3 : i+j])
		if !ok {
			return w
		}
		w = w[:i] + strconv.FormatInt(v, 10) + w[i+j+2:]
	}
}

// evalArith evaluates integers joined by + - * / with the usual
// precedence; ok is false for anything else or on overflow.
func evalArith(e string) (int64, bool) {
	e = strings.ReplaceAll(strings.ReplaceAll(e, " ", ""), "\t", "")
	const big = 1 << 53
	sum, term := int64(0), int64(0)
	sign, op := int64(1), byte('*')
	term = 1
	num := func(s string) (int64, int, bool) {
		k := 0
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k == 0 || k > 15 {
			return 0, 0, false
		}
		n, err := strconv.ParseInt(s[:k], 10, 64)
		return n, k, err == nil
	}
	for len(e) > 0 {
		n, k, ok := num(e)
		if !ok {
			return 0, false
		}
		e = e[k:]
		switch op {
		case '*':
			term *= n
		case '/':
			if n == 0 {
				return 0, false
			}
			term /= n
		}
		if term > big || term < -big {
			return 0, false
		}
		if len(e) == 0 {
			break
		}
		switch e[0] {
		case '*', '/':
			op = e[0]
		case '+', '-':
			sum += sign * term
			sign, op, term = 1, '*', 1
			if e[0] == '-' {
				sign = -1
			}
		default:
			return 0, false
		}
		e = e[1:]
		if len(e) == 0 {
			return 0, false
		}
	}
	sum += sign * term
	return sum, sum <= big && sum >= -big
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
		for _, a := range shellWords(part)[1:] {
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
	case len(f) == 7 && f[0] == "tc" && f[1] == "qdisc" && f[2] == "add" && f[3] == "dev" && f[5] == "root" && (f[6] == "pfifo" || f[6] == "pfifo_fast"):
		// defaults.sh: a plain FIFO on packetdrill's tun0 instead of a
		// pacing default (netem, tbf or limits change what is sent).
		return true
	}
	return false
}

// KnownShell reports whether a shell part that is not a sysctl setting
// changes nothing a stack in a fresh network namespace must be told:
// packetdrill's defaults.sh itself (its settings are read with
// ParseOptions.ReadFile), the suites' restore scripts, flushing the TCP
// metrics cache, echo, the queueing discipline of packetdrill's TUN
// device. A real stack's shell-command runner skips them.
func KnownShell(part string) bool { return knownShell(part) }

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
		if !part.Expanded && !knownShell(part.Text) {
			return "shell command `" + abbreviate(part.Text) + "`", reports
		}
		reports = append(reports, fmt.Sprintf("%s: %s", part.Pos, part.Text))
	}
	return "", reports
}
