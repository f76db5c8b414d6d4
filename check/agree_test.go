package check_test

import (
	"errors"
	"testing"

	"github.com/tcpclose/tcpclose/check"
	"github.com/tcpclose/tcpclose/impl"
	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/spec"
)

// TestCompareFindsEachDifference: every field Compare looks at, changed
// alone, is reported under its own name.
func TestCompareFindsEachDifference(t *testing.T) {
	tu := spec.FourTuple{Local: spec.SockAddr{IP: spec.DefaultHostAddr(), Port: 8080}, Remote: spec.SockAddr{IP: spec.IPv4(192, 0, 2, 1), Port: 50000}}
	base := func() check.View {
		return check.View{
			Out:  []spec.Output{spec.ResultOut(3, spec.CallSocket, 3, 0)},
			Snap: spec.HostSnap{Now: 5, Conns: []spec.ConnSnap{{Tuple: tu, State: spec.TimeWait}}, Listeners: []spec.ListenSnap{{FD: 3, Port: 8080, Queue: []spec.FourTuple{tu}}}},
			Next: 7, Now: 5, TimeWait: 1,
		}
	}
	a := base()
	if b := base(); check.Compare(&a, &b) != nil {
		t.Fatalf("equal views differ: %v", check.Compare(&a, &b))
	}
	for what, change := range map[string]func(*check.View){
		"outputs":       func(v *check.View) { v.Out[0].Ret = 4 },
		"snapshots":     func(v *check.View) { v.Snap.Listeners[0].Queue[0].Remote.Port++ },
		"NextDeadline":  func(v *check.View) { v.Next++ },
		"Now":           func(v *check.View) { v.Now++ },
		"TimeWaitCount": func(v *check.View) { v.TimeWait = 0 },
	} {
		b := base()
		change(&b)
		var d *check.Disagreement
		if err := check.Compare(&a, &b); !errors.As(err, &d) || d.What != what {
			t.Errorf("%s changed: got %v", what, err)
		}
	}
}

// TestAgree: the model and the implementation agree on a connect; two
// hosts in different states do not.
func TestAgree(t *testing.T) {
	p := spec.MustProfile("linux")
	m := model.MustNew(p, spec.HostConfig{FixedISS: 1000})
	s, err := impl.New(p, spec.HostConfig{FixedISS: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []spec.Call{{Kind: spec.CallSocket}, {Kind: spec.CallConnect, FD: 3, Addr: spec.SockAddr{IP: spec.IPv4(192, 0, 2, 1), Port: 80}}} {
		ev := spec.Event{Kind: spec.EvCall, Call: c}
		v, err := check.Agree(m, s, &ev)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Out) == 0 {
			t.Fatalf("%s: no outputs in the model's view", ev)
		}
	}
	// A fresh model answers socket(2) with fd 3, the other one with 4.
	other := model.MustNew(p, spec.HostConfig{FixedISS: 1000})
	ev := spec.Event{Kind: spec.EvCall, Call: spec.Call{Kind: spec.CallSocket}}
	if _, err := check.Agree(m, other, &ev); err == nil {
		t.Fatal("hosts in different states agree")
	}
}
