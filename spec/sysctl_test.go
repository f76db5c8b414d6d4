package spec

import (
	"strings"
	"testing"
)

// TestSysctlTable: every row is unique, names its OS and source; a field
// row names fields the profile has, and its mapping of a sample value
// sets only those fields to values the profile takes; a beyond row with a
// default accepts it.
func TestSysctlTable(t *testing.T) {
	samples := map[string]string{
		"net.ipv4.tcp_rfc1337": "1", "net.ipv4.tcp_fin_timeout": "30", "net.ipv4.tcp_max_tw_buckets": "5",
		"net.ipv4.tcp_timestamps": "0", "net.ipv4.tcp_syn_retries": "3", "net.ipv4.tcp_syn_linear_timeouts": "0", "net.ipv4.tcp_early_retrans": "0", "net.ipv4.tcp_retries2": "9",
		"net.ipv4.tcp_retries1": "2", "net.ipv4.tcp_invalid_ratelimit": "250", "net.ipv4.tcp_tw_reuse": "1",
		"net.ipv4.tcp_tw_reuse_delay": "50", "net.inet.tcp.insecure_rst": "1", "net.inet.tcp.insecure_syn": "1",
		"net.inet.tcp.drop_synfin": "1", "net.inet.tcp.finwait2_timeout": "60000", "net.inet.tcp.fast_finwait2_recycle": "1", "net.inet.tcp.msl": "30000",
		"net.inet.tcp.rfc1323": "0", "net.ipv4.tcp_rto_min_us": "50000", "net.ipv4.tcp_rto_max_ms": "10000",
		"net.ipv4.ip_local_port_range": "40000 50000",
	}
	seen := map[string]bool{}
	fields := 0
	for _, s := range Sysctls() {
		if seen[s.Key] {
			t.Errorf("%s twice", s.Key)
		}
		seen[s.Key] = true
		if (s.OS != "linux" && s.OS != "freebsd") || s.Source == "" || s.Kind == 0 && s.Key != "kern.ipc.maxsockbuf" {
			t.Errorf("%s: OS %q, kind %v, source %q", s.Key, s.OS, s.Kind, s.Source)
		}
		if s.Kind == SysctlBeyond && s.Default != "" && !s.IsDefault(s.Default) {
			t.Errorf("%s: default %q is not its default", s.Key, s.Default)
		}
		if s.Kind != SysctlField {
			continue
		}
		fields++
		v, ok := samples[s.Key]
		if !ok {
			t.Errorf("%s: no sample value in the test", s.Key)
			continue
		}
		sets, _, err := s.Map(v)
		if err != nil || len(sets) == 0 {
			t.Errorf("%s=%s: %v %v", s.Key, v, sets, err)
		}
		p := MustProfile(DefaultProfile)
		for _, fs := range sets {
			if !strings.Contains(strings.Join(s.Fields, " "), fs.Field) {
				t.Errorf("%s sets %s, not among its fields %v", s.Key, fs.Field, s.Fields)
			}
			if err := p.SetField(fs.Field, fs.Value); err != nil {
				t.Errorf("%s=%s: %v", s.Key, v, err)
			}
		}
	}
	if fields != len(samples) {
		t.Errorf("%d field rows, %d samples", fields, len(samples))
	}
	if _, ok := LookupSysctl("/proc/sys/net/ipv4/tcp_rfc1337"); !ok {
		t.Error("LookupSysctl does not take a /proc/sys path")
	}
	if _, _, err := mustLookup(t, "net.ipv4.tcp_fin_timeout").Map("0"); err == nil {
		t.Error("tcp_fin_timeout=0 maps")
	}
}

// TestSysctlFromProfile: every Linux field row has an inverse, and its
// value for a profile set from a sample maps back to the same fields.
func TestSysctlFromProfile(t *testing.T) {
	samples := map[string]string{
		"net.ipv4.tcp_rfc1337": "1", "net.ipv4.tcp_fin_timeout": "30", "net.ipv4.tcp_max_tw_buckets": "5",
		"net.ipv4.tcp_timestamps": "0", "net.ipv4.tcp_syn_retries": "3", "net.ipv4.tcp_retries2": "9",
		"net.ipv4.tcp_retries1": "2", "net.ipv4.tcp_invalid_ratelimit": "250", "net.ipv4.tcp_tw_reuse": "1",
		"net.ipv4.tcp_rto_min_us": "50000", "net.ipv4.tcp_rto_max_ms": "10000", "net.ipv4.ip_local_port_range": "40000 50000",
	}
	for _, s := range Sysctls() {
		if s.OS != "linux" || s.Kind != SysctlField {
			continue
		}
		if s.fromProfile == nil {
			t.Errorf("%s: no inverse (FromProfile)", s.Key)
			continue
		}
		v, ok := samples[s.Key]
		if !ok {
			continue // tcp_tw_reuse_delay: with tcp_tw_reuse
		}
		p := MustProfile("linux")
		sets, _, err := s.Map(v)
		if err != nil {
			t.Fatal(err)
		}
		for _, fs := range sets {
			if err := p.SetField(fs.Field, fs.Value); err != nil {
				t.Fatal(err)
			}
		}
		back, set, why := s.FromProfile(p)
		if !set || back != v {
			t.Errorf("%s=%s: FromProfile gives %q (set %v, %s)", s.Key, v, back, set, why)
		}
	}
	p := MustProfile("linux")
	p.TimeWaitReuseAfter = 0
	if _, set, why := mustLookup(t, "net.ipv4.tcp_tw_reuse_delay").FromProfile(p); set || why != "" {
		t.Errorf("tcp_tw_reuse_delay with reuse off: set %v, %q", set, why)
	}
	if got := SysctlsFor("linux", "EphemeralHigh"); len(got) != 1 || got[0].Key != "net.ipv4.ip_local_port_range" {
		t.Errorf("SysctlsFor EphemeralHigh: %v", got)
	}
}

func mustLookup(t *testing.T, key string) Sysctl {
	t.Helper()
	s, ok := LookupSysctl(key)
	if !ok {
		t.Fatalf("no %s", key)
	}
	return s
}
