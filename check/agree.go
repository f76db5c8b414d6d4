package check

import (
	"fmt"

	"github.com/google/go-cmp/cmp"

	"github.com/tcpclose/tcpclose/spec"
)

// View is what one host shows after a step: the outputs of the step (or
// of the steps being compared), then its snapshot, next deadline, clock
// and number of TIME-WAIT entries.
type View struct {
	Out  []spec.Output
	Snap spec.HostSnap
	Next spec.Time
	Now  spec.Time
	// TimeWait is the host's own TIME-WAIT count where it keeps one
	// (TimeWaitCount, as impl.Stack does), else the TIME-WAIT connections
	// of Snap.
	TimeWait int
}

// Observe returns h's view after a step that produced out.
func Observe(h spec.Host, out []spec.Output) View {
	v := View{Out: out, Snap: h.Snapshot(), Next: h.NextDeadline(), Now: h.Now()}
	if c, ok := h.(interface{ TimeWaitCount() int }); ok {
		v.TimeWait = c.TimeWaitCount()
	} else {
		for i := range v.Snap.Conns {
			if v.Snap.Conns[i].State == spec.TimeWait {
				v.TimeWait++
			}
		}
	}
	return v
}

// Disagreement is the first difference Compare finds between two views.
type Disagreement struct {
	// What is "outputs", "snapshots", "NextDeadline", "Now" or
	// "TimeWaitCount".
	What string
	// Detail is a -model +impl diff, or the two values.
	Detail string
}

func (d *Disagreement) Error() string {
	switch d.What {
	case "outputs", "snapshots":
		return d.What + " differ (-model +impl)\n" + d.Detail
	}
	return d.What + ": " + d.Detail
}

// Compare compares b with a, the oracle's view (a is the model, b the
// implementation in every caller): outputs in order, snapshots
// (spec.HostSnap.Equal), next deadlines, clocks and TIME-WAIT counts. It
// returns nil or the first *Disagreement.
func Compare(a, b *View) error {
	if !OutputsEqual(a.Out, b.Out) {
		return &Disagreement{What: "outputs", Detail: cmp.Diff(a.Out, b.Out)}
	}
	if !a.Snap.Equal(&b.Snap) {
		return &Disagreement{What: "snapshots", Detail: cmp.Diff(a.Snap, b.Snap)}
	}
	if a.Next != b.Next {
		return &Disagreement{What: "NextDeadline", Detail: fmt.Sprintf("model %s, impl %s", a.Next, b.Next)}
	}
	if a.Now != b.Now {
		return &Disagreement{What: "Now", Detail: fmt.Sprintf("model %s, impl %s", a.Now, b.Now)}
	}
	if a.TimeWait != b.TimeWait {
		return &Disagreement{What: "TimeWaitCount", Detail: fmt.Sprintf("model %d, impl %d", a.TimeWait, b.TimeWait)}
	}
	return nil
}

// Agree steps a (the oracle) and b with the same event and compares them
// (Compare). It returns a's view, which a generator reads to choose the
// next event, and nil or the first *Disagreement. Both hosts step into
// fresh output slices, so the view's outputs stay valid.
func Agree(a, b spec.Host, ev *spec.Event) (View, error) {
	va := Observe(a, a.Step(ev, nil))
	vb := Observe(b, b.Step(ev, nil))
	return va, Compare(&va, &vb)
}

// OutputsEqual reports whether a and b are the same outputs in the same
// order.
func OutputsEqual(a, b []spec.Output) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
