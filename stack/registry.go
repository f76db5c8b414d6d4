package stack

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/tcpclose/tcpclose/spec"
)

// Options tune how a factory builds a stack.
type Options struct {
	// Seed keys the randomness of stacks that take a seed (netstack's
	// ISNs, timestamp offsets and ports; the model's ISN secret). 0 is a
	// fixed default, so runs repeat.
	Seed uint64
	// FixedISS, when non-zero, is the ISS of the connections of a stack
	// that can be told one (spec.HostConfig.FixedISS, from a script's
	// --tcpclose_local_iss). Stacks that choose their own
	// (Entry.ChoosesISS) ignore it.
	FixedISS spec.Seq
	// Local and Remote are the script's addresses (script.Script.Addrs):
	// the host's and the scripted peer's, IPv4 or IPv6. Zero means
	// LocalIP and RemoteIP. Only stacks whose Entry says AnyAddr take
	// other addresses (CheckAddrs).
	Local, Remote spec.Addr
}

// Addrs returns the local and remote addresses, defaults filled in.
func (o Options) Addrs() (local, remote spec.Addr) {
	local, remote = o.Local, o.Remote
	if local.IsZero() {
		local = LocalIP()
	}
	if remote.IsZero() {
		remote = RemoteIP()
	}
	return local, remote
}

// ErrAddrs is what CheckAddrs wraps: a stack cannot play a script's
// addresses (harnesses running a corpus on real stacks skip such scripts).
var ErrAddrs = errors.New("addresses the stack cannot play")

// CheckAddrs reports an error if the options name addresses that entry
// e's stack cannot take: a stack without AnyAddr plays LocalIP and
// RemoteIP only (a real stack's addresses are set up once).
func (o Options) CheckAddrs(e Entry) error {
	l, r := o.Addrs()
	if e.AnyAddr || (l == LocalIP() && r == RemoteIP()) {
		return nil
	}
	return fmt.Errorf("%w: stack %s plays between %s and %s only, not %s and %s (IPv6 and other addresses: model and impl only)", ErrAddrs, e.Name, LocalIP(), RemoteIP(), l, r)
}

// HostConfig is the spec.HostConfig a virtual stack's factory gives its
// host: the script's address (o.Local, LocalIP when zero), o.Seed as the
// ISN secret and o.FixedISS.
func (o Options) HostConfig() spec.HostConfig {
	l, _ := o.Addrs()
	return spec.HostConfig{Addr: l, ISNSecret: o.Seed, FixedISS: o.FixedISS}
}

// Factory builds a stack that behaves as profile p says, as far as the
// stack can be told. It is given the complete profile after every
// override; fields it cannot set are reported through Noter by the stack
// it returns, not as an error.
type Factory func(p spec.Profile, opts Options) (Stack, error)

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
	// minutes take real minutes. Campaigns keep such runs short, and the
	// script runner plays a line that comes late at once.
	RealTime bool
	// ChoosesISS says the stack picks its own initial sequence numbers
	// (Options.FixedISS is ignored): a script's --tcpclose_local_iss is
	// then dropped and the ISS learned from the stack's first SYN, as
	// for a script without it.
	ChoosesISS bool
	// AnyAddr says the stack takes any addresses Options names, IPv6
	// included (the virtual stacks); others play LocalIP and RemoteIP
	// only.
	AnyAddr bool
	// Doc is a one-line description for usage messages.
	Doc string
	// Expand, if set, makes this a prefix entry: Name ends in ':' and
	// Lookup answers a name NAME+ARG with Expand(ARG), e.g.
	// "exec:/path/agent -v" (package stack/exec).
	Expand func(arg string) Entry
}

// Registry maps stack names to entries. The zero value is an empty
// registry; With adds entries. Registries are values: With returns a new
// registry and never changes the one it is called on. The command line's
// registry (model, impl, linux, linux-quickack, exec:PATH, lwip, lwip-quickack) is cli.Stacks.
type Registry struct {
	entries map[string]Entry
}

// With returns a copy of r with the entries added (each replacing the
// entry of the same name).
func (r Registry) With(es ...Entry) Registry {
	m := make(map[string]Entry, len(r.entries)+len(es))
	maps.Copy(m, r.entries)
	for _, e := range es {
		m[e.Name] = e
	}
	return Registry{entries: m}
}

// Lookup returns the entry named name, or the expansion of the prefix
// entry name starts with (Entry.Expand).
func (r Registry) Lookup(name string) (Entry, bool) {
	if e, ok := r.entries[name]; ok && e.Expand == nil {
		return e, true
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

// Entry returns the entry named name (as Lookup), or an error listing
// the known names.
func (r Registry) Entry(name string) (Entry, error) {
	e, ok := r.Lookup(name)
	if !ok {
		return Entry{}, fmt.Errorf("unknown stack %q (known: %s)", name, strings.Join(r.Names(), ", "))
	}
	return e, nil
}

// Names lists the registry's stacks, sorted.
// A prefix entry is listed as its prefix followed by PATH ("exec:PATH").
func (r Registry) Names() []string {
	var out []string
	for k, e := range r.entries {
		if e.Expand != nil {
			k += "PATH"
		}
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// New builds the stack named name with profile p.
func (r Registry) New(name string, p spec.Profile, opts Options) (Stack, error) {
	e, err := r.Entry(name)
	if err != nil {
		return nil, fmt.Errorf("stack: %w", err)
	}
	st, err := e.New(p, opts)
	if err != nil {
		return nil, fmt.Errorf("stack: %s: %w", name, err)
	}
	return st, nil
}

// ProfileDiff lists the fields whose values differ between base and p, in
// spec.Fields order, with p's value: what a factory must translate into
// its stack's settings.
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
