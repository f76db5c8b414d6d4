package stack_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tcpclose/tcpclose/impl"
	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/scenarios"
	"github.com/tcpclose/tcpclose/script"
	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
)

// corpus parses the scenario corpus (package scenarios), by name
// ("close/passive-close").
func corpus(t *testing.T) map[string]*script.Script {
	t.Helper()
	out := map[string]*script.Script{}
	for _, sc := range scenarios.All() {
		s, err := script.Parse(sc.Path, sc.Content)
		if err != nil {
			t.Fatal(err)
		}
		out[sc.Test()] = s
	}
	return out
}

// hosts builds the model or the implementation for the set-up a script
// asks for on a profile.
var hosts = map[string]func(spec.Profile, spec.HostConfig) (spec.Host, error){
	"model": func(p spec.Profile, c spec.HostConfig) (spec.Host, error) { return model.New(p, c) },
	"impl":  func(p spec.Profile, c spec.HostConfig) (spec.Host, error) { return impl.New(p, c) },
}

// recorder is a wrapper that logs every step the runner takes on the
// stack and everything the stack reports back, with the times. It
// exposes the wrapped stack through Unwrap, so the runner still finds
// the wrapped stack's optional interfaces (stack.As).
type recorder struct {
	stack.Stack
	log []string
}

func (r *recorder) Unwrap() stack.Stack { return r.Stack }

func (r *recorder) note(what string, out []stack.Observed, err error) ([]stack.Observed, error) {
	r.log = append(r.log, fmt.Sprintf("%s -> now %s err %v", what, r.Now(), err))
	for _, o := range out {
		r.log = append(r.log, fmt.Sprintf("  %s %s", o.At, o.Out))
	}
	return out, err
}

func (r *recorder) Inject(at spec.Time, seg spec.Segment) ([]stack.Observed, error) {
	out, err := r.Stack.Inject(at, seg)
	return r.note(fmt.Sprintf("inject %s %s", at, seg), out, err)
}

func (r *recorder) Call(at spec.Time, c spec.Call) ([]stack.Observed, error) {
	out, err := r.Stack.Call(at, c)
	return r.note(fmt.Sprintf("call %s %s", at, c), out, err)
}

func (r *recorder) Advance(until spec.Time) ([]stack.Observed, error) {
	out, err := r.Stack.Advance(until)
	return r.note(fmt.Sprintf("advance %s", until), out, err)
}

// play runs s on profile prof on the named host kind through
// stack.Virtual, recording every step.
func play(t *testing.T, s *script.Script, prof, kind string) (*script.Result, []string, string) {
	t.Helper()
	su, err := script.ModelSetup(s, prof)
	if err != nil {
		t.Fatal(err)
	}
	h, err := hosts[kind](su.Profile, su.Config)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{Stack: stack.Virtual(h, stack.Named(kind+"/"+prof))}
	var vb bytes.Buffer
	res, err := script.Run(s, rec, script.RunOptions{Verbose: &vb})
	if err != nil {
		t.Fatalf("on %s/%s: %v", kind, prof, err)
	}
	return res, rec.log, vb.String()
}

// TestCorpusImpl plays the whole scenario corpus on the implementation
// through stack.Virtual, on every profile each script lists (with the
// script's own overrides), as package script plays it on the model:
// every script must pass.
func TestCorpusImpl(t *testing.T) {
	runs, checked, scripts := 0, 0, 0
	for name, s := range corpus(t) {
		scripts++
		t.Run(name, func(t *testing.T) {
			for _, prof := range s.Profiles {
				res, _, verbose := play(t, s, prof, "impl")
				runs++
				checked += res.Checked
				if !res.Passed() {
					t.Errorf("on %s:\n%v\nverbose:\n%s", prof, res.Divergence, verbose)
				}
			}
		})
	}
	t.Logf("impl through stack.Virtual: %d scripts, %d runs, %d fields checked", scripts, runs, checked)
}

// TestVirtualModelImplIdentical: stack.Virtual on the model and on the
// implementation make identical observations on the whole corpus — the
// same outputs at the same times after every Inject, Call and Advance the
// runner makes, and the same verdict, fields checked and notices.
func TestVirtualModelImplIdentical(t *testing.T) {
	runs := 0
	for name, s := range corpus(t) {
		for _, prof := range s.Profiles {
			mres, mlog, _ := play(t, s, prof, "model")
			ires, ilog, _ := play(t, s, prof, "impl")
			runs++
			if d := cmp.Diff(mlog, ilog); d != "" {
				t.Errorf("%s on %s: observations differ (-model +impl):\n%s", name, prof, d)
				continue
			}
			if mres.Passed() != ires.Passed() || mres.Checked != ires.Checked || mres.Unchecked != ires.Unchecked || len(mres.Notices) != len(ires.Notices) {
				t.Errorf("%s on %s: results differ: %s / %s", name, prof, mres.Summary(), ires.Summary())
			}
		}
	}
	t.Logf("%d runs observed alike on model and impl", runs)
}
