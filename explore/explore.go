package explore

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/spec"
)

// Stats is the progress of a search.
type Stats struct {
	States    int           // distinct states found
	Edges     int           // transitions between distinct states (self-loops not counted)
	Generated int64         // successor states computed (TLC's "states generated")
	Frontier  int           // states found but not yet expanded
	Depth     int           // current BFS depth
	Elapsed   time.Duration // wall time so far
	Mem       int64         // bytes of memory in use: the Go runtime's and the explorer's own mappings
}

const (
	defaultMaxStates   = 4_000_000
	defaultMaxTraces   = 3
	defaultFrontierMem = 2 << 20
	progressEvery      = 1 << 14
	maxGroupTraces     = 8
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

// The explorer keeps per state only its fingerprint (in the visited set)
// and a flag byte in memory; parent, label and signature go to a record
// file, edges to an edge file, and the frontier to byte slabs that spill
// to a file beyond Config.FrontierMem.
type explorer struct {
	cfg   Config
	prof  spec.Profile
	prog  [2]Program
	fpKey uint64

	hosts hostTable
	segs  segTable
	memo  memo

	mem   offheapCounter
	table *fpTable
	flags bigArray[uint8]
	recs  *records
	edges *edgeLog
	depth int // the deepest BFS level

	sigs   []string
	sigIdx map[sigKey]uint16
	sigStr map[string]uint16

	viol       [numProps]*violRec
	generated  int64
	stopReason string
	passes     int // analysis passes over the edges
	peakMem    int64
	memSamples []metrics.Sample

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
	e, err := newExplorer(cfg)
	if err != nil {
		return nil, err
	}
	defer e.close()
	return e.run(progress)
}

func newExplorer(cfg Config) (*explorer, error) {
	if cfg.MaxStates <= 0 {
		cfg.MaxStates = defaultMaxStates
	}
	if cfg.MaxTraces <= 0 {
		cfg.MaxTraces = defaultMaxTraces
	}
	if cfg.FrontierMem <= 0 {
		cfg.FrontierMem = defaultFrontierMem
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	e := &explorer{cfg: cfg, prof: cfg.effectiveProfile(), prog: [2]Program{cfg.A, cfg.B}, fpKey: cfg.FPKey,
		sigIdx: make(map[sigKey]uint16), sigStr: make(map[string]uint16)}
	if e.fpKey == 0 {
		e.fpKey = DefaultFPKey
	}
	e.flags.mem = &e.mem
	e.hosts.what, e.segs.what = "host", "segment"
	var err error
	if e.table, err = newFPTable(&e.mem); err != nil {
		return nil, err
	}
	if e.recs, err = newRecords(cfg.TempDir); err != nil {
		e.close()
		return nil, err
	}
	if e.edges, err = newEdgeLog(cfg.TempDir); err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

func (e *explorer) close() {
	if e.table != nil {
		e.table.free()
	}
	e.flags.free()
	if e.recs != nil {
		e.recs.close()
	}
	if e.edges != nil {
		e.edges.close()
	}
}

func (e *explorer) run(progress func(Stats)) (*Report, error) {
	init, err := e.initial()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if err := e.search(init, start, progress); err != nil {
		return nil, err
	}
	if err := e.analyse(); err != nil {
		return nil, err
	}
	return e.report(time.Since(start))
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
		s.hr[x] = e.hosts.intern(h, e.hostDigest(h))
		s.app[x] = appState{fd: -1, lfd: -1}
	}
	return s, nil
}

// sigKey identifies a connection-state signature: the two host records
// and where each application is (appSuffix, by pointer: the suffixes are
// constants).
type sigKey struct {
	h [2]uint32
	a [2]appPlace
}

func (e *explorer) sigKeyOf(s *sys) sigKey {
	return sigKey{h: [2]uint32{s.hr[0].id, s.hr[1].id}, a: [2]appPlace{appPlaceOf(s.app[0]), appPlaceOf(s.app[1])}}
}

func (e *explorer) sigOf(k sigKey) uint16 {
	if i, ok := e.sigIdx[k]; ok {
		return i
	}
	r0, _ := e.hosts.get(k.h[0])
	r1, _ := e.hosts.get(k.h[1])
	sg := r0.conns + appPlaceNames[k.a[0]] + " | " + r1.conns + appPlaceNames[k.a[1]]
	i, ok := e.sigStr[sg]
	if !ok {
		i = uint16(min(len(e.sigs), 65535))
		e.sigStr[sg] = i
		if len(e.sigs) < 65535 {
			e.sigs = append(e.sigs, sg)
		}
	}
	e.sigIdx[k] = i
	return i
}

// add records a new state.
func (e *explorer) add(fp uint64, parent int32, l label, goal bool, sig sigKey, viol []violation) (int32, error) {
	i, err := e.table.add(fp)
	if err != nil {
		return 0, err
	}
	var f uint8
	if goal {
		f |= fGoal
	}
	if err := e.flags.append(f); err != nil {
		return 0, err
	}
	if err := e.recs.append(parent, l.pack(), e.sigOf(sig)); err != nil {
		return 0, fmt.Errorf("explore: writing state records: %w", err)
	}
	for _, v := range viol {
		e.record(v, i, noLabel)
	}
	return i, nil
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
	lab   label
	fp    uint64
	enc   []byte      // the new state, encoded (nil if cut or a self-loop)
	viol  []violation // on the transition
	sviol []violation // of the new state
	goal  bool
	sig   sigKey
	cut   bool
	self  bool
}

// expand computes every transition of s. It only reads s and the hosts it
// shares with other states (the model's read methods do not mutate), so
// expansions run in parallel.
func (e *explorer) expand(s *sys, fp uint64, buf []byte) ([]succ, []byte) {
	ls := e.enabled(s)
	out := make([]succ, len(ls))
	// one step and one successor, reused: a successor lives only until it
	// is encoded
	st := &step{e: e}
	n := &sys{}
	for i, l := range ls {
		*n = *s
		*st = step{e: e, n: n}
		e.applyTo(st, s, l)
		out[i] = succ{lab: l, viol: st.viol, cut: st.cut}
		if st.cut {
			continue
		}
		out[i].fp = e.key(n)
		if out[i].fp == fp {
			out[i].self = true
			continue
		}
		start := len(buf)
		buf = n.encode(buf)
		out[i].enc = buf[start:len(buf):len(buf)]
		out[i].goal = e.goal(n)
		out[i].sviol = e.checkState(n)
		out[i].sig = e.sigKeyOf(n)
	}
	return out, buf
}

const chunkSize = 64

// chunk is a slice of the frontier handed to a worker.
type chunk struct {
	first int32 // index of its first state
	buf   []byte
	ends  []int
	res   [][]succ
	err   error
	done  chan struct{}
}

// memInUse is the memory the process holds: what the Go runtime has
// mapped and not returned, and the explorer's own mappings.
func (e *explorer) memInUse() int64 {
	if e.memSamples == nil {
		e.memSamples = []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	}
	metrics.Read(e.memSamples)
	var m int64
	if e.memSamples[0].Value.Kind() == metrics.KindUint64 {
		m = int64(e.memSamples[0].Value.Uint64())
	}
	if e.memSamples[1].Value.Kind() == metrics.KindUint64 {
		m -= int64(e.memSamples[1].Value.Uint64())
	}
	m += e.mem.n.Load()
	e.peakMem = max(e.peakMem, m)
	return m
}

func (e *explorer) states() int { return e.flags.len() }

func (e *explorer) search(init *sys, start time.Time, progress func(Stats)) error {
	fp0 := e.key(init)
	if _, err := e.add(fp0, -1, noLabel, e.goal(init), e.sigKeyOf(init), e.checkState(init)); err != nil {
		return err
	}
	cur := &queue{dir: e.cfg.TempDir, memBound: e.cfg.FrontierMem}
	next := &queue{dir: e.cfg.TempDir, memBound: e.cfg.FrontierMem}
	defer cur.close()
	defer next.close()
	if err := cur.push(init.encode(nil)); err != nil {
		return err
	}
	depth := 0
	levelStart := int32(0)
	report := func(frontier int) {
		if progress != nil {
			progress(Stats{States: e.states(), Edges: int(e.edges.n), Generated: e.generated, Frontier: frontier,
				Depth: depth, Elapsed: time.Since(start), Mem: e.memInUse()})
		}
	}
	full := false
	lastReport := 0
	var tos []int32
	for cur.n > 0 {
		if err := cur.startRead(); err != nil {
			return err
		}
		if err := next.reset(); err != nil {
			return err
		}
		n := cur.n
		nchunks := (n + chunkSize - 1) / chunkSize
		chunks := make(chan *chunk, 2*e.cfg.Workers)
		todo := make(chan *chunk)
		var stop atomic.Bool
		// The reader hands the frontier out in chunks; workers decode and
		// expand them; the merge below takes chunks in order, so results
		// do not depend on scheduling.
		go func() {
			defer close(todo)
			defer close(chunks)
			for c := 0; c < nchunks; c++ {
				ch := &chunk{first: levelStart + int32(c*chunkSize), done: make(chan struct{})}
				for i := c * chunkSize; i < min((c+1)*chunkSize, n); i++ {
					var err error
					if ch.buf, err = cur.next(ch.buf); err != nil {
						ch.err = fmt.Errorf("explore: reading the frontier: %w", err)
						break
					}
					ch.ends = append(ch.ends, len(ch.buf))
				}
				chunks <- ch
				todo <- ch
			}
		}()
		var wg sync.WaitGroup
		for w := 0; w < e.cfg.Workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var out []byte
				for ch := range todo {
					ch.res = make([][]succ, len(ch.ends))
					if ch.err == nil && !stop.Load() {
						out = make([]byte, 0, 32*chunkSize*8)
						from := 0
						for i, end := range ch.ends {
							s, err := e.decode(ch.buf[from:end])
							if err != nil {
								ch.err = err
								break
							}
							from = end
							ch.res[i], out = e.expand(s, e.key(s), out)
						}
					}
					close(ch.done)
				}
			}()
		}
		var err error
		for ch := range chunks {
			<-ch.done
			if ch.err != nil && err == nil && !full {
				err = ch.err
				stop.Store(true)
			}
			if err != nil {
				continue
			}
			if !full && e.cfg.MaxMem > 0 && e.memInUse() > e.cfg.MaxMem {
				full = true
				stop.Store(true)
				e.stopReason = fmt.Sprintf("memory bound %.0f MB reached", float64(e.cfg.MaxMem)/1e6)
			}
			if !full && e.cfg.MaxTime > 0 && time.Since(start) > e.cfg.MaxTime {
				full = true
				stop.Store(true)
				e.stopReason = fmt.Sprintf("time bound %s reached", e.cfg.MaxTime)
			}
			for off, ss := range ch.res {
				from := ch.first + int32(off)
				if full {
					*e.flags.ptr(int(from)) |= fCut | fUnexpanded
					continue
				}
				tos = tos[:0]
				for _, sc := range ss {
					for _, v := range sc.viol {
						e.record(v, from, sc.lab)
					}
					if sc.cut {
						*e.flags.ptr(int(from)) |= fCut
						continue
					}
					e.generated++
					if sc.self {
						continue
					}
					j := e.table.find(sc.fp)
					if j < 0 {
						if e.states() >= e.cfg.MaxStates {
							full = true
							stop.Store(true)
							e.stopReason = fmt.Sprintf("%d states reached", e.cfg.MaxStates)
							*e.flags.ptr(int(from)) |= fCut
							continue
						}
						if j, err = e.add(sc.fp, from, sc.lab, sc.goal, sc.sig, sc.sviol); err == nil {
							err = next.push(sc.enc)
						}
						if err != nil {
							stop.Store(true)
							break
						}
					}
					tos = append(tos, j)
				}
				if err == nil {
					err = e.edges.group(from, tos)
				}
				if err != nil {
					stop.Store(true)
					break
				}
				if len(tos) == 0 && !full {
					*e.flags.ptr(int(from)) |= fTerminal
				}
			}
			ch.res = nil
			if e.states()-lastReport >= progressEvery {
				lastReport = e.states()
				report(max(0, int(levelStart)+n-int(ch.first)-len(ch.ends)) + next.n)
			}
		}
		wg.Wait()
		if err != nil {
			return err
		}
		cur, next = next, cur
		if full {
			// every state found but not expanded
			for i := int(levelStart) + n; i < e.states(); i++ {
				*e.flags.ptr(i) |= fCut | fUnexpanded
			}
			if cur.n > 0 {
				depth++
			}
			e.depth = depth
			report(0)
			break
		}
		if cur.n > 0 {
			depth++
		}
		levelStart += int32(n)
		report(cur.n)
	}
	e.depth = depth
	e.memInUse()
	e.table.free() // the analysis and the report need only flags and records
	return e.recs.flush()
}

// analyse marks the states that can reach a goal state and those that can
// reach a cut state: passes over the edges, last to first, until nothing
// changes. Most edges lead to a later state, so one pass settles most of
// the graph and a few more the edges that lead back.
func (e *explorer) analyse() error {
	n := e.states()
	for i := 0; i < n; i++ {
		f := e.flags.ptr(i)
		if *f&fGoal != 0 {
			*f |= fCanGoal
		}
		if *f&fCut != 0 {
			*f |= fCanCut
		}
	}
	for {
		e.passes++
		changed := false
		err := e.edges.backward(func(from, to int32) {
			t := e.flags.at(int(to)) & (fCanGoal | fCanCut)
			if f := e.flags.ptr(int(from)); t&^*f != 0 {
				*f |= t
				changed = true
			}
		})
		if err != nil {
			return err
		}
		if !changed {
			return nil
		}
	}
}

// path returns the labels leading from the initial state to state i.
func (e *explorer) path(i int32) ([]label, error) {
	var ls []label
	for i > 0 {
		p, l, _, err := e.recs.at(i)
		if err != nil {
			return nil, err
		}
		ls = append(ls, unpack(l))
		i = p
	}
	for a, b := 0, len(ls)-1; a < b; a, b = a+1, b-1 {
		ls[a], ls[b] = ls[b], ls[a]
	}
	return ls, nil
}

// trace replays the path to state i, then extra if it is a real label.
func (e *explorer) trace(i int32, extra label, detail string) (Trace, error) {
	s, err := e.initial()
	if err != nil {
		return Trace{}, err
	}
	tr := Trace{Detail: detail}
	tr.Steps = append(tr.Steps, TraceStep{Action: "initial", State: e.describe(s)})
	ls, err := e.path(i)
	if err != nil {
		return Trace{}, err
	}
	if extra.kind != actNone {
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
	return tr, nil
}

func (e *explorer) report(elapsed time.Duration) (*Report, error) {
	n := e.states()
	r := &Report{Config: e.cfg.String(), States: n, Edges: int(e.edges.n), Depth: e.depth, Elapsed: elapsed,
		CanonMisses: int(e.canonMiss), Generated: e.generated, FPKey: e.fpKey, StopReason: e.stopReason,
		HostStates: e.hosts.len(), Passes: e.passes, Workers: e.cfg.Workers, PeakMem: e.peakMem, PeakRSS: peakRSS()}
	r.OmissionOptimistic, r.OmissionBirthday = omission(int64(n), e.generated)
	stuck := map[uint16]*Group{}
	dead := map[uint16]*Group{}
	err := e.recs.each(func(i int32, parent int32, sig uint16) {
		f := e.flags.at(int(i))
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
			return
		}
		if f&fCanCut != 0 {
			r.StuckInconclusive++
			return
		}
		r.Stuck++
		entry := parent >= 0 && e.flags.at(int(parent))&fCanGoal != 0
		e.addTo(stuck, i, sig, entry)
		if f&fTerminal != 0 {
			r.Deadlocks++
			e.addTo(dead, i, sig, entry)
		}
	})
	if err != nil {
		return nil, err
	}
	if r.StuckGroups, err = e.groups(stuck); err != nil {
		return nil, err
	}
	if r.DeadlockGroups, err = e.groups(dead); err != nil {
		return nil, err
	}
	props := Properties()
	for p, v := range e.viol {
		if v == nil {
			continue
		}
		rv := Violation{Property: props[p], Count: v.count}
		for _, ex := range v.examples {
			tr, err := e.trace(ex.from, ex.lab, ex.detail)
			if err != nil {
				return nil, err
			}
			rv.Examples = append(rv.Examples, tr)
		}
		r.Violations = append(r.Violations, rv)
	}
	return r, nil
}

func (e *explorer) addTo(m map[uint16]*Group, i int32, sig uint16, entry bool) {
	g := m[sig]
	if g == nil {
		g = &Group{Signature: e.sigs[sig], first: i}
		m[sig] = g
	}
	g.States++
	if entry {
		g.Entries++
	}
}

func (e *explorer) groups(m map[uint16]*Group) ([]Group, error) {
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
		tr, err := e.trace(gs[i].first, noLabel, "")
		if err != nil {
			return nil, err
		}
		gs[i].Example = tr
	}
	return gs, nil
}
