package sim

import (
	"fmt"
	"strings"
	"time"

	"github.com/tcpclose/tcpclose/spec"
)

// Scenario is a named, ready-made run: programs, network, faults and
// profile overrides. Scenarios are data; Config turns one into a Config for
// the profiles chosen.
type Scenario struct {
	Name        string
	Description string
	// Profiles lists the built-in profiles in which the scenario is
	// interesting (its outcome differs between them).
	Profiles []string
	// Overrides are "Field=value" profile settings applied to both sides
	// before the caller's own overrides.
	Overrides []string
	Programs  [2]Program
	Net       Network
	Faults    Faults
	Until     time.Duration
	// Watch names the rules the scenario illustrates.
	Watch []spec.RuleID
}

// lan is the default network of the scenarios: 10 ms each way, nothing
// lost, MSL from the profile.
func lan() Network { return Symmetric(Link{Delay: 10 * time.Millisecond}, 0) }

// Scenarios returns the built-in scenarios, in a fixed order. Each call
// returns fresh values.
func Scenarios() []Scenario {
	endNotices := func(a Action) Action { return a.AfterEnd() }
	return []Scenario{
		{
			Name:        "normal",
			Description: "request and reply, then the client closes first: FIN handshake, TIME-WAIT on the client",
			Profiles:    []string{"rfc9293", "linux"},
			Programs: [2]Program{
				{Connect(), Write(3000), Read(2000), Close()},
				{Listen(), Accept(), Read(3000), Write(2000), ReadEOF(), Close()},
			},
			Net:   lan(),
			Watch: []spec.RuleID{"R9293-CLOSE-ACTIVE", "R9293-CLOSE-PASSIVE", "R9293-MUST13"},
		},
		{
			Name:        "half-close",
			Description: "the client sends and half-closes; the server reads to EOF, then streams its reply into the half-open connection",
			Profiles:    []string{"rfc9293", "rfc793"},
			Programs: [2]Program{
				{Connect(), Write(3000), Shutdown(), ReadEOF(), Close()},
				{Listen(), Accept(), ReadEOF(), Write(50000), Close()},
			},
			Net:   lan(),
			Watch: []spec.RuleID{"R9293-HALFCLOSE", "R9293-MUST12"},
		},
		{
			Name:        "simultaneous",
			Description: "both sides close at the same instant: the FINs cross, both pass CLOSING and end in TIME-WAIT",
			Profiles:    []string{"rfc9293", "linux"},
			Programs: [2]Program{
				{Connect(), Write(1000), Read(1000), Shutdown().At(time.Second), ReadEOF(), Close()},
				{Listen(), Accept(), Write(1000), Read(1000), Shutdown().At(time.Second), ReadEOF(), Close()},
			},
			Net:   lan(),
			Watch: []spec.RuleID{"R9293-CLOSE-SIMULTANEOUS", "AMB-CLOSING-TIMER"},
		},
		{
			Name:        "abort",
			Description: "the client sends, then aborts with SO_LINGER {on, 0}: a RST, and the server's read fails with ECONNRESET",
			Profiles:    []string{"rfc9293", "linux"},
			Programs: [2]Program{
				{Connect(), Write(5000), Wait(time.Second), Abort()},
				{Listen(), Accept(), ReadEOF(), Close()},
			},
			Net:   lan(),
			Watch: []spec.RuleID{"R9293-CALL-ABORT", "R9293-MUST12", "AMB-RST-FLUSH"},
		},
		{
			Name:        "unread-rst",
			Description: "the server closes without reading what the client sent: RST where the profile follows SHLD-3, a silent FIN elsewhere",
			Profiles:    []string{"rfc9293", "rfc793", "linux", "freebsd"},
			Programs: [2]Program{
				{Connect(), Write(2000), ReadEOF(), Close()},
				{Listen(), Accept(), Wait(time.Second), Close()},
			},
			Net:   lan(),
			Watch: []spec.RuleID{"R9293-SHLD3", "R2525-RST-UNREAD"},
		},
		{
			Name:        "lost-final-ack",
			Description: "the client's ACK of the server's FIN is lost: the server retransmits its FIN and TIME-WAIT answers it (set TimeWait=0 to see the server reset instead)",
			Profiles:    []string{"rfc9293", "linux"},
			Programs: [2]Program{
				{Connect(), Write(1000), Shutdown(), ReadEOF(), Close()},
				{Listen(), Accept(), ReadEOF(), Shutdown(), endNotices(Close())},
			},
			Net:    lan(),
			Faults: Faults{{Side: A, Nth: 3, Flags: spec.ACK, Action: FaultDrop}},
			Watch:  []spec.RuleID{"R9293-MUST13", "AMB-TW-FIN"},
		},
		{
			Name: "ghost-segment",
			Description: "TIME-WAIT is off (TimeWait=0) and the client reconnects on the same 4-tuple at once: a duplicate of an old " +
				"data segment, still within MSL, lands inside the new connection's window and its octets are delivered as new",
			Profiles:  []string{"rfc9293", "rfc793"},
			Overrides: []string{"TimeWait=0", "Timestamps=false"},
			Programs: [2]Program{
				{Connect(), Write(60000), ReadEOF(), Close(), ConnectRetry(1000, 5*time.Millisecond), Wait(50 * time.Millisecond),
					Write(60000), Shutdown(), ReadEOF(), Close()},
				{Listen(), Accept(), Read(60000), Close(), Accept(), ReadEOF(), Close()},
			},
			Net:    Symmetric(Link{Delay: 2 * time.Millisecond}, 120*time.Second),
			Faults: Faults{{Side: A, Nth: 20, Any: true, Action: FaultDup, D: 30 * time.Millisecond}},
			Watch:  []spec.RuleID{"R9293-MUST13", "R1122-TIMEWAIT"},
		},
		{
			Name: "timewait-assassination",
			Description: "RFC 1337: an old duplicate reaches the server's TIME-WAIT, the client answers its ACK with RST, the RST ends " +
				"TIME-WAIT, the client reconnects and a second duplicate is delivered as new data (TimeWaitRST=ignored prevents it)",
			Profiles:  []string{"rfc9293", "rfc793", "freebsd", "linux"},
			Overrides: []string{"Timestamps=false"},
			Programs: [2]Program{
				{Connect(), Write(60000), ReadEOF(), Close(), ConnectRetry(1000, 5*time.Millisecond).At(60 * time.Millisecond),
					Wait(50 * time.Millisecond), Write(60000), Shutdown(), ReadEOF(), Close()},
				{Listen(), Accept(), Read(60000), Close(), Accept(), ReadEOF(), Close()},
			},
			Net: Symmetric(Link{Delay: 2 * time.Millisecond}, 120*time.Second),
			Faults: Faults{
				{Side: A, Nth: 20, Any: true, Action: FaultDup, D: 15 * time.Millisecond},
				{Side: A, Nth: 21, Any: true, Action: FaultDup, D: 80 * time.Millisecond},
			},
			Watch: []spec.RuleID{"R1337-TWA", "R1337-F1", "AMB-TW-RST"},
		},
		{
			Name: "timewait-reopen",
			Description: "the server closes first and holds TIME-WAIT; the client reconnects from the same port at once and its SYN " +
				"reopens TIME-WAIT (MAY-2, RFC 6191) or waits it out",
			Profiles: []string{"rfc9293", "rfc793", "linux", "freebsd"},
			Programs: [2]Program{
				{Connect(), Write(1000), ReadEOF(), Close(), ConnectRetry(3, 300*time.Second).At(time.Second), Write(1000), ReadEOF(), Close()},
				{Listen(), Accept(), Read(1000), Close(), Accept(), Read(1000), Close()},
			},
			Net:   lan(),
			Watch: []spec.RuleID{"R9293-MAY2", "R9293-SHLD4", "R6191-TS", "R6191-SEQ"},
		},
		{
			Name: "fin-wait-2-timeout",
			Description: "the client closes, the server never answers with its FIN for 90 s: a FIN-WAIT-2 timer (Linux 60 s) " +
				"ends the client, whose RST then resets the server's late FIN",
			Profiles: []string{"rfc9293", "linux"},
			Programs: [2]Program{
				{Connect(), Write(1000), Close()},
				{Listen(), Accept(), ReadEOF(), Wait(90 * time.Second), Shutdown(), endNotices(Close())},
			},
			Net:   lan(),
			Watch: []spec.RuleID{"AMB-FW2-TIMER"},
		},
	}
}

// ScenarioNames lists the built-in scenarios' names.
func ScenarioNames() []string {
	var ns []string
	for _, s := range Scenarios() {
		ns = append(ns, s.Name)
	}
	return ns
}

// LookupScenario returns the built-in scenario called name.
func LookupScenario(name string) (Scenario, error) {
	for _, s := range Scenarios() {
		if s.Name == name {
			return s, nil
		}
	}
	return Scenario{}, fmt.Errorf("sim: unknown scenario %q (have %s)", name, strings.Join(ScenarioNames(), ", "))
}

// Config builds the run of the scenario with profile p on both sides, the
// scenario's overrides applied, then overrides ("Field=value").
func (s Scenario) Config(p spec.Profile, seed uint64, overrides ...string) (Config, error) {
	return s.ConfigFor([2]spec.Profile{p, p}, seed, overrides...)
}

// ConfigFor is Config with a profile for each side.
func (s Scenario) ConfigFor(ps [2]spec.Profile, seed uint64, overrides ...string) (Config, error) {
	for i := range ps {
		for _, kv := range append(append([]string(nil), s.Overrides...), overrides...) {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				return Config{}, fmt.Errorf("sim: scenario %s: override %q is not Field=value", s.Name, kv)
			}
			if err := ps[i].SetField(strings.TrimSpace(k), strings.TrimSpace(v)); err != nil {
				return Config{}, fmt.Errorf("sim: scenario %s: %w", s.Name, err)
			}
		}
	}
	return Config{
		Seed:     seed,
		Profiles: ps,
		Net:      s.Net,
		Faults:   append(Faults(nil), s.Faults...),
		Programs: [2]Program{append(Program(nil), s.Programs[A]...), append(Program(nil), s.Programs[B]...)},
		Until:    s.Until,
	}, nil
}
