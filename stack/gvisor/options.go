package gvisor

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
)

// Sysctl sets a stack-wide option by the name of the Linux sysctl it
// stands for, as packetdrill scripts set them:
//
//	net.ipv4.tcp_fin_timeout     seconds  tcpip.TCPLingerTimeoutOption (orphaned FIN-WAIT-2)
//	net.ipv4.tcp_tw_reuse        0, 1, 2  tcpip.TCPTimeWaitReuseOption (disabled, global, loopback only)
//	net.ipv4.tcp_sack            0, 1     tcpip.TCPSACKEnabled
//	net.ipv4.tcp_retries2        count    tcpip.TCPMaxRetriesOption
//	net.ipv4.tcp_syn_retries     count    tcpip.TCPSynRetriesOption
//	net.ipv4.tcp_rto_min_us      µs       tcpip.TCPMinRTOOption
//	net.ipv4.tcp_rto_max_ms      ms       tcpip.TCPMaxRTOOption
//
// and one that Linux lacks (its TIME-WAIT lasts a fixed 60 s):
//
//	gvisor.tcp_time_wait_timeout seconds, or a duration such as 2.5s
//	                                      tcpip.TCPTimeWaitTimeoutOption
//
// The "net.ipv4." prefix may be left out and "/" may stand for ".".
func (s *Stack) Sysctl(name, value string) error {
	key := strings.TrimPrefix(strings.ReplaceAll(name, "/", "."), "net.ipv4.")
	value = strings.TrimSpace(value)
	var opt tcpip.SettableTransportProtocolOption
	var err error
	switch key {
	case "tcp_fin_timeout":
		var d time.Duration
		d, err = seconds(value)
		opt = ptr(tcpip.TCPLingerTimeoutOption(d))
	case "gvisor.tcp_time_wait_timeout":
		var d time.Duration
		d, err = seconds(value)
		opt = ptr(tcpip.TCPTimeWaitTimeoutOption(d))
	case "tcp_tw_reuse":
		var n uint64
		if n, err = strconv.ParseUint(value, 10, 8); err == nil && n > 2 {
			err = fmt.Errorf("want 0, 1 or 2")
		}
		opt = ptr([...]tcpip.TCPTimeWaitReuseOption{
			tcpip.TCPTimeWaitReuseDisabled, tcpip.TCPTimeWaitReuseGlobal, tcpip.TCPTimeWaitReuseLoopbackOnly,
		}[min(n, 2)])
	case "tcp_sack":
		var b bool
		b, err = boolValue(value)
		opt = ptr(tcpip.TCPSACKEnabled(b))
	case "tcp_retries2":
		var n uint64
		n, err = strconv.ParseUint(value, 10, 32)
		opt = ptr(tcpip.TCPMaxRetriesOption(n))
	case "tcp_syn_retries":
		var n uint64
		n, err = strconv.ParseUint(value, 10, 8)
		opt = ptr(tcpip.TCPSynRetriesOption(n))
	case "tcp_rto_min_us":
		var n uint64
		n, err = strconv.ParseUint(value, 10, 32)
		opt = ptr(tcpip.TCPMinRTOOption(time.Duration(n) * time.Microsecond))
	case "tcp_rto_max_ms":
		var n uint64
		n, err = strconv.ParseUint(value, 10, 32)
		opt = ptr(tcpip.TCPMaxRTOOption(time.Duration(n) * time.Millisecond))
	default:
		return fmt.Errorf("gvisor: sysctl %s: not supported by the netstack adapter", name)
	}
	if err != nil {
		return fmt.Errorf("gvisor: sysctl %s=%q: %w", name, value, err)
	}
	return s.SetTransportOption(opt)
}

// profileSysctls maps the spec.Profile fields that netstack lets one set
// onto the sysctls above; value conversion is done by SetProfileField.
var profileSysctls = map[string]string{
	"TimeWait":        "gvisor.tcp_time_wait_timeout",
	"FinWait2Timeout": "tcp_fin_timeout",
	"RTOMin":          "tcp_rto_min_us",
	"RTOMax":          "tcp_rto_max_ms",
	"R2":              "tcp_retries2",
	"SynR2":           "tcp_syn_retries",
}

// SetProfileField applies a profile override ("TimeWait=30s", as
// spec.Profile.SetField takes it) to the stack, so that a script run
// against the model with an override can be run against netstack with the
// same one. Only fields netstack can be told are accepted: TimeWait,
// FinWait2Timeout, RTOMin, RTOMax, R2, SynR2 and TimeWaitReuseAfter (0
// disables reuse; any other value enables it for every address, netstack's
// reuse delay being fixed at 1 s).
func (s *Stack) SetProfileField(field, value string) error {
	if field == "TimeWaitReuseAfter" {
		d, err := time.ParseDuration(value)
		if err != nil {
			return fmt.Errorf("gvisor: profile field %s=%q: %w", field, value, err)
		}
		mode := tcpip.TCPTimeWaitReuseGlobal
		if d == 0 {
			mode = tcpip.TCPTimeWaitReuseDisabled
		}
		return s.SetTransportOption(&mode)
	}
	name, found := profileSysctls[field]
	if !found {
		return fmt.Errorf("gvisor: profile field %s cannot be set on netstack", field)
	}
	switch field {
	case "TimeWait", "FinWait2Timeout", "RTOMin", "RTOMax":
		d, err := time.ParseDuration(value)
		if err != nil {
			return fmt.Errorf("gvisor: profile field %s=%q: %w", field, value, err)
		}
		switch field {
		case "RTOMin":
			value = strconv.FormatInt(d.Microseconds(), 10)
		case "RTOMax":
			value = strconv.FormatInt(d.Milliseconds(), 10)
		default:
			value = d.String()
		}
	}
	return s.Sysctl(name, value)
}

// seconds parses a sysctl time: whole seconds, or a Go duration.
func seconds(v string) (time.Duration, error) {
	if n, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("want seconds or a duration: %w", err)
	}
	if d < 0 {
		return 0, fmt.Errorf("negative duration %s", v)
	}
	return d, nil
}

func boolValue(v string) (bool, error) {
	switch v {
	case "0":
		return false, nil
	case "1":
		return true, nil
	}
	return false, fmt.Errorf("want 0 or 1")
}
