package stacks

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/spec"
)

func TestRegistryIsAValue(t *testing.T) {
	a := Default()
	b := a.With(Entry{Name: "x", New: ModelEntry().New})
	if _, ok := a.Lookup("x"); ok {
		t.Fatal("With changed the registry it was called on")
	}
	if _, ok := b.Lookup("x"); !ok {
		t.Fatal("With did not add the entry")
	}
	for _, n := range []string{"model", "impl", "linux", "linux-quickack"} {
		if _, ok := a.Lookup(n); !ok {
			t.Errorf("Default lacks %s", n)
		}
	}
	if _, err := a.New("nope", spec.MustProfile("rfc9293"), Options{}); err == nil || !strings.Contains(err.Error(), "unknown stack") {
		t.Errorf("New(nope): %v", err)
	}
	var zero Registry
	if len(zero.Names()) != 0 {
		t.Error("the zero registry is not empty")
	}
}

func TestLinuxSysctls(t *testing.T) {
	p := spec.MustProfile("linux")
	if s, n := LinuxSysctls(p); len(s) != 0 || len(n) != 0 {
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
	got, notes := LinuxSysctls(p)
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

// TestProfileSysctlKeys: every key Real's Commander leaves to the
// profile is one package script maps onto a profile field.
func TestProfileSysctlKeys(t *testing.T) {
	values := map[string]string{"tcp_rfc1337": "1", "tcp_fin_timeout": "5", "tcp_max_tw_buckets": "10", "tcp_timestamps": "0",
		"tcp_syn_retries": "3", "tcp_retries2": "5", "tcp_retries1": "2", "tcp_invalid_ratelimit": "100", "tcp_tw_reuse": "1", "tcp_tw_reuse_delay": "500"}
	for _, k := range profileSysctlKeys() {
		v, ok := values[k]
		if !ok {
			t.Fatalf("no test value for %s", k)
		}
		src := fmt.Sprintf("`sysctl -q net.ipv4.%s=%s`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n", k, v)
		s, err := script.Parse("k.pkt", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		su, err := script.ModelSetup(s, "linux")
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		for _, n := range su.Notes {
			if strings.Contains(n, "no profile field") {
				t.Errorf("%s: %s", k, n)
			}
		}
	}
	if IsProfileSysctl("net.ipv4.tcp_sack") || !IsProfileSysctl("net/ipv4/tcp_rfc1337") {
		t.Error("IsProfileSysctl")
	}
}

func TestRunCommandUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"testdata/passive-close.pkt"}, "--stack is required"},
		{[]string{"--stack", "nope", "testdata/passive-close.pkt"}, "unknown stack"},
		{[]string{"--stack", "model", "--profile", "bsd", "testdata/passive-close.pkt"}, "bsd"},
		{[]string{"--stack", "model"}, "no scripts"},
		{[]string{"--stack", "model", "testdata/missing.pkt"}, "missing.pkt"},
		{[]string{"--stack", "model", "--set", "Nope=1", "testdata/passive-close.pkt"}, "Nope"},
		{[]string{"--stack", "model", "--bogus"}, "bogus"},
	} {
		var out, errb bytes.Buffer
		if code := RunCommand(Default(), tc.args, &out, &errb); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", tc.args, code, ExitUsage)
		}
		if !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: stderr %q lacks %q", tc.args, errb.String(), tc.want)
		}
	}
	bad := t.TempDir() + "/bad.pkt"
	if err := os.WriteFile(bad, []byte("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 < S 0:0(0)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := RunCommand(Default(), []string{"--stack", "model", bad}, &out, &errb); code != ExitUsage || !strings.Contains(errb.String(), "bad.pkt:2") || strings.Count(errb.String(), "\n") != 1 {
		t.Errorf("bad script: exit %d, stderr %q", code, errb.String())
	}
}

// rfc793Entry is the model that always runs RFC 793, whatever profile it
// is given: a stack that departs from rfc9293, for testing reports.
func rfc793Entry() Entry {
	return Entry{Name: "old", Profile: "rfc9293", New: func(spec.Profile, Options) (script.Stack, error) {
		st, err := script.NewModelStack(spec.MustProfile("rfc793"), spec.HostConfig{Addr: script.LocalIP})
		if err != nil {
			return nil, err
		}
		return NewReal(st, RealConfig{Notes: []string{"always rfc793"}}), nil
	}}
}

func TestRunCommandDivergence(t *testing.T) {
	reg := Default().With(rfc793Entry())
	// Unread data at close: rfc9293 resets, rfc793 sends a FIN.
	var out, errb bytes.Buffer
	code := RunCommand(reg, []string{"--stack", "old", "testdata/wrong-fin.pkt", "testdata/passive-close.pkt"}, &out, &errb)
	if code != ExitDivergence {
		t.Fatalf("exit %d, want %d; %s", code, ExitDivergence, errb.String())
	}
	got := out.String()
	for _, want := range []string{
		"wrong-fin.pkt [profile rfc9293]: stack and model depart alike",
		"passive-close.pkt [profile rfc9293]: pass",
		"note: always rfc793",
		"2 scripts, profile rfc9293: 1 pass on old, 1 pass on the model; 1 fail alike on both",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

func TestRunScriptPrediction(t *testing.T) {
	reg := Default().With(rfc793Entry())
	src, err := os.ReadFile("../script/testdata/scenarios/unread-close.pkt")
	if err != nil {
		t.Skip("needs the scenario corpus:", err)
	}
	s, err := script.Parse("unread-close.pkt", src)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := RunScript(reg, s, RunConfig{Stack: "old"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.StackPassed() || !rep.ModelPassed() {
		t.Fatalf("want the stack to diverge and the model to pass: %s / %s", rep.Stack.Summary(), rep.Model.Summary())
	}
	d := rep.Difference()
	if d == nil || !d.ModelFollows || d.StackFollows {
		t.Fatalf("difference %+v", d)
	}
	var b bytes.Buffer
	rep.Write(&b)
	for _, want := range []string{"STACK DIVERGES (the model passes)", "stack:  ", "model:  ", "(as the script says)", "R2525-RST-UNREAD"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
}

func TestComparable(t *testing.T) {
	a := comparable("0.100000 > P. 1:11(10) ack 1 win 64240 <...>")
	b := comparable("0.200000 > . 1:11(10) ack 1 win 65535")
	if a != b {
		t.Errorf("%q != %q", a, b)
	}
}
