package spec

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tcpclose/tcpclose/internal/enum"
)

// SysctlKind says what a sysctl means for the model.
type SysctlKind uint8

// Kinds of sysctl.
const (
	// SysctlField sets one or more profile fields.
	SysctlField SysctlKind = iota + 1
	// SysctlUnmodelled tunes a feature the model does not have (SACK,
	// ECN, congestion control, Fast Open, buffer autotuning, caches): the
	// setting is recorded, and the first script line that uses the
	// feature is beyond the model.
	SysctlUnmodelled
	// SysctlBeyond changes, at its non-default values, behaviour the
	// model cannot follow: a script setting it to another value is beyond
	// the model from that line.
	SysctlBeyond
)

var sysctlKindNames = [...]string{SysctlField: "sets a profile field", SysctlUnmodelled: "tunes a feature the model does not have", SysctlBeyond: "beyond the model unless at its default"}

func (k SysctlKind) String() string { return enum.Name(sysctlKindNames[:], "SysctlKind", k) }

// FieldSet is one profile field a sysctl sets, as Profile.SetField takes
// it.
type FieldSet struct{ Field, Value string }

// Sysctl is one row of the sysctl ↔ profile-field table.
type Sysctl struct {
	// Key is the full name: net.ipv4.tcp_rfc1337, net.inet.tcp.insecure_rst.
	Key string
	// OS is "linux" or "freebsd".
	OS   string
	Kind SysctlKind
	// Fields names the profile fields a SysctlField row can set.
	Fields []string
	// Default is the value at which a SysctlBeyond row changes nothing
	// (the stack's default); empty when every value is beyond.
	Default string
	// Source is where the meaning comes from.
	Source string
	// mapValue turns a value into field settings and a note (SysctlField).
	mapValue func(v string) ([]FieldSet, string, error)
	// fromProfile is the inverse: the value that makes a stack do what
	// a profile says (Linux SysctlField rows).
	fromProfile func(p Profile) (value string, set bool, why string)
}

// FromProfile gives the value of the sysctl that makes a stack behave as
// profile p says for the row's fields: set is false when nothing needs
// setting (why empty) or no value can express p (why says so). Rows
// without an inverse (FreeBSD, unmodelled and beyond rows) give set false
// and why empty.
func (s Sysctl) FromProfile(p Profile) (value string, set bool, why string) {
	if s.fromProfile == nil {
		return "", false, ""
	}
	return s.fromProfile(p)
}

// SysctlsFor lists the rows of the table (Sysctls) of system os that set
// profile field name, in table order.
func SysctlsFor(os, name string) []Sysctl {
	var out []Sysctl
	for _, s := range Sysctls() {
		if s.OS != os || s.Kind != SysctlField {
			continue
		}
		for _, f := range s.Fields {
			if f == name {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// Map gives the profile fields a value of the sysctl sets, with a note on
// how it maps (SysctlField rows); an error when the value cannot be
// expressed as a profile.
func (s Sysctl) Map(value string) ([]FieldSet, string, error) {
	if s.mapValue == nil {
		return nil, "", nil
	}
	sets, note, err := s.mapValue(strings.TrimSpace(value))
	if err != nil {
		return nil, "", fmt.Errorf("sysctl %s=%s: %w", s.Key, value, err)
	}
	return sets, note, nil
}

// IsDefault reports whether value is the SysctlBeyond row's default.
func (s Sysctl) IsDefault(value string) bool {
	return s.Default != "" && strings.TrimSpace(value) == s.Default
}

const (
	linuxSysctlDoc   = "Documentation/networking/ip-sysctl.rst (Linux 6.18)"
	freebsdSysctlSrc = "FreeBSD sys/netinet/tcp_input.c, tcp_timewait.c, tcp_subr.c; tcp(4)"
)

func intIn(v string, lo, hi int64) (int64, error) {
	n, err := strconv.ParseInt(v, 0, 64)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("wants a number from %d to %d", lo, hi)
	}
	return n, nil
}

// field makes a mapping that sets one field from a number.
func field(name string, lo, hi int64, conv func(n int64) (string, string, error)) func(string) ([]FieldSet, string, error) {
	return func(v string) ([]FieldSet, string, error) {
		n, err := intIn(v, lo, hi)
		if err != nil {
			return nil, "", err
		}
		val, note, err := conv(n)
		if err != nil {
			return nil, "", err
		}
		return []FieldSet{{name, val}}, note, nil
	}
}

func boolField(name, on, off, note string) func(string) ([]FieldSet, string, error) {
	return field(name, 0, 1, func(n int64) (string, string, error) {
		if n == 1 {
			return on, note, nil
		}
		return off, note, nil
	})
}

func plain(n int64) (string, string, error) { return strconv.FormatInt(n, 10), "", nil }

// Sysctls is the sysctl ↔ profile-field table, Linux then FreeBSD; a new
// slice on every call.
func Sysctls() []Sysctl {
	linux := func(key string, kind SysctlKind, fields []string, src string, m func(string) ([]FieldSet, string, error)) Sysctl {
		return Sysctl{Key: "net.ipv4." + key, OS: "linux", Kind: kind, Fields: fields, Source: src, mapValue: m}
	}
	fbsd := func(key string, kind SysctlKind, fields []string, src string, m func(string) ([]FieldSet, string, error)) Sysctl {
		return Sysctl{Key: "net.inet.tcp." + key, OS: "freebsd", Kind: kind, Fields: fields, Source: src, mapValue: m}
	}
	unmodelled := func(s Sysctl) Sysctl { s.Kind = SysctlUnmodelled; return s }
	inv := func(s Sysctl, f func(p Profile) (string, bool, string)) Sysctl { s.fromProfile = f; return s }
	num := func(n int64) (string, bool, string) { return strconv.FormatInt(n, 10), true, "" }
	beyond := func(s Sysctl, def string) Sysctl { s.Kind = SysctlBeyond; s.Default = def; return s }
	t := []Sysctl{
		inv(linux("tcp_rfc1337", SysctlField, []string{"TimeWaitRST"}, linuxSysctlDoc+"; net/ipv4/tcp_minisocks.c tcp_timewait_state_process",
			field("TimeWaitRST", 0, 1, func(n int64) (string, string, error) {
				if n == 1 {
					return "ignored", "RFC 1337: every RST is ignored in TIME-WAIT", nil
				}
				return "exact-only", "Linux without RFC 1337 (tcp_minisocks.c): a RST at RCV.NXT ends TIME-WAIT, others are dropped", nil
			})), func(p Profile) (string, bool, string) {
			switch p.TimeWaitRST.String() {
			case "ignored":
				return "1", true, ""
			case "exact-only":
				return "0", true, ""
			}
			return "", false, "tcp_rfc1337 chooses between ignored (1) and exact-only (0)"
		}),
		inv(linux("tcp_fin_timeout", SysctlField, []string{"FinWait2Timeout"}, linuxSysctlDoc,
			field("FinWait2Timeout", 0, 1<<31-1, func(n int64) (string, string, error) {
				if n == 0 {
					return "", "", fmt.Errorf("0 has no profile equivalent (FinWait2Timeout 0 means no timer)")
				}
				return fmt.Sprintf("%ds", n), "", nil
			})), func(p Profile) (string, bool, string) {
			switch t := p.FinWait2Timeout; {
			case t <= 0:
				return "", false, "Linux always ends an orphaned FIN-WAIT-2 (tcp_fin_timeout)"
			case t%time.Second != 0:
				return "", false, "tcp_fin_timeout counts whole seconds"
			}
			return num(int64(p.FinWait2Timeout / time.Second))
		}),
		inv(linux("tcp_max_tw_buckets", SysctlField, []string{"MaxTimeWait"}, linuxSysctlDoc,
			field("MaxTimeWait", 0, 1<<31-1, func(n int64) (string, string, error) {
				if n == 0 {
					return "", "", fmt.Errorf("0 (no TIME-WAIT at all) cannot be expressed: MaxTimeWait 0 means no cap")
				}
				return strconv.FormatInt(n, 10), "", nil
			})), func(p Profile) (string, bool, string) {
			if p.MaxTimeWait <= 0 {
				return num(1 << 30) // no cap: more than any run makes
			}
			return num(int64(p.MaxTimeWait))
		}),
		inv(linux("tcp_timestamps", SysctlField, []string{"Timestamps"}, linuxSysctlDoc,
			field("Timestamps", 0, 2, func(n int64) (string, string, error) { return strconv.FormatBool(n != 0), "", nil })), func(p Profile) (string, bool, string) {
			if p.Timestamps {
				return "1", true, ""
			}
			return "0", true, ""
		}),
		inv(linux("tcp_syn_retries", SysctlField, []string{"SynR2"}, linuxSysctlDoc, field("SynR2", 1, 127, plain)), func(p Profile) (string, bool, string) {
			if p.SynR2 < 1 || p.SynR2 > 127 {
				return "", false, "tcp_syn_retries takes 1 to 127"
			}
			return num(int64(p.SynR2))
		}),
		inv(linux("tcp_syn_linear_timeouts", SysctlField, []string{"SynLinearTimeouts"}, linuxSysctlDoc, field("SynLinearTimeouts", 0, 1<<20, plain)),
			func(p Profile) (string, bool, string) { return num(int64(p.SynLinearTimeouts)) }),
		inv(linux("tcp_early_retrans", SysctlField, []string{"LossProbe"}, linuxSysctlDoc+": 3 and 4 enable the tail loss probe",
			field("LossProbe", 0, 4, func(n int64) (string, string, error) { return strconv.FormatBool(n >= 3), "", nil })),
			func(p Profile) (string, bool, string) {
				if p.LossProbe {
					return "3", true, ""
				}
				return "0", true, ""
			}),
		inv(linux("tcp_retries2", SysctlField, []string{"R2"}, linuxSysctlDoc,
			field("R2", 0, 1<<20, func(n int64) (string, string, error) {
				return strconv.FormatInt(n, 10), "Linux converts tcp_retries2 to a time; the model counts retransmissions", nil
			})), func(p Profile) (string, bool, string) {
			if p.R2 < 0 {
				return "", false, "tcp_retries2 has no infinity"
			}
			return num(int64(p.R2))
		}),
		inv(linux("tcp_retries1", SysctlField, []string{"R1"}, linuxSysctlDoc, field("R1", 0, 255, plain)), func(p Profile) (string, bool, string) {
			if p.R1 < 0 || p.R1 > 255 {
				return "", false, "tcp_retries1 takes 0 to 255"
			}
			return num(int64(p.R1))
		}),
		inv(linux("tcp_invalid_ratelimit", SysctlField, []string{"OOWAckInterval"}, linuxSysctlDoc,
			field("OOWAckInterval", 0, 1<<31-1, func(n int64) (string, string, error) { return fmt.Sprintf("%dms", n), "", nil })), func(p Profile) (string, bool, string) { return num(p.OOWAckInterval.Milliseconds()) }),
		inv(linux("tcp_tw_reuse", SysctlField, []string{"TimeWaitReuseAfter"}, linuxSysctlDoc+"; tcp_tw_reuse_delay (1000 ms) applies when 1",
			field("TimeWaitReuseAfter", 0, 2, func(n int64) (string, string, error) {
				switch n {
				case 1:
					return time.Second.String(), "", nil
				case 2:
					return "0s", "2 enables reuse for loopback only; the model's hosts are not loopback", nil
				}
				return "0s", "", nil
			})), func(p Profile) (string, bool, string) {
			if p.TimeWaitReuseAfter <= 0 {
				return "0", true, ""
			}
			return "1", true, ""
		}),
		inv(linux("tcp_tw_reuse_delay", SysctlField, []string{"TimeWaitReuseAfter"}, linuxSysctlDoc+"; takes effect with tcp_tw_reuse=1",
			field("TimeWaitReuseAfter", 1, 1<<31-1, func(n int64) (string, string, error) {
				return (time.Duration(n) * time.Millisecond).String(), "", nil
			})), func(p Profile) (string, bool, string) {
			if p.TimeWaitReuseAfter <= 0 {
				return "", false, "" // reuse is off: no delay to set
			}
			return num(p.TimeWaitReuseAfter.Milliseconds())
		}),
		inv(linux("tcp_rto_min_us", SysctlField, []string{"RTOMin"}, linuxSysctlDoc,
			field("RTOMin", 1, 1<<31-1, func(n int64) (string, string, error) {
				return (time.Duration(n) * time.Microsecond).String(), "", nil
			})), func(p Profile) (string, bool, string) {
			if p.RTOMin < time.Microsecond {
				return "", false, "tcp_rto_min_us is at least 1 µs"
			}
			return num(p.RTOMin.Microseconds())
		}),
		inv(linux("tcp_rto_max_ms", SysctlField, []string{"RTOMax"}, linuxSysctlDoc,
			field("RTOMax", 1000, 120000, func(n int64) (string, string, error) {
				return (time.Duration(n) * time.Millisecond).String(), "", nil
			})), func(p Profile) (string, bool, string) {
			if p.RTOMax < time.Second || p.RTOMax > 120*time.Second {
				return "", false, "tcp_rto_max_ms takes 1 s to 120 s"
			}
			return num(p.RTOMax.Milliseconds())
		}),
		inv(linux("ip_local_port_range", SysctlField, []string{"EphemeralLow", "EphemeralHigh"}, linuxSysctlDoc,
			func(v string) ([]FieldSet, string, error) {
				f := strings.Fields(v)
				if len(f) != 2 {
					return nil, "", fmt.Errorf("wants two ports, low and high")
				}
				lo, err1 := intIn(f[0], 1, 65535)
				hi, err2 := intIn(f[1], lo, 65535)
				if err1 != nil || err2 != nil {
					return nil, "", fmt.Errorf("wants two ports, 1 <= low <= high <= 65535")
				}
				return []FieldSet{{"EphemeralLow", strconv.FormatInt(lo, 10)}, {"EphemeralHigh", strconv.FormatInt(hi, 10)}}, "", nil
			}), func(p Profile) (string, bool, string) {
			return fmt.Sprintf("%d %d", p.EphemeralLow, p.EphemeralHigh), true, ""
		}),
		// Set by packetdrill's defaults.sh and scripts: features the
		// model does not have.
		unmodelled(linux("tcp_rmem", 0, nil, linuxSysctlDoc+": receive buffer autotuning (the profile's RecvBuf stands)", nil)),
		unmodelled(linux("tcp_wmem", 0, nil, linuxSysctlDoc+": send buffer sizes (the profile's SendBuf stands)", nil)),
		unmodelled(linux("tcp_frto", 0, nil, linuxSysctlDoc+": F-RTO (RFC 5682)", nil)),
		unmodelled(linux("tcp_sack", 0, nil, linuxSysctlDoc+": SACK", nil)),
		unmodelled(linux("tcp_dsack", 0, nil, linuxSysctlDoc+": D-SACK", nil)),
		unmodelled(linux("tcp_fack", 0, nil, linuxSysctlDoc+": FACK", nil)),
		unmodelled(linux("tcp_reordering", 0, nil, linuxSysctlDoc+": fast recovery threshold", nil)),
		unmodelled(linux("tcp_congestion_control", 0, nil, linuxSysctlDoc+": congestion control", nil)),
		unmodelled(linux("tcp_slow_start_after_idle", 0, nil, linuxSysctlDoc+": congestion control", nil)),
		unmodelled(linux("tcp_recovery", 0, nil, linuxSysctlDoc+": RACK", nil)),
		unmodelled(linux("tcp_tso_win_divisor", 0, nil, linuxSysctlDoc+": TSO", nil)),
		unmodelled(linux("tcp_ecn", 0, nil, linuxSysctlDoc+": ECN", nil)),
		unmodelled(linux("tcp_ecn_option", 0, nil, linuxSysctlDoc+": AccECN", nil)),
		unmodelled(linux("tcp_pacing_ss_ratio", 0, nil, linuxSysctlDoc+": pacing", nil)),
		unmodelled(linux("tcp_pacing_ca_ratio", 0, nil, linuxSysctlDoc+": pacing", nil)),
		unmodelled(linux("tcp_notsent_lowat", 0, nil, linuxSysctlDoc+": send queue limit", nil)),
		unmodelled(linux("tcp_fastopen", 0, nil, linuxSysctlDoc+": TCP Fast Open", nil)),
		unmodelled(linux("tcp_fastopen_key", 0, nil, linuxSysctlDoc+": TCP Fast Open", nil)),
		unmodelled(linux("tcp_syncookies", 0, nil, linuxSysctlDoc+": SYN cookies (only on a SYN flood)", nil)),
		unmodelled(linux("tcp_min_tso_segs", 0, nil, linuxSysctlDoc+": TSO", nil)),
		unmodelled(linux("tcp_mtu_probing", 0, nil, linuxSysctlDoc+": PMTU probing", nil)),
		beyond(linux("tcp_synack_retries", 0, nil, linuxSysctlDoc+": SYN-ACK retransmissions (no profile field)", nil), "5"),
		beyond(linux("tcp_orphan_retries", 0, nil, linuxSysctlDoc+": retransmissions of an orphaned FIN (no profile field)", nil), "0"),
		beyond(linux("tcp_challenge_ack_limit", 0, nil, linuxSysctlDoc+": global challenge ACK limit (no profile field)", nil), "2147483647"),
		beyond(linux("tcp_abort_on_overflow", 0, nil, linuxSysctlDoc+": accept queue overflow", nil), "0"),
		beyond(linux("tcp_keepalive_time", 0, nil, linuxSysctlDoc+": keepalive", nil), "7200"),

		fbsd("insecure_rst", SysctlField, []string{"RSTCheck"}, freebsdSysctlSrc+": V_tcp_insecure_rst in tcp_input.c tcp_do_segment (RST processing); freebsd-net/tcp-testsuite state-event-engine/rcv-rst-*/*-insecure-*.pkt",
			boolField("RSTCheck", "in-window", "exact", "")),
		fbsd("insecure_syn", SysctlField, []string{"SynInSync"}, freebsdSysctlSrc+": V_tcp_insecure_syn in tcp_input.c tcp_do_segment; tcp_twcheck does not look at it (TIME-WAIT follows TimeWaitNoSeqTest); freebsd-net/tcp-testsuite state-event-engine/rcv-syn-*/*-insecure-*.pkt",
			boolField("SynInSync", "rfc793", "challenge-ack", "")),
		fbsd("drop_synfin", SysctlField, []string{"SynFinDropped"}, freebsdSysctlSrc+": V_drop_synfin (tcp_input.c, tcp_twcheck)",
			boolField("SynFinDropped", "true", "false", "")),
		fbsd("finwait2_timeout", SysctlField, []string{"FinWait2Timeout"}, freebsdSysctlSrc+": tcp_finwait2_timeout, milliseconds",
			field("FinWait2Timeout", 1, 1<<31-1, func(n int64) (string, string, error) {
				return (time.Duration(n) * time.Millisecond).String(), "applies with fast_finwait2_recycle=1 or an orphaned socket", nil
			})),
		fbsd("msl", SysctlField, []string{"TimeWait"}, freebsdSysctlSrc+": tcp_msl, milliseconds; TIME-WAIT lasts 2×MSL",
			field("TimeWait", 1, 1<<31-1, func(n int64) (string, string, error) {
				return (2 * time.Duration(n) * time.Millisecond).String(), "", nil
			})),
		fbsd("rfc1323", SysctlField, []string{"Timestamps"}, freebsdSysctlSrc+": RFC 1323 timestamps and window scaling (the model has no scaling)",
			field("Timestamps", 0, 3, func(n int64) (string, string, error) {
				return strconv.FormatBool(n == 1 || n == 3), "", nil
			})),
		fbsd("fast_finwait2_recycle", SysctlField, []string{"FinWait2Timeout"}, freebsdSysctlSrc+": tcp_usrreq.c tcp_usrclosed arms the FIN-WAIT-2 timer with tcp_finwait2_timeout (60 s) when set, TP_MAXIDLE (600 s) otherwise",
			field("FinWait2Timeout", 0, 1, func(n int64) (string, string, error) {
				if n == 1 {
					return "60s", "net.inet.tcp.finwait2_timeout's default; set finwait2_timeout after this line to change it", nil
				}
				return "600s", "TP_MAXIDLE: 8 keepalive intervals of 75 s", nil
			})),
		unmodelled(fbsd("sack.enable", 0, nil, freebsdSysctlSrc+": SACK", nil)),
		unmodelled(fbsd("recvspace", 0, nil, freebsdSysctlSrc+": receive buffer (the profile's RecvBuf stands; without window scaling the model caps it at 65535)", nil)),
		unmodelled(fbsd("sendspace", 0, nil, freebsdSysctlSrc+": send buffer (the profile's SendBuf stands)", nil)),
		unmodelled(fbsd("hostcache.purgenow", 0, nil, freebsdSysctlSrc+": flushes the host cache", nil)),
		unmodelled(fbsd("ecn.enable", 0, nil, freebsdSysctlSrc+": ECN", nil)),
		unmodelled(fbsd("ecn.maxretries", 0, nil, freebsdSysctlSrc+": ECN", nil)),
		unmodelled(fbsd("fastopen.client_enable", 0, nil, freebsdSysctlSrc+": TCP Fast Open", nil)),
		unmodelled(fbsd("fastopen.server_enable", 0, nil, freebsdSysctlSrc+": TCP Fast Open", nil)),
		unmodelled(fbsd("syncookies", 0, nil, freebsdSysctlSrc+": SYN cookies when the syncache overflows", nil)),
		unmodelled(fbsd("path_mtu_discovery", 0, nil, freebsdSysctlSrc+": PMTU discovery", nil)),
		unmodelled(fbsd("pmtud_blackhole_detection", 0, nil, freebsdSysctlSrc+": PMTU black holes", nil)),
		unmodelled(fbsd("pmtud_blackhole_mss", 0, nil, freebsdSysctlSrc+": PMTU black holes", nil)),
		unmodelled(fbsd("v6pmtud_blackhole_mss", 0, nil, freebsdSysctlSrc+": PMTU black holes", nil)),
		unmodelled(fbsd("udp_tunneling_port", 0, nil, freebsdSysctlSrc+": TCP over UDP (its packet lines are beyond the model)", nil)),
		unmodelled(fbsd("udp_tunneling_overhead", 0, nil, freebsdSysctlSrc+": TCP over UDP", nil)),
		beyond(fbsd("blackhole", 0, nil, freebsdSysctlSrc+": no RST for segments to closed ports", nil), "0"),
		beyond(fbsd("syncookies_only", 0, nil, freebsdSysctlSrc+": SYN cookies instead of the syncache", nil), "0"),
		beyond(fbsd("rexmit_initial", 0, nil, freebsdSysctlSrc+": initial RTO in ms (profile RTOInitial stands at its default)", nil), "1000"),
		beyond(fbsd("rexmit_slop", 0, nil, freebsdSysctlSrc+": RTO slop in ms", nil), "200"),
		beyond(fbsd("rexmit_drop_options", 0, nil, freebsdSysctlSrc+": options dropped on SYN retransmission", nil), "0"),
		beyond(fbsd("keepinit", 0, nil, freebsdSysctlSrc+": connection-establishment timeout (ms)", nil), "75000"),
		beyond(fbsd("keepidle", 0, nil, freebsdSysctlSrc+": keepalive", nil), "7200000"),
		beyond(fbsd("keepintvl", 0, nil, freebsdSysctlSrc+": keepalive", nil), "75000"),
		beyond(fbsd("keepcnt", 0, nil, freebsdSysctlSrc+": keepalive", nil), "8"),
		beyond(fbsd("delacktime", 0, nil, freebsdSysctlSrc+": delayed ACK timer (ms)", nil), "40"),
		beyond(fbsd("icmp_may_rst", 0, nil, freebsdSysctlSrc+": ICMP unreachables may reset (ICMP lines are beyond the model)", nil), "1"),
		beyond(fbsd("tolerate_missing_ts", 0, nil, freebsdSysctlSrc+": segments without timestamps", nil), "1"),
		beyond(fbsd("v6mssdflt", 0, nil, freebsdSysctlSrc+": default IPv6 MSS", nil), "1220"),
		unmodelled(Sysctl{Key: "kern.ipc.maxsockbuf", OS: "freebsd", Source: "FreeBSD kern.ipc.maxsockbuf: the largest socket buffer"}),
	}
	return t
}

// LookupSysctl finds a sysctl by name; "/" separators and a leading
// "/proc/sys/" are accepted.
func LookupSysctl(key string) (Sysctl, bool) {
	key = strings.ReplaceAll(strings.TrimPrefix(key, "/proc/sys/"), "/", ".")
	for _, s := range Sysctls() {
		if s.Key == key {
			return s, true
		}
	}
	return Sysctl{}, false
}
