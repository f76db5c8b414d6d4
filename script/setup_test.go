package script

import (
	"strings"
	"testing"
	"time"

	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
)

// TestModelSetupSysctls: each sysctl the package knows sets its profile
// field; values a profile cannot express are errors naming the line.
func TestModelSetupSysctls(t *testing.T) {
	cases := []struct {
		sysctl string
		field  string
		want   string // FieldValue after setup; "" when an error is wanted
		err    string
	}{
		{"net.ipv4.tcp_rfc1337=1", "TimeWaitRST", "ignored", ""},
		{"net.ipv4.tcp_rfc1337=0", "TimeWaitRST", "exact-only", ""},
		{"net.ipv4.tcp_fin_timeout=5", "FinWait2Timeout", "5s", ""},
		{"net.ipv4.tcp_max_tw_buckets=7", "MaxTimeWait", "7", ""},
		{"net.ipv4.tcp_timestamps=0", "Timestamps", "false", ""},
		{"net.ipv4.tcp_timestamps=2", "Timestamps", "true", ""},
		{"net.ipv4.tcp_syn_retries=3", "SynR2", "3", ""},
		{"net.ipv4.tcp_retries2=9", "R2", "9", ""},
		{"net.ipv4.tcp_retries1=2", "R1", "2", ""},
		{"net.ipv4.tcp_invalid_ratelimit=250", "OOWAckInterval", "250ms", ""},
		{"net.ipv4.tcp_tw_reuse=1", "TimeWaitReuseAfter", "1s", ""},
		{"net.ipv4.tcp_tw_reuse=2", "TimeWaitReuseAfter", "0 (off)", ""},
		{"net.ipv4.tcp_tw_reuse=1 net.ipv4.tcp_tw_reuse_delay=50", "TimeWaitReuseAfter", "50ms", ""},
		// Values the profile cannot express leave it as it is; the run
		// stops at their line, beyond the model (TestRunShellBeyond).
		{"net.ipv4.tcp_rfc1337=2", "TimeWaitRST", "closes", ""},
		{"net.ipv4.tcp_fin_timeout=0", "FinWait2Timeout", "0 (off)", ""},
		{"net.ipv4.tcp_max_tw_buckets=0", "MaxTimeWait", "0", ""},
		{"net.ipv4.tcp_retries1=9", "", "", "t.pkt: the script's overrides (R1=9 at t.pkt:1) leave an invalid profile: profile rfc9293: R2 must be at least R1"},
	}
	for _, c := range cases {
		s := mustParse(t, "`sysctl -q "+c.sysctl+"`\n0 close(3) = 0\n")
		su, err := ModelSetup(s, "rfc9293")
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: err = %v, want %q", c.sysctl, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.sysctl, err)
			continue
		}
		if got, _ := su.Profile.FieldValue(c.field); got != c.want {
			t.Errorf("%s: %s = %s, want %s", c.sysctl, c.field, got, c.want)
		}
	}
}

func TestModelSetup(t *testing.T) {
	s := mustParse(t, `--tcpclose_set=TimeWait=30s
--tcpclose_set=TimeWaitRST=ignored
--tcpclose_local_iss=1000
`+"`sysctl -q net.ipv4.tcp_rfc1337=1 net.core.somaxconn=4\n./defaults.sh`\n0 close(3) = 0\n+0 `sysctl -q net.core.rmem_max=5`\n`sysctl -q net.ipv4.tcp_rfc1337=0`\n")
	su, err := ModelSetup(s, "linux")
	if err != nil {
		t.Fatal(err)
	}
	if su.Profile.Name != "linux" || su.Profile.TimeWait != 30*time.Second || su.Profile.TimeWaitRST != spec.TWRSTIgnored {
		t.Errorf("profile %s TimeWait %v TimeWaitRST %v", su.Profile.Name, su.Profile.TimeWait, su.Profile.TimeWaitRST)
	}
	if su.Config.FixedISS != 1000 || su.Config.Addr != stack.LocalIP() {
		t.Errorf("config %+v", su.Config)
	}
	if len(su.Applied) != 3 || su.Applied[2].From != "net.ipv4.tcp_rfc1337=1" || su.Applied[2].Line != 4 {
		t.Errorf("applied %+v", su.Applied)
	}
	notes := strings.Join(su.Notes, "\n")
	for _, want := range []string{
		"t.pkt:4: sysctl net.core.somaxconn has no profile field; ignored",
		"t.pkt:5: shell text not understood, not run: ./defaults.sh",
		"t.pkt:7: sysctl net.core.rmem_max has no profile field; ignored",
		"t.pkt:8: cleanup command not run",
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}

	errCases := []struct{ src, want string }{
		{"--tcpclose_set=TimeWaitRST=closes\n`sysctl -q net.ipv4.tcp_rfc1337=1`\n0 close(3) = 0\n",
			"t.pkt:2: sysctl net.ipv4.tcp_rfc1337=1 sets TimeWaitRST=ignored, contradicting --tcpclose_set=TimeWaitRST=closes at t.pkt:1"},
	}
	for _, c := range errCases {
		if _, err := ModelSetup(mustParse(t, c.src), "rfc9293"); err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("err = %v\nwant %s", err, c.want)
		}
	}
	if _, err := ModelSetup(s, "windows"); err == nil || !strings.Contains(err.Error(), "t.pkt: unknown profile \"windows\"") {
		t.Errorf("unknown profile: %v", err)
	}
}

func modelConfig() spec.HostConfig { return spec.HostConfig{Addr: stack.LocalIP()} }
