package execstack

import (
	"os"
	"testing"
	"time"

	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/spec"
)

// BenchmarkScript plays one scenario script on impl in-process and on
// impl served over the protocol (this test binary as the agent): the
// difference is the protocol's cost per script, agent start included.
//
//	go test ./stack/exec -run '^$' -bench Script -count 10 | tee /tmp/b.txt
//	go run golang.org/x/perf/cmd/benchstat /tmp/b.txt
func BenchmarkScript(b *testing.B) {
	const path = "../../scenarios/close/active-close-timewait.pkt"
	src, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	s, err := script.Parse(path, src)
	if err != nil {
		b.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	b.Setenv(agentEnv, "impl")
	reg := With(baseRegistry())
	over := "exec:" + exe
	e, _ := reg.Lookup(over)
	e.Name = "impl-exec"
	reg = reg.With(e) // probe once, not per run
	for _, name := range []string{"impl", "impl-exec"} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				rep, err := runOn(reg, name, s)
				if err != nil || !rep.StackPassed() {
					b.Fatalf("%s: %v", name, err)
				}
			}
		})
	}
}

// BenchmarkExchange is the cost of one request and its reply on a
// running agent (an advance on impl served by this test binary, and
// on the lwIP agent if built): the protocol's cost without the agent's
// start.
func BenchmarkExchange(b *testing.B) {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	b.Setenv(agentEnv, "impl")
	argvs := map[string][]string{"impl": {exe}}
	if p, err := FindLwIPAgent(); err == nil {
		argvs["lwip"] = []string{p}
	}
	for _, name := range []string{"impl", "lwip"} {
		argv, ok := argvs[name]
		if !ok {
			continue
		}
		b.Run(name, func(b *testing.B) {
			p := spec.MustProfile("rfc9293")
			st, err := Start(Config{Argv: argv, Profile: p})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			t := spec.Time(0)
			for b.Loop() {
				t += spec.Time(time.Millisecond)
				if _, err := st.Advance(t); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
