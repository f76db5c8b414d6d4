package linux

import (
	"strings"
	"testing"

	"github.com/tcpclose/tcpclose/spec"
)

// TestSysctls: the profile fields that differ from linux become sysctls,
// in order; the others become notes.
func TestSysctls(t *testing.T) {
	p := spec.MustProfile("linux")
	if s, n := Sysctls(p); len(s) != 0 || len(n) != 0 {
		t.Fatalf("the linux profile needs no settings, got %v %v", s, n)
	}
	for _, set := range []string{"TimeWaitRST=ignored", "FinWait2Timeout=5s", "SynR2=3", "R2=4", "OOWAckInterval=0s", "TimeWaitReuseAfter=2s", "RTOMin=50ms", "RTOMax=10s", "EphemeralLow=40000", "Timestamps=false", "MaxTimeWait=0"} {
		f, v, _ := strings.Cut(set, "=")
		if err := p.SetField(f, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.SetField("TimeWait", "30s"); err != nil {
		t.Fatal(err)
	}
	got, notes := Sysctls(p)
	want := map[string]string{
		"net.ipv4.tcp_rfc1337": "1", "net.ipv4.tcp_fin_timeout": "5", "net.ipv4.tcp_syn_retries": "3",
		"net.ipv4.tcp_retries2": "4", "net.ipv4.tcp_invalid_ratelimit": "0", "net.ipv4.tcp_tw_reuse": "1",
		"net.ipv4.tcp_tw_reuse_delay": "2000", "net.ipv4.tcp_rto_min_us": "50000", "net.ipv4.tcp_rto_max_ms": "10000",
		"net.ipv4.ip_local_port_range": "40000 60999", "net.ipv4.tcp_timestamps": "0", "net.ipv4.tcp_max_tw_buckets": "1073741824",
	}
	seen := map[string]string{}
	for _, kv := range got {
		seen[kv[0]] = kv[1]
	}
	for k, v := range want {
		if seen[k] != v {
			t.Errorf("%s = %q, want %q", k, seen[k], v)
		}
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "TimeWait=30s") {
		t.Errorf("notes %q, want one about TimeWait", notes)
	}
}
