package gvisor

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"gvisor.dev/gvisor/pkg/buffer"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/link/channel"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	netstack "gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"

	"github.com/tcpclose/tcpclose/spec"
	"github.com/tcpclose/tcpclose/stack"
	codec "github.com/tcpclose/tcpclose/wire"
)

// Version is the gVisor module version this adapter is built and tested
// against (the gvisor profile in package spec cites the same one).
const Version = "gvisor.dev/gvisor v0.0.0-20260905035102-160fafc42237"

// Config describes a netstack host. The zero value is netstack's defaults
// at stack.LocalIP().
type Config struct {
	// Addr is the host's address; zero means stack.LocalIP().
	Addr spec.Addr
	// Peers is the network the scripted peers live on, routed through the
	// NIC; zero means 192.0.2.0/24 (the network of stack.RemoteIP()).
	Peers spec.Addr
	// PeersPrefix is the prefix length of Peers; 0 means 24.
	PeersPrefix int
	// MTU of the link; 0 means 1500.
	MTU uint32
	// Seed keys every random number netstack draws (ISNs, timestamp
	// offsets, port choice), so runs repeat exactly.
	Seed uint64

	// TimeWait is how long TIME-WAIT lasts (tcpip.TCPTimeWaitTimeoutOption);
	// 0 keeps netstack's default of 60 s.
	TimeWait time.Duration
	// FinWait2Timeout ends an orphaned FIN-WAIT-2
	// (tcpip.TCPLingerTimeoutOption); 0 keeps netstack's default of 60 s.
	FinWait2Timeout time.Duration
	// Sysctls are applied with Stack.Sysctl after the options above, in
	// the order given.
	Sysctls [][2]string
}

// Stack is gVisor's netstack driven as a stack.Stack. It is not safe for
// concurrent use.
type Stack struct {
	cfg   Config
	clock *clock
	link  *channel.Endpoint
	st    *netstack.Stack
	socks map[int32]*socket
	err   error // set once the stack failed or was closed
}

var _ stack.Stack = (*Stack)(nil)

const (
	nicID      = 1
	linkQueue  = 4096
	defaultMTU = 1500
)

// New builds a netstack host.
func New(cfg Config) (*Stack, error) {
	if cfg.Addr.IsZero() {
		cfg.Addr = stack.LocalIP()
	}
	if cfg.Peers.IsZero() {
		r := stack.RemoteIP().As4()
		cfg.Peers = spec.IPv4(r[0], r[1], r[2], 0)
	}
	if cfg.PeersPrefix == 0 {
		cfg.PeersPrefix = 24
	}
	if cfg.PeersPrefix < 0 || cfg.PeersPrefix > 32 {
		return nil, fmt.Errorf("gvisor: peers prefix /%d out of range", cfg.PeersPrefix)
	}
	if cfg.MTU == 0 {
		cfg.MTU = defaultMTU
	}
	if cfg.MTU < 68 {
		return nil, fmt.Errorf("gvisor: MTU %d below the IPv4 minimum of 68", cfg.MTU)
	}
	clk := newClock()
	rs := newSeededRand(cfg.Seed)
	st := netstack.New(netstack.Options{
		NetworkProtocols:   []netstack.NetworkProtocolFactory{ipv4.NewProtocol},
		TransportProtocols: []netstack.TransportProtocolFactory{tcp.NewProtocol},
		Clock:              clk,
		RandSource:         rs,
		SecureRNG:          rs,
	})
	s := &Stack{cfg: cfg, clock: clk, st: st, socks: make(map[int32]*socket)}
	s.link = channel.New(linkQueue, cfg.MTU, "")
	if err := st.CreateNIC(nicID, s.link); err != nil {
		s.destroy()
		return nil, fmt.Errorf("gvisor: create NIC: %s", err)
	}
	pa := tcpip.ProtocolAddress{
		Protocol:          ipv4.ProtocolNumber,
		AddressWithPrefix: tcpip.AddrFrom4(cfg.Addr.As4()).WithPrefix(),
	}
	if err := st.AddProtocolAddress(nicID, pa, netstack.AddressProperties{}); err != nil {
		s.destroy()
		return nil, fmt.Errorf("gvisor: add address %s: %s", cfg.Addr, err)
	}
	subnet, err := tcpip.NewSubnet(tcpip.AddrFrom4(cfg.Peers.As4()), tcpip.MaskFromBytes(prefixMask(cfg.PeersPrefix)))
	if err != nil {
		s.destroy()
		return nil, fmt.Errorf("gvisor: peer subnet %s/%d: %w", cfg.Peers, cfg.PeersPrefix, err)
	}
	st.SetRouteTable([]tcpip.Route{{Destination: subnet, NIC: nicID}})
	if cfg.TimeWait != 0 {
		if err := s.SetTransportOption(ptr(tcpip.TCPTimeWaitTimeoutOption(cfg.TimeWait))); err != nil {
			s.destroy()
			return nil, err
		}
	}
	if cfg.FinWait2Timeout != 0 {
		if err := s.SetTransportOption(ptr(tcpip.TCPLingerTimeoutOption(cfg.FinWait2Timeout))); err != nil {
			s.destroy()
			return nil, err
		}
	}
	for _, kv := range cfg.Sysctls {
		if err := s.Sysctl(kv[0], kv[1]); err != nil {
			s.destroy()
			return nil, err
		}
	}
	return s, nil
}

func ptr[T any](v T) *T { return &v }

func prefixMask(n int) []byte {
	var m [4]byte
	binary.BigEndian.PutUint32(m[:], ^uint32(0)<<(32-n))
	if n == 0 {
		m = [4]byte{}
	}
	return m[:]
}

// seededRand is the deterministic source behind netstack's random numbers:
// a math/rand Source and an io.Reader, safe for concurrent use as netstack
// requires.
type seededRand struct {
	mu sync.Mutex
	r  *rand.ChaCha8
}

func newSeededRand(seed uint64) *seededRand {
	var k [32]byte
	binary.LittleEndian.PutUint64(k[:], seed)
	copy(k[8:], "tcpclose/gvisorstack")
	return &seededRand{r: rand.NewChaCha8(k)}
}

func (r *seededRand) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.r.Read(p)
}

func (r *seededRand) Int63() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return int64(r.r.Uint64() >> 1)
}

func (r *seededRand) Seed(int64) {}

// Name implements stack.Stack.
func (s *Stack) Name() string { return "gvisor" }

// Now implements stack.Stack: the manual clock's time since the start.
func (s *Stack) Now() spec.Time { return toSpec(s.clock.Now()) }

func toSpec(t time.Time) spec.Time   { return spec.Time(t.Sub(epoch)) }
func fromSpec(t spec.Time) time.Time { return epoch.Add(time.Duration(t)) }

// Netstack returns the underlying netstack, for tests and experiments that
// need more than the stack.Stack interface. Actions taken on it directly
// bypass the adapter's bookkeeping.
func (s *Stack) Netstack() *netstack.Stack { return s.st }

// SetTransportOption sets a stack-wide TCP option, such as
// tcpip.TCPTimeWaitTimeoutOption.
func (s *Stack) SetTransportOption(opt tcpip.SettableTransportProtocolOption) error {
	if err := s.st.SetTransportProtocolOption(tcp.ProtocolNumber, opt); err != nil {
		return fmt.Errorf("gvisor: set %T(%v): %s", opt, opt, err)
	}
	return nil
}

// Close implements stack.Stack. It aborts every endpoint and stops
// netstack's goroutines.
func (s *Stack) Close() error {
	if errors.Is(s.err, errClosed) {
		return nil
	}
	s.destroy()
	return nil
}

var errClosed = errors.New("gvisor: stack closed")

func (s *Stack) destroy() {
	for _, sk := range s.socks {
		sk.ep.Abort()
	}
	s.socks = nil
	s.st.Close()
	s.st.Wait()
	s.link.Close()
	s.err = errClosed
}

// Inject implements stack.Stack. Time first runs to at (timer outputs
// on the way are returned too, with their times), then seg arrives.
// Addresses left zero in seg default to the script's: the peer is
// stack.RemoteIP(), the host its own address.
func (s *Stack) Inject(at spec.Time, seg spec.Segment) ([]stack.Observed, error) {
	if s.err != nil {
		return nil, s.err
	}
	if seg.Src.IP == (spec.Addr{}) {
		seg.Src.IP = stack.RemoteIP()
	}
	if seg.Dst.IP == (spec.Addr{}) {
		seg.Dst.IP = s.cfg.Addr
	}
	b, err := codec.EncodeIPv4(seg, 0)
	if err != nil {
		return nil, fmt.Errorf("gvisor: inject at %s: %w", at, err)
	}
	out, err := s.runTo(at)
	if err != nil {
		return out, err
	}
	pkt := netstack.NewPacketBuffer(netstack.PacketBufferOptions{Payload: buffer.MakeWithData(b)})
	s.link.InjectInbound(ipv4.ProtocolNumber, pkt)
	pkt.DecRef()
	return s.collect(out, nil)
}

// Call implements stack.Stack. Time first runs to at, then the call is
// made; its result comes after the segments it caused.
func (s *Stack) Call(at spec.Time, c spec.Call) ([]stack.Observed, error) {
	if s.err != nil {
		return nil, s.err
	}
	out, err := s.runTo(at)
	if err != nil {
		return out, err
	}
	res, done := s.call(c)
	if !done {
		return s.collect(out, nil)
	}
	return s.collect(out, &res)
}

// Advance implements stack.Stack. The manual clock moves from timer
// deadline to timer deadline; it stops just after the first deadline at
// which the stack produced output, or at until.
func (s *Stack) Advance(until spec.Time) ([]stack.Observed, error) {
	if s.err != nil {
		return nil, s.err
	}
	end := fromSpec(until)
	for i := 0; i < maxTimerSteps; i++ {
		next, ok := s.clock.next()
		if !ok || next.After(end) {
			if end.After(s.clock.Now()) {
				s.clock.advanceTo(end)
			}
			return s.collect(nil, nil)
		}
		s.clock.advanceTo(next)
		out, err := s.collect(nil, nil)
		if err != nil || len(out) > 0 {
			return out, err
		}
	}
	return nil, fmt.Errorf("gvisor: advance to %s: more than %d timer deadlines without output at %s", until, maxTimerSteps, s.Now())
}

// maxTimerSteps bounds one Advance; netstack arms a handful of timers per
// connection, so only a runaway timer reaches it.
const maxTimerSteps = 1 << 20

// runTo advances the clock to at without stopping, collecting every output
// on the way.
func (s *Stack) runTo(at spec.Time) ([]stack.Observed, error) {
	var all []stack.Observed
	for s.Now() < at {
		out, err := s.Advance(at)
		all = append(all, out...)
		if err != nil {
			return all, err
		}
	}
	return all, nil
}

// collect waits for netstack to go idle, then gathers the segments it
// sent, then res (the result of the call just made, if any), then the
// results of parked calls that can now complete, all at the current time.
func (s *Stack) collect(out []stack.Observed, res *spec.Output) ([]stack.Observed, error) {
	for {
		s.settle()
		var err error
		if out, err = s.drain(out); err != nil {
			return out, err
		}
		if res != nil {
			out = append(out, stack.Observed{At: s.Now(), Out: *res})
			res = nil
		}
		n := len(out)
		out = s.pollBlocked(out)
		if len(out) == n {
			return out, nil
		}
	}
}

// drain reads every packet the stack sent from the channel endpoint.
func (s *Stack) drain(out []stack.Observed) ([]stack.Observed, error) {
	now := s.Now()
	for {
		pkt := s.link.Read()
		if pkt == nil {
			return out, nil
		}
		v := pkt.ToView()
		seg, err := codec.DecodeIPv4(v.AsSlice())
		if err == nil {
			err = codec.VerifyChecksums(v.AsSlice())
		}
		v.Release()
		pkt.DecRef()
		if errors.Is(err, codec.ErrNotTCP) {
			continue // netstack sends other traffic too, such as IGMP
		}
		if err != nil {
			return out, fmt.Errorf("gvisor: packet sent at %s: %w", now, err)
		}
		out = append(out, stack.Observed{At: now, Out: spec.SegmentOut(seg)})
	}
}

// settle returns once netstack's segment processors are idle. Work runs
// on processor goroutines; pausing them waits until each has emptied its
// queue. A processor may hand work to one that is already paused (a SYN
// in TIME-WAIT goes on to the listener), so rounds repeat until a round in
// which no segment was queued or sent.
func (s *Stack) settle() {
	for i := 0; ; i++ {
		before := s.progress()
		s.clock.RunImmediatelyScheduledJobs()
		s.st.Pause()
		s.st.Resume()
		if i > 0 && s.progress() == before {
			return
		}
	}
}

func (s *Stack) progress() [3]uint64 {
	st := s.st.Stats()
	return [3]uint64{st.TCP.ValidSegmentsReceived.Value(), st.TCP.SegmentsSent.Value(), st.TCP.InvalidSegmentsReceived.Value()}
}

// ConnState returns the state of the connection t as netstack's demuxer
// holds it (listeners and unconnected endpoints are not connections), or
// CLOSED if there is none. Unlike getsockopt(TCP_INFO), it sees orphaned
// connections and TIME-WAIT entries.
func (s *Stack) ConnState(t spec.FourTuple) spec.State {
	return s.Conns()[t]
}

// Conns returns every connection netstack's demuxer holds, by 4-tuple,
// with its state.
func (s *Stack) Conns() map[spec.FourTuple]spec.State {
	m := make(map[spec.FourTuple]spec.State)
	if s.err != nil {
		return m
	}
	for _, te := range s.st.RegisteredEndpoints() {
		ep, isTCP := te.(*tcp.Endpoint)
		if !isTCP {
			continue
		}
		info, isInfo := ep.Info().(*netstack.TransportEndpointInfo)
		if !isInfo || info.ID.RemotePort == 0 {
			continue
		}
		id := info.ID
		t := spec.FourTuple{
			Local:  spec.SockAddr{IP: spec.AddrFrom4(id.LocalAddress.As4()), Port: id.LocalPort},
			Remote: spec.SockAddr{IP: spec.AddrFrom4(id.RemoteAddress.As4()), Port: id.RemotePort},
		}
		m[t] = State(ep.State())
	}
	return m
}
