package linux

import (
	"fmt"
	"strconv"
	"time"

	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
)

// Sysctls translates profile p into the sysctls that make the Linux
// kernel behave as p says where the linux profile differs, and notes for
// the fields no sysctl sets (TIME-WAIT's 60 s, for one). The sysctls are
// in the order to apply them.
func Sysctls(p spec.Profile) (sysctls [][2]string, notes []string) {
	base := spec.MustProfile("linux")
	set := func(k, v string) { sysctls = append(sysctls, [2]string{"net.ipv4." + k, v}) }
	note := func(field string, why string) {
		was, _ := base.FieldValue(field)
		now, _ := p.FieldValue(field)
		notes = append(notes, fmt.Sprintf("linux cannot be set to %s=%s (it keeps %s): %s", field, now, was, why))
	}
	portsDone := false
	for _, d := range stack.ProfileDiff(base, p) {
		field := d[0]
		switch field {
		case "TimeWaitRST":
			switch p.TimeWaitRST.String() {
			case "ignored":
				set("tcp_rfc1337", "1")
			case "exact-only":
				set("tcp_rfc1337", "0")
			default:
				note(field, "tcp_rfc1337 chooses between ignored (1) and exact-only (0)")
			}
		case "FinWait2Timeout":
			switch t := p.FinWait2Timeout; {
			case t <= 0:
				note(field, "Linux always ends an orphaned FIN-WAIT-2 (tcp_fin_timeout)")
			case t%time.Second != 0:
				note(field, "tcp_fin_timeout counts whole seconds")
			default:
				set("tcp_fin_timeout", strconv.FormatInt(int64(t/time.Second), 10))
			}
		case "MaxTimeWait":
			n := p.MaxTimeWait
			if n <= 0 {
				n = 1 << 30 // no cap: more than any run makes
			}
			set("tcp_max_tw_buckets", strconv.Itoa(n))
		case "Timestamps":
			set("tcp_timestamps", map[bool]string{true: "1", false: "0"}[p.Timestamps])
		case "SynR2":
			if p.SynR2 < 1 || p.SynR2 > 127 {
				note(field, "tcp_syn_retries takes 1 to 127")
				continue
			}
			set("tcp_syn_retries", strconv.Itoa(p.SynR2))
		case "R2":
			if p.R2 < 0 {
				note(field, "tcp_retries2 has no infinity")
				continue
			}
			set("tcp_retries2", strconv.Itoa(p.R2))
		case "R1":
			if p.R1 < 0 || p.R1 > 255 {
				note(field, "tcp_retries1 takes 0 to 255")
				continue
			}
			set("tcp_retries1", strconv.Itoa(p.R1))
		case "OOWAckInterval":
			set("tcp_invalid_ratelimit", strconv.FormatInt(p.OOWAckInterval.Milliseconds(), 10))
		case "TimeWaitReuseAfter":
			if p.TimeWaitReuseAfter <= 0 {
				set("tcp_tw_reuse", "0")
				continue
			}
			set("tcp_tw_reuse", "1")
			set("tcp_tw_reuse_delay", strconv.FormatInt(p.TimeWaitReuseAfter.Milliseconds(), 10))
		case "RTOMin":
			if p.RTOMin < time.Microsecond {
				note(field, "tcp_rto_min_us is at least 1 µs")
				continue
			}
			set("tcp_rto_min_us", strconv.FormatInt(p.RTOMin.Microseconds(), 10))
		case "RTOMax":
			if p.RTOMax < time.Second || p.RTOMax > 120*time.Second {
				note(field, "tcp_rto_max_ms takes 1 s to 120 s")
				continue
			}
			set("tcp_rto_max_ms", strconv.FormatInt(p.RTOMax.Milliseconds(), 10))
		case "SynLinearTimeouts":
			set("tcp_syn_linear_timeouts", strconv.Itoa(p.SynLinearTimeouts))
		case "LossProbe":
			set("tcp_early_retrans", map[bool]string{true: "3", false: "0"}[p.LossProbe])
		case "AckDelay", "QuickAcks", "FinPingpong":
			note(field, "no sysctl sets it; the linux-quickack entry's route metric turns delayed ACKs off")
		case "EphemeralLow", "EphemeralHigh":
			if !portsDone {
				portsDone = true
				set("ip_local_port_range", fmt.Sprintf("%d %d", p.EphemeralLow, p.EphemeralHigh))
			}
		default:
			note(field, "no sysctl sets it")
		}
	}
	return sysctls, notes
}
