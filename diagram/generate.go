// Package diagram generates the state diagram of a profile from the
// model's own transitions: nothing in it is drawn by hand.
//
// Generate drives a model.Host through a systematic set of events from
// every state it can reach and records each transition the model makes.
// Two roots start the search: an active opener (socket, bind, connect)
// and a passive one (socket, bind, listen, with the listener kept open so
// that a SYN can reopen TIME-WAIT). From each state reached it tries:
//
//   - the application's calls on the connection's socket, while it has
//     one: close, shutdown(SHUT_WR), and abort (SO_LINGER {on, 0}, then
//     close);
//   - segments from the peer, built from the connection's variables so
//     that each is what a real peer would send at that point: SYN,
//     SYN,ACK, the ACK of our SYN or FIN, the peer's FIN (new, or a
//     retransmission once it was received), a FIN that also acknowledges
//     ours, 100 octets of data, a RST at RCV.NXT, a RST elsewhere in the
//     window, and a SYN from a new incarnation in TIME-WAIT;
//   - the next timer to expire (retransmission, FIN-WAIT-2, 2MSL, user
//     timeout), and the retransmission timer expiring until the
//     connection gives up (R2).
//
// Each (state, event) that changes the state, or leaves it but sends
// something, becomes an Edge labelled "event / snd SEGMENTS" (for example
// "rcv FIN / snd ACK"); events the model ignores (no state change, no
// output) are not edges. States are RFC 9293's, except that a connection
// that ends is CLOSED, and a passive connection reset in SYN-RECEIVED
// returns to LISTEN (RFC 9293 §3.3.2, note 1).
//
// States are told apart by the connection's state and its observable
// variables (sequence numbers relative to the initial ones, unread and
// unsent octets, which timers run, whether a socket holds it), which keeps
// the search finite; the retransmission counter is not among them, which
// is why giving up after R2 is tried as an event of its own.
//
// Graph renders as Mermaid, Graphviz dot, SVG, a table, or the Markdown
// page docs/state-diagram-PROFILE.md.
package diagram

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tcpclose/tcpclose/model"
	"github.com/tcpclose/tcpclose/spec"
)

// Edge is one transition the model makes.
type Edge struct {
	From, To string // RFC 9293 state names ("FIN-WAIT-1")
	Event    string // "rcv FIN", "close", "2MSL timeout"
	Output   string // "snd ACK", "snd FIN, RST"; empty if nothing is sent
}

// Label is the edge's label: "event / output", or the event alone.
func (e Edge) Label() string {
	if e.Output == "" {
		return e.Event
	}
	return e.Event + " / " + e.Output
}

// Loop reports whether the edge leaves the state unchanged.
func (e Edge) Loop() bool { return e.From == e.To }

// Graph is the state diagram of one profile.
type Graph struct {
	Profile string
	// States lists the states that appear, in RFC 9293 order.
	States []string
	// Edges in a canonical order: by source state, then target state,
	// then label.
	Edges []Edge
	// Explored counts the distinct host states visited.
	Explored int
}

// Addresses of the host under test and of the peer the generator plays.
var (
	hostIP = spec.IPv4(192, 168, 0, 1)
	peerIP = spec.IPv4(192, 0, 2, 1)
)

const (
	hostISS = spec.Seq(1_000_000)
	peerISN = spec.Seq(5_000_000)
	step    = spec.Time(1_000_000) // events are 1 ms apart
	// maxStates bounds the search; a profile needing more is an error.
	maxStates = 20000
	// maxRetrans bounds the retransmissions tried when giving up (R2).
	maxRetrans = 200
	dataLen    = 100
)

// stateOrder is the order states are listed and sorted in.
var stateOrder = map[string]int{}

func init() {
	for s := spec.Closed; int(s) < spec.NumStates; s++ {
		stateOrder[s.String()] = int(s)
	}
}

type node struct {
	h     *model.Host
	tuple spec.FourTuple
	fd    int32 // the connection's socket; -1 once closed
	state string
}

type event struct {
	label string
	apply func(h *model.Host, n *node) []spec.Output
}

// Generate explores the model with profile p and returns its state
// diagram.
func Generate(p spec.Profile) (*Graph, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("diagram: profile %s: %w", p.Name, err)
	}
	g := &gen{p: p, seen: map[string]bool{}, edges: map[Edge]bool{}}
	if err := g.roots(); err != nil {
		return nil, err
	}
	for len(g.queue) > 0 {
		n := g.queue[0]
		g.queue = g.queue[1:]
		for _, ev := range g.events(n) {
			h := n.h.Clone()
			outs := ev.apply(h, n)
			outs = append(outs, g.housekeep(h)...)
			m := g.after(n, h)
			e := Edge{From: n.state, To: m.state, Event: ev.label, Output: sent(outs)}
			if e.From != e.To || e.Output != "" {
				g.edges[e] = true
			}
			g.visit(m)
			if len(g.seen) > maxStates {
				return nil, fmt.Errorf("diagram: profile %s: more than %d states; the search does not converge", p.Name, maxStates)
			}
		}
	}
	return g.graph(), nil
}

type gen struct {
	p     spec.Profile
	seen  map[string]bool
	queue []*node
	edges map[Edge]bool
}

func (g *gen) newHost() (*model.Host, error) {
	h, err := model.New(g.p, spec.HostConfig{Addr: hostIP, ISNSecret: 1, FixedISS: hostISS})
	if err != nil {
		return nil, fmt.Errorf("diagram: %w", err)
	}
	return h, nil
}

func call(h *model.Host, c spec.Call) []spec.Output {
	return h.Step(&spec.Event{Kind: spec.EvCall, At: h.Now() + step, Call: c}, nil)
}

// setup makes a non-blocking socket bound to port; it returns the fd.
func setup(h *model.Host, port uint16) (int32, error) {
	outs := call(h, spec.Call{Kind: spec.CallSocket})
	fd := int32(-1)
	for _, o := range outs {
		if o.Kind == spec.OutResult && o.Call == spec.CallSocket && o.Ret >= 0 {
			fd = int32(o.Ret)
		}
	}
	if fd < 0 {
		return -1, fmt.Errorf("diagram: socket() failed")
	}
	for _, c := range []spec.Call{
		{Kind: spec.CallSetsockopt, FD: fd, Opt: spec.OptNonBlock, Val: 1},
		{Kind: spec.CallSetsockopt, FD: fd, Opt: spec.OptReuseAddr, Val: 1},
		{Kind: spec.CallBind, FD: fd, Addr: spec.SockAddr{IP: hostIP, Port: port}},
	} {
		for _, o := range call(h, c) {
			if o.Kind == spec.OutResult && o.Ret < 0 {
				return -1, fmt.Errorf("diagram: %s failed: %s", c, o.Err)
			}
		}
	}
	return fd, nil
}

// roots records the opening edges from CLOSED and queues the two roots.
func (g *gen) roots() error {
	// active: connect from port 40000 to the peer's 8080
	h, err := g.newHost()
	if err != nil {
		return err
	}
	fd, err := setup(h, 40000)
	if err != nil {
		return err
	}
	t := spec.FourTuple{Local: spec.SockAddr{IP: hostIP, Port: 40000}, Remote: spec.SockAddr{IP: peerIP, Port: 8080}}
	outs := call(h, spec.Call{Kind: spec.CallConnect, FD: fd, Addr: t.Remote})
	n := &node{h: h, tuple: t, fd: fd, state: h.ConnState(t).String()}
	g.edges[Edge{From: "CLOSED", To: n.state, Event: "connect", Output: sent(outs)}] = true
	g.visit(n)

	// passive: listen on 8080; the peer connects from 50000
	h, err = g.newHost()
	if err != nil {
		return err
	}
	fd, err = setup(h, 8080)
	if err != nil {
		return err
	}
	outs = call(h, spec.Call{Kind: spec.CallListen, FD: fd, N: 16})
	t = spec.FourTuple{Local: spec.SockAddr{IP: hostIP, Port: 8080}, Remote: spec.SockAddr{IP: peerIP, Port: 50000}}
	n = &node{h: h, tuple: t, fd: -1, state: "LISTEN"}
	g.edges[Edge{From: "CLOSED", To: "LISTEN", Event: "listen", Output: sent(outs)}] = true
	g.visit(n)
	return nil
}

// conn returns the snapshot of the node's connection, if it exists.
func conn(h *model.Host, t spec.FourTuple) (spec.ConnSnap, bool) {
	for _, c := range h.Snapshot().Conns {
		if c.Tuple == t {
			return c, true
		}
	}
	return spec.ConnSnap{}, false
}

func listening(h *model.Host, port uint16) bool {
	for _, l := range h.Snapshot().Listeners {
		if l.Port == port {
			return true
		}
	}
	return false
}

// key tells host states apart by what the diagram depends on.
func key(n *node) string {
	c, ok := conn(n.h, n.tuple)
	if !ok {
		return n.state + fmt.Sprintf(" listen=%t", listening(n.h, n.tuple.Local.Port))
	}
	var timers strings.Builder
	for k, d := range c.Timers {
		if d != spec.Never {
			fmt.Fprintf(&timers, "%d", k)
		}
	}
	return fmt.Sprintf("%s fd=%t una=%d nxt=%d rcv=%d unread=%d unsent=%d timers=%s listen=%t",
		c.State, c.FD >= 0, c.SndUna.Sub(c.ISS), c.SndNxt.Sub(c.ISS), c.RcvNxt.Sub(c.IRS), c.Unread, c.Unsent,
		timers.String(), listening(n.h, n.tuple.Local.Port))
}

// visit queues n if its state is new; ended connections are not explored.
func (g *gen) visit(n *node) {
	k := key(n)
	if g.seen[k] {
		return
	}
	g.seen[k] = true
	if n.state == "CLOSED" {
		return
	}
	g.queue = append(g.queue, n)
}

// housekeep accepts a connection waiting on the listener, so that the
// application holds a socket for it.
func (g *gen) housekeep(h *model.Host) []spec.Output {
	var outs []spec.Output
	for _, l := range h.Snapshot().Listeners {
		if len(l.Queue) > 0 {
			outs = append(outs, call(h, spec.Call{Kind: spec.CallAccept, FD: l.FD})...)
		}
	}
	return outs
}

// after is the node for host h after an event at node n.
func (g *gen) after(n *node, h *model.Host) *node {
	m := &node{h: h, tuple: n.tuple, fd: n.fd}
	c, ok := conn(h, n.tuple)
	switch {
	case ok:
		m.state = c.State.String()
		m.fd = c.FD
	case n.state == spec.SynReceived.String() && listening(h, n.tuple.Local.Port):
		m.state = "LISTEN" // RFC 9293 note 1
	case n.state == "LISTEN":
		m.state = "LISTEN"
	default:
		m.state = "CLOSED"
	}
	return m
}

// sent names the segments among outs: "snd SYN,ACK", "snd ACK, FIN".
func sent(outs []spec.Output) string {
	var names []string
	for _, o := range outs {
		if o.Kind != spec.OutSegment {
			continue
		}
		f := o.Seg.Flags
		var s string
		switch {
		case f.Has(spec.RST):
			s = "RST"
		case f.Has(spec.SYN | spec.ACK):
			s = "SYN,ACK"
		case f.Has(spec.SYN):
			s = "SYN"
		case f.Has(spec.FIN):
			s = "FIN"
		case o.Seg.Len > 0:
			s = "data"
		default:
			s = "ACK"
		}
		if len(names) == 0 || names[len(names)-1] != s {
			names = append(names, s)
		}
	}
	if len(names) == 0 {
		return ""
	}
	return "snd " + strings.Join(names, ", ")
}

// events lists what may happen to node n.
func (g *gen) events(n *node) []event {
	var evs []event
	c, ok := conn(n.h, n.tuple)
	local, remote := n.tuple.Local, n.tuple.Remote
	seg := func(flags spec.Flags, seq, ack spec.Seq, length uint32) spec.Segment {
		s := spec.Segment{Src: remote, Dst: local, Flags: flags, Seq: seq, Ack: ack, Len: length, Wnd: 65535}
		if flags.Has(spec.SYN) {
			s.Opts.MSS = 1460
		}
		return s
	}
	rcv := func(label string, s spec.Segment) {
		evs = append(evs, event{label, func(h *model.Host, _ *node) []spec.Output {
			return h.Step(&spec.Event{Kind: spec.EvSegment, At: h.Now() + step, Seg: s}, nil)
		}})
	}
	if !ok {
		if n.state == "LISTEN" {
			rcv("rcv SYN", seg(spec.SYN, peerISN, 0, 0))
			rcv("rcv ACK", seg(spec.ACK, peerISN+1, hostISS+1, 0))
		}
		return evs
	}
	st := c.State
	if st == spec.TimeWait {
		c.SndUna = c.SndNxt // a TIME-WAIT snapshot keeps SND.NXT only; all is acknowledged
	}
	// calls on the connection's socket
	if c.FD >= 0 {
		fd := c.FD
		closeLabel := "close"
		if c.Unread > 0 {
			closeLabel = "close (unread data)"
		}
		evs = append(evs,
			event{closeLabel, func(h *model.Host, _ *node) []spec.Output {
				return call(h, spec.Call{Kind: spec.CallClose, FD: fd})
			}},
			event{"shutdown", func(h *model.Host, _ *node) []spec.Output {
				return call(h, spec.Call{Kind: spec.CallShutdown, FD: fd, How: spec.ShutWR})
			}},
			event{"abort", func(h *model.Host, _ *node) []spec.Output {
				outs := call(h, spec.Call{Kind: spec.CallSetsockopt, FD: fd, Opt: spec.OptLinger, Val: 1, Val2: 0})
				return append(outs, call(h, spec.Call{Kind: spec.CallClose, FD: fd})...)
			}})
	}
	// segments from the peer
	if st == spec.SynSent {
		rcv("rcv SYN,ACK", seg(spec.SYN|spec.ACK, peerISN, c.SndNxt, 0))
		rcv("rcv SYN", seg(spec.SYN, peerISN, 0, 0))
		rcv("rcv RST", seg(spec.RST|spec.ACK, 0, c.SndNxt, 0))
	} else {
		ours := "FIN"
		if st == spec.SynReceived {
			ours = "SYN"
		}
		unacked := c.SndNxt != c.SndUna
		if unacked {
			rcv("rcv ACK of "+ours, seg(spec.ACK, c.RcvNxt, c.SndNxt, 0))
		} else {
			rcv("rcv ACK", seg(spec.ACK, c.RcvNxt, c.SndNxt, 0))
		}
		finSeq := c.RcvNxt
		if st.PeerFinReceived() {
			finSeq = c.RcvNxt - 1 // a retransmission of the FIN we have
		}
		if st != spec.SynReceived {
			rcv("rcv FIN", seg(spec.FIN|spec.ACK, finSeq, c.SndUna, 0))
		}
		if unacked {
			rcv("rcv FIN + ACK of "+ours, seg(spec.FIN|spec.ACK, finSeq, c.SndNxt, 0))
		}
		// data, once per connection (so that the search stays finite)
		if !st.PeerFinReceived() && st != spec.SynReceived && c.RcvNxt.Sub(c.IRS) == 1 {
			rcv("rcv data", seg(spec.PSH|spec.ACK, c.RcvNxt, c.SndNxt, dataLen))
		}
		rcv("rcv RST", seg(spec.RST, c.RcvNxt, 0, 0))
		if c.RcvWnd > 1 || st == spec.TimeWait {
			rcv("rcv RST in window", seg(spec.RST, c.RcvNxt+1, 0, 0))
		}
		if st == spec.TimeWait {
			rcv("rcv SYN", seg(spec.SYN, c.RcvNxt+100000, 0, 0))
		} else {
			rcv("rcv SYN", seg(spec.SYN, c.RcvNxt, 0, 0))
		}
	}
	// timers
	if d := n.h.NextDeadline(); d != spec.Never {
		kind := -1
		for k, t := range c.Timers {
			if t == d {
				kind = k
				break
			}
		}
		if kind >= 0 {
			tk := spec.TimerKind(kind)
			evs = append(evs, event{timerLabel(tk), func(h *model.Host, _ *node) []spec.Output {
				return h.Step(&spec.Event{Kind: spec.EvAdvance, At: h.NextDeadline()}, nil)
			}})
			if tk == spec.TimerRetransmit {
				evs = append(evs, event{"retransmissions exhausted", giveUp(n.tuple)})
			}
		}
	}
	return evs
}

// giveUp lets the retransmission timer expire until the connection's state
// changes (R2, SynR2) and returns the outputs of the last expiry.
func giveUp(t spec.FourTuple) func(h *model.Host, n *node) []spec.Output {
	return func(h *model.Host, n *node) []spec.Output {
		start := h.ConnState(t)
		for i := 0; i < maxRetrans; i++ {
			c, ok := conn(h, t)
			d := h.NextDeadline()
			if !ok || d == spec.Never || c.Timers[spec.TimerRetransmit] != d {
				return nil
			}
			outs := h.Step(&spec.Event{Kind: spec.EvAdvance, At: d}, nil)
			if h.ConnState(t) != start {
				return outs
			}
		}
		return nil
	}
}

var timerLabels = [...]string{spec.TimerRetransmit: "retransmission timeout", spec.TimerFinWait2: "FIN-WAIT-2 timeout", spec.TimerTimeWait: "2MSL timeout", spec.TimerUser: "user timeout", spec.TimerLinger: "linger timeout"}

func timerLabel(k spec.TimerKind) string {
	if int(k) < len(timerLabels) {
		return timerLabels[k]
	}
	return "timeout"
}

func (g *gen) graph() *Graph {
	gr := &Graph{Profile: g.p.Name, Explored: len(g.seen)}
	states := map[string]bool{}
	for e := range g.edges {
		gr.Edges = append(gr.Edges, e)
		states[e.From], states[e.To] = true, true
	}
	for s := range states {
		gr.States = append(gr.States, s)
	}
	sort.Slice(gr.States, func(i, j int) bool { return stateOrder[gr.States[i]] < stateOrder[gr.States[j]] })
	sort.Slice(gr.Edges, func(i, j int) bool {
		a, b := gr.Edges[i], gr.Edges[j]
		if a.From != b.From {
			return stateOrder[a.From] < stateOrder[b.From]
		}
		if a.To != b.To {
			return stateOrder[a.To] < stateOrder[b.To]
		}
		return a.Label() < b.Label()
	})
	return gr
}
