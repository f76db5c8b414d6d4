package explore

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/tcpclose/tcpclose/internal/enum"
	"github.com/tcpclose/tcpclose/spec"
)

// Role is how a side's application opens its connection.
type Role uint8

// Roles.
const (
	// Active: socket, O_NONBLOCK, optional bind, connect to the peer.
	Active Role = iota
	// Passive: socket, O_NONBLOCK, bind, listen (backlog 1), then accept
	// one connection.
	Passive
)

var roleNames = [...]string{Active: "active", Passive: "passive"}

func (r Role) String() string { return enum.Name(roleNames[:], "Role", r) }

// Program is what one side's application may do. Every action it allows is
// a nondeterministic choice the explorer takes in every state where the
// action is enabled, so a program describes a set of applications, not one.
// All sockets are non-blocking: a call never parks, so the application is
// never stuck inside a call.
type Program struct {
	Role Role
	// Port: Passive listens on it; Active binds to it before connect
	// (0: an ephemeral port).
	Port uint16
	// PeerPort is the port an Active side connects to.
	PeerPort uint16
	// Writes is how many write(2) calls of WriteSize octets may succeed.
	Writes    int
	WriteSize int
	// Read: the application may call read(2) (64 KiB, non-blocking).
	Read bool
	// Shutdown: the application may call shutdown(SHUT_WR) once.
	Shutdown bool
	// Close: the application may call close(2).
	Close bool
	// Abort: the application may abort: SO_LINGER {1, 0}, then close(2).
	Abort bool
	// Early: shutdown, close and abort are allowed before the application
	// has seen its connection established (connect still pending).
	Early bool
	// CloseListener: a Passive side may close its listening socket once
	// it has accepted.
	CloseListener bool
}

func (p Program) String() string {
	var acts []string
	if p.Writes > 0 {
		acts = append(acts, fmt.Sprintf("write %dx%d", p.Writes, p.WriteSize))
	}
	for _, a := range []struct {
		on   bool
		name string
	}{{p.Read, "read"}, {p.Shutdown, "shutdown"}, {p.Close, "close"}, {p.Abort, "abort"},
		{p.Early, "early"}, {p.CloseListener, "close-listener"}} {
		if a.on {
			acts = append(acts, a.name)
		}
	}
	port := ""
	if p.Port != 0 {
		port = fmt.Sprintf(" :%d", p.Port)
	}
	return fmt.Sprintf("%s%s {%s}", p.Role, port, strings.Join(acts, ","))
}

// ClockMode says how the two hosts' clocks relate.
type ClockMode uint8

// Clock modes.
const (
	// Independent: each host has its own clock and may at any moment jump
	// to its own next deadline, whatever the other host's clock says. This
	// makes every timer expiry a nondeterministic event (as in Billington
	// and Han's models): timer lengths only order a host's own timers.
	Independent ClockMode = iota
	// Shared: one clock for both hosts; a tick advances it to the earlier
	// of the two next deadlines and both hosts see the time pass. Timer
	// lengths then also order one host's timers against the other's.
	Shared
)

var clockModeNames = [...]string{Independent: "independent", Shared: "shared"}

func (m ClockMode) String() string { return enum.Name(clockModeNames[:], "ClockMode", m) }

// Config is one exploration.
type Config struct {
	// Profile is the rule set both hosts run. Run applies R and, unless
	// KeepTimestamps, turns timestamps off (see the package doc).
	Profile spec.Profile
	// R, when >= 0, sets R2, SynR2 and SynAckR2 to R retransmissions and
	// caps R1 at R, so that every retransmission sequence is finite.
	R int
	// Capacity bounds the segments in flight per direction (C >= 1).
	Capacity int
	// Loss: any segment in flight may be dropped; a segment sent into a
	// full channel is lost. Without Loss a send into a full channel
	// disables the transition (counted as a cut edge).
	Loss bool
	// Dups is how many times in a run a segment in flight may be
	// duplicated (if there is room); 0 turns duplication off. Unbounded
	// duplication would make the space infinite: duplicated SYNs can keep
	// opening new incarnations at a listener whose clock moves on.
	Dups int
	// Clock is the clock mode.
	Clock ClockMode
	// Timers lists the timer kinds whose expiry the explorer may take;
	// nil means all. A host whose next timer is of a kind not listed
	// takes no timer transition at all (its later timers stay pending).
	Timers []spec.TimerKind
	// A and B are the two applications. A is 10.0.0.1, B 10.0.0.2 (with
	// IPv6, fd00::1 and fd00::2).
	A, B Program
	// IPv6 runs both hosts over IPv6 (Addr6). The closing rules do not
	// depend on the family: the state space is the same size.
	IPv6 bool
	// KeepTimestamps leaves the profile's Timestamps setting alone; the
	// hosts' absolute clocks then become part of the state.
	KeepTimestamps bool
	// RawFingerprints identifies host states by model.Host.Fingerprint as
	// it is, without dropping the fields the model will not read again
	// (see canonicalFingerprint). Slower; for cross-checking.
	RawFingerprints bool
	// MaxStates stops the search after this many states (0: 4,000,000).
	// A report from a truncated search says so.
	MaxStates int
	// MaxTraces bounds the example traces kept per finding (0: 3).
	MaxTraces int
	// MaxMem, if positive, stops the search once the memory in use
	// (Stats.Mem) exceeds it, in bytes; the report says it was
	// truncated and why.
	MaxMem int64
	// MaxTime, if positive, stops the search after this much wall time,
	// likewise.
	MaxTime time.Duration
	// FrontierMem bounds the bytes of encoded frontier states kept in
	// memory per BFS level (0: 2 MiB); the rest spills to a temporary
	// file.
	FrontierMem int
	// TempDir is where the state records, the edges and the spilled
	// frontier go ("": os.TempDir()). They are removed at the end.
	TempDir string
	// Workers is how many goroutines expand states (0: GOMAXPROCS).
	// Counts and findings do not depend on it.
	Workers int
	// FPKey keys the 64-bit state fingerprints (0: DefaultFPKey). A run
	// with another key checks that no fingerprint collision hid a state.
	FPKey uint64
}

// Addr returns the address of side 0 (A, 10.0.0.1) or 1 (B, 10.0.0.2).
func Addr(side int) spec.Addr {
	if side == 0 {
		return spec.IPv4(10, 0, 0, 1)
	}
	return spec.IPv4(10, 0, 0, 2)
}

// Addr6 returns the IPv6 address of side 0 (A, fd00::1) or 1 (B,
// fd00::2), for Config.IPv6.
func Addr6(side int) spec.Addr {
	return spec.AddrFrom16([16]byte{0xfd, 15: byte(side + 1)})
}

// Scenario ports.
const (
	ServerPort = 8080
	simPortA   = 5000
	simPortB   = 6000
)

// Scenarios names the built-in application pairs.
func Scenarios() []string {
	scenarios := builtinScenarios()
	names := make([]string, 0, len(scenarios))
	for n := range scenarios {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

type scenario struct {
	doc  string
	a, b Program
}

func builtinScenarios() map[string]scenario {
	return map[string]scenario{
		"close": {"A connects, B accepts; each side may close(2) once established; B may close its listener once it has accepted",
			Program{Role: Active, PeerPort: ServerPort, Close: true},
			Program{Role: Passive, Port: ServerPort, Close: true, CloseListener: true}},
		"abort": {"as close, and either side may abort (SO_LINGER 0) instead",
			Program{Role: Active, PeerPort: ServerPort, Close: true, Abort: true},
			Program{Role: Passive, Port: ServerPort, Close: true, Abort: true, CloseListener: true}},
		"half": {"data and half-close: A reads, and may shutdown(SHUT_WR) and close; B writes one octet, and may shutdown(SHUT_WR) and close",
			Program{Role: Active, PeerPort: ServerPort, Read: true, Shutdown: true, Close: true},
			Program{Role: Passive, Port: ServerPort, Writes: 1, WriteSize: 1, Shutdown: true, Close: true, CloseListener: true}},
		"early": {"A may close as soon as it has called connect; B accepts and may close",
			Program{Role: Active, PeerPort: ServerPort, Close: true, Early: true},
			Program{Role: Passive, Port: ServerPort, Close: true, CloseListener: true}},
		"simopen": {"simultaneous open (A :5000 <-> B :6000); each side may close at any time after connect",
			Program{Role: Active, Port: simPortA, PeerPort: simPortB, Close: true, Early: true},
			Program{Role: Active, Port: simPortB, PeerPort: simPortA, Close: true, Early: true}},
	}
}

// NewConfig returns a configuration for a built-in scenario and profile
// with capacity 2, R = 2, loss on, duplication off, independent clocks.
func NewConfig(scenario, profile string) (Config, error) {
	sc, ok := builtinScenarios()[scenario]
	if !ok {
		return Config{}, fmt.Errorf("explore: unknown scenario %q (known: %s)", scenario, strings.Join(Scenarios(), ", "))
	}
	p, err := spec.LookupProfile(profile)
	if err != nil {
		return Config{}, fmt.Errorf("explore: %w", err)
	}
	return Config{Profile: p, R: 2, Capacity: 2, Loss: true, A: sc.a, B: sc.b}, nil
}

// MustConfig is NewConfig for names known to exist (tests, examples).
func MustConfig(scenario, profile string) Config {
	c, err := NewConfig(scenario, profile)
	if err != nil {
		panic(err)
	}
	return c
}

// effectiveProfile is the profile the hosts run.
func (c *Config) effectiveProfile() spec.Profile {
	p := c.Profile
	if c.R >= 0 {
		p.R2, p.SynR2, p.SynAckR2 = c.R, c.R, c.R
		if p.R1 > c.R {
			p.R1 = c.R
		}
	}
	if !c.KeepTimestamps {
		p.Timestamps = false
		p.TSMissingDrop = false
	}
	return p
}

func (c *Config) validate() error {
	if c.Capacity < 1 {
		return fmt.Errorf("explore: capacity %d, want at least 1", c.Capacity)
	}
	if c.Dups < 0 || c.Dups > 255 {
		return fmt.Errorf("explore: Dups %d out of range 0-255", c.Dups)
	}
	if c.Capacity > 16 {
		return fmt.Errorf("explore: capacity %d is beyond what the explorer indexes (16)", c.Capacity)
	}
	p := c.effectiveProfile()
	if err := p.Validate(); err != nil {
		return fmt.Errorf("explore: %w", err)
	}
	if p.R2 < 0 || p.SynR2 < 0 || p.SynAckR2 < 0 {
		return fmt.Errorf("explore: profile %s retransmits without limit (R2 %d, SynR2 %d, SynAckR2 %d); set R", p.Name, p.R2, p.SynR2, p.SynAckR2)
	}
	for i, pr := range []Program{c.A, c.B} {
		side := "AB"[i : i+1]
		switch pr.Role {
		case Active:
			if pr.PeerPort == 0 {
				return fmt.Errorf("explore: side %s is active but has no PeerPort", side)
			}
		case Passive:
			if pr.Port == 0 {
				return fmt.Errorf("explore: side %s is passive but has no Port", side)
			}
		default:
			return fmt.Errorf("explore: side %s has unknown role %d", side, pr.Role)
		}
		if pr.Writes < 0 || pr.Writes > 8 || (pr.Writes > 0 && (pr.WriteSize < 1 || pr.WriteSize > 1024)) {
			return fmt.Errorf("explore: side %s: writes %d of %d octets is out of range (0-8 writes of 1-1024 octets)", side, pr.Writes, pr.WriteSize)
		}
	}
	if c.A.Role == Passive && c.B.Role == Passive {
		return fmt.Errorf("explore: both sides passive: nobody connects")
	}
	return nil
}

func (c *Config) timerAllowed(k spec.TimerKind) bool {
	if c.Timers == nil {
		return true
	}
	for _, t := range c.Timers {
		if t == k {
			return true
		}
	}
	return false
}

// String summarises the configuration in one line.
func (c Config) String() string {
	p := c.effectiveProfile()
	var b strings.Builder
	fmt.Fprintf(&b, "profile %s, R2=%d SynR2=%d SynAckR2=%d, C=%d, loss=%t dups=%d, clock %s", p.Name, p.R2, p.SynR2, p.SynAckR2, c.Capacity, c.Loss, c.Dups, c.Clock)
	if c.Timers != nil {
		ks := make([]string, len(c.Timers))
		for i, k := range c.Timers {
			ks[i] = k.String()
		}
		fmt.Fprintf(&b, ", timers {%s}", strings.Join(ks, ","))
	}
	if p.Timestamps {
		b.WriteString(", timestamps on")
	}
	fmt.Fprintf(&b, "; A %s; B %s", c.A, c.B)
	return b.String()
}
