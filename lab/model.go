package lab

import (
	"fmt"
	"time"

	"github.com/tcpclose/tcpclose/sim"
	"github.com/tcpclose/tcpclose/spec"
)

// side names one end of an experiment's connection.
type side int

const (
	client side = iota
	server
)

func (s side) String() string {
	if s == client {
		return "client"
	}
	return "server"
}

// labAddr is the loopback address the experiments use; srvPort is the
// server's port.
var (
	labAddr = spec.IPv4(127, 0, 0, 1)
	srvPort = uint16(8080)
	srvAddr = spec.SockAddr{IP: labAddr, Port: srvPort}
)

// modelActor plays an experiment's calls on two model hosts, the client
// (side A) and the server (side B), in a sim.World whose network has no
// delay and no loss: as on loopback, a segment arrives within the call
// that sent it.
type modelActor struct {
	w     *sim.World
	calls []callRecord
}

// loopbackMSS is the MSS Linux uses on lo (MTU 65536 less 40 octets of
// headers and 12 of timestamps): the model's hosts use it too, so that
// both cut data into the same segments.
const loopbackMSS = "65483"

// newModelActor builds the world: two hosts with the linux profile,
// loopback's MSS and the overrides given, both on labAddr as on loopback.
func newModelActor(overrides ...[2]string) (*modelActor, error) {
	var ps [2]spec.Profile
	for i := range ps {
		ps[i] = spec.MustProfile("linux")
		for _, kv := range append([][2]string{{"MSS", loopbackMSS}}, overrides...) {
			if err := ps[i].SetField(kv[0], kv[1]); err != nil {
				return nil, fmt.Errorf("lab: profile: %w", err)
			}
		}
	}
	w, err := sim.NewWorld(sim.Config{
		Seed:     1,
		Profiles: ps,
		Addrs:    [2]spec.SockAddr{{IP: labAddr}, srvAddr},
	})
	if err != nil {
		return nil, fmt.Errorf("lab: model pair: %w", err)
	}
	return &modelActor{w: w}, nil
}

// maxCallWait is how long call waits for a blocked call to return before
// it reports the call as stuck.
const maxCallWait = 10 * time.Second

func (m *modelActor) call(who side, c spec.Call) (int64, spec.Errno) {
	mark := len(m.w.Trace().Records)
	m.w.Call(sim.Side(who), c)
	m.w.Run(0) // deliver what the call sent, as loopback does
	for waited := time.Duration(0); ; {
		for _, rec := range m.w.Trace().Records[mark:] {
			o := rec.Out
			if rec.Kind == sim.RecResult && rec.Side == sim.Side(who) && o.Call == c.Kind && (o.FD == c.FD || c.Kind == spec.CallSocket) {
				m.calls = append(m.calls, callRecord{At: time.Duration(rec.At), Who: who, Call: c, Ret: o.Ret, Err: o.Err})
				return o.Ret, o.Err
			}
		}
		if waited > maxCallWait {
			m.calls = append(m.calls, callRecord{At: time.Duration(m.w.Now()), Who: who, Call: c, Ret: -1, Err: spec.ETIMEDOUT, Stuck: true})
			return -1, spec.ETIMEDOUT
		}
		m.w.Run(time.Millisecond)
		waited += time.Millisecond
	}
}

func (m *modelActor) sleep(d time.Duration) { m.w.Run(d) }

func (m *modelActor) elapsed() time.Duration { return time.Duration(m.w.Now()) }

// segments returns what the hosts sent, in order.
func (m *modelActor) segments() []sentSeg {
	var out []sentSeg
	for _, rec := range m.w.Trace().Records {
		if rec.Kind == sim.RecSend {
			out = append(out, sentSeg{At: time.Duration(rec.At), From: side(rec.Side), Seg: rec.Seg})
		}
	}
	return out
}

// changes returns every change of connection state, a connection that
// went away as CLOSED.
func (m *modelActor) changes() []StateChange {
	var out []StateChange
	for _, rec := range m.w.Trace().Records {
		if rec.Kind == sim.RecState {
			out = append(out, StateChange{At: time.Duration(rec.At), Who: roleOf(side(rec.Side), rec.Tuple), State: rec.To.String()})
		}
	}
	return out
}

// roleOf names a connection by the end that holds it.
func roleOf(who side, t spec.FourTuple) string {
	if t.Local.Port == srvPort && t.Remote.Port != 0 {
		return server.String()
	}
	if t.Remote.Port == srvPort {
		return client.String()
	}
	return who.String()
}

// actor performs an experiment's calls: on the kernel or on the model.
type actor interface {
	// call makes c as side who and returns once it has returned.
	call(who side, c spec.Call) (int64, spec.Errno)
	sleep(d time.Duration)
	elapsed() time.Duration
}

// callRecord is one call in a transcript.
type callRecord struct {
	At    time.Duration
	Who   side
	Call  spec.Call
	Ret   int64
	Err   spec.Errno
	Stuck bool // the model never returned it
}

func (r callRecord) String() string {
	res := fmt.Sprintf("= %d", r.Ret)
	if r.Ret == -1 {
		res = "= -1 " + r.Err.String()
	}
	if r.Stuck {
		res = "never returns"
	}
	return fmt.Sprintf("%s %s", r.Call, res)
}

// sentSeg is a segment and the side that sent it.
type sentSeg struct {
	At   time.Duration
	From side
	Seg  spec.Segment
}
