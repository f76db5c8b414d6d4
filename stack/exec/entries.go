package execstack

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
)

// Models implements stack.FieldModeller. An exact agent (Caps.Exact)
// is checked on what the model models (the window, the MSS and
// Timestamps options); a real stack on the MSS and Timestamps presence,
// as stacks.Real checks the kernel and netstack.
func (s *Stack) Models(field string) bool {
	switch field {
	case stack.FieldMSS, stack.FieldTS:
		return true
	case stack.FieldWindow:
		return s.caps.Exact
	}
	return false
}

var _ stack.FieldModeller = (*Stack)(nil)

// With returns reg with the entries of this package added: the prefix
// entry "exec:" (Exec) and the shipped agents by name (LwIP).
func With(reg stack.Registry) stack.Registry {
	return reg.With(Exec()).With(LwIP()).With(LwIPQuickAck())
}

// Exec is the prefix entry "exec:": --stack "exec:PATH ARGS..." runs the
// agent PATH with ARGS (split at spaces).
//
// The agent is started once per command line to read its capabilities
// (Entry); the entry remembers the result, so that playing a directory of
// scripts does not start it twice per script.
func Exec() stack.Entry {
	var mu sync.Mutex
	probed := make(map[string]stack.Entry)
	return stack.Entry{
		Name: "exec:",
		Doc:  "a stack in another process speaking docs/stack-protocol.md: exec:PATH [ARGS]",
		Expand: func(arg string) stack.Entry {
			mu.Lock()
			defer mu.Unlock()
			if e, ok := probed[arg]; ok {
				return e
			}
			e := Entry("exec:"+arg, strings.Fields(arg), nil)
			probed[arg] = e
			return e
		},
	}
}

// LogEnv names the environment variable that, set to a file name, makes
// every agent started through the registry append its transcript there
// (Config.Log).
const LogEnv = "TCPCLOSE_EXEC_LOG"

// LwIPAgentEnv names the environment variable that overrides where the
// lwIP agent is found.
const LwIPAgentEnv = "TCPCLOSE_LWIP_AGENT"

// LwIP is the entry "lwip": the lwIP 2.1.3 agent of agents/lwip, found
// through $TCPCLOSE_LWIP_AGENT or as agents/lwip/lwip-agent in this
// directory or a parent (build it with make -C agents/lwip).
func LwIP() stack.Entry {
	e := stack.Entry{
		Name: "lwip", Profile: "lwip", ChoosesISS: true,
		// lwIP's TCP timers tick every 500 ms (tcp_slowtmr, TCP_SLOW_INTERVAL)
		// from when the timer was armed, so a timeout lands up to a tick
		// from where a continuous clock puts it.
		Tolerance: 500 * time.Millisecond,
		Doc:       "lwIP 2.1.3 (Debian liblwip-dev) in the agent agents/lwip/lwip-agent",
	}
	e.New = func(p spec.Profile, o stack.Options) (stack.Stack, error) {
		path, err := FindLwIPAgent()
		if err != nil {
			return nil, err
		}
		return Entry("lwip", []string{path}, &e).New(p, o)
	}
	return e
}

// LwIPQuickAck is "lwip-quickack": the lwIP agent with -quickack, which
// sends the ACKs lwIP delays to its 250 ms fast timer at once (as
// linux-quickack does for Linux), so that campaigns see the closing
// behaviour rather than the delayed-ACK timing the model does not model.
func LwIPQuickAck() stack.Entry {
	e := LwIP()
	e.Name = "lwip-quickack"
	e.Doc = "lwIP 2.1.3 in agents/lwip/lwip-agent -quickack: delayed ACKs sent at once"
	e.New = func(p spec.Profile, o stack.Options) (stack.Stack, error) {
		path, err := FindLwIPAgent()
		if err != nil {
			return nil, err
		}
		return Entry("lwip-quickack", []string{path, "-quickack"}, &e).New(p, o)
	}
	return e
}

// FindLwIPAgent returns the path of the lwIP agent binary.
func FindLwIPAgent() (string, error) {
	if p := os.Getenv(LwIPAgentEnv); p != "" {
		return p, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, "agents", "lwip", "lwip-agent")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("the lwIP agent is not built: run make -C agents/lwip (it needs liblwip-dev), or set " + LwIPAgentEnv)
		}
		dir = parent
	}
}

// Entry is a registry entry for the agent argv. Unless known is given,
// the agent is started once to read its capabilities: its profile
// (Caps.Profile), its clock and whether it takes a fixed ISS. An agent
// that cannot be started gives an entry whose New returns why.
func Entry(name string, argv []string, known *stack.Entry) stack.Entry {
	e := stack.Entry{Name: name, Doc: "agent " + strings.Join(argv, " "), ChoosesISS: true}
	if known != nil {
		e = *known
	} else if len(argv) > 0 {
		p, _ := spec.LookupProfile("rfc9293")
		probe, err := Start(Config{Argv: argv, Profile: p})
		if err != nil {
			err = errors.New(strings.TrimPrefix(err.Error(), "exec:"+argv[0]+": "))
			return stack.Entry{Name: name, New: func(spec.Profile, stack.Options) (stack.Stack, error) { return nil, err }}
		}
		c := probe.Caps()
		_ = probe.Close()
		e.Profile = c.Profile
		e.ChoosesISS = !c.ISS
		if c.Clock == "wall" {
			e.RealTime, e.Tolerance = true, 10*time.Millisecond
		}
	}
	e.New = func(p spec.Profile, o stack.Options) (stack.Stack, error) {
		if len(argv) == 0 {
			return nil, errors.New("exec: no agent command (want exec:PATH [ARGS])")
		}
		cfg := Config{Argv: argv, Profile: p, Seed: o.Seed, FixedISS: o.FixedISS}
		if path := os.Getenv(LogEnv); path != "" {
			f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", LogEnv, err)
			}
			cfg.Log = f // closed with the process's pipes at exit
		}
		st, err := Start(cfg)
		if err != nil {
			// The registry's caller names the stack ("exec:PATH ARGS"),
			// which starts with what Start's error begins with.
			if strings.HasPrefix(name, "exec:") {
				return nil, errors.New(strings.TrimPrefix(err.Error(), "exec:"+argv[0]+": "))
			}
			return nil, err
		}
		return st, nil
	}
	if known == nil && len(argv) == 0 {
		e.New = func(spec.Profile, stack.Options) (stack.Stack, error) {
			return nil, fmt.Errorf("exec: no agent command (want exec:PATH [ARGS])")
		}
	}
	return e
}
