package script

import (
	"fmt"
	"strconv"
	"strings"
	"time"
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
	for _, ln := range strings.Split(text, "\n") {
		for _, part := range splitShell(ln) {
			part = strings.TrimSpace(part)
			if part == "" || strings.HasPrefix(part, "#") {
				continue
			}
			here := Pos{pos.File, line}
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

// sysctlEffect maps a Linux sysctl onto profile fields. A key this package
// does not know gives known=false; a value it cannot express gives an
// error.
func (st *sysctlState) effect(s Sysctl) (eff SysctlEffect, known bool, err error) {
	key := strings.TrimPrefix(s.Key, "net.ipv4.")
	set := func(field, val string) {
		eff.Sets = append(eff.Sets, Setting{Pos: s.Pos, Field: field, Value: val, From: s.Key + "=" + s.Value})
	}
	num := func(lo, hi int64) (int64, error) {
		n, err := strconv.ParseInt(strings.TrimSpace(s.Value), 10, 64)
		if err != nil || n < lo || n > hi {
			return 0, fmt.Errorf("%s: sysctl %s wants a number from %d to %d, not %q", s.Pos, s.Key, lo, hi, s.Value)
		}
		return n, nil
	}
	switch key {
	case "tcp_rfc1337":
		n, err := num(0, 1)
		if err != nil {
			return eff, true, err
		}
		if n == 1 {
			set("TimeWaitRST", "ignored")
			eff.Note = "RFC 1337: every RST is ignored in TIME-WAIT"
		} else {
			set("TimeWaitRST", "exact-only")
			eff.Note = "Linux without RFC 1337 (tcp_minisocks.c): a RST at RCV.NXT ends TIME-WAIT, others are dropped"
		}
	case "tcp_fin_timeout":
		n, err := num(0, 1<<31-1)
		if err != nil {
			return eff, true, err
		}
		if n == 0 {
			return eff, true, fmt.Errorf("%s: tcp_fin_timeout=0 has no profile equivalent (FinWait2Timeout 0 means no timer)", s.Pos)
		}
		set("FinWait2Timeout", fmt.Sprintf("%ds", n))
	case "tcp_max_tw_buckets":
		n, err := num(0, 1<<31-1)
		if err != nil {
			return eff, true, err
		}
		if n == 0 {
			return eff, true, fmt.Errorf("%s: tcp_max_tw_buckets=0 (no TIME-WAIT at all) cannot be expressed: MaxTimeWait 0 means no cap", s.Pos)
		}
		set("MaxTimeWait", strconv.FormatInt(n, 10))
	case "tcp_timestamps":
		n, err := num(0, 2)
		if err != nil {
			return eff, true, err
		}
		set("Timestamps", strconv.FormatBool(n != 0))
	case "tcp_syn_retries":
		n, err := num(1, 127)
		if err != nil {
			return eff, true, err
		}
		set("SynR2", strconv.FormatInt(n, 10))
	case "tcp_retries2":
		n, err := num(0, 1<<20)
		if err != nil {
			return eff, true, err
		}
		set("R2", strconv.FormatInt(n, 10))
		eff.Note = "Linux converts tcp_retries2 to a time; the model counts retransmissions"
	case "tcp_retries1":
		n, err := num(0, 255)
		if err != nil {
			return eff, true, err
		}
		set("R1", strconv.FormatInt(n, 10))
	case "tcp_invalid_ratelimit":
		n, err := num(0, 1<<31-1)
		if err != nil {
			return eff, true, err
		}
		set("OOWAckInterval", fmt.Sprintf("%dms", n))
	case "tcp_tw_reuse":
		n, err := num(0, 2)
		if err != nil {
			return eff, true, err
		}
		st.twReuse = n == 1
		if n == 1 {
			set("TimeWaitReuseAfter", st.reuseDelay().String())
		} else {
			set("TimeWaitReuseAfter", "0s")
			if n == 2 {
				eff.Note = "2 enables reuse for loopback only; the model's hosts are not loopback"
			}
		}
	case "tcp_tw_reuse_delay":
		n, err := num(1, 1<<31-1)
		if err != nil {
			return eff, true, err
		}
		st.twReuseDelay = time.Duration(n) * time.Millisecond
		if st.twReuse {
			set("TimeWaitReuseAfter", st.reuseDelay().String())
		} else {
			eff.Note = "takes effect with tcp_tw_reuse=1"
		}
	default:
		return eff, false, nil
	}
	return eff, true, nil
}

func (st *sysctlState) reuseDelay() time.Duration {
	if st.twReuseDelay > 0 {
		return st.twReuseDelay
	}
	return time.Second // Linux tcp_tw_reuse_delay default, 1000 ms
}
