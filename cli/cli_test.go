package cli

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/wire"
)

// run runs the tool in-process with a clean environment.
func run(args ...string) (code int, stdout, stderr string) {
	t := New()
	t.Getenv = func(string) string { return "" }
	var o, e bytes.Buffer
	code = t.Main(args, &o, &e)
	return code, o.String(), e.String()
}

// Every subcommand answers bad input with exit status 2 and one line on
// stderr that names the problem.
func TestBadInput(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.pkt")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{}, ""}, // usage on stdout, nothing on stderr
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"sim", "-frobnicate"}, "unknown flag -frobnicate"},
		{[]string{"sim"}, "name a scenario or a script file"},
		{[]string{"sim", "normal", "abort"}, "want one scenario or script"},
		{[]string{"sim", "no-such-scenario"}, `unknown scenario "no-such-scenario"`},
		{[]string{"sim", missing}, "open " + missing + ": no such file or directory"},
		{[]string{"sim", "testdata/malformed.pkt"}, "testdata/malformed.pkt:2: expected \"=\" before the expected result"},
		{[]string{"sim", "testdata/unknown-profile.pkt"}, `unknown profile "bsd42"`},
		{[]string{"sim", "-profile", "bsd42", "normal"}, `unknown profile "bsd42"`},
		{[]string{"sim", "normal", "-set", "NoSuchField=1"}, `no settable field "NoSuchField"`},
		{[]string{"sim", "normal", "-set", "TimeWait=soon"}, "TimeWait"},
		{[]string{"sim", "normal", "-faults", "C3:drop"}, "-faults"},
		{[]string{"sim", "normal", "-faults", "A3:explode"}, "action must be drop"},
		{[]string{"sim", "normal", "-loss", "1.5"}, "not a probability"},
		{[]string{"sim", "normal", "-endpoints", "bogus"}, "not one of model, impl, mixed"},
		{[]string{"sim", "normal", "-endpoints", "quantum"}, `"quantum" is not one of`},
		{[]string{"sim", "normal", "-svg", filepath.Join(missing, "x.svg")}, "-svg: create"},
		{[]string{"sim", "testdata/passive-close.pkt", "-loss", "0.1"}, "-loss applies to built-in scenarios"},
		{[]string{"check", "-frobnicate"}, "unknown flag -frobnicate"},
		{[]string{"check", missing}, "no such file or directory"},
		{[]string{"check", "testdata/malformed.pkt"}, "malformed.pkt:2:"},
		{[]string{"check", "testdata/unknown-profile.pkt"}, `unknown profile "bsd42"`},
		{[]string{"check", "-profile", "bsd42", "testdata/passive-close.pkt"}, `unknown profile "bsd42"`},
		{[]string{"check", "-set", "TimeWait", "testdata/passive-close.pkt"}, "want Field=Value"},
		{[]string{"run", "-frobnicate"}, "unknown flag -frobnicate"},
		{[]string{"run", "testdata/passive-close.pkt"}, "-stack is required"},
		{[]string{"run", "-stack", "bsd42", "testdata/passive-close.pkt"}, `unknown stack "bsd42"`},
		{[]string{"run", "-stack", "model"}, "no scripts given"},
		{[]string{"run", "-stack", "model", missing}, "no such file or directory"},
		{[]string{"run", "-stack", "model", "testdata/malformed.pkt"}, "malformed.pkt:2"},
		{[]string{"run", "-stack", "impl", "-profile", "bsd42", "testdata/passive-close.pkt"}, `unknown profile "bsd42"`},
		{[]string{"conform", "-frobnicate"}, "unknown flag -frobnicate"},
		{[]string{"conform"}, "-stack is required"},
		{[]string{"conform", "-stack", "bsd42"}, `unknown stack "bsd42"`},
		{[]string{"conform", "-stack", "impl", "extra"}, `unexpected argument "extra"`},
		{[]string{"conform", "-stack", "impl", "-n", "many"}, "-n"},
		{[]string{"explore", "-frobnicate"}, "unknown flag -frobnicate"},
		{[]string{"explore", "nosuch"}, "scenarios: "},
		{[]string{"explore", "-profile", "bsd42"}, `unknown profile "bsd42"`},
		{[]string{"explore", "-c", "0"}, "-c must be at least 1"},
		{[]string{"explore", "-r", "-1"}, "-r must be at least 0"},
		{[]string{"explore", "close", "abort"}, "at most one scenario"},
		{[]string{"explore", "-set", "TimeWait=soon"}, "TimeWait"},
		{[]string{"diagram", "-frobnicate"}, "unknown flag -frobnicate"},
		{[]string{"diagram", "-profile", "bsd42"}, `unknown profile "bsd42"`},
		{[]string{"diagram", "-format", "png"}, `"png" is not one of`},
		{[]string{"diagram", "linux"}, "takes no arguments"},
		{[]string{"rules", "-frobnicate"}, "unknown flag -frobnicate"},
		{[]string{"rules", "-profile", "bsd42"}, `unknown profile "bsd42"`},
		{[]string{"rules", "NOPE-"}, `no rule ID starts with "NOPE-"`},
		{[]string{"profiles", "-frobnicate"}, "unknown flag -frobnicate"},
		{[]string{"profiles", "bsd42"}, `unknown profile "bsd42"`},
		{[]string{"profiles", "linux", "-set", "Nope=1"}, `no settable field "Nope"`},
		{[]string{"lab", "-frobnicate"}, "unknown flag -frobnicate"},
		{[]string{"lab", "no-such-experiment"}, `unknown experiment "no-such-experiment"`},
		{[]string{"lab", "-pcap", "testdata/passive-close.pkt/pcaps", "normal"}, ""}, // not root, or cannot be created: either way one line
		{[]string{"version", "extra"}, "takes no arguments"},
		{[]string{"help", "frobnicate"}, `unknown command "frobnicate"`},
	} {
		code, _, stderr := run(c.args...)
		name := strings.Join(c.args, " ")
		if code != ExitUsage {
			t.Errorf("tcpclose %s: exit %d, want 2 (stderr %q)", name, code, stderr)
		}
		if len(c.args) == 0 {
			continue
		}
		if strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") {
			t.Errorf("tcpclose %s: stderr is not one line: %q", name, stderr)
		}
		if !strings.HasPrefix(stderr, "tcpclose") || !strings.Contains(stderr, c.want) {
			t.Errorf("tcpclose %s: stderr %q, want it to contain %q", name, stderr, c.want)
		}
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"help", "-h"}, {"-h"}, {"sim", "-h"}, {"help", "sim"}, {"check", "-help"}, {"diagram", "-h"}, {"rules", "-h"}, {"profiles", "-h"}, {"lab", "-h"}, {"run", "-h"}, {"conform", "-h"}, {"version", "-h"}} {
		code, stdout, stderr := run(args...)
		if code != ExitOK || stderr != "" || !strings.Contains(stdout, "Usage") && !strings.Contains(stdout, "Commands") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
	_, stdout, _ := run("sim", "-h")
	for _, f := range []string{"-profile", "-set", "-loss", "-dup", "-reorder", "-seed", "-endpoints", "-faults", "-svg", "-pcap", "-trace", "-absolute", "-list"} {
		if !strings.Contains(stdout, "  "+f) {
			t.Errorf("sim -h does not document %s", f)
		}
	}
}

func TestSimScenario(t *testing.T) {
	code, stdout, stderr := run("sim", "normal", "-width", "100")
	if code != ExitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"normal · profile rfc9293 · seed 1", "A client 10.0.0.1:40000", "#1 S 0:0(0)", "TIME-WAIT", "notice: peer-closed", "end of run: closed", "seed 1: ended closed"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(stdout, "\x1b[") {
		t.Error("colour on a non-terminal")
	}
	// flags may follow the scenario; the profile changes the outcome
	_, linux, _ := run("sim", "normal", "-profile", "linux", "-width", "100")
	if !strings.Contains(linux, "profile linux") || linux == stdout {
		t.Error("-profile after the scenario was ignored")
	}
	code, stdout, _ = run("sim", "-list")
	if code != ExitOK || !strings.Contains(stdout, "half-close") || !strings.Contains(stdout, "lost-final-ack") {
		t.Errorf("-list: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = run("sim", "-trace", "abort")
	if code != ExitOK || !strings.Contains(stdout, "# seed 1, A=client, B=server") {
		t.Errorf("-trace: exit %d\n%s", code, stdout)
	}
	// a run with a hazard exits 1
	if code, _, _ := run("sim", "ghost-segment"); code != ExitFail {
		t.Errorf("ghost-segment: exit %d, want 1", code)
	}
	// random faults, and an explicit fault replacing the scenario's
	if code, stdout, _ := run("sim", "normal", "-loss", "0.2", "-dup", "0.1", "-reorder", "0.1", "-seed", "7", "-set", "TimeWait=10s"); code != ExitOK || !strings.Contains(stdout, "seed 7:") {
		t.Errorf("lossy run: exit %d\n%s", code, stdout)
	}
	if _, stdout, _ := run("sim", "normal", "-faults", "A1:drop", "-width", "120"); !strings.Contains(stdout, "✕ lost: fault A1:drop") {
		t.Errorf("-faults A1:drop not drawn:\n%s", stdout)
	}
}

func TestSimScript(t *testing.T) {
	code, stdout, stderr := run("sim", "testdata/passive-close.pkt", "-width", "100")
	if code != ExitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"A script 192.0.2.1:50000", "B model/rfc9293 192.168.0.1:8080", "LAST-ACK", "conforms"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q\n%s", want, stdout)
		}
	}
	code, stdout, _ = run("sim", "testdata/wrong-ack.pkt")
	if code != ExitFail || !strings.Contains(stdout, "DIVERGES") || !strings.Contains(stdout, "wrong-ack.pkt:13: segment differs: ack: expected 1, actual 2") {
		t.Errorf("exit %d\n%s", code, stdout)
	}
}

// TestCheckCorpus: check with no script checks the built-in corpus, every
// script on its profiles, and sums it up in one line; a change that
// breaks the model's agreement with the corpus shows there.
func TestCheckCorpus(t *testing.T) {
	code, stdout, stderr := run("check")
	if code != ExitOK || strings.Count(stdout, "\n") != 1 || !strings.HasPrefix(stdout, "scenarios: ") || !strings.Contains(stdout, " 0 diverge") || stderr != "" {
		t.Errorf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	code, stdout, _ = run("check", "-set", "TimeWait=1s")
	if code != ExitFail || !strings.Contains(stdout, "DIVERGES") || strings.Contains(stdout, " 0 diverge") {
		t.Errorf("-set TimeWait=1s: exit %d\n%s", code, stdout)
	}
}

func TestCheck(t *testing.T) {
	code, stdout, _ := run("check", "testdata/passive-close.pkt")
	if code != ExitOK || strings.Count(stdout, "conforms") != 2 {
		t.Errorf("exit %d\n%s", code, stdout)
	}
	code, stdout, _ = run("check", "-profile", "rfc793", "testdata/passive-close.pkt")
	if code != ExitOK || !strings.Contains(stdout, "on model/rfc793: conforms") || strings.Contains(stdout, "linux") {
		t.Errorf("-profile: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = run("check", "testdata/passive-close.pkt", "testdata/wrong-ack.pkt")
	if code != ExitFail || !strings.Contains(stdout, "conforms") || !strings.Contains(stdout, "DIVERGES") || !strings.Contains(stdout, "R9293-") {
		t.Errorf("divergence: exit %d\n%s", code, stdout)
	}
	// an unreadable script makes the status 2, the others are still checked
	code, stdout, stderr := run("check", "testdata/malformed.pkt", "testdata/passive-close.pkt")
	if code != ExitUsage || !strings.Contains(stdout, "conforms") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("mixed: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	// -set reaches the model: a 0-byte receive window cannot give the scripted window
	if code, _, _ := run("check", "-set", "RecvBuf=1000", "testdata/passive-close.pkt"); code != ExitFail {
		t.Errorf("-set RecvBuf=1000: exit %d, want 1", code)
	}
}

// checksum is the Internet checksum (RFC 1071) of b.
func checksum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s > 0xffff {
		s = s&0xffff + s>>16
	}
	return uint16(s)
}

// The pcap file holds every transmission with correct IPv4 and TCP
// checksums, at the virtual send time; the SVG is written too.
func TestSimFiles(t *testing.T) {
	dir := t.TempDir()
	pcap, svg := filepath.Join(dir, "run.pcap"), filepath.Join(dir, "run.svg")
	code, stdout, stderr := run("sim", "lost-final-ack", "-profile", "rfc793", "-pcap", pcap, "-svg", svg)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if b, err := os.ReadFile(svg); err != nil || !bytes.HasPrefix(b, []byte("<svg ")) {
		t.Fatalf("svg: %v", err)
	}
	f, err := os.Open(pcap)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	if r.LinkType() != layers.LinkTypeEthernet {
		t.Errorf("link type %v", r.LinkType())
	}
	n := 0
	var last int64
	for {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			break
		}
		n++
		if ts := ci.Timestamp.Sub(DefaultPcapEpoch()).Nanoseconds(); ts < last {
			t.Errorf("packet %d goes back in time", n)
		} else {
			last = ts
		}
		ip := data[14:]
		if ip[0] != 0x45 || ip[9] != 6 {
			t.Fatalf("packet %d: not IPv4/TCP", n)
		}
		if checksum(ip[:20]) != 0xffff {
			t.Errorf("packet %d: bad IPv4 header checksum", n)
		}
		total := int(binary.BigEndian.Uint16(ip[2:]))
		seg := ip[20:total]
		pseudo := append(append([]byte{}, ip[12:20]...), 0, 6, byte(len(seg)>>8), byte(len(seg)))
		if checksum(append(pseudo, seg...)) != 0xffff {
			t.Errorf("packet %d: bad TCP checksum", n)
		}
	}
	// lost-final-ack sends 11 segments, one of which the network drops
	if n != 11 {
		t.Errorf("%d packets, want 11", n)
	}
	if !strings.Contains(stdout, "net sent 11") {
		t.Errorf("summary:\n%s", stdout)
	}
}

func TestRulesProfilesDiagram(t *testing.T) {
	code, stdout, _ := run("rules")
	if code != ExitOK || !strings.Contains(stdout, "implemented:") || !strings.Contains(stdout, " rules: ") {
		t.Errorf("rules: exit %d", code)
	}
	// the rule a profile field decides, found in the catalogue (tests
	// here must not name rule IDs: the traceability scan would count them)
	var id string
	for _, r := range spec.Rules() {
		if r.Profile == "TimeWaitRST" {
			id = string(r.ID)
		}
	}
	code, stdout, _ = run("rules", "-profile", "linux", id)
	if code != ExitOK || !strings.Contains(stdout, "decided by:  TimeWaitRST = ") || !strings.Contains(stdout, "1 rules:") {
		t.Errorf("rules -profile: exit %d\n%s", code, stdout)
	}
	if code, _, _ := run("rules", "-uncovered"); code != ExitOK {
		t.Errorf("rules -uncovered: exit %d", code)
	}
	code, stdout, _ = run("profiles")
	if code != ExitOK || !strings.Contains(stdout, "rfc9293") || !strings.Contains(stdout, "smoltcp") {
		t.Errorf("profiles: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = run("profiles", "linux", "-set", "TimeWait=30s")
	if code != ExitOK || !regexpLine(stdout, `^TimeWait +30s +-set on the command line$`) || !regexpLine(stdout, `^FinWait2Timeout +1m0s +\S`) {
		t.Errorf("profiles linux: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = run("diagram", "-profile", "linux")
	if code != ExitOK || !strings.Contains(stdout, "stateDiagram-v2") || !strings.Contains(stdout, "FIN_WAIT_2 --> CLOSED: FIN-WAIT-2 timeout") {
		t.Errorf("diagram: exit %d\n%s", code, stdout)
	}
	for _, f := range []string{"dot", "svg", "table"} {
		if code, stdout, _ := run("diagram", "-format", f, "-set", "TimeWaitRST=ignored"); code != ExitOK || len(stdout) < 500 {
			t.Errorf("diagram -format %s: exit %d", f, code)
		}
	}
	code, stdout, _ = run("version")
	if code != ExitOK || !strings.HasPrefix(stdout, "tcpclose ") || !strings.Contains(stdout, "go1") {
		t.Errorf("version: %q", stdout)
	}
	if code, stdout, _ := run("lab", "-list"); code != ExitOK || !strings.Contains(stdout, "timewait") {
		t.Errorf("lab -list: exit %d", code)
	}
	if code, stdout, _ := run("explore", "-list"); code != ExitOK || !strings.Contains(stdout, "close\n") {
		t.Errorf("explore -list: exit %d\n%s", code, stdout)
	}
}

// regexpLine reports whether some line of s matches the pattern.
func regexpLine(s, pattern string) bool {
	re := mustRegexp(pattern)
	for _, ln := range strings.Split(s, "\n") {
		if re.MatchString(ln) {
			return true
		}
	}
	return false
}

// TestExploreFindsFinWait2Hang: the explore command reports the FIN-WAIT-2
// hang under rfc9293 (exit 1) and none under linux (exit 0) (AMB-FW2-TIMER).
func TestExploreFindsFinWait2Hang(t *testing.T) {
	var out, errb strings.Builder
	if code := Main([]string{"explore", "-c", "1", "-r", "0", "-traces", "1"}, &out, &errb); code != ExitFail {
		t.Fatalf("rfc9293: exit %d, want 1\n%s%s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "FIN-WAIT-2") || !strings.Contains(out.String(), "cannot reach both-CLOSED") {
		t.Errorf("rfc9293 report lacks the FIN-WAIT-2 hang:\n%s", out.String())
	}
	out.Reset()
	if code := Main([]string{"explore", "-profile", "linux", "-c", "1", "-r", "0"}, &out, &errb); code != ExitOK {
		t.Fatalf("linux: exit %d, want 0\n%s%s", code, out.String(), errb.String())
	}
}

// TestRunAndConformOnImpl runs the two real-stack commands on the
// optimized implementation, which must agree with the model: a script
// passes on it, and a conformance campaign finds no divergence.
func TestRunAndConformOnImpl(t *testing.T) {
	code, stdout, stderr := run("run", "-stack", "impl", "testdata/passive-close.pkt")
	if code != ExitOK || !strings.Contains(stdout, "1 pass on impl, 1 pass on the model") {
		t.Errorf("run -stack impl: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, stdout, stderr = run("conform", "-stack", "impl", "-n", "200", "-seed", "1")
	if code != ExitOK || !strings.Contains(stdout, "200 scenarios") || !strings.Contains(stdout, "0 diverged") {
		t.Errorf("conform -stack impl: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, stdout, _ = run("run", "-stack", "impl", "testdata/wrong-ack.pkt")
	if code != ExitFail || !strings.Contains(stdout, "wrong-ack.pkt:13") {
		t.Errorf("run -stack impl wrong-ack.pkt: exit %d, want 1 and the line; stdout %q", code, stdout)
	}
}

// TestCheckBeyondAndDirectories: a script beyond the model exits 3 with
// "conforms up to line N; beyond the model from line N"; a directory is
// checked recursively with a summary line, and a divergence wins over
// beyond.
func TestCheckBeyondAndDirectories(t *testing.T) {
	code, stdout, _ := run("check", "../script/testdata/lang/ipv6-family.pkt")
	if code != ExitBeyond || !strings.Contains(stdout, "conforms up to line 9; beyond the model from line 9: --local_ip=192.168.0.1 with --ip_version=ipv6") {
		t.Errorf("ipv6-family: exit %d, stdout %q", code, stdout)
	}
	code, stdout, _ = run("check", "../script/testdata/lang")
	if code != ExitFail || !strings.Contains(stdout, "19 scripts (25 runs): 13 conform, 5 diverge, 7 beyond the model, 0 errors") {
		t.Errorf("lang dir: exit %d, stdout %q", code, stdout)
	}
	code, stdout, _ = run("check", "-D", "FD=3", "../script/testdata/lang/options.pkt")
	if code != ExitOK {
		t.Errorf("-D: exit %d, stdout %q", code, stdout)
	}
	// A -D without "=" is a usage error naming the flag, for check and run.
	for _, args := range [][]string{{"check"}, {"run", "-stack", "model"}} {
		code, _, stderr := run(append(args, "-D", "FD", "../script/testdata/lang/options.pkt")...)
		if code != ExitUsage || !strings.Contains(stderr, `-D "FD": want SYM=VAL`) {
			t.Errorf("%s -D FD: exit %d, stderr %q", args[0], code, stderr)
		}
	}
}

// TestRunSkipLimitTolerance: run skips a script whose
// --tcpclose_profiles excludes the profile unless -all, stops a script at
// -timeout and reports it as over the time limit, and takes the
// tolerance flags over the script's own.
func TestRunSkipLimitTolerance(t *testing.T) {
	// linux-only.pkt lists only linux.
	code, stdout, stderr := run("run", "-stack", "model", "-profile", "rfc9293", "testdata/linux-only.pkt")
	if code != ExitOK || !strings.Contains(stdout, "0 scripts") || !strings.Contains(stdout, "1 skipped") {
		t.Errorf("skip: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, stdout, stderr = run("run", "-stack", "model", "-profile", "rfc9293", "-all", "testdata/linux-only.pkt")
	if code != ExitOK || !strings.Contains(stdout, "1 scripts") || strings.Contains(stdout, "skipped") {
		t.Errorf("-all: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, stdout, stderr = run("run", "-stack", "model", "-timeout", "1ns", "testdata/passive-close.pkt")
	if code != ExitFail || !strings.Contains(stdout, "OVER THE TIME LIMIT") || !strings.Contains(stdout, "1 over the time limit") {
		t.Errorf("-timeout: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	// late-ack.pkt expects a retransmission 90 ms after the model sends
	// it: outside the script's tolerance, inside 10% of the gap.
	code, stdout, stderr = run("run", "-stack", "model", "testdata/late-ack.pkt")
	if code != ExitFail {
		t.Errorf("late-ack: exit %d, want 1; stdout %q, stderr %q", code, stdout, stderr)
	}
	code, stdout, stderr = run("run", "-stack", "model", "-tolerance_percent", "10", "testdata/late-ack.pkt")
	if code != ExitOK {
		t.Errorf("late-ack -tolerance_percent 10: exit %d, want 0; stdout %q, stderr %q", code, stdout, stderr)
	}
}

// TestSimAndExploreIPv6: sim -addrs runs the sides over IPv6 (the ladder
// names them, the pcap carries IPv6 packets, the IPv6 MSS is announced);
// addresses of two families, or one that is not an address, are a
// one-line error. explore -ipv6 finds the space IPv4 has.
func TestSimAndExploreIPv6(t *testing.T) {
	pcap := filepath.Join(t.TempDir(), "v6.pcap")
	code, stdout, stderr := run("sim", "normal", "-width", "100", "-addrs", "fd3d:fa7b:d17d::1,2001:db8::1", "-pcap", pcap)
	if code != ExitOK || !strings.Contains(stdout, "[fd3d:fa7b:d17d::1]:40000") || !strings.Contains(stdout, "[2001:db8::1]:8080") || !strings.Contains(stdout, "mss 1440") {
		t.Fatalf("sim -addrs: exit %d, stderr %q, stdout:\n%s", code, stderr, stdout)
	}
	b, err := os.ReadFile(pcap)
	if err != nil {
		t.Fatal(err)
	}
	r, err := wire.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		rec, err := r.Next()
		if err != nil {
			break
		}
		ip, err := wire.Unframe(rec.Link, rec.Data)
		if err != nil {
			t.Fatalf("packet %d: %v", n, err)
		}
		p, err := wire.Decode(ip)
		if err != nil || p.Family != wire.IPv6 || !p.Seg.Src.IP.Is6() || p.Src.Addr().String() != p.Seg.Src.IP.String() {
			t.Fatalf("packet %d: %+v, %v", n, p, err)
		}
		n++
	}
	if n == 0 {
		t.Fatal("no packets in the pcap")
	}
	for _, bad := range []string{"fd3d::1,10.0.0.2", "fd3d::1", "x,y", "::,fd3d::2"} {
		if code, _, stderr := run("sim", "normal", "-addrs", bad); code != ExitUsage && code != ExitFail || !strings.Contains(stderr, "-addrs") || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("sim -addrs %s: exit %d, stderr %q", bad, code, stderr)
		}
	}
	_, v4, _ := run("explore", "-c", "1", "-r", "1", "close")
	code, v6, stderr := run("explore", "-ipv6", "-c", "1", "-r", "1", "close")
	line := func(s string) string {
		for _, l := range strings.Split(s, "\n") {
			if strings.HasPrefix(l, "states ") {
				return l[:strings.LastIndex(l, ",")]
			}
		}
		return ""
	}
	if line(v4) == "" || line(v4) != line(v6) {
		t.Errorf("explore -ipv6 (exit %d, %q): %q, IPv4 %q", code, stderr, line(v6), line(v4))
	}
}
