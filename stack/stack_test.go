package stack_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tcpclose/tcpclose/impl"
	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
)

func modelStack(t *testing.T, profile string, opts ...stack.Option) *stack.VirtualStack {
	t.Helper()
	h, err := model.New(spec.MustProfile(profile), spec.HostConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return stack.Virtual(h, opts...)
}

func TestRegistryIsAValue(t *testing.T) {
	entry := func(name string) stack.Entry {
		return stack.Entry{Name: name, New: func(spec.Profile, stack.Options) (stack.Stack, error) { return nil, errors.New("no") }}
	}
	a := stack.Registry{}.With(entry("a"))
	b := a.With(entry("x"), entry("y"))
	if _, ok := a.Lookup("x"); ok {
		t.Fatal("With changed the registry it was called on")
	}
	if got := fmt.Sprint(b.Names()); got != "[a x y]" {
		t.Errorf("names %s", got)
	}
	if _, err := b.New("nope", spec.MustProfile("rfc9293"), stack.Options{}); err == nil || !strings.Contains(err.Error(), `unknown stack "nope" (known: a, x, y)`) {
		t.Errorf("New(nope): %v", err)
	}
	if _, err := b.New("x", spec.MustProfile("rfc9293"), stack.Options{}); err == nil || err.Error() != "stack: x: no" {
		t.Errorf("New(x): %v", err)
	}
	var zero stack.Registry
	if len(zero.Names()) != 0 {
		t.Error("the zero registry is not empty")
	}
}

// TestVirtual: the model as a stack names itself, declares its fields,
// explains its steps, stamps timer output with the deadline and stops
// Advance just after it.
func TestVirtual(t *testing.T) {
	st := modelStack(t, "rfc793", stack.Named("model/rfc793"))
	if st.Name() != "model/rfc793" || st.Host() == nil {
		t.Errorf("name %s", st.Name())
	}
	for f, want := range map[string]bool{stack.FieldWindow: true, stack.FieldMSS: true, stack.FieldTS: true, stack.FieldPSH: false, stack.FieldWScale: true, stack.FieldSackOK: false, stack.FieldSack: false} {
		if st.Models(f) != want {
			t.Errorf("Models(%s) = %v", f, !want)
		}
	}
	// A segment to a closed port: RST at once, explained.
	outs, _ := st.Inject(0, spec.Segment{Src: stack.RemoteAddr(), Dst: stack.LocalAddr(), Flags: spec.ACK, Seq: 5, Ack: 9, Wnd: 1})
	if len(outs) != 1 || outs[0].Out.Seg.Flags != spec.RST || outs[0].Out.Seg.Seq != 9 {
		t.Errorf("outs %v", outs)
	}
	if ex := st.Explain(); len(ex) == 0 || ex[0] != "R9293-SEG-CLOSED" {
		t.Errorf("Explain() = %v", ex)
	}
	// Advance with nothing due moves the clock and reports nothing.
	if outs, _ := st.Advance(spec.Time(time.Second)); len(outs) != 0 || st.Now() != spec.Time(time.Second) {
		t.Errorf("Advance: %v at %s", outs, st.Now())
	}
	// A connect's SYN is retransmitted at its RTO: Advance stops just
	// after it, stamped with the deadline, far before until.
	st.Call(st.Now(), spec.Call{Kind: spec.CallSocket})
	outs, _ = st.Call(st.Now(), spec.Call{Kind: spec.CallConnect, FD: 3, Addr: stack.ConnectAddr()})
	if len(outs) != 1 || outs[0].Out.Seg.Flags != spec.SYN {
		t.Fatalf("connect: %v", outs)
	}
	start := outs[0].At
	d := st.Host().NextDeadline()
	outs, _ = st.Advance(spec.Time(time.Hour))
	if len(outs) == 0 || outs[0].At != d || st.Now() != d || outs[0].Out.Seg.Flags != spec.SYN || d <= start {
		t.Errorf("Advance: %v, now %s, deadline %s", outs, st.Now(), d)
	}
}

// TestVirtualStepLimit: a stack past its step budget fails with
// ErrStepLimit, whatever the host.
func TestVirtualStepLimit(t *testing.T) {
	h, err := impl.New(spec.MustProfile("rfc9293"), spec.HostConfig{})
	if err != nil {
		t.Fatal(err)
	}
	st := stack.Virtual(h, stack.Named("impl/rfc9293"), stack.MaxSteps(2))
	if _, err := st.Call(0, spec.Call{Kind: spec.CallSocket}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Advance(1); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Advance(2); !errors.Is(err, stack.ErrStepLimit) || !strings.HasPrefix(err.Error(), "impl/rfc9293: ") {
		t.Errorf("third step: %v", err)
	}
	if st.Explain() != nil {
		t.Error("impl cannot say which rules it applied, yet Explain answered")
	}
}

// wrapper is a caller's wrapper that forwards nothing but Unwrap.
type wrapper struct{ stack.Stack }

func (w wrapper) Unwrap() stack.Stack { return w.Stack }

// hider is a caller's wrapper without Unwrap: it hides what it wraps.
type hider struct{ stack.Stack }

// TestAs: optional interfaces stay reachable through wrappers that
// expose Unwrap, outermost answer first; Real forwards them explicitly.
func TestAs(t *testing.T) {
	v := modelStack(t, "rfc9293")
	w := wrapper{stack.NewReal(wrapper{v}, stack.RealConfig{Notes: []string{"n"}})}
	fm, ok := stack.As[stack.FieldModeller](w)
	if !ok || fm.Models(stack.FieldWindow) {
		t.Errorf("FieldModeller: the outermost (Real's) answer should win: %T", fm)
	}
	if _, ok := stack.As[*stack.VirtualStack](w); !ok {
		t.Error("the VirtualStack two wrappers down is not found")
	}
	if n, ok := stack.As[stack.Noter](w); !ok || len(n.Notes()) != 1 {
		t.Error("Noter lost")
	}
	if _, ok := stack.As[stack.Explainer](hider{v}); ok {
		t.Error("a wrapper without Unwrap does not expose what it wraps")
	}
	if _, ok := stack.As[stack.Explainer](nil); ok {
		t.Error("As(nil)")
	}
	r := stack.NewReal(v, stack.RealConfig{})
	if err := r.SetSysctl("net.ipv4.tcp_sack", "0"); !errors.Is(err, stack.ErrNoSysctl) {
		t.Errorf("SetSysctl on a stack without sysctls: %v", err)
	}
}
