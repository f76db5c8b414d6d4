package stacks

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/spec"
)

// Options tune how a factory builds a stack.
type Options struct {
	// Seed keys the randomness of stacks that take a seed (netstack's
	// ISNs, timestamp offsets and ports; the model's ISN secret). 0 is a
	// fixed default, so runs repeat.
	Seed uint64
	// FixedISS, when non-zero, is the ISS of the model's connections
	// (spec.HostConfig.FixedISS, from a script's --tcpclose_local_iss).
	// Real stacks choose their own and ignore it.
	FixedISS spec.Seq
}

// Factory builds a stack that behaves as profile p says, as far as the
// stack can be told. It is given the complete profile after every
// override; fields it cannot set are reported through Noter by the stack
// it returns, not as an error.
type Factory func(p spec.Profile, opts Options) (script.Stack, error)

// Entry describes one stack of a Registry.
type Entry struct {
	// Name is what --stack takes: "model", "linux", "gvisor", "impl".
	Name string
	// Profile is the built-in profile the stack is compared against when
	// the user names none ("linux" for linux); "" means each script's
	// first --tcpclose_profiles (the model, which has no profile of its
	// own).
	Profile string
	// New builds the stack.
	New Factory
	// Tolerance is the smallest timing tolerance that is fair to the
	// stack (script.RunOptions.MinTolerance); 0 for stacks on a virtual
	// clock, which are exact.
	Tolerance time.Duration
	// RealTime says the stack runs on the wall clock: a script's virtual
	// minutes take real minutes. Campaigns keep such runs short.
	RealTime bool
	// ChoosesISS says the stack picks its own initial sequence numbers
	// (Options.FixedISS is ignored): a script's --tcpclose_local_iss is
	// then dropped and the ISS learned from the stack's first SYN, as
	// for a script without it.
	ChoosesISS bool
	// Doc is a one-line description for usage messages.
	Doc string
	// Expand, if set, makes this a prefix entry: Name ends in ':' and
	// Lookup answers a name NAME+ARG with Expand(ARG), e.g.
	// "exec:/path/agent -v" (package execstack).
	Expand func(arg string) Entry
}

// Registry maps stack names to entries. The zero value is an empty
// registry; use Default for the built-in stacks and With to add more.
// Registries are values: With returns a new registry and never changes
// the one it is called on.
type Registry struct {
	entries map[string]Entry
}

// With returns a copy of r with e added (or replacing the entry of the
// same name).
func (r Registry) With(e Entry) Registry {
	m := make(map[string]Entry, len(r.entries)+1)
	for k, v := range r.entries {
		m[k] = v
	}
	m[e.Name] = e
	return Registry{entries: m}
}

// Lookup returns the entry named name, or the expansion of the prefix
// entry name starts with (Entry.Expand).
func (r Registry) Lookup(name string) (Entry, bool) {
	if e, ok := r.entries[name]; ok && e.Expand == nil {
		return e, ok
	}
	for k, e := range r.entries {
		if e.Expand != nil && strings.HasPrefix(name, k) && len(name) > len(k) {
			x := e.Expand(name[len(k):])
			x.Name = name
			return x, true
		}
	}
	return Entry{}, false
}

// Names lists the registry's stacks, sorted.
func (r Registry) Names() []string {
	var out []string
	for k, e := range r.entries {
		if e.Expand != nil {
			k += "PATH"
		}
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// New builds the stack named name with profile p.
func (r Registry) New(name string, p spec.Profile, opts Options) (script.Stack, error) {
	e, ok := r.Lookup(name)
	if !ok {
		return nil, fmt.Errorf("stacks: unknown stack %q (known: %s)", name, strings.Join(r.Names(), ", "))
	}
	st, err := e.New(p, opts)
	if err != nil {
		return nil, fmt.Errorf("stacks: %s: %w", name, err)
	}
	return st, nil
}

// Default returns a new registry with the stacks of this module: the
// model and the Linux kernel (in a private network namespace; it needs
// root, and fails to build otherwise), plain ("linux") and without
// delayed ACKs ("linux-quickack"),
// and the optimized implementation ("impl", package impl).
func Default() Registry {
	r := Registry{}.With(ModelEntry())
	r = r.With(LinuxEntry())
	r = r.With(LinuxQuickAckEntry())
	// The optimized implementation: a stack like any other (impl.go).
	r = r.With(ImplEntry())
	return r
}

// ModelEntry is the model (package model) as a stack, on a virtual clock.
// By default each script runs on the first profile it lists.
func ModelEntry() Entry {
	return Entry{
		Name: "model", Doc: "the executable model (package model)",
		New: func(p spec.Profile, o Options) (script.Stack, error) {
			return script.NewModelStack(p, spec.HostConfig{Addr: script.LocalIP, ISNSecret: o.Seed, FixedISS: o.FixedISS})
		},
	}
}

// Noter is a stack that could not be configured exactly as its profile
// says. Each note names the field, the profile's value and what the stack
// does instead; divergences that follow from them are expected.
type Noter interface {
	Notes() []string
}

// ProfileDiff lists the fields whose values differ between base and p, in
// spec.Fields order, with p's value.
func ProfileDiff(base, p spec.Profile) [][2]string {
	var out [][2]string
	for _, f := range spec.Fields() {
		a, _ := base.FieldValue(f)
		b, _ := p.FieldValue(f)
		if a != b {
			out = append(out, [2]string{f, b})
		}
	}
	return out
}

// profileSysctlKeys are the sysctls that package script maps onto
// profile fields (ModelSetup): a real stack gets them through the profile
// the factory is given, so a Commander does not apply them a second time.
func profileSysctlKeys() []string {
	return []string{
		"tcp_rfc1337", "tcp_fin_timeout", "tcp_max_tw_buckets", "tcp_timestamps",
		"tcp_syn_retries", "tcp_retries2", "tcp_retries1", "tcp_invalid_ratelimit",
		"tcp_tw_reuse", "tcp_tw_reuse_delay",
	}
}

// IsProfileSysctl says whether package script maps sysctl key (with or
// without "net.ipv4.") onto a profile field.
func IsProfileSysctl(key string) bool {
	return slices.Contains(profileSysctlKeys(), strings.TrimPrefix(strings.ReplaceAll(key, "/", "."), "net.ipv4."))
}
