package oracle

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tcpclose/tcpclose/scenarios"
	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
)

// rfc793Entry is the model that always runs RFC 793, whatever profile it
// is given, judged as a real stack: a stack that departs from rfc9293,
// for testing reports.
func rfc793Entry() stack.Entry {
	return stack.Entry{Name: "old", Profile: "rfc9293", New: func(_ spec.Profile, o stack.Options) (stack.Stack, error) {
		st, err := ModelEntry().New(spec.MustProfile("rfc793"), o)
		if err != nil {
			return nil, err
		}
		return stack.NewReal(st, stack.RealConfig{Notes: []string{"always rfc793"}}), nil
	}}
}

func TestRunPrediction(t *testing.T) {
	sc, err := scenarios.Get("close/unread-close.pkt")
	if err != nil {
		t.Fatal(err)
	}
	s, err := script.Parse(sc.Name, sc.Content)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(rfc793Entry(), s, Config{})
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
	for _, want := range []string{"STACK DIVERGES (the model passes)", "stack:  ", "model:  ", "(as the script says)", "R2525-RST-UNREAD", "note: always rfc793"} {
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

// TestProfileSysctlKeys: every key the commander leaves to the profile is
// one package script maps onto a profile field.
func TestProfileSysctlKeys(t *testing.T) {
	values := map[string]string{"tcp_rfc1337": "1", "tcp_fin_timeout": "5", "tcp_max_tw_buckets": "10", "tcp_timestamps": "0",
		"tcp_syn_retries": "3", "tcp_retries2": "5", "tcp_retries1": "2", "tcp_invalid_ratelimit": "100", "tcp_tw_reuse": "1", "tcp_tw_reuse_delay": "500",
		"tcp_syn_linear_timeouts": "0", "tcp_early_retrans": "0",
		"tcp_rto_min_us": "50000", "tcp_rto_max_ms": "10000", "ip_local_port_range": "40000 50000"}
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

// bare is a stack that declares nothing: no fields, no notes, no
// sysctls, as a Go caller's first adapter might be.
type bare struct{ stack.Stack }

// TestJudgeDefaults: a bare stack is judged as the command line judges a
// real one (the fields of stack.Real, sysctl commands that fail, wall
// clock pacing), a virtual stack is left as it is, and a wrapped stack
// keeps its optional interfaces.
func TestJudgeDefaults(t *testing.T) {
	v, err := ModelEntry().New(spec.MustProfile("rfc9293"), stack.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := Judge(v, ModelEntry()); got != v {
		t.Errorf("Judge wrapped a virtual stack: %T", got)
	}
	j := Judge(bare{v}, stack.Entry{Name: "bare", RealTime: true})
	fm, ok := stack.As[stack.FieldModeller](j)
	if !ok || fm.Models(stack.FieldWindow) || !fm.Models(stack.FieldMSS) || !fm.Models(stack.FieldTS) || fm.Models(stack.FieldPSH) {
		t.Errorf("a bare stack is not judged on the real fields: %T", fm)
	}
	cmd, ok := stack.As[script.Commander](j)
	if !ok {
		t.Fatal("a judged real stack is no Commander")
	}
	s, err := script.Parse("c.pkt", []byte("`sysctl -q net.ipv4.tcp_sack=0; ls`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"))
	if err != nil {
		t.Fatal(err)
	}
	err = cmd.Command(0, s.Init)
	if err == nil || !strings.Contains(err.Error(), "takes no sysctl settings") || !strings.Contains(err.Error(), "not supported") {
		t.Errorf("Command: %v", err)
	}
	// A shell script the command runs (read by the parser) is played as
	// a shell without set -e: what the stack refuses is noted, known
	// harmless parts are skipped, others noted; nothing fails.
	read := func(string) ([]byte, error) {
		return []byte("sysctl -q net.ipv4.tcp_sack=1\nip tcp_metrics flush all > /dev/null 2>&1\nfrobnicate\n"), nil
	}
	s, err = script.ParseWith("c.pkt", []byte("`./defaults.sh`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"), script.ParseOptions{ReadFile: read})
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Command(0, s.Init); err != nil {
		t.Errorf("Command of a sourced script: %v", err)
	}
	cn, ok := stack.As[commandNoter](j)
	if notes := strings.Join(cn.commandNotes(), "\n"); !ok || !strings.Contains(notes, "defaults.sh:1: not set") || !strings.Contains(notes, "defaults.sh:3: not run") || strings.Contains(notes, "tcp_metrics") {
		t.Errorf("commander notes: %q", notes)
	}
	// The model behind two wrappers (Real, the commander) still explains
	// its steps and gives its notes.
	r := Judge(stack.NewReal(v, stack.RealConfig{Notes: []string{"a note"}}), stack.Entry{})
	if _, err := r.Inject(0, spec.Segment{Src: stack.RemoteAddr(), Dst: stack.LocalAddr(), Flags: spec.ACK, Seq: 5, Ack: 9, Wnd: 1}); err != nil {
		t.Fatal(err)
	}
	ex, ok := stack.As[stack.Explainer](r)
	if !ok || len(ex.Explain()) == 0 || ex.Explain()[0] != "R9293-SEG-CLOSED" {
		t.Errorf("the model's rules are lost behind the wrappers")
	}
	n, ok := stack.As[stack.Noter](r)
	if !ok || len(n.Notes()) != 1 {
		t.Errorf("notes lost behind the commander")
	}
}

// TestFloorOnlyForTcpcloseScripts: a stack's tolerance floor
// (Entry.Tolerance) widens timing only for scripts written for tcpclose
// (--tcpclose_profiles); an upstream script is judged with its own
// tolerance, as packetdrill judges it on the same stack.
func TestFloorOnlyForTcpcloseScripts(t *testing.T) {
	const body = "--tolerance_percent=0\n" +
		"0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n" +
		"+0 bind(3, ..., ...) = 0\n" +
		"+0 listen(3, 1) = 0\n" +
		"+0 < S 0:0(0) win 32792 <mss 1000>\n" +
		"+0 > S. 0:0(0) ack 1 <...>\n" +
		// The SYN,ACK is resent after the 1 s RTO: 90 ms away from this
		// line, outside 4 ms, inside the 200 ms floor below.
		"1.09 > S. 0:0(0) ack 1 <...>\n"
	e := ModelEntry()
	e.Name, e.Tolerance = "floored", 200*time.Millisecond
	for _, tc := range []struct {
		head string
		pass bool
	}{
		{"--tcpclose_profiles=rfc9293\n", true},
		{"", false},
	} {
		s, err := script.Parse("floor.pkt", []byte(tc.head+body))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := Run(e, s, Config{Profile: "rfc9293"})
		if err != nil {
			t.Fatal(err)
		}
		if got := rep.Stack.Passed(); got != tc.pass {
			t.Errorf("profiles line %q: stack run passed %v, want %v (%v)", tc.head, got, tc.pass, rep.Stack.Divergence)
		}
	}
}
