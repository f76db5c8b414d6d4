package script

// The scenario corpus (package scenarios, by topic folder) as a
// whole: every difference between the built-in profiles is pinned by some
// script, the notices scripts announce do happen, and a coverage table
// shows which (state, event) pairs the corpus reaches on each profile.
//
// Header lines a corpus script may carry, besides its comments:
//
//	// pins: Field, Field      the spec.Profile fields its outcome depends on
//	// notices: reset, timeout  notices (spec.Notice names) it must produce

import (
	"bytes"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/tcpclose/tcpclose/scenarios"
	"github.com/tcpclose/tcpclose/spec"
)

// headerList returns the comma-separated items of the "// key:" lines of
// src.
func headerList(src []byte, key string) []string {
	var out []string
	for _, line := range strings.Split(string(src), "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "// "+key+":")
		if !ok {
			continue
		}
		for _, item := range strings.Split(rest, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}

type corpusScript struct {
	name    string
	s       *Script
	pins    []string
	notices []string
}

func loadCorpus(t *testing.T) []corpusScript {
	t.Helper()
	var out []corpusScript
	for _, sc := range scenarios.All() {
		s, err := Parse(sc.Path, sc.Content)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, corpusScript{name: sc.Test(), s: s,
			pins: headerList(sc.Content, "pins"), notices: headerList(sc.Content, "notices")})
	}
	return out
}

// runWith plays s on profile prof, after edit (if any) has changed the
// set-up profile. It reports ok=false if the edited profile is invalid.
func runWith(t *testing.T, s *Script, prof string, edit func(*spec.Profile), st func(*ModelStack) Stack) (res *Result, ok bool) {
	t.Helper()
	su, err := ModelSetup(s, prof)
	if err != nil {
		t.Fatalf("%s on %s: %v", s.Name, prof, err)
	}
	p := su.Profile
	if edit != nil {
		edit(&p)
		if p.Validate() != nil {
			return nil, false
		}
	}
	ms, err := NewModelStack(p, su.Config)
	if err != nil {
		t.Fatal(err)
	}
	var stack Stack = ms
	if st != nil {
		stack = st(ms)
	}
	res, err = Run(s, stack, RunOptions{})
	if err != nil {
		t.Fatalf("%s on %s: %v", s.Name, prof, err)
	}
	return res, true
}

// unpinnable lists the profile fields that differ between built-in
// profiles but that no script can observe, with the reason.
var unpinnable = map[string]string{
	// model/sockets.go callClose: close(2) after shutdown(SHUT_WR) does not
	// issue the RFC CLOSE a second time, and no other socket call reaches
	// CLOSE in FIN-WAIT-1/2, so the RFC-level reply ("ok" or "error:
	// connection closing") never surfaces; close(2) returns 0 either way.
	// model.TestR9293_CloseInFinWaitNoSecondFin pins it at the RFC level.
	"CloseInFinWait": "the RFC-level reply to a second CLOSE is not visible through close(2)",
}

// differingFields returns the profile fields whose values differ between
// built-in profiles, with each profile's value.
func differingFields() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, c := range spec.Choices() {
		vals := map[string]string{}
		distinct := map[string]bool{}
		for _, name := range spec.ProfileNames() {
			p := spec.MustProfile(name)
			v, _ := p.FieldValue(c.Field)
			vals[name] = v
			distinct[v] = true
		}
		if len(distinct) > 1 {
			out[c.Field] = vals
		}
	}
	return out
}

// TestCorpusPinsEveryProfileDifference: for every field of spec.Choices
// whose value differs between built-in profiles, some script says
// "// pins: Field"; the pinning scripts together run on profiles that
// differ in that field (after their own overrides); and each pinning
// script's outcome really depends on the field: on at least one of its
// profiles, giving the field another value (one a built-in profile or
// another pinning run uses) makes the script diverge.
func TestCorpusPinsEveryProfileDifference(t *testing.T) {
	corpus := loadCorpus(t)
	differ := differingFields()
	fields := map[string]bool{}
	for _, f := range spec.Fields() {
		fields[f] = true
	}
	pinnedBy := map[string][]corpusScript{}
	for _, cs := range corpus {
		for _, f := range cs.pins {
			if !fields[f] {
				t.Errorf("%s pins %q, which is not a spec.Profile field", cs.name, f)
				continue
			}
			pinnedBy[f] = append(pinnedBy[f], cs)
		}
	}
	var names []string
	for f := range differ {
		names = append(names, f)
	}
	sort.Strings(names)
	var table strings.Builder
	fmt.Fprintf(&table, "%-27s %-55s %s\n", "field", "values seen by the pinning runs", "scripts")
	for _, f := range names {
		group := pinnedBy[f]
		if why, ok := unpinnable[f]; ok {
			if len(group) > 0 {
				t.Errorf("%s is listed as unpinnable (%s) but %s pins it", f, why, group[0].name)
			}
			fmt.Fprintf(&table, "%-27s %-55s %s\n", f, "(not observable: "+why+")", "-")
			continue
		}
		if len(group) == 0 {
			t.Errorf("%s differs between built-in profiles (%v) but no script pins it", f, differ[f])
			continue
		}
		// The values each pinning run sees, and the candidates to swap in.
		seen := map[string][]string{}
		var cands []reflect.Value
		candSeen := map[string]bool{}
		addCand := func(v reflect.Value) {
			k := fmt.Sprint(v.Interface())
			if !candSeen[k] {
				candSeen[k] = true
				cands = append(cands, v)
			}
		}
		for _, name := range spec.ProfileNames() {
			p := spec.MustProfile(name)
			addCand(reflect.ValueOf(p).FieldByName(f))
		}
		for _, cs := range group {
			for _, prof := range cs.s.Profiles {
				su, err := ModelSetup(cs.s, prof)
				if err != nil {
					t.Fatal(err)
				}
				v, _ := su.Profile.FieldValue(f)
				seen[v] = append(seen[v], cs.name+"@"+prof)
				addCand(reflect.ValueOf(su.Profile).FieldByName(f))
			}
		}
		if len(seen) < 2 {
			t.Errorf("%s: the scripts pinning it (%s) all run with the value %v; it needs runs on profiles that differ", f, groupNames(group), keysOf(seen))
		}
		// Each pinning script must diverge somewhere when the field changes.
		for _, cs := range group {
			if !dependsOn(t, cs, f, cands) {
				t.Errorf("%s pins %s, but changing %s to any of %v on its profiles %v leaves it passing", cs.name, f, f, candStrings(cands), cs.s.Profiles)
			}
		}
		var vs []string
		for v := range seen {
			vs = append(vs, v)
		}
		sort.Strings(vs)
		fmt.Fprintf(&table, "%-27s %-55s %s\n", f, strings.Join(vs, " | "), groupNames(group))
	}
	t.Logf("pinned profile differences (%d fields differ between built-in profiles):\n%s", len(differ), table.String())
}

// dependsOn reports whether the script diverges on one of its profiles
// once field f is given one of the candidate values it does not have.
func dependsOn(t *testing.T, cs corpusScript, f string, cands []reflect.Value) bool {
	for _, prof := range cs.s.Profiles {
		su, err := ModelSetup(cs.s, prof)
		if err != nil {
			t.Fatal(err)
		}
		cur := fmt.Sprint(reflect.ValueOf(su.Profile).FieldByName(f).Interface())
		for _, v := range cands {
			if fmt.Sprint(v.Interface()) == cur {
				continue
			}
			res, ok := runWith(t, cs.s, prof, func(p *spec.Profile) {
				reflect.ValueOf(p).Elem().FieldByName(f).Set(v)
			}, nil)
			if ok && !res.Passed() {
				return true
			}
		}
	}
	return false
}

func candStrings(vs []reflect.Value) []string {
	var out []string
	for _, v := range vs {
		if s, ok := v.Interface().(fmt.Stringer); ok {
			out = append(out, s.String())
		} else {
			out = append(out, fmt.Sprint(v.Interface()))
		}
	}
	return out
}

func groupNames(g []corpusScript) string {
	var out []string
	for _, cs := range g {
		out = append(out, cs.name)
	}
	return strings.Join(out, ", ")
}

func keysOf[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestCorpusNotices: a script's "// notices:" line names notices the
// model must emit on every profile it lists (notices never fail a run on
// their own: RFC 9293 SHLD-9's delivery-problem report, MUST-47's timeout).
func TestCorpusNotices(t *testing.T) {
	known := map[string]spec.Notice{}
	for n := spec.Notice(1); int(n) < spec.NumNotices; n++ {
		known[n.String()] = n
	}
	for _, cs := range loadCorpus(t) {
		for _, name := range cs.notices {
			n, ok := known[name]
			if !ok {
				t.Errorf("%s: unknown notice %q", cs.name, name)
				continue
			}
			for _, prof := range cs.s.Profiles {
				res, _ := runWith(t, cs.s, prof, nil, nil)
				found := false
				for _, o := range res.Notices {
					found = found || o.Out.Notice == n
				}
				if !found {
					t.Errorf("%s on %s: no %s notice", cs.name, prof, name)
				}
			}
		}
	}
}

// ---- Coverage table ----------------------------------------------------

// coverStack is the model stack that records, before each segment, call
// and timer, the state of the connection it concerns and the event's
// class. It fires due timers itself, one instant at a time, so that each
// is seen in the state it finds.
type coverStack struct {
	*ModelStack
	rules  []spec.RuleID
	hit    func(state spec.State, class string)
	fdConn map[int32]spec.FourTuple // the connection an fd last held
	linger map[int32][2]int64       // SO_LINGER {onoff, linger} per fd
}

func newCoverStack(ms *ModelStack, hit func(spec.State, string)) *coverStack {
	return &coverStack{ModelStack: ms, hit: hit, fdConn: map[int32]spec.FourTuple{}, linger: map[int32][2]int64{}}
}

// Explain implements Explainer: the rules of the whole step, timers
// included.
func (c *coverStack) Explain() []spec.RuleID { return c.rules }

func (c *coverStack) snap() spec.HostSnap {
	s := c.Host().Snapshot()
	for _, cs := range s.Conns {
		if cs.FD >= 0 {
			c.fdConn[cs.FD] = cs.Tuple
		}
	}
	return s
}

// fireInstant fires the timers due at d, noting each.
func (c *coverStack) fireInstant(d spec.Time) []Observed {
	for _, cs := range c.snap().Conns {
		for k := spec.TimerKind(0); int(k) < spec.NumTimers; k++ {
			if cs.Timers[k] == d {
				c.hit(cs.State, timerClass[k])
			}
		}
	}
	out, _ := c.ModelStack.Advance(d)
	c.rules = append(c.rules, c.ModelStack.Explain()...)
	return out
}

func (c *coverStack) fireUntil(at spec.Time) []Observed {
	var out []Observed
	for {
		d := c.Host().NextDeadline()
		if d == spec.Never || d > at {
			return out
		}
		out = append(out, c.fireInstant(d)...)
	}
}

var timerClass = map[spec.TimerKind]string{
	spec.TimerUser: "timer:user", spec.TimerRetransmit: "timer:retransmit",
	spec.TimerFinWait2: "timer:fin-wait-2", spec.TimerTimeWait: "timer:time-wait",
	spec.TimerLinger: "timer:linger",
}

// Advance implements Stack.
func (c *coverStack) Advance(until spec.Time) ([]Observed, error) {
	c.rules = nil
	for {
		d := c.Host().NextDeadline()
		if d == spec.Never || d > until {
			break
		}
		if out := c.fireInstant(d); len(out) > 0 {
			return out, nil
		}
	}
	out, err := c.ModelStack.Advance(until)
	c.rules = append(c.rules, c.ModelStack.Explain()...)
	return out, err
}

// Inject implements Stack.
func (c *coverStack) Inject(at spec.Time, seg spec.Segment) ([]Observed, error) {
	c.rules = nil
	out := c.fireUntil(at)
	st, class := c.classifySegment(seg)
	c.hit(st, class)
	more, err := c.ModelStack.Inject(at, seg)
	c.rules = append(c.rules, c.ModelStack.Explain()...)
	return append(out, more...), err
}

// Call implements Stack.
func (c *coverStack) Call(at spec.Time, call spec.Call) ([]Observed, error) {
	c.rules = nil
	out := c.fireUntil(at)
	st := c.fdState(call.FD)
	switch call.Kind {
	case spec.CallClose:
		l := c.linger[call.FD]
		switch {
		case l[0] != 0 && l[1] == 0:
			c.hit(st, "call:abort(linger0)")
		case l[0] != 0:
			c.hit(st, "call:close(linger)")
		default:
			c.hit(st, "call:close")
		}
	case spec.CallShutdown, spec.CallRead, spec.CallWrite, spec.CallConnect, spec.CallAccept:
		c.hit(st, "call:"+call.Kind.String())
	case spec.CallSetsockopt:
		if call.Opt == spec.OptLinger {
			c.linger[call.FD] = [2]int64{call.Val, call.Val2}
		}
	}
	more, err := c.ModelStack.Call(at, call)
	c.rules = append(c.rules, c.ModelStack.Explain()...)
	out = append(out, more...)
	for _, o := range out {
		if o.Out.Kind != spec.OutResult || o.Out.Ret < 0 {
			continue
		}
		switch o.Out.Call {
		case spec.CallSocket:
			delete(c.fdConn, int32(o.Out.Ret))
			delete(c.linger, int32(o.Out.Ret))
		case spec.CallAccept: // the new socket inherits the listener's SO_LINGER
			c.linger[int32(o.Out.Ret)] = c.linger[o.Out.FD]
		}
	}
	c.snap()
	return out, err
}

// fdState is the state of the connection socket fd holds: LISTEN for a
// listener, TIME-WAIT for a socket whose connection went on into
// TIME-WAIT without it (AMB-SOCKET-TW), CLOSED otherwise.
func (c *coverStack) fdState(fd int32) spec.State {
	s := c.snap()
	for _, cs := range s.Conns {
		if cs.FD == fd {
			return cs.State
		}
	}
	for _, l := range s.Listeners {
		if l.FD == fd {
			return spec.Listen
		}
	}
	if t, ok := c.fdConn[fd]; ok {
		for _, cs := range s.Conns {
			if cs.Tuple == t && cs.State == spec.TimeWait {
				return spec.TimeWait
			}
		}
	}
	return spec.Closed
}

// classifySegment returns the state of the connection an arriving segment
// belongs to and the segment's class. RSTs are classed by RFC 5961's three
// cases against RCV.NXT and the window (in SYN-SENT: exact if the ACK
// acknowledges our SYN, out of window otherwise); other segments that fail
// RFC 9293 Table 6 are "unacceptable", except a retransmitted FIN ending
// at RCV.NXT, which is a FIN.
func (c *coverStack) classifySegment(seg spec.Segment) (spec.State, string) {
	s := c.snap()
	t := seg.Tuple()
	var conn *spec.ConnSnap
	for i := range s.Conns {
		if s.Conns[i].Tuple == t {
			conn = &s.Conns[i]
		}
	}
	st := spec.Closed
	if conn != nil {
		st = conn.State
	} else {
		for _, l := range s.Listeners {
			if l.Port == t.Local.Port {
				st = spec.Listen
			}
		}
	}
	f := seg.Flags
	plain := func() string {
		switch {
		case f&spec.FIN != 0 && f&spec.ACK == 0:
			return "seg:FIN-noack"
		case f&spec.FIN != 0:
			return "seg:FIN"
		case seg.Len > 0:
			return "seg:data"
		case f&spec.ACK != 0:
			return "seg:ACK"
		}
		return "seg:other"
	}
	switch {
	case f&spec.RST != 0 && conn == nil:
		return st, "seg:RST"
	case f&spec.RST != 0 && st == spec.SynSent:
		if f&spec.ACK != 0 && conn.ISS.LT(seg.Ack) && seg.Ack.LEQ(conn.SndNxt) {
			return st, "seg:RST-exact"
		}
		return st, "seg:RST-outofwindow"
	case f&spec.RST != 0:
		wnd := conn.RcvWnd
		if st == spec.TimeWait {
			wnd = hostProfile(c.ModelStack).RecvBuf // a TIME-WAIT snapshot keeps no window
		}
		switch {
		case seg.Seq == conn.RcvNxt:
			return st, "seg:RST-exact"
		case wnd > 0 && seg.Seq.InWindow(conn.RcvNxt, wnd):
			return st, "seg:RST-inwindow"
		}
		return st, "seg:RST-outofwindow"
	case f&spec.SYN != 0 && f&spec.ACK != 0:
		return st, "seg:SYN+ACK"
	case f&spec.SYN != 0:
		return st, "seg:SYN"
	case conn == nil || st == spec.SynSent:
		return st, plain()
	}
	wnd := conn.RcvWnd
	if st == spec.TimeWait {
		wnd = hostProfile(c.ModelStack).RecvBuf
	}
	if !table6(seg, conn.RcvNxt, wnd) && !(f&spec.FIN != 0 && seg.End() == conn.RcvNxt) {
		return st, "seg:unacceptable"
	}
	return st, plain()
}

// table6 is RFC 9293 Table 6, read strictly.
func table6(seg spec.Segment, rcvNxt spec.Seq, wnd uint32) bool {
	n := seg.SegLen()
	switch {
	case n == 0 && wnd == 0:
		return seg.Seq == rcvNxt
	case n == 0:
		return seg.Seq.InWindow(rcvNxt, wnd)
	case wnd == 0:
		return false
	}
	return seg.Seq.InWindow(rcvNxt, wnd) || seg.Seq.Add(n-1).InWindow(rcvNxt, wnd)
}

// coverage counts, per profile, state and event class, the scripts that
// reach the pair.
type coverage map[string]map[spec.State]map[string]int

func (cv coverage) reached(prof string, st spec.State, class string) bool {
	return cv[prof][st][class] > 0
}

// The event classes of the table, in display order.
var coverClasses = []string{
	"call:connect", "call:accept", "call:read", "call:write", "call:shutdown",
	"call:close", "call:close(linger)", "call:abort(linger0)",
	"seg:SYN", "seg:SYN+ACK", "seg:ACK", "seg:data", "seg:FIN", "seg:FIN-noack",
	"seg:RST", "seg:RST-exact", "seg:RST-inwindow", "seg:RST-outofwindow", "seg:unacceptable", "seg:other",
	"timer:retransmit", "timer:user", "timer:fin-wait-2", "timer:time-wait", "timer:linger",
}

var stateAbbrev = [...]string{"CLSD", "LSTN", "SSNT", "SRCV", "ESTB", "FW1", "FW2", "CLWT", "CLNG", "LACK", "TW"}

// mustReach lists the (state, event class) pairs the corpus must reach on
// the reference profile (rfc9293) and on the profiles together.
func mustReach() map[string][]spec.State {
	sync := []spec.State{spec.Established, spec.FinWait1, spec.FinWait2, spec.CloseWait, spec.Closing, spec.LastAck, spec.TimeWait}
	all := []spec.State{spec.Closed, spec.Listen, spec.SynSent, spec.SynReceived}
	all = append(all, sync...)
	with := func(base []spec.State, more ...spec.State) []spec.State {
		return append(append([]spec.State(nil), base...), more...)
	}
	return map[string][]spec.State{
		"seg:FIN":             sync,
		"seg:SYN":             with(sync, spec.Listen),
		"seg:RST-exact":       with(sync, spec.SynSent, spec.SynReceived),
		"seg:RST-inwindow":    with(sync, spec.SynReceived),
		"seg:RST-outofwindow": with(sync, spec.SynSent, spec.SynReceived),
		"seg:unacceptable":    sync,
		"seg:ACK":             with(sync, spec.Closed, spec.Listen, spec.SynReceived),
		"seg:data":            {spec.Established, spec.FinWait1, spec.FinWait2},
		"seg:FIN-noack":       {spec.Established, spec.FinWait1, spec.FinWait2},
		"seg:SYN+ACK":         {spec.SynSent, spec.SynReceived, spec.Established, spec.Closed},
		"timer:retransmit":    {spec.SynSent, spec.SynReceived, spec.Established, spec.FinWait1, spec.Closing, spec.LastAck},
		"timer:time-wait":     {spec.TimeWait},
		"timer:fin-wait-2":    {spec.FinWait2},
		"timer:user":          {spec.Established},
		"timer:linger":        {spec.FinWait1},
		"call:close":          all,
		"call:abort(linger0)": {spec.SynSent, spec.Established, spec.FinWait1, spec.FinWait2, spec.CloseWait, spec.Closing, spec.LastAck, spec.TimeWait},
		"call:close(linger)":  {spec.Established},
		"call:shutdown":       {spec.SynSent, spec.Established, spec.CloseWait, spec.TimeWait},
		"call:read":           {spec.Closed, spec.Established, spec.FinWait2, spec.CloseWait, spec.TimeWait},
		"call:write":          {spec.Closed, spec.Established, spec.FinWait1, spec.CloseWait},
		"call:connect":        {spec.Closed},
		"call:accept":         {spec.Listen},
	}
}

// TestCorpusCoverageTable runs the whole corpus on every profile each
// script lists and records which (state, event class) pairs are reached:
// the state is that of the connection under test when the event arrives
// (taken from the model host's snapshot), the class that of a segment, a
// socket call or a timer. Run with -v to see the table per profile (the
// number in a cell is how many scripts reach the pair). It fails if a pair
// of mustReach is not reached on rfc9293, or on no profile at all.
func TestCorpusCoverageTable(t *testing.T) {
	corpus := loadCorpus(t)
	cv := coverage{}
	runs := 0
	for _, cs := range corpus {
		for _, prof := range cs.s.Profiles {
			seen := map[spec.State]map[string]bool{}
			res, _ := runWith(t, cs.s, prof, nil, func(ms *ModelStack) Stack {
				return newCoverStack(ms, func(st spec.State, class string) {
					if seen[st] == nil {
						seen[st] = map[string]bool{}
					}
					seen[st][class] = true
				})
			})
			runs++
			if !res.Passed() {
				t.Errorf("%s on %s fails under the coverage stack:\n%v", cs.name, prof, res.Divergence)
			}
			if cv[prof] == nil {
				cv[prof] = map[spec.State]map[string]int{}
			}
			for st, classes := range seen {
				if cv[prof][st] == nil {
					cv[prof][st] = map[string]int{}
				}
				for class := range classes {
					cv[prof][st][class]++
				}
			}
		}
	}
	t.Logf("%d scripts, %d runs", len(corpus), runs)
	for _, prof := range spec.ProfileNames() {
		t.Logf("coverage on %s (scripts reaching each pair):\n%s", prof, cv.table(prof))
	}
	must := mustReach()
	var classes []string
	for class := range must {
		classes = append(classes, class)
	}
	sort.Strings(classes)
	for _, class := range classes {
		for _, st := range must[class] {
			any := false
			for _, prof := range spec.ProfileNames() {
				any = any || cv.reached(prof, st, class)
			}
			if !cv.reached(spec.DefaultProfile, st, class) {
				t.Errorf("%s in %s is not reached on %s", class, st, spec.DefaultProfile)
			}
			if !any {
				t.Errorf("%s in %s is not reached on any profile", class, st)
			}
		}
	}
	for _, prof := range spec.ProfileNames() {
		var missing []string
		for _, class := range classes {
			for _, st := range must[class] {
				if !cv.reached(prof, st, class) {
					missing = append(missing, class+"@"+st.String())
				}
			}
		}
		t.Logf("%s: %d must-reach pairs not reached: %s", prof, len(missing), strings.Join(missing, " "))
	}
}

func (cv coverage) table(prof string) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%-21s", "")
	for _, a := range stateAbbrev {
		fmt.Fprintf(&b, "%5s", a)
	}
	b.WriteByte('\n')
	for _, class := range coverClasses {
		fmt.Fprintf(&b, "%-21s", class)
		for st := spec.State(0); int(st) < spec.NumStates; st++ {
			if n := cv[prof][st][class]; n > 0 {
				fmt.Fprintf(&b, "%5d", n)
			} else {
				fmt.Fprintf(&b, "%5s", ".")
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}
