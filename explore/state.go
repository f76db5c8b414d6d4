package explore

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sort"
	"sync/atomic"

	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/spec"
)

// encodeSeg is a compact canonical encoding of every field of a segment.
// A segment carries no time of its own (with timestamps off; with them on
// TSval is an absolute host time and the hosts' clocks join the state).
func encodeSeg(s spec.Segment) string {
	var b [72]byte
	src, dst := s.Src.IP.As4(), s.Dst.IP.As4()
	copy(b[0:4], src[:])
	binary.BigEndian.PutUint16(b[4:], s.Src.Port)
	copy(b[6:10], dst[:])
	binary.BigEndian.PutUint16(b[10:], s.Dst.Port)
	b[12] = byte(s.Flags)
	binary.BigEndian.PutUint32(b[13:], uint32(s.Seq))
	binary.BigEndian.PutUint32(b[17:], uint32(s.Ack))
	binary.BigEndian.PutUint32(b[21:], s.Len)
	binary.BigEndian.PutUint16(b[25:], s.Wnd)
	binary.BigEndian.PutUint16(b[27:], s.Opts.MSS)
	if s.Opts.HasTS {
		b[29] = 1
	}
	binary.BigEndian.PutUint32(b[30:], s.Opts.TS.Val)
	binary.BigEndian.PutUint32(b[34:], s.Opts.TS.Ecr)
	if s.Opts.SackOK {
		b[38] = 1
	}
	b[39] = s.Opts.WScale
	if s.Src.IP.Is6() || s.Dst.IP.Is6() {
		// IPv6 addresses in full; IPv4 ones fit in their 4 bytes above.
		copy(b[40:56], s.Src.IP[:])
		copy(b[56:72], s.Dst.IP[:])
		return string(b[:])
	}
	return string(b[:40])
}

// appState is where a side's application is in its program.
type appState struct {
	started bool  // connect or listen done
	fd      int32 // the connection's socket (-1 none)
	lfd     int32 // the listening socket (-1 none)
	est     bool  // the application has seen the connection established
	dead    bool  // the application was told reset, refused or timed out
	writes  uint8 // successful writes
	shutWR  bool  // shutdown(SHUT_WR) called
	closed  bool  // close(2) (or abort) called on fd
}

// monitor is the history the safety properties need. It is part of the
// state so that the checks see the same history on every path to a state.
type monitor struct {
	written    uint32 // octets the application's writes queued
	read       uint32 // octets the application read
	wrClosed   bool   // shutdown(SHUT_WR) or close(2) called: a FIN may follow
	peerClosed bool   // told peer-closed
	reset      bool   // told reset
	afterReset uint32 // octets the application may still read after the reset notice
	errSeen    bool   // a call reported a connection error: a later 0 from read is not a clean EOF
	abnormal   bool   // this host aborted or gave up (sent an abortive RST, deleted its TCB on a timer)
}

func (m monitor) enc(b []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, m.written)
	b = binary.BigEndian.AppendUint32(b, m.read)
	b = binary.BigEndian.AppendUint32(b, m.afterReset)
	return append(b, bits(m.wrClosed, m.peerClosed, m.reset, m.errSeen, m.abnormal))
}

func (a appState) enc(b []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(a.fd))
	b = binary.BigEndian.AppendUint32(b, uint32(a.lfd))
	return append(b, a.writes, bits(a.started, a.est, a.dead, a.shutWR, a.closed))
}

func bits(bs ...bool) byte {
	var v byte
	for i, b := range bs {
		if b {
			v |= 1 << i
		}
	}
	return v
}

// sys is one state of the two-host system. Hosts are never stepped in
// place: a transition steps a clone, so states share the unchanged host
// records of the host table.
type sys struct {
	hr  [2]*hostRec
	app [2]appState
	mon [2]monitor
	ch  [2][]chanSeg // ch[x]: sent by x, in flight to the other side; sorted by enc
	dup uint8        // duplications used
}

// key is the state's fingerprint: a keyed 64-bit hash of the digests of
// the two hosts' fingerprints, the applications, the monitors, the
// channels, and the clocks where they matter. It does not depend on the
// order in which the tables filled, so counts are the same on every run.
func (e *explorer) key(s *sys) uint64 {
	var arr [512]byte
	buf := arr[:0]
	for x := 0; x < 2; x++ {
		buf = append(buf, s.hr[x].digest[:]...)
		buf = s.app[x].enc(buf)
		buf = s.mon[x].enc(buf)
		if e.clockInKey(s, x) {
			buf = append(buf, 't')
			buf = binary.BigEndian.AppendUint64(buf, uint64(s.hr[x].h.Now()))
		}
		buf = append(buf, byte(len(s.ch[x])))
		for _, c := range s.ch[x] {
			buf = append(buf, c.enc...)
		}
	}
	buf = append(buf, s.dup)
	return fingerprint(e.fpKey, buf)
}

// hostDigest is the digest of h's fingerprint, canonicalised unless the
// configuration asks for raw fingerprints.
func (e *explorer) hostDigest(h *model.Host) [sha256.Size]byte {
	fp := h.Fingerprint()
	if !e.cfg.RawFingerprints {
		var miss int
		fp, miss = canonicalFingerprint(fp, e.prof.OOWAckInterval)
		if miss > 0 {
			atomic.AddInt64(&e.canonMiss, int64(miss))
		}
	}
	return sha256.Sum256([]byte(fp))
}

// clockInKey reports whether host x's absolute clock can still influence
// its future: when it may yet choose an ISS (RFC 6528 ISNs follow the
// clock) because it listens or has not connected, or when timestamps are
// on (TSval is the clock). Otherwise only times relative to the host's
// clock matter and Fingerprint already expresses them so.
func (e *explorer) clockInKey(s *sys, x int) bool {
	if e.prof.Timestamps {
		return true
	}
	return !s.app[x].started || s.app[x].lfd >= 0
}

func (s *sys) clone() *sys {
	n := *s
	return &n
}

// ---- transitions ----------------------------------------------------------

type actKind uint8

const (
	actApp     actKind = iota // an application action of side
	actTimer                  // side's clock jumps to its next deadline
	actTick                   // the shared clock jumps to the next deadline
	actDeliver                // segment arg of ch[side] arrives at the other side
	actDrop                   // segment arg of ch[side] is lost
	actDup                    // segment arg of ch[side] is duplicated
	actNone    actKind = 7    // no transition (the initial state; a state violation)
)

type appAct uint8

const (
	appConnect appAct = iota
	appListen
	appAccept
	appWrite
	appRead
	appShutdown
	appClose
	appAbort
	appCloseListener
)

var appActNames = [...]string{"connect", "listen", "accept", "write", "read", "shutdown(SHUT_WR)", "close", "abort (SO_LINGER 0, close)", "close listener"}

type label struct {
	kind actKind
	side uint8
	arg  uint8
}

var noLabel = label{kind: actNone}

func (l label) pack() uint16 { return uint16(l.kind)<<9 | uint16(l.side&1)<<8 | uint16(l.arg) }
func unpack(v uint16) label {
	return label{kind: actKind(v >> 9), side: uint8(v>>8) & 1, arg: uint8(v)}
}

var sideName = [2]string{"A", "B"}

// enabled lists the transitions of s in a fixed order.
func (e *explorer) enabled(s *sys) []label {
	ls := make([]label, 0, 16)
	for x := 0; x < 2; x++ {
		for _, a := range e.appActions(s, x) {
			ls = append(ls, label{actApp, uint8(x), uint8(a)})
		}
	}
	switch e.cfg.Clock {
	case Independent:
		for x := 0; x < 2; x++ {
			at := s.hr[x].next
			if at != spec.Never && e.timersAllowed(s.hr[x], at) {
				ls = append(ls, label{actTimer, uint8(x), 0})
			}
		}
	case Shared:
		if _, ok := e.nextTick(s); ok {
			ls = append(ls, label{actTick, 0, 0})
		}
	}
	for x := 0; x < 2; x++ {
		ch := s.ch[x]
		for i := range ch {
			if i > 0 && ch[i].enc == ch[i-1].enc {
				continue // identical segments: one choice
			}
			ls = append(ls, label{actDeliver, uint8(x), uint8(i)})
			if e.cfg.Loss {
				ls = append(ls, label{actDrop, uint8(x), uint8(i)})
			}
			if int(s.dup) < e.cfg.Dups && len(ch) < e.cfg.Capacity {
				ls = append(ls, label{actDup, uint8(x), uint8(i)})
			}
		}
	}
	return ls
}

// nextTick is the shared clock's next deadline, if its expiry is allowed.
func (e *explorer) nextTick(s *sys) (spec.Time, bool) {
	at := spec.Never
	for x := 0; x < 2; x++ {
		if d := s.hr[x].next; d != spec.Never && (at == spec.Never || d < at) {
			at = d
		}
	}
	if at == spec.Never {
		return 0, false
	}
	for x := 0; x < 2; x++ {
		if !e.timersAllowed(s.hr[x], at) {
			return 0, false
		}
	}
	return at, true
}

// timersAllowed reports whether every timer of h due at or before at is of
// an allowed kind.
func (e *explorer) timersAllowed(h *hostRec, at spec.Time) bool {
	if e.cfg.Timers == nil {
		return true
	}
	for _, k := range dueKinds(h.snap, at) {
		if !e.cfg.timerAllowed(k) {
			return false
		}
	}
	return true
}

// dueKinds lists the kinds of the timers in snap due at or before at.
func dueKinds(snap spec.HostSnap, at spec.Time) []spec.TimerKind {
	var ks []spec.TimerKind
	for _, c := range snap.Conns {
		for k, d := range c.Timers {
			if d != spec.Never && d <= at {
				ks = append(ks, spec.TimerKind(k))
			}
		}
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i] < ks[j] })
	return ks
}

func (e *explorer) appActions(s *sys, x int) []appAct {
	pr := e.prog[x]
	a := s.app[x]
	if !a.started {
		if pr.Role == Active {
			return []appAct{appConnect}
		}
		return []appAct{appListen}
	}
	var as []appAct
	if pr.Role == Passive && a.lfd >= 0 {
		if a.fd < 0 && !a.closed {
			as = append(as, appAccept)
		}
		if pr.CloseListener && a.fd >= 0 {
			as = append(as, appCloseListener)
		}
	}
	if a.fd >= 0 && !a.closed {
		canEnd := a.est || a.dead || pr.Early
		if a.est && !a.shutWR && int(a.writes) < pr.Writes {
			as = append(as, appWrite)
		}
		if pr.Read {
			as = append(as, appRead)
		}
		if pr.Shutdown && !a.shutWR && canEnd {
			as = append(as, appShutdown)
		}
		if pr.Close && canEnd {
			as = append(as, appClose)
		}
		if pr.Abort && canEnd {
			as = append(as, appAbort)
		}
	}
	return as
}

// step is one transition in progress.
type step struct {
	e    *explorer
	n    *sys
	cut  bool        // a send found its channel full on a lossless channel
	viol []violation // safety violations seen on this transition
	cur  *hostStep   // the host step being built (begin .. seal)
	curH *model.Host // the host being stepped (begin .. seal)
	pre  spec.HostSnap
	// verbose: collect a readable account (for traces)
	verbose bool
	notes   []string
}

// hostStep is what stepping one host did: the new host and its outputs.
// It depends only on the host's state and the event (or application
// action), so it is memoised.
type hostStep struct {
	rec      *hostRec
	outs     []spec.Output
	ret      int64 // an application action: the result of its first call
	abnormal bool  // a rule abnormalRule recognises fired
}

// apply performs transition l from s.
func (e *explorer) apply(s *sys, l label, verbose bool) *step {
	st := &step{e: e, n: s.clone(), verbose: verbose}
	e.applyTo(st, s, l)
	return st
}

// applyTo performs transition l from s into st, whose n is a copy of s.
func (e *explorer) applyTo(st *step, s *sys, l label) {
	verbose := st.verbose
	x := int(l.side)
	switch l.kind {
	case actApp:
		st.app(x, appAct(l.arg))
	case actTimer:
		h := st.n.hr[x]
		at := h.next
		if verbose {
			st.note("%s timers %v at %s", sideName[x], dueKinds(h.snap, at), at-epoch)
		}
		st.hostEvent(x, spec.Event{Kind: spec.EvAdvance, At: at}, "")
	case actTick:
		at, _ := e.nextTick(s)
		for y := 0; y < 2; y++ {
			if verbose {
				if ks := dueKinds(st.n.hr[y].snap, at); len(ks) > 0 {
					st.note("%s timers %v at %s", sideName[y], ks, at-epoch)
				}
			}
			st.hostEvent(y, spec.Event{Kind: spec.EvAdvance, At: at}, "")
		}
	case actDeliver, actDrop, actDup:
		ch := s.ch[x]
		i := int(l.arg)
		seg := ch[i].seg
		switch l.kind {
		case actDup:
			st.n.ch[x] = insertSeg(ch, ch[i])
			st.n.dup++
		default:
			st.n.ch[x] = append(append(make([]chanSeg, 0, len(ch)-1), ch[:i]...), ch[i+1:]...)
		}
		if l.kind == actDeliver {
			y := 1 - x
			st.hostEvent(y, spec.Event{Kind: spec.EvSegment, At: st.n.hr[y].h.Now(), Seg: seg}, ch[i].enc)
		}
	}
}

// memoKeyFor is the memo key of stepping host x of the current state.
func (st *step) memoKeyFor(x int, kind spec.EventKind) memoKey {
	hr := st.n.hr[x]
	k := memoKey{digest: hr.digest, kind: kind, side: uint8(x)}
	// A cached host carries the clock of the state it was first computed
	// in. That is harmless where the absolute clock no longer matters,
	// except under a shared clock, where the two hosts' clocks must agree.
	if st.e.clockInKey(st.n, x) || st.e.cfg.Clock == Shared {
		k.clock = hr.h.Now()
	}
	return k
}

// hostEvent steps host x with a clock advance or a segment (whose
// encoding is enc), through the memo unless verbose.
func (st *step) hostEvent(x int, ev spec.Event, enc string) {
	if st.verbose || st.e.noMemo {
		st.begin(x)
		st.ev(ev)
		st.finish(x, st.seal())
		return
	}
	h := st.n.hr[x].h
	k := st.memoKeyFor(x, ev.Kind)
	if ev.Kind == spec.EvAdvance {
		k.at = ev.At - h.Now()
	} else {
		k.seg = enc
	}
	hs := st.e.memo.get(k)
	if hs == nil {
		st.begin(x)
		st.ev(ev)
		hs = st.seal()
		st.e.memo.put(k, hs)
	}
	st.finish(x, hs)
}

func insertSeg(ch []chanSeg, c chanSeg) []chanSeg {
	i := sort.Search(len(ch), func(i int) bool { return ch[i].enc >= c.enc })
	n := make([]chanSeg, 0, len(ch)+1)
	n = append(n, ch[:i]...)
	n = append(n, c)
	return append(n, ch[i:]...)
}

func (st *step) note(f string, args ...any) {
	if st.verbose {
		st.notes = append(st.notes, fmt.Sprintf(f, args...))
	}
}

// begin starts stepping host x: clone it.
func (st *step) begin(x int) {
	st.curH = st.n.hr[x].h.Clone()
	st.cur = &hostStep{}
}

func (st *step) ev(ev spec.Event) []spec.Output {
	h := st.curH
	n := len(st.cur.outs)
	st.cur.outs = h.Step(&ev, st.cur.outs)
	out := st.cur.outs[n:]
	for _, r := range h.Fired() {
		if abnormalRule(r) {
			st.cur.abnormal = true
		}
	}
	return out
}

// seal completes the host step begun by begin.
func (st *step) seal() *hostStep {
	hs := st.cur
	hs.rec = st.e.hosts.intern(st.curH, st.e.hostDigest(st.curH))
	st.cur, st.curH = nil, nil
	return hs
}

func (st *step) call(c spec.Call) spec.Output {
	h := st.curH
	out := st.ev(spec.Event{Kind: spec.EvCall, At: h.Now(), Call: c})
	for _, o := range out {
		if o.Kind == spec.OutResult && o.Call == c.Kind && (o.FD == c.FD || c.Kind == spec.CallSocket) {
			return o
		}
	}
	return spec.Output{Kind: spec.OutResult, FD: c.FD, Call: c.Kind, Ret: -1, Err: spec.EAGAIN}
}

func (e *explorer) addr(x int) spec.Addr {
	if e.cfg.IPv6 {
		return Addr6(x)
	}
	return Addr(x)
}

// app performs application action a of side x. Multi-call actions are
// atomic: no other event comes between their calls, which loses nothing
// because the calls before the last one create no TCB.
func (st *step) app(x int, a appAct) {
	ap := &st.n.app[x]
	if st.verbose {
		st.note("%s app: %s", sideName[x], appActNames[a])
	}
	var hs *hostStep
	if st.verbose || st.e.noMemo {
		hs = st.appHost(x, a, *ap)
	} else {
		// The calls depend on the host, the side's program, the action
		// and the application's descriptors.
		k := st.memoKeyFor(x, spec.EvCall)
		k.act, k.fd, k.lfd = a, ap.fd, ap.lfd
		if hs = st.e.memo.get(k); hs == nil {
			hs = st.appHost(x, a, *ap)
			st.e.memo.put(k, hs)
		}
	}
	switch a {
	case appConnect, appListen:
		ap.started = true
		if a == appListen {
			ap.lfd = int32(hs.ret)
		} else {
			ap.fd = int32(hs.ret)
		}
	case appAccept:
		if hs.ret >= 0 {
			ap.fd, ap.est = int32(hs.ret), true
		}
	case appWrite:
		if hs.ret > 0 {
			ap.writes++
		}
	case appShutdown:
		ap.shutWR = true
		st.n.mon[x].wrClosed = true
	case appClose, appAbort:
		ap.closed = true
		st.n.mon[x].wrClosed = true
	case appCloseListener:
		ap.lfd = -1
	}
	st.finish(x, hs)
}

// appHost makes the calls of application action a on a clone of host x.
func (st *step) appHost(x int, a appAct, ap appState) *hostStep {
	pr := st.e.prog[x]
	st.begin(x)
	var ret int64
	switch a {
	case appConnect, appListen:
		r := st.call(spec.Call{Kind: spec.CallSocket})
		ret = r.Ret
		fd := int32(r.Ret)
		st.call(spec.Call{Kind: spec.CallSetsockopt, FD: fd, Opt: spec.OptNonBlock, Val: 1})
		if pr.Port != 0 {
			st.call(spec.Call{Kind: spec.CallBind, FD: fd, Addr: spec.SockAddr{Port: pr.Port}})
		}
		if a == appListen {
			st.call(spec.Call{Kind: spec.CallListen, FD: fd, N: 1})
		} else {
			st.call(spec.Call{Kind: spec.CallConnect, FD: fd, Addr: spec.SockAddr{IP: st.e.addr(1 - x), Port: pr.PeerPort}})
		}
	case appAccept:
		ret = st.call(spec.Call{Kind: spec.CallAccept, FD: ap.lfd}).Ret
	case appWrite:
		ret = st.call(spec.Call{Kind: spec.CallWrite, FD: ap.fd, N: int64(pr.WriteSize)}).Ret
	case appRead:
		st.call(spec.Call{Kind: spec.CallRead, FD: ap.fd, N: 1 << 16})
	case appShutdown:
		st.call(spec.Call{Kind: spec.CallShutdown, FD: ap.fd, How: spec.ShutWR})
	case appClose, appAbort:
		if a == appAbort {
			st.call(spec.Call{Kind: spec.CallSetsockopt, FD: ap.fd, Opt: spec.OptLinger, Val: 1, Val2: 0})
		}
		st.call(spec.Call{Kind: spec.CallClose, FD: ap.fd})
	case appCloseListener:
		st.call(spec.Call{Kind: spec.CallClose, FD: ap.lfd})
	}
	hs := st.seal()
	hs.ret = ret
	return hs
}

// finish installs host step hs as host x of the new state: route its
// segments, feed its outputs to the monitors and checks.
func (st *step) finish(x int, hs *hostStep) {
	n := st.n
	st.pre = n.hr[x].snap
	n.hr[x] = hs.rec
	post := hs.rec.snap
	y := 1 - x
	if hs.abnormal {
		n.mon[x].abnormal = true
	}
	for _, o := range hs.outs {
		switch o.Kind {
		case spec.OutSegment:
			if st.verbose {
				st.notes = append(st.notes, fmt.Sprintf("%s sends %s", sideName[x], o.Seg))
			}
			st.checkSegment(x, o.Seg, post)
			if o.Seg.Dst.IP != st.e.addr(y) {
				continue
			}
			if len(n.ch[x]) >= st.e.cfg.Capacity {
				if st.e.cfg.Loss {
					st.note("  (channel %s->%s full: lost)", sideName[x], sideName[y])
				} else {
					st.cut = true
				}
				continue
			}
			n.ch[x] = insertSeg(n.ch[x], st.e.segs.intern(o.Seg))
		case spec.OutResult:
			if st.verbose && !(o.Ret == -1 && o.Err == spec.EAGAIN && o.Call == spec.CallRead) {
				st.notes = append(st.notes, fmt.Sprintf("%s %s", sideName[x], o))
			}
			if o.FD == n.app[x].fd {
				st.checkResult(x, o)
			}
		case spec.OutNotice:
			if st.verbose {
				st.notes = append(st.notes, fmt.Sprintf("%s notice %s", sideName[x], o.Notice))
			}
			if o.FD == n.app[x].fd && !n.app[x].closed {
				st.checkNotice(x, o, post)
			}
		}
	}
}

// abnormalRule recognises the rules whose firing means the host ended (or
// is ending) a connection abortively: an ABORT, a close that resets, a
// reset answering an in-window SYN, or a timer giving up.
func abnormalRule(id spec.RuleID) bool {
	switch id {
	case "R9293-CALL-ABORT", "R9293-ABORT-SYNC", "R9293-ABORT-UNSYNC", "R9293-ABORT-LATE",
		"R9293-MUST20", // R2 reached: the connection is given up
		"R9293-TO-USER", "AMB-FW2-TIMER",
		"R9293-SHLD3", // close with unread data, or data after close: RST
		"R9293-SEG-SYN-793", "R9293-CLOSE-SYNSENT":
		return true
	}
	return false
}

// goal: every active side has connected and neither host holds a TCB.
func (e *explorer) goal(s *sys) bool {
	for x := 0; x < 2; x++ {
		if e.prog[x].Role == Active && !s.app[x].started {
			return false
		}
		if !s.hr[x].noTCB {
			return false
		}
	}
	return true
}

// describe is a one-line summary of the hosts' connections and channels.
func (e *explorer) describe(s *sys) string {
	var b []byte
	for x := 0; x < 2; x++ {
		b = append(b, sideName[x]...)
		b = append(b, ' ')
		b = append(b, e.connStates(s, x)...)
		if x == 0 {
			b = append(b, " | "...)
		}
	}
	for x := 0; x < 2; x++ {
		b = append(b, fmt.Sprintf(" | %s->%s [", sideName[x], sideName[1-x])...)
		for i, c := range s.ch[x] {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = append(b, c.seg.String()...)
		}
		b = append(b, ']')
	}
	return string(b)
}

// appPlace is where an application is, as connStates prints it.
type appPlace uint8

const (
	placeOpen appPlace = iota
	placeNotStarted
	placeClosed
	placeShutWR
	placeListening
)

var appPlaceNames = [...]string{"", " (app not started)", " (app closed)", " (app shut wr)", " (listening)"}

func appPlaceOf(a appState) appPlace {
	switch {
	case !a.started:
		return placeNotStarted
	case a.closed:
		return placeClosed
	case a.shutWR:
		return placeShutWR
	case a.fd < 0 && a.lfd >= 0:
		return placeListening
	}
	return placeOpen
}

// connStates names the states of host x's connections and its
// application's socket, e.g. "FIN-WAIT-2 (app closed)".
func (e *explorer) connStates(s *sys, x int) string {
	return s.hr[x].conns + appPlaceNames[appPlaceOf(s.app[x])]
}
