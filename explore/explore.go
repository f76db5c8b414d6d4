package explore

import (
	"fmt"
	"runtime"
	"sort"
	"sync/atomic"
	"time"

	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/spec"
)

// Stats is the progress of a search.
type Stats struct {
	States   int           // distinct states found
	Edges    int           // transitions between distinct states (self-loops not counted)
	Frontier int           // states waiting to be expanded at the current depth
	Depth    int           // current BFS depth
	Elapsed  time.Duration // wall time so far
}

const (
	defaultMaxStates = 4_000_000
	defaultMaxTraces = 3
	progressEvery    = 1 << 14
	maxGroupTraces   = 8
)

// state flags
const (
	fGoal       uint8 = 1 << iota // no TCB on either host
	fCut                          // some transition cut by capacity (lossless) or not expanded (MaxStates)
	fTerminal                     // no transition leads to another state
	fCanGoal                      // a goal state is reachable
	fCanCut                       // a cut state is reachable
	fUnexpanded                   // never expanded (MaxStates reached)
)

type explorer struct {
	cfg  Config
	prof spec.Profile
	prog [2]Program

	index  map[stateKey]int32
	parent []int32
	lab    []uint32
	depth  []uint16
	flags  []uint8
	sig    []uint16
	sigs   []string
	sigIdx map[string]uint16
	edges  []int32 // from, to pairs

	viol [numProps]*violRec

	memo   memo
	noMemo bool // tests: step every host afresh

	canonMiss int64 // fingerprint records canonicalFingerprint did not recognise (atomic)
}

type violRec struct {
	count    int
	examples []violAt
}

type violAt struct {
	from   int32
	lab    label
	detail string
}

// Run explores every state of cfg's system breadth-first, checks the
// safety properties on every transition and state, and finds the states
// from which both hosts can no longer reach CLOSED. progress, if not nil,
// is called every few thousand states and at the end of each BFS level.
func Run(cfg Config, progress func(Stats)) (*Report, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.MaxStates <= 0 {
		cfg.MaxStates = defaultMaxStates
	}
	if cfg.MaxTraces <= 0 {
		cfg.MaxTraces = defaultMaxTraces
	}
	e := &explorer{cfg: cfg, prof: cfg.effectiveProfile(), prog: [2]Program{cfg.A, cfg.B},
		index: make(map[stateKey]int32), sigIdx: make(map[string]uint16)}
	init, err := e.initial()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	e.search(init, start, progress)
	e.analyse()
	return e.report(time.Since(start)), nil
}

// epoch is where both hosts' clocks start. model.Host.Fingerprint prints
// every time relative to the clock but renders the instant 0 as "never"
// (spec.Never), so a host that stamped LastOOW or RTTStart at time 0
// looks the same at any later time although it behaves differently
// (reported as a model bug). The model is invariant under a shift of
// time (only ISN values move), so starting at a positive epoch keeps
// every stamp away from 0.
const epoch = spec.Time(1000 * time.Second)

func (e *explorer) initial() (*sys, error) {
	s := &sys{}
	for x := 0; x < 2; x++ {
		h, err := model.New(e.prof, spec.HostConfig{Addr: e.addr(x), ISNSecret: uint64(x + 1)})
		if err != nil {
			return nil, fmt.Errorf("explore: host %s: %w", sideName[x], err)
		}
		h.Step(&spec.Event{Kind: spec.EvAdvance, At: epoch}, nil)
		s.h[x] = h
		s.fph[x] = e.hostDigest(h)
		s.app[x] = appState{fd: -1, lfd: -1}
	}
	return s, nil
}

func (e *explorer) add(s *sys, k stateKey, parent int32, l label, d int) int32 {
	i := int32(len(e.parent))
	e.index[k] = i
	e.parent = append(e.parent, parent)
	e.lab = append(e.lab, l.pack())
	e.depth = append(e.depth, uint16(min(d, 65535)))
	var f uint8
	if e.goal(s) {
		f |= fGoal
	}
	e.flags = append(e.flags, f)
	sg := e.connStates(s, 0) + " | " + e.connStates(s, 1)
	si, ok := e.sigIdx[sg]
	if !ok {
		si = uint16(min(len(e.sigs), 65535))
		e.sigIdx[sg] = si
		if len(e.sigs) < 65535 {
			e.sigs = append(e.sigs, sg)
		}
	}
	e.sig = append(e.sig, si)
	for _, v := range e.checkState(s) {
		e.record(v, i, label{kind: 255})
	}
	return i
}

func (e *explorer) record(v violation, from int32, l label) {
	r := e.viol[v.prop]
	if r == nil {
		r = &violRec{}
		e.viol[v.prop] = r
	}
	r.count++
	if len(r.examples) < e.cfg.MaxTraces {
		r.examples = append(r.examples, violAt{from, l, v.detail})
	}
}

// succ is one expanded transition.
type succ struct {
	lab  label
	n    *sys
	key  stateKey
	viol []violation
	cut  bool
	self bool
}

// expand computes every transition of s. It only reads s and the hosts it
// shares with other states (the model's read methods do not mutate), so
// expansions run in parallel.
func (e *explorer) expand(s *sys, k stateKey) []succ {
	ls := e.enabled(s)
	out := make([]succ, len(ls))
	for i, l := range ls {
		st := e.apply(s, l, false)
		out[i] = succ{lab: l, viol: st.viol, cut: st.cut}
		if st.cut {
			continue
		}
		out[i].key = e.key(st.n)
		if out[i].key == k {
			out[i].self = true
			continue
		}
		out[i].n = st.n
	}
	return out
}

const chunkSize = 64

func (e *explorer) search(init *sys, start time.Time, progress func(Stats)) {
	k0 := e.key(init)
	e.add(init, k0, -1, label{kind: 255}, 0)
	frontier, fidx, fkeys := []*sys{init}, []int32{0}, []stateKey{k0}
	depth := 0
	report := func(frontier int) {
		if progress != nil {
			progress(Stats{States: len(e.parent), Edges: len(e.edges) / 2, Frontier: frontier, Depth: depth, Elapsed: time.Since(start)})
		}
	}
	workers := max(1, runtime.GOMAXPROCS(0))
	full := false
	lastReport := 0
	for len(frontier) > 0 {
		var next []*sys
		var nidx []int32
		var nkeys []stateKey
		// Workers expand chunks of the frontier ahead of the merge; the
		// merge takes chunks in order, so results do not depend on
		// scheduling.
		nchunks := (len(frontier) + chunkSize - 1) / chunkSize
		results := make([][][]succ, nchunks)
		done := make([]chan struct{}, nchunks)
		for c := range done {
			done[c] = make(chan struct{})
		}
		todo := make(chan int)
		window := make(chan struct{}, 4*workers)
		var stop atomic.Bool
		go func() {
			for c := 0; c < nchunks; c++ {
				window <- struct{}{}
				todo <- c
			}
			close(todo)
		}()
		for w := 0; w < workers; w++ {
			go func() {
				for c := range todo {
					lo, hi := c*chunkSize, min((c+1)*chunkSize, len(frontier))
					res := make([][]succ, hi-lo)
					if !stop.Load() {
						for i := lo; i < hi; i++ {
							res[i-lo] = e.expand(frontier[i], fkeys[i])
						}
					}
					results[c] = res
					close(done[c])
				}
			}()
		}
		for c := 0; c < nchunks; c++ {
			<-done[c]
			<-window
			lo := c * chunkSize
			for off, ss := range results[c] {
				i := lo + off
				from := fidx[i]
				if full {
					e.flags[from] |= fCut | fUnexpanded
					continue
				}
				out := 0
				for _, sc := range ss {
					for _, v := range sc.viol {
						e.record(v, from, sc.lab)
					}
					if sc.cut {
						e.flags[from] |= fCut
						continue
					}
					if sc.self {
						continue
					}
					out++
					j, seen := e.index[sc.key]
					if !seen {
						if len(e.parent) >= e.cfg.MaxStates {
							full = true
							stop.Store(true)
							e.flags[from] |= fCut
							continue
						}
						j = e.add(sc.n, sc.key, from, sc.lab, depth+1)
						next, nidx, nkeys = append(next, sc.n), append(nidx, j), append(nkeys, sc.key)
					}
					e.edges = append(e.edges, from, j)
				}
				if out == 0 && !full {
					e.flags[from] |= fTerminal
				}
			}
			results[c] = nil
			if len(e.parent)-lastReport >= progressEvery {
				lastReport = len(e.parent)
				report(max(0, len(frontier)-(c+1)*chunkSize) + len(next))
			}
		}
		frontier, fidx, fkeys = next, nidx, nkeys
		if len(frontier) > 0 {
			depth++
		}
		report(len(frontier))
	}
}

// analyse marks the states that can reach a goal state and those that can
// reach a cut state, by backward search over the recorded edges.
func (e *explorer) analyse() {
	n := len(e.parent)
	// reverse adjacency in CSR form
	cnt := make([]int32, n+1)
	for i := 1; i < len(e.edges); i += 2 {
		cnt[e.edges[i]+1]++
	}
	for i := 0; i < n; i++ {
		cnt[i+1] += cnt[i]
	}
	rev := make([]int32, len(e.edges)/2)
	pos := append([]int32(nil), cnt[:n]...)
	for i := 0; i+1 < len(e.edges); i += 2 {
		to := e.edges[i+1]
		rev[pos[to]] = e.edges[i]
		pos[to]++
	}
	back := func(seed, mark uint8) {
		var q []int32
		for i := 0; i < n; i++ {
			if e.flags[i]&seed != 0 {
				e.flags[i] |= mark
				q = append(q, int32(i))
			}
		}
		for len(q) > 0 {
			v := q[len(q)-1]
			q = q[:len(q)-1]
			for _, u := range rev[cnt[v]:cnt[v+1]] {
				if e.flags[u]&mark == 0 {
					e.flags[u] |= mark
					q = append(q, u)
				}
			}
		}
	}
	back(fGoal, fCanGoal)
	back(fCut, fCanCut)
}

// path returns the labels leading from the initial state to state i.
func (e *explorer) path(i int32) []label {
	var ls []label
	for ; i > 0; i = e.parent[i] {
		ls = append(ls, unpack(e.lab[i]))
	}
	for a, b := 0, len(ls)-1; a < b; a, b = a+1, b-1 {
		ls[a], ls[b] = ls[b], ls[a]
	}
	return ls
}

// trace replays the path to state i, then extra if it is a real label.
func (e *explorer) trace(i int32, extra label, detail string) Trace {
	s, _ := e.initial()
	tr := Trace{Detail: detail}
	tr.Steps = append(tr.Steps, TraceStep{Action: "initial", State: e.describe(s)})
	ls := e.path(i)
	if extra.kind != 255 {
		ls = append(ls, extra)
	}
	for _, l := range ls {
		st := e.apply(s, l, true)
		act := "?"
		if len(st.notes) > 0 {
			act = st.notes[0]
		}
		switch l.kind {
		case actDeliver, actDrop, actDup:
			verb := map[actKind]string{actDeliver: "deliver", actDrop: "lose", actDup: "duplicate"}[l.kind]
			act = fmt.Sprintf("%s->%s %s %s", sideName[l.side], sideName[1-l.side], verb, s.ch[l.side][l.arg].seg)
		default:
			st.notes = st.notes[1:]
		}
		s = st.n
		tr.Steps = append(tr.Steps, TraceStep{Action: act, Outputs: st.notes, State: e.describe(s)})
	}
	return tr
}

func (e *explorer) report(elapsed time.Duration) *Report {
	r := &Report{Config: e.cfg.String(), States: len(e.parent), Edges: len(e.edges) / 2, Elapsed: elapsed, CanonMisses: int(e.canonMiss)}
	stuck := map[uint16]*Group{}
	dead := map[uint16]*Group{}
	for i := range e.parent {
		f := e.flags[i]
		if int(e.depth[i]) > r.Depth {
			r.Depth = int(e.depth[i])
		}
		if f&fGoal != 0 {
			r.GoalStates++
		}
		if f&fCut != 0 {
			r.CutStates++
		}
		if f&fUnexpanded != 0 {
			r.Truncated = true
		}
		if f&fCanGoal != 0 {
			continue
		}
		if f&fCanCut != 0 {
			r.StuckInconclusive++
			continue
		}
		r.Stuck++
		addTo(stuck, e, int32(i))
		if f&fTerminal != 0 {
			r.Deadlocks++
			addTo(dead, e, int32(i))
		}
	}
	r.StuckGroups = e.groups(stuck)
	r.DeadlockGroups = e.groups(dead)
	props := Properties()
	for p, v := range e.viol {
		if v == nil {
			continue
		}
		rv := Violation{Property: props[p], Count: v.count}
		for _, ex := range v.examples {
			rv.Examples = append(rv.Examples, e.trace(ex.from, ex.lab, ex.detail))
		}
		r.Violations = append(r.Violations, rv)
	}
	return r
}

func addTo(m map[uint16]*Group, e *explorer, i int32) {
	g := m[e.sig[i]]
	if g == nil {
		g = &Group{Signature: e.sigs[e.sig[i]], first: i}
		m[e.sig[i]] = g
	}
	g.States++
	if p := e.parent[i]; p >= 0 && e.flags[p]&fCanGoal != 0 {
		g.Entries++
	}
}

func (e *explorer) groups(m map[uint16]*Group) []Group {
	gs := make([]Group, 0, len(m))
	for _, g := range m {
		gs = append(gs, *g)
	}
	sort.Slice(gs, func(i, j int) bool {
		if gs[i].States != gs[j].States {
			return gs[i].States > gs[j].States
		}
		return gs[i].Signature < gs[j].Signature
	})
	for i := range gs[:min(len(gs), maxGroupTraces)] {
		gs[i].Example = e.trace(gs[i].first, label{kind: 255}, "")
	}
	return gs
}
