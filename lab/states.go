//go:build linux

package lab

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"

	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack/linux"
)

// poller reads sock_diag over and over and logs every change of state.
type poller struct {
	d       *linux.DiagSocket
	start   time.Time
	stop    chan struct{}
	done    chan struct{}
	last    map[spec.FourTuple]string
	missing map[spec.FourTuple]time.Duration // when a tuple was first missed
	changes []StateChange
	polls   int
	err     error
}

func startPoller(ns *linux.NetNS, start time.Time) (*poller, error) {
	d, err := ns.NewDiagSocket()
	if err != nil {
		return nil, err
	}
	p := &poller{d: d, start: start, stop: make(chan struct{}), done: make(chan struct{}),
		last: make(map[spec.FourTuple]string), missing: make(map[spec.FourTuple]time.Duration)}
	go p.loop()
	return p, nil
}

func diagRole(s linux.SockInfo) string {
	switch {
	case s.State == linux.TCPListen:
		return "listener"
	case s.Tuple.Local.Port == srvPort:
		return server.String()
	}
	return client.String()
}

func (p *poller) loop() {
	defer close(p.done)
	for {
		select {
		case <-p.stop:
			return
		default:
		}
		socks, err := p.d.Sockets()
		at := time.Since(p.start)
		if err != nil {
			p.err = err
			return
		}
		p.polls++
		seen := make(map[spec.FourTuple]bool)
		for _, s := range socks {
			// A socket in TCP_CLOSE has left the connection tables; a dump
			// can still catch it while an orphan is being replaced by its
			// TIME-WAIT (or FIN-WAIT-2) mini-socket. ss shows it as UNCONN
			// for that instant; the connection itself lives on.
			if s.State == linux.TCPClose {
				continue
			}
			seen[s.Tuple] = true
			delete(p.missing, s.Tuple)
			st := s.State.Spec().String()
			if p.last[s.Tuple] != st {
				p.last[s.Tuple] = st
				note := s.State.String()
				if s.Timer != linux.TimerOff {
					note += fmt.Sprintf(" timer:(%s,%.3fsec)", s.Timer, s.Expires.Seconds())
				}
				p.changes = append(p.changes, StateChange{At: at, Who: diagRole(s), State: st, Note: note})
			}
		}
		// A connection is gone once two dumps in a row miss it: one dump
		// can miss an entry that is being replaced under it.
		for t, st := range p.last {
			if !seen[t] && st != spec.Closed.String() {
				first, ok := p.missing[t]
				if !ok {
					p.missing[t] = at
					continue
				}
				at := first
				delete(p.missing, t)
				p.last[t] = spec.Closed.String()
				who := client.String()
				if t.Local.Port == srvPort {
					who = server.String()
				}
				p.changes = append(p.changes, StateChange{At: at, Who: who, State: spec.Closed.String(), Note: "gone"})
			}
		}
		runtime.Gosched()
	}
}

func (p *poller) Stop() ([]StateChange, int, error) {
	close(p.stop)
	<-p.done
	p.d.Close()
	return p.changes, p.polls, p.err
}

// sequence lists the states role went through, with how long each
// lasted (the last lasts until end).
type held struct {
	State string
	For   time.Duration
}

func sequence(changes []StateChange, role string, end time.Duration) []held {
	var out []held
	for _, c := range changes {
		if c.Who != role {
			continue
		}
		if n := len(out); n > 0 {
			if out[n-1].State == c.State {
				continue
			}
			out[n-1].For = c.At - out[n-1].For
		}
		out = append(out, held{State: c.State, For: c.At}) // For holds the start until closed
	}
	if n := len(out); n > 0 {
		out[n-1].For = end - out[n-1].For
	}
	return out
}

func names(h []held) string {
	s := make([]string, len(h))
	for i, x := range h {
		s[i] = x.State
	}
	return strings.Join(s, " -> ")
}

// transient is how short a predicted state may be and still go unseen by
// polling.
const transient = time.Millisecond

// matchStates checks that what the kernel showed fits the prediction:
// the observed states are the predicted ones in order, except that states
// the model holds for less than a millisecond may be missed.
func matchStates(obs, pred []held) (ok bool, missed []string) {
	j := 0
	for _, o := range obs {
		for j < len(pred) && pred[j].State != o.State {
			if pred[j].For >= transient {
				return false, nil
			}
			missed = append(missed, pred[j].State)
			j++
		}
		if j == len(pred) {
			return false, nil
		}
		j++
	}
	for ; j < len(pred); j++ {
		if pred[j].For >= transient {
			return false, nil
		}
		missed = append(missed, pred[j].State)
	}
	return true, missed
}

// runStates plays scenarioStates on the kernel while polling sock_diag,
// and on the model, and compares each connection's states.
func runStates(opts Options, w io.Writer) (Result, error) {
	r := Result{Name: "states", Verdict: Agrees}
	l, err := newLab(true)
	if err != nil {
		return r, err
	}
	defer l.close()
	pl, err := startPoller(l.ns, l.k.start)
	if err != nil {
		return r, err
	}
	scenarioStates(l.k)
	end := l.k.elapsed()
	changes, polls, err := pl.Stop()
	if err != nil {
		return r, err
	}
	if err := l.stopCapture(); err != nil {
		return r, err
	}
	r.States = changes
	kseg := l.segments()
	r.Segments = tcpdumpLines(kseg)
	if err := l.savePcap(opts, "states", &r); err != nil {
		return r, err
	}

	m, err := newModelActor()
	if err != nil {
		return r, err
	}
	scenarioStates(m)
	mend := m.elapsed()

	fmt.Fprintf(w, "observed (sock_diag polled %d times in %s, as ss -tan shows it):\n", polls, secs(end))
	for _, line := range merged(l.k.calls, kseg) {
		fmt.Fprintf(w, "  %s\n", line)
	}
	fmt.Fprintf(w, "state log, kernel:\n")
	for _, c := range changes {
		fmt.Fprintf(w, "  %10.6f %-8s %-12s %s\n", c.At.Seconds(), c.Who, c.State, c.Note)
	}
	fmt.Fprintf(w, "state log, model (linux profile):\n")
	mchanges := m.changes()
	for _, c := range mchanges {
		fmt.Fprintf(w, "  %10.6f %-8s %s\n", c.At.Seconds(), c.Who, c.State)
	}
	for _, role := range []string{client.String(), server.String()} {
		obs, pred := sequence(changes, role, end), sequence(mchanges, role, mend)
		ok, missed := matchStates(obs, pred)
		fmt.Fprintf(w, "%s:\n  kernel: %s\n  model:  %s\n", role, names(obs), names(pred))
		if len(missed) > 0 {
			fmt.Fprintf(w, "  (not seen by polling, predicted to last under %v: %s)\n", transient, strings.Join(missed, ", "))
		}
		if !ok {
			r.differ("%s states: kernel %s; model %s", role, names(obs), names(pred))
		}
	}
	return r, nil
}
