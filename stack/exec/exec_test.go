package execstack

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tcpclose/tcpclose/impl"
	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
	"github.com/tcpclose/tcpclose/stack/oracle"
)

// agentEnv makes the test binary act as an agent: a good one serving
// impl, or one of the broken ones of TestBrokenAgents.
const agentEnv = "EXECSTACK_TEST_AGENT"

func TestMain(m *testing.M) {
	if mode := os.Getenv(agentEnv); mode != "" {
		os.Exit(fakeAgent(mode))
	}
	os.Exit(m.Run())
}

func implAgent() Agent {
	return Agent{Name: "impl", Exact: true, New: func(p spec.Profile, cfg spec.HostConfig) (stack.Stack, error) {
		h, err := impl.New(p, cfg)
		if err != nil {
			return nil, err
		}
		return stack.Virtual(h, stack.Named("impl/"+p.Name)), nil
	}}
}

// fakeAgent is the agent of the given mode on this process's stdin and
// stdout.
func fakeAgent(mode string) int {
	hello := "hello 1 name=fake clock=virtual"
	switch mode {
	case "impl":
		if err := Serve(implAgent(), os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	case "version":
		fmt.Println("hello 2 name=fake")
	case "garbage":
		fmt.Println("Welcome to the fake stack!")
	case "silent":
		// Reads, never answers, never exits.
	case "nohello-exit":
		fmt.Fprintln(os.Stderr, "fake: cannot open /dev/net/tun")
		return 3
	case "longline":
		fmt.Println(hello)
		fmt.Println(strings.Repeat("x", MaxLine+10))
	case "hang", "crash", "badseg", "badret":
		fmt.Println(hello)
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", mode)
		return 2
	}
	in := bufio.NewScanner(os.Stdin)
	for n := 0; in.Scan(); n++ {
		if n == 0 {
			continue // the hello, answered above
		}
		switch mode {
		case "hang", "silent":
			time.Sleep(time.Hour)
		case "crash":
			fmt.Println("log about to crash")
			fmt.Fprintln(os.Stderr, "fake: segmentation fault in tcp_input")
			os.Exit(139)
		case "badseg":
			fmt.Println("seg 0 zz")
		case "badret":
			fmt.Println("ret 0 3 read -1 ENOSUCH")
		}
		fmt.Println("done 0")
	}
	return 0
}

func selfAgent(t *testing.T, mode string) Config {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(agentEnv, mode)
	// A short timeout for the agents that hang; a generous one for the
	// others, so that a loaded machine does not turn their error into a
	// timeout.
	timeout := 10 * time.Second
	if mode == "hang" || mode == "silent" {
		timeout = 500 * time.Millisecond
	}
	return Config{Argv: []string{exe}, Profile: spec.MustProfile("rfc9293"), Timeout: timeout}
}

// TestBrokenAgents: every way an agent can misbehave gives one line
// naming the agent, the request and what went wrong, and no hang.
func TestBrokenAgents(t *testing.T) {
	for _, tc := range []struct {
		mode, want string
	}{
		{"version", `the agent speaks protocol version 2, this tcpclose speaks 1 in reply to "hello 1`},
		{"garbage", `sent "Welcome to the fake stack!", not a hello in reply to "hello 1`},
		{"silent", `no reply within 500ms in reply to "hello 1`},
		{"nohello-exit", `the agent exited (exit status 3); its stderr: fake: cannot open /dev/net/tun in reply to "hello 1`},
		{"longline", `sent a reply line longer than`},
		{"hang", `no reply within 500ms in reply to "advance 1000000"`},
		{"crash", `the agent exited (exit status 139); its stderr: fake: segmentation fault in tcp_input in reply to "advance 1000000"`},
		{"badseg", `sent "seg 0 zz": bad hex`},
		{"badret", `sent "ret 0 3 read -1 ENOSUCH": ret: unknown errno "ENOSUCH" in reply to "advance 1000000"`},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			start := time.Now()
			st, err := Start(selfAgent(t, tc.mode))
			if err == nil {
				_, err = st.Advance(spec.Time(time.Millisecond))
				if err == nil {
					t.Fatalf("advance on a %s agent succeeded", tc.mode)
				}
				if _, err2 := st.Advance(spec.Time(2 * time.Millisecond)); err2 == nil {
					t.Errorf("the stack still answers after it failed")
				}
				if cerr := st.Close(); cerr != nil {
					t.Errorf("close after a failure: %v", cerr)
				}
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error\n  %s\nwant it to contain\n  %s", msg, tc.want)
			}
			if strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "exec:") {
				t.Errorf("error is not one line naming the agent: %q", msg)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %s", d)
			}
		})
	}
}

// TestImplOverProtocol plays scenario scripts on impl served over the
// protocol, through the registry's exec: prefix entry: each passes as it
// does in-process.
func TestImplOverProtocol(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(agentEnv, "impl")
	reg := With(baseRegistry())
	name := "exec:" + exe
	e, ok := reg.Lookup(name)
	if !ok || e.Name != name {
		t.Fatalf("Lookup(%q) = %+v, %v", name, e, ok)
	}
	files, err := oracle.ExpandScripts([]string{"../../scenarios"})
	if err != nil {
		t.Fatal(err)
	}
	// Every tenth script: each costs two agent processes (the registry's
	// probe and the stack); the whole corpus runs with TCPCLOSE_LONG=1.
	if os.Getenv("TCPCLOSE_LONG") == "" {
		var some []string
		for i := 0; i < len(files); i += 10 {
			some = append(some, files[i])
		}
		files = some
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s, err := script.Parse(f, src)
		if err != nil {
			t.Fatal(err)
		}
		in, err := runOn(reg, "impl", s)
		if err != nil {
			t.Fatal(err)
		}
		over, err := runOn(reg, name, s)
		if errors.Is(err, stack.ErrAddrs) {
			continue // the protocol's stacks play IPv4 only
		}
		if err != nil {
			t.Fatal(err)
		}
		if in.StackPassed() != over.StackPassed() {
			t.Errorf("%s: in-process passed=%v, over the protocol passed=%v\n%s", f, in.StackPassed(), over.StackPassed(), over.Stack.Summary())
		}
	}
}

func TestCallRoundTrip(t *testing.T) {
	calls := []spec.Call{
		{Kind: spec.CallSocket},
		{Kind: spec.CallBind, FD: 3, Addr: spec.SockAddr{IP: spec.IPv4(192, 168, 0, 1), Port: 8080}},
		{Kind: spec.CallListen, FD: 3, N: 5},
		{Kind: spec.CallAccept, FD: 3},
		{Kind: spec.CallConnect, FD: 4, Addr: spec.SockAddr{IP: spec.IPv4(192, 0, 2, 1), Port: 80}},
		{Kind: spec.CallRead, FD: 4, N: 100},
		{Kind: spec.CallWrite, FD: 4, N: 1 << 20},
		{Kind: spec.CallShutdown, FD: 4, How: spec.ShutRDWR},
		{Kind: spec.CallClose, FD: 4},
		{Kind: spec.CallSetsockopt, FD: 4, Opt: spec.OptLinger, Val: 1, Val2: 0},
		{Kind: spec.CallGetsockopt, FD: 4, Opt: spec.OptState},
	}
	for _, c := range calls {
		line := FormatCall(c)
		got, err := ParseCall(strings.Fields(line))
		if err != nil || got != c {
			t.Errorf("%q: got %+v, %v; want %+v", line, got, err, c)
		}
	}
	for _, bad := range []string{"", "frobnicate 3", "bind 3", "bind x 1.2.3.4:5", "shutdown 3 SHUT_UP", "setsockopt 3 SO_NOPE 1 0"} {
		if _, err := ParseCall(strings.Fields(bad)); err == nil {
			t.Errorf("ParseCall(%q) succeeded", bad)
		}
	}
}

// baseRegistry is the model and impl, as the command line has them.
func baseRegistry() stack.Registry {
	return stack.Registry{}.With(oracle.ModelEntry(), oracle.ImplEntry())
}

// runOn plays s on the stack named name and on the model.
func runOn(reg stack.Registry, name string, s *script.Script) (*oracle.Report, error) {
	e, err := reg.Entry(name)
	if err != nil {
		return nil, err
	}
	return oracle.Run(e, s, oracle.Config{})
}
