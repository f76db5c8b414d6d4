package conform

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
)

// variant is the campaign's profile with one field changed.
type variant struct {
	Field, Value string
	P            spec.Profile
}

// variants lists the single-field changes of p worth trying when a
// divergence is to be explained: every boolean choice flipped, every
// enumerated choice set to each of its other values, and the
// out-of-window ACK rate limit switched off or on.
func variants(p spec.Profile) []variant {
	var out []variant
	pv := reflect.ValueOf(p)
	for _, f := range spec.Fields() {
		fv := pv.FieldByName(f)
		switch {
		case fv.Kind() == reflect.Bool:
			q := p
			reflect.ValueOf(&q).Elem().FieldByName(f).SetBool(!fv.Bool())
			out = append(out, variant{f, fmt.Sprint(!fv.Bool()), q})
		case fv.Kind() == reflect.Uint8 && fv.Type().Implements(reflect.TypeOf((*fmt.Stringer)(nil)).Elem()):
			for n := uint64(0); n < 16; n++ {
				if n == fv.Uint() {
					continue
				}
				q := p
				qf := reflect.ValueOf(&q).Elem().FieldByName(f)
				qf.SetUint(n)
				name := qf.Interface().(fmt.Stringer).String()
				if strings.Contains(name, "(") {
					continue
				}
				out = append(out, variant{f, name, q})
			}
		case f == "OOWAckInterval" || f == "ReopenISSGap":
			q := p
			qf := reflect.ValueOf(&q).Elem().FieldByName(f)
			var val string
			switch {
			case f == "OOWAckInterval" && p.OOWAckInterval == 0:
				q.OOWAckInterval, val = 500*time.Millisecond, "500ms"
			case f == "OOWAckInterval":
				q.OOWAckInterval, val = 0, "0"
			case p.ReopenISSGap == 0:
				q.ReopenISSGap, val = 65537, "65537"
			default:
				qf.SetUint(0)
				val = "0"
			}
			out = append(out, variant{f, val, q})
		}
	}
	var valid []variant
	for _, v := range out {
		if v.P.Validate() == nil {
			valid = append(valid, v)
		}
	}
	return valid
}

// explain replays kind k's scenario with the model's profile changed one
// field at a time (the stack keeps the campaign's) and lists the changes
// that remove the divergence, or move it to a later step: the profile
// fields that would explain the stack's behaviour. An empty list means no
// single field does: the stack departs from every profile, or the model
// has no choice for what it does.
func (c *campaign) explain(k *Kind, sc *scenario, base *divergence) {
	var none, later []string
	for _, v := range variants(c.profile) {
		res := c.runScenarioWith(sc, v.P)
		if res.err != nil {
			continue
		}
		switch {
		case res.div == nil:
			none = append(none, v.Field+"="+v.Value)
		case res.div.Step > base.Step:
			later = append(later, fmt.Sprintf("%s=%s (first divergence moves from step %d to %d: %s)", v.Field, v.Value, base.Step, res.div.Step, res.div.Key()))
		}
	}
	for _, n := range none {
		k.Candidates = append(k.Candidates, n+" (no divergence)")
	}
	k.Candidates = append(k.Candidates, later...)
}

// runScenarioWith plays sc's steps with the model set to mp and the
// stack to the campaign's profile.
func (c *campaign) runScenarioWith(sc *scenario, mp spec.Profile) result {
	ms, err := newModel(mp)
	if err != nil {
		return result{sc: sc, err: err}
	}
	st, err := c.entry.New(c.profile, stack.Options{Seed: sc.Seed})
	if err != nil {
		return result{sc: sc, err: err}
	}
	r := &runner{c: c, sc: sc, model: ms}
	r.s.st = st
	d, err := r.play(nil)
	if cerr := st.Close(); err == nil && cerr != nil {
		err = cerr
	}
	return result{sc: sc, div: d, steps: r.steps, rec: r.rec, err: err, blocked: r.calls > r.results}
}
